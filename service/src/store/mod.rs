//! Persistence: accounts, calls and their steps, payments, arrangements, messages, callbacks,
//! agents and their sessions, transfers to agents, end-of-call surveys, through sqlx.
//!
//! One [`Store`] serves both backends. The backend is chosen at run time from the database URL
//! (`sqlite:` is the zero-set-up default, `postgres:` the scale-out path where several instances
//! share one database). Queries are written once in the SQL both understand (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`) and run through sqlx's `Any` driver; where the dialects differ
//! (row locks, how a transaction starts) [`Backend`] says so. Migrations live in
//! `migrations/sqlite` and `migrations/postgres` with parallel file names.

mod accounts;
mod agents;
mod arrangements;
mod autopay;
mod callbacks;
mod calls;
mod checkpoint;
mod debits;
mod in_place;
mod installment_debits;
mod messages;
mod pay_links;
mod payments;
mod rescrub;
mod saved_methods;
mod surveys;
mod transfers;

pub use accounts::{Account, AccountRecord, AuthAttempt};
pub use agents::{AgentRow, SessionRow};
pub use arrangements::{
    ArrangementRecord, ClaimedInstallment, InstallmentOutcome, InstallmentRecord, NewArrangement,
    PromisesSettled,
};
pub use autopay::AutopayDue;
pub use callbacks::{CallbackRecord, CallbackStatus, Closed, NewCallback};
pub use calls::{
    CallKey, CallRecord, CallRow, EndSummary, EndingCall, FunnelStep, NewCall, StepRecord,
    TurnUpdate,
};
pub use debits::{
    BankReturns, DebitAuthorizationRecord, DebitSettled, DebitSettlement, DebitToCheck,
    NewDebitAuthorization, PaymentByReference,
};
pub use installment_debits::{InstallmentDebit, InstallmentDebitEnd};
pub use messages::{LeasedMessage, LinkToMake, MessageRecord, NewMessage, SendOutcome};
pub use pay_links::{NewPayLink, PayLink};
pub use payments::{NewPayment, PaymentRecord, Settlement, UnsettledPayment};
pub use saved_methods::{NewSavedMethod, SavedMethod};
pub use surveys::SurveyRecord;
pub use transfers::{Disposition, NewTransfer, Refusal, TransferRow};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Transaction};

