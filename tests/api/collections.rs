//! Collections treatment, as callers meet it: settlements, payment plans and what falls due,
//! promises kept and broken, fees, disputed and bankrupt accounts, hardship, and specialists.
//! Every scenario asserts what the caller heard and what was recorded, on SQLite and PostgreSQL.
//!
//! The test server's clock says 2026-11-23; the demo accounts are demo/accounts.csv.

use crate::common;

use common::TestServer;
use ivrpay::clock::Clock;
use ivrpay::collections::run_due::{self, Collector};
use ivrpay_simulators::caller::Call;
use serde_json::Value;
use time::macros::date;

const LINDA: (&str, &str) = ("+15552126618", "6446"); // early, 445.33, minimum 44.53
const JAMES: (&str, &str) = ("+15555740198", "1209"); // early, 983.49
const JOSE: (&str, &str) = ("+15558422776", "6470"); // settlement, 119.28, Spanish
const BARBARA: (&str, &str) = ("+15553530121", "4826"); // late, 807.89: a card fee
const THOMAS: (&str, &str) = ("+15556644008", "3660"); // disputed
const JOSEPH: (&str, &str) = ("+15559234485", "1958"); // in bankruptcy
const ELIZABETH: (&str, &str) = ("+15555138731", "7607"); // hardship segment, 627.17
const MARGARET: (&str, &str) = ("+15554434206", "3042"); // vulnerable

/// A caller identified by caller ID, in the language chosen with `language_key`, who has
/// entered their PIN; returns what they heard after it.
async fn verified(
    server: &TestServer,
    who: (&str, &str),
    language_key: &str,
) -> (Call, Vec<String>) {
    let mut call = server.call_from(who.0).await;
    call.press(language_key).await.expect("language");
    call.press("1").await.expect("confirm the account");
    let said = call.press(who.1).await.expect("pin");
    (call, said)
}

/// The installments' values of `field`, in order.
fn installments(arrangement: &Value, field: &str) -> Vec<Value> {
    arrangement["installments"]
        .as_array()
        .expect("installments")
        .iter()
        .map(|i| i[field].clone())
        .collect()
}

async fn enter_card(server: &TestServer, call: &mut Call, number: &str) -> Vec<String> {
    let code = if number.starts_with('3') {
        "1234"
    } else {
        "123"
    };
    server.enter_card(call, number, "1228", code, "77141").await
}

/// Runs `ivrpay arrangements run-due` as an operator would, against the server's database.
fn run_due_command(server: &TestServer, as_of: &str) -> std::process::Child {
    run_due_process(server, as_of).spawn().expect("ivrpay runs")
}

/// `ivrpay arrangements run-due` for `as_of` against the server's database and the shipped
/// flows, its output piped, ready to spawn.
pub(crate) fn run_due_process(server: &TestServer, as_of: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"));
    command
        .args([
            "arrangements",
            "run-due",
            "--as-of",
            as_of,
            "--database-url",
            &server.database_url,
            "--flows",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"),
        ])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

/// "As of ...: N installments paid, ..." -> N.
pub(crate) fn installments_paid(stdout: &str) -> u64 {
    stdout
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("run-due printed {stdout:?}"))
}

/// Linda sets up three payments with `card`; returns the call after it is set up.
async fn linda_sets_up_a_plan(server: &TestServer, card: &str) -> (Call, Vec<String>) {
    let (mut call, said) = verified(server, LINDA, "1").await;
    assert_heard!(&said, "For more choices, say or press 8.");
    let said = call.press("8").await.expect("more choices");
    assert_heard!(&said, "To set up a payment plan, say or press 4.");
    let said = call.press("4").await.expect("a plan");
    assert_heard!(
        &said,
        "You can spread four hundred forty-five dollars and thirty-three cents over 2, 3 or 4 \
             payments. Please say or press the number of payments you would like."
    );
    let said = call.press("5").await.expect("not a choice");
    assert_heard!(&said, "You can choose 2, 3 or 4 payments.");
    let said = call.press("3").await.expect("three payments");
    let schedule = "a first payment of one hundred forty-eight dollars and forty-five cents \
                    today, then two payments of one hundred forty-eight dollars \
                    and forty-four cents, on December twenty-third and January twenty-third";
    assert_heard!(&said, &format!("That is {schedule}."));
    let said = call.press("1").await.expect("with a card");
    assert_heard!(&said, "Key in your card number");
    let said = enter_card(server, &mut call, card).await;
    assert_heard!(&said, &format!("for {schedule}."));
    assert_heard!(
        &said,
        "By pressing 1, you authorize us to charge this card for each of these payments on \
             its date."
    );
    let said = call.press("1").await.expect("agree");
    (call, said)
}

