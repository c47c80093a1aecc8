//! Bandwidth's BXML: rendering a [`Response`] as the document Bandwidth runs, and reading it back
//! strictly, as Bandwidth's simulator runs the line's answers.
//!
//! - Words are `<SpeakSentence>` in the language's locale (`en_US`, `es_MX`) and a female voice,
//!   or the flow's voice where it names one of Bandwidth's (no dot: `julie`); a slower pace is
//!   SSML `<prosody>`. A pause is `<Pause>`, or inside a question an SSML `<break>`.
//! - A question is `<Gather>`, which takes keys only: a question that would also listen asks for
//!   keys (`ivrpay flows check --provider bandwidth` says so). Bandwidth posts a question's
//!   silence to its `gatherUrl` by itself.
//! - A transfer is `<Transfer>` with the whisper as the `<PhoneNumber>`'s `transferAnswerUrl`,
//!   run for the agent before the caller is bridged.
//! - Bandwidth's `<Conference>` has no wait audio and no start or end rules: a room is written by
//!   its name alone (conference holds need call control, which the dialect does not offer).
//! - Bandwidth has no card capture: `Pay` is a redirect to its action, which reports nothing.

use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::language::Language;
use crate::telephony::twiml::{render_with, write_words, xml_safe};
use crate::telephony::twiml_reader::{
    Attributes, Element, Node, TwimlError, child_elements, empty_verb, hangup_from, parse_with,
    pause_from, play_from, required_text, say_content, unsupported,
};
use crate::voice::{Conference, Dial, Gather, Prompt, RecordingChange, Response, Verb};

/// Bandwidth's most keys for one `<Gather>`.
const MOST_DIGITS: u32 = 50;
/// Bandwidth's bounds on a `<Gather>`'s waits.
const DIGIT_SECONDS: (u32, u32) = (1, 60);

/// Renders `response` as BXML. Never fails (see [`crate::telephony::twiml::render`]).
pub fn render(response: &Response) -> String {
    render_with(response, write_verb)
}

/// Bandwidth's locale for `language`.
fn locale(language: Language) -> &'static str {
    match language {
        Language::En => "en_US",
        Language::Es => "es_MX",
    }
}

