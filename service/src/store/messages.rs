//! The outbox: messages written with the event that causes them, then delivered by a sender that
//! claims each one first, so any number of instances send it once; and the numbers that opted
//! out of texts.

use serde::Serialize;
use sqlx::Row;

use super::{CallKey, Store, StoreError, Tx};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// `sms` or `email`.
    pub channel: String,
    /// What it is about (`receipt`, `installment_reminder` ...).
    pub kind: String,
    /// The account it is about.
    pub account_number: String,
    /// E.164 number or email address.
    pub recipient: String,
    /// Language code.
    pub language: String,
    /// One message per key: a retried event queues nothing twice.
    pub dedupe_key: String,
    /// Email subject.
    pub subject: Option<String>,
    /// The text (the SMS, or the email's plain part).
    pub body_text: String,
    /// The email's HTML part.
    pub body_html: Option<String>,
    /// The pay link it carries, recorded with it (and only if it is queued: a message
    /// deduplicated away makes no link).
    pub link: Option<LinkToMake>,
}

/// A pay link a message carries, to record when the message is queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToMake {
    /// The SHA-256 of its token (the token itself is only in the message).
    pub token_hash: String,
    /// Who made it (`reminder`).
    pub created_by: String,
    /// When it stops opening (UTC ms).
    pub expires_at: i64,
}

/// A message as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MessageRecord {
    /// Its id.
    pub id: i64,
    /// `sms` or `email`.
    pub channel: String,
    /// What it is about.
    pub kind: String,
    /// The account.
    pub account_number: String,
    /// Number or address.
    pub recipient: String,
    /// Language code.
    pub language: String,
    /// What makes it one message (the event it is about).
    pub dedupe_key: String,
    /// Email subject.
    pub subject: Option<String>,
    /// The text.
    pub body_text: String,
    /// See the migration for the statuses.
    pub status: String,
    /// Tries so far.
    pub attempts: i64,
    /// The provider's id.
    pub provider_id: Option<String>,
    /// The last error, as a short code (never a body or an address).
    pub last_error: Option<String>,
    /// Queued at (UTC ms).
    pub created_at: i64,
    /// Accepted by the provider at (UTC ms).
    pub sent_at: Option<i64>,
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct LeasedMessage {
    /// Its id.
    pub id: i64,
    /// `sms` or `email`.
    pub channel: String,
    /// Number or address.
    pub recipient: String,
    /// Email subject.
    pub subject: Option<String>,
    /// The text.
    pub body_text: String,
    /// The HTML part.
    pub body_html: Option<String>,
    /// Tries before this one.
    pub attempts: i64,
    /// Queued at (UTC ms).
    pub created_at: i64,
    /// The claim, which recording the outcome must show.
    pub claim_token: i64,
}

/// What became of a send.
#[derive(Debug, Clone, Copy)]
pub enum SendOutcome<'a> {
    /// Accepted by the provider.
    Sent {
        /// The provider's id, if it gives one.
        provider_id: Option<&'a str>,
    },
    /// Not sent; try again at `at` (UTC ms).
    Retry {
        /// When.
        at: i64,
        /// Why, as a short code.
        error: &'a str,
    },
    /// Not sent, and never will be (refused, or given up).
    Failed {
        /// Why.
        error: &'a str,
    },
    /// Not sent: the number opted out.
    Suppressed,
    /// Sent, but the answer was lost: never sent again, a person checks.
    Unknown {
        /// Why.
        error: &'a str,
    },
}

const MESSAGE_COLUMNS: &str = "id, channel, kind, account_number, recipient, language, dedupe_key, subject, \
    body_text, status, attempts, provider_id, last_error, created_at, sent_at";