async fn settle_for_less_and_pay(server: &TestServer) {
    let (mut call, said) = verified(server, JOSE, "1").await;
    assert_heard!(
        &said,
        "This is a communication from a debt collector.",
        "the policy's disclosure, after verification"
    );
    assert_heard!(
        &said,
        "To hear how to settle this account for less, say or press 1."
    );
    let said = call.press("1").await.expect("settlement");
    assert_heard!(
        &said,
        "You can settle this account for seventy-one dollars and fifty-seven cents, instead \
             of the full balance of one hundred nineteen dollars and twenty-eight cents. This \
             offer is good until December twenty-third. To settle it today in one payment, say or press 1.",
        "60 % of 119.28 is 71.568, to the nearest cent: {said:?}"
    );
    let said = call.press("1").await.expect("in one payment");
    assert_heard!(&said, "Key in your card number");
    let said = enter_card(server, &mut call, "4242424242424242").await;
    assert_heard!(
        &said,
        "To pay seventy-one dollars and fifty-seven cents, say yes or press 1."
    );
    let said = call.press("1").await.expect("pay");
    assert_heard!(
        &said,
        "Thank you, your payment was approved. Your account is paid in full."
    );
    let jose = server.api_account("54294334").await;
    assert_eq!(jose["balance_cents"], 0, "settled: {jose}");
    assert_eq!(jose["payments"][0]["amount_cents"], 7157);
    let settlement = &jose["arrangements"][0];
    assert_eq!(settlement["kind"], "settlement");
    assert_eq!(settlement["status"], "completed");
    assert_eq!(settlement["total_cents"], 7157);
    assert_eq!(settlement["balance_before_cents"], 11928);
    assert_eq!(settlement["policy"], "settlement");
    assert_eq!(settlement["card_last4"], "4242");
}
on_both_backends!(settle_for_less_and_pay);

async fn a_plan_is_set_up_and_run_due_charges_the_next_installment_once(server: &TestServer) {
    let (_call, said) = linda_sets_up_a_plan(server, "4242424242424242").await;
    assert_heard!(
        &said,
        "Your payment plan is set up, and your first payment was approved."
    );
    let linda = server.api_account("66253365").await;
    let plan = &linda["arrangements"][0];
    assert_eq!(plan["kind"], "plan");
    assert_eq!(plan["status"], "active");
    assert_eq!(plan["policy"], "early");
    assert_eq!(plan["total_cents"], 44533);
    assert_eq!(plan["consent_version"], "plan-2026-11");
    assert!(plan["consent_at"].as_i64().is_some());
    assert_eq!(plan["card_brand"], "visa");
    assert_eq!(plan["card_last4"], "4242");
    assert!(plan.get("card_token").is_none(), "never the token: {plan}");
    assert_eq!(
        installments(plan, "amount_cents"),
        [14845, 14844, 14844],
        "the odd cent goes on the first"
    );
    assert_eq!(
        installments(plan, "due_date"),
        ["2026-11-23", "2026-12-23", "2027-01-23"]
    );
    assert_eq!(
        installments(plan, "status"),
        ["paid", "scheduled", "scheduled"]
    );
    assert_eq!(linda["balance_cents"], 44533 - 14845);

    // Before it is due nothing is charged.
    let early = run_due_command(server, "2026-12-22")
        .wait_with_output()
        .expect("run-due");
    assert!(early.status.success(), "{early:?}");
    assert_eq!(
        installments_paid(&String::from_utf8_lossy(&early.stdout)),
        0
    );

    // Two runs at once, as two instances' schedules or an operator's retry might: one charge.
    let first = run_due_command(server, "2026-12-23");
    let second = run_due_command(server, "2026-12-23");
    let outputs = [first, second].map(|run| run.wait_with_output().expect("run-due"));
    let paid: u64 = outputs
        .iter()
        .map(|out| {
            assert!(out.status.success(), "{out:?}");
            installments_paid(&String::from_utf8_lossy(&out.stdout))
        })
        .sum();
    assert_eq!(paid, 1, "{outputs:?}");
    let linda = server.api_account("66253365").await;
    let plan = &linda["arrangements"][0];
    assert_eq!(installments(plan, "status"), ["paid", "paid", "scheduled"]);
    assert_eq!(linda["balance_cents"], 44533 - 14845 - 14844);
    let again = run_due_command(server, "2026-12-23")
        .wait_with_output()
        .expect("run-due");
    assert_eq!(
        installments_paid(&String::from_utf8_lossy(&again.stdout)),
        0
    );

    // A returning caller hears the plan first.
    let (_call, said) = verified(server, LINDA, "1").await;
    assert_heard!(
        &said,
        "You have a payment plan with us. Your next payment of one hundred forty-eight \
             dollars and forty-four cents is due on January twenty-third."
    );
    assert_heard!(
        &said,
        "To pay one hundred forty-eight dollars and forty-four cents now with your Visa \
             ending in 4 2 4 2, say or press 1."
    );

    // The last installment: the plan is complete.
    run_due::run(&Collector::of(&server.state.line), date!(2027 - 01 - 23))
        .await
        .expect("run");
    let linda = server.api_account("66253365").await;
    assert_eq!(linda["arrangements"][0]["status"], "completed");
    assert_eq!(linda["balance_cents"], 0);
}
on_both_backends!(a_plan_is_set_up_and_run_due_charges_the_next_installment_once);

