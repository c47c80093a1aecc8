//! The statements every webhook makes, on SQLite, run on the thread that asks: the read of its
//! call and account, and the writes of its turn (the claim before a side effect, the save after
//! it, a new call's first row). sqlx runs each SQLite connection on a thread of its own, so a
//! statement is a hand-off there and back, and its pool pings the connection as it takes it back:
//! four context switches a statement on one core, most of a webhook's cost (BENCHMARKS.md).
//!
//! A read in WAL mode takes microseconds and never waits for the writer. A write here waits,
//! without holding a thread, for this process's other writer, sqlx's writer connection
//! ([`WriteGate`]), and never for SQLite's lock: when another connection holds it (another
//! instance, an outage) it says so and the store sends that write through sqlx, which waits
//! without holding a runtime thread. Waiting in SQLite's busy handler here instead could stall
//! every runtime thread behind a transaction that needs one of them to finish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::calls::{self, CALL_AND_ACCOUNT, CallRow, NewCall, TurnUpdate};
use super::checkpoint::Checkpointer;
use super::{Account, CallKey, StoreError};
use crate::payments::redact::{mask_card_numbers, scrub_free_text};

/// Read connections, one per runtime worker thread (two on this machine), so two webhooks rarely
/// wait for each other.
const READERS: usize = 2;

/// Connections that run statements on a SQLite file on the asking thread.
pub(super) struct InPlace {
    /// `None` once closed, as every connection.
    readers: Vec<Mutex<Option<rusqlite::Connection>>>,
    /// One writer: SQLite lets one in at a time anyway. Taken only with the gate held, for a
    /// statement that never waits.
    writer: Mutex<Option<rusqlite::Connection>>,
    gate: Arc<WriteGate>,
    /// Copies the write-ahead log back; `None` once closed.
    checkpointer: Mutex<Option<Checkpointer>>,
}

impl std::fmt::Debug for InPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlace").finish_non_exhaustive()
    }
}

/// Keeps this process's two writers to a SQLite file apart: the in-place writer and sqlx's one
/// writer connection. Without it, a sqlx write that finds the file locked by an in-place write
/// sleeps in SQLite's busy handler (a millisecond at least, then longer), and every write queued
/// behind it waits too: it made a tenth of the webhooks take 200 ms.
///
/// sqlx takes the gate as its writer connection leaves the pool and gives it back as the
/// connection returns; an in-place write takes it for its one statement. Each waits for the
/// other without holding a thread.
#[derive(Debug, Default)]
pub(crate) struct WriteGate {
    state: AtomicU8,
    /// Wakes whoever waits when the gate is given back.
    opened: tokio::sync::Notify,
}

const GATE_OPEN: u8 = 0;
const GATE_IN_PLACE: u8 = 1;
const GATE_SQLX: u8 = 2;
const GATE_CHECKPOINT: u8 = 3;

impl WriteGate {
    fn try_enter(&self, who: u8) -> Result<(), u8> {
        self.state
            .compare_exchange(GATE_OPEN, who, Ordering::Acquire, Ordering::Relaxed)
            .map(|_| ())
    }

    /// Waits until `enter` (which tries to take the gate) succeeds.
    async fn wait_for(&self, mut enter: impl FnMut() -> bool) {
        loop {
            let opened = self.opened.notified();
            tokio::pin!(opened);
            // Registered before trying, so a gate given back in between still wakes us.
            opened.as_mut().enable();
            if enter() {
                return;
            }
            opened.await;
        }
    }

    /// Takes the gate for one in-place statement.
    async fn enter_in_place(&self) -> InPlaceTurn<'_> {
        self.wait_for(|| self.try_enter(GATE_IN_PLACE).is_ok())
            .await;
        InPlaceTurn(self)
    }

    /// Takes the gate for sqlx's writer connection. The pool has one writer connection, so a
    /// gate already marked as sqlx's is a connection the pool dropped without returning it
    /// (after an error), and is taken over.
    pub(crate) async fn enter_for_sqlx(&self) {
        self.wait_for(|| matches!(self.try_enter(GATE_SQLX), Ok(()) | Err(GATE_SQLX)))
            .await;
    }

    /// Takes the gate from a thread outside the runtime (the checkpointer), for as long as the
    /// answer is kept. Both writers hold it for moments, so this polls.
    pub(super) fn enter_blocking(&self) -> impl Drop + '_ {
        while self.try_enter(GATE_CHECKPOINT).is_err() {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
        InPlaceTurn(self)
    }

    /// Gives the gate back as sqlx's writer connection returns to its pool.
    pub(crate) fn leave_for_sqlx(&self) {
        if self
            .state
            .compare_exchange(GATE_SQLX, GATE_OPEN, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            self.opened.notify_waiters();
        }
    }
}

