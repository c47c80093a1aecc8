//! Paying by phone: amounts, card entry, every test card's outcome, retries and restarts.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Backend, Options, TestServer};

/// The public test cards and what the sandbox answers for them (demo/test-cards.csv).
fn test_cards() -> Vec<(String, String, String)> {
    include_str!("../../demo/test-cards.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',').map(str::to_owned);
            Some((fields.next()?, fields.next()?, fields.next()?))
        })
        .collect()
}

async fn every_test_card_gets_its_answer(server: &TestServer) {
    let mut approved = 0;
    for (number, brand, result) in test_cards() {
        let mut call = server.linda_at_card_number("5").await;
        let said = call.press(&number).await.expect("card number");
        match (brand.as_str(), result.as_str()) {
            (_, "invalid_luhn") => {
                assert_heard!(&said, "That card number is not valid.", "{number}");
                continue;
            }
            ("jcb", _) => {
                // JCB is not among the brands accepted by default.
                assert_heard!(&said, "we can't accept that kind of card", "{number}");
                continue;
            }
            _ => {}
        }
        let code = if brand == "amex" { "1234" } else { "123" };
        let said = call.press("1228").await.expect("expiry");
        let code_prompt = if brand == "amex" {
            "Enter the 4-digit code on the front of the card."
        } else {
            "Enter the 3-digit code on the back of the card."
        };
        assert_heard!(&said, code_prompt, "{number}");
        if brand == "amex" {
            assert!(
                call.last_twiml.contains("numDigits=\"4\""),
                "Amex codes have 4 digits"
            );
        }
        call.press(code).await.expect("security code");
        let said = call.press("77141").await.expect("zip");
        let last4 = &number[number.len() - 4..];
        let spoken_last4: String = last4
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(" ");
        assert_heard!(
            &said,
            &format!("ending in {spoken_last4}. To pay five dollars, say yes or press 1.")
        );
        let said = call.press("1").await.expect("confirm");
        let (expected, outcome) = match result.as_str() {
            // Charged with the caller on the line, the plan breaker is approved.
            "approved" | "approved_then_declines" => (
                "Your payment of five dollars was approved. Your confirmation number is",
                "paid",
            ),
            "declined" => ("the bank declined that card.", "declined"),
            "insufficient_funds" => ("because there weren't enough funds", "declined"),
            "expired_card" => ("the bank says that card has expired", "declined"),
            "incorrect_cvc" => ("the security code didn't match that card", "declined"),
            "processing_error" => (
                "the card couldn't be processed just now, and you were not charged",
                "payment_error",
            ),
            other => panic!("unknown test card result {other}"),
        };
        assert_heard!(&said, expected, "{number} ({result})");
        let record = server.api_call(&call.call_sid).await;
        assert_eq!(record["outcome"], outcome, "{number}");
        let payment = &record["payments"][0];
        assert_eq!(payment["card_last4"], last4);
        assert_eq!(payment["card_brand"], brand);
        assert_eq!(payment["amount_cents"], 500);
        if result.starts_with("approved") {
            approved += 1;
            assert_eq!(payment["status"], "approved");
            let code = payment["confirmation_code"].as_str().expect("code");
            assert_heard!(
                &said,
                &grouped(code, " ", ", "),
                "the code is read in groups"
            );
        } else {
            assert_eq!(payment["status"], "declined");
        }
    }
    assert_eq!(
        server.sandbox.as_ref().map(|s| s.charge_count()),
        Some(approved)
    );
    // Linda owed 445.33 and paid five dollars per approved card.
    let account = server
        .state
        .line
        .store
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(account.balance_cents, 44533 - 500 * approved as i64);
}
on_both_backends!(every_test_card_gets_its_answer);

/// A confirmation code as it should be heard: groups of three, the last of four, `digit_gap`
/// between digits and `group_gap` between groups.
fn grouped(code: &str, digit_gap: &str, group_gap: &str) -> String {
    assert_eq!(code.len(), 10, "confirmation codes have ten digits");
    [&code[..3], &code[3..6], &code[6..]]
        .map(|group| {
            group
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(digit_gap)
        })
        .join(group_gap)
}

