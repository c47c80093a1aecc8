//! Amounts of money as integer minor units (cents) plus a currency.
//!
//! Floats never appear: `0.1 + 0.2` is not `0.3` in binary floating point, and a
//! payment system that is off by a cent is wrong. Amounts come in from two places,
//! the accounts CSV (`"806.91"`) and a caller's keypad (`"806*91"`), and both are
//! parsed straight into cents here.
//!
//! A `Money` is never negative: it is an amount to pay or a balance owed. Taking
//! more than a balance holds is a question the caller must answer
//! ([`Money::checked_sub`] returns `None`), not a negative amount.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The currencies we can charge in. Only US dollars for now; adding one means
/// deciding its number of minor units, so every `match` on this enum is a place
/// to revisit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Currency {
    /// US dollars, 100 cents to the dollar.
    Usd,
}

impl Currency {
    /// The ISO 4217 code in capitals, e.g. `"USD"`.
    pub fn iso_code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
        }
    }
}

/// Why an amount could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing was given.
    #[error("no amount was given")]
    Empty,
    /// Something other than digits and one decimal point (or `*` on a keypad).
    #[error("the amount is not a number")]
    NotANumber,
    /// More than two digits after the decimal point.
    #[error("the amount has more than two digits of cents")]
    TooManyDecimals,
    /// More than we can represent, or more dollar digits than a keypad amount may have.
    #[error("the amount is too large")]
    TooLarge,
    /// A negative amount was asked for (from integer cents).
    #[error("the amount is negative")]
    Negative,
}

/// A non-negative amount: whole cents and a currency.
///
/// Serializes as the bare integer number of cents (`80691`), the unit payment
/// APIs use; the currency is implied (USD) until there is a second one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// Minor units (cents); never negative.
    cents: i64,
    /// What the cents are cents of.
    currency: Currency,
}

/// A keypad amount may have at most this many dollar digits (999,999,999 dollars):
/// more is far more likely a slip of the finger than a real payment.
const MAX_KEYPAD_DOLLAR_DIGITS: usize = 9;

impl Money {
    /// Zero US dollars.
    pub const ZERO_USD: Money = Money {
        cents: 0,
        currency: Currency::Usd,
    };

    /// An amount of `cents` minor units.
    ///
    /// # Errors
    /// [`MoneyError::Negative`] when `cents < 0`.
    pub fn from_cents(cents: i64, currency: Currency) -> Result<Money, MoneyError> {
        if cents < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Money { cents, currency })
    }

    /// Reads a decimal amount as written in the accounts CSV: digits, optionally a
    /// `.` followed by one or two digits (`"806.91"`, `"12"`, `"0.5"` = 50 cents).
    /// No sign, no exponent, no thousands separators, no surrounding spaces.
    ///
    /// # Errors
    /// [`MoneyError::Empty`], [`MoneyError::NotANumber`] (e.g. `"-"`, `"abc"`,
    /// `"1e5"`, `".5"`, `"5."`), [`MoneyError::TooManyDecimals`] (`"1.234"`),
    /// [`MoneyError::TooLarge`] when the cents do not fit in an `i64`.
    pub fn parse_decimal(text: &str) -> Result<Money, MoneyError> {
        let (dollars, cents) = split_once_checked(text, '.')?;
        from_parts(dollars, cents, None)
    }

    /// Reads an amount a caller typed on a phone keypad, where `*` stands for the
    /// decimal point: `"445"` is $445.00, `"445*3"` is $445.30, `"445*33"` is $445.33.
    ///
    /// # Errors
    /// [`MoneyError::Empty`], [`MoneyError::NotANumber`] (`"*"`, `"4*5*6"`, `"*50"`,
    /// `"445*"`, anything but digits and `*`), [`MoneyError::TooManyDecimals`],
    /// [`MoneyError::TooLarge`] for more than nine digits of dollars.
    pub fn parse_keypad(keys: &str) -> Result<Money, MoneyError> {
        let (dollars, cents) = split_once_checked(keys, '*')?;
        from_parts(dollars, cents, Some(MAX_KEYPAD_DOLLAR_DIGITS))
    }

    /// The amount in minor units (cents).
    pub fn cents(self) -> i64 {
        self.cents
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Whole dollars, e.g. 806 for $806.91 (for reading an amount aloud).
    pub fn whole_units(self) -> i64 {
        self.cents / 100
    }

    /// The cents beyond the whole dollars, e.g. 91 for $806.91.
    pub fn fraction_units(self) -> i64 {
        self.cents % 100
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.cents == 0
    }

    /// `self + other`, or `None` on overflow or when the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        let cents = self.cents.checked_add(other.cents)?;
        Some(Money { cents, ..self })
    }

    /// `self - other`, or `None` when the result would be negative or the
    /// currencies differ (e.g. paying more than the balance).
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        if self.currency != other.currency || other.cents > self.cents {
            return None;
        }
        Some(Money {
            cents: self.cents - other.cents,
            ..self
        })
    }
}

/// Splits `text` at the first `sep`, rejecting empty input and a second `sep`.
fn split_once_checked(text: &str, sep: char) -> Result<(&str, Option<&str>), MoneyError> {
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    match text.split_once(sep) {
        None => Ok((text, None)),
        Some((_, cents)) if cents.contains(sep) => Err(MoneyError::NotANumber),
        Some((dollars, cents)) => Ok((dollars, Some(cents))),
    }
}

