//! The payment gateway interface, and the one rule every charge goes through:
//! a timeout is not a decline.
//!
//! When a gateway does not answer in time we cannot know whether the card was
//! charged. Telling the caller "declined" could make them pay twice with another
//! card; charging again could charge them twice. So [`charge_with_retry`] retries
//! exactly once with the *same* idempotency key (the gateway replays its first
//! answer instead of charging again), and if that is still unanswered it reports
//! [`ChargeResult::Unknown`]: the caller is told we will confirm, and nothing
//! may charge this payment again.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::payments::card::CardDetails;
use crate::payments::debit::DebitStatus;
use crate::payments::method::PaymentMethod;
use crate::payments::money::Money;

/// One charge to make.
#[derive(Debug)]
pub struct ChargeRequest<'a> {
    /// How much to take.
    pub amount: Money,
    /// The card or bank account (its `Debug` masks it, so this struct may be debug-printed).
    pub method: &'a PaymentMethod,
    /// Stable for this payment across retries and restarts (e.g. derived from
    /// the call id and payment attempt), so the gateway charges at most once.
    pub idempotency_key: String,
    /// Shown to the merchant in the gateway's dashboard; no card data.
    pub description: String,
}

/// The gateway's definite answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// Money was taken; `reference` is the gateway's id for the payment.
    Approved { reference: String },
    /// Accepted but not yet settled (a bank debit clears in days; Stripe calls it
    /// `processing`): the payment is recorded `pending` and the reconciler learns its end.
    Pending { reference: String },
    /// The card was refused; nothing was taken.
    Declined {
        reason: DeclineReason,
        reference: Option<String>,
    },
}

/// Why a card was refused, coarse enough to choose what to tell the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclineReason {
    /// Refused with no more specific reason (includes "do not honor" and fraud).
    Declined,
    InsufficientFunds,
    ExpiredCard,
    IncorrectSecurityCode,
    /// The gateway or issuer failed to process it; trying again may work.
    ProcessingError,
    IncorrectNumber,
}

impl DeclineReason {
    /// A stable snake_case code, e.g. `"insufficient_funds"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::Declined => "declined",
            DeclineReason::InsufficientFunds => "insufficient_funds",
            DeclineReason::ExpiredCard => "expired_card",
            DeclineReason::IncorrectSecurityCode => "incorrect_security_code",
            DeclineReason::ProcessingError => "processing_error",
            DeclineReason::IncorrectNumber => "incorrect_number",
        }
    }
}

/// A charge attempt that got no definite answer. Messages are built only from
/// status codes and gateway error codes, never from request bodies or card data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// No answer in time: the charge may or may not have happened.
    #[error("the payment gateway timed out")]
    Timeout,
    /// Could not reach the gateway, or it failed (5xx, rate limit, connection
    /// dropped): the charge may or may not have happened.
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the request itself (bad request, bad credentials):
    /// nothing was charged, and repeating it would not help.
    #[error("the payment gateway rejected the request: {0}")]
    Rejected(String),
}

impl GatewayError {
    /// The answer of a gateway asked to charge a kind of method it cannot (nothing was
    /// charged): `what` names it, e.g. `"bank debits"`.
    pub fn unsupported(what: &str) -> GatewayError {
        GatewayError::Rejected(format!("{what} are not supported by this gateway"))
    }
}

/// The future a [`Gateway`] returns: boxed so the trait stays dyn-compatible
/// (`Arc<dyn Gateway>`) without the `async-trait` crate.
pub type ChargeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ChargeOutcome, GatewayError>> + Send + 'a>>;

/// A card to keep at the gateway for later charges (a payment plan's installments). Only the
/// gateway's token for it is ever stored by us.
#[derive(Debug)]
pub struct SaveCardRequest<'a> {
    /// The card (masked in `Debug`).
    pub card: &'a CardDetails,
    /// Stable across retries, so the card is saved once.
    pub idempotency_key: String,
    /// Shown to the merchant with the saved card; no card data.
    pub description: String,
}

/// A bank account to keep at the gateway for later debits (each authorised on its own call).
#[derive(Debug)]
pub struct SaveBankRequest<'a> {
    /// The account (its `Debug` shows none of its digits).
    pub account: &'a crate::payments::BankAccount,
    /// Stable across retries, so the account is kept once.
    pub idempotency_key: String,
    /// Shown to the merchant with the kept account; no bank data.
    pub description: String,
}

/// The gateway's answer to saving a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Kept; `token` charges it later (Stripe: `cus_...:pm_...`). Never card data.
    Saved { token: String },
    /// The card was refused; nothing was kept.
    Declined { reason: DeclineReason },
}

