//! Keeping card numbers out of everything we store, whatever question they were typed at.
//!
//! Callers key their card number where it was not asked for (at the account-number question, the
//! amount, a menu). The flow records what each step needs (a menu's choice, a valid amount) and
//! otherwise only a masked form; [`mask_card_numbers`] is the second line of defence, applied to
//! every text we persist that may hold keyed digits (a call's session), so a card number cannot
//! reach a row even through a path nobody thought of.
//!
//! Free text a person typed (an agent's note, a caller ID, what a caller keyed or said) goes
//! through [`scrub_free_text`], which reads digits the way a person writes them: grouped by any
//! separators, in any script, with other digits around the card number.

use std::borrow::Cow;

/// Shortest and longest primary account numbers (ISO/IEC 7812).
const PAN_LENGTHS: std::ops::RangeInclusive<usize> = 13..=19;

/// Whether `digits` (ASCII digits only) looks like a card number: 13 to 19 digits passing Luhn.
pub fn looks_like_card_number(digits: &str) -> bool {
    PAN_LENGTHS.contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && super::card::luhn_valid(digits)
}

/// The keys a caller typed, as a step may record them when they are not needed in full: every key
/// but the last four replaced by `*` (PCI DSS allows the last four to be shown), and nothing at all
/// of entries of four keys or fewer.
pub fn masked_keys(keys: &str) -> String {
    let count = keys.chars().count();
    if count <= 4 {
        return "*".repeat(count);
    }
    let last4: String = keys.chars().skip(count - 4).collect();
    format!("{}{last4}", "*".repeat(count - 4))
}

/// `text` with every run of 13 to 19 digits that passes Luhn masked down to its last four. Runs
/// are maximal: a longer run of digits is not searched for a card number inside it (it is not
/// one as typed, and a 20-digit run would otherwise mask ordinary ids). Borrowed when nothing
/// needed masking, which is the common case.
pub fn mask_card_numbers(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if looks_like_card_number(&text[start..i]) {
                found.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut masked = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in found {
        masked.push_str(&text[copied..start]);
        masked.push_str(&masked_keys(&text[start..end]));
        copied = end;
    }
    masked.push_str(&text[copied..]);
    Cow::Owned(masked)
}

/// Characters that join digits into one number as people write them: whitespace of any kind and
/// any amount (`4242  4242`, tabs, line breaks), and the dashes, dots, underscores and slashes
/// used to group digits, in their ASCII, typographic and full-width forms.
fn joins_digits(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '_' | '/' | '\u{2010}'
                ..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{FF0E}' | '\u{FF0F}' | '\u{FF3F}'
        )
}

/// The value of a decimal digit in any script (Unicode general category Nd: ASCII, full-width,
/// Arabic-Indic, Devanagari, mathematical ...), or `None`.
///
/// Unicode promises that every Nd digit belongs to a contiguous run of digits 0 to 9 in order
/// (some runs, like the mathematical digits, follow each other), so the value is the distance
/// from the start of the run, modulo 10. The category comes from `unicode-properties`, a table
/// kept in step with Unicode; NFKC folding would cover full-width and mathematical digits but
/// not the native digits of Arabic, Devanagari and other scripts, which are not compatibility
/// characters.
fn digit_value(c: char) -> Option<u8> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    if c.is_ascii() || c.general_category() != GeneralCategory::DecimalNumber {
        return None;
    }
    let code = u32::from(c);
    // The longest run of consecutive Nd characters (the mathematical digits) is 50 long.
    let mut start = code;
    while start > 0
        && code - start < 50
        && char::from_u32(start - 1)
            .is_some_and(|p| p.general_category() == GeneralCategory::DecimalNumber)
    {
        start -= 1;
    }
    u8::try_from((code - start) % 10).ok()
}

