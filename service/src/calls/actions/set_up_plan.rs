//! `set_up_plan`: the caller agreed to a schedule and the recurring-charge authorisation. Keep
//! the card or bank account at the gateway (only its token is stored), record the plan with the
//! consent (the authorisation's version, its words and the time; from a bank account, with its
//! recording and written copy), and charge the first installment now if the policy says so.

use super::{CallContext, Kept, keep_keyed_bank, keep_keyed_card, next_attempt};
use crate::collections::offers::plan_terms;
use crate::collections::policy::PlanTerms;
use crate::collections::run_due::{self, Charged};
use crate::collections::terms::{self, Installment};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::SetUpPlanResult;
use crate::flow::engine::Session;
use crate::language::Language;
use crate::messages::compose::Channel;
use crate::payments::PlanTelAuthorization;
use crate::store::NewArrangement;

/// The plan the caller is setting up: its policy terms and its schedule from today.
pub(super) struct PlanBeingSetUp {
    /// The policy's plan terms (a hardship plan's, after the caller said paying is hard).
    pub terms: PlanTerms,
    /// `plan` or `settlement`.
    pub kind: String,
    /// What is spread (cents).
    pub total_cents: i64,
    /// How many installments.
    pub count: u32,
    /// Each installment's date and amount.
    pub schedule: Vec<Installment>,
}

/// The plan the caller chose, as it would be set up today; `None` until a schedule is chosen.
pub(super) fn plan_being_set_up(
    ctx: &CallContext<'_>,
    session: &Session,
) -> Option<PlanBeingSetUp> {
    let hardship = session.facts.hardship.is_some();
    let terms = ctx
        .policy()
        .and_then(|p| plan_terms(p, hardship))
        .cloned()?;
    let offer = session.facts.plan.as_ref()?;
    let count = offer.count?;
    let today = ctx.today();
    let first = if terms.first_payment_today {
        today
    } else {
        terms.interval.after(today, 1)
    };
    let schedule = terms::schedule(offer.total_cents, count, first, terms.interval);
    Some(PlanBeingSetUp {
        kind: offer.kind.as_str().to_owned(),
        total_cents: offer.total_cents,
        count,
        schedule,
        terms,
    })
}

