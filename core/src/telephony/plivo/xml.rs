//! Plivo XML: rendering a [`Response`] as the document Plivo runs.
//!
//! - `<Say>` is `<Speak>` (a slower pace is SSML `<prosody>`, which Plivo's Polly voices read);
//!   `<Pause>` is `<Wait>`.
//! - A question is `<GetInput>`: `digitEndTimeout` is the question's wait between keys (Plivo
//!   allows 2 to 10 seconds), `executionTimeout` the whole answer's (5 to 60: the wait plus three
//!   seconds a key), and each is followed by a `<Redirect>` to its own action so silence reaches
//!   the flow ([`crate::telephony::silence`]).
//! - A transfer is `<Dial>` with the whisper as `confirmSound`, which Plivo plays to the agent on
//!   answer.
//! - Plivo has no card capture of its own: `<Pay>` never reaches it (the dialect does not
//!   capture cards), and is written as a redirect to its action, which reports nothing captured.

use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::telephony::twiml::{PromptElements, render_with, write_prompt_as, xml_safe};
use crate::voice::{Conference, Dial, Gather, Prompt, Response, Verb};

/// Plivo's bounds on `<GetInput>`'s waits.
pub const DIGIT_END_SECONDS: (u32, u32) = (2, 10);
pub const EXECUTION_SECONDS: (u32, u32) = (5, 60);
pub const SPEECH_END_SECONDS: (u32, u32) = (2, 10);
/// `<GetInput>`'s limit on keys when the question sets none.
const MOST_DIGITS: u32 = 32;
/// Time allowed per key for a whole answer.
const SECONDS_PER_KEY: u32 = 3;

/// Renders `response` as Plivo XML. Never fails (see [`crate::telephony::twiml::render`]).
pub fn render(response: &Response) -> String {
    render_with(
        &crate::telephony::silence::with_redirects(response),
        write_verb,
    )
}

/// What Plivo calls a prompt's elements.
const PROMPT_ELEMENTS: PromptElements = PromptElements {
    say: "Speak",
    pause: "Wait",
};

/// The answer to a text someone sent. Plivo's `<Message>` needs the numbers it goes between,
/// which the reply does not carry, so no reply is sent: an empty `<Response>`.
pub fn render_text_reply(_reply: Option<&str>) -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#.to_owned()
}

fn write_verb<W: Write>(writer: &mut Writer<W>, verb: &Verb) -> io::Result<()> {
    match verb {
        Verb::Prompt(prompt) => write_prompt(writer, prompt),
        Verb::Gather(gather) => write_get_input(writer, gather),
        Verb::Dial(dial) => write_dial(writer, dial),
        Verb::Conference(conference) => write_conference(writer, conference),
        Verb::Pay(pay) => write_redirect(writer, &pay.action),
        // Never asked of a provider whose markup does not pause recordings.
        Verb::Recording(_) => Ok(()),
        Verb::Redirect { url } => write_redirect(writer, url),
        Verb::Hangup => {
            writer.create_element("Hangup").write_empty()?;
            Ok(())
        }
    }
}

fn write_redirect<W: Write>(writer: &mut Writer<W>, url: &str) -> io::Result<()> {
    writer
        .create_element("Redirect")
        .with_attribute(("method", "POST"))
        .write_text_content(BytesText::new(&xml_safe(url)))?;
    Ok(())
}

fn write_prompt<W: Write>(writer: &mut Writer<W>, prompt: &Prompt) -> io::Result<()> {
    write_prompt_as(writer, prompt, PROMPT_ELEMENTS)
}

/// `value` within Plivo's `(least, most)`.
fn within(value: u32, (least, most): (u32, u32)) -> u32 {
    value.clamp(least, most)
}

