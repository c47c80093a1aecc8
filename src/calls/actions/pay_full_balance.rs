//! `pay_full_balance`: choose the whole balance as the amount to pay.

use super::{CallContext, set_amount};
use crate::flow::actions::PayFullBalanceResult;
use crate::flow::engine::Session;

/// Sets the amount to the balance.
pub(super) fn run(ctx: &CallContext<'_>, session: &mut Session) -> PayFullBalanceResult {
    let balance = ctx.account.as_ref().map_or(0, |a| a.balance_cents);
    set_amount(session, balance);
    PayFullBalanceResult::Done
}
