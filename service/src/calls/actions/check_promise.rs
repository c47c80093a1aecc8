//! `check_promise`: check the amount the caller promises against the smallest allowed and the
//! balance.

use super::CallContext;
use crate::error::AppError;
use crate::flow::InputKind;
use crate::flow::actions::CheckPromiseResult;
use crate::flow::engine::Session;
use crate::payments::Money;

/// Takes the typed amount out of the session and checks it.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<CheckPromiseResult, AppError> {
    let entered = session
        .facts
        .answers
        .remove(&InputKind::Amount)
        .and_then(|keys| Money::parse_keypad(&keys).ok())
        .map(Money::cents);
    let Some(promise) = &mut session.facts.promise else {
        return Ok(CheckPromiseResult::TooLow);
    };
    let smallest = promise.smallest_cents;
    let balance = ctx.account.as_ref().map_or(0, |a| a.balance_cents);
    Ok(match entered {
        Some(cents) if cents > balance => CheckPromiseResult::TooHigh,
        Some(cents) if cents >= smallest => {
            promise.cents = Some(cents);
            CheckPromiseResult::Ok
        }
        _ => CheckPromiseResult::TooLow,
    })
}
