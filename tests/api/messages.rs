//! Messages after the call, end to end: receipts by text and email as the caller chooses, STOP,
//! plan schedules and reminders at their lead time, two senders at once, an outage, and the
//! call's recording paused around card entry. Texts go to Prism serving Twilio's own OpenAPI
//! description (which refuses requests Twilio would refuse); email goes to a real SMTP server
//! (aiosmtpd). On SQLite and PostgreSQL.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::smtp::SmtpServer;
use common::twilio_api::TwilioStandIn;
use common::{Backend, Options, TestServer};
use ivrpay::clock::Clock;
use ivrpay::collections::run_due::{self, Collector};
use ivrpay::config::PauseFailure;
use ivrpay::messages::outbox;
use ivrpay::messages::{EmailSettings, MessagingSettings, SmsSettings};
use ivrpay_simulators::caller::Call;
use secrecy::SecretString;
use time::macros::date;

const LINDA_PHONE: &str = "+15552126618";
const SMS_FROM: &str = "+18005550100";

/// The stand-ins and a server sending through them.
pub(crate) struct Line {
    pub(crate) server: TestServer,
    pub(crate) twilio: TwilioStandIn,
    pub(crate) smtp: SmtpServer,
    pub(crate) options: Options,
}

pub(crate) async fn line(backend: Backend, pause: Option<PauseFailure>) -> Option<Line> {
    line_with(backend, pause, false).await
}

/// [`line`], with transfers waiting in a conference room when `conference_transfers`, so an
/// agent can take the call on the console.
pub(crate) async fn line_with(
    backend: Backend,
    pause: Option<PauseFailure>,
    conference_transfers: bool,
) -> Option<Line> {
    line_of(backend, |options| Options {
        pause_recording: pause,
        conference_transfers,
        ..options
    })
    .await
}

/// [`line`], with its options changed by `adjust` (e.g. to pay through localstripe).
pub(crate) async fn line_of(
    backend: Backend,
    adjust: impl FnOnce(Options) -> Options,
) -> Option<Line> {
    let twilio = TwilioStandIn::start().await;
    let smtp = SmtpServer::start().await;
    let messaging = MessagingSettings {
        sms: Some(SmsSettings {
            from: SMS_FROM.to_owned(),
        }),
        email: Some(EmailSettings {
            smtp_url: SecretString::from(format!("smtp://{}:{}", smtp.host, smtp.port)),
            from: "Riverside Utilities <billing@example.com>".to_owned(),
        }),
        ..MessagingSettings::default()
    };
    let options = adjust(Options {
        messaging,
        provider_api: Some(twilio.base_url.clone()),
        ..Options::default()
    });
    let server = TestServer::start_with(backend, options.clone()).await?;
    Some(Line {
        server,
        twilio,
        smtp,
        options,
    })
}