async fn a_declined_installment_is_retried_then_the_plan_is_broken(server: &TestServer) {
    // 4000000000000341 is approved while the caller is on the line, declined later.
    let (mut call, said) = verified(server, JAMES, "1").await;
    call.press("4").await.expect("a plan");
    call.press("2").await.expect("two payments");
    call.press("1").await.expect("with a card");
    enter_card(server, &mut call, "4000000000000341").await;
    let said_after = call.press("1").await.expect("agree");
    // A plan is among the more choices, on 4 whether or not they were heard.
    assert_heard!(&said, "For more choices, say or press 8.");
    assert_heard!(&said_after, "your first payment was approved");
    let collector = Collector::of(&server.state.line);

    let report = run_due::run(&collector, date!(2026 - 12 - 23))
        .await
        .expect("run");
    assert_eq!((report.paid, report.retrying), (0, 1), "{report:?}");
    let james = server.api_account("97842651").await;
    let plan = &james["arrangements"][0];
    assert_eq!(installments(plan, "status"), ["paid", "retrying"]);
    assert_eq!(installments(plan, "next_attempt_on")[1], "2026-12-26");
    assert_eq!(
        installments(plan, "decline_reason")[1],
        "insufficient_funds"
    );

    // Calling in meanwhile, James hears first that it did not go through.
    let (mut call, said) = verified(server, JAMES, "1").await;
    assert_heard!(
        &said,
        "Your payment plan's payment of four hundred ninety-one dollars and seventy-four \
             cents, due on December twenty-third, didn't go through."
    );
    assert_heard!(&said, "To change the card for your plan, say or press 2.");
    call.press("9").await.expect("goodbye");

    // Not before the next try's day; then tried again, and declined for the last time: the
    // plan is broken.
    let report = run_due::run(&collector, date!(2026 - 12 - 25))
        .await
        .expect("run");
    assert_eq!(report, run_due::Report::default());
    let report = run_due::run(&collector, date!(2026 - 12 - 26))
        .await
        .expect("run");
    assert_eq!(report.retrying, 1, "{report:?}");
    let report = run_due::run(&collector, date!(2026 - 12 - 29))
        .await
        .expect("run");
    assert_eq!(report.failed, 1, "{report:?}");
    let james = server.api_account("97842651").await;
    let plan = &james["arrangements"][0];
    assert_eq!(plan["status"], "broken");
    assert_eq!(installments(plan, "status"), ["paid", "failed"]);
    assert_eq!(installments(plan, "attempts")[1], 3);
    assert_eq!(james["balance_cents"], 98349 - 49175);
    let report = run_due::run(&collector, date!(2027 - 01 - 30))
        .await
        .expect("run");
    assert_eq!(
        report,
        run_due::Report::default(),
        "a broken plan is not charged"
    );
}
on_both_backends!(a_declined_installment_is_retried_then_the_plan_is_broken);

