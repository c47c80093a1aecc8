//! Reading and checking flow files.
//!
//! Every problem is reported as `file:line: message`, where the message says what to change, and
//! all problems of a file are reported at once so operations can fix them in one pass. A flow with
//! any problem does not load, and the server does not start on it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::actions::Action;
use super::definition::{
    Comparison, Condition, Flow, InputKind, Messages, OfferSet, Pace, Phrases, Prompt,
    PromptSource, Segment, SpeechSettings, State, StateKind, StateSpeech, Template, Var, VarType,
};
use crate::collections::Offer;
use crate::diagnostics::{Problem, Problems, add_texts_hint, nearest, toml_problem};
use crate::language::Language;
use crate::payments::money::Money;
use crate::survey::SurveySettings;

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

/// The state kinds a flow file can name in `kind = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Say,
    Menu,
    Language,
    Collect,
    Action,
    Branch,
    Transfer,
    Hangup,
    Offers,
    Disclosure,
}

/// What a state kind takes: the one place that says so. [`Checker::state`] reads it to name the
/// kinds, refuse a field of another kind, and ask for a missing prompt.
struct KindRules {
    kind: Kind,
    /// Its name in a flow file.
    name: &'static str,
    /// The fields it takes besides those every state may have (`kind`, `prompt`, `outcome`,
    /// `activity`, `max_visits`, `after_max_visits`); the others of [`kind_fields`] are refused.
    fields: &'static [&'static str],
    /// Whether it says something before anything else happens, so a prompt is required.
    needs_prompt: bool,
}

