//! The black-box harness: the real server on 127.0.0.1:0 with a fresh database (a new SQLite file,
//! or a new PostgreSQL database), demo accounts imported, a clock the test moves by hand, and a
//! caller that drives signed webhooks.
#![allow(dead_code)]

#[macro_use]
pub mod harness;
pub mod balancer;
pub mod browser;
pub mod console;
pub mod localstripe;
pub mod services;
pub mod skipped;
pub mod smtp;
pub mod twilio_api;

use std::sync::Arc;
use std::time::Duration;

use ivrpay::accounts::import;
use ivrpay::accounts::secrets::PinKey;
use ivrpay::app::Application;
use ivrpay::clock::{Clock, ManualClock};
use ivrpay::config::{Config, GatewayChoice, HttpLimits, PaymentSettings, UpkeepSettings};
use ivrpay::http::AppState;
use ivrpay::payments::SandboxGateway;
use ivrpay::payments::vault::DataKey;
use ivrpay::store::PoolSettings;
use ivrpay_simulators::caller::Call;
use secrecy::SecretString;
use sqlx::Connection;
use tokio::sync::oneshot;

pub const AUTH_TOKEN: &str = "test-twilio-auth-token";
pub const SIGNALWIRE_SIGNING_KEY: &str = "PSKtest-signalwire-signing-key";
pub const ADMIN_TOKEN: &str = "test-admin-token";
pub const PIN_KEY: &str = "test-pin-key-0123456789";
pub const AGENT: &str = "+15550001111";
pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Settings a test may change before the server starts.
#[derive(Clone)]
pub struct Options {
    pub agent_number: Option<String>,
    pub flows_dir: std::path::PathBuf,
    /// `Some(base_url)`: charge through the Stripe gateway at that URL; `None`: the sandbox.
    pub stripe_base_url: Option<String>,
    /// A gateway of the test's own (e.g. one that never answers), instead of the above.
    pub gateway: Option<Arc<dyn ivrpay::payments::Gateway>>,
    /// Per-request gateway timeout.
    pub gateway_timeout: Duration,
    /// HTTP connection and request limits.
    pub http: HttpLimits,
    /// Silence after which upkeep closes a call.
    pub idle_call_after: Duration,
    pub messaging: ivrpay::messages::MessagingSettings,
    /// The provider the server's simulated calls speak as (a registered name).
    pub provider: &'static str,
    /// The base URL of the first provider's API (a stand-in, with its test account), which gives
    /// its dialect call control, recording control and texting; `None`: no API, no capabilities.
    pub provider_api: Option<String>,
    /// Transfers wait in a conference room (hold audio) where the provider can move calls, and
    /// agents can send callers to key in a card; `false`: a plain dial.
    pub conference_transfers: bool,
    /// Pause the call's recording around card entry, and what to do when it cannot be.
    pub pause_recording: Option<ivrpay::config::PauseFailure>,
    /// Directory of recorded prompts.
    pub audio_dir: std::path::PathBuf,
    /// Recordings or text-to-speech whatever the flow says; `None` keeps the flow's choice.
    pub prompts: Option<ivrpay::flow::definition::PromptSource>,
    /// The public URL the server believes it is reached at; `None`: `http://` and the bound
    /// address.
    pub public_url: Option<String>,
    /// Who may read `/metrics`, and on which listener.
    pub metrics: ivrpay::config::MetricsSettings,
    /// How long ended calls keep their step logs; `None`: forever.
    pub step_logs_kept_for: Option<Duration>,
    /// The database pool (a test of an outage shortens its timeouts).
    pub pool: PoolSettings,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            agent_number: Some(AGENT.to_owned()),
            flows_dir: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .join("call-flows"),
            stripe_base_url: None,
            gateway: None,
            gateway_timeout: Duration::from_secs(4),
            http: HttpLimits::default(),
            idle_call_after: Duration::from_secs(60 * 60),
            messaging: ivrpay::messages::MessagingSettings::default(),
            provider: ivrpay::telephony::registry::demo_provider().path_prefix,
            provider_api: None,
            conference_transfers: false,
            pause_recording: None,
            audio_dir: std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .join("audio"),
            prompts: None,
            public_url: None,
            metrics: ivrpay::config::MetricsSettings::default(),
            step_logs_kept_for: UpkeepSettings::default().step_logs_kept_for,
            pool: PoolSettings::default(),
        }
    }
}

