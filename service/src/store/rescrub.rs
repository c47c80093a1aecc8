//! Scrubbing, once, the free text stored before it was scrubbed as it is written: agents' notes on
//! transfers and callbacks, and caller IDs. A line upgraded from an older version may hold card
//! numbers there; upkeep calls [`Store::rescrub`] on every pass until each table is done.

use sqlx::Row;

use super::{Store, StoreError};
use crate::payments::redact::scrub_free_text;

/// The tables scrubbed, each with its key, its text column and how the key orders.
const SOURCES: [Source; 3] = [
    Source {
        name: "transfers",
        select: "SELECT CAST(id AS TEXT) AS k, note AS t FROM transfers \
                 WHERE id > CAST(COALESCE(NULLIF($1, ''), '0') AS BIGINT) ORDER BY id LIMIT $2",
        update: "UPDATE transfers SET note = $1 WHERE id = CAST($2 AS BIGINT)",
    },
    Source {
        name: "callbacks",
        select: "SELECT CAST(id AS TEXT) AS k, note AS t FROM callbacks \
                 WHERE id > CAST(COALESCE(NULLIF($1, ''), '0') AS BIGINT) ORDER BY id LIMIT $2",
        update: "UPDATE callbacks SET note = $1 WHERE id = CAST($2 AS BIGINT)",
    },
    Source {
        name: "calls",
        select: "SELECT call_sid AS k, from_number AS t FROM calls \
                 WHERE call_sid > $1 ORDER BY call_sid LIMIT $2",
        update: "UPDATE calls SET from_number = $1 WHERE call_sid = $2",
    },
];

struct Source {
    name: &'static str,
    select: &'static str,
    update: &'static str,
}

impl Store {
    /// Scrubs the next `limit` rows of each table not yet done; returns how many texts changed.
    /// Safe on any number of instances at once: scrubbing scrubbed text changes nothing.
    ///
    /// # Errors
    /// A database failure.
    pub async fn rescrub(&self, limit: i64, now_ms: i64) -> Result<u64, StoreError> {
        // Once every table is done this is the whole cost of a pass: one small read.
        let unfinished =
            sqlx::query("SELECT source, last_key FROM rescrub_progress WHERE done_at IS NULL")
                .fetch_all(self.pool())
                .await?;
        let mut changed = 0;
        for row in unfinished {
            let name: String = row.try_get("source")?;
            let Some(source) = SOURCES.iter().find(|source| source.name == name) else {
                continue;
            };
            let after: String = row.try_get("last_key")?;
            let rows = sqlx::query(source.select)
                .bind(&after)
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
            let mut last = after;
            for row in &rows {
                let key: String = row.try_get("k")?;
                let text: Option<String> = row.try_get("t")?;
                if let Some(text) = text {
                    let scrubbed = scrub_free_text(&text);
                    if scrubbed != text.as_str() {
                        sqlx::query(source.update)
                            .bind(scrubbed.as_ref())
                            .bind(&key)
                            .execute(self.writer())
                            .await?;
                        changed += 1;
                    }
                }
                last = key;
            }
            let done = i64::try_from(rows.len()).unwrap_or(i64::MAX) < limit;
            sqlx::query(
                "UPDATE rescrub_progress SET last_key = $1, done_at = $2 WHERE source = $3",
            )
            .bind(&last)
            .bind(done.then_some(now_ms))
            .bind(source.name)
            .execute(self.writer())
            .await?;
        }
        Ok(changed)
    }
}
