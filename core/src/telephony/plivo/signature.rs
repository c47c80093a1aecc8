//! Plivo's webhook signature, V3 (`X-Plivo-Signature-V3`, with `X-Plivo-Signature-V3-Nonce`).
//!
//! Plivo signs, with HMAC-SHA256 under the account's Auth Token and in base64:
//! - for a POST: the URL without its query, then `?` and the query's fields sorted as
//!   `name=value&...` and a `.` when there are both a query and posted fields, then the posted
//!   fields sorted and joined as `namevalue`;
//! - for a GET: the URL without its query, then `?` and the query's and the given fields sorted
//!   together as `name=value&...`;
//! - then `.` and the nonce.
//!
//! The header may hold several signatures, comma-separated (one per Auth Token while one is
//! being rotated); any one holds. (plivo/plivo-python `plivo/utils/signature_v3.py`; the tests
//! pin vectors its functions made: `tests/support/plivo_vectors.py`.)

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The string Plivo signs for a request of `method` to `url` carrying `fields` (the posted form
/// for a POST, the query's own fields for a GET are read from the URL), before the nonce.
pub fn signed_string(method: &str, url: &str, fields: &[(String, String)]) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut query_fields = grouped(
        form_urlencoded::parse(query.as_bytes()).map(|(name, value)| (name.into(), value.into())),
    );
    let mut signed = base.to_owned();
    if method.eq_ignore_ascii_case("GET") {
        for (name, value) in fields {
            query_fields
                .entry(name.clone())
                .or_default()
                .push(value.clone());
        }
        let query = as_query(&mut query_fields);
        if !query.is_empty() {
            signed.push('?');
            signed.push_str(&query);
        }
        return signed;
    }
    let query = as_query(&mut query_fields);
    if !query.is_empty() || !fields.is_empty() {
        signed.push('?');
        signed.push_str(&query);
    }
    if !query.is_empty() && !fields.is_empty() {
        signed.push('.');
    }
    let mut posted = grouped(fields.iter().cloned());
    for (name, values) in &mut posted {
        values.sort();
        for value in values.iter() {
            signed.push_str(name);
            signed.push_str(value);
        }
    }
    signed
}

