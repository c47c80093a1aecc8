//! The dashboard in headless Chromium, on SQLite and PostgreSQL: after calls with known outcomes
//! (one paid, one hung up at the PIN, one put through to a person), an admin signed in sees the
//! period's numbers and the drop-off funnel drawn, with the PIN question showing the caller who
//! hung up there; the CSV is offered for download. An agent who is not an admin is refused, and
//! nobody unsigned gets in.
//!
//! With `IVRPAY_WRITE_SCREENSHOT=1` the SQLite run also saves the page as `docs/dashboard.png`,
//! the README's screenshot.

use crate::common;

use common::TestServer;
use common::browser::Browser;
use fantoccini::Locator;

const PASSWORD: &str = common::console::PASSWORD;

/// Three calls of Monday 2026-11-23: paid $5, hung up at the PIN, put through to a person.
async fn three_calls(server: &TestServer) {
    let mut paid = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut paid, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = paid.press("1").await.expect("pay");
    assert_heard!(&said, "Your confirmation number is");
    paid.hang_up(&server.url).await.expect("hang up");

    let mut at_pin = server.linda_at_pin_question().await;
    at_pin.hang_up(&server.url).await.expect("hang up");

    let mut transferred = server.linda_at_pin_question().await;
    transferred.press("6446").await.expect("pin");
    transferred.press("0").await.expect("a person");
    transferred.hang_up(&server.url).await.expect("hang up");
}

pub(crate) async fn sign_in(browser: &Browser, server: &TestServer, username: &str) {
    browser
        .client
        .goto(&format!("{}/agent", server.url))
        .await
        .expect("page");
    browser.fill("username", username).await;
    browser.fill("password", PASSWORD).await;
    browser.press("Sign in").await;
    // The console is showing (the agent's name is on it) before anything on it is looked for:
    // right after the click the sign-in page may still be the one shown.
    browser.text_of("agent-name").await;
}

async fn an_admin_sees_the_numbers_and_where_callers_give_up(server: &TestServer) {
    // Arrange
    common::add_agent(&server.state, "rosa", "Rosa Díaz", PASSWORD, true).await;
    three_calls(server).await;
    let browser = Browser::start().await;
    let client = &browser.client;
    sign_in(&browser, server, "rosa").await;

    // Act: from the console's link.
    client
        .find(Locator::Id("dashboard-link"))
        .await
        .expect("the dashboard link, for an admin")
        .click()
        .await
        .expect("click");

    // Assert: the period's numbers.
    assert_eq!(browser.path().await, "/dashboard");
    assert_eq!(browser.text_of("figure-calls").await, "3");
    assert_eq!(browser.text_of("figure-transferred").await, "1");
    assert_eq!(browser.text_of("figure-abandoned").await, "1");
    assert_eq!(browser.text_of("figure-paid").await, "$5.00");
    assert_eq!(browser.text_of("figure-approval").await, "100.0%");
    // The funnel is drawn and visible, the PIN question with the caller who hung up there.
    let funnel = client
        .find(Locator::Id("funnel-payment"))
        .await
        .expect("the funnel picture");
    assert!(funnel.is_displayed().await.expect("displayed"));
    let size = funnel.rectangle().await.expect("size");
    assert!(
        size.2 > 300.0 && size.3 > 100.0,
        "drawn large enough: {size:?}"
    );
    let pin = client
        .find(Locator::Css("#funnel-payment g[data-state='ask_pin']"))
        .await
        .expect("the PIN question in the funnel");
    let pin_text = pin.text().await.expect("text");
    assert!(pin_text.contains("(1 hung up)"), "{pin_text}");
    // Every label a person reads is words, never a state's name.
    let table = client
        .find(Locator::Css("#funnel table"))
        .await
        .expect("the funnel's table");
    let table_text: String = table
        .prop("textContent")
        .await
        .expect("text")
        .unwrap_or_default();
    for raw in [
        "Check pin",
        "Route account",
        "Goodbye paid",
        "check_pin",
        "route_account",
    ] {
        assert!(!table_text.contains(raw), "{raw:?} in {table_text}");
    }
    assert!(table_text.contains("Checking their PIN"), "{table_text}");
    // A chart of one day's column is drawn at its own size, not blown up to the page's width.
    for id in ["calls-chart", "payments-chart"] {
        let chart = client
            .find(Locator::Css(&format!("#{id} svg")))
            .await
            .expect("the chart");
        let (_, _, width, height) = chart.rectangle().await.expect("size");
        assert!(
            height > 100.0 && height <= 300.0 && width <= 300.0,
            "#{id} is {width}x{height}"
        );
    }
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "the dashboard, WCAG 2.2 AA: {violations:#?}"
    );
    // The CSV is offered, for this period.
    let csv = client
        .find(Locator::Id("download-csv"))
        .await
        .expect("download link");
    let href = csv.attr("href").await.expect("href").unwrap_or_default();
    assert!(href.contains("/dashboard/report.csv?from="), "{href}");
    if std::env::var("IVRPAY_WRITE_SCREENSHOT").is_ok_and(|v| v == "1")
        && server.database_url.starts_with("sqlite:")
    {
        // The funnel is the picture operations look at first.
        client
            .execute(
                "document.getElementById('funnel').scrollIntoView(); return null;",
                vec![],
            )
            .await
            .expect("scroll");
        let png = client.screenshot().await.expect("screenshot");
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .join("docs/dashboard.png");
        std::fs::write(&path, png).expect("write docs/dashboard.png");
    }
    browser.close().await;
}
on_both_backends!(an_admin_sees_the_numbers_and_where_callers_give_up, needs: [Browser]);

