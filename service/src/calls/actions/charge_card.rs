//! `charge_card`: charge the card entered for the amount chosen, exactly once.

use super::{CallContext, next_attempt, take_card};
use crate::calls::payments::{
    Recorded, parse_card, payment_binding, payment_description, payment_idempotency_key,
    record_charge_result,
};
use crate::error::AppError;
use crate::flow::actions::{ActionResult, ChargeCardResult};
use crate::flow::engine::Session;
use crate::payments::{
    ChargeRequest, ChargeResult, DeclineReason, MethodKind, Money, PaymentMethod, charge_with_retry,
};
use crate::store::{NewPayment, PaymentRecord};

/// Charges the card, claiming the turn first so a duplicate delivery cannot charge again.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database or vault failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ChargeCardResult, AppError> {
    ctx.claim().await?;
    let fields = take_card(session);
    let attempt = next_attempt(session);
    let amount = session.facts.payment.cents;
    // The fee is its own amount: charged on top, never lowering the balance.
    let fee = session.facts.payment.fee_cents.unwrap_or(0).max(0);
    let card = parse_card(ctx.app, &fields);
    let (Some(card), Some(account), Some(amount)) = (card, ctx.account.clone(), amount) else {
        // Sealed card data expired between webhooks, or the flow reached the charge without
        // an amount: nothing can be charged.
        tracing::warn!("charge asked without a complete card, account and amount");
        return Ok(ChargeCardResult::ProcessingError);
    };
    let money = Money::from_cents(amount + fee, crate::payments::Currency::Usd)
        .map_err(|e| AppError::Flow(format!("payment amount: {e}")))?;
    let gateway = ctx.app.gateway.clone();
    // Asked to keep the card on file: the gateway keeps it first (it needs the card, which is
    // wiped once charged); it is filed only if the payment is approved.
    let kept = if session.facts.payment.keep_card {
        keep_at_gateway(ctx, &card, &account, attempt).await
    } else {
        None
    };
    let idempotency_key = payment_idempotency_key(ctx.call_sid, attempt);
    let method = PaymentMethod::Card(card);
    let summary = method.summary();
    let now = ctx.app.clock.now_ms();
    // The card waits sealed with the payment until it is settled, so that if this instance
    // dies while the gateway answers, a retry or the reconciler can ask again.
    let sealed_card =
        crate::calls::seal_secrets(ctx.app, &payment_binding(ctx.call_sid, attempt), &fields)?;
    drop(fields);
    let policy = ctx.policy_name.clone().unwrap_or_default();
    let settlement = super::settled_by(
        ctx,
        &account,
        amount,
        super::PaidWith {
            settling: session.facts.payment.settling,
            hardship: session.facts.hardship.as_deref(),
            method: &summary,
            gateway: gateway.name(),
            policy: &policy,
            attempt,
            now,
        },
    );
    let settling = settlement.is_some();
    let payment = NewPayment {
        call: ctx.key(),
        attempt,
        account_number: &account.account_number,
        amount_cents: amount,
        fee_cents: fee,
        settlement,
        currency: money.currency().iso_code(),
        method: &summary,
        gateway: gateway.name(),
        idempotency_key: &idempotency_key,
        sealed_card: &sealed_card,
        sealed_until: now + ctx.app.config.sealed_ttl.as_millis() as i64,
        now,
    };
    let confirmation = &mut session.facts.payment.confirmation;
    if let Some(earlier) = super::begin_or_settled(ctx, confirmation, &payment).await? {
        return Ok(result_of(&earlier));
    }
    let request = ChargeRequest {
        amount: money,
        method: &method,
        idempotency_key: idempotency_key.clone(),
        description: payment_description(&account),
    };
    let result = charge_with_retry(gateway.as_ref(), &request, ctx.gateway_wait()).await;
    drop(request);
    drop(method);
    let answer = match record_charge(ctx, attempt, amount, summary.kind, &result).await? {
        // Accepted and not yet settled is accepted for the caller: they hear what an approval
        // says (the balance in the database drops only when it settles).
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            session.facts.payment.confirmation = Some(confirmation);
            if let Some(token) = &kept {
                super::file_method(ctx, session, &account, &summary, token, &KEEP_CARD).await?;
            }
            ctx.paid(amount);
            if let (Some(account), true) = (&mut ctx.account, settling) {
                account.balance_cents = 0;
                account.minimum_due_cents = 0;
            }
            ChargeCardResult::Approved
        }
        Recorded::Declined(reason) => decline_result(reason),
        Recorded::Unknown => ChargeCardResult::Unknown,
    };
    tracing::info!(
        attempt,
        amount_cents = amount,
        fee_cents = fee,
        settlement = settling,
        method = summary.kind.as_str(),
        brand = summary.label.as_str(),
        result = answer.as_str(),
        "payment"
    );
    Ok(answer)
}

