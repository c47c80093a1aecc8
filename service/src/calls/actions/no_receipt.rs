//! `no_receipt`: the caller wants no messages; recorded with its time, and reminders stop.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::NoReceiptResult;
use crate::flow::engine::Session;

/// Records the choice.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    _session: &mut Session,
) -> Result<NoReceiptResult, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(NoReceiptResult::Recorded);
    };
    ctx.claim().await?;
    ctx.app
        .store
        .record_contact_choice(
            ctx.key(),
            &account.account_number,
            "none",
            &[],
            ctx.app.clock.now_ms(),
        )
        .await?;
    Ok(NoReceiptResult::Recorded)
}