/// The requests the server made to Twilio's Messages resource, by `To`.
pub(crate) fn texts_to(twilio: &TwilioStandIn, to: &str) -> Vec<String> {
    twilio
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/Messages.json"))
        .filter(|r| r.form.iter().any(|(k, v)| k == "To" && v == to))
        .map(|r| {
            assert_eq!(r.status, 201, "Prism accepted it as Twilio would: {r:?}");
            r.form
                .iter()
                .find(|(k, _)| k == "Body")
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// Linda pays `dollars` with a test card and hears the confirmation.
async fn linda_pays(server: &TestServer, dollars: &str) -> Call {
    let mut call = server.linda_at_card_number(dollars).await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "was approved");
    call
}

/// Linda pays `dollars`, then asks for her receipt by text.
async fn linda_pays_and_asks_for_a_text(dollars: &str, server: &TestServer) {
    let mut call = linda_pays(server, dollars).await;
    call.press("9").await.expect("end");
    let said = call.press("1").await.expect("by text");
    assert_heard!(&said, "It's on its way.");
}

pub(crate) async fn send(server: &TestServer) -> outbox::Report {
    outbox::run_once(&outbox::Outbox::of(&server.state.line))
        .await
        .expect("sender")
}

async fn a_paid_call_sends_one_receipt_by_text_and_one_by_email(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    let mut call = linda_pays(server, "25").await;
    let said = call.press("9").await.expect("end");
    assert_heard!(
        &said,
        "Before you go, would you like this in writing? To get it by text message to the \
             number ending in 6 6 1 8, say or press 1. To get it by email, say or press 2. If you don't need \
             anything sent, say or press 3."
    );
    let said = call.press("1").await.expect("by text");
    assert_heard!(&said, "It's on its way.");
    let code = server.api_call(&call.call_sid).await["payments"][0]["confirmation_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "paid");

    let report = send(server).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("$25.00"), "{texts:?}");
    assert!(texts[0].contains(&code), "{texts:?}");
    assert!(texts[0].contains("Reply STOP"), "{texts:?}");
    assert!(!texts[0].contains("4242424242424242"), "{texts:?}");
    let linda = server.api_account("66253365").await;
    assert_eq!(linda["contact_channel"], "sms");
    let message = &linda["messages"][0];
    assert_eq!(message["kind"], "receipt");
    assert_eq!(message["status"], "sent");
    let sid = message["provider_id"].as_str().expect("sid").to_owned();

    // Twilio reports the delivery, signed.
    let (status, _) = server
        .post_signed(
            "/twilio/sms-status",
            &[("MessageSid", &sid), ("MessageStatus", "delivered")],
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        server.api_account("66253365").await["messages"][0]["status"],
        "delivered"
    );
    let unsigned = ivrpay::http_client()
        .post(format!("{}/twilio/sms-status", server.url))
        .form(&[("MessageSid", sid.as_str()), ("MessageStatus", "failed")])
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 403, "an unsigned status is refused");

    // Barbara pays with the card fee and wants email: by card (1), not from her bank.
    let mut call = server.call_from("+15553530121").await;
    for keys in ["1", "1", "4826", "1", "1", "1"] {
        call.press(keys).await.expect("to the card");
    }
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("pay");
    call.press("9").await.expect("end");
    let said = call.press("2").await.expect("by email");
    assert_heard!(&said, "It's on its way.");
    let report = send(server).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let mail = line.smtp.received();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, ["barbara.lopez@example.com"]);
    assert!(
        mail[0].subject.starts_with("Your payment receipt"),
        "{:?}",
        mail[0]
    );
    assert!(
        mail[0].text.contains("Convenience fee: $2.50"),
        "{}",
        mail[0].text
    );
    assert!(
        mail[0].text.contains("Total charged: $810.39"),
        "{}",
        mail[0].text
    );
    assert!(
        mail[0]
            .html
            .as_deref()
            .is_some_and(|h| h.contains("Visa ending in 4242")),
        "{:?}",
        mail[0].html
    );

    // Nothing is sent twice.
    assert_eq!(send(server).await, outbox::Report::default());
    assert_eq!(texts_to(&line.twilio, LINDA_PHONE).len(), 1);
    assert_eq!(line.smtp.received().len(), 1);
}
on_both_backends_with_own_server!(a_paid_call_sends_one_receipt_by_text_and_one_by_email, needs: [Prism, Smtp]);

async fn a_number_that_texted_stop_gets_nothing(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    let (status, reply) = server
        .post_signed("/twilio/sms", &[("From", LINDA_PHONE), ("Body", "Stop")])
        .await;
    assert_eq!(status, 200);
    assert!(reply.contains("<Response>"), "{reply}");
    let (_, help) = server
        .post_signed("/twilio/sms", &[("From", LINDA_PHONE), ("Body", "AYUDA")])
        .await;
    assert!(help.contains("Responda STOP"), "{help}");

    // The call offers email only.
    let mut call = linda_pays(server, "20").await;
    let said = call.press("9").await.expect("end");
    assert_heard!(&said, "To get it by email, say or press 2.");
    assert_not_heard!(&said, "text message");
    let said = call.press("1").await.expect("text anyway");
    assert_heard!(&said, "I'm sorry, I can't send it that way.");

    // A text queued before the STOP is not sent either.
    let mut call = linda_pays(server, "10").await;
    call.press("9").await.expect("end");
    call.press("2").await.expect("by email");
    server
        .state
        .line
        .store
        .queue_messages(
            &[ivrpay::store::NewMessage {
                channel: "sms".into(),
                kind: "receipt".into(),
                account_number: "66253365".into(),
                recipient: LINDA_PHONE.into(),
                language: "en".into(),
                dedupe_key: "queued-before-stop".into(),
                subject: None,
                body_text: "Riverside Utilities: a test. Reply STOP to opt out.".into(),
                body_html: None,
                link: None,
            }],
            server.clock.now_ms(),
        )
        .await
        .expect("queued");
    let report = send(server).await;
    assert_eq!((report.sent, report.suppressed), (1, 1), "{report:?}");
    assert!(texts_to(&line.twilio, LINDA_PHONE).is_empty());

    // START opts back in.
    let (_, reply) = server
        .post_signed("/twilio/sms", &[("From", LINDA_PHONE), ("Body", "START")])
        .await;
    assert!(
        reply.contains("you will get texts from us again"),
        "{reply}"
    );
    let mut call = linda_pays(server, "5").await;
    let said = call.press("9").await.expect("end");
    assert_heard!(&said, "text message");
}
on_both_backends_with_own_server!(a_number_that_texted_stop_gets_nothing, needs: [Prism, Smtp]);

