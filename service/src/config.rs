//! Typed settings for `ivrpay serve`, from flags and environment variables.
//!
//! Secrets (auth tokens, keys) are held as secret types and never printed. In demo mode, missing
//! secrets are generated (and the keys a demo user needs are printed), so the quick start needs no
//! set-up; outside demo mode a missing secret stops the server with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::accounts::secrets::PinKey;
use crate::payments::CardBrand;
use crate::payments::vault::DataKey;
use crate::store::PoolSettings;
use crate::telephony::registry::ProviderConfig;

/// The PIN key demo mode uses when none is given. Not secret: demo data only.
pub const DEMO_PIN_KEY: &str = "ivrpay-demo-pin-key: demo data only, never production";

/// Everything the server needs to run.
#[derive(Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://...`.
    pub database_url: String,
    /// The base URL the provider reaches us at, without a trailing slash; every callback URL we
    /// emit is built from it and signatures are checked against it. `None`: `http://` plus the
    /// address actually bound (local use).
    pub public_url: Option<String>,
    /// The telephony providers served, each with its settings (the secret its webhooks are
    /// signed with, its API's account); their dialects are built once at start-up (see
    /// [`crate::telephony::registry`]).
    pub providers: Vec<ProviderConfig>,
    /// Accept unsigned webhooks (local experiments only).
    pub insecure_skip_signature: bool,
    /// Bearer token for the admin API; `None` disables the API.
    pub admin_token: Option<SecretString>,
    /// Directory of flow files.
    pub flows_dir: PathBuf,
    /// Which flow answers calls (file stem).
    pub flow: String,
    /// Directory of recorded prompts (`<language>/prompts/...`, `<language>/words/...`).
    pub audio_dir: PathBuf,
    /// Whether prompts play recordings, overriding the flow's `prompts`; `None` keeps the flow's.
    pub prompts: Option<crate::flow::definition::PromptSource>,
    /// Key PINs are hashed with.
    pub pin_key: PinKey,
    /// Key sensitive call data is sealed with while it waits between webhooks.
    pub data_key: DataKey,
    /// Where callers are transferred to reach a person; `None` when no agents are staffed.
    pub agent_number: Option<String>,
    /// Failed authentications in a row that lock an account.
    pub max_auth_attempts: i64,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// How long a pay link opens after it is made.
    pub pay_link_lifetime: Duration,
    /// Database pool settings.
    pub pool: PoolSettings,
    /// How long sealed card data may wait between webhooks before it is discarded.
    pub sealed_ttl: Duration,
    /// How payments are taken.
    pub payments: PaymentSettings,
    /// Limits on HTTP connections and requests.
    pub http: HttpLimits,
    /// Background upkeep: reconciling payments, closing silent calls, wiping expired card data,
    /// purging old step logs.
    pub upkeep: UpkeepSettings,
    /// Receipts and reminders by SMS and email.
    pub messaging: crate::messages::MessagingSettings,
    /// Whether to pause the call's recording while the card is keyed in (where the call's
    /// provider offers recording control), and what to do when it cannot be paused; `None`: the
    /// recording is left alone.
    pub pause_recording: Option<PauseFailure>,
    /// How a caller reaches a person.
    pub transfers: Transfers,
    /// Where Prometheus metrics are served, and who may read them.
    pub metrics: MetricsSettings,
}

/// Who may scrape the Prometheus metrics. Never public by default: on the main listener
/// `/metrics` needs a bearer token (the metrics token, or the admin token); a listener of its own,
/// meant for a private network or the loopback, serves them without one.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    /// A separate address serving `/metrics` with no token; `None`: no such listener.
    pub listen: Option<SocketAddr>,
    /// Bearer token for `/metrics` on the main listener, besides the admin token.
    pub token: Option<SecretString>,
}

/// How a caller reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transfers {
    /// Where the call's provider offers call control: the caller waits in a conference room
    /// with hold audio while the line rings the agent, and an agent can send them to key in a
    /// card; elsewhere a plain dial.
    #[default]
    Conference,
    /// Always a plain dial (the caller hears ringing).
    Dial,
}

/// What happens to card entry when the recording could not be paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseFailure {
    /// No card is taken: the caller is offered a person.
    StopCardEntry,
    /// The card is taken anyway (the failure is logged).
    GoOn,
}

/// What one HTTP client may hold of the server. A provider sends small requests promptly, so
/// anything slower or larger is a broken or hostile client, cut off before it can pile up.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Time a connection may take to send a request's headers, and may sit idle between requests.
    pub header_read_timeout: Duration,
    /// Time a request may take to send its body.
    pub body_read_timeout: Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Largest request body, in bytes (a webhook is a few kilobytes).
    pub max_body_bytes: usize,
    /// Time a client has to read a recording it asked for before its connection is closed
    /// (see [`crate::http::server::MustBeRead`]).
    pub unread_response_timeout: Duration,
    /// Load balancers whose `X-Forwarded-For` names the client (for limits per address).
    pub trusted_proxies: crate::http::forwarded::TrustedProxies,
    /// Calls' webhooks answered at once, and the queue in front of them (see
    /// [`crate::http::admission`]).
    pub admission: crate::http::admission::AdmissionLimits,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 2048,
            max_body_bytes: 64 * 1024,
            // A minute of 8 kHz audio is under 1 MB: seconds to fetch on any line a provider has.
            unread_response_timeout: Duration::from_secs(20),
            trusted_proxies: crate::http::forwarded::TrustedProxies::default(),
            admission: crate::http::admission::AdmissionLimits::default(),
        }
    }
}

