//! Running a flow, one webhook at a time.
//!
//! A webhook brings the caller's input (or the call's start); the [`Stepper`] applies it to the
//! state the caller was left in, then walks through states that need no input (saying things,
//! running actions, branching) until it reaches the next question, a transfer, or the end of the
//! call. The caller hears everything gathered on the way in one response, with no extra round
//! trips. The engine does no I/O: what has an effect it returns as a [`Need`], and the service
//! resumes it with the [`Outcome`].
//!
//! | file | what it does |
//! | --- | --- |
//! | `mod.rs` | the session, the input, the turn, and the [`Context`] of facts the engine reads |
//! | `stepper.rs` | walking: the stepper, states that need no input, transfers, the recording |
//! | `answer.rs` | answering: checking an entry against the question, routing it, misses |
//! | `understand.rs` | spoken answers: phrases and values in words, answers held for a yes |
//! | `ask.rs` | asking: prompts, lead-ins, help, options, pace, rendering |
//! | `spoken.rs` | speaking values: what each flow variable says on this call |
//! | `conditions.rs` | branch conditions, the options that apply, the plan's schedule |
//!
//! The parts are one engine split by what they do, so each sees the others' items
//! (`use super::*` and the glob imports below) as the single file did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::actions::Action;
use super::definition::{
    CardCapture, Condition, Flow, InputKind, OfferSet, Phrases, Prompt, PromptSource, Segment,
    State, StateKind, StateSpeech, Var,
};
use super::facts::{self, Facts};
use super::steps::StepRecord;
use crate::collections::Account;
use crate::collections::{self, Offer};
use crate::language::Language;
use crate::payments::CardBrand;
use crate::speech;
use crate::voice::{self, Dial, Gather, Listen, Verb};

mod answer;
mod ask;
mod conditions;
mod pay;
mod spoken;
mod stepper;
mod understand;

pub use answer::hardship_reason;
use answer::*;
use ask::*;
use conditions::*;
pub use spoken::chosen_window;
use spoken::*;
use stepper::*;
pub use stepper::{FlowError, Need, Outcome, Step, Stepper};
use understand::*;

/// The sensitive entries that make up a card or a bank account: while any is held, entry is not
/// over.
const PAYMENT_INPUTS: [crate::payments::SecretField; 7] = crate::payments::SecretField::ALL;

/// Most states one webhook may pass through: a flow whose say/branch/action states loop without
/// asking anything would otherwise never answer.
const MAX_HOPS: usize = 64;

/// Where an option's line names its key (`To set up a payment plan, press {key}.`); the loader
/// keeps it as text, and it is replaced by the key the option is offered on.
pub const OPTION_KEY: &str = "\u{27ea}key\u{27eb}";

/// The choice at an offers state with a short first list that names the rest: its key is kept
/// with the options' (`4=more`), and `phrases.more` are the words for it.
pub const MORE: &str = "more";

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
    /// What the call has learned, typed (none of it card data).
    #[serde(default)]
    pub facts: Facts,
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
    /// To be paused by this answer's markup (BXML's `<PauseRecording>`), which the engine
    /// writes before the first card question; resumed the same way once card entry is over.
    InMarkup,
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
    /// The provider's card capture ended: its report (never the card number).
    Paid(voice::PayReport),
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
            Input::Paid(report) => write!(f, "Paid({})", report.result.name()),
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

/// Whether the call hears answers by voice: the flow listens (`[speech]`) and the call's
/// provider can. Where not, the flow's words offer keys alone.
pub(super) fn listens(flow: &Flow, ctx: &impl Context) -> bool {
    flow.speech.is_some() && ctx.provider_listens()
}

/// What the engine reads of the rest of the service while it steps: facts about the call and the
/// line, never an effect. Whatever has an effect (an action, ringing an agent, pausing the
/// recording) the engine asks for as a [`Need`] and is resumed with its [`Outcome`].
pub trait Context {
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
    /// The line's business hours, when configured; `None`: always open, and no callbacks.
    fn hours(&self) -> Option<&crate::hours::Hours>;
    /// Whether the call's provider hears answers by voice (where the flow listens for them);
    /// `false` where its questions take keys only, so the flow's words offer keys alone.
    fn provider_listens(&self) -> bool {
        true
    }
    /// Whether a transfer puts the caller in a conference room with hold audio while the line
    /// rings the agent itself ([`Need::RingAgent`]); `false`: a plain dial, with ringing.
    fn holds_transfers(&self) -> bool;
    /// The call's conference room (the same for the waiting caller and the agent's leg).
    fn conference_name(&self) -> String;
    /// Absolute URL of what a caller waiting for a person hears, in their language.
    fn hold_url(&self, language: Language) -> String;
    /// Card capture by the call's provider, where it offers one ([`voice::Pay`]): where its
    /// result and its progress are posted, and the connector it charges through.
    fn card_capture(&self, _turn: i64) -> Option<ProviderCapture> {
        None
    }
    /// Whether a pay link can reach the account by text or email (a number or address on file,
    /// by a channel the line sends on); `false` where the line sends nothing.
    fn pay_link_reaches(&self) -> bool {
        false
    }
}

/// Where a provider that captures cards posts, and what it charges through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCapture {
    /// Absolute URL of the result, carrying the turn it answers.
    pub action: String,
    /// Absolute URL of each step's progress.
    pub status_callback: String,
    /// The payment connector, by the name it was installed under (the provider's default
    /// without one).
    pub connector: Option<String>,
}

/// Whether a person can take the call now: an agent line is set and the line is within its
/// business hours.
pub fn people_available(ctx: &impl Context) -> bool {
    ctx.agent_number().is_some() && ctx.hours().is_none_or(|hours| hours.is_open(ctx.now_ms()))
}
