//! Each action's results are its enum, and the flow validator holds flows to exactly those.

use std::collections::HashSet;
use std::path::Path;

use super::*;
use crate::flow::load::parse_flow;

fn declares<R: ActionResult>() {
    let action = R::ACTION;
    assert_eq!(action.results(), R::NAMES, "{}", action.name());
    assert_eq!(R::ALL.len(), R::NAMES.len(), "{}", action.name());
    for (result, name) in R::ALL.iter().zip(R::NAMES) {
        assert_eq!(result.as_str(), *name);
    }
    let distinct: HashSet<_> = R::NAMES.iter().collect();
    assert_eq!(distinct.len(), R::NAMES.len(), "{}", action.name());
}

#[test]
fn every_action_is_found_by_its_name_and_has_results() {
    for (name, action) in Action::ALL {
        assert_eq!(Action::parse(name), Some(action));
        assert_eq!(action.name(), name);
        assert!(!action.results().is_empty(), "{name}");
        assert!(!action.doing().is_empty(), "{name}");
    }
    assert_eq!(Action::parse("charge"), None);
}

#[test]
fn the_declarations_check_for_a_name_given_twice() {
    assert!(distinct(&["approved", "declined"]));
    assert!(distinct(&["found", "not_found"]));
    assert!(!distinct(&["approved", "declined", "approved"]));
}

#[test]
fn every_action_takes_its_results_from_its_enum() {
    declares::<IdentifyByCallerIdResult>();
    declares::<ForgetAccountResult>();
    declares::<LookupAccountResult>();
    declares::<VerifyPinResult>();
    declares::<VerifyDateOfBirthResult>();
    declares::<PayFullBalanceResult>();
    declares::<PayMinimumDueResult>();
    declares::<CheckAmountResult>();
    declares::<ForgetCardResult>();
    declares::<ChargeCardResult>();
    // The results the flow files name, unchanged by moving them into enums.
    assert_eq!(
        ChargeCardResult::NAMES,
        [
            "approved",
            "declined",
            "insufficient_funds",
            "expired_card",
            "incorrect_security_code",
            "processing_error",
            "unknown",
        ]
    );
    assert_eq!(VerifyPinResult::NAMES, ["verified", "failed", "locked"]);
}

/// A flow whose `check` state runs `verify_pin` with the given routes.
fn flow_routing(routes: &str) -> String {
    format!(
        r#"[flow]
languages = ["en"]
start = "check"
agent_state = "bye"

[messages]
no_input.en = "Sorry?"
invalid_choice.en = "Not a choice."
help.en = "Press star."
person_option.en = "Press zero."
no_person.en = "No one is here."
too_many_attempts.en = "Let me help."

[states.check]
kind = "action"
action = "verify_pin"
{routes}

[states.bye]
kind = "hangup"
prompt.en = "Bye."
"#
    )
}

fn problems(source: &str) -> Vec<String> {
    match parse_flow("test", Path::new("call-flows/test.toml"), source) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_flow_routing_every_result_loads() {
    let source = flow_routing("on.verified = \"bye\"\non.failed = \"bye\"\non.locked = \"bye\"");
    assert_eq!(problems(&source), Vec::<String>::new());
}

#[test]
fn a_flow_routing_a_result_the_action_cannot_return_is_refused_at_its_line() {
    let source = flow_routing(
        "on.verified = \"bye\"\non.failed = \"bye\"\non.locked = \"bye\"\non.expired = \"bye\"",
    );
    assert_eq!(
        problems(&source),
        [
            "call-flows/test.toml:20: verify_pin has no result \"expired\"; its results are \
          verified, failed, locked"
        ]
    );
}

#[test]
fn a_flow_missing_a_route_for_a_result_the_action_can_return_is_refused() {
    let source = flow_routing("on.verified = \"bye\"\non.locked = \"bye\"");
    assert_eq!(
        problems(&source),
        ["call-flows/test.toml:14: verify_pin can end in failed; add on.failed = \"<state>\""]
    );
}
