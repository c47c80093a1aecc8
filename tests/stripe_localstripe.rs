//! The Stripe gateway against localstripe, a local fake of Stripe's API.
//!
//! Each test starts its own localstripe on a free port through
//! `tests/support/localstripe_shim.py`, which runs localstripe's own server with
//! the Stripe behaviours it lacks patched in (idempotency keys, declines with
//! Stripe's codes at confirmation, `description`); see that file. One test runs
//! it `--plain`, to show the gateway also works with localstripe unpatched.
//!
//! Needs `pip install localstripe`. Without it these tests print why and pass,
//! unless `IVRPAY_REQUIRE_LOCALSTRIPE=1`, when they fail instead.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ivrpay::payments::card::{BillingZip, CardDetails, CardNumber, Expiry, SecurityCode};
use ivrpay::payments::gateway::{
    ChargeRequest, ChargeResult, DeclineReason, Gateway, GatewayError, charge_with_retry,
};
use ivrpay::payments::money::Money;
use ivrpay::payments::stripe::StripeGateway;
use secrecy::SecretString;

const SECRET_KEY: &str = "sk_test_ivrpay";
const TIMEOUT: Duration = Duration::from_secs(10);

/// A running localstripe, stopped when dropped.
struct LocalStripe {
    child: Child,
    base_url: String,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Mode {
    /// With Stripe's idempotency and decline behaviour patched in.
    StripeLike,
    /// localstripe as shipped.
    Plain,
}

fn localstripe_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import localstripe"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts localstripe, or returns `None` (after saying why) when it is not
/// installed and not required.
async fn start(mode: Mode) -> Option<LocalStripe> {
    if !localstripe_installed() {
        let required = std::env::var("IVRPAY_REQUIRE_LOCALSTRIPE").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "IVRPAY_REQUIRE_LOCALSTRIPE=1 but python3 cannot import localstripe (pip install localstripe)"
        );
        eprintln!("skipped: python3 cannot import localstripe (pip install localstripe)");
        return None;
    }
    // Ask the OS for a free port; the tiny window before localstripe binds it
    // is acceptable for tests.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/localstripe_shim.py");
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
    let http = reqwest::Client::new();
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
            return Some(server);
        }
        assert!(Instant::now() < deadline, "localstripe did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl LocalStripe {
    fn gateway(&self) -> StripeGateway {
        StripeGateway::new(
            SecretString::from(SECRET_KEY),
            self.base_url.clone(),
            reqwest::Client::new(),
        )
    }

    /// GET a localstripe resource as JSON.
    async fn get(&self, path: &str) -> serde_json::Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// All PaymentIntents localstripe holds.
    async fn payment_intents(&self) -> Vec<serde_json::Value> {
        let list = self.get("/v1/payment_intents?limit=100").await;
        list["data"].as_array().unwrap().clone()
    }
}

/// A card expiring in December three years from now, valid today.
fn card(number: &str, code: &str) -> CardDetails {
    let today = time::OffsetDateTime::now_utc().date();
    let number = CardNumber::parse(number).unwrap();
    CardDetails {
        security_code: SecurityCode::parse(code, number.brand()).unwrap(),
        number,
        expiry: Expiry::parse(&format!("12{:02}", (today.year() + 3) % 100), today).unwrap(),
        zip: BillingZip::parse("83462").unwrap(),
    }
}

fn request<'a>(card: &'a CardDetails, key: &str, description: &str) -> ChargeRequest<'a> {
    ChargeRequest {
        amount: Money::parse_decimal("44.53").unwrap(),
        card,
        idempotency_key: key.into(),
        description: description.into(),
    }
}

/// Charges `number` and returns the result.
async fn charge(server: &LocalStripe, number: &str) -> ChargeResult {
    let card = card(number, "123");
    let req = request(&card, &format!("CA-{number}"), "ivrpay test payment");
    charge_with_retry(&server.gateway(), &req, TIMEOUT).await
}

async fn assert_declined(number: &str, want: DeclineReason) {
    let Some(server) = start(Mode::StripeLike).await else {
        return;
    };
    match charge(&server, number).await {
        ChargeResult::Declined { reason, reference } => {
            assert_eq!(reason, want, "{number}");
            let reference = reference.expect("a decline names the payment");
            assert!(reference.starts_with("pi_"), "{reference}");
            let intent = server
                .get(&format!("/v1/payment_intents/{reference}"))
                .await;
            assert_eq!(intent["status"], "requires_payment_method");
        }
        other => panic!("{number}: {other:?}"),
    }
}

