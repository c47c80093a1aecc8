//! Ends of calls that were reported while the database could not record them.
//!
//! A provider tells us a call ended once, by its status callback, and not every provider retries
//! one that failed. So when the database is away (stopped, frozen, unreachable) the end is kept
//! here, one small file per call, and the status callback is answered as received. Upkeep
//! applies what is kept on its next pass once the database answers again (every 15 seconds by
//! default), with the time the provider reported, so a call is never left open for long after
//! the database recovers and its duration is what the caller spent.
//!
//! The files survive a restart of the instance. Instances that share a database may share the
//! directory too (the default does, on one machine): an end is written whole by a rename and
//! applying one twice changes nothing, so it does not matter which instance applies it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::AppError;
use crate::line::Line;
use crate::store::CallKey;

/// Records every end waiting, as upkeep's first job; returns how many were recorded. Stops at
/// the first database failure (the database is still away: the next pass tries again).
///
/// # Errors
/// The database failed.
pub async fn record(app: &Line) -> Result<u64, AppError> {
    let waiting = match app.pending_ends.waiting() {
        Ok(waiting) => waiting,
        Err(err) => {
            // Upkeep's other jobs go on; the ends wait for a readable directory.
            tracing::warn!(error = %err, dir = %app.pending_ends.dir().display(), "cannot read kept call ends");
            return Ok(0);
        }
    };
    let mut recorded = 0;
    for end in waiting {
        let call = CallKey {
            provider: &end.provider,
            sid: &end.call_sid,
        };
        super::end_at(app, call, end.ended_at_ms).await?;
        if let Err(err) = app.pending_ends.forget(&end) {
            // Recorded already; applying it again on the next pass changes nothing.
            tracing::warn!(error = %err, "a recorded call end could not be removed");
        }
        recorded += 1;
    }
    Ok(recorded)
}

/// The directory of ends waiting for the database.
#[derive(Debug, Clone)]
pub struct PendingEnds {
    dir: PathBuf,
}

/// One end waiting to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEnd {
    /// The provider that reported it.
    pub provider: String,
    /// The provider's call id.
    pub call_sid: String,
    /// When it was reported (UTC ms).
    pub ended_at_ms: i64,
    file: PathBuf,
}

const SUFFIX: &str = ".end";

