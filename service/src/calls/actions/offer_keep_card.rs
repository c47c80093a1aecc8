//! `offer_keep_card`: whether the card just entered can be kept on file with the payment.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferKeepCardResult;
use crate::flow::engine::Session;

/// Offers keeping the card when the gateway keeps cards, the policy allows cards on file, and
/// the card pays today's payment (a plan's card is kept with its plan).
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferKeepCardResult, AppError> {
    session.facts.payment.keep_card = false;
    let todays = session.facts.payment.card_for.is_none() && session.facts.card.is_some();
    let allowed = ctx.policy().is_none_or(|policy| policy.cards_on_file);
    Ok(
        if todays && allowed && ctx.account.is_some() && ctx.app.gateway.keeps_cards() {
            OfferKeepCardResult::Offered
        } else {
            OfferKeepCardResult::NotAvailable
        },
    )
}
