//! Copies a SQLite file's write-ahead log back into the database on a thread of its own, so no
//! webhook waits for it. SQLite does this by default in whichever connection commits past 1,000
//! pages: a few megabytes written and synced while that connection, and every write queued
//! behind it, waits. Under load that was every few hundred milliseconds, and the server stood
//! idle a fifth of the time (BENCHMARKS.md).
//!
//! Every [`INTERVAL`] this thread copies what the log holds without stopping anyone (a passive
//! checkpoint). The log starts over from its beginning only once everything in it has been
//! copied; with writes arriving all the time that moment may not come, so once the log passes
//! [`LOG_LIMIT`] frames the thread holds the store's [`WriteGate`] for a second, short pass
//! that catches up, and the next write starts the log over.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::StoreError;
use super::in_place::{WriteGate, failed};

/// How often the log is copied back.
const INTERVAL: Duration = Duration::from_millis(250);

/// Frames (pages) the log may hold before writers pause for the catching-up pass: 8 MB.
const LOG_LIMIT: i64 = 2_048;

/// The checkpointing thread, which stops when this is dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts the thread on `file`, on a connection of its own.
    pub(super) fn start(file: &Path, gate: Arc<WriteGate>) -> Result<Checkpointer, StoreError> {
        let connection = rusqlite::Connection::open(file).map_err(failed)?;
        // Waits for a writer only in the catching-up pass, and never long.
        connection
            .busy_timeout(Duration::from_millis(100))
            .map_err(failed)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    if let Err(err) = checkpoint(&connection, &gate) {
                        tracing::warn!(error = %err, "copying the write-ahead log back failed");
                    }
                }
            })
            .map_err(|err| StoreError::InPlace(format!("cannot start checkpointing: {err}")))?;
        Ok(Checkpointer { _stop: stop })
    }
}

/// One round: a passive pass, and the catching-up pass when the log has grown past its limit.
fn checkpoint(connection: &rusqlite::Connection, gate: &WriteGate) -> rusqlite::Result<()> {
    let log_frames = passive(connection)?;
    if log_frames > LOG_LIMIT {
        let _held = gate.enter_blocking();
        passive(connection)?;
    }
    Ok(())
}

/// A passive checkpoint, answering how many frames the log holds.
fn passive(connection: &rusqlite::Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_copied_back_and_starts_over() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("log.db");
        let writer = rusqlite::Connection::open(&file).expect("open");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (v BLOB);",
            )
            .expect("set up");
        let gate = WriteGate::default();
        let reader = rusqlite::Connection::open(&file).expect("open");
        for _ in 0..(LOG_LIMIT + 100) {
            writer
                .execute("INSERT INTO t VALUES (zeroblob(3000))", [])
                .expect("insert");
        }
        checkpoint(&reader, &gate).expect("checkpoint");
        // Everything was copied back: the next write starts the log over.
        writer
            .execute("INSERT INTO t VALUES (1)", [])
            .expect("insert");
        let frames = passive(&reader).expect("frames");
        assert!(frames < 10, "the log started over: {frames} frames");
    }
}
