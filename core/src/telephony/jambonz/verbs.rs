//! jambonz's JSON verbs: rendering a [`Response`] as the array jambonz runs, and reading such an
//! array back strictly, as its simulator runs the line's answers.
//!
//! - Words are `say` with a `synthesizer` (the flow's voice mapped to its vendor: `Polly.Joanna`
//!   is AWS's `Joanna`; no voice is the application's default); a slower pace is SSML.
//! - A question is `gather` with its words nested, so the caller may answer over them. jambonz
//!   nests one `say`: a question's words in one language and voice are joined into it, and any
//!   before them (the language question's other language) are said first, standalone. jambonz
//!   posts to a gather's `actionHook` when nothing is said (`reason: timeout`), so no silence
//!   redirect is needed.
//! - A transfer is `dial` with the whisper as its target's `confirmHook`, run on the agent's
//!   leg before the caller is bridged.
//! - jambonz has no card capture: `Pay` is a `redirect` to its action, which reports nothing.

use serde_json::{Value, json};

use crate::language::Language;
use crate::telephony::json_verbs::{Properties, spoken, words_of};
use crate::voice::{Conference, Dial, Gather, Listen, Prompt, Response, Verb};

/// Renders `response` as jambonz's JSON verbs.
pub fn render(response: &Response) -> String {
    let mut verbs = Vec::with_capacity(response.verbs.len());
    for verb in &response.verbs {
        match verb {
            Verb::Prompt(prompt) => verbs.push(prompt_verb(prompt)),
            Verb::Gather(gather) => gather_verbs(gather, &mut verbs),
            Verb::Dial(dial) => verbs.push(dial_verb(dial)),
            Verb::Conference(conference) => verbs.push(conference_verb(conference)),
            Verb::Pay(pay) => verbs.push(json!({"verb": "redirect", "actionHook": pay.action})),
            // Never asked of a provider whose markup does not pause recordings.
            Verb::Recording(_) => {}
            Verb::Redirect { url } => verbs.push(json!({"verb": "redirect", "actionHook": url})),
            Verb::Hangup => verbs.push(json!({"verb": "hangup"})),
        }
    }
    Value::Array(verbs).to_string()
}

/// The synthesizer for `voice` in `language`: a provider-prefixed voice (`Polly.Joanna`,
/// `Google.es-US-Neural2-A`) names its vendor; none is the application's default.
fn synthesizer(language: Language, voice: Option<&str>) -> Value {
    let (vendor, name) = match voice.and_then(|voice| voice.split_once('.')) {
        Some((prefix, name)) => match prefix.to_ascii_lowercase().as_str() {
            "polly" => ("aws", Some(name)),
            "google" => ("google", Some(name)),
            "azure" => ("microsoft", Some(name)),
            _ => ("default", voice),
        },
        None => ("default", voice),
    };
    let mut synthesizer = json!({"vendor": vendor, "language": language.locale()});
    if let Some(name) = name {
        synthesizer["voice"] = json!(name);
    }
    synthesizer
}

/// The voice a synthesizer names, as the flow wrote it.
fn voice_of(synthesizer: &Value) -> Result<Option<String>, String> {
    let vendor = synthesizer["vendor"].as_str().unwrap_or("default");
    let name = synthesizer["voice"].as_str();
    Ok(match (vendor, name) {
        (_, None) => None,
        ("aws", Some(name)) => Some(format!("Polly.{name}")),
        ("google", Some(name)) => Some(format!("Google.{name}")),
        ("microsoft", Some(name)) => Some(format!("Azure.{name}")),
        ("default", Some(name)) => Some(name.to_owned()),
        (other, _) => return Err(format!("a synthesizer vendor it does not use: {other}")),
    })
}