async fn an_address_no_mail_can_reach_is_never_promised_a_receipt(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    // Arrange: Linda's address as stored before imports checked them, with a header smuggled in.
    sqlx::query("UPDATE accounts SET email = $1 WHERE account_number = '66253365'")
        .bind("linda@example.com\r\nBcc: x@y.com")
        .execute(server.state.line.store.pool())
        .await
        .expect("email");
    let mut call = linda_pays(server, "25").await;
    call.press("9").await.expect("end");

    // Act: she asks for it by email anyway.
    let said = call.press("2").await.expect("by email");

    // Assert: told it cannot go that way, and nothing is queued or sent.
    assert_not_heard!(&said, "It's on its way.");
    assert_heard!(&said, "I can't send it that way.");
    let report = send(server).await;
    assert_eq!(
        (report.sent, report.retrying, report.failed),
        (0, 0, 0),
        "{report:?}"
    );
    assert!(line.smtp.received().is_empty());
    let messages = server.api_account("66253365").await["messages"].clone();
    assert_eq!(messages, serde_json::json!([]), "{messages}");
}
on_both_backends_with_own_server!(an_address_no_mail_can_reach_is_never_promised_a_receipt, needs: [Prism, Smtp]);

async fn a_plan_sends_its_schedule_then_reminders_at_the_lead_time(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    let mut call = server.linda_at_pin_question().await;
    // Set up (1) with a card (1: where a bank account could pay it too, the line asks).
    for keys in ["6446", "4", "3", "1", "1"] {
        call.press(keys).await.expect("a plan");
    }
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("agree");
    assert_heard!(&said, "Your payment plan is set up");
    call.press("9").await.expect("end");
    call.press("1").await.expect("by text");
    let report = send(server).await;
    assert_eq!(
        report.sent,
        2,
        "the first payment's receipt and the schedule: {report:?} {}",
        server.api_account("66253365").await["messages"]
    );
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    let schedule = texts
        .iter()
        .find(|t| t.contains("payment plan"))
        .expect("the schedule");
    assert!(
        schedule.contains(
            "November 23, 2026: $148.45; December 23, 2026: $148.44; January 23, 2027: $148.44"
        ),
        "{schedule}"
    );

    // Reminders go three days ahead (the default), once.
    let collector = Collector::of(&server.state.line);
    let report = run_due::run(&collector, date!(2026 - 12 - 19))
        .await
        .expect("run");
    assert_eq!(report.reminders, 0, "too early: {report:?}");
    let report = run_due::run(&collector, date!(2026 - 12 - 20))
        .await
        .expect("run");
    assert_eq!(report.reminders, 1, "{report:?}");
    let report = run_due::run(&collector, date!(2026 - 12 - 21))
        .await
        .expect("run");
    assert_eq!(
        report.reminders, 0,
        "one reminder per installment: {report:?}"
    );
    assert_eq!(send(server).await.sent, 1);
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    assert!(
        texts.iter().any(|t| t.contains(
            "your plan payment of $148.44 will be charged to your Visa ending in 4242 on \
             December 23, 2026"
        )),
        "{texts:?}"
    );
    assert_eq!(texts.len(), 3);

    // Charged on its date, the installment gets its receipt.
    let report = run_due::run(&collector, date!(2026 - 12 - 23))
        .await
        .expect("run");
    assert_eq!(report.paid, 1, "{report:?}");
    assert_eq!(send(server).await.sent, 1);
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    assert!(
        texts
            .last()
            .is_some_and(|t| t.contains("We received your payment of $148.44")),
        "{texts:?}"
    );
}
on_both_backends_with_own_server!(a_plan_sends_its_schedule_then_reminders_at_the_lead_time, needs: [Prism, Smtp]);

