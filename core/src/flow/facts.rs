//! What a call has learned, typed: the payment being made, the plan, promise or settlement being
//! arranged, the arrangement the caller already has, receipt channels, the callback offered, the
//! agent's leg. It lives in the [`super::engine::Session`] between webhooks; the actions in
//! `src/calls/actions/` write it and the engine reads and speaks it. A misspelt fact is a compile
//! error, not a silent miss.
//!
//! None of it is card data: a card's brand and last four are kept, never its number. Amounts are
//! cents. Dates are kept as `YYYY-MM-DD` and timestamps in seconds, because a stored session is
//! scrubbed of long digit runs that could be card numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::definition::InputKind;
use crate::collections::Offer;
use crate::hours::Window;
use crate::payments::CardBrand;

/// Everything the call has learned so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Entries of questions that are not sensitive, by what was asked, until an action uses
    /// them (an account number, an amount, the survey's answers).
    pub answers: BTreeMap<InputKind, String>,
    /// The collections policy `choose_policy` picked, by name.
    pub policy: Option<String>,
    /// The keys the options were last offered on.
    pub offered: OfferedKeys,
    /// Why paying is hard, once the caller said so (a reason's code, `other` when not given).
    pub hardship: Option<String>,
    /// The payment being made on this call.
    pub payment: Payment,
    /// The card being keyed in: its brand and last four, once the number is in.
    pub card: Option<CardLabel>,
    /// The bank account being keyed in: its type, and its last four once both entries of its
    /// number matched.
    pub bank: Option<BankLabel>,
    /// The bank debit being authorised, as it was read to the caller.
    pub debit: Option<DebitTerms>,
    /// The card on file offered to a returning caller.
    pub saved: Option<SavedLabel>,
    /// AutoPay: on for this account, or being set up on this call.
    pub autopay: Option<AutopayFacts>,
    /// What the provider's card capture reported, until the action that records it runs.
    pub provider_pay: Option<crate::voice::PayReport>,
    /// The settlement on offer.
    pub settlement: Option<SettlementOffer>,
    /// The installments being arranged (a plan, or a settlement in installments).
    pub plan: Option<PlanOffer>,
    /// The promise to pay being arranged.
    pub promise: Option<PromiseOffer>,
    /// The returning caller's open arrangement.
    pub arrangement: Option<OpenArrangement>,
    /// The plan set up on this call, for its confirmation message.
    pub plan_made: Option<Made>,
    /// The recurring authorisation of a plan's debits from a bank account, while it is read.
    pub plan_debit: Option<PlanDebitTerms>,
    /// The promise made on this call, for its confirmation message.
    pub promise_made: Option<Made>,
    /// Where a receipt can go for this account.
    pub receipts: ReceiptChannels,
    /// The callback being offered (no windows until one is).
    pub callback: CallbackOffer,
    /// Whether the end-of-call survey was offered (the call's business is then done).
    pub survey_offered: bool,
    /// The call id of the agent's leg rung for a caller waiting in the conference room, so it is
    /// hung up if the caller hangs up first.
    pub agent_leg: Option<String>,
    /// A spoken answer the engine was not sure of, waiting for a yes.
    pub heard: Option<Heard>,
}

/// The keys an offers state's options were last offered on (`1` full, `2` minimum, `0` a
/// person), kept between the question and its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfferedKeys {
    /// Each option with its key, in the order offered.
    pub options: Vec<(char, Offer)>,
    /// The key "more choices" was offered on, when the first list was short.
    pub more: Option<char>,
}

impl OfferedKeys {
    /// The option offered on `key`.
    pub fn offer_at(&self, key: char) -> Option<Offer> {
        self.options
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, offer)| *offer)
    }

    /// The key `offer` was offered on.
    pub fn key_of(&self, offer: Offer) -> Option<char> {
        self.options
            .iter()
            .find(|(_, o)| *o == offer)
            .map(|(key, _)| *key)
    }
}

/// The payment being made on this call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Payment {
    /// The amount to pay today, in cents.
    pub cents: Option<i64>,
    /// Cards confirmed on this call so far: each has its own idempotency key and sealed binding.
    pub attempts: i64,
    /// The confirmation code of the payment approved (or the plan's first installment).
    pub confirmation: Option<String>,
    /// The convenience fee on it, in cents.
    pub fee_cents: Option<i64>,
    /// When it is a one-payment settlement: the settlement's amount in cents.
    pub settling: Option<i64>,
    /// What the card being keyed in is for, when not a payment today.
    pub card_for: Option<CardFor>,
    /// Whether the caller asked to keep the card being keyed in on file.
    pub keep_card: bool,
}

