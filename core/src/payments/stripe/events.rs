//! Stripe's event webhooks: the `Stripe-Signature` check, and what an event says about a payment
//! in the gateway-neutral words the line records ([`GatewayEvent`]).
//!
//! Stripe signs `"{t}.{body}"` with HMAC-SHA256 under the endpoint's secret (`whsec_...`, the
//! whole string being the key) and sends `Stripe-Signature: t=...,v1=...` (more than one `v1`
//! while a secret is rolled). A signature is accepted when any `v1` matches, compared in constant
//! time, and `t` is within [`TOLERANCE_SECONDS`] of the service's clock, so a captured event
//! cannot be replayed later. <https://docs.stripe.com/webhooks#verify-manually>

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::payments::debit::{DebitStatus, ReturnCode, return_code_of_reason};
use crate::payments::gateway::DeclineReason;

/// How far an event's timestamp may be from now, as Stripe's own libraries allow by default.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why an event was refused. No variant carries the payload or the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `Stripe-Signature` header, or one without `t` and `v1`.
    #[error("the Stripe-Signature header is missing or malformed")]
    NoSignature,
    /// No `v1` matches the body under the secret.
    #[error("the signature does not match")]
    BadSignature,
    /// Signed too long ago (or in the future): a replay, or a clock far off.
    #[error("the event's timestamp is outside the tolerance")]
    Stale,
    /// Signed, but not an event this reads.
    #[error("the body is not a Stripe event")]
    Malformed,
}

/// A verified event, as far as the line reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// `evt_...`: an event delivered again has the same id.
    pub id: String,
    /// `payment_intent.succeeded` ...
    pub kind: String,
    /// What it says about a payment.
    pub says: GatewayEvent,
}

/// What a gateway's event says about one of our payments, by the gateway's reference for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayEvent {
    /// The payment succeeded (a card approved, or a bank debit settled).
    Succeeded { reference: String },
    /// The payment is accepted and not final (a bank debit clearing).
    Processing { reference: String },
    /// The payment failed: a card declined, or a bank debit come back before it settled.
    Failed {
        reference: String,
        reason: DeclineReason,
        /// For a bank debit, NACHA's return code when the failure names one.
        return_code: Option<ReturnCode>,
    },
    /// A payment that succeeded was taken back: a bank debit the holder disputed (an
    /// unauthorised return).
    Returned {
        reference: String,
        return_code: ReturnCode,
    },
    /// Nothing the line acts on.
    Other,
}

impl GatewayEvent {
    /// The status a bank debit has by this event, if it names one.
    pub fn debit_status(&self) -> Option<DebitStatus> {
        match self {
            GatewayEvent::Succeeded { .. } => Some(DebitStatus::Succeeded),
            GatewayEvent::Processing { .. } => Some(DebitStatus::Clearing),
            GatewayEvent::Failed { return_code, .. } => Some(DebitStatus::Failed(
                return_code.unwrap_or(ReturnCode::Other),
            )),
            GatewayEvent::Returned { return_code, .. } => Some(DebitStatus::Returned(*return_code)),
            GatewayEvent::Other => None,
        }
    }

    /// The gateway's reference of the payment it is about.
    pub fn reference(&self) -> Option<&str> {
        match self {
            GatewayEvent::Succeeded { reference }
            | GatewayEvent::Processing { reference }
            | GatewayEvent::Failed { reference, .. }
            | GatewayEvent::Returned { reference, .. } => Some(reference),
            GatewayEvent::Other => None,
        }
    }
}

/// Checks `signature_header` over `body` under `secret` at `now_unix` and reads the event.
///
/// # Errors
/// See [`WebhookError`].
pub fn verify_event(
    body: &[u8],
    signature_header: &str,
    secret: &str,
    now_unix: i64,
) -> Result<StripeEvent, WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in signature_header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::NoSignature)?;
    if signatures.is_empty() {
        return Err(WebhookError::NoSignature);
    }
    let signed = |signature: &[u8]| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(signature).is_ok()
    };
    if !signatures.iter().any(|signature| signed(signature)) {
        return Err(WebhookError::BadSignature);
    }
    if (now_unix - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(WebhookError::Stale);
    }
    read_event(body)
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: RawObject,
}

#[derive(Deserialize)]
struct RawObject {
    id: Option<String>,
    /// On a dispute or a charge: the PaymentIntent it belongs to.
    payment_intent: Option<String>,
    last_payment_error: Option<RawError>,
    failure_code: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    code: Option<String>,
    decline_code: Option<String>,
}

