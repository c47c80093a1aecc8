//! Proof that the boundary takes a provider that posts JSON as readily as one that posts forms:
//! a whole dialect in one file, written the way a new provider's folder would be (it verifies
//! an HMAC over a timestamp and the raw body within a window on the service's clock, reads the
//! JSON body into the neutral callback, and answers in JSON), then driven through the same
//! [`Dialect`] calls the webhook handler makes; and its [`Simulator`], posting to it through the
//! trait the simulated caller drives every registered provider with. It serves no real provider,
//! so it is compiled for the tests only.

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::simulator::{CallStatus, Signs, SimulatedRequest, Simulator, Webhook};
use super::{Callback, Dialect, Event, Request};
use crate::voice;

/// How old a signed timestamp may be (and how far ahead), as body-signing providers allow.
const TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// A JSON provider: `{"call": {...}, "dtmf": "..."}` in, `[{"verb": ...}]` out.
#[derive(Debug)]
struct JsonExample {
    secret: &'static [u8],
}

/// The body it posts.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Posted {
    call: PostedCall,
    dtmf: Option<String>,
    speech: Option<PostedSpeech>,
    status: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostedCall {
    id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostedSpeech {
    text: Option<String>,
    confidence: Option<f64>,
}

/// Its signature: an HMAC over the timestamp, a dot and the body.
fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac.finalize().into_bytes().to_vec())
}

impl Dialect for JsonExample {
    fn name(&self) -> &'static str {
        "json-example"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &["x-example-signature"]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        let timestamp = request.header("x-example-timestamp");
        let Ok(seconds) = timestamp.parse::<i64>() else {
            return false;
        };
        if (request.now_ms - seconds.saturating_mul(1000)).abs() > TOLERANCE_MS {
            return false;
        }
        let (Some(expected), Ok(given)) = (
            signature(self.secret, timestamp, request.body),
            hex::decode(request.header("x-example-signature")),
        ) else {
            return false;
        };
        subtle::ConstantTimeEq::ct_eq(expected.as_slice(), given.as_slice()).into()
    }

    fn read(&self, _event: Event, request: &Request<'_>) -> Callback {
        // Garbage reads as an empty callback: the handler still answers with help.
        let posted: Posted = serde_json::from_slice(request.body).unwrap_or_default();
        let speech = posted.speech.unwrap_or_default();
        Callback {
            call_id: posted.call.id,
            from: posted.call.from,
            to: posted.call.to,
            digits: posted.dtmf.filter(|keys| !keys.is_empty()),
            speech: speech.text,
            confidence_permille: speech
                .confidence
                .filter(|c| (0.0..=1.0).contains(c))
                .map(|c| (c * 1000.0).round() as u16),
            call_ended: posted.status.as_deref() == Some("hangup"),
            ..Callback::default()
        }
    }

    fn render(&self, response: &voice::Response) -> String {
        let verbs: Vec<serde_json::Value> = response
            .verbs
            .iter()
            .map(|verb| match verb {
                voice::Verb::Hangup => serde_json::json!({ "verb": "hangup" }),
                _ => serde_json::json!({ "verb": "other" }),
            })
            .collect();
        serde_json::Value::Array(verbs).to_string()
    }

    fn render_text_reply(&self, reply: Option<&str>) -> String {
        serde_json::json!({ "reply": reply }).to_string()
    }

    fn content_type(&self) -> &'static str {
        "application/json"
    }
}

/// Its platform as the line meets it, as a new provider's `simulator.rs` would be: the JSON it
/// posts, signed over a timestamp and the body, and its JSON answers read back (only what its
/// renderer writes: anything else is refused).
#[derive(Debug)]
struct JsonExampleSimulator;

impl Simulator for JsonExampleSimulator {
    fn signs(&self) -> Signs {
        Signs {
            url: false,
            time: true,
        }
    }

