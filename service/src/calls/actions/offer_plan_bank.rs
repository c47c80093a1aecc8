//! `offer_plan_bank`: whether the plan (or settlement) being set up can be paid from a bank
//! account.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::OfferPlanBankResult;
use crate::flow::engine::Session;
use crate::flow::facts::CardFor;

/// Offers a checking or savings account for a plan's installments where the gateway debits
/// banks and [`CallContext::recurring_debits_possible`]: a plan's debits recur, so their
/// authorisation must be both recorded and sent in writing.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferPlanBankResult, AppError> {
    let for_plan = session.facts.payment.card_for == Some(CardFor::Plan);
    let Some(account) = ctx.account.as_ref().filter(|_| for_plan) else {
        return Ok(OfferPlanBankResult::NotAvailable);
    };
    Ok(
        if ctx.app.gateway.debits_banks() && ctx.recurring_debits_possible(account) {
            OfferPlanBankResult::Offered
        } else {
            OfferPlanBankResult::NotAvailable
        },
    )
}