/// The gate held by an in-place write (or the checkpointer), given back when dropped.
struct InPlaceTurn<'a>(&'a WriteGate);

impl Drop for InPlaceTurn<'_> {
    fn drop(&mut self) {
        self.0.state.store(GATE_OPEN, Ordering::Release);
        self.0.opened.notify_waiters();
    }
}

/// A write tried in place: done, with its answer, or refused because another connection holds
/// the write lock (the store then sends it through sqlx).
pub(super) enum Write<T> {
    Done(T),
    Busy,
}

/// The file a `sqlite:` URL names, when it names one (not an in-memory database).
pub(super) fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

impl InPlace {
    /// Opens the connections on `file` (which must exist and have its tables): readers that
    /// refuse every write and wait at most `busy_ms` for a lock, and the writer, which never
    /// waits.
    pub(super) fn open(
        file: &Path,
        busy_ms: u64,
        gate: Arc<WriteGate>,
    ) -> Result<InPlace, StoreError> {
        let open = || {
            rusqlite::Connection::open_with_flags(
                file,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | rusqlite::OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(failed)
        };
        let readers = (0..READERS)
            .map(|_| {
                let connection = open()?;
                connection
                    .busy_timeout(std::time::Duration::from_millis(busy_ms))
                    .map_err(failed)?;
                connection
                    .execute_batch("PRAGMA query_only = ON;")
                    .map_err(failed)?;
                Ok(Mutex::new(Some(connection)))
            })
            .collect::<Result<_, StoreError>>()?;
        let writer = open()?;
        writer
            .busy_timeout(std::time::Duration::ZERO)
            .map_err(failed)?;
        // As the store's sqlx connections are set up (`open_pool`): the same durability, and
        // the log copied back by the checkpointer.
        writer
            .execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA wal_autocheckpoint = 0;",
            )
            .map_err(failed)?;
        let checkpointer = Checkpointer::start(file, gate.clone())?;
        Ok(InPlace {
            readers,
            writer: Mutex::new(Some(writer)),
            gate,
            checkpointer: Mutex::new(Some(checkpointer)),
        })
    }

