//! `debit_bank`: submit the bank debit the caller just authorised, exactly once, and keep the
//! authorisation's evidence.

use super::{CallContext, next_attempt, take_bank};
use crate::calls::payments::{
    Recorded, payment_binding, payment_description, payment_idempotency_key, record_charge_result,
};
use crate::error::AppError;
use crate::flow::actions::{ActionResult, DebitBankResult};
use crate::flow::engine::Session;
use crate::payments::{
    BankAccount, ChargeRequest, Currency, MethodKind, MethodSummary, Money, PaymentMethod,
    SaveBankRequest, SaveOutcome, SavedChargeRequest, charge_saved_with_retry, charge_with_retry,
    save_bank_with_retry,
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
    let keyed = kind.and_then(|kind| crate::calls::debits::parse_bank(&fields, kind));
    let amount = session.facts.payment.cents;
    let (Some(account), Some(amount), Some(_terms)) =
        (ctx.account.clone(), amount, session.facts.debit.as_ref())
    else {
        tracing::warn!("debit asked without an account, an amount and terms");
        return Ok(DebitBankResult::ProcessingError);
    };
    // The account keyed in, or else the one on file the caller chose (its gateway token).
    let source = match keyed {
        Some(bank) => Source::Keyed(bank),
        None => match on_file(ctx, session, &account).await? {
            Some(on_file) => on_file,
            None => {
                tracing::warn!("debit asked without a bank account keyed in or on file");
                return Ok(DebitBankResult::ProcessingError);
            }
        },
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
    let kept_for =
        i64::try_from(crate::calls::debits::EVIDENCE_KEPT_FOR.as_millis()).unwrap_or(i64::MAX);
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
    // Asked to keep the account on file: the gateway keeps it first (it needs the numbers,
    // which are wiped once submitted); it is filed only if the debit is accepted.
    let kept = match (&source, session.facts.payment.keep_card) {
        (Source::Keyed(bank), true) => keep_at_gateway(ctx, bank, &account, attempt).await,
        _ => None,
    };
    let summary: MethodSummary = match &source {
        Source::Keyed(bank) => MethodSummary {
            kind: MethodKind::Bank,
            label: bank.account_type.as_str().to_owned(),
            last4: bank.number.last4(),
        },
        Source::OnFile { summary, .. } => summary.clone(),
    };
    // The bank numbers wait sealed with the payment until the gateway answers, so that if this
    // instance dies meanwhile the reconciler can ask again under the same key (an account on
    // file needs nothing sealed: its token is kept).
    let sealed = match &source {
        Source::Keyed(_) => {
            crate::calls::seal_secrets(ctx.app, &payment_binding(ctx.call_sid, attempt), &fields)?
        }
        Source::OnFile { .. } => Vec::new(),
    };
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
    let confirmation = &mut session.facts.payment.confirmation;
    if let Some(earlier) = super::begin_or_settled(ctx, confirmation, &payment).await? {
        return Ok(match earlier.status.as_str() {
            "clearing" | "approved" => DebitBankResult::Accepted,
            _ => DebitBankResult::Declined,
        });
    }
    let timeout = ctx.gateway_wait();
    let result = match source {
        Source::Keyed(bank) => {
            let method = PaymentMethod::Bank(bank);
            let request = ChargeRequest {
                amount: money,
                method: &method,
                idempotency_key,
                description: payment_description(&account),
            };
            charge_with_retry(gateway.as_ref(), &request, timeout).await
        }
        Source::OnFile { token, .. } => {
            let request = SavedChargeRequest {
                amount: money,
                token: &token,
                caller_present: true,
                idempotency_key,
                description: payment_description(&account),
            };
            charge_saved_with_retry(gateway.as_ref(), &request, timeout).await
        }
    };
    let recorded = record_charge_result(ctx.app, call, attempt, MethodKind::Bank, &result).await?;
    let answer = match recorded {
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            session.facts.payment.confirmation = Some(confirmation);
            ctx.paid(amount);
            if let Some(token) = &kept {
                super::file_method(ctx, session, &account, &summary, token, &KEEP_BANK).await?;
            }
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

/// The account a debit is drawn on.
enum Source {
    /// Keyed in on this call (its numbers wiped once submitted).
    Keyed(BankAccount),
    /// On file: its gateway token, and how it is named.
    OnFile {
        /// The gateway's token.
        token: String,
        /// Its type and last four.
        summary: MethodSummary,
    },
}

/// The bank account on file the caller chose to pay with, if it is still on file at the line's
/// gateway.
async fn on_file(
    ctx: &CallContext<'_>,
    session: &Session,
    account: &crate::store::Account,
) -> Result<Option<Source>, AppError> {
    let Some(saved) = session.facts.saved.as_ref().filter(|s| s.kind == "bank") else {
        return Ok(None);
    };
    let token = ctx
        .app
        .store
        .saved_method_token(&account.account_number, saved.id)
        .await?
        .filter(|(kept_by, _)| kept_by == ctx.app.gateway.name());
    Ok(token.map(|(_, token)| Source::OnFile {
        token,
        summary: MethodSummary {
            kind: MethodKind::Bank,
            label: saved.label.clone(),
            last4: saved.last4.clone(),
        },
    }))
}

/// Keeps the account at the gateway for later debits; `None` when it would not.
async fn keep_at_gateway(
    ctx: &CallContext<'_>,
    bank: &BankAccount,
    account: &crate::store::Account,
    attempt: i64,
) -> Option<String> {
    let saved = save_bank_with_retry(
        ctx.app.gateway.as_ref(),
        &SaveBankRequest {
            account: bank,
            idempotency_key: format!("ivrpay-{}-keep-bank-{attempt}", ctx.call_sid),
            description: format!("Bank account on file, account ending {}", account.last4()),
        },
        ctx.gateway_wait(),
    )
    .await;
    match saved {
        SaveOutcome::Saved { token } => Some(token),
        SaveOutcome::Declined { reason } => {
            tracing::info!(
                reason = reason.as_str(),
                "bank account to keep on file refused"
            );
            None
        }
    }
}

/// The words a caller agrees to by pressing 3 at the bank read-back, and their version.
const KEEP_BANK: super::KeepConsent = super::KeepConsent {
    version: "keep-bank-2026-12",
    en: "To pay and keep this account on file for next time, press 3.",
    es: "Para pagar y guardar esta cuenta, oprima 3.",
};
