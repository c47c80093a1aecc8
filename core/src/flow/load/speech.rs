//! Answers by voice: the `[speech]` table, phrases, and which questions may be answered by voice
//! (never a keypad-only entry such as a card number).

use std::collections::BTreeMap;

use toml::Spanned;

use super::{Checker, RawPhrases, RawSpeech, RawState, join_languages, single_key};
use crate::collections::Offer;
use crate::flow::definition::{Phrases, SpeechSettings, StateKind, StateSpeech};
use crate::language::Language;

impl Checker<'_> {
    /// The `[speech]` table: how sure an answer must be, and the phrases every question knows.
    pub(super) fn speech_settings(
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
    pub(super) fn state_speech(
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
                "speech = true needs the flow to listen: add a [speech] table (see docs/call-flows.md, \
                 \"Answers by voice\")",
            );
        }
        if !listens || r.speech.as_ref().is_some_and(|s| !*s.as_ref()) {
            return None;
        }
        let mut speech = StateSpeech::default();
        for (choice, raw_phrases) in r.phrases.iter().flat_map(|p| p.as_ref()) {
            let known = names_a_choice(kind, choice.as_ref());
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
}

/// Whether `choice`, named in a question's `phrases`, is something the question can be answered
/// with: a key of its options, an offer (or "more") at an offers state, an entry at a collect state.
fn names_a_choice(kind: &StateKind, choice: &str) -> bool {
    match kind {
        StateKind::Menu { options, .. } => {
            single_key(choice).is_some_and(|key| options.contains_key(&key))
        }
        StateKind::Language { options, .. } => {
            single_key(choice).is_some_and(|key| options.contains_key(&key))
        }
        StateKind::Offers { options, more, .. } => {
            Offer::parse(choice).is_some()
                || (more.is_some() && choice == crate::flow::engine::MORE)
                || single_key(choice).is_some_and(|key| options.contains_key(&key))
        }
        // A collect state's phrases stand for an entry (a hardship reason's key) or one of
        // its keys.
        StateKind::Collect { .. } => {
            !choice.is_empty()
                && choice
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        }
        _ => false,
    }
}
