//! What a provider dialect implements: the one boundary between a telephony provider and the rest
//! of ivrpay. The HTTP layer routes every provider's webhooks through one generic handler that
//! hands the dialect the raw request ([`Request`]: method, URL, headers, body, and the service's
//! clock) to verify and read into a neutral [`Callback`], whether the provider posts a form or
//! JSON; the dialect renders the engine's neutral [`crate::voice::Response`] in the provider's own
//! format, and offers what the provider can do beyond webhooks as capabilities
//! ([`super::capabilities`]).

use std::fmt;
use std::sync::OnceLock;

use http::HeaderMap;

use super::capabilities::{CallControl, RecordingControl, Texting};
use super::sanitize;
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
    /// Someone sent a text to the line's number (STOP, START, HELP).
    TextReceived,
    /// What became of a text the service sent.
    TextStatus,
    /// Card capture by the provider ended: its result.
    Pay,
    /// Card capture by the provider moved on a step (progress only).
    PayStatus,
}

impl Event {
    /// Every event, for routing.
    pub const ALL: [Event; 13] = [
        Event::Voice,
        Event::Gather,
        Event::Dial,
        Event::Status,
        Event::Whisper,
        Event::Hold,
        Event::AgentLeg,
        Event::AgentLegEnded,
        Event::Assist,
        Event::TextReceived,
        Event::TextStatus,
        Event::Pay,
        Event::PayStatus,
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
            Event::TextReceived => "sms",
            Event::TextStatus => "sms-status",
            Event::Pay => "pay",
            Event::PayStatus => "pay-status",
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
    /// A text someone sent (on a text-received webhook). Sensitive like the keys: a person may
    /// type anything, card numbers included; never logged.
    pub text: Option<String>,
    /// The provider's id of a text the service sent (on a text-status webhook).
    pub message_id: Option<String>,
    /// Where that text ended up, when the status says.
    pub delivery: Option<Delivery>,
    /// How card capture by the provider ended (on a pay webhook).
    pub pay: Option<crate::voice::PayReport>,
    /// Whether the webhook only reports progress (a transfer's leg ringing, or answered and
    /// talking): acknowledged, and nothing about the call changes.
    pub progress_only: bool,
}

/// Where a text the service sent ended up, as its provider reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the carrier.
    Sent,
    /// On the phone.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// The provider could not send it.
    Failed,
}

impl Delivery {
    /// The name recorded with the message.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Undelivered => "undelivered",
            Delivery::Failed => "failed",
        }
    }
}

impl Callback {
    /// Every text field made safe ([`sanitize::clean`]): whatever a dialect read from whatever
    /// bytes arrived, what goes further is valid text without control characters. The handler
    /// applies it once to every dialect's callback.
    pub fn cleaned(self) -> Callback {
        let clean = |value: Option<String>| value.map(|value| sanitize::clean(&value));
        Callback {
            call_id: clean(self.call_id),
            from: clean(self.from),
            to: clean(self.to),
            digits: clean(self.digits),
            speech: clean(self.speech),
            text: clean(self.text),
            message_id: clean(self.message_id),
            pay: self.pay.map(|report| {
                // Free text from a connector, kept only as scrubbed words; a last four of four
                // digits or nothing, whatever was posted.
                let words = |value: Option<String>| {
                    value.map(|value| {
                        crate::payments::redact::scrub_free_text(&sanitize::clean(&value))
                            .into_owned()
                    })
                };
                crate::voice::PayReport {
                    confirmation: words(report.confirmation),
                    card_brand: words(report.card_brand),
                    last4: report
                        .last4
                        .filter(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit())),
                    error_code: words(report.error_code),
                    error: words(report.error),
                    ..report
                }
            }),
            ..self
        }
    }
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
            .field("unanswered", &self.unanswered)
            .field("text", &self.text.as_ref().map(|_| "<redacted>"))
            .field("message_id", &self.message_id)
            .field("delivery", &self.delivery)
            .field("pay", &self.pay.as_ref().map(|report| report.result))
            .field("progress_only", &self.progress_only)
            .finish()
    }
}

