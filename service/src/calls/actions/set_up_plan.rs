//! `set_up_plan`: the caller agreed to a schedule and the recurring-charge authorisation. Keep
//! the card at the gateway (only its token is stored), record the plan with the consent (the
//! authorisation's version, its words and the time), and charge the first installment now if
//! the policy says so.

use super::{CallContext, next_attempt, take_card};
use crate::calls::payments::parse_card;
use crate::collections::offers::plan_terms;
use crate::collections::run_due::{self, Charged};
use crate::collections::terms;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::SetUpPlanResult;
use crate::flow::engine::Session;
use crate::language::Language;
use crate::messages::compose::{Channel, Composer};
use crate::payments::{MethodSummary, SaveCardRequest, SaveOutcome, save_card_with_retry};
use crate::store::{Account, ArrangementRecord, InstallmentRecord, NewArrangement, NewMessage};

/// Sets the plan up (see the module docs), claiming the turn first so a duplicate delivery
/// cannot do it twice.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<SetUpPlanResult, AppError> {
    ctx.claim().await?;
    let fields = take_card(session);
    let attempt = next_attempt(session);
    let card = parse_card(ctx.app, &fields);
    drop(fields);
    let hardship = session.facts.hardship.clone();
    let policy_name = ctx.policy_name.clone().unwrap_or_default();
    let plan = ctx
        .policy()
        .and_then(|p| plan_terms(p, hardship.is_some()))
        .cloned();
    let offer = session.facts.plan.as_ref();
    let total = offer.map(|plan| plan.total_cents);
    let count = offer.and_then(|plan| plan.count);
    let kind = offer.map_or("plan", |plan| plan.kind.as_str());
    let (Some(card), Some(account), Some(plan), Some(total), Some(count)) =
        (card, ctx.account.clone(), plan, total, count)
    else {
        tracing::warn!("plan asked without a complete card, account, policy and schedule");
        return Ok(SetUpPlanResult::ProcessingError);
    };
    let today = ctx.today();
    let first = if plan.first_payment_today {
        today
    } else {
        plan.interval.after(today, 1)
    };
    let schedule = terms::schedule(total, count, first, plan.interval);
    let method = MethodSummary::card(card.number.brand(), card.number.last4());
    let saved = save_card_with_retry(
        ctx.app.gateway.as_ref(),
        &SaveCardRequest {
            card: &card,
            idempotency_key: format!("ivrpay-{}-card-{attempt}", ctx.call_sid),
            description: format!("Payment plan, account ending {}", account.last4()),
        },
        ctx.app.config.payments.gateway_timeout,
    )
    .await;
    drop(card);
    let token = match saved {
        SaveOutcome::Saved { token } => token,
        SaveOutcome::Declined { reason } => {
            tracing::info!(reason = reason.as_str(), "card for a plan refused");
            return Ok(match reason {
                crate::payments::DeclineReason::ProcessingError => SetUpPlanResult::ProcessingError,
                _ => SetUpPlanResult::Declined,
            });
        }
    };
    let language = session.language.unwrap_or(Language::En);
    let consent_text = format!(
        "{} | {}",
        terms::schedule_words(&schedule, language, today),
        plan.authorization
            .get(&language)
            .cloned()
            .unwrap_or_default()
    );
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
        consent_version: Some(&plan.authorization_version),
        consent_text: Some(&consent_text),
        hardship_reason: hardship.as_deref(),
        call: Some(ctx.key()),
        call_attempt: Some(attempt),
        now,
    };
    let confirmation = schedule_message(ctx, &account, &new, &installments, &message_key);
    let id = ctx
        .app
        .store
        .create_arrangement(&new, &installments, &Vec::from_iter(confirmation))
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
        consent_version = %plan.authorization_version,
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
    let result =
        match run_due::charge(&run_due::Collector::of(ctx.app), &claimed, true, today).await? {
            // A debit accepted from a bank account is as good as paid for now; upkeep follows it.
            Some(Charged::Paid(code) | Charged::Clearing(code)) => {
                let payment = &mut session.facts.payment;
                payment.confirmation = Some(code);
                // What the receipt says was paid.
                payment.cents = Some(claimed.amount_cents);
                payment.fee_cents = None;
                if let Some(account) = &mut ctx.account {
                    account.balance_cents -= claimed.amount_cents;
                    account.minimum_due_cents =
                        (account.minimum_due_cents - claimed.amount_cents).max(0);
                }
                SetUpPlanResult::Approved
            }
            Some(Charged::Declined { .. }) => {
                // A plan whose first payment is refused while the caller listens never starts.
                ctx.app.store.decline_arrangement(id, now).await?;
                session.facts.plan_made = None;
                SetUpPlanResult::Declined
            }
            // A plan's installment is never found covered (only AutoPay's are).
            Some(Charged::Unknown | Charged::Covered) | None => SetUpPlanResult::Unknown,
        };
    Ok(result)
}

/// The schedule's message for an account that chose a channel on an earlier call, queued with
/// the plan; the caller's choice later on this call sends it under the same key, so once.
fn schedule_message(
    ctx: &CallContext<'_>,
    account: &Account,
    new: &NewArrangement<'_>,
    installments: &[(String, i64)],
    key: &str,
) -> Option<NewMessage> {
    let channel = Channel::standing(account)?;
    let mut plan = ArrangementRecord {
        id: 0,
        account_number: new.account_number.to_owned(),
        kind: new.kind.to_owned(),
        status: new.status.to_owned(),
        policy: new.policy.to_owned(),
        total_cents: new.total_cents,
        balance_before_cents: new.balance_before_cents,
        promised_by: None,
        method: None,
        method_label: None,
        method_last4: None,
        card_brand: None,
        card_last4: None,
        consent_version: new.consent_version.map(str::to_owned),
        consent_at: Some(new.now),
        hardship_reason: new.hardship_reason.map(str::to_owned),
        autopay_amount: None,
        evidence: None,
        recording_id: None,
        created_at: new.now,
        installments: installments
            .iter()
            .enumerate()
            .map(|(i, (due, cents))| InstallmentRecord {
                seq: i as i64 + 1,
                due_date: due.clone(),
                amount_cents: *cents,
                status: "scheduled".to_owned(),
                attempts: 0,
                next_attempt_on: due.clone(),
                confirmation_code: None,
                decline_reason: None,
                return_code: None,
            })
            .collect(),
    };
    plan.set_method(new.method);
    Composer {
        templates: &ctx.app.templates,
        settings: &ctx.app.config.messaging,
    }
    .plan_schedule(account, channel, &plan, key)
}
