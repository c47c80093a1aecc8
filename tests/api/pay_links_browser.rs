//! A pay link in headless Chromium, on SQLite and PostgreSQL: opened as a phone would, the
//! date of birth asked and checked, the account shown with the choices the line offers, in
//! English and Spanish, each page passing axe-core's WCAG 2.2 AA rules. With
//! `IVRPAY_PAY_LINK_SCREENSHOTS=DIR` it also writes each page's screenshot there (the ones in
//! `docs/` were made so).

use crate::common;
use crate::messages::{Line, line};

use common::Backend;
use common::browser::Browser;

async fn screenshot(browser: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("IVRPAY_PAY_LINK_SCREENSHOTS") {
        let png = browser.client.screenshot().await.expect("screenshot");
        std::fs::write(format!("{dir}/{name}.png"), png).expect("screenshot written");
    }
}

async fn assert_accessible(browser: &Browser, page: &str) {
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "{page}, WCAG 2.2 AA by axe-core: {violations:#?}"
    );
}

async fn a_link_opened_in_a_browser_asks_for_proof_then_shows_the_account(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = crate::pay_links::make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let browser = Browser::start().await;
    // A phone's screen.
    browser
        .client
        .set_window_size(412, 915)
        .await
        .expect("window size");
    browser.client.goto(&url).await.expect("page");
    assert!(
        browser
            .client
            .source()
            .await
            .expect("source")
            .contains("First, let"),
        "the proof page"
    );
    assert_accessible(&browser, "the proof page").await;
    screenshot(&browser, "pay-link-proof").await;

    // A wrong date of birth: the problem is announced, tied to the field.
    browser.fill("dob", "01191984").await;
    browser.fill("zip", "77141").await;
    browser.press("Continue with my date of birth").await;
    let problem = browser.text_of("problem").await;
    assert!(problem.contains("didn't match"), "{problem}");
    assert_accessible(&browser, "the proof page with a problem").await;

    browser.fill("dob", "01181984").await;
    browser.fill("zip", "77141").await;
    browser.press("Continue with my date of birth").await;
    assert_eq!(browser.text_of("balance").await, "$445.33");
    assert_eq!(browser.text_of("due-date").await, "December 2, 2026");
    assert!(browser.path().await.ends_with("/account"));
    assert_accessible(&browser, "the account page").await;
    screenshot(&browser, "pay-link-account").await;

    // In Spanish, from the switch.
    browser
        .client
        .find(fantoccini::Locator::LinkText("Ver esta página en español"))
        .await
        .expect("the switch")
        .click()
        .await
        .expect("click");
    assert_eq!(browser.text_of("balance").await, "$445.33");
    let source = browser.client.source().await.expect("source");
    assert!(source.contains("Lo que puede hacer"), "{source}");
    assert_accessible(&browser, "the account page in Spanish").await;
    browser.close().await;
}
on_both_backends_with_own_server!(a_link_opened_in_a_browser_asks_for_proof_then_shows_the_account, needs: [Browser, Prism, Smtp]);