    /// A free reader, or the first one once it is free.
    fn reader(&self) -> MutexGuard<'_, Option<rusqlite::Connection>> {
        self.readers
            .iter()
            .find_map(|connection| connection.try_lock().ok())
            // A poisoned lock only means a panic mid-statement; the connection itself is fine.
            .unwrap_or_else(|| {
                self.readers[0]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            })
    }

    /// As [`super::Store::account`], in place.
    pub(super) fn account(&self, account_number: &str) -> Result<Option<Account>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&numbered(super::accounts::ACCOUNT))?;
            let mut rows = statement.query([account_number])?;
            rows.next()?.map(|row| account_at(row, 0)).transpose()
        })
    }

    /// As [`super::Store::account_by_phone`], in place.
    pub(super) fn account_by_phone(&self, phone: &str) -> Result<Option<Account>, StoreError> {
        self.read(|connection| {
            let mut statement =
                connection.prepare_cached(&numbered(super::accounts::ACCOUNTS_BY_PHONE))?;
            let mut rows = statement.query([phone])?;
            let Some(first) = rows.next()? else {
                return Ok(None);
            };
            let account = account_at(first, 0)?;
            // A number shared by several accounts identifies none of them.
            Ok(match rows.next()? {
                Some(_) => None,
                None => Some(account),
            })
        })
    }

    /// Runs `statement`, a read, on the writer's connection when it is free: its page cache
    /// stays warm, where another connection's must be dropped after every write. A reader
    /// otherwise, and when the writer's connection (which never waits) finds a lock.
    fn read<T>(
        &self,
        statement: impl Fn(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if let Ok(guard) = self.writer.try_lock() {
            match statement(open(&guard)?) {
                Err(err) if is_busy(&err) => {}
                answer => return answer.map_err(failed),
            }
        }
        statement(open(&self.reader())?).map_err(failed)
    }

    /// Runs one write statement `sql` (written for sqlx, `$1` and on) with `params` once sqlx's
    /// writer is out of the way, answering how many rows it changed, or `Busy` when another
    /// connection (another instance) holds the write lock.
    pub(super) async fn write(
        &self,
        sql: &str,
        params: impl rusqlite::Params + Send,
    ) -> Result<Write<usize>, StoreError> {
        self.write_with(sql, |statement| statement.execute(params))
            .await
    }

    /// As [`InPlace::write`], for a statement `RETURNING` one number: the number from the row
    /// it changed, if any.
    pub(super) async fn write_returning(
        &self,
        sql: &str,
        params: impl rusqlite::Params + Send,
    ) -> Result<Write<Option<i64>>, StoreError> {
        self.write_with(sql, |statement| {
            match statement.query_row(params, |row| row.get::<_, i64>(0)) {
                Ok(number) => Ok(Some(number)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(err) => Err(err),
            }
        })
        .await
    }

    /// Runs `run` on the prepared write statement `sql` once this process's writers have let
    /// the in-place one through; `Busy` when another connection holds SQLite's write lock.
    async fn write_with<T>(
        &self,
        sql: &str,
        run: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<T> + Send,
    ) -> Result<Write<T>, StoreError> {
        let _turn = self.gate.enter_in_place().await;
        let guard = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut statement = open(&guard)?
            .prepare_cached(&numbered(sql))
            .map_err(failed)?;
        match run(&mut statement) {
            Ok(answer) => Ok(Write::Done(answer)),
            Err(err) if is_busy(&err) => Ok(Write::Busy),
            Err(err) => Err(failed(err)),
        }
    }

    /// Closes every connection; later statements fail, as the store's pools do once closed.
    pub(super) fn close(&self) {
        for connection in self.readers.iter().chain([&self.writer]) {
            connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
        }
        self.checkpointer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// As [`super::Store::save_turn`] without a transfer, in place.
    pub(super) async fn save_turn(
        &self,
        update: &TurnUpdate<'_>,
    ) -> Result<Write<bool>, StoreError> {
        let log = calls::step_log(update.steps)?;
        let session = mask_card_numbers(update.session);
        let written = self
            .write(
                calls::SAVE_TURN,
                (
                    update.call_sid,
                    update.answered_turn,
                    update.reply,
                    session.as_ref(),
                    update.sealed,
                    update.language,
                    update.account_number,
                    update.outcome,
                    update.last_step,
                    update.ended_at,
                    update.now,
                    update.sealed_until,
                    log,
                    update.claim_token.unwrap_or(0),
                    update.stale_before,
                    update.provider,
                ),
            )
            .await?;
        Ok(written.changed_one())
    }

    /// As [`super::Store::start_call`] without a transfer, in place.
    pub(super) async fn start_call(
        &self,
        call: &NewCall<'_>,
        first: &TurnUpdate<'_>,
    ) -> Result<Write<bool>, StoreError> {
        let log = calls::step_log(first.steps)?;
        let session = mask_card_numbers(first.session);
        let from_number = scrub_free_text(call.from_number);
        let written = self
            .write(
                calls::START_CALL,
                (
                    call.call_sid,
                    call.provider,
                    from_number.as_ref(),
                    call.to_number,
                    call.started_at,
                    first.reply,
                    session.as_ref(),
                    first.sealed,
                    first.sealed_until,
                    first.language,
                    first.account_number,
                    first.outcome,
                    first.last_step,
                    first.ended_at,
                    log,
                ),
            )
            .await?;
        Ok(written.changed_one())
    }

    /// As [`super::Store::claim_turn`], in place.
    pub(super) async fn claim_turn(
        &self,
        call: CallKey<'_>,
        turn: i64,
        token: i64,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<Write<bool>, StoreError> {
        let written = self
            .write(
                calls::CLAIM_TURN,
                (call.sid, turn, token, now_ms, stale_before, call.provider),
            )
            .await?;
        Ok(written.changed_one())
    }

    /// As [`super::Store::load_call_and_account`], in place.
    pub(super) fn load_call_and_account(
        &self,
        call: CallKey<'_>,
    ) -> Result<Option<(CallRow, Option<Account>)>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(CALL_AND_ACCOUNT)?;
            let mut rows = statement.query((call.sid, call.provider))?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let call_row = CallRow {
                call_sid: row.get(0)?,
                from_number: row.get(1)?,
                turn: row.get(2)?,
                last_reply: row.get(3)?,
                session: row.get(4)?,
                sealed: row.get(5)?,
                sealed_until: row.get(6)?,
                ended_at: row.get(7)?,
                claim_turn: row.get(8)?,
                claimed_at: row.get(9)?,
            };
            // The account's columns follow, in `account_columns!` order.
            let account_number: Option<String> = row.get(10)?;
            let account = match account_number {
                None => None,
                Some(_) => Some(account_at(row, 10)?),
            };
            Ok(Some((call_row, account)))
        })
    }
}

