//! `receipt_by_text`: the caller chose texts: this call's receipts go by SMS, and so will
//! reminders.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::ReceiptByTextResult;
use crate::flow::engine::Session;
use crate::messages::compose::Channel;

/// Records the choice and queues the messages in one transaction.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ReceiptByTextResult, AppError> {
    Ok(
        if super::receipts::send(ctx, session, Channel::Sms).await? {
            ReceiptByTextResult::Queued
        } else {
            ReceiptByTextResult::Unavailable
        },
    )
}
