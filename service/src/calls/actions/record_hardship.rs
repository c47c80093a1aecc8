//! `record_hardship`: record why the caller is having trouble paying, on the call (agents and
//! reports see it) and in the session (plans then use the policy's hardship terms).

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RecordHardshipResult;
use crate::flow::engine::Session;

/// Records the reason the caller chose.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordHardshipResult, AppError> {
    let reason = session
        .facts
        .hardship
        .get_or_insert_with(|| "other".to_owned())
        .clone();
    ctx.claim().await?;
    ctx.app
        .store
        .record_hardship(ctx.key(), &reason, ctx.app.clock.now_ms())
        .await?;
    tracing::info!(reason = %reason, "hardship");
    Ok(RecordHardshipResult::Recorded)
}
