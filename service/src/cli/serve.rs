//! `ivrpay serve`: its flags, then start-up: configuration, the demo's accounts, the server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::*;
use crate::accounts::import;
use crate::app::{Application, shutdown_signal};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, HttpLimits, MetricsSettings, UpkeepSettings};
use crate::store::PoolSettings;

/// The payment gateways `--gateway` names, parsed once by clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum GatewayKind {
    /// Answers by public test card numbers; moves no money.
    Sandbox,
    /// Stripe's API (or a stand-in at `--stripe-base-url`).
    Stripe,
}

/// Which gateway charges, shared by `serve` and `arrangements run-due`.
#[derive(Debug, Args)]
pub(super) struct GatewayArgs {
    /// Payment gateway: sandbox (test cards, no money moves) or stripe (needs STRIPE_SECRET_KEY).
    #[arg(long = "gateway", env = "IVRPAY_GATEWAY", value_enum, default_value_t = GatewayKind::Sandbox)]
    pub(super) kind: GatewayKind,
    /// Stripe API base URL (change only to test against a stand-in such as localstripe).
    #[arg(
        long,
        env = "STRIPE_BASE_URL",
        default_value = "https://api.stripe.com"
    )]
    pub(super) stripe_base_url: String,
    /// Milliseconds one gateway request may take before it counts as unanswered (retried once).
    #[arg(long, env = "IVRPAY_GATEWAY_TIMEOUT_MS", default_value_t = 4000)]
    pub(super) gateway_timeout_ms: u64,
}

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "IVRPAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub(super) listen: SocketAddr,
    /// sqlite:PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    pub(super) database_url: String,
    /// The base URL the provider calls (e.g. your tunnel's https URL); default http://LISTEN.
    #[arg(long, env = "IVRPAY_PUBLIC_URL")]
    pub(super) public_url: Option<String>,
    /// Directory of call-flow files.
    #[arg(long, env = "IVRPAY_FLOWS", default_value = "call-flows")]
    pub(super) flows: PathBuf,
    /// The flow that answers calls (file stem).
    #[arg(long, env = "IVRPAY_FLOW", default_value = "payment")]
    pub(super) flow: String,
    /// Directory of recorded prompts (see `ivrpay audio script`).
    #[arg(long, env = "IVRPAY_AUDIO", default_value = "audio")]
    pub(super) audio: PathBuf,
    /// Play recordings (`recorded`) or speak with text-to-speech (`tts`), whatever the flow's
    /// `prompts` says; default: as the flow says.
    #[arg(long, env = "IVRPAY_PROMPTS")]
    pub(super) prompts: Option<PromptsArg>,
    /// Reset the demo accounts to their demo balances, generate missing keys, print how to try it.
    #[arg(long)]
    pub(super) demo: bool,
    /// Accept webhooks without a valid signature. Local experiments only.
    #[arg(long)]
    pub(super) insecure_skip_signature: bool,
    /// Number (E.164) callers are transferred to for a person.
    #[arg(long, env = "IVRPAY_AGENT_NUMBER")]
    pub(super) agent_number: Option<String>,
    /// Failed PIN or date-of-birth attempts in a row that lock an account.
    #[arg(long, env = "IVRPAY_MAX_AUTH_ATTEMPTS", default_value_t = 3)]
    pub(super) max_auth_attempts: i64,
    /// Minutes a locked account stays locked.
    #[arg(long, env = "IVRPAY_LOCKOUT_MINUTES", default_value_t = 15)]
    pub(super) lockout_minutes: u64,
    /// Hours a pay link opens after it is made.
    #[arg(long, env = "IVRPAY_PAY_LINK_HOURS", default_value_t = 72)]
    pub(super) pay_link_hours: u64,
    /// Most database connections.
    #[arg(long, env = "IVRPAY_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub(super) db_max_connections: u32,
    /// Milliseconds to wait for a database connection.
    #[arg(long, env = "IVRPAY_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 3000)]
    pub(super) db_acquire_timeout_ms: u64,
    /// Milliseconds a statement may run (PostgreSQL) or wait for the write lock (SQLite).
    #[arg(long, env = "IVRPAY_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub(super) db_statement_timeout_ms: u64,
    #[command(flatten)]
    pub(super) gateway: GatewayArgs,
    /// Card brands accepted, comma separated (visa, mastercard, amex, discover, jcb, diners).
    #[arg(
        long,
        env = "IVRPAY_ACCEPTED_BRANDS",
        default_value = "visa,mastercard,amex,discover"
    )]
    pub(super) accepted_brands: String,
    /// Smallest payment taken, in dollars (an account owing less may pay what it owes).
    #[arg(long, env = "IVRPAY_MIN_PAYMENT", default_value = "1.00")]
    pub(super) min_payment: String,
    /// Minutes between asking the gateway about a bank debit still clearing or returnable
    /// (default 15; 1 in the demo, so a sandbox debit is seen to clear).
    #[arg(long, env = "IVRPAY_DEBIT_CHECK_MINUTES")]
    pub(super) debit_check_minutes: Option<u64>,
    /// Seconds the sandbox gateway takes to clear a bank debit (the demo's "pending" period).
    #[arg(long, env = "IVRPAY_SANDBOX_DEBIT_SECONDS", default_value_t = 120)]
    pub(super) sandbox_debit_seconds: u64,
    /// Minutes card data may wait, sealed, between webhooks before it is discarded.
    #[arg(long, env = "IVRPAY_CARD_DATA_TTL_MINUTES", default_value_t = 10)]
    pub(super) card_data_ttl_minutes: u64,
    /// Minutes without a webhook after which a call whose end was never reported is closed.
    #[arg(long, env = "IVRPAY_IDLE_CALL_MINUTES", default_value_t = 60)]
    pub(super) idle_call_minutes: u64,
    /// Where the ends of calls reported while the database is away wait for it (default: beside a
    /// SQLite file, or a directory named for the database in the system's temporary directory).
    #[arg(long, env = "IVRPAY_CALL_ENDS_DIR")]
    pub(super) call_ends_dir: Option<std::path::PathBuf>,
    /// Load balancers (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the
    /// client, for the console's sign-in limit per address.
    #[arg(long, env = "IVRPAY_TRUSTED_PROXIES", default_value = "")]
    pub(super) trusted_proxies: String,
    /// Most HTTP connections open at once; more are closed on arrival.
    #[arg(long, env = "IVRPAY_MAX_CONNECTIONS", default_value_t = 2048)]
    pub(super) max_connections: usize,
    /// Calls' webhooks answered at once; more wait in a queue.
    #[arg(long, env = "IVRPAY_MAX_WEBHOOKS_IN_FLIGHT", default_value_t = 64)]
    pub(super) max_webhooks_in_flight: usize,
    /// Webhooks that may wait for one of those; one more is answered at once with the busy
    /// response (an apology and a person, or a call back).
    #[arg(long, env = "IVRPAY_MAX_WEBHOOKS_WAITING", default_value_t = 1024)]
    pub(super) max_webhooks_waiting: usize,
    /// Milliseconds a webhook may wait in that queue before it is answered busy.
    #[arg(long, env = "IVRPAY_WEBHOOK_WAIT_MS", default_value_t = 3000)]
    pub(super) webhook_wait_ms: u64,
    /// Seconds a client may take to send a request's headers (or sit idle between requests).
    #[arg(long, env = "IVRPAY_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    pub(super) header_timeout_seconds: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "IVRPAY_BODY_TIMEOUT_SECONDS", default_value_t = 10)]
    pub(super) body_timeout_seconds: u64,
    /// Seconds a client may take to read a recording it asked for before its connection is
    /// closed (a provider fetching audio reads at once; a client that never reads holds memory).
    #[arg(
        long,
        env = "IVRPAY_UNREAD_AUDIO_TIMEOUT_SECONDS",
        default_value_t = 20
    )]
    pub(super) unread_audio_timeout_seconds: u64,
    /// Also serve Prometheus metrics at /metrics on this address, with no token (bind it to the
    /// loopback or a private network). On the main listener /metrics always needs a bearer token:
    /// IVRPAY_METRICS_TOKEN or the admin token.
    #[arg(long, env = "IVRPAY_METRICS_LISTEN")]
    pub(super) metrics_listen: Option<SocketAddr>,
    /// Days after a call ends that its step log (each step and the keys pressed), flow cursor and
    /// last reply are kept; the call's summary and every aggregate stay. 0 keeps them forever.
    #[arg(long, env = "IVRPAY_STEP_LOG_DAYS", default_value_t = crate::config::STEP_LOG_DAYS)]
    pub(super) step_log_days: u64,
}

