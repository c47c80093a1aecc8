//! The end-of-call survey: after the business of the call, a sampled caller is asked whether the
//! call took care of what they called about and to rate it from 1 to 5, by keys or by voice, in
//! English and Spanish; every question can be skipped, and the call's outcome stands whatever
//! they do. Whole calls through signed webhooks on SQLite and PostgreSQL, with the shipped flows
//! copied and their `[survey] sample_percent` (or a policy's `survey_percent`) set by the test, so
//! whether a call is asked never depends on its random id.

use crate::common;

use std::time::Duration;

use common::{Backend, Options, TestServer};
use ivrpay::store::{CallKey, SurveyRecord};
use ivrpay_simulators::caller::Call;

const MARIA: &str = "+15553118592"; // 87272786, PIN 8091, Spanish (Linda is the harness's caller)
const MARGARET: &str = "+15554434206"; // 28223570, PIN 3042, vulnerable: the specialist path

const FIRST_QUESTION: &str = "Did this call take care of what you called about?";
const SECOND_QUESTION: &str = "how would you rate this call, from 1 for poor to 5 for excellent?";
const THANKS: &str = "Thank you for your answers.";
const GOODBYE: &str = "Thank you for calling. Take care. Goodbye.";

/// Monday 18:00 in New York (the test clock starts at 10:00): no one can take a call.
const TO_MONDAY_EVENING: Duration = Duration::from_secs(8 * 3600);

/// The shipped flows, copied, with the flow's survey rate set to `percent` and `policy_line`
/// added to the `early` policy (Linda's), when given.
fn flows(percent: u8, policy_line: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let shipped =
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows");
    for entry in std::fs::read_dir(&shipped).expect("call-flows") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name").to_owned();
        let mut text = std::fs::read_to_string(&path).expect("readable");
        if name == "payment.toml" {
            assert!(text.contains("\nsample_percent = 0\n"), "the shipped rate");
            text = text.replace(
                "\nsample_percent = 0\n",
                &format!("\nsample_percent = {percent}\n"),
            );
        }
        if let (true, Some(line)) = (name == "policies.toml", policy_line) {
            text = text.replace("[policies.early]\n", &format!("[policies.early]\n{line}\n"));
        }
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    dir
}

/// A server whose flows ask `percent` of calls (and the `early` policy as `policy_line` says).
async fn start(
    backend: Backend,
    percent: u8,
    policy_line: Option<&str>,
) -> Option<ServerWithFlows> {
    let dir = flows(percent, policy_line);
    let options = Options {
        flows_dir: dir.path().to_owned(),
        ..Options::default()
    };
    let server = TestServer::start_with(backend, options).await?;
    Some(ServerWithFlows { server, _dir: dir })
}

/// The server and the flows directory it reads, kept until the test ends.
struct ServerWithFlows {
    server: TestServer,
    _dir: tempfile::TempDir,
}

/// The survey recorded for `call`, if it was asked.
async fn survey_of(server: &TestServer, call: &Call) -> Option<SurveyRecord> {
    server
        .state
        .line
        .store
        .survey(CallKey {
            provider: "twilio",
            sid: &call.call_sid,
        })
        .await
        .expect("store answers")
}

async fn surveys_recorded(server: &TestServer) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM surveys")
        .fetch_one(server.state.line.store.pool())
        .await
        .expect("count")
}

/// Linda, verified, at her balance menu.
async fn linda_at_balance(server: &TestServer) -> Call {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "Your balance is");
    call
}

/// Linda ends the call from her balance menu and is asked the first question.
async fn linda_at_the_survey(server: &TestServer) -> Call {
    let mut call = linda_at_balance(server).await;
    let said = call.press("9").await.expect("end the call");
    assert_heard!(&said, FIRST_QUESTION);
    call
}

/// Linda pays $20 by card and hears the confirmation.
async fn linda_paid(server: &TestServer) -> Call {
    let mut call = server.linda_at_card_number("20").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("confirm");
    assert_heard!(&said, "was approved");
    call
}

/// From the payment confirmation to the survey: the caller ends the call (no text or email line
/// is set up here, so no receipt is offered first).
async fn end_paid_call(call: &mut Call) -> Vec<String> {
    let said = call.press("9").await.expect("end the call");
    assert_not_heard!(&said, "would you like this in writing?");
    said
}

