//! Understanding a spoken answer: the question's phrases and values heard in words, and an
//! unsure answer held for a spoken or keyed yes.

use super::*;

impl Run<'_> {
    /// What words mean at `state`, as the keys they stand for (or a request any question knows).
    /// Order: the state's own phrases (the longest that matches), a person, the value asked for,
    /// slower, repeat.
    pub(super) fn understand(
        &self,
        state: &State,
        said: &str,
        session: &Session,
        ctx: &impl Context,
    ) -> Answer {
        let flow = self.flow;
        let (Some(settings), Some(speech)) = (&flow.speech, &state.speech) else {
            // Keypad-only questions never take spoken answers, whatever arrives.
            return Answer::NotUnderstood;
        };
        let language = self.language(session);
        let languages: Vec<Language> = match state.kind {
            // The caller has not chosen yet: each language's name in its own words.
            StateKind::Language { .. } => flow.languages.clone(),
            _ => vec![language],
        };
        // Phrases every menu knows for a key ("goodbye" for 9), where this question offers it.
        let offered_here = |key: &char| match &state.kind {
            StateKind::Menu { options, .. } | StateKind::Offers { options, .. } => {
                options.contains_key(key)
            }
            _ => false,
        };
        let key_phrases: Vec<(String, &Phrases)> = settings
            .keys
            .iter()
            .filter(|(key, _)| offered_here(key))
            .map(|(key, phrases)| (key.to_string(), phrases))
            .collect();
        let best = speech
            .phrases
            .iter()
            .map(|(choice, phrases)| (choice.clone(), phrases))
            .chain(key_phrases)
            .filter_map(|(choice, phrases)| {
                let longest = languages
                    .iter()
                    .filter_map(|l| phrases.get(l))
                    .flatten()
                    .filter(|phrase| speech::heard::contains_phrase(said, phrase))
                    .map(|phrase| speech::heard::normalize(phrase).len())
                    .max()?;
                Some((longest, choice))
            })
            .max_by_key(|(longest, _)| *longest);
        if let Some((_, choice)) = best {
            let key = match collections::Offer::parse(&choice) {
                Some(offer) => session.facts.offered.key_of(offer).map(String::from),
                None if choice == MORE => more_key(session).map(String::from),
                None => Some(choice.clone()),
            };
            if let Some(key) = key {
                return Answer::Keys(key);
            }
        }
        let says = |phrases: &Phrases| {
            phrases
                .get(&language)
                .is_some_and(|list| list.iter().any(|p| speech::heard::contains_phrase(said, p)))
        };
        if says(&settings.agent) {
            return Answer::Agent;
        }
        if let Some(keys) = spoken_value(state, speech, said, language, session) {
            return Answer::Keys(keys);
        }
        if matches!(
            state.kind,
            StateKind::Collect {
                input: InputKind::CallbackWindow,
                ..
            }
        ) && let Some(key) = spoken_window(said, language, session, ctx)
        {
            return Answer::Keys(key);
        }
        if says(&settings.slower) && flow.pace.slower_key.is_some() {
            return Answer::Slower;
        }
        if says(&settings.repeat) {
            return Answer::Repeat;
        }
        Answer::NotUnderstood
    }

    /// Words at a read-back: yes, no, a person, or nothing understood.
    pub(super) fn understand_yes_no(&self, said: &str, session: &Session) -> Answer {
        let language = self.language(session);
        let asks_for_person = self.flow.speech.as_ref().is_some_and(|settings| {
            settings
                .agent
                .get(&language)
                .is_some_and(|list| list.iter().any(|p| speech::heard::contains_phrase(said, p)))
        });
        match speech::heard::yes_no(said, language) {
            Some(true) => Answer::Yes,
            Some(false) => Answer::No,
            None if asks_for_person => Answer::Agent,
            None => Answer::NotUnderstood,
        }
    }

    /// How an unsure answer is read back: a value as words, a choice as the phrase of the flow
    /// that matched (or its number). Never the raw transcript: it may hold anything the caller
    /// said, card digits included, and the words wait in the session until the caller confirms.
    /// `None` when the entry would be refused anyway (a card number said at the account
    /// question): then it is refused at once, and nothing is held.
    pub(super) fn read_back_words(
        &self,
        state: &State,
        keys: &str,
        said: &str,
        session: &Session,
        ctx: &impl Context,
    ) -> Option<String> {
        let language = self.language(session);
        let StateKind::Collect { input, .. } = &state.kind else {
            return Some(self.chosen_words(state, keys, said, session));
        };
        check_entry(*input, keys, session, ctx).ok()?;
        match input {
            InputKind::AccountNumber | InputKind::Zip => Some(speech::digits_words(keys, language)),
            InputKind::CallbackNumber => {
                crate::hours::CallbackPhone::parse_national(keys).map(|phone| phone.words(language))
            }
            InputKind::Amount => crate::payments::Money::parse_keypad(keys)
                .ok()
                .map(|money| speech::money_words(money.cents(), language)),
            InputKind::DateOfBirth => {
                keyed_date(keys).map(|date| speech::date_words(date, language))
            }
            InputKind::PromiseDate => {
                promise_date(keys, ctx.today()).map(|date| speech::date_words(date, language))
            }
            InputKind::SurveyResolved => Some(
                match (keys, language) {
                    ("1", Language::En) => "yes",
                    ("1", Language::Es) => "sí",
                    _ => "no",
                }
                .to_owned(),
            ),
            _ => Some(self.chosen_words(state, keys, said, session)),
        }
    }

    /// The words of the flow that chose `keys` here: the longest of the choice's phrases found in
    /// what was said, or the key as a number.
    pub(super) fn chosen_words(
        &self,
        state: &State,
        keys: &str,
        said: &str,
        session: &Session,
    ) -> String {
        let language = self.language(session);
        let offer_key = |choice: &str| {
            if choice == MORE {
                return more_key(session).map(String::from);
            }
            collections::Offer::parse(choice)
                .and_then(|offer| session.facts.offered.key_of(offer))
                .map(String::from)
        };
        let global = self.flow.speech.iter().flat_map(|settings| {
            settings
                .keys
                .iter()
                .map(|(key, phrases)| (key.to_string(), phrases))
        });
        let phrase = state
            .speech
            .iter()
            .flat_map(|listening| listening.phrases.iter())
            .map(|(choice, phrases)| (offer_key(choice).unwrap_or_else(|| choice.clone()), phrases))
            .chain(global)
            .filter(|(choice, _)| choice == keys)
            .flat_map(|(_, phrases)| phrases.values().flatten())
            .filter(|phrase| speech::heard::contains_phrase(said, phrase))
            .max_by_key(|phrase| phrase.len());
        let yes_or_no = state.speech.as_ref().and_then(|listening| {
            let key = keys.chars().next();
            match (language, key) {
                (_, None) => None,
                (Language::En, k) if k == listening.yes => Some("yes"),
                (Language::Es, k) if k == listening.yes => Some("sí"),
                (_, k) if k == listening.no => Some("no"),
                _ => None,
            }
        });
        match (yes_or_no, phrase) {
            (Some(word), _) => word.to_owned(),
            (None, Some(phrase)) => phrase.clone(),
            (None, None) => keys
                .parse()
                .map(|n| speech::number_words(n, language))
                .unwrap_or_default(),
        }
    }

    /// Asks the caller to confirm an answer the recognizer was unsure of.
    pub(super) fn ask_read_back(&mut self, session: &Session, ctx: &impl Context) {
        let flow = self.flow;
        let language = self.language(session);
        let mut prompts = Vec::new();
        if let Some(confirm) = &flow.messages.confirm_heard {
            prompts.extend(self.render(confirm, language, session, ctx));
        }
        let hints = match language {
            Language::En => ["yes", "no"],
            Language::Es => ["sí", "no"],
        };
        self.verbs.push(Verb::Gather(Gather {
            action: ctx.gather_url(self.turn + 1),
            num_digits: Some(1),
            finish_on_key: None,
            timeout_seconds: self.timeout(session),
            prompts: at_pace(prompts, session.slow),
            speech: Some(Listen {
                language,
                hints: hints.map(String::from).to_vec(),
                end_after_seconds: self.end_of_speech(session),
            }),
        }));
    }
}

