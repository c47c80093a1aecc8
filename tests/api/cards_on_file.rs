//! Cards kept on file, end to end through the sandbox gateway: a caller pays and keeps the card
//! (only the gateway's token, brand and last four are kept); calling back they hear "your Visa
//! ending in 4 2 4 2", pay with it once however often the key arrives, and take it off their file;
//! an admin removes another through the API. On SQLite and PostgreSQL.

use crate::common;

use common::TestServer;

const LINDA: &str = "66253365";

/// Linda, verified, paying `dollars`: what the line says once the amount is confirmed.
async fn linda_pays(
    server: &TestServer,
    dollars: &str,
) -> (ivrpay_simulators::caller::Call, Vec<String>) {
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", dollars] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    (call, said)
}

async fn on_file(server: &TestServer) -> Vec<serde_json::Value> {
    server.api_account(LINDA).await["saved_methods"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn a_kept_card_pays_the_next_call_and_can_be_removed(server: &TestServer) {
    // Linda pays and keeps her card.
    let (mut call, said) = linda_pays(server, "20").await;
    assert_heard!(&said, "Key in your card number");
    let said = server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    assert_heard!(
        &said,
        "Visa ending in 4 2 4 2. To pay twenty dollars, say yes or press 1. For another card, \
         press 2. To pay and keep this card for next time, press 3."
    );
    let said = call.press("3").await.expect("pay and keep");
    assert_heard!(&said, "Your payment of twenty dollars was approved.");
    let kept = on_file(server).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["label"], "visa");
    assert_eq!(kept[0]["last4"], "4242");
    assert!(
        kept[0].get("token").is_none(),
        "the gateway's token is never shown: {}",
        kept[0]
    );

    // An agent she is put through to sees it, by brand and last four only.
    let ana = common::console::agent(server, "ana", "Ana López").await;
    let mut asking = server.linda_at_pin_question().await;
    asking.press("6446").await.expect("pin");
    asking.press("0").await.expect("a person");
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains("<h4>On file</h4>"), "{page}");
    assert!(page.contains("Visa ending 4242"), "{page}");
    asking.hang_up(&server.url).await.expect("hang up");

    // Calling back, she pays with it; the key delivered three times at once charges once.
    let charges = server.sandbox.as_ref().map(|s| s.charge_count());
    let (call, said) = linda_pays(server, "15").await;
    assert_heard!(
        &said,
        "You have your Visa ending in 4 2 4 2 on file. To pay fifteen dollars with it, say yes \
         or press 1. To pay another way, say or press 2. To take it off your file, say or press 3."
    );
    let answer = server.press_concurrently(&call, "1", 3).await;
    assert!(
        answer.contains("Your payment of fifteen dollars was approved."),
        "{answer}"
    );
    assert_eq!(
        server.sandbox.as_ref().map(|s| s.charge_count()),
        charges.map(|n| n + 1),
        "one charge of the card on file"
    );
    let payments = server.api_call(&call.call_sid).await["payments"].clone();
    assert_eq!(payments.as_array().map(Vec::len), Some(1), "{payments}");
    assert_eq!(payments[0]["method_last4"], "4242");
    assert_eq!(
        server.api_account(LINDA).await["balance_cents"],
        44_533 - 2_000 - 1_500
    );

    // Then she takes it off her file, and is asked how to pay instead.
    let (mut call, _) = linda_pays(server, "5").await;
    let said = call.press("3").await.expect("take it off");
    assert_heard!(&said, "Done. It's no longer on file.");
    assert_heard!(&said, "Key in your card number");
    assert!(on_file(server).await.is_empty());
    let (_, said) = linda_pays(server, "5").await;
    assert_not_heard!(&said, "on file");
}
on_both_backends!(a_kept_card_pays_the_next_call_and_can_be_removed);

