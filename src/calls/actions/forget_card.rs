//! `forget_card`: forget the card entered so far, so the caller can start it over.

use super::CARD_SECRETS;
use crate::flow::engine::Session;

results! {
    /// Forgetting always succeeds.
    ForgetCardResult for ForgetCard {
        /// No card field is held any more.
        Done = "done",
    }
}

/// Wipes the card's sealed fields and its brand and last four.
pub(super) fn run(session: &mut Session) -> ForgetCardResult {
    for name in CARD_SECRETS {
        session.secrets.take(name);
    }
    session.values.remove("card_brand");
    session.values.remove("card_last4");
    ForgetCardResult::Done
}
