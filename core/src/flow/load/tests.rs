//! The loader's tests: whole flow texts in, problems (or a flow) out.

use std::path::Path;

use super::{load_dir, load_file, parse_flow};
use crate::flow::definition::{Comparison, Condition, StateKind, Var};

const VALID: &str = r#"
[flow]
languages = ["en", "es"]
start = "hello"
agent_state = "agent"

[messages]
no_input.en = "Sorry?"
no_input.es = "¿Perdón?"
invalid_choice.en = "Not a choice."
invalid_choice.es = "No es una opción."
help.en = "Press star."
help.es = "Oprima asterisco."
person_option.en = "Press zero for a person."
person_option.es = "Oprima cero para una persona."
no_person.en = "No one is here."
no_person.es = "No hay nadie."
too_many_attempts.en = "Let me help."
too_many_attempts.es = "Le ayudo."

[states.hello]
kind = "menu"
prompt.en = "Your balance is {balance}. Press 1."
prompt.es = "Su saldo es {balance}. Oprima 1."
options = { "1" = "route" }

[states.route]
kind = "branch"
cases = [{ when = "balance <= 0", goto = "bye" }, { when = "segment == \"hardship\"", goto = "agent" }]
otherwise = "bye"

[states.agent]
kind = "transfer"
prompt.en = "Hold on."
prompt.es = "Espere."
on_unavailable = "bye"

[states.bye]
kind = "hangup"
prompt.en = "Bye."
prompt.es = "Adiós."
"#;

