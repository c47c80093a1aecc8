//! What a call's receipt choice sends: a receipt for the payment made on the call, the schedule
//! of a plan set up on it, the confirmation of a promise made on it; queued with the choice in
//! one transaction. Shared by `receipt_by_text` and `receipt_by_email`.

use super::{CONFIRMATION, CallContext, PAYMENT_CENTS, cents_of};
use crate::collections::keys;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::engine::Session;
use crate::messages::compose::{Channel, Composer, Receipt};
use crate::messages::templates::Kind;
use crate::payments::{MethodKind, MethodSummary};

/// What makes an arrangement's confirmation one message: the call, and the attempt or turn it was
/// made on.
pub(super) fn message_key(ctx: &CallContext<'_>, n: i64) -> String {
    format!("{}:{}:{n}", ctx.key().provider, ctx.key().sid)
}

/// Queues this call's messages on `channel` and records the choice; `false` when the channel
/// cannot reach the caller or nothing could be queued for it (nothing is recorded then), so the
/// flow never tells a caller "It's on its way" about a message that was not queued.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn send(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
    channel: Channel,
) -> Result<bool, AppError> {
    let can = match channel {
        Channel::Sms => keys::CAN_TEXT,
        Channel::Email => keys::CAN_EMAIL,
    };
    let Some(account) = ctx.account.clone() else {
        return Ok(false);
    };
    if !session.values.contains_key(can) {
        return Ok(false);
    }
    ctx.claim().await?;
    let composer = Composer {
        templates: &ctx.app.templates,
        settings: &ctx.app.config.messaging,
    };
    let mut messages = Vec::new();
    if let (Some(code), Some(amount)) = (
        session.values.get(CONFIRMATION),
        cents_of(session, PAYMENT_CENTS),
    ) {
        let value = |key: &str, fallback: &str| {
            session
                .values
                .get(key)
                .or_else(|| session.values.get(fallback))
                .cloned()
                .unwrap_or_default()
        };
        // The payment this code confirms says how it was paid; an installment (no payment row)
        // was paid by the plan's card, kept in the session.
        let recorded = ctx
            .app
            .store
            .payments_of_call(ctx.key())
            .await?
            .into_iter()
            .find(|p| p.confirmation_code.as_ref() == Some(code));
        let method = match recorded {
            Some(payment) => payment.summary(),
            None => MethodSummary {
                kind: MethodKind::Card,
                label: value("card_brand", keys::ARRANGEMENT_CARD_BRAND),
                last4: value("card_last4", keys::ARRANGEMENT_CARD_LAST4),
            },
        };
        let receipt = Receipt {
            amount_cents: amount,
            fee_cents: cents_of(session, keys::FEE_CENTS).unwrap_or(0),
            method: &method,
            confirmation: code,
            date: ctx.today(),
        };
        let dedupe = format!("{}:{}:{code}", ctx.key().provider, ctx.key().sid);
        messages.extend(composer.receipt(&account, channel, &receipt, &dedupe));
    }
    if let (Some(id), Some(n)) = (
        cents_of(session, keys::PLAN_ID),
        cents_of(session, keys::PLAN_MESSAGE_KEY),
    ) && let Some(plan) = ctx.app.store.arrangement(id).await?
    {
        let key = message_key(ctx, n);
        messages.extend(composer.plan_schedule(&account, channel, &plan, &key));
    }
    if let (Some(id), Some(n)) = (
        cents_of(session, keys::PROMISE_ID),
        cents_of(session, keys::PROMISE_MESSAGE_KEY),
    ) && let Some(promise) = ctx.app.store.arrangement(id).await?
    {
        let key = message_key(ctx, n);
        messages.extend(composer.promise(Kind::PromiseMade, &account, channel, &promise, &key));
    }
    if messages.is_empty() {
        return Ok(false);
    }
    ctx.app
        .store
        .record_contact_choice(
            ctx.key(),
            &account.account_number,
            channel.name(),
            &messages,
            ctx.app.clock.now_ms(),
        )
        .await?;
    tracing::info!(
        channel = channel.name(),
        messages = messages.len(),
        "receipt chosen"
    );
    Ok(true)
}