/// The connection behind `guard`, unless it was closed.
fn open(guard: &Option<rusqlite::Connection>) -> Result<&rusqlite::Connection, StoreError> {
    guard
        .as_ref()
        .ok_or_else(|| StoreError::InPlace("the database is closed".to_owned()))
}

/// The account whose columns start at `first` in `row`, in `account_columns!` order.
fn account_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Account> {
    let column = |offset: usize| first + offset;
    Ok(Account {
        account_number: row.get(column(0))?,
        name: row.get(column(1))?,
        pin_hash: row.get(column(2))?,
        dob_zip_hash: row.get(column(3))?,
        balance_cents: row.get(column(4))?,
        minimum_due_cents: row.get(column(5))?,
        due_date: row.get(column(6))?,
        segment: row.get(column(7))?,
        language: row.get(column(8))?,
        phone: row.get(column(9))?,
        email: row.get(column(10))?,
        flags: row.get(column(11))?,
        state: row.get(column(12))?,
        contact_channel: row.get(column(13))?,
        failed_auth_attempts: row.get(column(14))?,
        locked_until: row.get(column(15))?,
    })
}

impl Write<usize> {
    /// Whether the statement changed exactly one row (the conditional writes' answer).
    fn changed_one(self) -> Write<bool> {
        match self {
            Write::Done(changed) => Write::Done(changed == 1),
            Write::Busy => Write::Busy,
        }
    }
}

/// Whether `err` means another connection holds the lock the statement needed.
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// `sql` with sqlx's `$1` parameters written `?1`: SQLite reads `$1` as a parameter named "$1"
/// and numbers named parameters in the order they first appear, not by the digits.
fn numbered(sql: &str) -> String {
    sql.replace('$', "?")
}

pub(super) fn failed(err: rusqlite::Error) -> StoreError {
    StoreError::InPlace(err.to_string())
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

    #[tokio::test]
    async fn the_two_writers_take_turns_at_the_gate() {
        let gate = WriteGate::default();
        let in_place = gate.enter_in_place().await;
        // sqlx waits for the in-place write to finish, and the next in-place write for sqlx.
        let sqlx = gate.enter_for_sqlx();
        tokio::pin!(sqlx);
        assert!(futures::poll!(&mut sqlx).is_pending());
        drop(in_place);
        sqlx.await;
        let next = gate.enter_in_place();
        tokio::pin!(next);
        assert!(futures::poll!(&mut next).is_pending());
        // A connection the pool dropped without returning it: the next one takes over.
        gate.enter_for_sqlx().await;
        gate.leave_for_sqlx();
        drop(next.await);
        assert!(gate.try_enter(GATE_IN_PLACE).is_ok(), "open again");
    }

    #[test]
    fn parameters_are_numbered_as_sqlx_numbers_them() {
        let connection = rusqlite::Connection::open_in_memory().expect("memory");
        let sql = numbered("SELECT $2 || $1 || $2");
        let joined: String = connection
            .query_row(&sql, ("a", "b"), |row| row.get(0))
            .expect("select");
        assert_eq!(joined, "bab");
    }
}
