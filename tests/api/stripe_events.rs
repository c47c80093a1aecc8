//! Stripe's signed events at `POST /stripe/webhook`, end to end: localstripe posts the events of
//! a real payment, signed as Stripe signs them; a forged or stale signature is refused; an event
//! delivered again is recognised and not acted on twice. (Stripe's own library's signature is
//! pinned in `payments::stripe::events`' unit tests; localstripe cannot debit bank accounts, so
//! bank events are tested there and through the sandbox's settlement by upkeep.)

use crate::common;

use std::time::Duration;

use common::localstripe::{Mode, WEBHOOK_SECRET, start};
use common::{Backend, Options, TestServer};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Signs `body` at `at` (Unix seconds) as Stripe does, for events localstripe cannot send.
fn signed(body: &str, at: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).expect("key");
    mac.update(format!("{at}.{body}").as_bytes());
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_event(server: &TestServer, body: &str, signature: &str) -> (u16, serde_json::Value) {
    let response = ivrpay::http_client()
        .post(format!("{}/stripe/webhook", server.url))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// A relay for localstripe's events: its URL, and each event as posted (body and
/// `Stripe-Signature`), in order.
async fn relay() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
) {
    use axum::routing::post;
    let (sender, delivered) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/events",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let signature = headers
                .get("stripe-signature")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let _ = sender.send((body, signature));
            async {}
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/events", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, delivered)
}

/// The events the line recorded, by kind.
async fn recorded_events(server: &TestServer) -> Vec<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&server.database_url)
        .await
        .expect("db");
    sqlx::query_scalar("SELECT kind FROM gateway_events ORDER BY received_at")
        .fetch_all(&mut conn)
        .await
        .expect("events")
}

async fn stripe_events_are_verified_and_applied_once(backend: Backend) {
    let stripe = start(Mode::StripeLike).await;
    let options = Options {
        stripe_base_url: Some(stripe.base_url.clone()),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    // Signatures are checked against the line's clock: the test's clock is set to now, when
    // localstripe signs.
    let now = time::OffsetDateTime::now_utc();
    server
        .clock
        .advance((now - ivrpay::clock::Clock::now(&server.clock)).unsigned_abs());
    // localstripe posts its events to a relay here, which hands each to the test as it
    // arrives; the test passes them on to the line unchanged, signature and all.
    let (relay_url, mut delivered) = relay().await;
    stripe.send_events_to(&relay_url, WEBHOOK_SECRET).await;

    // Linda pays; localstripe then posts the PaymentIntent's success, signed.
    let mut call = server.linda_at_card_number("25").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "was approved");
    // localstripe posts from its own process a second after the payment: the test waits on
    // that delivery itself.
    loop {
        let (body, signature) = tokio::time::timeout(Duration::from_secs(20), delivered.recv())
            .await
            .expect("localstripe's signed event arrived")
            .expect("the relay runs");
        let (status, _) = post_event(&server, &body, &signature).await;
        assert_eq!(status, 200, "{body}");
        if body.contains("payment_intent.succeeded") {
            break;
        }
    }
    assert!(
        recorded_events(&server)
            .await
            .contains(&"payment_intent.succeeded".to_owned()),
        "localstripe's signed event arrived: {:?}",
        recorded_events(&server).await
    );
    let paid = server.api_call(&call.call_sid).await["payments"][0].clone();
    assert_eq!(
        paid["status"], "approved",
        "the event changes nothing: {paid}"
    );

    // A failure event for an approved payment cannot undo it; delivered again, it is known.
    let reference = paid["gateway_reference"].as_str().expect("reference");
    let at = now.unix_timestamp();
    let body = format!(
        r#"{{"id":"evt_late_1","type":"payment_intent.payment_failed","data":{{"object":{{"id":"{reference}","last_payment_error":{{"code":"card_declined"}}}}}}}}"#
    );
    let (status, answer) = post_event(&server, &body, &signed(&body, at)).await;
    assert_eq!(
        (status, answer["detail"].as_str()),
        (200, Some("nothing to change"))
    );
    let (status, answer) = post_event(&server, &body, &signed(&body, at)).await;
    assert_eq!(
        (status, answer["detail"].as_str()),
        (200, Some("already received"))
    );
    assert_eq!(
        server.api_call(&call.call_sid).await["payments"][0]["status"],
        "approved"
    );

    // Forged, tampered or stale: refused, and nothing recorded.
    let before = recorded_events(&server).await.len();
    let forged = body.replace("evt_late_1", "evt_forged");
    for (body, signature) in [
        (forged.as_str(), format!("t={at},v1={}", "0".repeat(64))),
        (forged.as_str(), signed(&body, at)),
        (forged.as_str(), signed(&forged, at - 3_600)),
        (forged.as_str(), String::new()),
    ] {
        let (status, _) = post_event(&server, body, &signature).await;
        assert_eq!(status, 400, "{signature:?}");
    }
    assert_eq!(recorded_events(&server).await.len(), before);
    server.stop().await;
}
on_both_backends_with_own_server!(stripe_events_are_verified_and_applied_once, needs: [LocalStripe]);