pub struct TestServer {
    pub url: String,
    /// The provider its simulated calls speak as ([`Options::provider`]).
    pub provider: &'static str,
    /// The metrics' own listener (`Options::metrics.listen`), when it has one.
    pub metrics_url: Option<String>,
    pub state: AppState,
    pub clock: ManualClock,
    pub database_url: String,
    /// The sandbox gateway, when the server charges through it (to count charges).
    pub sandbox: Option<Arc<SandboxGateway>>,
    options: Options,
    shutdown: Option<oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
    next_call: std::sync::atomic::AtomicU32,
}

/// A fresh database URL for the backend. Always `Some`: a test on PostgreSQL is only run when
/// it is reachable (`services`); the `Option` stays until the callers are rewritten.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite:{}", dir.join("ivrpay.db").display())),
        Backend::Postgres => {
            services::Service::Postgres.in_use();
            let mut admin = sqlx::PgConnection::connect(POSTGRES_ADMIN_URL)
                .await
                .expect("PostgreSQL, reachable when the test started");
            let name = format!("ivrpay_test_{}", hex::encode(rand::random::<[u8; 8]>()));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create test database");
            Some(format!("postgres://postgres@127.0.0.1:5432/{name}"))
        }
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with(backend, Options::default()).await
    }

    pub async fn start_with(backend: Backend, options: Options) -> Option<TestServer> {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(backend, dir.path()).await?;
        let clock = ManualClock::new(time::macros::datetime!(2026-11-23 15:00 UTC));
        let listen = "127.0.0.1:0".parse().expect("address");
        let (app, sandbox) = build(&database_url, &options, &clock, listen).await;
        let state = app.state().clone();
        let metrics_url = app.metrics_addr().map(|addr| format!("http://{addr}"));
        // Where the test reaches the server: the public URL unless a test set one of its own (a
        // proxy's https name, which only the server's checks need to know).
        let url = match &options.public_url {
            Some(_) => format!("http://{}", app.local_addr()),
            None => state.line.public_url.to_string(),
        };
        import_demo_accounts(&state, &clock).await;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Some(TestServer {
            url,
            provider: options.provider,
            metrics_url,
            state,
            clock,
            database_url,
            sandbox,
            options,
            shutdown: Some(shutdown),
            running: Some(running),
            _dir: dir,
            next_call: 0.into(),
        })
    }

    /// A new call from `from`.
    pub async fn call_from(&self, from: &str) -> Call {
        let n = self
            .next_call
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let sid = format!(
            "CA{:032x}",
            u128::from(n) + (rand::random::<u64>() as u128) * 1000
        );
        let secret = test_secret(self.provider);
        let mut call = Call::new(
            ivrpay::http_client(),
            Some(&secret),
            &sid,
            from,
            "+18005550100",
        );
        call.provider =
            ivrpay::telephony::registry::simulator(self.provider).expect("a registered provider");
        call.clock = Arc::new(self.clock.clone());
        call.start(&self.url).await.expect("call connects");
        call
    }

    /// The transfers recorded for a Twilio call, oldest first.
    pub async fn transfers_of(&self, call_sid: &str) -> Vec<ivrpay::store::TransferRow> {
        self.state
            .line
            .store
            .transfers_of_call(self.provider, call_sid)
            .await
            .expect("db")
    }

    /// A call from Linda Brown (caller ID match, English) waiting for her PIN.
    pub async fn linda_at_pin_question(&self) -> Call {
        let mut call = self.call_from("+15552126618").await;
        call.press("1").await.expect("language");
        call.press("1").await.expect("confirm account");
        call
    }

    /// The path and query of the pending question's action URL, for posting to it by hand.
    /// Linda Brown, verified, paying `amount_keys` (keypad dollars) and waiting for her card.
    pub async fn linda_at_card_number(&self, amount_keys: &str) -> Call {
        let mut call = self.linda_at_pin_question().await;
        call.press("6446").await.expect("pin");
        call.press("3").await.expect("another amount");
        call.press(amount_keys).await.expect("amount");
        let mut said = call.press("1").await.expect("amount confirmed");
        // Where a bank debit can be offered too (messages configured, or the provider's API),
        // the caller is asked how to pay first.
        if heard(&said, "How would you like to pay") {
            said = call.press("1").await.expect("by card");
        }
        assert!(heard(&said, "Key in your card number"), "{said:?}");
        call
    }

    /// Enters a whole card and returns what the read-back said.
    pub async fn enter_card(
        &self,
        call: &mut Call,
        number: &str,
        expiry: &str,
        code: &str,
        zip: &str,
    ) -> Vec<String> {
        for keys in [number, expiry, code] {
            call.press(keys).await.expect("card field");
        }
        call.press(zip).await.expect("billing zip")
    }

    /// Answers the pending question with `keys`, `times` times at once (a provider retrying while
    /// the first delivery is still being answered); asserts every answer is the same 200 and
    /// returns it.
    pub async fn press_concurrently(&self, call: &Call, keys: &str, times: usize) -> String {
        let path = self.pending_path(call);
        let params = [
            ("CallSid", call.call_sid.as_str()),
            ("From", "+15552126618"),
            ("Digits", keys),
        ];
        let answers =
            futures::future::join_all((0..times).map(|_| self.post_signed(&path, &params))).await;
        let first = answers[0].1.clone();
        assert!(
            answers
                .iter()
                .all(|(status, body)| *status == 200 && *body == first),
            "{answers:?}"
        );
        first
    }

    pub fn pending_path(&self, call: &Call) -> String {
        let action = call.pending_action().expect("the call is asking");
        action
            .strip_prefix(&self.url)
            .expect("an action on this server")
            .to_owned()
    }

    /// Failed authentications counted on an account.
    pub async fn failed_attempts(&self, account_number: &str) -> i64 {
        let account = self
            .state
            .line
            .store
            .account(account_number)
            .await
            .expect("db");
        account.expect("account exists").failed_auth_attempts
    }

    /// The call record as the admin API returns it.
    pub async fn api_call(&self, call_sid: &str) -> serde_json::Value {
        let response = ivrpay::http_client()
            .get(format!("{}/api/calls/{call_sid}", self.url))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("api answers");
        assert_eq!(response.status(), 200, "GET /api/calls/{call_sid}");
        response.json().await.expect("json")
    }

    /// `GET /api/accounts/{number}`: balance, payments, arrangements, messages.
    pub async fn api_account(&self, number: &str) -> serde_json::Value {
        let response = ivrpay::http_client()
            .get(format!("{}/api/accounts/{number}", self.url))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("api answers");
        assert_eq!(response.status(), 200, "GET /api/accounts/{number}");
        response.json().await.expect("json")
    }

    /// The simulator of the provider this server's calls speak as.
    pub fn simulator(&self) -> Arc<dyn ivrpay::telephony::simulator::Simulator> {
        ivrpay::telephony::registry::simulator(self.provider).expect("a registered provider")
    }

    /// Sends a request as the provider built it to `url`; status and body.
    pub async fn send_simulated(
        &self,
        url: &str,
        request: ivrpay::telephony::simulator::SimulatedRequest,
    ) -> (u16, String) {
        let mut sending = ivrpay::http_client()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, request.content_type)
            .body(request.body);
        for (name, value) in request.headers {
            sending = sending.header(name, value);
        }
        let response = sending.send().await.expect("server answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Posts a webhook of call `call_id` from `from` reporting `fields` to a path (with query),
    /// as this server's provider sends it, signed with its test secret; status and body.
    pub async fn post_as_provider(
        &self,
        path_and_query: &str,
        call_id: &str,
        from: &str,
        fields: &[ivrpay_simulators::caller::Field<'_>],
    ) -> (u16, String) {
        let url = format!("{}{path_and_query}", self.url);
        let webhook =
            ivrpay::telephony::simulator::Webhook::new(&url, call_id, from, "+18005550100", fields);
        let secret = test_secret(self.provider);
        let request = self
            .simulator()
            .request(&webhook, Some(&secret), self.clock.now_ms());
        self.send_simulated(&url, request).await
    }

    /// Posts a signed form to a path (with query) and returns status and body.
    pub async fn post_signed(
        &self,
        path_and_query: &str,
        params: &[(&str, &str)],
    ) -> (u16, String) {
        let url = format!("{}{path_and_query}", self.url);
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let signature = ivrpay::telephony::twilio::compute_signature(AUTH_TOKEN, &url, &owned);
        let response = ivrpay::http_client()
            .post(&url)
            .header("X-Twilio-Signature", signature)
            .form(&owned)
            .send()
            .await
            .expect("server answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Stops the server and starts a new one on the same address and database, as a deploy or
    /// crash-and-restart would (the gateway's state survives, as a real gateway's would).
    pub async fn restart(&mut self) {
        self.stop_serving().await;
        self.state.line.store.close().await;
        let listen = self
            .url
            .trim_start_matches("http://")
            .parse()
            .expect("address");
        let mut config = config(&self.database_url, self.options.clone());
        config.listen = listen;
        let gateway: Arc<dyn ivrpay::payments::Gateway> = match &self.sandbox {
            Some(sandbox) => sandbox.clone(),
            None => self.state.line.gateway.clone(),
        };
        let app = Application::build_with_gateway(config, Arc::new(self.clock.clone()), gateway)
            .await
            .expect("server restarts");
        self.state = app.state().clone();
        self.metrics_url = app.metrics_addr().map(|addr| format!("http://{addr}"));
        let (shutdown, stopped) = oneshot::channel::<()>();
        self.running = Some(tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        })));
        self.shutdown = Some(shutdown);
    }

    /// Shuts the server down gracefully and waits until it has stopped: every request finished,
    /// everything it had to log logged. The database stays, for the test to read.
    pub async fn stop_serving(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(running) = self.running.take() {
            let _ = running.await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.state.line.store.close().await;
        // A PostgreSQL test's kept call ends are in the system's temporary directory.
        let _ = std::fs::remove_dir_all(self.state.line.pending_ends.dir());
        // Each PostgreSQL test has its own database; drop it so runs do not pile them up.
        if let Some(name) = self
            .database_url
            .strip_prefix("postgres://postgres@127.0.0.1:5432/")
            && let Ok(mut admin) = sqlx::PgConnection::connect(POSTGRES_ADMIN_URL).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

async fn build(
    database_url: &str,
    options: &Options,
    clock: &ManualClock,
    listen: std::net::SocketAddr,
) -> (Application, Option<Arc<SandboxGateway>>) {
    let mut config = config(database_url, options.clone());
    config.listen = listen;
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    if let Some(gateway) = &options.gateway {
        let app = Application::build_with_gateway(config, clock, gateway.clone())
            .await
            .expect("server starts");
        return (app, None);
    }
    match &options.stripe_base_url {
        Some(_) => (
            Application::build(config, clock)
                .await
                .expect("server starts"),
            None,
        ),
        None => {
            // Bank debits clear by the test's clock.
            let sandbox = Arc::new(SandboxGateway::with_debit_clock(
                clock.clone(),
                ivrpay::payments::sandbox::DEBIT_SETTLES_AFTER,
            ));
            let app = Application::build_with_gateway(config, clock, sandbox.clone())
                .await
                .expect("server starts");
            (app, Some(sandbox))
        }
    }
}

/// The webhook secret the test server gives `provider`: the two named constants for the first
/// providers, and one made from the name for any provider registered later, so every registered
/// provider is served (and `on_every_provider!` reaches it) with no edit here.
pub fn test_secret(provider: &str) -> String {
    match provider {
        "twilio" => AUTH_TOKEN.to_owned(),
        "signalwire" => SIGNALWIRE_SIGNING_KEY.to_owned(),
        other => format!("test-{other}-webhook-secret"),
    }
}

/// Every registered provider with its test secret; the first (the demo's, which the simulated
/// caller speaks unless told) with its API at `api`, under the stand-in's test account, when
/// given.
pub fn providers(api: Option<&str>) -> Vec<ivrpay::telephony::registry::ProviderConfig> {
    use ivrpay::telephony::registry::REGISTERED;
    REGISTERED
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let mut settings = (entry.accepting)(&test_secret(entry.path_prefix));
            if let (0, Some(api)) = (index, api) {
                settings = settings
                    .with("TWILIO_ACCOUNT_SID", twilio_api::ACCOUNT_SID)
                    .with("TWILIO_API_BASE_URL", api);
            }
            entry.with(settings)
        })
        .collect()
}

pub fn config(database_url: &str, options: Options) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_owned(),
        public_url: options.public_url,
        providers: providers(options.provider_api.as_deref()),
        insecure_skip_signature: false,
        admin_token: Some(SecretString::from(ADMIN_TOKEN)),
        flows_dir: options.flows_dir,
        flow: "payment".into(),
        audio_dir: options.audio_dir,
        prompts: options.prompts,
        pin_key: PinKey::new(PIN_KEY.as_bytes()).expect("pin key"),
        data_key: DataKey::parse(&"ab".repeat(32)).expect("data key"),
        agent_number: options.agent_number,
        max_auth_attempts: 3,
        lockout: Duration::from_secs(15 * 60),
        pay_link_lifetime: Duration::from_secs(72 * 3600),
        pool: options.pool,
        sealed_ttl: Duration::from_secs(10 * 60),
        payments: PaymentSettings {
            gateway: match options.stripe_base_url {
                Some(base_url) => GatewayChoice::Stripe {
                    secret_key: SecretString::from(localstripe::SECRET_KEY),
                    base_url,
                    webhook_secret: Some(SecretString::from(localstripe::WEBHOOK_SECRET)),
                    publishable_key: Some(localstripe::PUBLISHABLE_KEY.to_owned()),
                },
                None => GatewayChoice::Sandbox,
            },
            gateway_timeout: options.gateway_timeout,
            ..PaymentSettings::default()
        },
        http: options.http,
        // Tests run upkeep by hand (`ivrpay::upkeep::run_once`) with the clock they move.
        upkeep: UpkeepSettings {
            interval: None,
            idle_call_after: options.idle_call_after,
            step_logs_kept_for: options.step_logs_kept_for,
            call_ends_dir: None,
        },
        messaging: options.messaging,
        pause_recording: options.pause_recording,
        transfers: if options.conference_transfers {
            ivrpay::config::Transfers::Conference
        } else {
            ivrpay::config::Transfers::Dial
        },
        metrics: options.metrics,
    }
}