/// A transaction on either backend.
pub type Tx = Transaction<'static, Any>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file: one writer at a time, so write transactions take the write lock
    /// up front (`BEGIN IMMEDIATE`) instead of failing when they upgrade a read lock.
    Sqlite,
    /// A PostgreSQL server shared by any number of instances. A webhook's answer is saved by a
    /// compare-and-set on the call's row, never under a lock held while the flow runs; only the
    /// short end-of-call transaction locks the row (`FOR UPDATE`).
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    ///
    /// # Errors
    /// A scheme other than `sqlite:`, `postgres:` or `postgresql:`.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// Pool settings; the defaults suit one instance on a small machine.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a request waits for a free connection before giving up (and the caller hears the
    /// safe apology rather than silence).
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`; SQLite waits this long for the write lock (`busy_timeout`).
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Errors from the store. Messages name what failed, never the values involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither SQLite nor PostgreSQL.
    #[error("unsupported database URL: use sqlite:PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl,
    /// The database named could not be opened or reached at start.
    #[error("cannot {target}: {detail}")]
    Connect {
        /// What was being done: opening the SQLite file, or reaching PostgreSQL's host and port.
        target: String,
        /// Why, in the database's words (never its source line).
        detail: String,
    },
    /// The database could not be reached or a query failed.
    #[error("database error: {}", describe(.0))]
    Database(sqlx::Error),
    /// A migration failed.
    #[error("database migration failed: {}", without_source_line(&.0.to_string()))]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (a corrupt row or a hand edit).
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A statement on the asking thread (`store/in_place.rs`) failed.
    #[error("database error: {0}")]
    InPlace(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        if lost_connection(&err) {
            connection_trouble::seen();
        }
        StoreError::Database(err)
    }
}

/// Whether `err` says a connection failed (not a statement): the database went away, was
/// restarted, or stopped answering. PostgreSQL says so itself when it can, with an SQLSTATE of
/// class 08 (connection exception) or 57 (operator intervention: shut down, connection
/// terminated by an administrator).
fn lost_connection(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

/// When a connection last failed, so the pool tests every connection it hands out while the
/// database may be coming back, and trusts recently used ones the rest of the time.
mod connection_trouble {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    /// How long after a failure every connection is tested before use.
    const DOUBT: Duration = Duration::from_secs(10);

    fn epoch() -> Instant {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    /// Milliseconds since `epoch` of the last failure, plus one (0: none yet).
    static LAST: AtomicU64 = AtomicU64::new(0);

    fn now_ms() -> u64 {
        u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A connection failed just now.
    pub(super) fn seen() {
        LAST.store(now_ms().saturating_add(1), Ordering::Relaxed);
    }

    /// Whether a connection failed within the last [`DOUBT`].
    pub(super) fn recent() -> bool {
        let last = LAST.load(Ordering::Relaxed);
        let doubt = u64::try_from(DOUBT.as_millis()).unwrap_or(u64::MAX);
        last != 0 && now_ms().saturating_add(1).saturating_sub(last) < doubt
    }
}

/// A PostgreSQL connection used this recently is trusted without a test (while no connection
/// has failed lately): a busy pool hands each connection out again within microseconds, and a
/// test is a round trip to the database for every statement.
const TRUSTED_IDLE: Duration = Duration::from_millis(250);

/// An error in plain words. PostgreSQL's errors carry the line of PostgreSQL's own source that
/// raised them ("at line 948"), which reads like a line of our configuration: it is left out.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the database running and listening there?)".to_owned()
        }
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => {
            "no connection within the acquire timeout (--db-acquire-timeout-ms)".to_owned()
        }
        other => without_source_line(&other.to_string()),
    }
}

/// Drops a trailing " at line N" (see [`describe`]).
fn without_source_line(text: &str) -> String {
    match text.rsplit_once(" at line ") {
        Some((head, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            head.to_owned()
        }
        _ => text.to_owned(),
    }
}

/// What connecting to a database URL does, for messages: open the SQLite file, or reach
/// PostgreSQL's host and port (never the user or password).
fn target_of(backend: Backend, url: &str) -> String {
    match backend {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            format!("open the SQLite database {path}")
        }
        Backend::Postgres => {
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let authority = rest.split(['/', '?']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host_port = match host_port {
                "" => "localhost:5432".to_owned(),
                hp if hp.contains(':') && !hp.ends_with(']') => hp.to_owned(),
                host => format!("{host}:5432"),
            };
            format!("reach PostgreSQL at {host_port}")
        }
    }
}

/// The application's database.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads (and, on PostgreSQL, writes).
    pool: AnyPool,
    /// Writes: on SQLite a pool of one connection, on PostgreSQL the same pool.
    writer: AnyPool,
    backend: Backend,
    /// On a SQLite file, the statements every webhook makes, run on the asking thread.
    in_place: Option<std::sync::Arc<in_place::InPlace>>,
}

/// Opens a pool of up to `max_connections`. With a `gate` (SQLite's one writer connection), a
/// connection is handed out only while no write runs in place, and the gate is held until the
/// connection comes back (`in_place::WriteGate`).
async fn open_pool(
    backend: Backend,
    options: &AnyConnectOptions,
    settings: &PoolSettings,
    max_connections: u32,
    gate: Option<std::sync::Arc<in_place::WriteGate>>,
    checkpointed: bool,
) -> Result<AnyPool, StoreError> {
    let statement_ms = settings.statement_timeout.as_millis();
    let (acquire_gate, connect_gate, release_gate) = (gate.clone(), gate.clone(), gate);
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // A PostgreSQL connection broken while the database was away is noticed and replaced
        // here, so the service recovers by itself when it comes back: one idle for a while, or
        // any while connections have been failing, is tested with a ping before use. (sqlx also
        // pings each connection as it returns to the pool, and drops it if that fails.) A SQLite
        // file cannot go away like that, and the ping would cost every query.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            let gate = acquire_gate.clone();
            Box::pin(async move {
                if let Some(gate) = gate {
                    gate.enter_for_sqlx().await;
                }
                let doubtful = meta.idle_for >= TRUSTED_IDLE || connection_trouble::recent();
                if backend == Backend::Postgres && doubtful {
                    // A connection that fails is closed, and the pool tries another.
                    let alive = conn.ping().await.is_ok();
                    if !alive {
                        connection_trouble::seen();
                    }
                    return Ok(alive);
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _meta| {
            let gate = connect_gate.clone();
            Box::pin(async move {
                // A new connection goes straight to whoever asked for it.
                if let Some(gate) = gate {
                    gate.enter_for_sqlx().await;
                }
                let setup = match backend {
                    // WAL lets readers run beside the writer. synchronous = NORMAL survives an
                    // application crash but may lose the last commits on power loss: the
                    // durable, replicated path is PostgreSQL.
                    // A file's log is copied back by the store's own thread (`checkpoint.rs`),
                    // not by whichever connection commits when it is full.
                    Backend::Sqlite => format!(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {statement_ms};{}",
                        if checkpointed {
                            " PRAGMA wal_autocheckpoint = 0;"
                        } else {
                            ""
                        }
                    ),
                    Backend::Postgres => {
                        format!("SET statement_timeout = {statement_ms}; SET TIME ZONE 'UTC';")
                    }
                };
                conn.execute(sqlx::AssertSqlSafe(setup)).await?;
                Ok(())
            })
        })
        .after_release(move |_conn, _meta| {
            if let Some(gate) = &release_gate {
                gate.leave_for_sqlx();
            }
            Box::pin(async { Ok(true) })
        })
        .connect_with(options.clone())
        .await?;
    Ok(pool)
}

impl Store {
    /// Connects, creating a SQLite file if it does not exist, and runs the migrations.
    ///
    /// # Errors
    /// An unsupported URL, an unreachable database, or a failed migration.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            // `mode=rwc` creates the file: the embedded default needs no set-up.
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let reached = |err: StoreError| match err {
            StoreError::Database(err) => StoreError::Connect {
                target: target_of(backend, &url),
                detail: describe(&err),
            },
            other => other,
        };
        let file = match backend {
            Backend::Sqlite => in_place::file_of(&url),
            Backend::Postgres => None,
        };
        let checkpointed = file.is_some();
        let options = AnyConnectOptions::from_str(&url)
            .map_err(StoreError::from)
            .map_err(reached)?
            .disable_statement_logging();
        let pool = match open_pool(
            backend,
            &options,
            settings,
            settings.max_connections,
            None,
            checkpointed,
        )
        .await
        {
            Ok(pool) => pool,
            // The pool only says it timed out; one plain connection says why.
            Err(StoreError::Database(sqlx::Error::PoolTimedOut)) => {
                let why = tokio::time::timeout(settings.acquire_timeout, options.connect()).await;
                return Err(reached(StoreError::Database(match why {
                    Ok(Err(err)) => err,
                    _ => sqlx::Error::PoolTimedOut,
                })));
            }
            Err(err) => return Err(reached(err)),
        };
        let gate = std::sync::Arc::new(in_place::WriteGate::default());
        let writer = match backend {
            // SQLite lets one writer in at a time and makes the others sleep in its busy handler
            // (backing off up to 100 ms), which collapses under load. One writer connection makes
            // writers queue in the pool instead, in order and without sleeping.
            Backend::Sqlite => open_pool(
                backend,
                &options,
                settings,
                1,
                Some(gate.clone()),
                checkpointed,
            )
            .await
            .map_err(reached)?,
            Backend::Postgres => pool.clone(),
        };
        let mut store = Store {
            pool,
            writer,
            backend,
            in_place: None,
        };
        store.migrate().await?;
        // Opened once the file exists and has its tables.
        if let Some(file) = file {
            let busy_ms = u64::try_from(settings.statement_timeout.as_millis()).unwrap_or(u64::MAX);
            store.in_place = Some(std::sync::Arc::new(in_place::InPlace::open(
                &file, busy_ms, gate,
            )?));
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("../migrations/sqlite")
                    .run(&self.writer)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("../migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write.
    ///
    /// # Errors
    /// The database is unreachable or busy beyond the configured timeouts.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        };
        Ok(tx)
    }

    /// Checks that the database answers (for `/health`).
    ///
    /// # Errors
    /// The database is unreachable.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    /// Closes every connection; later queries fail (and callers hear the safe answer).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
        if let Some(in_place) = &self.in_place {
            in_place.close();
        }
    }

    /// Each pool's connections now, for the metrics: the main pool, and on SQLite the writer's
    /// (on PostgreSQL the writer is the main pool).
    pub fn pool_use(&self) -> Vec<crate::metrics::PoolUse> {
        let of = |name: &'static str, pool: &AnyPool| {
            let open = pool.size();
            let idle = u32::try_from(pool.num_idle()).unwrap_or(open).min(open);
            crate::metrics::PoolUse {
                name,
                in_use: open - idle,
                idle,
                max: pool.options().get_max_connections(),
            }
        };
        match self.backend {
            Backend::Sqlite => vec![of("main", &self.pool), of("writer", &self.writer)],
            Backend::Postgres => vec![of("main", &self.pool)],
        }
    }

    /// The pool itself, for queries outside a transaction (operational tooling and tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for writes outside a transaction.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// `FOR UPDATE` on PostgreSQL, nothing on SQLite (whose `BEGIN IMMEDIATE` already holds the
    /// write lock).
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_the_file_or_host_and_port_without_credentials() {
        assert_eq!(
            target_of(Backend::Sqlite, "sqlite:data/ivrpay.db?mode=rwc"),
            "open the SQLite database data/ivrpay.db"
        );
        assert_eq!(
            target_of(Backend::Postgres, "postgres://me:pw@db.internal/ivrpay"),
            "reach PostgreSQL at db.internal:5432"
        );
        assert_eq!(
            target_of(
                Backend::Postgres,
                "postgresql://me@10.0.0.5:6432/ivrpay?sslmode=require"
            ),
            "reach PostgreSQL at 10.0.0.5:6432"
        );
    }

    #[test]
    fn postgres_source_lines_are_left_out() {
        assert_eq!(
            without_source_line("role \"nobody\" does not exist at line 948"),
            "role \"nobody\" does not exist"
        );
        assert_eq!(without_source_line("at line one"), "at line one");
    }

    #[test]
    fn a_lost_connection_puts_every_connection_in_doubt_and_a_failed_statement_does_not() {
        // Statement failures leave the pool's trust as it was.
        let _ = StoreError::from(sqlx::Error::RowNotFound);
        let _ = StoreError::from(sqlx::Error::ColumnNotFound("x".to_owned()));
        assert!(!lost_connection(&sqlx::Error::RowNotFound));
        let _ = StoreError::from(sqlx::Error::Io(std::io::Error::other("reset")));
        assert!(connection_trouble::recent());
    }
}
