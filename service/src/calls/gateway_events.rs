//! What a payment gateway tells the line after the fact, by its signed events (Stripe's
//! webhooks): a bank debit (a call's, or an installment's) settled, failed or came back; a card payment whose answer was not
//! learned on the call approved or declined. Each is recorded as upkeep's own look would record
//! it, so an event and a look arriving together change a payment once.

use crate::calls::payments as call_payments;
use crate::error::AppError;
use crate::line::Line;
use crate::payments::stripe::events::GatewayEvent;
use crate::payments::{ChargeResult, DebitStatus, MethodKind};
use crate::store::CallKey;

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A payment moved on.
    Changed,
    /// The payment was where the event says already, or names nothing the line acts on.
    Nothing,
    /// No payment of ours has that reference.
    Unknown,
}

/// Applies `event` to the installment debit (AutoPay's, or a plan's by bank) it names, if any.
async fn installment_debit(
    app: &Line,
    reference: &str,
    event: &GatewayEvent,
) -> Result<Applied, AppError> {
    let Some(debit) = app.store.installment_debit_by_reference(reference).await? else {
        return Ok(Applied::Unknown);
    };
    let Some(status) = event.debit_status() else {
        return Ok(Applied::Nothing);
    };
    let collector = crate::collections::run_due::Collector::of(app);
    let moved = crate::collections::installment_debits::apply_status(
        &collector,
        &debit,
        status,
        app.today(),
    )
    .await?;
    Ok(if moved.is_some() {
        Applied::Changed
    } else {
        Applied::Nothing
    })
}

/// Applies `event` from `gateway` to the payment it names.
///
/// # Errors
/// A database failure (the gateway delivers the event again later).
pub async fn apply(app: &Line, gateway: &str, event: &GatewayEvent) -> Result<Applied, AppError> {
    let Some(reference) = event.reference() else {
        return Ok(Applied::Nothing);
    };
    let Some(found) = app.store.payment_by_reference(gateway, reference).await? else {
        return installment_debit(app, reference, event).await;
    };
    let payment = &found.payment;
    let call = CallKey {
        provider: &found.provider,
        sid: &payment.call_sid,
    };
    let changed = match payment.method {
        MethodKind::Bank => {
            let Some(status) = event.debit_status() else {
                return Ok(Applied::Nothing);
            };
            let now = app.clock.now_ms();
            let every = i64::try_from(app.config.payments.debits.check_every.as_millis())
                .unwrap_or(i64::MAX);
            // A settled debit is still watched for a return until its window closes.
            let watch = (status == DebitStatus::Succeeded)
                .then_some(now.saturating_add(every))
                .filter(|next| found.checks_until.is_some_and(|until| *next < until));
            super::debits::apply_debit_status(
                app,
                call,
                payment.attempt,
                &payment.status,
                status,
                watch,
            )
            .await?
            .is_some()
        }
        MethodKind::Card if matches!(payment.status.as_str(), "pending" | "unknown") => {
            let result = match event {
                GatewayEvent::Succeeded { reference } => ChargeResult::Approved {
                    reference: reference.clone(),
                },
                GatewayEvent::Failed {
                    reference, reason, ..
                } => ChargeResult::Declined {
                    reason: *reason,
                    reference: Some(reference.clone()),
                },
                _ => return Ok(Applied::Nothing),
            };
            let recorded = call_payments::record_charge_result(
                app,
                call,
                payment.attempt,
                MethodKind::Card,
                &result,
            )
            .await?;
            if let call_payments::Recorded::Approved { .. } = recorded {
                app.store
                    .set_outcome_of_ended_call(call, "paid", app.clock.now_ms())
                    .await?;
            }
            true
        }
        MethodKind::Card => false,
    };
    Ok(if changed {
        Applied::Changed
    } else {
        Applied::Nothing
    })
}