fn write_verb<W: Write>(writer: &mut Writer<W>, verb: &Verb) -> io::Result<()> {
    match verb {
        Verb::Prompt(Prompt::Pause { seconds }) => {
            writer
                .create_element("Pause")
                .with_attribute(("duration", seconds.to_string().as_str()))
                .write_empty()?;
            Ok(())
        }
        Verb::Prompt(prompt) => write_prompt(writer, prompt),
        Verb::Gather(gather) => write_gather(writer, gather),
        Verb::Dial(dial) => write_transfer(writer, dial),
        Verb::Conference(conference) => {
            writer
                .create_element("Conference")
                .write_text_content(BytesText::new(&xml_safe(&conference.name)))?;
            Ok(())
        }
        Verb::Pay(pay) => write_redirect(writer, &pay.action),
        Verb::Recording(change) => {
            let element = match change {
                RecordingChange::Pause => "PauseRecording",
                RecordingChange::Resume => "ResumeRecording",
            };
            writer.create_element(element).write_empty()?;
            Ok(())
        }
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
        .with_attribute(("redirectUrl", xml_safe(url).as_ref()))
        .with_attribute(("redirectMethod", "POST"))
        .write_empty()?;
    Ok(())
}

/// Words, a recording, or (inside a question, where `<Pause>` may not go) a pause as SSML.
fn write_prompt<W: Write>(writer: &mut Writer<W>, prompt: &Prompt) -> io::Result<()> {
    match prompt {
        Prompt::Say {
            text,
            language,
            voice,
            slow,
            ..
        } => {
            let mut speak = writer
                .create_element("SpeakSentence")
                .with_attribute(("locale", locale(*language)));
            speak = match voice.as_deref().filter(|voice| !voice.contains('.')) {
                Some(voice) => speak.with_attribute(("voice", xml_safe(voice).as_ref())),
                None => speak.with_attribute(("gender", "female")),
            };
            write_words(speak, text, *slow)?;
        }
        Prompt::Play { url } => {
            writer
                .create_element("PlayAudio")
                .write_text_content(BytesText::new(&xml_safe(url)))?;
        }
        Prompt::Pause { seconds } => {
            writer
                .create_element("SpeakSentence")
                .with_attribute(("locale", locale(Language::En)))
                .with_attribute(("gender", "female"))
                .write_inner_content(|writer| {
                    writer
                        .create_element("break")
                        .with_attribute(("time", format!("{seconds}s").as_str()))
                        .write_empty()?;
                    Ok::<_, io::Error>(())
                })?;
        }
    }
    Ok(())
}

fn write_gather<W: Write>(writer: &mut Writer<W>, gather: &Gather) -> io::Result<()> {
    let wait = gather
        .timeout_seconds
        .clamp(DIGIT_SECONDS.0, DIGIT_SECONDS.1)
        .to_string();
    let most = gather
        .num_digits
        .unwrap_or(MOST_DIGITS)
        .clamp(1, MOST_DIGITS)
        .to_string();
    let finish = gather
        .finish_on_key
        .map(|key| key.to_string())
        .unwrap_or_default();
    writer
        .create_element("Gather")
        .with_attribute(("gatherUrl", xml_safe(&gather.action).as_ref()))
        .with_attribute(("gatherMethod", "POST"))
        .with_attribute(("firstDigitTimeout", wait.as_str()))
        .with_attribute(("interDigitTimeout", wait.as_str()))
        .with_attribute(("maxDigits", most.as_str()))
        .with_attribute(("terminatingDigits", xml_safe(&finish).as_ref()))
        .write_inner_content(|writer| {
            gather
                .prompts
                .iter()
                .try_for_each(|prompt| write_prompt(writer, prompt))
        })?;
    Ok(())
}

fn write_transfer<W: Write>(writer: &mut Writer<W>, dial: &Dial) -> io::Result<()> {
    let mut element = writer
        .create_element("Transfer")
        .with_attribute(("callTimeout", dial.timeout_seconds.to_string().as_str()));
    if let Some(caller_id) = &dial.caller_id {
        element = element.with_attribute(("transferCallerId", xml_safe(caller_id).as_ref()));
    }
    if let Some(action) = &dial.action {
        element = element
            .with_attribute(("transferCompleteUrl", xml_safe(action).as_ref()))
            .with_attribute(("transferCompleteMethod", "POST"));
    }
    element.write_inner_content(|writer| {
        let mut number = writer.create_element("PhoneNumber");
        if let Some(whisper) = &dial.whisper_url {
            number = number
                .with_attribute(("transferAnswerUrl", xml_safe(whisper).as_ref()))
                .with_attribute(("transferAnswerMethod", "POST"));
        }
        number.write_text_content(BytesText::new(&xml_safe(&dial.number)))?;
        Ok::<_, io::Error>(())
    })?;
    Ok(())
}

/// Reads BXML back into a [`Response`].
///
/// # Errors
/// What Bandwidth would refuse or the model cannot express, as a [`TwimlError`].
pub fn parse(xml: &str) -> Result<Response, TwimlError> {
    parse_with(xml, verb_from)
}

fn verb_from(element: Element) -> Result<Verb, TwimlError> {
    match element.name.as_str() {
        "SpeakSentence" | "PlayAudio" => prompt_from(element, "Response").map(Verb::Prompt),
        "Pause" => pause_from(element, "Pause", "duration").map(Verb::Prompt),
        "Gather" => gather_from(element).map(Verb::Gather),
        "Transfer" => transfer_from(element).map(Verb::Dial),
        "Conference" => {
            Attributes::new("Conference", element.attributes).finish()?;
            let name = required_text("Conference", element.children, "needs a room name")?;
            Ok(Verb::Conference(Conference {
                name,
                wait_url: None,
                start_on_enter: true,
                end_on_exit: false,
                action: None,
            }))
        }
        "Redirect" => {
            let mut attributes = Attributes::new("Redirect", element.attributes);
            let url = attributes.required("redirectUrl")?;
            attributes.fixed("redirectMethod", "POST")?;
            attributes.finish()?;
            Ok(Verb::Redirect { url })
        }
        "Hangup" => hangup_from(element),
        "PauseRecording" => empty_verb(
            element,
            "PauseRecording",
            Verb::Recording(RecordingChange::Pause),
        ),
        "ResumeRecording" => empty_verb(
            element,
            "ResumeRecording",
            Verb::Recording(RecordingChange::Resume),
        ),
        _ => Err(unsupported(element.name, "Response")),
    }
}

fn prompt_from(element: Element, parent: &'static str) -> Result<Prompt, TwimlError> {
    match element.name.as_str() {
        "SpeakSentence" => {
            let mut attributes = Attributes::new("SpeakSentence", element.attributes);
            let language = match attributes.take("locale") {
                None => Language::En,
                Some(value) => Language::parse(&value.replace('_', "-"))
                    .ok_or(TwimlError::UnknownLanguage { value })?,
            };
            let voice = attributes.take("voice");
            attributes.fixed("gender", "female")?;
            attributes.finish()?;
            if let Some(seconds) = pause_in(&element.children)? {
                return Ok(Prompt::Pause { seconds });
            }
            let (text, slow) = say_content(element.children)?;
            Ok(Prompt::Say {
                text,
                language,
                voice,
                slow,
                recorded: None,
            })
        }
        "PlayAudio" => play_from(element, "PlayAudio"),
        _ => Err(unsupported(element.name, parent)),
    }
}

/// A `<SpeakSentence>` holding only an SSML `<break time="Ns"/>`: a pause of N seconds.
fn pause_in(children: &[Node]) -> Result<Option<u32>, TwimlError> {
    let [Node::Element(element)] = children else {
        return Ok(None);
    };
    if element.name != "break" {
        return Ok(None);
    }
    let time = element
        .attributes
        .iter()
        .find(|(name, _)| name == "time")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    time.strip_suffix('s')
        .and_then(|seconds| seconds.parse().ok())
        .map(Some)
        .ok_or(TwimlError::InvalidContent {
            element: "break",
            problem: "needs a time in whole seconds, like 2s",
        })
}

fn gather_from(element: Element) -> Result<Gather, TwimlError> {
    let mut attributes = Attributes::new("Gather", element.attributes);
    let action = attributes.required("gatherUrl")?;
    attributes.fixed("gatherMethod", "POST")?;
    let timeout_seconds = attributes.number("interDigitTimeout")?.unwrap_or(5);
    attributes.number("firstDigitTimeout")?;
    let most = attributes.number("maxDigits")?.unwrap_or(MOST_DIGITS);
    let finish_on_key = match attributes.take("terminatingDigits") {
        None => None,
        Some(value) if value.is_empty() => None,
        Some(value) => {
            let mut keys = value.chars();
            match (keys.next(), keys.next()) {
                (Some(key), None) => Some(key),
                _ => {
                    return Err(TwimlError::InvalidAttribute {
                        element: "Gather",
                        attribute: "terminatingDigits",
                        value,
                        expected: "one key, or none",
                    });
                }
            }
        }
    };
    attributes.finish()?;
    let prompts = child_elements("Gather", element.children)?
        .into_iter()
        .map(|child| prompt_from(child, "Gather"))
        .collect::<Result<_, _>>()?;
    Ok(Gather {
        action,
        num_digits: (most < MOST_DIGITS).then_some(most),
        finish_on_key,
        timeout_seconds,
        prompts,
        speech: None,
    })
}

fn transfer_from(element: Element) -> Result<Dial, TwimlError> {
    let mut attributes = Attributes::new("Transfer", element.attributes);
    let timeout_seconds = attributes.number("callTimeout")?.unwrap_or(30);
    let caller_id = attributes.take("transferCallerId");
    let action = attributes.take("transferCompleteUrl");
    attributes.fixed("transferCompleteMethod", "POST")?;
    attributes.finish()?;
    let mut numbers = child_elements("Transfer", element.children)?.into_iter();
    let (number, whisper_url) = match (numbers.next(), numbers.next()) {
        (Some(number), None) if number.name == "PhoneNumber" => {
            let mut attributes = Attributes::new("PhoneNumber", number.attributes);
            let whisper = attributes.take("transferAnswerUrl");
            attributes.fixed("transferAnswerMethod", "POST")?;
            attributes.finish()?;
            (
                required_text("PhoneNumber", number.children, "needs a phone number")?,
                whisper,
            )
        }
        (Some(other), None) => return Err(unsupported(other.name, "Transfer")),
        _ => {
            return Err(TwimlError::InvalidContent {
                element: "Transfer",
                problem: "holds exactly one <PhoneNumber>",
            });
        }
    };
    Ok(Dial {
        number,
        caller_id,
        whisper_url,
        action,
        timeout_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voice::Listen;

    #[test]
    fn renders_every_verb_as_bxml() {
        let say = |text: &str, slow| Prompt::Say {
            text: text.into(),
            language: Language::Es,
            voice: Some("Polly.Lupe".into()),
            slow,
            recorded: None,
        };
        let response = Response {
            verbs: vec![
                Verb::Prompt(say("Hola & adiós", false)),
                Verb::Prompt(say("Despacio.", true)),
                Verb::Prompt(Prompt::Play {
                    url: "https://ivr.example.com/a.wav".into(),
                }),
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Recording(RecordingChange::Pause),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/bandwidth/gather?turn=2".into(),
                    num_digits: Some(1),
                    finish_on_key: None,
                    timeout_seconds: 8,
                    prompts: vec![say("Diga u oprima 1.", false), Prompt::Pause { seconds: 1 }],
                    speech: Some(Listen {
                        language: Language::Es,
                        hints: vec!["pagar".into()],
                        end_after_seconds: 2,
                    }),
                }),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005550100".into()),
                    whisper_url: Some("https://ivr.example.com/bandwidth/whisper?call=1".into()),
                    action: Some("https://ivr.example.com/bandwidth/dial".into()),
                    timeout_seconds: 20,
                }),
                Verb::Recording(RecordingChange::Resume),
                Verb::Redirect {
                    url: "https://ivr.example.com/next?a=1&b=2".into(),
                },
                Verb::Hangup,
            ],
        };
        let expected = [
            r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
            r#"<SpeakSentence locale="es_MX" gender="female">Hola &amp; adiós</SpeakSentence>"#,
            r#"<SpeakSentence locale="es_MX" gender="female"><prosody rate="slow">Despacio.</prosody></SpeakSentence>"#,
            "<PlayAudio>https://ivr.example.com/a.wav</PlayAudio>",
            r#"<Pause duration="2"/>"#,
            "<PauseRecording/>",
            r#"<Gather gatherUrl="https://ivr.example.com/bandwidth/gather?turn=2" gatherMethod="POST" firstDigitTimeout="8" interDigitTimeout="8" maxDigits="1" terminatingDigits="">"#,
            r#"<SpeakSentence locale="es_MX" gender="female">Diga u oprima 1.</SpeakSentence>"#,
            r#"<SpeakSentence locale="en_US" gender="female"><break time="1s"/></SpeakSentence>"#,
            "</Gather>",
            r#"<Transfer callTimeout="20" transferCallerId="+18005550100" transferCompleteUrl="https://ivr.example.com/bandwidth/dial" transferCompleteMethod="POST">"#,
            r#"<PhoneNumber transferAnswerUrl="https://ivr.example.com/bandwidth/whisper?call=1" transferAnswerMethod="POST">+15551234567</PhoneNumber>"#,
            "</Transfer>",
            "<ResumeRecording/>",
            r#"<Redirect redirectUrl="https://ivr.example.com/next?a=1&amp;b=2" redirectMethod="POST"/>"#,
            "<Hangup/>",
            "</Response>",
        ]
        .concat();
        let rendered = render(&response);
        assert_eq!(rendered, expected);
        // Read back: the voice is Bandwidth's choice, and the question takes keys only.
        let read = parse(&rendered).expect("BXML");
        let Verb::Gather(gather) = &read.verbs[5] else {
            panic!("{read:?}")
        };
        assert_eq!(gather.speech, None);
        assert_eq!(gather.prompts[1], Prompt::Pause { seconds: 1 });
        assert_eq!(read.verbs[2..5], response.verbs[2..5]);
        assert_eq!(read.verbs[6..], response.verbs[6..]);
    }

    #[test]
    fn what_bandwidth_would_run_differently_is_refused() {
        for xml in [
            "<Say/>",
            r#"<Response><Say>TwiML</Say></Response>"#,
            r#"<Response><Gather gatherUrl="x" repeatCount="3"/></Response>"#,
            r#"<Response><SpeakSentence locale="fr_FR">Bonjour</SpeakSentence></Response>"#,
            r#"<Response><Transfer><SipUri>sip:a@b</SipUri></Transfer></Response>"#,
            r#"<Response><PauseRecording tag="x"/></Response>"#,
        ] {
            assert!(parse(xml).is_err(), "{xml}");
        }
    }
}
