//! `offer_plan`: work out which numbers of installments the policy allows for the balance.

use super::CallContext;
use crate::collections::keys;
use crate::collections::offers::plan_terms;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferPlanResult;
use crate::flow::engine::Session;

/// Keeps the balance as the total to spread and the numbers of installments allowed.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferPlanResult, AppError> {
    let hardship = session.values.contains_key(keys::HARDSHIP);
    let (Some(terms), Some(account)) = (
        ctx.policy().and_then(|p| plan_terms(p, hardship)).cloned(),
        ctx.account.as_ref(),
    ) else {
        return Ok(OfferPlanResult::NotAvailable);
    };
    let counts: Vec<String> = terms
        .counts_for(account.balance_cents)
        .iter()
        .map(u32::to_string)
        .collect();
    if counts.is_empty() {
        return Ok(OfferPlanResult::NotAvailable);
    }
    arrange(session, "plan", account.balance_cents, &counts);
    Ok(OfferPlanResult::Offered)
}

/// Starts arranging installments: what for, the total, the counts allowed; the card entered
/// next is for them.
pub(super) fn arrange(session: &mut Session, kind: &str, total_cents: i64, counts: &[String]) {
    for (key, value) in [
        (keys::PLAN_KIND, kind.to_owned()),
        (keys::PLAN_TOTAL, total_cents.to_string()),
        (keys::PLAN_COUNTS, counts.join(",")),
        (keys::CARD_FOR, "plan".to_owned()),
    ] {
        session.values.insert(key.to_owned(), value);
    }
    session.values.remove(keys::PLAN_COUNT);
    session.values.remove(keys::FEE_CENTS);
}
