//! Running a flow, one webhook at a time.
//!
//! A webhook brings the caller's input (or the call's start); [`advance`] applies it to the state
//! the caller was left in, then walks through states that need no input (saying things, running
//! actions, branching) until it reaches the next question, a transfer, or the end of the call.
//! The caller hears everything gathered on the way in one response, with no extra round trips.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::actions::Actions;
use super::definition::{
    Condition, Flow, InputKind, OfferSet, Phrases, Prompt, Segment, State, StateKind, StateSpeech,
    Var,
};
use crate::collections::{self, Offer, keys};
use crate::language::Language;
use crate::payments::CardBrand;
use crate::speech;
use crate::store::{Account, StepRecord};
use crate::voice::{self, Dial, Gather, Listen, Verb};

/// The sensitive entries that make up a card: while any is held, card entry is not over.
const CARD_INPUTS: [crate::payments::SecretField; 4] = crate::payments::SecretField::CARD;

/// Most states one webhook may pass through: a flow whose say/branch/action states loop without
/// asking anything would otherwise never answer.
const MAX_HOPS: usize = 64;

/// Where an option's line names its key (`To set up a payment plan, press {key}.`); the loader
/// keeps it as text, and it is replaced by the key the option is offered on.
pub const OPTION_KEY: &str = "\u{27ea}key\u{27eb}";

/// The choice at an offers state with a short first list that names the rest: its key is kept
/// with the options' (`4=more`), and `phrases.more` are the words for it.
pub const MORE: &str = "more";

/// The key "more choices" was offered on, from the options' keys kept in the session.
fn more_key(session: &Session) -> Option<char> {
    let encoded = session.values.get(keys::OFFER_KEYS)?;
    encoded.split(',').find_map(|pair| {
        let (key, name) = pair.split_once('=')?;
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            (Some(key), None) if name == MORE => Some(key),
            _ => None,
        }
    })
}

/// Where a call is in its flow, kept between webhooks. Sensitive values are kept apart, in
/// [`Session::secrets`], which is sealed before it is stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    /// The state waiting for the caller's answer.
    pub state: String,
    /// Wrong or silent answers to that state so far.
    pub attempts: u32,
    /// The language prompts are spoken in.
    pub language: Option<Language>,
    /// The account being discussed, once identified.
    pub account: Option<String>,
    /// Whether caller ID matched the account.
    pub caller_matched: bool,
    /// Whether the caller proved who they are.
    pub authenticated: bool,
    /// The latest outcome a state recorded.
    pub outcome: Option<String>,
    /// Visits per state, for `max_visits`.
    pub visits: BTreeMap<String, u32>,
    /// Entries of non-sensitive questions, by input name (e.g. `account_number`).
    pub values: BTreeMap<String, String>,
    /// Entries of sensitive questions, by input name; never serialized with the session.
    #[serde(skip)]
    pub secrets: Secrets,
    /// Whether the call's recording is paused for card entry (to be resumed after it).
    #[serde(default)]
    pub recording_paused: bool,
    /// Whether the caller is spoken to at the slower pace; once set, for the rest of the call.
    #[serde(default)]
    pub slow: bool,
    /// How often the caller asked to hear something again, in the whole call.
    #[serde(default)]
    pub repeats: u32,
    /// How often a question met silence, in the whole call.
    #[serde(default)]
    pub silences: u32,
    /// At the slower pace, which option of an `offers` state is being offered.
    #[serde(default)]
    pub offer_cursor: usize,
    /// Whether an offers state with a short first list is naming the rest ("more choices").
    #[serde(default)]
    pub more_offers: bool,
    /// Whether an agent sent the caller to key in a card: the caller goes back to that agent
    /// once the payment is decided, instead of hearing a goodbye.
    #[serde(default)]
    pub assisting: bool,
}

/// What became of pausing the call's recording before card entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// Paused; it is resumed once card entry is over.
    Paused,
    /// Nothing to pause (not configured, nothing recorded), or it failed and card entry goes on
    /// by configuration.
    NotNeeded,
    /// It failed, and card entry must not go on.
    Failed,
}

/// Sensitive entries, wiped from memory when dropped. `Debug` shows only which are held.
#[derive(Clone, Default)]
pub struct Secrets(pub BTreeMap<String, Zeroizing<String>>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    /// Takes a value out, so it is held no longer than needed.
    pub fn take(&mut self, name: &str) -> Option<Zeroizing<String>> {
        self.0.remove(name)
    }
}

/// What a webhook brings.
#[derive(Clone, PartialEq, Eq)]
pub enum Input {
    /// The call has just arrived.
    Start,
    /// Keys the caller pressed. They may be card digits, so `Debug` never shows them.
    Digits(String),
    /// The caller answered by voice: the recognizer's words and its confidence in them
    /// (thousandths). The words may hold anything the caller said, so `Debug` never shows them.
    Speech {
        /// What the recognizer heard.
        said: String,
        /// How sure it is, 0 to 1000; `None` when the provider did not say.
        confidence_permille: Option<u16>,
    },
    /// The caller pressed nothing before the timeout.
    Silence,
    /// A transfer ended; `answered` tells whether someone picked up.
    DialEnded {
        /// Whether the agent answered.
        answered: bool,
    },
    /// The agent the caller is talking with sent them to key in a card on the line's own
    /// questions.
    Assist,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Start => f.write_str("Start"),
            Input::Digits(keys) => write!(f, "Digits(<{} keys>)", keys.chars().count()),
            Input::Speech {
                said,
                confidence_permille,
            } => write!(
                f,
                "Speech(<{} words>, confidence {confidence_permille:?})",
                said.split_whitespace().count()
            ),
            Input::Silence => f.write_str("Silence"),
            Input::DialEnded { answered } => write!(f, "DialEnded {{ answered: {answered} }}"),
            Input::Assist => f.write_str("Assist"),
        }
    }
}

/// The answer to one webhook.
#[derive(Debug, Clone)]
pub struct Turn {
    /// What the caller hears next.
    pub response: voice::Response,
    /// Steps to record.
    pub steps: Vec<StepRecord>,
    /// Whether the flow ended the call.
    pub ended: bool,
}

/// What the engine needs from the rest of the service: the flow's actions, and facts about the
/// call.
pub trait Context: Actions {
    /// The account the session names, as loaded for this webhook.
    fn account(&self) -> Option<&Account>;
    /// How long a lockout lasts.
    fn lockout_minutes(&self) -> u64;
    /// The agent line, if one is configured.
    fn agent_number(&self) -> Option<&str>;
    /// Card brands accepted.
    fn accepted_brands(&self) -> &[crate::payments::CardBrand];
    /// The smallest payment accepted on an account (configured minimum, or the balance if less).
    fn smallest_payment_cents(&self, account: &Account) -> i64;
    /// Today's date, for validating dates callers enter.
    fn today(&self) -> time::Date;
    /// The current time (UTC ms), for step records.
    fn now_ms(&self) -> i64;
    /// Absolute URL for the answer to a question, carrying the turn it answers.
    fn gather_url(&self, turn: i64) -> String;
    /// Absolute URL the provider posts to when a transfer ends.
    fn dial_url(&self, turn: i64) -> String;
    /// Absolute URL that plays the caller's context to the agent.
    fn whisper_url(&self) -> String;
    /// The account's collections policy, once `choose_policy` picked it.
    fn policy(&self) -> Option<&crate::collections::Policy>;
    /// Pauses the call's recording before the first card question.
    fn pause_recording(&mut self) -> impl std::future::Future<Output = Pause> + Send;
    /// Resumes it once the card is decided or abandoned.
    fn resume_recording(&mut self) -> impl std::future::Future<Output = ()> + Send;
    /// The flow's recordings, when its prompts are recorded; `None` speaks every prompt with
    /// text-to-speech.
    fn recordings(&self) -> Option<&crate::audio::Library>;
    /// Absolute URL of a recording, from its path and query under the service.
    fn audio_url(&self, path_and_query: &str) -> String;
    /// The line's business hours, when configured; `None`: always open, and no callbacks.
    fn hours(&self) -> Option<&crate::hours::Hours>;
    /// Whether a transfer puts the caller in a conference room with hold audio while the line
    /// rings the agent itself ([`Context::ring_agent`]); `false`: a plain dial, with ringing.
    fn holds_transfers(&self) -> bool;
    /// The call's conference room (the same for the waiting caller and the agent's leg).
    fn conference_name(&self) -> String;
    /// Absolute URL of what a caller waiting for a person hears, in their language.
    fn hold_url(&self, language: Language) -> String;
    /// Rings the agent line for a caller about to wait in the conference room: the agent's leg's
    /// call id, or `None` when the call could not be placed (the caller is then offered something
    /// else, never left waiting for no one). Claims the turn first, so a retried webhook never
    /// rings twice.
    fn ring_agent(
        &mut self,
        number: &str,
    ) -> impl std::future::Future<Output = Result<Option<String>, crate::error::AppError>> + Send;
}

