//! `route_account`: how a verified caller is treated. The law comes first (a disputed or
//! bankrupt account is never asked for money, whatever the policy says), then the policy's
//! treatment, then a running plan, which a returning caller hears about before anything else.

use super::CallContext;
use crate::collections::policy::{NO_DEMAND_FLAGS, Treatment, has_flag};
use crate::collections::{Policy, parse_date};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::RouteAccountResult;
use crate::flow::engine::Session;
use crate::flow::facts::{CardFor, CardLabel, OpenArrangement, PlanKind};

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
    // AutoPay on: offered how to stop it, and no plan or settlement besides.
    session.facts.autopay = crate::calls::autopay::facts(ctx.app, &account.account_number).await?;
    if let Some(plan) = ctx.app.store.open_plan(&account.account_number).await? {
        let next = plan
            .installments
            .iter()
            .find(|i| matches!(i.status.as_str(), "retrying" | "unknown"))
            .or_else(|| plan.installments.iter().find(|i| i.status == "scheduled"));
        // The store writes due dates as YYYY-MM-DD; one it cannot read is no installment.
        if let Some((next, due)) = next.and_then(|n| Some((n, parse_date(&n.due_date)?))) {
            session.facts.arrangement = Some(OpenArrangement {
                id: plan.id,
                kind: if plan.kind == "settlement" {
                    PlanKind::Settlement
                } else {
                    PlanKind::Plan
                },
                installment_seq: next.seq,
                installment_cents: next.amount_cents,
                installment_due: due,
                installment_missed: next.status == "retrying",
                card: CardLabel {
                    brand: plan.method_label.clone().unwrap_or_default(),
                    last4: plan.method_last4.clone().unwrap_or_default(),
                },
            });
            // A card entered from here replaces the plan's card (paying otherwise clears this).
            session.facts.payment.card_for = Some(CardFor::PlanCard);
            return Ok(RouteAccountResult::Arrangement);
        }
    }
    if account.balance_cents <= 0 {
        return Ok(RouteAccountResult::NothingDue);
    }
    Ok(RouteAccountResult::Offers)
}
