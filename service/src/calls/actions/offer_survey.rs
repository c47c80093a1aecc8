//! `offer_survey`: whether this call is asked the end-of-call survey. Reached only once the
//! business of the call is done; the call is asked when its id falls within the policy's
//! `survey_percent`, or else the flow's `[survey] sample_percent` (see [`crate::survey`]), and
//! never twice, nor ever to a caller whose account needs extra care (a specialist policy): they
//! are asked nothing they do not need. Asking records the call's `surveys` row.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferSurveyResult;
use crate::flow::engine::Session;
use crate::survey;

/// Decides, and records the offer when asking. Deciding again (a retried webhook, another
/// instance) gives the same answer, and the row is written once.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferSurveyResult, AppError> {
    let needs_extra_care = ctx
        .policy()
        .is_some_and(|policy| policy.treatment == crate::collections::Treatment::Specialist);
    if survey::offered(session) || needs_extra_care {
        return Ok(OfferSurveyResult::Skip);
    }
    let percent = ctx
        .policy()
        .and_then(|policy| policy.survey_percent)
        .unwrap_or(ctx.app.flow.survey.sample_percent);
    let call = ctx.key();
    if !survey::sampled(call.provider, call.sid, percent) {
        return Ok(OfferSurveyResult::Skip);
    }
    ctx.app
        .store
        .offer_survey(call, ctx.app.clock.now_ms())
        .await?;
    session.facts.survey_offered = true;
    Ok(OfferSurveyResult::Ask)
}
