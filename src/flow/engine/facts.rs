//! Reading what the call has learned: conditions of branch states, the options that apply, and
//! the amounts and dates the facts hold.

use super::*;

/// The options of `set` the account's policy allows now (none before a policy is chosen).
pub(super) fn offered(set: OfferSet, session: &Session, ctx: &impl Context) -> Vec<Offer> {
    let (Some(policy), Some(account)) = (ctx.policy(), ctx.account()) else {
        return Vec::new();
    };
    let situation = collections::offers::Situation {
        smallest_payment_cents: ctx.smallest_payment_cents(account),
        agent_available: people_available(ctx),
        hardship: session.values.contains_key(keys::HARDSHIP),
        open_arrangement: session.values.contains_key(keys::ARRANGEMENT_ID),
        today: ctx.today(),
    };
    collections::offers::available(policy, set, account, situation)
}

/// A session value in cents.
pub(super) fn cents_of(session: &Session, key: &str) -> Option<i64> {
    session.values.get(key).and_then(|c| c.parse().ok())
}

/// A session value that is a date.
pub(super) fn date_of(session: &Session, key: &str) -> Option<time::Date> {
    session
        .values
        .get(key)
        .and_then(|d| collections::parse_date(d))
}

/// The installments being arranged, as they would be scheduled from today.
pub(super) fn planned_schedule(
    session: &Session,
    ctx: &impl Context,
) -> Vec<collections::terms::Installment> {
    let (Some(total), Some(count)) = (
        cents_of(session, keys::PLAN_TOTAL),
        session
            .values
            .get(keys::PLAN_COUNT)
            .and_then(|c| c.parse::<u32>().ok()),
    ) else {
        return Vec::new();
    };
    let Some(terms) = ctx.policy().and_then(|policy| {
        collections::offers::plan_terms(policy, session.values.contains_key(keys::HARDSHIP))
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

pub(super) fn holds(condition: &Condition, session: &Session, ctx: &impl Context) -> bool {
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
        Condition::Is(Var::FeeApplies) => cents_of(session, keys::FEE_CENTS).is_some_and(|f| f > 0),
        Condition::Is(Var::CardForPlan) => session
            .values
            .get(keys::CARD_FOR)
            .is_some_and(|f| f == "plan"),
        Condition::Is(Var::CardForPlanChange) => session
            .values
            .get(keys::CARD_FOR)
            .is_some_and(|f| f == "plan_card"),
        Condition::Is(Var::Hardship) => session.values.contains_key(keys::HARDSHIP),
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
