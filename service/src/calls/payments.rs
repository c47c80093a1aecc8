//! A payment's life after the caller confirms it, shared by the call that makes it and the
//! reconciler that finishes it when the call could not: the idempotency key and the request sent
//! under it, the card sealed with the payment, and recording the gateway's answer.

use crate::error::AppError;
use crate::flow::engine::Secrets;
use crate::line::Line;
use crate::payments::{
    BillingZip, CardDetails, CardNumber, ChargeResult, DeclineReason, Expiry, MethodKind,
    SecretField, SecurityCode,
};
use crate::store::{Account, CallKey, PaymentRecord, Settlement};

/// What a gateway's answer was recorded as.
pub(crate) enum Recorded {
    /// Approved; the code the caller is given.
    Approved {
        /// Ten digits.
        confirmation: String,
    },
    /// Accepted, not yet settled: the caller hears it as accepted, with this code, which its
    /// approval keeps; the reconciler learns how it ends.
    Pending {
        /// Ten digits.
        confirmation: String,
    },
    /// Refused.
    Declined(DeclineReason),
    /// No definite answer; the reconciler asks again.
    Unknown,
}

/// Records a gateway's answer to a payment made with a `method` of this kind (an approval
/// lowers the balance, once).
///
/// # Errors
/// A database failure.
pub(crate) async fn record_charge_result(
    app: &Line,
    call: CallKey<'_>,
    attempt: i64,
    method: MethodKind,
    result: &ChargeResult,
) -> Result<Recorded, AppError> {
    let now = app.clock.now_ms();
    if let (MethodKind::Bank, ChargeResult::Pending { reference }) = (method, result) {
        let code = record_clearing(app, call, attempt, reference, now).await?;
        app.metrics.method_payment(method, result);
        return Ok(Recorded::Pending { confirmation: code });
    }
    let (settlement, recorded) = match result {
        ChargeResult::Approved { reference } | ChargeResult::Pending { reference } => {
            let payment = app
                .store
                .payments_of_call(call)
                .await?
                .into_iter()
                .find(|p| p.attempt == attempt);
            // A payment accepted earlier (pending) keeps the code its caller was given.
            let code = payment
                .as_ref()
                .and_then(|p| p.confirmation_code.clone())
                .unwrap_or_else(confirmation_code);
            let (settlement, receipts) = if let ChargeResult::Approved { .. } = result {
                // A bank debit settled at once (a gateway that does not make it wait) still
                // owes its written notice; a card, the receipt the account chose.
                let receipts = match (method, payment.as_ref()) {
                    (MethodKind::Bank, Some(payment)) => {
                        super::debits::written_notice(app, call, payment, &code).await?
                    }
                    _ => standing_receipt(app, call, payment.as_ref(), &code).await?,
                };
                let settled = Settlement::Approved {
                    reference,
                    confirmation_code: &code,
                };
                (settled, receipts)
            } else {
                let accepted = Settlement::Pending {
                    reference,
                    confirmation_code: &code,
                };
                (accepted, Vec::new())
            };
            app.store
                .settle_payment(call, attempt, &settlement, &receipts, now)
                .await?;
            app.metrics.method_payment(method, result);
            return Ok(match result {
                ChargeResult::Approved { .. } => Recorded::Approved { confirmation: code },
                _ => Recorded::Pending { confirmation: code },
            });
        }
        ChargeResult::Declined { reason, reference } => (
            Settlement::Declined {
                reason: reason.as_str(),
                reference: reference.as_deref(),
            },
            Recorded::Declined(*reason),
        ),
        ChargeResult::Unknown { .. } => (Settlement::Unknown, Recorded::Unknown),
    };
    app.store
        .settle_payment(call, attempt, &settlement, &[], now)
        .await?;
    app.metrics.method_payment(method, result);
    Ok(recorded)
}

/// Records a bank debit its gateway accepted as clearing, with its authorisation's written
/// notice in the same transaction; the code its caller is given.
async fn record_clearing(
    app: &Line,
    call: CallKey<'_>,
    attempt: i64,
    reference: &str,
    now: i64,
) -> Result<String, AppError> {
    let payment = app
        .store
        .payments_of_call(call)
        .await?
        .into_iter()
        .find(|p| p.attempt == attempt);
    let code = payment
        .as_ref()
        .and_then(|p| p.confirmation_code.clone())
        .unwrap_or_else(confirmation_code);
    let notice = match &payment {
        Some(payment) => super::debits::written_notice(app, call, payment, &code).await?,
        None => Vec::new(),
    };
    let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let debits = &app.config.payments.debits;
    let settlement = Settlement::Clearing {
        reference,
        confirmation_code: &code,
        next_check_at: now.saturating_add(millis(debits.check_every)),
        checks_until: now.saturating_add(millis(debits.return_window)),
    };
    app.store
        .settle_payment(call, attempt, &settlement, &notice, now)
        .await?;
    Ok(code)
}

