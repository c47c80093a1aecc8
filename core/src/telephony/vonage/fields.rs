//! The fields of Vonage's voice webhooks the flow uses, read from the posted JSON (or, for an
//! answer webhook left on GET, the query) into the neutral callback, and the JSON its simulator
//! posts: `uuid`, `from`, `to` (E.164 without the `+`); an input's `dtmf.digits`, or
//! `speech.results[0]` with its `text` and `confidence`; an event's `status`.

use serde_json::{Value, json};

use crate::telephony::simulator::{CallStatus, DialStatus, Webhook};
use crate::telephony::twiml_fields::MAX_TEXT_CHARS;
use crate::telephony::{Callback, Event, Request};

/// Statuses that say a call (or a transfer's leg) has ended, and of those, the ones that say it
/// was never answered.
const ENDED: [&str; 7] = [
    "completed",
    "busy",
    "cancelled",
    "failed",
    "rejected",
    "timeout",
    "unanswered",
];
const UNANSWERED: [&str; 6] = [
    "busy",
    "cancelled",
    "failed",
    "rejected",
    "timeout",
    "unanswered",
];
/// A transfer's leg still under way: ringing, or answered and talking.
const UNDER_WAY: [&str; 3] = ["started", "ringing", "answered"];

/// A number Vonage wrote (E.164 without the `+`) as the line keeps numbers.
fn e164(value: Option<String>) -> Option<String> {
    value.map(|number| match number.bytes().all(|b| b.is_ascii_digit()) {
        true => format!("+{number}"),
        false => number,
    })
}

/// The webhook's fields: the JSON body, or for a GET the query's.
fn fields(request: &Request<'_>) -> Value {
    if !request.method.eq_ignore_ascii_case("GET") {
        return request.json();
    }
    let query = request.url.split_once('?').map_or("", |(_, query)| query);
    Value::Object(
        form_urlencoded::parse(query.as_bytes())
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect(),
    )
}

/// The neutral fields of any of Vonage's voice webhooks; a body that is not JSON reads as
/// nothing.
pub fn read(event: Event, request: &Request<'_>) -> Callback {
    let body = fields(request);
    let text = Request::json_text;
    if event == Event::TextReceived {
        return Callback {
            from: e164(text(&body["msisdn"])),
            to: e164(text(&body["to"])),
            text: body["text"]
                .as_str()
                .filter(|words| words.chars().nth(MAX_TEXT_CHARS).is_none())
                .map(str::to_owned),
            ..Callback::default()
        };
    }
    let status = body["status"].as_str().unwrap_or_default();
    let best = &body["speech"]["results"][0];
    let confidence = match &best["confidence"] {
        Value::String(text) => text.parse::<f64>().ok(),
        other => other.as_f64(),
    };
    let transfer = event == Event::Dial;
    Callback {
        call_id: text(&body["uuid"]),
        from: e164(text(&body["from"])),
        to: e164(text(&body["to"])),
        digits: text(&body["dtmf"]["digits"]),
        speech: text(&best["text"]),
        confidence_permille: confidence
            .filter(|confidence| (0.0..=1.0).contains(confidence))
            // Within 0 to 1000 by the filter above.
            .map(|confidence| (confidence * 1000.0).round() as u16),
        call_ended: !transfer && ENDED.contains(&status),
        unanswered: !transfer && UNANSWERED.contains(&status),
        dial_answered: transfer && status == "completed",
        progress_only: transfer && UNDER_WAY.contains(&status),
        ..Callback::default()
    }
}

/// The JSON Vonage posts for `webhook`, by the names [`read`] takes.
pub fn encode(webhook: &Webhook) -> Vec<u8> {
    let number = |number: &str| number.trim_start_matches('+').to_owned();
    let mut body = json!({
        "uuid": webhook.call_id,
        "conversation_uuid": format!("CON-{}", webhook.call_id),
        "from": number(&webhook.from),
        "to": number(&webhook.to),
        "direction": "inbound",
        "timestamp": "2026-11-23T15:00:00.000Z",
    });
    let status = match (webhook.dial, webhook.status) {
        (Some(DialStatus::Answered), _) => Some("completed"),
        (Some(DialStatus::NoAnswer), _) => Some("unanswered"),
        (None, CallStatus::InProgress) => None,
        (None, CallStatus::Completed) => Some("completed"),
        (None, CallStatus::NoAnswer) => Some("unanswered"),
        (None, CallStatus::Busy) => Some("busy"),
        (None, CallStatus::Failed) => Some("failed"),
        (None, CallStatus::Canceled) => Some("cancelled"),
    };
    if let Some(status) = status {
        body["status"] = json!(status);
    }
    if let Some(seconds) = webhook.duration_seconds {
        body["duration"] = json!(seconds.to_string());
    }
    if let Some(keys) = &webhook.digits {
        body["dtmf"] = json!({"digits": keys, "timed_out": false});
    }
    if let Some(words) = &webhook.speech {
        body["speech"] = json!({
            "results": [{"text": words, "confidence": webhook.confidence.clone().unwrap_or_default()}],
        });
    }
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    fn read_body(event: Event, body: &str) -> Callback {
        let headers = HeaderMap::new();
        let request = Request::new(
            "POST",
            "https://x/vonage/dial",
            &headers,
            body.as_bytes(),
            0,
        );
        read(event, &request)
    }

    #[test]
    fn a_transfer_ringing_or_answered_is_progress_and_its_end_says_whether_it_was_answered() {
        for status in ["started", "ringing", "answered"] {
            let read = read_body(
                Event::Dial,
                &format!(r#"{{"uuid":"u1","status":"{status}"}}"#),
            );
            assert!(read.progress_only && !read.dial_answered, "{status}");
        }
        let ended = read_body(Event::Dial, r#"{"uuid":"u1","status":"completed"}"#);
        assert!(ended.dial_answered && !ended.progress_only && !ended.call_ended);
        let unanswered = read_body(Event::Dial, r#"{"uuid":"u1","status":"timeout"}"#);
        assert!(!unanswered.dial_answered && !unanswered.progress_only);
        // The call's own events: the end, and never progress.
        let over = read_body(Event::Status, r#"{"uuid":"u1","status":"busy"}"#);
        assert!(over.call_ended && over.unanswered && !over.progress_only);
    }

    #[test]
    fn numbers_get_their_plus_and_an_answer_on_get_reads_its_query() {
        let headers = HeaderMap::new();
        let request = Request::new(
            "GET",
            "https://x/vonage/voice?uuid=u2&from=15552126618&to=18005550100&conversation_uuid=c",
            &headers,
            b"",
            0,
        );
        let read = read(Event::Voice, &request);
        assert_eq!(read.call_id.as_deref(), Some("u2"));
        assert_eq!(read.from.as_deref(), Some("+15552126618"));
        assert_eq!(read.to.as_deref(), Some("+18005550100"));
        let speech = read_body(
            Event::Gather,
            r#"{"uuid":"u1","speech":{"results":[{"text":"pay in full","confidence":"0.81"}]}}"#,
        );
        assert_eq!(speech.speech.as_deref(), Some("pay in full"));
        assert_eq!(speech.confidence_permille, Some(810));
    }
}