async fn a_paid_caller_answers_with_keys(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    let mut call = linda_paid(&server).await;
    let said = end_paid_call(&mut call).await;
    assert_heard!(&said, FIRST_QUESTION);
    assert_heard!(&said, "One last thing: two quick questions");
    assert_heard!(&said, "To skip these questions, press 9");
    // Asked after the business of the call: the confirmation came first.
    let transcript = call.transcript();
    let confirmed = transcript.find("was approved").expect("confirmation");
    let asked = transcript.find(FIRST_QUESTION).expect("survey");
    assert!(confirmed < asked, "{transcript}");
    let offered = survey_of(&server, &call).await.expect("the survey row");
    assert_eq!((offered.resolved, offered.rating), (None, None));

    let said = call.press("1").await.expect("resolved");
    assert_heard!(&said, SECOND_QUESTION);
    let said = call.press("4").await.expect("rating");
    assert_heard!(&said, THANKS);
    assert!(call.ended);

    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!(survey.resolved, Some(true));
    assert_eq!(survey.rating, Some(4));
    assert!(survey.answered_at.is_some_and(|at| at >= survey.offered_at));
    assert_eq!(server.api_call(&call.call_sid).await["outcome"], "paid");
    server.stop().await;
}
on_both_backends_with_own_server!(a_paid_caller_answers_with_keys);

async fn a_paid_caller_is_asked_once_the_receipt_is_settled(backend: Backend) {
    let dir = flows(100, None);
    // Receipts by email (to a closed local port: queued is all this test needs).
    let messaging = ivrpay::messages::MessagingSettings {
        email: Some(ivrpay::messages::EmailSettings {
            smtp_url: secrecy::SecretString::from("smtp://127.0.0.1:9"),
            from: "Riverside Utilities <billing@example.com>".to_owned(),
        }),
        ..ivrpay::messages::MessagingSettings::default()
    };
    let options = Options {
        flows_dir: dir.path().to_owned(),
        messaging,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    // By email: "It's on its way", then the questions.
    let mut call = linda_paid(&server).await;
    let said = call.press("9").await.expect("end the call");
    assert_heard!(&said, "would you like this in writing?");
    assert_not_heard!(&said, FIRST_QUESTION);
    let said = call.press("2").await.expect("by email");
    assert_eq!(said[0], "It's on its way.");
    assert_heard!(&said, FIRST_QUESTION);
    // No receipt: straight to the questions.
    let mut call = linda_paid(&server).await;
    call.press("9").await.expect("end the call");
    let said = call.press("3").await.expect("nothing sent");
    assert_heard!(&said, FIRST_QUESTION);
    server.stop().await;
}
on_both_backends_with_own_server!(a_paid_caller_is_asked_once_the_receipt_is_settled);

async fn callers_answer_by_voice_in_english_and_spanish(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    // Linda ends the call from her balance by saying so, then answers aloud.
    let mut call = linda_at_balance(&server).await;
    let said = call
        .say("that's all, goodbye", Some("0.93"))
        .await
        .expect("goodbye");
    assert_heard!(&said, FIRST_QUESTION);
    assert!(call.listens(), "{}", call.last_twiml);
    let said = call.say("no it didn't", Some("0.91")).await.expect("no");
    assert_heard!(&said, SECOND_QUESTION);
    let said = call.say("three", Some("0.9")).await.expect("three");
    assert_heard!(&said, THANKS);
    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!((survey.resolved, survey.rating), (Some(false), Some(3)));
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "balance_heard"
    );

    // María, in Spanish throughout.
    let mut call = server.call_from(MARIA).await;
    call.say("español", Some("0.93")).await.expect("language");
    call.say("sí", Some("0.93")).await.expect("her account");
    let said = call.press("8091").await.expect("pin");
    assert_heard!(&said, "Su saldo es");
    let said = call.say("adiós", Some("0.93")).await.expect("adiós");
    assert_heard!(&said, "¿Esta llamada resolvió lo que necesitaba?");
    let said = call.say("sí", Some("0.92")).await.expect("sí");
    assert_heard!(&said, "¿Y cómo calificaría esta llamada");
    let said = call.say("cinco", Some("0.9")).await.expect("cinco");
    assert_heard!(&said, "Gracias por sus respuestas.");
    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!((survey.resolved, survey.rating), (Some(true), Some(5)));
    server.stop().await;
}
on_both_backends_with_own_server!(callers_answer_by_voice_in_english_and_spanish);

