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

/// Follows the link whose text contains `text`, as a tap would.
async fn follow(browser: &Browser, text: &str) {
    browser
        .client
        .find(fantoccini::Locator::XPath(&format!(
            "//a[contains(., '{text}')]"
        )))
        .await
        .expect("the link")
        .click()
        .await
        .expect("click");
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
    let account_url = browser.client.current_url().await.expect("url");

    // The promise form and the call-back form, each as a screen reader and a keyboard meet it.
    for (choice, page) in [
        ("Promise to pay by a date", "pay-link-promise"),
        ("Ask us to call you back", "pay-link-callback"),
    ] {
        browser
            .client
            .find(fantoccini::Locator::XPath(&format!(
                "//a[contains(., '{choice}')]"
            )))
            .await
            .expect("the choice")
            .click()
            .await
            .expect("click");
        let source = browser.client.source().await.expect("source");
        assert!(source.contains(&format!("<h1>{choice}</h1>")), "{source}");
        assert_accessible(&browser, page).await;
        screenshot(&browser, page).await;
        browser
            .client
            .goto(account_url.as_str())
            .await
            .expect("back to the account");
    }

    // In Spanish, from the switch.
    follow(&browser, "Ver esta página en español").await;
    assert_eq!(browser.text_of("balance").await, "$445.33");
    let source = browser.client.source().await.expect("source");
    assert!(source.contains("Lo que puede hacer"), "{source}");
    assert_accessible(&browser, "the account page in Spanish").await;

    // A link that does not open (expired, revoked, used or unknown) gets a kind page.
    browser
        .client
        .goto(&format!("{}/pay/{}", server.url, "0".repeat(32)))
        .await
        .expect("page");
    let source = browser.client.source().await.expect("source");
    assert!(source.contains("This link no longer works"), "{source}");
    assert_accessible(&browser, "the page of a link that does not open").await;
    screenshot(&browser, "pay-link-gone").await;
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

const ELIZABETH: &str = "62746688";
const ELIZABETH_PHONE: &str = "+15555138731";

async fn a_caller_at_the_balance_menu_texted_a_link_pays_in_stripes_form_once_and_sets_up_a_plan(
    backend: Backend,
) {
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
    // On the line, at the balance menu, Elizabeth (whose hardship policy lists the link there)
    // asks for a link by text.
    let mut call = server.call_from(ELIZABETH_PHONE).await;
    for keys in ["1", "1", "7607"] {
        call.press(keys).await.expect("to the balance menu");
    }
    let said = call.press("6").await.expect("the link");
    assert_heard!(&said, "I can send you a secure link to your account.");
    let said = call.press("1").await.expect("by text");
    assert_heard!(&said, "on its way");
    crate::messages::send(&server).await;
    let url = crate::messages::texts_to(&twilio, ELIZABETH_PHONE)
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
    browser.fill("dob", "04161953").await;
    browser.fill("zip", "36041").await;
    browser.press("Continue with my date of birth").await;
    assert_eq!(browser.text_of("balance").await, "$627.17");
    // The choices her policy gives the line's balance menu, in its order (the link itself and
    // a person are the page's own frame).
    let choices: Vec<String> = {
        let mut names = Vec::new();
        for choice in browser
            .client
            .find_all(fantoccini::Locator::Css("ul.choices a.choice"))
            .await
            .expect("the choices")
        {
            let text = choice.text().await.expect("text");
            names.push(text.lines().next().unwrap_or_default().to_owned());
        }
        names
    };
    assert_eq!(
        choices,
        [
            "Set up a payment plan",
            "Pay the full balance",
            "Promise to pay by a date",
            "Pay another amount",
            "Paying is hard right now",
        ],
        "the line's options, in the line's order"
    );

    // A card the bank declines as it is entered: said kindly beside the card, nothing taken.
    follow(&browser, "Pay another amount").await;
    browser.fill("amount", "25").await;
    enter_card_in_gateway_form(&browser, "4000000000000002").await;
    browser.press("Pay now").await;
    let declined = browser
        .text_becomes("card-problem", "didn't go through")
        .await;
    assert!(declined.contains("nothing was charged"), "{declined}");
    let violations: Vec<String> = browser
        .accessibility_violations()
        .await
        .into_iter()
        .filter(|v| !v.contains("#card-element"))
        .collect();
    assert!(violations.is_empty(), "the declined card: {violations:#?}");
    screenshot(&browser, "pay-link-declined").await;
    follow(&browser, "Back to my account").await;

    // Another amount, in Stripe's own form: no card number reaches the line.
    follow(&browser, "Pay another amount").await;
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
    let elizabeth = server.api_account(ELIZABETH).await;
    assert_eq!(
        elizabeth["balance_cents"],
        62717 - 2500,
        "lowered once: {elizabeth}"
    );
    let payments = elizabeth["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 1, "{elizabeth}");
    assert_eq!(payments[0]["status"], "approved");
    assert_eq!(payments[0]["gateway"], "stripe");
    let charged: Vec<_> = stripe
        .payment_intents()
        .await
        .into_iter()
        .filter(|intent| intent["amount"] == 2500 && intent["status"] == "succeeded")
        .collect();
    assert_eq!(charged.len(), 1, "one charge at the gateway: {charged:#?}");

    // Then a plan, its card kept at Stripe for the later payments.
    follow(&browser, "Back to my account").await;
    follow(&browser, "Set up a payment plan").await;
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
    let elizabeth = server.api_account(ELIZABETH).await;
    let plan = elizabeth["arrangements"]
        .as_array()
        .expect("arrangements")
        .iter()
        .find(|a| a["kind"] == "plan")
        .cloned()
        .expect("the plan");
    // Her policy's plan starts next month: nothing is charged today.
    assert_eq!(plan["installments"][0]["status"], "scheduled", "{plan}");
    assert_eq!(plan["installments"].as_array().map(Vec::len), Some(3));
    assert_eq!(plan["method_last4"], "4242");
    browser.close().await;
}
on_both_backends_with_own_server!(a_caller_at_the_balance_menu_texted_a_link_pays_in_stripes_form_once_and_sets_up_a_plan, needs: [Browser, Prism, Smtp, LocalStripe]);

async fn the_dashboard_shows_the_page_beside_the_line(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    // Linda pays $25.00 on her link's page (the sandbox's demo form).
    let made = crate::pay_links::make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = crate::pay_links::browser_like();
    let session = crate::pay_links::proved_session(&client, &url).await;
    let form = crate::pay_links::page_with(&client, &format!("{url}/pay/other"), &session).await;
    let csrf = crate::pay_links::hidden(&form, "csrf");
    let number = crate::pay_links::hidden(&form, "form");
    let (status, page) = crate::pay_links::post_as(
        &client,
        &format!("{url}/pay/other"),
        &session,
        &[
            ("csrf", csrf.as_str()),
            ("form", number.as_str()),
            ("amount", "25"),
            ("card_number", "4242424242424242"),
            ("card_expiry", "0930"),
            ("security_code", "123"),
            ("billing_zip", "77141"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    // A second link is made and never opened.
    crate::pay_links::make_link(&server, None).await;

    common::add_agent(
        &server.state,
        "rosa",
        "Rosa Díaz",
        common::console::PASSWORD,
        true,
    )
    .await;
    let browser = Browser::start().await;
    crate::dashboard_browser::sign_in(&browser, &server, "rosa").await;
    browser
        .client
        .goto(&format!(
            "{}/dashboard?from=2026-01-01&to=2027-12-31&by=channel",
            server.url
        ))
        .await
        .expect("dashboard");
    let funnel = browser
        .client
        .find(fantoccini::Locator::Id("funnel-pay-link-page"))
        .await
        .expect("the page's funnel, drawn");
    assert!(funnel.is_displayed().await.expect("displayed"));
    let text = browser.text_of("funnel").await;
    assert!(text.contains("The pay link page"), "{text}");
    assert!(text.contains("Made"), "{text}");
    assert!(text.contains("Converted"), "{text}");
    // Two links made, one opened, proved, a choice opened and paid.
    let converted = browser
        .client
        .find(fantoccini::Locator::Css(
            "#funnel-pay-link-page g[data-state='converted']",
        ))
        .await
        .expect("the converted step")
        .text()
        .await
        .expect("text");
    assert!(converted.contains('1'), "{converted}");
    let made = browser
        .client
        .find(fantoccini::Locator::Css(
            "#funnel-pay-link-page g[data-state='made']",
        ))
        .await
        .expect("the made step")
        .text()
        .await
        .expect("text");
    assert!(made.contains("2 (1 hung up)"), "{made}");
    let source = browser.client.source().await.expect("source");
    assert!(
        source.contains(">web<"),
        "a row for the web channel: {source}"
    );
    assert_accessible(&browser, "the dashboard by channel").await;
    browser
        .client
        .execute(
            "document.getElementById('funnel').scrollIntoView(); return null;",
            vec![],
        )
        .await
        .expect("scrolled to the funnel");
    screenshot(&browser, "dashboard-pay-link-funnel").await;
    browser.close().await;
}
on_both_backends_with_own_server!(the_dashboard_shows_the_page_beside_the_line, needs: [Browser, Prism, Smtp]);
