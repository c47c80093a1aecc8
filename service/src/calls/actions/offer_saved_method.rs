//! `offer_saved_method`: whether the account has a card or bank account on file to pay today's
//! payment with.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferSavedMethodResult;
use crate::flow::engine::Session;
use crate::flow::facts::SavedLabel;
use crate::payments::MethodKind;

/// Puts the newest card on file in the session, when the policy allows cards on file and the
/// gateway that keeps it is the line's.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferSavedMethodResult, AppError> {
    session.facts.saved = None;
    let payment = &session.facts.payment;
    let todays = payment.cents.is_some_and(|cents| cents > 0) && payment.card_for.is_none();
    let allowed = ctx.policy().is_none_or(|policy| policy.cards_on_file);
    let Some(account) = ctx.account.as_ref().filter(|_| todays && allowed) else {
        return Ok(OfferSavedMethodResult::None);
    };
    // A card fee is said before a card is taken; a card on file is offered only where none
    // applies (a bank account on file, which pays no fee, still is).
    let fee = ctx
        .policy()
        .and_then(|policy| policy.card_fee.as_ref())
        .map_or(0, |fee| fee.fee_for(account, payment.cents.unwrap_or(0)));
    let cards = fee == 0;
    // A bank account on file is offered where a debit could be made today (its authorisation
    // is read and its evidence kept as for one keyed in).
    let debits = ctx.policy().is_none_or(|policy| policy.bank_debits)
        && payment.settling.is_none()
        && ctx.app.gateway.debits_banks()
        && ctx.app.gateway.keeps_bank_accounts()
        && (ctx.webhook.dialect.recording_control().is_some()
            || crate::calls::debits::notice_channel(ctx.app, account).is_some());
    let saved = ctx.app.store.saved_methods(&account.account_number).await?;
    let Some(card) = saved
        .into_iter()
        .find(|m| (cards && m.kind == MethodKind::Card) || (debits && m.kind == MethodKind::Bank))
    else {
        return Ok(OfferSavedMethodResult::None);
    };
    // An account keyed in earlier on this call is not the one on file.
    session.facts.bank = None;
    session.facts.saved = Some(SavedLabel {
        id: card.id,
        kind: card.kind.as_str().to_owned(),
        label: card.label,
        last4: card.last4,
    });
    Ok(OfferSavedMethodResult::Offered)
}
