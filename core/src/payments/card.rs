//! Card fields a caller keys in, each a newtype built by a fallible `parse`, so
//! holding one means it passed every rule ("parse, don't validate").
//!
//! PCI DSS: the card number and the security code must never reach a log, a
//! database row, an error message or an API answer. So here:
//! - [`CardNumber`] and [`SecurityCode`] have a masking `Debug` and no `Display`,
//!   no `Serialize`, no `Clone`; their digits live in [`Zeroizing`] buffers that
//!   are wiped when dropped; the raw digits come out only through the explicitly
//!   named `expose_*` methods, which only a gateway should call.
//! - [`CardError`] names the problem in plain words and never carries the digits.
//!
//! Modelled on juspay/hyperswitch `crates/cards/src/validate.rs` (masking
//! `Debug`), without its pitfall of logging the raw value when masking fails.

use std::fmt;

use zeroize::Zeroizing;

/// A card scheme, recognised from the leading digits of the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    /// No known scheme; refused unless explicitly accepted.
    Unknown,
}

impl CardBrand {
    /// Every brand we recognise (not [`CardBrand::Unknown`]).
    pub const KNOWN: [CardBrand; 6] = [
        CardBrand::Visa,
        CardBrand::Mastercard,
        CardBrand::Amex,
        CardBrand::Discover,
        CardBrand::Jcb,
        CardBrand::Diners,
    ];

    /// A lowercase name for flows and logs, e.g. `"mastercard"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::Discover => "discover",
            CardBrand::Jcb => "jcb",
            CardBrand::Diners => "diners",
            CardBrand::Unknown => "unknown",
        }
    }

    /// The brand named by [`CardBrand::as_str`]'s text (for configuration and stored records).
    pub fn parse(name: &str) -> Option<CardBrand> {
        CardBrand::KNOWN
            .into_iter()
            .find(|brand| brand.as_str() == name.trim().to_ascii_lowercase())
    }

    /// The name callers know the brand by, as it is spoken in a read-back.
    pub fn spoken_name(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::Discover => "Discover",
            CardBrand::Jcb => "JCB",
            CardBrand::Diners => "Diners Club",
            CardBrand::Unknown => "card",
        }
    }

    /// Recognises the scheme from the leading digits (`digits` is all ASCII digits).
    fn detect(digits: &str) -> CardBrand {
        let prefix = |n: usize| -> u32 {
            digits
                .bytes()
                .take(n)
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let (p2, p3, p4) = (prefix(2), prefix(3), prefix(4));
        if digits.starts_with('4') {
            CardBrand::Visa
        } else if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
            CardBrand::Mastercard
        } else if p2 == 34 || p2 == 37 {
            CardBrand::Amex
        } else if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 {
            CardBrand::Discover
        } else if (3528..=3589).contains(&p4) {
            CardBrand::Jcb
        } else if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 {
            CardBrand::Diners
        } else {
            CardBrand::Unknown
        }
    }

    /// Whether a number of `len` digits is a length this scheme issues.
    fn allows_length(self, len: usize) -> bool {
        match self {
            CardBrand::Visa => matches!(len, 13 | 16 | 19),
            CardBrand::Mastercard => len == 16,
            CardBrand::Amex => len == 15,
            CardBrand::Discover | CardBrand::Jcb => (16..=19).contains(&len),
            CardBrand::Diners => (14..=19).contains(&len),
            CardBrand::Unknown => (MIN_PAN_LEN..=MAX_PAN_LEN).contains(&len),
        }
    }

    /// How many digits this scheme's security code has.
    pub fn security_code_len(self) -> usize {
        match self {
            CardBrand::Amex => 4,
            _ => 3,
        }
    }
}

impl fmt::Display for CardBrand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const MIN_PAN_LEN: usize = 13;
const MAX_PAN_LEN: usize = 19;
/// How far ahead an expiry may be: issuers print at most a few years ahead, so
/// anything beyond this is a mistyped year.
const MAX_YEARS_AHEAD: i32 = 20;

