//! The oral authorisation of a bank debit taken by phone (NACHA's TEL entry), in words.
//!
//! NACHA's rules accept a debit authorised on the phone only when what the caller agrees to
//! states every element below, and the originator keeps evidence of it (a recording of exactly
//! this, or a written notice sent before the debit settles; for a recurring debit, both):
//!
//! - the date on or after which the account is debited;
//! - the amount;
//! - the consumer's name;
//! - a telephone number for questions, answered during business hours;
//! - the date of the authorisation;
//! - that it is a single debit (or, for a plan or AutoPay, the schedule and that it recurs);
//! - how to revoke it (practice the rules' commentary recommends), and the account debited.
//!
//! The script is composed here from those elements rather than written in a flow file, so that
//! no edit can drop one: a flow speaks it whole (`{debit_authorization}`), the evidence keeps the
//! same words, and [`TelAuthorization::SCRIPT_VERSION`] names the wording each was given in.

use time::Date;

use crate::language::Language;
use crate::payments::method::AccountType;
use crate::speech;

/// Everything a single-debit TEL authorisation states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelAuthorization {
    /// Who is debiting (the company the line answers for).
    pub company: String,
    /// The number to call with questions or to cancel, as written (`1-800-555-0100`).
    pub company_phone: String,
    /// The account holder's name, as on the account.
    pub consumer_name: String,
    /// How much, in cents.
    pub amount_cents: i64,
    /// Checking or savings.
    pub account_type: AccountType,
    /// The last four digits of the account debited.
    pub last4: String,
    /// The day the debit is made (on or after).
    pub debit_date: Date,
    /// The day the caller authorises it.
    pub authorized_on: Date,
}

impl TelAuthorization {
    /// The wording's version, recorded with every authorisation given in it. Change it whenever
    /// [`TelAuthorization::script`] changes.
    pub const SCRIPT_VERSION: &'static str = "tel-single-2026-12";

    /// The authorisation as spoken to the caller, every element in words.
    pub fn script(&self, language: Language) -> String {
        let amount = speech::money_words(self.amount_cents, language);
        let debit_date = speech::date_words(self.debit_date, language);
        let today = speech::date_words(self.authorized_on, language);
        let last4 = speech::digits_words(&self.last4, language);
        let phone = phone_words(&self.company_phone, language);
        let (company, name) = (&self.company, &self.consumer_name);
        match language {
            Language::En => {
                let account = match self.account_type {
                    AccountType::Checking => "checking account",
                    AccountType::Savings => "savings account",
                };
                format!(
                    "Today, {today}, you, {name}, authorize {company} to make one electronic \
                     debit of {amount} from your {account} ending in {last4}, on or after \
                     {debit_date}. This is a single debit. It will not repeat. If you have \
                     questions, or to cancel this debit before {debit_date}, call {company} at \
                     {phone}, during business hours."
                )
            }
            Language::Es => {
                let account = match self.account_type {
                    AccountType::Checking => "cuenta de cheques",
                    AccountType::Savings => "cuenta de ahorros",
                };
                format!(
                    "Hoy, {today}, usted, {name}, autoriza a {company} a hacer un solo débito \
                     electrónico de {amount} de su {account} que termina en {last4}, el \
                     {debit_date} o después. Es un solo débito. No se repetirá. Si tiene \
                     preguntas, o para cancelar este débito antes del {debit_date}, llame a \
                     {company} al {phone}, en horario de oficina."
                )
            }
        }
    }
}

/// Everything a payment plan's (or a settlement's installments') recurring TEL authorisation
/// states: as the single debit's, with the schedule in place of one date and amount, and that
/// the debits recur on it until the plan is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTelAuthorization {
    /// Who is debiting (the company the line answers for).
    pub company: String,
    /// The number to call with questions or to cancel, as written (`1-800-555-0100`).
    pub company_phone: String,
    /// The account holder's name, as on the account.
    pub consumer_name: String,
    /// Checking or savings.
    pub account_type: AccountType,
    /// The last four digits of the account debited.
    pub last4: String,
    /// The schedule as said: each amount and its date ("three payments of forty dollars, today,
    /// January first and February first"; `collections::terms::schedule_words`).
    pub schedule: String,
    /// The day the caller authorises it.
    pub authorized_on: Date,
}

impl PlanTelAuthorization {
    /// The wording's version, recorded with every authorisation given in it.
    pub const SCRIPT_VERSION: &'static str = "tel-plan-2026-12";

