//! `pay_full_balance`: choose the whole balance as the amount to pay.

use super::{CallContext, set_amount};
use crate::error::AppError;
use crate::flow::actions::PayFullBalanceResult;
use crate::flow::engine::Session;

/// Sets the amount to the balance.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PayFullBalanceResult, AppError> {
    let balance = ctx.account.as_ref().map_or(0, |a| a.balance_cents);
    set_amount(session, balance);
    Ok(PayFullBalanceResult::Done)
}