async fn a_returning_caller_changes_the_card_on_their_plan(server: &TestServer) {
    linda_sets_up_a_plan(server, "4000000000000341").await;
    let collector = Collector::of(&server.state.line);
    run_due::run(&collector, date!(2026 - 12 - 23))
        .await
        .expect("run");
    let (mut call, said) = verified(server, LINDA, "1").await;
    assert_heard!(&said, "didn't go through");
    let said = call.press("2").await.expect("change the card");
    assert_heard!(&said, "Key in your card number");
    let said = enter_card(server, &mut call, "5555555555554444").await;
    assert_heard!(
        &said,
        "Thank you. Your plan will use your Mastercard ending in 4 4 4 4 from now on."
    );
    let said = call.press("1").await.expect("pay it now");
    assert_heard!(
        &said,
        "Your payment of one hundred forty-eight dollars and forty-four cents was approved."
    );
    let linda = server.api_account("66253365").await;
    let plan = &linda["arrangements"][0];
    assert_eq!(plan["card_last4"], "4444");
    assert_eq!(installments(plan, "status"), ["paid", "paid", "scheduled"]);
}
on_both_backends!(a_returning_caller_changes_the_card_on_their_plan);

async fn a_promise_is_kept_by_a_payment_and_another_is_broken(server: &TestServer) {
    let (mut call, _) = verified(server, LINDA, "1").await;
    let said = call.press("5").await.expect("a promise");
    assert_heard!(&said, "The latest date I can take is December seventh.");
    let said = call.press("1231").await.expect("too late");
    assert_heard!(&said, "That date is further away than I can take.");
    let said = call.press("1205").await.expect("a date");
    assert_heard!(
        &said,
        "The least you can promise is forty-four dollars and fifty-three cents."
    );
    let said = call.press("10").await.expect("too little");
    assert_heard!(&said, "The least you can promise is");
    let said = call.press("50").await.expect("an amount");
    assert_heard!(
        &said,
        "You are promising to pay fifty dollars by December fifth."
    );
    let said = call.press("1").await.expect("confirm");
    assert_heard!(
        &said,
        "We've noted your promise to pay fifty dollars by December fifth."
    );
    let promise = &server.api_account("66253365").await["arrangements"][0];
    assert_eq!(promise["kind"], "promise");
    assert_eq!(promise["status"], "open");
    assert_eq!(promise["promised_by"], "2026-12-05");
    assert_eq!(promise["total_cents"], 5000);

    // James promises too, and does not pay.
    let (mut call, _) = verified(server, JAMES, "1").await;
    call.press("5").await.expect("a promise");
    call.press("1201").await.expect("a date");
    call.press("100").await.expect("an amount");
    call.press("1").await.expect("confirm");

    // Linda pays fifty dollars on a later call.
    let mut call = server.linda_at_card_number("50").await;
    enter_card(server, &mut call, "4242424242424242").await;
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "was approved");

    let report = run_due::run(&Collector::of(&server.state.line), date!(2026 - 12 - 02))
        .await
        .expect("run");
    assert_eq!(
        (report.promises_kept, report.promises_broken),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(
        server.api_account("66253365").await["arrangements"][0]["status"],
        "kept"
    );
    assert_eq!(
        server.api_account("97842651").await["arrangements"][0]["status"],
        "broken"
    );
}
on_both_backends!(a_promise_is_kept_by_a_payment_and_another_is_broken);

