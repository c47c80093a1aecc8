//! `enroll_autopay`: the caller agreed to AutoPay's authorisation. Keep the card at the gateway
//! (only its token is stored; a card on file already is), and record the enrolment with the
//! words agreed to, their version and the time, with its written copy.

use super::{CallContext, next_attempt, take_card};
use crate::calls::payments::parse_card;
use crate::collections::autopay::{AutopayAmount, AutopayAuthorization};
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::actions::EnrollAutopayResult;
use crate::flow::engine::Session;
use crate::messages::compose::{AutopayNotice, Composer};
use crate::messages::templates::Kind;
use crate::payments::{
    DeclineReason, MethodKind, MethodSummary, SaveCardRequest, SaveOutcome, save_card_with_retry,
};
use crate::store::NewArrangement;

/// Turns AutoPay on (see the module docs), claiming the turn first so a duplicate delivery
/// cannot do it twice.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<EnrollAutopayResult, AppError> {
    ctx.claim().await?;
    let attempt = next_attempt(session);
    let autopay = session.facts.autopay.clone().unwrap_or_default();
    let first_due = autopay.first_due.as_deref().and_then(parse_date);
    let (Some(account), Some(card), Some(first_due)) =
        (ctx.account.clone(), autopay.card.clone(), first_due)
    else {
        tracing::warn!("AutoPay asked without an account, a card and a first due date");
        return Ok(EnrollAutopayResult::ProcessingError);
    };
    let (token, method) = if card.id == 0 {
        let fields = take_card(session);
        let keyed = parse_card(ctx.app, &fields);
        drop(fields);
        let Some(keyed) = keyed else {
            return Ok(EnrollAutopayResult::Declined);
        };
        let method = MethodSummary::card(keyed.number.brand(), keyed.number.last4());
        let saved = save_card_with_retry(
            ctx.app.gateway.as_ref(),
            &SaveCardRequest {
                card: &keyed,
                idempotency_key: format!("ivrpay-{}-card-{attempt}", ctx.call_sid),
                description: format!("AutoPay, account ending {}", account.last4()),
            },
            ctx.app.config.payments.gateway_timeout,
        )
        .await;
        drop(keyed);
        match saved {
            SaveOutcome::Saved { token } => (token, method),
            SaveOutcome::Declined { reason } => {
                tracing::info!(reason = reason.as_str(), "card for AutoPay refused");
                return Ok(match reason {
                    DeclineReason::ProcessingError => EnrollAutopayResult::ProcessingError,
                    _ => EnrollAutopayResult::Declined,
                });
            }
        }
    } else {
        let kept = ctx
            .app
            .store
            .saved_method_token(&account.account_number, card.id)
            .await?;
        // A token is only good at the gateway that issued it.
        let Some((_, token)) = kept.filter(|(gateway, _)| gateway == ctx.app.gateway.name()) else {
            return Ok(EnrollAutopayResult::ProcessingError);
        };
        let method = MethodSummary {
            kind: MethodKind::Card,
            label: card.label.clone(),
            last4: card.last4.clone(),
        };
        (token, method)
    };
    let amount = AutopayAmount::parse(&autopay.amount).unwrap_or(AutopayAmount::MinimumDue);
    let composer = Composer {
        templates: &ctx.app.templates,
        settings: &ctx.app.config.messaging,
    };
    let copy = composer
        .notice_channel(&account, Kind::AutopayEnrolled)
        .and_then(|channel| {
            composer.autopay_enrolled(
                &account,
                channel,
                &AutopayNotice {
                    amount,
                    method: &method,
                    first_due,
                    authorized_on: ctx.app.today(),
                },
                &super::receipts::message_key(ctx, attempt),
            )
        });
    let policy = ctx.policy_name.clone().unwrap_or_default();
    let new = NewArrangement {
        account_number: &account.account_number,
        kind: "autopay",
        status: "active",
        policy: &policy,
        total_cents: 0,
        balance_before_cents: account.balance_cents,
        promised_by: None,
        card_token: Some(&token),
        method: Some(&method),
        gateway: Some(ctx.app.gateway.name()),
        consent_version: Some(AutopayAuthorization::SCRIPT_VERSION),
        consent_text: Some(&autopay.script),
        hardship_reason: None,
        call: Some(ctx.key()),
        call_attempt: Some(attempt),
        now: ctx.app.clock.now_ms(),
    };
    let id = ctx
        .app
        .store
        .enroll_autopay(
            &new,
            amount.name(),
            &first_due.to_string(),
            &Vec::from_iter(copy.clone()),
        )
        .await?;
    if let Some(facts) = session.facts.autopay.as_mut() {
        facts.id = Some(id);
        facts.noticed = copy.is_some();
    }
    // A card keyed in next (to pay today, say) is not AutoPay's.
    session.facts.payment.card_for = None;
    tracing::info!(
        arrangement = id,
        amount = amount.name(),
        consent_version = AutopayAuthorization::SCRIPT_VERSION,
        "AutoPay turned on"
    );
    Ok(EnrollAutopayResult::Enrolled)
}
