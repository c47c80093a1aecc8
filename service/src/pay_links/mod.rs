//! Pay links: a single-purpose, expiring URL (`/pay/{token}`) that opens one account's own page
//! in a phone's browser, sent by text or email or handed out by an agent or an admin.
//!
//! - **The token** is 128 random bits (hex); only its SHA-256 is stored, so neither the database
//!   nor a log (the request's path is masked, see [`loggable_path`]) opens a link. The message
//!   that carries a link holds it only until it is sent (the outbox then masks it).
//! - **The proof.** Opening a link asks for what the line asks: the PIN, or the date of birth
//!   and ZIP. Each try is counted against the account's lockout exactly as the line's are
//!   ([`prove`]), so guessing on the web cannot get round the phone's limits. A proof that holds
//!   starts a short session (a cookie whose hash is kept on the link).
//! - **The page** ([`pages`], served by [`routes`]) shows the balance, the due date, the
//!   disclosure the account's policy requires and the choices that policy offers on the line.
//!   An account the line never asks for money (disputed, bankrupt, a no-payment treatment) is
//!   not asked for money here either.
//! - **Acting on it** ([`choices`], its pages in [`forms`]): paying (through the gateway's own
//!   browser form, so no card reaches this service, or the sandbox's demo form), a promise, a
//!   plan; each once per form, recorded as the line records it, on a visit kept in `calls`.

pub mod choices;
pub mod forms;
pub mod pages;
pub mod routes;

use std::borrow::Cow;
use std::time::Duration;

use crate::accounts::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
use crate::error::AppError;
use crate::line::Line;
use crate::messages::compose::{Channel, Composer};
use crate::store::{Account, AuthAttempt, NewPayLink};

/// How long a proof's session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// Wrong proofs from one address, across every link, within [`PROOF_WINDOW`] that refuse
/// further tries from it: the account lockout bounds guessing at one account; this bounds one
/// address working through many links (locking their holders out).
pub const PROOFS_PER_ADDRESS: i64 = 20;

/// How far back wrong proofs count against an address.
pub const PROOF_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A new link's token: 128 random bits, hex.
fn new_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// What the store keeps of a token (or of a session's cookie).
pub fn token_hash(token: &str) -> String {
    crate::agents::session::token_hash(token)
}

/// Whether `token` is shaped like a link's token (32 lowercase hex digits), so anything else is
/// refused before the database is asked.
pub fn well_formed(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A request path as it may be logged: a pay link's token masked (`/pay/…/account`).
pub fn loggable_path(path: &str) -> Cow<'_, str> {
    match path.strip_prefix("/pay/") {
        Some(rest) => {
            let tail = rest.find('/').map_or("", |at| &rest[at..]);
            Cow::Owned(format!("/pay/…{tail}"))
        }
        None => Cow::Borrowed(path),
    }
}

/// A link to put in a message (a reminder, a notice): recorded only if the message is queued
/// (`store::LinkToMake`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLink {
    /// The whole URL, token included.
    pub url: String,
    /// What the store keeps of its token.
    pub token_hash: String,
    /// When it stops opening (UTC ms).
    pub expires_at: i64,
}

