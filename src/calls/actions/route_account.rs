//! `route_account`: how a verified caller is treated. The law comes first (a disputed or
//! bankrupt account is never asked for money, whatever the policy says), then the policy's
//! treatment, then a running plan, which a returning caller hears about before anything else.

use super::CallContext;
use crate::collections::policy::{NO_DEMAND_FLAGS, Treatment, has_flag};
use crate::collections::{Policy, keys};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::RouteAccountResult;
use crate::flow::engine::Session;

/// Decides the treatment; for a running plan, keeps its next (or missed) installment and its
/// card's brand and last four in the session.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RouteAccountResult, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(RouteAccountResult::NothingDue);
    };
    if NO_DEMAND_FLAGS.iter().any(|flag| has_flag(&account, flag)) {
        return Ok(RouteAccountResult::NoPayment);
    }
    match ctx.policy().map(|p: &Policy| p.treatment) {
        Some(Treatment::NoPayment) => return Ok(RouteAccountResult::NoPayment),
        Some(Treatment::Specialist) => return Ok(RouteAccountResult::Specialist),
        _ => {}
    }
    if let Some(plan) = ctx.app.store.open_plan(&account.account_number).await? {
        let next = plan
            .installments
            .iter()
            .find(|i| matches!(i.status.as_str(), "retrying" | "unknown"))
            .or_else(|| plan.installments.iter().find(|i| i.status == "scheduled"));
        if let Some(next) = next {
            let facts = [
                (keys::ARRANGEMENT_ID, plan.id.to_string()),
                (keys::ARRANGEMENT_KIND, plan.kind.clone()),
                (keys::INSTALLMENT_SEQ, next.seq.to_string()),
                (keys::INSTALLMENT_CENTS, next.amount_cents.to_string()),
                (keys::INSTALLMENT_DUE, next.due_date.clone()),
                (
                    keys::INSTALLMENT_MISSED,
                    if next.status == "retrying" { "1" } else { "0" }.to_owned(),
                ),
                (
                    keys::ARRANGEMENT_CARD_BRAND,
                    plan.method_label.clone().unwrap_or_default(),
                ),
                (
                    keys::ARRANGEMENT_CARD_LAST4,
                    plan.method_last4.clone().unwrap_or_default(),
                ),
            ];
            for (key, value) in facts {
                session.values.insert(key.to_owned(), value);
            }
            // A card entered from here replaces the plan's card (paying otherwise clears this).
            session
                .values
                .insert(keys::CARD_FOR.to_owned(), "plan_card".to_owned());
            return Ok(RouteAccountResult::Arrangement);
        }
    }
    if account.balance_cents <= 0 {
        return Ok(RouteAccountResult::NothingDue);
    }
    Ok(RouteAccountResult::Offers)
}
