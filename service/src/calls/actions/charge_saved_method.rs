//! `charge_saved_method`: charge today's payment to the card on file, exactly once.

use super::{CallContext, next_attempt};
use crate::calls::payments::{
    Recorded, payment_description, payment_idempotency_key, record_charge_result,
};
use crate::error::AppError;
use crate::flow::actions::ChargeSavedMethodResult;
use crate::flow::engine::Session;
use crate::payments::{
    Currency, DeclineReason, MethodKind, MethodSummary, Money, SavedChargeRequest,
    charge_saved_with_retry,
};
use crate::store::NewPayment;

/// Charges the card on file by its gateway token (the caller is on the line), claiming the turn
/// first so a duplicate delivery cannot charge again. Nothing of the card waits sealed: an
/// answer that never comes is left for a person, never charged again.
///
/// # Errors
/// [`crate::error::AppError::TurnTaken`] when another delivery holds the turn; a database
/// failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ChargeSavedMethodResult, AppError> {
    ctx.claim().await?;
    let attempt = next_attempt(session);
    let (Some(saved), Some(account), Some(amount)) = (
        session.facts.saved.clone(),
        ctx.account.clone(),
        session.facts.payment.cents,
    ) else {
        return Ok(ChargeSavedMethodResult::ProcessingError);
    };
    let gateway = ctx.app.gateway.clone();
    let token = ctx
        .app
        .store
        .saved_method_token(&account.account_number, saved.id)
        .await?
        .filter(|(kept_by, _)| kept_by == gateway.name());
    let Some((_, token)) = token else {
        tracing::warn!(
            saved_method = saved.id,
            "the card on file is gone or kept elsewhere"
        );
        return Ok(ChargeSavedMethodResult::ProcessingError);
    };
    let money = Money::from_cents(amount, Currency::Usd)
        .map_err(|e| AppError::Flow(format!("payment amount: {e}")))?;
    let summary = MethodSummary {
        kind: MethodKind::Card,
        label: saved.label.clone(),
        last4: saved.last4.clone(),
    };
    let idempotency_key = payment_idempotency_key(ctx.call_sid, attempt);
    let now = ctx.app.clock.now_ms();
    let payment = NewPayment {
        call: ctx.key(),
        attempt,
        account_number: &account.account_number,
        amount_cents: amount,
        fee_cents: 0,
        settlement: None,
        currency: money.currency().iso_code(),
        method: &summary,
        gateway: gateway.name(),
        idempotency_key: &idempotency_key,
        // No card waits: the token is on file.
        sealed_card: &[],
        sealed_until: now,
        now,
    };
    let confirmation = &mut session.facts.payment.confirmation;
    if let Some(earlier) = super::begin_or_settled(ctx, confirmation, &payment).await? {
        return Ok(match earlier.status.as_str() {
            "approved" => ChargeSavedMethodResult::Approved,
            _ => ChargeSavedMethodResult::Declined,
        });
    }
    let request = SavedChargeRequest {
        amount: money,
        token: &token,
        caller_present: true,
        idempotency_key,
        description: payment_description(&account),
    };
    let result = charge_saved_with_retry(gateway.as_ref(), &request, ctx.gateway_wait()).await;
    let recorded =
        record_charge_result(ctx.app, ctx.key(), attempt, MethodKind::Card, &result).await?;
    let answer = match recorded {
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            session.facts.payment.confirmation = Some(confirmation);
            ctx.paid(amount);
            ChargeSavedMethodResult::Approved
        }
        Recorded::Declined(DeclineReason::InsufficientFunds) => {
            ChargeSavedMethodResult::InsufficientFunds
        }
        Recorded::Declined(DeclineReason::ExpiredCard) => ChargeSavedMethodResult::ExpiredCard,
        Recorded::Declined(DeclineReason::ProcessingError) => {
            ChargeSavedMethodResult::ProcessingError
        }
        Recorded::Declined(_) => ChargeSavedMethodResult::Declined,
        Recorded::Unknown => ChargeSavedMethodResult::Unknown,
    };
    tracing::info!(
        attempt,
        amount_cents = amount,
        method = "card_on_file",
        brand = summary.label.as_str(),
        result = crate::flow::actions::ActionResult::as_str(answer),
        "payment"
    );
    Ok(answer)
}