/// What is wrong with a card field, in words a call flow can act on.
///
/// Neither the variants nor their messages hold any digits of what was typed:
/// an error may be logged or shown, card data may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Something other than the digits 0-9 was entered.
    #[error("only digits may be entered")]
    NotDigits,
    /// Too few or too many digits for this field (or for the card's brand).
    #[error("wrong number of digits")]
    WrongLength,
    /// The card number fails its check digit (a typo, most likely).
    #[error("that is not a valid card number")]
    NotValid,
    /// A brand we do not take (`Unknown` when no scheme was recognised).
    #[error("{0} cards are not accepted")]
    UnsupportedBrand(CardBrand),
    /// The month of an expiry date is not 01 to 12.
    #[error("the expiry month is not a real month")]
    BadMonth,
    /// The card expired before this month.
    #[error("the card has expired")]
    Expired,
    /// The expiry date is implausibly far in the future.
    #[error("the expiry date is too far in the future")]
    TooFarAhead,
}

impl CardError {
    /// A stable snake_case code for the flow to choose a prompt by, e.g. `"expired"`.
    pub fn code(self) -> &'static str {
        match self {
            CardError::NotDigits => "not_digits",
            CardError::WrongLength => "wrong_length",
            CardError::NotValid => "not_valid",
            CardError::UnsupportedBrand(_) => "unsupported_brand",
            CardError::BadMonth => "bad_month",
            CardError::Expired => "expired",
            CardError::TooFarAhead => "too_far_ahead",
        }
    }
}

fn check_digits(text: &str, allowed_len: impl Fn(usize) -> bool) -> Result<(), CardError> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::NotDigits);
    }
    if !allowed_len(text.len()) {
        return Err(CardError::WrongLength);
    }
    Ok(())
}

/// Copies digits into a wipe-on-drop buffer of exactly the right capacity, so
/// the string never reallocates and leaves an unwiped copy behind.
fn secret_copy(digits: &str) -> Zeroizing<String> {
    let mut copy = Zeroizing::new(String::with_capacity(digits.len()));
    copy.push_str(digits);
    copy
}

