//! The fields of Plivo's voice webhooks the flow uses, read into the neutral callback, and the
//! form its simulator posts. Plivo posts forms: `CallUUID`, `From`, `To`, `CallStatus`; a
//! `<GetInput>`'s action adds `InputType` with `Digits`, or `Speech` and
//! `SpeechConfidenceScore`; a `<Dial>`'s action `DialStatus`; the hangup URL `Duration` and
//! `HangupCauseName`; a text `Text` and `MessageUUID`, a text's status `Status`.

use crate::telephony::simulator::{CallStatus, DialStatus, Webhook};
use crate::telephony::twiml_fields::{MAX_TEXT_CHARS, confidence_permille, usable};
use crate::telephony::{Callback, Delivery, Event, Request};

/// Plivo's call statuses that say the call has ended, and of those, the ones that say it was
/// never answered.
const ENDED: [&str; 6] = [
    "completed",
    "busy",
    "failed",
    "timeout",
    "no-answer",
    "cancel",
];
const UNANSWERED: [&str; 5] = ["busy", "failed", "timeout", "no-answer", "cancel"];

/// The neutral fields of any of Plivo's webhooks.
pub fn read(event: Event, request: &Request<'_>) -> Callback {
    let pairs = request.form();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let kept = |name: &str| field(name).filter(|value| usable(value)).map(str::to_owned);
    match event {
        Event::TextReceived => Callback {
            from: kept("From"),
            to: kept("To"),
            text: field("Text")
                .filter(|text| text.chars().nth(MAX_TEXT_CHARS).is_none())
                .map(str::to_owned),
            ..Callback::default()
        },
        Event::TextStatus => Callback {
            message_id: kept("MessageUUID"),
            delivery: match field("Status") {
                Some("sent") => Some(Delivery::Sent),
                Some("delivered") => Some(Delivery::Delivered),
                Some("undelivered") => Some(Delivery::Undelivered),
                Some("failed" | "rejected") => Some(Delivery::Failed),
                _ => None,
            },
            ..Callback::default()
        },
        _ => {
            let status = field("CallStatus").unwrap_or_default();
            Callback {
                call_id: kept("CallUUID"),
                from: kept("From"),
                to: kept("To"),
                digits: kept("Digits"),
                speech: kept("Speech"),
                confidence_permille: confidence_permille(field("SpeechConfidenceScore")),
                call_ended: ENDED.contains(&status),
                unanswered: UNANSWERED.contains(&status),
                dial_answered: field("DialStatus") == Some("completed"),
                ..Callback::default()
            }
        }
    }
}

/// The form Plivo posts for `webhook`, by the names [`read`] takes.
pub fn encode(webhook: &Webhook) -> Vec<(String, String)> {
    let status = match webhook.status {
        CallStatus::InProgress => "in-progress",
        CallStatus::Completed => "completed",
        CallStatus::NoAnswer => "no-answer",
        CallStatus::Busy => "busy",
        CallStatus::Failed => "failed",
        CallStatus::Canceled => "cancel",
    };
    let mut fields: Vec<(&str, String)> = vec![
        ("CallUUID", webhook.call_id.clone()),
        ("From", webhook.from.clone()),
        ("To", webhook.to.clone()),
        ("Direction", "inbound".into()),
        ("CallStatus", status.into()),
    ];
    if let Some(seconds) = webhook.duration_seconds {
        fields.extend([
            ("Duration", seconds.to_string()),
            ("BillDuration", seconds.to_string()),
            ("HangupCauseName", "Normal Hangup".into()),
            ("HangupSource", "Caller".into()),
        ]);
    }
    // Plivo reports the input that came first; a webhook carrying both is a test's.
    match (&webhook.digits, &webhook.speech) {
        (Some(_), _) => fields.push(("InputType", "dtmf".into())),
        (None, Some(_)) => fields.push(("InputType", "speech".into())),
        (None, None) => {}
    }
    fields.extend(webhook.digits.clone().map(|keys| ("Digits", keys)));
    fields.extend(webhook.speech.clone().map(|words| ("Speech", words)));
    fields.extend(
        webhook
            .confidence
            .clone()
            .map(|value| ("SpeechConfidenceScore", value)),
    );
    if let Some(dial) = webhook.dial {
        let status = match dial {
            DialStatus::Answered => "completed",
            DialStatus::NoAnswer => "no-answer",
        };
        fields.extend([
            ("DialStatus", status.to_owned()),
            ("DialALegUUID", webhook.call_id.clone()),
        ]);
    }
    fields
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}
