//! Whole calls through signed webhooks, as a caller would make them, on SQLite and PostgreSQL.

use crate::common;

use common::{Backend, Options, TestServer};

const LINDA: &str = "+15552126618"; // 66253365, PIN 6446, 445.33 due 2026-12-02, English
const MARIA: &str = "+15553118592"; // 87272786, PIN 8091, 806.91 due 2026-12-01, Spanish
const UNKNOWN: &str = "+15550009999";

async fn english_caller_id_match_hears_balance_in_words(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    assert_heard!(&call.heard, "For English, press 1.");
    assert_heard!(&call.heard, "Para español, oprima 2.");

    let said = call.press("1").await.expect("language");
    assert_heard!(&said, "account ending in 3 3 6 5");
    call.press("1").await.expect("confirm");
    let said = call.press("6446").await.expect("pin");
    assert_heard!(
        &said,
        "Your balance is four hundred forty-five dollars and thirty-three cents, due December second."
    );
    assert_heard!(&said, "Thank you, Linda.");
    // Its questions post back to its own provider's paths.
    assert!(
        call.pending_action().is_some_and(
            |url| url.starts_with(&format!("{}/{}/gather?turn=", server.url, server.provider))
        ),
        "{:?}",
        call.pending_action()
    );
    let said = call.press("9").await.expect("goodbye");
    assert_heard!(&said, "Goodbye");
    assert!(call.ended);

    let record = server.api_call(&call.call_sid).await;
    assert_eq!(
        record["provider"], server.provider,
        "recorded as its provider's call"
    );
    assert_eq!(record["account_number"], "66253365");
    assert_eq!(record["language"], "en");
    assert_eq!(record["outcome"], "balance_heard");
    assert_eq!(record["last_step"], "goodbye");
    assert!(record["ended_at"].is_i64());
}
on_every_provider!(english_caller_id_match_hears_balance_in_words);

async fn spanish_caller_hears_balance_in_spanish(server: &TestServer) {
    let mut call = server.call_from(MARIA).await;
    let said = call.press("2").await.expect("language");
    assert_heard!(&said, "¿Es su cuenta terminada en 2 7 8 6?");
    call.press("1").await.expect("confirm");
    let said = call.press("8091").await.expect("pin");
    assert_heard!(
        &said,
        "Su saldo es ochocientos seis dólares con noventa y un centavos, vence el primero de diciembre."
    );
    assert!(call.last_twiml.contains("language=\"es-US\""));
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["language"], "es");
}
on_both_backends!(spanish_caller_hears_balance_in_spanish);

async fn silence_at_language_menu_keeps_the_accounts_language(server: &TestServer) {
    let mut call = server.call_from(MARIA).await;
    let said = call.press("").await.expect("silence");
    assert_heard!(&said, "¿Es su cuenta");
}
on_both_backends!(silence_at_language_menu_keeps_the_accounts_language);

async fn unknown_caller_enters_account_number_then_pin(server: &TestServer) {
    let mut call = server.call_from(UNKNOWN).await;
    let said = call.press("").await.expect("silence picks English");
    assert_heard!(
        &said,
        "Please enter your account number, then press pound, or just say it."
    );
    let said = call.press("12345678").await.expect("no such account");
    assert_heard!(&said, "I couldn't find an account with that number.");
    assert_heard!(&said, "Please enter your account number");
    let said = call.press("123").await.expect("too short");
    assert_heard!(&said, "Account numbers have 6 to 12 digits.");
    call.press("66253365").await.expect("account");
    let said = call.press("6446").await.expect("pin");
    assert_heard!(
        &said,
        "four hundred forty-five dollars and thirty-three cents"
    );
}
on_both_backends!(unknown_caller_enters_account_number_then_pin);

async fn caller_who_says_not_my_account_is_asked_for_the_number(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    let said = call.press("2").await.expect("not mine");
    assert_heard!(&said, "Please enter your account number");
    call.press("97842651").await.expect("James's account");
    let said = call.press("1209").await.expect("pin");
    assert_heard!(&said, "Thank you, James.");
}
on_both_backends!(caller_who_says_not_my_account_is_asked_for_the_number);