/// Adds an agent straight to the store (as `ivrpay agents add` would), with its Argon2id hash.
pub async fn add_agent(state: &AppState, username: &str, name: &str, password: &str, admin: bool) {
    let hash = ivrpay::agents::Password::new_for_agent(password.to_owned())
        .expect("a long enough password")
        .hash()
        .expect("hash");
    let role = if admin { "admin" } else { "agent" };
    state
        .line
        .store
        .add_agent(username, name, &hash, role, 0)
        .await
        .expect("db")
        .expect("a new agent");
}

/// Loads demo/accounts.csv into a server's store.
pub async fn import_demo_accounts(state: &AppState, clock: &ManualClock) {
    import_accounts(state, clock, include_str!("../../../demo/accounts.csv")).await;
}

/// Loads accounts in the import CSV format into a server's store, as `ivrpay accounts import`
/// would (a row for an existing account number replaces it).
pub async fn import_accounts(state: &AppState, clock: &ManualClock, csv: &str) {
    let records =
        import::parse(csv, &state.line.config.pin_key, clock.now().date()).expect("accounts");
    state
        .line
        .store
        .upsert_accounts(&records, clock.now_ms())
        .await
        .expect("import");
}

/// Each PostgreSQL test has its own database; drop it so runs do not pile them up. (SQLite files
/// go with their temporary directory.)
pub async fn drop_database(database_url: &str) {
    if let Some(name) = database_url.strip_prefix("postgres://postgres@127.0.0.1:5432/")
        && let Ok(mut admin) = sqlx::PgConnection::connect(POSTGRES_ADMIN_URL).await
    {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
    }
}

