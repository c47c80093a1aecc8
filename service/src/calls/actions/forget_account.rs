//! `forget_account`: drop an account offered by caller ID that the caller said is not theirs.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::ForgetAccountResult;
use crate::flow::engine::Session;

/// Forgets the account and anything proved about it.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ForgetAccountResult, AppError> {
    session.account = None;
    session.caller_matched = false;
    session.authenticated = false;
    ctx.account = None;
    Ok(ForgetAccountResult::Done)
}
