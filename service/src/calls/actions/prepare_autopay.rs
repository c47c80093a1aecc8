//! `prepare_autopay`: the words of AutoPay's authorisation for the card or bank account chosen,
//! recorded when it is a bank account's.

use super::CallContext;
use crate::collections::autopay::{AutopayAmount, AutopayAuthorization, AutopayMethod};
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::actions::PrepareAutopayResult;
use crate::flow::engine::Session;
use crate::flow::facts::{CardFor, SavedLabel};
use crate::payments::{AccountType, CardBrand, SecretField};

/// Names the method AutoPay will charge (a card or bank account just keyed in, while it is
/// held, else the one on file) and composes the authorisation with every element, in the
/// caller's language.
///
/// A bank account's is a recurring TEL authorisation: its evidence is both a recording of
/// exactly these words (started here, stopped once the caller answers) and a written copy, so
/// the turn is claimed first (a retried webhook starts no second recording) and it is not read
/// where no recording can be made.
///
/// # Errors
/// Another delivery holds the turn.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PrepareAutopayResult, AppError> {
    let for_autopay = session.facts.payment.card_for == Some(CardFor::Autopay);
    let held = |field: SecretField| session.secrets.0.contains_key(field.input_name());
    let keyed_card = session
        .facts
        .card
        .as_ref()
        .filter(|_| for_autopay && held(SecretField::CardNumber))
        .map(|card| SavedLabel {
            id: 0,
            kind: "card".to_owned(),
            label: card.brand.clone(),
            last4: card.last4.clone(),
        });
    let keyed_bank = session
        .facts
        .bank
        .as_ref()
        .filter(|_| for_autopay && held(SecretField::BankAccountNumber))
        .and_then(|bank| {
            Some(SavedLabel {
                id: 0,
                kind: "bank".to_owned(),
                label: bank.account_type()?.as_str().to_owned(),
                last4: bank.last4.clone()?,
            })
        });
    let Some(autopay) = session.facts.autopay.as_ref() else {
        return Ok(PrepareAutopayResult::NoMethod);
    };
    let chosen = keyed_bank
        .or(keyed_card)
        .or_else(|| autopay.on_file.clone());
    let (Some(chosen), Some(account), Some(first_due)) = (
        chosen,
        ctx.account.as_ref(),
        autopay.first_due.as_deref().and_then(parse_date),
    ) else {
        return Ok(PrepareAutopayResult::NoMethod);
    };
    let method = match chosen.kind.as_str() {
        "bank" => AutopayMethod::Bank {
            account_type: AccountType::parse(&chosen.label).unwrap_or(AccountType::Checking),
            last4: chosen.last4.clone(),
        },
        _ => AutopayMethod::Card {
            brand: CardBrand::parse(&chosen.label).unwrap_or(CardBrand::Unknown),
            last4: chosen.last4.clone(),
        },
    };
    let authorization = AutopayAuthorization {
        company: ctx.app.templates.company().to_owned(),
        company_phone: ctx.app.templates.company_phone().to_owned(),
        consumer_name: account.name.clone(),
        amount: AutopayAmount::parse(&autopay.amount).unwrap_or(AutopayAmount::MinimumDue),
        method,
        first_due,
        reminder_days: ctx
            .app
            .config
            .messaging
            .installment_reminder_days
            .iter()
            .copied()
            .max()
            .unwrap_or(0),
        authorized_on: ctx.app.today(),
    };
    let language = session
        .language
        .or_else(|| ctx.app.flow.languages.first().copied())
        .unwrap_or(crate::language::Language::En);
    let script = authorization.script(language);
    let recording = match authorization.method {
        AutopayMethod::Bank { .. } => {
            ctx.claim().await?;
            // Read again from the start (another account chosen): one recording per reading.
            if let Some(earlier) = autopay.recording.clone() {
                ctx.stop_recording(&earlier).await;
            }
            let Some(recording) = ctx.start_recording().await else {
                tracing::warn!("AutoPay from a bank account needs a recording: none could start");
                return Ok(PrepareAutopayResult::NoMethod);
            };
            Some(recording)
        }
        AutopayMethod::Card { .. } => None,
    };
    if let Some(autopay) = session.facts.autopay.as_mut() {
        autopay.script = script;
        autopay.card = Some(chosen);
        autopay.recording = recording;
    }
    Ok(PrepareAutopayResult::Ready)
}
