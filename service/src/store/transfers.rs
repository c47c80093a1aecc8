//! Transfers: callers put through to a person, claimed by an agent, closed with a disposition.
//!
//! A transfer is recorded by [`super::Store::save_turn`] / [`super::Store::start_call`] in the
//! same transaction as the turn whose reply dials the agent (see [`NewTransfer`]). Claiming is
//! one conditional `UPDATE ... WHERE status = 'waiting'`, so of two agents (on any instances)
//! exactly one gets it. Every change sets `changed_at` and bumps `version`, which is what the
//! console's live stream polls.

use sqlx::Row;

use super::{Store, StoreError};
use crate::payments::redact::scrub_free_text;
use ivrpay_core::named::named_enum;

/// A transfer as recorded with its turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    /// The account, once identified.
    pub account_number: Option<String>,
    /// The flow state where they asked or failed.
    pub state: Option<String>,
    /// `asked`, `no_answer`, `failed_entries`, `several_tries` or `sent`.
    pub reason: String,
    /// The caller's language code.
    pub language: Option<String>,
}

named_enum! {
    /// How an agent closes a transfer; declared in the order the console offers them, named as
    /// stored and posted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Disposition {
        /// The caller paid.
        Paid = "paid",
        /// A plan, settlement or promise was agreed.
        Arrangement = "arrangement",
        /// The caller disputes the debt.
        Dispute = "dispute",
        /// The caller is not the account holder.
        WrongParty = "wrong_party",
        /// The caller is to be called back.
        Callback = "callback",
        /// Anything else (the note says what).
        Other = "other",
    }
}

impl Disposition {
    /// As the console shows it.
    pub fn label(self) -> &'static str {
        match self {
            Disposition::Paid => "Paid",
            Disposition::Arrangement => "Arrangement made",
            Disposition::Dispute => "Dispute",
            Disposition::WrongParty => "Wrong party",
            Disposition::Callback => "Callback",
            Disposition::Other => "Other",
        }
    }
}

/// A transfer as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TransferRow {
    /// Its id.
    pub id: i64,
    /// The call's provider.
    pub provider: String,
    /// The provider's call id.
    pub call_sid: String,
    /// The turn whose reply dialed the agent.
    pub turn: i64,
    /// The account, once identified.
    pub account_number: Option<String>,
    /// When the caller was put through (UTC ms).
    pub asked_at: i64,
    /// The flow state where they asked or failed.
    pub state: Option<String>,
    /// `asked`, `no_answer`, `failed_entries`, `several_tries` or `sent`.
    pub reason: String,
    /// The caller's language code.
    pub language: Option<String>,
    /// `waiting`, `claimed` or `done`.
    pub status: String,
    /// The agent who took it.
    pub claimed_by: Option<i64>,
    /// That agent's name.
    pub claimed_by_name: Option<String>,
    /// When it was taken (UTC ms).
    pub claimed_at: Option<i64>,
    /// How it ended.
    pub disposition: Option<String>,
    /// The agent's note.
    pub note: Option<String>,
    /// When it was closed (UTC ms).
    pub disposed_at: Option<i64>,
    /// The last change (UTC ms).
    pub changed_at: i64,
    /// Bumped by every change.
    pub version: i64,
    /// Whether the agent sent the caller to key in a card: `sent` (on the card questions now) or
    /// `returned` (back with the agent).
    pub assist_status: Option<String>,
    /// When the caller's call ended (UTC ms), if it has: a transfer still waiting then was never
    /// taken, and can no longer be.
    pub call_ended_at: Option<i64>,
}

/// Why a claim or a disposition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such transfer.
    NotFound,
    /// Another agent (named) has it, or it is closed.
    Taken(Option<String>),
    /// It is not this agent's to close (not claimed by them, or already closed).
    NotYours,
    /// The caller's call ended while it waited: there is nobody to take.
    CallEnded,
}

const SELECT: &str = "SELECT t.id, t.provider, t.call_sid, t.turn, t.account_number, t.asked_at, \
     t.state, t.reason, t.language, t.status, t.claimed_by, a.display_name AS claimed_by_name, \
     t.claimed_at, t.disposition, t.note, t.disposed_at, t.changed_at, t.version, t.assist_status, \
     c.ended_at AS call_ended_at \
     FROM transfers t LEFT JOIN agents a ON a.id = t.claimed_by \
     LEFT JOIN calls c ON c.provider = t.provider AND c.call_sid = t.call_sid ";

fn transfer_row(row: &sqlx::any::AnyRow) -> Result<TransferRow, StoreError> {
    Ok(TransferRow {
        id: row.try_get("id")?,
        provider: row.try_get("provider")?,
        call_sid: row.try_get("call_sid")?,
        turn: row.try_get("turn")?,
        account_number: row.try_get("account_number")?,
        asked_at: row.try_get("asked_at")?,
        state: row.try_get("state")?,
        reason: row.try_get("reason")?,
        language: row.try_get("language")?,
        status: row.try_get("status")?,
        claimed_by: row.try_get("claimed_by")?,
        claimed_by_name: row.try_get("claimed_by_name")?,
        claimed_at: row.try_get("claimed_at")?,
        disposition: row.try_get("disposition")?,
        note: row.try_get("note")?,
        disposed_at: row.try_get("disposed_at")?,
        changed_at: row.try_get("changed_at")?,
        version: row.try_get("version")?,
        assist_status: row.try_get("assist_status")?,
        call_ended_at: row.try_get("call_ended_at")?,
    })
}

