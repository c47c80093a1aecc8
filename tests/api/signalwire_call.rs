//! What is particular to the second provider: SignalWire's cXML webhooks need the project's
//! signing key, and the same call id from two providers is two calls. The calls every provider
//! must carry (balance, payment, lockout, transfer, hang-up, answers by voice) run for each
//! registered provider from one suite (`on_every_provider!`).

use crate::common;

use common::{SIGNALWIRE_SIGNING_KEY, TestServer, heard};
use ivrpay::telephony::registry;
use ivrpay_simulators::caller::Call;

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