async fn confirmation_number_is_read_in_groups_and_again_slowly(server: &TestServer) {
    let mut call = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("pay");
    let record = server.api_call(&call.call_sid).await;
    let code = record["payments"][0]["confirmation_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let once = format!("Your confirmation number is {}.", grouped(&code, " ", ", "));
    assert_heard!(&said, &once);
    assert_heard!(&said, "To hear it again slowly, say or press 1.");

    let said = call.press("1").await.expect("again, slowly");
    let slowly = format!(
        "Your confirmation number is {}.",
        grouped(&code, ", ", ". ")
    );
    assert_heard!(&said, &slowly);
    let said = call.press("9").await.expect("goodbye");
    assert_heard!(&said, "Thank you for your payment, Linda.");
}
on_both_backends!(confirmation_number_is_read_in_groups_and_again_slowly);

async fn star_on_a_card_question_says_it_starts_the_card_over(server: &TestServer) {
    let mut call = server.linda_at_card_number("5").await;
    call.press("4242424242424242").await.expect("card number");
    let said = call.press("1").await.expect("too short an expiry");
    assert_heard!(&said, "The expiration date has 4 digits.");
    assert_heard!(&said, "To start the card over, press star.");
    assert_not_heard!(
        &said,
        "To hear this again, say repeat or press star.",
        "star cannot mean two things"
    );
    let said = call.press("*").await.expect("star");
    assert_heard!(&said, "Key in your card number");
}
on_both_backends!(star_on_a_card_question_says_it_starts_the_card_over);

const DOROTHY: &str = "+15553286747";

async fn minimum_equal_to_the_balance_is_not_offered_twice(server: &TestServer) {
    let mut call = server.call_from(DOROTHY).await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    let said = call.press("5352").await.expect("pin");
    assert_heard!(
        &said,
        "Your balance is twenty-three dollars and twenty-six cents, due December twenty-seventh."
    );
    assert_eq!(
        said.iter()
            .filter(|line| line.contains("twenty-three dollars"))
            .count(),
        1,
        "the amount is said once: {said:?}"
    );
    assert_not_heard!(&said, "minimum");
    assert_heard!(&said, "To pay the full balance, say or press 1.");
    assert_heard!(&said, "To pay a different amount, say or press 2.");
    let said = call.press("2").await.expect("a different amount");
    assert_heard!(&said, "Please say the amount");
}
on_both_backends!(minimum_equal_to_the_balance_is_not_offered_twice);

async fn a_paid_minimum_is_not_offered_again_and_two_charges_nothing_unsaid(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.press("2").await.expect("the minimum");
    let said = server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    assert_heard!(
        &said,
        "To pay forty-four dollars and fifty-three cents, say yes or press 1."
    );
    call.press("1").await.expect("paid");

    let mut again = server.linda_at_pin_question().await;
    let said = again.press("6446").await.expect("pin");
    assert_not_heard!(&said, "minimum", "no minimum of zero dollars");
    assert_not_heard!(&said, "zero dollars");
    assert_heard!(&said, "To pay a different amount, say or press 2.");
    let said = again.press("2").await.expect("2");
    assert_heard!(&said, "Please say the amount");
    assert_eq!(
        server.sandbox.as_ref().map(|s| s.charge_count()),
        Some(1),
        "nothing was charged that was not said"
    );
}
on_both_backends!(a_paid_minimum_is_not_offered_again_and_two_charges_nothing_unsaid);

async fn agent_hears_a_decline_in_plain_words(server: &TestServer) {
    let mut call = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut call, "4000000000000002", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("declined");
    call.press("0").await.expect("a person");
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains(
            "A payment of five dollars with Visa ending 0 0 0 2 was declined by the bank."
        ),
        "{briefing}"
    );
    assert!(
        briefing
            .contains("They asked for a person while hearing that the bank declined their card."),
        "{briefing}"
    );
    assert!(!briefing.contains("declined: declined"), "{briefing}");
}
on_both_backends!(agent_hears_a_decline_in_plain_words);

