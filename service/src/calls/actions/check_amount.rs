//! `check_amount`: check the amount the caller typed against the balance and the smallest
//! payment.

use super::{CallContext, set_amount};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::InputKind;
use crate::flow::actions::CheckAmountResult;
use crate::flow::engine::Session;
use crate::payments::Money;

/// Takes the typed amount out of the session and checks it.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<CheckAmountResult, AppError> {
    let Some(account) = ctx.account.as_ref() else {
        return Ok(CheckAmountResult::AboveBalance);
    };
    let entered = session
        .facts
        .answers
        .remove(&InputKind::Amount)
        .and_then(|keys| Money::parse_keypad(&keys).ok());
    let Some(cents) = entered.map(Money::cents) else {
        return Ok(CheckAmountResult::BelowMinimum);
    };
    Ok(if cents > account.balance_cents {
        CheckAmountResult::AboveBalance
    } else if cents < ctx.smallest_payment_cents(account) {
        CheckAmountResult::BelowMinimum
    } else {
        set_amount(session, cents);
        CheckAmountResult::Ok
    })
}
