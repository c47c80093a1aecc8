//! `offer_plan`: work out which numbers of installments the policy allows for the balance.

use super::CallContext;
use crate::collections::offers::plan_terms;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferPlanResult;
use crate::flow::engine::Session;
use crate::flow::facts::{CardFor, PlanKind, PlanOffer};

/// Keeps the balance as the total to spread and the numbers of installments allowed.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferPlanResult, AppError> {
    let hardship = session.facts.hardship.is_some();
    let (Some(terms), Some(account)) = (
        ctx.policy().and_then(|p| plan_terms(p, hardship)).cloned(),
        ctx.account.as_ref(),
    ) else {
        return Ok(OfferPlanResult::NotAvailable);
    };
    let counts = terms.counts_for(account.balance_cents).to_vec();
    if counts.is_empty() {
        return Ok(OfferPlanResult::NotAvailable);
    }
    arrange(session, PlanKind::Plan, account.balance_cents, counts);
    Ok(OfferPlanResult::Offered)
}

/// Starts arranging installments: what for, the total, the counts allowed; the card entered
/// next is for them.
pub(super) fn arrange(session: &mut Session, kind: PlanKind, total_cents: i64, counts: Vec<u32>) {
    session.facts.plan = Some(PlanOffer {
        kind,
        total_cents,
        counts,
        count: None,
    });
    session.facts.payment.card_for = Some(CardFor::Plan);
    session.facts.payment.fee_cents = None;
}