async fn a_card_fee_is_said_before_the_card_and_recorded_apart(server: &TestServer) {
    let mut call = server.call_from(BARBARA.0).await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    assert!(
        !call.transcript().contains("debt collector"),
        "no disclosure before the caller is verified: {}",
        call.transcript()
    );
    let said = call.press(BARBARA.1).await.expect("pin");
    assert_heard!(&said, "This is a communication from a debt collector.");
    let said = call.press("1").await.expect("the full balance");
    assert_heard!(
        &said,
        "Paying eight hundred seven dollars and eighty-nine cents by card on this line has a \
             convenience fee of two dollars and fifty cents, for a total of eight hundred ten \
             dollars and thirty-nine cents. There is no fee to pay online or by mail."
    );
    let said = call.press("1").await.expect("go ahead");
    assert_heard!(&said, "Key in your card number");
    let said = enter_card(server, &mut call, "4242424242424242").await;
    assert_heard!(
        &said,
        "Your payment is eight hundred seven dollars and eighty-nine cents, plus the \
             convenience fee of two dollars and fifty cents, for a total of eight hundred ten \
             dollars and thirty-nine cents. To pay eight hundred ten dollars and thirty-nine \
             cents, say yes or press 1."
    );
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "Your account is paid in full.");
    let barbara = server.api_account("95318680").await;
    assert_eq!(barbara["payments"][0]["amount_cents"], 80789);
    assert_eq!(barbara["payments"][0]["fee_cents"], 250);
    assert_eq!(
        barbara["balance_cents"], 0,
        "the fee never lowers the balance"
    );
}
on_both_backends!(a_card_fee_is_said_before_the_card_and_recorded_apart);

async fn disputed_and_bankrupt_accounts_are_never_asked_to_pay(server: &TestServer) {
    for (who, number) in [(THOMAS, "88673243"), (JOSEPH, "24839046")] {
        let (mut call, said) = verified(server, who, "1").await;
        assert_heard!(
            &said,
            "Your account is being reviewed, so we won't ask you for a payment today."
        );
        for asked in ["To pay", "settle", "payment plan", "promise", "balance is"] {
            assert_not_heard!(&said, asked, "{asked}");
        }
        let said = call.press("1").await.expect("a person");
        assert_heard!(&said, "Please hold");
        let briefing = call.agent_heard.join(" ");
        assert!(briefing.contains("do not ask for payment"), "{briefing}");
        let record = server.api_account(number).await;
        assert!(record["payments"].as_array().is_some_and(Vec::is_empty));
    }
}
on_both_backends!(disputed_and_bankrupt_accounts_are_never_asked_to_pay);

async fn trouble_paying_records_the_reason_and_offers_what_the_policy_allows(server: &TestServer) {
    let (mut call, said) = verified(server, LINDA, "1").await;
    assert_heard!(&said, "For more choices, say or press 8.");
    let said = call.press("8").await.expect("more choices");
    assert_heard!(&said, "If you are having trouble paying, say or press 6.");
    let said = call.press("6").await.expect("trouble paying");
    assert_heard!(&said, "I'm sorry things are hard right now.");
    let said = call.press("1").await.expect("lost work");
    assert_eq!(
        said,
        [
            "Thank you for telling me. Here is what we can do.",
            "To spread your balance over smaller payments, say or press 1.",
            "To choose a later date to pay by, say or press 2.",
            "To talk it over with a person, say agent or press 0.",
            "To hear this again, press star. To end the call, say or press 9.",
        ]
    );
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["hardship_reason"], "lost_income");
    call.press("0").await.expect("a person");
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains("They told us paying is hard right now: they lost work or income."),
        "{briefing}"
    );

    // The hardship segment: smaller installments, never the minimum, the first one later.
    let (mut call, said) = verified(server, ELIZABETH, "1").await;
    assert_not_heard!(&said, "minimum", "never pressed for the minimum");
    assert_heard!(&said, "To set up a payment plan, say or press 1.");
    assert_heard!(&said, "To pay the full balance, say or press 2.");
    let said = call.press("1").await.expect("a plan");
    assert_heard!(&said, "over 3, 6 or 9 payments");
    call.press("6").await.expect("six");
    call.press("1").await.expect("with a card");
    enter_card(server, &mut call, "4242424242424242").await;
    let said = call.press("1").await.expect("agree");
    assert_heard!(
        &said,
        "Your payment plan is set up: a first payment of one hundred four dollars and \
             fifty-seven cents on December twenty-third, then five payments of one hundred four \
             dollars and fifty-two cents"
    );
    let elizabeth = server.api_account("62746688").await;
    let plan = &elizabeth["arrangements"][0];
    assert_eq!(plan["policy"], "hardship");
    assert_eq!(installments(plan, "status"), ["scheduled"; 6]);
    assert_eq!(
        installments(plan, "amount_cents")
            .iter()
            .map(|a| a.as_i64().unwrap_or(0))
            .sum::<i64>(),
        62717
    );
    assert_eq!(elizabeth["balance_cents"], 62717, "nothing charged today");
}
on_both_backends!(trouble_paying_records_the_reason_and_offers_what_the_policy_allows);

