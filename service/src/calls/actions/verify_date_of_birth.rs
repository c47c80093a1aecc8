//! `verify_date_of_birth`: check date of birth and ZIP (for callers without their PIN),
//! counting a failure toward the lockout.

use super::{CallContext, Verification};
use crate::accounts::credentials::{AccountNumber, DateOfBirth, Zip};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::VerifyDateOfBirthResult;
use crate::flow::engine::Session;

impl From<Verification> for VerifyDateOfBirthResult {
    fn from(verification: Verification) -> Self {
        match verification {
            Verification::Verified => VerifyDateOfBirthResult::Verified,
            Verification::Failed => VerifyDateOfBirthResult::Failed,
            Verification::Locked => VerifyDateOfBirthResult::Locked,
        }
    }
}

/// Takes date of birth and ZIP out of the session, counts the attempt (claiming the turn), then
/// checks them.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<VerifyDateOfBirthResult, AppError> {
    let dob = session.secrets.take("date_of_birth");
    let zip = session.secrets.take("zip");
    let Some(account) = ctx.account.clone() else {
        return Ok(VerifyDateOfBirthResult::Failed);
    };
    let Some(attempt) = ctx.begin_attempt(&account.account_number).await? else {
        return Ok(VerifyDateOfBirthResult::Locked);
    };
    let today = ctx.today();
    let number = AccountNumber::parse(&account.account_number);
    let dob = dob
        .as_deref()
        .and_then(|d| DateOfBirth::parse_keypad(d, today));
    let zip = zip.as_deref().and_then(|z| Zip::parse(z));
    let matches = match (number, dob, zip) {
        (Some(number), Some(dob), Some(zip)) => {
            ctx.app
                .config
                .pin_key
                .verify_dob_zip(&number, &dob, &zip, &account.dob_zip_hash)
        }
        _ => false,
    };
    Ok(ctx
        .check_attempt(session, &account.account_number, attempt, matches)
        .await?
        .into())
}