fn message_from_row(row: &sqlx::any::AnyRow) -> Result<MessageRecord, StoreError> {
    Ok(MessageRecord {
        id: row.try_get("id")?,
        channel: row.try_get("channel")?,
        kind: row.try_get("kind")?,
        account_number: row.try_get("account_number")?,
        recipient: row.try_get("recipient")?,
        language: row.try_get("language")?,
        dedupe_key: row.try_get("dedupe_key")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        provider_id: row.try_get("provider_id")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// Queues a message in the caller's transaction; `false` when its key was queued before.
pub(super) async fn insert_message(
    tx: &mut Tx,
    message: &NewMessage,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO messages (channel, kind, account_number, recipient, language, dedupe_key, \
         subject, body_text, body_html, status, attempts, next_attempt_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $10, $10) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&message.channel)
    .bind(&message.kind)
    .bind(&message.account_number)
    .bind(&message.recipient)
    .bind(&message.language)
    .bind(&message.dedupe_key)
    .bind(&message.subject)
    .bind(&message.body_text)
    .bind(&message.body_html)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    let queued = inserted.rows_affected() == 1;
    if let (true, Some(link)) = (queued, &message.link) {
        sqlx::query(
            "INSERT INTO pay_links (token_hash, account_number, created_by, sent_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&link.token_hash)
        .bind(&message.account_number)
        .bind(&link.created_by)
        .bind(&message.channel)
        .bind(now_ms)
        .bind(link.expires_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(queued)
}

/// `text` with every pay link's token masked (`/pay/0123…` becomes `/pay/…`).
pub fn mask_pay_links(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("/pay/") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("/pay/") {
        let (before, after) = rest.split_at(at + "/pay/".len());
        masked.push_str(before);
        let token_len = after.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        if token_len > 0 {
            masked.push('…');
        }
        rest = &after[token_len..];
    }
    masked.push_str(rest);
    std::borrow::Cow::Owned(masked)
}

impl Store {
    /// Queues messages in one transaction; returns how many were new.
    ///
    /// # Errors
    /// A database failure; nothing is queued then.
    pub async fn queue_messages(
        &self,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let mut queued = 0;
        for message in messages {
            queued += u64::from(insert_message(&mut tx, message, now_ms).await?);
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Records how a caller chose to hear from us (`sms`, `email` or `none`) on the call and the
    /// account, with the messages that choice sends, in one transaction.
    ///
    /// # Errors
    /// A database failure; nothing is recorded then.
    pub async fn record_contact_choice(
        &self,
        call: CallKey<'_>,
        account_number: &str,
        channel: &str,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE calls SET receipt_channel = $3, receipt_channel_at = $4 \
             WHERE provider = $1 AND call_sid = $2",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(channel)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE accounts SET contact_channel = $2, contact_channel_at = $3 \
             WHERE account_number = $1",
        )
        .bind(account_number)
        .bind(channel)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        for message in messages {
            insert_message(&mut tx, message, now_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claims messages due for sending (at most `limit`), each by one conditional update so two
    /// instances never send the same one. A message left `sending` by a sender that died before
    /// `stale_before` may or may not have gone out: it becomes `unknown`, never sent again.
    ///
    /// # Errors
    /// A database failure.
    pub async fn lease_messages(
        &self,
        now_ms: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<LeasedMessage>, StoreError> {
        sqlx::query(
            "UPDATE messages SET status = 'unknown', last_error = 'sender_stopped', \
             claim_token = NULL, updated_at = $2 WHERE status = 'sending' AND claimed_at < $1",
        )
        .bind(stale_before)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        let candidates = sqlx::query(
            "SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::new();
        for candidate in candidates {
            let id: i64 = candidate.try_get("id")?;
            let token = rand::random::<i64>() | 1;
            let row = sqlx::query(
                "UPDATE messages SET status = 'sending', claim_token = $2, claimed_at = $3, \
                 updated_at = $3 WHERE id = $1 AND status = 'queued' AND next_attempt_at <= $3 \
                 RETURNING id, channel, recipient, subject, body_text, body_html, attempts, \
                 created_at",
            )
            .bind(id)
            .bind(token)
            .bind(now_ms)
            .fetch_optional(self.writer())
            .await?;
            if let Some(row) = row {
                leased.push(LeasedMessage {
                    id: row.try_get("id")?,
                    channel: row.try_get("channel")?,
                    recipient: row.try_get("recipient")?,
                    subject: row.try_get("subject")?,
                    body_text: row.try_get("body_text")?,
                    body_html: row.try_get("body_html")?,
                    attempts: row.try_get("attempts")?,
                    created_at: row.try_get("created_at")?,
                    claim_token: token,
                });
            }
        }
        Ok(leased)
    }

    /// Records a send's outcome, if the claim still holds the message. Once the message will not
    /// be sent again, a pay link in it is masked (`mask_pay_links`): a link's token is kept
    /// only as long as the message that carries it waits.
    ///
    /// # Errors
    /// A database failure.
    pub async fn finish_message(
        &self,
        message: &LeasedMessage,
        outcome: SendOutcome<'_>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let (status, next, error, provider_id, sent_at) = match outcome {
            SendOutcome::Sent { provider_id } => ("sent", None, None, provider_id, Some(now_ms)),
            SendOutcome::Retry { at, error } => ("queued", Some(at), Some(error), None, None),
            SendOutcome::Failed { error } => ("failed", None, Some(error), None, None),
            SendOutcome::Suppressed => ("suppressed", None, Some("opted_out"), None, None),
            SendOutcome::Unknown { error } => ("unknown", None, Some(error), None, None),
        };
        let updated = sqlx::query(
            "UPDATE messages SET status = $3, attempts = attempts + 1, \
             next_attempt_at = COALESCE($4, next_attempt_at), last_error = $5, \
             provider_id = COALESCE($6, provider_id), sent_at = COALESCE($7, sent_at), \
             claim_token = NULL, claimed_at = NULL, updated_at = $8 \
             WHERE id = $1 AND claim_token = $2 AND status = 'sending'",
        )
        .bind(message.id)
        .bind(message.claim_token)
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(provider_id)
        .bind(sent_at)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        let held = updated.rows_affected() == 1;
        let text = mask_pay_links(&message.body_text);
        let html = message.body_html.as_deref().map(mask_pay_links);
        let carries_link = matches!(text, std::borrow::Cow::Owned(_))
            || matches!(html, Some(std::borrow::Cow::Owned(_)));
        if held && status != "queued" && carries_link {
            sqlx::query("UPDATE messages SET body_text = $2, body_html = $3 WHERE id = $1")
                .bind(message.id)
                .bind(text.as_ref())
                .bind(html.as_deref())
                .execute(self.writer())
                .await?;
        }
        Ok(held)
    }

    /// Records a delivery status the provider reported for its message id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn update_delivery(
        &self,
        provider_id: &str,
        status: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE messages SET status = $2, updated_at = $3 WHERE provider_id = $1 \
             AND status IN ('sent', 'delivered', 'undelivered', 'unknown')",
        )
        .bind(provider_id)
        .bind(status)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(updated.rows_affected() > 0)
    }

    /// An account's messages, newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn messages_for_account(
        &self,
        account_number: &str,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_number = $1 ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Records a number's STOP (`opted_out`) or START.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_sms_opt_out(
        &self,
        phone: &str,
        opted_out: bool,
        keyword: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sms_opt_outs (phone, opted_out, keyword, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (phone) DO UPDATE SET \
             opted_out = excluded.opted_out, keyword = excluded.keyword, \
             updated_at = excluded.updated_at",
        )
        .bind(phone)
        .bind(i64::from(opted_out))
        .bind(keyword)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Whether a number has opted out of texts.
    ///
    /// # Errors
    /// A database failure.
    pub async fn sms_opted_out(&self, phone: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT opted_out FROM sms_opt_outs WHERE phone = $1")
            .bind(phone)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<i64, _>("opted_out")? != 0,
            None => false,
        })
    }
}
