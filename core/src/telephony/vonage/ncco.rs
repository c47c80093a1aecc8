//! Vonage's NCCO (a JSON array of actions): rendering a [`Response`] as the NCCO Vonage runs, and
//! reading one back strictly, as Vonage's simulator runs the line's answers.
//!
//! - Words are `talk` in the language (the flow's voice names are another provider's: Vonage
//!   speaks its default voice for the language); a slower pace and a pause are SSML.
//! - A question is its words as `talk` (and recordings as `stream`) with `bargeIn`, so a key or a
//!   word stops them, then `input`: keys (up to 20, the wait between them at most 10 seconds,
//!   `#` ends) and, where the question listens, speech in its language with its hints. Vonage
//!   posts a question's silence to its `eventUrl` by itself.
//! - A transfer is `connect` to the number, the whisper as its `onAnswer` (run on the agent's leg
//!   first), its end posted to the transfer's action (`eventType: synchronous`).
//! - Moving on to another URL is `notify`, whose answer replaces the rest of the NCCO.
//! - An NCCO that runs out hangs up: `Hangup` is where it ends.
//! - Vonage's `conversation` (a conference) posts nothing when the caller leaves it, so it cannot
//!   carry the line's conference hold: a room is written by its name alone (conference holds need
//!   call control, which the dialect does not offer).

use serde_json::{Value, json};

use crate::language::Language;
use crate::telephony::json_verbs::{Properties, spoken, words_of};
use crate::voice::{Conference, Dial, Gather, Listen, Prompt, Response, Verb};

/// Vonage's limits on `input`.
const MOST_DIGITS: u32 = 20;
const MOST_DIGIT_WAIT: u32 = 10;
const SPEECH_END: (u32, u32) = (1, 10);

/// Renders `response` as an NCCO.
pub fn render(response: &Response) -> String {
    let mut actions = Vec::new();
    for verb in &response.verbs {
        match verb {
            Verb::Prompt(prompt) => actions.push(prompt_action(prompt, false)),
            Verb::Gather(gather) => {
                actions.extend(
                    gather
                        .prompts
                        .iter()
                        .map(|prompt| prompt_action(prompt, true)),
                );
                actions.push(input_action(gather));
            }
            Verb::Dial(dial) => actions.push(connect_action(dial)),
            Verb::Conference(conference) => actions.push(conversation_action(conference)),
            Verb::Pay(pay) => actions.push(notify(&pay.action)),
            // Never asked of a provider whose markup does not pause recordings.
            Verb::Recording(_) => {}
            Verb::Redirect { url } => actions.push(notify(url)),
            // The NCCO ends here, and with it the call.
            Verb::Hangup => break,
        }
    }
    Value::Array(actions).to_string()
}

fn prompt_action(prompt: &Prompt, barge_in: bool) -> Value {
    match prompt {
        Prompt::Say {
            text,
            language,
            slow,
            ..
        } => {
            json!({"action": "talk", "text": spoken(text, *slow), "language": language.locale(), "bargeIn": barge_in})
        }
        Prompt::Play { url } => {
            json!({"action": "stream", "streamUrl": [url], "bargeIn": barge_in})
        }
        Prompt::Pause { seconds } => json!({
            "action": "talk",
            "text": format!("<speak><break time=\"{seconds}s\"/></speak>"),
            "language": Language::En.locale(),
            "bargeIn": barge_in,
        }),
    }
}

fn input_action(gather: &Gather) -> Value {
    let mut action = json!({
        "action": "input",
        "type": if gather.speech.is_some() { json!(["dtmf", "speech"]) } else { json!(["dtmf"]) },
        "dtmf": {
            "maxDigits": gather.num_digits.unwrap_or(MOST_DIGITS).clamp(1, MOST_DIGITS),
            "timeOut": gather.timeout_seconds.min(MOST_DIGIT_WAIT),
            "submitOnHash": gather.finish_on_key == Some('#'),
        },
        "eventUrl": [gather.action],
        "eventMethod": "POST",
    });
    if let Some(listen) = &gather.speech {
        action["speech"] = json!({
            "language": listen.language.locale(),
            "context": listen.hints,
            "endOnSilence": listen.end_after_seconds.clamp(SPEECH_END.0, SPEECH_END.1),
            "startTimeout": gather.timeout_seconds.max(1),
        });
    }
    action
}

/// A number as Vonage writes it: E.164 without the `+`.
fn vonage_number(number: &str) -> String {
    number.trim_start_matches('+').to_owned()
}

fn connect_action(dial: &Dial) -> Value {
    let mut endpoint = json!({"type": "phone", "number": vonage_number(&dial.number)});
    if let Some(whisper) = &dial.whisper_url {
        endpoint["onAnswer"] = json!({ "url": whisper });
    }
    let mut action = json!({
        "action": "connect",
        "endpoint": [endpoint],
        "timeout": dial.timeout_seconds,
    });
    if let Some(caller_id) = &dial.caller_id {
        action["from"] = json!(vonage_number(caller_id));
    }
    if let Some(url) = &dial.action {
        action["eventType"] = json!("synchronous");
        action["eventUrl"] = json!([url]);
        action["eventMethod"] = json!("POST");
    }
    action
}

