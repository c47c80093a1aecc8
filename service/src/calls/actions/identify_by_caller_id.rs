//! `identify_by_caller_id`: match caller ID to the one account with that phone.

use super::CallContext;
use crate::accounts::import::is_e164;
use crate::error::AppError;
use crate::flow::actions::IdentifyByCallerIdResult;
use crate::flow::engine::Session;
use crate::language::Language;

/// Looks the caller's number up; a match becomes the session's account and its language the
/// default.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<IdentifyByCallerIdResult, AppError> {
    let Some(from) = ctx.webhook.from.clone().filter(|f| is_e164(f)) else {
        return Ok(IdentifyByCallerIdResult::NotFound);
    };
    let Some(account) = ctx.app.store.account_by_phone(&from).await? else {
        return Ok(IdentifyByCallerIdResult::NotFound);
    };
    // The account's language is the default until the caller chooses.
    session.language = Language::parse(&account.language);
    session.caller_matched = true;
    ctx.adopt(session, account).await?;
    Ok(IdentifyByCallerIdResult::Found)
}
