//! Webhook text made safe once, at the boundary, for every provider: whatever bytes arrive, what
//! goes further (to the flow, the database, the logs) is valid UTF-8 without control characters.
//! A NUL byte in a call id once made PostgreSQL refuse the row ("invalid byte sequence for
//! encoding UTF8: 0x00") and turned the caller's next step into an apology.
//!
//! Signatures are checked on the values exactly as decoded (that is what the provider signed);
//! only then are they cleaned.

/// Form pairs decoded from a body: percent-decoding that does not produce UTF-8 becomes U+FFFD
/// (so no byte sequence is refused), as browsers and the providers' own libraries decode.
pub fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// `value` without control characters (C0 including NUL, DEL, C1) or the replacement character
/// left by undecodable bytes. Webhook fields are ids, phone numbers, statuses and keys: none of
/// them legitimately holds either.
pub fn clean(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && *c != char::REPLACEMENT_CHARACTER)
        .collect()
}

/// Every name and value of `pairs` [`clean`]ed.
pub fn clean_pairs(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(name, value)| (clean(&name), clean(&value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_undecodable_bytes_are_removed() {
        assert_eq!(clean("CA12\u{0}34"), "CA1234");
        assert_eq!(clean("+1555\r\n\t0100\u{7f}\u{85}"), "+15550100");
        assert_eq!(clean("caf\u{fffd}e"), "cafe");
        assert_eq!(clean("José +34"), "José +34");
    }

    #[test]
    fn any_body_decodes_to_valid_text() {
        let pairs = decode_form(b"CallSid=CA%00%FF%FE&Digits=12%C3%28&%ZZ=1&=&x");
        assert_eq!(
            pairs[0],
            ("CallSid".into(), "CA\u{0}\u{fffd}\u{fffd}".into())
        );
        let cleaned = clean_pairs(pairs);
        assert_eq!(cleaned[0], ("CallSid".into(), "CA".into()));
        assert_eq!(cleaned[1], ("Digits".into(), "12(".into()));
        for (name, value) in &cleaned {
            assert!(!name.contains('\0') && !value.contains('\0'));
        }
    }
}
