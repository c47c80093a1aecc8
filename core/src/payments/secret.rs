//! The one list of the secret fields a caller keys in to pay: what each is called in flows and
//! in the sealed session, and which way to pay it belongs to.
//!
//! Everything that must treat these fields as secret (the engine pausing call recording while
//! any is held, the sealed values taken out of the session to charge, the fields parsed for a
//! gateway) names them through [`SecretField`], so a new way to pay adds its fields here once.

use crate::payments::method::MethodKind;

/// A field that holds card or bank account data while a caller keys it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretField {
    /// The card number (PAN).
    CardNumber,
    /// The card's expiry, MMYY.
    CardExpiry,
    /// The card's security code.
    SecurityCode,
    /// The card's billing ZIP.
    BillingZip,
    /// A bank's ABA routing number.
    RoutingNumber,
    /// A bank account number.
    BankAccountNumber,
    /// The bank account number keyed a second time, to compare with the first.
    BankAccountNumberAgain,
}

impl SecretField {
    /// Every secret field.
    pub const ALL: [SecretField; 7] = [
        SecretField::CardNumber,
        SecretField::CardExpiry,
        SecretField::SecurityCode,
        SecretField::BillingZip,
        SecretField::RoutingNumber,
        SecretField::BankAccountNumber,
        SecretField::BankAccountNumberAgain,
    ];

    /// The fields that make up a card, entered and wiped together.
    pub const CARD: [SecretField; 4] = [
        SecretField::CardNumber,
        SecretField::CardExpiry,
        SecretField::SecurityCode,
        SecretField::BillingZip,
    ];

    /// The fields that make up a bank account, entered and wiped together.
    pub const BANK: [SecretField; 3] = [
        SecretField::RoutingNumber,
        SecretField::BankAccountNumber,
        SecretField::BankAccountNumberAgain,
    ];

    /// Its name as a flow's input kind and as the sealed session's key.
    pub fn input_name(self) -> &'static str {
        match self {
            SecretField::CardNumber => "card_number",
            SecretField::CardExpiry => "card_expiry",
            SecretField::SecurityCode => "security_code",
            SecretField::BillingZip => "billing_zip",
            SecretField::RoutingNumber => "routing_number",
            SecretField::BankAccountNumber => "bank_account_number",
            SecretField::BankAccountNumberAgain => "bank_account_number_again",
        }
    }

    /// Which way to pay it belongs to.
    pub fn method(self) -> MethodKind {
        match self {
            SecretField::CardNumber
            | SecretField::CardExpiry
            | SecretField::SecurityCode
            | SecretField::BillingZip => MethodKind::Card,
            SecretField::RoutingNumber
            | SecretField::BankAccountNumber
            | SecretField::BankAccountNumberAgain => MethodKind::Bank,
        }
    }

    /// The field named by [`SecretField::input_name`]'s text.
    pub fn parse(name: &str) -> Option<SecretField> {
        SecretField::ALL
            .into_iter()
            .find(|field| field.input_name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<_> = SecretField::ALL.iter().map(|f| f.input_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SecretField::ALL.len());
        for field in SecretField::ALL {
            assert_eq!(SecretField::parse(field.input_name()), Some(field));
        }
        assert_eq!(SecretField::parse("account_number"), None);
    }

    #[test]
    fn card_and_bank_lists_are_every_field_of_their_kind() {
        for field in SecretField::ALL {
            let listed = match field.method() {
                MethodKind::Card => SecretField::CARD.contains(&field),
                MethodKind::Bank => SecretField::BANK.contains(&field),
            };
            assert!(listed, "{field:?}");
        }
        assert_eq!(
            SecretField::CARD.len() + SecretField::BANK.len(),
            SecretField::ALL.len()
        );
    }
}
