//! `settle_in_installments`: spread the settlement on offer over a few payments, charged like a
//! plan's.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::SettleInInstallmentsResult;
use crate::flow::engine::Session;
use crate::flow::facts::PlanKind;

/// Keeps the settlement as the total to spread and the numbers of payments allowed.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<SettleInInstallmentsResult, AppError> {
    let (Some(total), Some(settlement)) = (
        session.facts.settlement.as_ref().map(|s| s.cents),
        ctx.policy().and_then(|p| p.settlement.clone()),
    ) else {
        return Ok(SettleInInstallmentsResult::NotAvailable);
    };
    let counts: Vec<u32> = settlement
        .payments
        .iter()
        .copied()
        .filter(|&n| n > 1 && n <= 9)
        .collect();
    if counts.is_empty() {
        return Ok(SettleInInstallmentsResult::NotAvailable);
    }
    super::offer_plan::arrange(session, PlanKind::Settlement, total, counts);
    Ok(SettleInInstallmentsResult::Offered)
}
