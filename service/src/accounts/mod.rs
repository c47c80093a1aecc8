//! Accounts: who can be identified on a call, how they prove it ([`credentials`], [`secrets`],
//! from [`ivrpay_core::accounts`]), and how they are loaded ([`import`]: `ivrpay accounts import
//! FILE.csv`, all-or-nothing, errors by line).

pub use ivrpay_core::accounts::{credentials, secrets};

pub mod import;
