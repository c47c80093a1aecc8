//! Verification of Twilio's `X-Twilio-Signature` webhook header.
//!
//! Our webhook URLs are public, so anyone can post a fake "caller pressed these digits" to them;
//! the signature is what proves a request came from Twilio. Twilio computes it as
//! `base64(HMAC-SHA1(auth_token, url + name1 + value1 + name2 + value2 ...))` over the full URL it
//! requested and every POST form parameter, sorted. This mirrors twilio-python's
//! `RequestValidator` (`compute_signature` and `validate`), which is the reference
//! implementation, with one deliberate difference noted on [`validate_signature`].
//!
//! Only form-encoded webhooks are covered. Twilio's JSON webhooks (signed URL carrying a
//! `bodySHA256` query parameter) are not used by voice calls.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::{Choice, ConstantTimeEq};

type HmacSha1 = Hmac<Sha1>;

/// Computes the signature Twilio would send for a request to `url` with these form parameters.
///
/// `url` must be exactly the URL Twilio requested, query string included, as configured on the
/// number or given in a TwiML `action` (not one rebuilt from a proxy's view of the request, which
/// may differ in scheme, host or port).
///
/// Parameters are sorted by name and then by value, and a parameter repeated with the same name
/// *and* value is counted once: twilio-python iterates `sorted(set(names))` and, for each name,
/// `sorted(set(values))`, and we must produce the same bytes to agree with Twilio's signer.
pub fn compute_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    // HMAC accepts keys of any length, so this never yields `None` in practice; an empty string
    // is returned rather than panicking, and never validates (see `validate_signature`).
    signature_bytes(auth_token, url, params)
        .map(|digest| STANDARD.encode(digest))
        .unwrap_or_default()
}

/// Checks `signature` (the `X-Twilio-Signature` header) against a request to `url` carrying
/// `params` (all the POST form fields, not only the ones we use).
///
/// Twilio is inconsistent about whether it signs the URL with the scheme's default port, so,
/// like twilio-python, this accepts either form: a URL without a port is also tried with `:443`
/// (https) or `:80` (http) added, and a URL with exactly that default port is also tried without
/// it. Unlike twilio-python, a non-default port such as `:8080` is never stripped: Twilio did
/// request that port, and accepting a signature made for a different URL buys nothing.
///
/// Every candidate is computed and compared, in constant time, before answering, so the time
/// taken does not reveal which candidate (if any) matched or how much of it did.
pub fn validate_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    if signature.is_empty() {
        return false;
    }
    let mut candidates = vec![url.to_owned()];
    candidates.extend(crate::telephony::alternate_port_form(url));

    let mut matched = Choice::from(0);
    for candidate in &candidates {
        let Some(digest) = signature_bytes(auth_token, candidate, params) else {
            return false;
        };
        let expected = STANDARD.encode(digest);
        matched |= expected.as_bytes().ct_eq(signature.as_bytes());
    }
    matched.into()
}

