//! `prepare_plan_debit`: the recurring TEL authorisation of a plan's debits from the bank
//! account just keyed in, recorded while it is read.

use super::CallContext;
use super::set_up_plan::plan_being_set_up;
use crate::collections::terms;
use crate::error::AppError;
use crate::flow::actions::PreparePlanDebitResult;
use crate::flow::engine::Session;
use crate::flow::facts::PlanDebitTerms;
use crate::payments::PlanTelAuthorization;

/// Composes the authorisation with every element (the schedule's dates and amounts, the account,
/// that the debits recur until the plan is paid, the number for questions in business hours and
/// how to cancel), in the caller's language, and starts recording it. Claims the turn first, so
/// a retried webhook starts no second recording.
///
/// # Errors
/// Another delivery holds the turn.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PreparePlanDebitResult, AppError> {
    let bank = session.facts.bank.as_ref();
    let (Some(account), Some(plan), Some(account_type), Some(last4)) = (
        ctx.account.clone(),
        plan_being_set_up(ctx, session),
        bank.and_then(|bank| bank.account_type()),
        bank.and_then(|bank| bank.last4.clone()),
    ) else {
        return Ok(PreparePlanDebitResult::Incomplete);
    };
    ctx.claim().await?;
    // Read again from the start (another account keyed in): one recording per reading.
    if let Some(earlier) = session
        .facts
        .plan_debit
        .take()
        .and_then(|terms| terms.recording)
    {
        ctx.stop_recording(&earlier).await;
    }
    let language = session
        .language
        .or_else(|| ctx.app.flow.languages.first().copied())
        .unwrap_or(crate::language::Language::En);
    let today = ctx.app.today();
    let authorization = PlanTelAuthorization {
        company: ctx.app.templates.company().to_owned(),
        company_phone: ctx.app.templates.company_phone().to_owned(),
        consumer_name: account.name.clone(),
        account_type,
        last4,
        schedule: terms::schedule_words(&plan.schedule, language, today),
        authorized_on: today,
    };
    let Some(recording) = ctx.start_recording().await else {
        tracing::warn!("a plan's debits need their authorisation recorded: none could start");
        return Ok(PreparePlanDebitResult::Incomplete);
    };
    session.facts.plan_debit = Some(PlanDebitTerms {
        script: authorization.script(language),
        recording: Some(recording),
    });
    Ok(PreparePlanDebitResult::Ready)
}