    /// The authorisation as spoken to the caller, every element in words.
    pub fn script(&self, language: Language) -> String {
        let today = speech::date_words(self.authorized_on, language);
        let last4 = speech::digits_words(&self.last4, language);
        let phone = phone_words(&self.company_phone, language);
        let (company, name, schedule) = (&self.company, &self.consumer_name, &self.schedule);
        match language {
            Language::En => {
                let account = self.account_type.spoken_name();
                format!(
                    "Today, {today}, you, {name}, authorize {company} to make electronic debits \
                     from your {account} ending in {last4}, on or after each date of this plan: \
                     {schedule}. These debits repeat on those dates until the plan is paid, \
                     unless you cancel them. If you have questions, or to cancel, call {company} \
                     at {phone}, during business hours, before a payment date."
                )
            }
            Language::Es => {
                let account = match self.account_type {
                    AccountType::Checking => "cuenta de cheques",
                    AccountType::Savings => "cuenta de ahorros",
                };
                format!(
                    "Hoy, {today}, usted, {name}, autoriza a {company} a hacer débitos \
                     electrónicos de su {account} que termina en {last4}, en cada fecha de este \
                     plan o después: {schedule}. Estos débitos se repiten en esas fechas hasta \
                     que el plan quede pagado, a menos que usted los cancele. Si tiene \
                     preguntas, o para cancelarlos, llame a {company} al {phone}, en horario de \
                     oficina, antes de una fecha de pago."
                )
            }
        }
    }
}

/// A phone number as written (`1-800-555-0100`) read group by group, digit by digit, with a
/// pause between groups.
pub fn phone_words(phone: &str, language: Language) -> String {
    phone
        .split(|c: char| !c.is_ascii_digit())
        .filter(|group| !group.is_empty())
        .map(|group| speech::digits_words(group, language))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn authorization() -> TelAuthorization {
        TelAuthorization {
            company: "Riverside Utilities".into(),
            company_phone: "1-800-555-0100".into(),
            consumer_name: "Maria Lopez".into(),
            amount_cents: 12_550,
            account_type: AccountType::Checking,
            last4: "6789".into(),
            debit_date: date!(2026 - 12 - 07),
            authorized_on: date!(2026 - 12 - 06),
        }
    }

    #[test]
    fn the_english_script_states_every_element() {
        let script = authorization().script(Language::En);
        for element in [
            "December sixth",                                  // the date of the authorisation
            "Maria Lopez",                                     // the consumer's name
            "Riverside Utilities",                             // who debits
            "one hundred twenty-five dollars and fifty cents", // the amount
            "checking account ending in 6 7 8 9",              // the account debited
            "on or after December seventh",                    // the date of the debit
            "This is a single debit",                          // single entry
            "to cancel this debit",                            // how to revoke
            "1, 8 0 0, 5 5 5, 0 1 0 0",                        // the phone number
            "during business hours",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }

    #[test]
    fn the_spanish_script_states_every_element() {
        let mut savings = authorization();
        savings.account_type = AccountType::Savings;
        let script = savings.script(Language::Es);
        for element in [
            "seis de diciembre",
            "Maria Lopez",
            "ciento veinticinco dólares con cincuenta centavos",
            "cuenta de ahorros que termina en 6 7 8 9",
            "el siete de diciembre o después",
            "Es un solo débito",
            "para cancelar este débito",
            "1, 8 0 0, 5 5 5, 0 1 0 0",
            "en horario de oficina",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }

    #[test]
    fn phone_numbers_are_read_in_their_groups() {
        assert_eq!(
            phone_words("(555) 010-9999", Language::En),
            "5 5 5, 0 1 0, 9 9 9 9"
        );
    }

    #[test]
    fn a_plans_debits_state_the_schedule_and_that_they_recur() {
        let plan = PlanTelAuthorization {
            company: "Riverside Utilities".into(),
            company_phone: "1-800-555-0100".into(),
            consumer_name: "James Smith".into(),
            account_type: AccountType::Savings,
            last4: "6789".into(),
            schedule: "three payments of forty dollars, today, January sixth and February sixth"
                .into(),
            authorized_on: date!(2026 - 12 - 06),
        };
        let script = plan.script(Language::En);
        for element in [
            "Today, December sixth, you, James Smith,", // the date and the consumer
            "authorize Riverside Utilities to make electronic debits", // who debits
            "savings account ending in 6 7 8 9",        // the account
            "on or after each date of this plan: three payments of forty dollars, today", // dates, amounts
            "These debits repeat on those dates until the plan is paid", // that it recurs
            "to cancel, call Riverside Utilities at 1, 8 0 0, 5 5 5, 0 1 0 0, during business hours",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
        let script = plan.script(Language::Es);
        for element in [
            "cuenta de ahorros que termina en 6 7 8 9",
            "Estos débitos se repiten",
            "en horario de oficina",
        ] {
            assert!(
                script.contains(element),
                "{element:?} missing from {script}"
            );
        }
    }
}