async fn two_instances_at_once_send_each_message_once(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    for dollars in ["5", "6", "7"] {
        let mut call = linda_pays(server, dollars).await;
        call.press("9").await.expect("end");
        call.press("1").await.expect("by text");
    }
    // A second instance on the same database, its sender running at the same moment.
    let other = ivrpay::app::Application::build_with_gateway(
        common::config(&server.database_url, line.options.clone()),
        Arc::new(server.clock.clone()),
        Arc::new(ivrpay::payments::SandboxGateway::new()),
    )
    .await
    .expect("a second instance");
    let other_outbox = outbox::Outbox::of(other.line());
    let (first, second) = tokio::join!(send(server), outbox::run_once(&other_outbox));
    let second = second.expect("sender");
    assert_eq!(first.sent + second.sent, 3, "{first:?} {second:?}");
    assert_eq!(texts_to(&line.twilio, LINDA_PHONE).len(), 3);
    assert_eq!(send(server).await.sent, 0);
}
on_both_backends_with_own_server!(two_instances_at_once_send_each_message_once, needs: [Prism, Smtp]);

async fn messages_wait_out_an_outage_and_arrive_once(backend: Backend) {
    let Some(mut line) = line(backend, None).await else {
        return;
    };
    line.twilio.go_down().await;
    line.smtp.go_down().await;
    let server = &line.server;
    linda_pays_and_asks_for_a_text("12", server).await;
    // Having chosen texts, her next payment's receipt is texted with the approval; she also asks
    // for this one by email.
    let mut call = linda_pays(server, "13").await;
    call.press("9").await.expect("end");
    call.press("2").await.expect("by email");

    let report = send(server).await;
    assert_eq!(report.retrying, 3, "{report:?}");
    let linda = server.api_account("66253365").await;
    assert!(
        linda["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .all(|m| m["status"] == "queued" && m["attempts"] == 1),
        "{linda}"
    );
    // Not before the backoff.
    assert_eq!(send(server).await, outbox::Report::default());

    line.twilio.come_back().await;
    line.smtp.come_back().await;
    server.clock.advance(Duration::from_secs(31));
    let report = send(server).await;
    assert_eq!(report.sent, 3, "{report:?}");
    assert_eq!(texts_to(&line.twilio, LINDA_PHONE).len(), 2);
    assert_eq!(line.smtp.received().len(), 1);
    server.clock.advance(Duration::from_secs(3600));
    assert_eq!(send(server).await, outbox::Report::default());
}
on_both_backends_with_own_server!(messages_wait_out_an_outage_and_arrive_once, needs: [Prism, Smtp]);

/// The recording requests made for `call_sid`, as their `Status` values, in order.
fn recording_requests(twilio: &TwilioStandIn, call_sid: &str) -> Vec<String> {
    twilio
        .requests()
        .iter()
        .filter(|r| r.path.contains(&format!("/Calls/{call_sid}/Recordings/")))
        .map(|r| {
            let status = r
                .form
                .iter()
                .find(|(k, _)| k == "Status")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if status == "paused" {
                assert!(
                    r.form
                        .iter()
                        .any(|(k, v)| k == "PauseBehavior" && v == "skip"),
                    "{r:?}"
                );
            }
            status
        })
        .collect()
}

async fn the_recording_is_paused_for_card_entry_and_resumed_after(backend: Backend) {
    let Some(line) = line(backend, Some(PauseFailure::StopCardEntry)).await else {
        return;
    };
    let server = &line.server;
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "30"] {
        call.press(keys).await.expect("an amount");
    }
    assert!(recording_requests(&line.twilio, &call.call_sid).is_empty());
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(&said, "How would you like to pay");
    assert!(recording_requests(&line.twilio, &call.call_sid).is_empty());
    let said = call.press("1").await.expect("by card");
    assert_heard!(&said, "Key in your card number");
    assert_eq!(recording_requests(&line.twilio, &call.call_sid), ["paused"]);
    for keys in ["4242424242424242", "1228", "123", "77141"] {
        call.press(keys).await.expect("card");
    }
    assert_eq!(
        recording_requests(&line.twilio, &call.call_sid),
        ["paused"],
        "still paused while the card is read back"
    );
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "was approved");
    assert_eq!(
        recording_requests(&line.twilio, &call.call_sid),
        ["paused", "in-progress"]
    );

    // Abandoning the card for a person resumes it too.
    let mut call = server.linda_at_card_number("5").await;
    call.press("4242424242424242").await.expect("card number");
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "Please hold");
    assert_eq!(
        recording_requests(&line.twilio, &call.call_sid),
        ["paused", "in-progress"]
    );

    // When it cannot be paused, no card is taken: the caller is offered a person.
    line.twilio.go_down().await;
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "30"] {
        call.press(keys).await.expect("an amount");
    }
    call.press("1").await.expect("the amount is right");
    let said = call.press("1").await.expect("by card");
    assert_not_heard!(&said, "card number");
    assert_heard!(&said, "Please hold while I connect you with a person.");
}
on_both_backends_with_own_server!(the_recording_is_paused_for_card_entry_and_resumed_after, needs: [Prism, Smtp]);