pub(super) async fn serve(args: ServeArgs) -> Result<(), String> {
    let demo = args.demo;
    let ServeSecrets {
        data_key,
        providers,
        admin_token,
        metrics_token,
        pin_key,
        payments,
        messaging,
        pause_recording,
        transfers,
        notes: mut printed,
    } = serve_secrets(&args)?;
    if args.insecure_skip_signature {
        tracing::warn!(
            "--insecure-skip-signature: webhook signatures are NOT checked; anyone can drive calls"
        );
    }
    // The demo writes its email to a folder when no mail server is set, so receipts by email
    // and the written notices that let it take bank debits can be tried and read.
    let mut messaging = messaging;
    if demo && messaging.email.is_none() {
        let folder = DemoTokens::mail_folder(&args.database_url);
        std::fs::create_dir_all(&folder).map_err(|e| {
            format!(
                "cannot create the demo's mail folder {}: {e}",
                folder.display()
            )
        })?;
        let folder = std::fs::canonicalize(&folder).unwrap_or(folder);
        printed.push(format!(
            "Email (receipts, bank debit notices) is written to {}/ as .eml files: the demo has \
             no mail server.",
            folder.display()
        ));
        messaging.email = Some(crate::messages::EmailSettings {
            smtp_url: secrecy::SecretString::from(format!("file://{}", folder.display())),
            from: "Riverside Utilities <billing@example.com>".to_owned(),
        });
    }
    let agent_number = args.agent_number.filter(|n| !n.is_empty());
    // The demo puts callers through to a made-up line so the console's screen-pop can be seen.
    let demo_agent_line = demo && agent_number.is_none();
    let agent_number = if demo_agent_line {
        Some(DEMO_AGENT_LINE.to_owned())
    } else {
        agent_number
    };
    let config = Config {
        listen: args.listen,
        database_url: args.database_url,
        public_url: args.public_url,
        providers,
        insecure_skip_signature: args.insecure_skip_signature,
        admin_token,
        flows_dir: args.flows,
        flow: args.flow,
        audio_dir: args.audio,
        prompts: args.prompts.map(PromptsArg::source),
        pin_key,
        data_key,
        agent_number,
        max_auth_attempts: args.max_auth_attempts.max(1),
        lockout: Duration::from_secs(args.lockout_minutes.max(1) * 60),
        pay_link_lifetime: Duration::from_secs(args.pay_link_hours.max(1) * 3600),
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
            unread_response_timeout: Duration::from_secs(args.unread_audio_timeout_seconds.max(1)),
            max_connections: args.max_connections.max(1),
            admission: crate::http::admission::AdmissionLimits {
                in_flight: args.max_webhooks_in_flight.max(1),
                waiting: args.max_webhooks_waiting,
                wait: Duration::from_millis(args.webhook_wait_ms),
            },
            trusted_proxies: crate::http::forwarded::TrustedProxies::parse(&args.trusted_proxies)
                .map_err(|e| {
                format!("IVRPAY_TRUSTED_PROXIES (--trusted-proxies): {e}")
            })?,
            ..HttpLimits::default()
        },
        upkeep: UpkeepSettings {
            idle_call_after: Duration::from_secs(args.idle_call_minutes.max(1) * 60),
            step_logs_kept_for: (args.step_log_days > 0)
                .then(|| Duration::from_secs(args.step_log_days.saturating_mul(24 * 60 * 60))),
            call_ends_dir: args.call_ends_dir.clone(),
            ..UpkeepSettings::default()
        },
        messaging,
        pause_recording,
        transfers,
        metrics: MetricsSettings {
            listen: args.metrics_listen,
            token: metrics_token,
        },
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut app = Application::build(config, clock.clone())
        .await
        .map_err(|e| e.to_string())?;
    if demo {
        app.use_hours(demo_hours()?);
    }
    let state = app.line().clone();
    if demo {
        // Every demo run starts from the same balances, so the README's calls always work.
        let records = import::parse(
            include_str!("../../../demo/accounts.csv"),
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
        let numbers: Vec<&str> = records.iter().map(|r| r.account_number.as_str()).collect();
        state
            .store
            .clear_arrangements(&numbers)
            .await
            .map_err(|e| e.to_string())?;
        printed.push(format!(
            "Reset the {} demo accounts to demo/accounts.csv (balances, PINs, plans, promises and \
             cards on file).",
            records.len()
        ));
        printed.push(
            "People are in at any time (demo/hours.toml, not call-flows/hours.toml).".to_owned(),
        );
        let tokens = DemoTokens::load_or_create(&state.config.database_url)?;
        if let Some(password) = &tokens.agent_password {
            ensure_demo_agent(&state.store, password, clock.now_ms()).await?;
        }
        let banner = Banner {
            url: &state.public_url,
            database_url: &state.config.database_url,
            notes: &printed,
            tokens: &tokens,
            provider_from_env: secret_env(
                crate::telephony::registry::demo_provider().webhook_key.env,
            )
            .is_some(),
            admin_from_env: secret_env("IVRPAY_ADMIN_TOKEN").is_some(),
            agent_line: state
                .config
                .agent_number
                .as_deref()
                .map(|line| (line, demo_agent_line)),
        };
        println!("{}", banner.text());
    }
    tracing::info!(address = %app.local_addr(), public_url = %state.public_url, flow = %state.flow.name, "ivrpay is listening");
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// `--prompts`: how prompts reach the caller.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum PromptsArg {
    /// Text-to-speech for every prompt.
    Tts,
    /// Recordings where a prompt is recorded, text-to-speech elsewhere.
    Recorded,
}

impl PromptsArg {
    fn source(self) -> crate::flow::definition::PromptSource {
        match self {
            PromptsArg::Tts => crate::flow::definition::PromptSource::TextToSpeech,
            PromptsArg::Recorded => crate::flow::definition::PromptSource::Recorded,
        }
    }
}
