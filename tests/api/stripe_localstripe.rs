//! The Stripe gateway against localstripe, a local fake of Stripe's API.
//!
//! Each test starts its own localstripe on a free port through
//! `tests/support/localstripe_shim.py`, which runs localstripe's own server with
//! the Stripe behaviours it lacks patched in (idempotency keys, declines with
//! Stripe's codes at confirmation, `description`); see that file. One test runs
//! it `--plain`, to show the gateway also works with localstripe unpatched.
//!
//! Saved cards (Customer, PaymentMethod attach, PaymentIntent with `customer` and
//! `off_session`) need no patch: localstripe 1.15 takes those requests as Stripe
//! documents them. It declines Stripe's decline test cards when they are
//! attached, and 4000000000000341 only when it is charged.
//!
//! Needs `pip install localstripe`. Without it these tests are not run (listed at
//! the end), unless `IVRPAY_REQUIRE_LOCALSTRIPE=1`, when they fail instead.

use crate::common;

use std::time::Duration;

use common::localstripe::{LocalStripe, Mode, start};

use ivrpay::payments::PaymentMethod;
use ivrpay::payments::card::{BillingZip, CardDetails, CardNumber, Expiry, SecurityCode};
use ivrpay::payments::gateway::{
    ChargeRequest, ChargeResult, DeclineReason, Gateway, GatewayError, SaveCardRequest,
    SaveOutcome, SavedChargeRequest, charge_saved_with_retry, charge_with_retry,
    save_card_with_retry,
};
use ivrpay::payments::money::Money;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A card expiring in December three years from now, valid today.
fn card(number: &str, code: &str) -> CardDetails {
    let today = time::OffsetDateTime::now_utc().date();
    let number = CardNumber::parse(number).unwrap();
    CardDetails {
        security_code: SecurityCode::parse(code, number.brand()).unwrap(),
        number,
        expiry: Expiry::parse(&format!("12{:02}", (today.year() + 3) % 100), today).unwrap(),
        zip: BillingZip::parse("83462").unwrap(),
    }
}

fn request<'a>(method: &'a PaymentMethod, key: &str, description: &str) -> ChargeRequest<'a> {
    ChargeRequest {
        amount: Money::parse_decimal("44.53").unwrap(),
        method,
        idempotency_key: key.into(),
        description: description.into(),
    }
}

/// Charges `number` and returns the result.
async fn charge(server: &LocalStripe, number: &str) -> ChargeResult {
    let card = PaymentMethod::Card(card(number, "123"));
    let req = request(&card, &format!("CA-{number}"), "ivrpay test payment");
    charge_with_retry(&server.gateway(), &req, TIMEOUT).await
}

async fn assert_declined(number: &str, want: DeclineReason) {
    let server = start(Mode::StripeLike).await;
    match charge(&server, number).await {
        ChargeResult::Declined { reason, reference } => {
            assert_eq!(reason, want, "{number}");
            let reference = reference.expect("a decline names the payment");
            assert!(reference.starts_with("pi_"), "{reference}");
            let intent = server
                .get(&format!("/v1/payment_intents/{reference}"))
                .await;
            assert_eq!(intent["status"], "requires_payment_method");
        }
        other => panic!("{number}: {other:?}"),
    }
}

async_test!(approved_card_is_charged, needs: [LocalStripe]);
async fn approved_card_is_charged() {
    let server = start(Mode::StripeLike).await;
    let ChargeResult::Approved { reference } = charge(&server, "4242424242424242").await else {
        panic!("not approved");
    };
    let intent = server
        .get(&format!("/v1/payment_intents/{reference}"))
        .await;
    assert_eq!(intent["status"], "succeeded");
    assert_eq!(intent["amount"], 4453);
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["description"], "ivrpay test payment");
    let pm = server
        .get(&format!(
            "/v1/payment_methods/{}",
            intent["payment_method"].as_str().unwrap()
        ))
        .await;
    assert_eq!(pm["card"]["last4"], "4242");
    assert_eq!(pm["billing_details"]["address"]["postal_code"], "83462");
}

async_test!(declined_card_is_declined, needs: [LocalStripe]);
async fn declined_card_is_declined() {
    assert_declined("4000000000000002", DeclineReason::Declined).await;
}

async_test!(insufficient_funds_is_reported, needs: [LocalStripe]);
async fn insufficient_funds_is_reported() {
    assert_declined("4000000000009995", DeclineReason::InsufficientFunds).await;
}

async_test!(expired_card_is_reported, needs: [LocalStripe]);
async fn expired_card_is_reported() {
    assert_declined("4000000000000069", DeclineReason::ExpiredCard).await;
}

