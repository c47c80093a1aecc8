//! The end-of-call survey's answers: one row per call that was asked (`surveys`, migration
//! 0010), inserted when the first question is put and filled in as the caller answers. The
//! reports read this table; every write is keyed on the call, so a retried webhook or a second
//! instance changes nothing.

use sqlx::Row;

use super::{CallKey, Store, StoreError};

/// A survey as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    /// When the first question was put, UTC milliseconds.
    pub offered_at: i64,
    /// Whether the call took care of what the caller called about; `None`: not answered.
    pub resolved: Option<bool>,
    /// The caller's rating, 1 (poor) to 5 (excellent); `None`: not answered.
    pub rating: Option<u8>,
    /// When the last answer was given, UTC milliseconds.
    pub answered_at: Option<i64>,
}

impl Store {
    /// Records that the survey was offered on `call` at `now` (UTC ms); a second time changes
    /// nothing, so the first offer's time stands.
    ///
    /// # Errors
    /// A database failure.
    pub async fn offer_survey(&self, call: CallKey<'_>, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO surveys (provider, call_sid, offered_at) VALUES ($1, $2, $3) \
             ON CONFLICT (provider, call_sid) DO NOTHING",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Keeps the answers given so far on `call`'s survey: an answer given stays unless a new one
    /// is given, so recording the same answers again (a retried webhook) changes nothing but
    /// the time. A rating outside 1 to 5 is not kept.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_survey(
        &self,
        call: CallKey<'_>,
        resolved: Option<bool>,
        rating: Option<u8>,
        now: i64,
    ) -> Result<(), StoreError> {
        let rating = rating.filter(|r| (1..=5).contains(r)).map(i64::from);
        sqlx::query(
            "UPDATE surveys SET resolved = COALESCE($3, resolved), \
             rating = COALESCE($4, rating), answered_at = $5 \
             WHERE provider = $1 AND call_sid = $2",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(resolved.map(i64::from))
        .bind(rating)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The survey of `call`, if it was asked.
    ///
    /// # Errors
    /// A database failure.
    pub async fn survey(&self, call: CallKey<'_>) -> Result<Option<SurveyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT offered_at, resolved, rating, answered_at FROM surveys \
             WHERE provider = $1 AND call_sid = $2",
        )
        .bind(call.provider)
        .bind(call.sid)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let resolved: Option<i64> = row.try_get("resolved")?;
        let rating: Option<i64> = row.try_get("rating")?;
        Ok(Some(SurveyRecord {
            offered_at: row.try_get("offered_at")?,
            resolved: resolved.map(|r| r == 1),
            rating: rating.and_then(|r| u8::try_from(r).ok()),
            answered_at: row.try_get("answered_at")?,
        }))
    }
}