async fn when_configured_to_go_on_a_failed_pause_still_takes_the_card(backend: Backend) {
    let Some(line) = line(backend, Some(PauseFailure::GoOn)).await else {
        return;
    };
    line.twilio.go_down().await;
    let server = &line.server;
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "30"] {
        call.press(keys).await.expect("an amount");
    }
    call.press("1").await.expect("the amount is right");
    let said = call.press("1").await.expect("by card");
    assert_heard!(&said, "Key in your card number");
}
on_both_backends_with_own_server!(when_configured_to_go_on_a_failed_pause_still_takes_the_card, needs: [Prism, Smtp]);

async fn a_caller_who_chose_texts_before_gets_a_receipt_even_after_hanging_up(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    linda_pays_and_asks_for_a_text("8", server).await;

    // Next time she hangs up as soon as she hears the confirmation.
    let mut call = linda_pays(server, "9").await;
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(send(server).await.sent, 2);
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    assert!(texts.iter().any(|t| t.contains("$9.00")), "{texts:?}");

    // Had she stayed and chosen texts again, the receipt would not come twice.
    linda_pays_and_asks_for_a_text("7", server).await;
    assert_eq!(send(server).await.sent, 1);
    assert_eq!(texts_to(&line.twilio, LINDA_PHONE).len(), 3);
}
on_both_backends_with_own_server!(a_caller_who_chose_texts_before_gets_a_receipt_even_after_hanging_up, needs: [Prism, Smtp]);

async fn a_plan_or_promise_is_confirmed_to_a_caller_who_chose_texts_before(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let server = &line.server;
    linda_pays_and_asks_for_a_text("8", server).await;
    assert_eq!(send(server).await.sent, 1);

    // A promise, and she hangs up on the thank-you.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "5", "1205", "50", "1"] {
        call.press(keys).await.expect("a promise");
    }
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(send(server).await.sent, 1);
    let texts = texts_to(&line.twilio, LINDA_PHONE);
    assert!(
        texts
            .iter()
            .any(|t| t.contains("promise to pay $50.00 by December 5, 2026")),
        "{texts:?}"
    );

    // A plan, and she stays to choose texts again: the schedule comes once. The call's id holds
    // a run of digits that looks like a card number (stored sessions are scrubbed of those).
    let mut call = Call::dial(
        &server.url,
        Some(common::AUTH_TOKEN),
        "CA4242424242424242abcdefabcdefabcd",
        LINDA_PHONE,
        "+18005550100",
    )
    .await
    .expect("call connects");
    for keys in ["1", "1", "6446", "4", "2", "1", "1"] {
        call.press(keys).await.expect("a plan");
    }
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("agree");
    call.press("9").await.expect("end");
    call.press("1").await.expect("by text");
    let report = send(server).await;
    assert_eq!(
        report.sent,
        2,
        "the first payment's receipt and the schedule: {}",
        server.api_account("66253365").await["messages"]
    );
    let schedules = texts_to(&line.twilio, LINDA_PHONE)
        .into_iter()
        .filter(|t| t.contains("payment plan"))
        .count();
    assert_eq!(schedules, 1);
}
on_both_backends_with_own_server!(a_plan_or_promise_is_confirmed_to_a_caller_who_chose_texts_before, needs: [Prism, Smtp]);
