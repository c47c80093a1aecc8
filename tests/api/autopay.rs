//! AutoPay end to end through the sandbox gateway: offered after a card payment with the card
//! kept on file, turned on with its authorisation heard whole, reminded, charged once on the due
//! date however many instances run the collector, tried again and told when declined, and
//! stopped by phone, by an agent and by an admin. On SQLite and PostgreSQL, with texts and email
//! set up (the Twilio and SMTP stand-ins), so the written copies and notices are queued.
//!
//! The test server's clock says 2026-11-23; Linda's due date is 2026-12-02 (minimum 44.53).

use crate::collections::{installments_paid, run_due_process};
use crate::common;
use crate::messages::{Line, line};

use common::smtp::SmtpServer;
use common::twilio_api::TwilioStandIn;
use common::{Backend, Options, TestServer};
use ivrpay::collections::run_due::{self, Collector};
use ivrpay_simulators::caller::Call;
use serde_json::Value;
use time::macros::date;

const LINDA: &str = "66253365";

/// Linda pays `dollars` with `card`, keeping it on file; returns the call at the payment's
/// confirmation, with what it said.
async fn linda_pays_and_keeps(
    server: &TestServer,
    dollars: &str,
    card: &str,
) -> (Call, Vec<String>) {
    let mut call = server.linda_at_card_number(dollars).await;
    let said = server
        .enter_card(&mut call, card, "1228", "123", "77141")
        .await;
    assert_heard!(&said, "To pay and keep this card for next time, press 3.");
    let said = call.press("3").await.expect("pay and keep");
    (call, said)
}

/// Linda pays $20, keeps her card and turns AutoPay on with it; her receipt and AutoPay's
/// written copy go by email. Returns what she heard when AutoPay came on.
async fn linda_turns_autopay_on(server: &TestServer, card: &str) -> Vec<String> {
    let (mut call, said) = linda_pays_and_keeps(server, "20", card).await;
    let last4: Vec<String> = card[card.len() - 4..].chars().map(String::from).collect();
    let last4 = last4.join(" ");
    assert_heard!(
        &said,
        "Thank you. Your payment of twenty dollars was approved. Your confirmation number is"
    );
    assert_heard!(
        &said,
        &format!(
            "To have each future payment made automatically on its due date with your Visa \
             ending in {last4}, say AutoPay or press 2. To end the call, say or press 9."
        )
    );
    let said = call.press("2").await.expect("AutoPay");
    // The authorisation, every element of it.
    let charge = format!(
        "to charge the minimum due to your Visa ending in {last4} on each due date, starting \
         December second."
    );
    for element in [
        "Please listen to this authorization.",
        "Today, November twenty-third, you, Linda Brown, authorize Riverside Utilities",
        &charge,
        "These payments repeat every due date until you stop AutoPay.",
        "We will remind you 3 days before each payment.",
        "To stop AutoPay, call Riverside Utilities at 1, 8 0 0, 5 5 5, 0 1 0 0 before a due date.",
        "To turn on AutoPay, say yes or press 1.",
    ] {
        assert_heard!(&said, element);
    }
    let on = call.press("1").await.expect("agree");
    assert_heard!(
        &on,
        &format!(
            "Thank you. AutoPay is on. We'll take the minimum due from your Visa ending in \
             {last4} on each due date, starting December second."
        )
    );
    // Ending the call after AutoPay still offers the payment's receipt, where one can be sent.
    let said = call.press("9").await.expect("end");
    if common::heard(&said, "would you like this in writing?") {
        call.press("2").await.expect("by email");
    }
    on
}

fn autopay_of(account: &Value) -> Value {
    account["arrangements"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["kind"] == "autopay"))
        .cloned()
        .unwrap_or_else(|| panic!("no AutoPay in {account}"))
}

