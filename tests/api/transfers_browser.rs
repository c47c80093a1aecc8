//! The live screen-pop in headless Chromium, on SQLite and PostgreSQL: an agent signed in to the
//! console sees a caller who asks for a person appear with their context, without reloading,
//! takes the caller, and records how the call ended.
//!
//! With `IVRPAY_WRITE_SCREENSHOT=1` the SQLite run also saves the console with the waiting
//! transfer on it as `docs/console.png`, the README's screenshot.

use crate::common;

use common::TestServer;
use common::browser::Browser;
use fantoccini::Locator;

const PASSWORD: &str = common::console::PASSWORD;

/// Ana, an agent, signed in to the console in a browser.
async fn ana_signed_in(server: &TestServer) -> Browser {
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    browser.fill("username", "ana").await;
    browser.fill("password", PASSWORD).await;
    browser.press("Sign in").await;
    browser
}

async fn a_transfer_appears_live_and_is_taken_and_closed(server: &TestServer) {
    // Arrange: Ana signed in, the console open and empty.
    let browser = ana_signed_in(server).await;
    let client = &browser.client;
    assert_eq!(browser.text_of("agent-name").await, "Ana López");
    assert!(
        browser
            .text_of("no-transfers")
            .await
            .contains("No callers waiting"),
        "the empty note shows"
    );
    // Marks this page load: if the transfer shows up while it is still there, no reload did it.
    client
        .execute(
            "window.ivrpayLoaded = 'before the call'; return null;",
            vec![],
        )
        .await
        .expect("script");

    // Linda keeps a card on file (kept on an earlier call).
    let visa =
        ivrpay::payments::MethodSummary::card(ivrpay::payments::CardBrand::Visa, "4242".to_owned());
    server
        .state
        .line
        .store
        .save_method(&ivrpay::store::NewSavedMethod {
            account_number: "66253365",
            method: &visa,
            gateway: "sandbox",
            token: "tok_visa",
            consent_version: "keep-card-2026-12",
            consent_text: "To pay and keep this card for next time, press 3.",
            call: None,
            now: 0,
        })
        .await
        .expect("kept");

    // Act: Linda Brown, verified, asks for a person. The simulated line rings out rather than
    // connecting and finishing at once, so the caller is still on the line when Ana takes them
    // (a transfer whose call has ended cannot be taken).
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.agent_answers = false;
    call.press("0").await.expect("a person");

    // Assert: her transfer appears, live, with her context.
    let transfers = server
        .state
        .line
        .store
        .transfers_of_call("twilio", &call.call_sid)
        .await
        .expect("db");
    let id = transfers[0].id;
    assert_eq!(
        browser
            .text_becomes(&format!("caller-{id}"), "Linda Brown")
            .await,
        "Linda Brown"
    );
    let marker = client
        .execute("return window.ivrpayLoaded || null;", vec![])
        .await
        .expect("script");
    assert_eq!(marker, serde_json::json!("before the call"), "no reload");
    assert_eq!(browser.text_of(&format!("account-{id}")).await, "•••• 3365");
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the console with a caller waiting, WCAG 2.2 AA: {violations:#?}"
    );
    assert_eq!(browser.text_of(&format!("balance-{id}")).await, "$445.33");
    assert_eq!(
        browser.text_of(&format!("verified-{id}")).await,
        "Verified by PIN"
    );
    assert!(
        browser
            .text_of(&format!("why-{id}"))
            .await
            .starts_with("They asked for a person while")
    );
    let empty = client
        .find(Locator::Id("no-transfers"))
        .await
        .expect("note")
        .is_displayed()
        .await
        .expect("displayed");
    assert!(!empty, "the empty note is hidden");
    if std::env::var("IVRPAY_WRITE_SCREENSHOT").is_ok_and(|v| v == "1")
        && server.database_url.starts_with("sqlite:")
    {
        let png = client.screenshot().await.expect("screenshot");
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .join("docs/console.png");
        std::fs::write(&path, png).expect("write docs/console.png");
    }

    // Act: take the caller.
    client
        .find(Locator::Id(&format!("claim-{id}")))
        .await
        .expect("I'll take it")
        .click()
        .await
        .expect("click");

    // Assert
    browser
        .text_becomes(&format!("status-{id}"), "You took this caller")
        .await;
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the console with the caller taken, WCAG 2.2 AA: {violations:#?}"
    );
    if let Ok(path) = std::env::var("IVRPAY_CLAIMED_SCREENSHOT")
        && server.database_url.starts_with("sqlite:")
    {
        std::fs::write(path, client.screenshot().await.expect("screenshot")).expect("write");
    }

    // Act: at her word, Ana takes the card off her file, confirming on the page Remove opens.
    let on_file = format!("on-file-{id}");
    assert!(browser.text_of(&on_file).await.contains("Visa ending 4242"));
    client
        .find(Locator::Css(&format!("#{on_file} a")))
        .await
        .expect("Remove")
        .click()
        .await
        .expect("click");
    browser.text_becomes("confirm", "Yes, take it off").await;
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the confirmation before taking a card off file, WCAG 2.2 AA: {violations:#?}"
    );
    client
        .find(Locator::Id("confirm"))
        .await
        .expect("Yes, take it off")
        .click()
        .await
        .expect("click");

    // Assert
    browser
        .text_becomes(&format!("status-{id}"), "You took this caller")
        .await;
    assert!(
        client.find(Locator::Id(&on_file)).await.is_err(),
        "no cards on file any more"
    );

    // Act: record how it ended.
    client
        .find(Locator::Id(&format!("disposition-{id}")))
        .await
        .expect("the list")
        .select_by_value("paid")
        .await
        .expect("choose");
    browser
        .fill(&format!("note-{id}"), "Paid in full by phone")
        .await;
    browser.press("Record disposition").await;

    // Assert
    browser
        .text_becomes(&format!("status-{id}"), "Done: Paid (Ana López)")
        .await;
    assert_eq!(
        browser.text_of(&format!("note-text-{id}")).await,
        "Paid in full by phone"
    );
    let row = server
        .state
        .line
        .store
        .transfer(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(
        (row.status.as_str(), row.disposition.as_deref()),
        ("done", Some("paid"))
    );
    browser.close().await;
}
on_both_backends!(a_transfer_appears_live_and_is_taken_and_closed, needs: [Browser]);

/// A caller who hangs up before anyone takes them: every open console shows the transfer as
/// missed, live, without "I'll take it", and a late claim is refused.
async fn a_transfer_whose_call_ends_shows_as_missed(server: &TestServer) {
    // Arrange: Ana's console open; Linda asks for a person and waits.
    let browser = ana_signed_in(server).await;
    let client = &browser.client;
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.agent_answers = false;
    call.press("0").await.expect("a person");
    let id = server.transfers_of(&call.call_sid).await[0].id;
    browser
        .text_becomes(&format!("status-{id}"), "Waiting since")
        .await;
    assert!(
        client
            .find(Locator::Id(&format!("claim-{id}")))
            .await
            .is_ok()
    );

    // Act: she hangs up.
    call.hang_up(&server.url).await.expect("hang up");

    // Assert: the console redraws it as missed, with no way to take it.
    let status = browser
        .text_becomes(&format!("status-{id}"), "Missed: the call ended at")
        .await;
    assert!(status.contains("before anyone took it"), "{status}");
    assert!(
        client
            .find(Locator::Id(&format!("claim-{id}")))
            .await
            .is_err(),
        "no \"I'll take it\" for a call that has ended"
    );
    let agent = server
        .state
        .line
        .store
        .agent_by_username("ana")
        .await
        .expect("db")
        .expect("ana");
    let late = server
        .state
        .line
        .store
        .claim_transfer(id, agent.id, ivrpay::clock::Clock::now_ms(&server.clock))
        .await
        .expect("db");
    assert_eq!(late.err(), Some(ivrpay::store::Refusal::CallEnded));
    browser.close().await;
}
on_both_backends!(a_transfer_whose_call_ends_shows_as_missed, needs: [Browser]);
