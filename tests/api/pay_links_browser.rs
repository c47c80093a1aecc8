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

/// Types into the gateway's card form (localstripe's stand-in of Stripe Elements: its fields are
/// named by their placeholders).
async fn enter_card_in_gateway_form(browser: &Browser, number: &str) {
    for (field, text) in [
        ("number", number),
        ("exp_month", "09"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "77141"),
    ] {
        browser
            .client
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(fantoccini::Locator::Css(&format!(
                "#card-element input[placeholder='{field}']"
            )))
            .await
            .expect("the gateway's card field")
            .send_keys(text)
            .await
            .expect("typing");
    }
}

/// Makes the page send its form twice, as a double tap would: a copy goes the moment the form
/// is sent, beside the form itself.
async fn send_the_form_twice(browser: &Browser) {
    browser
        .client
        .execute(
            r#"const form = document.getElementById('pay-form');
               const send = form.submit.bind(form);
               form.submit = () => {
                 fetch(form.action, { method: 'POST', credentials: 'same-origin',
                   body: new URLSearchParams(new FormData(form)) });
                 send();
               };
               return null;"#,
            vec![],
        )
        .await
        .expect("the double tap is armed");
}

async fn a_caller_texted_a_link_pays_in_stripes_form_once_and_sets_up_a_plan(backend: Backend) {
    let stripe = common::localstripe::start(common::localstripe::Mode::StripeLike).await;
    let base_url = stripe.base_url.clone();
    let Some(Line { server, twilio, .. }) =
        crate::messages::line_of(backend, |options| common::Options {
            stripe_base_url: Some(base_url),
            ..options
        })
        .await
    else {
        return;
    };
    // On the line, the caller who finds paying hard asks for a link by text.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "8", "6", "1", "3", "1"] {
        call.press(keys).await.expect("to the link by text");
    }
    crate::messages::send(&server).await;
    let url = crate::messages::texts_to(&twilio, "+15552126618")
        .iter()
        .find_map(|text| {
            text.split_whitespace()
                .find(|word| word.contains("/pay/"))
                .map(str::to_owned)
        })
        .expect("the text carries the link");
    call.hang_up(&server.url).await.expect("hang up");

    let browser = Browser::start().await;
    browser
        .client
        .set_window_size(412, 915)
        .await
        .expect("window size");
    browser.client.goto(&url).await.expect("page");
    browser.fill("dob", "01181984").await;
    browser.fill("zip", "77141").await;
    browser.press("Continue with my date of birth").await;
    assert_eq!(browser.text_of("balance").await, "$445.33");

    // Another amount, in Stripe's own form: no card number reaches the line.
    browser
        .client
        .find(fantoccini::Locator::XPath(
            "//a[contains(., 'Pay another amount')]",
        ))
        .await
        .expect("the choice")
        .click()
        .await
        .expect("click");
    browser.fill("amount", "25").await;
    enter_card_in_gateway_form(&browser, "4242424242424242").await;
    screenshot(&browser, "pay-link-pay").await;
    // The gateway's fields are its own stand-in's (in a frame of its own with real Stripe).
    let violations: Vec<String> = browser
        .accessibility_violations()
        .await
        .into_iter()
        .filter(|v| !v.contains("#card-element"))
        .collect();
    assert!(violations.is_empty(), "the payment form: {violations:#?}");
    send_the_form_twice(&browser).await;
    browser.press("Pay now").await;
    // localstripe's 3-D Secure question is not asked of a setup that needs none.
    let paid = browser.text_becomes("paid-amount", "$25.00").await;
    assert_eq!(paid, "$25.00");
    assert_accessible(&browser, "the payment's answer").await;
    screenshot(&browser, "pay-link-paid").await;
    let linda = server.api_account("66253365").await;
    assert_eq!(
        linda["balance_cents"],
        44533 - 2500,
        "lowered once: {linda}"
    );
    let payments = linda["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 1, "{linda}");
    assert_eq!(payments[0]["gateway"], "stripe");
    let charged: Vec<_> = stripe
        .payment_intents()
        .await
        .into_iter()
        .filter(|intent| intent["amount"] == 2500 && intent["status"] == "succeeded")
        .collect();
    assert_eq!(charged.len(), 1, "one charge at the gateway: {charged:#?}");

    // Then a plan, its card kept at Stripe for the later payments.
    browser
        .client
        .find(fantoccini::Locator::LinkText("Back to my account"))
        .await
        .expect("back")
        .click()
        .await
        .expect("click");
    browser
        .client
        .find(fantoccini::Locator::XPath(
            "//a[contains(., 'Set up a payment plan')]",
        ))
        .await
        .expect("the plan")
        .click()
        .await
        .expect("click");
    browser
        .client
        .find(fantoccini::Locator::Id("count-3"))
        .await
        .expect("three payments")
        .click()
        .await
        .expect("click");
    enter_card_in_gateway_form(&browser, "4242424242424242").await;
    browser
        .client
        .find(fantoccini::Locator::Id("agree"))
        .await
        .expect("the box")
        .click()
        .await
        .expect("click");
    screenshot(&browser, "pay-link-plan").await;
    browser.press("Set up my plan").await;
    let schedule = browser.text_becomes("schedule", "$").await;
    assert_eq!(schedule.lines().count(), 3, "{schedule}");
    assert_accessible(&browser, "the plan's answer").await;
    screenshot(&browser, "pay-link-plan-made").await;
    let linda = server.api_account("66253365").await;
    let plan = linda["arrangements"]
        .as_array()
        .expect("arrangements")
        .iter()
        .find(|a| a["kind"] == "plan")
        .cloned()
        .expect("the plan");
    assert_eq!(plan["installments"][0]["status"], "paid", "{plan}");
    assert_eq!(plan["method_last4"], "4242");
    browser.close().await;
}
on_both_backends_with_own_server!(a_caller_texted_a_link_pays_in_stripes_form_once_and_sets_up_a_plan, needs: [Browser, Prism, Smtp, LocalStripe]);
