//! A gateway that moves no money, for demos and tests.
//!
//! It answers by the public test card numbers below (the ones Stripe documents,
//! and the same list as the demo's `test-cards.csv`), and debits bank accounts by
//! Stripe's published test bank accounts ([`TEST_BANK_ACCOUNTS`], routing number
//! `110000000`) the way Stripe's test mode answers them: accepted at once, then
//! settled or failed once [`SandboxGateway::debit_settles_after`] has passed (and
//! the "not authorised" account settled, then returned [`RETURNED_AFTER_SETTLING`]
//! later).
//! Any other card or account is declined, so nobody mistakes the sandbox for a
//! real gateway. Like a real gateway it is idempotent: a repeated idempotency key
//! replays the first answer without charging again, and reusing a key for a
//! different charge is rejected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::payments::card::CardBrand;
use crate::payments::debit::{DebitStatus, ReturnCode};
use crate::payments::gateway::{
    ChargeFuture, ChargeOutcome, ChargeRequest, DeclineReason, Gateway, GatewayError,
    SaveCardRequest, SaveFuture, SaveOutcome, SavedChargeRequest, StatusFuture,
};
use crate::payments::method::{BankAccount, PaymentMethod};

/// What the sandbox does with a test card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxResult {
    Approved,
    Declined(DeclineReason),
    /// Approved while the caller is on the line, then declined for insufficient funds when
    /// charged later for a plan: the card a plan breaks on.
    ApprovedThenDeclines,
    /// Fails the Luhn check, so [`CardNumber`](crate::payments::card::CardNumber)
    /// refuses it and it never reaches a gateway; listed so demos know it.
    InvalidLuhn,
}

/// The public test numbers: number, brand, result.
pub const TEST_CARDS: &[(&str, CardBrand, SandboxResult)] = &[
    ("4242424242424242", CardBrand::Visa, SandboxResult::Approved),
    ("4000056655665556", CardBrand::Visa, SandboxResult::Approved),
    (
        "5555555555554444",
        CardBrand::Mastercard,
        SandboxResult::Approved,
    ),
    (
        "2223003122003222",
        CardBrand::Mastercard,
        SandboxResult::Approved,
    ),
    ("378282246310005", CardBrand::Amex, SandboxResult::Approved),
    (
        "6011111111111117",
        CardBrand::Discover,
        SandboxResult::Approved,
    ),
    ("3566002020360505", CardBrand::Jcb, SandboxResult::Approved),
    (
        "4000000000000002",
        CardBrand::Visa,
        SandboxResult::Declined(DeclineReason::Declined),
    ),
    (
        "4000000000009995",
        CardBrand::Visa,
        SandboxResult::Declined(DeclineReason::InsufficientFunds),
    ),
    (
        "4000000000000069",
        CardBrand::Visa,
        SandboxResult::Declined(DeclineReason::ExpiredCard),
    ),
    (
        "4000000000000127",
        CardBrand::Visa,
        SandboxResult::Declined(DeclineReason::IncorrectSecurityCode),
    ),
    (
        "4000000000000119",
        CardBrand::Visa,
        SandboxResult::Declined(DeclineReason::ProcessingError),
    ),
    (
        "4000000000000341",
        CardBrand::Visa,
        SandboxResult::ApprovedThenDeclines,
    ),
    (
        "4242424242424241",
        CardBrand::Visa,
        SandboxResult::InvalidLuhn,
    ),
];

/// What the sandbox does with a test bank account's debit, once it has had time to clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxDebit {
    /// It settles.
    Succeeds,
    /// It comes back before it settles.
    Fails(ReturnCode),
    /// It settles, then the account holder says they did not authorise it and it comes back.
    SucceedsThenReturned(ReturnCode),
}

/// The routing number of Stripe's test bank.
pub const TEST_ROUTING_NUMBER: &str = "110000000";

