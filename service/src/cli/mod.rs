//! The command line. This module parses it and dispatches; each command lives in its own file:
//!
//! - `serve`: `ivrpay serve` (its flags and start-up) with `settings` (configuration assembled
//!   from flags and the environment, every problem reported at once) and `demo` (the demo's kept
//!   tokens and instructions);
//! - `call`: `ivrpay call`, the simulated caller in a terminal;
//! - `accounts`: `ivrpay accounts import|generate`;
//! - `agents`: `ivrpay agents add|list|disable`, who may sign in to the console;
//! - `arrangements`: `ivrpay arrangements run-due`;
//! - `flows`: `ivrpay flows check`;
//! - `report`: `ivrpay report` (a period's report from the database) and `ivrpay calls generate`
//!   (many generated calls, to measure it);
//! - `audio`: `ivrpay audio make-demo|script|convert`, recorded prompts;
//! - `loadtest`, `slowclients`, `ceiling`: the load tools in [`ivrpay_simulators::load`].

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::telephony::registry;

mod accounts;
mod agents;
mod arrangements;
mod audio;
mod call;
mod demo;
mod flows;
mod links;
mod report;
mod serve;
mod settings;

use accounts::*;
use agents::*;
use arrangements::*;
use audio::*;
use call::*;
use demo::*;
use flows::*;
use links::*;
use report::*;
use serve::*;
use settings::*;

/// Pay-by-phone: answers a telephony provider's webhooks and walks callers to their balance.
#[derive(Debug, Parser)]
#[command(name = "ivrpay", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    #[command(after_help = environment_only())]
    Serve(Box<ServeArgs>),
    /// Place a simulated call against a running server and hear it in the terminal.
    Call(CallArgs),
    /// Print the settings a server needs to accept what a provider's simulator signs with a
    /// token (`NAME=value` lines, for an environment file): for `call` and `loadtest` against a
    /// server of your own. For a key pair that is the public key of the simulator's key.
    SimulatorSettings(ProviderArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Manage the agents who sign in to the console at /agent.
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// Check call-flow files.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Recorded prompts: a demo set, the script for a voice artist, converting recordings.
    #[command(subcommand)]
    Audio(AudioCommand),
    /// Payment plans, settlements and promises to pay.
    #[command(subcommand)]
    Arrangements(ArrangementsCommand),
    /// Pay links: an account's own page, to pay or arrange in a phone's browser.
    #[command(subcommand)]
    Links(LinksCommand),
    /// A period's report: calls, containment, transfers, payments, arrangements, lockouts, the
    /// survey and the drop-off funnel, by day, week, flow, segment, language or provider.
    Report(ReportArgs),
    /// Generated calls, for measuring reports.
    #[command(subcommand)]
    Calls(CallsCommand),
    /// Drive concurrent simulated callers through whole paying calls against a running server.
    Loadtest(LoadtestArgs),
    /// Flood a local server with clients that stall mid-request; report how it copes.
    Slowclients {
        /// The server's base URL (loopback).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The provider whose voice webhook the stalled requests begin.
        #[arg(
            long,
            default_value = default_provider(),
            value_parser = provider_names(),
        )]
        provider: String,
        /// Connections per round.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Rounds.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Seconds to wait for the server to close each connection.
        #[arg(long, default_value_t = 30)]
        patience_seconds: u64,
        /// The server's process id, to report its memory.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Serve a fixed answer, in a provider's own markup, to every webhook at its paths: the
    /// throughput yardstick for loadtest.
    Ceiling {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
        /// The provider whose answers and paths it serves.
        #[arg(
            long,
            default_value = default_provider(),
            value_parser = provider_names(),
        )]
        provider: String,
    },
}

/// Settings with no flag, so secrets stay out of shell history and process lists. Each
/// registered provider's secret is listed from the registration itself.
fn environment_only() -> String {
    let mut text = String::from("Settings read only from the environment:\n");
    for provider in crate::telephony::registry::REGISTERED {
        for setting in provider.all_settings() {
            text.push_str(&format!(
                "  {}\n                      {}\n",
                setting.env, setting.describe
            ));
        }
    }
    text.push_str(
        "                      (at least one provider's webhook secret is required; --demo keeps one\n\
         \x20                     beside the database)\n\
         \x20 IVRPAY_PIN_KEY      secret of at least 16 characters that PINs are hashed with (required;\n\
         \x20                     --demo uses a fixed demo key)\n\
         \x20 IVRPAY_DATA_KEY     64 hex characters (`openssl rand -hex 32`) sealing card data between\n\
         \x20                     webhooks (required; --demo generates one per run)\n\
         \x20 IVRPAY_ADMIN_TOKEN  bearer token for /api/...; unset: the API is off (--demo keeps one)\n\
         \x20 STRIPE_SECRET_KEY   Stripe secret key, required with --gateway stripe\n\
         \x20 STRIPE_PUBLISHABLE_KEY  publishable key (pk_...): pay link pages take cards in Stripe's own form\n\
         \x20 STRIPE_WEBHOOK_SECRET  signing secret (whsec_...) of the endpoint Stripe posts its events\n\
         \x20                     to, POST /stripe/webhook (bank debits settling, late card answers)\n\
         \x20 IVRPAY_SMS_FROM     number (or sender id) receipts and reminders are texted from, by the\n\
         \x20                     first provider whose API is set up to send texts\n\
         \x20 IVRPAY_SMTP_URL     smtp://user:pass@host:587 or smtps://...: sends email receipts (secret)\n\
         \x20 IVRPAY_EMAIL_FROM   From address of email, e.g. \"Riverside Utilities <billing@example.com>\"\n\
         \x20 IVRPAY_REMINDER_DAYS, IVRPAY_PROMISE_REMINDER_DAYS\n\
         \x20                     days before an installment (default 3) / a promised date (default 1)\n\
         \x20                     a reminder goes out, e.g. 7,1\n\
         \x20 IVRPAY_MESSAGES_OFF kinds of message not sent, e.g. installment_reminder,promise_broken\n\
         \x20 IVRPAY_PAUSE_RECORDING\n\
         \x20                     off (default), stop or go-on: pause the call's recording around card\n\
         \x20                     entry; when it cannot be paused, stop card entry or go on\n\
         \x20 IVRPAY_TRANSFERS    conference (default: where the provider can move calls, the caller\n\
         \x20                     waits with hold audio while the agent is rung) or dial (plain dial)\n\
         \x20 IVRPAY_METRICS_TOKEN\n\
         \x20                     bearer token for /metrics on the main listener (the admin token\n\
         \x20                     works too)\n\
         \x20 RUST_LOG            log filter, e.g. info or ivrpay=debug (default info)",
    );
    text
}

