//! Logging set-up. Level from `RUST_LOG` (default `info`), to stderr. Nothing in this crate logs
//! request bodies, `Digits` or sensitive session values; `tests/pci.rs` checks that at trace level.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; harmless if one is already installed (tests).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
