//! Pay links' rows: what each link is for and how far it got. Only the SHA-256 of a link's token
//! and of its session's cookie are kept, so nothing here opens a link.

use sqlx::Row;

use super::{NewMessage, Store, StoreError};

/// A link to record.
#[derive(Debug, Clone)]
pub struct NewPayLink<'a> {
    /// The SHA-256 (hex) of its token.
    pub token_hash: &'a str,
    /// The account it opens.
    pub account_number: &'a str,
    /// Who made it: `admin`, `agent:NAME`, `call:PROVIDER:SID`, `reminder`.
    pub created_by: &'a str,
    /// Where it is sent (`sms`, `email`), if it is.
    pub sent_by: Option<&'a str>,
    /// Now (UTC ms).
    pub now: i64,
    /// When it stops opening (UTC ms).
    pub expires_at: i64,
}

/// A recorded link, as the admin API shows it (never its token or its hashes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PayLink {
    /// Its id (to revoke it).
    pub id: i64,
    /// The account it opens.
    pub account_number: String,
    /// Who made it.
    pub created_by: String,
    /// Where it was sent, if it was.
    pub sent_by: Option<String>,
    /// When it was made (UTC ms).
    pub created_at: i64,
    /// When it stops opening (UTC ms).
    pub expires_at: i64,
    /// When it was revoked, if it was (UTC ms).
    pub revoked_at: Option<i64>,
    /// When it was first opened (UTC ms).
    pub opened_at: Option<i64>,
    /// When a proof first held (UTC ms).
    pub verified_at: Option<i64>,
    /// When the balance was paid in full through it (UTC ms): it opens nothing more.
    pub used_at: Option<i64>,
    /// How far the person got: `opened`, `verified`, `options`, the choice they opened (`pay`,
    /// `plan`, `promise`), or what they did (`paid`, `plan_made`, `promised`).
    pub last_step: Option<String>,
    /// What the visit came to, if anything yet: `paid`, `settled`, `plan`, `promise`.
    pub converted: Option<String>,
}

impl PayLink {
    /// Whether it still opens at `now`.
    pub fn opens(&self, now_ms: i64) -> bool {
        self.revoked_at.is_none() && self.used_at.is_none() && now_ms < self.expires_at
    }
}

const COLUMNS: &str = "id, account_number, created_by, sent_by, created_at, expires_at, \
    revoked_at, opened_at, verified_at, used_at, last_step, converted";