async fn vulnerable_callers_are_offered_a_specialist_without_pressure(server: &TestServer) {
    let (mut call, said) = verified(server, MARGARET, "1").await;
    assert_heard!(
        &said,
        "We want to make sure you get the right help, at your own pace."
    );
    assert_not_heard!(&said, "To pay");
    let said = call.press("2").await.expect("the balance");
    assert_heard!(&said, "There is no need to decide anything today.");
    call.press("1").await.expect("support team");
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains("The caller may need extra care."),
        "{briefing}"
    );
}
on_both_backends!(vulnerable_callers_are_offered_a_specialist_without_pressure);

async fn options_are_named_in_spanish_too(server: &TestServer) {
    let (mut call, said) = verified(server, JOSE, "2").await;
    assert_heard!(&said, "Esta es una comunicación de un cobrador de deudas.");
    assert_heard!(
        &said,
        "Para saber cómo liquidar esta cuenta por menos, diga u oprima 1."
    );
    assert_heard!(&said, "Para más opciones, diga u oprima 6.");
    let said = call.press("6").await.expect("más opciones");
    assert_heard!(&said, "Para establecer un plan de pagos, diga u oprima 3.");
    let said = call.press("3").await.expect("un plan");
    assert_heard!(
        &said,
        "Puede dividir ciento diecinueve dólares con veintiocho centavos en 2, 3 o 4 pagos."
    );
    let said = call.press("2").await.expect("dos pagos");
    assert_heard!(
        &said,
        "Serían dos pagos de cincuenta y nueve dólares con sesenta y cuatro centavos, hoy y \
             veintitrés de diciembre."
    );
}
on_both_backends!(options_are_named_in_spanish_too);

async fn a_settlement_in_payments_settles_the_account_with_its_last_payment(server: &TestServer) {
    let (mut call, _) = verified(server, JOSE, "1").await;
    call.press("1").await.expect("settlement");
    let said = call.press("2").await.expect("in a few payments");
    assert_heard!(
        &said,
        "You can spread seventy-one dollars and fifty-seven cents over 3 payments."
    );
    call.press("3").await.expect("three");
    call.press("1").await.expect("with a card");
    enter_card(server, &mut call, "378282246310005").await;
    let said = call.press("1").await.expect("agree");
    assert_heard!(&said, "your first payment was approved");
    let jose = server.api_account("54294334").await;
    let settlement = &jose["arrangements"][0];
    assert_eq!(settlement["kind"], "settlement");
    assert_eq!(settlement["status"], "active");
    assert_eq!(installments(settlement, "amount_cents"), [2387, 2385, 2385]);
    assert_eq!(jose["balance_cents"], 11928 - 2387);

    let collector = Collector::of(&server.state.line);
    for day in [date!(2026 - 12 - 23), date!(2027 - 01 - 23)] {
        run_due::run(&collector, day).await.expect("run");
    }
    let jose = server.api_account("54294334").await;
    assert_eq!(jose["arrangements"][0]["status"], "completed");
    assert_eq!(
        jose["balance_cents"], 0,
        "the rest of the balance is settled with the last payment"
    );
}
on_both_backends!(a_settlement_in_payments_settles_the_account_with_its_last_payment);

async fn an_arrangement_made_again_by_a_retried_delivery_is_the_same_one(server: &TestServer) {
    use ivrpay::store::{CallKey, NewArrangement};
    let call = CallKey {
        provider: "twilio",
        sid: "CA0123456789abcdef0123456789abcdef",
    };
    let card =
        ivrpay::payments::MethodSummary::card(ivrpay::payments::CardBrand::Visa, "4242".to_owned());
    let new = NewArrangement {
        account_number: "66253365",
        kind: "plan",
        status: "active",
        policy: "early",
        total_cents: 30000,
        balance_before_cents: 44533,
        promised_by: None,
        card_token: Some("sbx_card_ok_4242_00"),
        method: Some(&card),
        gateway: Some("sandbox"),
        consent_version: Some("plan-2026-11"),
        consent_text: Some("three payments"),
        hardship_reason: None,
        call: Some(call),
        call_attempt: Some(1),
        now: 1,
    };
    let schedule = [
        ("2026-12-23".to_owned(), 15000),
        ("2027-01-23".to_owned(), 15000),
    ];
    let store = &server.state.line.store;
    let first = store
        .create_arrangement(&new, &schedule, None, &[])
        .await
        .expect("made");
    let again = store
        .create_arrangement(&new, &schedule, None, &[])
        .await
        .expect("found");
    assert_eq!(first, again);
    let linda = server.api_account("66253365").await;
    assert_eq!(linda["arrangements"].as_array().map(Vec::len), Some(1));
    assert_eq!(installments(&linda["arrangements"][0], "seq"), [1, 2]);
}
on_both_backends!(an_arrangement_made_again_by_a_retried_delivery_is_the_same_one);