async fn full_balance_payment_clears_the_account(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.press("1").await.expect("full balance");
    let said = server
        .enter_card(&mut call, "5555555555554444", "0330", "321", "77141")
        .await;
    // "say yes or press 1" where the provider listens, "press 1" where it takes keys only.
    assert_heard!(
        &said,
        "Mastercard ending in 4 4 4 4. To pay four hundred forty-five dollars and thirty-three cents, "
    );
    assert_heard!(&said, "press 1.");
    let said = call.press("1").await.expect("confirm");
    assert_heard!(&said, "Your account is paid in full.");
    let said = call.press("9").await.expect("goodbye");
    assert_heard!(&said, "Thank you for your payment, Linda.");

    let account = server.api_account("66253365").await;
    assert_eq!(account["balance_cents"], 0);
    assert_eq!(account["payments"][0]["amount_cents"], 44533);
    assert_eq!(account["payments"][0]["status"], "approved");
    assert!(account.get("pin_hash").is_none());

    // The next call hears there is nothing to pay, and is offered no payment.
    let mut again = server.linda_at_pin_question().await;
    let said = again.press("6446").await.expect("pin");
    assert_heard!(&said, "there is nothing due on your account right now");
    assert_not_heard!(&said, "make a payment");
}
on_every_provider!(full_balance_payment_clears_the_account);

async fn other_amounts_must_be_within_the_rules(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.press("3").await.expect("another amount");
    let said = call.press("500").await.expect("too much");
    assert_heard!(
        &said,
        "That is more than your balance of four hundred forty-five dollars and thirty-three cents."
    );
    let said = call.press("0*5").await.expect("too little");
    assert_heard!(&said, "The smallest payment I can take is one dollar.");
    let said = call.press("4*5*6").await.expect("garbled");
    assert_heard!(&said, "I didn't understand that amount.");
    let said = call.press("100*5").await.expect("fine");
    assert_heard!(
        &said,
        "That is one hundred dollars and fifty cents. If that is right, say yes or press 1."
    );

    // An account owing less than the minimum payment may pay what it owes.
    let mut small = server.call_from("+15552738763").await; // Michael Davis, 0.05
    small.press("1").await.expect("language");
    small.press("1").await.expect("confirm");
    let said = small.press("0560").await.expect("pin");
    // Nothing else to choose: the whole balance is the only amount it can pay.
    assert_heard!(&said, "To pay the full balance, say or press 1.");
    assert_not_heard!(&said, "different amount");
    assert_not_heard!(&said, "minimum");
    let said = small.press("1").await.expect("pay");
    assert_heard!(&said, "Key in your card number");
}
on_both_backends!(other_amounts_must_be_within_the_rules);

async fn card_problems_are_named_and_star_starts_over(server: &TestServer) {
    let mut call = server.linda_at_card_number("10").await;
    let said = call.press("4242424242424241").await.expect("luhn");
    assert_heard!(
        &said,
        "That card number is not valid. Please check it and try again."
    );
    let said = call.press("424242").await.expect("short");
    assert_heard!(&said, "doesn't have the right number of digits");
    call.press("4242424242424242").await.expect("good card");
    assert!(
        server
            .state
            .line
            .store
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_some(),
        "the card waits sealed"
    );
    let said = call.press("1025").await.expect("expired");
    assert_heard!(&said, "That card has expired.");
    let said = call.press("1328").await.expect("month 13");
    assert_heard!(&said, "That isn't a real month.");
    let said = call.press("*").await.expect("start over");
    assert_heard!(&said, "Key in your card number");
    assert!(
        server
            .state
            .line
            .store
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_none(),
        "the card was forgotten"
    );
    let said = server
        .enter_card(&mut call, "6011111111111117", "1228", "123", "77141")
        .await;
    assert_heard!(&said, "Discover ending in 1 1 1 7");
    let said = call.press("2").await.expect("change the card");
    assert_heard!(&said, "Key in your card number");
}
on_both_backends!(card_problems_are_named_and_star_starts_over);