fn write_get_input<W: Write>(writer: &mut Writer<W>, gather: &Gather) -> io::Result<()> {
    let keys = gather.num_digits.unwrap_or(MOST_DIGITS).min(MOST_DIGITS);
    let execution = within(
        gather
            .timeout_seconds
            .saturating_add(keys.saturating_sub(1).saturating_mul(SECONDS_PER_KEY)),
        EXECUTION_SECONDS,
    );
    let mut element = writer
        .create_element("GetInput")
        .with_attribute(("action", xml_safe(&gather.action).as_ref()))
        .with_attribute(("method", "POST"))
        .with_attribute((
            "inputType",
            if gather.speech.is_some() {
                "dtmf speech"
            } else {
                "dtmf"
            },
        ))
        .with_attribute(("executionTimeout", execution.to_string().as_str()))
        .with_attribute((
            "digitEndTimeout",
            within(gather.timeout_seconds, DIGIT_END_SECONDS)
                .to_string()
                .as_str(),
        ))
        .with_attribute(("redirect", "true"));
    if let Some(num_digits) = gather.num_digits {
        element = element.with_attribute(("numDigits", num_digits.to_string().as_str()));
    }
    let finish_on_key = gather
        .finish_on_key
        .map_or_else(|| "none".to_owned(), |key| key.to_string());
    element = element.with_attribute(("finishOnKey", xml_safe(&finish_on_key).as_ref()));
    if let Some(listen) = &gather.speech {
        element = element
            .with_attribute(("language", listen.language.locale()))
            .with_attribute((
                "speechEndTimeout",
                within(listen.end_after_seconds, SPEECH_END_SECONDS)
                    .to_string()
                    .as_str(),
            ));
        if !listen.hints.is_empty() {
            let hints = listen
                .hints
                .iter()
                .map(|hint| xml_safe(hint).replace(',', " "))
                .collect::<Vec<_>>()
                .join(",");
            element = element.with_attribute(("hints", hints.as_str()));
        }
    }
    element.write_inner_content(|writer| {
        gather
            .prompts
            .iter()
            .try_for_each(|prompt| write_prompt(writer, prompt))
    })?;
    Ok(())
}

fn write_dial<W: Write>(writer: &mut Writer<W>, dial: &Dial) -> io::Result<()> {
    let mut element = writer
        .create_element("Dial")
        .with_attribute(("timeout", dial.timeout_seconds.to_string().as_str()));
    if let Some(action) = &dial.action {
        element = element
            .with_attribute(("action", xml_safe(action).as_ref()))
            .with_attribute(("method", "POST"));
    }
    if let Some(caller_id) = &dial.caller_id {
        element = element.with_attribute(("callerId", xml_safe(caller_id).as_ref()));
    }
    if let Some(whisper_url) = &dial.whisper_url {
        element = element.with_attribute(("confirmSound", xml_safe(whisper_url).as_ref()));
    }
    element.write_inner_content(|writer| {
        writer
            .create_element("Number")
            .write_text_content(BytesText::new(&xml_safe(&dial.number)))?;
        Ok::<_, io::Error>(())
    })?;
    Ok(())
}