async fn an_admin_removes_a_card_on_file(server: &TestServer) {
    let (mut call, _) = linda_pays(server, "10").await;
    server
        .enter_card(&mut call, "5555555555554444", "1228", "123", "77141")
        .await;
    call.press("3").await.expect("pay and keep");
    let kept = on_file(server).await;
    let id = kept[0]["id"].as_i64().expect("id");
    let remove = |id: i64| {
        ivrpay::http_client()
            .delete(format!(
                "{}/api/accounts/{LINDA}/saved-methods/{id}",
                server.url
            ))
            .bearer_auth(common::ADMIN_TOKEN)
            .send()
    };
    let unsigned = ivrpay::http_client()
        .delete(format!(
            "{}/api/accounts/{LINDA}/saved-methods/{id}",
            server.url
        ))
        .send()
        .await
        .expect("answers");
    assert_eq!(unsigned.status(), 401);
    assert_eq!(remove(id).await.expect("answers").status(), 204);
    assert!(on_file(server).await.is_empty());
    assert_eq!(
        remove(id).await.expect("answers").status(),
        404,
        "gone already"
    );
}
on_both_backends!(an_admin_removes_a_card_on_file);

async fn the_agent_who_took_the_call_removes_a_card_on_file(backend: common::Backend) {
    // Transfers wait in a conference room, so an agent can take the call.
    let twilio = common::twilio_api::TwilioStandIn::start().await;
    let options = common::Options {
        provider_api: Some(twilio.base_url.clone()),
        conference_transfers: true,
        ..common::Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let server = &server;
    let (mut call, _) = linda_pays(server, "10").await;
    if common::heard(&call.heard, "How would you like to pay") {
        call.press("1").await.expect("by card");
    }
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    call.press("3").await.expect("pay and keep");
    let saved = on_file(server).await[0]["id"].as_i64().expect("id");

    let ana = common::console::agent(server, "ana", "Ana López").await;
    let bo = common::console::agent(server, "bo", "Bo Chen").await;
    let mut asking = server.linda_at_pin_question().await;
    asking.press("6446").await.expect("pin");
    asking.press("0").await.expect("a person");
    let transfer = server.transfers_of(&asking.call_sid).await[0].id;
    let remove = format!("/agent/transfers/{transfer}/saved-methods/{saved}/remove");
    // Not before she takes the call, nor by anyone else.
    let page = common::console::console_page(server, &ana).await;
    assert!(
        page.contains("Visa ending 4242") && !page.contains(&remove),
        "{page}"
    );
    let (status, _) = common::console::post(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/claim"),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains(&remove), "{page}");
    assert!(page.contains("Take a payment (the caller keys in a card or bank account"));
    // Remove opens a page that asks first, naming the card; only Ana's.
    let (status, confirm) = common::console::get(server, &ana, &remove).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("Take Visa ending 4242 off the caller's file?")
            && confirm.contains("Yes, take it off")
            && confirm.contains(&format!("href=\"/agent#transfer-{transfer}\"")),
        "{confirm}"
    );
    assert!(
        !confirm.contains("AutoPay stops"),
        "AutoPay is not on: {confirm}"
    );
    assert_eq!(on_file(server).await.len(), 1, "opening it removes nothing");
    let (status, _) = common::console::get(server, &bo, &remove).await;
    assert_eq!(status, 409, "not Bo's call");
    let (status, _) = common::console::post(server, &bo, &remove, &[]).await;
    assert_eq!(status, 409, "not Bo's call");
    assert_eq!(on_file(server).await.len(), 1);
    let (status, body) = common::console::post(server, &ana, &remove, &[]).await;
    assert_eq!(status, 303, "{body}");
    assert!(on_file(server).await.is_empty());
    let page = common::console::console_page(server, &ana).await;
    assert!(!page.contains("<h4>On file</h4>"), "{page}");
    let (status, _) = common::console::post(server, &ana, &remove, &[]).await;
    assert_eq!(status, 404, "gone already");
    asking.hang_up(&server.url).await.expect("hang up");
}
on_both_backends_with_own_server!(the_agent_who_took_the_call_removes_a_card_on_file, needs: [Prism]);
