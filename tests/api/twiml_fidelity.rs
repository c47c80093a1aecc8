//! Our TwiML against Twilio's own: for each response below, the document we render must be the
//! same XML tree (names, attributes, text, nesting; attribute order and empty-element spelling
//! aside) as the one Twilio's helper library writes for the case of the same name in
//! `tests/support/twiml_reference.py`. Our own reader never takes part, so a mistake the renderer
//! and the reader share cannot hide here.
//!
//! Needs `pip install twilio` (`needs: [TwimlReference]`).

use std::collections::BTreeMap;
use std::process::Command;

use ivrpay::language::Language;
use ivrpay::telephony::twiml::render;
use ivrpay::voice::{Conference, Dial, Gather, Listen, Prompt, Response, Verb};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

const SCRIPT: &str = concat!(
    concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
    "/tests/support/twiml_reference.py"
);

fn say(text: &str, language: Language, voice: Option<&str>) -> Prompt {
    Prompt::Say {
        text: text.into(),
        language,
        voice: voice.map(Into::into),
        slow: false,
        recorded: None,
    }
}

/// The responses to compare, named as in the reference script.
fn cases() -> Vec<(&'static str, Response)> {
    let response = |verbs| Response { verbs };
    vec![
        (
            "say_with_language_and_voice",
            response(vec![
                Verb::Prompt(say(
                    "Hola, gracias por llamar.",
                    Language::Es,
                    Some("Polly.Lupe"),
                )),
                Verb::Prompt(say("Welcome.", Language::En, None)),
            ]),
        ),
        (
            "say_escapes_markup",
            response(vec![Verb::Prompt(say(
                r#"Tom & Jerry's <b>"best"</b>"#,
                Language::En,
                None,
            ))]),
        ),
        (
            "gather_with_nested_prompts",
            response(vec![Verb::Gather(Gather {
                action: "https://ivr.example.com/twilio/gather?step=card_number&turn=3".into(),
                num_digits: Some(16),
                finish_on_key: Some('#'),
                timeout_seconds: 7,
                prompts: vec![
                    say(
                        "Enter your card number, then press pound.",
                        Language::En,
                        Some("Polly.Joanna"),
                    ),
                    Prompt::Pause { seconds: 1 },
                    Prompt::Play {
                        url: "https://ivr.example.com/audio/en/card.mp3".into(),
                    },
                ],
                speech: None,
            })]),
        ),
        (
            "gather_without_finish_key",
            response(vec![Verb::Gather(Gather {
                action: "https://ivr.example.com/twilio/gather?step=menu".into(),
                num_digits: None,
                finish_on_key: None,
                timeout_seconds: 5,
                prompts: vec![],
                speech: None,
            })]),
        ),
        (
            "gather_by_voice_at_a_slow_pace",
            response(vec![Verb::Gather(Gather {
                action: "https://ivr.example.com/twilio/gather?turn=4".into(),
                num_digits: Some(1),
                finish_on_key: None,
                timeout_seconds: 15,
                prompts: vec![Prompt::Say {
                    text: "Para hacer un pago, diga pagar u oprima 1.".into(),
                    language: Language::Es,
                    voice: Some("Polly.Lupe".into()),
                    slow: true,
                    recorded: None,
                }],
                speech: Some(Listen {
                    language: Language::Es,
                    hints: vec!["hacer un pago".into(), "agente".into()],
                    end_after_seconds: 4,
                }),
            })]),
        ),
        (
            "dial_with_whisper",
            response(vec![
                Verb::Prompt(say("Connecting you to an agent.", Language::En, None)),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005551212".into()),
                    whisper_url: Some(
                        "https://ivr.example.com/twilio/whisper?call=CA1&lang=en".into(),
                    ),
                    action: Some("https://ivr.example.com/twilio/dial?step=agent".into()),
                    timeout_seconds: 20,
                }),
            ]),
        ),
        (
            "dial_plain",
            response(vec![Verb::Dial(Dial {
                number: "+15557654321".into(),
                caller_id: None,
                whisper_url: None,
                action: None,
                timeout_seconds: 30,
            })]),
        ),
        (
            "conference_waiting",
            response(vec![
                Verb::Prompt(say(
                    "Please hold while I connect you with a person.",
                    Language::En,
                    None,
                )),
                Verb::Conference(Conference {
                    name: "ivrpay-CA1".into(),
                    wait_url: Some("https://ivr.example.com/twilio/hold?lang=en".into()),
                    start_on_enter: false,
                    end_on_exit: false,
                    action: Some("https://ivr.example.com/twilio/dial?turn=4".into()),
                }),
            ]),
        ),
        (
            "conference_agent",
            response(vec![Verb::Conference(Conference {
                name: "ivrpay-CA1".into(),
                wait_url: None,
                start_on_enter: true,
                end_on_exit: true,
                action: None,
            })]),
        ),
        (
            "redirect",
            response(vec![Verb::Redirect {
                url: "https://ivr.example.com/twilio/redirect?step=balance&turn=2".into(),
            }]),
        ),
        (
            "pause_play_hangup",
            response(vec![
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Prompt(Prompt::Play {
                    url: "https://ivr.example.com/audio/es/adios.mp3".into(),
                }),
                Verb::Prompt(say("Goodbye.", Language::En, None)),
                Verb::Hangup,
            ]),
        ),
        ("empty", Response::new()),
    ]
}

