//! `pay_link_by_text`: make a pay link for the caller's account and send it by text.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::PayLinkByTextResult;
use crate::flow::engine::Session;
use crate::messages::compose::Channel;

/// Makes the link (made by this call) and queues it by text, claiming the turn first so a
/// retried webhook sends one link.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    _session: &mut Session,
) -> Result<PayLinkByTextResult, AppError> {
    Ok(if super::send_pay_link(ctx, Channel::Sms).await? {
        PayLinkByTextResult::Sent
    } else {
        PayLinkByTextResult::Unavailable
    })
}