/// Whether a person can take the call now: an agent line is set and the line is within its
/// business hours.
pub fn people_available(ctx: &impl Context) -> bool {
    ctx.agent_number().is_some() && ctx.hours().is_none_or(|hours| hours.is_open(ctx.now_ms()))
}

/// Applies one webhook's input and runs the flow to the next question or the end.
///
/// `turn` is the webhook being answered; URLs in the response carry `turn + 1`.
///
/// # Errors
/// A failed action (the database is down, ...). The session may be partly changed then; the
/// caller must discard it.
pub async fn advance<C: Context + Send>(
    flow: &Flow,
    session: &mut Session,
    input: Input,
    turn: i64,
    ctx: &mut C,
) -> Result<Turn, crate::error::AppError> {
    let mut run = Run {
        flow,
        turn,
        verbs: Vec::new(),
        steps: Vec::new(),
        ended: false,
        again: None,
    };
    let next = match input {
        Input::Start => {
            if let Some(notice) = &flow.recording_notice {
                // Before anything else, in every language the flow speaks: the caller has not
                // chosen one yet.
                for language in &flow.languages {
                    let rendered = run.render(notice, *language, session, ctx);
                    run.verbs.extend(rendered.into_iter().map(Verb::Prompt));
                }
            }
            Some(flow.start.clone())
        }
        Input::DialEnded { answered } => run.after_dial(session, answered, ctx),
        Input::Assist => run.assist(session, ctx),
        Input::Digits(_) | Input::Speech { .. } | Input::Silence => {
            run.answer(session, &input, ctx)
        }
    };
    if let Some(next) = next {
        run.walk(session, next, ctx).await?;
    }
    Ok(Turn {
        response: voice::Response { verbs: run.verbs },
        steps: run.steps,
        ended: run.ended,
    })
}

struct Run<'f> {
    flow: &'f Flow,
    turn: i64,
    verbs: Vec<Verb>,
    steps: Vec<StepRecord>,
    ended: bool,
    /// While a question is asked again after a miss: `Some(silent)`.
    again: Option<bool>,
}

