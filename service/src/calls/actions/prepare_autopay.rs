//! `prepare_autopay`: the words of AutoPay's authorisation for the card chosen.

use super::CallContext;
use crate::collections::autopay::{AutopayAmount, AutopayAuthorization};
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::actions::PrepareAutopayResult;
use crate::flow::engine::Session;
use crate::flow::facts::{CardFor, SavedLabel};
use crate::payments::{CardBrand, SecretField};

/// Names the card AutoPay will charge (the card just keyed in, while it is held, else the card
/// on file) and composes the authorisation with every element, in the caller's language.
///
/// # Errors
/// None today; the signature matches the other actions'.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PrepareAutopayResult, AppError> {
    let keyed = session.facts.payment.card_for == Some(CardFor::Autopay)
        && session
            .secrets
            .0
            .contains_key(SecretField::CardNumber.input_name());
    let keyed_card = session.facts.card.as_ref().filter(|_| keyed);
    let Some(autopay) = session.facts.autopay.as_mut() else {
        return Ok(PrepareAutopayResult::NoCard);
    };
    let card = match keyed_card {
        Some(card) => Some(SavedLabel {
            id: 0,
            kind: "card".to_owned(),
            label: card.brand.clone(),
            last4: card.last4.clone(),
        }),
        None => autopay.on_file.clone(),
    };
    let (Some(card), Some(account), Some(first_due)) = (
        card,
        ctx.account.as_ref(),
        autopay.first_due.as_deref().and_then(parse_date),
    ) else {
        return Ok(PrepareAutopayResult::NoCard);
    };
    let authorization = AutopayAuthorization {
        company: ctx.app.templates.company().to_owned(),
        company_phone: ctx.app.templates.company_phone().to_owned(),
        consumer_name: account.name.clone(),
        amount: AutopayAmount::parse(&autopay.amount).unwrap_or(AutopayAmount::MinimumDue),
        card_brand: CardBrand::parse(&card.label).unwrap_or(CardBrand::Unknown),
        last4: card.last4.clone(),
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
    autopay.script = authorization.script(language);
    autopay.card = Some(card);
    Ok(PrepareAutopayResult::Ready)
}