/// A charge of a card saved earlier.
#[derive(Debug)]
pub struct SavedChargeRequest<'a> {
    /// How much to take.
    pub amount: Money,
    /// The gateway's token from [`SaveOutcome::Saved`].
    pub token: &'a str,
    /// Whether the cardholder is on the line (the first installment) or not (a scheduled one:
    /// an off-session charge under the authorisation they gave).
    pub caller_present: bool,
    /// Stable for this installment attempt across retries, runs and instances.
    pub idempotency_key: String,
    /// Shown to the merchant; no card data.
    pub description: String,
}

/// The future [`Gateway::save_card`] returns.
pub type SaveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SaveOutcome, GatewayError>> + Send + 'a>>;

/// The future [`Gateway::debit_status`] returns.
pub type StatusFuture<'a> =
    Pin<Box<dyn Future<Output = Result<DebitStatus, GatewayError>> + Send + 'a>>;

/// The gateway's own card form, run in the payer's browser (Stripe.js and Elements), so a card
/// number typed on a pay link's page goes to the gateway and never to this service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserCardForm {
    /// The public key the form identifies the merchant with (`pk_...`).
    pub publishable_key: String,
    /// The gateway's script (`https://js.stripe.com/v3/`).
    pub script_url: String,
    /// Where the script runs its frames and sends its requests, for the page's
    /// Content-Security-Policy (`https://js.stripe.com`, `https://api.stripe.com`).
    pub origins: Vec<String>,
}

/// A card to be entered into the browser form: the gateway prepares it, the form completes it.
#[derive(Debug)]
pub struct CardSetupRequest {
    /// Stable for this form across retries and re-sends: the same setup is answered again.
    pub idempotency_key: String,
    /// Kept for later charges made without the payer present (a plan's installments); else the
    /// card is for one payment, made while the payer waits.
    pub for_later: bool,
    /// Shown to the merchant; no card data.
    pub description: String,
}

/// A setup the browser form completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSetup {
    /// The gateway's id for it (`seti_...`).
    pub reference: String,
    /// What the browser form completes it with; it allows nothing else.
    pub client_secret: String,
}

/// A card a browser form entered, as the gateway answers for it: the token
/// [`Gateway::charge_saved`] charges, and what may be shown of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnteredCard {
    /// Entered and kept.
    Entered {
        /// Charges it (never card data).
        token: String,
        /// The brand's code as the gateway names it (`visa`).
        brand: String,
        /// The last four digits.
        last4: String,
    },
    /// The form was not completed, or the card was refused while it was entered.
    NotEntered,
}

/// The future [`Gateway::finish_card_setup`] returns.
pub type EnteredFuture<'a> =
    Pin<Box<dyn Future<Output = Result<EnteredCard, GatewayError>> + Send + 'a>>;

/// The future [`Gateway::start_card_setup`] returns.
pub type SetupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<CardSetup, GatewayError>> + Send + 'a>>;

/// A payment processor.
pub trait Gateway: Send + Sync {
    /// A short name for logs and records, e.g. `"stripe"`.
    fn name(&self) -> &'static str;

    /// Makes one charge attempt. Must be idempotent on `req.idempotency_key`:
    /// a repeat returns the first answer without charging again.
    fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a>;