impl PendingLink {
    /// A new link under `public_url`, opening for `lifetime` from `now_ms`.
    pub fn new(public_url: &str, lifetime: Duration, now_ms: i64) -> PendingLink {
        let token = new_token();
        PendingLink {
            url: format!("{}/pay/{token}", public_url.trim_end_matches('/')),
            token_hash: token_hash(&token),
            expires_at: now_ms
                .saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// A link made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Its id.
    pub id: i64,
    /// The whole URL, token included: shown once, to whoever made it, and never stored.
    pub url: String,
    /// When it stops opening (UTC ms).
    pub expires_at: i64,
    /// Where it was sent, if it was.
    pub sent_by: Option<Channel>,
}

/// Whether a link can be sent to `account` by `channel`: a number or address is on file and,
/// for a text, the number did not reply STOP.
///
/// # Errors
/// A database failure.
pub async fn reaches(app: &Line, account: &Account, channel: Channel) -> Result<bool, AppError> {
    let composer = Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    };
    Ok(composer.reaches(account, channel)
        && !(channel == Channel::Sms && app.store.sms_opted_out(&account.phone).await?))
}

/// Makes a link for `account` (`created_by`: `admin`, `agent:NAME`, `call:PROVIDER:SID`), and
/// sends it by `send` when that channel reaches the account (a number that replied STOP gets no
/// text). The link and its message are recorded in one transaction.
///
/// # Errors
/// A database failure; nothing is made then.
pub async fn create(
    app: &Line,
    account: &Account,
    created_by: &str,
    send: Option<Channel>,
) -> Result<Created, AppError> {
    let token = new_token();
    let url = format!("{}/pay/{token}", app.public_url.trim_end_matches('/'));
    let now = app.clock.now_ms();
    let lifetime = i64::try_from(app.config.pay_link_lifetime.as_millis()).unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(lifetime);
    let expires_on = app
        .hours
        .as_deref()
        .and_then(|hours| hours.date_at(expires_at))
        .unwrap_or_else(|| app.today());
    let composer = Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    };
    let reachable = match send {
        Some(channel) if reaches(app, account, channel).await? => Some(channel),
        _ => None,
    };
    let token_hash = token_hash(&token);
    let message = reachable.and_then(|channel| {
        composer.pay_link(account, channel, &url, expires_on, &token_hash[..16])
    });
    let sent_by = message.as_ref().and(reachable);
    let id = app
        .store
        .create_pay_link(
            &NewPayLink {
                token_hash: &token_hash,
                account_number: &account.account_number,
                created_by,
                sent_by: sent_by.map(|channel| channel.name()),
                now,
                expires_at,
            },
            &Vec::from_iter(message),
        )
        .await?;
    app.metrics.pay_link("created");
    tracing::info!(
        pay_link = id,
        account_last4 = %account.last4(),
        created_by,
        sent_by = sent_by.map_or("none", |channel| channel.name()),
        "pay link made"
    );
    Ok(Created {
        id,
        url,
        expires_at,
        sent_by,
    })
}

/// What the person gave to prove it is them: the PIN, or the date of birth and ZIP.
#[derive(Debug)]
pub enum Proof<'a> {
    /// The account's PIN.
    Pin(&'a str),
    /// The date of birth (`YYYY-MM-DD`, as a date field sends it) and the ZIP.
    DateOfBirthAndZip(&'a str, &'a str),
}

/// How a proof ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proved {
    /// It is them.
    Yes,
    /// It did not match; tries are left.
    No,
    /// Locked, by this try or before it: no try is counted or checked until the lock ends.
    Locked,
}

/// Checks a proof for `account`, counting the try against the same lockout the line counts (a
/// try is counted before it is checked, so tries at once cannot exceed the limit).
///
/// # Errors
/// A database failure.
pub async fn prove(app: &Line, account: &Account, proof: &Proof<'_>) -> Result<Proved, AppError> {
    let now = app.clock.now_ms();
    let until = now + app.config.lockout.as_millis() as i64;
    let Some(attempt): Option<AuthAttempt> = app
        .store
        .begin_auth_attempt(
            &account.account_number,
            app.config.max_auth_attempts,
            now,
            until,
        )
        .await?
    else {
        return Ok(Proved::Locked);
    };
    let number = AccountNumber::parse(&account.account_number);
    let key = &app.config.pin_key;
    let matches = match (number, proof) {
        (Some(number), Proof::Pin(pin)) => Pin::parse(pin.trim())
            .is_some_and(|pin| key.verify_pin(&number, &pin, &account.pin_hash)),
        (Some(number), Proof::DateOfBirthAndZip(dob, zip)) => {
            match (
                DateOfBirth::parse_iso(dob.trim(), app.today()),
                Zip::parse(zip.trim()),
            ) {
                (Some(dob), Some(zip)) => {
                    key.verify_dob_zip(&number, &dob, &zip, &account.dob_zip_hash)
                }
                _ => false,
            }
        }
        (None, _) => false,
    };
    if matches {
        app.store
            .reset_auth_failures(&account.account_number, attempt)
            .await?;
        return Ok(Proved::Yes);
    }
    tracing::info!(
        attempts = attempt.number,
        locked = attempt.locks,
        channel = "web",
        "authentication failed"
    );
    Ok(if attempt.locks {
        Proved::Locked
    } else {
        Proved::No
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert!(!well_formed("../../etc/passwd"));
        assert!(!well_formed(&a.to_uppercase()));
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn a_links_token_never_reaches_a_log() {
        let token = "0123456789abcdef0123456789abcdef";
        assert_eq!(loggable_path(&format!("/pay/{token}")), "/pay/…");
        assert_eq!(
            loggable_path(&format!("/pay/{token}/account")),
            "/pay/…/account"
        );
        assert_eq!(loggable_path("/agent/sign-in"), "/agent/sign-in");
    }
}
