//! `forget_account`: drop an account offered by caller ID that the caller said is not theirs.

use super::CallContext;
use crate::flow::actions::ForgetAccountResult;
use crate::flow::engine::Session;

/// Forgets the account and anything proved about it.
pub(super) fn run(ctx: &mut CallContext<'_>, session: &mut Session) -> ForgetAccountResult {
    session.account = None;
    session.caller_matched = false;
    session.authenticated = false;
    ctx.account = None;
    ForgetAccountResult::Done
}
