//! The command line: `serve`, `call`, `accounts import`, `flows check`.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::accounts::import;
use crate::accounts::secrets::PinKey;
use crate::app::{Application, shutdown_signal};
use crate::caller::Call;
use crate::clock::{Clock, SystemClock};
use crate::config::{
    Config, DEMO_PIN_KEY, GatewayChoice, HttpLimits, PaymentSettings, UpkeepSettings,
};
use crate::payments::vault::DataKey;
use crate::payments::{CardBrand, Money};
use crate::store::{PoolSettings, Store};
use crate::telephony::registry;

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
    #[command(after_help = ENVIRONMENT_ONLY)]
    Serve(Box<ServeArgs>),
    /// Place a simulated call against a running server and hear it in the terminal.
    Call(CallArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Check call-flow files.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Drive concurrent simulated callers through whole paying calls against a running server.
    Loadtest(LoadtestArgs),
    /// Flood a local server with clients that stall mid-request; report how it copes.
    Slowclients {
        /// The server's base URL (loopback).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
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
    /// Serve a fixed TwiML answer to every webhook: the throughput yardstick for loadtest.
    Ceiling {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: SocketAddr,
    },
}

/// Settings with no flag, so secrets stay out of shell history and process lists.
const ENVIRONMENT_ONLY: &str = "\
Settings read only from the environment:
  TWILIO_AUTH_TOKEN   Twilio auth token; webhook signatures are checked with it (required;
                      --demo keeps one beside the database)
  IVRPAY_PIN_KEY      secret of at least 16 characters that PINs are hashed with (required;
                      --demo uses a fixed demo key)
  IVRPAY_DATA_KEY     64 hex characters (`openssl rand -hex 32`) sealing card data between
                      webhooks (required; --demo generates one per run)
  IVRPAY_ADMIN_TOKEN  bearer token for /api/...; unset: the API is off (--demo keeps one)
  STRIPE_SECRET_KEY   Stripe secret key, required with --gateway stripe
  RUST_LOG            log filter, e.g. info or ivrpay=debug (default info)";

#[derive(Debug, Args)]
struct LoadtestArgs {
    /// The server's public base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Twilio auth token the server checks signatures with.
    #[arg(long, env = "TWILIO_AUTH_TOKEN")]
    auth_token: Option<String>,
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

#[derive(Debug, Subcommand)]
enum AccountsCommand {
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

#[derive(Debug, Subcommand)]
enum FlowsCommand {
    /// Print every problem in the flow files as file:line: message.
    Check {
        /// Directory of flow files.
        #[arg(default_value = "call-flows")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "IVRPAY_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// sqlite:PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    database_url: String,
    /// The base URL the provider calls (e.g. your tunnel's https URL); default http://LISTEN.
    #[arg(long, env = "IVRPAY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Directory of call-flow files.
    #[arg(long, env = "IVRPAY_FLOWS", default_value = "call-flows")]
    flows: PathBuf,
    /// The flow that answers calls (file stem).
    #[arg(long, env = "IVRPAY_FLOW", default_value = "payment")]
    flow: String,
    /// Import demo accounts into an empty store, generate missing keys, print how to try it.
    #[arg(long)]
    demo: bool,
    /// Accept webhooks without a valid signature. Local experiments only.
    #[arg(long)]
    insecure_skip_signature: bool,
    /// Number (E.164) callers are transferred to for a person.
    #[arg(long, env = "IVRPAY_AGENT_NUMBER")]
    agent_number: Option<String>,
    /// Failed PIN or date-of-birth attempts in a row that lock an account.
    #[arg(long, env = "IVRPAY_MAX_AUTH_ATTEMPTS", default_value_t = 3)]
    max_auth_attempts: i64,
    /// Minutes a locked account stays locked.
    #[arg(long, env = "IVRPAY_LOCKOUT_MINUTES", default_value_t = 15)]
    lockout_minutes: u64,
    /// Most database connections.
    #[arg(long, env = "IVRPAY_DB_MAX_CONNECTIONS", default_value_t = 8)]
    db_max_connections: u32,
    /// Milliseconds to wait for a database connection.
    #[arg(long, env = "IVRPAY_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 3000)]
    db_acquire_timeout_ms: u64,
    /// Milliseconds a statement may run (PostgreSQL) or wait for the write lock (SQLite).
    #[arg(long, env = "IVRPAY_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    db_statement_timeout_ms: u64,
    /// Payment gateway: sandbox (test cards, no money moves) or stripe (needs STRIPE_SECRET_KEY).
    #[arg(long, env = "IVRPAY_GATEWAY", default_value = "sandbox")]
    gateway: String,
    /// Stripe API base URL (change only to test against a stand-in such as localstripe).
    #[arg(
        long,
        env = "STRIPE_BASE_URL",
        default_value = "https://api.stripe.com"
    )]
    stripe_base_url: String,
    /// Card brands accepted, comma separated (visa, mastercard, amex, discover, jcb, diners).
    #[arg(
        long,
        env = "IVRPAY_ACCEPTED_BRANDS",
        default_value = "visa,mastercard,amex,discover"
    )]
    accepted_brands: String,
    /// Smallest payment taken, in dollars (an account owing less may pay what it owes).
    #[arg(long, env = "IVRPAY_MIN_PAYMENT", default_value = "1.00")]
    min_payment: String,
    /// Milliseconds one gateway request may take before it counts as unanswered (retried once).
    #[arg(long, env = "IVRPAY_GATEWAY_TIMEOUT_MS", default_value_t = 4000)]
    gateway_timeout_ms: u64,
    /// Minutes card data may wait, sealed, between webhooks before it is discarded.
    #[arg(long, env = "IVRPAY_CARD_DATA_TTL_MINUTES", default_value_t = 10)]
    card_data_ttl_minutes: u64,
    /// Minutes without a webhook after which a call whose end was never reported is closed.
    #[arg(long, env = "IVRPAY_IDLE_CALL_MINUTES", default_value_t = 60)]
    idle_call_minutes: u64,
    /// Most HTTP connections open at once; more are closed on arrival.
    #[arg(long, env = "IVRPAY_MAX_CONNECTIONS", default_value_t = 2048)]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers (or sit idle between requests).
    #[arg(long, env = "IVRPAY_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    header_timeout_seconds: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "IVRPAY_BODY_TIMEOUT_SECONDS", default_value_t = 10)]
    body_timeout_seconds: u64,
}

