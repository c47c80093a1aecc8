//! Asking: a question's prompt, its lead-in and help, the options of an offers state, at the
//! caller's pace, and how each prompt is rendered.

use super::*;

/// The key "more choices" was offered on, from the options' keys kept in the session.
pub(super) fn more_key(session: &Session) -> Option<char> {
    session.facts.offered.more
}

impl Run<'_> {
    /// Seconds to wait for an answer, at the caller's pace.
    pub(super) fn timeout(&self, session: &Session) -> u32 {
        if session.slow {
            self.flow.pace.slow_input_timeout_seconds
        } else {
            self.flow.input_timeout_seconds
        }
    }

    /// Seconds of quiet that end a spoken answer: longer at the slower pace, for callers who
    /// pause between digits.
    pub(super) fn end_of_speech(&self, session: &Session) -> u32 {
        if session.slow { 4 } else { 2 }
    }

    /// Queues a question: an optional lead-in (why it is asked again), the prompt (its shorter
    /// `again` after a miss), and on a re-ask at most one help line, all inside one gather so the
    /// caller can answer at any moment.
    pub(super) fn ask(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
        lead: Option<&Prompt>,
    ) {
        let flow = self.flow;
        let language = self.language(session);
        let mut prompts = Vec::new();
        if let Some(lead) = lead {
            prompts.extend(self.render(lead, language, session, ctx));
        }
        let mut closed = false;
        if matches!(state.kind, StateKind::Offers { .. }) {
            closed = self.offer_lines(session, state, ctx, &mut prompts);
        } else if let StateKind::Language { options, .. } = &state.kind {
            // Each language's line in its own voice, so every caller understands their option.
            for lang in options.values() {
                if let Some(prompt) = &state.prompt {
                    prompts.extend(self.render(prompt, *lang, session, ctx));
                }
            }
        } else if let Some(prompt) = self
            .again
            .and(state.again.as_ref())
            .or(state.prompt.as_ref())
        {
            prompts.extend(self.render(prompt, language, session, ctx));
        }
        let takes_slower_key = matches!(
            &state.kind,
            StateKind::Menu { options, .. }
                if flow.pace.slower_key.is_some_and(|key| !options.contains_key(&key))
        ) || matches!(state.kind, StateKind::Offers { .. });
        let slower = flow
            .messages
            .slower_option
            .as_ref()
            .filter(|_| !session.slow && takes_slower_key);
        // A re-ask is shorter than the first ask: at most one line of help, the one that fits. A state
        // whose own keys take the repeat key says what its keys do; then the slower pace; then a
        // person; then how to hear it again. An options list that ended with its
        // own closing line (how to hear it again, how to end) needs none.
        // The first re-ask after a miss is the lead and the question only, unless the state's
        // own help is needed to answer it at all ("If you don't know your PIN, press 9"). From
        // the second miss, the slower pace, until the caller has it.
        let first_miss = self.again.is_some() && session.attempts < 2;
        let help = match (self.again, &state.help) {
            _ if closed || lead.is_none() => None,
            (_, Some(own)) => Some(own),
            _ if first_miss => None,
            (Some(_), None) if slower.is_some() => slower,
            _ if offers_person(flow, state, ctx) => Some(&flow.messages.person_option),
            _ => Some(&flow.messages.help),
        };
        if let Some(help) = help {
            prompts.extend(self.render(help, language, session, ctx));
        }
        let (num_digits, finish_on_key) = match &state.kind {
            StateKind::Collect {
                input: InputKind::SecurityCode,
                ..
            } => (
                Some(card_brand(session).security_code_len() as u32),
                Some(flow.finish_key),
            ),
            StateKind::Collect { input, .. } => (input.fixed_length(), Some(flow.finish_key)),
            _ => (Some(1), None),
        };
        let speech = state.speech.as_ref().map(|listening| Listen {
            language,
            hints: self.hints(state, listening, language),
            end_after_seconds: self.end_of_speech(session),
        });
        self.verbs.push(Verb::Gather(Gather {
            action: ctx.gather_url(self.turn + 1),
            num_digits,
            finish_on_key,
            timeout_seconds: self.timeout(session),
            prompts: at_pace(prompts, session.slow),
            speech,
        }));
    }

    /// An offers state's lines: its prompt, the options that apply (a short first list and "more
    /// choices", or one at a time at the slower pace) and its closing line; keeps the keys they
    /// were offered on. Whether the closing line was said.
    fn offer_lines(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
        prompts: &mut Vec<voice::Prompt>,
    ) -> bool {
        let StateKind::Offers {
            set,
            offers,
            options,
            closing,
            more,
            ..
        } = &state.kind
        else {
            return false;
        };
        let flow = self.flow;
        let language = self.language(session);
        let mut reserved: Vec<char> = options.keys().copied().collect();
        reserved.extend(flow.pace.slower_key);
        let keyed =
            collections::offers::keyed(&offered(*set, session, ctx), &reserved, flow.agent_key);
        // A short first list, then the rest after "more choices", every option on the same
        // key on both (a caller who knows it need not wait). At the slower pace the options
        // come one at a time anyway.
        let more_key = ('1'..='9')
            .filter(|k| !reserved.contains(k) && *k != flow.agent_key)
            .find(|k| keyed.iter().all(|(taken, _)| taken != k));
        let paged = match (more, more_key) {
            (Some((first, line)), Some(more_key))
                if !session.slow
                    && keyed.iter().filter(|(_, o)| *o != Offer::Person).count() > *first =>
            {
                Some((*first, line, more_key))
            }
            _ => None,
        };
        let mut choice = 0;
        let listed: Vec<(char, Offer)> = keyed
            .iter()
            .copied()
            .filter(|(_, offer)| {
                let Some((first, ..)) = paged else {
                    return true;
                };
                if *offer == Offer::Person {
                    return true;
                }
                choice += 1;
                (choice > first) == session.more_offers
            })
            .collect();
        let more_line = paged
            .filter(|_| !session.more_offers)
            .map(|(_, line, key)| (line, key));
        let lines: Vec<(char, &Prompt)> = listed
            .iter()
            .filter_map(|(key, offer)| offers.get(offer).map(|(line, _)| (*key, line)))
            .collect();
        // At the slower pace, one option at a time: the caller answers it or waits for the
        // next (see `apply`).
        let (first, shown) = if session.slow {
            let cursor = session.offer_cursor.min(lines.len().saturating_sub(1));
            (cursor == 0, cursor..(cursor + 1).min(lines.len()))
        } else {
            (true, 0..lines.len())
        };
        // The rest of a long list follows what the caller already heard: no second preamble.
        // Nor after a miss: the caller heard the balance; the options are what they need.
        if first
            && !session.more_offers
            && self.again.is_none()
            && let Some(prompt) = &state.prompt
        {
            prompts.extend(self.render(prompt, language, session, ctx));
        }
        let mut offered_keys = facts::OfferedKeys {
            options: keyed.clone(),
            more: None,
        };
        let person_at = lines
            .iter()
            .position(|(key, _)| *key == flow.agent_key)
            .unwrap_or(lines.len());
        for (at, (key, line)) in lines.iter().enumerate().take(shown.end).skip(shown.start) {
            if at == person_at
                && let Some((more, more_key)) = more_line
            {
                // "More choices" comes after the payment options and before a person.
                prompts.extend(self.render_keyed(more, language, session, ctx, more_key));
            }
            prompts.extend(self.render_keyed(line, language, session, ctx, *key));
        }
        if let Some((more, more_key)) = more_line {
            if person_at == lines.len() {
                prompts.extend(self.render_keyed(more, language, session, ctx, more_key));
            }
            offered_keys.more = Some(more_key);
        }
        session.facts.offered = offered_keys;
        if more_line.is_none()
            && shown.end >= lines.len()
            && let Some(closing) = closing
        {
            prompts.extend(self.render(closing, language, session, ctx));
            return true;
        }
        false
    }

    /// What the recognizer should expect here: the question's phrases, then the phrases every
    /// question knows. The strictest provider takes up to 500 hints of up to 100 characters.
    pub(super) fn hints(
        &self,
        state: &State,
        listening: &StateSpeech,
        language: Language,
    ) -> Vec<String> {
        let global = self.flow.speech.iter().flat_map(|settings| {
            [&settings.agent, &settings.repeat, &settings.slower]
                .into_iter()
                .filter_map(|phrases| phrases.get(&language))
                .flatten()
        });
        let languages: Vec<Language> = match state.kind {
            StateKind::Language { .. } => self.flow.languages.clone(),
            _ => vec![language],
        };
        let offered_keys = self.flow.speech.iter().flat_map(|settings| {
            settings
                .keys
                .iter()
                .filter(|(key, _)| match &state.kind {
                    StateKind::Menu { options, .. } | StateKind::Offers { options, .. } => {
                        options.contains_key(key)
                    }
                    _ => false,
                })
                .filter_map(|(_, phrases)| phrases.get(&language))
                .flatten()
        });
        let mut hints: Vec<String> = Vec::new();
        for hint in listening
            .phrases
            .values()
            .flat_map(|phrases| languages.iter().filter_map(|l| phrases.get(l)))
            .flatten()
            .chain(offered_keys)
            .chain(global)
        {
            if hint.chars().count() <= 100 && !hints.contains(hint) && hints.len() < 500 {
                hints.push(hint.clone());
            }
        }
        hints
    }

    pub(super) fn say(
        &mut self,
        prompt: &Prompt,
        language: Language,
        slow: bool,
        ctx: &impl Context,
    ) {
        let quiet = Session {
            slow,
            ..Session::default()
        };
        let rendered = self.render(prompt, language, &quiet, ctx);
        self.verbs.extend(rendered.into_iter().map(Verb::Prompt));
    }

    pub(super) fn prompt_of(&mut self, state: &State, session: &Session, ctx: &impl Context) {
        if let Some(prompt) = &state.prompt {
            let rendered = self.render(prompt, self.language(session), session, ctx);
            self.verbs.extend(rendered.into_iter().map(Verb::Prompt));
        }
    }

    /// Renders an option's line, its `{key}` spoken as the key it is offered on.
    pub(super) fn render_keyed(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
        key: char,
    ) -> Option<voice::Prompt> {
        self.render_with(prompt, language, session, ctx, Some(key))
    }

    pub(super) fn render(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
    ) -> Option<voice::Prompt> {
        self.render_with(prompt, language, session, ctx, None)
    }

    /// A prompt as the caller hears it: its text for text-to-speech, `{key}` said as `key`. When
    /// the flow plays recordings, the prompt also says which it is and what its variables said,
    /// so the service can play its recording instead (`voice::choose_recordings`).
    pub(super) fn render_with(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
        key: Option<char>,
    ) -> Option<voice::Prompt> {
        let template = prompt.0.get(&language)?;
        let listens = listens(self.flow, ctx);
        let says_otherwise = !listens
            && template
                .0
                .iter()
                .any(|segment| matches!(segment, Segment::Choice { .. }));
        // Recordings say the words with voice: words for keys alone are spoken.
        let recorded_prompts = self.flow.prompts == PromptSource::Recorded && !says_otherwise;
        let mut recorded = recorded_prompts.then(|| {
            Box::new(voice::Recordable {
                prompt: prompt.name().to_owned(),
                words: Vec::new(),
                key,
                paced: false,
            })
        });
        let mut text = String::new();
        let mut left_out = false;
        for segment in &template.0 {
            match segment {
                Segment::Text(t) => text.push_str(t),
                Segment::Choice { spoken, keys } => {
                    text.push_str(if listens { spoken } else { keys });
                }
                Segment::Var(var) => {
                    let words = spoken(self.flow, *var, language, session, ctx);
                    left_out |= words.is_empty();
                    text.push_str(&words);
                    if let Some(recorded) = &mut recorded {
                        recorded.words.push((var.name(), words));
                    }
                }
            }
        }
        if left_out {
            // A phrase that does not apply leaves no double space behind.
            text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if let Some(key) = key {
            text = text.replace(OPTION_KEY, &key.to_string());
        }
        Some(voice::Prompt::Say {
            text,
            language,
            voice: self.flow.voices.get(&language).cloned(),
            slow: session.slow,
            recorded,
        })
    }
}