/// Background upkeep every instance runs.
#[derive(Debug, Clone)]
pub struct UpkeepSettings {
    /// How often it runs; `None`: never on its own (tests run it by hand).
    pub interval: Option<Duration>,
    /// A call with no webhook for this long is closed as its provider would have (abandoned,
    /// unless its outcome was already settled).
    pub idle_call_after: Duration,
    /// How long after a call ends its step log (every step and what the caller keyed), its flow
    /// cursor and its last reply are kept; `None`: forever. The call's summary (outcome, last
    /// step, language, account, times) and every table built from calls stay.
    pub step_logs_kept_for: Option<Duration>,
    /// Where the ends of calls reported while the database is away wait for it
    /// ([`crate::calls::pending_ends`]); `None`: beside a SQLite file, or a directory named for
    /// the database in the system's temporary directory.
    pub call_ends_dir: Option<PathBuf>,
}

/// The default of [`UpkeepSettings::step_logs_kept_for`], in days.
pub const STEP_LOG_DAYS: u64 = 90;

impl Default for UpkeepSettings {
    fn default() -> Self {
        UpkeepSettings {
            interval: Some(Duration::from_secs(15)),
            idle_call_after: Duration::from_secs(60 * 60),
            step_logs_kept_for: Some(Duration::from_secs(STEP_LOG_DAYS * 24 * 60 * 60)),
            call_ends_dir: None,
        }
    }
}

/// Which gateway charges cards, and the rules around it.
#[derive(Debug)]
pub struct PaymentSettings {
    /// The gateway.
    pub gateway: GatewayChoice,
    /// Card brands accepted.
    pub accepted_brands: Vec<CardBrand>,
    /// The smallest payment taken (cents); an account owing less may pay what it owes.
    pub smallest_payment_cents: i64,
    /// How long one gateway request may take before it counts as unanswered (it is retried once).
    pub gateway_timeout: Duration,
    /// How bank debits are followed after they are submitted.
    pub debits: DebitSettings,
}

impl PaymentSettings {
    /// The smallest payment taken from an account owing `balance_cents`: the setting, or what
    /// it owes when that is less (never below a cent). The line and the pay link page alike.
    pub fn smallest_payment_for(&self, balance_cents: i64) -> i64 {
        self.smallest_payment_cents.min(balance_cents).max(1)
    }
}

/// Following bank debits until they settle, and through the window a return can come in.
#[derive(Debug, Clone)]
pub struct DebitSettings {
    /// How often upkeep asks the gateway about a debit still clearing or still returnable.
    pub check_every: Duration,
    /// How long after a debit a return can still arrive (a consumer has 60 days to say a debit
    /// was not authorised; the bank a few more to send it).
    pub return_window: Duration,
    /// How long the sandbox gateway takes to clear a debit.
    pub sandbox_settles_after: Duration,
}

impl Default for DebitSettings {
    fn default() -> Self {
        DebitSettings {
            check_every: Duration::from_secs(15 * 60),
            return_window: Duration::from_secs(65 * 24 * 60 * 60),
            sandbox_settles_after: crate::payments::sandbox::DEBIT_SETTLES_AFTER,
        }
    }
}

/// A payment gateway and its credentials.
#[derive(Debug)]
pub enum GatewayChoice {
    /// Answers by public test card numbers; moves no money (the demo default).
    Sandbox,
    /// Stripe's API (or a stand-in such as localstripe at `base_url`).
    Stripe {
        /// `sk_...`
        secret_key: SecretString,
        /// `https://api.stripe.com` unless testing.
        base_url: String,
        /// The signing secret of the webhook endpoint Stripe posts events to (`whsec_...`);
        /// without it `POST /stripe/webhook` refuses every event.
        webhook_secret: Option<SecretString>,
        /// The publishable key (`pk_...`, public): with it a pay link's page takes cards through
        /// Stripe's own form; without it the page sends people to the line to pay.
        publishable_key: Option<String>,
    },
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            gateway: GatewayChoice::Sandbox,
            accepted_brands: vec![
                CardBrand::Visa,
                CardBrand::Mastercard,
                CardBrand::Amex,
                CardBrand::Discover,
            ],
            smallest_payment_cents: 100,
            gateway_timeout: Duration::from_secs(4),
            debits: DebitSettings::default(),
        }
    }
}