const KINDS: [KindRules; 10] = [
    KindRules {
        kind: Kind::Say,
        name: "say",
        fields: &["next"],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Menu,
        name: "menu",
        fields: &[
            "options",
            "on_fail",
            "help",
            "again",
            "speech",
            "phrases",
            "yes",
            "no",
            "max_attempts",
        ],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Language,
        name: "language",
        fields: &["options", "next", "help", "speech", "phrases"],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Collect,
        name: "collect",
        fields: &[
            "input",
            "sensitive",
            "invalid",
            "errors",
            "keys",
            "next",
            "on_fail",
            "help",
            "again",
            "speech",
            "phrases",
            "max_attempts",
        ],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Action,
        name: "action",
        fields: &["action", "on"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Branch,
        name: "branch",
        fields: &["cases", "otherwise"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Transfer,
        name: "transfer",
        fields: &["on_unavailable", "on_no_answer"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Hangup,
        name: "hangup",
        fields: &[],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Offers,
        name: "offers",
        fields: &[
            "set",
            "offers",
            "goto",
            "options",
            "closing",
            "first",
            "more",
            "on_fail",
            "speech",
            "phrases",
            "max_attempts",
        ],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Disclosure,
        name: "disclosure",
        fields: &["next"],
        needs_prompt: false,
    },
];

/// The kinds' names as a sentence: "say, menu, ... or hangup".
fn kind_names() -> String {
    let names = KINDS.map(|rules| rules.name);
    let (last, rest) = names.split_last().expect("there are kinds");
    format!("{} or {last}", rest.join(", "))
}

/// Which kind-specific fields `state` sets, by name (those [`KindRules::fields`] lists).
fn kind_fields(state: &RawState) -> [(&'static str, bool); 27] {
    [
        ("next", state.next.is_some()),
        ("options", state.options.is_some()),
        ("on_fail", state.on_fail.is_some()),
        ("input", state.input.is_some()),
        ("sensitive", state.sensitive.is_some()),
        ("invalid", state.invalid.is_some()),
        ("keys", state.keys.is_some()),
        ("errors", state.errors.is_some()),
        ("action", state.action.is_some()),
        ("on", state.on.is_some()),
        ("cases", state.cases.is_some()),
        ("otherwise", state.otherwise.is_some()),
        ("on_unavailable", state.on_unavailable.is_some()),
        ("on_no_answer", state.on_no_answer.is_some()),
        ("help", state.help.is_some()),
        ("again", state.again.is_some()),
        ("set", state.set.is_some()),
        ("offers", state.offers.is_some()),
        ("goto", state.goto.is_some()),
        ("closing", state.closing.is_some()),
        ("first", state.first.is_some()),
        ("more", state.more.is_some()),
        ("speech", state.speech.is_some()),
        ("phrases", state.phrases.is_some()),
        ("yes", state.yes.is_some()),
        ("no", state.no.is_some()),
        ("max_attempts", state.max_attempts.is_some()),
    ]
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
        if let Some(declared) = &header.name
            && declared != name
        {
            self.report(&raw.flow, format!(
                "the flow is named \"{declared}\" but the file is {name}.toml; make them the same"
            ));
        }
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
        let callback_state = header.callback_state.as_ref();
        let assisted_payment_state = header.assisted_payment_state.as_ref();
        let assisted_payment_ends = header.assisted_payment_ends.as_deref().unwrap_or_default();
        self.named_states_exist(header, &state_names);
        self.unreachable(
            &states,
            &spans,
            &state_names,
            [header.start.as_ref(), header.agent_state.as_ref()]
                .into_iter()
                .chain(callback_state.map(|target| target.as_ref()))
                .chain(assisted_payment_state.map(|target| target.as_ref())),
        );
        let settled_outcomes = header.settled_outcomes.clone().unwrap_or_else(|| {
            ["transferred", "paid", "payment_unknown"]
                .map(String::from)
                .to_vec()
        });
        if states.len() == state_names.len() {
            self.misses_lead_to_help(
                &states,
                &spans,
                &settled_outcomes,
                header.agent_state.as_ref(),
                callback_state.map(|target| target.as_ref().as_str()),
                [header.start.as_ref(), header.agent_state.as_ref()]
                    .into_iter()
                    .chain(callback_state.map(|target| target.as_ref()))
                    .chain(assisted_payment_state.map(|target| target.as_ref())),
            );
        }
        if let (Some(start), Some(messages)) = (assisted_payment_state, &messages)
            && messages.back_to_agent.is_none()
        {
            self.report(
                start,
                "assisted_payment_state needs [messages] back_to_agent in every language (said as \
                 the caller goes back to the agent), e.g. back_to_agent.en = \"Thank you. I'm \
                 putting you back with the person you were speaking with.\""
                    .to_owned(),
            );
        }
        let flow = Flow {
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
            callback_state: callback_state.map(|target| target.as_ref().clone()),
            assisted_payment_state: assisted_payment_state.map(|target| target.as_ref().clone()),
            assisted_payment_ends: assisted_payment_ends
                .iter()
                .map(|target| target.as_ref().clone())
                .collect(),
            settled_outcomes,
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
        };
        Some(flow)
    }

    /// Every state that loads, and the line each is declared on.
    fn states(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<RawState>>,
        languages: &[Language],
        state_names: &HashSet<String>,
        repeat_key: char,
        listens: bool,
    ) -> (HashMap<String, State>, HashMap<String, usize>) {
        let mut states = HashMap::new();
        let mut spans = HashMap::new();
        for (state_name, state) in raw {
            let line = self.line(state_name.span().start);
            let name = state_name.into_inner();
            if let Some(state) =
                self.state(&name, state, languages, state_names, repeat_key, listens)
            {
                spans.insert(name.clone(), line);
                states.insert(name, state);
            }
        }
        (states, spans)
    }

    /// The flow's languages, each once; at least one.
    fn languages(&mut self, header: &RawHeader) -> Option<Vec<Language>> {
        let mut languages = Vec::new();
        for code in header.languages.as_ref() {
            match Language::parse(code.as_ref()) {
                Some(lang) if !languages.contains(&lang) => languages.push(lang),
                Some(_) => self.report(code, format!("language \"{code}\" is listed twice")),
                None => self.report(code, format!("unknown language \"{code}\"; use en or es")),
            }
        }
        if languages.is_empty() {
            self.report(
                &header.languages,
                "list at least one language, e.g. languages = [\"en\"]",
            );
            return None;
        }
        Some(languages)
    }

    /// The text-to-speech voice named for each language.
    fn voices(&mut self, header: &RawHeader) -> HashMap<Language, String> {
        let mut voices = HashMap::new();
        for (code, voice) in header.voices.iter().flatten() {
            match Language::parse(code.as_ref()) {
                Some(lang) => {
                    voices.insert(lang, voice.as_ref().clone());
                }
                None => self.report(code, format!("unknown language \"{code}\" in voices")),
            }
        }
        voices
    }

    /// The slower pace a caller can ask for: its key (not one of `taken`) and its longer wait.
    fn pace(&mut self, header: &RawHeader, taken: [char; 3], input_timeout_seconds: u32) -> Pace {
        let slower_key = header
            .slower_key
            .as_ref()
            .map(|raw| (self.key(Some(raw), '7'), raw));
        if let Some((key, raw_key)) = &slower_key
            && taken.contains(key)
        {
            self.report(
                *raw_key,
                format!(
                    "slower_key {key} is already the agent, repeat or finish key; choose another, \
                     e.g. slower_key = \"7\""
                ),
            );
        }
        Pace {
            slower_key: slower_key.map(|(key, _)| key),
            slow_input_timeout_seconds: self.bounded(
                header.slow_input_timeout_seconds.as_ref(),
                (input_timeout_seconds * 2).min(60),
                input_timeout_seconds..=60,
                "slow_input_timeout_seconds (at least input_timeout_seconds)",
            ),
            ..Pace::default()
        }
    }

    /// How the flow's prompts are spoken (`prompts = "tts"` or `"recorded"`).
    fn prompt_source(&mut self, header: &RawHeader) -> PromptSource {
        match header.prompts.as_ref().map(|p| p.as_ref().as_str()) {
            None | Some("tts") => PromptSource::TextToSpeech,
            Some("recorded") => PromptSource::Recorded,
            Some(other) => {
                if let Some(raw) = &header.prompts {
                    self.report(
                        raw,
                        format!(
                            "prompts = \"{other}\" is not a way to speak prompts; use \"tts\" \
                             (text-to-speech) or \"recorded\" (recordings in audio/, \
                             text-to-speech where one is missing)"
                        ),
                    );
                }
                PromptSource::TextToSpeech
            }
        }
    }

    /// Every state the header names (start, agent_state, callback_state, the assisted payment's)
    /// is a state.
    fn named_states_exist(&mut self, header: &RawHeader, state_names: &HashSet<String>) {
        let callback_state = header.callback_state.as_ref();
        let assisted_payment_state = header.assisted_payment_state.as_ref();
        let assisted_payment_ends = header.assisted_payment_ends.as_deref().unwrap_or_default();
        for (target, what) in [
            (&header.start, "start"),
            (&header.agent_state, "agent_state"),
        ]
        .into_iter()
        .chain(callback_state.map(|target| (target, "callback_state")))
        .chain(assisted_payment_state.map(|target| (target, "assisted_payment_state")))
        .chain(
            assisted_payment_ends
                .iter()
                .map(|target| (target, "assisted_payment_ends")),
        ) {
            if !state_names.contains(target.as_ref()) {
                let fix = fix_for(target.as_ref(), state_names);
                self.report(
                    target,
                    format!("{what} names \"{target}\", which is not a state; {fix}"),
                );
            }
        }
    }

    /// The `[survey]` table: a percentage of calls, 0 (off) to 100 (every call).
    fn survey(&mut self, raw: &RawSurvey) -> SurveySettings {
        let percent = &raw.sample_percent;
        match u8::try_from(*percent.as_ref()) {
            Ok(sample_percent) if sample_percent <= 100 => SurveySettings { sample_percent },
            _ => {
                self.report(
                    percent,
                    format!(
                        "[survey] sample_percent = {} is not a percentage; use 0 (no survey) to \
                         100 (every call), e.g. sample_percent = 20",
                        percent.as_ref()
                    ),
                );
                SurveySettings::default()
            }
        }
    }

    fn key(&mut self, raw: Option<&Spanned<String>>, default: char) -> char {
        let Some(raw) = raw else { return default };
        let mut chars = raw.as_ref().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => c,
            _ => {
                self.report(
                    raw,
                    "a key is one of 0-9, * or #, written as a string like \"0\"",
                );
                default
            }
        }
    }

    fn bounded(
        &mut self,
        raw: Option<&Spanned<u32>>,
        default: u32,
        range: std::ops::RangeInclusive<u32>,
        what: &str,
    ) -> u32 {
        match raw {
            Some(value) if range.contains(value.as_ref()) => *value.as_ref(),
            Some(value) => {
                self.report(
                    value,
                    format!(
                        "{what} must be between {} and {}",
                        range.start(),
                        range.end()
                    ),
                );
                default
            }
            None => default,
        }
    }

    fn messages(
        &mut self,
        raw: Spanned<BTreeMap<Spanned<String>, Spanned<SpannedMap>>>,
        languages: &[Language],
        listens: bool,
        pace: &Pace,
    ) -> Option<Messages> {
        let names = [
            "no_input",
            "invalid_choice",
            "help",
            "person_option",
            "no_person",
            "too_many_attempts",
            "confirm_heard",
            "not_understood",
            "heard_wrong",
            "slower",
            "slower_option",
            "on_hold",
            "back_to_agent",
        ];
        let mut found: HashMap<String, Prompt> = HashMap::new();
        let section = raw.span();
        for (name, prompt) in raw.into_inner() {
            if !names.contains(&name.as_ref().as_str()) {
                self.report(
                    &name,
                    format!(
                        "unknown message \"{name}\"; the messages are {}",
                        names.join(", ")
                    ),
                );
                continue;
            }
            if let Some(prompt) = self.prompt(&prompt, languages, format!("messages.{name}")) {
                found.insert(name.into_inner(), prompt);
            }
        }
        let line = self.line(section.start);
        let mut take = |name: &str| {
            let prompt = found.remove(name);
            if prompt.is_none() {
                self.found.on_line(
                    line,
                    format!("[messages] needs {name} in every language, e.g. {name}.en = \"...\""),
                );
            }
            prompt
        };
        let no_input = take("no_input");
        let invalid_choice = take("invalid_choice");
        let help = take("help");
        let person_option = take("person_option");
        let no_person = take("no_person");
        let too_many_attempts = take("too_many_attempts");
        let mut take_if = |needed: bool, name: &str, why: &str| {
            let prompt = found.remove(name);
            if needed && prompt.is_none() {
                self.found.on_line(
                    line,
                    format!(
                        "[messages] needs {name} in every language {why}, e.g. {name}.en = \"...\""
                    ),
                );
            }
            prompt
        };
        let listening = "because the flow listens for speech ([speech])";
        let slowing = "because the flow has a slower_key";
        let confirm_heard = take_if(listens, "confirm_heard", listening);
        let not_understood = take_if(listens, "not_understood", listening);
        let heard_wrong = take_if(listens, "heard_wrong", listening);
        let slower_needed = pace.slower_key.is_some();
        let slower = take_if(slower_needed, "slower", slowing);
        let slower_option = take_if(slower_needed, "slower_option", slowing);
        if let Some(confirm) = &confirm_heard
            && !confirm
                .0
                .values()
                .all(|template| template.0.contains(&Segment::Var(Var::Heard)))
        {
            self.found.on_line(
                line,
                "confirm_heard must read back what was heard with {heard}, e.g. \
                 confirm_heard.en = \"Did you say {heard}? Say yes or press 1. If not, say no or \
                 press 2.\"",
            );
        }
        let on_hold = found.remove("on_hold");
        let back_to_agent = found.remove("back_to_agent");
        Some(Messages {
            no_input: no_input?,
            invalid_choice: invalid_choice?,
            help: help?,
            person_option: person_option?,
            no_person: no_person?,
            too_many_attempts: too_many_attempts?,
            confirm_heard,
            not_understood,
            heard_wrong,
            slower,
            slower_option,
            on_hold,
            back_to_agent,
        })
    }

    /// A prompt named `name` (see [`Prompt`]), with its text in every language.
    fn prompt(
        &mut self,
        raw: &Spanned<SpannedMap>,
        languages: &[Language],
        name: String,
    ) -> Option<Prompt> {
        let mut prompt = BTreeMap::new();
        for (code, text) in raw.as_ref() {
            match Language::parse(code.as_ref()) {
                Some(lang) if languages.contains(&lang) => {
                    if let Some(template) = self.template(text) {
                        prompt.insert(lang, template);
                    }
                }
                _ => self.report(
                    code,
                    format!(
                        "\"{code}\" is not one of the flow's languages ({})",
                        join_languages(languages)
                    ),
                ),
            }
        }
        let missing: Vec<&str> = languages
            .iter()
            .filter(|lang| {
                !raw.as_ref()
                    .keys()
                    .any(|k| Language::parse(k.as_ref()) == Some(**lang))
            })
            .map(|lang| lang.code())
            .collect();
        if !missing.is_empty() {
            self.report(
                raw,
                format!(
                    "this prompt has no text in {}; {}",
                    missing.join(", "),
                    add_texts_hint("", &missing)
                ),
            );
            return None;
        }
        Some(Prompt(prompt, name))
    }

    fn template(&mut self, raw: &Spanned<String>) -> Option<Template> {
        let mut segments = Vec::new();
        let mut rest = raw.as_ref().as_str();
        let mut ok = true;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.report(raw, "a { is never closed; write {variable}");
                return None;
            };
            let name = rest[open + 1..open + close].trim();
            match Var::parse(name) {
                Some(var) if var.kind() != VarType::Bool => segments.push(Segment::Var(var)),
                _ => {
                    let names = Var::speakable_names();
                    let meant = nearest(name, names.split(", "))
                        .map(|meant| format!("did you mean {{{meant}}}? "))
                        .unwrap_or_default();
                    self.report(
                        raw,
                        format!("unknown variable {{{name}}}; {meant}prompts can use {names}"),
                    );
                    ok = false;
                }
            }
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            self.report(raw, "a } has no matching {");
            return None;
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_owned()));
        }
        ok.then_some(Template(segments))
    }

    fn condition(&mut self, raw: &Spanned<String>) -> Option<Condition> {
        let text = raw.as_ref().trim();
        let ops = [
            ("==", Comparison::Eq),
            ("!=", Comparison::Ne),
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ];
        let found = ops
            .iter()
            .find_map(|(op, cmp)| text.find(op).map(|at| (at, *op, *cmp)));
        let Some((at, op, cmp)) = found else {
            return match Var::parse(text) {
                Some(var) if var.kind() == VarType::Bool => Some(Condition::Is(var)),
                _ => {
                    self.report(raw, format!(
                        "\"{text}\" is not a condition; write e.g. \"caller_matched\", \"balance <= 0\" or \"segment == \\\"hardship\\\"\""
                    ));
                    None
                }
            };
        };
        let name = text[..at].trim();
        let value = text[at + op.len()..].trim();
        let Some(var) = Var::parse(name) else {
            self.report(raw, format!("unknown variable \"{name}\" in condition"));
            return None;
        };
        match var.kind() {
            VarType::Money => match Money::parse_decimal(value) {
                Ok(amount) => Some(Condition::Money(var, cmp, amount.cents())),
                Err(_) => {
                    self.report(
                        raw,
                        format!("{name} is money: compare it with an amount like 0 or 25.00"),
                    );
                    None
                }
            },
            VarType::Text if matches!(cmp, Comparison::Eq | Comparison::Ne) => {
                match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(text) => {
                        Some(Condition::Text(var, cmp == Comparison::Eq, text.to_owned()))
                    }
                    None => {
                        self.report(
                            raw,
                            format!("compare {name} with quoted text, e.g. {name} == \"value\""),
                        );
                        None
                    }
                }
            }
            _ => {
                self.report(raw, format!("{name} cannot be compared with {op}"));
                None
            }
        }
    }

    fn target(&mut self, raw: &Spanned<String>, states: &HashSet<String>) -> String {
        if !states.contains(raw.as_ref()) {
            let fix = fix_for(raw.as_ref(), states);
            self.report(raw, format!("\"{raw}\" is not a state; {fix}"));
        }
        raw.as_ref().clone()
    }

    fn required_target(
        &mut self,
        raw: Option<&Spanned<String>>,
        field: &str,
        at: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<String> {
        match raw {
            Some(raw) => Some(self.target(raw, states)),
            None => {
                let kind = at.as_ref().kind.as_ref();
                self.report(at, format!("a {kind} state needs {field} = \"<state>\""));
                None
            }
        }
    }

    /// The `[speech]` table: how sure an answer must be, and the phrases every question knows.
    fn speech_settings(
        &mut self,
        raw: &Spanned<RawSpeech>,
        languages: &[Language],
    ) -> SpeechSettings {
        let r = raw.as_ref();
        let confirm_below_permille = match &r.confirm_below {
            None => 500,
            Some(value) if (0.0..=1.0).contains(value.as_ref()) => {
                // A threshold, not an amount: rounding to thousandths is exact enough.
                (value.as_ref() * 1000.0).round() as u16
            }
            Some(value) => {
                self.report(
                    value,
                    "confirm_below is a confidence from 0.0 to 1.0, e.g. confirm_below = 0.5",
                );
                500
            }
        };
        let mut phrases =
            |field: &Option<Spanned<RawPhrases>>, name: &str, required: bool| match field {
                Some(raw) => self.phrases(raw, languages, &format!("[speech] {name}"), true),
                None if required => {
                    self.report(
                        raw,
                        format!(
                            "[speech] needs {name} phrases in every language, e.g. {name}.en = \
                             [\"...\"]"
                        ),
                    );
                    Phrases::new()
                }
                None => Phrases::new(),
            };
        let agent = phrases(&r.agent, "agent", true);
        let repeat = phrases(&r.repeat, "repeat", true);
        let slower = phrases(&r.slower, "slower", false);
        let mut keys = BTreeMap::new();
        for (key, raw_phrases) in r.keys.iter().flat_map(|k| k.as_ref()) {
            match single_key(key.as_ref()).filter(|k| k.is_ascii_digit()) {
                Some(digit) => {
                    let what = format!("[speech] keys.{key}");
                    keys.insert(digit, self.phrases(raw_phrases, languages, &what, true));
                }
                None => self.report(
                    key,
                    "[speech] keys are single digits, e.g. keys.\"9\".en = [\"goodbye\"]",
                ),
            }
        }
        SpeechSettings {
            confirm_below_permille,
            agent,
            repeat,
            slower,
            keys,
        }
    }

    /// Phrases in every language of the flow, none empty.
    fn phrases(
        &mut self,
        raw: &Spanned<RawPhrases>,
        languages: &[Language],
        what: &str,
        every_language: bool,
    ) -> Phrases {
        let mut phrases = Phrases::new();
        for (code, list) in raw.as_ref() {
            let Some(language) = Language::parse(code.as_ref()).filter(|l| languages.contains(l))
            else {
                self.report(
                    code,
                    format!(
                        "\"{code}\" is not one of the flow's languages ({})",
                        join_languages(languages)
                    ),
                );
                continue;
            };
            let mut kept = Vec::new();
            for phrase in list.as_ref() {
                if crate::speech::heard::normalize(phrase.as_ref()).is_empty() {
                    self.report(phrase, "a phrase needs words, e.g. \"make a payment\"");
                } else {
                    kept.push(phrase.as_ref().clone());
                }
            }
            phrases.insert(language, kept);
        }
        let missing: Vec<&str> = languages
            .iter()
            .filter(|language| !phrases.contains_key(language))
            .map(|language| language.code())
            .collect();
        if every_language && !missing.is_empty() {
            self.report(
                raw,
                format!(
                    "{what} has no phrases in {}; add {}",
                    missing.join(", "),
                    missing
                        .iter()
                        .map(|code| format!("{code} = [\"...\"]"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        phrases
    }

    /// How a question may be answered by voice: never for keypad-only entries, and only in a flow
    /// that listens.
    fn state_speech(
        &mut self,
        r: &RawState,
        kind: &StateKind,
        languages: &[Language],
        listens: bool,
    ) -> Option<StateSpeech> {
        if !kind.asks() {
            return None;
        }
        if let StateKind::Collect { input, .. } = kind
            && input.keypad_only()
        {
            let why = format!(
                "a {} is entered on the keypad only, never by voice: said aloud it can be \
                 overheard, and it would pass through the provider's speech recognition",
                input.name()
            );
            if let Some(speech) = r.speech.as_ref().filter(|s| *s.as_ref()) {
                self.report(speech, format!("{why}; remove speech = true"));
            }
            if let Some(phrases) = &r.phrases {
                self.report(phrases, format!("{why}; remove phrases"));
            }
            return None;
        }
        if let Some(speech) = r.speech.as_ref().filter(|s| *s.as_ref())
            && !listens
        {
            self.report(
                speech,
                "speech = true needs the flow to listen: add a [speech] table (see README, \
                 \"Answers by voice\")",
            );
        }
        if !listens || r.speech.as_ref().is_some_and(|s| !*s.as_ref()) {
            return None;
        }
        let mut speech = StateSpeech::default();
        for (choice, raw_phrases) in r.phrases.iter().flat_map(|p| p.as_ref()) {
            let known = match kind {
                StateKind::Menu { options, .. } => {
                    single_key(choice.as_ref()).is_some_and(|key| options.contains_key(&key))
                }
                StateKind::Language { options, .. } => {
                    single_key(choice.as_ref()).is_some_and(|key| options.contains_key(&key))
                }
                StateKind::Offers { options, more, .. } => {
                    Offer::parse(choice.as_ref()).is_some()
                        || (more.is_some() && choice.as_ref() == super::engine::MORE)
                        || single_key(choice.as_ref()).is_some_and(|key| options.contains_key(&key))
                }
                // A collect state's phrases stand for an entry (a hardship reason's key) or one of
                // its keys.
                StateKind::Collect { .. } => {
                    !choice.as_ref().is_empty()
                        && choice
                            .as_ref()
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
                }
                _ => false,
            };
            if !known {
                self.report(
                    choice,
                    format!(
                        "phrases.{choice} names no choice here; name a key of options (\"1\") \
                         or, at an offers state, an option ({})",
                        Offer::NAMES.join(", ")
                    ),
                );
                continue;
            }
            // A language's name is said in that language only; every other choice is phrased
            // in every language, so no caller has fewer words than another.
            let every_language = !matches!(kind, StateKind::Language { .. });
            let phrases = self.phrases(
                raw_phrases,
                languages,
                &format!("phrases.{choice}"),
                every_language,
            );
            speech.phrases.insert(choice.as_ref().clone(), phrases);
        }
        for (raw_key, slot) in [(&r.yes, &mut speech.yes), (&r.no, &mut speech.no)] {
            let Some(raw_key) = raw_key else { continue };
            let key = single_key(raw_key.as_ref());
            let is_option = matches!(
                (kind, key),
                (StateKind::Menu { options, .. }, Some(key)) if options.contains_key(&key)
            );
            if is_option {
                *slot = key;
            } else {
                self.report(
                    raw_key,
                    "yes and no name the option a spoken yes or no stands for, e.g. yes = \"1\"",
                );
            }
        }
        Some(speech)
    }

    fn state(
        &mut self,
        name: &str,
        raw: Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        repeat_key: char,
        listens: bool,
    ) -> Option<State> {
        let r = raw.as_ref();
        let rules = self.kind_rules(&raw)?;
        let prompt = r
            .prompt
            .as_ref()
            .and_then(|p| self.prompt(p, languages, name.to_owned()));
        let help = r
            .help
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.help")));
        let again = r
            .again
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.again")));
        self.fields_apply(&raw, rules);
        let on_fail = r.on_fail.as_ref().map(|t| self.target(t, states));
        let kind = match rules.kind {
            Kind::Say => StateKind::Say {
                next: self.required_target(r.next.as_ref(), "next", &raw, states)?,
            },
            Kind::Menu => self.menu_state(&raw, states, on_fail)?,
            Kind::Language => self.language_state(&raw, languages, states)?,
            Kind::Collect => {
                self.collect_state(name, &raw, languages, states, repeat_key, on_fail)?
            }
            Kind::Action => {
                let Some(action_raw) = &r.action else {
                    self.report(&raw, "an action state needs action = \"<name>\"");
                    return None;
                };
                let Some(action) = Action::parse(action_raw.as_ref()) else {
                    self.report(
                        action_raw,
                        format!(
                            "unknown action \"{action_raw}\"; the actions are {}",
                            Action::ALL.map(|(n, _)| n).join(", ")
                        ),
                    );
                    return None;
                };
                let mut on = BTreeMap::new();
                for (result, target) in r.on.iter().flat_map(|o| o.as_ref()) {
                    if !action.results().contains(&result.as_ref().as_str()) {
                        self.report(
                            result,
                            format!(
                                "{} has no result \"{result}\"; its results are {}",
                                action.name(),
                                action.results().join(", ")
                            ),
                        );
                    }
                    on.insert(result.as_ref().clone(), self.target(target, states));
                }
                let missing: Vec<&str> = action
                    .results()
                    .iter()
                    .filter(|res| !on.contains_key(**res))
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    self.report(
                        &raw,
                        format!(
                            "{} can end in {}; add {}",
                            action.name(),
                            missing.join(", "),
                            missing
                                .iter()
                                .map(|m| format!("on.{m} = \"<state>\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                StateKind::Action { action, on }
            }
            Kind::Branch => self.branch_state(&raw, states)?,
            Kind::Transfer => StateKind::Transfer {
                on_unavailable: self.required_target(
                    r.on_unavailable.as_ref(),
                    "on_unavailable",
                    &raw,
                    states,
                )?,
                on_no_answer: r
                    .on_no_answer
                    .as_ref()
                    .map(|target| self.target(target, states)),
            },
            Kind::Hangup => StateKind::Hangup,
            Kind::Disclosure => StateKind::Disclosure {
                next: self.required_target(r.next.as_ref(), "next", &raw, states)?,
            },
            Kind::Offers => self.offers_state(name, r, &raw, languages, states, on_fail)?,
        };
        let max_visits = self.max_visits(&raw, states);
        let speech = self.state_speech(r, &kind, languages, listens);
        let outcome = self.outcome(r);
        let max_attempts = r
            .max_attempts
            .as_ref()
            .map(|raw| self.bounded(Some(raw), 1, 1..=10, "max_attempts"));
        Some(State {
            name: name.to_owned(),
            kind,
            prompt,
            outcome,
            max_visits,
            max_attempts,
            help,
            again,
            activity: r.activity.clone(),
            speech,
        })
    }

    /// The rules of a state's kind (an unknown kind is reported).
    fn kind_rules(&mut self, raw: &Spanned<RawState>) -> Option<&'static KindRules> {
        let r = raw.as_ref();
        let Some(rules) = KINDS.iter().find(|rules| rules.name == r.kind.as_ref()) else {
            self.report(
                &r.kind,
                format!("unknown kind \"{}\"; use {}", r.kind.as_ref(), kind_names()),
            );
            return None;
        };
        Some(rules)
    }

    /// Reports every field a state's kind does not take, and a missing prompt.
    fn fields_apply(&mut self, raw: &Spanned<RawState>, rules: &KindRules) {
        let r = raw.as_ref();
        let kind_name = rules.name;
        for (field, _) in kind_fields(r)
            .iter()
            .filter(|(field, present)| *present && !rules.fields.contains(field))
        {
            self.report(
                raw,
                format!("{field} does not apply to a {kind_name} state; remove it"),
            );
        }
        if rules.needs_prompt && r.prompt.is_none() {
            self.report(
                raw,
                format!("a {kind_name} state needs a prompt, e.g. prompt.en = \"...\""),
            );
        }
    }

    /// A `menu` state: its keys and where each leads.
    fn menu_state(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let Some(raw_options) = &raw.as_ref().options else {
            self.report(raw, "a menu state needs options = { \"1\" = \"<state>\" }");
            return None;
        };
        let mut options = BTreeMap::new();
        for (key, target) in raw_options.as_ref() {
            let key = self.key(Some(key), '?');
            options.insert(key, self.target(target, states));
        }
        Some(StateKind::Menu { options, on_fail })
    }

    /// A `language` state: its keys, each naming one of the flow's languages.
    fn language_state(
        &mut self,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let Some(raw_options) = &r.options else {
            self.report(raw, "a language state needs options = { \"1\" = \"en\" }");
            return None;
        };
        let mut options = BTreeMap::new();
        for (key, code) in raw_options.as_ref() {
            let key = self.key(Some(key), '?');
            match Language::parse(code.as_ref()) {
                Some(lang) if languages.contains(&lang) => {
                    options.insert(key, lang);
                }
                _ => self.report(
                    code,
                    format!(
                        "\"{code}\" is not one of the flow's languages ({})",
                        join_languages(languages)
                    ),
                ),
            }
        }
        let next = self.required_target(r.next.as_ref(), "next", raw, states)?;
        Some(StateKind::Language { options, next })
    }

    /// A `collect` state: its input, the keys that leave it, its error prompts, and whether what
    /// is entered is sensitive.
    fn collect_state(
        &mut self,
        name: &str,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        repeat_key: char,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let Some(input_raw) = &r.input else {
            self.report(
                raw,
                format!(
                    "a collect state needs input = one of {}",
                    InputKind::NAMES.join(", ")
                ),
            );
            return None;
        };
        let Some(input) = InputKind::parse(input_raw.as_ref()) else {
            self.report(
                input_raw,
                format!(
                    "unknown input \"{input_raw}\"; use one of {}",
                    InputKind::NAMES.join(", ")
                ),
            );
            return None;
        };
        let invalid = r
            .invalid
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.invalid")));
        let mut keys = BTreeMap::new();
        for (entry, target) in r.keys.iter().flat_map(|k| k.as_ref()) {
            let text = entry.as_ref();
            let keypad = |b: u8| b.is_ascii_digit() || b == b'*' || b == b'#';
            if text.is_empty() || !text.bytes().all(keypad) {
                self.report(
                    entry,
                    "keys are digits, * or #, written as a string like \"9\"",
                );
            }
            keys.insert(entry.as_ref().clone(), self.target(target, states));
        }
        let mut errors = BTreeMap::new();
        for (reason, prompt) in r.errors.iter().flat_map(|e| e.as_ref()) {
            if !input.error_reasons().contains(&reason.as_ref().as_str()) {
                let known = input.error_reasons();
                self.report(
                    reason,
                    if known.is_empty() {
                        format!(
                            "{} entries have no error reasons; use invalid",
                            input.name()
                        )
                    } else {
                        format!(
                            "\"{reason}\" is not a reason a {} can be refused for; use {}",
                            input.name(),
                            known.join(", ")
                        )
                    },
                );
                continue;
            }
            let prompt_name = format!("{name}.errors.{reason}");
            if let Some(prompt) = self.prompt(prompt, languages, prompt_name) {
                errors.insert(reason.as_ref().clone(), prompt);
            }
        }
        if keys.contains_key(&repeat_key.to_string()) && r.help.is_none() {
            self.report(
                raw,
                format!(
                    "here {repeat_key} leads to another state, so the shared help line \
                     (how to hear this again) would be wrong; add help.en = \"...\" \
                     saying what {repeat_key} does here"
                ),
            );
        }
        if input.is_card_data() && r.sensitive == Some(false) {
            self.report(
                raw,
                "card data is always sensitive; remove sensitive = false",
            );
        }
        Some(StateKind::Collect {
            input,
            sensitive: input.is_card_data() || r.sensitive.unwrap_or(input.sensitive_by_default()),
            invalid,
            errors,
            keys,
            next: self.required_target(r.next.as_ref(), "next", raw, states)?,
            on_fail,
        })
    }

    /// A `branch` state: its conditions, in order, and where it goes otherwise.
    fn branch_state(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let mut cases = Vec::new();
        for case in r.cases.iter().flatten() {
            let condition = self.condition(&case.as_ref().when);
            let target = self.target(&case.as_ref().goto, states);
            if let Some(condition) = condition {
                cases.push((condition, target));
            }
        }
        let otherwise = self.required_target(r.otherwise.as_ref(), "otherwise", raw, states)?;
        Some(StateKind::Branch { cases, otherwise })
    }

    /// `max_visits` and the state it leads to after them, which go together.
    fn max_visits(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<(u32, String)> {
        let r = raw.as_ref();
        match (&r.max_visits, &r.after_max_visits) {
            (Some(count), Some(target)) => Some((*count.as_ref(), self.target(target, states))),
            (None, None) => None,
            _ => {
                self.report(
                    raw,
                    "max_visits and after_max_visits go together; set both or neither",
                );
                None
            }
        }
    }

    /// The state's outcome, a lowercase word.
    fn outcome(&mut self, r: &RawState) -> Option<String> {
        if let Some(o) = &r.outcome
            && (o.as_ref().is_empty()
                || !o
                    .as_ref()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            self.report(
                o,
                "an outcome is a lowercase word like paid or transferred (a-z and _)",
            );
        }
        r.outcome.as_ref().map(|o| o.as_ref().clone())
    }

    /// An `offers` state: a line and a target for every option the policies can offer.
    fn offers_state(
        &mut self,
        state: &str,
        r: &RawState,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let set = match r.set.as_ref().map(|s| s.as_ref().as_str()) {
            None | Some("balance") => OfferSet::Balance,
            Some("hardship") => OfferSet::Hardship,
            Some(other) => {
                self.report(
                    r.set.as_ref()?,
                    format!("\"{other}\" is not a set of options; use balance or hardship"),
                );
                OfferSet::Balance
            }
        };
        let mut lines = BTreeMap::new();
        for (name, texts) in r.offers.iter().flat_map(|o| o.as_ref()) {
            let Some(offer) = Offer::parse(name.as_ref()) else {
                self.report(
                    name,
                    format!(
                        "\"{name}\" is not an option; the options are {}",
                        Offer::NAMES.join(", ")
                    ),
                );
                continue;
            };
            let line_name = format!("{state}.offers.{}", offer.name());
            let no_key = "say which key chooses this option with {key}, e.g. \"To set up a \
                          payment plan, press {key}.\"";
            if let Some(prompt) = self.keyed_line(texts, no_key, languages, line_name) {
                lines.insert(offer, prompt);
            }
        }
        let mut gotos = BTreeMap::new();
        for (name, target) in r.goto.iter().flat_map(|g| g.as_ref()) {
            match Offer::parse(name.as_ref()) {
                Some(offer) => {
                    gotos.insert(offer, self.target(target, states));
                }
                None => self.report(
                    name,
                    format!(
                        "\"{name}\" is not an option; the options are {}",
                        Offer::NAMES.join(", ")
                    ),
                ),
            }
        }
        self.offers_complete(raw, set, &lines, &gotos);
        let mut options = BTreeMap::new();
        for (key, target) in r.options.iter().flat_map(|o| o.as_ref()) {
            let key = self.key(Some(key), '?');
            options.insert(key, self.target(target, states));
        }
        let closing = r
            .closing
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{state}.closing")));
        let more = match (&r.first, &r.more) {
            (Some(first), Some(line)) => {
                let first = self.bounded(Some(first), 1, 1..=7, "first") as usize;
                let no_key = "say which key hears the other choices with {key}, e.g. \"For more \
                              choices, say more or press {key}.\"";
                self.keyed_line(line, no_key, languages, format!("{state}.more"))
                    .map(|line| (first, line))
            }
            (None, None) => None,
            _ => {
                self.report(
                    raw,
                    "first and more go together: first = 3 names three options, then the more \
                     line (with {key}) offers the rest",
                );
                None
            }
        };
        let offers = lines
            .into_iter()
            .filter_map(|(offer, line)| Some((offer, (line, gotos.remove(&offer)?))))
            .collect();
        Some(StateKind::Offers {
            set,
            offers,
            options,
            closing,
            more,
            on_fail,
        })
    }

    /// Every option a policy may offer has a line and a target in an `offers` state (the
    /// hardship set does not offer hardship again).
    fn offers_complete(
        &mut self,
        raw: &Spanned<RawState>,
        set: OfferSet,
        lines: &BTreeMap<Offer, Prompt>,
        gotos: &BTreeMap<Offer, String>,
    ) {
        let r = raw.as_ref();
        let needed: Vec<Offer> = Offer::ALL
            .iter()
            .map(|(_, offer)| *offer)
            .filter(|offer| !(set == OfferSet::Hardship && *offer == Offer::Hardship))
            .collect();
        let no_line: Vec<&str> = needed
            .iter()
            .filter(|offer| {
                !lines.contains_key(offer)
                    && r.offers
                        .as_ref()
                        .is_none_or(|o| !o.as_ref().keys().any(|k| k.as_ref() == offer.name()))
            })
            .map(|offer| offer.name())
            .collect();
        if !no_line.is_empty() {
            self.report(
                raw,
                format!(
                    "a policy may offer {}; give each a line, e.g. offers.{}.en = \"... press {{key}}.\"",
                    no_line.join(", "),
                    no_line[0]
                ),
            );
        }
        let no_goto: Vec<&str> = needed
            .iter()
            .filter(|offer| !gotos.contains_key(offer))
            .map(|offer| offer.name())
            .collect();
        if !no_goto.is_empty() {
            self.report(
                raw,
                format!(
                    "say where each option leads; add {}",
                    no_goto
                        .iter()
                        .map(|n| format!("goto.{n} = \"<state>\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }

    /// A line that names its key with `{key}` (the key is known only when the call reaches it);
    /// a text without it is reported with `no_key`.
    fn keyed_line(
        &mut self,
        texts: &Spanned<SpannedMap>,
        no_key: &str,
        languages: &[Language],
        name: String,
    ) -> Option<Prompt> {
        let mut marked = SpannedMap::new();
        for (code, text) in texts.as_ref() {
            if !text.as_ref().contains("{key}") {
                self.report(text, no_key);
            }
            let replaced = text.as_ref().replace("{key}", super::engine::OPTION_KEY);
            marked.insert(code.clone(), Spanned::new(text.span(), replaced));
        }
        self.prompt(&Spanned::new(texts.span(), marked), languages, name)
    }

    /// Reports states nothing leads to. A misspelt target is followed to the state it most
    /// likely meant: that misspelling is already reported, and the states behind it are not
    /// unreachable in the flow the author wrote.
    fn unreachable<'s>(
        &mut self,
        states: &'s HashMap<String, State>,
        lines: &HashMap<String, usize>,
        names: &'s HashSet<String>,
        roots: impl IntoIterator<Item = &'s String>,
    ) {
        if states.len() < names.len() {
            // A state that did not load (its own problem is reported) hides where it leads, so
            // nothing can be said about what is reachable.
            return;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = roots.into_iter().map(String::as_str).collect();
        while let Some(name) = queue.pop_front() {
            let name = if names.contains(name) {
                name
            } else if let Some(meant) = nearest(name, names.iter().map(String::as_str)) {
                meant
            } else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            if let Some(state) = states.get(name) {
                queue.extend(state.kind.targets());
                if let Some((_, target)) = &state.max_visits {
                    queue.push_back(target);
                }
            }
        }
        let mut unreachable: Vec<(&usize, &String)> = lines
            .iter()
            .filter(|(name, _)| !seen.contains(name.as_str()))
            .map(|(name, line)| (line, name))
            .collect();
        unreachable.sort();
        for (line, name) in unreachable {
            self.found.on_line(*line, format!(
                "state \"{name}\" can never be reached; lead to it from another state or remove it"
            ));
        }
    }

    /// A miss never ends in a bare goodbye: while the business of the call is open, every
    /// question's last miss (no answer, or no answer it understood, `max_attempts` times) leads
    /// to help. Help is a person (a transfer, which offers a callback when no one can be had), the
    /// callback state, another question, or a goodbye that says when people are in
    /// (`{next_opening}`). Questions reached only once the call is settled (a payment approved, a
    /// callback booked, the caller chose to end the call) may say goodbye.
    fn misses_lead_to_help<'s>(
        &mut self,
        states: &'s HashMap<String, State>,
        lines: &HashMap<String, usize>,
        settled_outcomes: &[String],
        agent_state: &'s str,
        callback_state: Option<&'s str>,
        roots: impl IntoIterator<Item = &'s String>,
    ) {
        // The questions a caller can reach before anything settles the call.
        let mut open: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = roots.into_iter().map(String::as_str).collect();
        while let Some(name) = queue.pop_front() {
            let Some(state) = states.get(name) else {
                continue;
            };
            if settles(state, settled_outcomes) || !open.insert(name) {
                continue;
            }
            queue.extend(state.kind.targets());
            if let Some((_, target)) = &state.max_visits {
                queue.push_back(target);
            }
        }
        let mut problems: Vec<(usize, String)> = Vec::new();
        for name in &open {
            let Some(state) = states.get(*name) else {
                continue;
            };
            let on_fail = match &state.kind {
                StateKind::Menu { on_fail, .. }
                | StateKind::Collect { on_fail, .. }
                | StateKind::Offers { on_fail, .. } => on_fail.as_deref().unwrap_or(agent_state),
                _ => continue,
            };
            // Follow what is said and decided on the way, to the next thing the caller meets.
            let mut seen: HashSet<&str> = HashSet::new();
            let mut ahead: Vec<&str> = vec![on_fail];
            let mut bare: Vec<&str> = Vec::new();
            while let Some(next) = ahead.pop() {
                if !seen.insert(next) || Some(next) == callback_state {
                    continue;
                }
                let Some(target) = states.get(next) else {
                    continue;
                };
                match &target.kind {
                    StateKind::Hangup if !says_when_people_are_in(target) => bare.push(next),
                    StateKind::Say { .. }
                    | StateKind::Action { .. }
                    | StateKind::Branch { .. }
                    | StateKind::Disclosure { .. } => ahead.extend(target.kind.targets()),
                    _ => {}
                }
            }
            if bare.is_empty() {
                continue;
            }
            bare.sort_unstable();
            let line = lines.get(*name).copied().unwrap_or(1);
            problems.push((
                line,
                format!(
                    "state \"{name}\": its last miss can lead to \"{}\", a goodbye with no \
                     help; a miss must lead to help. Leave out on_fail (a person, or a \
                     callback when no one is in), point it at the callback state or a transfer, \
                     or say when people are in with {{next_opening}} in that goodbye",
                    bare.join("\", \"")
                ),
            ));
        }
        problems.sort();
        for (line, message) in problems {
            self.found.on_line(line, message);
        }
    }
}

/// Whether a state ends the business of the call: an outcome that stands (a payment, a plan, a
/// callback booked; a transfer's only once connected), or the end-of-call survey, offered once
/// the caller chose to end the call. The engine's own test for a settled call.
fn settles(state: &State, settled_outcomes: &[String]) -> bool {
    let outcome_stands = state
        .outcome
        .as_ref()
        .is_some_and(|outcome| settled_outcomes.contains(outcome))
        && !matches!(state.kind, StateKind::Transfer { .. });
    let survey = matches!(
        state.kind,
        StateKind::Action {
            action: Action::OfferSurvey,
            ..
        }
    );
    outcome_stands || survey
}

/// Whether a goodbye tells the caller when people are in (`{next_opening}`), in every language.
fn says_when_people_are_in(state: &State) -> bool {
    state.prompt.as_ref().is_some_and(|prompt| {
        prompt
            .0
            .values()
            .all(|template| template.0.contains(&Segment::Var(Var::NextOpening)))
    })
}

/// The existing name closest to a misspelt one, if any is close enough to be a slip.
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

#[cfg(test)]
mod tests {
    use super::*;

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
            env!("CARGO_MANIFEST_DIR"),
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
        let source = include_str!("../../call-flows/payment.toml")
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
    fn the_kinds_table_names_only_fields_that_are_checked() {
        let raw: RawState = toml::from_str("kind = \"hangup\"").expect("a bare state");
        let checked = kind_fields(&raw).map(|(field, _)| field);
        for rules in &KINDS {
            for field in rules.fields {
                assert!(checked.contains(field), "{}: {field}", rules.name);
            }
        }
        for field in checked {
            assert!(
                KINDS.iter().any(|rules| rules.fields.contains(&field)),
                "{field} belongs to no kind"
            );
        }
        assert_eq!(
            kind_names(),
            "say, menu, language, collect, action, branch, transfer, hangup, offers or disclosure"
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
            let source =
                listening("").replace("[states.route]", &format!("{state}\n[states.route]"));
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
}
