//! `pay_full_balance`: choose the whole balance as the amount to pay.

use super::{CallContext, set_amount};
use crate::flow::engine::Session;

results! {
    /// Choosing an amount always succeeds.
    PayFullBalanceResult for PayFullBalance {
        /// The amount is the balance (nothing, without an account).
        Done = "done",
    }
}

/// Sets the amount to the balance.
pub(super) fn run(ctx: &CallContext<'_>, session: &mut Session) -> PayFullBalanceResult {
    let balance = ctx.account.as_ref().map_or(0, |a| a.balance_cents);
    set_amount(session, balance);
    PayFullBalanceResult::Done
}