/// Runs a scenario on SQLite and on PostgreSQL, as two tests (`<scenario>::sqlite` and
/// `<scenario>::postgres`); `needs: [Service, ...]` names the outside services it uses besides
/// PostgreSQL.
macro_rules! on_both_backends {
    ($scenario:ident $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::sqlite"),
            [$($($need),*)?],
            $crate::common::harness::Body::MultiThread(|| {
                Box::pin(async {
                    let backend = $crate::common::Backend::Sqlite;
                    if let Some(server) = $crate::common::TestServer::start(backend).await {
                        $scenario(&server).await;
                        server.stop().await;
                    }
                })
            })
        );
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::postgres"),
            [Postgres $($(, $need)*)?],
            $crate::common::harness::Body::MultiThread(|| {
                Box::pin(async {
                    let backend = $crate::common::Backend::Postgres;
                    if let Some(server) = $crate::common::TestServer::start(backend).await {
                        $scenario(&server).await;
                        server.stop().await;
                    }
                })
            })
        );
    };
}

/// Registers `async fn $scenario(&TestServer)` once per backend and per registered provider
/// (`{scenario}::{provider}::{backend}`), each on a fresh server whose calls speak as that
/// provider: the black-box scenarios every provider must pass, from one suite. A provider added
/// to the registry is run through them with no edit here. `uses: [Feature, ...]` keeps a
/// scenario to the providers whose markup does those things (answers by voice are not asked of
/// a provider whose questions take keys only), `lacks: [Feature, ...]` to the others (what such
/// a provider does instead).
macro_rules! on_every_provider {
    ($scenario:ident $(, needs: [$($need:ident),* $(,)?])? $(, $which:ident: [$($feature:ident),* $(,)?])?) => {
        on_every_provider!(
            @ $scenario,
            [$($($need),*)?],
            on_every_provider!(@picks $(, $which: [$($feature),*])?)
        );
    };
    (@picks) => {
        |_: &dyn ivrpay::telephony::Dialect| true
    };
    (@picks, uses: [$($feature:ident),*]) => {
        |dialect: &dyn ivrpay::telephony::Dialect| {
            $crate::common::harness::does(dialect, &[$(ivrpay::telephony::differences::Feature::$feature),*])
        }
    };
    (@picks, lacks: [$($feature:ident),*]) => {
        |dialect: &dyn ivrpay::telephony::Dialect| {
            !$crate::common::harness::does(dialect, &[$(ivrpay::telephony::differences::Feature::$feature),*])
        }
    };
    (@ $scenario:ident, [$($need:ident),*], $picks:expr) => {
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::sqlite"),
            [$($need),*],
            $crate::common::harness::Body::EveryProvider(|provider| {
                Box::pin(async move {
                    let options = $crate::common::Options {
                        provider,
                        ..$crate::common::Options::default()
                    };
                    let backend = $crate::common::Backend::Sqlite;
                    if let Some(server) =
                        $crate::common::TestServer::start_with(backend, options).await
                    {
                        $scenario(&server).await;
                        server.stop().await;
                    }
                })
            }, $picks)
        );
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::postgres"),
            [Postgres $(, $need)*],
            $crate::common::harness::Body::EveryProvider(|provider| {
                Box::pin(async move {
                    let options = $crate::common::Options {
                        provider,
                        ..$crate::common::Options::default()
                    };
                    let backend = $crate::common::Backend::Postgres;
                    if let Some(server) =
                        $crate::common::TestServer::start_with(backend, options).await
                    {
                        $scenario(&server).await;
                        server.stop().await;
                    }
                })
            }, $picks)
        );
    };
}

