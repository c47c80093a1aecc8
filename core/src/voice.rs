//! The provider-neutral voice response.
//!
//! The call-flow engine answers every webhook with a [`Response`]; each telephony dialect
//! (one folder each under `telephony/`) renders it in its own XML or JSON. Keeping this type small and
//! free of provider details is what lets one flow run on every provider.

use crate::language::Language;

/// What the caller hears and what happens next, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The verbs, executed one after the other by the provider.
    pub verbs: Vec<Verb>,
}

/// Something the caller hears, inside or outside a [`Gather`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// Text spoken by the provider's text-to-speech.
    Say {
        /// The words, already rendered (money and dates as words).
        text: String,
        /// The language to speak them in.
        language: Language,
        /// A provider voice name (e.g. `Polly.Joanna`); `None` uses the provider's default.
        voice: Option<String>,
        /// Spoken more slowly than usual (SSML prosody), for a caller who asked or who needed
        /// things repeated.
        slow: bool,
        /// Which flow prompt these words are, when the flow plays recordings: the service
        /// replaces the words with the recording when every piece of it is recorded
        /// (`audio::Library::play_recorded`). Dialects never see it set.
        recorded: Option<Box<Recordable>>,
    },
    /// A recorded prompt, by absolute URL.
    Play {
        /// Absolute URL of the audio file.
        url: String,
    },
    /// Silence, to give the caller a moment.
    Pause {
        /// Length of the pause in whole seconds.
        seconds: u32,
    },
}

/// A flow prompt as spoken on this call, for choosing its recording after the engine spoke: the
/// prompt's name, the words each of its variables said, and the key an option's line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recordable {
    /// The prompt's name in its flow (`ask_amount.prompt`), which its recordings are named for.
    pub prompt: String,
    /// Each variable's words on this call, by the variable's name.
    pub words: Vec<(&'static str, String)>,
    /// The key an option's line was offered on.
    pub key: Option<char>,
    /// Whether it is said at the slower pace inside a question: if it is spoken after all, it
    /// is spoken a sentence at a time.
    pub paced: bool,
}

/// Collects keypad digits while prompts play, then posts them to `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    /// Absolute URL the provider posts the digits to. It is posted even when the caller pressed
    /// nothing, so the flow decides what silence means.
    pub action: String,
    /// Stop after this many digits; `None` waits for `finish_on_key` or the timeout.
    pub num_digits: Option<u32>,
    /// The key that ends entry (usually `#`); `None` disables it.
    pub finish_on_key: Option<char>,
    /// Seconds of silence after which the provider stops waiting.
    pub timeout_seconds: u32,
    /// What plays while the provider listens.
    pub prompts: Vec<Prompt>,
    /// Whether the caller may also answer by voice, and how to listen; `None` is keys only.
    pub speech: Option<Listen>,
}

/// How the provider listens when a question may be answered by voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// The language the recognizer expects.
    pub language: Language,
    /// Words and phrases the caller is likely to say here, to help recognition.
    pub hints: Vec<String>,
    /// Seconds of quiet after the caller stops speaking that end the answer (older callers pause
    /// between digits, so this is longer at a slower pace).
    pub end_after_seconds: u32,
}

/// Connects the caller to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// The number to dial, E.164.
    pub number: String,
    /// Caller ID shown to the agent; `None` keeps the provider's default.
    pub caller_id: Option<String>,
    /// Absolute URL played to the agent before the call connects (the whisper that hands over the
    /// caller's context); `None` connects straight away.
    pub whisper_url: Option<String>,
    /// Absolute URL the provider posts to when the dial ends; `None` continues with the next verb.
    pub action: Option<String>,
    /// Seconds to ring before giving up.
    pub timeout_seconds: u32,
}

/// Puts the caller in a conference room: a transfer where the caller hears hold audio until an
/// agent (rung separately) joins, and where the agent can stay while the caller steps out to key
/// in a card and comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference {
    /// The room's name; the agent's leg joins the same name.
    pub name: String,
    /// Absolute URL of what the caller hears until the conference starts (hold audio and a kind
    /// word now and then); `None` is the provider's default music.
    pub wait_url: Option<String>,
    /// Whether this participant entering starts the conference (the agent does; a waiting caller
    /// does not, so they hear the wait URL until the agent arrives).
    pub start_on_enter: bool,
    /// Whether this participant leaving ends it for everyone (the agent does; the caller does
    /// not, so the agent stays while the caller keys in a card elsewhere).
    pub end_on_exit: bool,
    /// Absolute URL the provider posts to when the caller leaves the room; `None` continues with
    /// the next verb.
    pub action: Option<String>,
}