async fn misses_at_the_plan_menu_end_with_a_person_not_a_goodbye(server: &TestServer) {
    linda_sets_up_a_plan(server, "4242424242424242").await;
    let (mut call, said) = verified(server, LINDA, "1").await;
    assert_heard!(&said, "To change the card for your plan");
    call.press("5").await.expect("not a choice");
    call.press("6").await.expect("not a choice");
    let said = call.press("#").await.expect("a third miss");
    assert_heard!(&said, "Let me get you some help.");
    assert_not_heard!(&said, "Goodbye");
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
}
on_both_backends!(misses_at_the_plan_menu_end_with_a_person_not_a_goodbye);

async fn a_plan_made_in_the_evening_is_dated_by_the_lines_day(server: &TestServer) {
    // 19:01 in New York on Monday 2026-11-23 (the line's hours.toml zone): already Tuesday in UTC.
    server
        .clock
        .advance(std::time::Duration::from_secs(9 * 3600 + 60));
    assert_eq!(
        server.clock.now().date(),
        date!(2026 - 11 - 24),
        "UTC has moved on"
    );
    let (_call, said) = linda_sets_up_a_plan(server, "4242424242424242").await;
    assert_heard!(&said, "Your payment plan is set up");
    let linda = server.api_account("66253365").await;
    assert_eq!(
        installments(&linda["arrangements"][0], "due_date"),
        ["2026-11-23", "2026-12-23", "2027-01-23"],
        "dated from the day it is in New York"
    );
}
on_both_backends!(a_plan_made_in_the_evening_is_dated_by_the_lines_day);

async fn installments_fall_due_on_the_lines_day_not_utcs(server: &TestServer) {
    let (_call, said) = linda_sets_up_a_plan(server, "4242424242424242").await;
    assert_heard!(&said, "Your payment plan is set up");
    let linda = server.api_account("66253365").await;
    assert_eq!(
        installments(&linda["arrangements"][0], "due_date"),
        ["2026-11-23", "2026-12-23", "2027-01-23"]
    );
    // 20:00 in New York on December 22nd: already the 23rd in UTC, not yet in New York.
    let evening_before = time::macros::datetime!(2026-12-23 01:00 UTC);
    server
        .clock
        .advance((evening_before - server.clock.now()).unsigned_abs());
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.arrangements.paid, 0, "{report:?}");

    // 09:00 in New York on the 23rd.
    server
        .clock
        .advance(std::time::Duration::from_secs(13 * 3600));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.arrangements.paid, 1, "{report:?}");
}
on_both_backends!(installments_fall_due_on_the_lines_day_not_utcs);

async fn a_small_balance_in_hardship_can_be_paid_in_full(server: &TestServer) {
    // Elizabeth (hardship segment) owes $15: too little for a plan.
    let row = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,\
               language,phone,email,flags,state\n62746688,Elizabeth Anderson,7607,1953-04-16,\
               36041,15.00,15.00,2026-12-09,hardship,en,+15555138731,,hardship,OH\n";
    common::import_accounts(&server.state, &server.clock, row).await;
    let (mut call, said) = verified(server, ELIZABETH, "1").await;
    assert_heard!(&said, "To pay the full balance, say or press 1.");
    let said = call.press("1").await.expect("the full balance");
    assert_heard!(&said, "Key in your card number");
    let said = enter_card(server, &mut call, "4242424242424242").await;
    assert_heard!(&said, "To pay fifteen dollars");
}
on_both_backends!(a_small_balance_in_hardship_can_be_paid_in_full);
