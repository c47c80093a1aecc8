//! `stop_autopay`: turn AutoPay off at the caller's word.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::StopAutopayResult;
use crate::flow::engine::Session;

/// Turns the account's AutoPay off (its installments not yet charged are cancelled), with the
/// notice on the account's channel. Claims the turn first, so a retried webhook sends no second
/// notice.
///
/// # Errors
/// Another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<StopAutopayResult, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(StopAutopayResult::Stopped);
    };
    ctx.claim().await?;
    crate::calls::autopay::stop(ctx.app, &account, "caller").await?;
    if let Some(autopay) = session.facts.autopay.as_mut() {
        autopay.id = None;
    }
    Ok(StopAutopayResult::Stopped)
}
