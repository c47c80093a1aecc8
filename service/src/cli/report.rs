//! `ivrpay report`: a period's report ([`crate::reports`]) read straight from the database, as a
//! table, CSV or JSON.

use std::path::PathBuf;

use clap::Args;

use super::one_per_line;
use crate::reports::render::{self, Format};
use crate::reports::{ReportQuery, line_zone};
use crate::store::{PoolSettings, Store};

#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// The first day, YYYY-MM-DD, in the line's time zone (hours.toml's; UTC without one).
    #[arg(long)]
    from: String,
    /// The last day, inclusive.
    #[arg(long)]
    to: String,
    /// One row per day, week, flow, segment, language or provider.
    #[arg(long, default_value = "day")]
    by: String,
    /// table, csv or json.
    #[arg(long, default_value = "table")]
    format: String,
    /// Only the funnel (where callers give up), in any format, instead of the rows.
    #[arg(long)]
    funnel: bool,
    /// sqlite:PATH or postgres://USER@HOST/DB (`--db` is an older spelling).
    #[arg(
        long,
        alias = "db",
        env = "DATABASE_URL",
        default_value = "sqlite:ivrpay.db"
    )]
    database_url: String,
    /// Directory of call-flow files, whose hours.toml names the line's time zone.
    #[arg(long, env = "IVRPAY_FLOWS", default_value = "call-flows")]
    flows: PathBuf,
}

pub(super) async fn report(args: ReportArgs) -> Result<(), String> {
    let hours = crate::hours::load_dir(&args.flows).map_err(|problems| one_per_line(&problems))?;
    let query = ReportQuery::parse(
        &args.from,
        &args.to,
        Some(&args.by),
        line_zone(hours.as_ref()),
    )
    .map_err(|e| format!("--{e}"))?;
    let format = Format::parse(&args.format).map_err(|e| format!("--{e}"))?;
    // A year of a busy line takes longer than a webhook's statement may.
    let settings = PoolSettings {
        statement_timeout: std::time::Duration::from_secs(300),
        ..PoolSettings::default()
    };
    let store = Store::connect(&args.database_url, &settings)
        .await
        .map_err(|e| e.to_string())?;
    let report = crate::reports::report(&store, &query).await;
    store.close().await;
    let report = report.map_err(|e| e.to_string())?;
    let text = match (format, args.funnel) {
        (Format::Table, false) => render::table(&report),
        (Format::Table, true) => render::funnel_table(&report),
        (Format::Csv, false) => render::rows_csv(&report),
        (Format::Csv, true) => render::funnel_csv(&report),
        (Format::Json, false) => render::json(&report),
        (Format::Json, true) => render::funnel_json(&report),
    };
    print!("{text}");
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub(super) enum CallsCommand {
    /// Write generated ended calls straight to a database (with their payments, arrangements,
    /// survey answers and funnel rows), to measure `ivrpay report` on many calls.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub(super) struct GenerateArgs {
    /// How many calls.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// The first day calls start on, YYYY-MM-DD (UTC).
    #[arg(long, default_value = "2026-11-01")]
    from: String,
    /// Over how many days the calls spread.
    #[arg(long, default_value_t = 30)]
    days: u64,
    /// Seeds the mix of calls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// sqlite:PATH or postgres://USER@HOST/DB (`--db` is an older spelling).
    #[arg(
        long,
        alias = "db",
        env = "DATABASE_URL",
        default_value = "sqlite:ivrpay.db"
    )]
    database_url: String,
}

pub(super) async fn generate_calls(args: GenerateArgs) -> Result<(), String> {
    let from = args
        .from
        .parse::<jiff::civil::Date>()
        .ok()
        .and_then(|date| {
            jiff::tz::TimeZone::UTC
                .to_timestamp(date.at(0, 0, 0, 0))
                .ok()
        })
        .ok_or_else(|| format!("--from {}: write the date as YYYY-MM-DD", args.from))?;
    let store = Store::connect(&args.database_url, &PoolSettings::default())
        .await
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let spec = crate::reports::generate::Generate {
        count: args.count,
        from_ms: from.as_millisecond(),
        days: args.days,
        seed: args.seed,
    };
    let written = crate::reports::generate::generate(&store, &spec).await;
    store.close().await;
    let written = written.map_err(|e| e.to_string())?;
    println!(
        "Wrote {written} calls over {} days from {} in {:.1} s.",
        args.days,
        args.from,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
