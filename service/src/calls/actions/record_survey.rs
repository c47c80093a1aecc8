//! `record_survey`: keep the survey answers given so far (after each question, so a caller who
//! hangs up after the first still counts).

use super::CallContext;
use crate::error::AppError;
use crate::flow::InputKind;
use crate::flow::actions::RecordSurveyResult;
use crate::flow::engine::Session;

/// Writes the answers in the session to the call's survey row; writing the same answers again
/// (a retried webhook) changes nothing.
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordSurveyResult, AppError> {
    let answer = |input: InputKind| session.facts.answers.get(&input);
    let resolved = answer(InputKind::SurveyResolved).map(|key| key == "1");
    let rating = answer(InputKind::SurveyRating).and_then(|key| key.parse::<u8>().ok());
    if !crate::survey::offered(session) || (resolved.is_none() && rating.is_none()) {
        return Ok(RecordSurveyResult::Recorded);
    }
    ctx.app
        .store
        .record_survey(ctx.key(), resolved, rating, ctx.app.clock.now_ms())
        .await?;
    Ok(RecordSurveyResult::Recorded)
}
