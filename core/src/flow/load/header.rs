//! The `[flow]` table: languages, keys, limits, pace, voices, how prompts are spoken, the states
//! it names, and the `[survey]` table.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::{Checker, RawHeader, RawSurvey, fix_for};
use crate::flow::definition::{Pace, PromptSource};
use crate::language::Language;
use crate::survey::SurveySettings;

impl Checker<'_> {
    /// A flow that names itself (`name = "..."`) is named as its file is.
    pub(super) fn named_as_its_file(&mut self, header: &Spanned<RawHeader>, name: &str) {
        if let Some(declared) = &header.as_ref().name
            && declared != name
        {
            self.report(header, format!(
                "the flow is named \"{declared}\" but the file is {name}.toml; make them the same"
            ));
        }
    }

    /// The flow's languages, each once; at least one.
    pub(super) fn languages(&mut self, header: &RawHeader) -> Option<Vec<Language>> {
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
    pub(super) fn voices(&mut self, header: &RawHeader) -> HashMap<Language, String> {
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
    pub(super) fn pace(
        &mut self,
        header: &RawHeader,
        taken: [char; 3],
        input_timeout_seconds: u32,
    ) -> Pace {
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
    pub(super) fn prompt_source(&mut self, header: &RawHeader) -> PromptSource {
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
    pub(super) fn named_states_exist(&mut self, header: &RawHeader, state_names: &HashSet<String>) {
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
    pub(super) fn survey(&mut self, raw: &RawSurvey) -> SurveySettings {
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

    pub(super) fn key(&mut self, raw: Option<&Spanned<String>>, default: char) -> char {
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

    pub(super) fn bounded(
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
}
