//! `forget_card`: forget the card entered so far, so the caller can start it over.

use super::CARD_SECRETS;
use crate::flow::actions::ForgetCardResult;
use crate::flow::engine::Session;

/// Wipes the card's sealed fields and its brand and last four.
pub(super) fn run(session: &mut Session) -> ForgetCardResult {
    for field in CARD_SECRETS {
        session.secrets.take(field.input_name());
    }
    session.facts.card = None;
    ForgetCardResult::Done
}
