//! A gateway that moves no money, for demos and tests.
//!
//! It answers by the public test card numbers below (the ones Stripe documents,
//! and the same list as the demo's `test-cards.csv`). Any other number is
//! declined, so nobody mistakes the sandbox for a real gateway. Like a real
//! gateway it is idempotent: a repeated idempotency key replays the first
//! answer without charging again, and reusing a key for a different charge is
//! rejected.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::payments::card::CardBrand;
use crate::payments::gateway::{
    ChargeFuture, ChargeOutcome, ChargeRequest, DeclineReason, Gateway, GatewayError,
    SaveCardRequest, SaveFuture, SaveOutcome, SavedChargeRequest,
};
use crate::payments::method::PaymentMethod;

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

/// What was asked under an idempotency key, to tell a replay from a misuse.
/// Holds no card data beyond what PCI DSS allows to keep (last four).
#[derive(PartialEq, Eq)]
struct Fingerprint {
    cents: i64,
    last4: String,
}

/// The sandbox gateway. Cheap to share behind an `Arc<dyn Gateway>`.
#[derive(Default)]
pub struct SandboxGateway {
    /// Answers by idempotency key. A std mutex suffices: it is never held
    /// across an await, and holding it for the whole decision makes two
    /// concurrent requests with one key charge once.
    answers: Mutex<HashMap<String, (Fingerprint, ChargeOutcome)>>,
}

impl SandboxGateway {
    pub fn new() -> SandboxGateway {
        SandboxGateway::default()
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
        let card = match req.method {
            PaymentMethod::Card(card) => card,
            // Bank debits arrive with the next gateway work; until then, refused as such.
            PaymentMethod::Bank(_) => return Err(GatewayError::unsupported("bank debits")),
        };
        let fingerprint = Fingerprint {
            cents: req.amount.cents(),
            last4: card.number.last4(),
        };
        let mut answers = self.lock();
        if let Some((first, outcome)) = answers.get(&req.idempotency_key) {
            if *first != fingerprint {
                return Err(GatewayError::Rejected(
                    "idempotency key reused for a different charge".into(),
                ));
            }
            return Ok(outcome.clone());
        }
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
        if let Some((first, outcome)) = answers.get(&req.idempotency_key) {
            if *first != fingerprint {
                return Err(GatewayError::Rejected(
                    "idempotency key reused for a different charge".into(),
                ));
            }
            return Ok(outcome.clone());
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
        Box::pin(async move { self.decide_saved(req) })
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

    #[tokio::test]
    async fn bank_debits_are_refused_as_unsupported_without_a_charge() {
        use crate::payments::method::{AccountType, BankAccount, BankAccountNumber, RoutingNumber};
        let gw = SandboxGateway::new();
        let bank = PaymentMethod::Bank(BankAccount {
            routing: RoutingNumber::parse("110000000").unwrap(),
            number: BankAccountNumber::parse("000123456789").unwrap(),
            account_type: AccountType::Checking,
            holder: None,
        });
        let err = gw.charge(&request(&bank, "b", "5.00")).await.unwrap_err();
        assert_eq!(
            err,
            GatewayError::Rejected("bank debits are not supported by this gateway".into())
        );
        assert!(!err.to_string().contains("6789"), "{err}");
        assert_eq!(gw.charge_count(), 0);
        // Through the one charging path it is a processing error for the caller, never a panic.
        let result =
            charge_with_retry(&gw, &request(&bank, "b", "5.00"), Duration::from_secs(5)).await;
        assert_eq!(
            result,
            ChargeResult::Declined {
                reason: DeclineReason::ProcessingError,
                reference: None
            }
        );
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