/// Fields by name (sorted), each name's values in the order given.
fn grouped(fields: impl Iterator<Item = (String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in fields {
        grouped.entry(name).or_default().push(value);
    }
    grouped
}

/// `name=value&...`, names sorted, each name's values sorted.
fn as_query(fields: &mut BTreeMap<String, Vec<String>>) -> String {
    let mut parts = Vec::new();
    for (name, values) in fields.iter_mut() {
        values.sort();
        parts.extend(values.iter().map(|value| format!("{name}={value}")));
    }
    parts.join("&")
}

/// The signature (base64) Plivo sends for a request of `method` to `url` carrying `fields`,
/// with `nonce`, under `auth_token`.
pub fn compute_signature(
    auth_token: &str,
    method: &str,
    url: &str,
    fields: &[(String, String)],
    nonce: &str,
) -> String {
    let message = format!("{}.{nonce}", signed_string(method, url, fields));
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` (one signature or several, comma-separated) holds a signature of the request
/// under `auth_token`, compared in constant time.
pub fn validate_signature(
    auth_token: &str,
    method: &str,
    url: &str,
    fields: &[(String, String)],
    nonce: &str,
    header: &str,
) -> bool {
    if auth_token.is_empty() || nonce.is_empty() || header.is_empty() {
        return false;
    }
    let expected = compute_signature(auth_token, method, url, fields, nonce);
    header.split(',').any(|signature| {
        subtle::ConstantTimeEq::ct_eq(signature.trim().as_bytes(), expected.as_bytes()).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by Plivo's SDK (plivo 4.63.0): `python3 tests/support/plivo_vectors.py`.
    const AUTH_TOKEN: &str = "MjQ1NzQ3ZDUxYjc0ZmQ1ZTk4YTJmM2Fk";
    const NONCE: &str = "05429567804466091622";
    const CALL: &str = "2b7c7a1e-9b7b-11ee-8c90-0242ac120002";

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn answer() -> Vec<(String, String)> {
        fields(&[
            ("CallUUID", CALL),
            ("From", "+15552126618"),
            ("To", "+18005550100"),
            ("CallStatus", "in-progress"),
            ("InputType", "speech"),
            ("Speech", "twenty dollars"),
            ("SpeechConfidenceScore", "0.93"),
        ])
    }

    const GATHER: &str = "https://ivr.example.com/plivo/gather?turn=3&call=ab";

    #[test]
    fn the_sdks_vectors_are_made_again() {
        assert_eq!(
            signed_string("POST", GATHER, &answer()),
            "https://ivr.example.com/plivo/gather?call=ab&turn=3.CallStatusin-progressCallUUID\
             2b7c7a1e-9b7b-11ee-8c90-0242ac120002From+15552126618InputTypespeechSpeechtwenty \
             dollarsSpeechConfidenceScore0.93To+18005550100"
        );
        let cases = [
            (
                "POST",
                GATHER,
                answer(),
                "4wqS1uaHx3qvda1ls4WHAfwmtXBmlXlrMT0NIIcGaws=",
            ),
            (
                "POST",
                "https://ivr.example.com/plivo/voice",
                fields(&[("CallUUID", CALL), ("From", "+15552126618")]),
                "BXEYlcNjcCqRan+Doq7JxGinlbBcBE+ahdiNHOxIy3M=",
            ),
            (
                "POST",
                "https://ivr.example.com/plivo/status?a=1",
                Vec::new(),
                "uVnAOoqFGHORyv5fJimpBGnf8qo/w7CuZehtwBUdRK4=",
            ),
            (
                "GET",
                "https://ivr.example.com/plivo/voice?turn=1",
                fields(&[("CallUUID", CALL), ("Digits", "6446")]),
                "0F/THYhbdQ0UvM+4TdiWMrjX8/OUtYbLmIJYskCcNYs=",
            ),
        ];
        for (method, url, fields, signature) in cases {
            assert_eq!(
                compute_signature(AUTH_TOKEN, method, url, &fields, NONCE),
                signature,
                "{method} {url}"
            );
            assert!(validate_signature(
                AUTH_TOKEN, method, url, &fields, NONCE, signature
            ));
        }
    }

    #[test]
    fn any_of_several_signatures_holds() {
        let good = "4wqS1uaHx3qvda1ls4WHAfwmtXBmlXlrMT0NIIcGaws=";
        let header = format!("c29tZXRoaW5nIGVsc2U=, {good}");
        assert!(validate_signature(
            AUTH_TOKEN,
            "POST",
            GATHER,
            &answer(),
            NONCE,
            &header
        ));
    }

    #[test]
    fn a_changed_field_url_nonce_or_token_is_refused() {
        let good = "4wqS1uaHx3qvda1ls4WHAfwmtXBmlXlrMT0NIIcGaws=";
        let mut changed = answer();
        changed[5].1 = "two hundred dollars".into();
        let check = |token: &str, url: &str, fields: &[(String, String)], nonce: &str| {
            validate_signature(token, "POST", url, fields, nonce, good)
        };
        assert!(check(AUTH_TOKEN, GATHER, &answer(), NONCE));
        assert!(!check(AUTH_TOKEN, GATHER, &changed, NONCE));
        assert!(!check(
            AUTH_TOKEN,
            "https://ivr.example.com/plivo/voice?turn=3&call=ab",
            &answer(),
            NONCE
        ));
        assert!(!check(AUTH_TOKEN, GATHER, &answer(), "1"));
        assert!(!check("another-token", GATHER, &answer(), NONCE));
        assert!(!check("", GATHER, &answer(), NONCE));
        assert!(!validate_signature(
            AUTH_TOKEN,
            "POST",
            GATHER,
            &answer(),
            NONCE,
            ""
        ));
    }
}
