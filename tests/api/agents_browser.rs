//! The agent console in headless Chromium, on SQLite and PostgreSQL: signing in and out as an
//! agent would, and a wrong password refused and then throttled.

use crate::common;

use common::TestServer;
use common::browser::Browser;

const PASSWORD: &str = "a long enough password";

async fn an_agent_signs_in_sees_their_name_and_signs_out(server: &TestServer) {
    // Arrange
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;

    // Act: open the console; the browser is sent to sign in.
    browser
        .client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    assert_eq!(browser.path().await, "/agent/sign-in");
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "sign-in, WCAG 2.2 AA: {violations:#?}"
    );
    browser.fill("username", "ana").await;
    browser.fill("password", PASSWORD).await;
    browser.press("Sign in").await;

    // Assert
    assert_eq!(browser.text_of("agent-name").await, "Ana López");
    assert_eq!(browser.path().await, "/agent");
    assert_eq!(browser.text_of("transfers-heading").await, "Transfers");
    assert_eq!(browser.text_of("callbacks-heading").await, "Callbacks");
    let cookies = browser.client.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|cookie| cookie.name() == "ivrpay_agent")
        .expect("the session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)");

    // Act: sign out.
    browser.press("Sign out").await;

    // Assert: back at sign-in, and the console is closed to this browser.
    assert!(browser.text_of("username").await.is_empty());
    assert_eq!(browser.path().await, "/agent/sign-in");
    browser
        .client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    assert_eq!(browser.path().await, "/agent/sign-in");
    browser.close().await;
}
on_both_backends!(an_agent_signs_in_sees_their_name_and_signs_out, needs: [Browser]);

/// Fills and submits the sign-in form from a freshly loaded page; returns the problem shown.
async fn try_to_sign_in(browser: &Browser, server: &TestServer, password: &str) -> String {
    browser
        .client
        .goto(&format!("{}/agent/sign-in", server.url))
        .await
        .expect("page");
    browser.fill("username", "ana").await;
    browser.fill("password", password).await;
    browser.press("Sign in").await;
    browser.text_of("problem").await
}

async fn a_wrong_password_is_refused_and_then_throttled(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;

    for _ in 0..ivrpay::agents::SIGN_IN_LIMITS.per_username_and_address {
        let problem = try_to_sign_in(&browser, server, "not my password").await;
        assert!(problem.contains("do not match"), "{problem}");
    }
    let problem = try_to_sign_in(&browser, server, PASSWORD).await;

    assert!(problem.contains("Too many failed sign-ins"), "{problem}");
    assert_eq!(browser.path().await, "/agent/sign-in");
    browser.close().await;
}
on_both_backends!(a_wrong_password_is_refused_and_then_throttled, needs: [Browser]);
