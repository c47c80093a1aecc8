//! `offer_pay_link`: how a pay link can reach the caller, by text or by email.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::OfferPayLinkResult;
use crate::flow::engine::Session;
use crate::messages::compose::Channel;

/// Keeps which channels can reach the caller in the session (as for a receipt: a number that
/// replied STOP gets no text).
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferPayLinkResult, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(OfferPayLinkResult::Unavailable);
    };
    let text = crate::pay_links::reaches(ctx.app, &account, Channel::Sms).await?;
    let email = crate::pay_links::reaches(ctx.app, &account, Channel::Email).await?;
    session.facts.receipts = crate::flow::facts::ReceiptChannels { text, email };
    Ok(if text || email {
        OfferPayLinkResult::Ask
    } else {
        OfferPayLinkResult::Unavailable
    })
}
