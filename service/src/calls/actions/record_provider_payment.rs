//! `record_provider_payment`: what the provider's own card capture (a `<Pay>`) reported,
//! recorded as today's payment exactly once. The line never saw the card: only the result, the
//! connector's id of the charge, the brand and the last four.

use super::{CallContext, next_attempt};
use crate::calls::payments::{Recorded, payment_idempotency_key, record_charge_result};
use crate::error::AppError;
use crate::flow::actions::RecordProviderPaymentResult;
use crate::flow::engine::Session;
use crate::payments::{
    CardBrand, ChargeResult, Currency, DeclineReason, MethodKind, MethodSummary, Money,
};
use crate::store::NewPayment;
use crate::voice::{PayReport, PayResult};

/// Records the report the provider posted (claiming the turn first, so a result delivered
/// twice at once is recorded once; delivered again later, the turn's recorded answer is given
/// back without running this).
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordProviderPaymentResult, AppError> {
    let Some(report) = session.facts.provider_pay.take() else {
        return Ok(RecordProviderPaymentResult::ProcessingError);
    };
    // Nothing was charged: nothing to record.
    let result = match report.result {
        PayResult::Success | PayResult::ConnectorError => charge_result(&report),
        PayResult::CallerInterrupted | PayResult::CallerHungUp => {
            return Ok(RecordProviderPaymentResult::Cancelled);
        }
        PayResult::TooManyFailedAttempts => {
            return Ok(RecordProviderPaymentResult::TooManyAttempts);
        }
        PayResult::ValidationError | PayResult::InternalError => {
            tracing::error!(
                result = report.result.name(),
                code = report.error_code.as_deref().unwrap_or("-"),
                "the provider could not run card capture"
            );
            return Ok(RecordProviderPaymentResult::ProcessingError);
        }
    };
    ctx.claim().await?;
    let attempt = next_attempt(session);
    let (Some(account), Some(amount)) = (ctx.account.clone(), session.facts.payment.cents) else {
        return Ok(RecordProviderPaymentResult::ProcessingError);
    };
    let fee = session.facts.payment.fee_cents.unwrap_or(0);
    let money = Money::from_cents(amount, Currency::Usd)
        .map_err(|e| AppError::Flow(format!("payment amount: {e}")))?;
    let method = MethodSummary::card(
        report
            .card_brand
            .as_deref()
            .map_or(CardBrand::Unknown, brand_named),
        report.last4.clone().unwrap_or_default(),
    );
    let gateway = format!("{}-pay", ctx.webhook.dialect.name());
    let idempotency_key = payment_idempotency_key(ctx.call_sid, attempt);
    let now = ctx.app.clock.now_ms();
    // A settlement paid in one payment is settled by it, as when the card is keyed.
    let policy = ctx.policy_name.clone().unwrap_or_default();
    let settlement = super::settled_by(
        ctx,
        &account,
        amount,
        super::PaidWith {
            settling: session.facts.payment.settling,
            hardship: session.facts.hardship.as_deref(),
            method: &method,
            gateway: &gateway,
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
        method: &method,
        gateway: &gateway,
        idempotency_key: &idempotency_key,
        // The provider took the card: none waits here.
        sealed_card: &[],
        sealed_until: now,
        now,
    };
    let confirmation = &mut session.facts.payment.confirmation;
    if let Some(earlier) = super::begin_or_settled(ctx, confirmation, &payment).await? {
        return Ok(match earlier.status.as_str() {
            "approved" => RecordProviderPaymentResult::Approved,
            _ => RecordProviderPaymentResult::Declined,
        });
    }
    let recorded =
        record_charge_result(ctx.app, ctx.key(), attempt, MethodKind::Card, &result).await?;
    let answer = match recorded {
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            session.facts.payment.confirmation = Some(confirmation);
            ctx.paid(amount);
            if let (Some(account), true) = (&mut ctx.account, settling) {
                account.balance_cents = 0;
                account.minimum_due_cents = 0;
            }
            RecordProviderPaymentResult::Approved
        }
        Recorded::Declined(DeclineReason::ProcessingError) | Recorded::Unknown => {
            RecordProviderPaymentResult::ProcessingError
        }
        Recorded::Declined(_) => RecordProviderPaymentResult::Declined,
    };
    tracing::info!(
        attempt,
        amount_cents = amount,
        method = "provider_capture",
        brand = method.label.as_str(),
        result = crate::flow::actions::ActionResult::as_str(answer),
        "payment"
    );
    Ok(answer)
}

/// The report as a gateway's answer: the connector's charge id on success; on its error, the
/// reason its words give (connectors word them as the card networks do).
fn charge_result(report: &PayReport) -> ChargeResult {
    if report.result == PayResult::Success {
        return ChargeResult::Approved {
            reference: report
                .confirmation
                .clone()
                .unwrap_or_else(|| "provider-capture".to_owned()),
        };
    }
    let words = report
        .error
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let reason = if words.contains("insufficient") {
        DeclineReason::InsufficientFunds
    } else if words.contains("expired") {
        DeclineReason::ExpiredCard
    } else if words.contains("security code") || words.contains("cvc") || words.contains("cvv") {
        DeclineReason::IncorrectSecurityCode
    } else if words.contains("declined") {
        DeclineReason::Declined
    } else {
        DeclineReason::ProcessingError
    };
    ChargeResult::Declined {
        reason,
        reference: report.confirmation.clone(),
    }
}

/// A brand as the provider names it (`visa`, `diners-club` ...).
fn brand_named(name: &str) -> CardBrand {
    match name.to_ascii_lowercase().as_str() {
        "visa" => CardBrand::Visa,
        "mastercard" | "master-card" => CardBrand::Mastercard,
        "amex" | "american-express" => CardBrand::Amex,
        "discover" => CardBrand::Discover,
        "jcb" => CardBrand::Jcb,
        "diners-club" | "diners" => CardBrand::Diners,
        _ => CardBrand::Unknown,
    }
}
