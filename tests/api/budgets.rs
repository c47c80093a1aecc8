//! Time budgets: every webhook is answered before its provider stops waiting for it, however
//! slow the gateway or the database. A slow gateway is given only the time the provider's wait
//! leaves, so the caller hears the flow's own words for an unconfirmed payment; a database that
//! does not answer gets the safe answer at the deadline, while the work goes on.

use std::sync::Arc;
use std::time::Duration;

use crate::common;

use common::{Backend, Options, SilentGateway, TestServer};
use ivrpay::store::PoolSettings;
use ivrpay::telephony::registry;

/// The registered provider that waits least for an answer, and how long it waits: the one the
/// budget binds hardest.
fn strictest_provider() -> (&'static str, Duration) {
    registry::unverified()
        .iter()
        .map(|dialect| (dialect.name(), dialect.answer_within()))
        .min_by_key(|(_, wait)| *wait)
        .expect("providers")
}

async fn a_gateway_slower_than_the_providers_wait_is_an_unconfirmed_payment_said_in_time(
    backend: Backend,
) {
    let (provider, wait) = strictest_provider();
    let options = Options {
        provider,
        gateway: Some(Arc::new(SilentGateway)),
        // Configured longer than the provider waits: the webhook's deadline must win.
        gateway_timeout: wait * 4,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_card_number("25").await;
    let said = server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    assert_heard!(&said, "To pay twenty-five dollars");
    // The provider stops waiting after `wait`: the answer must be there before.
    let said = tokio::time::timeout(wait, call.press("1"))
        .await
        .unwrap_or_else(|_| panic!("{provider} gave up waiting after {wait:?}"))
        .expect("answer");
    assert_heard!(
        &said,
        "I couldn't get a confirmation from the bank. Please don't pay again"
    );
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "payment_unknown", "{record}");
    server.stop().await;
}
on_both_backends_with_own_server!(
    a_gateway_slower_than_the_providers_wait_is_an_unconfirmed_payment_said_in_time
);

async fn a_database_that_does_not_answer_gets_the_safe_answer_before_the_provider_gives_up(
    backend: Backend,
) {
    let (provider, wait) = strictest_provider();
    let options = Options {
        provider,
        // The database waits longer than the provider would.
        pool: PoolSettings {
            acquire_timeout: wait * 6,
            statement_timeout: wait * 6,
            ..PoolSettings::default()
        },
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let outage = crate::outage::Outage::begin(&server).await;
    let calling = server.call_from("+15552126618");
    let call = tokio::time::timeout(wait, calling)
        .await
        .unwrap_or_else(|_| panic!("{provider} gave up waiting after {wait:?}"));
    assert_heard!(
        &call.heard,
        "I'm sorry, something went wrong on our side. Let me connect you with a person who can help."
    );
    assert_eq!(call.transferred_to.as_deref(), Some(common::AGENT));
    let counted = server.state.line.metrics.encode(&ivrpay::metrics::Scrape {
        calls_in_progress: Some(0),
        pools: Vec::new(),
    });
    assert!(
        counted.contains(&format!(
            "ivrpay_webhooks_over_budget_total{{provider=\"{provider}\"}} 1"
        )),
        "{counted}"
    );
    outage.end().await;
    server.stop().await;
}
on_both_backends_with_own_server!(
    a_database_that_does_not_answer_gets_the_safe_answer_before_the_provider_gives_up
);
