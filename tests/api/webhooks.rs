//! What the webhook endpoints do with retries, forgeries and garbage: never a 5xx, never a
//! double step, always an answer in the provider's markup that helps the caller.

use crate::common;

use common::TestServer;
use ivrpay::clock::Clock;
use ivrpay::telephony::Event;
use ivrpay::telephony::simulator::{SimulatedRequest, Webhook};
use ivrpay_simulators::caller::Field;

const LINDA: &str = "+15552126618";

async fn retried_webhook_gets_the_same_answer_and_does_not_advance(server: &TestServer) {
    let call = server.linda_at_pin_question().await;
    let path = server.pending_path(&call);
    let wrong_pin = [Field::Digits("1111")];

    let (status, first) = server
        .post_as_provider(&path, &call.call_sid, LINDA, &wrong_pin)
        .await;
    assert_eq!(status, 200);
    assert!(
        first.contains("That PIN doesn&apos;t match") || first.contains("That PIN doesn't match"),
        "{first}"
    );
    let steps_before = server.api_call(&call.call_sid).await["steps"]
        .as_array()
        .map(Vec::len);
    let (status, second) = server
        .post_as_provider(&path, &call.call_sid, LINDA, &wrong_pin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(first, second, "a retry is answered with the recorded reply");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(
        record["steps"].as_array().map(Vec::len),
        steps_before,
        "a retry records no step"
    );

    // The retried wrong PIN counted once: two more wrong PINs are needed to lock.
    assert_eq!(server.failed_attempts("66253365").await, 1);
}
on_every_provider!(retried_webhook_gets_the_same_answer_and_does_not_advance);

async fn retried_call_start_is_answered_once(server: &TestServer) {
    let params = [
        ("CallSid", "CAretriedstart"),
        ("From", LINDA),
        ("To", "+18005550100"),
    ];
    let (_, first) = server.post_signed("/twilio/voice", &params).await;
    let (_, second) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(first, second);
    let record = server.api_call("CAretriedstart").await;
    let starts = record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["state"] == "identify_caller")
        .count();
    assert_eq!(starts, 1);
}
on_both_backends!(retried_call_start_is_answered_once);

async fn concurrent_duplicates_are_answered_alike_and_advance_once(server: &TestServer) {
    let call = server.linda_at_pin_question().await;
    let path = server.pending_path(&call);
    let sid = call.call_sid.clone();
    let sends = (0..6).map(|_| {
        let path = path.clone();
        let sid = sid.clone();
        async move {
            server
                .post_signed(
                    &path,
                    &[
                        ("CallSid", sid.as_str()),
                        ("From", LINDA),
                        ("To", "+1800"),
                        ("Digits", "1111"),
                    ],
                )
                .await
        }
    });
    let answers = futures::future::join_all(sends).await;
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && *body == answers[0].1),
        "{answers:?}"
    );
    assert_eq!(server.failed_attempts("66253365").await, 1);
}
on_both_backends!(concurrent_duplicates_are_answered_alike_and_advance_once);

async fn concurrent_duplicates_of_a_menu_answer_advance_once(server: &TestServer) {
    // A turn with no side effects is not claimed: duplicates race to save, one wins, and the
    // others answer with its reply.
    let call = server.call_from(LINDA).await;
    let answer = server.press_concurrently(&call, "1", 6).await;
    assert!(answer.contains("account ending in 3 3 6 5"), "{answer}");
    let record = server.api_call(&call.call_sid).await;
    let language_steps = record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|s| s["state"] == "choose_language" && s["input_kind"] == "digits")
        .count();
    assert_eq!(language_steps, 1, "{record}");
}
on_both_backends!(concurrent_duplicates_of_a_menu_answer_advance_once);

async fn bad_or_missing_signatures_are_refused(server: &TestServer) {
    let simulator = server.simulator();
    let url = format!("{}{}", server.url, simulator.path(Event::Voice));
    let secret = common::test_secret(server.provider);
    let now = server.clock.now_ms();
    let forged = Webhook::new(&url, "CAforged", LINDA, "+18005550100", &[]);
    let unsigned = simulator.request(&forged, None, now);
    assert_eq!(server.send_simulated(&url, unsigned).await.0, 403);
    let wrong_secret = simulator.request(&forged, Some("not-the-secret"), now);
    assert_eq!(server.send_simulated(&url, wrong_secret).await.0, 403);
    // Signed for another request than the one sent, where the scheme signs the body.
    if simulator.signs().body {
        let other = Webhook::new(&url, "CAother", LINDA, "+18005550100", &[]);
        let tampered = SimulatedRequest {
            body: simulator.request(&forged, Some(&secret), now).body,
            ..simulator.request(&other, Some(&secret), now)
        };
        assert_eq!(server.send_simulated(&url, tampered).await.0, 403);
    }
    // Signed for another URL (a replay against another endpoint), where the scheme signs it.
    if simulator.signs().url {
        let status_url = format!("{}{}", server.url, simulator.path(Event::Status));
        let moved = Webhook::new(&status_url, "CAforged", LINDA, "+18005550100", &[]);
        let replayed = simulator.request(&moved, Some(&secret), now);
        assert_eq!(server.send_simulated(&url, replayed).await.0, 403);
    }
    // Signed too long ago (a replay later) or too far ahead, where the scheme signs the time.
    if simulator.signs().time {
        for off_by_ms in [-10 * 60 * 1000, 10 * 60 * 1000] {
            let expired = simulator.request(&forged, Some(&secret), now + off_by_ms);
            assert_eq!(server.send_simulated(&url, expired).await.0, 403);
        }
        // Within the window, a clock a little behind is no reason to refuse.
        let within = Webhook::new(&url, "CAwithin", LINDA, "+18005550100", &[]);
        let fresh = simulator.request(&within, Some(&secret), now - 30 * 1000);
        assert_eq!(server.send_simulated(&url, fresh).await.0, 200);
    }
    assert!(
        server
            .state
            .line
            .store
            .call_record("CAforged")
            .await
            .expect("db")
            .is_none(),
        "nothing recorded"
    );
}
on_every_provider!(bad_or_missing_signatures_are_refused);

