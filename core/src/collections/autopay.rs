//! AutoPay: each amount due charged on its due date to a card or bank account on file, until
//! the account holder stops it.
//!
//! The policy says which amount ([`AutopayAmount`]: the minimum due or the whole statement
//! balance) and how a declined charge is tried again ([`AutopayTerms`]). The authorisation a
//! caller agrees to is composed here from its elements, as the bank debit's is
//! (`payments::tel`), so no flow edit can drop one: who charges, the card or account, which
//! amount, that it recurs on every due date from the first one until stopped, the reminder
//! before each, and how to stop it. From a bank account it is a recurring TEL authorisation, so
//! it also names the number's business hours. The evidence keeps the same words with
//! [`AutopayAuthorization::script_version`].

use time::Date;

use crate::collections::account::Account;
use crate::language::Language;
use crate::named::named_enum;
use crate::payments::tel::phone_words;
use crate::payments::{AccountType, CardBrand};
use crate::speech;

named_enum! {
    /// Which amount AutoPay charges on each due date.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AutopayAmount {
        /// The minimum due (or the balance, when that is less).
        MinimumDue = "minimum_due",
        /// The whole statement balance.
        Balance = "balance",
    }
}

impl AutopayAmount {
    /// What is charged on a due date for `account` as it stands (cents; 0 when nothing is due).
    pub fn due_now(self, account: &Account) -> i64 {
        let balance = account.balance_cents.max(0);
        match self {
            AutopayAmount::MinimumDue => account.minimum_due_cents.clamp(0, balance),
            AutopayAmount::Balance => balance,
        }
    }

    /// The amount as a caller hears it: "the minimum due", "your full statement balance".
    pub fn words(self, language: Language) -> &'static str {
        match (self, language) {
            (AutopayAmount::MinimumDue, Language::En) => "the minimum due",
            (AutopayAmount::Balance, Language::En) => "your full statement balance",
            (AutopayAmount::MinimumDue, Language::Es) => "el pago mínimo",
            (AutopayAmount::Balance, Language::Es) => "el saldo total de su estado de cuenta",
        }
    }
}

/// A policy's AutoPay terms (`[policies.NAME.autopay]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutopayTerms {
    /// Which amount is charged.
    pub amount: AutopayAmount,
    /// How many times a declined charge is tried again before that due date is given up (the
    /// account holder is told each time; AutoPay stays on for the next due date).
    pub declined_retries: u32,
    /// Days between those tries.
    pub retry_after_days: u32,
}

/// What AutoPay charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutopayMethod {
    /// A card, charged.
    Card { brand: CardBrand, last4: String },
    /// A checking or savings account, debited (a recurring TEL entry).
    Bank {
        account_type: AccountType,
        last4: String,
    },
}

impl AutopayMethod {
    /// The method as said in the authorisation: "Visa ending in 4 2 4 2", "checking account
    /// ending in 6 7 8 9".
    fn words(&self, language: Language) -> String {
        let (name, last4) = match (self, language) {
            (AutopayMethod::Card { brand, last4 }, _) => (brand.spoken_name().to_owned(), last4),
            (
                AutopayMethod::Bank {
                    account_type,
                    last4,
                },
                Language::En,
            ) => (account_type.spoken_name().to_owned(), last4),
            (
                AutopayMethod::Bank {
                    account_type,
                    last4,
                },
                Language::Es,
            ) => (
                match account_type {
                    AccountType::Checking => "cuenta de cheques",
                    AccountType::Savings => "cuenta de ahorros",
                }
                .to_owned(),
                last4,
            ),
        };
        let last4 = speech::digits_words(last4, language);
        match language {
            Language::En => format!("{name} ending in {last4}"),
            Language::Es => format!("{name} que termina en {last4}"),
        }
    }
}

/// Everything an AutoPay authorisation states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutopayAuthorization {
    /// Who charges (the company the line answers for).
    pub company: String,
    /// The number to call to stop it, as written (`1-800-555-0100`).
    pub company_phone: String,
    /// The account holder's name, as on the account.
    pub consumer_name: String,
    /// Which amount.
    pub amount: AutopayAmount,
    /// The card or account charged.
    pub method: AutopayMethod,
    /// The first due date it pays.
    pub first_due: Date,
    /// How many days before each charge the reminder goes out (none when 0).
    pub reminder_days: u32,
    /// The day the caller authorises it.
    pub authorized_on: Date,
}