/// One instruction to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// Speak, play or pause.
    Prompt(Prompt),
    /// Collect digits.
    Gather(Gather),
    /// Transfer to a person.
    Dial(Dial),
    /// Wait for, or go back to, a person in a conference room.
    Conference(Conference),
    /// Hand card entry to the provider's own capture: it asks for the card with our prompts,
    /// charges it through its payment connector, and posts only the result (a masked card) to
    /// `action`. The card number never reaches the line.
    Pay(Pay),
    /// Pause or resume the call's recording where the provider's markup does it (BXML's
    /// `<PauseRecording>`), so no card digit is recorded. Where a provider pauses recordings
    /// through its API instead, its dialect writes nothing for it.
    Recording(RecordingChange),
    /// Fetch the next instructions from this absolute URL.
    Redirect {
        /// Absolute URL.
        url: String,
    },
    /// End the call.
    Hangup,
}

/// A change to the call's recording made in markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingChange {
    /// Stop recording until resumed: before a card or bank account is keyed in.
    Pause,
    /// Record again: card entry is over.
    Resume,
}

/// Card capture by the provider (a TwiML `<Pay>`): what to charge and our words for every
/// field, error and attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pay {
    /// Where the result is posted.
    pub action: String,
    /// Where each step's progress is posted.
    pub status_callback: Option<String>,
    /// What to charge, in cents (the payment and its fee).
    pub charge_cents: i64,
    /// ISO 4217, lower case (`usd`).
    pub currency: &'static str,
    /// What the charge is for, as the connector records it.
    pub description: String,
    /// The language of the provider's own words (our prompts replace them).
    pub language: Language,
    /// Tries per field before the provider gives up (1 to 3).
    pub max_attempts: u32,
    /// Seconds the provider waits between keys.
    pub timeout_seconds: u32,
    /// Whether the security code is asked for.
    pub security_code: bool,
    /// Whether the billing postal code is asked for.
    pub postal_code: bool,
    /// The card brands accepted.
    pub card_brands: Vec<crate::payments::CardBrand>,
    /// The payment connector the provider charges through, by the name it was installed under.
    pub connector: Option<String>,
    /// Our words, for each field (and error, attempt or brand where they differ).
    pub prompts: Vec<PayPrompt>,
}

/// The words for one step of card capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayPrompt {
    /// Which step.
    pub step: PayStep,
    /// After which error (none: asking plainly).
    pub error: Option<PayError>,
    /// On which tries (empty: every try).
    pub attempts: Vec<u32>,
    /// For which brand (the security code's place differs for American Express).
    pub card_brand: Option<crate::payments::CardBrand>,
    /// What is said.
    pub prompts: Vec<Prompt>,
}

crate::named::named_enum! {
    /// A step of card capture by the provider, named as TwiML's `<Prompt for>` names it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PayStep {
        /// The card number.
        CardNumber = "payment-card-number",
        /// The expiry date.
        ExpirationDate = "expiration-date",
        /// The security code.
        SecurityCode = "security-code",
        /// The billing postal code.
        PostalCode = "postal-code",
        /// While the connector charges.
        Processing = "payment-processing",
    }
}

crate::named::named_enum! {
    /// Why a step of card capture is asked again, named as TwiML's `errorType` names it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PayError {
        /// Nothing was keyed in time.
        Timeout = "timeout",
        /// Not a card number.
        InvalidCardNumber = "invalid-card-number",
        /// A card of a brand not accepted.
        InvalidCardType = "invalid-card-type",
        /// Not a date, or one past.
        InvalidDate = "invalid-date",
        /// Not a security code.
        InvalidSecurityCode = "invalid-security-code",
        /// Not a postal code.
        InvalidPostalCode = "invalid-postal-code",
    }
}