/// Every `<Say>`'s words in `response`, inside questions or not.
fn said(response: &ivrpay::voice::Response) -> Vec<String> {
    use ivrpay::voice::{Prompt, Verb};
    response
        .verbs
        .iter()
        .flat_map(|verb| match verb {
            Verb::Prompt(prompt) => vec![prompt.clone()],
            Verb::Gather(gather) => gather.prompts.clone(),
            _ => vec![],
        })
        .filter_map(|prompt| match prompt {
            Prompt::Say { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

async fn garbage_gets_a_helpful_answer_never_an_error(server: &TestServer) {
    let simulator = server.simulator();
    let helpful = |status: u16, body: &str| {
        assert_eq!(status, 200, "{body}");
        let response = simulator
            .read(body)
            .unwrap_or_else(|err| panic!("not what {} runs ({err}): {body}", server.provider));
        assert!(!response.verbs.is_empty(), "{body}");
        response
    };
    let voice = simulator.path(Event::Voice);
    let gather = simulator.path(Event::Gather);
    let long = "9".repeat(10_000);

    // No call id at all: the apology, and a person.
    let (status, body) = server.post_as_provider(&voice, "", LINDA, &[]).await;
    let response = helpful(status, &body);
    assert!(
        said(&response)
            .iter()
            .any(|line| line.contains("something went wrong on our side")),
        "{body}"
    );
    assert!(
        response
            .verbs
            .iter()
            .any(|verb| matches!(verb, ivrpay::voice::Verb::Dial(_))),
        "the caller is offered a person: {body}"
    );
    // An answer for a call never seen; a 10,000-character id and answer at a nonsense turn.
    let (status, body) = server
        .post_as_provider(
            &format!("{gather}?turn=3"),
            "CAnever",
            LINDA,
            &[Field::Digits("1")],
        )
        .await;
    helpful(status, &body);
    let (status, body) = server
        .post_as_provider(
            &format!("{gather}?turn=banana"),
            &long,
            LINDA,
            &[Field::Digits(&long)],
        )
        .await;
    helpful(status, &body);

    // Letters in an answer during a real call: the question is asked again.
    let mut call = server.call_from("+15550009999").await;
    call.press("1").await.expect("language");
    let path = server.pending_path(&call);
    let (status, body) = server
        .post_as_provider(
            &path,
            &call.call_sid,
            "+15550009999",
            &[Field::Digits("abc<script>")],
        )
        .await;
    assert_heard!(
        &said(&helpful(status, &body)),
        "That doesn't look like an account number."
    );

    // Bodies that are no webhook at all, signed as the provider signs what it sends.
    let secret = common::test_secret(server.provider);
    let bodies = [
        Vec::new(),
        vec![0xff, 0xfe, 0x00, 0x25, b'&', b'='],
        b"{\"call\": [".to_vec(),
        long.clone().into_bytes(),
    ];
    for body in bodies {
        for path in [&voice, &gather] {
            let url = format!("{}{path}", server.url);
            let request = simulator.sign_raw(&url, body.clone(), &secret, server.clock.now_ms());
            let (status, answer) = server.send_simulated(&url, request).await;
            helpful(status, &answer);
        }
    }
}
on_every_provider!(garbage_gets_a_helpful_answer_never_an_error);

async fn store_failure_gets_the_safe_answer(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    server.state.line.store.close().await;
    let said = call.press("1").await.expect("still TwiML");
    assert_heard!(
        &said,
        "I'm sorry, something went wrong on our side. Let me connect you with a person who can help."
    );
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
}
on_both_backends!(store_failure_gets_the_safe_answer);

async fn admin_api_needs_the_token(server: &TestServer) {
    let call = server.call_from(LINDA).await;
    let url = format!("{}/api/calls/{}", server.url, call.call_sid);
    let client = ivrpay::http_client();
    assert_eq!(client.get(&url).send().await.expect("answer").status(), 401);
    assert_eq!(
        client
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .expect("answer")
            .status(),
        401
    );
    let missing = client
        .get(format!("{}/api/calls/CAnope", server.url))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("json problem");
    assert_eq!(body["title"], "not found");
}
on_both_backends!(admin_api_needs_the_token);

async fn health_reports_the_database(server: &TestServer) {
    let answer = ivrpay::http_client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 200);
    server.state.line.store.close().await;
    let answer = ivrpay::http_client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 503);
}
on_both_backends!(health_reports_the_database);