fn write_conference<W: Write>(writer: &mut Writer<W>, conference: &Conference) -> io::Result<()> {
    let flag = |value: bool| if value { "true" } else { "false" };
    let mut element = writer
        .create_element("Conference")
        .with_attribute(("startConferenceOnEnter", flag(conference.start_on_enter)))
        .with_attribute(("endConferenceOnExit", flag(conference.end_on_exit)))
        .with_attribute(("enterSound", ""))
        .with_attribute(("exitSound", ""));
    if let Some(wait_url) = &conference.wait_url {
        element = element.with_attribute(("waitSound", xml_safe(wait_url).as_ref()));
    }
    if let Some(action) = &conference.action {
        element = element
            .with_attribute(("action", xml_safe(action).as_ref()))
            .with_attribute(("method", "POST"));
    }
    element.write_text_content(BytesText::new(&xml_safe(&conference.name)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;
    use crate::voice::Listen;

    const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

    fn say(text: &str, slow: bool) -> Prompt {
        Prompt::Say {
            text: text.into(),
            language: Language::En,
            voice: Some("Polly.Joanna".into()),
            slow,
            recorded: None,
        }
    }

    #[test]
    fn renders_every_verb_as_plivo_xml() {
        let response = Response {
            verbs: vec![
                Verb::Prompt(say("Welcome & thanks.", false)),
                Verb::Prompt(say("Slowly.", true)),
                Verb::Prompt(Prompt::Play {
                    url: "https://ivr.example.com/a.wav?x=1&y=2".into(),
                }),
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/plivo/gather?turn=2".into(),
                    num_digits: Some(1),
                    finish_on_key: None,
                    timeout_seconds: 7,
                    prompts: vec![say("Say or press 1.", false)],
                    speech: Some(Listen {
                        language: Language::Es,
                        hints: vec!["pagar".into(), "uno, dos".into()],
                        end_after_seconds: 1,
                    }),
                }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/plivo/gather?turn=3".into(),
                    num_digits: Some(16),
                    finish_on_key: Some('#'),
                    timeout_seconds: 12,
                    prompts: vec![],
                    speech: None,
                }),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005550100".into()),
                    whisper_url: Some("https://ivr.example.com/plivo/whisper?call=1".into()),
                    action: Some("https://ivr.example.com/plivo/dial".into()),
                    timeout_seconds: 20,
                }),
                Verb::Conference(Conference {
                    name: "ivrpay-1".into(),
                    wait_url: Some("https://ivr.example.com/plivo/hold".into()),
                    start_on_enter: false,
                    end_on_exit: false,
                    action: None,
                }),
                Verb::Redirect {
                    url: "https://ivr.example.com/next".into(),
                },
                Verb::Hangup,
            ],
        };
        let expected = [
            DECL,
            "<Response>",
            r#"<Speak language="en-US" voice="Polly.Joanna">Welcome &amp; thanks.</Speak>"#,
            r#"<Speak language="en-US" voice="Polly.Joanna"><prosody rate="slow">Slowly.</prosody></Speak>"#,
            "<Play>https://ivr.example.com/a.wav?x=1&amp;y=2</Play>",
            r#"<Wait length="2"/>"#,
            r#"<GetInput action="https://ivr.example.com/plivo/gather?turn=2" method="POST" inputType="dtmf speech" executionTimeout="7" digitEndTimeout="7" redirect="true" numDigits="1" finishOnKey="none" language="es-US" speechEndTimeout="2" hints="pagar,uno  dos">"#,
            r#"<Speak language="en-US" voice="Polly.Joanna">Say or press 1.</Speak>"#,
            "</GetInput>",
            r#"<Redirect method="POST">https://ivr.example.com/plivo/gather?turn=2</Redirect>"#,
            r##"<GetInput action="https://ivr.example.com/plivo/gather?turn=3" method="POST" inputType="dtmf" executionTimeout="57" digitEndTimeout="10" redirect="true" numDigits="16" finishOnKey="#"></GetInput>"##,
            r#"<Redirect method="POST">https://ivr.example.com/plivo/gather?turn=3</Redirect>"#,
            r#"<Dial timeout="20" action="https://ivr.example.com/plivo/dial" method="POST" callerId="+18005550100" confirmSound="https://ivr.example.com/plivo/whisper?call=1"><Number>+15551234567</Number></Dial>"#,
            r#"<Conference startConferenceOnEnter="false" endConferenceOnExit="false" enterSound="" exitSound="" waitSound="https://ivr.example.com/plivo/hold">ivrpay-1</Conference>"#,
            r#"<Redirect method="POST">https://ivr.example.com/next</Redirect>"#,
            "<Hangup/>",
            "</Response>",
        ]
        .concat();
        assert_eq!(render(&response), expected);
    }

    #[test]
    fn an_empty_response_and_a_text_reply_are_valid_documents() {
        assert_eq!(
            render(&Response::new()),
            format!("{DECL}<Response></Response>")
        );
        assert_eq!(
            render_text_reply(Some("You're unsubscribed.")),
            format!("{DECL}<Response></Response>")
        );
    }
}