/// Builds USD money from a dollars part and an optional cents part (the text
/// after the separator). Both must be non-empty runs of ASCII digits: a bare
/// separator at either end is more likely a mistake than a shorthand.
fn from_parts(
    dollars: &str,
    cents: Option<&str>,
    max_dollar_digits: Option<usize>,
) -> Result<Money, MoneyError> {
    if !is_digits(dollars) {
        return Err(MoneyError::NotANumber);
    }
    if max_dollar_digits.is_some_and(|max| dollars.len() > max) {
        return Err(MoneyError::TooLarge);
    }
    let fraction = match cents {
        None => 0,
        Some(c) if !is_digits(c) => return Err(MoneyError::NotANumber),
        Some(c) if c.len() > 2 => return Err(MoneyError::TooManyDecimals),
        // "5" after the point is 50 cents, not 5.
        Some(c) => digits_value(c)? * if c.len() == 1 { 10 } else { 1 },
    };
    let whole = digits_value(dollars)?;
    let cents = whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .ok_or(MoneyError::TooLarge)?;
    Money::from_cents(cents, Currency::Usd)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a run of ASCII digits, checked for overflow (leading zeros are fine).
fn digits_value(digits: &str) -> Result<i64, MoneyError> {
    digits.bytes().try_fold(0i64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(MoneyError::TooLarge)
    })
}

impl fmt::Display for Money {
    /// `806.91 USD`: unambiguous in logs and admin screens; speech has its own words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:02} {}",
            self.whole_units(),
            self.fraction_units(),
            self.currency.iso_code()
        )
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.cents)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Reads the integer cents written by `Serialize` (as US dollars).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cents = i64::deserialize(deserializer)?;
        Money::from_cents(cents, Currency::Usd).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(text: &str) -> i64 {
        Money::parse_decimal(text).unwrap().cents()
    }

    fn keypad(keys: &str) -> i64 {
        Money::parse_keypad(keys).unwrap().cents()
    }

    #[test]
    fn decimal_amounts_from_the_csv() {
        assert_eq!(cents("806.91"), 80691);
        assert_eq!(cents("0.00"), 0);
        assert_eq!(cents("12"), 1200);
        assert_eq!(cents("1000000.00"), 100_000_000);
        assert_eq!(cents("0.5"), 50);
        assert_eq!(cents("0.05"), 5);
        assert_eq!(cents("007.50"), 750);
    }

    #[test]
    fn decimal_rejects_what_is_not_an_amount() {
        use MoneyError::*;
        let cases = [
            ("", Empty),
            ("-", NotANumber),
            ("-5.00", NotANumber),
            ("+5", NotANumber),
            ("abc", NotANumber),
            ("1e5", NotANumber),
            (".5", NotANumber),
            ("5.", NotANumber),
            ("1.2.3", NotANumber),
            (" 5.00", NotANumber),
            ("1,000.00", NotANumber),
            ("1.234", TooManyDecimals),
            ("1.2x", NotANumber),
            ("92233720368547758.08", TooLarge),
            ("99999999999999999999", TooLarge),
        ];
        for (text, want) in cases {
            assert_eq!(Money::parse_decimal(text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn largest_decimal_amount_fits() {
        assert_eq!(cents("92233720368547758.07"), i64::MAX);
    }

    #[test]
    fn keypad_amounts_use_star_as_the_point() {
        assert_eq!(keypad("445"), 44500);
        assert_eq!(keypad("445*3"), 44530);
        assert_eq!(keypad("445*33"), 44533);
        assert_eq!(keypad("0*05"), 5);
        assert_eq!(keypad("999999999*99"), 99_999_999_999);
    }

    #[test]
    fn keypad_rejects_slips() {
        use MoneyError::*;
        let cases = [
            ("", Empty),
            ("*", NotANumber),
            ("4*5*6", NotANumber),
            ("*50", NotANumber),
            ("445*", NotANumber),
            ("44a", NotANumber),
            ("445.33", NotANumber),
            ("445#", NotANumber),
            ("445*333", TooManyDecimals),
            ("1000000000", TooLarge),
            ("0000000001*00", TooLarge),
        ];
        for (keys, want) in cases {
            assert_eq!(Money::parse_keypad(keys), Err(want), "{keys:?}");
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::parse_decimal("10.00").unwrap();
        let b = Money::parse_decimal("2.50").unwrap();
        assert_eq!(a.checked_add(b).unwrap().cents(), 1250);
        assert_eq!(a.checked_sub(b).unwrap().cents(), 750);
        assert_eq!(b.checked_sub(a), None, "would go negative");
        assert_eq!(a.checked_sub(a).unwrap(), Money::ZERO_USD);
        let max = Money::from_cents(i64::MAX, Currency::Usd).unwrap();
        assert_eq!(max.checked_add(b), None, "overflow");
    }

    #[test]
    fn negative_cents_are_refused() {
        assert_eq!(
            Money::from_cents(-1, Currency::Usd),
            Err(MoneyError::Negative)
        );
    }

    #[test]
    fn parts_and_display() {
        let m = Money::parse_decimal("806.91").unwrap();
        assert_eq!((m.whole_units(), m.fraction_units()), (806, 91));
        assert_eq!(m.to_string(), "806.91 USD");
        assert_eq!(Money::parse_decimal("0.5").unwrap().to_string(), "0.50 USD");
        assert!(Money::ZERO_USD.is_zero());
    }

    #[test]
    fn serializes_as_integer_cents() {
        let m = Money::parse_decimal("806.91").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "80691");
        let back: Money = serde_json::from_str("80691").unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>("-1").is_err());
        assert!(serde_json::from_str::<Money>("806.91").is_err());
    }
}
