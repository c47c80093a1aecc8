//! `ivrpay arrangements run-due`: charge the installments that fall due and settle promises.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::*;
use crate::clock::{Clock, SystemClock};
use crate::collections::run_due::{self, Collector};
use crate::store::{PoolSettings, Store};

#[derive(Debug, Subcommand)]
pub(super) enum ArrangementsCommand {
    /// Charge every installment due on or before a date (each at most once, even with several
    /// runs at once), then mark promises kept or broken. `serve` does the same on its own.
    RunDue(RunDueArgs),
}

#[derive(Debug, Args)]
pub(super) struct RunDueArgs {
    /// The day to run for, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    as_of: Option<String>,
    /// sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    database_url: String,
    /// Directory of call-flow files, whose policies.toml says how declines are retried.
    #[arg(long, env = "IVRPAY_FLOWS", default_value = "call-flows")]
    flows: PathBuf,
    #[command(flatten)]
    gateway: GatewayArgs,
}

pub(super) async fn run_due(args: RunDueArgs) -> Result<(), String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let loaded =
        crate::call_flows::load(&args.flows).map_err(|problems| one_per_line(&problems))?;
    let as_of = match &args.as_of {
        Some(text) => crate::collections::parse_date(text)
            .ok_or_else(|| format!("--as-of {text}: write the date as YYYY-MM-DD"))?,
        // The line's day (hours.toml's time zone), as the server's upkeep counts it.
        None => loaded
            .hours
            .as_ref()
            .and_then(|hours| hours.date_at(clock.now_ms()))
            .unwrap_or_else(|| clock.now().date()),
    };
    let mut problems = Vec::new();
    let dialects = dialects_of(&providers_from_env(), &mut problems);
    let messaging = line_settings(&mut problems, &dialects).messaging;
    if !problems.is_empty() {
        return Err(format!("fix these settings:\n  {}", problems.join("\n  ")));
    }
    let store = Store::connect(&args.database_url, &PoolSettings::default())
        .await
        .map_err(|e| e.to_string())?;
    let collector = Collector {
        store: store.clone(),
        gateway: crate::app::gateway_for(
            &gateway_choice(&args.gateway)?,
            &crate::config::DebitSettings::default(),
            clock.clone(),
        ),
        policies: Arc::new(loaded.policies),
        clock,
        gateway_timeout: gateway_timeout(&args.gateway),
        templates: Arc::new(loaded.templates),
        messaging,
        // A one-off run: nothing scrapes it.
        metrics: Arc::new(crate::metrics::Metrics::new()),
        debits: crate::config::DebitSettings::default(),
        // The links reminders carry point where the server answers (IVRPAY_PUBLIC_URL, as
        // `serve` reads it).
        public_url: std::env::var("IVRPAY_PUBLIC_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
            .into(),
        pay_link_lifetime: std::time::Duration::from_secs(
            std::env::var("IVRPAY_PAY_LINK_HOURS")
                .ok()
                .and_then(|hours| hours.parse::<u64>().ok())
                .unwrap_or(72)
                .max(1)
                * 3600,
        ),
    };
    let report = run_due::run(&collector, as_of)
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "As of {as_of}: {} installments paid, {} debited from a bank account and clearing, {} \
         declined and to be tried again, {} declined for the last time (plans broken), {} without \
         an answer yet, {} held by another run; {} bank debits cleared, {} came back; {} \
         promises kept, {} broken; {} reminders queued; {} AutoPay due dates scheduled, {} found \
         paid already.",
        report.paid,
        report.clearing,
        report.retrying,
        report.failed,
        report.unknown,
        report.skipped,
        report.debits.succeeded,
        report.debits.came_back,
        report.promises_kept,
        report.promises_broken,
        report.reminders,
        report.autopay_scheduled,
        report.covered
    );
    Ok(())
}