/// The Luhn (mod 10) check digit rule, ISO/IEC 7812-1.
pub(crate) fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A primary account number: 13 to 19 digits, passing Luhn, of a known (or
/// explicitly accepted) brand, with a length that brand issues.
pub struct CardNumber {
    /// The digits, wiped on drop.
    digits: Zeroizing<String>,
    /// Derived once at parse time so callers never re-read the digits for it.
    brand: CardBrand,
}

impl CardNumber {
    /// Parses a card number, accepting every known brand.
    ///
    /// # Errors
    /// [`CardError::NotDigits`], [`CardError::WrongLength`] (outside 13-19, or a
    /// length the brand does not issue, e.g. a 16-digit Amex),
    /// [`CardError::NotValid`] (Luhn), [`CardError::UnsupportedBrand`] for an
    /// unrecognised scheme.
    pub fn parse(digits: &str) -> Result<CardNumber, CardError> {
        Self::parse_accepting(digits, &CardBrand::KNOWN)
    }

    /// Parses a card number and refuses brands not in `accepted` (list
    /// [`CardBrand::Unknown`] to take unrecognised schemes).
    ///
    /// # Errors
    /// As [`CardNumber::parse`], with [`CardError::UnsupportedBrand`] for any
    /// brand outside `accepted`.
    pub fn parse_accepting(digits: &str, accepted: &[CardBrand]) -> Result<CardNumber, CardError> {
        check_digits(digits, |len| (MIN_PAN_LEN..=MAX_PAN_LEN).contains(&len))?;
        // Luhn before brand: a failed check digit means a typo, and "please
        // re-enter" is the right answer even if the typo also changed the brand.
        if !luhn_valid(digits) {
            return Err(CardError::NotValid);
        }
        let brand = CardBrand::detect(digits);
        if !accepted.contains(&brand) {
            return Err(CardError::UnsupportedBrand(brand));
        }
        if !brand.allows_length(digits.len()) {
            return Err(CardError::WrongLength);
        }
        Ok(CardNumber {
            digits: secret_copy(digits),
            brand,
        })
    }

    /// The scheme, from the leading digits.
    pub fn brand(&self) -> CardBrand {
        self.brand
    }

    /// Whether this card's brand is among `accepted`.
    pub fn accepts(&self, accepted: &[CardBrand]) -> bool {
        accepted.contains(&self.brand)
    }

    /// The last four digits, which PCI DSS allows to be shown and stored
    /// (e.g. "the card ending 1111").
    pub fn last4(&self) -> String {
        self.digits[self.digits.len() - 4..].to_owned()
    }

    /// The full number. Only a gateway sending it to the processor may call
    /// this: never log, store, format or return what it gives.
    pub fn expose_number(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for CardNumber {
    /// `CardNumber(411111******1111)`: the first six (the issuer) and last four,
    /// the most PCI DSS allows to be displayed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.digits.len();
        write!(
            f,
            "CardNumber({}{}{})",
            &self.digits[..6],
            "*".repeat(len - 10),
            &self.digits[len - 4..]
        )
    }
}

/// A card's expiry month, not in the past and at most 20 years ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// 1 to 12.
    month: u8,
    /// Four digits, e.g. 2030.
    year: u16,
}

impl Expiry {
    /// Parses `MMYY` as keyed in from the card, judged against `today` (UTC,
    /// from the caller's clock so tests need no real date). A card is valid
    /// through the last day of its expiry month, so this month is still fine.
    ///
    /// # Errors
    /// [`CardError::NotDigits`], [`CardError::WrongLength`] (not 4 digits),
    /// [`CardError::BadMonth`], [`CardError::Expired`], [`CardError::TooFarAhead`].
    pub fn parse(mmyy: &str, today: time::Date) -> Result<Expiry, CardError> {
        check_digits(mmyy, |len| len == 4)?;
        let two = |i: usize| -> u8 {
            mmyy.as_bytes()[i..i + 2]
                .iter()
                .fold(0, |acc, b| acc * 10 + (b - b'0'))
        };
        let (month, yy) = (two(0), i32::from(two(2)));
        if !(1..=12).contains(&month) {
            return Err(CardError::BadMonth);
        }
        let this_year = today.year();
        let mut year = this_year - this_year.rem_euclid(100) + yy;
        // Two-digit years wrap at the century: near 2100, "05" means 2105.
        if year < this_year && year + 100 - this_year <= MAX_YEARS_AHEAD {
            year += 100;
        }
        let months_ahead =
            (year - this_year) * 12 + i32::from(month) - i32::from(u8::from(today.month()));
        if months_ahead < 0 {
            return Err(CardError::Expired);
        }
        if months_ahead > MAX_YEARS_AHEAD * 12 {
            return Err(CardError::TooFarAhead);
        }
        let year = u16::try_from(year).map_err(|_| CardError::TooFarAhead)?;
        Ok(Expiry { month, year })
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The four-digit year.
    pub fn year(&self) -> u16 {
        self.year
    }
}

/// A card security code (CVV2/CVC2/CID): 3 digits, 4 for Amex.
pub struct SecurityCode {
    /// The digits, wiped on drop.
    digits: Zeroizing<String>,
}

impl SecurityCode {
    /// Parses the code for a card of `brand` (the brand decides its length).
    ///
    /// # Errors
    /// [`CardError::NotDigits`], [`CardError::WrongLength`].
    pub fn parse(digits: &str, brand: CardBrand) -> Result<SecurityCode, CardError> {
        check_digits(digits, |len| len == brand.security_code_len())?;
        Ok(SecurityCode {
            digits: secret_copy(digits),
        })
    }

    /// The digits. Only a gateway sending them to the processor may call this:
    /// PCI DSS forbids storing a security code after authorisation at all.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for SecurityCode {
    /// Always `SecurityCode(***)`, whatever the length, so not even that leaks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityCode(***)")
    }
}

/// A US billing ZIP code, 5 digits (for address verification).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingZip(String);

impl BillingZip {
    /// # Errors
    /// [`CardError::NotDigits`], [`CardError::WrongLength`].
    pub fn parse(digits: &str) -> Result<BillingZip, CardError> {
        check_digits(digits, |len| len == 5)?;
        Ok(BillingZip(digits.to_owned()))
    }

    /// The five digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a gateway needs to charge a card. Each field is already valid;
/// the flow parses the security code with `number.brand()`.
pub struct CardDetails {
    pub number: CardNumber,
    pub expiry: Expiry,
    pub security_code: SecurityCode,
    pub zip: BillingZip,
}

impl fmt::Debug for CardDetails {
    /// Shows only the masked number; expiry and ZIP are cardholder data too, and
    /// nothing a log reader needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardDetails")
            .field("number", &self.number)
            .field("expiry", &format_args!("**/**"))
            .field("security_code", &self.security_code)
            .field("zip", &format_args!("*****"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 05 - 17);

    fn brand(number: &str) -> CardBrand {
        CardNumber::parse(number).unwrap().brand()
    }

    /// Appends the Luhn check digit to `body`, to build numbers for prefix tests.
    fn with_check_digit(body: &str) -> String {
        (0..=9)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn_valid(n))
            .unwrap()
    }

    #[test]
    fn luhn_accepts_known_test_numbers_and_rejects_a_typo() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(
            CardNumber::parse("4242424242424241").unwrap_err(),
            CardError::NotValid
        );
    }

    #[test]
    fn brands_from_public_test_numbers() {
        assert_eq!(brand("4242424242424242"), CardBrand::Visa);
        assert_eq!(brand("4222222222222"), CardBrand::Visa); // 13 digits
        assert_eq!(brand("5555555555554444"), CardBrand::Mastercard);
        assert_eq!(brand("2223003122003222"), CardBrand::Mastercard);
        assert_eq!(brand("378282246310005"), CardBrand::Amex);
        assert_eq!(brand("371449635398431"), CardBrand::Amex);
        assert_eq!(brand("6011111111111117"), CardBrand::Discover);
        assert_eq!(brand("3566002020360505"), CardBrand::Jcb);
        assert_eq!(brand("30569309025904"), CardBrand::Diners);
        assert_eq!(brand("36227206271667"), CardBrand::Diners);
    }

    #[test]
    fn brand_prefix_edges() {
        let cases = [
            ("222100000000000", CardBrand::Mastercard),
            ("272099999999999", CardBrand::Mastercard),
            ("222099999999999", CardBrand::Unknown),
            ("272100000000000", CardBrand::Unknown),
            ("510000000000000", CardBrand::Mastercard),
            ("550000000000000", CardBrand::Mastercard),
            ("560000000000000", CardBrand::Unknown),
            ("644000000000000", CardBrand::Discover),
            ("649000000000000", CardBrand::Discover),
            ("643000000000000", CardBrand::Unknown),
            ("650000000000000", CardBrand::Discover),
            ("352800000000000", CardBrand::Jcb),
            ("358900000000000", CardBrand::Jcb),
            ("352700000000000", CardBrand::Unknown),
            ("300000000000000", CardBrand::Diners),
            ("305000000000000", CardBrand::Diners),
            ("306000000000000", CardBrand::Unknown),
            ("380000000000000", CardBrand::Diners),
        ];
        for (body, want) in cases {
            let number = with_check_digit(body); // 16 digits
            let got = CardNumber::parse_accepting(&number, &[want]).map(|c| c.brand());
            assert_eq!(got, Ok(want), "{body}");
        }
    }

    #[test]
    fn amex_must_be_fifteen_digits() {
        let sixteen = with_check_digit("378282246310000");
        assert_eq!(
            CardNumber::parse(&sixteen).unwrap_err(),
            CardError::WrongLength
        );
    }

    #[test]
    fn number_length_and_characters() {
        assert_eq!(
            CardNumber::parse("424242424242").unwrap_err(),
            CardError::WrongLength
        );
        assert_eq!(
            CardNumber::parse("42424242424242424242").unwrap_err(),
            CardError::WrongLength
        );
        assert_eq!(
            CardNumber::parse("4242 4242 4242 4242").unwrap_err(),
            CardError::NotDigits
        );
        assert_eq!(CardNumber::parse("").unwrap_err(), CardError::WrongLength);
        // Mastercard is 16 digits only.
        let mc19 = with_check_digit("555555555555444400");
        assert_eq!(
            CardNumber::parse(&mc19).unwrap_err(),
            CardError::WrongLength
        );
    }

    #[test]
    fn unknown_brand_is_refused_unless_accepted() {
        let unknown = with_check_digit("990000000000000");
        assert_eq!(
            CardNumber::parse(&unknown).unwrap_err(),
            CardError::UnsupportedBrand(CardBrand::Unknown)
        );
        let ok = CardNumber::parse_accepting(&unknown, &[CardBrand::Unknown]).unwrap();
        assert_eq!(ok.brand(), CardBrand::Unknown);
    }

    #[test]
    fn accepted_brands_are_enforced() {
        let visa_only = [CardBrand::Visa];
        assert_eq!(
            CardNumber::parse_accepting("378282246310005", &visa_only).unwrap_err(),
            CardError::UnsupportedBrand(CardBrand::Amex)
        );
        let card = CardNumber::parse("378282246310005").unwrap();
        assert!(!card.accepts(&visa_only));
        assert!(card.accepts(&[CardBrand::Amex]));
    }

    #[test]
    fn last4_and_exposure() {
        let card = CardNumber::parse("4111111111111111").unwrap();
        assert_eq!(card.last4(), "1111");
        assert_eq!(card.expose_number(), "4111111111111111");
    }

    #[test]
    fn debug_masks_the_number() {
        let full = "4111111111111111";
        let card = CardNumber::parse(full).unwrap();
        let shown = format!("{card:?}");
        assert_eq!(shown, "CardNumber(411111******1111)");
        assert!(!shown.contains(full));
        let pretty = format!("{card:#?}");
        assert!(!pretty.contains(full));
        // Shortest number: still no more than six plus four.
        let short = CardNumber::parse("4222222222222").unwrap();
        assert_eq!(format!("{short:?}"), "CardNumber(422222***2222)");
    }

    #[test]
    fn card_errors_never_echo_digits() {
        let attempts = [
            "4242424242424241",
            "378282246310000",
            "9900000000000000",
            "42424242424242424242",
            "4242x42424242424",
        ];
        for typed in attempts {
            let err = CardNumber::parse(typed).unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains(typed), "{text}");
                assert!(!text.contains("4242"), "{text}");
                assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
            }
        }
    }

    #[test]
    fn expiry_this_month_is_still_valid() {
        let e = Expiry::parse("0526", TODAY).unwrap();
        assert_eq!((e.month(), e.year()), (5, 2026));
    }

    #[test]
    fn expiry_last_month_has_expired() {
        assert_eq!(Expiry::parse("0426", TODAY), Err(CardError::Expired));
        assert_eq!(Expiry::parse("1225", TODAY), Err(CardError::Expired));
    }

    #[test]
    fn expiry_month_must_be_real() {
        assert_eq!(Expiry::parse("0027", TODAY), Err(CardError::BadMonth));
        assert_eq!(Expiry::parse("1327", TODAY), Err(CardError::BadMonth));
        assert_eq!(Expiry::parse("1227", TODAY).unwrap().month(), 12);
    }

    #[test]
    fn expiry_format() {
        assert_eq!(Expiry::parse("527", TODAY), Err(CardError::WrongLength));
        assert_eq!(Expiry::parse("05/27", TODAY), Err(CardError::NotDigits));
        assert_eq!(Expiry::parse("", TODAY), Err(CardError::WrongLength));
    }

    #[test]
    fn expiry_at_most_twenty_years_ahead() {
        assert_eq!(Expiry::parse("0546", TODAY).unwrap().year(), 2046);
        assert_eq!(Expiry::parse("0646", TODAY), Err(CardError::TooFarAhead));
        assert_eq!(Expiry::parse("0199", TODAY), Err(CardError::TooFarAhead));
    }

    #[test]
    fn expiry_two_digit_year_wraps_at_the_century() {
        let late = date!(2095 - 01 - 10);
        assert_eq!(Expiry::parse("0605", late).unwrap().year(), 2105);
        assert_eq!(Expiry::parse("0694", late), Err(CardError::Expired));
    }

    #[test]
    fn security_code_length_follows_the_brand() {
        assert!(SecurityCode::parse("123", CardBrand::Visa).is_ok());
        assert!(SecurityCode::parse("123", CardBrand::Mastercard).is_ok());
        assert_eq!(
            SecurityCode::parse("1234", CardBrand::Visa).unwrap_err(),
            CardError::WrongLength
        );
        assert!(SecurityCode::parse("1234", CardBrand::Amex).is_ok());
        assert_eq!(
            SecurityCode::parse("123", CardBrand::Amex).unwrap_err(),
            CardError::WrongLength
        );
        assert_eq!(
            SecurityCode::parse("12a", CardBrand::Visa).unwrap_err(),
            CardError::NotDigits
        );
        assert_eq!(
            SecurityCode::parse("987", CardBrand::Visa)
                .unwrap()
                .expose(),
            "987"
        );
    }

    #[test]
    fn security_code_debug_shows_nothing() {
        let code = SecurityCode::parse("9876", CardBrand::Amex).unwrap();
        assert_eq!(format!("{code:?}"), "SecurityCode(***)");
    }

    #[test]
    fn billing_zip_is_five_digits() {
        assert_eq!(BillingZip::parse("83462").unwrap().as_str(), "83462");
        assert_eq!(BillingZip::parse("8346"), Err(CardError::WrongLength));
        assert_eq!(BillingZip::parse("834621"), Err(CardError::WrongLength));
        assert_eq!(BillingZip::parse("8346a"), Err(CardError::NotDigits));
    }

    #[test]
    fn card_details_debug_masks_everything_sensitive() {
        let card = CardDetails {
            number: CardNumber::parse("378282246310005").unwrap(),
            expiry: Expiry::parse("0930", TODAY).unwrap(),
            security_code: SecurityCode::parse("7373", CardBrand::Amex).unwrap(),
            zip: BillingZip::parse("83462").unwrap(),
        };
        for shown in [format!("{card:?}"), format!("{card:#?}")] {
            assert!(!shown.contains("378282246310005"), "{shown}");
            assert!(!shown.contains("7373"), "{shown}");
            assert!(!shown.contains("0930"), "{shown}");
            assert!(!shown.contains("83462"), "{shown}");
            assert!(shown.contains("378282*****0005"), "{shown}");
        }
    }

    #[test]
    fn error_codes_for_the_flow() {
        assert_eq!(CardError::NotValid.code(), "not_valid");
        assert_eq!(CardError::Expired.code(), "expired");
        assert_eq!(CardError::WrongLength.code(), "wrong_length");
        assert_eq!(
            CardError::UnsupportedBrand(CardBrand::Unknown).code(),
            "unsupported_brand"
        );
        assert_eq!(
            CardError::UnsupportedBrand(CardBrand::Amex).to_string(),
            "amex cards are not accepted"
        );
    }
}