crate::named::named_enum! {
    /// How card capture by the provider ended, named as TwiML's `Result` names it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PayResult {
        /// Charged (or kept) by the connector.
        Success = "success",
        /// The caller could not key in a field within the tries allowed.
        TooManyFailedAttempts = "too-many-failed-attempts",
        /// The connector refused or failed the charge.
        ConnectorError = "payment-connector-error",
        /// The caller pressed star to leave card entry.
        CallerInterrupted = "caller-interrupted-with-star",
        /// The caller hung up during card entry.
        CallerHungUp = "caller-hung-up",
        /// The provider refused our request (an attribute it does not accept).
        ValidationError = "validation-error",
        /// The provider failed.
        InternalError = "internal-error",
    }
}

/// What the provider reports of card capture: never the card number (its last four at most).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayReport {
    /// How it ended.
    pub result: PayResult,
    /// The connector's id of the charge, on success.
    pub confirmation: Option<String>,
    /// The card's brand, as the provider names it (`visa`, `amex` ...).
    pub card_brand: Option<String>,
    /// The card's last four digits.
    pub last4: Option<String>,
    /// The provider's or connector's error code, when it failed.
    pub error_code: Option<String>,
    /// The connector's words for the failure (`Your card was declined.`).
    pub error: Option<String>,
}

impl Response {
    /// An empty response.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a verb.
    pub fn push(&mut self, verb: Verb) -> &mut Self {
        self.verbs.push(verb);
        self
    }

    /// Appends spoken text.
    pub fn say(&mut self, text: impl Into<String>, language: Language) -> &mut Self {
        self.push(Verb::Prompt(Prompt::Say {
            text: text.into(),
            language,
            voice: None,
            slow: false,
            recorded: None,
        }))
    }
}

/// Adds a spoken prompt to `paced` a sentence at a time, with a moment before each sentence
/// that does not open the list: how a caller at the slower pace hears options one at a time.
pub fn push_sentences(paced: &mut Vec<Prompt>, prompt: Prompt) {
    let Prompt::Say {
        text,
        language,
        voice,
        slow,
        ..
    } = prompt
    else {
        paced.push(prompt);
        return;
    };
    for sentence in sentences(&text) {
        if !paced.is_empty() {
            paced.push(Prompt::Pause { seconds: 1 });
        }
        paced.push(Prompt::Say {
            text: sentence.to_owned(),
            language,
            voice: voice.clone(),
            slow,
            recorded: None,
        });
    }
}

/// The sentences of a text: split after `.`, `?` or `!` followed by a space.
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

/// Chooses recordings after the engine spoke: every prompt that says which flow prompt it is
/// ([`Recordable`]) is played from the URL `recording` gives for it, or else spoken (a sentence
/// at a time when it was to be paced). Afterwards no prompt carries a [`Recordable`], so
/// dialects never see one.
pub fn choose_recordings(
    response: &mut Response,
    mut recording: impl FnMut(&Recordable, Language) -> Option<String>,
) {
    for verb in &mut response.verbs {
        match verb {
            Verb::Prompt(prompt) => {
                if let Prompt::Say {
                    recorded: Some(recordable),
                    language,
                    ..
                } = prompt
                {
                    if let Some(url) = recording(recordable, *language) {
                        *prompt = Prompt::Play { url };
                    } else if let Prompt::Say { recorded, .. } = prompt {
                        *recorded = None;
                    }
                }
            }
            Verb::Gather(gather) => {
                if !gather.prompts.iter().any(Prompt::is_recordable) {
                    continue;
                }
                let mut chosen = Vec::with_capacity(gather.prompts.len());
                for mut prompt in std::mem::take(&mut gather.prompts) {
                    let Prompt::Say {
                        recorded: Some(recordable),
                        language,
                        ..
                    } = &mut prompt
                    else {
                        chosen.push(prompt);
                        continue;
                    };
                    if let Some(url) = recording(recordable, *language) {
                        chosen.push(Prompt::Play { url });
                    } else if recordable.paced {
                        push_sentences(&mut chosen, prompt);
                    } else {
                        if let Prompt::Say { recorded, .. } = &mut prompt {
                            *recorded = None;
                        }
                        chosen.push(prompt);
                    }
                }
                gather.prompts = chosen;
            }
            _ => {}
        }
    }
}

impl Prompt {
    /// Whether it may yet be played from a recording.
    fn is_recordable(&self) -> bool {
        matches!(
            self,
            Prompt::Say {
                recorded: Some(_),
                ..
            }
        )
    }
}