fn problems(source: &str) -> Vec<String> {
    match parse_flow("test", Path::new("call-flows/test.toml"), source) {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

fn line_of(source: &str, needle: &str) -> usize {
    source
        .lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

#[test]
fn the_shipped_payment_flow_is_valid() {
    let flow = load_file(Path::new(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        "/call-flows/payment.toml"
    )));
    assert!(flow.is_ok(), "{:?}", flow.err());
}

#[test]
fn a_last_miss_that_ends_in_a_bare_goodbye_is_refused() {
    let source = VALID.replace(
        "options = { \"1\" = \"route\" }",
        "options = { \"1\" = \"route\" }\non_fail = \"bye\"",
    );
    let found = problems(&source);
    let line = line_of(&source, "[states.hello]");
    assert!(
        found.iter().any(|p| p.starts_with(&format!(
            "call-flows/test.toml:{line}: state \"hello\": its last miss can lead to \"bye\", \
             a goodbye with no help"
        )) && p.contains("Leave out on_fail")),
        "{found:?}"
    );
    // Through what is decided on the way, too.
    let via_branch = source.replace("on_fail = \"bye\"", "on_fail = \"route\"");
    assert!(
        problems(&via_branch)
            .iter()
            .any(|p| p.contains("state \"hello\": its last miss can lead to \"bye\"")),
        "{:?}",
        problems(&via_branch)
    );
    // A goodbye that says when people are in is help.
    let tells_when = source
        .replace(
            "prompt.en = \"Bye.\"",
            "prompt.en = \"People are in {next_opening}.\"",
        )
        .replace(
            "prompt.es = \"Adiós.\"",
            "prompt.es = \"Hay personas {next_opening}.\"",
        );
    assert_eq!(problems(&tells_when), Vec::<String>::new());
    // Once the call is settled (a payment approved), a question may say goodbye.
    let settled = source.replace(
        "[states.hello]\nkind = \"menu\"",
        "[states.hello]\nkind = \"menu\"\noutcome = \"paid\"",
    );
    assert_eq!(problems(&settled), Vec::<String>::new());
    // Left out, on_fail is a person: help.
    assert_eq!(problems(VALID), Vec::<String>::new());
}

#[test]
fn a_valid_flow_loads_with_its_conditions() {
    let flow = parse_flow("test", Path::new("t.toml"), VALID).expect("valid");
    let StateKind::Branch { cases, .. } = &flow.states["route"].kind else {
        panic!("branch")
    };
    assert_eq!(
        cases[0].0,
        Condition::Money(Var::Balance, Comparison::Le, 0)
    );
    assert_eq!(
        cases[1].0,
        Condition::Text(Var::Segment, true, "hardship".into())
    );
}

#[test]
fn ring_time_and_finish_key_come_from_the_flow() {
    let flow = parse_flow("test", Path::new("t.toml"), VALID).expect("valid");
    assert_eq!((flow.dial_timeout_seconds, flow.finish_key), (30, '#'));
    let custom = VALID.replace(
        "agent_state = \"agent\"",
        "agent_state = \"agent\"\ndial_timeout_seconds = 45\nfinish_key = \"*\"",
    );
    let flow = parse_flow("test", Path::new("t.toml"), &custom).expect("valid");
    assert_eq!((flow.dial_timeout_seconds, flow.finish_key), (45, '*'));
    let too_long = VALID.replace(
        "agent_state = \"agent\"",
        "agent_state = \"agent\"\ndial_timeout_seconds = 600",
    );
    let found = problems(&too_long);
    assert!(
        found.iter().any(|p| p.contains("dial_timeout_seconds")),
        "{found:?}"
    );
}

#[test]
fn the_survey_rate_is_a_percentage_named_with_its_line() {
    let flow = parse_flow("test", Path::new("t.toml"), VALID).expect("valid");
    assert_eq!(flow.survey.sample_percent, 0, "no [survey]: no survey");
    let asked = format!("{VALID}\n[survey]\nsample_percent = 20\n");
    let flow = parse_flow("test", Path::new("t.toml"), &asked).expect("valid");
    assert_eq!(flow.survey.sample_percent, 20);
    let source = format!("{VALID}\n[survey]\nsample_percent = 120\n");
    let found = problems(&source);
    let line = line_of(&source, "sample_percent = 120");
    assert!(
        found.iter().any(|p| p.starts_with(&format!(
            "call-flows/test.toml:{line}: [survey] sample_percent = 120 is not a percentage"
        ))),
        "{found:?}"
    );
    let misspelt = format!("{VALID}\n[survey]\nsample_percnt = 20\n");
    assert!(
        problems(&misspelt)
            .iter()
            .any(|p| p.contains("unknown field `sample_percnt`")),
        "{:?}",
        problems(&misspelt)
    );
}

#[test]
fn a_prompt_naming_the_link_option_needs_its_words_in_messages() {
    let source = VALID.replace(
        "Your balance is {balance}. Press 1.\"\nprompt.es = \"Su saldo es {balance}. Oprima 1.",
        "Your balance is {balance}. Press 1. {link_option}\"\nprompt.es = \"Su saldo es {balance}. Oprima 1. {link_option}",
    );
    assert!(source.contains("{link_option}"), "{source}");
    let found = problems(&source);
    let line = line_of(&source, "[states.hello]");
    assert!(
        found.iter().any(|p| p.starts_with(&format!(
            "call-flows/test.toml:{line}: [states.hello] says {{link_option}}: [messages] needs \
             link_option in every language"
        ))),
        "{found:?}"
    );
    let said = source.replace(
        "too_many_attempts.es = \"Le ayudo.\"",
        "too_many_attempts.es = \"Le ayudo.\"\nlink_option.en = \"Say link.\"\nlink_option.es = \"Diga enlace.\"",
    );
    assert_eq!(problems(&said), Vec::<String>::new());
}

#[test]
fn unknown_target_is_named_with_its_line() {
    let source = VALID.replace(
        r#"options = { "1" = "route" }"#,
        r#"options = { "1" = "rout" }"#,
    );
    let found = problems(&source);
    let line = line_of(&source, r#""1" = "rout""#);
    assert!(
        found.iter().any(|p| p.starts_with(&format!(
            "call-flows/test.toml:{line}: \"rout\" is not a state"
        ))),
        "{found:?}"
    );
}

#[test]
fn a_misspelt_state_is_one_problem_that_suggests_the_name() {
    let source = include_str!("../../../../call-flows/payment.toml")
        .replace("next = \"ask_card_expiry\"", "next = \"ask_card_expiri\"");
    let found: Vec<String> = parse_flow("payment", Path::new("call-flows/test.toml"), &source)
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect();
    let line = line_of(&source, "ask_card_expiri\"");
    assert_eq!(
        found,
        vec![format!(
            "call-flows/test.toml:{line}: \"ask_card_expiri\" is not a state; did you mean ask_card_expiry?"
        )]
    );
}

#[test]
fn a_misspelt_start_does_not_make_the_whole_flow_unreachable() {
    let source = VALID.replace("start = \"hello\"", "start = \"helo\"");
    let found = problems(&source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("did you mean hello?"), "{found:?}");
}

#[test]
fn a_state_that_does_not_load_hides_no_unreachable_states_behind_it() {
    let only_through_route = format!(
        "{}\n[states.hardship]\nkind = \"hangup\"\nprompt.en = \"Bye.\"\nprompt.es = \"Adiós.\"\n",
        VALID.replace("goto = \"agent\"", "goto = \"hardship\"")
    );
    assert_eq!(problems(&only_through_route), Vec::<String>::new());
    let source = only_through_route.replace("kind = \"branch\"", "kind = \"brnach\"");
    let found = problems(&source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("unknown kind \"brnach\""), "{found:?}");
}

#[test]
fn a_missing_flows_directory_is_named_plainly() {
    let problems = load_dir(Path::new("no-such-flows")).expect_err("no directory");
    assert_eq!(problems.len(), 1);
    let shown = problems[0].to_string();
    assert!(
        shown.starts_with("no-such-flows: there is no such flows directory"),
        "{shown}"
    );
    assert!(shown.contains("--flows"), "{shown}");
}

#[test]
fn a_key_that_takes_the_repeat_key_needs_its_own_help() {
    let card = "\n[states.card]\nkind = \"collect\"\ninput = \"card_number\"\nprompt.en = \"Card?\"\nprompt.es = \"¿Tarjeta?\"\nkeys = { \"*\" = \"hello\" }\nnext = \"bye\"\n";
    let source = format!("{VALID}{card}").replace(
        "{ \"1\" = \"route\" }",
        "{ \"1\" = \"route\", \"2\" = \"card\" }",
    );
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("here * leads to another state") && p.contains("add help.en")),
        "{found:?}"
    );
    let fixed = source.replace(
        "next = \"bye\"\n",
        "next = \"bye\"\nhelp.en = \"Star starts over.\"\nhelp.es = \"Asterisco empieza de nuevo.\"\n",
    );
    assert_eq!(problems(&fixed), Vec::<String>::new());
}

#[test]
fn unreachable_state_is_reported() {
    let source = format!("{VALID}\n[states.orphan]\nkind = \"hangup\"\n");
    let found = problems(&source);
    let line = line_of(&source, "[states.orphan]");
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!(":{line}: state \"orphan\" can never be reached"))),
        "{found:?}"
    );
}

