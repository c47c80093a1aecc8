//! Data minimisation: step logs (each step and the keys pressed), flow cursors and last replies
//! are purged by upkeep a set number of days after a call ends; the call's summary and its
//! payments stay. Recent and open calls keep theirs; `None` keeps them forever. On SQLite and
//! PostgreSQL, with the clock moved instead of waiting.

use crate::common;

use std::time::Duration;

use common::{Backend, Options, TestServer};
use ivrpay::clock::Clock;
use ivrpay::upkeep;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What the database keeps of a call's log: its steps, flow cursor and last reply.
async fn kept(server: &TestServer, call_sid: &str) -> (String, String, String) {
    sqlx::query_as("SELECT steps, session, last_reply FROM calls WHERE call_sid = $1")
        .bind(call_sid)
        .fetch_one(server.state.line.store.pool())
        .await
        .expect("db")
}

async fn assert_log_kept(server: &TestServer, call_sid: &str) {
    let record = server.api_call(call_sid).await;
    assert!(
        !record["steps"].as_array().expect("steps").is_empty(),
        "{record}"
    );
    assert!(record["steps_purged_at"].is_null(), "{record}");
    let (steps, session, last_reply) = kept(server, call_sid).await;
    assert!(!steps.is_empty() && !session.is_empty() && !last_reply.is_empty());
}

async fn old_ended_calls_lose_their_step_logs_and_keep_their_summary(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    // Linda pays, then hangs up: her call ends now.
    let mut old = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut old, "4242424242424242", "1228", "123", "77141")
        .await;
    old.press("1").await.expect("pay");
    old.hang_up(&server.url).await.expect("hang up");
    let ended = server.api_call(&old.call_sid).await;
    // A call whose end is never reported: upkeep closes it when it has gone silent.
    let mut silent = server.call_from("+15552126618").await;
    silent.press("1").await.expect("language");

    server.clock.advance(91 * DAY);
    let mut recent = server.linda_at_pin_question().await;
    recent.hang_up(&server.url).await.expect("hang up");
    let mut open = server.call_from("+15552126618").await;
    open.press("1").await.expect("language");

    let report = upkeep::run_once(&server.state.line).await.expect("upkeep");
    assert_eq!(report.step_logs_purged, 1, "{report:?}");
    assert_eq!(
        report.calls_closed, 1,
        "the silent call, ended now: {report:?}"
    );

    let purged = server.api_call(&old.call_sid).await;
    assert_eq!(purged["steps"], serde_json::json!([]), "{purged}");
    assert_eq!(
        purged["steps_purged_at"].as_i64(),
        Some(server.clock.now_ms()),
        "{purged}"
    );
    for summary in [
        "outcome",
        "last_step",
        "language",
        "account_number",
        "started_at",
        "ended_at",
        "from",
        "to",
        "payments",
    ] {
        assert_eq!(purged[summary], ended[summary], "{summary} stays");
    }
    assert_eq!(purged["outcome"], "paid");
    assert_eq!(purged["payments"][0]["status"], "approved");
    assert_eq!(
        kept(&server, &old.call_sid).await,
        (String::new(), String::new(), String::new())
    );
    for call in [&silent, &recent, &open] {
        assert_log_kept(&server, &call.call_sid).await;
    }

    // A late webhook for the purged call is told the call is over.
    let (status, body) = server
        .post_signed(
            "/twilio/gather?turn=3",
            &[("CallSid", old.call_sid.as_str()), ("Digits", "1")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("<Hangup"), "{body}");

    // Nothing is purged twice.
    let again = upkeep::run_once(&server.state.line).await.expect("upkeep");
    assert_eq!(again.step_logs_purged, 0, "{again:?}");

    // Ninety days on, the two calls that ended on day 91 go too; the open one has gone silent
    // and is closed now, so it keeps its log for another ninety days.
    server.clock.advance(90 * DAY + Duration::from_secs(60));
    let later = upkeep::run_once(&server.state.line).await.expect("upkeep");
    assert_eq!(later.calls_closed, 1, "{later:?}");
    assert_eq!(later.step_logs_purged, 2, "{later:?}");
    for call in [&silent, &recent] {
        assert_eq!(
            server.api_call(&call.call_sid).await["steps"],
            serde_json::json!([])
        );
    }
    assert_log_kept(&server, &open.call_sid).await;
    server.stop().await;
}
on_both_backends_with_own_server!(old_ended_calls_lose_their_step_logs_and_keep_their_summary);

async fn kept_forever_when_retention_is_off(backend: Backend) {
    let options = Options {
        step_logs_kept_for: None,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    call.hang_up(&server.url).await.expect("hang up");
    server.clock.advance(1000 * DAY);
    let report = upkeep::run_once(&server.state.line).await.expect("upkeep");
    assert_eq!(report.step_logs_purged, 0, "{report:?}");
    assert_log_kept(&server, &call.call_sid).await;
    server.stop().await;
}
on_both_backends_with_own_server!(kept_forever_when_retention_is_off);