/// Free text a person typed (an agent's note, a caller ID) with every card number in it masked
/// down to its last four digits. This is the one function every free text goes through before
/// it is stored.
///
/// Digits are read in any script (full-width `４２４２`, Arabic-Indic ...), and digits joined by
/// separators (`joins_digits`: spaces, tabs, `-`, `.`, `_`, `/`, repeated or mixed) are one
/// run. Every 13 to 19 digit window of a run that passes Luhn is a card number, wherever it sits
/// in the run: `card 4242424242424242 1228 123` and `cc:4242-4242-4242-4242-1228` are masked
/// though the whole run is longer than a card number. Each such window's digits but its last
/// four become `*`; separators and the other characters stay as typed. Short runs and runs
/// without a Luhn-valid window (dates, amounts, phone numbers mostly) are left alone; a
/// 13+-digit number that happens to pass Luhn is masked too: in free text, better too much than
/// a card number.
///
/// Text is masked, never refused: an agent's note is the record of a call and must not be lost
/// because a number in it looks like a card.
pub fn scrub_free_text(text: &str) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let mut hidden = vec![false; chars.len()];
    let mut any = false;
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i]).is_none() {
            i += 1;
            continue;
        }
        // The run: digits, with separators between them (not before or after).
        let mut positions = Vec::new();
        let mut digits = String::new();
        let mut end = i;
        while end < chars.len() {
            if let Some(value) = digit_value(chars[end]) {
                positions.push(end);
                digits.push(char::from(b'0' + value));
                end += 1;
                continue;
            }
            let gap = chars[end..]
                .iter()
                .take_while(|&&c| joins_digits(c))
                .count();
            if gap == 0 || chars.get(end + gap).and_then(|&c| digit_value(c)).is_none() {
                break;
            }
            end += gap;
        }
        for start in 0..digits.len() {
            for len in PAN_LENGTHS {
                let Some(window) = digits.get(start..start + len) else {
                    break;
                };
                if super::card::luhn_valid(window) {
                    for &at in &positions[start..start + len - 4] {
                        hidden[at] = true;
                    }
                    any = true;
                }
            }
        }
        i = end;
    }
    if !any {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        chars
            .iter()
            .zip(hidden)
            .map(|(&c, hide)| if hide { '*' } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_card_numbers_are_masked_however_they_are_grouped() {
        for (typed, kept) in [
            (
                "card 4242 4242 4242 4242, call at 3",
                "card **** **** **** 4242, call at 3",
            ),
            ("4000-0000-0000-0002", "****-****-****-0002"),
            ("4242.4242.4242.4242", "****.****.****.4242"),
            ("4242  4242  4242  4242", "****  ****  ****  4242"),
            ("4242_4242_4242_4242", "****_****_****_4242"),
            ("4242/4242/4242/4242", "****/****/****/4242"),
            ("4242\t4242\t4242\t4242", "****\t****\t****\t4242"),
            // The issue's own probes: a card number inside a longer run. Where other windows of
            // the run pass Luhn too (one ending in the 8 of 1228 123), more than the card is
            // masked.
            (
                "card 4242424242424242 1228 123",
                "card **************** ***8 123",
            ),
            ("cc:4242-4242-4242-4242-1228", "cc:****-****-****-4242-1228"),
            // Full-width and Arabic-Indic digits are digits.
            ("４２４２４２４２４２４２４２４２", "************４２４２"),
            ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "************٤٢٤٢"),
        ] {
            assert_eq!(scrub_free_text(typed), kept, "{typed:?}");
        }
    }

    #[test]
    fn ordinary_numbers_in_notes_are_kept() {
        for text in [
            "promise of $45 by 12 5 2026",
            "account 66253365, call back 555-311-8592 after 5",
            "paid 45.00 on 12/05/2026, ref 6625-3365 declined",
            "",
        ] {
            assert!(
                matches!(scrub_free_text(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn digits_of_every_script_have_their_value() {
        for (zero, script) in [
            ('0', "ASCII"),
            ('\u{FF10}', "full-width"),
            ('\u{0660}', "Arabic-Indic"),
            ('\u{0966}', "Devanagari"),
            ('\u{1D7CE}', "mathematical bold"),
            (
                '\u{1D7F6}',
                "mathematical monospace, fifth of five runs in a row",
            ),
        ] {
            for value in 0..10u8 {
                let c = char::from_u32(u32::from(zero) + u32::from(value)).expect("a char");
                assert_eq!(digit_value(c), Some(value), "{script} {c}");
            }
        }
        for not_digit in ['a', '*', '\u{00BD}', '\u{2167}', '\u{FF21}'] {
            assert_eq!(digit_value(not_digit), None, "{not_digit}");
        }
    }

    #[test]
    fn test_cards_look_like_card_numbers_and_near_misses_do_not() {
        for card in [
            "4242424242424242",
            "378282246310005",
            "6011111111111117",
            "4000000000000002",
        ] {
            assert!(looks_like_card_number(card), "{card}");
        }
        // Fails Luhn; too short; an account number; too long.
        for not_card in [
            "4242424242424241",
            "424242424242",
            "66253365",
            "42424242424242424242",
        ] {
            assert!(!looks_like_card_number(not_card), "{not_card}");
        }
    }

    #[test]
    fn masked_keys_keep_only_the_last_four() {
        assert_eq!(masked_keys("4242424242424242"), "************4242");
        assert_eq!(masked_keys("12345"), "*2345");
        assert_eq!(masked_keys("1234"), "****");
        assert_eq!(masked_keys(""), "");
    }

    #[test]
    fn card_numbers_inside_text_are_masked_and_the_rest_kept() {
        let text = r#"{"values":{"amount":"4242424242424242"},"turn":3}"#;
        assert_eq!(
            mask_card_numbers(text),
            r#"{"values":{"amount":"************4242"},"turn":3}"#
        );
        let two = "a 378282246310005 b 5555555555554444";
        assert_eq!(
            mask_card_numbers(two),
            "a ***********0005 b ************4444"
        );
    }

    #[test]
    fn text_without_card_numbers_is_borrowed_unchanged() {
        for text in [
            "account 66253365, at 1795532400000, code 4242424242424241",
            "",
            "no digits",
        ] {
            assert!(matches!(mask_card_numbers(text), Cow::Borrowed(t) if t == text));
        }
    }

    /// A Luhn-valid card number of `body.len() + 1` digits: `body` and its check digit.
    fn with_check_digit(body: &[u8]) -> String {
        let mut digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
        digits.push('0');
        let check = (0..10u8)
            .find(|check| {
                digits.pop();
                digits.push(char::from(b'0' + check));
                crate::payments::card::luhn_valid(&digits)
            })
            .expect("one check digit fits");
        digits.pop();
        digits.push(char::from(b'0' + check));
        digits
    }

    /// The digit runs of `text` as a reader would see them, written independently of
    /// [`scrub_free_text`]: every digit read by its value, separators dropped, anything else
    /// (a `*` too) ending a run.
    fn runs_seen(text: &str) -> Vec<String> {
        let mut runs = vec![String::new()];
        for c in text.chars() {
            if let Some(value) = c.to_digit(10).or_else(|| {
                let full_width = u32::from(c).checked_sub(0xFF10)?;
                (full_width < 10).then_some(full_width)
            }) {
                runs.last_mut()
                    .expect("a run")
                    .push(char::from_digit(value, 10).expect("a digit"));
            } else if !joins_digits(c) {
                runs.push(String::new());
            }
        }
        runs
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// However a card number is written into a note (grouped by any separators, with more
        /// digits before or after it, in full-width digits), no 13 digits of it survive.
        #[test]
        fn no_card_number_survives_in_free_text(
            body in proptest::collection::vec(0u8..10, 12..=18),
            separators in proptest::collection::vec(
                proptest::sample::select(vec!["", "", "", " ", "  ", "-", ".", "_", "/", "\t", " - "]),
                19,
            ),
            prefix in "[a-z: ]{0,6}[0-9]{0,6}",
            suffix in "[0-9 ]{0,8}[a-z ]{0,4}",
            full_width in proptest::bool::ANY,
        ) {
            let pan = with_check_digit(&body);
            let mut written = String::new();
            for (i, digit) in pan.chars().enumerate() {
                if i > 0 {
                    written.push_str(separators[i]);
                }
                written.push(if full_width {
                    char::from_u32(0xFF10 + digit.to_digit(10).expect("a digit")).expect("a char")
                } else {
                    digit
                });
            }
            let note = format!("{prefix}{written}{suffix}");
            let scrubbed = scrub_free_text(&note);
            for run in runs_seen(&scrubbed) {
                // Any 13 digits of the card number in a row would be too many.
                for start in 0..=pan.len() - PAN_LENGTHS.start() {
                    let part = &pan[start..start + PAN_LENGTHS.start()];
                    proptest::prop_assert!(!run.contains(part), "{note:?} -> {scrubbed:?}");
                }
            }
            // Nothing card-like is left for a second pass to find.
            proptest::prop_assert_eq!(scrub_free_text(&scrubbed), scrubbed.clone());
        }
    }
}
