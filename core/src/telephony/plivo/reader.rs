//! Reading Plivo XML back into a [`Response`], strictly, as Plivo's simulator runs the line's
//! answers: exactly what [`super::xml::render`] writes, with Plivo's defaults for what it may
//! leave out; any other element, attribute or value is refused, so a test never passes on a
//! document Plivo would run differently. It shares the TwiML reader's XML tree and attribute
//! checks ([`crate::telephony::twiml_reader`]).

use crate::language::Language;
use crate::telephony::twiml_reader::{
    Attributes, Element, TwimlError, child_elements, hangup_from, parse_with, pause_from,
    play_from, required_text, say_content, unsupported,
};
use crate::voice::{Conference, Dial, Gather, Listen, Prompt, Response, Verb};

/// Plivo's defaults.
const DEFAULT_DIGIT_END_SECONDS: u32 = 5;
const DEFAULT_SPEECH_END_SECONDS: u32 = 2;
const DEFAULT_DIAL_SECONDS: u32 = 30;

/// Reads a Plivo XML document back into a [`Response`].
///
/// # Errors
/// What Plivo would refuse or the model cannot express, as a [`TwimlError`].
pub fn parse(xml: &str) -> Result<Response, TwimlError> {
    parse_with(xml, verb_from)
}

fn verb_from(element: Element) -> Result<Verb, TwimlError> {
    match element.name.as_str() {
        "Speak" | "Play" | "Wait" => prompt_from(element, "Response").map(Verb::Prompt),
        "GetInput" => get_input_from(element).map(Verb::Gather),
        "Dial" => dial_from(element).map(Verb::Dial),
        "Conference" => conference_from(element).map(Verb::Conference),
        "Redirect" => {
            let mut attributes = Attributes::new("Redirect", element.attributes);
            attributes.fixed("method", "POST")?;
            attributes.finish()?;
            let url = required_text("Redirect", element.children, "needs a URL")?;
            Ok(Verb::Redirect { url })
        }
        "Hangup" => hangup_from(element),
        _ => Err(unsupported(element.name, "Response")),
    }
}

fn prompt_from(element: Element, parent: &'static str) -> Result<Prompt, TwimlError> {
    match element.name.as_str() {
        "Speak" => {
            let mut attributes = Attributes::new("Speak", element.attributes);
            let language = language(attributes.take("language"))?;
            let voice = attributes.take("voice");
            attributes.finish()?;
            let (text, slow) = say_content(element.children)?;
            Ok(Prompt::Say {
                text,
                language,
                voice,
                slow,
                recorded: None,
            })
        }
        "Play" => play_from(element, "Play"),
        "Wait" => pause_from(element, "Wait", "length"),
        _ => Err(unsupported(element.name, parent)),
    }
}

/// English or Spanish, any region; Plivo's default is en-US.
fn language(value: Option<String>) -> Result<Language, TwimlError> {
    match value {
        None => Ok(Language::En),
        Some(value) => Language::parse(&value).ok_or(TwimlError::UnknownLanguage { value }),
    }
}

