//! `forget_bank_account`: forget the bank account entered so far, and a debit, AutoPay or plan
//! offered for it.

use super::{CallContext, take_bank};
use crate::error::AppError;
use crate::flow::actions::ForgetBankAccountResult;
use crate::flow::engine::Session;

/// Wipes the bank account's sealed fields, its type and last four, and the debit's terms; an
/// authorisation being read is recorded as not given, and its recording (a debit's, AutoPay's
/// or a plan's) is stopped.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ForgetBankAccountResult, AppError> {
    drop(take_bank(session));
    session.facts.bank = None;
    if session.facts.debit.take().is_some() {
        let attempt = session.facts.payment.attempts + 1;
        let recording = ctx
            .app
            .store
            .withdraw_debit_authorization(ctx.key(), attempt)
            .await?;
        if let Some(recording) = recording {
            ctx.stop_recording(&recording).await;
        }
    }
    let autopays = session
        .facts
        .autopay
        .as_mut()
        .and_then(|autopay| autopay.recording.take());
    let plans = session
        .facts
        .plan_debit
        .take()
        .and_then(|terms| terms.recording);
    for recording in autopays.into_iter().chain(plans) {
        ctx.stop_recording(&recording).await;
    }
    Ok(ForgetBankAccountResult::Done)
}
