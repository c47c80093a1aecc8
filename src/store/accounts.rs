//! Account rows: import, lookup, and the failed-authentication counter behind lockout.

use sqlx::Row;

use super::{Store, StoreError};

/// An account as the flow sees it. Secrets appear only as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The number the caller types; digits only.
    pub account_number: String,
    /// Full name, as imported.
    pub name: String,
    /// Keyed hash of the PIN (hex).
    pub pin_hash: String,
    /// Keyed hash of date of birth and billing ZIP (hex).
    pub dob_zip_hash: String,
    /// Balance owed, in cents; zero or less means nothing is due.
    pub balance_cents: i64,
    /// Minimum payment due, in cents.
    pub minimum_due_cents: i64,
    /// Due date, ISO 8601 (`YYYY-MM-DD`).
    pub due_date: String,
    /// Collections segment (`early`, `late`, `hardship`, `settlement`, ...), for flow branches.
    pub segment: String,
    /// Preferred language code.
    pub language: String,
    /// Phone on file, E.164, matched against caller ID.
    pub phone: String,
    /// Email on file.
    pub email: String,
    /// Failed PIN or date-of-birth attempts since the last success.
    pub failed_auth_attempts: i64,
    /// Until when (UTC ms) authentication is refused, if locked.
    pub locked_until: Option<i64>,
}

impl Account {
    /// The last four digits of the account number, as callers and agents are told them.
    pub fn last4(&self) -> &str {
        let number = &self.account_number;
        // Account numbers are ASCII digits, so any byte offset is a character boundary.
        number
            .get(number.len().saturating_sub(4)..)
            .unwrap_or(number)
    }
}

/// What is imported for one account; the failure counter and lock are left as they are.
pub type AccountRecord = Account;

/// The state of the lock after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFailure {
    /// Failed attempts counted so far, this one included.
    pub attempts: i64,
    /// Whether this failure locked the account.
    pub locked: bool,
}

/// `SELECT` of every account column followed by `$condition`, as a static string: lookups run on
/// every webhook, so the statement is not rebuilt each time.
macro_rules! select_accounts {
    ($condition:literal) => {
        concat!(
            "SELECT account_number, name, pin_hash, dob_zip_hash, balance_cents, minimum_due_cents, \
             due_date, segment, language, phone, email, failed_auth_attempts, locked_until \
             FROM accounts ",
            $condition
        )
    };
}

fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
    Ok(Account {
        account_number: row.try_get("account_number")?,
        name: row.try_get("name")?,
        pin_hash: row.try_get("pin_hash")?,
        dob_zip_hash: row.try_get("dob_zip_hash")?,
        balance_cents: row.try_get("balance_cents")?,
        minimum_due_cents: row.try_get("minimum_due_cents")?,
        due_date: row.try_get("due_date")?,
        segment: row.try_get("segment")?,
        language: row.try_get("language")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        failed_auth_attempts: row.try_get("failed_auth_attempts")?,
        locked_until: row.try_get("locked_until")?,
    })
}

impl Store {
    /// Inserts or updates accounts by account number, all in one transaction: either every record
    /// lands or none does.
    ///
    /// # Errors
    /// Any database failure; nothing is written then.
    pub async fn upsert_accounts(
        &self,
        records: &[AccountRecord],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        // On PostgreSQL many rows per statement: a 100,000-account import is 250 round trips, not
        // 100,000 (9 s -> 2 s). SQLite has no round trips and binds wide statements slowly
        // (2 s -> 10 s), so there one cached single-row statement is fastest.
        const COLUMNS: usize = 12;
        let rows_per_statement = match self.backend {
            super::Backend::Sqlite => 1,
            super::Backend::Postgres => 400,
        };
        let mut tx = self.begin().await?;
        for chunk in records.chunks(rows_per_statement) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let params: Vec<String> = (1..=COLUMNS)
                        .map(|col| format!("${}", row * COLUMNS + col))
                        .collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO accounts (account_number, name, pin_hash, dob_zip_hash, balance_cents, \
                 minimum_due_cents, due_date, segment, language, phone, email, updated_at) VALUES {} \
                 ON CONFLICT (account_number) DO UPDATE SET name = excluded.name, \
                 pin_hash = excluded.pin_hash, dob_zip_hash = excluded.dob_zip_hash, \
                 balance_cents = excluded.balance_cents, minimum_due_cents = excluded.minimum_due_cents, \
                 due_date = excluded.due_date, segment = excluded.segment, language = excluded.language, \
                 phone = excluded.phone, email = excluded.email, updated_at = excluded.updated_at",
                rows.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for record in chunk {
                query = query
                    .bind(&record.account_number)
                    .bind(&record.name)
                    .bind(&record.pin_hash)
                    .bind(&record.dob_zip_hash)
                    .bind(record.balance_cents)
                    .bind(record.minimum_due_cents)
                    .bind(&record.due_date)
                    .bind(&record.segment)
                    .bind(&record.language)
                    .bind(&record.phone)
                    .bind(&record.email)
                    .bind(now_ms);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many accounts there are (the demo import runs only into an empty store).
    ///
    /// # Errors
    /// A database failure.
    pub async fn count_accounts(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Finds an account by number.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account(&self, account_number: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(select_accounts!("WHERE account_number = $1"))
            .bind(account_number)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Finds the account whose phone on file is `phone`, when exactly one has it: a number shared
    /// by several accounts identifies none of them.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_by_phone(&self, phone: &str) -> Result<Option<Account>, StoreError> {
        let rows = sqlx::query(select_accounts!("WHERE phone = $1 LIMIT 2"))
            .bind(phone)
            .fetch_all(self.pool())
            .await?;
        match rows.as_slice() {
            [only] => Ok(Some(account_from_row(only)?)),
            _ => Ok(None),
        }
    }

    /// Counts a failed authentication; the `max_attempts`-th failure in a row locks the account
    /// until `lock_until_ms`. The increment is one atomic statement, so failures counted by
    /// several calls or instances at once all count.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_auth_failure(
        &self,
        account_number: &str,
        max_attempts: i64,
        lock_until_ms: i64,
    ) -> Result<AuthFailure, StoreError> {
        let row = sqlx::query(
            "UPDATE accounts SET failed_auth_attempts = failed_auth_attempts + 1, \
             locked_until = CASE WHEN failed_auth_attempts + 1 >= $2 THEN $3 ELSE locked_until END \
             WHERE account_number = $1 RETURNING failed_auth_attempts",
        )
        .bind(account_number)
        .bind(max_attempts)
        .bind(lock_until_ms)
        .fetch_one(self.writer())
        .await?;
        let attempts: i64 = row.try_get("failed_auth_attempts")?;
        Ok(AuthFailure {
            attempts,
            locked: attempts >= max_attempts,
        })
    }

    /// Clears the failure counter and any expired lock after a successful authentication.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reset_auth_failures(&self, account_number: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET failed_auth_attempts = 0, locked_until = NULL \
             WHERE account_number = $1",
        )
        .bind(account_number)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Starts a fresh count once a lock has expired, so the caller gets the full number of
    /// attempts again rather than being locked on the next slip.
    ///
    /// # Errors
    /// A database failure.
    pub async fn clear_expired_lock(
        &self,
        account_number: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE accounts SET failed_auth_attempts = 0, locked_until = NULL \
             WHERE account_number = $1 AND locked_until IS NOT NULL AND locked_until <= $2",
        )
        .bind(account_number)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
