//! `debit_bank`: submit the bank debit the caller just authorised, exactly once, and keep the
//! authorisation's evidence.

use super::{CallContext, next_attempt, take_bank};
use crate::calls::payments::{
    Recorded, payment_binding, payment_description, payment_idempotency_key,
    record_charge_result,
};
use crate::error::AppError;
use crate::flow::actions::{ActionResult, DebitBankResult};
use crate::flow::engine::Session;
use crate::payments::{
    ChargeRequest, Currency, MethodKind, MethodSummary, Money, PaymentMethod, charge_with_retry,
};
use crate::store::NewPayment;

/// Records the authorisation as given (with what evidence is kept: the recording, stopped now,
/// and the written notice queued when the gateway accepts the debit), then submits the debit
/// under a key stable across retries. The bank numbers wait sealed with the payment until the
/// gateway answers, and are wiped then.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database or vault failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<DebitBankResult, AppError> {
    ctx.claim().await?;
    let fields = take_bank(session);
    let attempt = next_attempt(session);
    let kind = session
        .facts
        .bank
        .as_ref()
        .and_then(|bank| bank.account_type());
    let bank = kind.and_then(|kind| crate::calls::debits::parse_bank(&fields, kind));
    let amount = session.facts.payment.cents;
    let (Some(bank), Some(account), Some(amount), Some(_terms)) =
        (bank, ctx.account.clone(), amount, session.facts.debit.as_ref())
    else {
        tracing::warn!("debit asked without a complete bank account, account, amount and terms");
        return Ok(DebitBankResult::ProcessingError);
    };
    let now = ctx.app.clock.now_ms();
    let call = ctx.key();
    let offered = ctx.app.store.debit_authorization(call, attempt).await?;
    let recording = offered.as_ref().and_then(|a| a.recording_id.clone());
    if let Some(recording) = &recording {
        ctx.stop_recording(recording).await;
    }
    let notice = crate::calls::debits::notice_channel(ctx.app, &account);
    let evidence = match (&recording, notice) {
        (Some(_), Some(_)) => "recording_and_written_notice",
        (Some(_), None) => "recording",
        (None, Some(_)) => "written_notice",
        (None, None) => {
            tracing::error!("a bank debit was authorised with no evidence to keep: not submitted");
            return Ok(DebitBankResult::ProcessingError);
        }
    };
    let kept_for = i64::try_from(crate::calls::debits::EVIDENCE_KEPT_FOR.as_millis())
        .unwrap_or(i64::MAX);
    ctx.app
        .store
        .authorize_debit(
            call,
            attempt,
            evidence,
            notice.map(|channel| channel.name()),
            now,
            now.saturating_add(kept_for),
        )
        .await?;
    let money = Money::from_cents(amount, Currency::Usd)
        .map_err(|e| AppError::Flow(format!("debit amount: {e}")))?;
    let gateway = ctx.app.gateway.clone();
    let idempotency_key = payment_idempotency_key(ctx.call_sid, attempt);
    let method = PaymentMethod::Bank(bank);
    let summary: MethodSummary = method.summary();
    // The bank numbers wait sealed with the payment until the gateway answers, so that if this
    // instance dies meanwhile the reconciler can ask again under the same key.
    let sealed =
        crate::calls::seal_secrets(ctx.app, &payment_binding(ctx.call_sid, attempt), &fields)?;
    drop(fields);
    let payment = NewPayment {
        call,
        attempt,
        account_number: &account.account_number,
        amount_cents: amount,
        fee_cents: 0,
        settlement: None,
        currency: money.currency().iso_code(),
        method: &summary,
        gateway: gateway.name(),
        idempotency_key: &idempotency_key,
        sealed_card: &sealed,
        sealed_until: now + ctx.app.config.sealed_ttl.as_millis() as i64,
        now,
    };
    if let Some(earlier) = ctx.app.store.begin_payment(&payment).await?
        && !matches!(earlier.status.as_str(), "pending" | "unknown")
    {
        // Submitted before (the instance that answered died before saving the turn): answer
        // from the record, never submit again.
        return Ok(match earlier.status.as_str() {
            "clearing" | "approved" => {
                session.facts.payment.confirmation = earlier.confirmation_code.clone();
                DebitBankResult::Accepted
            }
            _ => DebitBankResult::Declined,
        });
    }
    let request = ChargeRequest {
        amount: money,
        method: &method,
        idempotency_key,
        description: payment_description(&account),
    };
    let result = charge_with_retry(
        gateway.as_ref(),
        &request,
        ctx.app.config.payments.gateway_timeout,
    )
    .await;
    drop(request);
    drop(method);
    let recorded = record_charge_result(ctx.app, call, attempt, MethodKind::Bank, &result).await?;
    let answer = match recorded {
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            session.facts.payment.confirmation = Some(confirmation);
            ctx.paid(amount);
            DebitBankResult::Accepted
        }
        Recorded::Declined(crate::payments::DeclineReason::ProcessingError) => {
            DebitBankResult::ProcessingError
        }
        Recorded::Declined(_) => DebitBankResult::Declined,
        Recorded::Unknown => {
            tracing::error!(
                attempt,
                amount_cents = amount,
                "bank debit outcome unknown: left to the reconciler, never submitted under a new key"
            );
            DebitBankResult::Unknown
        }
    };
    tracing::info!(
        attempt,
        amount_cents = amount,
        method = "bank",
        account_type = summary.label.as_str(),
        evidence,
        result = answer.as_str(),
        "payment"
    );
    Ok(answer)
}
