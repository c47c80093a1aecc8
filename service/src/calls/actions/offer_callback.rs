//! `offer_callback`: no one can take the call now; see whether a callback can be offered (the
//! line has business hours with a window soon), keep the windows the caller will choose from,
//! why no one took the call, and caller ID if a callback can go to it.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::OfferCallbackResult;
use crate::flow::engine::Session;
use crate::flow::facts::CallbackOffer;
use crate::hours::CallbackPhone;

/// Windows offered to choose from.
const WINDOWS: usize = 3;

/// Keeps the windows, the reason and caller ID in the session. Records nothing.
///
/// # Errors
/// None today; the signature matches the other actions.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferCallbackResult, AppError> {
    let Some(hours) = ctx.app.hours.as_deref() else {
        return Ok(OfferCallbackResult::Unavailable);
    };
    let now = ctx.app.clock.now_ms();
    let windows = hours.callback_windows(now, WINDOWS);
    if windows.is_empty() {
        return Ok(OfferCallbackResult::Unavailable);
    }
    let reason = if ctx.app.config.agent_number.is_none() {
        "no_agent_line"
    } else if !hours.is_open(now) {
        "closed"
    } else {
        "no_answer"
    };
    let caller_id = ctx
        .webhook
        .from
        .as_deref()
        .and_then(CallbackPhone::from_caller_id);
    let asks_number = caller_id.is_none();
    session.facts.callback = CallbackOffer {
        windows,
        chosen: None,
        reason: reason.to_owned(),
        asked_at: session.state.clone(),
        phone: caller_id.map(|phone| phone.as_str().to_owned()),
    };
    Ok(if asks_number {
        OfferCallbackResult::AskNumber
    } else {
        OfferCallbackResult::ConfirmCallerId
    })
}
