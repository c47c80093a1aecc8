//! The second provider, end to end: SignalWire's cXML webhooks, signed with the project's
//! signing key, drive the same flow as Twilio's; the call is recorded as SignalWire's.

use crate::common;

use common::{SIGNALWIRE_SIGNING_KEY, TestServer, heard};
use ivrpay::caller::Call;
use ivrpay::telephony::registry;

async fn signalwire_call(server: &TestServer, from: &str) -> Call {
    let sid = format!("{:032x}", rand::random::<u128>());
    let mut call = Call::new(
        ivrpay::http_client(),
        Some(SIGNALWIRE_SIGNING_KEY),
        &sid,
        from,
        "+18005550100",
    );
    call.provider = registry::simulator("signalwire").expect("registered");
    call.start(&server.url).await.expect("call connects");
    call
}

async fn balance_call_through_signalwire(server: &TestServer) {
    let mut call = signalwire_call(server, "+15552126618").await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm account");
    let said = call.press("6446").await.expect("pin");

    assert_heard!(
        &said,
        "Thank you, Linda. Your balance is four hundred forty-five dollars and thirty-three cents"
    );
    // Its questions post back to SignalWire's paths.
    assert!(
        call.pending_action()
            .is_some_and(|url| url.starts_with(&format!("{}/signalwire/gather?turn=", server.url))),
        "{:?}",
        call.pending_action()
    );
    call.hang_up(&server.url).await.expect("status");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["provider"], "signalwire");
    assert_eq!(record["outcome"], "abandoned");
}
on_both_backends!(balance_call_through_signalwire);

async fn payment_through_signalwire(server: &TestServer) {
    let mut call = signalwire_call(server, "+15552126618").await;
    for keys in ["1", "1", "6446", "3", "20", "1"] {
        call.press(keys).await.expect("step");
    }
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("confirm");

    assert_heard!(&said, "Your payment of twenty dollars was approved.");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["payments"][0]["status"], "approved");
    assert_eq!(record["outcome"], "paid");
}
on_both_backends!(payment_through_signalwire);

async fn signalwire_webhooks_need_the_signing_key(server: &TestServer) {
    // Signed with another key, or as the other provider, the request is refused.
    for (key, provider) in [
        ("not-the-signing-key", "signalwire"),
        (common::AUTH_TOKEN, "signalwire"),
        (SIGNALWIRE_SIGNING_KEY, "twilio"),
    ] {
        let mut call = Call::new(
            ivrpay::http_client(),
            Some(key),
            "CAforged",
            "+15552126618",
            "+18005550100",
        );
        call.provider = registry::simulator(provider).expect("registered");
        assert!(
            call.start(&server.url).await.is_err(),
            "{provider} with {key}"
        );
    }
    let record = ivrpay::http_client()
        .get(format!("{}/api/calls/CAforged", server.url))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("api");
    assert_eq!(record.status(), 404, "no forged call was recorded");
}
on_both_backends!(signalwire_webhooks_need_the_signing_key);

async fn the_same_call_id_from_two_providers_is_two_calls(server: &TestServer) {
    let sid = "CAsharedbytwoproviders";
    let mut through_signalwire = Call::new(
        ivrpay::http_client(),
        Some(SIGNALWIRE_SIGNING_KEY),
        sid,
        "+15552126618",
        "+18005550100",
    );
    through_signalwire.provider = registry::simulator("signalwire").expect("registered");
    through_signalwire
        .start(&server.url)
        .await
        .expect("signalwire call");
    through_signalwire.press("1").await.expect("language");
    let mut through_twilio = Call::dial(
        &server.url,
        Some(common::AUTH_TOKEN),
        sid,
        "+15553118592",
        "+18005550100",
    )
    .await
    .expect("twilio call");

    // Each goes on from where it is: Linda confirms her account, Maria is still choosing a language.
    let linda = through_signalwire.press("1").await.expect("confirm");
    assert_heard!(&linda, "PIN");
    let maria = through_twilio.press("2").await.expect("language");
    assert!(
        heard(&maria, "3 0 1 7") || heard(&maria, "cuenta"),
        "{maria:?}"
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE call_sid = $1")
        .bind(sid)
        .fetch_one(server.state.line.store.pool())
        .await
        .expect("db");
    assert_eq!(count, 2);
}
on_both_backends!(the_same_call_id_from_two_providers_is_two_calls);
