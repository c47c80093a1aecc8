//! `offer_settlement`: work out what the account can be settled for today, by the policy.

use super::CallContext;
use crate::collections::{keys, terms};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferSettlementResult;
use crate::flow::engine::Session;

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
    session
        .values
        .insert(keys::SETTLEMENT_CENTS.to_owned(), amount.to_string());
    session
        .values
        .insert(keys::SETTLEMENT_EXPIRES.to_owned(), expires.to_string());
    Ok(if settlement.payments.iter().any(|&n| n > 1) {
        OfferSettlementResult::OfferedInPayments
    } else {
        OfferSettlementResult::Offered
    })
}
