//! Verification of Telnyx's webhook signatures.
//!
//! Telnyx signs `"{telnyx-timestamp}|{raw body}"` with Ed25519 and sends the signature, base64,
//! in `telnyx-signature-ed25519`, the Unix time it signed at in `telnyx-timestamp`. The
//! account's public key (base64, 32 bytes) is shown in the Telnyx portal. A signature holds when
//! it verifies under that key (strictly: no malleable encodings) and the timestamp is within
//! [`TOLERANCE_SECONDS`] of the service's clock, either way, as Telnyx's own libraries allow, so
//! a captured webhook cannot be replayed later. (team-telnyx/telnyx-python
//! `telnyx/webhook.py`, which rejects only the past; a timestamp far in the future is refused
//! here too.)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// How far a webhook's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a signature was refused. No variant carries the body or the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No public key is configured, or it is not 32 bytes of base64.
    #[error("the Telnyx public key is missing or is not 32 bytes of base64")]
    NoKey,
    /// The headers are missing or unreadable.
    #[error("the telnyx-signature-ed25519 or telnyx-timestamp header is missing or malformed")]
    NoSignature,
    /// The signature does not verify under the key.
    #[error("the signature does not match")]
    BadSignature,
    /// Signed too long ago, or in the future: a replay, or a clock far off.
    #[error("the timestamp is outside the tolerance")]
    Stale,
}

/// The public key (base64) for a signing key's 32-byte seed (base64): what a simulator signing
/// with that seed tells the line to trust.
pub fn public_key_of(seed_base64: &str) -> Option<String> {
    let seed: [u8; 32] = STANDARD.decode(seed_base64.trim()).ok()?.try_into().ok()?;
    Some(STANDARD.encode(SigningKey::from_bytes(&seed).verifying_key().to_bytes()))
}

/// The signature (base64) Telnyx would send for `body` signed at `timestamp` with the signing
/// key whose seed is `seed_base64`; empty for a seed that is not 32 bytes of base64.
pub fn compute_signature(seed_base64: &str, timestamp: &str, body: &[u8]) -> String {
    let Some(seed) = STANDARD
        .decode(seed_base64.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
    else {
        return String::new();
    };
    let key = SigningKey::from_bytes(&seed);
    STANDARD.encode(key.sign(&signed_message(timestamp, body)).to_bytes())
}

/// What Telnyx signs.
fn signed_message(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'|');
    message.extend_from_slice(body);
    message
}

/// Checks `signature` (base64) over `body` signed at `timestamp` (Unix seconds) under
/// `public_key` (base64), at `now_unix`.
///
/// # Errors
/// See [`SignatureError`].
pub fn validate_signature(
    public_key: &str,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let key: [u8; 32] = STANDARD
        .decode(public_key.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(SignatureError::NoKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| SignatureError::NoKey)?;
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(SignatureError::NoSignature);
    };
    let signature = STANDARD
        .decode(signature.trim())
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or(SignatureError::NoSignature)?;
    let timestamp = timestamp.trim();
    let signed_at: i64 = timestamp.parse().map_err(|_| SignatureError::NoSignature)?;
    key.verify_strict(&signed_message(timestamp, body), &signature)
        .map_err(|_| SignatureError::BadSignature)?;
    if (now_unix - signed_at).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made with `python3 tests/support/telnyx_vectors.py` (PyNaCl signs; Telnyx's own Python SDK,
    // telnyx 2.1.6, `WebhookSignature.verify`, accepts it). Telnyx publishes no vectors.
    const SEED: &str = "G5uTuPh/3TvbW/MScHaerr5Tx8FZGJw/gdwDO9RMBe4=";
    const PUBLIC_KEY: &str = "AmJSFOhfE/0BzflO0YT2bhTTpt9t77sYj822WSeCHeM=";
    const TIMESTAMP: &str = "1796599841";
    const BODY: &str = "AccountSid=8f1a7c2e-0000-4000-8000-000000000001\
        &CallSid=v3%3AT3st_CaLL_1d&From=%2B15552126618&To=%2B18005550100\
        &CallStatus=in-progress&Digits=6446";
    const SIGNATURE: &str =
        "uZf98PpAgk3VBhhnDJtv442EuyyTkPQ3bRbVNLDlkCZc0o6NhyIorsuTqkXdVGcfex9ar2mAb2DtYMsav++HCw==";
    const SIGNED_AT: i64 = 1_796_599_841;

    fn check(signature: &str, body: &str, now: i64) -> Result<(), SignatureError> {
        validate_signature(
            PUBLIC_KEY,
            Some(signature),
            Some(TIMESTAMP),
            body.as_bytes(),
            now,
        )
    }

    #[test]
    fn the_sdk_checked_vector_verifies_and_is_made_again() {
        assert_eq!(check(SIGNATURE, BODY, SIGNED_AT + 10), Ok(()));
        assert_eq!(public_key_of(SEED).as_deref(), Some(PUBLIC_KEY));
        // Ed25519 is deterministic: the same seed signs the same bytes the same way.
        assert_eq!(
            compute_signature(SEED, TIMESTAMP, BODY.as_bytes()),
            SIGNATURE
        );
    }

    #[test]
    fn a_changed_body_or_timestamp_is_refused() {
        let changed = BODY.replace("6446", "6447");
        assert_eq!(
            check(SIGNATURE, &changed, SIGNED_AT),
            Err(SignatureError::BadSignature)
        );
        let later = validate_signature(
            PUBLIC_KEY,
            Some(SIGNATURE),
            Some("1796599842"),
            BODY.as_bytes(),
            SIGNED_AT,
        );
        assert_eq!(later, Err(SignatureError::BadSignature));
    }

    #[test]
    fn a_forged_signature_is_refused() {
        let forged = compute_signature(&STANDARD.encode([7u8; 32]), TIMESTAMP, BODY.as_bytes());
        assert_eq!(
            check(&forged, BODY, SIGNED_AT),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            check("not base64!", BODY, SIGNED_AT),
            Err(SignatureError::NoSignature)
        );
        assert_eq!(
            validate_signature(
                PUBLIC_KEY,
                None,
                Some(TIMESTAMP),
                BODY.as_bytes(),
                SIGNED_AT
            ),
            Err(SignatureError::NoSignature)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_is_refused_even_when_signed() {
        let late = SIGNED_AT + TOLERANCE_SECONDS + 1;
        assert_eq!(check(SIGNATURE, BODY, late), Err(SignatureError::Stale));
        let early = SIGNED_AT - TOLERANCE_SECONDS - 1;
        assert_eq!(check(SIGNATURE, BODY, early), Err(SignatureError::Stale));
        assert_eq!(
            check(SIGNATURE, BODY, SIGNED_AT + TOLERANCE_SECONDS),
            Ok(())
        );
    }

    #[test]
    fn a_key_that_is_not_one_is_refused_before_anything_is_checked() {
        for key in ["", "abc", &STANDARD.encode([1u8; 31])] {
            assert_eq!(
                validate_signature(
                    key,
                    Some(SIGNATURE),
                    Some(TIMESTAMP),
                    BODY.as_bytes(),
                    SIGNED_AT
                ),
                Err(SignatureError::NoKey)
            );
        }
    }
}