/// `GET path` with `agent`'s session: status, content type and body.
async fn download(
    server: &TestServer,
    agent: &common::console::Agent,
    path: &str,
) -> (u16, String, String) {
    let response = common::console::client()
        .get(format!("{}{path}", server.url))
        .header("cookie", &agent.cookie)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

async fn the_csv_downloads_hold_the_period(server: &TestServer) {
    three_calls(server).await;
    let rosa = common::console::admin(server, "rosa", "Rosa Díaz").await;
    let ana = common::console::agent(server, "ana", "Ana López").await;
    let period = "?from=2026-11-23&to=2026-11-23";

    let (status, kind, rows) =
        download(server, &rosa, &format!("/dashboard/report.csv{period}")).await;
    let (_, _, funnel) = download(server, &rosa, &format!("/dashboard/funnel.csv{period}")).await;

    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let mut lines = rows.lines();
    assert!(
        lines
            .next()
            .is_some_and(|header| header.starts_with("group,calls,")),
        "{rows}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|row| row.starts_with("2026-11-23,3,")),
        "{rows}"
    );
    assert!(funnel.contains("payment,ask_pin,3,2,0,1,0"), "{funnel}");
    let (status, _, _) = download(server, &ana, &format!("/dashboard/report.csv{period}")).await;
    assert_eq!(status, 403, "admins only");
}
on_both_backends!(the_csv_downloads_hold_the_period);

async fn only_admins_get_the_dashboard_and_its_csv(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;
    let browser = Browser::start().await;
    sign_in(&browser, server, "ana").await;
    assert!(
        browser
            .client
            .find(Locator::Id("dashboard-link"))
            .await
            .is_err(),
        "no link for an agent"
    );
    browser
        .client
        .goto(&format!("{}/dashboard", server.url))
        .await
        .expect("page");
    let body = browser
        .client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text");
    assert!(body.contains("The dashboard is for admins."), "{body}");
    browser.close().await;

    // Unsigned: sent to sign in, and the CSV refused.
    let client = common::console::client();
    let page = client
        .get(format!("{}/dashboard", server.url))
        .header("accept", "text/html")
        .send()
        .await
        .expect("answer");
    assert_eq!(page.status(), 303);
    let csv = client
        .get(format!("{}/dashboard/report.csv", server.url))
        .send()
        .await
        .expect("answer");
    assert_eq!(csv.status(), 401);
}
on_both_backends!(only_admins_get_the_dashboard_and_its_csv, needs: [Browser]);

/// A bank debit returned as not authorised: one of two debits, far over NACHA's 0.5% ceiling.
async fn bank_returns_over_a_ceiling_are_red_on_the_dashboard(backend: common::Backend) {
    use crate::bank_debit::{a_look_later, checking_account, later, linda_pays_from_her_bank};
    let Some(line) = crate::messages::line(backend, None).await else {
        return;
    };
    let server = &line.server;
    for account in ["000123456789", "000333333335"] {
        let mut call = linda_pays_from_her_bank(server, "25").await;
        checking_account(&mut call, account).await;
        let said = call.press("1").await.expect("authorised");
        assert_heard!(&said, "is scheduled for");
    }
    later(server, a_look_later()).await;
    later(server, ivrpay::payments::sandbox::RETURNED_AFTER_SETTLING).await;
    common::add_agent(&server.state, "rosa", "Rosa Díaz", PASSWORD, true).await;
    let browser = Browser::start().await;
    let client = &browser.client;
    sign_in(&browser, server, "rosa").await;
    client
        .goto(&format!("{}/dashboard", server.url))
        .await
        .expect("the dashboard");

    let row = client
        .find(Locator::Css("#bank-return-rates tr.over"))
        .await
        .expect("a row over its ceiling");
    let text = row.text().await.expect("text");
    assert!(text.contains("Unauthorized"), "{text}");
    assert!(
        text.contains("50.00%") && text.contains("over the ceiling"),
        "{text}"
    );
    let colour = client
        .execute(
            "return getComputedStyle(document.querySelector('#bank-return-rates tr.over td')).color;",
            vec![],
        )
        .await
        .expect("style");
    assert_eq!(colour, "rgb(178, 24, 43)", "red");
    let codes = client
        .find(Locator::Id("bank-return-codes"))
        .await
        .expect("returns by code")
        .text()
        .await
        .expect("text");
    assert!(
        codes.contains("R10 not authorized by the account holder"),
        "{codes}"
    );
    let violations = browser.accessibility_violations().await;
    assert!(
        violations.is_empty(),
        "WCAG 2.2 AA, by axe-core: {violations:#?}"
    );
    if let Ok(path) = std::env::var("IVRPAY_BANK_RETURNS_SCREENSHOT") {
        client
            .execute(
                "document.getElementById('bank-returns').scrollIntoView(); return null;",
                vec![],
            )
            .await
            .expect("scroll");
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("screenshot written");
    }
    browser.close().await;
}
on_both_backends_with_own_server!(bank_returns_over_a_ceiling_are_red_on_the_dashboard, needs: [Browser, Prism, Smtp]);
