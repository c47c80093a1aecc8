//! Accounts: who can be identified on a call, how they prove it, and how they are loaded.
//!
//! - [`credentials`]: the keypad inputs (account number, PIN, date of birth, ZIP) as parsed types;
//! - [`secrets`]: the keyed hashes PINs and date of birth plus ZIP are stored as;
//! - [`import`]: `ivrpay accounts import FILE.csv`, all-or-nothing, errors by line.

pub mod credentials;
pub mod import;
pub mod secrets;