async fn three_wrong_pins_lock_the_account_across_calls_for_fifteen_minutes(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("1111").await.expect("wrong 1");
    assert_heard!(&said, "That PIN doesn't match our records.");
    call.press("2222").await.expect("wrong 2");
    let said = call.press("3333").await.expect("wrong 3");
    assert_heard!(
        &said,
        "For your security, this account is locked for fifteen minutes."
    );
    // "say yes or press 1" where the provider listens, "press 1" where it takes keys only.
    assert_heard!(&said, "To speak with someone, ");
    assert_heard!(&said, "press 1.");
    call.press("2").await.expect("goodbye");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "locked_out"
    );

    // A new call with the right PIN is still refused.
    let mut again = server.call_from(LINDA).await;
    again.press("1").await.expect("language");
    again.press("1").await.expect("confirm");
    let said = again.press("6446").await.expect("right pin");
    assert_heard!(&said, "this account is locked");

    // Also when the account number is typed rather than matched by caller ID.
    let mut typed = server.call_from(UNKNOWN).await;
    typed.press("1").await.expect("language");
    let said = typed.press("66253365").await.expect("account");
    assert_heard!(&said, "this account is locked");

    server
        .clock
        .advance(std::time::Duration::from_secs(15 * 60 + 1));
    let mut later = server.call_from(LINDA).await;
    later.press("1").await.expect("language");
    later.press("1").await.expect("confirm");
    let said = later.press("6446").await.expect("right pin");
    assert_heard!(&said, "Your balance is");
}
on_every_provider!(three_wrong_pins_lock_the_account_across_calls_for_fifteen_minutes);

async fn locked_caller_can_reach_a_person_who_is_told_why(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    for pin in ["1111", "2222", "3333"] {
        call.press(pin).await.expect("wrong pin");
    }
    let said = call.press("1").await.expect("agent");
    assert_heard!(&said, "Please hold while I connect you with a person.");
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains("Account ending 3 3 6 5, Linda Brown, identity not verified."),
        "{briefing}"
    );
    assert!(briefing.contains("locked"), "{briefing}");
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "transferred"
    );
}
on_both_backends!(locked_caller_can_reach_a_person_who_is_told_why);

async fn forgotten_pin_uses_date_of_birth_and_zip(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("9").await.expect("forgot pin");
    assert_heard!(&said, "say your date of birth");
    let said = call.press("13451984").await.expect("not a date");
    assert_heard!(&said, "That isn't a date I can use.");
    let said = call.press("01181984").await.expect("dob");
    assert_heard!(&said, "5-digit ZIP code");
    let said = call.press("77141").await.expect("zip");
    assert_heard!(&said, "Your balance is four hundred forty-five dollars");

    let record = server.api_call(&call.call_sid).await;
    let text = record.to_string();
    assert!(
        !text.contains("01181984") && !text.contains("77141"),
        "sensitive digits in {text}"
    );
}
on_both_backends!(forgotten_pin_uses_date_of_birth_and_zip);

async fn wrong_date_of_birth_counts_toward_the_lockout(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.press("9").await.expect("forgot pin");
    call.press("01181984").await.expect("dob");
    let said = call.press("77142").await.expect("wrong zip");
    assert_heard!(&said, "don't match our records");
}
on_both_backends!(wrong_date_of_birth_counts_toward_the_lockout);

async fn zero_balance_says_nothing_is_due(server: &TestServer) {
    let mut call = server.call_from("+15559770167").await; // Robert Williams, 0.00
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    let said = call.press("9660").await.expect("pin");
    assert_heard!(&said, "there is nothing due on your account right now");
    assert_not_heard!(&said, "zero dollars");
}
on_both_backends!(zero_balance_says_nothing_is_due);

async fn balances_are_spoken_naturally_at_the_extremes(server: &TestServer) {
    // David Taylor owes exactly one million; Michael Davis owes five cents and has PIN 0560.
    let mut call = server.call_from("+15556054937").await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    let said = call.press("5198").await.expect("pin");
    assert_heard!(
        &said,
        "Your balance is one million dollars, due December thirteenth."
    );

    let mut call = server.call_from("+15552738763").await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    let said = call.press("0560").await.expect("pin with a leading zero");
    assert_heard!(&said, "Your balance is five cents");
}
on_both_backends!(balances_are_spoken_naturally_at_the_extremes);

