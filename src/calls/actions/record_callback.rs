//! `record_callback`: record the callback the caller asked for, with the number and the window
//! they chose, once per call attempt.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RecordCallbackResult;
use crate::flow::engine::{Session, chosen_window};
use crate::hours::keys;
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
    let (Some(phone), Some(window)) = (
        session.values.get(keys::CALLBACK_PHONE).cloned(),
        chosen_window(session),
    ) else {
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
        reason: session
            .values
            .get(keys::CALLBACK_REASON)
            .map_or("closed", String::as_str),
        asked_at: session
            .values
            .get(keys::CALLBACK_ASKED_AT)
            .map(String::as_str),
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
