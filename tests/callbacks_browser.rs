//! Callbacks in the console in headless Chromium, on SQLite and PostgreSQL: a callback booked
//! outside hours is on the console when an agent signs in; pressing "Done" closes it as theirs
//! and it leaves the list.

mod common;

use std::time::Duration;

use common::browser::Browser;
use common::{TestServer, heard};
use fantoccini::Locator;

const PASSWORD: &str = common::console::PASSWORD;

async fn a_callback_is_seen_and_closed_with_done(server: &TestServer) {
    // Arrange: Monday 18:00 in New York, closed; Linda books tomorrow afternoon.
    server.clock.advance(Duration::from_secs(8 * 3600));
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let said = call.press("0").await.expect("a person");
    assert!(heard(&said, "we can call you back"), "{said:?}");
    call.press("1").await.expect("caller id");
    call.press("2").await.expect("window");
    let open = server
        .state
        .store
        .callbacks(Some(ivrpay::store::CallbackStatus::Open))
        .await
        .expect("db");
    assert_eq!(open.len(), 1);
    let id = open[0].id;
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let client = &browser.client;

    // Act: sign in.
    client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    browser.fill("username", "ana").await;
    browser.fill("password", PASSWORD).await;
    browser.press("Sign in").await;

    // Assert: the callback is there.
    assert_eq!(
        browser.text_of(&format!("callback-name-{id}")).await,
        "Linda Brown"
    );
    assert_eq!(
        browser.text_of(&format!("callback-phone-{id}")).await,
        "(555) 212-6618"
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
on_both_backends!(a_callback_is_seen_and_closed_with_done);