async fn star_repeats_and_zero_reaches_a_person_with_context(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    let said = call.press("*").await.expect("repeat");
    assert_eq!(
        said,
        vec![
            "Is this your account ending in 3 3 6 5? Say yes or press 1. If not, press 2."
                .to_owned()
        ]
    );
    call.press("1").await.expect("confirm");
    call.press("6446").await.expect("pin");
    let said = call.press("0").await.expect("agent");
    assert_heard!(&said, "Please hold");
    let briefing = call.agent_heard.join(" ");
    assert!(briefing.contains("identity verified"), "{briefing}");
    assert!(
        briefing.contains("Balance four hundred forty-five dollars and thirty-three cents"),
        "{briefing}"
    );
    assert!(
        briefing.contains(
            "They asked for a person while hearing their balance and the options they have."
        ),
        "{briefing}"
    );
    assert!(
        !briefing.contains(" at: "),
        "no internal state names: {briefing}"
    );
    assert!(call.ended);
}
on_both_backends!(star_repeats_and_zero_reaches_a_person_with_context);

async fn silence_is_reprompted_then_the_caller_is_offered_a_person(server: &TestServer) {
    let mut call = server.call_from(UNKNOWN).await;
    call.press("1").await.expect("language");
    let said = call.press("").await.expect("silence 1");
    // Asked again in fewer words than the first time: why, and the question.
    assert_eq!(
        said,
        [
            "Sorry, I didn't hear anything.",
            "Your account number, please."
        ]
    );
    let said = call.press("").await.expect("silence 2");
    assert_heard!(&said, "To speak with a person, say agent or press 0.");
    let said = call.press("").await.expect("silence 3");
    assert_heard!(&said, "Let me get you some help.");
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let briefing = call.agent_heard.join(" ");
    assert!(
        briefing.contains(
            "They were put through because they stopped answering while entering their account number."
        ),
        "{briefing}"
    );
    assert!(
        !briefing.contains("asked for a person"),
        "silence is not asking: {briefing}"
    );
}
on_both_backends!(silence_is_reprompted_then_the_caller_is_offered_a_person);

async fn three_wrong_keys_at_the_language_menu_go_on_in_english_without_promising_help(
    server: &TestServer,
) {
    let mut call = server.call_from(UNKNOWN).await;
    call.press("5").await.expect("wrong 1");
    call.press("8").await.expect("wrong 2");
    let said = call.press("5").await.expect("wrong 3");
    assert_not_heard!(
        &said,
        "Let me get you some help.",
        "no help follows, so none is promised"
    );
    assert_heard!(&said, "Please enter your account number");
    assert!(call.transferred_to.is_none());
}
on_both_backends!(three_wrong_keys_at_the_language_menu_go_on_in_english_without_promising_help);

