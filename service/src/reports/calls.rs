//! Calls: how many, and how each ended: contained (the line took care of it without a person),
//! transferred to a person (by why), abandoned (the caller hung up before anything was settled);
//! and how many locked an account.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{ReportError, Rows, Scope, TRANSFER_REASONS};

/// How the calls of a row went. A call counts in `contained`, `transferred` or `abandoned` once
/// it has ended and been summarized; until then it is `in_progress`.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CallCounts {
    /// Calls that started.
    pub total: i64,
    /// Not ended yet (or ended moments ago and not yet summarized).
    pub in_progress: i64,
    /// Ended without a person and without the caller hanging up on an unsettled call.
    pub contained: i64,
    /// Put through to a person (or dialled one).
    pub transferred: i64,
    /// The transferred calls by why they were first put through: asked, no_answer,
    /// failed_entries, several_tries, sent.
    pub transferred_by_reason: BTreeMap<String, i64>,
    /// Ended by the caller before anything was settled, without a person.
    pub abandoned: i64,
    /// Calls that locked the account after failed PIN or date-of-birth checks.
    pub lockouts: i64,
    /// `contained / (contained + transferred + abandoned)`, or nothing without ended calls.
    pub containment_rate: Option<f64>,
}

/// Fills in every row's [`CallCounts`].
///
/// # Errors
/// A database failure.
pub(crate) async fn count(
    pool: &AnyPool,
    scope: &Scope,
    rows: &mut Rows,
) -> Result<(), ReportError> {
    // One pass over the period's calls, by row and transfer reason; the time to pay (a
    // payments figure, from `calls.paid_at`) is read in the same pass.
    let counted = scope
        .fetch(
            pool,
            "c.transfer_reason AS reason, COUNT(*) AS total, \
             COUNT(CASE WHEN c.reported_at IS NULL THEN 1 END) AS in_progress, \
             COUNT(CASE WHEN c.reported_at IS NOT NULL AND c.transfer_reason IS NULL \
                 AND COALESCE(c.outcome, '') <> 'abandoned' THEN 1 END) AS contained, \
             COUNT(CASE WHEN c.reported_at IS NOT NULL AND c.transfer_reason IS NULL \
                 AND c.outcome = 'abandoned' THEN 1 END) AS abandoned, \
             COUNT(CASE WHEN c.reported_at IS NOT NULL AND c.transfer_reason IS NOT NULL \
                 THEN 1 END) AS transferred, \
             COUNT(CASE WHEN c.locked_out = 1 THEN 1 END) AS lockouts, \
             COUNT(c.paid_at) AS paying_calls, \
             CAST(SUM(c.paid_at - c.started_at) AS BIGINT) AS ms_to_pay",
            super::CALLS_ONLY,
            ", c.transfer_reason",
        )
        .await?;
    // Per row: calls that paid, and the milliseconds they took in all.
    let mut to_pay: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in counted {
        let key: String = row.try_get("row_key")?;
        let get = |name: &str| row.try_get::<i64, _>(name);
        let counts = &mut rows.get(key.clone()).calls;
        counts.total += get("total")?;
        counts.in_progress += get("in_progress")?;
        counts.contained += get("contained")?;
        counts.abandoned += get("abandoned")?;
        counts.lockouts += get("lockouts")?;
        let transferred = get("transferred")?;
        counts.transferred += transferred;
        if let Some(reason) = row.try_get::<Option<String>, _>("reason")? {
            *counts.transferred_by_reason.entry(reason).or_default() += transferred;
        }
        let ms: Option<i64> = row.try_get("ms_to_pay")?;
        let paid = to_pay.entry(key).or_default();
        paid.0 += get("paying_calls")?;
        paid.1 += ms.unwrap_or(0);
    }
    for (key, (calls, ms)) in to_pay {
        let payments = &mut rows.get(key).payments;
        payments.paying_calls = calls;
        payments.average_seconds_to_pay = (calls > 0).then(|| (ms / calls + 500) / 1000);
    }
    for row in &mut rows.rows {
        let counts = &mut row.calls;
        for reason in TRANSFER_REASONS {
            counts
                .transferred_by_reason
                .entry(reason.to_owned())
                .or_default();
        }
        counts.containment_rate = super::ratio(
            counts.contained,
            counts.contained + counts.transferred + counts.abandoned,
        );
    }
    Ok(())
}