fn get_input_from(element: Element) -> Result<Gather, TwimlError> {
    let mut attributes = Attributes::new("GetInput", element.attributes);
    let action = attributes.required("action")?;
    attributes.fixed("method", "POST")?;
    // Without redirect the answer's document would not run, which the model cannot express.
    attributes.fixed("redirect", "true")?;
    let listens = match attributes.take("inputType") {
        Some(value) if value == "dtmf" => false,
        Some(value) if value == "dtmf speech" => true,
        Some(value) => {
            return Err(TwimlError::InvalidAttribute {
                element: "GetInput",
                attribute: "inputType",
                value,
                expected: "dtmf or \"dtmf speech\"",
            });
        }
        None => {
            return Err(TwimlError::MissingAttribute {
                element: "GetInput",
                attribute: "inputType",
            });
        }
    };
    attributes.number("executionTimeout")?;
    let timeout_seconds = attributes
        .number("digitEndTimeout")?
        .unwrap_or(DEFAULT_DIGIT_END_SECONDS);
    let num_digits = attributes.number("numDigits")?;
    let finish_on_key = match attributes.take("finishOnKey") {
        None => Some('#'),
        Some(value) if value == "none" || value.is_empty() => None,
        Some(value) => {
            let mut keys = value.chars();
            match (keys.next(), keys.next()) {
                (Some(key), None) if key.is_ascii_digit() || key == '#' || key == '*' => Some(key),
                _ => {
                    return Err(TwimlError::InvalidAttribute {
                        element: "GetInput",
                        attribute: "finishOnKey",
                        value,
                        expected: "one key, or none",
                    });
                }
            }
        }
    };
    let speech = if listens {
        let language = language(attributes.take("language"))?;
        let end_after_seconds = attributes
            .number("speechEndTimeout")?
            .unwrap_or(DEFAULT_SPEECH_END_SECONDS);
        let hints = attributes
            .take("hints")
            .map(|hints| hints.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        Some(Listen {
            language,
            hints,
            end_after_seconds,
        })
    } else {
        None
    };
    attributes.finish()?;
    let prompts = child_elements("GetInput", element.children)?
        .into_iter()
        .map(|child| prompt_from(child, "GetInput"))
        .collect::<Result<_, _>>()?;
    Ok(Gather {
        action,
        num_digits,
        finish_on_key,
        timeout_seconds,
        prompts,
        speech,
    })
}

fn dial_from(element: Element) -> Result<Dial, TwimlError> {
    let mut attributes = Attributes::new("Dial", element.attributes);
    let timeout_seconds = attributes
        .number("timeout")?
        .unwrap_or(DEFAULT_DIAL_SECONDS);
    let action = attributes.take("action");
    attributes.fixed("method", "POST")?;
    let caller_id = attributes.take("callerId");
    let whisper_url = attributes.take("confirmSound");
    attributes.finish()?;
    let mut numbers = child_elements("Dial", element.children)?.into_iter();
    let number = match (numbers.next(), numbers.next()) {
        (Some(number), None) if number.name == "Number" => {
            Attributes::new("Number", number.attributes).finish()?;
            required_text("Number", number.children, "needs a phone number")?
        }
        (Some(other), None) => return Err(unsupported(other.name, "Dial")),
        _ => {
            return Err(TwimlError::InvalidContent {
                element: "Dial",
                problem: "holds exactly one <Number>",
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

fn conference_from(element: Element) -> Result<Conference, TwimlError> {
    let mut attributes = Attributes::new("Conference", element.attributes);
    let flag = |attributes: &mut Attributes, name: &'static str| match attributes.take(name) {
        None => Ok(false),
        Some(value) if value == "true" => Ok(true),
        Some(value) if value == "false" => Ok(false),
        Some(value) => Err(TwimlError::InvalidAttribute {
            element: "Conference",
            attribute: name,
            value,
            expected: "true or false",
        }),
    };
    let start_on_enter = flag(&mut attributes, "startConferenceOnEnter")?;
    let end_on_exit = flag(&mut attributes, "endConferenceOnExit")?;
    attributes.fixed("enterSound", "")?;
    attributes.fixed("exitSound", "")?;
    let wait_url = attributes.take("waitSound");
    let action = attributes.take("action");
    attributes.fixed("method", "POST")?;
    attributes.finish()?;
    let name = required_text("Conference", element.children, "needs a room name")?;
    Ok(Conference {
        name,
        wait_url,
        start_on_enter,
        end_on_exit,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_plivo_would_not_run_as_written_is_refused() {
        for xml in [
            "<Speak/>",
            "<Response><Say>Twilio's verb</Say></Response>",
            r#"<Response><GetInput action="x" inputType="dtmf" redirect="false"/></Response>"#,
            r#"<Response><GetInput action="x"/></Response>"#,
            r#"<Response><Speak loop="2">Twice</Speak></Response>"#,
            r#"<Response><Dial><User>sip:a@b</User></Dial></Response>"#,
            r#"<Response><Speak language="fr-FR">Bonjour</Speak></Response>"#,
        ] {
            assert!(parse(xml).is_err(), "{xml}");
        }
    }

    #[test]
    fn plivos_defaults_fill_what_is_left_out() {
        let read = parse(
            r#"<Response><GetInput action="https://x/g" inputType="dtmf"><Speak>Hi</Speak></GetInput><Wait/></Response>"#,
        )
        .expect("Plivo XML");
        let Verb::Gather(gather) = &read.verbs[0] else {
            panic!("{read:?}")
        };
        assert_eq!(gather.finish_on_key, Some('#'));
        assert_eq!(gather.timeout_seconds, DEFAULT_DIGIT_END_SECONDS);
        assert_eq!(read.verbs[1], Verb::Prompt(Prompt::Pause { seconds: 1 }));
    }
}