async fn spanish_is_spoken_in_a_voice_documented_for_spanish(server: &TestServer) {
    let mut call = server.call_from(MARIA).await;
    call.press("2").await.expect("Spanish");
    assert!(
        call.last_twiml
            .contains(r#"<Say language="es-US" voice="Polly.Lupe">"#),
        "{}",
        call.last_twiml
    );
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("English");
    assert!(
        call.last_twiml
            .contains(r#"<Say language="en-US" voice="Polly.Joanna">"#),
        "{}",
        call.last_twiml
    );
}
on_both_backends!(spanish_is_spoken_in_a_voice_documented_for_spanish);

async fn without_an_agent_no_person_is_promised_and_zero_keeps_the_call(backend: Backend) {
    let options = Options {
        agent_number: None,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    let said = call.press("").await.expect("silence");
    assert_not_heard!(&said, "person");
    call.press("1").await.expect("confirm");
    let said = call.press("6446").await.expect("pin");
    assert_not_heard!(&said, "person");
    let said = call.press("8").await.expect("more choices");
    assert_heard!(
        &said,
        "To hear this again, say repeat or press star. To end the call, say goodbye or press 9."
    );
    assert_not_heard!(&said, "person");

    let said = call.press("0").await.expect("zero");
    assert_heard!(
        &said,
        "no one can take your call right now, but we can call you back",
        "a callback instead"
    );
    assert!(!call.ended, "asking for a person does not end the call");
    let said = call.press("9").await.expect("no callback");
    assert_heard!(&said, "You can reach a person during business hours.");
    assert_heard!(&said, "Goodbye");

    // Locked out: told to call back, not offered a person who cannot be reached.
    let mut call = server.linda_at_pin_question().await;
    call.press("1111").await.expect("wrong 1");
    call.press("2222").await.expect("wrong 2");
    let said = call.press("3333").await.expect("wrong 3");
    assert_heard!(
        &said,
        "this account is locked for fifteen minutes. Please call back then."
    );
    assert_not_heard!(&said, "To speak with someone");
    assert!(call.ended);
    server.stop().await;
}
on_both_backends_with_own_server!(without_an_agent_no_person_is_promised_and_zero_keeps_the_call);

async fn unanswered_transfer_offers_a_callback_or_the_menu(server: &TestServer) {
    // Caller ID 555-000-9999 cannot be called back (no exchange starts with 0): asked for one.
    let mut call = server.call_from(UNKNOWN).await;
    call.agent_answers = false;
    call.press("1").await.expect("language");
    let said = call.press("0").await.expect("agent");
    assert_heard!(&said, "I'm sorry, everyone is still helping other callers.");
    assert_heard!(&said, "To go back to the menu, say or press 2.");
    let said = call.press("1").await.expect("a callback");
    assert_heard!(
        &said,
        "no one can take your call right now, but we can call you back"
    );
    assert_heard!(&said, "10-digit number");
    assert!(!call.ended, "never dropped");
}
on_both_backends!(unanswered_transfer_offers_a_callback_or_the_menu);

async fn hang_up_mid_flow_is_recorded_as_abandoned_with_the_last_step(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.hang_up(&server.url).await.expect("status callback");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "abandoned");
    assert_eq!(record["last_step"], "ask_pin");
    assert!(record["ended_at"].is_i64());
}
on_every_provider!(hang_up_mid_flow_is_recorded_as_abandoned_with_the_last_step);

async fn steps_are_recorded_without_sensitive_digits(server: &TestServer) {
    let mut call = server.call_from(UNKNOWN).await;
    call.press("1").await.expect("language");
    call.press("66253365").await.expect("account");
    call.press("6446").await.expect("pin");
    let record = server.api_call(&call.call_sid).await;
    let steps = record["steps"].as_array().expect("steps");
    let pin_step = steps
        .iter()
        .find(|s| s["state"] == "ask_pin")
        .expect("pin step");
    assert_eq!(pin_step["result"], "valid");
    assert!(pin_step["digits"].is_null());
    let account_step = steps
        .iter()
        .find(|s| s["state"] == "ask_account")
        .expect("account step");
    // Typed entries are kept masked (a bank number keyed here must not be stored); the account
    // itself is on the call once found.
    assert_eq!(account_step["digits"], "****3365");
    assert_eq!(record["account_number"], "66253365");
    assert!(
        steps
            .iter()
            .any(|s| s["state"] == "check_pin" && s["result"] == "verified")
    );
    assert!(!record.to_string().contains("6446"));
}
on_both_backends!(steps_are_recorded_without_sensitive_digits);

async fn a_balance_past_its_due_date_is_said_to_be_past_due(server: &TestServer) {
    // 2026-12-05: Linda's balance was due December 2, Maria's December 1.
    server
        .clock
        .advance(std::time::Duration::from_secs(12 * 24 * 3600));
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("pin");
    assert_heard!(
        &said,
        "Your balance is four hundred forty-five dollars and thirty-three cents, past due since December second."
    );
    let mut call = server.call_from(MARIA).await;
    call.press("2").await.expect("language");
    call.press("1").await.expect("confirm");
    let said = call.press("8091").await.expect("pin");
    assert_heard!(&said, "vencido desde el primero de diciembre.");
}
on_both_backends!(a_balance_past_its_due_date_is_said_to_be_past_due);
