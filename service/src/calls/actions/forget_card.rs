//! `forget_card`: forget the card entered so far, so the caller can start it over.

use super::{CARD_SECRETS, CallContext};
use crate::error::AppError;
use crate::flow::actions::ForgetCardResult;
use crate::flow::engine::Session;

/// Wipes the card's sealed fields and its brand and last four.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    _ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ForgetCardResult, AppError> {
    for field in CARD_SECRETS {
        session.secrets.take(field.input_name());
    }
    session.facts.card = None;
    Ok(ForgetCardResult::Done)
}
