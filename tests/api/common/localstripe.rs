//! A local stand-in for Stripe: localstripe, run through `tests/support/localstripe_shim.py`
//! (which patches in the Stripe behaviours localstripe lacks: idempotency keys, declines with
//! Stripe's codes at confirmation). Needs `pip install localstripe` (`needs: [LocalStripe]`, see
//! `services`).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ivrpay::payments::stripe::StripeGateway;
use secrecy::SecretString;

pub const SECRET_KEY: &str = "sk_test_ivrpay";
/// The key Stripe.js identifies itself with in the browser tests.
pub const PUBLISHABLE_KEY: &str = "pk_test_ivrpay";
/// The signing secret of the line's `/stripe/webhook` endpoint in tests.
pub const WEBHOOK_SECRET: &str = "whsec_ivrpay_test";

/// A running localstripe, stopped when dropped.
pub struct LocalStripe {
    child: Child,
    pub base_url: String,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub enum Mode {
    /// With Stripe's idempotency and decline behaviour patched in.
    StripeLike,
    /// localstripe as shipped.
    Plain,
}

/// Starts localstripe.
pub async fn start(mode: Mode) -> LocalStripe {
    super::services::Service::LocalStripe.in_use();
    // Ask the OS for a free port; the tiny window before localstripe binds it
    // is acceptable for tests.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let shim = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("tests/support/localstripe_shim.py");
    let mut command = Command::new("python3");
    command
        .arg(shim)
        .args(["--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if matches!(mode, Mode::Plain) {
        command.arg("--plain");
    }
    let mut server = LocalStripe {
        child: command.spawn().expect("start localstripe"),
        base_url: format!("http://127.0.0.1:{port}"),
    };
    let http = ivrpay::http_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.child.try_wait().expect("poll localstripe") {
            panic!("localstripe exited early: {status}");
        }
        let ready = http
            .get(format!("{}/v1/payment_intents", server.base_url))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return server;
        }
        assert!(Instant::now() < deadline, "localstripe did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl LocalStripe {
    pub fn gateway(&self) -> StripeGateway {
        StripeGateway::new(
            SecretString::from(SECRET_KEY),
            self.base_url.clone(),
            ivrpay::http_client(),
        )
    }

    /// GET a localstripe resource as JSON.
    pub async fn get(&self, path: &str) -> serde_json::Value {
        ivrpay::http_client()
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("localstripe answers")
    }

    /// Has localstripe post its events to `url`, signed with `secret` as Stripe signs them.
    pub async fn send_events_to(&self, url: &str, secret: &str) {
        let status = ivrpay::http_client()
            .post(format!("{}/_config/webhooks/ivrpay", self.base_url))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .expect("localstripe answers")
            .status();
        assert!(
            status.is_success(),
            "localstripe took the webhook: {status}"
        );
    }

    /// All PaymentIntents localstripe holds.
    pub async fn payment_intents(&self) -> Vec<serde_json::Value> {
        let list = self.get("/v1/payment_intents?limit=100").await;
        list["data"]
            .as_array()
            .expect("localstripe answers")
            .clone()
    }
}