/// What a card keyed in is for, when it is not a payment today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardFor {
    /// A new plan's card (its first installment is charged now).
    Plan,
    /// The returning caller's plan gets a new card.
    PlanCard,
    /// AutoPay's card (nothing is charged now).
    Autopay,
}

/// AutoPay as the call knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutopayFacts {
    /// The enrolment's id, once AutoPay is on (turned on earlier, or on this call).
    pub id: Option<i64>,
    /// The amount it charges: `minimum_due` or `balance`.
    pub amount: String,
    /// The card or bank account it charges, or would: one on file (its id) or the one keyed in
    /// (id 0).
    pub card: Option<SavedLabel>,
    /// The card or bank account on file offered for it, if any.
    pub on_file: Option<SavedLabel>,
    /// Whether a bank account can be keyed in for it (see `autopay_bank_possible`).
    pub bank_possible: bool,
    /// The provider's id of the recording of a bank account's authorisation, while it is read.
    pub recording: Option<String>,
    /// The first due date it pays (`YYYY-MM-DD`).
    pub first_due: Option<String>,
    /// The authorisation as read to the caller (the evidence keeps the same words).
    pub script: String,
    /// Whether a written copy of the enrolment was queued.
    pub noticed: bool,
}

/// A method on file as it may be named, with its id to charge or remove it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLabel {
    /// Its id in the store.
    pub id: i64,
    /// `card` or `bank`.
    pub kind: String,
    /// The card's brand code or the account's type.
    pub label: String,
    /// The last four digits.
    pub last4: String,
}

/// A bank account as it may be named: checking or savings, and its last four digits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BankLabel {
    /// `checking` or `savings` ([`crate::payments::AccountType::as_str`]), once chosen.
    pub account_type: Option<String>,
    /// The last four digits, once the number was keyed twice alike.
    pub last4: Option<String>,
}

impl BankLabel {
    /// The account type, once chosen.
    pub fn account_type(&self) -> Option<crate::payments::AccountType> {
        self.account_type
            .as_deref()
            .and_then(crate::payments::AccountType::parse)
    }
}

/// A plan's debits from a bank account, as their authorisation was read to the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanDebitTerms {
    /// The authorisation as read (the evidence keeps the same words).
    pub script: String,
    /// The provider's id of its recording, until the caller answers.
    pub recording: Option<String>,
}

/// A bank debit's terms as they were read to the caller for their authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitTerms {
    /// The day the debit is made, `YYYY-MM-DD`.
    pub date: String,
    /// The authorisation, word for word as spoken.
    pub script: String,
    /// The wording's version ([`crate::payments::TelAuthorization::SCRIPT_VERSION`]).
    pub script_version: String,
    /// Whether a written copy goes to the account holder (otherwise the recording is the
    /// evidence, and no copy is promised).
    #[serde(default)]
    pub noticed: bool,
}

/// A card as it may be named: its brand and last four digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLabel {
    /// The brand's code (`visa`, `mastercard`, ...).
    pub brand: String,
    /// The last four digits.
    pub last4: String,
}

impl CardLabel {
    /// The label of a brand and last four.
    pub fn new(brand: CardBrand, last4: String) -> CardLabel {
        CardLabel {
            brand: brand.as_str().to_owned(),
            last4,
        }
    }

    /// The brand, `Unknown` when not recognised.
    pub fn card_brand(&self) -> CardBrand {
        CardBrand::parse(&self.brand).unwrap_or(CardBrand::Unknown)
    }
}

/// A settlement on offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementOffer {
    /// What settles the account, in cents.
    pub cents: i64,
    /// The last day the offer stands.
    #[serde(with = "iso_date")]
    pub expires: time::Date,
}

/// Installments being arranged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOffer {
    /// What the installments are for.
    pub kind: PlanKind,
    /// The total to spread, in cents.
    pub total_cents: i64,
    /// The numbers of installments the caller may choose.
    pub counts: Vec<u32>,
    /// The number chosen.
    pub count: Option<u32>,
}

/// What installments are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// A payment plan over the balance.
    Plan,
    /// A settlement paid in installments.
    Settlement,
}

impl PlanKind {
    /// Its name in the store (`arrangements.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Plan => "plan",
            PlanKind::Settlement => "settlement",
        }
    }
}

/// A promise to pay being arranged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseOffer {
    /// The latest date it may name.
    #[serde(with = "iso_date")]
    pub latest: time::Date,
    /// The least that may be promised, in cents.
    pub smallest_cents: i64,
    /// The date promised.
    #[serde(with = "iso_date_opt", default)]
    pub date: Option<time::Date>,
    /// The amount promised, in cents.
    pub cents: Option<i64>,
}