async fn a_caller_skips_with_9_or_by_saying_nothing(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    // 9 at the first question: the goodbye, nothing answered.
    let mut call = linda_at_the_survey(&server).await;
    let said = call.press("9").await.expect("skip");
    assert_eq!(said, [GOODBYE]);
    assert!(call.ended);
    let survey = survey_of(&server, &call).await.expect("offered");
    assert_eq!(
        (survey.resolved, survey.rating, survey.answered_at),
        (None, None, None)
    );
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "balance_heard"
    );

    // Silence: asked once more, then the goodbye, never a person.
    let mut call = linda_at_the_survey(&server).await;
    let said = call.press("").await.expect("silence");
    assert_heard!(&said, "Sorry, I didn't hear anything.");
    assert_heard!(
        &said,
        "Say yes or press 1. If not, say no or press 2. To skip, press 9."
    );
    assert_not_heard!(&said, "One last thing", "only the question again, shorter");
    let said = call.press("").await.expect("silence again");
    assert_eq!(said, [GOODBYE]);
    assert!(call.ended);
    assert!(call.transferred_to.is_none());

    // Skipping the rating keeps the first answer.
    let mut call = linda_at_the_survey(&server).await;
    call.press("2").await.expect("not resolved");
    let said = call.press("9").await.expect("skip the rating");
    assert_heard!(&said, THANKS);
    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!((survey.resolved, survey.rating), (Some(false), None));
    server.stop().await;
}
on_both_backends_with_own_server!(a_caller_skips_with_9_or_by_saying_nothing);

async fn hanging_up_during_the_survey_keeps_the_outcome(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    // A paid call stays paid.
    let mut call = linda_paid(&server).await;
    end_paid_call(&mut call).await;
    call.press("1").await.expect("resolved");
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(server.api_call(&call.call_sid).await["outcome"], "paid");
    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!((survey.resolved, survey.rating), (Some(true), None));

    // A caller who heard their balance and chose to end is not abandoned either.
    let mut call = linda_at_the_survey(&server).await;
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "balance_heard"
    );

    // Hanging up before the business is done is still abandoning the call.
    let mut call = server.linda_at_card_number("20").await;
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "abandoned"
    );
    assert!(survey_of(&server, &call).await.is_none());

    // A booked callback: its words first, then the survey; it stands if the caller leaves.
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = linda_at_balance(&server).await;
    call.press("0").await.expect("a person");
    call.press("1").await.expect("call me on this number");
    let said = call.press("1").await.expect("the first window");
    assert_heard!(&said, "We'll call");
    assert_heard!(&said, FIRST_QUESTION);
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "callback_requested"
    );
    server.stop().await;
}
on_both_backends_with_own_server!(hanging_up_during_the_survey_keeps_the_outcome);

async fn a_call_not_sampled_never_hears_it(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 0, None).await else {
        return;
    };
    let mut call = linda_at_balance(&server).await;
    let said = call.press("9").await.expect("end the call");
    assert_eq!(said, [GOODBYE]);
    let mut call = linda_paid(&server).await;
    let said = end_paid_call(&mut call).await;
    assert_not_heard!(&said, FIRST_QUESTION);
    assert!(call.ended);
    assert_eq!(surveys_recorded(&server).await, 0);
    server.stop().await;
}
on_both_backends_with_own_server!(a_call_not_sampled_never_hears_it);

async fn a_caller_who_needs_extra_care_is_never_surveyed(backend: Backend) {
    // Every call is sampled; Margaret's account needs extra care (the specialist policy).
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    server.clock.advance(TO_MONDAY_EVENING);
    let mut call = server.call_from(MARGARET).await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("her account");
    let said = call.press("3042").await.expect("pin");
    assert_heard!(&said, "but we can call you back");
    call.press("1").await.expect("call me on this number");
    let said = call.press("1").await.expect("the first window");
    assert_heard!(&said, "We'll call");
    assert_not_heard!(&said, FIRST_QUESTION);
    assert!(call.ended, "{said:?}");
    assert_eq!(surveys_recorded(&server).await, 0);
    server.stop().await;
}
on_both_backends_with_own_server!(a_caller_who_needs_extra_care_is_never_surveyed);