/// Stripe's published test bank account numbers (with [`TEST_ROUTING_NUMBER`]) and what each
/// debit does; the demo's `test-bank-accounts.csv` lists the same.
pub const TEST_BANK_ACCOUNTS: &[(&str, SandboxDebit)] = &[
    ("000123456789", SandboxDebit::Succeeds),
    ("000111111116", SandboxDebit::Fails(ReturnCode::NoAccount)),
    (
        "000111111113",
        SandboxDebit::Fails(ReturnCode::AccountClosed),
    ),
    (
        "000222222227",
        SandboxDebit::Fails(ReturnCode::InsufficientFunds),
    ),
    (
        "000333333335",
        SandboxDebit::SucceedsThenReturned(ReturnCode::NotAuthorized),
    ),
];

/// How long a sandbox debit takes to clear unless set otherwise: long enough to hear "pending"
/// in a demo, short enough to see it settle.
pub const DEBIT_SETTLES_AFTER: Duration = Duration::from_secs(120);

/// How long after it settles a debit the holder disputes comes back: a day (real unauthorised
/// returns come days or weeks later, up to 60 days).
pub const RETURNED_AFTER_SETTLING: Duration = Duration::from_secs(24 * 60 * 60);

/// What was asked under an idempotency key, to tell a replay from a misuse.
/// Holds no card data beyond what PCI DSS allows to keep (last four).
#[derive(PartialEq, Eq)]
struct Fingerprint {
    cents: i64,
    last4: String,
}

/// The sandbox gateway. Cheap to share behind an `Arc<dyn Gateway>`.
pub struct SandboxGateway {
    /// Answers by idempotency key. A std mutex suffices: it is never held
    /// across an await, and holding it for the whole decision makes two
    /// concurrent requests with one key charge once.
    answers: Mutex<HashMap<String, (Fingerprint, ChargeOutcome)>>,
    /// When debits are submitted and cleared.
    clock: Arc<dyn Clock>,
    /// How long a debit takes to clear.
    debit_settles_after: Duration,
}

impl Default for SandboxGateway {
    fn default() -> SandboxGateway {
        SandboxGateway::with_debit_clock(Arc::new(SystemClock), DEBIT_SETTLES_AFTER)
    }
}

impl SandboxGateway {
    pub fn new() -> SandboxGateway {
        SandboxGateway::default()
    }

    /// A sandbox whose bank debits clear `settles_after` their submission by `clock` (tests
    /// move the clock; `serve` takes the delay from its settings).
    pub fn with_debit_clock(clock: Arc<dyn Clock>, settles_after: Duration) -> SandboxGateway {
        SandboxGateway {
            answers: Mutex::new(HashMap::new()),
            clock,
            debit_settles_after: settles_after,
        }
    }

    /// How long a debit takes to clear.
    pub fn debit_settles_after(&self) -> Duration {
        self.debit_settles_after
    }

    /// How many distinct charges were approved (replays do not count).
    pub fn charge_count(&self) -> usize {
        self.lock()
            .values()
            .filter(|(_, outcome)| matches!(outcome, ChargeOutcome::Approved { .. }))
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Fingerprint, ChargeOutcome)>> {
        // A panic elsewhere while holding the lock leaves the map consistent
        // (every insert is a single step), so carry on with it.
        self.answers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn decide(&self, req: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        let last4 = match req.method {
            PaymentMethod::Card(card) => card.number.last4(),
            PaymentMethod::Bank(bank) => bank.number.last4(),
        };
        let fingerprint = Fingerprint {
            cents: req.amount.cents(),
            last4,
        };
        let mut answers = self.lock();
        if let Some(earlier) = answered(&answers, &req.idempotency_key, &fingerprint) {
            return earlier;
        }
        let card = match req.method {
            PaymentMethod::Card(card) => card,
            PaymentMethod::Bank(bank) => {
                let outcome = self.submit_debit(bank);
                answers.insert(req.idempotency_key.clone(), (fingerprint, outcome.clone()));
                return Ok(outcome);
            }
        };
        let result = result_of(card.number.expose_number());
        let reference = new_reference();
        let outcome = match result {
            SandboxResult::Approved | SandboxResult::ApprovedThenDeclines => {
                ChargeOutcome::Approved { reference }
            }
            SandboxResult::Declined(reason) => ChargeOutcome::Declined {
                reason,
                reference: Some(reference),
            },
            SandboxResult::InvalidLuhn => ChargeOutcome::Declined {
                reason: DeclineReason::IncorrectNumber,
                reference: Some(reference),
            },
        };
        answers.insert(req.idempotency_key.clone(), (fingerprint, outcome.clone()));
        Ok(outcome)
    }
}

impl SandboxGateway {
    /// Accepts a debit of a test bank account as clearing; its reference says how it ends and
    /// when it was submitted, so any process asked about it later answers the same (it holds
    /// no bank digits beyond the last four).
    fn submit_debit(&self, bank: &BankAccount) -> ChargeOutcome {
        let Some(ending) = debit_ending(bank) else {
            return ChargeOutcome::Declined {
                reason: DeclineReason::Declined,
                reference: Some(new_reference()),
            };
        };
        ChargeOutcome::Pending {
            reference: self.debit_reference(&ending, &bank.number.last4()),
        }
    }

