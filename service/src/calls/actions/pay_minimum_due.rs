//! `pay_minimum_due`: choose the minimum due (at least the smallest payment, at most the
//! balance) as the amount to pay.

use super::{CallContext, set_amount};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::PayMinimumDueResult;
use crate::flow::engine::Session;

/// Sets the amount to the minimum due, kept between the smallest payment and the balance.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PayMinimumDueResult, AppError> {
    let cents = ctx.account.as_ref().map_or(0, |account| {
        account
            .minimum_due_cents
            .max(ctx.smallest_payment_cents(account))
            .min(account.balance_cents)
    });
    set_amount(session, cents);
    Ok(PayMinimumDueResult::Done)
}