/// Records a transfer inside the transaction saving its turn. A second insert for the same call
/// and turn does nothing.
pub(super) async fn insert(
    conn: &mut sqlx::AnyConnection,
    provider: &str,
    call_sid: &str,
    turn: i64,
    transfer: &NewTransfer,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO transfers (provider, call_sid, turn, account_number, asked_at, state, reason, \
         language, status, changed_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $5, 1) \
         ON CONFLICT (provider, call_sid, turn) DO NOTHING",
    )
    .bind(provider)
    .bind(call_sid)
    .bind(turn)
    .bind(transfer.account_number.as_deref())
    .bind(now_ms)
    .bind(transfer.state.as_deref())
    .bind(transfer.reason.as_str())
    .bind(transfer.language.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// One transfer.
    ///
    /// # Errors
    /// A database failure.
    pub async fn transfer(&self, id: i64) -> Result<Option<TransferRow>, StoreError> {
        let sql = format!("{SELECT}WHERE t.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(transfer_row).transpose()
    }

    /// The transfers of a call, oldest first (a caller may be put through more than once).
    ///
    /// # Errors
    /// A database failure.
    pub async fn transfers_of_call(
        &self,
        provider: &str,
        call_sid: &str,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let sql = format!("{SELECT}WHERE t.provider = $1 AND t.call_sid = $2 ORDER BY t.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provider)
            .bind(call_sid)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(transfer_row).collect()
    }

    /// What the console lists: every transfer waiting or claimed, and those closed since
    /// `done_since` (UTC ms); newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn console_transfers(&self, done_since: i64) -> Result<Vec<TransferRow>, StoreError> {
        let sql = format!(
            "{SELECT}WHERE t.status = 'claimed' OR t.disposed_at >= $1 \
             OR (t.status = 'waiting' AND (c.ended_at IS NULL OR c.ended_at >= $1)) \
             ORDER BY t.asked_at DESC, t.id DESC LIMIT 200"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(done_since)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(transfer_row).collect()
    }

    /// Transfers changed at or after `since` (UTC ms), oldest change first: what a console's
    /// stream polls.
    ///
    /// # Errors
    /// A database failure.
    pub async fn transfers_changed_since(
        &self,
        since: i64,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let sql = format!("{SELECT}WHERE t.changed_at >= $1 ORDER BY t.changed_at, t.id LIMIT 500");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(transfer_row).collect()
    }

    /// "I'll take it": gives a waiting transfer to `agent_id`, atomically (one conditional
    /// update), so of two agents claiming at once exactly one gets it.
    ///
    /// # Errors
    /// A database failure; [`Refusal`] when the transfer does not exist or is not waiting.
    pub async fn claim_transfer(
        &self,
        id: i64,
        agent_id: i64,
        now_ms: i64,
    ) -> Result<Result<TransferRow, Refusal>, StoreError> {
        let done = sqlx::query(
            "UPDATE transfers SET status = 'claimed', claimed_by = $2, claimed_at = $3, \
             changed_at = $3, version = version + 1 WHERE id = $1 AND status = 'waiting' \
             AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.provider = transfers.provider \
             AND c.call_sid = transfers.call_sid AND c.ended_at IS NOT NULL)",
        )
        .bind(id)
        .bind(agent_id)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        let row = self.transfer(id).await?;
        Ok(match row {
            None => Err(Refusal::NotFound),
            Some(row) if done.rows_affected() == 1 => Ok(row),
            Some(row) if row.status == "waiting" && row.call_ended_at.is_some() => {
                Err(Refusal::CallEnded)
            }
            Some(row) => Err(Refusal::Taken(row.claimed_by_name)),
        })
    }

    /// Marks the transfer changed (its account was, say AutoPay stopped), so every console
    /// shows it again.
    ///
    /// # Errors
    /// A database failure.
    pub async fn touch_transfer(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE transfers SET changed_at = $2, version = version + 1 WHERE id = $1")
            .bind(id)
            .bind(now_ms)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Records that the agent sent the transfer's caller to key in a card (`sent`); every console
    /// sees the change.
    ///
    /// # Errors
    /// A database failure.
    pub async fn mark_assist(&self, id: i64, status: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE transfers SET assist_status = $2, assist_at = $3, changed_at = $3, \
             version = version + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records that a caller sent to key in a card is back with the agent (`returned`), on the
    /// call's transfer that sent them; every console then shows what they paid.
    ///
    /// # Errors
    /// A database failure.
    pub async fn assist_returned(
        &self,
        call: super::CallKey<'_>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE transfers SET assist_status = 'returned', assist_at = $3, changed_at = $3, \
             version = version + 1 \
             WHERE provider = $1 AND call_sid = $2 AND assist_status = 'sent'",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Closes a transfer the agent claimed, with how it ended and a note. The note is free text:
    /// it is kept [scrubbed](crate::payments::redact::scrub_free_text) of card numbers.
    ///
    /// # Errors
    /// A database failure; [`Refusal`] when it does not exist, or is not claimed by this agent.
    pub async fn dispose_transfer(
        &self,
        id: i64,
        agent_id: i64,
        disposition: Disposition,
        note: &str,
        now_ms: i64,
    ) -> Result<Result<TransferRow, Refusal>, StoreError> {
        let done = sqlx::query(
            "UPDATE transfers SET status = 'done', disposition = $3, note = $4, disposed_at = $5, \
             changed_at = $5, version = version + 1 \
             WHERE id = $1 AND status = 'claimed' AND claimed_by = $2",
        )
        .bind(id)
        .bind(agent_id)
        .bind(disposition.name())
        .bind(scrub_free_text(note).into_owned())
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        let row = self.transfer(id).await?;
        Ok(match row {
            None => Err(Refusal::NotFound),
            Some(row) if done.rows_affected() == 1 => Ok(row),
            Some(_) => Err(Refusal::NotYours),
        })
    }
}