fn prompt_verb(prompt: &Prompt) -> Value {
    match prompt {
        Prompt::Say {
            text,
            language,
            voice,
            slow,
            ..
        } => json!({
            "verb": "say",
            "text": spoken(text, *slow),
            "synthesizer": synthesizer(*language, voice.as_deref()),
        }),
        Prompt::Play { url } => json!({"verb": "play", "url": url}),
        Prompt::Pause { seconds } => json!({"verb": "pause", "length": seconds}),
    }
}

/// Words joined for one `say`: their text, language, voice and pace.
type Run = (String, Language, Option<String>, bool);

/// A run of words as the prompt it is said as.
fn run_prompt((text, language, voice, slow): Run) -> Prompt {
    Prompt::Say {
        text,
        language,
        voice,
        slow,
        recorded: None,
    }
}

/// A question: the words before its last run of words in one language and voice said first,
/// then `gather` with that run nested (or a recording, when the question ends with one).
fn gather_verbs(gather: &Gather, verbs: &mut Vec<Value>) {
    let mut nested: Option<Run> = None;
    let mut nested_play = None;
    let mut before = Vec::new();
    for prompt in &gather.prompts {
        if let Prompt::Say {
            text,
            language,
            voice,
            slow,
            ..
        } = prompt
            && let Some((words, at, spoken_by, was_slow)) = &mut nested
            && at == language
            && spoken_by == voice
            && was_slow == slow
        {
            words.push(' ');
            words.push_str(text);
            continue;
        }
        before.extend(nested.take().map(run_prompt));
        before.extend(nested_play.take());
        match prompt {
            Prompt::Say {
                text,
                language,
                voice,
                slow,
                ..
            } => nested = Some((text.clone(), *language, voice.clone(), *slow)),
            Prompt::Play { .. } => nested_play = Some(prompt.clone()),
            Prompt::Pause { .. } => before.push(prompt.clone()),
        }
    }
    verbs.extend(before.iter().map(prompt_verb));
    let mut verb = json!({
        "verb": "gather",
        "actionHook": gather.action,
        "input": if gather.speech.is_some() { json!(["digits", "speech"]) } else { json!(["digits"]) },
        "timeout": gather.timeout_seconds,
        "interDigitTimeout": gather.timeout_seconds,
        "dtmfBargein": true,
    });
    if let Some(num_digits) = gather.num_digits {
        verb["numDigits"] = json!(num_digits);
    }
    if let Some(key) = gather.finish_on_key {
        verb["finishOnKey"] = json!(key.to_string());
    }
    if let Some(listen) = &gather.speech {
        verb["bargein"] = json!(true);
        verb["speechTimeout"] = json!(listen.end_after_seconds);
        verb["recognizer"] = json!({
            "vendor": "default",
            "language": listen.language.locale(),
            "hints": listen.hints,
        });
    }
    if let Some((text, language, voice, slow)) = nested {
        verb["say"] = json!({
            "text": spoken(&text, slow),
            "synthesizer": synthesizer(language, voice.as_deref()),
        });
    }
    if let Some(Prompt::Play { url }) = nested_play {
        verb["play"] = json!({ "url": url });
    }
    verbs.push(verb);
}

fn dial_verb(dial: &Dial) -> Value {
    let mut target = json!({"type": "phone", "number": dial.number});
    if let Some(whisper) = &dial.whisper_url {
        target["confirmHook"] = json!(whisper);
    }
    let mut verb = json!({
        "verb": "dial",
        "target": [target],
        "timeout": dial.timeout_seconds,
        "answerOnBridge": true,
    });
    if let Some(action) = &dial.action {
        verb["actionHook"] = json!(action);
    }
    if let Some(caller_id) = &dial.caller_id {
        verb["callerId"] = json!(caller_id);
    }
    verb
}

fn conference_verb(conference: &Conference) -> Value {
    let mut verb = json!({
        "verb": "conference",
        "name": conference.name,
        "beep": false,
        "startConferenceOnEnter": conference.start_on_enter,
        "endConferenceOnExit": conference.end_on_exit,
    });
    if let Some(wait) = &conference.wait_url {
        verb["waitHook"] = json!(wait);
    }
    if let Some(action) = &conference.action {
        verb["actionHook"] = json!(action);
    }
    verb
}

