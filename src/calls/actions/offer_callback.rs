//! `offer_callback`: no one can take the call now; see whether a callback can be offered (the
//! line has business hours with a window soon), keep the windows the caller will choose from,
//! why no one took the call, and caller ID if a callback can go to it.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::OfferCallbackResult;
use crate::flow::engine::Session;
use crate::hours::{CallbackPhone, encode_windows, keys};

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
    let values = &mut session.values;
    values.insert(keys::CALLBACK_WINDOWS.to_owned(), encode_windows(&windows));
    values.remove(keys::CALLBACK_WINDOW);
    values.insert(keys::CALLBACK_REASON.to_owned(), reason.to_owned());
    values.insert(keys::CALLBACK_ASKED_AT.to_owned(), session.state.clone());
    let caller_id = ctx
        .webhook
        .from
        .as_deref()
        .and_then(CallbackPhone::from_caller_id);
    Ok(match caller_id {
        Some(phone) => {
            values.insert(keys::CALLBACK_PHONE.to_owned(), phone.as_str().to_owned());
            OfferCallbackResult::ConfirmCallerId
        }
        None => {
            values.remove(keys::CALLBACK_PHONE);
            OfferCallbackResult::AskNumber
        }
    })
}