fn conversation_action(conference: &Conference) -> Value {
    json!({"action": "conversation", "name": conference.name})
}

fn notify(url: &str) -> Value {
    json!({"action": "notify", "payload": {}, "eventUrl": [url], "eventMethod": "POST"})
}

/// A `+` put back on a number Vonage wrote without it.
fn e164(number: &str) -> String {
    format!("+{}", number.trim_start_matches('+'))
}

/// Reads an NCCO back into a [`Response`], strictly: exactly what [`render`] writes. An NCCO that
/// runs out after words hangs up: it reads as ending in `Hangup`.
///
/// # Errors
/// What Vonage would refuse or the model cannot express, in words.
pub fn parse(body: &str) -> Result<Response, String> {
    let actions: Vec<Value> =
        serde_json::from_str(body).map_err(|err| format!("not an NCCO: {err}"))?;
    let mut verbs = Vec::new();
    // Words and recordings that may be interrupted, waiting for the question they belong to.
    let mut asking = Vec::new();
    for action in actions {
        let mut properties = Properties::of(action, "action")?;
        let verb = match properties.name.as_str() {
            "talk" | "stream" => {
                let barge_in = properties.flag("bargeIn")?.unwrap_or(false);
                let prompt = prompt_from(&mut properties)?;
                properties.finish()?;
                match barge_in {
                    true => asking.push(prompt),
                    false if asking.is_empty() => verbs.push(Verb::Prompt(prompt)),
                    false => {
                        return Err("words that can be interrupted before words that cannot".into());
                    }
                }
                continue;
            }
            "input" => Verb::Gather(input_from(&mut properties, std::mem::take(&mut asking))?),
            "connect" => Verb::Dial(connect_from(&mut properties)?),
            "conversation" => Verb::Conference(Conference {
                name: properties.required_text("name")?,
                wait_url: None,
                start_on_enter: true,
                end_on_exit: false,
                action: None,
            }),
            "notify" => {
                if properties.take("payload") != Some(json!({})) {
                    return Err("notify with a payload it does not write".into());
                }
                properties.fixed("eventMethod", "POST")?;
                let url = properties
                    .url("eventUrl")?
                    .ok_or("notify without an eventUrl")?;
                Verb::Redirect { url }
            }
            other => return Err(format!("not an action it runs: {other}")),
        };
        properties.finish()?;
        if !asking.is_empty() {
            return Err("words that can be interrupted, and no question after them".into());
        }
        verbs.push(verb);
    }
    if !asking.is_empty() {
        return Err("words that can be interrupted, and no question after them".into());
    }
    // What runs out hangs up; a question or a move elsewhere goes on at its URL.
    if !matches!(verbs.last(), Some(Verb::Gather(_) | Verb::Redirect { .. })) {
        verbs.push(Verb::Hangup);
    }
    Ok(Response { verbs })
}

fn prompt_from(properties: &mut Properties) -> Result<Prompt, String> {
    if properties.name == "stream" {
        let url = properties
            .url("streamUrl")?
            .ok_or("stream without a streamUrl")?;
        return Ok(Prompt::Play { url });
    }
    let text = properties.required_text("text")?;
    let language = Language::parse(&properties.required_text("language")?)
        .ok_or("talk in a language it does not speak")?;
    if let Some(seconds) = text
        .strip_prefix("<speak><break time=\"")
        .and_then(|rest| rest.strip_suffix("s\"/></speak>"))
    {
        let seconds = seconds
            .parse()
            .map_err(|_| format!("a pause it does not write: {text}"))?;
        return Ok(Prompt::Pause { seconds });
    }
    let (text, slow) = words_of(text)?;
    Ok(Prompt::Say {
        text,
        language,
        voice: None,
        slow,
        recorded: None,
    })
}

