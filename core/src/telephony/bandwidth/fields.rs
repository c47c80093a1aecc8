//! The fields of Bandwidth's voice webhooks the flow uses, read from the posted JSON into the
//! neutral callback, and the JSON its simulator posts. Every webhook says what it is in
//! `eventType` (`initiate`, `gather`, `redirect`, `transferComplete`, `disconnect`), with
//! `callId`, `from` and `to`; a gather adds `digits` (empty when nobody pressed anything), a
//! finished transfer `answerTime` when the agent answered, a disconnect its `cause`.

use serde_json::json;

use crate::telephony::simulator::{CallStatus, DialStatus, Webhook};
use crate::telephony::twiml_fields::MAX_TEXT_CHARS;
use crate::telephony::{Callback, Event, Request};

/// Why a call ended without being answered.
const UNANSWERED: [&str; 4] = ["busy", "timeout", "cancel", "rejected"];

/// The neutral fields of any of Bandwidth's webhooks; a body that is not a JSON object reads as
/// nothing.
pub fn read(event: Event, request: &Request<'_>) -> Callback {
    let body = request.json();
    let text = Request::json_text;
    if event == Event::TextReceived {
        // Bandwidth's messaging posts a list of events, each with its message.
        let message = &body[0]["message"];
        return Callback {
            from: text(&message["from"]),
            to: text(&message["to"][0]),
            text: message["text"]
                .as_str()
                .filter(|words| words.chars().nth(MAX_TEXT_CHARS).is_none())
                .map(str::to_owned),
            ..Callback::default()
        };
    }
    let event_type = body["eventType"].as_str().unwrap_or_default();
    let cause = body["cause"].as_str().unwrap_or_default();
    let ended = event_type == "disconnect";
    Callback {
        call_id: text(&body["callId"]),
        from: text(&body["from"]),
        to: text(&body["to"]),
        digits: text(&body["digits"]),
        call_ended: ended,
        unanswered: ended && UNANSWERED.contains(&cause),
        dial_answered: event_type == "transferComplete"
            && body["answerTime"]
                .as_str()
                .is_some_and(|time| !time.is_empty()),
        ..Callback::default()
    }
}

/// The JSON Bandwidth posts for `webhook`, by the names [`read`] takes; which event it is
/// follows from what it reports and the path it goes to.
pub fn encode(webhook: &Webhook) -> Vec<u8> {
    const AT: &str = "2026-11-23T15:00:00.000Z";
    let path = webhook
        .url
        .split('?')
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let mut body = json!({
        "accountId": "9900000",
        "applicationId": "04e88489-df02-4e34-a0ee-27a91849555f",
        "callId": webhook.call_id,
        "from": webhook.from,
        "to": webhook.to,
        "direction": "inbound",
        "eventTime": AT,
        "startTime": AT,
    });
    let event_type = if webhook.status != CallStatus::InProgress {
        body["cause"] = json!(match webhook.status {
            CallStatus::InProgress | CallStatus::Completed => "hangup",
            CallStatus::NoAnswer => "timeout",
            CallStatus::Busy => "busy",
            CallStatus::Failed => "error",
            CallStatus::Canceled => "cancel",
        });
        body["endTime"] = json!(AT);
        "disconnect"
    } else if let Some(dial) = webhook.dial {
        match dial {
            DialStatus::Answered => {
                body["answerTime"] = json!(AT);
                body["cause"] = json!("hangup");
            }
            DialStatus::NoAnswer => body["cause"] = json!("timeout"),
        }
        "transferComplete"
    } else if webhook.digits.is_some() || path == "gather" {
        body["digits"] = json!(webhook.digits.clone().unwrap_or_default());
        "gather"
    } else if path == "voice" {
        "initiate"
    } else {
        "redirect"
    };
    body["eventType"] = json!(event_type);
    body.to_string().into_bytes()
}
