//! The agent console's foundation: who the agents are, how they sign in, and the signed-in
//! console at `/agent` with its live transfers (the screen-pop) and the callbacks to work.
//!
//! - [`password`]: Argon2id hashing and checking, the same work for a user that does not exist;
//! - [`session`]: session tokens (random, stored hashed), the cookie, CSRF and Origin checks;
//! - [`console`]: the `/agent` router: sign-in, sign-out, the console page, and the one layer
//!   that refuses every unsigned request to any `/agent/...` route;
//! - [`transfers`]: the live screen-pop: the stream every console listens to, "I'll take it",
//!   and the disposition;
//! - [`callbacks`]: the callbacks callers asked for, soonest first, and "Done";
//! - [`screen_pop`]: what a transfer shows about the caller, in plain words and nothing secret;
//! - [`pages`]: the server-rendered HTML.
//!
//! Sessions and failed sign-ins live in the database ([`crate::store`]), so any number of
//! instances sharing one PostgreSQL database honour the same sign-outs and the same throttle.

pub mod callbacks;
pub mod console;
pub mod pages;
pub mod password;
pub mod screen_pop;
pub mod session;
pub mod transfers;

use std::time::Duration;

pub use password::Password;

/// How long a session lasts from sign-in: a long shift. Signing out or disabling the agent ends
/// it sooner.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// How many failed sign-ins are tolerated before further attempts are refused. Failures lock
/// out the place they come from, not the agent: five wrong passwords from one address refuse
/// that username from that address only, so nobody who knows an admin's username can keep the
/// admin out by guessing from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures for one username from one address within `window` that refuse further attempts
    /// for that username from that address.
    pub per_username_and_address: i64,
    /// Failures from one address within `window` that refuse further attempts from it. Higher:
    /// several agents may sit behind one office address (or one load balancer).
    pub per_address: i64,
    /// Failures for one username from anywhere within `window` (a guessing attack spread over
    /// many addresses) past which the username is refused except from an address its agent
    /// signed in from within [`KNOWN_ADDRESS_FOR`].
    pub per_username: i64,
    /// How far back failures count; attempts are refused until enough of them age out.
    pub window: Duration,
}

/// The limits in force.
pub const SIGN_IN_LIMITS: SignInLimits = SignInLimits {
    per_username_and_address: 5,
    per_address: 30,
    per_username: 50,
    window: Duration::from_secs(15 * 60),
};

/// How long an address an agent signed in from stays a known place for them.
pub const KNOWN_ADDRESS_FOR: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// What an agent may see: agents the transfers and callbacks, admins everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Works transfers and callbacks.
    Agent,
    /// Also sees what operations see.
    Admin,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

/// A username: 1 to 64 of lowercase ASCII letters, digits, `.`, `_`, `-` (typed in any case, kept
/// in lowercase so `Ana` and `ana` are one agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses what was typed.
    ///
    /// # Errors
    /// Empty, longer than 64, or a character outside the set above.
    pub fn parse(text: &str) -> Result<Username, String> {
        let name = text.trim().to_ascii_lowercase();
        if name.is_empty() || name.len() > 64 {
            return Err("a username is 1 to 64 characters".to_owned());
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(
                "a username has only letters, digits, '.', '_' and '-' (no spaces)".to_owned(),
            );
        }
        Ok(Username(name))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_limited_to_a_plain_set() {
        assert_eq!(
            Username::parse(" Ana.Lopez ").unwrap().as_str(),
            "ana.lopez"
        );
        assert!(Username::parse("").is_err());
        assert!(Username::parse("ana lopez").is_err());
        assert!(Username::parse("ana<script>").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }
}
