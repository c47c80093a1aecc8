//! jambonz's webhook signature (`Jambonz-Signature: t=<unix seconds>,v1=<hex>[,v1=...]`):
//! HMAC-SHA256 under the application's webhook secret over `"{t}.{raw body}"`, in hex. Any `v1`
//! holds. As jambonz's own Node client does, a timestamp more than [`TOLERANCE_SECONDS`] old is
//! refused; one as far in the future is refused here too. (jambonz/node-client
//! `lib/jambonz/webhook-response.js`; the tests pin a vector that client accepted:
//! `tests/support/jambonz_vectors.js`.)

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a webhook's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The header's value jambonz sends for `body` signed at `timestamp` under `secret`.
pub fn compute_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(signature(secret, &timestamp.to_string(), body))
    )
}

fn signature(secret: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `header` signs `body` under `secret` with a timestamp within the tolerance of
/// `now_unix`.
pub fn validate_signature(secret: &str, header: &str, body: &[u8], now_unix: i64) -> bool {
    if secret.is_empty() {
        return false;
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = Some(value),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    let Ok(signed_at) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now_unix - signed_at).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let expected = signature(secret, timestamp, body);
    signatures.iter().any(|candidate| {
        subtle::ConstantTimeEq::ct_eq(candidate.as_slice(), expected.as_slice()).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with `node tests/support/jambonz_vectors.js`; jambonz's Node client accepted it.
    const SECRET: &str = "wh_secret_ivrpayTestOnly0123456789";
    const BODY: &str = r#"{"call_sid":"5b2a5f1e-5c8b-4b5e-9c3a-0a1b2c3d4e5f","from":"+15552126618","to":"+18005550100","call_status":"in-progress","reason":"dtmfDetected","digits":"6446"}"#;
    const HEADER: &str =
        "t=1796599841,v1=1504762b8664aabda0d959b13cacc29562f35c3a8bc46b8b663fda7921485f3c";
    const SIGNED_AT: i64 = 1_796_599_841;

    #[test]
    fn the_clients_vector_verifies_and_is_made_again() {
        assert!(validate_signature(
            SECRET,
            HEADER,
            BODY.as_bytes(),
            SIGNED_AT + 10
        ));
        assert_eq!(compute_header(SECRET, SIGNED_AT, BODY.as_bytes()), HEADER);
    }

    #[test]
    fn a_changed_body_another_secret_or_a_forged_header_is_refused() {
        let now = SIGNED_AT;
        let changed = BODY.replace("6446", "6447");
        assert!(!validate_signature(SECRET, HEADER, changed.as_bytes(), now));
        assert!(!validate_signature("other", HEADER, BODY.as_bytes(), now));
        assert!(!validate_signature("", HEADER, BODY.as_bytes(), now));
        for header in ["", "t=1796599841", "v1=00", "t=soon,v1=00", "garbage"] {
            assert!(
                !validate_signature(SECRET, header, BODY.as_bytes(), now),
                "{header}"
            );
        }
        // Another timestamp with the same signature.
        let moved = HEADER.replace("t=1796599841", "t=1796599842");
        assert!(!validate_signature(SECRET, &moved, BODY.as_bytes(), now));
    }

    #[test]
    fn any_v1_holds_and_stale_or_future_timestamps_are_refused() {
        let several = HEADER.replace(",v1=", ",v1=00ff,v1=");
        assert!(validate_signature(
            SECRET,
            &several,
            BODY.as_bytes(),
            SIGNED_AT
        ));
        for now in [
            SIGNED_AT + TOLERANCE_SECONDS + 1,
            SIGNED_AT - TOLERANCE_SECONDS - 1,
        ] {
            assert!(!validate_signature(SECRET, HEADER, BODY.as_bytes(), now));
        }
    }
}