impl Run<'_> {
    fn language(&self, session: &Session) -> Language {
        session.language.unwrap_or(self.flow.languages[0])
    }

    fn record(
        &mut self,
        ctx: &impl Context,
        state: &str,
        input_kind: &str,
        result: &str,
        digits: Option<&str>,
    ) {
        self.steps.push(StepRecord {
            turn: self.turn,
            state: state.to_owned(),
            input_kind: input_kind.to_owned(),
            result: result.to_owned(),
            digits: digits.map(str::to_owned),
            at: ctx.now_ms(),
        });
    }

    /// Handles an answer (keys, words or silence) at the waiting state; returns where to go, or
    /// `None` when a question is asked again (already queued).
    fn answer(
        &mut self,
        session: &mut Session,
        input: &Input,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let Some(state) = flow.states.get(&session.state) else {
            // The flow changed under a live call: hand the caller to a person.
            self.record(ctx, &session.state, "digits", "unknown_state", None);
            return Some(flow.agent_state.clone());
        };
        let pending = take_heard(session);
        let (kind, answer) = match input {
            Input::Digits(keys) => ("digits", Answer::Keys(keys.clone())),
            Input::Speech { said, .. } if pending.is_some() => {
                ("speech", self.understand_yes_no(said, session))
            }
            Input::Speech { said, .. } => ("speech", self.understand(state, said, session, ctx)),
            _ => ("silence", Answer::Silence),
        };
        if let Some(pending) = pending {
            return self.settle_read_back(session, state, kind, answer, pending, ctx);
        }
        let unsure = match (input, &flow.speech) {
            (
                Input::Speech {
                    confidence_permille: Some(confidence),
                    ..
                },
                Some(settings),
            ) => *confidence < settings.confirm_below_permille,
            _ => false,
        };
        if let (Answer::Keys(keys), true, Input::Speech { said, .. }) = (&answer, unsure, input)
            && let Some(words) = self.read_back_words(state, keys, said, session, ctx)
        {
            // Words the recognizer doubts are read back before anything is done with them.
            hold_heard(session, state, keys, words);
            self.record(ctx, &state.name, kind, "unsure", None);
            self.ask_read_back(session, ctx);
            return None;
        }
        self.apply(session, state, kind, answer, ctx)
    }

    /// Acts on an answer to the waiting state.
    fn apply(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        answer: Answer,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let sensitive = matches!(
            state.kind,
            StateKind::Collect {
                sensitive: true,
                ..
            }
        );
        // Card digits may be among them: wiped when this answer is done.
        let entered = Zeroizing::new(match &answer {
            Answer::Keys(keys) => keys.clone(),
            _ => String::new(),
        });
        let digits = entered.as_str();
        let mut keys = digits.chars();
        let single = match (keys.next(), keys.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        let recorded = recorded_keys(&state.kind, sensitive, digits, single.is_some());
        let shown = recorded.as_deref();
        let keyed = matches!(answer, Answer::Keys(_));
        // A state's own keys come first: on card entry `*` starts the card over, not a repeat.
        if let (StateKind::Collect { keys, .. }, true) = (&state.kind, keyed)
            && let Some(target) = keys.get(digits)
        {
            self.record(ctx, &state.name, kind, &format!("key:{digits}"), shown);
            return Some(target.clone());
        }
        if let (
            StateKind::Offers {
                offers, options, ..
            },
            Some(key),
        ) = (&state.kind, single)
        {
            if more_key(session) == Some(key) {
                self.record(ctx, &state.name, kind, "more", shown);
                session.more_offers = true;
                self.ask(session, state, ctx, None);
                return None;
            }
            let chosen = session
                .values
                .get(keys::OFFER_KEYS)
                .and_then(|encoded| collections::offers::decode(encoded, key))
                .and_then(|offer| offers.get(&offer).map(|(_, target)| (offer, target)));
            if let Some((offer, target)) = chosen {
                self.record(
                    ctx,
                    &state.name,
                    kind,
                    &format!("offer:{}", offer.name()),
                    shown,
                );
                return Some(target.clone());
            }
            if let Some(target) = options.get(&key) {
                self.record(ctx, &state.name, kind, &format!("option:{digits}"), shown);
                return Some(target.clone());
            }
        }
        let single_key_question = matches!(
            state.kind,
            StateKind::Menu { .. } | StateKind::Offers { .. } | StateKind::Language { .. }
        );
        let option_keys_taken = match &state.kind {
            StateKind::Menu { options, .. } => single.is_some_and(|k| options.contains_key(&k)),
            _ => false,
        };
        let answer = match (answer, single) {
            (Answer::Keys(_), Some(key)) if key == flow.repeat_key => Answer::Repeat,
            (Answer::Keys(_), Some(key)) if key == flow.agent_key && !option_keys_taken => {
                Answer::Agent
            }
            (Answer::Keys(_), Some(key))
                if Some(key) == flow.pace.slower_key
                    && single_key_question
                    && !option_keys_taken =>
            {
                Answer::Slower
            }
            (answer, _) => answer,
        };
        match answer {
            Answer::Repeat => {
                self.record(ctx, &state.name, kind, "repeat", shown);
                session.repeats += 1;
                session.offer_cursor = 0;
                self.slow_down_if_needed(session, state, ctx);
                self.ask(session, state, ctx, None);
                return None;
            }
            Answer::Agent => {
                if !people_available(ctx) {
                    // A callback, where the line has hours to offer one in.
                    if let Some(target) = flow
                        .callback_state
                        .as_ref()
                        .filter(|_| ctx.hours().is_some())
                    {
                        self.record(ctx, &state.name, kind, "callback", shown);
                        return Some(target.clone());
                    }
                    // No one to put them through to: say so and ask again, rather than end the
                    // call of someone who only asked for help.
                    self.record(ctx, &state.name, kind, "agent_unavailable", shown);
                    self.ask(session, state, ctx, Some(&flow.messages.no_person));
                    return None;
                }
                self.record(ctx, &state.name, kind, "agent", shown);
                return Some(flow.agent_state.clone());
            }
            Answer::Slower => {
                self.record(ctx, &state.name, kind, "slower", shown);
                session.slow = true;
                session.offer_cursor = 0;
                let lead = flow.messages.slower.as_ref();
                self.ask(session, state, ctx, lead);
                return None;
            }
            // Yes and no mean something only at a read-back.
            Answer::NotUnderstood | Answer::Yes | Answer::No => {
                self.record(ctx, &state.name, kind, "not_understood", None);
                session.attempts += 1;
                let lead = flow
                    .messages
                    .not_understood
                    .as_ref()
                    .unwrap_or(&flow.messages.invalid_choice);
                return self.missed(session, state, ctx, lead, false);
            }
            Answer::Keys(_) | Answer::Silence => {}
        }
        let silent = digits.is_empty();
        let language = self.language(session);
        let lead = match (&state.kind, silent) {
            (StateKind::Menu { options, .. }, false) => {
                match single.and_then(|k| options.get(&k)) {
                    Some(target) => {
                        self.record(ctx, &state.name, kind, &format!("option:{digits}"), shown);
                        return Some(target.clone());
                    }
                    None => &flow.messages.invalid_choice,
                }
            }
            (StateKind::Language { options, next }, _) => {
                match (single.and_then(|k| options.get(&k)), silent) {
                    (Some(lang), _) => {
                        session.language = Some(*lang);
                        self.record(ctx, &state.name, kind, &format!("language:{lang}"), shown);
                        return Some(next.clone());
                    }
                    // Silence keeps the default: callers who just wait are not made to choose.
                    (None, true) => {
                        session.language = Some(language);
                        self.record(
                            ctx,
                            &state.name,
                            kind,
                            &format!("default:{language}"),
                            shown,
                        );
                        return Some(next.clone());
                    }
                    (None, false) => &flow.messages.invalid_choice,
                }
            }
            (
                StateKind::Collect {
                    input: what,
                    sensitive,
                    invalid,
                    errors,
                    next,
                    ..
                },
                false,
            ) => match check_entry(*what, digits, session, ctx) {
                Ok(derived) => {
                    let value = digits.to_owned();
                    if *sensitive {
                        session
                            .secrets
                            .0
                            .insert(what.name().to_owned(), Zeroizing::new(value));
                    } else {
                        session.values.insert(what.name().to_owned(), value);
                    }
                    session.values.extend(derived);
                    self.record(ctx, &state.name, kind, "valid", shown);
                    return Some(next.clone());
                }
                Err(reason) => {
                    self.record(ctx, &state.name, kind, &format!("invalid:{reason}"), shown);
                    session.attempts += 1;
                    let lead = errors
                        .get(reason)
                        .or(invalid.as_ref())
                        .unwrap_or(&flow.messages.invalid_choice);
                    return self.missed(session, state, ctx, lead, false);
                }
            },
            (StateKind::Offers { offers, .. }, true) if session.slow => {
                // At the slower pace the options come one at a time, and a pause moves on to
                // the next; only after the last does silence count.
                let offered = session.values.get(keys::OFFER_KEYS).map_or(0, |encoded| {
                    encoded
                        .split(',')
                        .filter(|pair| {
                            pair.split_once('=')
                                .and_then(|(_, name)| collections::Offer::parse(name))
                                .is_some_and(|offer| offers.contains_key(&offer))
                        })
                        .count()
                });
                if session.offer_cursor + 1 < offered {
                    session.offer_cursor += 1;
                    self.record(ctx, &state.name, kind, "next_option", None);
                    self.ask(session, state, ctx, None);
                    return None;
                }
                &flow.messages.no_input
            }
            (_, true) => &flow.messages.no_input,
            _ => &flow.messages.invalid_choice,
        };
        let result = if silent { "no_input" } else { "invalid" };
        self.record(ctx, &state.name, kind, result, shown);
        session.attempts += 1;
        session.offer_cursor = 0;
        if silent {
            session.silences += 1;
            self.slow_down_if_needed(session, state, ctx);
        }
        self.missed(session, state, ctx, lead, silent)
    }

    /// After a read-back ("Did you say ...?"): yes keeps the answer, anything else asks the
    /// question again.
    fn settle_read_back(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        answer: Answer,
        pending: HeldAnswer,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let confirmed = match &answer {
            Answer::Keys(keys) => keys == "1",
            Answer::Yes => true,
            _ => false,
        };
        if confirmed {
            self.record(ctx, &state.name, kind, "confirmed", None);
            return self.apply(
                session,
                state,
                kind,
                Answer::Keys(pending.keys.to_string()),
                ctx,
            );
        }
        if matches!(answer, Answer::Agent)
            || matches!(&answer, Answer::Keys(keys) if keys.chars().eq([flow.agent_key]))
        {
            return self.apply(session, state, kind, Answer::Agent, ctx);
        }
        let silent = matches!(answer, Answer::Silence);
        self.record(
            ctx,
            &state.name,
            kind,
            if silent { "no_input" } else { "not_confirmed" },
            None,
        );
        session.attempts += 1;
        let lead = if silent {
            &flow.messages.no_input
        } else {
            flow.messages
                .heard_wrong
                .as_ref()
                .unwrap_or(&flow.messages.invalid_choice)
        };
        self.missed(session, state, ctx, lead, silent)
    }

    /// A caller who asked for things again, or said nothing, twice in the call is spoken to more
    /// slowly from now on.
    fn slow_down_if_needed(&mut self, session: &mut Session, state: &State, ctx: &impl Context) {
        let pace = &self.flow.pace;
        if session.slow {
            return;
        }
        let why = if session.repeats >= pace.after_repeats {
            "slower:repeats"
        } else if session.silences >= pace.after_silences {
            "slower:silences"
        } else {
            return;
        };
        session.slow = true;
        self.record(ctx, &state.name, "none", why, None);
    }

    /// What words mean at `state`, as the keys they stand for (or a request any question knows).
    /// Order: the state's own phrases (the longest that matches), a person, the value asked for,
    /// slower, repeat.
    fn understand(
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
                Some(offer) => session
                    .values
                    .get(keys::OFFER_KEYS)
                    .and_then(|encoded| collections::offers::key_of(encoded, offer))
                    .map(String::from),
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
    fn understand_yes_no(&self, said: &str, session: &Session) -> Answer {
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
    fn read_back_words(
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
    fn chosen_words(&self, state: &State, keys: &str, said: &str, session: &Session) -> String {
        let language = self.language(session);
        let offer_key = |choice: &str| {
            if choice == MORE {
                return more_key(session).map(String::from);
            }
            collections::Offer::parse(choice).and_then(|offer| {
                session
                    .values
                    .get(keys::OFFER_KEYS)
                    .and_then(|encoded| collections::offers::key_of(encoded, offer))
                    .map(String::from)
            })
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
    fn ask_read_back(&mut self, session: &Session, ctx: &impl Context) {
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

    /// Seconds to wait for an answer, at the caller's pace.
    fn timeout(&self, session: &Session) -> u32 {
        if session.slow {
            self.flow.pace.slow_input_timeout_seconds
        } else {
            self.flow.input_timeout_seconds
        }
    }

    /// Seconds of quiet that end a spoken answer: longer at the slower pace, for callers who
    /// pause between digits.
    fn end_of_speech(&self, session: &Session) -> u32 {
        if session.slow { 4 } else { 2 }
    }

    /// After a wrong or silent answer (already counted): ask again led by `lead`, or after too
    /// many misses move on to the state's `on_fail` (default: a person). Silence is never
    /// answered with a goodbye while something is left undone: a caller who fell silent reaches
    /// a person, or hears when to call back when no one can be reached.
    fn missed(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
        lead: &Prompt,
        silent: bool,
    ) -> Option<String> {
        let flow = self.flow;
        let language = self.language(session);
        let max_attempts = state.max_attempts.unwrap_or(flow.max_attempts);
        if session.attempts >= max_attempts {
            let on_fail = match &state.kind {
                StateKind::Menu { on_fail, .. }
                | StateKind::Collect { on_fail, .. }
                | StateKind::Offers { on_fail, .. } => on_fail.clone(),
                StateKind::Language { next, .. } => {
                    session.language = Some(language);
                    Some(next.clone())
                }
                _ => None,
            };
            let mut target = on_fail.unwrap_or_else(|| flow.agent_state.clone());
            let hangs_up = flow
                .states
                .get(&target)
                .is_some_and(|next| matches!(next.kind, StateKind::Hangup));
            // After the survey was offered the business of the call is done: nothing is left
            // for a person to finish.
            let settled = crate::survey::offered(session)
                || session
                    .outcome
                    .as_ref()
                    .is_some_and(|outcome| flow.settled_outcomes.contains(outcome));
            if silent && hangs_up && !settled {
                self.record(ctx, &state.name, "none", "silence_to_person", None);
                target = flow.agent_state.clone();
            }
            // "Let me get you some help" only when help is what comes next.
            if target == flow.agent_state && people_available(ctx) {
                self.say(
                    &flow.messages.too_many_attempts,
                    language,
                    session.slow,
                    ctx,
                );
            }
            return Some(target);
        }
        self.again = Some(silent);
        self.ask(session, state, ctx, Some(lead));
        self.again = None;
        None
    }

    fn after_dial(
        &mut self,
        session: &mut Session,
        answered: bool,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let state = flow.states.get(&session.state)?;
        let StateKind::Transfer {
            on_unavailable,
            on_no_answer,
        } = &state.kind
        else {
            self.record(ctx, &state.name, "dial", "unexpected", None);
            return Some(flow.agent_state.clone());
        };
        if answered {
            self.record(ctx, &state.name, "dial", "answered", None);
            self.verbs.push(Verb::Hangup);
            self.ended = true;
            None
        } else {
            self.record(ctx, &state.name, "dial", "no_answer", None);
            session.outcome = None;
            Some(on_no_answer.as_ref().unwrap_or(on_unavailable).clone())
        }
    }

    /// An agent sent the caller to key in a card: the flow's card questions, then back to the
    /// agent. Only a caller the line verified may pay this way; anyone else goes straight back.
    fn assist(&mut self, session: &mut Session, ctx: &impl Context) -> Option<String> {
        let at = session.state.clone();
        match &self.flow.assisted_payment_state {
            Some(start) if session.authenticated => {
                self.record(ctx, &at, "assist", "card_entry", None);
                session.assisting = true;
                Some(start.clone())
            }
            _ => {
                self.record(ctx, &at, "assist", "refused", None);
                self.back_to_agent(session, ctx);
                None
            }
        }
    }

    /// Puts a caller sent to key in a card back with the agent who sent them.
    fn back_to_agent(&mut self, session: &mut Session, ctx: &impl Context) {
        let flow = self.flow;
        let language = self.language(session);
        session.assisting = false;
        if let Some(message) = &flow.messages.back_to_agent {
            self.say(message, language, session.slow, ctx);
        }
        let from = std::mem::replace(&mut session.state, flow.agent_state.clone());
        self.record(ctx, &from, "none", "back_to_agent", None);
        self.verbs.push(self.callers_room(language, ctx));
    }

    /// The caller into the call's conference room: hold audio until the agent is there (or
    /// should the agent have stepped away), and free to step out to key in a card and come back,
    /// since only the agent's leaving ends the room.
    fn callers_room(&self, language: Language, ctx: &impl Context) -> Verb {
        Verb::Conference(voice::Conference {
            name: ctx.conference_name(),
            wait_url: Some(ctx.hold_url(language)),
            start_on_enter: false,
            end_on_exit: false,
            action: Some(ctx.dial_url(self.turn + 1)),
        })
    }

    async fn walk<C: Context + Send>(
        &mut self,
        session: &mut Session,
        start: String,
        ctx: &mut C,
    ) -> Result<(), crate::error::AppError> {
        let flow = self.flow;
        let mut name = start;
        for _ in 0..MAX_HOPS {
            let Some(state) = flow.states.get(&name) else {
                return Err(crate::error::AppError::Flow(format!(
                    "state {name} is missing"
                )));
            };
            let visits = session.visits.entry(name.clone()).or_insert(0);
            *visits += 1;
            if let Some((max, target)) = &state.max_visits
                && *visits > *max
            {
                self.record(ctx, &name, "none", "max_visits", None);
                name = target.clone();
                continue;
            }
            if let Some(outcome) = &state.outcome {
                session.outcome = Some(outcome.clone());
            }
            if let Some(detour) = self.guard_recording(session, state, ctx).await {
                name = detour;
                continue;
            }
            // A caller an agent sent to key in a card goes back to them once it is decided, or
            // wherever the flow would otherwise say goodbye or dial a person.
            if session.assisting
                && (flow.assisted_payment_ends.contains(&name)
                    || matches!(state.kind, StateKind::Transfer { .. } | StateKind::Hangup))
            {
                self.back_to_agent(session, ctx);
                return Ok(());
            }
            match &state.kind {
                StateKind::Say { next } => {
                    self.prompt_of(state, session, ctx);
                    self.record(ctx, &name, "none", "said", None);
                    name = next.clone();
                }
                StateKind::Branch { cases, otherwise } => {
                    let target = cases
                        .iter()
                        .find(|(condition, _)| holds(condition, session, ctx))
                        .map_or(otherwise, |(_, target)| target);
                    self.record(ctx, &name, "none", &format!("goto:{target}"), None);
                    name = target.clone();
                }
                StateKind::Action { action, on } => {
                    let result = ctx.run_action(*action, session).await?;
                    self.record(ctx, &name, "none", result, None);
                    let Some(target) = on.get(result) else {
                        return Err(crate::error::AppError::Flow(format!(
                            "{name} has no route for {result}"
                        )));
                    };
                    name = target.clone();
                }
                StateKind::Disclosure { next } => {
                    // Only to a caller who proved who they are: a debt is never discussed with
                    // anyone else.
                    let language = self.language(session);
                    let text = ctx
                        .policy()
                        .filter(|_| session.authenticated)
                        .and_then(|policy| policy.disclosure.as_ref())
                        .and_then(|texts| texts.get(&language))
                        .cloned();
                    let result = if let Some(text) = text {
                        self.verbs.push(Verb::Prompt(voice::Prompt::Say {
                            text,
                            language,
                            voice: flow.voices.get(&language).cloned(),
                            slow: session.slow,
                        }));
                        "disclosed"
                    } else {
                        "none"
                    };
                    self.record(ctx, &name, "none", result, None);
                    name = next.clone();
                }
                StateKind::Menu { .. }
                | StateKind::Language { .. }
                | StateKind::Collect { .. }
                | StateKind::Offers { .. } => {
                    session.state = name.clone();
                    session.attempts = 0;
                    session.offer_cursor = 0;
                    session.more_offers = false;
                    self.ask(session, state, ctx, None);
                    return Ok(());
                }
                StateKind::Transfer {
                    on_unavailable,
                    on_no_answer,
                } => {
                    let reachable = people_available(ctx);
                    let number = ctx.agent_number().filter(|_| reachable);
                    let Some(number) = number.map(str::to_owned) else {
                        self.record(ctx, &name, "none", "unavailable", None);
                        session.outcome = None;
                        name = on_unavailable.clone();
                        continue;
                    };
                    session.state = name.clone();
                    if ctx.holds_transfers() {
                        let Some(agent_leg) = ctx.ring_agent(&number).await? else {
                            self.record(ctx, &name, "none", "ring_failed", None);
                            session.outcome = None;
                            name = on_no_answer.as_ref().unwrap_or(on_unavailable).clone();
                            continue;
                        };
                        // Kept so the agent's leg is hung up if the caller hangs up first.
                        session
                            .values
                            .insert(crate::calls::hold::AGENT_LEG.to_owned(), agent_leg);
                        self.prompt_of(state, session, ctx);
                        self.record(ctx, &name, "none", "dialing", None);
                        let language = self.language(session);
                        self.verbs.push(self.callers_room(language, ctx));
                        return Ok(());
                    }
                    self.prompt_of(state, session, ctx);
                    self.record(ctx, &name, "none", "dialing", None);
                    self.verbs.push(Verb::Dial(Dial {
                        number,
                        caller_id: None,
                        whisper_url: Some(ctx.whisper_url()),
                        action: Some(ctx.dial_url(self.turn + 1)),
                        timeout_seconds: flow.dial_timeout_seconds,
                    }));
                    return Ok(());
                }
                StateKind::Hangup => {
                    session.state = name.clone();
                    self.prompt_of(state, session, ctx);
                    self.record(ctx, &name, "none", "hangup", None);
                    self.verbs.push(Verb::Hangup);
                    self.ended = true;
                    return Ok(());
                }
            }
        }
        Err(crate::error::AppError::Flow(format!(
            "more than {MAX_HOPS} states without a question; the flow loops"
        )))
    }

    /// Keeps the call's recording paused exactly while the card is keyed in and read back:
    /// paused before the first card question, resumed at the first question, transfer or goodbye
    /// after the card is decided (charged or forgotten) or abandoned (a transfer or the end of the
    /// call). Returns where to go instead when the recording could not be paused and card entry
    /// must stop (a person).
    async fn guard_recording<C: Context + Send>(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &mut C,
    ) -> Option<String> {
        let card_question =
            matches!(&state.kind, StateKind::Collect { input, .. } if input.is_card_data());
        let stops = state.kind.asks()
            || matches!(state.kind, StateKind::Transfer { .. } | StateKind::Hangup);
        if card_question && !session.recording_paused {
            match ctx.pause_recording().await {
                Pause::Paused => session.recording_paused = true,
                Pause::NotNeeded => {}
                Pause::Failed => {
                    self.record(ctx, &state.name, "none", "recording_not_paused", None);
                    return Some(self.flow.agent_state.clone());
                }
            }
        } else if session.recording_paused && stops && !card_question {
            let card_pending = CARD_INPUTS
                .iter()
                .any(|field| session.secrets.0.contains_key(field.input_name()));
            let abandoned = !state.kind.asks();
            if !card_pending || abandoned {
                ctx.resume_recording().await;
                session.recording_paused = false;
            }
        }
        None
    }

    /// Queues a question: an optional lead-in (why it is asked again), the prompt (its shorter
    /// `again` after a miss), and on a re-ask at most one help line, all inside one gather so the
    /// caller can answer at any moment.
    fn ask(
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
        if let StateKind::Offers {
            set,
            offers,
            options,
            closing,
            more,
            ..
        } = &state.kind
        {
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
            let mut encoded = collections::offers::encode(&keyed);
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
                encoded.push_str(&format!(",{more_key}={MORE}"));
            }
            session.values.insert(keys::OFFER_KEYS.to_owned(), encoded);
            if more_line.is_none()
                && shown.end >= lines.len()
                && let Some(closing) = closing
            {
                prompts.extend(self.render(closing, language, session, ctx));
                closed = true;
            }
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

    /// What the recognizer should expect here: the question's phrases, then the phrases every
    /// question knows. Twilio takes up to 500 hints of up to 100 characters.
    fn hints(&self, state: &State, listening: &StateSpeech, language: Language) -> Vec<String> {
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

    fn say(&mut self, prompt: &Prompt, language: Language, slow: bool, ctx: &impl Context) {
        let quiet = Session {
            slow,
            ..Session::default()
        };
        let rendered = self.render(prompt, language, &quiet, ctx);
        self.verbs.extend(rendered.into_iter().map(Verb::Prompt));
    }

    fn prompt_of(&mut self, state: &State, session: &Session, ctx: &impl Context) {
        if let Some(prompt) = &state.prompt {
            let rendered = self.render(prompt, self.language(session), session, ctx);
            self.verbs.extend(rendered.into_iter().map(Verb::Prompt));
        }
    }

    /// Renders an option's line, its `{key}` spoken as the key it is offered on.
    fn render_keyed(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
        key: char,
    ) -> Option<voice::Prompt> {
        self.render_with(prompt, language, session, ctx, Some(key))
    }

    fn render(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
    ) -> Option<voice::Prompt> {
        self.render_with(prompt, language, session, ctx, None)
    }

    /// A prompt as the caller hears it: its recording when the flow plays recordings and this
    /// prompt is recorded through (words for its variables included), otherwise its text for
    /// text-to-speech, `{key}` said as `key`.
    fn render_with(
        &self,
        prompt: &Prompt,
        language: Language,
        session: &Session,
        ctx: &impl Context,
        key: Option<char>,
    ) -> Option<voice::Prompt> {
        let template = prompt.0.get(&language)?;
        if let Some(recordings) = ctx.recordings() {
            let played = recordings.play_path(prompt, language, key, |var| {
                spoken(self.flow, var, language, session, ctx)
            });
            if let Some(path) = played {
                return Some(voice::Prompt::Play {
                    url: ctx.audio_url(&path),
                });
            }
        }
        let mut text = String::new();
        let mut left_out = false;
        for segment in &template.0 {
            match segment {
                Segment::Text(t) => text.push_str(t),
                Segment::Var(var) => {
                    let words = spoken(self.flow, *var, language, session, ctx);
                    left_out |= words.is_empty();
                    text.push_str(&words);
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
        })
    }
}

/// What a step records of the keys pressed: only what it needs. A menu's single key is its
/// choice; a valid amount is the amount; anything else typed at a question that is not sensitive
/// (an account number, keys where a single one was expected) is kept masked to its last four, so
/// a card or bank number keyed at the wrong question is never stored. Sensitive questions record
/// nothing.
fn recorded_keys(kind: &StateKind, sensitive: bool, digits: &str, single: bool) -> Option<String> {
    if sensitive || digits.is_empty() {
        return None;
    }
    let amount = matches!(
        kind,
        StateKind::Collect {
            input: InputKind::Amount,
            ..
        }
    ) && crate::payments::Money::parse_keypad(digits).is_ok();
    if single || amount {
        Some(digits.to_owned())
    } else {
        Some(crate::payments::redact::masked_keys(digits))
    }
}

/// An answer, whether keyed or said, as the engine acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
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
struct HeldAnswer {
    keys: Zeroizing<String>,
}

/// Where a held answer waits: with the secrets (sealed, never stored) for a sensitive question,
/// otherwise with the session's values.
const HELD_KEYS: &str = "heard:keys";
const HELD_WORDS: &str = "heard:words";
const HELD_STATE: &str = "heard:state";

/// Holds an unsure answer at `state` until the caller confirms it.
fn hold_heard(session: &mut Session, state: &State, keys: &str, words: String) {
    let sensitive = matches!(
        state.kind,
        StateKind::Collect {
            sensitive: true,
            ..
        }
    );
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
        session.values.insert(HELD_KEYS.to_owned(), keys.to_owned());
        session.values.insert(HELD_WORDS.to_owned(), words);
    }
    session
        .values
        .insert(HELD_STATE.to_owned(), state.name.clone());
}

/// Takes the answer held for confirmation at the waiting state, if any; whatever is held is
/// cleared either way, so it never outlives one reply.
fn take_heard(session: &mut Session) -> Option<HeldAnswer> {
    let held_at = session.values.remove(HELD_STATE);
    let keys = session
        .secrets
        .take(HELD_KEYS)
        .or_else(|| session.values.remove(HELD_KEYS).map(Zeroizing::new));
    session.secrets.take(HELD_WORDS);
    session.values.remove(HELD_WORDS);
    match (held_at, keys) {
        (Some(state), Some(keys)) if state == session.state => Some(HeldAnswer { keys }),
        _ => None,
    }
}

/// The callback window a caller named in words ("tomorrow morning", "el lunes por la tarde"), as
/// its key: each offered window is known by its day and part of the day, the words the caller
/// heard before "between ...".
fn spoken_window(
    said: &str,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> Option<String> {
    let (hours, encoded) = (
        ctx.hours()?,
        session.values.get(crate::hours::keys::CALLBACK_WINDOWS)?,
    );
    let named: Vec<usize> = crate::hours::decode_windows(encoded)
        .into_iter()
        .enumerate()
        .filter(|(_, window)| {
            let words = hours.window_words(*window, ctx.now_ms(), language);
            let name = words.split(',').next().unwrap_or(&words);
            speech::heard::contains_phrase(said, name)
        })
        .map(|(index, _)| index + 1)
        .collect();
    // Only a window named alone is taken: "tomorrow" alone may be two.
    match named.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// The value spoken at a question, as the keys that would enter it; `None` when the words hold
/// no such value.
fn spoken_value(
    state: &State,
    listening: &StateSpeech,
    said: &str,
    language: Language,
    session: &Session,
) -> Option<String> {
    use speech::heard;
    let one_key = |key: char| Some(key.to_string());
    match &state.kind {
        StateKind::Menu { options, .. } => {
            let yes_no = heard::yes_no(said, language)
                .and_then(|yes| if yes { listening.yes } else { listening.no });
            let numbered = heard::number(said, language)
                .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
                .filter(|key| options.contains_key(key));
            yes_no.or(numbered).and_then(one_key)
        }
        StateKind::Offers { options, .. } => heard::number(said, language)
            .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
            .filter(|key| {
                options.contains_key(key)
                    || session
                        .values
                        .get(keys::OFFER_KEYS)
                        .and_then(|encoded| collections::offers::decode(encoded, *key))
                        .is_some()
            })
            .and_then(one_key),
        StateKind::Language { options, .. } => heard::number(said, language)
            .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
            .filter(|key| options.contains_key(key))
            .and_then(one_key),
        StateKind::Collect { input, .. } => match input {
            InputKind::AccountNumber | InputKind::Zip => heard::digits(said, language),
            InputKind::Amount => heard::cents(said, language)
                .filter(|cents| *cents > 0)
                .map(|cents| format!("{}*{:02}", cents / 100, cents % 100)),
            InputKind::DateOfBirth => heard::date(said, language).and_then(|date| {
                Some(format!("{:02}{:02}{:04}", date.month, date.day, date.year?))
            }),
            InputKind::PromiseDate => {
                heard::date(said, language).map(|date| format!("{:02}{:02}", date.month, date.day))
            }
            InputKind::Installments | InputKind::HardshipReason | InputKind::CallbackWindow => {
                heard::number(said, language).map(|n| n.to_string())
            }
            InputKind::CallbackNumber => heard::digits(said, language),
            InputKind::SurveyResolved => {
                heard::yes_no(said, language).map(|yes| if yes { "1" } else { "2" }.to_owned())
            }
            InputKind::SurveyRating => heard::number(said, language)
                .filter(|n| (1..=5).contains(n))
                .map(|n| n.to_string()),
            // Never by voice (the loader gives these questions no speech at all).
            InputKind::Pin
            | InputKind::CardNumber
            | InputKind::CardExpiry
            | InputKind::SecurityCode
            | InputKind::BillingZip => None,
        },
        _ => None,
    }
}

/// Prompts at the caller's pace: at the slower pace each sentence is said on its own, with a
/// moment between, so options come one at a time.
fn at_pace(prompts: Vec<voice::Prompt>, slow: bool) -> Vec<voice::Prompt> {
    if !slow {
        return prompts;
    }
    let mut paced = Vec::new();
    for prompt in prompts {
        let voice::Prompt::Say {
            text,
            language,
            voice,
            slow,
        } = prompt
        else {
            paced.push(prompt);
            continue;
        };
        for sentence in sentences(&text) {
            if !paced.is_empty() {
                paced.push(voice::Prompt::Pause { seconds: 1 });
            }
            paced.push(voice::Prompt::Say {
                text: sentence.to_owned(),
                language,
                voice: voice.clone(),
                slow,
            });
        }
    }
    paced
}

/// The sentences of a prompt: split after `.`, `?` or `!` followed by a space.
fn sentences(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'?' | b'!') && bytes.get(i + 1) == Some(&b' ') {
            found.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    found.push(text[start..].trim());
    found.retain(|s| !s.is_empty());
    found
}

/// A keyed date of birth (`MMDDYYYY`) as a date.
fn keyed_date(keys: &str) -> Option<time::Date> {
    if keys.len() != 8 || !keys.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(keys[..2].parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(keys[4..].parse().ok()?, month, keys[2..4].parse().ok()?).ok()
}

/// Whether the help line on a re-ask offers a person: one can be reached, the agent key means
/// "a person" here, and the prompt did not just offer one itself.
fn offers_person(flow: &Flow, state: &State, ctx: &impl Context) -> bool {
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

/// The account's due date (kept as YYYY-MM-DD).
fn due_date(account: &Account) -> Option<time::Date> {
    time::Date::parse(
        &account.due_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// The brand of the card entered so far on this call.
fn card_brand(session: &Session) -> CardBrand {
    session
        .values
        .get("card_brand")
        .and_then(|b| CardBrand::parse(b))
        .unwrap_or(CardBrand::Unknown)
}

/// Checks an entry for what was asked. Returns the non-sensitive facts it establishes (a card's
/// brand and last four digits), or the reason it was refused.
fn check_entry(
    input: InputKind,
    digits: &str,
    session: &Session,
    ctx: &impl Context,
) -> Result<Vec<(String, String)>, &'static str> {
    use crate::accounts::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
    use crate::payments::{BillingZip, CardNumber, Expiry, Money, SecurityCode};
    let shape = |ok: bool| if ok { Ok(Vec::new()) } else { Err("invalid") };
    match input {
        InputKind::AccountNumber => shape(AccountNumber::parse(digits).is_some()),
        InputKind::Pin => shape(Pin::parse(digits).is_some()),
        InputKind::DateOfBirth => shape(DateOfBirth::parse_keypad(digits, ctx.today()).is_some()),
        InputKind::Zip => shape(Zip::parse(digits).is_some()),
        InputKind::Amount => Money::parse_keypad(digits)
            .map(|_| Vec::new())
            .map_err(|_| "not_an_amount"),
        InputKind::CardNumber => {
            let card =
                CardNumber::parse_accepting(digits, ctx.accepted_brands()).map_err(|e| e.code())?;
            Ok(vec![
                ("card_brand".to_owned(), card.brand().as_str().to_owned()),
                ("card_last4".to_owned(), card.last4()),
            ])
        }
        InputKind::CardExpiry => Expiry::parse(digits, ctx.today())
            .map(|_| Vec::new())
            .map_err(|e| e.code()),
        InputKind::SecurityCode => SecurityCode::parse(digits, card_brand(session))
            .map(|_| Vec::new())
            .map_err(|e| e.code()),
        InputKind::BillingZip => BillingZip::parse(digits)
            .map(|_| Vec::new())
            .map_err(|e| e.code()),
        InputKind::Installments => {
            let allowed = session
                .values
                .get(keys::PLAN_COUNTS)
                .is_some_and(|counts| counts.split(',').any(|c| c == digits));
            if allowed {
                Ok(vec![(keys::PLAN_COUNT.to_owned(), digits.to_owned())])
            } else {
                Err("not_offered")
            }
        }
        InputKind::PromiseDate => {
            let latest = date_of(session, keys::PROMISE_LATEST).ok_or("too_late")?;
            let date = promise_date(digits, ctx.today()).ok_or("not_a_date")?;
            if date <= ctx.today() {
                Err("too_soon")
            } else if date > latest {
                Err("too_late")
            } else {
                Ok(vec![(keys::PROMISE_DATE.to_owned(), date.to_string())])
            }
        }
        InputKind::CallbackNumber => crate::hours::CallbackPhone::parse_national(digits)
            .map(|phone| {
                vec![(
                    crate::hours::keys::CALLBACK_PHONE.to_owned(),
                    phone.as_str().to_owned(),
                )]
            })
            .ok_or("invalid"),
        InputKind::CallbackWindow => {
            let offered = session
                .values
                .get(crate::hours::keys::CALLBACK_WINDOWS)
                .map_or(0, |w| crate::hours::decode_windows(w).len());
            match digits.parse::<usize>() {
                Ok(key) if (1..=offered).contains(&key) => Ok(vec![(
                    crate::hours::keys::CALLBACK_WINDOW.to_owned(),
                    digits.to_owned(),
                )]),
                _ => Err("not_offered"),
            }
        }
        InputKind::HardshipReason => match digits {
            "1" | "2" | "3" | "4" | "5" => Ok(vec![(
                keys::HARDSHIP.to_owned(),
                hardship_reason(digits).to_owned(),
            )]),
            _ => Err("invalid"),
        },
        InputKind::SurveyResolved => shape(matches!(digits, "1" | "2")),
        InputKind::SurveyRating => shape(matches!(digits, "1" | "2" | "3" | "4" | "5")),
    }
}

/// A promise date keyed as MMDD: the next such day after today (this year or next).
fn promise_date(digits: &str, today: time::Date) -> Option<time::Date> {
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(digits[..2].parse::<u8>().ok()?).ok()?;
    let day = digits[2..].parse::<u8>().ok()?;
    let this_year = time::Date::from_calendar_date(today.year(), month, day).ok();
    match this_year {
        Some(date) if date > today => Some(date),
        _ => time::Date::from_calendar_date(today.year() + 1, month, day).ok(),
    }
}

/// The reason code recorded for a hardship key.
pub fn hardship_reason(key: &str) -> &'static str {
    match key {
        "1" => "lost_income",
        "2" => "illness",
        "3" => "family_emergency",
        "4" => "disaster",
        _ => "other",
    }
}

fn first_name(account: &Account) -> &str {
    account.name.split_whitespace().next().unwrap_or_default()
}

/// A variable's value as words; empty when it has none (no account yet).
fn spoken(
    flow: &Flow,
    var: Var,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> String {
    let account = ctx.account();
    match var {
        Var::FirstName => account.map(first_name).unwrap_or_default().to_owned(),
        Var::Balance => account
            .map(|a| speech::money_words(a.balance_cents, language))
            .unwrap_or_default(),
        Var::MinimumDue => account
            .map(|a| speech::money_words(a.minimum_due_cents, language))
            .unwrap_or_default(),
        Var::DueDate => account
            .and_then(due_date)
            .map(|d| speech::date_words(d, language))
            .unwrap_or_default(),
        Var::DueWhen => account
            .and_then(due_date)
            .map(|due| {
                let date = speech::date_words(due, language);
                match (due < ctx.today(), language) {
                    (false, Language::En) => format!("due {date}"),
                    (true, Language::En) => format!("past due since {date}"),
                    (false, Language::Es) => format!("vence el {date}"),
                    (true, Language::Es) => format!("vencido desde el {date}"),
                }
            })
            .unwrap_or_default(),
        Var::Last4 => account
            .map(|a| speech::digits_words(a.last4(), language))
            .unwrap_or_default(),
        Var::LockoutMinutes => speech::minutes_words(ctx.lockout_minutes(), language),
        Var::Segment => account.map(|a| a.segment.clone()).unwrap_or_default(),
        Var::Language => language.code().to_owned(),
        // Booleans are for conditions; load.rs refuses them in prompts.
        Var::CallerMatched
        | Var::Authenticated
        | Var::AgentAvailable
        | Var::PeopleAvailable
        | Var::CanPayMinimum
        | Var::CanPayOtherAmount => String::new(),
        Var::PersonOption if people_available(ctx) => flow
            .messages
            .person_option
            .0
            .get(&language)
            .map(super::definition::Template::text_only)
            .unwrap_or_default(),
        Var::PersonOption => String::new(),
        Var::Amount => session
            .values
            .get("payment_cents")
            .and_then(|c| c.parse().ok())
            .map(|cents| speech::money_words(cents, language))
            .unwrap_or_default(),
        Var::SmallestPayment => account
            .map(|a| speech::money_words(ctx.smallest_payment_cents(a), language))
            .unwrap_or_default(),
        Var::CardBrand => card_brand(session).spoken_name().to_owned(),
        Var::CardLast4 => session
            .values
            .get("card_last4")
            .map(|d| speech::digits_words(d, language))
            .unwrap_or_default(),
        Var::CardExpiry => session
            .secrets
            .0
            .get(crate::payments::SecretField::CardExpiry.input_name())
            .and_then(|mmyy| crate::payments::Expiry::parse(mmyy, ctx.today()).ok())
            .and_then(|e| Some((time::Month::try_from(e.month()).ok()?, i32::from(e.year()))))
            .map(|(month, year)| speech::month_year_words(month, year, language))
            .unwrap_or_default(),
        Var::Confirmation => session
            .values
            .get("confirmation")
            .map(|d| speech::grouped_digits_words(d, language, false))
            .unwrap_or_default(),
        Var::ConfirmationSlowly => session
            .values
            .get("confirmation")
            .map(|d| speech::grouped_digits_words(d, language, true))
            .unwrap_or_default(),
        Var::SettlementAmount => money_of(session, keys::SETTLEMENT_CENTS, language),
        Var::SettlementExpires => date_words_of(session, keys::SETTLEMENT_EXPIRES, language),
        Var::PlanSchedule => collections::terms::schedule_words(
            &planned_schedule(session, ctx),
            language,
            ctx.today(),
        ),
        Var::PlanChoices => {
            let counts: Vec<String> = session
                .values
                .get(keys::PLAN_COUNTS)
                .map(|c| c.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            let or = match language {
                Language::En => "or",
                Language::Es => "o",
            };
            match counts.split_last() {
                None => String::new(),
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
            }
        }
        Var::PlanTotal => money_of(session, keys::PLAN_TOTAL, language),
        Var::PlanAuthorization => ctx
            .policy()
            .and_then(|policy| {
                collections::offers::plan_terms(policy, session.values.contains_key(keys::HARDSHIP))
            })
            .and_then(|terms| terms.authorization.get(&language).cloned())
            .unwrap_or_default(),
        Var::PromiseDate => date_words_of(session, keys::PROMISE_DATE, language),
        Var::PromiseAmount => money_of(session, keys::PROMISE_CENTS, language),
        Var::PromiseLatest => date_words_of(session, keys::PROMISE_LATEST, language),
        Var::PromiseSmallest => money_of(session, keys::PROMISE_SMALLEST, language),
        Var::Fee => money_of(session, keys::FEE_CENTS, language),
        Var::Total => match (
            cents_of(session, "payment_cents"),
            cents_of(session, keys::FEE_CENTS),
        ) {
            (Some(amount), fee) => speech::money_words(amount + fee.unwrap_or(0), language),
            _ => String::new(),
        },
        Var::FeeFreeAlternative => ctx
            .policy()
            .and_then(|policy| policy.card_fee.as_ref())
            .and_then(|fee| fee.free_alternative.get(&language).cloned())
            .unwrap_or_default(),
        Var::ArrangementStatus => arrangement_status(session, language),
        Var::ArrangementCard => {
            let brand = session
                .values
                .get(keys::ARRANGEMENT_CARD_BRAND)
                .and_then(|b| CardBrand::parse(b))
                .unwrap_or(CardBrand::Unknown);
            let last4 = session
                .values
                .get(keys::ARRANGEMENT_CARD_LAST4)
                .map(|d| speech::digits_words(d, language))
                .unwrap_or_default();
            match language {
                Language::En => format!("{} ending in {last4}", brand.spoken_name()),
                Language::Es => format!("{} que termina en {last4}", brand.spoken_name()),
            }
        }
        Var::InstallmentAmount => money_of(session, keys::INSTALLMENT_CENTS, language),
        Var::SecurityCodeWhere => {
            let digits = card_brand(session).security_code_len();
            match (language, digits) {
                (Language::En, 4) => "the 4-digit code on the front of the card".to_owned(),
                (Language::En, _) => "the 3-digit code on the back of the card".to_owned(),
                (Language::Es, 4) => "el código de 4 dígitos al frente de la tarjeta".to_owned(),
                (Language::Es, _) => "el código de 3 dígitos al reverso de la tarjeta".to_owned(),
            }
        }
        Var::ReceiptOptions => {
            let last4 = account
                .map(|a| {
                    let phone = a.phone.as_str();
                    speech::digits_words(&phone[phone.len().saturating_sub(4)..], language)
                })
                .unwrap_or_default();
            let mut options = Vec::new();
            if session.values.contains_key(keys::CAN_TEXT) {
                options.push(match language {
                    Language::En => format!(
                        "To get it by text message to the number ending in {last4}, say or press 1."
                    ),
                    Language::Es => format!(
                        "Para recibirlo por mensaje de texto al número que termina en {last4}, diga u oprima 1."
                    ),
                });
            }
            if session.values.contains_key(keys::CAN_EMAIL) {
                options.push(match language {
                    Language::En => "To get it by email, say or press 2.".to_owned(),
                    Language::Es => {
                        "Para recibirlo por correo electrónico, diga u oprima 2.".to_owned()
                    }
                });
            }
            options.join(" ")
        }
        Var::CallbackNumber => session
            .values
            .get(crate::hours::keys::CALLBACK_PHONE)
            .and_then(|phone| crate::hours::CallbackPhone::from_caller_id(phone))
            .map(|phone| phone.words(language))
            .unwrap_or_default(),
        Var::CallbackWindows => {
            let (Some(hours), Some(encoded)) = (
                ctx.hours(),
                session.values.get(crate::hours::keys::CALLBACK_WINDOWS),
            ) else {
                return String::new();
            };
            crate::hours::decode_windows(encoded)
                .into_iter()
                .enumerate()
                .map(|(i, window)| {
                    let words = hours.window_words(window, ctx.now_ms(), language);
                    match language {
                        Language::En => format!("For {words}, say or press {}.", i + 1),
                        Language::Es => format!("Para {words}, diga u oprima {}.", i + 1),
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Var::CallbackWindow => chosen_window(session)
            .zip(ctx.hours())
            .map(|(window, hours)| hours.window_words(window, ctx.now_ms(), language))
            .unwrap_or_default(),
        // Without an agent line no one answers the phone whatever the hours say.
        Var::NextOpening if ctx.agent_number().is_none() => match language {
            Language::En => "during business hours".to_owned(),
            Language::Es => "en horario de oficina".to_owned(),
        },
        Var::NextOpening => ctx
            .hours()
            .map(|hours| hours.opening_words(ctx.now_ms(), language))
            .unwrap_or_default(),
        Var::Heard => session
            .secrets
            .0
            .get(HELD_WORDS)
            .map(|words| words.to_string())
            .or_else(|| session.values.get(HELD_WORDS).cloned())
            .unwrap_or_default(),
        Var::FeeApplies | Var::CardForPlan | Var::CardForPlanChange | Var::Hardship => {
            String::new()
        }
    }
}

/// The callback window the caller chose, of those offered.
pub fn chosen_window(session: &Session) -> Option<crate::hours::Window> {
    let key: usize = session
        .values
        .get(crate::hours::keys::CALLBACK_WINDOW)?
        .parse()
        .ok()?;
    let offered = session.values.get(crate::hours::keys::CALLBACK_WINDOWS)?;
    crate::hours::decode_windows(offered)
        .get(key.checked_sub(1)?)
        .copied()
}

fn money_of(session: &Session, key: &str, language: Language) -> String {
    cents_of(session, key)
        .map(|cents| speech::money_words(cents, language))
        .unwrap_or_default()
}

fn date_words_of(session: &Session, key: &str, language: Language) -> String {
    date_of(session, key)
        .map(|date| speech::date_words(date, language))
        .unwrap_or_default()
}

/// Where a returning caller's plan stands: the next payment, or the one that did not go through.
fn arrangement_status(session: &Session, language: Language) -> String {
    let settlement = session
        .values
        .get(keys::ARRANGEMENT_KIND)
        .is_some_and(|k| k == "settlement");
    let amount = money_of(session, keys::INSTALLMENT_CENTS, language);
    let due = date_words_of(session, keys::INSTALLMENT_DUE, language);
    let missed = session
        .values
        .get(keys::INSTALLMENT_MISSED)
        .is_some_and(|m| m == "1");
    match (language, settlement, missed) {
        (Language::En, false, false) => {
            format!(
                "You have a payment plan with us. Your next payment of {amount} is due on {due}."
            )
        }
        (Language::En, true, false) => format!(
            "You are settling this account in payments. Your next payment of {amount} is due on {due}."
        ),
        (Language::En, _, true) => {
            format!("Your payment plan's payment of {amount}, due on {due}, didn't go through.")
        }
        (Language::Es, false, false) => format!(
            "Usted tiene un plan de pagos con nosotros. Su próximo pago de {amount} vence el {due}."
        ),
        (Language::Es, true, false) => format!(
            "Usted está liquidando esta cuenta en pagos. Su próximo pago de {amount} vence el {due}."
        ),
        (Language::Es, _, true) => {
            format!("El pago de {amount} de su plan, con vencimiento el {due}, no se pudo cobrar.")
        }
    }
}

/// The options of `set` the account's policy allows now (none before a policy is chosen).
fn offered(set: OfferSet, session: &Session, ctx: &impl Context) -> Vec<Offer> {
    let (Some(policy), Some(account)) = (ctx.policy(), ctx.account()) else {
        return Vec::new();
    };
    let situation = collections::offers::Situation {
        smallest_payment_cents: ctx.smallest_payment_cents(account),
        agent_available: people_available(ctx),
        hardship: session.values.contains_key(keys::HARDSHIP),
        open_arrangement: session.values.contains_key(keys::ARRANGEMENT_ID),
        today: ctx.today(),
    };
    collections::offers::available(policy, set, account, situation)
}

/// A session value in cents.
fn cents_of(session: &Session, key: &str) -> Option<i64> {
    session.values.get(key).and_then(|c| c.parse().ok())
}

/// A session value that is a date.
fn date_of(session: &Session, key: &str) -> Option<time::Date> {
    session
        .values
        .get(key)
        .and_then(|d| collections::parse_date(d))
}

/// The installments being arranged, as they would be scheduled from today.
fn planned_schedule(session: &Session, ctx: &impl Context) -> Vec<collections::terms::Installment> {
    let (Some(total), Some(count)) = (
        cents_of(session, keys::PLAN_TOTAL),
        session
            .values
            .get(keys::PLAN_COUNT)
            .and_then(|c| c.parse::<u32>().ok()),
    ) else {
        return Vec::new();
    };
    let Some(terms) = ctx.policy().and_then(|policy| {
        collections::offers::plan_terms(policy, session.values.contains_key(keys::HARDSHIP))
    }) else {
        return Vec::new();
    };
    let first = if terms.first_payment_today {
        ctx.today()
    } else {
        terms.interval.after(ctx.today(), 1)
    };
    collections::terms::schedule(total, count, first, terms.interval)
}

fn holds(condition: &Condition, session: &Session, ctx: &impl Context) -> bool {
    let account = ctx.account();
    match condition {
        Condition::Is(Var::CallerMatched) => session.caller_matched,
        Condition::Is(Var::Authenticated) => session.authenticated,
        Condition::Is(Var::AgentAvailable) => ctx.agent_number().is_some(),
        Condition::Is(Var::PeopleAvailable) => people_available(ctx),
        Condition::Is(Var::CanPayMinimum) => account.is_some_and(|a| {
            (ctx.smallest_payment_cents(a)..a.balance_cents).contains(&a.minimum_due_cents)
        }),
        Condition::Is(Var::CanPayOtherAmount) => {
            account.is_some_and(|a| ctx.smallest_payment_cents(a) < a.balance_cents)
        }
        Condition::Is(Var::FeeApplies) => cents_of(session, keys::FEE_CENTS).is_some_and(|f| f > 0),
        Condition::Is(Var::CardForPlan) => session
            .values
            .get(keys::CARD_FOR)
            .is_some_and(|f| f == "plan"),
        Condition::Is(Var::CardForPlanChange) => session
            .values
            .get(keys::CARD_FOR)
            .is_some_and(|f| f == "plan_card"),
        Condition::Is(Var::Hardship) => session.values.contains_key(keys::HARDSHIP),
        Condition::Is(_) => false,
        Condition::Money(var, cmp, cents) => {
            let value = match var {
                Var::Balance => account.map(|a| a.balance_cents),
                Var::MinimumDue => account.map(|a| a.minimum_due_cents),
                _ => None,
            };
            value.is_some_and(|v| cmp.holds(v, *cents))
        }
        Condition::Text(var, equal, text) => {
            let value = match var {
                Var::Segment => account.map(|a| a.segment.clone()),
                Var::Language => session.language.map(|l| l.code().to_owned()),
                Var::FirstName => account.map(|a| first_name(a).to_owned()),
                _ => None,
            };
            value.is_some_and(|v| (v == *text) == *equal)
        }
    }
}
