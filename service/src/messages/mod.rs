//! Messages after the call: receipts, plan schedules and reminders by SMS and email.
//!
//! - [`templates`] (from the core): `call-flows/messages.toml`, the texts operations edit, checked
//!   at start;
//! - [`compose`]: what each event sends, to whom, on which channel (the caller's choice);
//! - [`outbox`]: the sender, which delivers queued messages with retries and backoff, once each
//!   even with several instances;
//! - [`email`]: SMTP through `lettre`; SMS go through the first configured provider that offers
//!   texting ([`crate::telephony::capabilities::Texting`]);
//! - [`keywords`] (from the core): STOP, START and HELP texted back, in English and Spanish.
//!
//! Every message is written to the outbox (`messages`) in the same transaction as what causes
//! it, and only then sent, so an SMS provider or mail server that is down delays a message but
//! never loses it. Nothing is texted to a number that opted out.

pub use ivrpay_core::messages::{keywords, templates};

pub mod compose;
pub mod email;
pub mod outbox;
pub mod texts_in;

use std::time::Duration;

use secrecy::SecretString;

/// How messages are sent, and which.
#[derive(Clone)]
pub struct MessagingSettings {
    /// Texts, if configured.
    pub sms: Option<SmsSettings>,
    /// Email, if configured.
    pub email: Option<EmailSettings>,
    /// Days before an installment's date its reminder goes out (one reminder per number).
    pub installment_reminder_days: Vec<u32>,
    /// Days before a promised date its reminder goes out.
    pub promise_reminder_days: Vec<u32>,
    /// Kinds of message turned off (by name).
    pub disabled: Vec<String>,
    /// How often the sender looks for queued messages.
    pub send_interval: Duration,
    /// A message still unsent this long after it was queued is given up (`failed`).
    pub give_up_after: Duration,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        MessagingSettings {
            sms: None,
            email: None,
            installment_reminder_days: vec![3],
            promise_reminder_days: vec![1],
            disabled: Vec::new(),
            send_interval: Duration::from_secs(2),
            give_up_after: Duration::from_secs(48 * 60 * 60),
        }
    }
}

impl std::fmt::Debug for MessagingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessagingSettings")
            .field("sms", &self.sms.as_ref().map(|s| &s.from))
            .field("email", &self.email.as_ref().map(|e| &e.from))
            .field("installment_reminder_days", &self.installment_reminder_days)
            .field("promise_reminder_days", &self.promise_reminder_days)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl MessagingSettings {
    /// Whether messages of `kind` are sent at all.
    pub fn enabled(&self, kind: templates::Kind) -> bool {
        !self.disabled.iter().any(|name| name == kind.name())
    }
}

/// Texts, sent through a provider that offers texting.
#[derive(Clone)]
pub struct SmsSettings {
    /// The number texts come from (E.164), or the provider's sender id. They are sent by the
    /// first configured provider that offers texting.
    pub from: String,
}

/// Email through SMTP.
#[derive(Clone)]
pub struct EmailSettings {
    /// `smtp://user:pass@host:port` (STARTTLS optional), `smtps://...` (TLS), or
    /// `smtp://host:port?tls=required`; holds the password, so it is a secret.
    pub smtp_url: SecretString,
    /// The From address, e.g. `Riverside Utilities <billing@example.com>`.
    pub from: String,
}
