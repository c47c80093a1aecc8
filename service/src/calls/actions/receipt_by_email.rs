//! `receipt_by_email`: the caller chose email: this call's receipts go by email, and so will
//! reminders.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::ReceiptByEmailResult;
use crate::flow::engine::Session;
use crate::messages::compose::Channel;

/// Records the choice and queues the messages in one transaction.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ReceiptByEmailResult, AppError> {
    Ok(
        if super::receipts::send(ctx, session, Channel::Email).await? {
            ReceiptByEmailResult::Queued
        } else {
            ReceiptByEmailResult::Unavailable
        },
    )
}
