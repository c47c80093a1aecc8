//! Paying from a bank account, end to end: the TEL authorisation heard whole, recorded through
//! Twilio's API (Prism over Twilio's own OpenAPI description) and sent in writing (a real SMTP
//! server); the debit clearing, then settled, failed or returned as Stripe's test bank accounts
//! are, by upkeep with the test's clock; a return reopening the balance and telling the account
//! holder; two entries of the account number that differ asked again. On SQLite and PostgreSQL.

use crate::common;

use std::time::Duration;

use common::{Backend, TestServer};
use ivrpay::payments::sandbox::DEBIT_SETTLES_AFTER;
use ivrpay::store::CallKey;
use ivrpay_simulators::caller::Call;

use crate::messages::{Line, line, send};

const LINDA: &str = "66253365";
/// Linda's balance in the demo accounts, in cents.
const LINDA_BALANCE: i64 = 44_533;

/// Linda, verified, paying `dollars` from a bank account: at the question of its type.
pub(crate) async fn linda_pays_from_her_bank(server: &TestServer, dollars: &str) -> Call {
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", dollars] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(
        &said,
        "How would you like to pay twenty-five dollars? To pay with a debit or credit card, say \
         card or press 1. To pay from a checking or savings account, say bank or press 2."
    );
    let said = call.press("2").await.expect("from the bank");
    assert_heard!(
        &said,
        "Is it a checking account or a savings account? For checking, say checking or press 1."
    );
    call
}

/// Keys in a checking account and confirms it; what the authorisation said.
pub(crate) async fn checking_account(call: &mut Call, account: &str) -> Vec<String> {
    let said = call.press("1").await.expect("checking");
    assert_heard!(&said, "Please key in the 9-digit routing number.");
    let said = call.press("110000000").await.expect("routing number");
    assert_heard!(&said, "Now key in the account number, then press pound.");
    let said = call.press(account).await.expect("account number");
    assert_heard!(
        &said,
        "To make sure it's right, please key in the account number again"
    );
    let said = call.press(account).await.expect("account number again");
    let last4 = account[account.len() - 4..]
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    assert_heard!(
        &said,
        &format!("Your checking account ending in {last4}. If that is right, say yes or press 1.")
    );
    call.press("1").await.expect("the account is right")
}

/// How many recordings of its own the line started on the call through Twilio's API, and how
/// many it stopped.
pub(crate) fn recordings_started_and_stopped(
    twilio: &common::twilio_api::TwilioStandIn,
    call_sid: &str,
) -> (usize, usize) {
    let requests = twilio.requests();
    let started = requests
        .iter()
        .filter(|r| {
            r.path
                .ends_with(&format!("/Calls/{call_sid}/Recordings.json"))
        })
        .count();
    let stopped = requests
        .iter()
        .filter(|r| r.field("Status") == Some("stopped"))
        .count();
    (started, stopped)
}

/// The payment the call made, as the admin API shows it.
async fn payment(server: &TestServer, call: &Call) -> serde_json::Value {
    server.api_call(&call.call_sid).await["payments"][0].clone()
}

async fn balance(server: &TestServer) -> i64 {
    server.api_account(LINDA).await["balance_cents"]
        .as_i64()
        .expect("balance")
}

/// One pass of upkeep after the clock moves on by `by`.
pub(crate) async fn later(server: &TestServer, by: Duration) -> ivrpay::upkeep::Report {
    server.clock.advance(by);
    ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep")
}

/// Long enough for the sandbox to clear a debit and for upkeep's next look at it.
pub(crate) fn a_look_later() -> Duration {
    DEBIT_SETTLES_AFTER + ivrpay::config::DebitSettings::default().check_every
}