fn input_from(properties: &mut Properties, prompts: Vec<Prompt>) -> Result<Gather, String> {
    let listens = match properties.take("type") {
        Some(value) if value == json!(["dtmf"]) => false,
        Some(value) if value == json!(["dtmf", "speech"]) => true,
        other => return Err(format!("input.type it does not write: {other:?}")),
    };
    let dtmf = properties.take("dtmf").unwrap_or(Value::Null);
    let most = dtmf["maxDigits"].as_u64().unwrap_or(u64::from(MOST_DIGITS));
    let num_digits = u32::try_from(most).map_err(|_| format!("input.dtmf.maxDigits: {most}"))?;
    let timeout_seconds = dtmf["timeOut"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(3);
    let finish_on_key = dtmf["submitOnHash"]
        .as_bool()
        .unwrap_or(false)
        .then_some('#');
    let action = properties
        .url("eventUrl")?
        .ok_or("input without an eventUrl")?;
    properties.fixed("eventMethod", "POST")?;
    let speech = match listens {
        false => None,
        true => {
            let speech = properties.take("speech").unwrap_or(Value::Null);
            let language = speech["language"]
                .as_str()
                .and_then(Language::parse)
                .ok_or_else(|| format!("input.speech in a language it does not write: {speech}"))?;
            let hints = speech["context"]
                .as_array()
                .map(|hints| {
                    hints
                        .iter()
                        .filter_map(|hint| hint.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let end_after_seconds = speech["endOnSilence"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(2);
            Some(Listen {
                language,
                hints,
                end_after_seconds,
            })
        }
    };
    Ok(Gather {
        action,
        num_digits: (num_digits < MOST_DIGITS).then_some(num_digits),
        finish_on_key,
        timeout_seconds,
        prompts,
        speech,
    })
}

fn connect_from(properties: &mut Properties) -> Result<Dial, String> {
    let endpoints = properties.take("endpoint").unwrap_or(Value::Null);
    let [endpoint] = endpoints.as_array().map(Vec::as_slice).unwrap_or_default() else {
        return Err(format!("connect to other than one endpoint: {endpoints}"));
    };
    if endpoint["type"] != "phone" {
        return Err(format!(
            "connect to an endpoint it does not write: {endpoint}"
        ));
    }
    let number = endpoint["number"]
        .as_str()
        .ok_or_else(|| format!("connect without a number: {endpoint}"))?;
    let action = properties.url("eventUrl")?;
    if action.is_some() {
        properties.fixed("eventType", "synchronous")?;
        properties.fixed("eventMethod", "POST")?;
    }
    Ok(Dial {
        number: e164(number),
        caller_id: properties.text("from")?.map(|from| e164(&from)),
        whisper_url: endpoint["onAnswer"]["url"].as_str().map(str::to_owned),
        action,
        timeout_seconds: properties.number("timeout")?.unwrap_or(60),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_verb_as_an_ncco() {
        let say = |text: &str, slow| Prompt::Say {
            text: text.into(),
            language: Language::En,
            voice: Some("Polly.Joanna".into()),
            slow,
            recorded: None,
        };
        let response = Response {
            verbs: vec![
                Verb::Prompt(say("Welcome & thanks.", false)),
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/vonage/gather?turn=1".into(),
                    num_digits: Some(16),
                    finish_on_key: Some('#'),
                    timeout_seconds: 12,
                    prompts: vec![
                        say("Key in your card number.", true),
                        Prompt::Play {
                            url: "https://ivr.example.com/a.wav".into(),
                        },
                    ],
                    speech: None,
                }),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005550100".into()),
                    whisper_url: Some("https://ivr.example.com/vonage/whisper?call=1".into()),
                    action: Some("https://ivr.example.com/vonage/dial".into()),
                    timeout_seconds: 20,
                }),
                Verb::Hangup,
                Verb::Prompt(say("Never said: the call has ended.", false)),
            ],
        };
        let rendered: Value = serde_json::from_str(&render(&response)).expect("JSON");
        assert_eq!(
            rendered,
            json!([
                {"action": "talk", "text": "Welcome & thanks.", "language": "en-US", "bargeIn": false},
                {"action": "talk", "text": "<speak><break time=\"2s\"/></speak>", "language": "en-US", "bargeIn": false},
                {"action": "talk",
                 "text": "<speak><prosody rate=\"slow\">Key in your card number.</prosody></speak>",
                 "language": "en-US", "bargeIn": true},
                {"action": "stream", "streamUrl": ["https://ivr.example.com/a.wav"], "bargeIn": true},
                {"action": "input", "type": ["dtmf"],
                 "dtmf": {"maxDigits": 16, "timeOut": 10, "submitOnHash": true},
                 "eventUrl": ["https://ivr.example.com/vonage/gather?turn=1"], "eventMethod": "POST"},
                {"action": "connect",
                 "endpoint": [{"type": "phone", "number": "15551234567",
                               "onAnswer": {"url": "https://ivr.example.com/vonage/whisper?call=1"}}],
                 "timeout": 20, "from": "18005550100", "eventType": "synchronous",
                 "eventUrl": ["https://ivr.example.com/vonage/dial"], "eventMethod": "POST"},
            ])
        );
    }

    #[test]
    fn what_vonage_would_run_differently_is_refused() {
        for body in [
            "{}",
            r#"[{"action": "talk", "text": "Hi", "language": "fr-FR"}]"#,
            r#"[{"action": "record"}]"#,
            r#"[{"action": "talk", "text": "Hi", "language": "en-US", "bargeIn": true}]"#,
            r#"[{"action": "input", "type": ["speech"], "eventUrl": ["x"]}]"#,
            r#"[{"action": "connect", "endpoint": [{"type": "sip", "uri": "sip:a@b"}]}]"#,
        ] {
            assert!(parse(body).is_err(), "{body}");
        }
    }
}
