//! What a provider dialect implements: the one boundary between a telephony provider and the rest
//! of ivrpay. The HTTP layer routes every provider's webhooks through one generic handler that
//! asks the dialect to verify the request and read its fields, and the dialect renders the
//! engine's neutral [`crate::voice::Response`] in the provider's own format.

use std::fmt;

use axum::http::HeaderMap;

use crate::language::Language;
use crate::voice;

/// The webhooks a call sends, in neutral terms. Each is served at `/{provider}/{event}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A call arrives.
    Voice,
    /// The caller answered a question (keys, or nothing).
    Gather,
    /// A transfer ended.
    Dial,
    /// The call's status changed (it ended).
    Status,
    /// The agent's line answered a transfer: what the agent hears first.
    Whisper,
    /// A caller waiting in a conference for a person: hold audio and a kind word now and then.
    Hold,
    /// The agent's line, rung by the service for a caller waiting in a conference, answered:
    /// the whisper, then into the caller's room.
    AgentLeg,
    /// The agent's line rung for a waiting caller finished (unanswered, busy, or after the call).
    AgentLegEnded,
    /// An agent sent the caller they are talking with to key in a card on the line's own
    /// questions.
    Assist,
}

impl Event {
    /// Every event, for routing.
    pub const ALL: [Event; 9] = [
        Event::Voice,
        Event::Gather,
        Event::Dial,
        Event::Status,
        Event::Whisper,
        Event::Hold,
        Event::AgentLeg,
        Event::AgentLegEnded,
        Event::Assist,
    ];

    /// The path segment after the provider's name.
    pub fn path_segment(self) -> &'static str {
        match self {
            Event::Voice => "voice",
            Event::Gather => "gather",
            Event::Dial => "dial",
            Event::Status => "status",
            Event::Whisper => "whisper",
            Event::Hold => "hold",
            Event::AgentLeg => "agent",
            Event::AgentLegEnded => "agent-status",
            Event::Assist => "assist",
        }
    }
}

/// The fields of a webhook the service reads, already sanitised and picked out by the dialect.
/// Every field is optional: a provider omits what does not apply, and garbage may omit anything.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Callback {
    /// The provider's call id.
    pub call_id: Option<String>,
    /// Caller ID.
    pub from: Option<String>,
    /// The number called.
    pub to: Option<String>,
    /// Keys pressed at a question; `None` for silence. Sensitive: never logged.
    pub digits: Option<String>,
    /// What the caller said at a question that listens for speech, as recognized; `None` when
    /// nothing was said. Sensitive like the keys: never logged.
    pub speech: Option<String>,
    /// The recognizer's confidence in `speech`, in thousandths (0 to 1000); `None` when the
    /// provider gave none.
    pub confidence_permille: Option<u16>,
    /// Whether the call has ended (on a status webhook).
    pub call_ended: bool,
    /// Whether the agent answered (on a dial webhook).
    pub dial_answered: bool,
    /// Whether the call ended without being answered: busy, failed, no answer, or cancelled (on
    /// a status webhook; for the agent's line rung for a waiting caller).
    pub unanswered: bool,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("call_id", &self.call_id)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("digits", &self.digits.as_ref().map(|_| "<redacted>"))
            .field("speech", &self.speech.as_ref().map(|_| "<redacted>"))
            .field("confidence_permille", &self.confidence_permille)
            .field("call_ended", &self.call_ended)
            .field("dial_answered", &self.dial_answered)
            .finish()
    }
}

/// A webhook request as received, for the dialect to verify.
pub struct Signed<'a> {
    /// The full URL the provider requested: the configured public URL plus path and query.
    pub url: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
    /// The form fields, decoded but not yet cleaned (signatures cover them as sent).
    pub pairs: &'a [(String, String)],
}

impl Signed<'_> {
    /// A header's value as text; empty when absent or not text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }
}

/// One telephony provider's dialect. `Debug` must not print secrets.
pub trait Dialect: Send + Sync + fmt::Debug {
    /// The provider's name: the first path segment of its webhooks and the `provider` of its
    /// calls: the name of its folder under `telephony/`.
    fn name(&self) -> &'static str;

    /// Headers that carry credentials or signatures, hidden from request traces.
    fn sensitive_headers(&self) -> &'static [&'static str];

    /// Whether the request really came from the provider.
    fn verify(&self, request: &Signed<'_>) -> bool;

    /// The fields the service reads, from the webhook's (cleaned) form fields.
    fn callback(&self, pairs: &[(String, String)]) -> Callback;

    /// The response in the provider's format.
    fn render(&self, response: &voice::Response) -> String;

    /// The response's content type.
    fn content_type(&self) -> &'static str {
        "text/xml; charset=utf-8"
    }

    /// The path of one of this provider's webhooks (its callback URLs are the public URL plus
    /// this).
    fn path(&self, event: Event) -> String {
        format!("/{}/{}", self.name(), event.path_segment())
    }

    /// A warning when `voice` (or the provider's default voice, for `None`) is known not to speak
    /// `language` on this provider.
    fn voice_warning(&self, _voice: Option<&str>, _language: Language) -> Option<String> {
        None
    }
}