impl AutopayAuthorization {
    /// The wording's version for a card, recorded with every enrolment given in it. Change it
    /// whenever the card's [`AutopayAuthorization::script`] changes.
    pub const CARD_SCRIPT_VERSION: &'static str = "autopay-card-2026-12";
    /// The wording's version for a bank account (a recurring TEL authorisation).
    pub const BANK_SCRIPT_VERSION: &'static str = "autopay-bank-2026-12";

    /// The version of the wording [`AutopayAuthorization::script`] gives for this method.
    pub fn script_version(&self) -> &'static str {
        match self.method {
            AutopayMethod::Card { .. } => Self::CARD_SCRIPT_VERSION,
            AutopayMethod::Bank { .. } => Self::BANK_SCRIPT_VERSION,
        }
    }

    /// The authorisation as spoken to the caller, every element in words.
    pub fn script(&self, language: Language) -> String {
        let first = speech::date_words(self.first_due, language);
        let today = speech::date_words(self.authorized_on, language);
        let phone = phone_words(&self.company_phone, language);
        let method = self.method.words(language);
        let amount = self.amount.words(language);
        let (company, name) = (&self.company, &self.consumer_name);
        let days = self.reminder_days;
        let bank = matches!(self.method, AutopayMethod::Bank { .. });
        match language {
            Language::En => {
                // A debit's amount can change from one due date to the next: the reminder says it.
                let of_amount = if bank { " of the amount" } else { "" };
                let reminder = match days {
                    0 => String::new(),
                    1 => format!(" We will remind you{of_amount} the day before each payment."),
                    _ => format!(" We will remind you{of_amount} {days} days before each payment."),
                };
                if bank {
                    format!(
                        "Today, {today}, you, {name}, authorize {company} to make an electronic \
                         debit of {amount} from your {method} on each due date, starting \
                         {first}. These debits repeat every due date until you stop AutoPay.\
                         {reminder} If you have questions, or to stop AutoPay, call {company} at \
                         {phone}, during business hours, before a due date."
                    )
                } else {
                    format!(
                        "Today, {today}, you, {name}, authorize {company} to charge {amount} to \
                         your {method} on each due date, starting {first}. These payments repeat \
                         every due date until you stop AutoPay.{reminder} To stop AutoPay, call \
                         {company} at {phone} before a due date."
                    )
                }
            }
            Language::Es => {
                let of_amount = if bank { " el monto" } else { "" };
                let reminder = match days {
                    0 => String::new(),
                    1 => format!(" Le recordaremos{of_amount} el día antes de cada pago."),
                    _ => format!(" Le recordaremos{of_amount} {days} días antes de cada pago."),
                };
                if bank {
                    format!(
                        "Hoy, {today}, usted, {name}, autoriza a {company} a hacer un débito \
                         electrónico por {amount} de su {method} en cada fecha de vencimiento, a \
                         partir del {first}. Estos débitos se repiten en cada fecha de \
                         vencimiento hasta que usted detenga el pago automático.{reminder} Si \
                         tiene preguntas, o para detener el pago automático, llame a {company} al \
                         {phone}, en horario de oficina, antes de una fecha de vencimiento."
                    )
                } else {
                    format!(
                        "Hoy, {today}, usted, {name}, autoriza a {company} a cobrar {amount} a su \
                         {method} en cada fecha de vencimiento, a partir del {first}. Estos pagos \
                         se repiten en cada fecha de vencimiento hasta que usted detenga el pago \
                         automático.{reminder} Para detener el pago automático, llame a \
                         {company} al {phone} antes de una fecha de vencimiento."
                    )
                }
            }
        }
    }
}