#[test]
fn prompt_missing_a_language_is_reported() {
    let source = VALID.replace("prompt.es = \"Adiós.\"\n", "");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("this prompt has no text in es; add es = \"...\"")),
        "{found:?}"
    );
}

#[test]
fn unknown_variable_lists_the_known_ones() {
    let source = VALID.replace("Your balance is {balance}", "Your balance is {balanse}");
    let found = problems(&source);
    let line = line_of(&source, "{balanse}");
    assert!(
        found.iter().any(|p| p.contains(&format!(
            ":{line}: unknown variable {{balanse}}; did you mean {{balance}}? prompts can use \
             first_name, balance"
        ))),
        "{found:?}"
    );
}

#[test]
fn words_for_voice_and_for_keys_are_read_and_a_half_written_choice_is_reported() {
    let source = VALID.replace(
        "Your balance is {balance}",
        "Your balance is {balance}. [Say repeat or press|Press] star",
    );
    let flow = parse_flow("test", Path::new("call-flows/test.toml"), &source)
        .unwrap_or_else(|problems| panic!("a valid choice: {problems:?}"));
    let said = flow
        .prompts()
        .into_iter()
        .flat_map(|prompt| prompt.0.values())
        .flat_map(|template| template.0.iter())
        .any(|segment| {
            *segment
                == crate::flow::definition::Segment::Choice {
                    spoken: "Say repeat or press".into(),
                    keys: "Press".into(),
                }
        });
    assert!(said);
    for (written, problem) in [
        (
            "[say or press] star",
            "[say or press] is not a choice of words; write [words with voice|words with keys \
             only]",
        ),
        (
            "[say {balance}|press] star",
            "[say {balance}|press] is not a choice",
        ),
        ("[say or press|press star", "a [ is never closed"),
        ("press] star", "a ] has no matching ["),
    ] {
        let source = VALID.replace(
            "Your balance is {balance}",
            &format!("Your balance is {{balance}}. {written}"),
        );
        let found = problems(&source);
        let line = line_of(&source, written);
        assert!(
            found
                .iter()
                .any(|p| p.contains(&format!(":{line}: {problem}"))),
            "{written}: {found:?}"
        );
    }
}

#[test]
fn unknown_action_and_missing_results_are_reported() {
    let source = VALID.replace(
        "[states.agent]",
        "[states.check]\nkind = \"action\"\naction = \"verify_pin\"\non.verified = \"bye\"\n\n[states.agent]",
    )
    .replace(r#"otherwise = "bye""#, r#"otherwise = "check""#);
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("verify_pin can end in failed, locked; add on.failed")),
        "{found:?}"
    );

    let source = source.replace("action = \"verify_pin\"", "action = \"verify_pine\"");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("unknown action \"verify_pine\"; the actions are")),
        "{found:?}"
    );
}

#[test]
fn misspelt_field_and_bad_toml_name_the_line() {
    let source = VALID.replace("on_unavailable = \"bye\"", "on_unavailble = \"bye\"");
    let found = problems(&source);
    let line = line_of(&source, "on_unavailble");
    assert!(
        found.iter().any(|p| p.starts_with(&format!(
            "call-flows/test.toml:{line}: unknown field `on_unavailble`"
        ))),
        "{found:?}"
    );

    let found = problems("[flow\nlanguages = 1");
    assert!(found[0].starts_with("call-flows/test.toml:1:"), "{found:?}");
}