fn read_event(body: &[u8]) -> Result<StripeEvent, WebhookError> {
    // serde's message is dropped: it can quote the body.
    let raw: RawEvent = serde_json::from_slice(body).map_err(|_| WebhookError::Malformed)?;
    let object = raw.data.object;
    let intent = object.id.clone().filter(|id| id.starts_with("pi_"));
    let says = match (raw.kind.as_str(), intent) {
        ("payment_intent.succeeded", Some(reference)) => GatewayEvent::Succeeded { reference },
        ("payment_intent.processing", Some(reference)) => GatewayEvent::Processing { reference },
        ("payment_intent.payment_failed", Some(reference)) => {
            let error = object.last_payment_error.as_ref();
            let (code, decline) = (
                error.and_then(|e| e.code.as_deref()),
                error.and_then(|e| e.decline_code.as_deref()),
            );
            GatewayEvent::Failed {
                reference,
                reason: super::decline_reason(code, decline),
                return_code: decline.or(code).and_then(return_code_of_reason),
            }
        }
        // A debit disputed by the account holder after it settled: an unauthorised return.
        ("charge.dispute.created", _) => match object.payment_intent {
            Some(reference) => GatewayEvent::Returned {
                reference,
                return_code: object
                    .reason
                    .as_deref()
                    .and_then(return_code_of_reason)
                    .unwrap_or(ReturnCode::NotAuthorized),
            },
            None => GatewayEvent::Other,
        },
        // A charge that failed after it was reported (a debit returned by the bank).
        ("charge.failed", _) => match object.payment_intent {
            Some(reference) => GatewayEvent::Failed {
                reference,
                reason: DeclineReason::Declined,
                return_code: object
                    .failure_code
                    .as_deref()
                    .and_then(return_code_of_reason),
            },
            None => GatewayEvent::Other,
        },
        _ => GatewayEvent::Other,
    };
    Ok(StripeEvent {
        id: raw.id,
        kind: raw.kind,
        says,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    /// The payload stripe-python's own webhook tests use.
    const PAYLOAD: &str = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";
    const AT: i64 = 1_765_033_200;
    /// The signature of [`PAYLOAD`] at [`AT`] under [`SECRET`], computed by Stripe's official
    /// Python library (stripe 16.1.0), which also verifies it:
    /// `stripe.WebhookSignature._compute_signature('%d.%s' % (AT, PAYLOAD), SECRET)`.
    const SIGNATURE: &str = "21c8adad6ac0b1b740338ce64155ca18eebd7092bcbddcbd2096798b84389856";

    fn event(kind: &str, object: &str) -> String {
        format!("{{\"id\":\"evt_1\",\"type\":\"{kind}\",\"data\":{{\"object\":{object}}}}}")
    }

    #[test]
    fn the_official_librarys_signature_is_accepted_and_a_forged_one_refused() {
        let header = format!("t={AT},v1={SIGNATURE}");
        // The payload is not an event this reads, but it is signed: only the reading fails.
        assert_eq!(
            verify_event(PAYLOAD.as_bytes(), &header, SECRET, AT),
            Err(WebhookError::Malformed)
        );
        let forged = format!("t={AT},v1={}", "0".repeat(64));
        assert_eq!(
            verify_event(PAYLOAD.as_bytes(), &forged, SECRET, AT),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_event(PAYLOAD.as_bytes(), &header, "whsec_other", AT),
            Err(WebhookError::BadSignature)
        );
        let tampered = PAYLOAD.replace("evt_test", "evt_best");
        assert_eq!(
            verify_event(tampered.as_bytes(), &header, SECRET, AT),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_event(PAYLOAD.as_bytes(), "v1=abc", SECRET, AT),
            Err(WebhookError::NoSignature)
        );
    }

    #[test]
    fn an_old_signature_is_a_replay() {
        let header = format!("t={AT},v1={SIGNATURE}");
        assert_eq!(
            verify_event(
                PAYLOAD.as_bytes(),
                &header,
                SECRET,
                AT + TOLERANCE_SECONDS + 1
            ),
            Err(WebhookError::Stale)
        );
    }

    fn signed(body: &str, at: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{at}.{body}").as_bytes());
        // A second v1 under a rolled secret is ignored when the first matches.
        format!(
            "t={at},v1={},v1={}",
            "ab".repeat(32),
            hex::encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn events_say_what_became_of_a_payment() {
        let read = |kind: &str, object: &str| {
            let body = event(kind, object);
            verify_event(body.as_bytes(), &signed(&body, AT), SECRET, AT)
                .unwrap()
                .says
        };
        assert_eq!(
            read("payment_intent.succeeded", r#"{"id":"pi_1"}"#),
            GatewayEvent::Succeeded {
                reference: "pi_1".into()
            }
        );
        assert_eq!(
            read(
                "payment_intent.payment_failed",
                r#"{"id":"pi_2","last_payment_error":{"code":"insufficient_funds"}}"#
            ),
            GatewayEvent::Failed {
                reference: "pi_2".into(),
                reason: DeclineReason::InsufficientFunds,
                return_code: Some(ReturnCode::InsufficientFunds),
            }
        );
        assert_eq!(
            read(
                "charge.dispute.created",
                r#"{"id":"dp_1","payment_intent":"pi_3","reason":"debit_not_authorized"}"#
            ),
            GatewayEvent::Returned {
                reference: "pi_3".into(),
                return_code: ReturnCode::NotAuthorized,
            }
        );
        assert_eq!(
            read("customer.created", r#"{"id":"cus_1"}"#),
            GatewayEvent::Other
        );
    }
}
