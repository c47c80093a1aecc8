//! `remove_saved_method`: take the card on file off the account's file, at the caller's word.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RemoveSavedMethodResult;
use crate::flow::engine::Session;

/// Removes the card offered (its consent stays on record, marked removed by the caller).
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RemoveSavedMethodResult, AppError> {
    if let (Some(saved), Some(account)) = (session.facts.saved.take(), ctx.account.as_ref()) {
        let now = ctx.app.clock.now_ms();
        ctx.app
            .store
            .remove_saved_method(&account.account_number, saved.id, "caller", now)
            .await?;
        tracing::info!(saved_method = saved.id, "card on file removed by the caller");
    }
    Ok(RemoveSavedMethodResult::Removed)
}