    /// Keeps a card for later charges. Idempotent on `req.idempotency_key`. A gateway that
    /// cannot keep cards refuses, and payment plans are then not offered by it.
    fn save_card<'a>(&'a self, req: &'a SaveCardRequest<'_>) -> SaveFuture<'a> {
        let _ = req;
        Box::pin(async {
            Err(GatewayError::Rejected(
                "this gateway does not keep cards".into(),
            ))
        })
    }

    /// Keeps a bank account for later debits (a saved card's [`SaveOutcome`]). Idempotent on
    /// `req.idempotency_key`. A gateway that cannot keep accounts refuses.
    fn save_bank<'a>(&'a self, req: &'a SaveBankRequest<'_>) -> SaveFuture<'a> {
        let _ = req;
        Box::pin(async {
            Err(GatewayError::Rejected(
                "this gateway does not keep bank accounts".into(),
            ))
        })
    }

    /// Whether [`Gateway::save_bank`] keeps bank accounts, which [`Gateway::charge_saved`]
    /// then debits (answering [`ChargeOutcome::Pending`] until it clears).
    fn keeps_bank_accounts(&self) -> bool {
        false
    }

    /// Charges a saved card. Idempotent on `req.idempotency_key`.
    fn charge_saved<'a>(&'a self, req: &'a SavedChargeRequest<'_>) -> ChargeFuture<'a> {
        let _ = req;
        Box::pin(async {
            Err(GatewayError::Rejected(
                "this gateway does not keep cards".into(),
            ))
        })
    }

    /// Whether [`Gateway::save_card`] keeps cards (for plans and cards on file).
    fn keeps_cards(&self) -> bool {
        false
    }

    /// Whether [`Gateway::charge`] takes bank accounts (answering a debit
    /// [`ChargeOutcome::Pending`] until it clears). The line offers bank debits only then.
    fn debits_banks(&self) -> bool {
        false
    }

    /// The gateway's own card form for a browser, when it has one (a pay link's page then
    /// takes cards through it).
    fn browser_card_form(&self) -> Option<&BrowserCardForm> {
        None
    }

    /// Prepares a card to be entered into [`Gateway::browser_card_form`]. Idempotent on
    /// `req.idempotency_key`.
    fn start_card_setup<'a>(&'a self, req: &'a CardSetupRequest) -> SetupFuture<'a> {
        let _ = req;
        Box::pin(async { Err(GatewayError::unsupported("browser card forms")) })
    }

    /// The card the browser form entered into setup `reference`.
    fn finish_card_setup<'a>(&'a self, reference: &'a str) -> EnteredFuture<'a> {
        let _ = reference;
        Box::pin(async { Err(GatewayError::unsupported("browser card forms")) })
    }

    /// Where the bank debit it accepted as `reference` stands now. A gateway that pushes events
    /// (Stripe's signed webhooks) still answers this, so a missed event is caught up.
    fn debit_status<'a>(&'a self, reference: &'a str) -> StatusFuture<'a> {
        let _ = reference;
        Box::pin(async { Err(GatewayError::unsupported("bank debits")) })
    }
}

/// What the call flow acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeResult {
    Approved {
        reference: String,
    },
    /// Accepted, not yet settled: the caller is told it is accepted; the reconciler settles it.
    Pending {
        reference: String,
    },
    Declined {
        reason: DeclineReason,
        reference: Option<String>,
    },
    /// We could not learn whether the card was charged. Tell the caller we will
    /// confirm; never charge this payment again. `detail` is for operators.
    Unknown {
        detail: String,
    },
}

/// How many times a charge is sent at most: the first try plus one retry.
const ATTEMPTS: u32 = 2;

/// Charges through `gateway`, allowing `timeout` per attempt.
///
/// A timeout or an unreachable gateway is retried once, immediately (the caller
/// is waiting on the line, and the shared idempotency key makes the retry safe);
/// if that fails too the result is [`ChargeResult::Unknown`]. So this takes at
/// most about twice `timeout`.
///
/// A request the gateway rejected outright ([`GatewayError::Rejected`]) charged
/// nothing, so it becomes a [`DeclineReason::ProcessingError`] decline without a
/// retry, and is logged for operators.
pub async fn charge_with_retry(
    gateway: &dyn Gateway,
    req: &ChargeRequest<'_>,
    timeout: Duration,
) -> ChargeResult {
    with_retry(gateway, &req.idempotency_key, timeout, || {
        gateway.charge(req)
    })
    .await
}

/// Charges a saved card the way [`charge_with_retry`] charges a card: a timeout is retried once
/// under the same key, and is never a decline.
pub async fn charge_saved_with_retry(
    gateway: &dyn Gateway,
    req: &SavedChargeRequest<'_>,
    timeout: Duration,
) -> ChargeResult {
    with_retry(gateway, &req.idempotency_key, timeout, || {
        gateway.charge_saved(req)
    })
    .await
}

/// Saves a card, retrying once under the same key when the gateway does not answer. Saving moves
/// no money, so an answer that never comes is a processing error the caller can try again.
pub async fn save_card_with_retry(
    gateway: &dyn Gateway,
    req: &SaveCardRequest<'_>,
    timeout: Duration,
) -> SaveOutcome {
    keep_with_retry(gateway, "a card", timeout, || gateway.save_card(req)).await
}

/// Keeps a bank account through `gateway`, as [`save_card_with_retry`] keeps a card.
pub async fn save_bank_with_retry(
    gateway: &dyn Gateway,
    req: &SaveBankRequest<'_>,
    timeout: Duration,
) -> SaveOutcome {
    keep_with_retry(gateway, "a bank account", timeout, || {
        gateway.save_bank(req)
    })
    .await
}

