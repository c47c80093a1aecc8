//! `change_plan_card`: keep the card just entered at the gateway and make it the plan's card.

use super::{CallContext, next_attempt, take_card};
use crate::calls::payments::parse_card;
use crate::error::AppError;
use crate::flow::actions::ChangePlanCardResult;
use crate::flow::engine::Session;
use crate::flow::facts::CardLabel;
use crate::payments::{MethodSummary, SaveCardRequest, SaveOutcome, save_card_with_retry};

/// Saves the card and puts its token on the plan.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ChangePlanCardResult, AppError> {
    ctx.claim().await?;
    let fields = take_card(session);
    let attempt = next_attempt(session);
    let card = parse_card(ctx.app, &fields);
    drop(fields);
    let (Some(card), Some(id)) = (card, session.facts.arrangement.as_ref().map(|a| a.id)) else {
        return Ok(ChangePlanCardResult::Declined);
    };
    let method = MethodSummary::card(card.number.brand(), card.number.last4());
    let saved = save_card_with_retry(
        ctx.app.gateway.as_ref(),
        &SaveCardRequest {
            card: &card,
            idempotency_key: format!("ivrpay-{}-card-{attempt}", ctx.call_sid),
            description: "Payment plan card".to_owned(),
        },
        ctx.gateway_wait(),
    )
    .await;
    drop(card);
    let SaveOutcome::Saved { token } = saved else {
        return Ok(ChangePlanCardResult::Declined);
    };
    ctx.app
        .store
        .set_arrangement_card(id, &token, &method, ctx.app.clock.now_ms())
        .await?;
    if let Some(arrangement) = &mut session.facts.arrangement {
        arrangement.card = CardLabel {
            brand: method.label,
            last4: method.last4,
        };
    }
    tracing::info!(arrangement = id, "plan card changed");
    Ok(ChangePlanCardResult::Saved)
}
