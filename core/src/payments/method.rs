//! A way to pay: a card or a bank account, and the neutral summary of either that is stored,
//! spoken and shown once the payment is made.
//!
//! [`PaymentMethod`] is what a gateway charges. Its bank variant, [`BankAccount`], is as
//! sensitive as a card: its routing number, account number and holder name live in wipe-on-drop
//! buffers, its `Debug` shows none of them, it has no `Display` or `Serialize`, and the raw values
//! come out only through `expose_*` methods, which only a gateway should call.
//!
//! [`MethodSummary`] is everything about a method that may be kept and shown (its kind, its brand
//! or account type, its last four digits): receipts, the agent console, reports and metrics read
//! it, never the card or the account itself.

use std::fmt;

use zeroize::Zeroizing;

use crate::payments::card::{CardBrand, CardDetails};

/// Which kind of method paid, as stored in the `method` columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// A payment card.
    Card,
    /// A bank account, debited (ACH in the US).
    Bank,
}

impl MethodKind {
    /// Every kind, for metrics shown at zero from the start.
    pub const ALL: [MethodKind; 2] = [MethodKind::Card, MethodKind::Bank];

    /// `"card"` or `"bank"`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Card => "card",
            MethodKind::Bank => "bank",
        }
    }

    /// The kind named by [`MethodKind::as_str`]'s text.
    pub fn parse(name: &str) -> Option<MethodKind> {
        MethodKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A way to pay, ready for a gateway.
#[derive(Debug)]
pub enum PaymentMethod {
    /// A card (its `Debug` masks it).
    Card(CardDetails),
    /// A bank account (its `Debug` shows none of its digits).
    Bank(BankAccount),
}

impl PaymentMethod {
    /// Which kind of method this is.
    pub fn kind(&self) -> MethodKind {
        match self {
            PaymentMethod::Card(_) => MethodKind::Card,
            PaymentMethod::Bank(_) => MethodKind::Bank,
        }
    }

    /// What may be stored and shown of it.
    pub fn summary(&self) -> MethodSummary {
        match self {
            PaymentMethod::Card(card) => {
                MethodSummary::card(card.number.brand(), card.number.last4())
            }
            PaymentMethod::Bank(bank) => MethodSummary {
                kind: MethodKind::Bank,
                label: bank.account_type.as_str().to_owned(),
                last4: bank.number.last4(),
            },
        }
    }
}

/// What is kept of a payment's method: its kind, its label (the card's brand code, e.g. `visa`,
/// or the account type, `checking` or `savings`) and its last four digits, which PCI DSS and
/// NACHA both allow to be stored and shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodSummary {
    /// Card or bank.
    pub kind: MethodKind,
    /// The brand code or the account type.
    pub label: String,
    /// The last four digits of the card or account number.
    pub last4: String,
}

impl MethodSummary {
    /// A card's summary.
    pub fn card(brand: CardBrand, last4: String) -> MethodSummary {
        MethodSummary {
            kind: MethodKind::Card,
            label: brand.as_str().to_owned(),
            last4,
        }
    }

    /// The summary read back from stored columns; `None` for a kind this version does not know.
    pub fn stored(kind: &str, label: String, last4: String) -> Option<MethodSummary> {
        Some(MethodSummary {
            kind: MethodKind::parse(kind)?,
            label,
            last4,
        })
    }

    /// What people call it, in English: the card's brand ("Visa"), or "checking account";
    /// `None` when the label names nothing known.
    pub fn name(&self) -> Option<&'static str> {
        match self.kind {
            MethodKind::Card => CardBrand::parse(&self.label).map(CardBrand::spoken_name),
            MethodKind::Bank => AccountType::parse(&self.label).map(AccountType::spoken_name),
        }
    }

    /// [`MethodSummary::name`], or "a card" / "a bank account" when the label names nothing
    /// known (in English, for people: the console and the whisper).
    pub fn name_or_kind(&self) -> &'static str {
        self.name().unwrap_or(match self.kind {
            MethodKind::Card => "a card",
            MethodKind::Bank => "a bank account",
        })
    }

    /// The card's brand, when it is a card of a known brand.
    pub fn card_brand(&self) -> Option<CardBrand> {
        match self.kind {
            MethodKind::Card => CardBrand::parse(&self.label),
            MethodKind::Bank => None,
        }
    }
}