    /// Keeps a test bank account: its token says how its debits end (as the account number
    /// does), with its last four only, so any process debits it the same way.
    fn keep_bank(&self, req: &crate::payments::SaveBankRequest<'_>) -> SaveOutcome {
        let bank = req.account;
        let Some(ending) = debit_ending(bank) else {
            return SaveOutcome::Declined {
                reason: DeclineReason::Declined,
            };
        };
        let digest = {
            use sha2::Digest;
            hex::encode(&sha2::Sha256::digest(req.idempotency_key.as_bytes())[..8])
        };
        SaveOutcome::Saved {
            token: format!("{BANK_TOKEN}{ending}_{}_{digest}", bank.number.last4()),
        }
    }

    /// Debits a kept test bank account: clearing, ending as its token says.
    fn debit_saved(&self, req: &SavedChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        let not_ours = || GatewayError::Rejected("not a sandbox bank token".into());
        let mut parts = req
            .token
            .strip_prefix(BANK_TOKEN)
            .ok_or_else(not_ours)?
            .split('_');
        let (Some(ending), Some(last4)) = (parts.next(), parts.next()) else {
            return Err(not_ours());
        };
        let fingerprint = Fingerprint {
            cents: req.amount.cents(),
            last4: last4.to_owned(),
        };
        let mut answers = self.lock();
        if let Some(earlier) = answered(&answers, &req.idempotency_key, &fingerprint) {
            return earlier;
        }
        let outcome = ChargeOutcome::Pending {
            reference: self.debit_reference(ending, last4),
        };
        answers.insert(req.idempotency_key.clone(), (fingerprint, outcome.clone()));
        Ok(outcome)
    }

    /// A clearing debit's reference: how it ends, when it was submitted, the last four.
    fn debit_reference(&self, ending: &str, last4: &str) -> String {
        let submitted = self.clock.now().unix_timestamp();
        format!(
            "sbx_ach_{ending}_{submitted}_{last4}_{}",
            hex::encode(rand::random::<[u8; 6]>())
        )
    }