#[test]
fn bad_conditions_say_how_to_write_them() {
    let source = VALID.replace("balance <= 0", "balance <= lots");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("balance is money: compare it with an amount like 0 or 25.00")),
        "{found:?}"
    );
}

#[test]
fn undeclared_language_in_a_prompt_is_reported() {
    let source = VALID.replace(
        "prompt.en = \"Bye.\"",
        "prompt.en = \"Bye.\"\nprompt.fr = \"Au revoir.\"",
    );
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("\"fr\" is not one of the flow's languages (en, es)")),
        "{found:?}"
    );
}

#[test]
fn field_of_another_kind_is_reported() {
    let source = VALID.replace("kind = \"hangup\"", "kind = \"hangup\"\nnext = \"hello\"");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("next does not apply to a hangup state; remove it")),
        "{found:?}"
    );
}
/// `VALID` listening for speech, with the messages that needs and a card question.
fn listening(extra_state: &str) -> String {
    let speech = r#"
[speech]
agent.en = ["agent"]
agent.es = ["agente"]
repeat.en = ["repeat"]
repeat.es = ["repetir"]

[messages]"#;
    let messages = r#"too_many_attempts.es = "Le ayudo."
confirm_heard.en = "I heard {heard}. Right?"
confirm_heard.es = "Entendí {heard}. ¿Sí?"
not_understood.en = "Sorry?"
not_understood.es = "¿Perdón?"
heard_wrong.en = "Again."
heard_wrong.es = "Otra vez."
"#;
    VALID
        .replacen("\n[messages]", speech, 1)
        .replace("too_many_attempts.es = \"Le ayudo.\"\n", messages)
        .replace(
            "options = { \"1\" = \"route\" }",
            &format!("options = {{ \"1\" = \"route\" }}\n{extra_state}"),
        )
}

const CARD_QUESTION: &str = r#"
[states.card]
kind = "collect"
input = "card_number"
prompt.en = "Card."
prompt.es = "Tarjeta."
next = "bye"
"#;

#[test]
fn a_listening_flow_loads_and_keeps_card_questions_on_the_keypad() {
    let source = listening("")
        .replace(
            "[states.route]",
            &format!("{CARD_QUESTION}\n[states.route]"),
        )
        .replace("goto = \"bye\" }, {", "goto = \"card\" }, {");
    let flow = parse_flow("test", Path::new("t.toml"), &source).expect("valid");
    assert!(flow.speech.is_some());
    assert!(flow.states["hello"].speech.is_some(), "menus listen");
    assert!(
        flow.states["card"].speech.is_none(),
        "card questions never do"
    );
}

#[test]
fn a_card_question_or_pin_that_allows_speech_is_refused() {
    for (input, field) in [
        ("card_number", "speech = true"),
        ("security_code", "speech = true"),
        (
            "pin",
            "phrases.\"9\".en = [\"I forgot\"]\nphrases.\"9\".es = [\"olvidé\"]",
        ),
    ] {
        let state = CARD_QUESTION
            .replace("card_number", input)
            .replace("next = \"bye\"", &format!("next = \"bye\"\n{field}"));
        let source = listening("").replace("[states.route]", &format!("{state}\n[states.route]"));
        let found = problems(&source);
        assert!(
            found.iter().any(|p| p.contains(&format!(
                "a {input} is entered on the keypad only, never by voice"
            ))),
            "{input}: {found:?}"
        );
    }
}

#[test]
fn speech_needs_a_speech_table_and_its_messages() {
    let source = VALID.replace(
        "options = { \"1\" = \"route\" }",
        "options = { \"1\" = \"route\" }\nspeech = true",
    );
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("speech = true needs the flow to listen")),
        "{found:?}"
    );
    let source = listening("").replace("confirm_heard.es = \"Entendí {heard}. ¿Sí?\"\n", "");
    let found = problems(&source);
    assert!(
        found.iter().any(|p| p.contains("confirm_heard")),
        "{found:?}"
    );
    let source = listening("").replace("agent.es = [\"agente\"]\n", "");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("[speech] agent has no phrases in es")),
        "{found:?}"
    );
}

#[test]
fn phrases_must_name_a_choice_of_their_question() {
    let source =
        listening("phrases.\"5\".en = [\"five\"]\nphrases.\"5\".es = [\"cinco\"]\nyes = \"3\"");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.contains("phrases.5 names no choice here")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("yes and no name the option")),
        "{found:?}"
    );
}

#[test]
fn the_slower_key_cannot_be_another_key() {
    let source = VALID.replace(
        "agent_state = \"agent\"",
        "agent_state = \"agent\"\nslower_key = \"0\"",
    );
    let found = problems(&source);
    assert!(
        found.iter().any(|p| p.contains("slower_key 0 is already")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("[messages] needs slower in every language")),
        "{found:?}"
    );
}