/// The raw HMAC-SHA1 over the URL and sorted parameters; `None` only if the MAC cannot be keyed,
/// which HMAC's definition rules out.
fn signature_bytes(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<Vec<u8>> {
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    // A set of (name, value) pairs orders by name, then value, and drops exact duplicates:
    // the same sequence twilio-python builds. Rust orders `str` by UTF-8 bytes, which is the
    // same as Python's code-point order.
    let sorted: BTreeSet<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    Some(mac.finalize().into_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::alternate_port_form;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const URL_WITH_PORT: &str = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    const SIGNATURE_WITH_PORT: &str = "kvajT1Ptam85bY51eRf/AJRuM3w=";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// The parameters of twilio-python's own test vectors, deliberately not in sorted order.
    fn official_params() -> Vec<(String, String)> {
        pairs(&[
            ("From", "+14158675309"),
            ("CallSid", "CA1234567890ABCDE"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
        ])
    }

    #[test]
    fn official_vector_without_port() {
        assert_eq!(compute_signature(TOKEN, URL, &official_params()), SIGNATURE);
        assert!(validate_signature(
            TOKEN,
            URL,
            &official_params(),
            SIGNATURE
        ));
    }

    #[test]
    fn official_vector_with_port() {
        assert_eq!(
            compute_signature(TOKEN, URL_WITH_PORT, &official_params()),
            SIGNATURE_WITH_PORT
        );
        assert!(validate_signature(
            TOKEN,
            URL_WITH_PORT,
            &official_params(),
            SIGNATURE_WITH_PORT
        ));
    }

    #[test]
    fn each_signature_validates_against_the_other_url_form() {
        assert!(validate_signature(
            TOKEN,
            URL,
            &official_params(),
            SIGNATURE_WITH_PORT
        ));
        assert!(validate_signature(
            TOKEN,
            URL_WITH_PORT,
            &official_params(),
            SIGNATURE
        ));
    }

    #[test]
    fn wrong_token_fails() {
        assert!(!validate_signature(
            "54321",
            URL,
            &official_params(),
            SIGNATURE
        ));
    }

    #[test]
    fn tampered_param_fails() {
        let mut params = official_params();
        for (name, value) in &mut params {
            if name == "Digits" {
                *value = "9999".into();
            }
        }
        assert!(!validate_signature(TOKEN, URL, &params, SIGNATURE));

        let mut extra = official_params();
        extra.push(("Extra".into(), "1".into()));
        assert!(!validate_signature(TOKEN, URL, &extra, SIGNATURE));

        let missing = &official_params()[1..];
        assert!(!validate_signature(TOKEN, URL, missing, SIGNATURE));
    }

    #[test]
    fn tampered_url_fails() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=3";
        assert!(!validate_signature(
            TOKEN,
            url,
            &official_params(),
            SIGNATURE
        ));
        let http = "http://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(!validate_signature(
            TOKEN,
            http,
            &official_params(),
            SIGNATURE
        ));
    }

    #[test]
    fn empty_or_malformed_signature_fails() {
        assert!(!validate_signature(TOKEN, URL, &official_params(), ""));
        assert!(!validate_signature(
            TOKEN,
            URL,
            &official_params(),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8"
        ));
        assert!(!validate_signature(
            TOKEN,
            URL,
            &official_params(),
            " RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!validate_signature(
            TOKEN,
            URL,
            &official_params(),
            "not base64 at all"
        ));
    }

    #[test]
    fn non_default_port_is_not_rewritten() {
        let url = "https://mycompany.com:8080/myapp.php?foo=1&bar=2";
        assert_eq!(alternate_port_form(url), None);
        let signed = compute_signature(TOKEN, url, &official_params());
        assert!(validate_signature(TOKEN, url, &official_params(), &signed));
        // A signature for the port-less (or :443) URL must not validate for :8080, nor the reverse.
        assert!(!validate_signature(
            TOKEN,
            url,
            &official_params(),
            SIGNATURE
        ));
        assert!(!validate_signature(
            TOKEN,
            url,
            &official_params(),
            SIGNATURE_WITH_PORT
        ));
        assert!(!validate_signature(TOKEN, URL, &official_params(), &signed));
    }

    #[test]
    fn http_uses_port_80() {
        let url = "http://example.com/voice";
        let with_port = "http://example.com:80/voice";
        assert_eq!(alternate_port_form(url).as_deref(), Some(with_port));
        assert_eq!(alternate_port_form(with_port).as_deref(), Some(url));
        // The https default does not apply to http, and the reverse.
        assert_eq!(alternate_port_form("http://example.com:443/voice"), None);
        assert_eq!(alternate_port_form("https://example.com:80/voice"), None);
        let signed = compute_signature(TOKEN, with_port, &[]);
        assert!(validate_signature(TOKEN, url, &[], &signed));
    }

    #[test]
    fn port_rewriting_handles_url_shapes() {
        let cases = [
            ("https://a.example", Some("https://a.example:443")),
            ("https://a.example?x=1", Some("https://a.example:443?x=1")),
            ("https://a.example#f", Some("https://a.example:443#f")),
            ("HTTPS://a.example:443/p", Some("HTTPS://a.example/p")),
            (
                "https://user:pw@a.example/p",
                Some("https://user:pw@a.example:443/p"),
            ),
            (
                "https://user:pw@a.example:443/p",
                Some("https://user:pw@a.example/p"),
            ),
            ("https://[::1]/p", Some("https://[::1]:443/p")),
            ("https://[::1]:443/p", Some("https://[::1]/p")),
            ("https://[::1]:8443/p", None),
            // The `:443` is in the path, not the authority.
            (
                "https://a.example/x:443",
                Some("https://a.example:443/x:443"),
            ),
            ("https://a.example:/p", None),
            ("ftp://a.example/p", None),
            ("not a url", None),
            ("https:///p", None),
        ];
        for (url, expected) in cases {
            assert_eq!(alternate_port_form(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn repeated_names_sort_by_value_and_drop_exact_duplicates() {
        let url = "https://example.com/hook";
        // twilio-python signs `sorted(set(values))` for each name, so A=b, A=a, A=b is signed
        // as "Aa" + "Ab": sorted by value, the repeated A=b counted once.
        let params = pairs(&[("B", "2"), ("A", "b"), ("A", "a"), ("A", "b")]);
        let reference = {
            let mut mac = HmacSha1::new_from_slice(TOKEN.as_bytes()).unwrap();
            mac.update(b"https://example.com/hookAaAbB2");
            STANDARD.encode(mac.finalize().into_bytes())
        };
        assert_eq!(compute_signature(TOKEN, url, &params), reference);
        // Input order never matters.
        let reordered = pairs(&[("A", "a"), ("A", "b"), ("B", "2")]);
        assert_eq!(compute_signature(TOKEN, url, &reordered), reference);
    }

    #[test]
    fn names_sort_by_code_point() {
        // Upper case sorts before lower case, as in Python's string ordering.
        let url = "https://example.com/hook";
        let params = pairs(&[("a", "1"), ("B", "2"), ("é", "3")]);
        let reference = {
            let mut mac = HmacSha1::new_from_slice(TOKEN.as_bytes()).unwrap();
            mac.update("https://example.com/hookB2a1é3".as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        };
        assert_eq!(compute_signature(TOKEN, url, &params), reference);
    }

    #[test]
    fn no_params_signs_the_url_alone() {
        let url = "https://example.com/hook?CallSid=CA1";
        let signed = compute_signature(TOKEN, url, &[]);
        assert!(validate_signature(TOKEN, url, &[], &signed));
        assert!(!validate_signature(TOKEN, url, &official_params(), &signed));
    }
}
