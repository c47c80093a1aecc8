//! Agents of the console, their sessions, and the failed sign-ins that throttle further tries.

use sqlx::Row;

use super::{Store, StoreError};

/// An agent as stored (the password only as its Argon2id hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRow {
    /// Its id.
    pub id: i64,
    /// What the agent signs in with.
    pub username: String,
    /// The name the console shows.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// `agent` or `admin`.
    pub role: String,
    /// A disabled agent cannot sign in and has no session.
    pub disabled: bool,
    /// Added at (UTC ms).
    pub created_at: i64,
}

/// A live session and the agent it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The agent's id.
    pub agent_id: i64,
    /// The agent's username.
    pub username: String,
    /// The name the console shows.
    pub display_name: String,
    /// `agent` or `admin`.
    pub role: String,
    /// The token every change must carry back (CSRF).
    pub csrf_token: String,
}

fn agent_row(row: &sqlx::any::AnyRow) -> Result<AgentRow, sqlx::Error> {
    Ok(AgentRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        role: row.try_get("role")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

const AGENT_COLUMNS: &str = "id, username, display_name, password_hash, role, disabled, created_at";

impl Store {
    /// Adds an agent; `None` when the username is taken (nothing changes).
    ///
    /// # Errors
    /// The database failed.
    pub async fn add_agent(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        role: &str,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "INSERT INTO agents (username, display_name, password_hash, role, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(password_hash)
        .bind(role)
        .bind(now_ms)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// Sets an agent's password hash and enables them again; whether there is such an agent.
    /// Their sessions stay (the demo uses it to keep its agent's generated password in force).
    ///
    /// # Errors
    /// The database failed.
    pub async fn set_agent_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "UPDATE agents SET password_hash = $2, disabled = 0 WHERE username = $1 RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .fetch_optional(self.writer())
        .await?;
        Ok(row.is_some())
    }

    /// Every agent, by username.
    ///
    /// # Errors
    /// The database failed.
    pub async fn agents(&self) -> Result<Vec<AgentRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents ORDER BY username"
        )))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(agent_row).collect::<Result<_, _>>()?)
    }

    /// The agent with this username, if any.
    ///
    /// # Errors
    /// The database failed.
    pub async fn agent_by_username(&self, username: &str) -> Result<Option<AgentRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(agent_row).transpose()?)
    }

    /// Disables an agent and ends every session it has, together; `false` when there is no such
    /// agent.
    ///
    /// # Errors
    /// The database failed.
    pub async fn disable_agent(&self, username: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("UPDATE agents SET disabled = 1 WHERE username = $1 RETURNING id")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get("id")?;
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a new session (dropping the agent's expired ones while at it).
    ///
    /// # Errors
    /// The database failed.
    pub async fn create_agent_session(
        &self,
        token_hash: &str,
        agent_id: i64,
        csrf_token: &str,
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM agent_sessions WHERE agent_id = $1 AND expires_at <= $2")
            .bind(agent_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO agent_sessions (token_hash, agent_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(agent_id)
        .bind(csrf_token)
        .bind(now_ms)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session with this token hash, if it is live and its agent is not disabled.
    ///
    /// # Errors
    /// The database failed.
    pub async fn agent_session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.display_name, a.role, s.csrf_token \
             FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRow {
            agent_id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: row.try_get("role")?,
            csrf_token: row.try_get("csrf_token")?,
        }))
    }

    /// Ends a session (signing out).
    ///
    /// # Errors
    /// The database failed.
    pub async fn delete_agent_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM agent_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Failed sign-ins counted against `key` since `since_ms`.
    ///
    /// # Errors
    /// The database failed.
    pub async fn sign_in_failures_since(
        &self,
        key: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM sign_in_failures WHERE throttle_key = $1 AND failed_at > $2",
        )
        .bind(key)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Counts a failed sign-in against each key, forgetting those keys' failures older than
    /// `forget_before_ms` (they no longer count).
    ///
    /// # Errors
    /// The database failed.
    pub async fn record_sign_in_failure(
        &self,
        keys: &[&str],
        now_ms: i64,
        forget_before_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for key in keys {
            sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1 AND failed_at <= $2")
                .bind(*key)
                .bind(forget_before_ms)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO sign_in_failures (throttle_key, failed_at) VALUES ($1, $2)")
                .bind(*key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes sessions that expired at or before `now_ms` and failed sign-ins made at or before
    /// `failures_before` (too old to count against anyone), at most `limit` of each; returns
    /// how many of each went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_stale_sign_ins(
        &self,
        now_ms: i64,
        failures_before: i64,
        limit: i64,
    ) -> Result<(u64, u64), StoreError> {
        let sessions = sqlx::query(
            "DELETE FROM agent_sessions WHERE token_hash IN \
             (SELECT token_hash FROM agent_sessions WHERE expires_at <= $1 LIMIT $2)",
        )
        .bind(now_ms)
        .bind(limit)
        .execute(self.writer())
        .await?
        .rows_affected();
        let failures = sqlx::query(
            "DELETE FROM sign_in_failures WHERE id IN \
             (SELECT id FROM sign_in_failures WHERE failed_at <= $1 LIMIT $2)",
        )
        .bind(failures_before)
        .bind(limit)
        .execute(self.writer())
        .await?
        .rows_affected();
        // An address not used for a sign-in within the sessions' lifetime many times over is no
        // longer a place the agent is known to sign in from.
        sqlx::query(
            "DELETE FROM agent_sign_in_addresses WHERE (agent_id, address) IN \
             (SELECT agent_id, address FROM agent_sign_in_addresses WHERE last_at <= $1 LIMIT $2)",
        )
        .bind(now_ms - crate::agents::KNOWN_ADDRESS_FOR.as_millis() as i64)
        .bind(limit)
        .execute(self.writer())
        .await?;
        Ok((sessions, failures))
    }

    /// Remembers that agent `agent_id` signed in from `address` at `now_ms`.
    ///
    /// # Errors
    /// The database failed.
    pub async fn remember_sign_in_address(
        &self,
        agent_id: i64,
        address: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agent_sign_in_addresses (agent_id, address, last_at) VALUES ($1, $2, $3) \
             ON CONFLICT (agent_id, address) DO UPDATE SET last_at = excluded.last_at",
        )
        .bind(agent_id)
        .bind(address)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Whether agent `agent_id` signed in from `address` since `since_ms`.
    ///
    /// # Errors
    /// The database failed.
    pub async fn signed_in_from(
        &self,
        agent_id: i64,
        address: &str,
        since_ms: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM agent_sign_in_addresses \
             WHERE agent_id = $1 AND address = $2 AND last_at > $3",
        )
        .bind(agent_id)
        .bind(address)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Forgets the failures counted against `key` (after a successful sign-in).
    ///
    /// # Errors
    /// The database failed.
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