    fn name(&self) -> &'static str {
        "json-example"
    }

    fn request(&self, webhook: &Webhook, secret: Option<&str>, now_ms: i64) -> SimulatedRequest {
        let ended = webhook.status != CallStatus::InProgress;
        let body = serde_json::json!({
            "call": { "id": webhook.call_id, "from": webhook.from, "to": webhook.to },
            "dtmf": webhook.digits,
            "speech": webhook.speech.as_ref().map(|text| serde_json::json!({
                "text": text,
                "confidence": webhook.confidence.as_deref().and_then(|c| c.parse::<f64>().ok()),
            })),
            "status": ended.then_some("hangup"),
        })
        .to_string()
        .into_bytes();
        match secret {
            Some(secret) => self.sign_raw(&webhook.url, body, secret, now_ms),
            None => SimulatedRequest {
                content_type: "application/json",
                headers: Vec::new(),
                body,
            },
        }
    }

    fn sign_raw(&self, _url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest {
        let timestamp = (now_ms / 1000).to_string();
        let headers = signature(secret.as_bytes(), &timestamp, &body)
            .map(|signature| {
                vec![
                    ("X-Example-Timestamp", timestamp),
                    ("X-Example-Signature", hex::encode(signature)),
                ]
            })
            .unwrap_or_default();
        SimulatedRequest {
            content_type: "application/json",
            headers,
            body,
        }
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        let verbs: Vec<serde_json::Value> =
            serde_json::from_str(body).map_err(|err| format!("not JSON verbs: {err}"))?;
        let mut response = voice::Response::new();
        for verb in verbs {
            match verb["verb"].as_str() {
                Some("hangup") => response.push(voice::Verb::Hangup),
                other => return Err(format!("not a verb it runs: {other:?}")),
            };
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    const NOW_MS: i64 = 1_780_000_000_000;

    fn dialect() -> JsonExample {
        JsonExample {
            secret: b"example-secret",
        }
    }

    fn signed(body: &[u8], at_seconds: i64) -> HeaderMap {
        let timestamp = at_seconds.to_string();
        let signature = signature(dialect().secret, &timestamp, body).unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-example-timestamp",
            timestamp.parse().expect("a header value"),
        );
        headers.insert(
            "x-example-signature",
            hex::encode(signature).parse().expect("a header value"),
        );
        headers.insert(
            "content-type",
            "application/json".parse().expect("a header value"),
        );
        headers
    }

    #[test]
    fn a_json_body_is_read_into_the_neutral_callback() {
        let body = br#"{"call":{"id":"v-123","from":"+15550100","to":"+18005550100"},
            "dtmf":"","speech":{"text":"pay my bill","confidence":0.87}}"#;
        let headers = signed(body, NOW_MS / 1000);
        let request = Request::new(
            "POST",
            "https://line.example/json-example/gather",
            &headers,
            body,
            NOW_MS,
        );
        let example = dialect();
        assert!(example.verify(&request));
        let callback = example.read(Event::Gather, &request);
        assert_eq!(callback.call_id.as_deref(), Some("v-123"));
        assert_eq!(callback.from.as_deref(), Some("+15550100"));
        assert_eq!(callback.digits, None, "an empty dtmf is no keys");
        assert_eq!(callback.speech.as_deref(), Some("pay my bill"));
        assert_eq!(callback.confidence_permille, Some(870));
        let mut response = voice::Response::new();
        response.push(voice::Verb::Hangup);
        assert_eq!(example.render(&response), r#"[{"verb":"hangup"}]"#);
    }

    #[test]
    fn the_signature_window_is_read_on_the_services_clock() {
        let body = br#"{"call":{"id":"v-123"},"status":"hangup"}"#;
        let example = dialect();
        let fresh = signed(body, NOW_MS / 1000 - 60);
        let stale = signed(body, NOW_MS / 1000 - 6 * 60);
        let url = "https://line.example/json-example/status";
        assert!(example.verify(&Request::new("POST", url, &fresh, body, NOW_MS)));
        assert!(!example.verify(&Request::new("POST", url, &stale, body, NOW_MS)));
        // The same stale request was fresh when it was sent.
        assert!(example.verify(&Request::new(
            "POST",
            url,
            &stale,
            body,
            NOW_MS - 5 * 60 * 1000
        )));
        let tampered = br#"{"call":{"id":"v-999"},"status":"hangup"}"#;
        assert!(!example.verify(&Request::new("POST", url, &fresh, tampered, NOW_MS)));
        assert!(
            example
                .read(
                    Event::Status,
                    &Request::new("POST", url, &fresh, body, NOW_MS)
                )
                .call_ended
        );
    }

    #[test]
    fn garbage_reads_as_an_empty_callback() {
        let headers = HeaderMap::new();
        let request = Request::new(
            "POST",
            "https://line.example/json-example/gather",
            &headers,
            b"\x00{not json",
            NOW_MS,
        );
        assert!(!dialect().verify(&request));
        assert_eq!(dialect().read(Event::Gather, &request), Callback::default());
    }

    #[test]
    fn its_simulator_speaks_it_through_the_same_trait() {
        use crate::telephony::simulator::Field;
        let url = "https://line.example/json-example/gather";
        let webhook = Webhook::new(
            url,
            "v-7",
            "+15550100",
            "+18005550100",
            &[Field::Speech("pay my bill"), Field::Confidence("0.87")],
        );
        let simulated = JsonExampleSimulator.request(&webhook, Some("example-secret"), NOW_MS);
        let mut headers = HeaderMap::new();
        for (name, value) in &simulated.headers {
            headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                value.parse().expect("a header value"),
            );
        }
        let request = Request::new("POST", url, &headers, &simulated.body, NOW_MS);
        assert!(dialect().verify(&request));
        let callback = dialect().read(Event::Gather, &request);
        assert_eq!(callback.call_id.as_deref(), Some("v-7"));
        assert_eq!(callback.speech.as_deref(), Some("pay my bill"));
        assert_eq!(callback.confidence_permille, Some(870));
        assert!(!callback.call_ended);
        // Signed ten minutes ago, it is outside the window.
        let stale = Request::new("POST", url, &headers, &simulated.body, NOW_MS + 600_000);
        assert!(!dialect().verify(&stale));

        let mut response = voice::Response::new();
        response.push(voice::Verb::Hangup);
        let rendered = dialect().render(&response);
        assert_eq!(JsonExampleSimulator.read(&rendered), Ok(response));
        assert!(JsonExampleSimulator.read(r#"[{"verb":"other"}]"#).is_err());
    }
}
