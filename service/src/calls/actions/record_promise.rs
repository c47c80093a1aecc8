//! `record_promise`: record the caller's promise to pay an amount by a date.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RecordPromiseResult;
use crate::flow::engine::Session;
use crate::messages::compose::{Channel, Composer};
use crate::messages::templates::Kind;
use crate::store::{ArrangementRecord, NewArrangement};

/// Records the promise once, claiming the turn so a duplicate delivery cannot record it again.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordPromiseResult, AppError> {
    let promise = session.facts.promise.as_ref();
    let (Some(account), Some(date), Some(cents)) = (
        ctx.account.clone(),
        promise.and_then(|p| p.date).map(|date| date.to_string()),
        promise.and_then(|p| p.cents),
    ) else {
        return Ok(RecordPromiseResult::Incomplete);
    };
    ctx.claim().await?;
    let policy = ctx.policy_name.clone().unwrap_or_default();
    let message_key = super::receipts::message_key(ctx, ctx.turn);
    let new = NewArrangement {
        account_number: &account.account_number,
        kind: "promise",
        status: "open",
        policy: &policy,
        total_cents: cents,
        balance_before_cents: account.balance_cents,
        promised_by: Some(&date),
        card_token: None,
        method: None,
        gateway: None,
        consent_version: None,
        consent_text: None,
        hardship_reason: session.facts.hardship.as_deref(),
        call: Some(ctx.key()),
        call_attempt: Some(ctx.turn),
        now: ctx.app.clock.now_ms(),
    };
    // An account that chose a channel before hears back without being asked again.
    let confirmation = Channel::standing(&account).and_then(|channel| {
        let promise = ArrangementRecord::unsaved(&new, &[]);
        Composer {
            templates: &ctx.app.templates,
            settings: &ctx.app.config.messaging,
        }
        .promise(
            Kind::PromiseMade,
            &account,
            channel,
            &promise,
            &message_key,
            None,
        )
    });
    let id = ctx
        .app
        .store
        .create_arrangement(&new, &[], None, &Vec::from_iter(confirmation))
        .await?;
    session.facts.promise_made = Some(crate::flow::facts::Made {
        id,
        message_key: ctx.turn,
    });
    tracing::info!(arrangement = id, promised_by = %date, amount_cents = cents, "promise to pay");
    Ok(RecordPromiseResult::Recorded)
}