async fn too_many_bad_cards_offer_a_person(server: &TestServer) {
    let mut call = server.linda_at_card_number("10").await;
    call.press("1111").await.expect("bad 1");
    call.press("2222").await.expect("bad 2");
    let said = call.press("3333").await.expect("bad 3");
    assert_heard!(&said, "Let me get you some help.");
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains(
            "They were put through after several entries that did not work while entering their card."
        ),
        "{briefing}"
    );
    assert!(!briefing.contains("asked for a person"), "{briefing}");
}
on_both_backends!(too_many_bad_cards_offer_a_person);

async fn hang_up_during_card_entry_wipes_the_card(server: &TestServer) {
    let mut call = server.linda_at_card_number("10").await;
    call.press("4242424242424242").await.expect("card");
    call.press("1228").await.expect("expiry");
    assert!(
        server
            .state
            .line
            .store
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_some()
    );
    call.hang_up(&server.url).await.expect("hang up");
    assert!(
        server
            .state
            .line
            .store
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_none()
    );
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "abandoned");
    assert_eq!(record["last_step"], "ask_security_code");
    assert_eq!(server.sandbox.as_ref().map(|s| s.charge_count()), Some(0));
}
on_both_backends!(hang_up_during_card_entry_wipes_the_card);

async fn card_data_expires_if_the_call_never_ends(server: &TestServer) {
    let mut call = server.linda_at_card_number("10").await;
    call.press("4242424242424242").await.expect("card");
    server.clock.advance(Duration::from_secs(11 * 60));
    let wiped = server
        .state
        .line
        .store
        .wipe_expired_sealed(server.state.line.clock.now_ms())
        .await
        .expect("sweep");
    assert_eq!(wiped, 1);
    assert!(
        server
            .state
            .line
            .store
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_none()
    );
}
on_both_backends!(card_data_expires_if_the_call_never_ends);

async fn confirmation_sent_twice_at_once_charges_once(server: &TestServer) {
    let mut call = server.linda_at_card_number("20").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let answer = server.press_concurrently(&call, "1", 5).await;
    assert!(answer.contains("was approved"), "{answer}");
    assert_eq!(server.sandbox.as_ref().map(|s| s.charge_count()), Some(1));
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["payments"].as_array().map(Vec::len), Some(1));
    let account = server
        .state
        .line
        .store
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(account.balance_cents, 44533 - 2000);
}
on_both_backends!(confirmation_sent_twice_at_once_charges_once);

async fn unknown_gateway_outcome_is_never_charged_again(backend: Backend) {
    let options = Options {
        gateway: Some(Arc::new(common::SilentGateway)),
        gateway_timeout: Duration::from_millis(200),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_card_number("20").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let path = server.pending_path(&call);
    let said = call.press("1").await.expect("confirm");
    assert_heard!(
        &said,
        "I couldn't get a confirmation from the bank. Please don't pay again"
    );
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains("has no answer from the bank yet: do not charge again"),
        "{briefing}"
    );

    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["payments"][0]["status"], "unknown");
    assert_eq!(record["outcome"], "payment_unknown");
    // The caller hangs up after the transfer: the outcome stands.
    call.hang_up(&server.url).await.expect("hang up");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "payment_unknown"
    );
    // A late retry of the confirmation is answered from the record.
    let (status, _) = server
        .post_signed(
            &path,
            &[("CallSid", call.call_sid.as_str()), ("Digits", "1")],
        )
        .await;
    assert_eq!(status, 200);
    let account = server
        .state
        .line
        .store
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(
        account.balance_cents, 44533,
        "an unknown payment does not lower the balance"
    );
    server.stop().await;
}

on_both_backends_with_own_server!(unknown_gateway_outcome_is_never_charged_again);

