//! `record_callback`: record the callback the caller asked for, with the number and the window
//! they chose, once per call attempt.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RecordCallbackResult;
use crate::flow::engine::{Session, chosen_window};
use crate::store::NewCallback;

/// Records the callback, claiming the turn so a duplicate delivery cannot record it twice (and
/// the store's key on the call attempt catches a retry that comes after this one died).
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordCallbackResult, AppError> {
    let (Some(phone), Some(window)) =
        (session.facts.callback.phone.clone(), chosen_window(session))
    else {
        return Ok(RecordCallbackResult::Incomplete);
    };
    ctx.claim().await?;
    let language = session.language.unwrap_or(ctx.app.flow.languages[0]);
    let new = NewCallback {
        account_number: session.account.as_deref(),
        call: ctx.key(),
        call_attempt: ctx.turn,
        phone: &phone,
        window_start: window.start_ms,
        window_end: window.end_ms,
        language: language.code(),
        reason: Some(session.facts.callback.reason.as_str())
            .filter(|reason| !reason.is_empty())
            .unwrap_or("closed"),
        asked_at: Some(session.facts.callback.asked_at.as_str()).filter(|at| !at.is_empty()),
        now: ctx.app.clock.now_ms(),
    };
    let id = ctx.app.store.record_callback(&new).await?;
    tracing::info!(
        callback = id,
        window_start = window.start_ms,
        reason = new.reason,
        "callback requested"
    );
    Ok(RecordCallbackResult::Recorded)
}