fn messages_of(account: &Value, kind: &str) -> Vec<Value> {
    account["messages"]
        .as_array()
        .map(|all| all.iter().filter(|m| m["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}

/// How many receipts of installments (AutoPay's payments) the account was sent.
fn installment_receipts(account: &Value) -> usize {
    messages_of(account, "receipt")
        .iter()
        .filter(|m| {
            m["dedupe_key"]
                .as_str()
                .is_some_and(|k| k.contains("installment"))
        })
        .count()
}

/// Runs `ivrpay arrangements run-due` as another instance's schedule would, its receipts by
/// email as the server's are.
fn run_due_command(server: &TestServer, smtp: &SmtpServer, as_of: &str) -> std::process::Child {
    run_due_process(server, as_of)
        .env(
            "IVRPAY_SMTP_URL",
            format!("smtp://{}:{}", smtp.host, smtp.port),
        )
        .env(
            "IVRPAY_EMAIL_FROM",
            "Riverside Utilities <billing@example.com>",
        )
        .spawn()
        .expect("ivrpay runs")
}

async fn autopay_is_charged_once_on_the_due_date_across_two_instances(backend: Backend) {
    let Some(Line { server, smtp, .. }) = line(backend, None).await else {
        return;
    };
    let server = &server;
    linda_turns_autopay_on(server, "4242424242424242").await;
    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    assert_eq!(autopay["status"], "active");
    assert_eq!(autopay["autopay_amount"], "minimum_due");
    assert_eq!(autopay["method_label"], "visa");
    assert_eq!(autopay["method_last4"], "4242");
    assert_eq!(autopay["consent_version"], "autopay-card-2026-12");
    assert!(
        autopay.get("card_token").is_none(),
        "never the token: {autopay}"
    );
    let copy = messages_of(&linda, "autopay_enrolled");
    assert_eq!(copy.len(), 1, "the written copy: {linda}");
    assert!(
        copy[0]["body_text"]
            .as_str()
            .is_some_and(|text| text.contains("until you stop AutoPay")),
        "{copy:?}"
    );
    assert_eq!(linda["balance_cents"], 44533 - 2000);

    // Three days before: the due date gets its installment (what is due now: the minimum less
    // today's $20) and its reminder; nothing is charged.
    let collector = Collector::of(&server.state.line);
    let report = run_due::run(&collector, date!(2026 - 11 - 29))
        .await
        .expect("run");
    assert_eq!(
        (report.autopay_scheduled, report.paid, report.reminders),
        (1, 0, 1),
        "{report:?}"
    );
    let linda = server.api_account(LINDA).await;
    let reminder = messages_of(&linda, "autopay_reminder");
    assert_eq!(reminder.len(), 1, "{linda}");
    assert!(
        reminder[0]["body_text"]
            .as_str()
            .is_some_and(|text| text.contains(
                "AutoPay will charge $24.53 to your Visa ending in 4242 on December 2, 2026"
            )),
        "{reminder:?}"
    );

    // On the due date two instances run at once: one charge.
    let first = run_due_command(server, &smtp, "2026-12-02");
    let second = run_due_command(server, &smtp, "2026-12-02");
    let outputs = [first, second].map(|run| run.wait_with_output().expect("run-due"));
    let paid: u64 = outputs
        .iter()
        .map(|out| {
            assert!(out.status.success(), "{out:?}");
            installments_paid(&String::from_utf8_lossy(&out.stdout))
        })
        .sum();
    assert_eq!(paid, 1, "{outputs:?}");
    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    assert_eq!(autopay["status"], "active", "AutoPay runs on: {autopay}");
    let installments = autopay["installments"].as_array().expect("installments");
    assert_eq!(installments.len(), 1, "{autopay}");
    assert_eq!(installments[0]["status"], "paid");
    assert_eq!(installments[0]["amount_cents"], 2453);
    assert_eq!(installments[0]["due_date"], "2026-12-02");
    assert_eq!(linda["balance_cents"], 44533 - 2000 - 2453);
    assert_eq!(linda["minimum_due_cents"], 0);
    assert_eq!(
        installment_receipts(&linda),
        1,
        "one receipt of the AutoPay payment: {linda}"
    );

    // Run again that day, or the next: nothing more.
    let again = run_due::run(&collector, date!(2026 - 12 - 03))
        .await
        .expect("run");
    assert_eq!(again.paid + again.autopay_scheduled, 0, "{again:?}");
}
on_both_backends_with_own_server!(autopay_is_charged_once_on_the_due_date_across_two_instances, needs: [Prism, Smtp]);

async fn an_autopay_paid_meanwhile_charges_nothing(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let server = &server;
    linda_turns_autopay_on(server, "4242424242424242").await;
    let collector = Collector::of(&server.state.line);
    run_due::run(&collector, date!(2026 - 11 - 29))
        .await
        .expect("run");
    // Linda pays the rest of the minimum herself before the due date, with her card on file.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "25"] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(&said, "You have your Visa ending in 4 2 4 2 on file.");
    let said = call.press("1").await.expect("pay with it");
    assert_heard!(&said, "Your payment of twenty-five dollars was approved.");
    // AutoPay is on already: not offered again.
    assert_not_heard!(&said, "AutoPay");
    let charges = server.sandbox.as_ref().map(|s| s.charge_count());
    let report = run_due::run(&collector, date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!((report.paid, report.covered), (0, 1), "{report:?}");
    assert_eq!(server.sandbox.as_ref().map(|s| s.charge_count()), charges);
    let autopay = autopay_of(&server.api_account(LINDA).await);
    assert_eq!(autopay["installments"][0]["status"], "covered");
    assert_eq!(autopay["status"], "active");
}
on_both_backends_with_own_server!(an_autopay_paid_meanwhile_charges_nothing, needs: [Prism, Smtp]);

async fn a_declined_autopay_payment_is_tried_again_and_told(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let server = &server;
    // 4000000000000341 is approved while the caller is on the line, declined later.
    linda_turns_autopay_on(server, "4000000000000341").await;
    let collector = Collector::of(&server.state.line);
    let report = run_due::run(&collector, date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!((report.paid, report.retrying), (0, 1), "{report:?}");
    let linda = server.api_account(LINDA).await;
    let failed = messages_of(&linda, "autopay_failed");
    assert_eq!(failed.len(), 1, "{linda}");
    assert!(
        failed[0]["body_text"]
            .as_str()
            .is_some_and(|text| text.contains("Your AutoPay payment of $24.53")),
        "{failed:?}"
    );
    assert_eq!(
        autopay_of(&linda)["installments"][0]["next_attempt_on"],
        "2026-12-05"
    );
    // The one try again (the early policy's), declined too: given up for this due date, told
    // again, and AutoPay stays on for the next one.
    let report = run_due::run(&collector, date!(2026 - 12 - 05))
        .await
        .expect("run");
    assert_eq!(report.failed, 1, "{report:?}");
    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    assert_eq!(autopay["status"], "active", "{autopay}");
    assert_eq!(autopay["installments"][0]["status"], "failed");
    assert_eq!(messages_of(&linda, "autopay_failed").len(), 2, "{linda}");
    assert_eq!(linda["balance_cents"], 44533 - 2000, "nothing was taken");
}
on_both_backends_with_own_server!(a_declined_autopay_payment_is_tried_again_and_told, needs: [Prism, Smtp]);

async fn a_caller_on_autopay_hears_how_to_stop_it_and_stops_it(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let server = &server;
    linda_turns_autopay_on(server, "4242424242424242").await;
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let said = call.press("8").await.expect("more choices");
    // No plan beside AutoPay: stopping it takes the plan's place.
    assert_not_heard!(&said, "payment plan");
    assert_heard!(
        &said,
        "AutoPay is on for this account. To stop it, say stop AutoPay or press 5."
    );
    let said = call.press("5").await.expect("stop AutoPay");
    assert_heard!(
        &said,
        "AutoPay takes the minimum due from your Visa ending in 4 2 4 2 on each due date. To \
         stop AutoPay, say yes or press 1. To keep it on, say no or press 2."
    );
    let said = call.press("1").await.expect("yes, stop it");
    assert_heard!(
        &said,
        "Done. AutoPay is off, and nothing more will be charged automatically."
    );
    let linda = server.api_account(LINDA).await;
    assert_eq!(autopay_of(&linda)["status"], "stopped");
    assert_eq!(messages_of(&linda, "autopay_stopped").len(), 1, "{linda}");
    // Nothing is scheduled or charged for it any more.
    let report = run_due::run(&Collector::of(&server.state.line), date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!(report.autopay_scheduled + report.paid, 0, "{report:?}");
    // And a plan can be offered again.
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let said = call.press("8").await.expect("more choices");
    assert_heard!(&said, "To set up a payment plan, say or press 4.");
}
on_both_backends_with_own_server!(a_caller_on_autopay_hears_how_to_stop_it_and_stops_it, needs: [Prism, Smtp]);

async fn an_agent_or_an_admin_stops_autopay(backend: Backend) {
    // Transfers wait in a conference room, so an agent can take the call.
    let twilio = TwilioStandIn::start().await;
    let options = Options {
        provider_api: Some(twilio.base_url.clone()),
        conference_transfers: true,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let server = &server;
    linda_turns_autopay_on(server, "4242424242424242").await;
    // Put through to an agent, Linda asks her to stop it.
    let ana = common::console::agent(server, "ana", "Ana López").await;
    let mut asking = server.linda_at_pin_question().await;
    asking.press("6446").await.expect("pin");
    asking.press("0").await.expect("a person");
    let page = common::console::console_page(server, &ana).await;
    assert!(
        page.contains("AutoPay, active: the minimum due to Visa ending 4242"),
        "{page}"
    );
    let transfer = server.transfers_of(&asking.call_sid).await[0].id;
    let (status, body) = common::console::post(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/claim"),
        &[],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains("Stop AutoPay"), "{page}");
    // Stop AutoPay asks first; opening it stops nothing.
    let stop = format!("/agent/transfers/{transfer}/autopay/stop");
    let (status, confirm) = common::console::get(server, &ana, &stop).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("Stop AutoPay on this account?") && confirm.contains("Yes, stop AutoPay"),
        "{confirm}"
    );
    assert_eq!(
        autopay_of(&server.api_account(LINDA).await)["status"],
        "active"
    );
    // Removing the card AutoPay is paid from asks first, and says AutoPay stops with it.
    let saved = server.api_account(LINDA).await["saved_methods"][0]["id"]
        .as_i64()
        .expect("the card on file");
    let (status, confirm) = common::console::get(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/saved-methods/{saved}/remove"),
    )
    .await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("AutoPay is paid from it, so AutoPay stops too."),
        "{confirm}"
    );
    let (status, body) = common::console::post(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/autopay/stop"),
        &[],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        autopay_of(&server.api_account(LINDA).await)["status"],
        "stopped"
    );
    let page = common::console::console_page(server, &ana).await;
    assert!(!page.contains("Stop AutoPay"), "{page}");
    asking.hang_up(&server.url).await.expect("hang up");

    // Turned on again after paying with the card on file, an admin stops it through the API;
    // a second stop finds nothing.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "20", "1"] {
        call.press(keys).await.expect("to the card on file");
    }
    let said = call.press("1").await.expect("pay with it");
    assert_heard!(
        &said,
        "with your Visa ending in 4 2 4 2, say AutoPay or press 2."
    );
    call.press("2").await.expect("AutoPay");
    let said = call.press("1").await.expect("agree");
    assert_heard!(&said, "AutoPay is on.");
    let url = format!("{}/api/accounts/{LINDA}/autopay", server.url);
    let admin = ivrpay::http_client();
    let first = admin
        .delete(&url)
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("delete");
    assert_eq!(first.status(), 204);
    let second = admin
        .delete(&url)
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("delete");
    assert_eq!(second.status(), 404);
    let linda = server.api_account(LINDA).await;
    let stopped: Vec<&Value> = linda["arrangements"]
        .as_array()
        .expect("arrangements")
        .iter()
        .filter(|a| a["kind"] == "autopay" && a["status"] == "stopped")
        .collect();
    assert_eq!(stopped.len(), 2, "{linda}");
}
on_both_backends_with_own_server!(an_agent_or_an_admin_stops_autopay, needs: [Prism]);

async fn taking_autopays_card_off_the_file_stops_autopay(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let server = &server;
    // AutoPay charges the card kept with the first payment.
    linda_turns_autopay_on(server, "4242424242424242").await;
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "5"] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(&said, "To take it off your file, say or press 3.");
    let said = call.press("3").await.expect("take it off");
    assert_heard!(
        &said,
        "Done. It's no longer on file. AutoPay used it, so AutoPay is off now too."
    );
    let linda = server.api_account(LINDA).await;
    assert_eq!(autopay_of(&linda)["status"], "stopped", "{linda}");
    assert_eq!(messages_of(&linda, "autopay_stopped").len(), 1, "{linda}");
    assert!(linda["saved_methods"].as_array().is_some_and(Vec::is_empty));
}
on_both_backends_with_own_server!(taking_autopays_card_off_the_file_stops_autopay, needs: [Prism, Smtp]);

/// Linda pays $25 from her checking account `account` and keeps it on file, then turns AutoPay
/// on from it, hearing its recurring authorisation whole. Returns the call.
async fn linda_turns_bank_autopay_on(line: &Line, account: &str) -> Call {
    let server = &line.server;
    let mut call = crate::bank_debit::linda_pays_from_her_bank(server, "25").await;
    for keys in ["1", "110000000", account] {
        call.press(keys).await.expect("the account");
    }
    let said = call.press(account).await.expect("the account again");
    assert_heard!(
        &said,
        "To pay and keep this account on file for next time, press 3."
    );
    call.press("3").await.expect("pay and keep");
    let said = call.press("1").await.expect("authorise today's debit");
    assert_heard!(&said, "is scheduled for November twenty-fourth.");
    let last4 = account[account.len() - 4..]
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    assert_heard!(
        &said,
        &format!(
            "To have each future payment made automatically on its due date from your checking \
             account ending in {last4}, say AutoPay or press 2."
        )
    );
    let said = call.press("2").await.expect("AutoPay");
    // A recurring TEL authorisation: every element, as the caller hears it.
    let debit = format!(
        "authorize Riverside Utilities to make an electronic debit of the minimum due from your \
         checking account ending in {last4} on each due date, starting December second."
    );
    for element in [
        "Please listen to this authorization.",
        "Today, November twenty-third, you, Linda Brown,",
        &debit,
        "These debits repeat every due date until you stop AutoPay.",
        "We will remind you of the amount 3 days before each payment.",
        "If you have questions, or to stop AutoPay, call Riverside Utilities at 1, 8 0 0, 5 5 5, \
         0 1 0 0, during business hours, before a due date.",
        "To turn on AutoPay, say yes or press 1.",
    ] {
        assert_heard!(&said, element);
    }
    let on = call.press("1").await.expect("agree");
    assert_heard!(
        &on,
        &format!(
            "Thank you. AutoPay is on. We'll take the minimum due from your checking account \
             ending in {last4} on each due date, starting December second. We'll send you a \
             written copy of your authorization."
        )
    );
    // Today's debit's written notice went out already: no receipt is offered.
    let said = call.press("9").await.expect("end");
    assert_not_heard!(&said, "would you like this in writing?");
    call
}

async fn bank_autopay_is_recorded_written_debited_on_the_due_date_and_clears(backend: Backend) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    let call = linda_turns_bank_autopay_on(&line, "000123456789").await;
    let server = &line.server;
    // Two recordings, each started before its authorisation was read and stopped after it:
    // today's debit's and AutoPay's.
    assert_eq!(
        crate::bank_debit::recordings_started_and_stopped(&line.twilio, &call.call_sid),
        (2, 2)
    );

    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    assert_eq!(autopay["status"], "active");
    assert_eq!(autopay["method"], "bank");
    assert_eq!(autopay["method_label"], "checking");
    assert_eq!(autopay["method_last4"], "6789");
    assert_eq!(autopay["consent_version"], "autopay-bank-2026-12");
    assert_eq!(autopay["evidence"], "recording_and_written_notice");
    assert!(
        autopay["recording_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("RE")),
        "{autopay}"
    );
    let copy = messages_of(&linda, "autopay_enrolled");
    assert_eq!(copy.len(), 1, "the written copy: {linda}");
    let text = copy[0]["body_text"].as_str().unwrap_or_default();
    for element in [
        "you authorized Riverside Utilities to collect the minimum due from your checking \
         account ending in 6789 on each due date",
        "starting December 2, 2026",
        "until you stop AutoPay",
        "call us at 1-800-555-0100 during business hours",
    ] {
        assert!(text.contains(element), "{element:?} in {text}");
    }
    // The written copy's channel is where AutoPay's reminders, receipts and notices go.
    assert_eq!(linda["contact_channel"], "email");
    // Today's $25 debit lowered the balance and the minimum due while it clears.
    assert_eq!(linda["balance_cents"], 44_533 - 2_500);
    assert_eq!(linda["minimum_due_cents"], 4_453 - 2_500);

    // On the due date the rest of the minimum is debited: accepted, clearing, balance lowered.
    let collector = Collector::of(&server.state.line);
    let report = run_due::run(&collector, date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!(
        (report.autopay_scheduled, report.clearing, report.paid),
        (1, 1, 0),
        "{report:?}"
    );
    let linda = server.api_account(LINDA).await;
    let installment = &autopay_of(&linda)["installments"][0];
    assert_eq!(installment["status"], "clearing", "{installment}");
    assert_eq!(installment["amount_cents"], 1_953);
    assert_eq!(linda["balance_cents"], 44_533 - 2_500 - 1_953);
    assert_eq!(installment_receipts(&linda), 0, "not before it clears");
    // Run again that day: nothing is debited twice.
    let again = run_due::run(&collector, date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!(again.clearing + again.paid, 0, "{again:?}");

    // Upkeep learns both debits cleared; the installment's receipt goes out then.
    let report = crate::bank_debit::later(server, crate::bank_debit::a_look_later()).await;
    assert_eq!(report.debits.succeeded, 1, "today's debit: {report:?}");
    assert_eq!(
        report.arrangements.debits.succeeded, 1,
        "AutoPay's debit: {report:?}"
    );
    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    assert_eq!(autopay["installments"][0]["status"], "paid", "{autopay}");
    assert_eq!(autopay["status"], "active", "AutoPay runs on");
    assert_eq!(linda["balance_cents"], 44_533 - 2_500 - 1_953);
    assert_eq!(installment_receipts(&linda), 1, "{linda}");
    let report = crate::bank_debit::later(server, crate::bank_debit::a_look_later()).await;
    assert_eq!(
        report.arrangements.debits,
        Default::default(),
        "nothing changes twice"
    );
}
on_both_backends_with_own_server!(bank_autopay_is_recorded_written_debited_on_the_due_date_and_clears, needs: [Prism, Smtp]);

async fn a_bank_autopay_debit_that_comes_back_reopens_the_balance_is_tried_again_and_told(
    backend: Backend,
) {
    let Some(line) = line(backend, None).await else {
        return;
    };
    // Stripe's test account whose debits the holder's bank says were not authorised: each one
    // settles, then comes back.
    linda_turns_bank_autopay_on(&line, "000333333335").await;
    let server = &line.server;
    let collector = Collector::of(&server.state.line);
    let report = run_due::run(&collector, date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!(report.clearing, 1, "{report:?}");
    let lowered = server.api_account(LINDA).await["balance_cents"].clone();

    // It clears, then comes back: owed again, the holder told, tried again three days on.
    let report = crate::bank_debit::later(server, crate::bank_debit::a_look_later()).await;
    assert_eq!(report.arrangements.debits.succeeded, 1, "{report:?}");
    let report =
        crate::bank_debit::later(server, ivrpay::payments::sandbox::RETURNED_AFTER_SETTLING).await;
    assert_eq!(report.arrangements.debits.came_back, 1, "{report:?}");
    // The early policy tries a declined AutoPay payment once more, three days on.
    let retry_on = server
        .state
        .line
        .today()
        .saturating_add(time::Duration::days(3))
        .to_string();
    let linda = server.api_account(LINDA).await;
    let autopay = autopay_of(&linda);
    let installment = &autopay["installments"][0];
    assert_eq!(installment["status"], "retrying", "{installment}");
    assert_eq!(installment["return_code"], "R10");
    assert_eq!(installment["decline_reason"], "bank_return");
    assert_eq!(installment["next_attempt_on"], retry_on.as_str());
    // Today's $25 from the same account came back too: all of it is owed again.
    assert_eq!(
        linda["balance_cents"].as_i64(),
        lowered.as_i64().map(|cents| cents + 1_953 + 2_500),
        "the balance is owed again"
    );
    let failed = messages_of(&linda, "autopay_failed");
    assert_eq!(failed.len(), 1, "{linda}");
    assert!(
        failed[0]["body_text"]
            .as_str()
            .is_some_and(|text| text.contains("Your AutoPay payment of $19.53")),
        "{failed:?}"
    );
    assert_eq!(autopay["status"], "active", "AutoPay stays on: {autopay}");
}
on_both_backends_with_own_server!(a_bank_autopay_debit_that_comes_back_reopens_the_balance_is_tried_again_and_told, needs: [Prism, Smtp]);
