//! `enroll_autopay`: the caller agreed to AutoPay's authorisation. Keep the card or bank
//! account at the gateway (only its token is stored; one on file is already), and record the
//! enrolment with the words agreed to, their version and the time, with its written copy; from
//! a bank account (a recurring TEL authorisation) also with its recording, stopped now.

use super::{CallContext, Kept, keep_keyed_bank, keep_keyed_card, next_attempt};
use crate::collections::autopay::{AutopayAmount, AutopayAuthorization};
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::actions::EnrollAutopayResult;
use crate::flow::engine::Session;
use crate::flow::facts::SavedLabel;
use crate::messages::compose::{AutopayNotice, Composer};
use crate::messages::templates::Kind;
use crate::payments::{MethodKind, MethodSummary};
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
    let (Some(account), Some(chosen), Some(first_due)) =
        (ctx.account.clone(), autopay.card.clone(), first_due)
    else {
        tracing::warn!("AutoPay asked without an account, a method and a first due date");
        return Ok(EnrollAutopayResult::ProcessingError);
    };
    let bank = chosen.kind == MethodKind::Bank.as_str();
    // The recording of a bank account's authorisation ends with the caller's answer.
    let recording = autopay.recording.clone();
    if let Some(recording) = &recording {
        ctx.stop_recording(recording).await;
    }
    if let Some(facts) = session.facts.autopay.as_mut() {
        facts.recording = None;
    }
    let kept = if chosen.id != 0 {
        on_file(ctx, &account, &chosen).await?
    } else if bank {
        keep_keyed_bank(ctx, session, &account, attempt, "AutoPay").await
    } else {
        keep_keyed_card(ctx, session, &account, attempt, "AutoPay").await
    };
    let (token, method) = match kept {
        Kept::Token(token, method) => (token, method),
        Kept::Refused => return Ok(EnrollAutopayResult::Declined),
        Kept::Failed => return Ok(EnrollAutopayResult::ProcessingError),
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
    // A recurring debit by phone stands on both a recording and a written copy.
    let evidence = match (bank, &recording, &copy) {
        (false, _, _) => None,
        (true, Some(_), Some(_)) => Some("recording_and_written_notice"),
        (true, _, _) => {
            tracing::error!(
                recorded = recording.is_some(),
                written_copy = copy.is_some(),
                "AutoPay from a bank account without both a recording and a written copy: not turned on"
            );
            return Ok(EnrollAutopayResult::ProcessingError);
        }
    };
    let version = if bank {
        AutopayAuthorization::BANK_SCRIPT_VERSION
    } else {
        AutopayAuthorization::CARD_SCRIPT_VERSION
    };
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
        consent_version: Some(version),
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
            evidence.map(|evidence| (recording.as_deref(), evidence)),
            &Vec::from_iter(copy.clone()),
        )
        .await?;
    if let Some(facts) = session.facts.autopay.as_mut() {
        facts.id = Some(id);
        facts.noticed = copy.is_some();
    }
    // A card or account keyed in next (to pay today, say) is not AutoPay's.
    session.facts.payment.card_for = None;
    if bank {
        session.facts.bank = None;
    }
    tracing::info!(
        arrangement = id,
        amount = amount.name(),
        method = method.kind.as_str(),
        consent_version = version,
        evidence = evidence.unwrap_or("consent"),
        "AutoPay turned on"
    );
    Ok(EnrollAutopayResult::Enrolled)
}

/// The card or account on file chosen, if still kept at the line's gateway (a token is only
/// good at the gateway that issued it).
async fn on_file(
    ctx: &CallContext<'_>,
    account: &crate::store::Account,
    chosen: &SavedLabel,
) -> Result<Kept, AppError> {
    let kept = ctx
        .app
        .store
        .saved_method_token(&account.account_number, chosen.id)
        .await?;
    let Some((_, token)) = kept.filter(|(gateway, _)| gateway == ctx.app.gateway.name()) else {
        return Ok(Kept::Failed);
    };
    let Some(method) =
        MethodSummary::stored(&chosen.kind, chosen.label.clone(), chosen.last4.clone())
    else {
        return Ok(Kept::Failed);
    };
    Ok(Kept::Token(token, method))
}
