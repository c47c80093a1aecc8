//! Collections treatment: what each caller is offered, by the department's own rules.
//!
//! - [`policy`]: `call-flows/policies.toml`, the rules that pick a policy per account and the
//!   policies (options in order, settlement, plan, promise and fee terms, disclosures);
//! - [`terms`]: the arithmetic in cents (installment schedules, settlements, fees) and how a
//!   schedule is read aloud;
//! - [`offers`]: which of a policy's options apply to an account right now;
//! - [`autopay`]: AutoPay's amount, terms and the authorisation a caller agrees to;
//! - [`account`]: what the rules know of an account.
//!
//! The rules alone: the worker that applies them to what falls due (`collections::run_due`), the
//! flow's actions that set arrangements up and the rows they write live in the service.

pub mod account;
pub mod autopay;
pub mod offers;
pub mod policy;
pub mod terms;

pub use account::Account;
pub use policy::{Offer, Policies, Policy, Treatment};

/// Parses a `YYYY-MM-DD` date as the store and sessions keep them.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}
