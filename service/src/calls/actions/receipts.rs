//! What a call's receipt choice sends: a receipt for the payment made on the call, the schedule
//! of a plan set up on it, the confirmation of a promise made on it; queued with the choice in
//! one transaction. Shared by `receipt_by_text` and `receipt_by_email`.

use super::CallContext;
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
        Channel::Sms => session.facts.receipts.text,
        Channel::Email => session.facts.receipts.email,
    };
    let Some(account) = ctx.account.clone() else {
        return Ok(false);
    };
    if !can {
        return Ok(false);
    }
    ctx.claim().await?;
    let composer = Composer {
        templates: &ctx.app.templates,
        settings: &ctx.app.config.messaging,
    };
    let mut messages = Vec::new();
    let facts = &session.facts;
    if let (Some(code), Some(amount)) = (&facts.payment.confirmation, facts.payment.cents) {
        // The payment this code confirms says how it was paid; an installment (no payment row)
        // was paid by the plan's card.
        let recorded = ctx
            .app
            .store
            .payments_of_call(ctx.key())
            .await?
            .into_iter()
            .find(|p| p.confirmation_code.as_ref() == Some(code));
        let method = match recorded {
            // A bank debit's written notice of its authorisation went out when it was accepted;
            // a receipt saying it was received would be early (it clears in days).
            Some(payment) if payment.method == MethodKind::Bank => None,
            Some(payment) => Some(payment.summary()),
            None => {
                let card = facts
                    .card
                    .as_ref()
                    .or(facts.arrangement.as_ref().map(|a| &a.card));
                Some(MethodSummary {
                    kind: MethodKind::Card,
                    label: card.map(|c| c.brand.clone()).unwrap_or_default(),
                    last4: card.map(|c| c.last4.clone()).unwrap_or_default(),
                })
            }
        };
        if let Some(method) = method {
            let receipt = Receipt {
                amount_cents: amount,
                fee_cents: facts.payment.fee_cents.unwrap_or(0),
                method: &method,
                confirmation: code,
                date: ctx.today(),
            };
            let dedupe = format!("{}:{}:{code}", ctx.key().provider, ctx.key().sid);
            messages.extend(composer.receipt(&account, channel, &receipt, &dedupe));
        }
    }
    if let Some(made) = facts.plan_made
        && let Some(plan) = ctx.app.store.arrangement(made.id).await?
    {
        let key = message_key(ctx, made.message_key);
        messages.extend(composer.plan_schedule(&account, channel, &plan, &key));
    }
    if let Some(made) = facts.promise_made
        && let Some(promise) = ctx.app.store.arrangement(made.id).await?
    {
        let key = message_key(ctx, made.message_key);
        messages.extend(composer.promise(
            Kind::PromiseMade,
            &account,
            channel,
            &promise,
            &key,
            None,
        ));
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
