//! Vonage's signed voice webhooks: a JWT in `Authorization: Bearer`, HS256 under the account's
//! signature secret, whose `payload_hash` claim is the SHA-256 (hex) of the body and whose `iat`
//! is when it was sent. A webhook holds when the token verifies, its hash is the body's (so the
//! body cannot be changed), and `iat` is within [`TOLERANCE_SECONDS`] of the service's clock
//! either way (so it cannot be sent again later). (Vonage's signed webhooks guide; the tests pin a
//! vector Vonage's own Python SDK accepted: `tests/support/vonage_vectors.py`.)

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// How far a webhook's `iat` may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The token Vonage would send for `body` at `iat`, under `secret`: what the simulator signs
/// with.
pub fn compute_token(secret: &str, body: &[u8], iat: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iat": iat,
        "jti": hex::encode(&Sha256::digest([body, &iat.to_be_bytes()].concat())[..16]),
        "iss": "Vonage",
        "payload_hash": hex::encode(Sha256::digest(body)),
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

fn mac(secret: &str, message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return Vec::new();
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Whether `authorization` (the header: `Bearer <token>`) signs `body` under `secret` at a time
/// within the tolerance of `now_unix`.
pub fn validate(secret: &str, authorization: &str, body: &[u8], now_unix: i64) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(token) = authorization.trim().strip_prefix("Bearer ") else {
        return false;
    };
    let mut parts = token.trim().split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let decoded = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let json = |part: &str| {
        decoded(part).and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    };
    // Only HS256: a token naming another algorithm (or none) is not Vonage's.
    if json(header).is_none_or(|header| header["alg"] != "HS256") {
        return false;
    }
    let Some(signature) = decoded(signature) else {
        return false;
    };
    let expected = mac(secret, format!("{header}.{claims}").as_bytes());
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        signature.as_slice(),
        expected.as_slice(),
    )) {
        return false;
    }
    let Some(claims) = json(claims) else {
        return false;
    };
    let hash_holds = claims["payload_hash"]
        .as_str()
        .is_some_and(|hash| hash.eq_ignore_ascii_case(&hex::encode(Sha256::digest(body))));
    let fresh = claims["iat"]
        .as_i64()
        .is_some_and(|iat| (now_unix - iat).abs() <= TOLERANCE_SECONDS);
    hash_holds && fresh
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with `python3 tests/support/vonage_vectors.py`; Vonage's SDK (vonage-jwt 1.1.5)
    // accepted it.
    const SECRET: &str = "vonage-signature-secret-for-tests-only-0123";
    const BODY: &str = r#"{"uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","conversation_uuid":"CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab","from":"15552126618","to":"18005550100","dtmf":{"digits":"6446","timed_out":false},"timestamp":"2026-12-07T03:30:41.000Z"}"#;
    const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3OTY1OTk4NDEsImp0aSI6IjhjMWI4Y2E0LTliMzctNGM0Zi05YjhiLTBkNGMxYTRiN2UxZiIsImlzcyI6IlZvbmFnZSIsInBheWxvYWRfaGFzaCI6ImFiNzIwOWU0MmM4NDVmZGZjMzc4ZTI5YjhlZDllM2YwN2I3NDQ3ZTEwMWYxY2FiNTdhMDlmOWYwODNhZjM4N2QiLCJhcGlfa2V5IjoiYWJjZDEyMzQiLCJhcHBsaWNhdGlvbl9pZCI6ImFhYWFhYWFhLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMSJ9.tuiYPEzfU7SKyN9ruNmye2S7ASL0jouwTwJfxwZrIQc";
    const IAT: i64 = 1_796_599_841;

    fn check(secret: &str, token: &str, body: &str, now: i64) -> bool {
        validate(secret, &format!("Bearer {token}"), body.as_bytes(), now)
    }

    #[test]
    fn the_sdks_vector_verifies() {
        assert!(check(SECRET, TOKEN, BODY, IAT + 10));
    }

    #[test]
    fn a_changed_body_another_secret_or_a_stale_token_is_refused() {
        assert!(!check(SECRET, TOKEN, &BODY.replace("6446", "6447"), IAT));
        assert!(!check("another-secret", TOKEN, BODY, IAT));
        assert!(!check(SECRET, TOKEN, BODY, IAT + TOLERANCE_SECONDS + 1));
        assert!(!check(SECRET, TOKEN, BODY, IAT - TOLERANCE_SECONDS - 1));
        assert!(!validate(SECRET, TOKEN, BODY.as_bytes(), IAT), "no Bearer");
        assert!(!check("", TOKEN, BODY, IAT));
    }

    #[test]
    fn a_token_of_another_algorithm_or_shape_is_refused() {
        let (_, rest) = TOKEN.split_once('.').expect("three parts");
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(!check(SECRET, &format!("{none}.{rest}"), BODY, IAT));
        for token in ["", "a.b", "a.b.c.d", "not a token"] {
            assert!(!check(SECRET, token, BODY, IAT), "{token}");
        }
    }

    #[test]
    fn what_the_simulator_signs_verifies() {
        let token = compute_token(SECRET, BODY.as_bytes(), IAT);
        assert!(check(SECRET, &token, BODY, IAT));
        assert!(!check(SECRET, &token, "{}", IAT));
    }
}
