//! `check_promise`: check the amount the caller promises against the smallest allowed and the
//! balance.

use super::{CallContext, cents_of};
use crate::collections::keys;
use crate::error::AppError;
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
        .values
        .remove("amount")
        .and_then(|keys| Money::parse_keypad(&keys).ok())
        .map(Money::cents);
    let smallest = cents_of(session, keys::PROMISE_SMALLEST).unwrap_or(1);
    let balance = ctx.account.as_ref().map_or(0, |a| a.balance_cents);
    Ok(match entered {
        Some(cents) if cents > balance => CheckPromiseResult::TooHigh,
        Some(cents) if cents >= smallest => {
            session
                .values
                .insert(keys::PROMISE_CENTS.to_owned(), cents.to_string());
            CheckPromiseResult::Ok
        }
        _ => CheckPromiseResult::TooLow,
    })
}