async fn a_bank_debit_is_authorised_in_full_recorded_noticed_and_clears(backend: Backend) {
    let Some(Line {
        server,
        twilio,
        smtp,
        ..
    }) = line(backend, None).await
    else {
        return;
    };
    let mut call = linda_pays_from_her_bank(&server, "25").await;
    let said = checking_account(&mut call, "000123456789").await;
    // Every element NACHA's TEL rules require, as the caller hears it.
    for element in [
        "Please listen to this authorization.",
        "Today, November twenty-third,",
        "you, Linda Brown, authorize Riverside Utilities to make one electronic debit of \
         twenty-five dollars from your checking account ending in 6 7 8 9, on or after \
         November twenty-fourth.",
        "This is a single debit. It will not repeat.",
        "If you have questions, or to cancel this debit before November twenty-fourth, call \
         Riverside Utilities at 1, 8 0 0, 5 5 5, 0 1 0 0, during business hours.",
        "To authorize this payment, say yes or press 1.",
    ] {
        assert_heard!(&said, element);
    }
    // The authorisation is being recorded, through Twilio's API, from before it is read.
    let started: Vec<_> = twilio
        .requests()
        .into_iter()
        .filter(|r| {
            r.path
                .ends_with(&format!("/Calls/{}/Recordings.json", call.call_sid))
        })
        .collect();
    assert_eq!(started.len(), 1, "{started:?}");
    assert!(
        (200..300).contains(&started[0].status),
        "Prism took it as Twilio would: {started:?}"
    );

    // A provider retrying the authorising key while the first delivery is answered: one debit.
    let said = server.press_concurrently(&call, "1", 3).await;
    assert!(
        said.contains(
            "Your payment of twenty-five dollars from your checking account ending in 6 7 8 9 \
             is scheduled for November twenty-fourth. It can take a few days to clear."
        ),
        "{said}"
    );
    assert!(
        said.contains("send you a written copy of your authorization."),
        "{said}"
    );
    let stopped: Vec<_> = twilio
        .requests()
        .into_iter()
        .filter(|r| r.field("Status") == Some("stopped"))
        .collect();
    assert_eq!(stopped.len(), 1, "the recording stops once: {stopped:?}");
    assert_eq!(stopped[0].status, 200, "{stopped:?}");

    let paid = payment(&server, &call).await;
    assert_eq!(paid["status"], "clearing", "{paid}");
    assert_eq!(paid["method"], "bank");
    assert_eq!(paid["method_label"], "checking");
    assert_eq!(paid["method_last4"], "6789");
    assert_eq!(
        server.api_call(&call.call_sid).await["payments"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // The balance drops while the debit clears, so a call back hears what is still owed.
    assert_eq!(balance(&server).await, LINDA_BALANCE - 2_500);

    // The evidence: the words read, the recording, the written notice, kept two years.
    let key = CallKey {
        provider: "twilio",
        sid: &call.call_sid,
    };
    let evidence = server
        .state
        .line
        .store
        .debit_authorization(key, 1)
        .await
        .expect("store")
        .expect("the authorisation is kept");
    assert_eq!(evidence.status, "authorized");
    assert_eq!(
        evidence.evidence.as_deref(),
        Some("recording_and_written_notice")
    );
    assert!(
        evidence
            .recording_id
            .as_deref()
            .is_some_and(|id| id.starts_with("RE"))
    );
    assert_eq!(evidence.notice_channel.as_deref(), Some("email"));
    assert!(
        evidence
            .script
            .contains("you, Linda Brown, authorize Riverside Utilities")
    );
    // Operations see the same through the admin API.
    let shown = &server.api_account(LINDA).await["debit_authorizations"][0];
    assert_eq!(shown["evidence"], "recording_and_written_notice", "{shown}");
    assert_eq!(shown["script_version"], "tel-single-2026-12");
    let two_years = 2 * 365 * 24 * 3_600_000;
    assert!(evidence.keep_until.unwrap_or(0) - evidence.authorized_at.unwrap_or(0) > two_years);

    // The written notice, before the debit settles.
    let report = send(&server).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let mail = smtp.received();
    assert_eq!(mail[0].to, ["linda.brown@example.com"]);
    let code = paid["confirmation_code"].as_str().expect("code");
    for element in [
        "On November 23, 2026, by phone, you authorized Riverside Utilities to make one \
         electronic debit of $25.00 from your checking account ending in 6789, on or after \
         November 24, 2026",
        "This is a single debit. It will not repeat.",
        code,
        "call us at 1-800-555-0100 during business hours",
    ] {
        assert!(
            mail[0].text.contains(element),
            "{element:?} in {}",
            mail[0].text
        );
    }

    // Upkeep learns it cleared; it stays watched for a return.
    let report = later(&server, a_look_later()).await;
    assert_eq!(report.debits.succeeded, 1, "{report:?}");
    assert_eq!(payment(&server, &call).await["status"], "approved");
    assert_eq!(balance(&server).await, LINDA_BALANCE - 2_500);
    let report = later(&server, a_look_later()).await;
    assert_eq!(report.debits, Default::default(), "nothing changes twice");
}
on_both_backends_with_own_server!(a_bank_debit_is_authorised_in_full_recorded_noticed_and_clears, needs: [Prism, Smtp]);

async fn a_debit_that_fails_or_comes_back_reopens_the_balance_and_says_so(backend: Backend) {
    let Some(Line { server, smtp, .. }) = line(backend, None).await else {
        return;
    };
    // Insufficient funds: it fails before it settles.
    let mut short = linda_pays_from_her_bank(&server, "25").await;
    checking_account(&mut short, "000222222227").await;
    let said = short.press("1").await.expect("authorised");
    assert_heard!(&said, "is scheduled for November twenty-fourth");
    // Not authorised, says the holder's bank: it settles, then comes back.
    let mut disputed = linda_pays_from_her_bank(&server, "25").await;
    checking_account(&mut disputed, "000333333335").await;
    let said = disputed.press("1").await.expect("authorised");
    assert_heard!(&said, "is scheduled for November twenty-fourth");
    assert_eq!(balance(&server).await, LINDA_BALANCE - 5_000);
    send(&server).await;
    let notices = smtp.received().len();
    assert_eq!(notices, 2, "one written notice each");

    let report = later(&server, a_look_later()).await;
    assert_eq!(
        (report.debits.succeeded, report.debits.came_back),
        (1, 1),
        "{report:?}"
    );
    let failed = payment(&server, &short).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["return_code"], "R01");
    assert_eq!(payment(&server, &disputed).await["status"], "approved");
    assert_eq!(balance(&server).await, LINDA_BALANCE - 2_500);

    let report = later(&server, ivrpay::payments::sandbox::RETURNED_AFTER_SETTLING).await;
    assert_eq!(report.debits.came_back, 1, "{report:?}");
    let returned = payment(&server, &disputed).await;
    assert_eq!(returned["status"], "returned", "{returned}");
    assert_eq!(returned["return_code"], "R10");
    assert_eq!(
        balance(&server).await,
        LINDA_BALANCE,
        "the whole balance is open again"
    );

    send(&server).await;
    let mail = smtp.received();
    let told: Vec<_> = mail[notices..]
        .iter()
        .filter(|m| m.subject == "Your bank payment didn't go through")
        .collect();
    assert_eq!(told.len(), 2, "{mail:?}");
    assert!(
        told[0].text.contains("The bank said: insufficient funds."),
        "{}",
        told[0].text
    );
    assert!(
        told[1]
            .text
            .contains("The bank said: not authorized by the account holder."),
        "{}",
        told[1].text
    );
    assert!(
        told[1].text.contains("Your balance is $445.33."),
        "{}",
        told[1].text
    );

    // Nothing is told twice, however often upkeep runs.
    later(&server, a_look_later()).await;
    send(&server).await;
    assert_eq!(smtp.received().len(), notices + 2);
}
on_both_backends_with_own_server!(a_debit_that_fails_or_comes_back_reopens_the_balance_and_says_so, needs: [Prism, Smtp]);

async fn account_numbers_that_differ_are_asked_for_again(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let mut call = linda_pays_from_her_bank(&server, "25").await;
    call.press("1").await.expect("checking");
    let said = call
        .press("110000001")
        .await
        .expect("a routing number one digit off");
    assert_heard!(
        &said,
        "That routing number is not valid. Please check it and try again."
    );
    call.press("110000000").await.expect("routing number");
    call.press("000123456789").await.expect("account number");
    let said = call
        .press("000123456780")
        .await
        .expect("a typo the second time");
    assert_heard!(
        &said,
        "Those two account numbers didn't match. Let's try the account number again."
    );
    assert_heard!(&said, "Now key in the account number, then press pound.");
    call.press("000123456789").await.expect("account number");
    let said = call.press("000123456789").await.expect("the same again");
    assert_heard!(&said, "Your checking account ending in 6 7 8 9.");
    // No payment yet, and nothing of the numbers kept with the call.
    assert_eq!(
        server.api_call(&call.call_sid).await["payments"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}
on_both_backends_with_own_server!(account_numbers_that_differ_are_asked_for_again, needs: [Prism, Smtp]);

async fn a_debit_kept_by_its_recording_alone_promises_no_written_copy(backend: Backend) {
    // The provider records (Twilio's API on Prism) and no message reaches anyone.
    let twilio = common::twilio_api::TwilioStandIn::start().await;
    let options = common::Options {
        provider_api: Some(twilio.base_url.clone()),
        ..common::Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = linda_pays_from_her_bank(&server, "25").await;
    checking_account(&mut call, "000123456789").await;
    let said = call.press("1").await.expect("authorised");
    assert_heard!(&said, "is scheduled for November twenty-fourth.");
    assert_not_heard!(&said, "written copy");
    let shown = &server.api_account(LINDA).await["debit_authorizations"][0];
    assert_eq!(shown["evidence"], "recording", "{shown}");
    assert!(shown["notice_channel"].is_null(), "{shown}");
    assert!(
        shown["recording_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("RE")),
        "{shown}"
    );
}
on_both_backends_with_own_server!(a_debit_kept_by_its_recording_alone_promises_no_written_copy, needs: [Prism]);

async fn an_authorization_left_unanswered_is_recorded_as_not_given(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let mut call = linda_pays_from_her_bank(&server, "25").await;
    let said = checking_account(&mut call, "000123456789").await;
    assert_heard!(&said, "Please listen to this authorization.");
    // The caller hangs up while it is read.
    call.hang_up(&server.url).await.expect("hang up");
    let linda = server.api_account("66253365").await;
    let authorizations = linda["debit_authorizations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(authorizations.len(), 1, "{linda}");
    assert_eq!(authorizations[0]["status"], "not_authorized", "{linda}");
    assert!(payment(&server, &call).await.is_null(), "nothing debited");
}
on_both_backends_with_own_server!(an_authorization_left_unanswered_is_recorded_as_not_given, needs: [Prism, Smtp]);

async fn a_bank_account_kept_on_file_pays_the_next_call_after_its_authorization(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    // Linda pays from her checking account and keeps it on file.
    let mut call = linda_pays_from_her_bank(&server, "25").await;
    call.press("1").await.expect("checking");
    call.press("110000000").await.expect("routing number");
    call.press("000123456789").await.expect("account number");
    let said = call.press("000123456789").await.expect("again");
    assert_heard!(
        &said,
        "To pay and keep this account on file for next time, press 3."
    );
    let said = call.press("3").await.expect("pay and keep");
    assert_heard!(&said, "Please listen to this authorization.");
    let said = call.press("1").await.expect("authorised");
    assert_heard!(&said, "is scheduled for");
    let linda = server.api_account(LINDA).await;
    let on_file = linda["saved_methods"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(on_file.len(), 1, "{linda}");
    assert_eq!(on_file[0]["kind"], "bank");
    assert_eq!(on_file[0]["label"], "checking");
    assert_eq!(on_file[0]["last4"], "6789");

    // Calling back, she pays from it: the authorisation is read first, as for any debit.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "30"] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(
        &said,
        "You have your checking account ending in 6 7 8 9 on file. To pay thirty dollars with \
         it, say yes or press 1."
    );
    let said = call.press("1").await.expect("from it");
    assert_heard!(
        &said,
        "authorize Riverside Utilities to make one electronic debit of thirty dollars from your \
         checking account ending in 6 7 8 9"
    );
    let said = call.press("1").await.expect("authorised");
    assert_heard!(
        &said,
        "Your payment of thirty dollars from your checking account ending in 6 7 8 9 is \
         scheduled for"
    );
    let paid = payment(&server, &call).await;
    assert_eq!(paid["method"], "bank", "{paid}");
    assert_eq!(paid["status"], "clearing", "{paid}");
    assert_eq!(paid["method_last4"], "6789");
    let authorizations = server.api_account(LINDA).await["debit_authorizations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        authorizations.len(),
        2,
        "each debit authorised on its own call"
    );

    // Both clear; the full account number was never kept.
    let report = later(&server, a_look_later()).await;
    assert_eq!(report.debits.succeeded, 2, "{report:?}");
    assert_eq!(balance(&server).await, LINDA_BALANCE - 2_500 - 3_000);
    let everything = format!(
        "{}{}",
        server.api_account(LINDA).await,
        server.api_call(&call.call_sid).await
    );
    assert!(!everything.contains("000123456789") && !everything.contains("110000000"));
}
on_both_backends_with_own_server!(a_bank_account_kept_on_file_pays_the_next_call_after_its_authorization, needs: [Prism, Smtp]);

async fn a_plan_paid_from_a_bank_account_is_authorised_recorded_written_and_clears(
    backend: Backend,
) {
    let Some(Line { server, twilio, .. }) = line(backend, None).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "8", "4"] {
        call.press(keys).await.expect("to the plan");
    }
    let said = call.press("3").await.expect("three payments");
    let schedule = "a first payment of one hundred forty-eight dollars and forty-five cents \
                    today, then two payments of one hundred forty-eight dollars and forty-four \
                    cents, on December twenty-third and January twenty-third";
    assert_heard!(
        &said,
        &format!("That is {schedule}. To set this up, say or press 1.")
    );
    let said = call.press("1").await.expect("set it up");
    assert_heard!(
        &said,
        "Your payments can come from a debit or credit card, or from a checking or savings \
         account. For a card, say card or press 1. For a bank account, say bank or press 2."
    );
    call.press("2").await.expect("from the bank");
    let said = checking_account(&mut call, "000123456789").await;
    // The recurring TEL authorisation, every element, as the caller hears it.
    for element in [
        &format!("Your checking account ending in 6 7 8 9, for {schedule}."),
        "Please listen to this authorization.",
        "Today, November twenty-third, you, Linda Brown, authorize Riverside Utilities to make \
         electronic debits from your checking account ending in 6 7 8 9, on or after each date \
         of this plan:",
        "These debits repeat on those dates until the plan is paid, unless you cancel them.",
        "If you have questions, or to cancel, call Riverside Utilities at 1, 8 0 0, 5 5 5, 0 1 \
         0 0, during business hours, before a payment date.",
        "To agree, say yes or press 1.",
    ] {
        assert_heard!(&said, element);
    }
    let said = call.press("1").await.expect("agree");
    assert_heard!(
        &said,
        "Thank you. Your payment plan is set up. Your first payment of one hundred forty-eight \
         dollars and forty-five cents from your checking account ending in 6 7 8 9 is on its \
         way, and can take a few days to clear."
    );
    assert_heard!(
        &said,
        "The other payments will be debited from this account on their dates. We'll send you a \
         written copy of your authorization."
    );
    // Recorded from before it was read until the caller's answer.
    assert_eq!(
        recordings_started_and_stopped(&twilio, &call.call_sid),
        (1, 1)
    );

    let linda = server.api_account(LINDA).await;
    let plan = &linda["arrangements"][0];
    assert_eq!(plan["kind"], "plan");
    assert_eq!(plan["method"], "bank");
    assert_eq!(plan["method_label"], "checking");
    assert_eq!(plan["method_last4"], "6789");
    assert_eq!(plan["consent_version"], "tel-plan-2026-12");
    assert_eq!(plan["evidence"], "recording_and_written_notice");
    assert!(
        plan["recording_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("RE")),
        "{plan}"
    );
    assert_eq!(plan["installments"][0]["status"], "clearing", "{plan}");
    assert_eq!(linda["balance_cents"], LINDA_BALANCE - 14_845);
    assert_eq!(linda["contact_channel"], "email");
    let copy: Vec<_> = linda["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["kind"] == "plan_schedule")
        .collect();
    assert_eq!(copy.len(), 1, "the written copy: {linda}");
    let text = copy[0]["body_text"].as_str().unwrap_or_default();
    for element in [
        "On November 23, 2026, by phone, you set up a payment plan for the account ending 3365: \
         $445.33 in all, paid from your checking account ending in 6789 on or after these dates",
        "The payments repeat on those dates until the plan is paid.",
        "call us at 1-800-555-0100 during business hours",
    ] {
        assert!(text.contains(element), "{element:?} in {text}");
    }

    // The first debit clears; the plan runs on.
    let report = later(&server, a_look_later()).await;
    assert_eq!(report.arrangements.debits.succeeded, 1, "{report:?}");
    let plan = &server.api_account(LINDA).await["arrangements"][0];
    assert_eq!(plan["installments"][0]["status"], "paid", "{plan}");
    assert_eq!(plan["status"], "active");
}
on_both_backends_with_own_server!(a_plan_paid_from_a_bank_account_is_authorised_recorded_written_and_clears, needs: [Prism, Smtp]);