/// Runs `scenario(backend)` on SQLite and on PostgreSQL, as two tests; for scenarios that start
/// their own server (custom options, restarts). `needs` as for `on_both_backends!`.
macro_rules! on_both_backends_with_own_server {
    ($scenario:ident $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::sqlite"),
            [$($($need),*)?],
            $crate::common::harness::Body::MultiThread(|| {
                Box::pin($scenario($crate::common::Backend::Sqlite))
            })
        );
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::postgres"),
            [Postgres $($(, $need)*)?],
            $crate::common::harness::Body::MultiThread(|| {
                Box::pin($scenario($crate::common::Backend::Postgres))
            })
        );
    };
}

/// Runs `scenario(backend, provider)` on SQLite and on PostgreSQL for each registered provider
/// `picks` picks (`{scenario}::{provider}::{backend}`); for per-provider scenarios that start
/// their own server. `needs` as for `on_both_backends!`.
macro_rules! on_every_provider_with_own_server {
    ($scenario:ident, picks: $picks:expr $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::sqlite"),
            [$($($need),*)?],
            $crate::common::harness::Body::EveryProvider(
                |provider| Box::pin($scenario($crate::common::Backend::Sqlite, provider)),
                $picks
            )
        );
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::postgres"),
            [Postgres $($(, $need)*)?],
            $crate::common::harness::Body::EveryProvider(
                |provider| Box::pin($scenario($crate::common::Backend::Postgres, provider)),
                $picks
            )
        );
    };
}

