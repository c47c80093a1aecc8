//! Collections treatment: what each caller is offered, by the department's own rules.
//!
//! - [`policy`]: `call-flows/policies.toml`, the rules that pick a policy per account and the
//!   policies (options in order, settlement, plan, promise and fee terms, disclosures);
//! - [`terms`]: the arithmetic in cents (installment schedules, settlements, fees) and how a
//!   schedule is read aloud;
//! - [`offers`]: which of a policy's options apply to an account right now;
//! - [`run_due`]: charging the installments that fall due and settling promises, exactly once.
//!
//! The flow's actions that set arrangements up live with the other actions in `calls/actions/`,
//! and the rows they write in `store/arrangements.rs`: this module holds the rules alone (and
//! `run_due`, the worker that applies them to what falls due).

pub mod account;
pub mod offers;
pub mod policy;
pub mod run_due;
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
