//! Callbacks: callers who asked for a person when no one could take the call, with the number
//! and the window they chose. Recorded once per call attempt by the flow (`record_callback`),
//! listed and closed by the admin API and by the agent console, through the same three
//! functions ([`Store::callbacks`], [`Store::callback`], [`Store::close_callback`]).

use serde::Serialize;
use sqlx::Row;

use super::{CallKey, Store, StoreError};
use crate::payments::redact::scrub_free_text;

/// Where a callback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallbackStatus {
    /// Waiting for someone to call.
    Open,
    /// Called back.
    Done,
    /// Not to be called (the caller reached us another way, a wrong number ...).
    Cancelled,
}

impl CallbackStatus {
    /// Its name in the store and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Open => "open",
            CallbackStatus::Done => "done",
            CallbackStatus::Cancelled => "cancelled",
        }
    }

    /// From its name; `None` for anything else.
    pub fn parse(name: &str) -> Option<CallbackStatus> {
        match name {
            "open" => Some(CallbackStatus::Open),
            "done" => Some(CallbackStatus::Done),
            "cancelled" => Some(CallbackStatus::Cancelled),
            _ => None,
        }
    }
}

/// A callback to record.
#[derive(Debug, Clone)]
pub struct NewCallback<'a> {
    /// The account the call was about, if the caller had named one.
    pub account_number: Option<&'a str>,
    /// The call it was asked on.
    pub call: CallKey<'a>,
    /// The turn of the call that asked: a retried webhook finds the row already there.
    pub call_attempt: i64,
    /// The number to call, E.164.
    pub phone: &'a str,
    /// The window chosen, UTC milliseconds.
    pub window_start: i64,
    /// Its end, UTC milliseconds.
    pub window_end: i64,
    /// The language to call back in.
    pub language: &'a str,
    /// Why no one took the call: `closed`, `no_answer`, `no_agent_line`.
    pub reason: &'a str,
    /// The question the caller was at when they asked for a person.
    pub asked_at: Option<&'a str>,
    /// Now, UTC milliseconds.
    pub now: i64,
}

/// A callback as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallbackRecord {
    /// Its id.
    pub id: i64,
    /// The account the call was about, if the caller had named one.
    pub account_number: Option<String>,
    /// The provider of the call it was asked on.
    pub provider: String,
    /// That call's id at the provider.
    pub call_sid: String,
    /// The number to call, E.164.
    pub phone: String,
    /// The window's start, UTC milliseconds.
    pub window_start_ms: i64,
    /// The window's end, UTC milliseconds.
    pub window_end_ms: i64,
    /// The window's start, RFC 3339 in UTC.
    #[schema(format = DateTime)]
    pub window_start: String,
    /// The window's end, RFC 3339 in UTC.
    #[schema(format = DateTime)]
    pub window_end: String,
    /// The language to call back in.
    pub language: String,
    /// Why no one took the call: `closed`, `no_answer`, `no_agent_line`.
    pub reason: String,
    /// The question the caller was at when they asked for a person.
    pub asked_at: Option<String>,
    /// `open`, `done` or `cancelled`.
    #[schema(value_type = CallbackStatus)]
    pub status: String,
    /// When it was asked for, UTC milliseconds.
    pub created_at: i64,
    /// When it was closed, UTC milliseconds.
    pub closed_at: Option<i64>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// What they noted on closing it.
    pub note: Option<String>,
}

/// What closing a callback found.
#[derive(Debug, Clone)]
pub enum Closed {
    /// Closed now.
    Closed(CallbackRecord),
    /// It was closed before; nothing changed.
    AlreadyClosed(CallbackRecord),
    /// No callback has that id.
    NotFound,
}

