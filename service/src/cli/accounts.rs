//! `ivrpay accounts import` and `ivrpay accounts generate`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::*;
use crate::accounts::import;
use crate::clock::{Clock, SystemClock};
use crate::store::{PoolSettings, Store};

#[derive(Debug, Subcommand)]
pub(super) enum AccountsCommand {
    /// Write generated accounts as import CSV, for load tests.
    Generate {
        /// How many.
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import accounts from CSV (upsert by account number, all or nothing).
    Import {
        /// The CSV file; header as in demo/accounts.csv.
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
        database_url: String,
        /// Hash PINs with the demo key (demo data only).
        #[arg(long)]
        demo: bool,
    },
}

pub(super) async fn import_accounts(
    file: &std::path::Path,
    database_url: &str,
    demo: bool,
) -> Result<(), String> {
    let key = pin_key(demo)?;
    let clock = SystemClock;
    let store = Store::connect(database_url, &PoolSettings::default())
        .await
        .map_err(|e| e.to_string())?;
    let imported = import::import_file(file, &key, clock.now().date(), &store, clock.now_ms())
        .await
        .map_err(|errors| {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}:{}", file.display(), e))
                .collect();
            format!(
                "nothing was imported; fix these rows:\n{}",
                lines.join("\n")
            )
        });
    store.close().await;
    println!("Imported {} accounts from {}.", imported?, file.display());
    Ok(())
}

pub(super) fn generate_accounts(count: u64, out: Option<PathBuf>) -> Result<(), String> {
    let result = match &out {
        Some(path) => std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|mut file| {
                ivrpay_simulators::load::accounts::write_csv(count, &mut file)
                    .and_then(|()| file.flush())
            }),
        None => ivrpay_simulators::load::accounts::write_csv(
            count,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
    };
    result.map_err(|e| format!("cannot write accounts: {e}"))
}