async fn a_policy_sets_its_own_rate(backend: Backend) {
    // The flow never asks, Linda's policy always does.
    let Some(ServerWithFlows { server, _dir }) =
        start(backend, 0, Some("survey_percent = 100")).await
    else {
        return;
    };
    linda_at_the_survey(&server).await;
    server.stop().await;

    // The flow always asks, Linda's policy never does.
    let Some(ServerWithFlows { server, _dir }) =
        start(backend, 100, Some("survey_percent = 0")).await
    else {
        return;
    };
    let mut call = linda_at_balance(&server).await;
    let said = call.press("9").await.expect("end the call");
    assert_eq!(said, [GOODBYE]);
    assert_eq!(surveys_recorded(&server).await, 0);
    server.stop().await;
}
on_both_backends_with_own_server!(a_policy_sets_its_own_rate);

async fn a_retried_webhook_records_one_survey(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    let mut call = linda_at_balance(&server).await;
    // "End the call" delivered three times at once, and once more after they were answered.
    let reply = server.press_concurrently(&call, "9", 3).await;
    assert!(reply.contains(FIRST_QUESTION), "{reply}");
    let said = call.press("9").await.expect("the same webhook again");
    assert_heard!(&said, FIRST_QUESTION);
    assert_eq!(surveys_recorded(&server).await, 1);
    let first = survey_of(&server, &call).await.expect("offered");

    // An answer delivered again after it was answered (even with other keys) is answered
    // from the record and changes nothing.
    let path = server.pending_path(&call);
    let said = call.press("1").await.expect("resolved");
    assert_heard!(&said, SECOND_QUESTION);
    let again = [("CallSid", call.call_sid.as_str()), ("Digits", "2")];
    let (status, body) = server.post_signed(&path, &again).await;
    assert_eq!(status, 200);
    assert!(body.contains(SECOND_QUESTION), "{body}");
    let path = server.pending_path(&call);
    let said = call.press("5").await.expect("rating");
    assert_heard!(&said, THANKS);
    let again = [("CallSid", call.call_sid.as_str()), ("Digits", "1")];
    let (status, _) = server.post_signed(&path, &again).await;
    assert_eq!(status, 200);
    assert_eq!(surveys_recorded(&server).await, 1);
    let survey = survey_of(&server, &call).await.expect("recorded");
    assert_eq!(survey.offered_at, first.offered_at);
    assert_eq!((survey.resolved, survey.rating), (Some(true), Some(5)));
    server.stop().await;
}
on_both_backends_with_own_server!(a_retried_webhook_records_one_survey);

async fn answers_reach_the_report(backend: Backend) {
    let Some(ServerWithFlows { server, _dir }) = start(backend, 100, None).await else {
        return;
    };
    // One caller answers both questions; another skips them.
    let mut answered = linda_paid(&server).await;
    end_paid_call(&mut answered).await;
    answered.press("1").await.expect("resolved");
    answered.press("5").await.expect("rating");
    answered.hang_up(&server.url).await.expect("status");
    let mut skipped = linda_paid(&server).await;
    end_paid_call(&mut skipped).await;
    skipped.press("9").await.expect("skip");
    skipped.hang_up(&server.url).await.expect("status");

    let response = ivrpay::http_client()
        .get(format!(
            "{}/api/reports?from=2026-11-23&to=2026-11-23",
            server.url
        ))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("api answers");

    assert_eq!(response.status(), 200);
    let report: serde_json::Value = response.json().await.expect("json");
    let survey = &report["rows"][0]["survey"];
    assert_eq!(survey["offered"], 2, "{survey}");
    assert_eq!(survey["answered"], 1, "{survey}");
    assert_eq!(survey["response_rate"], 0.5, "{survey}");
    assert_eq!(survey["ratings"]["5"], 1, "{survey}");
    assert_eq!(survey["average_rating"], 5.0, "{survey}");
    assert_eq!(survey["resolved"], 1, "{survey}");
    assert_eq!(report["rows"][0]["calls"]["contained"], 2, "{report}");
    server.stop().await;
}
on_both_backends_with_own_server!(answers_reach_the_report);