#[derive(Debug, Args)]
struct CallArgs {
    /// The server's base URL, as it signs webhooks (its public URL).
    #[arg(
        long,
        env = "IVRPAY_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// Caller ID to present.
    #[arg(long, default_value = "+15550000000")]
    from: String,
    /// Number called.
    #[arg(long, default_value = "+18005550100")]
    to: String,
    /// Answers for each question, comma separated (an empty answer is silence); without it, keys
    /// are read from the terminal.
    #[arg(long)]
    keys: Option<String>,
    /// Twilio auth token to sign with (the server's); default: the demo's, kept beside the
    /// database by `serve --demo`.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// The demo server's database, to find the token `serve --demo` keeps beside it.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    database_url: String,
    /// Let transfers ring out unanswered.
    #[arg(long)]
    agent_no_answer: bool,
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
            Command::Flows(FlowsCommand::Check { dir }) => check_flows(&dir),
            Command::Accounts(AccountsCommand::Generate { count, out }) => {
                generate_accounts(count, out)
            }
            Command::Slowclients {
                url,
                connections,
                rounds,
                patience_seconds,
                server_pid,
            } => {
                let options = crate::load::slow_clients::SlowOptions {
                    url,
                    connections,
                    rounds,
                    patience: Duration::from_secs(patience_seconds),
                    server_pid,
                };
                for (i, round) in crate::load::slow_clients::run(&options)
                    .await
                    .iter()
                    .enumerate()
                {
                    println!("round {}: {round}", i + 1);
                }
                Ok(())
            }
            Command::Loadtest(args) => {
                let report = crate::load::driver::run(crate::load::driver::LoadOptions {
                    url: args.url.trim_end_matches('/').to_owned(),
                    auth_token: args.auth_token,
                    calls: args.calls,
                    concurrency: args.concurrency,
                    think: Duration::from_millis(args.think_ms),
                    accounts: args.accounts,
                    server_pid: args.server_pid,
                    ceiling: args.ceiling,
                    connections: args.connections,
                    run_id: rand::random(),
                })
                .await;
                print!("{report}");
                Ok(())
            }
            Command::Ceiling { listen } => crate::load::ceiling::serve(listen)
                .await
                .map_err(|e| e.to_string()),
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

fn secret_env(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

fn pin_key(demo: bool) -> Result<PinKey, String> {
    match secret_env("IVRPAY_PIN_KEY") {
        Some(key) => PinKey::new(key.expose_secret().as_bytes())
            .ok_or_else(|| "IVRPAY_PIN_KEY must be at least 16 characters".to_owned()),
        None if demo => PinKey::new(DEMO_PIN_KEY.as_bytes()).ok_or_else(|| "demo key".to_owned()),
        None => Err(
            "IVRPAY_PIN_KEY is not set: a long random secret (16 characters or more) PINs are \
             hashed with"
                .into(),
        ),
    }
}

fn payment_settings(args: &ServeArgs) -> Result<PaymentSettings, String> {
    let gateway = match args.gateway.as_str() {
        "sandbox" => GatewayChoice::Sandbox,
        "stripe" => GatewayChoice::Stripe {
            secret_key: secret_env("STRIPE_SECRET_KEY")
                .ok_or("--gateway stripe needs STRIPE_SECRET_KEY (sk_live_... or sk_test_...)")?,
            base_url: args.stripe_base_url.trim_end_matches('/').to_owned(),
        },
        other => {
            return Err(format!(
                "unknown gateway \"{other}\"; use sandbox or stripe"
            ));
        }
    };
    let mut accepted_brands = Vec::new();
    for name in args
        .accepted_brands
        .split(',')
        .filter(|n| !n.trim().is_empty())
    {
        accepted_brands.push(CardBrand::parse(name).ok_or_else(|| {
            format!("unknown card brand \"{name}\" in IVRPAY_ACCEPTED_BRANDS; use visa, mastercard, amex, discover, jcb, diners")
        })?);
    }
    if accepted_brands.is_empty() {
        return Err("IVRPAY_ACCEPTED_BRANDS names no brand".into());
    }
    let smallest = Money::parse_decimal(&args.min_payment).map_err(|_| {
        format!(
            "IVRPAY_MIN_PAYMENT must be an amount like 1.00, not \"{}\"",
            args.min_payment
        )
    })?;
    Ok(PaymentSettings {
        gateway,
        accepted_brands,
        smallest_payment_cents: smallest.cents().max(1),
        gateway_timeout: Duration::from_millis(args.gateway_timeout_ms.max(100)),
    })
}

/// The settings `serve` takes from the environment, checked together.
struct ServeSecrets {
    data_key: DataKey,
    providers: Vec<Arc<dyn crate::telephony::Dialect>>,
    admin_token: Option<SecretString>,
    pin_key: PinKey,
    payments: PaymentSettings,
    /// What the demo generated or reused, to print.
    notes: Vec<String>,
}

/// Reads every secret and payment setting, reporting every missing or bad one at once so an
/// operator fixes them in one pass. In demo mode missing tokens are kept beside the database, so
/// a second run (and `ivrpay call`) uses the same ones.
fn serve_secrets(args: &ServeArgs) -> Result<ServeSecrets, String> {
    let demo = args.demo;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let data_key = match secret_env("IVRPAY_DATA_KEY") {
        Some(key) => DataKey::parse(key.expose_secret())
            .map_err(|e| problems.push(format!("IVRPAY_DATA_KEY: {e}")))
            .ok(),
        None if demo => {
            notes.push("IVRPAY_DATA_KEY not set: generated a data key for this run (values waiting between webhooks do not survive a restart).".to_owned());
            DataKey::generate()
                .map_err(|e| problems.push(e.to_string()))
                .ok()
        }
        None => {
            problems.push(
                "IVRPAY_DATA_KEY is not set: 64 hex characters, e.g. `openssl rand -hex 32`".into(),
            );
            None
        }
    };
    let demo_tokens = if demo {
        match DemoTokens::load_or_create(&args.database_url) {
            Ok(tokens) => Some(tokens),
            Err(err) => {
                problems.push(err);
                None
            }
        }
    } else {
        None
    };
    let mut providers = registry::configured(secret_env);
    if args.insecure_skip_signature {
        providers = registry::unverified();
    } else if providers.is_empty() {
        if let Some(tokens) = &demo_tokens {
            providers.push(registry::demo(SecretString::from(
                tokens.twilio_auth_token.clone(),
            )));
            notes.push(format!(
                "No provider secret set: using the demo token kept in {}.",
                tokens.path.display()
            ));
        } else if !demo {
            problems.push(registry::none_configured());
        }
    }
    let mut admin_token = secret_env("IVRPAY_ADMIN_TOKEN");
    if admin_token.is_none()
        && let Some(tokens) = &demo_tokens
    {
        admin_token = Some(SecretString::from(tokens.admin_token.clone()));
    }
    let pin_key = pin_key(demo).map_err(|e| problems.push(e)).ok();
    let payments = payment_settings(args).map_err(|e| problems.push(e)).ok();
    match (data_key, pin_key, payments) {
        (Some(data_key), Some(pin_key), Some(payments)) if problems.is_empty() => {
            Ok(ServeSecrets {
                data_key,
                providers,
                admin_token,
                pin_key,
                payments,
                notes,
            })
        }
        _ => Err(format!(
            "cannot start; fix these settings (or try `ivrpay serve --demo`):\n  {}",
            problems.join("\n  ")
        )),
    }
}

/// The demo's auth and admin tokens, kept in a file beside the database so they stay the same
/// from run to run and `ivrpay call` can find them.
struct DemoTokens {
    path: PathBuf,
    twilio_auth_token: String,
    admin_token: String,
}

impl DemoTokens {
    /// Where the demo's tokens live for a database: beside a SQLite file, else the working folder.
    fn path(database_url: &str) -> PathBuf {
        let sqlite = database_url
            .strip_prefix("sqlite:")
            .map(|rest| rest.trim_start_matches("//"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|path| !path.is_empty() && !path.contains(":memory:"));
        match sqlite {
            Some(path) => PathBuf::from(format!("{path}.demo-tokens")),
            None => PathBuf::from("ivrpay.demo-tokens"),
        }
    }

    /// Reads the tokens kept for this database, if any.
    fn load(database_url: &str) -> Option<DemoTokens> {
        let path = Self::path(database_url);
        let text = std::fs::read_to_string(&path).ok()?;
        let value = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Some(DemoTokens {
            twilio_auth_token: value("TWILIO_AUTH_TOKEN")?,
            admin_token: value("IVRPAY_ADMIN_TOKEN")?,
            path,
        })
    }

    fn load_or_create(database_url: &str) -> Result<DemoTokens, String> {
        if let Some(tokens) = Self::load(database_url) {
            return Ok(tokens);
        }
        let tokens = DemoTokens {
            path: Self::path(database_url),
            twilio_auth_token: random_token(),
            admin_token: random_token(),
        };
        let text = format!(
            "# ivrpay demo tokens (demo data only); delete this file for new ones.\n\
             TWILIO_AUTH_TOKEN={}\nIVRPAY_ADMIN_TOKEN={}\n",
            tokens.twilio_auth_token, tokens.admin_token
        );
        std::fs::write(&tokens.path, text).map_err(|e| {
            format!(
                "cannot keep the demo tokens in {}: {e}",
                tokens.path.display()
            )
        })?;
        Ok(tokens)
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let demo = args.demo;
    let ServeSecrets {
        data_key,
        providers,
        admin_token,
        pin_key,
        payments,
        notes: mut printed,
    } = serve_secrets(&args)?;
    if args.insecure_skip_signature {
        tracing::warn!(
            "--insecure-skip-signature: webhook signatures are NOT checked; anyone can drive calls"
        );
    }
    let config = Config {
        listen: args.listen,
        database_url: args.database_url,
        public_url: args.public_url,
        providers,
        insecure_skip_signature: args.insecure_skip_signature,
        admin_token,
        flows_dir: args.flows,
        flow: args.flow,
        pin_key,
        data_key,
        agent_number: args.agent_number.filter(|n| !n.is_empty()),
        max_auth_attempts: args.max_auth_attempts.max(1),
        lockout: Duration::from_secs(args.lockout_minutes.max(1) * 60),
        pool: PoolSettings {
            max_connections: args.db_max_connections.max(1),
            acquire_timeout: Duration::from_millis(args.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(args.db_statement_timeout_ms),
        },
        sealed_ttl: Duration::from_secs(args.card_data_ttl_minutes.max(1) * 60),
        payments,
        http: HttpLimits {
            header_read_timeout: Duration::from_secs(args.header_timeout_seconds.max(1)),
            body_read_timeout: Duration::from_secs(args.body_timeout_seconds.max(1)),
            max_connections: args.max_connections.max(1),
            ..HttpLimits::default()
        },
        upkeep: UpkeepSettings {
            idle_call_after: Duration::from_secs(args.idle_call_minutes.max(1) * 60),
            ..UpkeepSettings::default()
        },
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = Application::build(config, clock.clone())
        .await
        .map_err(|e| e.to_string())?;
    let state = app.state().clone();
    if demo {
        // Every demo run starts from the same balances, so the README's calls always work.
        let records = import::parse(
            include_str!("../demo/accounts.csv"),
            &state.config.pin_key,
            clock.now().date(),
        )
        .map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        state
            .store
            .upsert_accounts(&records, clock.now_ms())
            .await
            .map_err(|e| e.to_string())?;
        printed.push(format!(
            "Reset the {} demo accounts to demo/accounts.csv (balances and PINs).",
            records.len()
        ));
        print_demo_help(&state, &printed);
    }
    tracing::info!(address = %app.local_addr(), public_url = %state.public_url, flow = %state.flow.name, "ivrpay is listening");
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

fn print_demo_help(state: &crate::app::AppState, notes: &[String]) {
    let url = &state.public_url;
    // The simulated caller signs as the first registered provider.
    let token = std::env::var(registry::REGISTERED[0].secret_env).unwrap_or_default();
    let admin = state
        .config
        .admin_token
        .as_ref()
        .map(|t| t.expose_secret().to_owned())
        .unwrap_or_default();
    // `ivrpay call` finds the demo's token beside the database by itself.
    let database_url = &state.config.database_url;
    let kept = token.is_empty() && DemoTokens::load(database_url).is_some();
    let sign = match (kept, database_url.as_str()) {
        (true, "sqlite:ivrpay.db") => String::new(),
        (true, _) => format!(" --database-url {database_url}"),
        (false, _) => format!(" --auth-token {token}"),
    };
    let mut text = String::from("\nivrpay demo\n");
    for note in notes {
        text.push_str(&format!("  {note}\n"));
    }
    text.push_str(&format!(
        "\n  Try a call in another terminal (Maria Garcia, Spanish, PIN 8091):\n    \
         cargo run -- call --url {url}{sign} --from +15553118592 --keys 2,1,8091,9\n  \
         or interactively (type keys, Enter; an empty line is silence):\n    \
         cargo run -- call --url {url}{sign}\n\n  \
         A real Twilio number: set IVRPAY_PUBLIC_URL to your public https URL (e.g. a tunnel) and\n  \
         TWILIO_AUTH_TOKEN to your account's token, then in the Twilio console set\n    \
         A call comes in:        POST {url}/twilio/voice\n    \
         Call status changes:    POST {url}/twilio/status\n\n  \
         Call records: curl -H 'Authorization: Bearer {admin}' {url}/api/calls/CALL_SID\n"
    ));
    println!("{text}");
}

async fn call(args: CallArgs) -> Result<(), String> {
    let auth_token = match args.auth_token.filter(|t| !t.is_empty()) {
        Some(token) => token,
        None => match DemoTokens::load(&args.database_url) {
            Some(tokens) => tokens.twilio_auth_token,
            None => {
                return Err(format!(
                    "no auth token to sign the call with: set TWILIO_AUTH_TOKEN or pass \
                     --auth-token (the server's token); a demo server's token is read from {}, \
                     which `ivrpay serve --demo` writes",
                    DemoTokens::path(&args.database_url).display()
                ));
            }
        },
    };
    let call_sid = format!("CA{}", random_token());
    println!("Calling {} from {} (call {call_sid})", args.url, args.from);
    let mut call = Call::dial(
        &args.url,
        Some(&auth_token),
        &call_sid,
        &args.from,
        &args.to,
    )
    .await
    .map_err(|e| e.to_string())?;
    call.agent_answers = !args.agent_no_answer;
    let mut scripted = args.keys.map(|keys| {
        keys.split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    });
    let stdin = std::io::stdin();
    let mut shown = 0;
    loop {
        for line in &call.heard[shown..] {
            println!("  \u{1F50A} {line}");
        }
        shown = call.heard.len();
        for line in call.agent_heard.drain(..) {
            println!("  (agent hears) {line}");
        }
        if let Some(number) = call.transferred_to.take() {
            println!("  \u{260E} transferred to {number}");
        }
        if call.ended || !call.is_asking() {
            println!("Call ended.");
            return Ok(());
        }
        let keys = match &mut scripted {
            Some(keys) => keys.next(),
            None => {
                print!("keys> ");
                let _ = std::io::stdout().flush();
                let mut line = String::new();
                match stdin.lock().read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line.trim().to_owned()),
                }
            }
        };
        let Some(keys) = keys else {
            println!("  (you hang up)");
            call.hang_up(&args.url).await.map_err(|e| e.to_string())?;
            return Ok(());
        };
        if scripted.is_some() {
            println!(
                "keys> {}",
                if keys.is_empty() { "(silence)" } else { &keys }
            );
        }
        call.press(&keys).await.map_err(|e| e.to_string())?;
    }
}

async fn import_accounts(
    file: &std::path::Path,
    database_url: &str,
    demo: bool,
) -> Result<(), String> {
    let key = pin_key(demo)?;
    let clock = SystemClock;
    let records = import::read_file(file, &key, clock.now().date()).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{}", file.display(), e))
            .collect();
        format!(
            "nothing was imported; fix these rows:\n{}",
            lines.join("\n")
        )
    })?;
    let store = Store::connect(database_url, &PoolSettings::default())
        .await
        .map_err(|e| e.to_string())?;
    store
        .upsert_accounts(&records, clock.now_ms())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "Imported {} accounts from {}.",
        records.len(),
        file.display()
    );
    Ok(())
}

fn generate_accounts(count: u64, out: Option<PathBuf>) -> Result<(), String> {
    let result = match &out {
        Some(path) => std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|mut file| {
                crate::load::accounts::write_csv(count, &mut file).and_then(|()| file.flush())
            }),
        None => crate::load::accounts::write_csv(
            count,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
    };
    result.map_err(|e| format!("cannot write accounts: {e}"))
}

fn check_flows(dir: &std::path::Path) -> Result<(), String> {
    // Voices are checked against every provider a flow may be served by.
    let dialects = registry::unverified();
    match crate::flow::load_dir(dir) {
        Ok(flows) => {
            for (name, flow) in &flows {
                for language in &flow.languages {
                    let voice = flow.voices.get(language).map(String::as_str);
                    let warning = dialects
                        .iter()
                        .find_map(|d| d.voice_warning(voice, *language));
                    if let Some(warning) = warning {
                        println!(
                            "{}: warning: {warning}",
                            dir.join(format!("{name}.toml")).display()
                        );
                    }
                }
                println!(
                    "{name}: ok ({} states, languages {})",
                    flow.states.len(),
                    flow.languages
                        .iter()
                        .map(|l| l.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            Err(format!("{} problem(s) in the call flows", problems.len()))
        }
    }
}