    /// Where a debit submitted by [`SandboxGateway::submit_debit`] stands by the clock.
    fn status_of(&self, reference: &str) -> Result<DebitStatus, GatewayError> {
        let not_ours = || GatewayError::Rejected("not a sandbox debit".into());
        let mut parts = reference
            .strip_prefix("sbx_ach_")
            .ok_or_else(not_ours)?
            .split('_');
        let (Some(ending), Some(submitted)) = (parts.next(), parts.next()) else {
            return Err(not_ours());
        };
        let submitted: i64 = submitted.parse().map_err(|_| not_ours())?;
        let waited = self.clock.now().unix_timestamp() - submitted;
        let settle = i64::try_from(self.debit_settles_after.as_secs()).unwrap_or(i64::MAX);
        let cleared = waited >= settle;
        let returned = waited
            >= settle.saturating_add(
                i64::try_from(RETURNED_AFTER_SETTLING.as_secs()).unwrap_or(i64::MAX),
            );
        Ok(match ending {
            _ if !cleared => DebitStatus::Clearing,
            "ok" => DebitStatus::Succeeded,
            failed if failed.starts_with("fail") => {
                DebitStatus::Failed(ReturnCode::parse(&failed[4..]))
            }
            later if later.starts_with("ret") && returned => {
                DebitStatus::Returned(ReturnCode::parse(&later[3..]))
            }
            later if later.starts_with("ret") => DebitStatus::Succeeded,
            _ => return Err(not_ours()),
        })
    }
}

/// The answer given before under `key`, if any: the same again, or a refusal when the key is
/// reused for another charge (as a real gateway answers).
fn answered(
    answers: &HashMap<String, (Fingerprint, ChargeOutcome)>,
    key: &str,
    fingerprint: &Fingerprint,
) -> Option<Result<ChargeOutcome, GatewayError>> {
    let (first, outcome) = answers.get(key)?;
    Some(if first == fingerprint {
        Ok(outcome.clone())
    } else {
        Err(GatewayError::Rejected(
            "idempotency key reused for a different charge".into(),
        ))
    })
}

/// How a debit of a test bank account ends (`ok`, `failR03`, `retR10`), as its reference and a
/// kept account's token write it; `None` for an account the sandbox does not list.
fn debit_ending(bank: &BankAccount) -> Option<String> {
    let (_, debit) = TEST_BANK_ACCOUNTS
        .iter()
        .find(|(number, _)| *number == bank.number.expose())
        .filter(|_| bank.routing.expose() == TEST_ROUTING_NUMBER)?;
    Some(match debit {
        SandboxDebit::Succeeds => "ok".to_owned(),
        SandboxDebit::Fails(code) => format!("fail{}", code.as_str()),
        SandboxDebit::SucceedsThenReturned(code) => format!("ret{}", code.as_str()),
    })
}

/// A kept bank account's token begins so (a card's with `sbx_card_`).
const BANK_TOKEN: &str = "sbx_bank_";

/// What the sandbox does with a test card number (unlisted numbers are declined).
fn result_of(number: &str) -> SandboxResult {
    TEST_CARDS
        .iter()
        .find(|(test_number, _, _)| *test_number == number)
        .map_or(
            SandboxResult::Declined(DeclineReason::Declined),
            |&(_, _, result)| result,
        )
}

/// A saved card's token says how its later charges go, so that a token stored by one process
/// (`serve`) is charged the same way by another (`arrangements run-due`) without shared memory.
/// It holds no card data beyond the last four digits.
const TOKEN_OK: &str = "ok";
const TOKEN_LATER_DECLINES: &str = "later-declines";

impl SandboxGateway {
    fn save(&self, req: &SaveCardRequest<'_>) -> SaveOutcome {
        let behaviour = match result_of(req.card.number.expose_number()) {
            SandboxResult::Approved => TOKEN_OK,
            SandboxResult::ApprovedThenDeclines => TOKEN_LATER_DECLINES,
            SandboxResult::Declined(reason) => return SaveOutcome::Declined { reason },
            SandboxResult::InvalidLuhn => {
                return SaveOutcome::Declined {
                    reason: DeclineReason::IncorrectNumber,
                };
            }
        };
        // Derived from the idempotency key, so saving again under it gives the same token.
        let digest = {
            use sha2::Digest;
            hex::encode(&sha2::Sha256::digest(req.idempotency_key.as_bytes())[..8])
        };
        SaveOutcome::Saved {
            token: format!("sbx_card_{behaviour}_{}_{digest}", req.card.number.last4()),
        }
    }

