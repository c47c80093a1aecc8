//! Callbacks in the console in headless Chromium, on SQLite and PostgreSQL: a callback booked
//! outside hours is on the console when an agent signs in; pressing "Done" closes it as theirs
//! and it leaves the list.

use crate::common;

use std::time::Duration;

use common::TestServer;
use common::browser::Browser;
use fantoccini::Locator;

const PASSWORD: &str = common::console::PASSWORD;

/// Linda, verified, asks for a person outside hours and books tomorrow afternoon on her caller
/// ID; the callback's id.
async fn linda_books_tomorrow_afternoon(server: &TestServer) -> i64 {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "we can call you back");
    call.press("1").await.expect("caller id");
    call.press("2").await.expect("window");
    let open = server
        .state
        .line
        .store
        .callbacks(Some(ivrpay::store::CallbackStatus::Open))
        .await
        .expect("db");
    assert_eq!(open.len(), 1);
    open[0].id
}

async fn sign_in_as_ana(browser: &Browser, server: &TestServer) {
    browser
        .client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    browser.fill("username", "ana").await;
    browser.fill("password", PASSWORD).await;
    browser.press("Sign in").await;
}

async fn a_callback_is_seen_and_closed_with_done(server: &TestServer) {
    // Arrange: Monday 18:00 in New York, closed; Linda books tomorrow afternoon.
    server.clock.advance(Duration::from_secs(8 * 3600));
    let id = linda_books_tomorrow_afternoon(server).await;
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;
    let client = &browser.client;

    // Act: sign in.
    sign_in_as_ana(&browser, server).await;

    // Assert: the callback is there.
    assert_eq!(
        browser.text_of(&format!("callback-name-{id}")).await,
        "Linda Brown"
    );
    assert_eq!(
        browser.text_of(&format!("callback-phone-{id}")).await,
        "(555) 212-6618"
    );
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the console with a callback, WCAG 2.2 AA: {violations:#?}"
    );
    assert!(
        browser
            .text_of(&format!("callback-window-{id}"))
            .await
            .starts_with("tomorrow afternoon, between noon and 5 PM")
    );
    assert_eq!(
        browser.text_of(&format!("callback-account-{id}")).await,
        "•••• 3365"
    );

    // Act: called back; Done, with a note.
    browser
        .fill(&format!("callback-note-{id}"), "Called back, paid in full")
        .await;
    browser.press("Done").await;

    // Assert: gone from the list, done by Ana.
    browser
        .text_becomes("no-callbacks", "No callbacks to work")
        .await;
    let shown = client
        .find_all(Locator::Id(&format!("callback-{id}")))
        .await
        .expect("find");
    assert!(shown.is_empty(), "the callback left the list");
    let row = server
        .state
        .line
        .store
        .callback(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(
        (
            row.status.as_str(),
            row.closed_by.as_deref(),
            row.note.as_deref()
        ),
        ("done", Some("Ana López"), Some("Called back, paid in full"))
    );
    browser.close().await;
}
on_both_backends!(a_callback_is_seen_and_closed_with_done, needs: [Browser]);

async fn callbacks_appear_and_leave_live_without_a_reload(server: &TestServer) {
    // Arrange: Monday 18:00 in New York, closed; Ana's console open and empty.
    server.clock.advance(Duration::from_secs(8 * 3600));
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;
    let client = &browser.client;
    sign_in_as_ana(&browser, server).await;
    assert!(
        browser
            .text_of("no-callbacks")
            .await
            .contains("No callbacks to work")
    );
    // Marks this page load: if the callback shows up while it is still there, no reload did it.
    client
        .execute("window.ivrpayLoaded = 'before'; return null;", vec![])
        .await
        .expect("script");

    // Act: Linda books tomorrow afternoon.
    let id = linda_books_tomorrow_afternoon(server).await;

    // Assert: on the open console, without a reload.
    assert_eq!(
        browser
            .text_becomes(&format!("callback-name-{id}"), "Linda Brown")
            .await,
        "Linda Brown"
    );
    let marker = client
        .execute("return window.ivrpayLoaded || null;", vec![])
        .await
        .expect("script");
    assert_eq!(marker, serde_json::json!("before"), "no reload");

    // Closed elsewhere (the admin API): it leaves this console too.
    server
        .state
        .line
        .store
        .close_callback(
            id,
            ivrpay::store::CallbackStatus::Done,
            "admin",
            "called back",
            server.state.line.clock.now_ms(),
        )
        .await
        .expect("db");
    browser
        .text_becomes("no-callbacks", "No callbacks to work")
        .await;
    browser.close().await;
}
on_both_backends!(callbacks_appear_and_leave_live_without_a_reload, needs: [Browser]);
