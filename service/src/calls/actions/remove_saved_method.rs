//! `remove_saved_method`: take the method on file off the account's file, at the caller's word.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::RemoveSavedMethodResult;
use crate::flow::engine::Session;

/// Removes the method offered (its consent stays on record, marked removed by the caller), and
/// AutoPay with it when AutoPay charges it.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RemoveSavedMethodResult, AppError> {
    let (Some(saved), Some(account)) = (session.facts.saved.take(), ctx.account.clone()) else {
        return Ok(RemoveSavedMethodResult::Removed);
    };
    let (_, stopped) =
        crate::calls::autopay::remove_method(ctx.app, &account, saved.id, "caller").await?;
    if stopped {
        if let Some(autopay) = session.facts.autopay.as_mut() {
            autopay.id = None;
        }
        return Ok(RemoveSavedMethodResult::RemovedAutopayStopped);
    }
    Ok(RemoveSavedMethodResult::Removed)
}
