//! `offer_settlement`: work out what the account can be settled for today, by the policy.

use super::CallContext;
use crate::collections::terms;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferSettlementResult;
use crate::flow::engine::Session;
use crate::flow::facts::SettlementOffer;

/// Keeps the settlement amount and its last day in the session.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferSettlementResult, AppError> {
    let (Some(settlement), Some(account)) = (
        ctx.policy().and_then(|p| p.settlement.clone()),
        ctx.account.as_ref(),
    ) else {
        return Ok(OfferSettlementResult::NotAvailable);
    };
    let amount = terms::settlement_amount(
        account.balance_cents,
        settlement.basis_points,
        settlement.floor_cents,
    );
    let Some(expires) = settlement.offer_ends(ctx.today()) else {
        return Ok(OfferSettlementResult::NotAvailable);
    };
    if amount >= account.balance_cents || amount <= 0 {
        return Ok(OfferSettlementResult::NotAvailable);
    }
    session.facts.settlement = Some(SettlementOffer {
        cents: amount,
        expires,
    });
    Ok(if settlement.payments.iter().any(|&n| n > 1) {
        OfferSettlementResult::OfferedInPayments
    } else {
        OfferSettlementResult::Offered
    })
}