/// The wording of the consent to keep a card on file, recorded with it; change the version
/// whenever the read-back's offer changes.
const KEEP_CARD: super::KeepConsent = super::KeepConsent {
    version: "card-on-file-2026-12",
    en: "To pay and keep this card for next time, press 3.",
    es: "Para pagar y guardar esta tarjeta, oprima 3.",
};

/// Keeps the card at the gateway for later payments; its token, or `None` when it was refused
/// (the payment goes ahead, the card is not filed).
async fn keep_at_gateway(
    ctx: &CallContext<'_>,
    card: &crate::payments::CardDetails,
    account: &crate::store::Account,
    attempt: i64,
) -> Option<String> {
    use crate::payments::{SaveCardRequest, SaveOutcome, save_card_with_retry};
    let saved = save_card_with_retry(
        ctx.app.gateway.as_ref(),
        &SaveCardRequest {
            card,
            idempotency_key: format!("ivrpay-{}-keep-{attempt}", ctx.call_sid),
            description: format!("Card on file, account ending {}", account.last4()),
        },
        ctx.gateway_wait(),
    )
    .await;
    match saved {
        SaveOutcome::Saved { token } => Some(token),
        SaveOutcome::Declined { reason } => {
            tracing::info!(reason = reason.as_str(), "card to keep on file refused");
            None
        }
    }
}

async fn record_charge(
    ctx: &mut CallContext<'_>,
    attempt: i64,
    amount: i64,
    method: MethodKind,
    result: &ChargeResult,
) -> Result<Recorded, AppError> {
    let recorded = record_charge_result(ctx.app, ctx.key(), attempt, method, result).await?;
    if let Recorded::Unknown = recorded {
        tracing::error!(
            attempt,
            amount_cents = amount,
            "payment outcome unknown: left to the reconciler, never charged under a new key"
        );
    }
    Ok(recorded)
}

/// The flow result for a payment recorded earlier.
fn result_of(payment: &PaymentRecord) -> ChargeCardResult {
    match payment.status.as_str() {
        "approved" => ChargeCardResult::Approved,
        "declined" => match payment.decline_reason.as_deref() {
            Some("insufficient_funds") => ChargeCardResult::InsufficientFunds,
            Some("expired_card") => ChargeCardResult::ExpiredCard,
            Some("incorrect_security_code") => ChargeCardResult::IncorrectSecurityCode,
            Some("processing_error") => ChargeCardResult::ProcessingError,
            _ => ChargeCardResult::Declined,
        },
        _ => ChargeCardResult::Unknown,
    }
}

fn decline_result(reason: DeclineReason) -> ChargeCardResult {
    match reason {
        DeclineReason::InsufficientFunds => ChargeCardResult::InsufficientFunds,
        DeclineReason::ExpiredCard => ChargeCardResult::ExpiredCard,
        DeclineReason::IncorrectSecurityCode => ChargeCardResult::IncorrectSecurityCode,
        DeclineReason::ProcessingError => ChargeCardResult::ProcessingError,
        DeclineReason::Declined | DeclineReason::IncorrectNumber => ChargeCardResult::Declined,
    }
}