/// Reads jambonz's JSON verbs back into a [`Response`], strictly: exactly what [`render`]
/// writes; any other verb or property is refused.
///
/// # Errors
/// What jambonz would refuse or the model cannot express, in words.
pub fn parse(body: &str) -> Result<Response, String> {
    let verbs: Vec<Value> =
        serde_json::from_str(body).map_err(|err| format!("not JSON verbs: {err}"))?;
    let mut response = Response::new();
    for verb in verbs {
        read_verb(verb, &mut response.verbs)?;
    }
    Ok(response)
}

/// Words as `say` (or a gather's nested `say`) carries them.
fn say_from(properties: &mut Properties) -> Result<Prompt, String> {
    let text = properties.required_text("text")?;
    let synthesizer = properties.take("synthesizer").unwrap_or(Value::Null);
    let language = synthesizer["language"]
        .as_str()
        .and_then(Language::parse)
        .ok_or_else(|| format!("say in a language it does not speak: {synthesizer}"))?;
    let voice = voice_of(&synthesizer)?;
    let (text, slow) = words_of(text)?;
    Ok(Prompt::Say {
        text,
        language,
        voice,
        slow,
        recorded: None,
    })
}

fn read_verb(value: Value, verbs: &mut Vec<Verb>) -> Result<(), String> {
    let mut properties = Properties::of(value, "verb")?;
    let verb = match properties.name.as_str() {
        "say" => Verb::Prompt(say_from(&mut properties)?),
        "play" => Verb::Prompt(Prompt::Play {
            url: properties.required_text("url")?,
        }),
        "pause" => Verb::Prompt(Prompt::Pause {
            seconds: properties.number("length")?.ok_or("pause has no length")?,
        }),
        "gather" => Verb::Gather(gather_from(&mut properties, verbs)?),
        "dial" => Verb::Dial(dial_from(&mut properties)?),
        "conference" => {
            let name = properties.required_text("name")?;
            if properties.flag("beep")? != Some(false) {
                return Err("conference beeps".into());
            }
            Verb::Conference(Conference {
                name,
                start_on_enter: properties.flag("startConferenceOnEnter")?.unwrap_or(true),
                end_on_exit: properties.flag("endConferenceOnExit")?.unwrap_or(false),
                wait_url: properties.text("waitHook")?,
                action: properties.text("actionHook")?,
            })
        }
        "redirect" => Verb::Redirect {
            url: properties.required_text("actionHook")?,
        },
        "hangup" => Verb::Hangup,
        other => return Err(format!("not a verb it runs: {other}")),
    };
    properties.finish()?;
    verbs.push(verb);
    Ok(())
}

