//! `lookup_account`: find the account whose number the caller entered.

use super::CallContext;
use crate::accounts::credentials::AccountNumber;
use crate::error::AppError;
use crate::flow::InputKind;
use crate::flow::actions::LookupAccountResult;
use crate::flow::engine::Session;

/// Takes the entered account number out of the session and looks it up.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<LookupAccountResult, AppError> {
    // Taken, not read: an entry that names no account (perhaps a bank number keyed
    // at the wrong question) is not kept in the session.
    let entered = session
        .facts
        .answers
        .remove(&InputKind::AccountNumber)
        .unwrap_or_default();
    let Some(number) = AccountNumber::parse(&entered) else {
        return Ok(LookupAccountResult::NotFound);
    };
    let Some(account) = ctx.app.store.account(number.as_str()).await? else {
        return Ok(LookupAccountResult::NotFound);
    };
    let locked = ctx.locked(&account);
    ctx.adopt(session, account).await?;
    Ok(if locked {
        LookupAccountResult::Locked
    } else {
        LookupAccountResult::Found
    })
}
