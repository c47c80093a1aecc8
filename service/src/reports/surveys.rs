//! The end-of-call survey (`surveys`, written by the flow's survey): how many callers were asked,
//! how many answered, the ratings and whether the call took care of what they called about.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{ReportError, Rows, Scope};

/// The survey answers of a row's calls.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SurveyCounts {
    /// Calls whose caller was asked.
    pub offered: i64,
    /// Callers who answered at least one question.
    pub answered: i64,
    /// `answered / offered`.
    pub response_rate: Option<f64>,
    /// The ratings given, 1 (poor) to 5 (excellent), each with how many gave it.
    // JSON object keys are strings: "1" to "5".
    #[schema(value_type = BTreeMap<String, i64>)]
    pub ratings: BTreeMap<i64, i64>,
    /// The average rating, to two places, of those who gave one.
    pub average_rating: Option<f64>,
    /// Callers who said the call took care of what they called about.
    pub resolved: i64,
    /// Callers who said it did not.
    pub not_resolved: i64,
}

/// Fills in every row's [`SurveyCounts`].
///
/// # Errors
/// A database failure.
pub(crate) async fn count(
    pool: &AnyPool,
    scope: &Scope,
    rows: &mut Rows,
) -> Result<(), ReportError> {
    let answers = scope
        .fetch(
            pool,
            "v.rating AS rating, v.resolved AS resolved, COUNT(*) AS surveys, \
             COUNT(CASE WHEN v.rating IS NOT NULL OR v.resolved IS NOT NULL THEN 1 END) \
                 AS answered",
            "JOIN surveys v ON v.provider = c.provider AND v.call_sid = c.call_sid",
            ", v.rating, v.resolved",
        )
        .await?;
    for row in answers {
        let counts = &mut rows.get(row.try_get("row_key")?).survey;
        let surveys: i64 = row.try_get("surveys")?;
        counts.offered += surveys;
        counts.answered += row.try_get::<i64, _>("answered")?;
        if let Some(rating) = row.try_get::<Option<i64>, _>("rating")? {
            *counts.ratings.entry(rating).or_default() += surveys;
        }
        match row.try_get::<Option<i64>, _>("resolved")? {
            Some(1) => counts.resolved += surveys,
            Some(_) => counts.not_resolved += surveys,
            None => {}
        }
    }
    for row in &mut rows.rows {
        let counts = &mut row.survey;
        for rating in 1..=5 {
            counts.ratings.entry(rating).or_default();
        }
        let given: i64 = counts.ratings.values().sum();
        let sum: i64 = counts.ratings.iter().map(|(rating, n)| rating * n).sum();
        counts.average_rating =
            (given > 0).then(|| (sum as f64 / given as f64 * 100.0).round() / 100.0);
        counts.response_rate = super::ratio(counts.answered, counts.offered);
    }
    Ok(())
}