/// The first due date AutoPay would pay if turned on `today`: the account's due date when it
/// is still ahead (not today: the charge of a due date runs early that day), else none until
/// the next statement sets one.
pub fn first_due(account_due: Option<Date>, today: Date) -> Option<Date> {
    account_due.filter(|due| *due > today)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn authorization() -> AutopayAuthorization {
        AutopayAuthorization {
            company: "Riverside Utilities".into(),
            company_phone: "1-800-555-0100".into(),
            consumer_name: "Linda Brown".into(),
            amount: AutopayAmount::MinimumDue,
            method: AutopayMethod::Card {
                brand: CardBrand::Visa,
                last4: "4242".into(),
            },
            first_due: date!(2026 - 12 - 15),
            reminder_days: 3,
            authorized_on: date!(2026 - 12 - 06),
        }
    }

    #[test]
    fn the_english_authorisation_states_every_element() {
        let script = authorization().script(Language::En);
        for element in [
            "December sixth",              // the date of the authorisation
            "Linda Brown",                 // the consumer's name
            "Riverside Utilities",         // who charges
            "the minimum due",             // the amount
            "Visa ending in 4 2 4 2",      // the card
            "starting December fifteenth", // the first charge
            "repeat every due date",       // that it recurs
            "until you stop AutoPay",      // for how long
            "3 days before each payment",  // the reminder
            "To stop AutoPay, call",       // how to revoke
            "1, 8 0 0, 5 5 5, 0 1 0 0",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }

    #[test]
    fn the_spanish_authorisation_states_every_element() {
        let mut balance = authorization();
        balance.amount = AutopayAmount::Balance;
        let script = balance.script(Language::Es);
        for element in [
            "seis de diciembre",
            "Linda Brown",
            "el saldo total de su estado de cuenta",
            "Visa que termina en 4 2 4 2",
            "a partir del quince de diciembre",
            "se repiten en cada fecha de vencimiento",
            "3 días antes de cada pago",
            "Para detener el pago automático",
            "1, 8 0 0, 5 5 5, 0 1 0 0",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }

    #[test]
    fn from_a_bank_account_it_is_a_recurring_tel_authorisation() {
        let mut bank = authorization();
        bank.method = AutopayMethod::Bank {
            account_type: AccountType::Checking,
            last4: "6789".into(),
        };
        assert_eq!(bank.script_version(), "autopay-bank-2026-12");
        assert_eq!(authorization().script_version(), "autopay-card-2026-12");
        let script = bank.script(Language::En);
        for element in [
            "December sixth",                            // the date of the authorisation
            "Linda Brown",                               // the consumer's name
            "electronic debit of the minimum due",       // the amount
            "checking account ending in 6 7 8 9",        // the account debited
            "starting December fifteenth",               // the date of the first debit
            "These debits repeat every due date",        // that it recurs
            "remind you of the amount 3 days before",    // each amount before it is debited
            "to stop AutoPay, call Riverside Utilities", // how to revoke
            "1, 8 0 0, 5 5 5, 0 1 0 0, during business hours",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
        let script = bank.script(Language::Es);
        for element in [
            "débito electrónico por el pago mínimo",
            "cuenta de cheques que termina en 6 7 8 9",
            "Estos débitos se repiten",
            "Le recordaremos el monto 3 días antes",
            "en horario de oficina",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }

    #[test]
    fn the_amount_due_never_exceeds_the_balance_nor_goes_below_nothing() {
        let mut account = crate::flow::testing::FakeContext::linda_brown();
        account.balance_cents = 3_000;
        account.minimum_due_cents = 5_000;
        assert_eq!(AutopayAmount::MinimumDue.due_now(&account), 3_000);
        assert_eq!(AutopayAmount::Balance.due_now(&account), 3_000);
        account.minimum_due_cents = 0;
        assert_eq!(AutopayAmount::MinimumDue.due_now(&account), 0);
        account.balance_cents = -100;
        assert_eq!(AutopayAmount::Balance.due_now(&account), 0);
    }

    #[test]
    fn the_first_due_date_is_one_still_ahead() {
        let today = date!(2026 - 12 - 06);
        assert_eq!(
            first_due(Some(date!(2026 - 12 - 15)), today),
            Some(date!(2026 - 12 - 15))
        );
        assert_eq!(first_due(Some(today), today), None);
        assert_eq!(first_due(None, today), None);
    }
}
