//! Keeping card numbers out of everything we store, whatever question they were typed at.
//!
//! Callers key their card number where it was not asked for (at the account-number question, the
//! amount, a menu). The flow records what each step needs (a menu's choice, a valid amount) and
//! otherwise only a masked form; [`mask_card_numbers`] is the second line of defence, applied to
//! every text we persist that may hold keyed digits (a call's session and its step log), so a
//! card number cannot reach a row even through a path nobody thought of.

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

/// Free text a person typed (an agent's note) with every card number in it masked down to its
/// last four, also when its digits are grouped by single spaces or dashes as people write them
/// (`4242 4242 4242 4242`, `4242-4242-4242-4242`). Digits grouped that way are read as one
/// number, so a few unrelated numbers side by side may be masked too: in a note, better too much
/// than a card number.
pub fn mask_typed_card_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single separators between them.
        let start = i;
        let mut end = i;
        while end < chars.len() {
            let separator = matches!(chars[end], ' ' | '-')
                && chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if !chars[end].is_ascii_digit() && !separator {
                break;
            }
            end += 1;
        }
        let run = &chars[start..end];
        let digits: String = run.iter().filter(|c| c.is_ascii_digit()).collect();
        if looks_like_card_number(&digits) {
            let hidden = digits.len() - 4;
            let mut seen = 0;
            for &c in run {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if seen <= hidden { '*' } else { c });
                } else {
                    out.push(c);
                }
            }
        } else {
            out.extend(run);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_card_numbers_are_masked_however_they_are_grouped() {
        assert_eq!(
            mask_typed_card_numbers("card 4242 4242 4242 4242, call at 3"),
            "card **** **** **** 4242, call at 3"
        );
        assert_eq!(
            mask_typed_card_numbers("4000-0000-0000-0002"),
            "****-****-****-0002"
        );
        assert_eq!(
            mask_typed_card_numbers("promise of $45 by 12 5 2026"),
            "promise of $45 by 12 5 2026"
        );
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
}
