//! Verification of SignalWire's `X-SignalWire-Signature` on cXML (form) webhooks.
//!
//! SignalWire signs each webhook with the project's Signing Key as
//! `base64(HMAC-SHA1(key, url + name1 + value1 + name2 + value2 ...))`, parameters sorted by
//! name, and, unlike the older scheme it derives from, a name repeated keeps its values in the order they were submitted
//! (signalwire/signalwire-typescript `src/WebhookValidator.ts`). The URL is tried as given and
//! with or without the scheme's default port, as that validator does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::{Choice, ConstantTimeEq};

type HmacSha1 = Hmac<Sha1>;

/// The signature SignalWire would send for a form webhook to `url` with these parameters.
pub fn compute_signature(signing_key: &str, url: &str, params: &[(String, String)]) -> String {
    let Ok(mut mac) = HmacSha1::new_from_slice(signing_key.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    // A stable sort by name keeps a repeated name's values in submission order.
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks `signature` against a form webhook to `url`, comparing every URL form in constant time.
pub fn validate_signature(
    signing_key: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    if signature.is_empty() || signing_key.is_empty() {
        return false;
    }
    let mut candidates = vec![url.to_owned()];
    candidates.extend(crate::telephony::alternate_port_form(url));
    let mut matched = Choice::from(0);
    for candidate in &candidates {
        let expected = compute_signature(signing_key, candidate, params);
        matched |= expected.as_bytes().ct_eq(signature.as_bytes());
    }
    matched.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The form vector of SignalWire's validator tests (key `12345`).
    fn official() -> (String, Vec<(String, String)>) {
        (
            "https://mycompany.com/myapp.php?foo=1&bar=2".to_owned(),
            pairs(&[
                ("CallSid", "CA1234567890ABCDE"),
                ("Caller", "+14158675309"),
                ("Digits", "1234"),
                ("From", "+14158675309"),
                ("To", "+18005551212"),
            ]),
        )
    }

    #[test]
    fn official_form_vector() {
        let (url, params) = official();
        assert_eq!(
            compute_signature("12345", &url, &params),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert!(validate_signature(
            "12345",
            &url,
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn parameter_order_in_the_body_does_not_matter() {
        let (url, mut params) = official();
        params.reverse();
        assert!(validate_signature(
            "12345",
            &url,
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn repeated_names_keep_their_submission_order() {
        let url = "https://example.com/hook";
        let first = pairs(&[("Digits", "5678"), ("Digits", "1234")]);
        let second = pairs(&[("Digits", "1234"), ("Digits", "5678")]);
        assert_ne!(
            compute_signature("key", url, &first),
            compute_signature("key", url, &second)
        );
    }

    #[test]
    fn wrong_key_url_or_field_is_refused() {
        let (url, params) = official();
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert!(!validate_signature("12346", &url, &params, good));
        assert!(!validate_signature(
            "12345",
            "https://mycompany.com/other",
            &params,
            good
        ));
        let mut changed = params.clone();
        changed[2].1 = "9999".into();
        assert!(!validate_signature("12345", &url, &changed, good));
        assert!(!validate_signature("12345", &url, &params, ""));
        assert!(!validate_signature("", &url, &params, good));
    }

    #[test]
    fn default_port_is_accepted_either_way() {
        let (url, params) = official();
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with_port = compute_signature("12345", with_port, &params);
        assert!(validate_signature(
            "12345",
            &url,
            &params,
            &signed_with_port
        ));
    }
}