impl PendingEnds {
    /// The directory `dir`. It is made when the first end must wait (a healthy line never
    /// needs it), so start-up only checks that it is not something else.
    ///
    /// # Errors
    /// `dir` exists and is not a directory (the message names it and the setting).
    pub fn open(dir: PathBuf) -> std::io::Result<PendingEnds> {
        if dir.exists() && !dir.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is not a directory; set IVRPAY_CALL_ENDS_DIR to a writable directory where \
                 call ends can wait while the database is away",
                dir.display()
            )));
        }
        Ok(PendingEnds { dir })
    }

    /// Where ends wait when no directory is configured: beside a SQLite file, or in the
    /// system's temporary directory under a name derived from the database URL (so instances of
    /// one database on one machine share it, and different databases never mix).
    pub fn default_dir(database_url: &str) -> PathBuf {
        let file = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|path| !path.is_empty() && !path.contains(":memory:"));
        match file {
            Some(path) => PathBuf::from(format!("{path}.call-ends")),
            None => {
                // Stable across builds and instances, unlike the std hasher; and the URL's
                // password, if it has one, never becomes a path.
                let hash = crate::survey::fnv1a(database_url.bytes());
                std::env::temp_dir().join(format!("ivrpay-call-ends-{hash:016x}"))
            }
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps the end of `call`, reported at `ended_at_ms`, until upkeep records it. Written to a
    /// temporary name, flushed to disk and renamed, so a crash leaves the end whole or not at
    /// all. A repeated report keeps the first time: that is when the call ended.
    ///
    /// # Errors
    /// The file cannot be written (the provider should then send the callback again).
    pub fn keep(&self, call: CallKey<'_>, ended_at_ms: i64) -> std::io::Result<()> {
        let name = format!(
            "{}.{}",
            hex::encode(call.provider),
            hex::encode(call.sid.as_bytes())
        );
        std::fs::create_dir_all(&self.dir)?;
        let kept = self.dir.join(format!("{name}{SUFFIX}"));
        if kept.exists() {
            return Ok(());
        }
        let temporary = self.dir.join(format!("{name}.tmp"));
        let mut file = std::fs::File::create(&temporary)?;
        writeln!(file, "{ended_at_ms}")?;
        file.sync_all()?;
        std::fs::rename(&temporary, kept)
    }

    /// Every end waiting, oldest first (none before the directory is made). Files that are not
    /// ends (or are half written) are passed over.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn waiting(&self) -> std::io::Result<Vec<PendingEnd>> {
        let mut ends = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(ends),
            entries => entries?,
        };
        for entry in entries {
            let file = entry?.path();
            let Some(end) = read_end(&file) else {
                continue;
            };
            ends.push(end);
        }
        ends.sort_by_key(|end| end.ended_at_ms);
        Ok(ends)
    }

    /// Forgets `end` once it is recorded. Another instance may have done so first.
    ///
    /// # Errors
    /// The file could not be removed.
    pub fn forget(&self, end: &PendingEnd) -> std::io::Result<()> {
        match std::fs::remove_file(&end.file) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

fn read_end(file: &Path) -> Option<PendingEnd> {
    let name = file.file_name()?.to_str()?.strip_suffix(SUFFIX)?;
    let (provider, sid) = name.split_once('.')?;
    let provider = String::from_utf8(hex::decode(provider).ok()?).ok()?;
    let call_sid = String::from_utf8(hex::decode(sid).ok()?).ok()?;
    let ended_at_ms = std::fs::read_to_string(file).ok()?.trim().parse().ok()?;
    Some(PendingEnd {
        provider,
        call_sid,
        ended_at_ms,
        file: file.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(sid: &'a str) -> CallKey<'a> {
        CallKey {
            provider: "provider-a",
            sid,
        }
    }

    #[test]
    fn kept_ends_are_read_back_oldest_first_and_forgotten() {
        let dir = tempfile::tempdir().expect("dir");
        let ends = PendingEnds::open(dir.path().join("ends")).expect("open");
        ends.keep(key("CA2"), 2_000).expect("keep");
        ends.keep(key("CA/../1"), 1_000).expect("keep");
        // A half-written file and a stranger are passed over.
        std::fs::write(ends.dir().join("x.tmp"), "1").expect("write");
        std::fs::write(ends.dir().join("notes.txt"), "hello").expect("write");
        let waiting = ends.waiting().expect("read");
        let seen: Vec<(&str, &str, i64)> = waiting
            .iter()
            .map(|e| (e.provider.as_str(), e.call_sid.as_str(), e.ended_at_ms))
            .collect();
        assert_eq!(
            seen,
            [
                ("provider-a", "CA/../1", 1_000),
                ("provider-a", "CA2", 2_000)
            ]
        );
        ends.forget(&waiting[0]).expect("forget");
        ends.forget(&waiting[0]).expect("forgetting twice is fine");
        assert_eq!(ends.waiting().expect("read").len(), 1);
    }

    #[test]
    fn a_repeated_report_keeps_the_first_time() {
        let dir = tempfile::tempdir().expect("dir");
        let ends = PendingEnds::open(dir.path().to_owned()).expect("open");
        ends.keep(key("CA1"), 1_000).expect("keep");
        ends.keep(key("CA1"), 1_500).expect("keep");
        let waiting = ends.waiting().expect("read");
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].ended_at_ms, 1_000);
    }

    #[test]
    fn the_default_place_follows_the_database() {
        assert_eq!(
            PendingEnds::default_dir("sqlite:/var/lib/ivrpay/line.db?mode=rwc"),
            PathBuf::from("/var/lib/ivrpay/line.db.call-ends")
        );
        let pg = PendingEnds::default_dir("postgres://postgres@127.0.0.1/a");
        assert!(pg.starts_with(std::env::temp_dir()), "{}", pg.display());
        assert_ne!(
            pg,
            PendingEnds::default_dir("postgres://postgres@127.0.0.1/b")
        );
        assert_eq!(
            pg,
            PendingEnds::default_dir("postgres://postgres@127.0.0.1/a")
        );
    }
}