    fn decide_saved(&self, req: &SavedChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        let mut parts = req.token.strip_prefix("sbx_card_").unwrap_or("").split('_');
        let (Some(behaviour), Some(last4)) = (parts.next(), parts.next()) else {
            return Err(GatewayError::Rejected("not a sandbox card token".into()));
        };
        let fingerprint = Fingerprint {
            cents: req.amount.cents(),
            last4: last4.to_owned(),
        };
        let mut answers = self.lock();
        if let Some(earlier) = answered(&answers, &req.idempotency_key, &fingerprint) {
            return earlier;
        }
        let reference = new_reference();
        let outcome = match behaviour {
            TOKEN_OK => ChargeOutcome::Approved { reference },
            TOKEN_LATER_DECLINES if req.caller_present => ChargeOutcome::Approved { reference },
            TOKEN_LATER_DECLINES => ChargeOutcome::Declined {
                reason: DeclineReason::InsufficientFunds,
                reference: Some(reference),
            },
            _ => return Err(GatewayError::Rejected("not a sandbox card token".into())),
        };
        answers.insert(req.idempotency_key.clone(), (fingerprint, outcome.clone()));
        Ok(outcome)
    }
}

/// `sbx_` and 16 random hex digits; the prefix makes sandbox payments obvious
/// in any record.
fn new_reference() -> String {
    format!("sbx_{}", hex::encode(rand::random::<[u8; 8]>()))
}

impl Gateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(async move { self.decide(req) })
    }

    fn save_card<'a>(&'a self, req: &'a SaveCardRequest<'_>) -> SaveFuture<'a> {
        Box::pin(async move { Ok(self.save(req)) })
    }

    fn charge_saved<'a>(&'a self, req: &'a SavedChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(async move {
            if req.token.starts_with(BANK_TOKEN) {
                self.debit_saved(req)
            } else {
                self.decide_saved(req)
            }
        })
    }

    fn keeps_cards(&self) -> bool {
        true
    }

    fn save_bank<'a>(&'a self, req: &'a crate::payments::SaveBankRequest<'_>) -> SaveFuture<'a> {
        Box::pin(async move { Ok(self.keep_bank(req)) })
    }

    fn keeps_bank_accounts(&self) -> bool {
        true
    }

    fn debits_banks(&self) -> bool {
        true
    }

    fn debit_status<'a>(&'a self, reference: &'a str) -> StatusFuture<'a> {
        Box::pin(async move { self.status_of(reference) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use time::macros::date;

    use super::*;
    use crate::payments::card::{BillingZip, CardDetails, CardNumber, Expiry, SecurityCode};
    use crate::payments::gateway::{ChargeResult, charge_with_retry};
    use crate::payments::money::Money;

    fn card(number: &str) -> CardDetails {
        let number = CardNumber::parse(number).unwrap();
        let code = if number.brand() == CardBrand::Amex {
            "1234"
        } else {
            "123"
        };
        CardDetails {
            security_code: SecurityCode::parse(code, number.brand()).unwrap(),
            number,
            expiry: Expiry::parse("1230", date!(2026 - 05 - 17)).unwrap(),
            zip: BillingZip::parse("83462").unwrap(),
        }
    }

    fn method(number: &str) -> PaymentMethod {
        PaymentMethod::Card(card(number))
    }

    fn request<'a>(method: &'a PaymentMethod, key: &str, amount: &str) -> ChargeRequest<'a> {
        ChargeRequest {
            amount: Money::parse_decimal(amount).unwrap(),
            method,
            idempotency_key: key.into(),
            description: "sandbox test".into(),
        }
    }

    #[test]
    fn table_numbers_are_what_they_claim() {
        for &(number, brand, result) in TEST_CARDS {
            match (CardNumber::parse(number), result) {
                (Err(e), SandboxResult::InvalidLuhn) => {
                    assert_eq!(e, crate::payments::card::CardError::NotValid)
                }
                (
                    Ok(card),
                    SandboxResult::Approved
                    | SandboxResult::ApprovedThenDeclines
                    | SandboxResult::Declined(_),
                ) => {
                    assert_eq!(card.brand(), brand, "{number}")
                }
                (other, _) => panic!("{number}: {:?}", other.map(|c| c.brand())),
            }
        }
    }

    /// The demo's list of test cards: what operators are told each card does. The sandbox is
    /// checked against it, not against its own table.
    const DEMO_TEST_CARDS: &str = include_str!("../../../demo/test-cards.csv");

    #[tokio::test]
    async fn every_demo_test_card_gets_the_answer_the_demo_promises() {
        let gw = SandboxGateway::new();
        let mut rows = DEMO_TEST_CARDS.lines();
        assert_eq!(rows.next(), Some("number,brand,result"));
        let mut charged = 0;
        for (i, row) in rows.enumerate() {
            let [number, brand, result] = row.split(',').collect::<Vec<_>>()[..] else {
                panic!("demo/test-cards.csv row {row:?} is not number,brand,result");
            };
            let want = match result {
                // Charged with the card present it is approved; see the saved-card test.
                "approved" | "approved_then_declines" => None,
                "declined" => Some(DeclineReason::Declined),
                "insufficient_funds" => Some(DeclineReason::InsufficientFunds),
                "expired_card" => Some(DeclineReason::ExpiredCard),
                "incorrect_cvc" => Some(DeclineReason::IncorrectSecurityCode),
                "processing_error" => Some(DeclineReason::ProcessingError),
                "invalid_luhn" => {
                    assert_eq!(
                        CardNumber::parse(number).err(),
                        Some(crate::payments::card::CardError::NotValid),
                        "{number}"
                    );
                    continue;
                }
                other => panic!("demo/test-cards.csv: unknown result {other:?} for {number}"),
            };
            let card = card(number);
            assert_eq!(card.number.brand().as_str(), brand, "{number}");
            let card = PaymentMethod::Card(card);
            let outcome = gw.charge(&request(&card, &format!("k{i}"), "5.00")).await;
            charged += 1;
            match (want, outcome) {
                (None, Ok(ChargeOutcome::Approved { reference })) => {
                    assert!(reference.starts_with("sbx_"));
                    assert_eq!(reference.len(), 4 + 16);
                }
                (Some(want), Ok(ChargeOutcome::Declined { reason, .. })) => {
                    assert_eq!(reason, want, "{number}")
                }
                (want, got) => panic!("{number}: wanted {want:?}, got {got:?}"),
            }
        }
        assert_eq!(charged, 13, "every valid demo card was tried");
        // Only approvals count as charges.
        assert_eq!(gw.charge_count(), 8);
    }

    #[tokio::test]
    async fn unlisted_numbers_are_declined() {
        let gw = SandboxGateway::new();
        let card = method("4111111111111111");
        let outcome = gw.charge(&request(&card, "k", "5.00")).await.unwrap();
        assert!(matches!(
            outcome,
            ChargeOutcome::Declined {
                reason: DeclineReason::Declined,
                ..
            }
        ));
        assert_eq!(gw.charge_count(), 0);
    }

    #[tokio::test]
    async fn repeated_key_replays_without_charging_again() {
        let gw: Arc<dyn Gateway> = Arc::new(SandboxGateway::new());
        let card = method("4242424242424242");
        let req = request(&card, "CA1-1", "10.00");
        let first = gw.charge(&req).await.unwrap();
        let second = gw.charge(&req).await.unwrap();
        assert_eq!(first, second);
        let other = gw.charge(&request(&card, "CA1-2", "10.00")).await.unwrap();
        assert_ne!(first, other);
    }

    #[tokio::test]
    async fn charge_count_counts_distinct_charges() {
        let gw = SandboxGateway::new();
        let card = method("5555555555554444");
        for _ in 0..3 {
            gw.charge(&request(&card, "same", "1.00")).await.unwrap();
        }
        assert_eq!(gw.charge_count(), 1);
        gw.charge(&request(&card, "another", "1.00")).await.unwrap();
        assert_eq!(gw.charge_count(), 2);
    }

    #[tokio::test]
    async fn key_reused_for_a_different_charge_is_rejected() {
        let gw = SandboxGateway::new();
        let card = method("4242424242424242");
        gw.charge(&request(&card, "k", "1.00")).await.unwrap();
        let err = gw.charge(&request(&card, "k", "2.00")).await.unwrap_err();
        assert!(matches!(err, GatewayError::Rejected(_)));
        assert_eq!(gw.charge_count(), 1);
    }

    #[tokio::test]
    async fn works_through_charge_with_retry() {
        let gw = SandboxGateway::new();
        let card = method("4000000000009995");
        let result =
            charge_with_retry(&gw, &request(&card, "k", "9.99"), Duration::from_secs(5)).await;
        assert!(matches!(
            result,
            ChargeResult::Declined {
                reason: DeclineReason::InsufficientFunds,
                reference: Some(_)
            }
        ));
    }

    fn bank(routing: &str, number: &str) -> PaymentMethod {
        use crate::payments::method::{AccountType, BankAccountNumber, RoutingNumber};
        PaymentMethod::Bank(BankAccount {
            routing: RoutingNumber::parse(routing).unwrap(),
            number: BankAccountNumber::parse(number).unwrap(),
            account_type: AccountType::Checking,
            holder: None,
        })
    }

    #[tokio::test]
    async fn stripes_test_bank_accounts_clear_fail_or_come_back_as_stripe_says() {
        use crate::clock::ManualClock;
        let clock = ManualClock::new(time::macros::datetime!(2026-12-06 15:00 UTC));
        let gw = SandboxGateway::with_debit_clock(Arc::new(clock.clone()), Duration::from_secs(60));
        let mut references = Vec::new();
        for (i, (number, _)) in TEST_BANK_ACCOUNTS.iter().enumerate() {
            let method = bank(TEST_ROUTING_NUMBER, number);
            let outcome = gw
                .charge(&request(&method, &format!("d{i}"), "25.00"))
                .await
                .unwrap();
            let ChargeOutcome::Pending { reference } = outcome else {
                panic!("{number}: a debit is accepted as clearing, got {outcome:?}");
            };
            // The reference names the last four at most.
            assert!(!reference.contains(&number[..8]), "{reference}");
            references.push(reference);
        }
        for reference in &references {
            assert_eq!(gw.debit_status(reference).await, Ok(DebitStatus::Clearing));
        }
        clock.advance(Duration::from_secs(60));
        let settled: Vec<_> = statuses_of(&gw, &references).await;
        assert_eq!(
            settled,
            vec![
                DebitStatus::Succeeded,
                DebitStatus::Failed(ReturnCode::NoAccount),
                DebitStatus::Failed(ReturnCode::AccountClosed),
                DebitStatus::Failed(ReturnCode::InsufficientFunds),
                DebitStatus::Succeeded,
            ]
        );
        clock.advance(RETURNED_AFTER_SETTLING);
        let later = statuses_of(&gw, &references).await;
        assert_eq!(later[0], DebitStatus::Succeeded);
        assert_eq!(later[4], DebitStatus::Returned(ReturnCode::NotAuthorized));
        // A debit is never an approval: nothing counts as charged until it clears.
        assert_eq!(gw.charge_count(), 0);
    }

    /// The demo's list of test bank accounts, as operators are told them: the sandbox is checked
    /// against it, not against its own table.
    const DEMO_TEST_BANK_ACCOUNTS: &str = include_str!("../../../demo/test-bank-accounts.csv");

    #[test]
    fn every_demo_test_bank_account_is_what_the_demo_promises() {
        let mut rows = DEMO_TEST_BANK_ACCOUNTS.lines();
        assert_eq!(rows.next(), Some("routing,account,result"));
        let mut seen = 0;
        for row in rows {
            let [routing, account, result] = row.split(',').collect::<Vec<_>>()[..] else {
                panic!("demo/test-bank-accounts.csv row {row:?} is not routing,account,result");
            };
            assert_eq!(routing, TEST_ROUTING_NUMBER);
            let want = match result {
                "succeeds" => SandboxDebit::Succeeds,
                "fails_no_account" => SandboxDebit::Fails(ReturnCode::NoAccount),
                "fails_account_closed" => SandboxDebit::Fails(ReturnCode::AccountClosed),
                "fails_insufficient_funds" => SandboxDebit::Fails(ReturnCode::InsufficientFunds),
                "succeeds_then_returned_not_authorized" => {
                    SandboxDebit::SucceedsThenReturned(ReturnCode::NotAuthorized)
                }
                other => panic!("demo/test-bank-accounts.csv: unknown result {other:?}"),
            };
            let listed = TEST_BANK_ACCOUNTS
                .iter()
                .find(|(number, _)| *number == account);
            assert_eq!(listed.map(|(_, debit)| *debit), Some(want), "{account}");
            seen += 1;
        }
        assert_eq!(seen, TEST_BANK_ACCOUNTS.len());
    }

    async fn statuses_of(gw: &SandboxGateway, references: &[String]) -> Vec<DebitStatus> {
        let mut statuses = Vec::new();
        for reference in references {
            statuses.push(gw.debit_status(reference).await.unwrap());
        }
        statuses
    }

    #[tokio::test]
    async fn other_banks_and_accounts_are_declined_and_debits_replay_by_key() {
        let gw = SandboxGateway::new();
        assert!(gw.debits_banks());
        for (routing, number) in [("021000021", "000123456789"), ("110000000", "12345678")] {
            let method = bank(routing, number);
            let outcome = gw.charge(&request(&method, number, "5.00")).await.unwrap();
            assert!(
                matches!(
                    outcome,
                    ChargeOutcome::Declined {
                        reason: DeclineReason::Declined,
                        ..
                    }
                ),
                "{routing} {number}: {outcome:?}"
            );
        }
        let method = bank(TEST_ROUTING_NUMBER, "000123456789");
        let first = gw.charge(&request(&method, "same", "5.00")).await.unwrap();
        assert_eq!(
            gw.charge(&request(&method, "same", "5.00")).await.unwrap(),
            first
        );
        assert!(gw.charge(&request(&method, "same", "6.00")).await.is_err());
        assert!(gw.debit_status("sbx_0123").await.is_err());
    }

    fn saved_charge<'a>(token: &'a str, key: &str, present: bool) -> SavedChargeRequest<'a> {
        SavedChargeRequest {
            amount: Money::parse_decimal("5.00").unwrap(),
            token,
            caller_present: present,
            idempotency_key: key.into(),
            description: "plan".into(),
        }
    }

    async fn save(gw: &SandboxGateway, number: &str, key: &str) -> SaveOutcome {
        let card = card(number);
        let req = SaveCardRequest {
            card: &card,
            idempotency_key: key.into(),
            description: "plan".into(),
        };
        gw.save_card(&req).await.unwrap()
    }

    #[tokio::test]
    async fn saved_cards_are_charged_by_token_and_the_plan_breaker_declines_later() {
        let gw = SandboxGateway::new();
        let SaveOutcome::Saved { token } = save(&gw, "4242424242424242", "s1").await else {
            panic!("a good card is kept");
        };
        assert!(!token.contains("424242424242"), "{token}");
        assert_eq!(
            save(&gw, "4242424242424242", "s1").await,
            SaveOutcome::Saved {
                token: token.clone()
            }
        );
        let first = gw
            .charge_saved(&saved_charge(&token, "c1", false))
            .await
            .unwrap();
        assert!(matches!(first, ChargeOutcome::Approved { .. }));
        assert_eq!(
            gw.charge_saved(&saved_charge(&token, "c1", false))
                .await
                .unwrap(),
            first
        );

        let SaveOutcome::Saved { token: breaker } = save(&gw, "4000000000000341", "s2").await
        else {
            panic!("the plan breaker is kept");
        };
        assert!(matches!(
            gw.charge_saved(&saved_charge(&breaker, "c2", true)).await,
            Ok(ChargeOutcome::Approved { .. })
        ));
        assert!(matches!(
            gw.charge_saved(&saved_charge(&breaker, "c3", false)).await,
            Ok(ChargeOutcome::Declined {
                reason: DeclineReason::InsufficientFunds,
                ..
            })
        ));
        assert_eq!(
            save(&gw, "4000000000000002", "s3").await,
            SaveOutcome::Declined {
                reason: DeclineReason::Declined
            }
        );
        assert!(
            gw.charge_saved(&saved_charge("cus_1:pm_1", "c4", false))
                .await
                .is_err()
        );
    }
}
