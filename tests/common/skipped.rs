//! Tests that could not run (no PostgreSQL, no localstripe) pass, so a plain `cargo test` works
//! on a fresh machine; this module makes sure they are not mistaken for passes. Each skip is
//! recorded in a file under the target directory, and `tests/zz_skipped_summary.rs`, which cargo
//! runs after every other test binary, prints them with the reason as the run's last lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where skips wait for the summary.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests")
}

/// Records that the running test did not run, and why (one line, e.g. "localstripe is not
/// installed (pip install localstripe)").
pub fn record(why: &str) {
    eprintln!("SKIPPED: {why}");
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    record_in(
        &dir(),
        &format!("{}::{test}", env!("CARGO_CRATE_NAME")),
        why,
    );
}

/// Records a skip of `test` in `dir`.
pub fn record_in(dir: &Path, test: &str, why: &str) {
    let file: String = test
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(file), format!("{test}\n{why}\n"));
}

/// The skips recorded in `dir` as lines to print (empty when none), removing them so the next
/// run starts clean.
pub fn take_summary(dir: &Path) -> Vec<String> {
    let mut by_reason: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let _ = std::fs::remove_file(entry.path());
        let mut lines = text.lines();
        if let (Some(test), Some(why)) = (lines.next(), lines.next()) {
            by_reason
                .entry(why.to_owned())
                .or_default()
                .push(test.to_owned());
        }
    }
    let mut summary = Vec::new();
    for (why, mut tests) in by_reason {
        tests.sort();
        summary.push(format!(
            "SKIPPED {} test{}: {why}",
            tests.len(),
            if tests.len() == 1 { "" } else { "s" }
        ));
        summary.extend(tests.iter().map(|test| format!("    {test}")));
    }
    summary
}
