//! Reading what the call has learned ([`Facts`]): conditions of branch states, the options that
//! apply, and the schedule of the plan being arranged.

use super::*;

/// The options of `set` the account's policy allows now (none before a policy is chosen).
pub(super) fn offered(set: OfferSet, session: &Session, ctx: &impl Context) -> Vec<Offer> {
    let (Some(policy), Some(account)) = (ctx.policy(), ctx.account()) else {
        return Vec::new();
    };
    let situation = collections::offers::Situation {
        smallest_payment_cents: ctx.smallest_payment_cents(account),
        agent_available: people_available(ctx),
        hardship: session.facts.hardship.is_some(),
        open_arrangement: session.facts.arrangement.is_some(),
        autopay_on: session
            .facts
            .autopay
            .as_ref()
            .is_some_and(|a| a.id.is_some()),
        link_reaches: ctx.pay_link_reaches(),
        today: ctx.today(),
    };
    collections::offers::available(policy, set, account, situation)
}

/// The installments being arranged, as they would be scheduled from today.
pub(super) fn planned_schedule(
    session: &Session,
    ctx: &impl Context,
) -> Vec<collections::terms::Installment> {
    let Some((total, Some(count))) = session
        .facts
        .plan
        .as_ref()
        .map(|plan| (plan.total_cents, plan.count))
    else {
        return Vec::new();
    };
    let Some(terms) = ctx.policy().and_then(|policy| {
        collections::offers::plan_terms(policy, session.facts.hardship.is_some())
    }) else {
        return Vec::new();
    };
    let first = if terms.first_payment_today {
        ctx.today()
    } else {
        terms.interval.after(ctx.today(), 1)
    };
    collections::terms::schedule(total, count, first, terms.interval)
}

pub(super) fn holds(
    condition: &Condition,
    session: &Session,
    ctx: &impl Context,
    flow: &Flow,
) -> bool {
    let account = ctx.account();
    match condition {
        Condition::Is(Var::CallerMatched) => session.caller_matched,
        Condition::Is(Var::Authenticated) => session.authenticated,
        Condition::Is(Var::AgentAvailable) => ctx.agent_number().is_some(),
        Condition::Is(Var::PeopleAvailable) => people_available(ctx),
        Condition::Is(Var::CanPayMinimum) => account.is_some_and(|a| {
            (ctx.smallest_payment_cents(a)..a.balance_cents).contains(&a.minimum_due_cents)
        }),
        Condition::Is(Var::CanPayOtherAmount) => {
            account.is_some_and(|a| ctx.smallest_payment_cents(a) < a.balance_cents)
        }
        Condition::Is(Var::FeeApplies) => session.facts.payment.fee_cents.is_some_and(|f| f > 0),
        Condition::Is(Var::CardForPlan) => {
            session.facts.payment.card_for == Some(facts::CardFor::Plan)
        }
        Condition::Is(Var::CardForPlanChange) => {
            session.facts.payment.card_for == Some(facts::CardFor::PlanCard)
        }
        Condition::Is(Var::Hardship) => session.facts.hardship.is_some(),
        Condition::Is(Var::DebitNoticed) => session.facts.debit.as_ref().is_some_and(|d| d.noticed),
        Condition::Is(Var::CardForAutopay) => {
            session.facts.payment.card_for == Some(facts::CardFor::Autopay)
        }
        Condition::Is(Var::AutopayHasMethodOnFile) => session
            .facts
            .autopay
            .as_ref()
            .is_some_and(|a| a.on_file.is_some()),
        Condition::Is(Var::PlanByBank) => session.facts.plan_debit.is_some(),
        Condition::Is(Var::AutopayBankPossible) => session
            .facts
            .autopay
            .as_ref()
            .is_some_and(|a| a.bank_possible),
        Condition::Is(Var::PaidThisCall) => session.facts.payment.confirmation.is_some(),
        Condition::Is(Var::SavedIsBank) => session
            .facts
            .saved
            .as_ref()
            .is_some_and(|saved| saved.kind == "bank"),
        Condition::Is(Var::ProviderCapturesCards) => {
            flow.card_capture == CardCapture::Provider && ctx.card_capture(0).is_some()
        }
        Condition::Is(Var::AutopayNoticed) => {
            session.facts.autopay.as_ref().is_some_and(|a| a.noticed)
        }
        Condition::Is(_) => false,
        Condition::Money(var, cmp, cents) => {
            let value = match var {
                Var::Balance => account.map(|a| a.balance_cents),
                Var::MinimumDue => account.map(|a| a.minimum_due_cents),
                _ => None,
            };
            value.is_some_and(|v| cmp.holds(v, *cents))
        }
        Condition::Text(var, equal, text) => {
            let value = match var {
                Var::Segment => account.map(|a| a.segment.clone()),
                Var::Language => session.language.map(|l| l.code().to_owned()),
                Var::FirstName => account.map(|a| first_name(a).to_owned()),
                _ => None,
            };
            value.is_some_and(|v| (v == *text) == *equal)
        }
    }
}
