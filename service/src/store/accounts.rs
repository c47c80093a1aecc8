//! Account rows: import, lookup, and the failed-authentication counter behind lockout.

use sqlx::Row;

use super::in_place::Write;
use super::{Store, StoreError};

pub use crate::collections::Account;

/// What is imported for one account; the failure counter and lock are left as they are.
pub type AccountRecord = Account;

/// An authentication attempt counted before the credential is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthAttempt {
    /// Attempts counted since the last success, this one included.
    pub number: i64,
    /// Whether this attempt used the last one allowed: the account is locked now, and stays
    /// locked unless this very attempt turns out to be right.
    pub locks: bool,
}

/// `SELECT` of every account column followed by `$condition`, as a static string: lookups run on
/// every webhook, so the statement is not rebuilt each time.
/// Every column of an account, in the order `account_from_row` reads them.
macro_rules! account_columns {
    () => {
        "account_number, name, pin_hash, dob_zip_hash, balance_cents, minimum_due_cents, \
         due_date, segment, language, phone, email, flags, state, contact_channel, \
         failed_auth_attempts, locked_until"
    };
}
pub(super) use account_columns;

macro_rules! select_accounts {
    ($condition:literal) => {
        concat!("SELECT ", account_columns!(), " FROM accounts ", $condition)
    };
}

/// [`Store::account`]'s statement, run through sqlx and in place on SQLite (`in_place.rs`).
pub(super) const ACCOUNT: &str = select_accounts!("WHERE account_number = $1");

/// [`Store::account_by_phone`]'s statement: two are enough to know the number is shared.
pub(super) const ACCOUNTS_BY_PHONE: &str = select_accounts!("WHERE phone = $1 LIMIT 2");

/// [`Store::begin_auth_attempt`]'s statement. `$3` is now: a lock that has run out counts as no
/// lock and no failures. SET expressions read the row as it was before the update on both
/// backends.
const BEGIN_AUTH_ATTEMPT: &str = "UPDATE accounts SET \
     failed_auth_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $3 \
         THEN 1 ELSE failed_auth_attempts + 1 END, \
     locked_until = CASE \
         WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $3 \
             THEN 0 ELSE failed_auth_attempts END) + 1 >= $2 THEN $4 \
         WHEN locked_until IS NOT NULL AND locked_until <= $3 THEN NULL \
         ELSE locked_until END \
     WHERE account_number = $1 \
     AND (locked_until IS NULL OR locked_until <= $3) \
     AND (failed_auth_attempts < $2 OR (locked_until IS NOT NULL AND locked_until <= $3)) \
     RETURNING failed_auth_attempts";

/// [`Store::reset_auth_failures`]'s statement.
const RESET_AUTH_FAILURES: &str = "UPDATE accounts SET failed_auth_attempts = 0, \
     locked_until = NULL WHERE account_number = $1 AND failed_auth_attempts = $2";

pub(super) fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
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
        flags: row.try_get("flags")?,
        state: row.try_get("state")?,
        contact_channel: row.try_get("contact_channel")?,
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
        const COLUMNS: usize = 14;
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
                 minimum_due_cents, due_date, segment, language, phone, email, flags, state, updated_at) \
                 VALUES {} \
                 ON CONFLICT (account_number) DO UPDATE SET name = excluded.name, \
                 pin_hash = excluded.pin_hash, dob_zip_hash = excluded.dob_zip_hash, \
                 balance_cents = excluded.balance_cents, minimum_due_cents = excluded.minimum_due_cents, \
                 due_date = excluded.due_date, segment = excluded.segment, language = excluded.language, \
                 phone = excluded.phone, email = excluded.email, flags = excluded.flags, \
                 state = excluded.state, updated_at = excluded.updated_at",
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
                    .bind(&record.flags)
                    .bind(&record.state)
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

    /// Every account's phone on file, with its account number, for an import to check that a
    /// number it brings is not already another account's.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_phones(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT phone, account_number FROM accounts WHERE phone <> ''")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("phone")?, row.try_get("account_number")?)))
            .collect()
    }

    /// Finds an account by number.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account(&self, account_number: &str) -> Result<Option<Account>, StoreError> {
        if let Some(in_place) = &self.in_place {
            return in_place.account(account_number);
        }
        let row = sqlx::query(ACCOUNT)
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
        if let Some(in_place) = &self.in_place {
            return in_place.account_by_phone(phone);
        }
        let rows = sqlx::query(ACCOUNTS_BY_PHONE)
            .bind(phone)
            .fetch_all(self.pool())
            .await?;
        match rows.as_slice() {
            [only] => Ok(Some(account_from_row(only)?)),
            _ => Ok(None),
        }
    }

    /// Counts an authentication attempt *before* its PIN (or date of birth) is checked, in one
    /// atomic statement: `None` when the account is locked or has no attempts left, and then the
    /// credential must not be checked at all. So however many guesses arrive at once, on however
    /// many instances, at most `max_attempts` are ever evaluated between two successes, and no
    /// guess after the limit can succeed. The attempt that reaches the limit locks the account
    /// until `lock_until_ms`; an expired lock starts a fresh count.
    ///
    /// # Errors
    /// A database failure.
    pub async fn begin_auth_attempt(
        &self,
        account_number: &str,
        max_attempts: i64,
        now_ms: i64,
        lock_until_ms: i64,
    ) -> Result<Option<AuthAttempt>, StoreError> {
        let in_place = match &self.in_place {
            Some(in_place) => {
                in_place
                    .write_returning(
                        BEGIN_AUTH_ATTEMPT,
                        (account_number, max_attempts, now_ms, lock_until_ms),
                    )
                    .await?
            }
            // No in-place writer (PostgreSQL): through sqlx, as when it is busy.
            None => Write::Busy,
        };
        let number = match in_place {
            Write::Done(number) => number,
            Write::Busy => sqlx::query(BEGIN_AUTH_ATTEMPT)
                .bind(account_number)
                .bind(max_attempts)
                .bind(now_ms)
                .bind(lock_until_ms)
                .fetch_optional(self.writer())
                .await?
                .map(|row| row.try_get("failed_auth_attempts"))
                .transpose()?,
        };
        let Some(number) = number else {
            return Ok(None);
        };
        Ok(Some(AuthAttempt {
            number,
            locks: number >= max_attempts,
        }))
    }

    /// Clears the attempt counter and any lock after a successful authentication, when no other
    /// attempt was counted since `attempt` (the successful one): guesses made at the same moment
    /// on other calls still count against the limit, so a burst of guesses with the right PIN
    /// among them is still held to `max_attempts` checks in all.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reset_auth_failures(
        &self,
        account_number: &str,
        attempt: AuthAttempt,
    ) -> Result<(), StoreError> {
        if let Some(in_place) = &self.in_place
            && let Write::Done(_) = in_place
                .write(RESET_AUTH_FAILURES, (account_number, attempt.number))
                .await?
        {
            return Ok(());
        }
        sqlx::query(RESET_AUTH_FAILURES)
            .bind(account_number)
            .bind(attempt.number)
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
