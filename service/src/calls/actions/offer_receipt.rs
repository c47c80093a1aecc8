//! `offer_receipt`: whether this call's receipt can go by text or by email: the channel is set
//! up, the account has a number or address on file, and the number has not opted out.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::OfferReceiptResult;
use crate::flow::engine::Session;
use crate::messages::compose::{Channel, Composer};

/// Keeps which channels can reach the caller in the session.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferReceiptResult, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(OfferReceiptResult::Unavailable);
    };
    let composer = Composer {
        templates: &ctx.app.templates,
        settings: &ctx.app.config.messaging,
    };
    let text = composer.reaches(&account, Channel::Sms)
        && !ctx.app.store.sms_opted_out(&account.phone).await?;
    let email = composer.reaches(&account, Channel::Email);
    session.facts.receipts = crate::flow::facts::ReceiptChannels { text, email };
    Ok(if text || email {
        OfferReceiptResult::Ask
    } else {
        OfferReceiptResult::Unavailable
    })
}