/// What is wrong with a bank account field. Neither the variants nor their messages hold any
/// digits of what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// Something other than the digits 0-9 was entered.
    #[error("only digits may be entered")]
    NotDigits,
    /// Too few or too many digits for this field.
    #[error("wrong number of digits")]
    WrongLength,
    /// The routing number fails its ABA check digit (a typo, most likely).
    #[error("that is not a valid routing number")]
    NotValid,
    /// The holder's name is empty or too long.
    #[error("the account holder's name is empty or too long")]
    BadHolderName,
}

impl BankError {
    /// A stable snake_case code for the flow to choose a prompt by.
    pub fn code(self) -> &'static str {
        match self {
            BankError::NotDigits => "not_digits",
            BankError::WrongLength => "wrong_length",
            BankError::NotValid => "not_valid",
            BankError::BadHolderName => "bad_holder_name",
        }
    }
}

/// Copies text into a wipe-on-drop buffer of exactly the right capacity, so it never
/// reallocates and leaves an unwiped copy behind.
fn secret_copy(text: &str) -> Zeroizing<String> {
    let mut copy = Zeroizing::new(String::with_capacity(text.len()));
    copy.push_str(text);
    copy
}

fn check_digits(text: &str, allowed_len: impl Fn(usize) -> bool) -> Result<(), BankError> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BankError::NotDigits);
    }
    if !allowed_len(text.len()) {
        return Err(BankError::WrongLength);
    }
    Ok(())
}

/// The ABA routing number check: 3, 7 and 1 weigh the nine digits in turn, and the weighted
/// sum is a multiple of 10 (`digits` is nine ASCII digits).
fn aba_valid(digits: &str) -> bool {
    const WEIGHTS: [u32; 3] = [3, 7, 1];
    let sum: u32 = digits
        .bytes()
        .zip(WEIGHTS.iter().cycle())
        .map(|(b, weight)| u32::from(b - b'0') * weight)
        .sum();
    sum.is_multiple_of(10)
}

/// An ABA routing transit number: nine digits passing the ABA check digit.
pub struct RoutingNumber {
    /// The digits, wiped on drop.
    digits: Zeroizing<String>,
}

impl RoutingNumber {
    /// # Errors
    /// [`BankError::NotDigits`], [`BankError::WrongLength`] (not nine digits),
    /// [`BankError::NotValid`] (the check digit).
    pub fn parse(digits: &str) -> Result<RoutingNumber, BankError> {
        check_digits(digits, |len| len == 9)?;
        if !aba_valid(digits) {
            return Err(BankError::NotValid);
        }
        Ok(RoutingNumber {
            digits: secret_copy(digits),
        })
    }

    /// The nine digits. Only a gateway sending them to the processor may call this.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for RoutingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoutingNumber(*********)")
    }
}

/// A bank account number: 4 to 17 digits (the lengths US banks issue for ACH).
pub struct BankAccountNumber {
    /// The digits, wiped on drop.
    digits: Zeroizing<String>,
}

impl BankAccountNumber {
    /// # Errors
    /// [`BankError::NotDigits`], [`BankError::WrongLength`] (outside 4-17).
    pub fn parse(digits: &str) -> Result<BankAccountNumber, BankError> {
        check_digits(digits, |len| (4..=17).contains(&len))?;
        Ok(BankAccountNumber {
            digits: secret_copy(digits),
        })
    }

    /// The last four digits, which may be stored and shown.
    pub fn last4(&self) -> String {
        self.digits[self.digits.len() - 4..].to_owned()
    }