/// A gateway that never answers: every charge times out.
pub struct SilentGateway;

impl ivrpay::payments::Gateway for SilentGateway {
    fn name(&self) -> &'static str {
        "silent"
    }

    fn charge<'a>(
        &'a self,
        _req: &'a ivrpay::payments::ChargeRequest<'_>,
    ) -> ivrpay::payments::gateway::ChargeFuture<'a> {
        Box::pin(std::future::pending())
    }
}

/// Whether any heard line contains `needle`.
pub fn heard(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|line| line.contains(needle))
}

/// Asserts that a heard line contains the needle ([`heard`]): `assert_heard!(&said, "Your
/// balance is")`, with an optional message as `assert!` takes. A failure prints every line heard.
macro_rules! assert_heard {
    ($lines:expr, $needle:expr $(,)?) => {
        $crate::common::check_heard($lines, $needle, true, None)
    };
    ($lines:expr, $needle:expr, $($message:tt)+) => {
        $crate::common::check_heard($lines, $needle, true, Some(format_args!($($message)+)))
    };
}

/// Asserts that no heard line contains the needle; the negative of `assert_heard!`.
macro_rules! assert_not_heard {
    ($lines:expr, $needle:expr $(,)?) => {
        $crate::common::check_heard($lines, $needle, false, None)
    };
    ($lines:expr, $needle:expr, $($message:tt)+) => {
        $crate::common::check_heard($lines, $needle, false, Some(format_args!($($message)+)))
    };
}

