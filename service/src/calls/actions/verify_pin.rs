//! `verify_pin`: check the PIN the caller entered, counting a failure toward the lockout.

use super::{CallContext, Verification};
use crate::accounts::credentials::{AccountNumber, Pin};
use crate::error::AppError;
use crate::flow::actions::VerifyPinResult;
use crate::flow::engine::Session;

impl From<Verification> for VerifyPinResult {
    fn from(verification: Verification) -> Self {
        match verification {
            Verification::Verified => VerifyPinResult::Verified,
            Verification::Failed => VerifyPinResult::Failed,
            Verification::Locked => VerifyPinResult::Locked,
        }
    }
}

/// Takes the PIN out of the session, counts the attempt (claiming the turn), then checks it.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<VerifyPinResult, AppError> {
    let pin = session.secrets.take("pin");
    let Some(account) = ctx.account.clone() else {
        return Ok(VerifyPinResult::Failed);
    };
    let Some(attempt) = ctx.begin_attempt(&account.account_number).await? else {
        return Ok(VerifyPinResult::Locked);
    };
    let number = AccountNumber::parse(&account.account_number);
    let matches = match (number, pin.as_deref().and_then(|p| Pin::parse(p))) {
        (Some(number), Some(pin)) => {
            ctx.app
                .config
                .pin_key
                .verify_pin(&number, &pin, &account.pin_hash)
        }
        _ => false,
    };
    Ok(ctx
        .check_attempt(session, &account.account_number, attempt, matches)
        .await?
        .into())
}