/// An XML element as a tree, attributes sorted, entity references resolved.
#[derive(Debug, PartialEq, Eq)]
struct Element {
    name: String,
    attributes: BTreeMap<String, String>,
    children: Vec<Node>,
}

#[derive(Debug, PartialEq, Eq)]
enum Node {
    Element(Element),
    Text(String),
}

/// Reads `xml` into its root element's tree. Panics (failing the test) on anything that is not
/// one well-formed document.
fn tree(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Element> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed ({e}): {xml}"));
        let empty = matches!(event, Event::Empty(_));
        let finished = match event {
            Event::Start(start) | Event::Empty(start) => {
                let element = Element {
                    name: start.name().as_ref().to_owned(),
                    attributes: start
                        .attributes()
                        .map(|attribute| {
                            let attribute = attribute.expect("attribute");
                            let value = attribute
                                .normalized_value(XmlVersion::Implicit1_0)
                                .expect("attribute value");
                            (attribute.key.as_ref().to_owned(), value.into_owned())
                        })
                        .collect(),
                    children: Vec::new(),
                };
                if empty {
                    Some(element)
                } else {
                    open.push(element);
                    None
                }
            }
            Event::End(_) => open.pop(),
            Event::Text(text) => {
                push_text(&mut open, &text.xml10_content());
                None
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().expect("reference") {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&reference)
                        .unwrap_or_else(|| panic!("unknown entity &{}; in {xml}", &*reference))
                        .to_owned(),
                };
                push_text(&mut open, &resolved);
                None
            }
            Event::Eof => panic!("document ended inside an element: {xml}"),
            _ => None,
        };
        if let Some(element) = finished {
            match open.last_mut() {
                Some(parent) => parent.children.push(Node::Element(element)),
                None => return element,
            }
        }
    }
}

/// Appends text to the innermost open element, joining it to text read just before (quick-xml
/// reports text and entity references as separate events).
fn push_text(open: &mut [Element], text: &str) {
    let Some(element) = open.last_mut() else {
        return; // whitespace around the root
    };
    match element.children.last_mut() {
        Some(Node::Text(previous)) => previous.push_str(text),
        _ => element.children.push(Node::Text(text.to_owned())),
    }
}

/// The reference documents by case name.
fn reference_documents() -> BTreeMap<String, String> {
    crate::common::services::Service::TwimlReference.in_use();
    let output = Command::new("python3")
        .arg(SCRIPT)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{SCRIPT} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints a JSON object")
}

sync_test!(rendered_twiml_matches_twilios_helper_library, needs: [TwimlReference]);
fn rendered_twiml_matches_twilios_helper_library() {
    let mut references = reference_documents();
    for (name, response) in cases() {
        let ours = render(&response);
        let theirs = references
            .remove(name)
            .unwrap_or_else(|| panic!("{SCRIPT} has no case `{name}`"));
        assert_eq!(
            tree(&ours),
            tree(&theirs),
            "case `{name}`\n ours:   {ours}\n theirs: {theirs}"
        );
    }
    let unmatched: Vec<_> = references.keys().collect();
    assert!(
        unmatched.is_empty(),
        "cases only in {SCRIPT}: {unmatched:?}"
    );
}

sync_test!(tree_comparison_sees_what_matters_and_only_that);
fn tree_comparison_sees_what_matters_and_only_that() {
    let tree_of = |xml: &str| tree(xml);
    // Attribute order, empty-element spelling, the declaration and references are not content.
    assert_eq!(
        tree_of(r#"<?xml version="1.0"?><A x="1" y="&amp;"><B/></A>"#),
        tree_of(r#"<A y="&#38;" x="1"><B></B></A>"#),
    );
    assert_eq!(tree_of("<A>a &amp; b</A>"), tree_of("<A>a &#38; b</A>"));
    // Names, values, text and nesting are.
    assert_ne!(tree_of(r#"<A x="1"/>"#), tree_of(r#"<A x="2"/>"#));
    assert_ne!(tree_of(r#"<A x="1"/>"#), tree_of(r#"<A X="1"/>"#));
    assert_ne!(tree_of("<A>hi</A>"), tree_of("<A>hi </A>"));
    assert_ne!(tree_of("<A><B/><C/></A>"), tree_of("<A><C/><B/></A>"));
    assert_ne!(tree_of("<A><B><C/></B></A>"), tree_of("<A><B/><C/></A>"));
}
