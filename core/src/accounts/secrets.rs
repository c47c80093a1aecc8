//! Keyed hashes for PINs and for date of birth plus ZIP.
//!
//! A 4-digit PIN has ten thousand values, so no hash cost would stop someone with a stolen
//! database from trying them all; a keyed hash (HMAC-SHA256 under `IVRPAY_PIN_KEY`, kept out of the
//! database) does, and the lockout stops guessing on the phone. The account number is part of the
//! message, so equal PINs on two accounts hash differently.

use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::credentials::{AccountNumber, DateOfBirth, Pin, Zip};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The server secret PINs are hashed with.
#[derive(Clone)]
pub struct PinKey(SecretSlice<u8>);

impl std::fmt::Debug for PinKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinKey(<redacted>)")
    }
}

impl PinKey {
    /// Takes the key as configured; at least 16 bytes.
    pub fn new(key: &[u8]) -> Option<PinKey> {
        (key.len() >= 16).then(|| PinKey(key.to_vec().into()))
    }

    fn digest(&self, parts: &[&str]) -> String {
        // HMAC accepts a key of any length, so this cannot fail.
        let Ok(mut mac) = HmacSha256::new_from_slice(self.0.expose_secret()) else {
            return String::new();
        };
        for part in parts {
            mac.update(part.as_bytes());
            // A separator no part contains, so ("12", "3") and ("1", "23") differ.
            mac.update(&[0]);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The stored form of a PIN.
    pub fn hash_pin(&self, account: &AccountNumber, pin: &Pin) -> String {
        self.digest(&["pin", account.as_str(), pin.expose()])
    }

    /// The stored form of date of birth plus ZIP.
    pub fn hash_dob_zip(&self, account: &AccountNumber, dob: &DateOfBirth, zip: &Zip) -> String {
        self.digest(&["dob-zip", account.as_str(), &dob.canonical(), zip.expose()])
    }

    /// Whether `pin` matches the stored hash, compared in constant time.
    pub fn verify_pin(&self, account: &AccountNumber, pin: &Pin, stored: &str) -> bool {
        equal(&self.hash_pin(account, pin), stored)
    }

    /// Whether date of birth and ZIP match the stored hash, compared in constant time.
    pub fn verify_dob_zip(
        &self,
        account: &AccountNumber,
        dob: &DateOfBirth,
        zip: &Zip,
        stored: &str,
    ) -> bool {
        equal(&self.hash_dob_zip(account, dob, zip), stored)
    }
}

fn equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn key() -> PinKey {
        PinKey::new(b"0123456789abcdef0123456789abcdef").expect("key")
    }

    fn account(n: &str) -> AccountNumber {
        AccountNumber::parse(n).expect("account")
    }

    #[test]
    fn matching_pin_verifies_and_other_pins_do_not() {
        let pin = Pin::parse("0560").expect("pin");
        let stored = key().hash_pin(&account("64632547"), &pin);
        assert!(key().verify_pin(&account("64632547"), &pin, &stored));
        let wrong = Pin::parse("5600").expect("pin");
        assert!(!key().verify_pin(&account("64632547"), &wrong, &stored));
    }

    #[test]
    fn same_pin_on_two_accounts_hashes_differently_and_never_contains_the_pin() {
        let pin = Pin::parse("8091").expect("pin");
        let a = key().hash_pin(&account("87272786"), &pin);
        let b = key().hash_pin(&account("97842651"), &pin);
        assert_ne!(a, b);
        assert!(!a.contains("8091"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn another_key_gives_another_hash() {
        let pin = Pin::parse("8091").expect("pin");
        let other = PinKey::new(b"another key of 16+ bytes").expect("key");
        assert_ne!(
            key().hash_pin(&account("87272786"), &pin),
            other.hash_pin(&account("87272786"), &pin)
        );
    }

    #[test]
    fn date_of_birth_and_zip_verify_together() {
        let today = date!(2026 - 11 - 23);
        let dob = DateOfBirth::parse_keypad("03271948", today).expect("dob");
        let zip = Zip::parse("83462").expect("zip");
        let stored = key().hash_dob_zip(&account("87272786"), &dob, &zip);
        assert!(key().verify_dob_zip(&account("87272786"), &dob, &zip, &stored));
        let other_zip = Zip::parse("83463").expect("zip");
        assert!(!key().verify_dob_zip(&account("87272786"), &dob, &other_zip, &stored));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(PinKey::new(b"short").is_none());
    }
}