/// A gather, its nested words read back as the question's last prompt, with the standalone
/// words said just before it taken into the question again, as [`render`] split them.
fn gather_from(properties: &mut Properties, verbs: &mut Vec<Verb>) -> Result<Gather, String> {
    let action = properties.required_text("actionHook")?;
    let listens = match properties.take("input") {
        Some(input) if input == json!(["digits"]) => false,
        Some(input) if input == json!(["digits", "speech"]) => true,
        other => return Err(format!("gather.input it does not write: {other:?}")),
    };
    let timeout_seconds = properties.number("timeout")?.unwrap_or(5);
    properties.number("interDigitTimeout")?;
    if properties.flag("dtmfBargein")? != Some(true) {
        return Err("gather without dtmfBargein: keys pressed over the words are lost".into());
    }
    let num_digits = properties.number("numDigits")?;
    let finish_on_key = match properties.text("finishOnKey")? {
        None => None,
        Some(key) => {
            let mut keys = key.chars();
            match (keys.next(), keys.next()) {
                (Some(key), None) => Some(key),
                _ => return Err(format!("gather.finishOnKey is not one key: {key}")),
            }
        }
    };
    let speech = if listens {
        properties.flag("bargein")?;
        let end_after_seconds = properties.number("speechTimeout")?.unwrap_or(2);
        let recognizer = properties.take("recognizer").unwrap_or(Value::Null);
        let language = recognizer["language"]
            .as_str()
            .and_then(Language::parse)
            .ok_or_else(|| format!("a recognizer it does not write: {recognizer}"))?;
        let hints = recognizer["hints"]
            .as_array()
            .map(|hints| {
                hints
                    .iter()
                    .filter_map(|hint| hint.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Some(Listen {
            language,
            hints,
            end_after_seconds,
        })
    } else {
        None
    };
    let mut prompts = Vec::new();
    if let Some(say) = properties.take("say") {
        let Value::Object(mut fields) = say else {
            return Err(format!("gather.say is not an object: {say}"));
        };
        fields.insert("verb".into(), json!("say"));
        let mut nested = Properties::of(Value::Object(fields), "verb")?;
        prompts.push(say_from(&mut nested)?);
        nested.finish()?;
    }
    if let Some(play) = properties.take("play") {
        let url = play["url"]
            .as_str()
            .ok_or_else(|| format!("gather.play without a url: {play}"))?;
        prompts.push(Prompt::Play {
            url: url.to_owned(),
        });
    }
    // Words said just before, in another language or voice: the question's own first prompts.
    let mut taken = Vec::new();
    while let Some(Verb::Prompt(prompt @ Prompt::Say { .. })) = verbs.last() {
        taken.push(prompt.clone());
        verbs.pop();
    }
    taken.reverse();
    taken.extend(prompts);
    Ok(Gather {
        action,
        num_digits,
        finish_on_key,
        timeout_seconds,
        prompts: taken,
        speech,
    })
}

fn dial_from(properties: &mut Properties) -> Result<Dial, String> {
    let targets = properties.take("target").unwrap_or(Value::Null);
    let [target] = targets.as_array().map(Vec::as_slice).unwrap_or_default() else {
        return Err(format!("dial to other than one target: {targets}"));
    };
    if target["type"] != "phone" {
        return Err(format!("dial to a target it does not write: {target}"));
    }
    let number = target["number"]
        .as_str()
        .ok_or_else(|| format!("dial without a number: {target}"))?
        .to_owned();
    if properties.flag("answerOnBridge")? != Some(true) {
        return Err(
            "dial without answerOnBridge: the caller would hear silence, not ringing".into(),
        );
    }
    Ok(Dial {
        number,
        caller_id: properties.text("callerId")?,
        whisper_url: target["confirmHook"].as_str().map(str::to_owned),
        action: properties.text("actionHook")?,
        timeout_seconds: properties.number("timeout")?.unwrap_or(60),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(text: &str, language: Language, voice: Option<&str>, slow: bool) -> Prompt {
        Prompt::Say {
            text: text.into(),
            language,
            voice: voice.map(str::to_owned),
            slow,
            recorded: None,
        }
    }

    #[test]
    fn renders_every_verb_as_jambonz_json() {
        let response = Response {
            verbs: vec![
                Verb::Prompt(say("Welcome.", Language::En, Some("Polly.Joanna"), false)),
                Verb::Prompt(say("Tom & Jerry <3", Language::En, None, true)),
                Verb::Prompt(Prompt::Play {
                    url: "https://ivr.example.com/a.wav".into(),
                }),
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/jambonz/gather?turn=1".into(),
                    num_digits: Some(1),
                    finish_on_key: None,
                    timeout_seconds: 8,
                    prompts: vec![
                        say(
                            "For English, press 1.",
                            Language::En,
                            Some("Polly.Joanna"),
                            false,
                        ),
                        say(
                            "Para español, oprima 2.",
                            Language::Es,
                            Some("Polly.Lupe"),
                            false,
                        ),
                        say("O diga español.", Language::Es, Some("Polly.Lupe"), false),
                    ],
                    speech: Some(Listen {
                        language: Language::En,
                        hints: vec!["english".into(), "español".into()],
                        end_after_seconds: 2,
                    }),
                }),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005550100".into()),
                    whisper_url: Some("https://ivr.example.com/jambonz/whisper?call=1".into()),
                    action: Some("https://ivr.example.com/jambonz/dial".into()),
                    timeout_seconds: 20,
                }),
                Verb::Conference(Conference {
                    name: "ivrpay-1".into(),
                    wait_url: Some("https://ivr.example.com/jambonz/hold".into()),
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
        let rendered: Value = serde_json::from_str(&render(&response)).expect("JSON");
        let joanna = json!({"vendor": "aws", "language": "en-US", "voice": "Joanna"});
        let lupe = json!({"vendor": "aws", "language": "es-US", "voice": "Lupe"});
        assert_eq!(
            rendered,
            json!([
                {"verb": "say", "text": "Welcome.", "synthesizer": joanna},
                {"verb": "say",
                 "text": "<speak><prosody rate=\"slow\">Tom &amp; Jerry &lt;3</prosody></speak>",
                 "synthesizer": {"vendor": "default", "language": "en-US"}},
                {"verb": "play", "url": "https://ivr.example.com/a.wav"},
                {"verb": "pause", "length": 2},
                {"verb": "say", "text": "For English, press 1.", "synthesizer": joanna},
                {"verb": "gather",
                 "actionHook": "https://ivr.example.com/jambonz/gather?turn=1",
                 "input": ["digits", "speech"], "timeout": 8, "interDigitTimeout": 8,
                 "dtmfBargein": true, "bargein": true, "numDigits": 1, "speechTimeout": 2,
                 "recognizer": {"vendor": "default", "language": "en-US",
                                "hints": ["english", "español"]},
                 "say": {"text": "Para español, oprima 2. O diga español.", "synthesizer": lupe}},
                {"verb": "dial",
                 "target": [{"type": "phone", "number": "+15551234567",
                             "confirmHook": "https://ivr.example.com/jambonz/whisper?call=1"}],
                 "timeout": 20, "answerOnBridge": true,
                 "actionHook": "https://ivr.example.com/jambonz/dial", "callerId": "+18005550100"},
                {"verb": "conference", "name": "ivrpay-1", "beep": false,
                 "startConferenceOnEnter": false, "endConferenceOnExit": false,
                 "waitHook": "https://ivr.example.com/jambonz/hold"},
                {"verb": "redirect", "actionHook": "https://ivr.example.com/next"},
                {"verb": "hangup"},
            ])
        );
        // Read back, the question's words are whole again, in order (the two Spanish lines as
        // the one nested say they were joined into).
        let read = parse(&render(&response)).expect("its own verbs");
        let Verb::Gather(gather) = &read.verbs[4] else {
            panic!("{read:?}")
        };
        assert_eq!(gather.prompts.len(), 2);
        assert_eq!(read.verbs[..4], response.verbs[..4]);
        assert_eq!(read.verbs[5..], response.verbs[5..]);
    }

    #[test]
    fn what_jambonz_would_run_differently_is_refused() {
        for body in [
            "{}",
            r#"[{"verb": "say", "text": "Hi"}]"#,
            r#"[{"verb": "sip:refer", "referTo": "x"}]"#,
            r#"[{"verb": "hangup", "headers": {}}]"#,
            r#"[{"verb": "gather", "actionHook": "x", "input": ["digits"]}]"#,
            r#"[{"verb": "dial", "target": [{"type": "sip", "sipUri": "x"}], "answerOnBridge": true}]"#,
        ] {
            assert!(parse(body).is_err(), "{body}");
        }
    }
}
