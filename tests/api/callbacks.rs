//! Business hours and callbacks: a caller who asks for a person when no one can take the call
//! (outside hours, on a holiday, or a transfer nobody answers) is offered a callback, never
//! dropped; the callback is listed and closed through the admin API. Whole calls through signed
//! webhooks on SQLite and PostgreSQL, the clock set by the test (the shipped hours.toml: New
//! York, weekdays 9 to 5, Thanksgiving 2026-11-26 closed; the test clock starts Monday
//! 2026-11-23 at 10:00 in New York).

use crate::common;

use std::time::Duration;

use common::{ADMIN_TOKEN, AGENT, TestServer};
use ivrpay_simulators::caller::Call;

const LINDA: &str = "+15552126618"; // 66253365, PIN 6446, English

/// Monday 18:00 in New York: closed.
const TO_MONDAY_EVENING: Duration = Duration::from_secs(8 * 3600);

async fn callbacks(server: &TestServer, query: &str) -> Vec<serde_json::Value> {
    let response = ivrpay::http_client()
        .get(format!("{}/api/callbacks{query}", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("api answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn close(server: &TestServer, id: i64, note: &str) -> (u16, serde_json::Value) {
    let response = ivrpay::http_client()
        .post(format!("{}/api/callbacks/{id}/close", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({ "note": note }))
        .send()
        .await
        .expect("api answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// Linda, verified, at her balance menu.
async fn linda_at_balance(server: &TestServer) -> Call {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "Your balance is");
    call
}

async fn outside_hours_a_person_offers_a_callback_that_is_listed_and_closed(server: &TestServer) {
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = linda_at_balance(server).await;

    let said = call.press("0").await.expect("a person");
    assert_heard!(
        &said,
        "no one can take your call right now, but we can call you back"
    );
    assert_heard!(&said, "Should we call 5 5 5, 2 1 2, 6 6 1 8?");
    let said = call.say("yes", Some("0.93")).await.expect("yes");
    assert_heard!(
        &said,
        "When should we call? For tomorrow morning, between 9 AM and noon, say or press 1. \
             For tomorrow afternoon, between noon and 5 PM, say or press 2. For Wednesday \
             morning, between 9 AM and noon, say or press 3."
    );
    let said = call.press("2").await.expect("window");
    assert_heard!(
        &said,
        "We'll call 5 5 5, 2 1 2, 6 6 1 8 tomorrow afternoon, between noon and 5 PM"
    );
    assert!(call.ended);
    assert_eq!(call.transferred_to, None);
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "callback_requested"
    );

    let open = callbacks(server, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    let callback = &open[0];
    assert_eq!(callback["phone"], LINDA);
    assert_eq!(callback["account_number"], "66253365");
    // Tuesday noon to 5 PM in New York (EST, UTC-5).
    assert_eq!(callback["window_start"], "2026-11-24T17:00:00Z");
    assert_eq!(callback["window_end"], "2026-11-24T22:00:00Z");
    assert_eq!(callback["reason"], "closed");
    assert_eq!(callback["asked_at"], "balance_offers");
    assert_eq!(callback["language"], "en");

    let id = callback["id"].as_i64().expect("id");
    // The probe: a card number followed by its expiry and code, in an admin's note.
    let (status, closed) = close(
        server,
        id,
        "Called back; paid in full. card 4242424242424242 1228 123",
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "done");
    let masked = "Called back; paid in full. card **************** ***8 123";
    assert_eq!(closed["note"], masked, "card digits in a note are masked");
    assert!(callbacks(server, "?status=open").await.is_empty());
    assert_eq!(callbacks(server, "?status=done").await.len(), 1);
    let (status, again) = close(server, id, "a second note").await;
    assert_eq!(status, 409, "closed once: {again}");
    assert_eq!(again["note"], masked);
    assert_eq!(close(server, id + 100, "none").await.0, 404);
}
on_both_backends!(outside_hours_a_person_offers_a_callback_that_is_listed_and_closed);

async fn a_holiday_counts_as_closed_and_another_number_can_be_given(server: &TestServer) {
    // Thanksgiving, Thursday, 10:00 in New York.
    server.clock.advance(Duration::from_secs(3 * 24 * 3600));
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    let said = call.say("a person", Some("0.93")).await.expect("a person");
    assert_heard!(&said, "we can call you back");
    let said = call.press("2").await.expect("another number");
    assert_heard!(&said, "10-digit number");
    let said = call
        .say(
            "two one two five five five one two three four",
            Some("0.95"),
        )
        .await
        .expect("number");
    assert_heard!(&said, "For tomorrow morning, between 9 AM and noon");
    let said = call.press("1").await.expect("window");
    assert_heard!(&said, "We'll call 2 1 2, 5 5 5, 1 2 3 4 tomorrow morning");
    assert_eq!(call.transferred_to, None);

    let open = callbacks(server, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["phone"], "+12125551234");
    assert_eq!(open[0]["window_start"], "2026-11-27T14:00:00Z");
    assert_eq!(open[0]["window_end"], "2026-11-27T17:00:00Z");
}
on_both_backends!(a_holiday_counts_as_closed_and_another_number_can_be_given);

async fn within_hours_the_transfer_happens_as_before(server: &TestServer) {
    let mut call = linda_at_balance(server).await;
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "Please hold while I connect you with a person.");
    assert_eq!(call.transferred_to.as_deref(), Some(AGENT));
    assert!(callbacks(server, "").await.is_empty());
}
on_both_backends!(within_hours_the_transfer_happens_as_before);

async fn a_transfer_nobody_answers_offers_a_callback(server: &TestServer) {
    let mut call = linda_at_balance(server).await;
    call.agent_answers = false;
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "Please hold while I connect you with a person.");
    assert_heard!(
        &said,
        "To have someone call you back, say or press 1.",
        "never dropped"
    );
    let said = call.press("1").await.expect("a callback");
    assert_heard!(&said, "we can call you back", "never dropped");
    assert!(!call.ended);
    call.press("1").await.expect("caller id");
    let said = call.press("1").await.expect("window");
    // Monday 10:00: the first window still to come is this afternoon.
    assert_heard!(&said, "this afternoon, between noon and 5 PM");
    let open = callbacks(server, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["reason"], "no_answer");
    assert_eq!(open[0]["window_start"], "2026-11-23T17:00:00Z");
}
on_both_backends!(a_transfer_nobody_answers_offers_a_callback);

async fn the_same_webhook_delivered_twice_records_one_callback(server: &TestServer) {
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = linda_at_balance(server).await;
    call.press("0").await.expect("a person");
    call.press("1").await.expect("caller id");
    let path = server.pending_path(&call);
    let params = [
        ("CallSid", call.call_sid.as_str()),
        ("From", LINDA),
        ("Digits", "1"),
    ];
    // Delivered three times at once, and once more after they were answered.
    let answers =
        futures::future::join_all((0..3).map(|_| server.post_signed(&path, &params))).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .any(|(_, body)| body.contains("We&apos;ll call")),
        "{answers:?}"
    );
    let (status, _) = server.post_signed(&path, &params).await;
    assert_eq!(status, 200);
    assert_eq!(callbacks(server, "").await.len(), 1);
}
on_both_backends!(the_same_webhook_delivered_twice_records_one_callback);

async fn a_caller_who_declines_hears_when_people_are_in(server: &TestServer) {
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = linda_at_balance(server).await;
    call.press("0").await.expect("a person");
    let said = call.press("9").await.expect("no callback");
    assert_heard!(
        &said,
        "All right. You can reach a person tomorrow at 9 AM. Thank you for calling. Goodbye."
    );
    assert!(call.ended);
    assert!(callbacks(server, "").await.is_empty());
}
on_both_backends!(a_caller_who_declines_hears_when_people_are_in);

async fn a_callback_window_can_be_named_in_words(server: &TestServer) {
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = linda_at_balance(server).await;
    call.press("0").await.expect("a person");
    call.press("1").await.expect("caller id");

    // "Tomorrow" alone names two windows: asked again, nothing booked.
    let said = call.say("tomorrow", Some("0.9")).await.expect("ambiguous");
    assert_heard!(&said, "When should we call?");
    assert!(callbacks(server, "?status=open").await.is_empty());

    let said = call
        .say("tomorrow afternoon please", Some("0.9"))
        .await
        .expect("window");

    assert_heard!(
        &said,
        "We'll call 5 5 5, 2 1 2, 6 6 1 8 tomorrow afternoon, between noon and 5 PM"
    );
    let open = callbacks(server, "?status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["window_start"], "2026-11-24T17:00:00Z");
}
on_both_backends!(a_callback_window_can_be_named_in_words);

const MARGARET: &str = "+15554434206"; // 28223570, PIN 3042, vulnerable: the specialist path

async fn outside_hours_a_caller_who_needs_extra_care_is_offered_a_callback(server: &TestServer) {
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = server.call_from(MARGARET).await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("her account");
    let said = call.press("3042").await.expect("pin");
    assert_heard!(&said, "We want to make sure you get the right help");
    assert_heard!(
        &said,
        "but we can call you back",
        "a callback, not a bare goodbye"
    );
    assert!(!call.ended, "{said:?}");
    // Declining it, she still hears when people are in.
    let said = call.press("9").await.expect("no callback");
    assert_heard!(&said, "You can reach a person tomorrow");
    assert!(call.ended);
}
on_both_backends!(outside_hours_a_caller_who_needs_extra_care_is_offered_a_callback);