/// A webhook request as received: what a dialect verifies and reads.
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The full URL the provider requested: the configured public URL plus path and query (what
    /// URL-signing schemes sign; proxies rewrite the Host header, so it is not used).
    pub url: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The raw body, exactly as received (what body-signing schemes sign).
    pub body: &'a [u8],
    /// Now on the service's clock (UTC ms), for schemes that sign a timestamp and accept it
    /// only within a window.
    pub now_ms: i64,
    /// The body decoded as a form, once, when a dialect first asks.
    form: OnceLock<Vec<(String, String)>>,
}

impl<'a> Request<'a> {
    /// The request as received.
    pub fn new(
        method: &'a str,
        url: &'a str,
        headers: &'a HeaderMap,
        body: &'a [u8],
        now_ms: i64,
    ) -> Request<'a> {
        Request {
            method,
            url,
            headers,
            body,
            now_ms,
            form: OnceLock::new(),
        }
    }

    /// A header's value as text; empty when absent or not text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// The body's form fields, decoded but not cleaned (form signatures cover them as sent);
    /// empty for a body that is not a form.
    pub fn form(&self) -> &[(String, String)] {
        self.form.get_or_init(|| sanitize::decode_form(self.body))
    }

    /// The body decoded as JSON, for providers that post it; `Null` for a body that is not JSON
    /// (every field then reads as absent).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A JSON value that is usable text (see [`Request::form`]'s fields): not empty, not
    /// absurdly long.
    pub fn json_text(value: &serde_json::Value) -> Option<String> {
        value
            .as_str()
            .filter(|text| super::twiml_fields::usable(text))
            .map(str::to_owned)
    }

    /// A parameter of the URL's query, cleaned, read leniently (a malformed query is no
    /// parameter).
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.url.split_once('?').map_or("", |(_, query)| query);
        let query = query.split('#').next().unwrap_or_default();
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| sanitize::clean(&value))
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
    fn verify(&self, request: &Request<'_>) -> bool;

    /// The fields the service reads from `event`'s webhook. Never fails: garbage reads as a
    /// callback with nothing in it (the handler cleans the text afterwards).
    fn read(&self, event: Event, request: &Request<'_>) -> Callback;

    /// The response in the provider's format.
    fn render(&self, response: &voice::Response) -> String;

    /// The answer to a text someone sent: `reply` sent back to them, or nothing.
    fn render_text_reply(&self, reply: Option<&str>) -> String;

    /// How long the provider waits for the answer to a webhook before it gives up on it (and
    /// reads the call an error, or tries its fallback): the line answers well within it. The
    /// strictest provider's, 5 seconds, unless the dialect knows its own.
    fn answer_within(&self) -> std::time::Duration {
        std::time::Duration::from_secs(5)
    }

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

    /// Placing, moving and hanging up calls, if this provider's API is configured.
    fn call_control(&self) -> Option<&dyn CallControl> {
        None
    }

    /// Pausing and resuming a call's recording, if this provider's API is configured.
    fn recording_control(&self) -> Option<&dyn RecordingControl> {
        None
    }

    /// Whether this provider's markup pauses and resumes the call's recording (BXML's
    /// `<PauseRecording>`, which does nothing where nothing records): then card entry is kept
    /// out of any recording by the answers themselves, with no API call and no setting.
    fn pauses_recording_in_markup(&self) -> bool {
        false
    }

    /// Whether this provider captures cards itself (Twilio's `<Pay>`), so a flow may hand card
    /// entry to it and the card number never reaches the line.
    fn captures_cards(&self) -> bool {
        false
    }

    /// The payment connector its card capture charges through, by the name it was installed
    /// under; `None`: the provider's default.
    fn pay_connector(&self) -> Option<&str> {
        None
    }

    /// Sending texts, if this provider's API is configured.
    fn texting(&self) -> Option<&dyn Texting> {
        None
    }

    /// What its markup does differently from what a flow may use, and what it does instead
    /// (what its API lacks follows from the capabilities above: [`super::differences::of`]).
    fn markup_differences(&self) -> &'static [super::differences::Difference] {
        &[]
    }
}