#[tokio::test]
async fn approved_card_is_charged() {
    let Some(server) = start(Mode::StripeLike).await else {
        return;
    };
    let ChargeResult::Approved { reference } = charge(&server, "4242424242424242").await else {
        panic!("not approved");
    };
    let intent = server
        .get(&format!("/v1/payment_intents/{reference}"))
        .await;
    assert_eq!(intent["status"], "succeeded");
    assert_eq!(intent["amount"], 4453);
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["description"], "ivrpay test payment");
    let pm = server
        .get(&format!(
            "/v1/payment_methods/{}",
            intent["payment_method"].as_str().unwrap()
        ))
        .await;
    assert_eq!(pm["card"]["last4"], "4242");
    assert_eq!(pm["billing_details"]["address"]["postal_code"], "83462");
}

#[tokio::test]
async fn declined_card_is_declined() {
    assert_declined("4000000000000002", DeclineReason::Declined).await;
}

#[tokio::test]
async fn insufficient_funds_is_reported() {
    assert_declined("4000000000009995", DeclineReason::InsufficientFunds).await;
}

#[tokio::test]
async fn expired_card_is_reported() {
    assert_declined("4000000000000069", DeclineReason::ExpiredCard).await;
}

#[tokio::test]
async fn incorrect_security_code_is_reported() {
    assert_declined("4000000000000127", DeclineReason::IncorrectSecurityCode).await;
}

#[tokio::test]
async fn processing_error_is_reported() {
    assert_declined("4000000000000119", DeclineReason::ProcessingError).await;
}

#[tokio::test]
async fn same_idempotency_key_twice_charges_once() {
    let Some(server) = start(Mode::StripeLike).await else {
        return;
    };
    let gateway = server.gateway();
    let card = card("4242424242424242", "123");
    let req = request(&card, "CA42-payment-1", "ivrpay test payment");

    let first = charge_with_retry(&gateway, &req, TIMEOUT).await;
    let second = charge_with_retry(&gateway, &req, TIMEOUT).await;

    let ChargeResult::Approved { reference } = &first else {
        panic!("{first:?}");
    };
    assert_eq!(first, second, "the repeat replays the first answer");
    let intents = server.payment_intents().await;
    assert_eq!(intents.len(), 1, "one charge at localstripe");
    assert_eq!(intents[0]["id"], reference.as_str());

    // A new key is a new payment.
    let third = charge_with_retry(
        &gateway,
        &request(&card, "CA42-payment-2", "ivrpay test payment"),
        TIMEOUT,
    )
    .await;
    assert!(matches!(third, ChargeResult::Approved { .. }), "{third:?}");
    assert_ne!(third, first);
    assert_eq!(server.payment_intents().await.len(), 2);
}

#[tokio::test]
async fn plain_localstripe_approves_and_declines() {
    let Some(server) = start(Mode::Plain).await else {
        return;
    };
    let gateway = server.gateway();
    // Plain localstripe refuses a `description`; an empty one is not sent.
    let good = card("4242424242424242", "123");
    let approved = charge_with_retry(&gateway, &request(&good, "plain-1", ""), TIMEOUT).await;
    assert!(
        matches!(approved, ChargeResult::Approved { .. }),
        "{approved:?}"
    );
    // The one number plain localstripe declines when charged.
    let bad = card("4000000000000341", "123");
    let declined = charge_with_retry(&gateway, &request(&bad, "plain-2", ""), TIMEOUT).await;
    assert!(
        matches!(
            declined,
            ChargeResult::Declined {
                reason: DeclineReason::Declined,
                reference: Some(_)
            }
        ),
        "{declined:?}"
    );
}

#[tokio::test]
async fn refused_request_is_rejected_without_card_data() {
    let Some(server) = start(Mode::StripeLike).await else {
        return;
    };
    // localstripe only takes 16-digit numbers and 3-digit codes, so it refuses
    // this (valid) Amex card with a 400: a handy refused request.
    let number = "378282246310005";
    let amex = card(number, "7373");
    let err = server
        .gateway()
        .charge(&request(&amex, "amex-1", "ivrpay test payment"))
        .await
        .unwrap_err();
    let GatewayError::Rejected(detail) = &err else {
        panic!("{err:?}");
    };
    assert!(detail.contains("400"), "{detail}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(number) && !text.contains("7373"), "{text}");
    }
    assert!(server.payment_intents().await.is_empty());
}