/// `assert_heard!` (`expected`) and `assert_not_heard!`: a function, so each assertion compiles
/// to a call, and `#[track_caller]`, so a failure names the test's line.
#[track_caller]
pub fn check_heard(
    lines: &[String],
    needle: &str,
    expected: bool,
    message: Option<std::fmt::Arguments<'_>>,
) {
    if let Some(failure) = heard_failure(lines, needle, expected, message) {
        panic!("{failure}");
    }
}

/// What `check_heard` panics with, or `None` when the assertion holds: the needle, the message,
/// and every line heard, those holding the needle marked `>`.
pub fn heard_failure(
    lines: &[String],
    needle: &str,
    expected: bool,
    message: Option<std::fmt::Arguments<'_>>,
) -> Option<String> {
    if heard(lines, needle) == expected {
        return None;
    }
    let what = if expected {
        "did not hear"
    } else {
        "should not have heard"
    };
    let mut failure = format!("{what} {needle:?}");
    if let Some(message) = message {
        failure.push_str(&format!(" ({message})"));
    }
    failure.push_str("; heard:");
    for line in lines {
        let mark = if line.contains(needle) { ">" } else { " " };
        failure.push_str(&format!("\n  {mark} {line}"));
    }
    if lines.is_empty() {
        failure.push_str(" nothing");
    }
    Some(failure)
}
