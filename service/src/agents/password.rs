//! Agents' passwords, hashed with Argon2id (the `argon2` crate, RustCrypto) at its default
//! parameters (19 MiB, two passes, one lane: OWASP's recommended minimum), as PHC strings that
//! carry their own parameters, so raising them later re-checks old hashes correctly.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// The shortest password accepted for a new agent.
pub const MIN_LENGTH: usize = 12;
/// The longest password considered (in bytes), so a huge body cannot buy a long hash.
pub const MAX_BYTES: usize = 1024;

/// A password, held so that it cannot be printed or logged and is wiped on drop.
pub struct Password(SecretString);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// A new agent's password: at least [`MIN_LENGTH`] characters, at most [`MAX_BYTES`] bytes.
    ///
    /// # Errors
    /// Too short or too long (the message says which, never the password).
    pub fn new_for_agent(text: String) -> Result<Password, String> {
        if text.chars().count() < MIN_LENGTH {
            return Err(format!(
                "a password is at least {MIN_LENGTH} characters (a few words make a good one)"
            ));
        }
        if text.len() > MAX_BYTES {
            return Err(format!("a password is at most {MAX_BYTES} bytes"));
        }
        Ok(Password(SecretString::from(text)))
    }

    /// What was typed at sign-in, unchecked (it only has to match); cut at [`MAX_BYTES`].
    pub fn typed(text: String) -> Password {
        let mut text = text;
        if text.len() > MAX_BYTES {
            let mut end = MAX_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Password(SecretString::from(text))
    }

    /// Whether two passwords are the same text (a new password typed twice).
    pub fn same_as(&self, other: &Password) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }

    /// Hashes it with a fresh random salt, as a PHC string (`$argon2id$v=19$...`). Slow on
    /// purpose (tens of milliseconds): call it off the async threads.
    ///
    /// # Errors
    /// The system's random source failed.
    pub fn hash(&self) -> Result<String, String> {
        Argon2::default()
            .hash_password(self.0.expose_secret().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| format!("cannot hash the password: {err}"))
    }

    /// Whether it matches `stored`; with `None` (no such agent) it does the same work against a
    /// hash of nothing anyone can type, and says no, so an unknown username takes as long as a
    /// wrong password. Slow on purpose: call it off the async threads.
    pub fn matches(&self, stored: Option<&str>) -> bool {
        let (stored, real) = match stored {
            Some(stored) => (stored, true),
            None => (decoy_hash(), false),
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(self.0.expose_secret().as_bytes(), &parsed)
            .is_ok();
        ok && real
    }
}

/// Makes the decoy hash now (a blocking task at start-up), so the first unknown username is not
/// the one attempt that takes twice as long.
pub fn warm_up() {
    let _ = decoy_hash();
}

/// A hash with the default parameters of a random password no one knows, made once.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = hex::encode(rand::random::<[u8; 32]>());
        Password(SecretString::from(secret))
            .hash()
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_salted_and_matches_only_its_password() {
        let password = Password::new_for_agent("correct horse battery".into()).unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert_ne!(hash, password.hash().unwrap(), "a fresh salt each time");
        assert!(!hash.contains("correct horse"));
        assert!(Password::typed("correct horse battery".into()).matches(Some(&hash)));
        assert!(!Password::typed("correct horse batterY".into()).matches(Some(&hash)));
    }

    #[test]
    fn no_agent_means_no_match() {
        assert!(!Password::typed(String::new()).matches(None));
        assert!(!Password::typed("anything at all".into()).matches(None));
    }

    #[test]
    fn new_passwords_need_twelve_characters() {
        assert!(Password::new_for_agent("elevenchars".into()).is_err());
        assert!(Password::new_for_agent("twelve chars".into()).is_ok());
        assert!(Password::new_for_agent("x".repeat(MAX_BYTES + 1)).is_err());
        assert_eq!(
            format!("{:?}", Password::typed("secret".into())),
            "Password(..)"
        );
    }
}
