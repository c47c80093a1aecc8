//! `apply_fee`: work out the policy's convenience fee on the card payment about to be taken.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::ApplyFeeResult;
use crate::flow::engine::Session;

/// Sets the fee on the amount to pay (or clears it).
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ApplyFeeResult, AppError> {
    let amount = session.facts.payment.cents.unwrap_or(0);
    let fee = match (ctx.policy().and_then(|p| p.card_fee.as_ref()), &ctx.account) {
        (Some(terms), Some(account)) => terms.fee_for(account, amount),
        _ => 0,
    };
    if fee > 0 {
        session.facts.payment.fee_cents = Some(fee);
        Ok(ApplyFeeResult::Applies)
    } else {
        session.facts.payment.fee_cents = None;
        Ok(ApplyFeeResult::None)
    }
}
