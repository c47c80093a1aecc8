//! Collections treatment: what each caller is offered, by the department's own rules.
//!
//! - [`policy`]: `call-flows/policies.toml`, the rules that pick a policy per account and the
//!   policies (options in order, settlement, plan, promise and fee terms, disclosures);
//! - [`terms`]: the arithmetic in cents (installment schedules, settlements, fees) and how a
//!   schedule is read aloud;
//! - [`offers`]: which of a policy's options apply to an account right now;
//! - [`run_due`]: charging the installments that fall due and settling promises, exactly once.
//!
//! The flow's actions that set arrangements up live with the other actions in
//! [`crate::calls::actions`]; the rows they write in [`crate::store`].

pub mod account;
pub mod offers;
pub mod policy;
pub mod run_due;
pub mod terms;

pub use account::Account;
pub use policy::{Offer, Policies, Policy, Treatment};

/// Names under which the collections actions keep their facts in the call's session (none of
/// them card data), shared by the actions that write them and the engine that speaks them.
pub mod keys {
    /// The chosen policy's name.
    pub const POLICY: &str = "policy";
    /// The keys of the options last offered: `1=full,2=minimum,0=person`.
    pub const OFFER_KEYS: &str = "offer_keys";
    /// Set (to the reason's code) once the caller said paying is hard.
    pub const HARDSHIP: &str = "hardship";
    /// The convenience fee on the payment, in cents.
    pub const FEE_CENTS: &str = "fee_cents";
    /// A one-payment settlement being paid: its amount in cents.
    pub const SETTLING: &str = "settling";
    /// The settlement on offer, in cents, and its last day.
    pub const SETTLEMENT_CENTS: &str = "settlement_cents";
    /// The last day the settlement offer stands (YYYY-MM-DD).
    pub const SETTLEMENT_EXPIRES: &str = "settlement_expires";
    /// `plan` or `settlement`: what the installments being arranged are for.
    pub const PLAN_KIND: &str = "plan_kind";
    /// The total to spread, in cents.
    pub const PLAN_TOTAL: &str = "plan_total_cents";
    /// The numbers of installments the caller may choose: `2,3,4`.
    pub const PLAN_COUNTS: &str = "plan_counts";
    /// The number chosen.
    pub const PLAN_COUNT: &str = "plan_count";
    /// What the card being entered is for: `plan` (a new plan) or `plan_card` (a plan's new card).
    pub const CARD_FOR: &str = "card_for";
    /// The latest date a promise may name (YYYY-MM-DD).
    pub const PROMISE_LATEST: &str = "promise_latest";
    /// The least that may be promised, in cents.
    pub const PROMISE_SMALLEST: &str = "promise_smallest_cents";
    /// The date promised (YYYY-MM-DD).
    pub const PROMISE_DATE: &str = "promise_date";
    /// The amount promised, in cents.
    pub const PROMISE_CENTS: &str = "promise_cents";
    /// The returning caller's open plan: its id.
    pub const ARRANGEMENT_ID: &str = "arrangement_id";
    /// `plan` or `settlement`.
    pub const ARRANGEMENT_KIND: &str = "arrangement_kind";
    /// Its next (or missed) installment: sequence number, amount in cents and due date.
    pub const INSTALLMENT_SEQ: &str = "installment_seq";
    /// Cents.
    pub const INSTALLMENT_CENTS: &str = "installment_cents";
    /// YYYY-MM-DD.
    pub const INSTALLMENT_DUE: &str = "installment_due";
    /// `1` when that installment was declined and is waiting to be tried again.
    pub const INSTALLMENT_MISSED: &str = "installment_missed";
    /// The plan's card: brand code and last four digits.
    pub const ARRANGEMENT_CARD_BRAND: &str = "arrangement_card_brand";
    /// Last four digits of the plan's card.
    pub const ARRANGEMENT_CARD_LAST4: &str = "arrangement_card_last4";
    /// The plan set up on this call (its id), for its schedule message.
    pub const PLAN_ID: &str = "plan_id";
    /// The promise made on this call (its id), for its message.
    pub const PROMISE_ID: &str = "promise_id";
    /// What makes the plan's confirmation one message with the call's id (the card attempt it
    /// was set up with), whether it is queued when the plan is made or when the caller chooses a
    /// channel. Only the number is kept: the session is scrubbed of long digit runs, which a
    /// call id can hold.
    pub const PLAN_MESSAGE_KEY: &str = "plan_message_key";
    /// The same for the promise's confirmation (the turn it was made on).
    pub const PROMISE_MESSAGE_KEY: &str = "promise_message_key";
    /// `1` when a receipt can go by text / by email to this account.
    pub const CAN_TEXT: &str = "can_text";
    /// See [`CAN_TEXT`].
    pub const CAN_EMAIL: &str = "can_email";
}

/// Parses a `YYYY-MM-DD` date as the store and sessions keep them.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}
