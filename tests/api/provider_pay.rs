//! Card capture by the provider (`[flow] card_capture = "provider"`: Twilio's and Telnyx's
//! `<Pay>`), end to end, for every registered provider that captures cards: the simulated
//! provider asks for the card in the line's own words, checks it, charges it through its
//! connector (a sandbox of its own) and posts the result. The line records the payment once
//! however often the result is delivered, never sees the card number, and helps a caller whose
//! card was declined, who left card entry, or who could not key it in. On SQLite and PostgreSQL.

use crate::common;

use common::{Backend, Options, TestServer};
use ivrpay_simulators::caller::Call;
use serde_json::Value;

const LINDA: &str = "66253365";
const CARD: &str = "4242424242424242";

/// A server whose flows hand card entry to the provider, with the directory it reads.
pub(crate) struct ProviderCapture {
    pub(crate) server: TestServer,
    _flows: tempfile::TempDir,
}

/// Whether `dialect`'s provider captures cards itself: the providers these scenarios run for.
pub(crate) fn captures_cards(dialect: &dyn ivrpay::telephony::Dialect) -> bool {
    dialect.captures_cards()
}

/// Whether `provider`'s capture says the flow's words while it charges (TeXML's has no step
/// for them).
fn says_processing(provider: &str) -> bool {
    provider != "telnyx"
}

/// Starts a server whose flows hand card entry to the provider, its calls speaking as
/// `provider`.
pub(crate) async fn start(backend: Backend, provider: &'static str) -> Option<ProviderCapture> {
    let flows = tempfile::tempdir().expect("a directory");
    let shipped = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"));
    for entry in std::fs::read_dir(shipped).expect("call-flows/") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a name").to_owned();
        let mut text = std::fs::read_to_string(&path).expect("readable");
        if name == "payment.toml" {
            assert!(
                text.contains("\ncard_capture = \"keypad\"\n"),
                "the shipped setting"
            );
            text = text.replace(
                "\ncard_capture = \"keypad\"\n",
                "\ncard_capture = \"provider\"\n",
            );
        }
        std::fs::write(flows.path().join(name), text).expect("written");
    }
    let options = Options {
        flows_dir: flows.path().to_owned(),
        provider,
        ..Options::default()
    };
    let server = TestServer::start_with(backend, options).await?;
    Some(ProviderCapture {
        server,
        _flows: flows,
    })
}

/// Linda, verified, paying $25: what the line says once the amount is confirmed.
async fn linda_pays_25(server: &TestServer) -> (Call, Vec<String>) {
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "25"] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    (call, said)
}

fn payments(account: &Value) -> Vec<Value> {
    account["payments"].as_array().cloned().unwrap_or_default()
}

