//! `offer_autopay`: whether AutoPay can be turned on here, from which due date, and with the
//! card on file or a card keyed in.

use super::CallContext;
use crate::collections::autopay::first_due;
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferAutopayResult;
use crate::flow::engine::Session;
use crate::flow::facts::{AutopayFacts, CardFor, SavedLabel};
use crate::payments::MethodKind;

/// Puts what AutoPay would be in the session: its amount, its first due date (the account's
/// next one still ahead), and the newest card on file where the policy keeps cards; a card
/// keyed in from here is AutoPay's.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferAutopayResult, AppError> {
    let terms = ctx.policy().and_then(|policy| policy.autopay);
    // One arrangement at a time: not while AutoPay is on already, nor beside a plan.
    let arranged = session.facts.arrangement.is_some()
        || session
            .facts
            .autopay
            .as_ref()
            .is_some_and(|a| a.id.is_some());
    let (Some(account), Some(terms)) = (ctx.account.clone(), terms) else {
        return Ok(OfferAutopayResult::NotAvailable);
    };
    if arranged {
        return Ok(OfferAutopayResult::NotAvailable);
    }
    let first = first_due(parse_date(&account.due_date), ctx.app.today());
    let Some(first) = first.filter(|_| ctx.app.gateway.keeps_cards()) else {
        return Ok(OfferAutopayResult::NotAvailable);
    };
    let on_file = if ctx.policy().is_none_or(|policy| policy.cards_on_file) {
        ctx.app
            .store
            .saved_methods(&account.account_number)
            .await?
            .into_iter()
            .find(|m| m.kind == MethodKind::Card)
            .map(|card| SavedLabel {
                id: card.id,
                kind: card.kind.as_str().to_owned(),
                label: card.label,
                last4: card.last4,
            })
    } else {
        None
    };
    let has_card_on_file = on_file.is_some();
    session.facts.autopay = Some(AutopayFacts {
        id: None,
        amount: terms.amount.name().to_owned(),
        card: None,
        on_file,
        first_due: Some(first.to_string()),
        script: String::new(),
        noticed: false,
    });
    session.facts.payment.card_for = Some(CardFor::Autopay);
    Ok(if has_card_on_file {
        OfferAutopayResult::CardOnFile
    } else {
        OfferAutopayResult::NewCard
    })
}
