//! Whole paying calls charged through the Stripe gateway, against localstripe.

use crate::common;

use common::localstripe::{Mode, start};
use common::{Backend, Options, TestServer};

async fn stripe_payment_charges_once(backend: Backend) {
    let stripe = start(Mode::StripeLike).await;
    let options = Options {
        stripe_base_url: Some(stripe.base_url.clone()),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };

    // Approved, with the confirmation sent twice at once.
    let mut call = server.linda_at_card_number("25").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let answer = server.press_concurrently(&call, "1", 3).await;
    assert!(
        answer.contains("Your payment of twenty-five dollars was approved."),
        "{answer}"
    );
    let intents = stripe.payment_intents().await;
    assert_eq!(intents.len(), 1, "one charge at the gateway: {intents:?}");
    assert_eq!(intents[0]["amount"], 2500);
    assert_eq!(intents[0]["status"], "succeeded");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["payments"][0]["gateway"], "stripe");
    assert_eq!(record["payments"][0]["gateway_reference"], intents[0]["id"]);

    // Declined and insufficient funds are told apart.
    for (card, expected) in [
        ("4000000000000002", "the bank declined that card."),
        ("4000000000009995", "because there weren't enough funds"),
    ] {
        let mut call = server.linda_at_card_number("25").await;
        server
            .enter_card(&mut call, card, "1228", "123", "77141")
            .await;
        let said = call.press("1").await.expect("confirm");
        assert_heard!(&said, expected, "{card}");
    }
    server.stop().await;
}

on_both_backends_with_own_server!(stripe_payment_charges_once, needs: [LocalStripe]);
