//! The fields of jambonz's webhooks the flow uses, read from the posted JSON into the neutral
//! callback, and the JSON its simulator posts: `call_sid`, `from`, `to`, `call_status`; a
//! gather's `digits`, or `speech.alternatives[0]` with its `transcript` and `confidence`; a
//! dial's `dial_call_status`.

use serde_json::json;

use crate::telephony::simulator::{CallStatus, DialStatus, Webhook};
use crate::telephony::twiml_fields::MAX_TEXT_CHARS;
use crate::telephony::{Callback, Event, Request};

/// jambonz's call statuses that say the call has ended, and of those, the ones that say it was
/// never answered.
const ENDED: [&str; 4] = ["completed", "failed", "busy", "no-answer"];
const UNANSWERED: [&str; 3] = ["failed", "busy", "no-answer"];

/// The neutral fields of any of jambonz's webhooks; a body that is not a JSON object reads as
/// nothing.
pub fn read(event: Event, request: &Request<'_>) -> Callback {
    let body = request.json();
    let text = Request::json_text;
    if event == Event::TextReceived {
        return Callback {
            from: text(&body["from"]),
            to: text(&body["to"]),
            text: body["text"]
                .as_str()
                .filter(|words| words.chars().nth(MAX_TEXT_CHARS).is_none())
                .map(str::to_owned),
            ..Callback::default()
        };
    }
    let status = body["call_status"].as_str().unwrap_or_default();
    let best = &body["speech"]["alternatives"][0];
    Callback {
        call_id: text(&body["call_sid"]),
        from: text(&body["from"]),
        to: text(&body["to"]),
        digits: text(&body["digits"]),
        speech: text(&best["transcript"]),
        confidence_permille: best["confidence"]
            .as_f64()
            .filter(|confidence| (0.0..=1.0).contains(confidence))
            // Within 0 to 1000 by the filter above.
            .map(|confidence| (confidence * 1000.0).round() as u16),
        call_ended: ENDED.contains(&status),
        unanswered: UNANSWERED.contains(&status),
        dial_answered: body["dial_call_status"] == "completed",
        ..Callback::default()
    }
}

/// The JSON jambonz posts for `webhook`, by the names [`read`] takes.
pub fn encode(webhook: &Webhook) -> Vec<u8> {
    let status = match webhook.status {
        CallStatus::InProgress => "in-progress",
        CallStatus::Completed => "completed",
        CallStatus::NoAnswer => "no-answer",
        CallStatus::Busy => "busy",
        CallStatus::Failed | CallStatus::Canceled => "failed",
    };
    let mut body = json!({
        "call_sid": webhook.call_id,
        "call_id": format!("{}@ivrpay.sip", webhook.call_id),
        "direction": "inbound",
        "from": webhook.from,
        "to": webhook.to,
        "call_status": status,
        "sip_status": 200,
    });
    if let Some(seconds) = webhook.duration_seconds {
        body["duration"] = json!(seconds);
    }
    if let Some(keys) = &webhook.digits {
        body["reason"] = json!("dtmfDetected");
        body["digits"] = json!(keys);
    }
    if let Some(words) = &webhook.speech {
        if webhook.digits.is_none() {
            body["reason"] = json!("speechDetected");
        }
        let confidence = webhook
            .confidence
            .as_deref()
            .and_then(|value| value.parse::<f64>().ok());
        body["speech"] = json!({
            "language_code": "en-US",
            "is_final": true,
            "alternatives": [{"transcript": words, "confidence": confidence}],
        });
    }
    if let Some(dial) = webhook.dial {
        body["dial_call_status"] = json!(match dial {
            DialStatus::Answered => "completed",
            DialStatus::NoAnswer => "no-answer",
        });
    }
    body.to_string().into_bytes()
}