async fn a_card_taken_by_the_provider_is_recorded_once_however_often_its_result_arrives(
    backend: Backend,
    provider: &'static str,
) {
    let Some(ProviderCapture { server, .. }) = start(backend, provider).await else {
        return;
    };
    let charged_by_the_line = server.sandbox.as_ref().map(|s| s.charge_count());
    let (mut call, said) = linda_pays_25(&server).await;
    // The provider asks, in the line's words.
    assert_heard!(&said, "Key in your card number, then press pound.");
    assert!(call.is_paying());
    let mut parts = vec![
        "chargeAmount=\"25.00\"",
        "<Prompt for=\"payment-card-number\" attempt=\"1\">",
        "<Prompt for=\"payment-card-number\" errorType=\"invalid-card-number\">",
        "<Prompt for=\"security-code\" cardType=\"amex\" attempt=\"1\">",
    ];
    parts.extend(match provider {
        "telnyx" => [
            "<Pay action=",
            "paymentMethod=\"credit-card\" transactionType=\"charge\"",
        ],
        _ => ["<Pay input=\"dtmf\"", "<Prompt for=\"payment-processing\">"],
    });
    for part in parts {
        assert!(
            call.last_twiml.contains(part),
            "{part} in {}",
            call.last_twiml
        );
    }
    // A typo is asked again in the line's words for it.
    let said = call.press("4242424242424241").await.expect("a typo");
    assert_heard!(
        &said,
        "That card number is not valid. Please check it and try again."
    );
    call.press(CARD).await.expect("the number");
    call.press("1228").await.expect("the expiry");
    let said = call.press("123").await.expect("the code");
    assert_heard!(&said, "And the billing ZIP code.");
    let said = call.press("77141").await.expect("the ZIP");
    if says_processing(provider) {
        assert_heard!(&said, "Thank you. One moment while I process your payment.");
    }
    assert_heard!(&said, "Your payment of twenty-five dollars was approved.");

    let linda = server.api_account(LINDA).await;
    let paid = payments(&linda);
    assert_eq!(paid.len(), 1, "{linda}");
    assert_eq!(paid[0]["status"], "approved");
    assert_eq!(paid[0]["gateway"], format!("{provider}-pay"));
    assert_eq!(paid[0]["method_label"], "visa");
    assert_eq!(paid[0]["method_last4"], "4242");
    assert!(
        paid[0]["gateway_reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("sbx_")),
        "the connector's id of the charge: {}",
        paid[0]
    );
    assert_eq!(linda["balance_cents"], 44533 - 2500);
    assert_eq!(
        server.sandbox.as_ref().map(|s| s.charge_count()),
        charged_by_the_line,
        "the provider's connector charged, not the line"
    );

    // The provider delivers the result again, and again twice at once: still one payment.
    let again = call.resend_pay_result().await.expect("answered");
    assert!(again.contains("was approved"), "{again}");
    let (a, b) = tokio::join!(call.resend_pay_result(), call.resend_pay_result());
    for answer in [a, b] {
        assert!(answer.expect("answered").contains("was approved"));
    }
    let linda = server.api_account(LINDA).await;
    assert_eq!(payments(&linda).len(), 1, "{linda}");
    assert_eq!(linda["balance_cents"], 44533 - 2500);

    // The card number never reached the line: not in the call's record nor the account's.
    let record = server.api_call(&call.call_sid).await.to_string();
    assert!(!record.contains(CARD) && !linda.to_string().contains(CARD));
    assert!(
        record.contains("\"result\":\"provider_capture\""),
        "{record}"
    );
}
on_every_provider_with_own_server!(
    a_card_taken_by_the_provider_is_recorded_once_however_often_its_result_arrives,
    picks: captures_cards
);

async fn a_declined_left_or_failed_card_entry_charges_nothing_and_helps(
    backend: Backend,
    provider: &'static str,
) {
    let Some(ProviderCapture { server, .. }) = start(backend, provider).await else {
        return;
    };
    // Declined by the connector: the line's own words, and another card.
    let (mut call, _) = linda_pays_25(&server).await;
    for keys in ["4000000000000002", "1228", "123"] {
        call.press(keys).await.expect("the card");
    }
    let said = call.press("77141").await.expect("the ZIP");
    assert_heard!(
        &said,
        "I'm sorry, the bank declined that card. To try another card"
    );
    let said = call.press("1").await.expect("another card");
    assert_heard!(&said, "Key in your card number, then press pound.");
    assert!(call.is_paying(), "the provider asks again");

    // Star leaves card entry: nothing charged, and the way back.
    let said = call.press("*").await.expect("star");
    assert_heard!(
        &said,
        "All right, nothing was charged. To enter a card again"
    );

    // Three numbers that are not cards: a person (the agent line) takes it from there.
    let said = call.press("1").await.expect("enter a card again");
    assert_heard!(&said, "Key in your card number, then press pound.");
    call.press("1234").await.expect("not a card");
    call.press("1234").await.expect("not a card");
    let said = call.press("1234").await.expect("not a card");
    assert_heard!(
        &said,
        "I'm sorry, the card couldn't be taken. Nothing was charged."
    );
    assert!(call.transferred_to.is_some(), "{said:?}");

    let linda = server.api_account(LINDA).await;
    let approved = payments(&linda)
        .iter()
        .filter(|p| p["status"] == "approved")
        .count();
    assert_eq!(approved, 0, "{linda}");
    assert_eq!(linda["balance_cents"], 44533);
}
on_every_provider_with_own_server!(
    a_declined_left_or_failed_card_entry_charges_nothing_and_helps,
    picks: captures_cards
);

async fn a_spanish_caller_hears_the_provider_ask_in_spanish(
    backend: Backend,
    provider: &'static str,
) {
    let Some(ProviderCapture { server, .. }) = start(backend, provider).await else {
        return;
    };
    let mut call = server.call_from("+15553118592").await;
    for keys in ["2", "1", "8091", "3", "25"] {
        call.press(keys).await.expect("to the amount");
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(
        &said,
        "Marque el número de su tarjeta y luego la tecla de número."
    );
    assert!(
        call.last_twiml.contains("language=\"es-MX\""),
        "{}",
        call.last_twiml
    );
    for keys in [CARD, "1228", "123"] {
        call.press(keys).await.expect("the card");
    }
    let said = call.press("77141").await.expect("the ZIP");
    if says_processing(provider) {
        assert_heard!(&said, "Gracias. Un momento mientras proceso su pago.");
    }
    assert_heard!(&said, "fue aprobado");
}
on_every_provider_with_own_server!(
    a_spanish_caller_hears_the_provider_ask_in_spanish,
    picks: captures_cards
);
