//! What a caller types to identify and authenticate, each parsed into a type that can only hold a
//! valid value. PIN, date of birth and ZIP mask themselves in `Debug`, so they cannot reach a log
//! by accident.

use std::fmt;

use time::{Date, Month};

/// An account number: 6 to 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber(String);

impl AccountNumber {
    /// Parses keypad or file input.
    pub fn parse(input: &str) -> Option<AccountNumber> {
        let input = input.trim();
        let valid = (6..=12).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| AccountNumber(input.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 4-digit PIN; leading zeros count (`0560` is not `560`).
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Parses keypad or file input.
    pub fn parse(input: &str) -> Option<Pin> {
        let input = input.trim();
        (input.len() == 4 && input.bytes().all(|b| b.is_ascii_digit())).then(|| Pin(input.into()))
    }

    /// The digits, for hashing only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(****)")
    }
}

/// A date of birth.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth(Date);

impl DateOfBirth {
    /// Parses keypad input `MMDDYYYY`: a real calendar date, not after `today`, not before 1900.
    pub fn parse_keypad(input: &str, today: Date) -> Option<DateOfBirth> {
        let input = input.trim();
        if input.len() != 8 || !input.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let month: u8 = input[0..2].parse().ok()?;
        let day: u8 = input[2..4].parse().ok()?;
        let year: i32 = input[4..8].parse().ok()?;
        Self::from_parts(year, month, day, today)
    }

    /// Parses file input `YYYY-MM-DD`.
    pub fn parse_iso(input: &str, today: Date) -> Option<DateOfBirth> {
        let mut parts = input.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        Self::from_parts(year, month, day, today)
    }

    fn from_parts(year: i32, month: u8, day: u8, today: Date) -> Option<DateOfBirth> {
        let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
        (year >= 1900 && date <= today).then_some(DateOfBirth(date))
    }

    /// `YYYYMMDD`, the canonical form that is hashed.
    pub(crate) fn canonical(&self) -> String {
        format!(
            "{:04}{:02}{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DateOfBirth(**)")
    }
}

/// A 5-digit US ZIP code.
#[derive(Clone, PartialEq, Eq)]
pub struct Zip(String);

impl Zip {
    /// Parses keypad or file input.
    pub fn parse(input: &str) -> Option<Zip> {
        let input = input.trim();
        (input.len() == 5 && input.bytes().all(|b| b.is_ascii_digit())).then(|| Zip(input.into()))
    }

    /// The digits, for hashing only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Zip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Zip(*****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn account_numbers_are_six_to_twelve_digits() {
        assert!(AccountNumber::parse("87272786").is_some());
        assert!(AccountNumber::parse("12345").is_none());
        assert!(AccountNumber::parse("1234567890123").is_none());
        assert!(AccountNumber::parse("8727a786").is_none());
        assert!(AccountNumber::parse("").is_none());
    }

    #[test]
    fn pins_keep_leading_zeros_and_need_four_digits() {
        assert_eq!(
            Pin::parse("0560").map(|p| p.expose().to_owned()),
            Some("0560".into())
        );
        assert!(Pin::parse("560").is_none());
        assert!(Pin::parse("12345").is_none());
        assert!(Pin::parse("12*4").is_none());
    }

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let dob = DateOfBirth::parse_keypad("03271948", TODAY).map(|d| d.canonical());
        assert_eq!(dob, Some("19480327".into()));
        assert!(DateOfBirth::parse_keypad("02301948", TODAY).is_none());
        assert!(DateOfBirth::parse_keypad("13011948", TODAY).is_none());
        assert!(DateOfBirth::parse_keypad("01012030", TODAY).is_none());
        assert!(DateOfBirth::parse_keypad("0101194", TODAY).is_none());
        assert_eq!(
            DateOfBirth::parse_iso("1948-03-27", TODAY).map(|d| d.canonical()),
            Some("19480327".into())
        );
    }

    #[test]
    fn secrets_are_masked_in_debug() {
        let text = format!(
            "{:?} {:?} {:?}",
            Pin::parse("8091"),
            Zip::parse("83462"),
            DateOfBirth::parse_keypad("03271948", TODAY)
        );
        assert!(!text.contains("8091") && !text.contains("83462") && !text.contains("1948"));
    }
}
