//! The black-box harness: the real server on 127.0.0.1:0 with a fresh database (a new SQLite file,
//! or a new PostgreSQL database), demo accounts imported, a clock the test moves by hand, and a
//! caller that drives signed webhooks.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use ivrpay::accounts::import;
use ivrpay::accounts::secrets::PinKey;
use ivrpay::app::{AppState, Application};
use ivrpay::caller::Call;
use ivrpay::clock::{Clock, ManualClock};
use ivrpay::config::Config;
use ivrpay::payments::vault::DataKey;
use ivrpay::store::PoolSettings;
use secrecy::SecretString;
use sqlx::Connection;
use tokio::sync::oneshot;

pub const AUTH_TOKEN: &str = "test-twilio-auth-token";
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
pub struct Options {
    pub agent_number: Option<String>,
    pub flows_dir: std::path::PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            agent_number: Some(AGENT.to_owned()),
            flows_dir: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("call-flows"),
        }
    }
}

pub struct TestServer {
    pub url: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    next_call: std::sync::atomic::AtomicU32,
}

/// A fresh database URL for the backend, or `None` (after saying so) when PostgreSQL is not
/// running and the run does not require it.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite:{}", dir.join("ivrpay.db").display())),
        Backend::Postgres => {
            let required = std::env::var("IVRPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
            let mut admin = match sqlx::PgConnection::connect(POSTGRES_ADMIN_URL).await {
                Ok(conn) => conn,
                Err(err) if !required => {
                    eprintln!(
                        "SKIPPED on PostgreSQL: no server at 127.0.0.1:5432 ({err}); set IVRPAY_REQUIRE_POSTGRES=1 to fail instead"
                    );
                    return None;
                }
                Err(err) => {
                    panic!("IVRPAY_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {err}")
                }
            };
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
        let config = config(&database_url, options);
        let app = Application::build(config, Arc::new(clock.clone()))
            .await
            .expect("server starts");
        let state = app.state().clone();
        let url = state.public_url.to_string();
        let records = import::parse(
            include_str!("../../demo/accounts.csv"),
            &state.config.pin_key,
            clock.now().date(),
        )
        .expect("demo accounts");
        state
            .store
            .upsert_accounts(&records, clock.now_ms())
            .await
            .expect("import");
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Some(TestServer {
            url,
            state,
            clock,
            database_url,
            shutdown: Some(shutdown),
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
        Call::dial(&self.url, Some(AUTH_TOKEN), &sid, from, "+18005550100")
            .await
            .expect("call connects")
    }

    /// A call from Linda Brown (caller ID match, English) waiting for her PIN.
    pub async fn linda_at_pin_question(&self) -> Call {
        let mut call = self.call_from("+15552126618").await;
        call.press("1").await.expect("language");
        call.press("1").await.expect("confirm account");
        call
    }

    /// The path and query of the pending question's action URL, for posting to it by hand.
    pub fn pending_path(&self, call: &Call) -> String {
        let action = call.pending_action().expect("the call is asking");
        action
            .strip_prefix(&self.url)
            .expect("an action on this server")
            .to_owned()
    }

    /// Failed authentications counted on an account.
    pub async fn failed_attempts(&self, account_number: &str) -> i64 {
        let account = self.state.store.account(account_number).await.expect("db");
        account.expect("account exists").failed_auth_attempts
    }

    /// The call record as the admin API returns it.
    pub async fn api_call(&self, call_sid: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .get(format!("{}/api/calls/{call_sid}", self.url))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("api answers");
        assert_eq!(response.status(), 200, "GET /api/calls/{call_sid}");
        response.json().await.expect("json")
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
        let response = reqwest::Client::new()
            .post(&url)
            .header("X-Twilio-Signature", signature)
            .form(&owned)
            .send()
            .await
            .expect("server answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.state.store.close().await;
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

pub fn config(database_url: &str, options: Options) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_owned(),
        public_url: None,
        twilio_auth_token: Some(SecretString::from(AUTH_TOKEN)),
        insecure_skip_signature: false,
        admin_token: Some(SecretString::from(ADMIN_TOKEN)),
        flows_dir: options.flows_dir,
        flow: "payment".into(),
        demo: false,
        pin_key: PinKey::new(PIN_KEY.as_bytes()).expect("pin key"),
        data_key: DataKey::parse(&"ab".repeat(32)).expect("data key"),
        agent_number: options.agent_number,
        max_auth_attempts: 3,
        lockout: Duration::from_secs(15 * 60),
        pool: PoolSettings::default(),
        sealed_ttl: Duration::from_secs(10 * 60),
        payments: Default::default(),
    }
}

/// Runs a scenario on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($scenario:ident) => {
        mod $scenario {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(server) = common::TestServer::start(common::Backend::Sqlite).await {
                    super::$scenario(&server).await;
                    server.stop().await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(server) = common::TestServer::start(common::Backend::Postgres).await {
                    super::$scenario(&server).await;
                    server.stop().await;
                }
            }
        }
    };
}

/// Whether any heard line contains `needle`.
pub fn heard(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|line| line.contains(needle))
}
