//! Accounts: who can be identified on a call and how they prove it.
//!
//! - [`credentials`]: the keypad inputs (account number, PIN, date of birth, ZIP) as parsed types;
//! - [`secrets`]: the keyed hashes PINs and date of birth plus ZIP are stored as.
//!
//! Loading accounts from a file (`ivrpay accounts import`) is the service's (`accounts::import`).

pub mod credentials;
pub mod secrets;
