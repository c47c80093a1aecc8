//! The account a call is about, as the collections rules, the flow and the console see it: loaded
//! by the store, read by everything above it.

/// An account as the flow sees it. Secrets appear only as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The number the caller types; digits only.
    pub account_number: String,
    /// Full name, as imported.
    pub name: String,
    /// Keyed hash of the PIN (hex).
    pub pin_hash: String,
    /// Keyed hash of date of birth and billing ZIP (hex).
    pub dob_zip_hash: String,
    /// Balance owed, in cents; zero or less means nothing is due.
    pub balance_cents: i64,
    /// Minimum payment due, in cents.
    pub minimum_due_cents: i64,
    /// Due date, ISO 8601 (`YYYY-MM-DD`).
    pub due_date: String,
    /// Collections segment (`early`, `late`, `hardship`, `settlement`, ...), for flow branches.
    pub segment: String,
    /// Preferred language code.
    pub language: String,
    /// Phone on file, E.164, matched against caller ID.
    pub phone: String,
    /// Email on file.
    pub email: String,
    /// Comma-separated flags (`hardship`, `vulnerable`, `dispute`, `bankruptcy`,
    /// `cease_contact`) the collections policies act on; empty when none.
    pub flags: String,
    /// Two-letter postal code of the holder's state, or empty.
    pub state: String,
    /// How the holder chose to hear from us on a call (`sms`, `email`, `none`); reminders follow
    /// it. Import leaves it as it is.
    pub contact_channel: Option<String>,
    /// Failed PIN or date-of-birth attempts since the last success.
    pub failed_auth_attempts: i64,
    /// Until when (UTC ms) authentication is refused, if locked.
    pub locked_until: Option<i64>,
}

impl Account {
    /// The last four digits of the account number, as callers and agents are told them.
    pub fn last4(&self) -> &str {
        let number = &self.account_number;
        // Account numbers are ASCII digits, so any byte offset is a character boundary.
        number
            .get(number.len().saturating_sub(4)..)
            .unwrap_or(number)
    }
}