/// Asks `gateway` to keep `what`, allowing `timeout` a try and trying once more after no
/// answer (the key makes a second try keep it once); a refusal or no answer keeps nothing.
async fn keep_with_retry<'g, F>(
    gateway: &'g dyn Gateway,
    what: &str,
    timeout: Duration,
    send: F,
) -> SaveOutcome
where
    F: Fn() -> SaveFuture<'g>,
{
    for attempt in 1..=ATTEMPTS {
        let answer = match tokio::time::timeout(timeout, send()).await {
            Ok(answer) => answer,
            Err(_elapsed) => Err(GatewayError::Timeout),
        };
        match answer {
            Ok(outcome) => return outcome,
            Err(GatewayError::Rejected(why)) => {
                tracing::error!(gateway = gateway.name(), %why, what, "gateway refused to keep it");
                break;
            }
            Err(error) => tracing::warn!(
                gateway = gateway.name(),
                attempt,
                %error,
                what,
                "no answer from the gateway while keeping it"
            ),
        }
    }
    SaveOutcome::Declined {
        reason: DeclineReason::ProcessingError,
    }
}

async fn with_retry<'g, F>(
    gateway: &'g dyn Gateway,
    idempotency_key: &str,
    timeout: Duration,
    send: F,
) -> ChargeResult
where
    F: Fn() -> ChargeFuture<'g>,
{
    let mut detail = String::new();
    for attempt in 1..=ATTEMPTS {
        let answer = match tokio::time::timeout(timeout, send()).await {
            Ok(answer) => answer,
            Err(_elapsed) => Err(GatewayError::Timeout),
        };
        match answer {
            Ok(ChargeOutcome::Approved { reference }) => {
                return ChargeResult::Approved { reference };
            }
            Ok(ChargeOutcome::Pending { reference }) => {
                return ChargeResult::Pending { reference };
            }
            Ok(ChargeOutcome::Declined { reason, reference }) => {
                return ChargeResult::Declined { reason, reference };
            }
            Err(GatewayError::Rejected(why)) => {
                tracing::error!(
                    gateway = gateway.name(),
                    idempotency_key,
                    %why,
                    "gateway rejected the charge request"
                );
                return ChargeResult::Declined {
                    reason: DeclineReason::ProcessingError,
                    reference: None,
                };
            }
            Err(unanswered @ (GatewayError::Timeout | GatewayError::Unavailable(_))) => {
                tracing::warn!(
                    gateway = gateway.name(),
                    idempotency_key,
                    attempt,
                    error = %unanswered,
                    "no definite answer from the gateway"
                );
                detail = unanswered.to_string();
            }
        }
    }
    ChargeResult::Unknown {
        detail: format!("{} after {ATTEMPTS} attempts: {detail}", gateway.name()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use time::macros::date;

    use super::*;
    use crate::payments::card::{BillingZip, CardBrand, CardNumber, Expiry, SecurityCode};

    /// What the fake does on each call, in order.
    enum Step {
        Answer(Result<ChargeOutcome, GatewayError>),
        /// Never answers (a hung connection).
        Hang,
    }

    struct FakeGateway {
        steps: Mutex<VecDeque<Step>>,
        /// Idempotency keys seen, one per call.
        keys: Mutex<Vec<String>>,
    }

    impl FakeGateway {
        fn new(steps: Vec<Step>) -> FakeGateway {
            FakeGateway {
                steps: Mutex::new(steps.into()),
                keys: Mutex::new(Vec::new()),
            }
        }

        fn keys(&self) -> Vec<String> {
            self.keys.lock().unwrap().clone()
        }
    }

    impl Gateway for FakeGateway {
        fn name(&self) -> &'static str {
            "fake"
        }

        fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
            self.keys.lock().unwrap().push(req.idempotency_key.clone());
            let step = self.steps.lock().unwrap().pop_front();
            Box::pin(async move {
                match step {
                    Some(Step::Answer(answer)) => answer,
                    Some(Step::Hang) => std::future::pending().await,
                    None => panic!("charged more often than the test allows"),
                }
            })
        }
    }

    fn approved() -> Step {
        Step::Answer(Ok(ChargeOutcome::Approved {
            reference: "ref_1".into(),
        }))
    }

    fn card() -> CardDetails {
        CardDetails {
            number: CardNumber::parse("4242424242424242").unwrap(),
            expiry: Expiry::parse("1230", date!(2026 - 05 - 17)).unwrap(),
            security_code: SecurityCode::parse("123", CardBrand::Visa).unwrap(),
            zip: BillingZip::parse("83462").unwrap(),
        }
    }

    async fn run(gateway: &FakeGateway) -> ChargeResult {
        let card = PaymentMethod::Card(card());
        let req = ChargeRequest {
            amount: Money::parse_decimal("12.34").unwrap(),
            method: &card,
            idempotency_key: "CA1-pay-1".into(),
            description: "test".into(),
        };
        charge_with_retry(gateway, &req, Duration::from_secs(10)).await
    }

    #[tokio::test(start_paused = true)]
    async fn approval_on_first_try_is_not_retried() {
        let gw = FakeGateway::new(vec![approved()]);
        assert_eq!(
            run(&gw).await,
            ChargeResult::Approved {
                reference: "ref_1".into()
            }
        );
        assert_eq!(gw.keys().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_once_then_retried_with_the_same_key() {
        let gw = FakeGateway::new(vec![Step::Hang, approved()]);
        let started = tokio::time::Instant::now();
        assert!(matches!(run(&gw).await, ChargeResult::Approved { .. }));
        assert_eq!(gw.keys(), vec!["CA1-pay-1", "CA1-pay-1"]);
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn gateway_reported_timeout_is_retried() {
        let gw = FakeGateway::new(vec![Step::Answer(Err(GatewayError::Timeout)), approved()]);
        assert!(matches!(run(&gw).await, ChargeResult::Approved { .. }));
        assert_eq!(gw.keys().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_twice_is_unknown_never_declined() {
        let gw = FakeGateway::new(vec![
            Step::Answer(Err(GatewayError::Timeout)),
            Step::Answer(Err(GatewayError::Timeout)),
        ]);
        let result = run(&gw).await;
        assert!(
            matches!(&result, ChargeResult::Unknown { detail } if detail.contains("timed out")),
            "{result:?}"
        );
        // Exactly two tries: the fake panics on a third.
        assert_eq!(gw.keys(), vec!["CA1-pay-1", "CA1-pay-1"]);
    }

    #[tokio::test(start_paused = true)]
    async fn hanging_gateway_gives_unknown_after_two_timeouts() {
        let gw = FakeGateway::new(vec![Step::Hang, Step::Hang]);
        let started = tokio::time::Instant::now();
        assert!(matches!(run(&gw).await, ChargeResult::Unknown { .. }));
        assert_eq!(started.elapsed(), Duration::from_secs(20));
        assert_eq!(gw.keys().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn connection_failure_is_retried_then_unknown() {
        let gw = FakeGateway::new(vec![
            Step::Answer(Err(GatewayError::Unavailable("connect failed".into()))),
            Step::Hang,
        ]);
        assert!(matches!(run(&gw).await, ChargeResult::Unknown { .. }));
        assert_eq!(gw.keys().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn pending_is_final_and_not_retried() {
        let gw = FakeGateway::new(vec![Step::Answer(Ok(ChargeOutcome::Pending {
            reference: "ref_3".into(),
        }))]);
        assert_eq!(
            run(&gw).await,
            ChargeResult::Pending {
                reference: "ref_3".into()
            }
        );
        assert_eq!(gw.keys().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn decline_is_final() {
        let gw = FakeGateway::new(vec![Step::Answer(Ok(ChargeOutcome::Declined {
            reason: DeclineReason::InsufficientFunds,
            reference: Some("ref_2".into()),
        }))]);
        assert_eq!(
            run(&gw).await,
            ChargeResult::Declined {
                reason: DeclineReason::InsufficientFunds,
                reference: Some("ref_2".into())
            }
        );
        assert_eq!(gw.keys().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn rejected_request_is_a_processing_error_without_retry() {
        let gw = FakeGateway::new(vec![Step::Answer(Err(GatewayError::Rejected(
            "401".into(),
        )))]);
        assert_eq!(
            run(&gw).await,
            ChargeResult::Declined {
                reason: DeclineReason::ProcessingError,
                reference: None
            }
        );
        assert_eq!(gw.keys().len(), 1);
    }

    #[test]
    fn decline_reason_codes() {
        assert_eq!(DeclineReason::Declined.as_str(), "declined");
        assert_eq!(
            DeclineReason::InsufficientFunds.as_str(),
            "insufficient_funds"
        );
        assert_eq!(DeclineReason::ExpiredCard.as_str(), "expired_card");
        assert_eq!(
            DeclineReason::IncorrectSecurityCode.as_str(),
            "incorrect_security_code"
        );
        assert_eq!(DeclineReason::ProcessingError.as_str(), "processing_error");
        assert_eq!(DeclineReason::IncorrectNumber.as_str(), "incorrect_number");
    }

    #[test]
    fn charge_request_debug_masks_the_card() {
        let card = PaymentMethod::Card(card());
        let req = ChargeRequest {
            amount: Money::parse_decimal("1.00").unwrap(),
            method: &card,
            idempotency_key: "k".into(),
            description: "d".into(),
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("4242424242424242"), "{shown}");
        assert!(shown.contains("424242******4242"), "{shown}");
    }
}
