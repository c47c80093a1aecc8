//! `settle_in_one_payment`: take the settlement on offer as today's payment.

use super::{CallContext, set_amount};
use crate::error::AppError;
use crate::flow::actions::SettleInOnePaymentResult;
use crate::flow::engine::Session;

/// Sets the amount to the settlement and marks the payment as settling the account.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    _ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<SettleInOnePaymentResult, AppError> {
    let Some(amount) = session.facts.settlement.as_ref().map(|s| s.cents) else {
        return Ok(SettleInOnePaymentResult::NotAvailable);
    };
    set_amount(session, amount);
    session.facts.payment.settling = Some(amount);
    Ok(SettleInOnePaymentResult::Done)
}