    /// The full number. Only a gateway sending it to the processor may call this: never log,
    /// store, format or return what it gives.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for BankAccountNumber {
    /// No digits at all, not even the length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BankAccountNumber(****)")
    }
}

/// Checking or savings: ACH debits name which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountType {
    Checking,
    Savings,
}

impl AccountType {
    /// `"checking"` or `"savings"`, as stored in a summary's label.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Checking => "checking",
            AccountType::Savings => "savings",
        }
    }

    /// The type named by [`AccountType::as_str`]'s text (any case).
    pub fn parse(name: &str) -> Option<AccountType> {
        [AccountType::Checking, AccountType::Savings]
            .into_iter()
            .find(|kind| kind.as_str() == name.trim().to_ascii_lowercase())
    }

    /// How it is said, in English.
    pub fn spoken_name(self) -> &'static str {
        match self {
            AccountType::Checking => "checking account",
            AccountType::Savings => "savings account",
        }
    }
}

/// The account holder's name, as the bank knows it (optional for a debit).
pub struct HolderName {
    /// The name, wiped on drop.
    name: Zeroizing<String>,
}

impl HolderName {
    /// Most characters NACHA's individual name field holds.
    const MAX_LEN: usize = 22;

    /// A name of 1 to 22 characters after trimming, with no control characters.
    ///
    /// # Errors
    /// [`BankError::BadHolderName`].
    pub fn parse(name: &str) -> Result<HolderName, BankError> {
        let name = name.trim();
        let len = name.chars().count();
        if len == 0 || len > Self::MAX_LEN || name.chars().any(char::is_control) {
            return Err(BankError::BadHolderName);
        }
        Ok(HolderName {
            name: secret_copy(name),
        })
    }

    /// The name. Only a gateway sending it to the processor may call this.
    pub fn expose(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for HolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderName(***)")
    }
}

/// Everything a gateway needs to debit a bank account. Each field is already valid.
pub struct BankAccount {
    pub routing: RoutingNumber,
    pub number: BankAccountNumber,
    pub account_type: AccountType,
    pub holder: Option<HolderName>,
}

impl fmt::Debug for BankAccount {
    /// Only the account type: every other field is the account holder's data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankAccount")
            .field("routing", &self.routing)
            .field("number", &self.number)
            .field("account_type", &self.account_type)
            .field("holder", &self.holder)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::payments::card::{BillingZip, CardNumber, Expiry, SecurityCode};

    fn bank() -> BankAccount {
        BankAccount {
            routing: RoutingNumber::parse("021000021").unwrap(),
            number: BankAccountNumber::parse("000123456789").unwrap(),
            account_type: AccountType::Checking,
            holder: Some(HolderName::parse("Jenny Rosen").unwrap()),
        }
    }

    #[test]
    fn routing_numbers_pass_the_aba_check() {
        // Published routing numbers: the Federal Reserve Bank of Boston, JPMorgan Chase, and
        // Stripe's test bank.
        for valid in ["011000015", "021000021", "110000000"] {
            assert!(RoutingNumber::parse(valid).is_ok(), "{valid}");
        }
        // One digit off fails the check.
        assert_eq!(
            RoutingNumber::parse("021000022").unwrap_err(),
            BankError::NotValid
        );
        assert_eq!(
            RoutingNumber::parse("110000001").unwrap_err(),
            BankError::NotValid
        );
    }

    #[test]
    fn routing_number_format() {
        assert_eq!(
            RoutingNumber::parse("02100002").unwrap_err(),
            BankError::WrongLength
        );
        assert_eq!(
            RoutingNumber::parse("0210000210").unwrap_err(),
            BankError::WrongLength
        );
        assert_eq!(
            RoutingNumber::parse("02100002x").unwrap_err(),
            BankError::NotDigits
        );
        assert_eq!(
            RoutingNumber::parse("").unwrap_err(),
            BankError::WrongLength
        );
    }

