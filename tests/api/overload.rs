//! A line at capacity: a call's webhook that finds every slot taken and no room to wait is
//! answered at once with the busy response (an apology and a person), having changed nothing,
//! while a call's end is recorded whatever the load. The slots are taken by the test itself, so
//! nothing here depends on timing.

use std::time::Duration;

use crate::common::{Backend, Options, TestServer};
use ivrpay::config::HttpLimits;
use ivrpay::http::admission::{AdmissionLimits, Arrival};
use ivrpay::store::CallKey;

/// One slot and no queue: a webhook that finds the slot taken is turned away at once.
fn one_slot_no_queue() -> Options {
    Options {
        agent_number: Some("+15550001111".into()),
        http: HttpLimits {
            admission: AdmissionLimits {
                in_flight: 1,
                waiting: 0,
                wait: Duration::ZERO,
            },
            ..HttpLimits::default()
        },
        ..Options::default()
    }
}

async fn a_webhook_finding_the_line_full_is_answered_busy_and_changes_nothing(backend: Backend) {
    let Some(server) = TestServer::start_with(backend, one_slot_no_queue()).await else {
        return;
    };
    let mut linda = server.linda_at_pin_question().await;
    let linda_sid = linda.call_sid.clone();
    let key = CallKey {
        provider: server.provider,
        sid: &linda_sid,
    };
    let store = &server.state.line.store;
    let before = store.load_call(key).await.expect("db").expect("her call");

    let slot = server
        .state
        .admission
        .enter(Arrival::CallUnderWay)
        .await
        .expect("the one slot");

    // Her PIN finds the line full: she hears that it is busy and is put through to a person.
    let said = linda.press("1234").await.expect("an answer");
    assert_heard!(&said, "our line is very busy right now");
    assert_heard!(&said, "Let me connect you with a person");
    assert_eq!(linda.transferred_to.as_deref(), Some("+15550001111"));
    // Nothing was done with what she pressed: her call is where it was.
    let after = store.load_call(key).await.expect("db").expect("her call");
    assert_eq!(after.turn, before.turn);
    assert_eq!(after.session, before.session);

    // A new call finds the line full too, and nothing of it is kept.
    let newcomer = server.call_from("+15553118592").await;
    assert_heard!(&newcomer.heard, "our line is very busy right now");
    assert!(!newcomer.is_asking());
    let newcomer_key = CallKey {
        provider: server.provider,
        sid: &newcomer.call_sid,
    };
    assert!(store.load_call(newcomer_key).await.expect("db").is_none());

    // The end of her call is recorded though every slot is taken.
    linda.send_status(&server.url).await.expect("status");
    let ended = store.load_call(key).await.expect("db").expect("her call");
    assert!(ended.ended_at.is_some(), "the end was recorded at capacity");

    // With the slot free again, calls are answered as usual.
    drop(slot);
    let next = server.call_from("+15553118592").await;
    assert!(next.is_asking(), "{:?}", next.heard);
    assert_not_heard!(&next.heard, "very busy");
    server.stop().await;
}

on_both_backends_with_own_server!(
    a_webhook_finding_the_line_full_is_answered_busy_and_changes_nothing
);
