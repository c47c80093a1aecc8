//! `keep_card`: the caller asked to keep the card on file with this payment.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::KeepCardResult;
use crate::flow::engine::Session;

/// Notes the wish; the charge keeps the card at the gateway first and files it once the payment
/// is approved.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    _ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<KeepCardResult, AppError> {
    session.facts.payment.keep_card = true;
    Ok(KeepCardResult::Done)
}