/// Prompts at the caller's pace: at the slower pace each sentence is said on its own, with a
/// moment between, so options come one at a time. A prompt that may be played from its
/// recording stays whole, marked to be split only if it is spoken after all.
pub(super) fn at_pace(prompts: Vec<voice::Prompt>, slow: bool) -> Vec<voice::Prompt> {
    if !slow {
        return prompts;
    }
    let mut paced = Vec::new();
    for mut prompt in prompts {
        match &mut prompt {
            voice::Prompt::Say {
                recorded: Some(recorded),
                ..
            } => {
                recorded.paced = true;
                paced.push(prompt);
            }
            voice::Prompt::Say { .. } => voice::push_sentences(&mut paced, prompt),
            _ => paced.push(prompt),
        }
    }
    paced
}

/// Whether the help line on a re-ask offers a person: one can be reached, the agent key means
/// "a person" here, and the prompt did not just offer one itself.
pub(super) fn offers_person(flow: &Flow, state: &State, ctx: &impl Context) -> bool {
    let key_taken = match &state.kind {
        StateKind::Menu { options, .. } => options.contains_key(&flow.agent_key),
        StateKind::Collect { keys, .. } => keys.contains_key(&flow.agent_key.to_string()),
        // The options name a person themselves where the policy offers one.
        StateKind::Offers { .. } => true,
        _ => false,
    };
    let prompt_offers = state.prompt.as_ref().is_some_and(|prompt| {
        prompt
            .0
            .values()
            .any(|template| template.0.contains(&Segment::Var(Var::PersonOption)))
    });
    people_available(ctx) && !key_taken && !prompt_offers
}
