//! `prepare_debit`: the debit's terms and the words of its authorisation, recorded where the
//! provider can record.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::PrepareDebitResult;
use crate::flow::engine::Session;
use crate::flow::facts::DebitTerms;
use crate::payments::TelAuthorization;
use crate::store::NewDebitAuthorization;

/// Sets the debit's date and the authorisation's words (every element NACHA's TEL rules
/// require, in the caller's language) in the session, starts recording them where the provider
/// can, and keeps them as the authorisation being read. Claims the turn first, so a retried
/// webhook starts no second recording.
///
/// # Errors
/// Another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PrepareDebitResult, AppError> {
    // The account on file chosen to pay with, when none was keyed in: its type and last four.
    if session.facts.bank.is_none()
        && let Some(saved) = session.facts.saved.as_ref().filter(|s| s.kind == "bank")
    {
        session.facts.bank = Some(crate::flow::facts::BankLabel {
            account_type: Some(saved.label.clone()),
            last4: Some(saved.last4.clone()),
        });
    }
    let bank = session.facts.bank.as_ref();
    let (Some(account), Some(amount), Some(kind), Some(last4)) = (
        ctx.account.clone(),
        session.facts.payment.cents,
        bank.and_then(|bank| bank.account_type()),
        bank.and_then(|bank| bank.last4.clone()),
    ) else {
        return Ok(PrepareDebitResult::Incomplete);
    };
    ctx.claim().await?;
    let today = ctx.app.today();
    let authorization = TelAuthorization {
        company: ctx.app.templates.company().to_owned(),
        company_phone: ctx.app.templates.company_phone().to_owned(),
        consumer_name: account.name.clone(),
        amount_cents: amount,
        account_type: kind,
        last4: last4.clone(),
        debit_date: crate::calls::debits::debit_date(today),
        authorized_on: today,
    };
    // The language the caller is being spoken to in (the flow's first until they choose).
    let language = session
        .language
        .or_else(|| ctx.app.flow.languages.first().copied())
        .unwrap_or(crate::language::Language::En);
    let script = authorization.script(language);
    let recording = ctx.start_recording().await;
    let has_notice = crate::calls::debits::notice_channel(ctx.app, &account).is_some();
    if recording.is_none() && !has_notice {
        // No evidence could be kept of an authorisation given now: none is asked for.
        tracing::warn!("no recording and no written notice for a bank debit: not offered");
        return Ok(PrepareDebitResult::Incomplete);
    }
    let debit_date = authorization.debit_date.to_string();
    ctx.app
        .store
        .offer_debit_authorization(&NewDebitAuthorization {
            call: ctx.key(),
            attempt: session.facts.payment.attempts + 1,
            account_number: &account.account_number,
            amount_cents: amount,
            account_type: kind.as_str(),
            last4: &last4,
            debit_date: &debit_date,
            language: language.code(),
            script_version: TelAuthorization::SCRIPT_VERSION,
            script: &script,
            recording_id: recording.as_deref(),
            now: ctx.app.clock.now_ms(),
        })
        .await?;
    session.facts.debit = Some(DebitTerms {
        date: debit_date,
        script,
        script_version: TelAuthorization::SCRIPT_VERSION.to_owned(),
        noticed: has_notice,
    });
    Ok(PrepareDebitResult::Ready)
}