async fn restart_between_card_number_and_expiry_continues_the_call(backend: Backend) {
    let Some(mut server) = TestServer::start(backend).await else {
        return;
    };
    let mut call = server.linda_at_card_number("30").await;
    call.press("4242424242424242").await.expect("card");
    server.restart().await;
    call.press("1228").await.expect("expiry after restart");
    call.press("123").await.expect("code");
    let said = call.press("77141").await.expect("zip");
    assert_heard!(&said, "Visa ending in 4 2 4 2");
    let said = call.press("1").await.expect("confirm");
    assert_heard!(&said, "Your payment of thirty dollars was approved.");
    server.stop().await;
}

on_both_backends_with_own_server!(restart_between_card_number_and_expiry_continues_the_call);

/// A gateway that answers each charge from a script (the last answer repeats), as a gateway
/// answers a bank debit: accepted first, settled later.
struct ScriptedGateway {
    answers: std::sync::Mutex<Vec<ivrpay::payments::ChargeOutcome>>,
    charges: std::sync::atomic::AtomicUsize,
}

impl ivrpay::payments::Gateway for ScriptedGateway {
    fn name(&self) -> &'static str {
        "scripted"
    }

    fn charge<'a>(
        &'a self,
        _req: &'a ivrpay::payments::ChargeRequest<'_>,
    ) -> ivrpay::payments::gateway::ChargeFuture<'a> {
        let n = self
            .charges
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answers = self.answers.lock().expect("script");
        let answer = answers[n.min(answers.len() - 1)].clone();
        Box::pin(async move { Ok(answer) })
    }
}

async fn a_pending_payment_is_accepted_for_the_caller_and_settled_by_the_reconciler(
    backend: Backend,
) {
    use ivrpay::payments::ChargeOutcome;
    let reference = || "pi_clearing".to_owned();
    let gateway = Arc::new(ScriptedGateway {
        answers: std::sync::Mutex::new(vec![
            ChargeOutcome::Pending {
                reference: reference(),
            },
            ChargeOutcome::Pending {
                reference: reference(),
            },
            ChargeOutcome::Approved {
                reference: reference(),
            },
        ]),
        charges: 0.into(),
    });
    let options = Options {
        gateway: Some(gateway.clone()),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_card_number("20").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("confirm");
    assert_heard!(
        &said,
        "Your payment of twenty dollars was approved. Your confirmation number is",
        "accepted is heard as an approval"
    );
    let record = server.api_call(&call.call_sid).await;
    let payment = &record["payments"][0];
    assert_eq!(payment["status"], "pending", "{payment}");
    assert_eq!(payment["gateway_reference"], "pi_clearing");
    assert_eq!(payment["method"], "card");
    let code = payment["confirmation_code"]
        .as_str()
        .expect("the caller was given a code")
        .to_owned();
    assert_heard!(
        &said,
        &grouped(&code, " ", ", "),
        "the code heard is the one kept"
    );
    let balance = || async {
        server
            .state
            .line
            .store
            .account("66253365")
            .await
            .expect("db")
            .expect("account")
            .balance_cents
    };
    assert_eq!(balance().await, 44533, "nothing is taken until it settles");

    // The reconciler asks again: still clearing, then approved.
    server.clock.advance(Duration::from_secs(60));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(
        (report.payments_settled, report.payments_flagged),
        (0, 0),
        "{report:?}"
    );
    let payment = &server.api_call(&call.call_sid).await["payments"][0];
    assert_eq!(payment["status"], "pending", "{payment}");
    server.clock.advance(Duration::from_secs(60));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.payments_settled, 1, "{report:?}");
    let payment = &server.api_call(&call.call_sid).await["payments"][0];
    assert_eq!(payment["status"], "approved", "{payment}");
    assert_eq!(
        payment["confirmation_code"], code,
        "the approval keeps the code the caller was given"
    );
    assert_eq!(balance().await, 44533 - 2000);
    assert_eq!(
        gateway.charges.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "asked once on the call and once per pass, under one key"
    );
    server.stop().await;
}
on_both_backends_with_own_server!(
    a_pending_payment_is_accepted_for_the_caller_and_settled_by_the_reconciler
);

