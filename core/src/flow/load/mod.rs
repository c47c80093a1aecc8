//! Reading a flow file into a [`Flow`]: the TOML's shape (the `Raw*` types, which refuse unknown
//! fields with their line), and `Checker::check`, which turns the header into the flow's
//! settings and hands the rest to the files beside this one, one for each thing checked (the
//! table in [`crate::flow`] names them).
//!
//! Every problem is reported as `file:line: message`, where the message says what to change, and
//! all problems of a file are reported at once so operations can fix them in one pass. A flow with
//! any problem does not load, and the server does not start on it.

mod header;
mod kinds;
mod offers;
mod prompts;
mod reach;
mod speech;
mod states;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::definition::{CardCapture, Flow};
use crate::diagnostics::{Problem, Problems, nearest, toml_problem};
use crate::language::Language;

/// Loads every `*.toml` flow in a directory, keyed by file stem.
///
/// # Errors
/// Every problem in every file (or the directory cannot be read, or holds no flow).
pub fn load_dir(dir: &Path) -> Result<BTreeMap<String, Flow>, Vec<Problem>> {
    let problem = |message: String| Problem::whole(dir, message);
    let entries = std::fs::read_dir(dir).map_err(|err| {
        vec![problem(match err.kind() {
            std::io::ErrorKind::NotFound => {
                "there is no such flows directory; run from the folder \
                 that holds call-flows/, or name the directory with --flows (IVRPAY_FLOWS)"
                    .to_owned()
            }
            _ => format!("cannot read the flows directory: {err}"),
        })]
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        // The collections policies and message templates live beside the flows but are not flows.
        .filter(|path| {
            path.file_name().is_none_or(|name| {
                name != crate::collections::policy::FILE_NAME
                    && name != crate::messages::templates::FILE_NAME
                    && name != crate::hours::FILE_NAME
            })
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(vec![problem("no flow files (*.toml) here".into())]);
    }
    let mut flows = BTreeMap::new();
    let mut problems = Vec::new();
    for path in paths {
        match load_file(&path) {
            Ok(flow) => {
                flows.insert(flow.name.clone(), flow);
            }
            Err(found) => problems.extend(found),
        }
    }
    if problems.is_empty() {
        Ok(flows)
    } else {
        Err(problems)
    }
}

/// Loads and checks one flow file; the flow is named by the file stem.
///
/// # Errors
/// Every problem found.
pub fn load_file(path: &Path) -> Result<Flow, Vec<Problem>> {
    let source = std::fs::read_to_string(path)
        .map_err(|err| vec![Problem::whole(path, format!("cannot read: {err}"))])?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_flow(&name, path, &source)
}

/// Parses and checks flow text.
///
/// # Errors
/// Every problem found.
pub fn parse_flow(name: &str, path: &Path, source: &str) -> Result<Flow, Vec<Problem>> {
    let mut checker = Checker {
        found: Problems::new(path, source),
    };
    let raw: RawFile =
        toml::from_str(source).map_err(|err| vec![toml_problem(path, source, &err)])?;
    let flow = checker.check(name, raw);
    match flow {
        Some(flow) => checker.found.or(flow),
        None => Err(checker.found.into_sorted()),
    }
}

type SpannedMap = BTreeMap<Spanned<String>, Spanned<String>>;

/// Phrases by language code: `{ en = ["make a payment", "pay"], es = ["hacer un pago"] }`.
type RawPhrases = BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    flow: Spanned<RawHeader>,
    speech: Option<Spanned<RawSpeech>>,
    survey: Option<Spanned<RawSurvey>>,
    messages: Spanned<BTreeMap<Spanned<String>, Spanned<SpannedMap>>>,
    states: Spanned<BTreeMap<Spanned<String>, Spanned<RawState>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpeech {
    confirm_below: Option<Spanned<f64>>,
    agent: Option<Spanned<RawPhrases>>,
    repeat: Option<Spanned<RawPhrases>>,
    slower: Option<Spanned<RawPhrases>>,
    keys: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawPhrases>>>>,
}

/// The `[survey]` table: how often the end-of-call survey is asked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurvey {
    sample_percent: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    languages: Spanned<Vec<Spanned<String>>>,
    start: Spanned<String>,
    agent_state: Spanned<String>,
    callback_state: Option<Spanned<String>>,
    agent_key: Option<Spanned<String>>,
    repeat_key: Option<Spanned<String>>,
    max_attempts: Option<Spanned<u32>>,
    input_timeout_seconds: Option<Spanned<u32>>,
    finish_key: Option<Spanned<String>>,
    dial_timeout_seconds: Option<Spanned<u32>>,
    settled_outcomes: Option<Vec<String>>,
    assisted_payment_state: Option<Spanned<String>>,
    assisted_payment_ends: Option<Vec<Spanned<String>>>,
    voices: Option<SpannedMap>,
    recording_notice: Option<Spanned<SpannedMap>>,
    slower_key: Option<Spanned<String>>,
    slow_input_timeout_seconds: Option<Spanned<u32>>,
    prompts: Option<Spanned<String>>,
    card_capture: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    kind: Spanned<String>,
    prompt: Option<Spanned<SpannedMap>>,
    invalid: Option<Spanned<SpannedMap>>,
    next: Option<Spanned<String>>,
    options: Option<Spanned<SpannedMap>>,
    on_fail: Option<Spanned<String>>,
    input: Option<Spanned<String>>,
    sensitive: Option<bool>,
    keys: Option<Spanned<SpannedMap>>,
    errors: Option<Spanned<BTreeMap<Spanned<String>, Spanned<SpannedMap>>>>,
    action: Option<Spanned<String>>,
    on: Option<Spanned<SpannedMap>>,
    cases: Option<Vec<Spanned<RawCase>>>,
    otherwise: Option<Spanned<String>>,
    on_unavailable: Option<Spanned<String>>,
    on_no_answer: Option<Spanned<String>>,
    help: Option<Spanned<SpannedMap>>,
    again: Option<Spanned<SpannedMap>>,
    activity: Option<String>,
    outcome: Option<Spanned<String>>,
    max_visits: Option<Spanned<u32>>,
    after_max_visits: Option<Spanned<String>>,
    max_attempts: Option<Spanned<u32>>,
    set: Option<Spanned<String>>,
    offers: Option<Spanned<BTreeMap<Spanned<String>, Spanned<SpannedMap>>>>,
    goto: Option<Spanned<SpannedMap>>,
    closing: Option<Spanned<SpannedMap>>,
    first: Option<Spanned<u32>>,
    more: Option<Spanned<SpannedMap>>,
    speech: Option<Spanned<bool>>,
    phrases: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawPhrases>>>>,
    yes: Option<Spanned<String>>,
    no: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    when: Spanned<String>,
    goto: Spanned<String>,
}

struct Checker<'a> {
    found: Problems<'a>,
}

impl Checker<'_> {
    fn line(&self, offset: usize) -> usize {
        self.found.line(offset)
    }

    fn report<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.found.report(at, message);
    }

    fn check(&mut self, name: &str, raw: RawFile) -> Option<Flow> {
        let header = raw.flow.as_ref();
        self.named_as_its_file(&raw.flow, name);
        let languages = self.languages(header)?;
        let agent_key = self.key(header.agent_key.as_ref(), '0');
        let repeat_key = self.key(header.repeat_key.as_ref(), '*');
        let max_attempts = self.bounded(header.max_attempts.as_ref(), 3, 1..=10, "max_attempts");
        let input_timeout_seconds = self.bounded(
            header.input_timeout_seconds.as_ref(),
            8,
            2..=60,
            "input_timeout_seconds",
        );
        let finish_key = self.key(header.finish_key.as_ref(), '#');
        let dial_timeout_seconds = self.bounded(
            header.dial_timeout_seconds.as_ref(),
            30,
            5..=120,
            "dial_timeout_seconds",
        );
        let voices = self.voices(header);

        let pace = self.pace(
            header,
            [agent_key, repeat_key, finish_key],
            input_timeout_seconds,
        );
        let speech = raw
            .speech
            .as_ref()
            .map(|speech| self.speech_settings(speech, &languages));
        let messages = self.messages(raw.messages, &languages, speech.is_some(), &pace);
        let recording_notice = header
            .recording_notice
            .as_ref()
            .and_then(|notice| self.prompt(notice, &languages, "recording_notice".to_owned()));
        let prompts = self.prompt_source(header);
        let state_names: HashSet<String> = raw
            .states
            .as_ref()
            .keys()
            .map(|k| k.as_ref().clone())
            .collect();
        let (states, spans) = self.states(
            raw.states.into_inner(),
            &languages,
            &state_names,
            repeat_key,
            speech.is_some(),
        );
        let assisted_payment_state = header.assisted_payment_state.as_ref();
        let settled_outcomes = header.settled_outcomes.clone().unwrap_or_else(|| {
            ["transferred", "paid", "payment_unknown"]
                .map(String::from)
                .to_vec()
        });
        self.whole_flow(header, &states, &spans, &state_names, &settled_outcomes);
        self.back_to_agent_said(assisted_payment_state, messages.as_ref());
        self.link_option_said(&states, &spans, messages.as_ref());
        let card_capture = match &header.card_capture {
            None => CardCapture::Keypad,
            Some(raw) => CardCapture::parse(raw.as_ref()).unwrap_or_else(|| {
                self.report(
                    raw,
                    format!(
                        "card_capture = \"{}\" is not a way to take cards; use \"keypad\" (the \
                         flow's card questions) or \"provider\" (the provider's own capture, \
                         where it has one)",
                        raw.as_ref()
                    ),
                );
                CardCapture::Keypad
            }),
        };
        Some(Flow {
            name: name.to_owned(),
            languages,
            start: header.start.as_ref().clone(),
            agent_state: header.agent_state.as_ref().clone(),
            agent_key,
            repeat_key,
            max_attempts,
            input_timeout_seconds,
            finish_key,
            dial_timeout_seconds,
            callback_state: header
                .callback_state
                .as_ref()
                .map(|target| target.as_ref().clone()),
            assisted_payment_state: assisted_payment_state.map(|target| target.as_ref().clone()),
            assisted_payment_ends: header
                .assisted_payment_ends
                .iter()
                .flatten()
                .map(|target| target.as_ref().clone())
                .collect(),
            settled_outcomes,
            card_capture,
            voices,
            messages: messages?,
            recording_notice,
            speech,
            pace,
            prompts,
            survey: raw
                .survey
                .as_ref()
                .map(|survey| self.survey(survey.as_ref()))
                .unwrap_or_default(),
            states,
        })
    }
}

/// A one-key string's key.
fn single_key(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(key), None) => Some(key),
        _ => None,
    }
}

/// How to fix a name that is not a state: the likely one, or how to add it.
fn fix_for(wrong: &str, names: &HashSet<String>) -> String {
    match nearest(wrong, names.iter().map(String::as_str)) {
        Some(meant) => format!("did you mean {meant}?"),
        None => format!("add [states.{wrong}] or fix the name"),
    }
}

fn join_languages(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join(", ")
}