async_test!(incorrect_security_code_is_reported, needs: [LocalStripe]);
async fn incorrect_security_code_is_reported() {
    assert_declined("4000000000000127", DeclineReason::IncorrectSecurityCode).await;
}

async_test!(processing_error_is_reported, needs: [LocalStripe]);
async fn processing_error_is_reported() {
    assert_declined("4000000000000119", DeclineReason::ProcessingError).await;
}

async_test!(same_idempotency_key_twice_charges_once, needs: [LocalStripe]);
async fn same_idempotency_key_twice_charges_once() {
    let server = start(Mode::StripeLike).await;
    let gateway = server.gateway();
    let card = PaymentMethod::Card(card("4242424242424242", "123"));
    let req = request(&card, "CA42-payment-1", "ivrpay test payment");

    let first = charge_with_retry(&gateway, &req, TIMEOUT).await;
    let second = charge_with_retry(&gateway, &req, TIMEOUT).await;

    let ChargeResult::Approved { reference } = &first else {
        panic!("{first:?}");
    };
    assert_eq!(first, second, "the repeat replays the first answer");
    let intents = server.payment_intents().await;
    assert_eq!(intents.len(), 1, "one charge at localstripe");
    assert_eq!(intents[0]["id"], reference.as_str());

    // A new key is a new payment.
    let third = charge_with_retry(
        &gateway,
        &request(&card, "CA42-payment-2", "ivrpay test payment"),
        TIMEOUT,
    )
    .await;
    assert!(matches!(third, ChargeResult::Approved { .. }), "{third:?}");
    assert_ne!(third, first);
    assert_eq!(server.payment_intents().await.len(), 2);
}

async_test!(plain_localstripe_approves_and_declines, needs: [LocalStripe]);
async fn plain_localstripe_approves_and_declines() {
    let server = start(Mode::Plain).await;
    let gateway = server.gateway();
    // Plain localstripe refuses a `description`; an empty one is not sent.
    let good = PaymentMethod::Card(card("4242424242424242", "123"));
    let approved = charge_with_retry(&gateway, &request(&good, "plain-1", ""), TIMEOUT).await;
    assert!(
        matches!(approved, ChargeResult::Approved { .. }),
        "{approved:?}"
    );
    // The one number plain localstripe declines when charged.
    let bad = PaymentMethod::Card(card("4000000000000341", "123"));
    let declined = charge_with_retry(&gateway, &request(&bad, "plain-2", ""), TIMEOUT).await;
    assert!(
        matches!(
            declined,
            ChargeResult::Declined {
                reason: DeclineReason::Declined,
                reference: Some(_)
            }
        ),
        "{declined:?}"
    );
}

async_test!(refused_request_is_rejected_without_card_data, needs: [LocalStripe]);
async fn refused_request_is_rejected_without_card_data() {
    let server = start(Mode::StripeLike).await;
    // localstripe only takes 16-digit numbers and 3-digit codes, so it refuses
    // this (valid) Amex card with a 400: a handy refused request.
    let number = "378282246310005";
    let amex = PaymentMethod::Card(card(number, "7373"));
    let err = server
        .gateway()
        .charge(&request(&amex, "amex-1", "ivrpay test payment"))
        .await
        .unwrap_err();
    let GatewayError::Rejected(detail) = &err else {
        panic!("{err:?}");
    };
    assert!(detail.contains("400"), "{detail}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(number) && !text.contains("7373"), "{text}");
    }
    assert!(server.payment_intents().await.is_empty());
}

/// Saves `number` at localstripe under `key` and returns the outcome.
async fn save(server: &LocalStripe, number: &str, key: &str) -> SaveOutcome {
    let card = card(number, "123");
    let req = SaveCardRequest {
        card: &card,
        idempotency_key: key.into(),
        description: "ivrpay plan".into(),
    };
    save_card_with_retry(&server.gateway(), &req, TIMEOUT).await
}

/// Charges a saved card $25.00 under `key`.
async fn charge_saved(
    server: &LocalStripe,
    token: &str,
    key: &str,
    caller_present: bool,
    description: &str,
) -> ChargeResult {
    let req = SavedChargeRequest {
        amount: Money::parse_decimal("25.00").unwrap(),
        token,
        caller_present,
        idempotency_key: key.into(),
        description: description.into(),
    };
    charge_saved_with_retry(&server.gateway(), &req, TIMEOUT).await
}