/// The returning caller's open arrangement and its next (or missed) installment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenArrangement {
    /// Its id in the store.
    pub id: i64,
    /// `plan` or `settlement`.
    pub kind: PlanKind,
    /// The installment's sequence number.
    pub installment_seq: i64,
    /// Its amount, in cents.
    pub installment_cents: i64,
    /// Its due date.
    #[serde(with = "iso_date")]
    pub installment_due: time::Date,
    /// Whether it was declined and waits to be tried again.
    pub installment_missed: bool,
    /// The card it is charged to.
    pub card: CardLabel,
}

/// A plan or promise made on this call: its id, and what makes its confirmation one message
/// (the card attempt or the turn it was made on; only a small number, as the session is scrubbed
/// of long digit runs that a call id can hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// Its id in the store.
    pub id: i64,
    /// Its message's key on this call.
    pub message_key: i64,
}

/// Where a receipt can go for this account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReceiptChannels {
    /// By text message.
    pub text: bool,
    /// By email.
    pub email: bool,
}

/// A callback being offered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallbackOffer {
    /// The windows offered, in key order (key 1 is the first).
    #[serde(with = "windows_in_seconds")]
    pub windows: Vec<Window>,
    /// The key of the window chosen.
    pub chosen: Option<usize>,
    /// Why it was offered (`asked`, `closed`, ...).
    pub reason: String,
    /// The state it was offered at.
    pub asked_at: String,
    /// The number to call back on (E.164): caller ID until the caller gives another.
    pub phone: Option<String>,
}

impl CallbackOffer {
    /// The window the caller chose.
    pub fn chosen_window(&self) -> Option<Window> {
        self.windows.get(self.chosen?.checked_sub(1)?).copied()
    }
}

/// A spoken answer held for a yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heard {
    /// The question it answers.
    pub state: String,
    /// The keys it stands for, and how it is read back, when the question is not sensitive (a
    /// sensitive question's wait with the secrets, sealed).
    pub keys: Option<String>,
    /// See [`Heard::keys`].
    pub words: Option<String>,
}

/// A date as `YYYY-MM-DD`.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(date: &time::Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<time::Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::collections::parse_date(&text)
            .ok_or_else(|| D::Error::custom(format!("{text} is not a YYYY-MM-DD date")))
    }
}

/// An optional date as `YYYY-MM-DD`.
mod iso_date_opt {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(
        date: &Option<time::Date>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<time::Date>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| {
                crate::collections::parse_date(&text)
                    .ok_or_else(|| D::Error::custom(format!("{text} is not a YYYY-MM-DD date")))
            })
            .transpose()
    }
}

/// Windows as `start-end` pairs of seconds (`hours::encode_windows`): milliseconds would be 13
/// digits, which the session's scrub takes for a card number.
mod windows_in_seconds {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::hours::{Window, decode_windows, encode_windows};

    pub fn serialize<S: Serializer>(windows: &[Window], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&encode_windows(windows))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Window>, D::Error> {
        Ok(decode_windows(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_survive_the_session_store_and_keep_no_long_digit_runs() {
        let facts = Facts {
            answers: BTreeMap::from([(InputKind::Amount, "50*00".to_owned())]),
            promise: Some(PromiseOffer {
                latest: time::macros::date!(2026 - 12 - 04),
                smallest_cents: 4453,
                date: Some(time::macros::date!(2026 - 12 - 01)),
                cents: Some(5000),
            }),
            callback: CallbackOffer {
                windows: vec![Window {
                    start_ms: 1_795_276_800_000,
                    end_ms: 1_795_287_600_000,
                }],
                chosen: Some(1),
                reason: "asked".to_owned(),
                asked_at: "offers".to_owned(),
                phone: Some("+15552126618".to_owned()),
            },
            ..Facts::default()
        };
        let json = serde_json::to_string(&facts).expect("serialises");
        assert!(json.contains(r#""amount":"50*00""#), "{json}");
        assert!(json.contains(r#""latest":"2026-12-04""#), "{json}");
        assert!(
            !json
                .split(|c: char| !c.is_ascii_digit())
                .any(|run| run.len() >= 12),
            "{json}"
        );
        let back: Facts = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, facts);
        assert_eq!(
            back.callback.chosen_window().map(|w| w.end_ms),
            Some(1_795_287_600_000)
        );
    }

    #[test]
    fn a_session_stored_before_facts_were_typed_reads_as_knowing_nothing() {
        let facts: Facts = serde_json::from_str("{}").expect("reads");
        assert_eq!(facts, Facts::default());
    }
}