fn link_from_row(row: &sqlx::any::AnyRow) -> Result<PayLink, StoreError> {
    Ok(PayLink {
        id: row.try_get("id")?,
        account_number: row.try_get("account_number")?,
        created_by: row.try_get("created_by")?,
        sent_by: row.try_get("sent_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        opened_at: row.try_get("opened_at")?,
        verified_at: row.try_get("verified_at")?,
        used_at: row.try_get("used_at")?,
        last_step: row.try_get("last_step")?,
        converted: row.try_get("converted")?,
    })
}

impl Store {
    /// Records a link, and queues `messages` (the text or email carrying it) in the same
    /// transaction; its id.
    ///
    /// # Errors
    /// A database failure; nothing is written then.
    pub async fn create_pay_link(
        &self,
        new: &NewPayLink<'_>,
        messages: &[NewMessage],
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO pay_links (token_hash, account_number, created_by, sent_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.token_hash)
        .bind(new.account_number)
        .bind(new.created_by)
        .bind(new.sent_by)
        .bind(new.now)
        .bind(new.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        for message in messages {
            super::messages::insert_message(&mut tx, message, new.now).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The link whose token hashes to `token_hash`, whatever its state.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_link(&self, token_hash: &str) -> Result<Option<PayLink>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM pay_links WHERE token_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(link_from_row).transpose()
    }

    /// The account's links, newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_links_for_account(
        &self,
        account_number: &str,
    ) -> Result<Vec<PayLink>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM pay_links WHERE account_number = $1 ORDER BY id DESC LIMIT 50"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// Records how far the person got (`step`), and when the link was first opened.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_link_step(&self, id: i64, step: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE pay_links SET opened_at = COALESCE(opened_at, $3), last_step = $2, \
             last_step_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(step)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Hands out one more payment form on link `id` (the person opened `step`: `pay`, `plan`):
    /// its number, the attempt a payment made through that form is recorded under, so the same
    /// form submitted twice pays once.
    ///
    /// # Errors
    /// A database failure.
    pub async fn next_pay_link_form(
        &self,
        id: i64,
        step: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE pay_links SET forms = forms + 1, chose_at = COALESCE(chose_at, $3), \
             last_step = $2, last_step_at = $3 WHERE id = $1 RETURNING forms",
        )
        .bind(id)
        .bind(step)
        .bind(now_ms)
        .fetch_one(self.writer())
        .await?;
        Ok(row.try_get("forms")?)
    }

    /// How many payment forms link `id` handed out (a submitted form naming a higher number
    /// was not one of ours).
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_link_forms(&self, id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT forms FROM pay_links WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("forms")?)
    }

    /// Records what a visit through link `id` came to (`paid`, `settled`, `plan`, `promise`)
    /// as its last step (`step`); with `used`, the balance is paid and the link opens nothing
    /// more.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_link_converted(
        &self,
        id: i64,
        converted: &str,
        step: &str,
        used: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let sql = if used {
            "UPDATE pay_links SET converted = $2, converted_at = COALESCE(converted_at, $4), \
             last_step = $3, last_step_at = $4, used_at = COALESCE(used_at, $4) WHERE id = $1"
        } else {
            "UPDATE pay_links SET converted = $2, converted_at = COALESCE(converted_at, $4), \
             last_step = $3, last_step_at = $4 WHERE id = $1"
        };
        sqlx::query(sql)
            .bind(id)
            .bind(converted)
            .bind(step)
            .bind(now_ms)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// The arrangement of `kind` made on `visit`'s form `form`, if that form made one before
    /// (a form sent again changes nothing).
    ///
    /// # Errors
    /// A database failure.
    pub async fn arrangement_made_on(
        &self,
        visit: super::CallKey<'_>,
        kind: &str,
        form: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM arrangements WHERE provider = $1 AND call_sid = $2 AND kind = $3 \
             AND call_attempt = $4",
        )
        .bind(visit.provider)
        .bind(visit.sid)
        .bind(kind)
        .bind(form)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// Records a proved visit through a link as one contact in `calls` (provider `web`, see
    /// `pay_links::visit_key`), ended and reported as it starts, so its payments and
    /// arrangements join the line's records, reports and screen-pop. A visit recorded before is
    /// left as it is.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_web_visit(
        &self,
        visit: super::CallKey<'_>,
        account: &super::Account,
        language: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO calls (call_sid, provider, from_number, to_number, started_at, ended_at, \
             turn, last_reply, session, updated_at, account_number, language, segment, flow, \
             outcome, last_step, reported_at) \
             VALUES ($1, $2, '', '', $3, $3, 0, '', '{}', $3, $4, $5, $6, 'web', 'visited', \
             'verified', $3) ON CONFLICT (provider, call_sid) DO NOTHING",
        )
        .bind(visit.sid)
        .bind(visit.provider)
        .bind(now_ms)
        .bind(&account.account_number)
        .bind(language)
        .bind(&account.segment)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Starts the session a proof opened: the hash of its cookie, held until `until`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn start_pay_link_session(
        &self,
        id: i64,
        session_hash: &str,
        until: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE pay_links SET session_hash = $2, session_until = $3, \
             opened_at = COALESCE(opened_at, $4), verified_at = COALESCE(verified_at, $4), \
             last_step = 'verified', last_step_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(session_hash)
        .bind(until)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Whether the session whose cookie hashes to `session_hash` holds for link `id` at `now`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pay_link_session_holds(
        &self,
        id: i64,
        session_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM pay_links WHERE id = $1 AND session_hash = $2 AND session_until > $3",
        )
        .bind(id)
        .bind(session_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Revokes link `id` of `account_number` (`by`: `admin`, `agent:NAME`); whether it was
    /// open.
    ///
    /// # Errors
    /// A database failure.
    pub async fn revoke_pay_link(
        &self,
        account_number: &str,
        id: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let revoked = sqlx::query(
            "UPDATE pay_links SET revoked_at = $3, revoked_by = $4, session_hash = NULL \
             WHERE id = $1 AND account_number = $2 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(account_number)
        .bind(now_ms)
        .bind(by)
        .execute(self.writer())
        .await?;
        Ok(revoked.rows_affected() == 1)
    }
}