fn saved_token(outcome: SaveOutcome) -> String {
    match outcome {
        SaveOutcome::Saved { token } => token,
        other => panic!("not saved: {other:?}"),
    }
}

async_test!(saved_card_is_charged_off_session_once_per_key, needs: [LocalStripe]);
async fn saved_card_is_charged_off_session_once_per_key() {
    let server = start(Mode::StripeLike).await;
    let token = saved_token(save(&server, "4242424242424242", "CA7-plan-1").await);
    let (customer, payment_method) = token.split_once(':').expect("cus:pm");
    assert!(customer.starts_with("cus_"), "{token}");
    let pm = server
        .get(&format!("/v1/payment_methods/{payment_method}"))
        .await;
    assert_eq!(pm["customer"], customer, "attached to the customer");
    assert_eq!(pm["card"]["last4"], "4242");
    let customer_object = server.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(customer_object["description"], "ivrpay plan");
    assert_eq!(
        save(&server, "4242424242424242", "CA7-plan-1").await,
        SaveOutcome::Saved {
            token: token.clone()
        },
        "saving again under the key keeps the same card"
    );

    let first = charge_saved(&server, &token, "CA7-plan-1-inst-1", false, "installment 1").await;
    let second = charge_saved(&server, &token, "CA7-plan-1-inst-2", false, "installment 2").await;
    let repeat = charge_saved(&server, &token, "CA7-plan-1-inst-1", false, "installment 1").await;

    let (ChargeResult::Approved { reference: one }, ChargeResult::Approved { reference: two }) =
        (&first, &second)
    else {
        panic!("{first:?} {second:?}");
    };
    assert_ne!(one, two, "two keys, two payments");
    assert_eq!(
        repeat, first,
        "the repeated key gets the same PaymentIntent"
    );
    let intents = server.payment_intents().await;
    assert_eq!(intents.len(), 2, "two charges at localstripe");
    for intent in &intents {
        assert_eq!(intent["status"], "succeeded");
        assert_eq!(intent["amount"], 2500);
        assert_eq!(intent["customer"], customer);
        assert_eq!(intent["payment_method"], payment_method);
    }
}

async_test!(card_that_fails_after_attaching_is_saved_then_declined, needs: [LocalStripe]);
async fn card_that_fails_after_attaching_is_saved_then_declined() {
    let server = start(Mode::StripeLike).await;
    // Stripe documents 4000000000000341 as: attaching succeeds, charging fails.
    let token = saved_token(save(&server, "4000000000000341", "CA8-plan-1").await);
    for (key, caller_present) in [("CA8-plan-1-inst-1", true), ("CA8-plan-1-inst-2", false)] {
        match charge_saved(&server, &token, key, caller_present, "installment").await {
            ChargeResult::Declined { reason, reference } => {
                assert_eq!(reason, DeclineReason::Declined);
                let reference = reference.expect("a decline names the payment");
                let intent = server
                    .get(&format!("/v1/payment_intents/{reference}"))
                    .await;
                assert_eq!(intent["status"], "requires_payment_method");
            }
            other => panic!("caller_present={caller_present}: {other:?}"),
        }
    }
}

async_test!(card_declined_when_attached_is_not_saved, needs: [LocalStripe]);
async fn card_declined_when_attached_is_not_saved() {
    let server = start(Mode::StripeLike).await;
    assert_eq!(
        save(&server, "4000000000000002", "CA9-plan-1").await,
        SaveOutcome::Declined {
            reason: DeclineReason::Declined
        }
    );
    assert!(server.payment_intents().await.is_empty());
}

async_test!(plain_localstripe_keeps_and_charges_saved_cards, needs: [LocalStripe]);
async fn plain_localstripe_keeps_and_charges_saved_cards() {
    let server = start(Mode::Plain).await;
    // Plain localstripe refuses a PaymentIntent `description`, so none is sent.
    let good = saved_token(save(&server, "4242424242424242", "plain-plan-1").await);
    let approved = charge_saved(&server, &good, "plain-plan-1-inst-1", false, "").await;
    assert!(
        matches!(approved, ChargeResult::Approved { .. }),
        "{approved:?}"
    );
    // Unpatched, its decline names the charge rather than the PaymentIntent.
    let bad = saved_token(save(&server, "4000000000000341", "plain-plan-2").await);
    match charge_saved(&server, &bad, "plain-plan-2-inst-1", false, "").await {
        ChargeResult::Declined {
            reason: DeclineReason::Declined,
            reference: Some(reference),
        } => assert!(reference.starts_with("ch_"), "{reference}"),
        other => panic!("{other:?}"),
    }
}