async fn a_payment_recorded_before_payment_methods_keeps_its_card_as_its_method(backend: Backend) {
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(url) = common::fresh_database(backend, dir.path()).await else {
        return;
    };
    // The schema as it was before migration 0019, with a payment and a plan in its card-shaped
    // columns.
    {
        sqlx::any::install_default_drivers();
        let created = if url.starts_with("sqlite:") {
            format!("{url}?mode=rwc")
        } else {
            url.clone()
        };
        let mut conn = sqlx::AnyConnection::connect(&created)
            .await
            .expect("connect");
        let migrator = if url.starts_with("sqlite:") {
            sqlx::migrate!("../migrations/sqlite")
        } else {
            sqlx::migrate!("../migrations/postgres")
        };
        migrator
            .run_to(18, &mut conn)
            .await
            .expect("migrations up to 0018");
        for statement in [
            "INSERT INTO calls (call_sid, provider, from_number, to_number, started_at, turn, \
             last_reply, session, updated_at) VALUES ('CAold', 'twilio', '+15552126618', \
             '+18005550100', 1, 3, '', '{}', 1)",
            "INSERT INTO payments (call_sid, attempt, account_number, amount_cents, currency, \
             card_brand, card_last4, status, gateway, gateway_reference, idempotency_key, \
             confirmation_code, created_at, updated_at, provider) VALUES ('CAold', 1, \
             '66253365', 2000, 'USD', 'amex', '0005', 'approved', 'sandbox', 'sbx_1', \
             'ivrpay-CAold-1', '1234567890', 1, 1, 'twilio')",
            "INSERT INTO arrangements (account_number, kind, status, policy, total_cents, \
             balance_before_cents, card_token, card_brand, card_last4, gateway, created_at, \
             updated_at) VALUES ('66253365', 'plan', 'active', 'standard', 30000, 44533, \
             'sbx_card_ok_4242_00', 'visa', '4242', 'sandbox', 1, 1)",
            "INSERT INTO arrangements (account_number, kind, status, policy, total_cents, \
             balance_before_cents, promised_by, created_at, updated_at) VALUES ('66253365', \
             'promise', 'open', 'standard', 5000, 44533, '2026-12-01', 1, 1)",
        ] {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        }
        conn.close().await.expect("close");
    }
    // Opening the store runs 0019.
    let store = ivrpay::store::Store::connect(&url, &ivrpay::store::PoolSettings::default())
        .await
        .expect("the store opens and migrates");
    let payments = store.payments_for_call("CAold").await.expect("payments");
    assert_eq!(payments.len(), 1, "every row is kept");
    let payment = &payments[0];
    assert_eq!(
        payment.summary(),
        ivrpay::payments::MethodSummary::card(ivrpay::payments::CardBrand::Amex, "0005".into())
    );
    assert_eq!(
        (payment.card_brand.as_deref(), payment.card_last4.as_deref()),
        (Some("amex"), Some("0005"))
    );
    assert_eq!(payment.status, "approved");
    assert_eq!(payment.confirmation_code.as_deref(), Some("1234567890"));
    let arrangements = store
        .arrangements_for_account("66253365")
        .await
        .expect("arrangements");
    let plan = arrangements
        .iter()
        .find(|a| a.kind == "plan")
        .expect("plan");
    assert_eq!(
        plan.summary(),
        Some(ivrpay::payments::MethodSummary::card(
            ivrpay::payments::CardBrand::Visa,
            "4242".into()
        ))
    );
    let promise = arrangements
        .iter()
        .find(|a| a.kind == "promise")
        .expect("promise");
    assert_eq!(promise.summary(), None, "a promise has no method");
    assert_eq!(promise.card_brand, None);
    store.close().await;
    common::drop_database(&url).await;
}
on_both_backends_with_own_server!(
    a_payment_recorded_before_payment_methods_keeps_its_card_as_its_method
);
