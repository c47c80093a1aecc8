//! Answers by voice, the slower pace, and how long a payment call takes to hear: whole calls
//! through signed webhooks, as a caller would make them, on SQLite and PostgreSQL.

use crate::common;

use common::{Backend, Options, TestServer};
use ivrpay_simulators::caller::Call;

const LINDA: &str = "+15552126618"; // 66253365, PIN 6446, 445.33 due 2026-12-02, English
const MARIA: &str = "+15553118592"; // 87272786, PIN 8091, 806.91 due 2026-12-01, Spanish
const UNKNOWN: &str = "+15550009999";

/// Says `words` as a recognizer sure of them would post them.
async fn say(call: &mut Call, words: &str) -> Vec<String> {
    call.say(words, Some("0.93"))
        .await
        .expect("answer by voice")
}

/// How the question `call` is at listens, as the server's provider runs its answer; `None`
/// for keys only.
fn listening(server: &TestServer, call: &Call) -> Option<ivrpay::voice::Listen> {
    let response = server
        .simulator()
        .read(&call.last_twiml)
        .expect("the provider's markup");
    response.verbs.into_iter().find_map(|verb| match verb {
        ivrpay::voice::Verb::Gather(gather) => gather.speech,
        _ => None,
    })
}

/// The steps recorded for `state`, as `(input kind, result)`.
fn steps_at(record: &serde_json::Value, state: &str) -> Vec<(String, String)> {
    record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter(|step| step["state"] == state)
        .map(|step| {
            (
                step["input_kind"].as_str().unwrap_or_default().to_owned(),
                step["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Enters the test Visa on the keypad, as every caller must.
async fn key_in_card(call: &mut Call) -> Vec<String> {
    for keys in ["4242424242424242", "1228", "123"] {
        call.press(keys).await.expect("card field");
    }
    call.press("77141").await.expect("billing zip")
}

async fn an_english_caller_answers_by_voice_and_pays_by_keypad(server: &TestServer) {
    let mut call = server.call_from(UNKNOWN).await;
    assert!(call.listens(), "the language question listens");
    assert!(listening(server, &call).is_some(), "{}", call.last_twiml);
    let said = say(&mut call, "English please").await;
    assert_heard!(&said, "or just say it");
    let listen = listening(server, &call).expect("listens");
    assert_eq!(listen.language, ivrpay::language::Language::En);
    let said = say(&mut call, "it's six six two five three three six five").await;
    // The PIN never: the question says to key it in, and does not listen.
    assert_heard!(&said, "Please key in your 4-digit PIN.");
    assert!(!call.listens(), "{}", call.last_twiml);
    assert!(listening(server, &call).is_none(), "{}", call.last_twiml);
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "Thank you, Linda.");
    let hints = listening(server, &call).expect("listens").hints;
    assert!(
        hints.iter().any(|hint| hint.contains("pay in full")),
        "hints name the options: {hints:?}"
    );
    let said = say(&mut call, "I'd like to pay a different amount").await;
    assert_heard!(&said, "Please say the amount");
    let said = say(&mut call, "twenty-five dollars and fifty cents").await;
    assert_heard!(&said, "That is twenty-five dollars and fifty cents.");
    let said = say(&mut call, "yes").await;
    assert_heard!(&said, "Key in your card number");
    assert!(!call.listens(), "card questions never listen");
    let said = key_in_card(&mut call).await;
    assert_heard!(
        &said,
        "To pay twenty-five dollars and fifty cents, say yes or press 1."
    );
    let said = say(&mut call, "yes").await;
    assert_heard!(
        &said,
        "Your payment of twenty-five dollars and fifty cents was approved."
    );
    // "Goodbye" means 9 at every menu where 9 ends the call.
    let said = say(&mut call, "that's all, goodbye").await;
    assert_not_heard!(&said, "didn't catch that");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "paid");
    assert_eq!(
        steps_at(&record, "paid"),
        [("speech".to_owned(), "option:9".to_owned())]
    );
    assert_eq!(
        steps_at(&record, "ask_account"),
        [("speech".to_owned(), "valid".to_owned())]
    );
    assert_eq!(
        server.api_account("66253365").await["payments"][0]["amount_cents"],
        2550
    );
}
on_every_provider!(an_english_caller_answers_by_voice_and_pays_by_keypad, uses: [AnswersByVoice]);

/// Where the provider's questions take keys only, the words offer keys alone ("press 1", not
/// "say or press 1"); a caller who answers by voice anyway is heard as silence: asked again,
/// kindly, and the keys still work.
async fn where_questions_take_keys_a_spoken_answer_is_asked_again_and_keys_work(
    server: &TestServer,
) {
    let offers_voice = |said: &[String]| {
        said.iter()
            .any(|line| line.contains("say") || line.contains("Say"))
    };
    let mut call = server.call_from(LINDA).await;
    assert!(listening(server, &call).is_none(), "{}", call.last_twiml);
    let said = call.press("1").await.expect("language");
    assert_heard!(&said, "Is this your account ending in 3 3 6 5? Press 1.");
    assert!(!offers_voice(&said), "{said:?}");
    let said = say(&mut call, "yes").await;
    assert_heard!(&said, "Sorry, I didn't hear anything.");
    assert!(!offers_voice(&said), "{said:?}");
    call.press("1").await.expect("account");
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "Thank you, Linda.");
    assert_heard!(&said, "To pay the full balance, press 1.");
    assert!(!offers_voice(&said), "{said:?}");
    assert!(listening(server, &call).is_none(), "{}", call.last_twiml);
}
on_every_provider!(
    where_questions_take_keys_a_spoken_answer_is_asked_again_and_keys_work,
    lacks: [AnswersByVoice]
);

async fn a_spanish_caller_answers_by_voice_and_pays_by_keypad(server: &TestServer) {
    let mut call = server.call_from(MARIA).await;
    let said = say(&mut call, "español").await;
    assert_heard!(&said, "¿Es su cuenta terminada en 2 7 8 6?");
    assert!(call.last_twiml.contains(r#"language="es-US""#));
    let said = say(&mut call, "sí").await;
    assert_heard!(&said, "Marque su PIN");
    let said = call.press("8091").await.expect("pin");
    assert_heard!(&said, "Gracias, Maria.");
    let said = say(&mut call, "quiero pagar otra cantidad").await;
    assert_heard!(&said, "diga la cantidad");
    let said = say(&mut call, "ciento veinte dólares con cincuenta centavos").await;
    assert_heard!(&said, "Son ciento veinte dólares con cincuenta centavos.");
    let said = say(&mut call, "sí, correcto").await;
    assert_heard!(&said, "Marque el número de su tarjeta");
    let said = key_in_card(&mut call).await;
    assert_heard!(&said, "diga sí u oprima 1");
    let said = say(&mut call, "sí").await;
    assert_heard!(&said, "fue aprobado");
    assert_eq!(
        server.api_account("87272786").await["payments"][0]["amount_cents"],
        12050
    );
}
on_both_backends!(a_spanish_caller_answers_by_voice_and_pays_by_keypad);

async fn a_forgotten_pin_is_replaced_by_a_spoken_date_of_birth_and_zip(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    say(&mut call, "english").await;
    say(&mut call, "yes that's me").await;
    let said = call.press("").await.expect("silence at the PIN");
    assert_heard!(&said, "If you don't know your PIN, press 9");
    let said = call.press("9").await.expect("no PIN");
    assert_heard!(&said, "say your date of birth");
    let said = say(&mut call, "January eighteenth, nineteen eighty-four").await;
    assert_heard!(&said, "ZIP code");
    let said = say(&mut call, "seven seven one four one").await;
    assert_heard!(&said, "Thank you, Linda.");
    let record = server.api_call(&call.call_sid).await;
    assert!(
        record["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter(|s| s["state"] == "ask_date_of_birth" || s["state"] == "ask_zip")
            .all(|s| s["digits"].is_null())
    );
}
on_both_backends!(a_forgotten_pin_is_replaced_by_a_spoken_date_of_birth_and_zip);

async fn an_answer_the_recognizer_doubts_is_read_back_first(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    say(&mut call, "english").await;
    say(&mut call, "yes").await;
    call.press("6446").await.expect("pin");
    say(&mut call, "a different amount").await;
    let said = call
        .say("twenty dollars", Some("0.31"))
        .await
        .expect("unsure");
    assert_heard!(
        &said,
        "I heard twenty dollars. Is that right? Say yes or press 1. If not, say no or press 2."
    );
    let said = say(&mut call, "no").await;
    assert_heard!(&said, "Sorry about that. Let's try again.");
    assert_heard!(&said, "Please say the amount");
    let said = call
        .say("thirty dollars", Some("0.2"))
        .await
        .expect("unsure again");
    assert_heard!(&said, "I heard thirty dollars.");
    let said = call.press("1").await.expect("yes, by key");
    assert_heard!(&said, "That is thirty dollars.");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(
        steps_at(&record, "ask_amount"),
        [
            ("speech".to_owned(), "unsure".to_owned()),
            ("speech".to_owned(), "not_confirmed".to_owned()),
            ("speech".to_owned(), "unsure".to_owned()),
            ("digits".to_owned(), "confirmed".to_owned()),
            ("digits".to_owned(), "valid".to_owned()),
        ]
    );
}
on_both_backends!(an_answer_the_recognizer_doubts_is_read_back_first);

async fn words_that_answer_nothing_are_asked_again_and_requests_work_anywhere(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    say(&mut call, "english").await;
    let said = say(&mut call, "the weather is lovely").await;
    assert_heard!(&said, "Sorry, I didn't catch that.");
    assert_heard!(&said, "Is it yours? Say yes or press 1.");
    let said = say(&mut call, "say that again").await;
    assert_eq!(said.len(), 1, "the question again, nothing else: {said:?}");
    let said = say(&mut call, "can I talk to a real person").await;
    assert_heard!(&said, "Please hold");
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(
        steps_at(&record, "confirm_caller"),
        [
            ("speech".to_owned(), "not_understood".to_owned()),
            ("speech".to_owned(), "repeat".to_owned()),
            ("speech".to_owned(), "agent".to_owned()),
        ]
    );
}
on_both_backends!(words_that_answer_nothing_are_asked_again_and_requests_work_anywhere);

async fn card_digits_said_aloud_are_never_taken_or_kept(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.press("1").await.expect("pay the balance");
    assert!(!call.listens());
    // A provider that sent words anyway (misconfigured, or forged) gets nowhere with them.
    let said = call
        .say(
            "four two four two four two four two four two four two four two four two",
            Some("0.99"),
        )
        .await
        .expect("words at the card question");
    assert_heard!(&said, "Sorry, I didn't catch that.");
    assert_heard!(&said, "Key in your card number");
    let record = server.api_call(&call.call_sid).await;
    let text = record.to_string();
    assert!(!text.contains("4242"), "{text}");
    assert!(!text.contains("four two"), "{text}");
}
on_both_backends!(card_digits_said_aloud_are_never_taken_or_kept);

/// `<Say>` elements spoken more slowly, and the gather's timeout, in a TwiML document.
fn slow_says(twiml: &str) -> usize {
    twiml.matches(r#"<prosody rate="slow">"#).count()
}

async fn two_repeats_slow_the_line_down_for_the_rest_of_the_call(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    call.press("*").await.expect("repeat 1");
    assert_eq!(slow_says(&call.last_twiml), 0, "{}", call.last_twiml);
    assert!(call.last_twiml.contains(r#"timeout="8""#));
    call.press("*").await.expect("repeat 2");
    assert!(slow_says(&call.last_twiml) > 0, "{}", call.last_twiml);
    assert!(
        call.last_twiml.contains(r#"timeout="15""#),
        "{}",
        call.last_twiml
    );
    assert!(call.last_twiml.contains(r#"speechTimeout="4""#));
    // One sentence at a time, a moment apart.
    assert!(call.last_twiml.contains(r#"<Pause length="1"/>"#));
    call.press("1").await.expect("confirm");
    assert!(
        slow_says(&call.last_twiml) > 0,
        "it holds: {}",
        call.last_twiml
    );
    let said = call.press("6446").await.expect("pin");
    // The options come one at a time: the balance and the first, then each after a pause.
    assert_heard!(&said, "Your balance is");
    assert_heard!(&said, "To pay the full balance, say or press 1.");
    assert_not_heard!(&said, "minimum");
    let said = call.press("").await.expect("a pause");
    assert_heard!(&said, "To pay the minimum");
    assert_not_heard!(&said, "Your balance is");
    assert_not_heard!(&said, "Sorry", "a pause is not a miss");
    let said = call
        .press("3")
        .await
        .expect("an earlier option still works");
    assert_heard!(&said, "Please say the amount");
    let record = server.api_call(&call.call_sid).await;
    assert!(
        steps_at(&record, "confirm_caller")
            .contains(&("none".to_owned(), "slower:repeats".to_owned())),
        "{record}"
    );
}
on_both_backends!(two_repeats_slow_the_line_down_for_the_rest_of_the_call);

async fn a_caller_can_ask_for_the_slower_pace(server: &TestServer) {
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    call.press("5").await.expect("not a choice");
    let said = call.press("").await.expect("silence");
    assert_heard!(
        &said,
        "To hear things more slowly, say slower or press 7.",
        "the second miss offers the slower pace"
    );
    let said = call.press("7").await.expect("slower");
    // At the slower pace each sentence is said on its own.
    assert_heard!(&said, "Of course.");
    assert_heard!(&said, "I'll go more slowly.");
    assert!(slow_says(&call.last_twiml) > 0);
    assert_not_heard!(
        &said,
        "more slowly, say slower or press 7",
        "not offered again"
    );
    let mut other = server.call_from(LINDA).await;
    say(&mut other, "english").await;
    let said = say(&mut other, "slow down please").await;
    assert_heard!(&said, "Of course.");
    assert!(slow_says(&other.last_twiml) > 0);
}
on_both_backends!(a_caller_can_ask_for_the_slower_pace);

async fn silence_reaches_a_person_instead_of_a_goodbye(backend: Backend) {
    // With a person to reach.
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    // Two silences slow the line down; then each pause brings the next option, and only the
    // silence after the last counts.
    for _ in 0..20 {
        if call.transferred_to.is_some() || call.ended {
            break;
        }
        call.press("").await.expect("silence");
    }
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    assert!(call.transcript().contains("Let me get you some help."));
    server.stop().await;

    // With no one: offered a callback, then told when people are in, not just goodbye.
    let options = Options {
        agent_number: None,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let mut said = Vec::new();
    for _ in 0..20 {
        if call.ended {
            break;
        }
        said = call.press("").await.expect("silence");
    }
    assert!(call.ended);
    assert_heard!(&said, "You can reach a person during business hours.");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "agent_unavailable");
    server.stop().await;
}
on_both_backends_with_own_server!(silence_reaches_a_person_instead_of_a_goodbye);

/// Words in what was heard.
fn words(lines: &[String]) -> usize {
    lines
        .iter()
        .map(|line| line.split_whitespace().count())
        .sum()
}

async fn every_way_of_asking_for_a_person_is_understood(server: &TestServer) {
    let english = [
        "can I talk to somebody",
        "a real person",
        "operator",
        "I want to speak to someone",
    ];
    let spanish = [
        "quiero hablar con alguien",
        "una persona real",
        "operador",
        "operadora",
    ];
    for (language, asks) in [("1", english), ("2", spanish)] {
        for words in asks {
            // At a yes-or-no question, and at the balance menu.
            for at_balance in [false, true] {
                let mut call = server.call_from(LINDA).await;
                call.press(language).await.expect("language");
                if at_balance {
                    call.press("1").await.expect("her account");
                    call.press("6446").await.expect("pin");
                }
                let said = say(&mut call, words).await;
                assert_eq!(
                    call.transferred_to.as_deref(),
                    Some(common::AGENT),
                    "{words:?} (at the balance: {at_balance}): {said:?}"
                );
            }
        }
    }
}
on_both_backends!(every_way_of_asking_for_a_person_is_understood);

async fn the_options_say_what_to_say(server: &TestServer) {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "For a person, say agent or press 0.");
    assert_heard!(&said, "For more choices, say or press 8.");
    // The rest of the list, on the keys they always have; words the recognizer doubts are read
    // back first, in the flow's words.
    let said = call
        .say("more choices please", Some("0.3"))
        .await
        .expect("unsure words");
    assert_heard!(&said, "I heard more choices.");
    let said = say(&mut call, "yes").await;
    assert_heard!(&said, "To set up a payment plan, say or press 4.");
    assert_not_heard!(&said, "Your balance is", "the balance is not read twice");
    // A wrong key twice at a question: the second re-ask offers the slower pace, in words too.
    let mut call = server.call_from(LINDA).await;
    call.press("1").await.expect("language");
    call.press("#").await.expect("wrong key");
    let said = call.press("#").await.expect("wrong key again");
    assert_heard!(&said, "To hear things more slowly, say slower or press 7.");
    let said = say(&mut call, "slower").await;
    assert_heard!(&said, "I'll go more slowly.");
}
on_both_backends!(the_options_say_what_to_say);

async fn a_question_asked_again_is_shorter_than_the_first_time(server: &TestServer) {
    for language in ["1", "2"] {
        let mut call = server.call_from(LINDA).await;
        let first = call.press(language).await.expect("language");
        let again = call.press("").await.expect("silence");
        assert!(
            words(&again) < words(&first),
            "is this your account, asked again: {again:?} after {first:?}"
        );
        call.press("1").await.expect("her account");
        let first = call.press("6446").await.expect("pin");
        let again = call.press("").await.expect("silence");
        assert!(
            words(&again) < words(&first),
            "the balance menu asked again: {again:?} after {first:?}"
        );
        assert!(again.len() < 6, "{again:?}");
    }
}
on_both_backends!(a_question_asked_again_is_shorter_than_the_first_time);