/// The receipt an account that chose a channel on an earlier call gets for this payment,
/// written with the approval: it arrives even if the caller hangs up before being asked, or the
/// reconciler approves the payment after the call. Its key is the one the call's own receipt
/// choice uses, so choosing the same channel again sends nothing twice.
async fn standing_receipt(
    app: &Line,
    call: CallKey<'_>,
    payment: Option<&PaymentRecord>,
    code: &str,
) -> Result<Vec<crate::store::NewMessage>, AppError> {
    use crate::messages::compose::{Channel, Composer, Receipt};
    let Some(payment) = payment else {
        return Ok(Vec::new());
    };
    let Some(account) = app.store.account(&payment.account_number).await? else {
        return Ok(Vec::new());
    };
    let Some(channel) = Channel::of(&account) else {
        return Ok(Vec::new());
    };
    let composer = Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    };
    let method = payment.summary();
    let receipt = Receipt {
        amount_cents: payment.amount_cents,
        fee_cents: payment.fee_cents,
        method: &method,
        confirmation: code,
        date: app.today(),
    };
    let dedupe = format!("{}:{}:{code}", call.provider, call.sid);
    Ok(Vec::from_iter(
        composer.receipt(&account, channel, &receipt, &dedupe),
    ))
}

/// The key a payment is sent to the gateway under: the same for every delivery, retry and
/// reconciliation of one confirmed card, so the gateway charges it at most once.
pub(crate) fn payment_idempotency_key(call_sid: &str, attempt: i64) -> String {
    format!("ivrpay-{call_sid}-{attempt}")
}

/// What a payment's sealed card is bound to.
pub(crate) fn payment_binding(call_sid: &str, attempt: i64) -> String {
    format!("{call_sid}/payment/{attempt}")
}

/// The description sent with a payment; identical on every re-send, as gateways compare requests
/// made under one idempotency key.
pub(crate) fn payment_description(account: &Account) -> String {
    payment_description_for("", account)
}

/// [`payment_description`] for a payment made through `provider` (a pay link page's payment,
/// [`crate::pay_links::choices::WEB`], says so), as its first sending said it.
pub(crate) fn payment_description_for(provider: &str, account: &Account) -> String {
    if provider == crate::pay_links::choices::WEB {
        return format!("Web payment, account ending {}", account.last4());
    }
    format!("Phone payment, account ending {}", account.last4())
}

/// Parses the fields kept for a payment made with a method of `kind` (a bank account's type is
/// its label, kept with the payment).
pub(crate) fn parse_method(
    app: &Line,
    fields: &Secrets,
    kind: MethodKind,
    label: &str,
) -> Option<crate::payments::PaymentMethod> {
    use crate::payments::{AccountType, PaymentMethod};
    match kind {
        MethodKind::Card => parse_card(app, fields).map(PaymentMethod::Card),
        MethodKind::Bank => {
            super::debits::parse_bank(fields, AccountType::parse(label)?).map(PaymentMethod::Bank)
        }
    }
}

/// Parses the card fields kept for a payment.
pub(crate) fn parse_card(app: &Line, fields: &Secrets) -> Option<CardDetails> {
    let field = |name: SecretField| fields.0.get(name.input_name()).map(|v| v.as_str());
    let number = CardNumber::parse_accepting(
        field(SecretField::CardNumber)?,
        &app.config.payments.accepted_brands,
    )
    .ok()?;
    let today = app.today();
    Some(CardDetails {
        expiry: Expiry::parse(field(SecretField::CardExpiry)?, today).ok()?,
        security_code: SecurityCode::parse(field(SecretField::SecurityCode)?, number.brand())
            .ok()?,
        zip: BillingZip::parse(field(SecretField::BillingZip)?).ok()?,
        number,
    })
}

/// Ten random digits: short enough to write down, long enough not to collide in practice (the
/// store's unique index catches the rare collision as a failed answer, never a wrong receipt).
pub(crate) fn confirmation_code() -> String {
    let n: u64 = rand::random::<u64>() % 10_000_000_000;
    format!("{n:010}")
}