/// Sets the plan up (see the module docs), claiming the turn first so a duplicate delivery
/// cannot do it twice. From a bank account (its debits' authorisation read by
/// `prepare_plan_debit`), the account is kept instead of a card, the recording stopped, and the
/// authorisation's evidence (the recording and a written copy) kept with the plan.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<SetUpPlanResult, AppError> {
    ctx.claim().await?;
    let attempt = next_attempt(session);
    let hardship = session.facts.hardship.clone();
    let policy_name = ctx.policy_name.clone().unwrap_or_default();
    let plan = plan_being_set_up(ctx, session);
    let Some(account) = ctx.account.clone() else {
        return Ok(SetUpPlanResult::ProcessingError);
    };
    // The recording of a bank account's authorisation ends with the caller's answer.
    let by_bank = session.facts.plan_debit.clone();
    let recording = by_bank.as_ref().and_then(|terms| terms.recording.clone());
    if let Some(recording) = &recording {
        ctx.stop_recording(recording).await;
    }
    if let Some(terms) = session.facts.plan_debit.as_mut() {
        terms.recording = None;
    }
    let kept = match &by_bank {
        Some(_) => keep_keyed_bank(ctx, session, &account, attempt, "Payment plan").await,
        None => keep_keyed_card(ctx, session, &account, attempt, "Payment plan").await,
    };
    let Some(plan) = plan else {
        tracing::warn!("plan asked without a policy's terms and a schedule");
        return Ok(SetUpPlanResult::ProcessingError);
    };
    let (token, method) = match kept {
        Kept::Token(token, method) => (token, method),
        Kept::Refused => return Ok(SetUpPlanResult::Declined),
        Kept::Failed => return Ok(SetUpPlanResult::ProcessingError),
    };
    let PlanBeingSetUp {
        terms: plan,
        kind,
        total_cents: total,
        count,
        schedule,
    } = plan;
    let kind = kind.as_str();
    let today = ctx.today();
    let language = session.language.unwrap_or(Language::En);
    // A card plan's consent is the policy's words after the schedule; a bank plan's is the
    // recurring TEL authorisation read, composed in code.
    let (consent_version, consent_text) = match &by_bank {
        Some(terms) => (
            PlanTelAuthorization::SCRIPT_VERSION.to_owned(),
            terms.script.clone(),
        ),
        None => (
            plan.authorization_version.clone(),
            format!(
                "{} | {}",
                terms::schedule_words(&schedule, language, today),
                plan.authorization
                    .get(&language)
                    .cloned()
                    .unwrap_or_default()
            ),
        ),
    };
    let now = ctx.app.clock.now_ms();
    let installments: Vec<(String, i64)> = schedule
        .iter()
        .map(|i| (i.due.to_string(), i.amount_cents))
        .collect();
    let message_key = super::receipts::message_key(ctx, attempt);
    let new = NewArrangement {
        account_number: &account.account_number,
        kind,
        status: if plan.first_payment_today {
            "pending"
        } else {
            "active"
        },
        policy: &policy_name,
        total_cents: total,
        balance_before_cents: account.balance_cents,
        promised_by: None,
        card_token: Some(&token),
        method: Some(&method),
        gateway: Some(ctx.app.gateway.name()),
        consent_version: Some(&consent_version),
        consent_text: Some(&consent_text),
        hardship_reason: hardship.as_deref(),
        call: Some(ctx.key()),
        call_attempt: Some(attempt),
        now,
    };
    // A bank plan's written copy goes out now, where a channel reaches the holder (a recurring
    // debit by phone stands on it and the recording); a card plan's to a channel chosen before.
    let channel = match &by_bank {
        Some(_) => crate::calls::debits::notice_channel(ctx.app, &account),
        None => Channel::standing(&account),
    };
    let confirmation = channel.and_then(|channel| {
        crate::collections::schedule_message(
            ctx.app,
            &account,
            channel,
            &new,
            &installments,
            &message_key,
        )
    });
    let evidence = match (&by_bank, &recording, &confirmation) {
        (None, _, _) => None,
        (Some(_), Some(recording), Some(_)) => {
            Some((Some(recording.as_str()), "recording_and_written_notice"))
        }
        (Some(_), _, _) => {
            tracing::error!(
                recorded = recording.is_some(),
                written_copy = confirmation.is_some(),
                "a plan from a bank account without both a recording and a written copy: not set up"
            );
            return Ok(SetUpPlanResult::ProcessingError);
        }
    };
    let id = ctx
        .app
        .store
        .create_arrangement(&new, &installments, evidence, &Vec::from_iter(confirmation))
        .await?;
    session.facts.plan_made = Some(crate::flow::facts::Made {
        id,
        message_key: attempt,
    });
    // The card entered next (if the caller pays again) is not for this plan.
    session.facts.payment.card_for = None;
    tracing::info!(
        arrangement = id,
        kind = %kind,
        installments = count,
        total_cents = total,
        method = method.kind.as_str(),
        consent_version = %consent_version,
        "plan set up"
    );
    if !plan.first_payment_today {
        return Ok(SetUpPlanResult::Scheduled);
    }
    let stale_before =
        now - run_due::claim_stale_after(&run_due::Collector::of(ctx.app)).as_millis() as i64;
    let Some(claimed) = ctx
        .app
        .store
        .claim_installment(id, 1, &today.to_string(), now, stale_before)
        .await?
    else {
        return Ok(SetUpPlanResult::Unknown);
    };
    let charged = run_due::charge(&run_due::Collector::of(ctx.app), &claimed, true, today).await?;
    let (code, result) = match charged {
        Some(Charged::Paid(code)) => (code, SetUpPlanResult::Approved),
        // Debited from the bank account and accepted: it clears in a few days; upkeep follows it.
        Some(Charged::Clearing(code)) => (code, SetUpPlanResult::Accepted),
        Some(Charged::Declined { .. }) => {
            // A plan whose first payment is refused while the caller listens never starts.
            ctx.app.store.decline_arrangement(id, now).await?;
            session.facts.plan_made = None;
            return Ok(SetUpPlanResult::Declined);
        }
        // A plan's installment is never found covered (only AutoPay's are).
        Some(Charged::Unknown | Charged::Covered) | None => return Ok(SetUpPlanResult::Unknown),
    };
    let payment = &mut session.facts.payment;
    payment.confirmation = Some(code);
    // What the receipt says was paid.
    payment.cents = Some(claimed.amount_cents);
    payment.fee_cents = None;
    if let Some(account) = &mut ctx.account {
        account.balance_cents -= claimed.amount_cents;
        account.minimum_due_cents = (account.minimum_due_cents - claimed.amount_cents).max(0);
    }
    Ok(result)
}