const COLUMNS: &str = "id, account_number, provider, call_sid, phone, window_start, window_end, \
     language, reason, asked_at, status, created_at, closed_at, closed_by, note";

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<CallbackRecord, StoreError> {
    let window_start_ms: i64 = row.try_get("window_start")?;
    let window_end_ms: i64 = row.try_get("window_end")?;
    Ok(CallbackRecord {
        id: row.try_get("id")?,
        account_number: row.try_get("account_number")?,
        provider: row.try_get("provider")?,
        call_sid: row.try_get("call_sid")?,
        phone: row.try_get("phone")?,
        window_start_ms,
        window_end_ms,
        window_start: rfc3339(window_start_ms),
        window_end: rfc3339(window_end_ms),
        language: row.try_get("language")?,
        reason: row.try_get("reason")?,
        asked_at: row.try_get("asked_at")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        closed_at: row.try_get("closed_at")?,
        closed_by: row.try_get("closed_by")?,
        note: row.try_get("note")?,
    })
}

impl Store {
    /// Records a callback, once per call attempt: a retried webhook (on any instance) gets the
    /// id of the row the first delivery made.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_callback(&self, new: &NewCallback<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO callbacks (account_number, provider, call_sid, call_attempt, phone, \
             window_start, window_end, language, reason, asked_at, status, created_at) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11) \
             ON CONFLICT (provider, call_sid, call_attempt) DO NOTHING RETURNING id",
        )
        .bind(new.account_number)
        .bind(new.call.provider)
        .bind(new.call.sid)
        .bind(new.call_attempt)
        .bind(new.phone)
        .bind(new.window_start)
        .bind(new.window_end)
        .bind(new.language)
        .bind(new.reason)
        .bind(new.asked_at)
        .bind(new.now)
        .fetch_optional(self.writer())
        .await?;
        if let Some(row) = row {
            return Ok(row.try_get("id")?);
        }
        let existing = sqlx::query(
            "SELECT id FROM callbacks WHERE provider = $1 AND call_sid = $2 AND call_attempt = $3",
        )
        .bind(new.call.provider)
        .bind(new.call.sid)
        .bind(new.call_attempt)
        .fetch_one(self.writer())
        .await?;
        Ok(existing.try_get("id")?)
    }

    /// Callbacks, those with `status` only when given, soonest window first (then oldest
    /// request): the order to work them in.
    ///
    /// # Errors
    /// A database failure.
    pub async fn callbacks(
        &self,
        status: Option<CallbackStatus>,
    ) -> Result<Vec<CallbackRecord>, StoreError> {
        let rows = match status {
            Some(status) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM callbacks WHERE status = $1 ORDER BY window_start, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(status.as_str())
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM callbacks ORDER BY window_start, id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// Callbacks asked for or closed at or after `since_ms`, oldest first: what an open console
    /// has not seen yet.
    ///
    /// # Errors
    /// A database failure.
    pub async fn callbacks_changed_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<CallbackRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM callbacks WHERE created_at >= $1 OR closed_at >= $1 \
             ORDER BY id LIMIT 500"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since_ms)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One callback.
    ///
    /// # Errors
    /// A database failure.
    pub async fn callback(&self, id: i64) -> Result<Option<CallbackRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Closes an open callback as `done` or `cancelled`, with who closed it and their note. A
    /// callback already closed is left as it was (the first close stands), so two people closing
    /// it at once cannot overwrite each other's note. The note is free text: it is kept
    /// [scrubbed](crate::payments::redact::scrub_free_text) of card numbers, whoever closes it
    /// (an agent in the console, an admin through the API).
    ///
    /// # Errors
    /// A database failure; [`StoreError::Corrupt`] if `status` is `open` (not a way to close).
    pub async fn close_callback(
        &self,
        id: i64,
        status: CallbackStatus,
        closed_by: &str,
        note: &str,
        now: i64,
    ) -> Result<Closed, StoreError> {
        if status == CallbackStatus::Open {
            return Err(StoreError::Corrupt(
                "a callback is closed as done or cancelled".to_owned(),
            ));
        }
        let changed = sqlx::query(
            "UPDATE callbacks SET status = $1, closed_at = $2, closed_by = $3, note = $4 \
             WHERE id = $5 AND status = 'open'",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(closed_by)
        .bind(scrub_free_text(note).into_owned())
        .bind(id)
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(match (self.callback(id).await?, changed) {
            (None, _) => Closed::NotFound,
            (Some(record), 0) => Closed::AlreadyClosed(record),
            (Some(record), _) => Closed::Closed(record),
        })
    }
}
