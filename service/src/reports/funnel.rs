//! The drop-off funnel: for each state of each flow, how many calls of the period reached it and
//! how the callers left it (went on, asked for a person, hung up there, or the call ended there),
//! from `funnel_counts` (calls per quarter hour of their start, flow state and way of leaving
//! it, added to as each call ends). A period starts and ends at midnight in the line's time zone,
//! which is always on a quarter hour, so the counts are exact.
//!
//! Beside the flows, the pay link page's own funnel (`page_steps`): of the links made in the
//! period, how many were opened, proved, had a choice opened, and came to a payment, plan or
//! promise.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{ReportError, Scope};

/// One state of a flow in the funnel. `reached = went_on + asked_for_person + hung_up + ended`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FunnelStep {
    /// The flow.
    pub flow: String,
    /// The state.
    pub state: String,
    /// Calls that reached it.
    pub reached: i64,
    /// Went on to another state.
    pub went_on: i64,
    /// Left it for a person (the agent, or the callback offer when no one could take the call).
    pub asked_for_person: i64,
    /// Hung up there, with nothing settled.
    pub hung_up: i64,
    /// The call ended there (a goodbye, a transfer, a payment that stands).
    pub ended: i64,
}

/// The funnel of the period's calls: flows by name, each flow's states in the order callers
/// reach them on average (ties by name).
///
/// # Errors
/// A database failure.
pub(crate) async fn steps(pool: &AnyPool, scope: &Scope) -> Result<Vec<FunnelStep>, ReportError> {
    let rows = sqlx::query(
        "SELECT flow, state, left_by, CAST(SUM(calls) AS BIGINT) AS calls, \
         CAST(SUM(seq_sum) AS BIGINT) AS seqs \
         FROM funnel_counts WHERE started_quarter >= $1 AND started_quarter < $2 \
         GROUP BY flow, state, left_by",
    )
    .bind(scope.lo)
    .bind(scope.hi)
    .fetch_all(pool)
    .await?;
    // (step, sum of the positions it was reached at)
    let mut steps: Vec<(FunnelStep, i64)> = Vec::new();
    for row in rows {
        let flow: String = row.try_get("flow")?;
        let state: String = row.try_get("state")?;
        let calls: i64 = row.try_get("calls")?;
        let seqs: i64 = row.try_get("seqs")?;
        let at = match steps
            .iter()
            .position(|(s, _)| s.flow == flow && s.state == state)
        {
            Some(at) => at,
            None => {
                steps.push((
                    FunnelStep {
                        flow,
                        state,
                        ..FunnelStep::default()
                    },
                    0,
                ));
                steps.len() - 1
            }
        };
        let (step, seq_sum) = &mut steps[at];
        step.reached += calls;
        *seq_sum += seqs;
        match row.try_get::<String, _>("left_by")?.as_str() {
            "went_on" => step.went_on += calls,
            "person" => step.asked_for_person += calls,
            "hung_up" => step.hung_up += calls,
            _ => step.ended += calls,
        }
    }
    steps.sort_by(|(a, a_seqs), (b, b_seqs)| {
        let position = |seqs: &i64, reached: i64| *seqs as f64 / reached.max(1) as f64;
        a.flow
            .cmp(&b.flow)
            .then(position(a_seqs, a.reached).total_cmp(&position(b_seqs, b.reached)))
            .then(a.state.cmp(&b.state))
    });
    Ok(steps.into_iter().map(|(step, _)| step).collect())
}

/// The flow name the pay link page's steps are reported under.
pub const PAGE_FLOW: &str = "pay link page";

/// The pay link page's funnel for the links made in the period: `made`, `opened`, `proved`,
/// `chose` (a payment, plan or promise form opened) and `converted`, each reached by no more
/// than the step before; those that got no further left there (`hung_up`).
///
/// # Errors
/// A database failure.
pub(crate) async fn page_steps(
    pool: &AnyPool,
    scope: &Scope,
) -> Result<Vec<FunnelStep>, ReportError> {
    let row = sqlx::query(
        // A step reached is every step before it reached too (a proof posted without the page
        // fetched first was opened all the same).
        "SELECT COUNT(*) AS made, \
         COUNT(COALESCE(opened_at, verified_at, chose_at, converted_at)) AS opened, \
         COUNT(COALESCE(verified_at, chose_at, converted_at)) AS proved, \
         COUNT(COALESCE(chose_at, converted_at)) AS chose, COUNT(converted_at) AS converted \
         FROM pay_links WHERE created_at >= $1 AND created_at < $2",
    )
    .bind(scope.lo)
    .bind(scope.hi)
    .fetch_one(pool)
    .await?;
    let mut reached = Vec::new();
    for name in ["made", "opened", "proved", "chose", "converted"] {
        reached.push((name, row.try_get::<i64, _>(name)?));
    }
    if reached.first().is_none_or(|&(_, made)| made == 0) {
        return Ok(Vec::new());
    }
    Ok(reached
        .iter()
        .enumerate()
        .map(|(at, &(state, count))| {
            let next = reached.get(at + 1).map(|&(_, next)| next);
            FunnelStep {
                flow: PAGE_FLOW.to_owned(),
                state: state.to_owned(),
                reached: count,
                went_on: next.unwrap_or(0),
                asked_for_person: 0,
                hung_up: next.map_or(0, |next| count - next),
                ended: if next.is_none() { count } else { 0 },
            }
        })
        .collect())
}