/// An answer, whether keyed or said, as the engine acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Answer {
    /// Keys, pressed or standing for the words said.
    Keys(String),
    /// Nothing before the timeout.
    Silence,
    /// "Say that again".
    Repeat,
    /// "A person, please".
    Agent,
    /// "Slower, please".
    Slower,
    /// "Yes", at a read-back.
    Yes,
    /// "No", at a read-back.
    No,
    /// Words that answer nothing asked.
    NotUnderstood,
}

/// An answer by voice held until the caller confirms it. Its keys may be a date of birth, so they
/// are wiped from memory when dropped.
pub(super) struct HeldAnswer {
    pub(super) keys: Zeroizing<String>,
}

/// Where a sensitive question's held answer waits: with the secrets (sealed, never stored).
/// Any other's waits in [`facts::Heard`].
pub(super) const HELD_KEYS: &str = "heard:keys";

pub(super) const HELD_WORDS: &str = "heard:words";

/// Holds an unsure answer at `state` until the caller confirms it.
pub(super) fn hold_heard(session: &mut Session, state: &State, keys: &str, words: String) {
    let sensitive = matches!(
        state.kind,
        StateKind::Collect {
            sensitive: true,
            ..
        }
    );
    let mut heard = facts::Heard {
        state: state.name.clone(),
        keys: None,
        words: None,
    };
    if sensitive {
        session
            .secrets
            .0
            .insert(HELD_KEYS.to_owned(), Zeroizing::new(keys.to_owned()));
        session
            .secrets
            .0
            .insert(HELD_WORDS.to_owned(), Zeroizing::new(words));
    } else {
        heard.keys = Some(keys.to_owned());
        heard.words = Some(words);
    }
    session.facts.heard = Some(heard);
}

/// Takes the answer held for confirmation at the waiting state, if any; whatever is held is
/// cleared either way, so it never outlives one reply.
pub(super) fn take_heard(session: &mut Session) -> Option<HeldAnswer> {
    let heard = session.facts.heard.take();
    let held_at = heard.as_ref().map(|heard| heard.state.clone());
    let keys = session
        .secrets
        .take(HELD_KEYS)
        .or_else(|| heard.and_then(|heard| heard.keys).map(Zeroizing::new));
    session.secrets.take(HELD_WORDS);
    match (held_at, keys) {
        (Some(state), Some(keys)) if state == session.state => Some(HeldAnswer { keys }),
        _ => None,
    }
}