    #[test]
    fn account_numbers_are_four_to_seventeen_digits() {
        assert_eq!(BankAccountNumber::parse("1234").unwrap().last4(), "1234");
        assert_eq!(
            BankAccountNumber::parse("12345678901234567")
                .unwrap()
                .last4(),
            "4567"
        );
        assert_eq!(
            BankAccountNumber::parse("123").unwrap_err(),
            BankError::WrongLength
        );
        assert_eq!(
            BankAccountNumber::parse("123456789012345678").unwrap_err(),
            BankError::WrongLength
        );
        assert_eq!(
            BankAccountNumber::parse("1234-5678").unwrap_err(),
            BankError::NotDigits
        );
    }

    #[test]
    fn account_types_and_holder_names() {
        assert_eq!(AccountType::parse("Savings"), Some(AccountType::Savings));
        assert_eq!(AccountType::parse("checking"), Some(AccountType::Checking));
        assert_eq!(AccountType::parse("money market"), None);
        assert!(HolderName::parse("  Jenny Rosen ").is_ok());
        assert_eq!(
            HolderName::parse("   ").unwrap_err(),
            BankError::BadHolderName
        );
        assert_eq!(
            HolderName::parse("a name far longer than a bank keeps").unwrap_err(),
            BankError::BadHolderName
        );
        assert_eq!(
            HolderName::parse("Jenny\nRosen").unwrap_err(),
            BankError::BadHolderName
        );
    }

    #[test]
    fn bank_account_debug_never_shows_its_digits_or_holder() {
        let account = bank();
        let method = PaymentMethod::Bank(bank());
        for shown in [
            format!("{account:?}"),
            format!("{account:#?}"),
            format!("{method:?}"),
            format!("{:?}", account.routing),
            format!("{:?}", account.number),
        ] {
            assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
            assert!(!shown.contains("Jenny"), "{shown}");
        }
        assert!(format!("{account:?}").contains("Checking"));
        // The raw values come out only by name.
        assert_eq!(account.routing.expose(), "021000021");
        assert_eq!(account.number.expose(), "000123456789");
    }

    #[test]
    fn bank_errors_never_echo_digits() {
        let errors = [
            RoutingNumber::parse("021000022").unwrap_err(),
            RoutingNumber::parse("0210x0021").unwrap_err(),
            BankAccountNumber::parse("123456789012345678").unwrap_err(),
        ];
        for err in errors {
            for text in [err.to_string(), format!("{err:?}"), err.code().to_owned()] {
                assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
            }
        }
    }

    #[test]
    fn summaries_keep_only_label_and_last_four() {
        let bank = PaymentMethod::Bank(bank()).summary();
        assert_eq!(
            bank,
            MethodSummary {
                kind: MethodKind::Bank,
                label: "checking".into(),
                last4: "6789".into(),
            }
        );
        assert_eq!(bank.name(), Some("checking account"));
        assert_eq!(bank.card_brand(), None);

        let card = PaymentMethod::Card(CardDetails {
            number: CardNumber::parse("378282246310005").unwrap(),
            expiry: Expiry::parse("0930", date!(2026 - 05 - 17)).unwrap(),
            security_code: SecurityCode::parse("7373", CardBrand::Amex).unwrap(),
            zip: BillingZip::parse("83462").unwrap(),
        });
        assert_eq!(card.kind(), MethodKind::Card);
        let summary = card.summary();
        assert_eq!(summary, MethodSummary::card(CardBrand::Amex, "0005".into()));
        assert_eq!(summary.name(), Some("American Express"));
        assert_eq!(summary.card_brand(), Some(CardBrand::Amex));
    }

    #[test]
    fn stored_summaries_round_trip_their_kind() {
        for kind in MethodKind::ALL {
            let back = MethodSummary::stored(kind.as_str(), "visa".into(), "4242".into());
            assert_eq!(back.map(|s| s.kind), Some(kind));
        }
        assert_eq!(
            MethodSummary::stored("crypto", "x".into(), "0000".into()),
            None
        );
    }
}
