//! The read every webhook of a call makes (its row and its account), on SQLite, run on the thread
//! that asks. sqlx runs each SQLite connection on a thread of its own, so a statement is a hand-off
//! there and back, and its pool pings the connection as it takes it back: four context switches a
//! statement on one core, most of a webhook's cost (BENCHMARKS.md). A read in WAL mode takes
//! microseconds and never waits for the writer, so it is done here in place, on connections of its
//! own; writes stay with sqlx's single writer.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::calls::{CALL_AND_ACCOUNT, CallRow};
use super::{Account, CallKey, StoreError};

/// Read connections, one per runtime worker thread (two on this machine), so two webhooks rarely
/// wait for each other.
const CONNECTIONS: usize = 2;

/// Connections that read a SQLite file on the asking thread.
pub(super) struct FastRead {
    connections: Vec<Mutex<rusqlite::Connection>>,
}

impl std::fmt::Debug for FastRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastRead").finish_non_exhaustive()
    }
}

/// The file a `sqlite:` URL names, when it names one (not an in-memory database).
pub(super) fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

impl FastRead {
    /// Opens the read connections on `file` (which must exist), refusing every write, waiting at
    /// most `busy_ms` for a lock.
    pub(super) fn open(file: &Path, busy_ms: u64) -> Result<FastRead, StoreError> {
        let connections = (0..CONNECTIONS)
            .map(|_| {
                let connection = rusqlite::Connection::open_with_flags(
                    file,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | rusqlite::OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(failed)?;
                connection
                    .busy_timeout(std::time::Duration::from_millis(busy_ms))
                    .map_err(failed)?;
                connection
                    .execute_batch("PRAGMA query_only = ON;")
                    .map_err(failed)?;
                Ok(Mutex::new(connection))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(FastRead { connections })
    }

    /// A free connection, or the first one once it is free.
    fn connection(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        for connection in &self.connections {
            if let Ok(guard) = connection.try_lock() {
                return guard;
            }
        }
        // A poisoned lock only means a panic mid-read; the connection itself is fine.
        self.connections[0]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// As [`super::Store::load_call_and_account`], in place.
    pub(super) fn load_call_and_account(
        &self,
        call: CallKey<'_>,
    ) -> Result<Option<(CallRow, Option<Account>)>, StoreError> {
        let connection = self.connection();
        let mut statement = connection
            .prepare_cached(CALL_AND_ACCOUNT)
            .map_err(failed)?;
        let mut rows = statement.query((call.sid, call.provider)).map_err(failed)?;
        let Some(row) = rows.next().map_err(failed)? else {
            return Ok(None);
        };
        let call_row = CallRow {
            call_sid: row.get(0).map_err(failed)?,
            from_number: row.get(1).map_err(failed)?,
            turn: row.get(2).map_err(failed)?,
            last_reply: row.get(3).map_err(failed)?,
            session: row.get(4).map_err(failed)?,
            sealed: row.get(5).map_err(failed)?,
            sealed_until: row.get(6).map_err(failed)?,
            ended_at: row.get(7).map_err(failed)?,
            claim_turn: row.get(8).map_err(failed)?,
            claimed_at: row.get(9).map_err(failed)?,
        };
        // The account's columns follow, in `account_columns!` order.
        let account_number: Option<String> = row.get(10).map_err(failed)?;
        let account = match account_number {
            None => None,
            Some(account_number) => Some(Account {
                account_number,
                name: row.get(11).map_err(failed)?,
                pin_hash: row.get(12).map_err(failed)?,
                dob_zip_hash: row.get(13).map_err(failed)?,
                balance_cents: row.get(14).map_err(failed)?,
                minimum_due_cents: row.get(15).map_err(failed)?,
                due_date: row.get(16).map_err(failed)?,
                segment: row.get(17).map_err(failed)?,
                language: row.get(18).map_err(failed)?,
                phone: row.get(19).map_err(failed)?,
                email: row.get(20).map_err(failed)?,
                flags: row.get(21).map_err(failed)?,
                state: row.get(22).map_err(failed)?,
                contact_channel: row.get(23).map_err(failed)?,
                failed_auth_attempts: row.get(24).map_err(failed)?,
                locked_until: row.get(25).map_err(failed)?,
            }),
        };
        Ok(Some((call_row, account)))
    }
}

fn failed(err: rusqlite::Error) -> StoreError {
    StoreError::Read(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_a_sqlite_url_names() {
        let file = |url| file_of(url).map(|path| path.display().to_string());
        assert_eq!(file("sqlite:ivrpay.db").as_deref(), Some("ivrpay.db"));
        assert_eq!(
            file("sqlite:/var/lib/ivrpay.db?mode=rwc").as_deref(),
            Some("/var/lib/ivrpay.db")
        );
        assert_eq!(
            file("sqlite://data/ivrpay.db").as_deref(),
            Some("data/ivrpay.db")
        );
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://postgres@127.0.0.1/ivrpay"), None);
    }
}