#[derive(Debug, Args)]
struct LoadtestArgs {
    /// The server's public base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[command(flatten)]
    provider: ProviderArgs,
    /// Calls to complete.
    #[arg(long, default_value_t = 1000)]
    calls: u64,
    /// Calls in progress at once.
    #[arg(long, default_value_t = 100)]
    concurrency: u64,
    /// Milliseconds a caller waits before each keypress (0: as fast as the server answers).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// How many generated accounts the server has (`ivrpay accounts generate`).
    #[arg(long, default_value_t = 100_000)]
    accounts: u64,
    /// The server's process id, to report its peak memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The target is `ivrpay ceiling`.
    #[arg(long)]
    ceiling: bool,
    /// Most idle keep-alive connections to the server (providers pool theirs).
    #[arg(long, default_value_t = 512)]
    connections: usize,
}

/// Problems in files (flows, hours), one per line, for an error message.
fn one_per_line(problems: &[crate::diagnostics::Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(*args).await,
            Command::Call(args) => call(args).await,
            Command::Accounts(AccountsCommand::Import {
                file,
                database_url,
                demo,
            }) => import_accounts(&file, &database_url, demo).await,
            Command::Agents(command) => agents(command).await,
            Command::Flows(FlowsCommand::Check {
                dir,
                audio,
                provider,
            }) => check_flows(&dir, &audio, provider.as_deref()),
            Command::Audio(command) => audio(command),
            Command::Arrangements(ArrangementsCommand::RunDue(args)) => run_due(args).await,
            Command::Links(command) => links(command).await,
            Command::Report(args) => report(args).await,
            Command::Calls(CallsCommand::Generate(args)) => generate_calls(args).await,
            Command::Accounts(AccountsCommand::Generate { count, out }) => {
                generate_accounts(count, out)
            }
            Command::Slowclients {
                url,
                provider,
                connections,
                rounds,
                patience_seconds,
                server_pid,
            } => {
                let provider = registry::simulator(&provider)
                    .ok_or_else(|| format!("no provider named \"{provider}\""))?;
                let options = ivrpay_simulators::load::slow_clients::SlowOptions {
                    url,
                    provider,
                    connections,
                    rounds,
                    patience: Duration::from_secs(patience_seconds),
                    server_pid,
                };
                for (i, round) in ivrpay_simulators::load::slow_clients::run(&options)
                    .await
                    .iter()
                    .enumerate()
                {
                    println!("round {}: {round}", i + 1);
                }
                Ok(())
            }
            Command::SimulatorSettings(args) => {
                let entry = args.registration()?;
                let token = args.secret()?.ok_or_else(|| {
                    "pass --auth-token: the token the simulator will sign with".to_owned()
                })?;
                for (name, value) in (entry.accepting)(&token).exposed() {
                    println!("{name}={value}");
                }
                Ok(())
            }
            Command::Loadtest(args) => {
                let entry = args.provider.registration()?;
                let report = ivrpay_simulators::load::driver::run(
                    ivrpay_simulators::load::driver::LoadOptions {
                        url: args.url.trim_end_matches('/').to_owned(),
                        provider: (entry.simulator)(),
                        auth_token: args.provider.secret()?,
                        calls: args.calls,
                        concurrency: args.concurrency,
                        think: Duration::from_millis(args.think_ms),
                        accounts: args.accounts,
                        server_pid: args.server_pid,
                        ceiling: args.ceiling,
                        connections: args.connections,
                        run_id: rand::random(),
                    },
                )
                .await;
                print!("{report}");
                Ok(())
            }
            Command::Ceiling { listen, provider } => {
                let dialect = registry::registration(&provider)
                    .and_then(|entry| (entry.build)(&Default::default()).ok())
                    .ok_or_else(|| format!("no provider named \"{provider}\""))?;
                ivrpay_simulators::load::ceiling::serve(
                    listen,
                    dialect,
                    crate::app::shutdown_signal(),
                )
                .await
                .map_err(|e| e.to_string())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
