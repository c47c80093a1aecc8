//! Pay links over HTTP, on SQLite and PostgreSQL: made through the admin API (and sent by text
//! through the Twilio stand-in), opened, proved with the same lockout as the line, refused
//! kindly once expired or revoked, and never stored or logged with their token.

use crate::common;
use crate::messages::{Line, line, send};

use std::time::Duration;

use common::{ADMIN_TOKEN, Backend, TestServer};
use serde_json::{Value, json};

const LINDA: &str = "66253365";

/// Makes a link for Linda through the admin API (`send`: `"sms"`, `"email"` or nothing).
pub(crate) async fn make_link(server: &TestServer, send: Option<&str>) -> Value {
    make_link_for(server, LINDA, send).await
}

/// Makes a link for `account` through the admin API.
async fn make_link_for(server: &TestServer, account: &str, send: Option<&str>) -> Value {
    let body = match send {
        Some(channel) => json!({ "send": channel }),
        None => json!({}),
    };
    let response = ivrpay::http_client()
        .post(format!("{}/api/accounts/{account}/pay-links", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("api answers");
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

/// A client that does not follow redirects, to see each answer as a browser gets it.
pub(crate) fn browser_like() -> reqwest::Client {
    ivrpay::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The page at `url` as the holder of the session cookie `session` (`name=value`) sees it.
pub(crate) async fn page_with(client: &reqwest::Client, url: &str, session: &str) -> String {
    client
        .get(url)
        .header("cookie", session)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html")
}

async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(form).send().await.expect("answers")
}

async fn a_link_opens_after_the_same_proof_as_the_line_and_shows_the_account(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url");
    let token = url.rsplit('/').next().expect("token");
    assert_eq!(token.len(), 32, "128 bits: {url}");
    let client = browser_like();

    let page = client.get(url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("This secure page is for the account ending"),
        "{html}"
    );
    assert!(html.contains("3365"));
    assert!(
        !html.contains("445.33"),
        "nothing of the account before the proof"
    );

    // The account page needs the proof first.
    let early = client
        .get(format!("{url}/account"))
        .send()
        .await
        .expect("answers");
    assert_eq!(early.status(), 303);

    // A wrong date of birth, then the right one with the ZIP.
    let wrong = post_form(&client, url, &[("dob", "1984-01-19"), ("zip", "77141")]).await;
    assert_eq!(wrong.status(), 200);
    let wrong = wrong.text().await.expect("html");
    assert!(wrong.contains("That didn't match our records."), "{wrong}");
    assert!(
        wrong.contains("aria-invalid=\"true\""),
        "the problem is tied to its field"
    );
    let proved = post_form(&client, url, &[("dob", "1984-01-18"), ("zip", "77141")]).await;
    assert_eq!(proved.status(), 303);
    let cookie = proved.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains(&format!("Path=/pay/{token}")), "{cookie}");

    let session = cookie.split(';').next().unwrap_or_default().to_owned();
    let account = client
        .get(format!("{url}/account"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(account.status(), 200);
    let html = account.text().await.expect("html");
    for shown in [
        "$445.33",
        "$44.53",
        "December 2, 2026",
        "Pay the full balance",
        "Pay the minimum due",
        "Set up a payment plan",
        "Talk to a person",
        "tel:+18005550100",
    ] {
        assert!(html.contains(shown), "{shown:?} in {html}");
    }
    // In Spanish on asking.
    let spanish = page_with(&client, &format!("{url}/account?lang=es"), &session).await;
    assert!(
        spanish.contains("lang=\"es\"") && spanish.contains("Saldo"),
        "{spanish}"
    );

    // What is kept: how far she got, never the token.
    let linda = server.api_account(LINDA).await;
    let link = &linda["pay_links"][0];
    assert_eq!(link["created_by"], "admin");
    assert_eq!(link["last_step"], "options");
    assert!(
        link["opened_at"].is_i64() && link["verified_at"].is_i64(),
        "{link}"
    );
    assert!(
        !linda.to_string().contains(token),
        "the token is never stored"
    );
    let metrics = ivrpay::http_client()
        .get(format!("{}/metrics", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for counted in [
        "ivrpay_pay_links_total{event=\"created\"} 1",
        "ivrpay_pay_links_total{event=\"opened\"} 1",
        "ivrpay_pay_links_total{event=\"proved\"} 1",
    ] {
        assert!(metrics.contains(counted), "{counted} in {metrics}");
    }
}
on_both_backends_with_own_server!(a_link_opens_after_the_same_proof_as_the_line_and_shows_the_account, needs: [Prism, Smtp]);

async fn wrong_proofs_on_the_web_lock_the_account_on_the_phone_too(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url");
    let client = browser_like();
    let mut last = String::new();
    for _ in 0..server.state.line.config.max_auth_attempts {
        last = post_form(&client, url, &[("pin", "1111")])
            .await
            .text()
            .await
            .expect("html");
    }
    assert!(last.contains("This account is locked for now"), "{last}");
    // The right PIN now: still locked, on the web ...
    let right = post_form(&client, url, &[("pin", "6446")])
        .await
        .text()
        .await
        .expect("html");
    assert!(right.contains("This account is locked for now"), "{right}");
    // ... and on the phone.
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("the right PIN");
    assert!(
        said.iter().any(|line| line.contains("locked")),
        "the line counts the web's tries: {said:?}"
    );
}
on_both_backends_with_own_server!(wrong_proofs_on_the_web_lock_the_account_on_the_phone_too, needs: [Prism, Smtp]);

async fn an_expired_or_revoked_link_is_refused_kindly(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let client = browser_like();
    // Revoked.
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url");
    let revoked = ivrpay::http_client()
        .delete(format!(
            "{}/api/accounts/{LINDA}/pay-links/{}",
            server.url, made["id"]
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("api answers");
    assert_eq!(revoked.status(), 204);
    let page = client.get(url).send().await.expect("page");
    assert_eq!(page.status(), 404);
    let html = page.text().await.expect("html");
    assert!(html.contains("This link no longer works"), "{html}");
    assert!(html.contains("tel:+18005550100"), "a way to a person");
    // Expired: links open for 72 hours.
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url");
    assert_eq!(client.get(url).send().await.expect("page").status(), 200);
    server.clock.advance(Duration::from_secs(72 * 3600 + 1));
    let page = client.get(url).send().await.expect("page");
    assert_eq!(page.status(), 404);
    // Garbage in the place of a token: the same kind page, never an error.
    for path in [
        "/pay/nothex",
        "/pay/0123456789abcdef0123456789abcdef",
        "/pay/%00",
    ] {
        let page = client
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), 404, "{path}");
    }
}
on_both_backends_with_own_server!(an_expired_or_revoked_link_is_refused_kindly, needs: [Prism, Smtp]);

async fn a_link_sent_by_text_carries_it_and_is_masked_once_sent(backend: Backend) {
    let Some(Line { server, twilio, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, Some("sms")).await;
    assert_eq!(made["sent_by"], "sms");
    let url = made["url"].as_str().expect("url");
    let token = url.rsplit('/').next().expect("token");
    let report = send(&server).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let texts = crate::messages::texts_to(&twilio, "+15552126618");
    assert!(
        texts
            .iter()
            .any(|text| text.contains(url) && text.contains("secure link")),
        "{texts:?}"
    );
    // Sent: the outbox keeps the message with the link masked.
    let linda = server.api_account(LINDA).await;
    assert!(!linda.to_string().contains(token), "{linda}");
    let message = linda["messages"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["kind"] == "pay_link"))
        .cloned()
        .expect("the message");
    assert!(
        message["body_text"]
            .as_str()
            .is_some_and(|t| t.contains("/pay/…")),
        "{message}"
    );
}
on_both_backends_with_own_server!(a_link_sent_by_text_carries_it_and_is_masked_once_sent, needs: [Prism, Smtp]);

async fn ivrpay_links_create_prints_a_link_that_opens(server: &TestServer) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"))
        .args(["links", "create", LINDA, "--url", &server.url])
        .env("IVRPAY_ADMIN_TOKEN", ADMIN_TOKEN)
        .output()
        .await
        .expect("ivrpay runs");
    assert!(out.status.success(), "{out:?}");
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(url.starts_with(&format!("{}/pay/", server.url)), "{url}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Not sent; it opens until 2026-11-2"),
        "{out:?}"
    );
    let page = browser_like().get(&url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    // A wrong token is refused by the API with its reason.
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"))
        .args(["links", "create", LINDA, "--url", &server.url])
        .env("IVRPAY_ADMIN_TOKEN", "not the token")
        .output()
        .await
        .expect("ivrpay runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("401"),
        "{refused:?}"
    );
}
on_both_backends!(ivrpay_links_create_prints_a_link_that_opens);

async fn the_agent_who_took_the_caller_texts_them_a_link_and_sees_how_far_they_got(
    backend: Backend,
) {
    let Some(Line { server, twilio, .. }) = crate::messages::line_with(backend, None, true).await
    else {
        return;
    };
    let server = &server;
    let ana = common::console::agent(server, "ana", "Ana López").await;
    let mut asking = server.linda_at_pin_question().await;
    asking.press("6446").await.expect("pin");
    asking.press("0").await.expect("a person");
    let transfer = server.transfers_of(&asking.call_sid).await[0].id;
    let (status, body) = common::console::post(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/claim"),
        &[],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains("Text them a pay link"), "{page}");
    assert!(page.contains("Email them a pay link"), "{page}");
    let (status, body) = common::console::post(
        server,
        &ana,
        &format!("/agent/transfers/{transfer}/pay-link"),
        &[("send", "sms")],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains("Pay link sent by text at"), "{page}");
    assert!(page.contains("not opened yet"), "{page}");

    // The text goes out; Linda opens it and proves it is her.
    send(server).await;
    let texts = crate::messages::texts_to(&twilio, "+15552126618");
    let url = texts
        .iter()
        .find_map(|text| {
            text.split_whitespace()
                .find(|word| word.contains("/pay/"))
                .map(str::to_owned)
        })
        .expect("the link in the text");
    let client = browser_like();
    let proved = post_form(&client, &url, &[("pin", "6446")]).await;
    assert_eq!(proved.status(), 303);
    let page = common::console::console_page(server, &ana).await;
    assert!(page.contains("opened, proved it was them"), "{page}");
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["pay_links"][0]["created_by"], "agent:ana");
    asking.hang_up(&server.url).await.expect("hang up");
}
on_both_backends_with_own_server!(the_agent_who_took_the_caller_texts_them_a_link_and_sees_how_far_they_got, needs: [Prism, Smtp]);

async fn a_caller_who_finds_paying_hard_asks_for_a_link_by_text_and_opens_it(backend: Backend) {
    let Some(Line { server, twilio, .. }) = line(backend, None).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "8", "6"] {
        call.press(keys).await.expect("to trouble paying");
    }
    let said = call.press("1").await.expect("lost work");
    assert_heard!(
        &said,
        "To get a secure link by text or email, to look at your choices on your phone at your \
         own pace, say link or press 3."
    );
    let said = call.press("3").await.expect("a link");
    assert_heard!(&said, "I can send you a secure link to your account.");
    assert_heard!(
        &said,
        "To get it by text message to the number ending in 6 6 1 8, say or press 1."
    );
    // The provider delivers the key twice at once: one link, one text.
    let said = server.press_concurrently(&call, "1", 2).await;
    assert!(
        said.contains("on its way; the message says until when the link works."),
        "{said}"
    );
    let linda = server.api_account(LINDA).await;
    let links = linda["pay_links"].as_array().expect("links");
    assert_eq!(links.len(), 1, "{linda}");
    assert_eq!(links[0]["sent_by"], "sms");
    assert!(
        links[0]["created_by"]
            .as_str()
            .is_some_and(|by| by.starts_with("call:twilio:")),
        "{linda}"
    );
    send(&server).await;
    let texts = crate::messages::texts_to(&twilio, "+15552126618");
    let urls: Vec<String> = texts
        .iter()
        .filter_map(|text| {
            text.split_whitespace()
                .find(|word| word.contains("/pay/"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(urls.len(), 1, "{texts:?}");
    // Opened and proved with her date of birth and ZIP, it shows the balance.
    let client = browser_like();
    let proved = post_form(
        &client,
        &urls[0],
        &[("dob", "1984-01-18"), ("zip", "77141")],
    )
    .await;
    assert_eq!(proved.status(), 303);
    let cookie = proved.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let page = page_with(&client, &format!("{}/account", urls[0]), &cookie).await;
    assert!(page.contains("$445.33"), "{page}");
}
on_both_backends_with_own_server!(a_caller_who_finds_paying_hard_asks_for_a_link_by_text_and_opens_it, needs: [Prism, Smtp]);

async fn one_address_guessing_through_many_links_is_stopped(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let lindas = make_link(&server, None).await;
    let james = make_link_for(&server, "97842651", None).await;
    let client = browser_like();
    let limit = ivrpay::pay_links::PROOFS_PER_ADDRESS;
    for _ in 0..limit {
        let url = lindas["url"].as_str().expect("url");
        post_form(&client, url, &[("pin", "1111")]).await;
    }
    // James's own PIN, from the same address: refused until the window passes.
    let url = james["url"].as_str().expect("url");
    let refused = post_form(&client, url, &[("pin", "1209")]).await;
    assert_eq!(refused.status(), 429);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("locked for now"),
        "the kind page, with the number to call"
    );
    server
        .clock
        .advance(ivrpay::pay_links::PROOF_WINDOW + Duration::from_secs(1));
    let proved = post_form(&client, url, &[("pin", "1209")]).await;
    assert_eq!(proved.status(), 303, "the right PIN once the window passed");
}
on_both_backends_with_own_server!(one_address_guessing_through_many_links_is_stopped, needs: [Prism, Smtp]);

async fn a_reminder_carries_a_link_made_once_that_opens(backend: Backend) {
    use ivrpay::collections::run_due::{self, Collector};
    let Some(Line { server, twilio, .. }) = line(backend, None).await else {
        return;
    };
    // Linda promises $50 by December 5th and asks for it in writing by text.
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "5", "1205", "50", "1"] {
        call.press(keys).await.expect("a promise");
    }
    call.press("9").await.expect("end");
    call.press("1").await.expect("by text");
    // The day before, the reminder; run again that day, nothing more.
    let collector = Collector::of(&server.state.line);
    for _ in 0..2 {
        run_due::run(&collector, time::macros::date!(2026 - 12 - 04))
            .await
            .expect("run");
    }
    send(&server).await;
    let texts = crate::messages::texts_to(&twilio, "+15552126618");
    let reminders: Vec<&String> = texts
        .iter()
        .filter(|text| text.contains("Your balance and choices online:"))
        .collect();
    assert_eq!(reminders.len(), 1, "{texts:?}");
    let url = reminders[0]
        .split_whitespace()
        .find(|word| word.contains("/pay/"))
        .expect("the link");
    let linda = server.api_account(LINDA).await;
    let links = linda["pay_links"].as_array().expect("links");
    assert_eq!(links.len(), 1, "one link for one reminder: {linda}");
    assert_eq!(links[0]["created_by"], "reminder");
    assert_eq!(links[0]["sent_by"], "sms");
    let page = browser_like().get(url).send().await.expect("page");
    assert_eq!(page.status(), 200, "the reminder's link opens");
}
on_both_backends_with_own_server!(a_reminder_carries_a_link_made_once_that_opens, needs: [Prism, Smtp]);

async fn after_a_declined_card_the_caller_can_ask_for_a_link(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let mut call = server.linda_at_card_number("25").await;
    server
        .enter_card(&mut call, "4000000000000002", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("pay");
    assert_heard!(&said, "I'm sorry, the bank declined that card.");
    assert_heard!(
        &said,
        "To get a secure link by text or email, to come back to this on your phone when it \
         suits you, say link or press 3."
    );
    let said = call.press("3").await.expect("a link");
    assert_heard!(&said, "I can send you a secure link to your account.");
    let said = call.press("2").await.expect("by email");
    assert_heard!(
        &said,
        "on its way; the message says until when the link works."
    );
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["pay_links"][0]["sent_by"], "email", "{linda}");
}
on_both_backends_with_own_server!(after_a_declined_card_the_caller_can_ask_for_a_link, needs: [Prism, Smtp]);

/// The value of the hidden field `name` in a page's form.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker).map(|at| at + marker.len());
    at.and_then(|at| page[at..].split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Proves Linda on her link `url` with her date of birth: the session cookie.
pub(crate) async fn proved_session(client: &reqwest::Client, url: &str) -> String {
    let proved = post_form(client, url, &[("dob", "1984-01-18"), ("zip", "77141")]).await;
    assert_eq!(proved.status(), 303);
    proved.headers()["set-cookie"]
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub(crate) async fn post_as(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let answer = client
        .post(url)
        .header("cookie", session)
        .form(form)
        .send()
        .await
        .expect("answers");
    let status = answer.status().as_u16();
    (status, answer.text().await.expect("html"))
}

async fn a_payment_promise_and_plan_made_on_the_page_are_recorded_once_like_the_lines(
    backend: Backend,
) {
    let Some(Line { server, smtp, .. }) =
        crate::messages::line_of(backend, crate::metrics::with_metrics).await
    else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = browser_like();
    let session = proved_session(&client, &url).await;
    let account = page_with(&client, &format!("{url}/account"), &session).await;
    assert!(
        account.contains("/pay/other"),
        "paying is on the page: {account}"
    );
    assert!(account.contains("/promise"), "{account}");

    // Another amount, by the sandbox's labelled demo form.
    let form = page_with(&client, &format!("{url}/pay/other"), &session).await;
    assert!(form.contains("Demo only"), "{form}");
    assert!(form.contains("Any amount from"), "{form}");
    let csrf = hidden(&form, "csrf");
    let number = hidden(&form, "form");
    let paying = [
        ("csrf", csrf.as_str()),
        ("form", number.as_str()),
        ("amount", "$25.00"),
        ("card_number", "4242 4242 4242 4242"),
        ("card_expiry", "09/30"),
        ("security_code", "123"),
        ("billing_zip", "77141"),
        ("receipt", "email"),
    ];
    // Sent twice at once (a double tap): one charge, the same answer.
    let pay_url = format!("{url}/pay/other");
    let (first, second) = tokio::join!(
        post_as(&client, &pay_url, &session, &paying),
        post_as(&client, &pay_url, &session, &paying)
    );
    for (status, page) in [&first, &second] {
        assert_eq!(*status, 200, "{page}");
        assert!(page.contains("your payment is done"), "{page}");
        assert!(page.contains("$25.00"), "{page}");
    }
    let code = hidden_text(&first.1, "confirmation");
    assert_eq!(code, hidden_text(&second.1, "confirmation"));
    let linda = server.api_account(LINDA).await;
    assert_eq!(
        linda["balance_cents"],
        44533 - 2500,
        "lowered once: {linda}"
    );
    let payments = linda["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 1, "{linda}");
    assert_eq!(payments[0]["call_sid"], "link-1");
    assert_eq!(payments[0]["status"], "approved");
    // No card digits kept beyond the last four.
    assert!(!linda.to_string().contains("424242424242"), "{linda}");
    send(&server).await;
    assert!(
        smtp.received()
            .iter()
            .any(|m| m.text.contains(&code) && m.text.contains("$25.00")),
        "the receipt by email"
    );

    // A form posted without this session's token changes nothing.
    let (status, _) = post_as(
        &client,
        &pay_url,
        &session,
        &[
            ("csrf", "0000"),
            ("form", number.as_str()),
            ("amount", "30"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // An amount over the balance is said, tied to its field, and nothing is charged.
    let form = page_with(&client, &pay_url, &session).await;
    let (status, page) = post_as(
        &client,
        &pay_url,
        &session,
        &[
            ("csrf", hidden(&form, "csrf").as_str()),
            ("form", hidden(&form, "form").as_str()),
            ("amount", "9999"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("more than your balance"), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");

    // A promise, with its consent recorded.
    let form = page_with(&client, &format!("{url}/promise"), &session).await;
    let promise = [
        ("csrf", hidden(&form, "csrf")),
        ("form", hidden(&form, "form")),
        ("amount", "100".to_owned()),
        ("date", "2026-12-01".to_owned()),
        ("agree", "yes".to_owned()),
        ("receipt", "none".to_owned()),
    ];
    let promise: Vec<(&str, &str)> = promise.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let (status, page) = post_as(&client, &format!("{url}/promise"), &session, &promise).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("your promise is recorded"), "{page}");
        assert!(
            page.contains("I promise to pay $100.00 by December 1, 2026"),
            "{page}"
        );
    }
    let linda = server.api_account(LINDA).await;
    let promises: Vec<&Value> = linda["arrangements"]
        .as_array()
        .expect("arrangements")
        .iter()
        .filter(|a| a["kind"] == "promise")
        .collect();
    assert_eq!(promises.len(), 1, "once: {linda}");
    assert_eq!(promises[0]["consent_version"], "web-promise-2026-12");
    assert_eq!(promises[0]["promised_by"], "2026-12-01");

    // A plan: the schedule chosen, the authorisation agreed, the first payment taken now.
    let form = page_with(&client, &format!("{url}/plan"), &session).await;
    assert!(form.contains("you authorize Riverside Utilities"), "{form}");
    let plan = [
        ("csrf", hidden(&form, "csrf")),
        ("form", hidden(&form, "form")),
        ("count", "3".to_owned()),
        ("agree", "yes".to_owned()),
        ("card_number", "4242424242424242".to_owned()),
        ("card_expiry", "0930".to_owned()),
        ("security_code", "123".to_owned()),
        ("billing_zip", "77141".to_owned()),
    ];
    let plan: Vec<(&str, &str)> = plan.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Sent twice (a reload): one plan, one first payment.
    for _ in 0..2 {
        let (status, page) = post_as(&client, &format!("{url}/plan"), &session, &plan).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Your payment plan is set up"), "{page}");
    }
    let linda = server.api_account(LINDA).await;
    let plans: Vec<&Value> = linda["arrangements"]
        .as_array()
        .expect("arrangements")
        .iter()
        .filter(|a| a["kind"] == "plan")
        .collect();
    assert_eq!(plans.len(), 1, "{linda}");
    assert_eq!(plans[0]["consent_version"], "web-plan-2026-11");
    assert_eq!(plans[0]["installments"][0]["status"], "paid");
    assert_eq!(linda["pay_links"][0]["converted"], "plan");

    // The report shows the page beside the line: by channel, and the page's own funnel.
    let report: Value = ivrpay::http_client()
        .get(format!(
            "{}/api/reports?from=2026-01-01&to=2027-12-31&by=channel",
            server.url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    let web = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["group"] == "web")
        .cloned()
        .expect("a web row");
    // The $25.00, and the plan's first payment, taken on the page.
    let first = plans[0]["installments"][0]["amount_cents"]
        .as_i64()
        .expect("first installment");
    assert_eq!(web["payments"]["approved"], 2, "{web}");
    assert_eq!(web["payments"]["approved_cents"], 2500 + first, "{web}");
    assert_eq!(web["arrangements"]["promise"], 1, "{web}");
    assert_eq!(web["arrangements"]["plan"], 1, "{web}");
    assert_eq!(web["calls"]["total"], 0, "visits are not calls: {web}");
    let page: Vec<(String, i64)> = report["funnel"]
        .as_array()
        .expect("funnel")
        .iter()
        .filter(|step| step["flow"] == "pay link page")
        .map(|step| {
            (
                step["state"].as_str().unwrap_or_default().to_owned(),
                step["reached"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, i64)> = [
        ("made", 1),
        ("opened", 1),
        ("proved", 1),
        ("chose", 1),
        ("converted", 1),
    ]
    .iter()
    .map(|(state, n)| ((*state).to_owned(), *n))
    .collect();
    assert_eq!(page, expected, "{report}");
    let metrics = ivrpay::http_client()
        .get(format!("{}/metrics", server.url))
        .bearer_auth(crate::metrics::METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("ivrpay_pay_links_total{event=\"converted\"} 3"),
        "a payment, a promise and a plan: {metrics}"
    );
}
on_both_backends_with_own_server!(a_payment_promise_and_plan_made_on_the_page_are_recorded_once_like_the_lines, needs: [Prism, Smtp]);

/// The text of the element `id` (no nested markup) in a page.
fn hidden_text(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    page.find(&marker)
        .and_then(|at| page[at + marker.len()..].split('<').next())
        .unwrap_or_default()
        .to_owned()
}

async fn paying_the_balance_in_full_uses_the_link_up(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = browser_like();
    let session = proved_session(&client, &url).await;
    let form = page_with(&client, &format!("{url}/pay/full"), &session).await;
    assert!(form.contains("$445.33"), "{form}");
    let paying = [
        ("csrf", hidden(&form, "csrf")),
        ("form", hidden(&form, "form")),
        ("card_number", "4242424242424242".to_owned()),
        ("card_expiry", "0930".to_owned()),
        ("security_code", "123".to_owned()),
        ("billing_zip", "77141".to_owned()),
    ];
    let paying: Vec<(&str, &str)> = paying.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = post_as(&client, &format!("{url}/pay/full"), &session, &paying).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("paid in full. This link won't open again"),
        "{page}"
    );
    // Sent again, the form still says what it came to; the link opens nothing else.
    let (_, again) = post_as(&client, &format!("{url}/pay/full"), &session, &paying).await;
    assert!(again.contains("your payment is done"), "{again}");
    let gone = client.get(&url).send().await.expect("page");
    assert_eq!(gone.status(), 404);
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["balance_cents"], 0, "{linda}");
    assert!(linda["pay_links"][0]["used_at"].is_i64(), "{linda}");
}
on_both_backends_with_own_server!(paying_the_balance_in_full_uses_the_link_up, needs: [Prism, Smtp]);

async fn a_call_back_asked_for_on_the_page_joins_the_consoles_list_once(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = browser_like();
    let session = proved_session(&client, &url).await;
    let account = page_with(&client, &format!("{url}/account"), &session).await;
    assert!(account.contains("Ask us to call you back"), "{account}");
    let form = page_with(&client, &format!("{url}/callback"), &session).await;
    assert!(
        form.contains("The number on file, ending in 6618"),
        "{form}"
    );
    assert!(form.contains("between"), "the windows in words: {form}");
    let csrf = hidden(&form, "csrf");
    let number = hidden(&form, "form");
    let first_window = radio_value(&form, "window-1");
    // A number that is not one is said, and nothing is recorded.
    let (status, page) = post_as(
        &client,
        &format!("{url}/callback"),
        &session,
        &[
            ("csrf", csrf.as_str()),
            ("form", number.as_str()),
            ("window", first_window.as_str()),
            ("phone_choice", "other"),
            ("phone", "555-12"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("10-digit US phone number"), "{page}");
    let form = page_with(&client, &format!("{url}/callback"), &session).await;
    let asking = [
        ("csrf", hidden(&form, "csrf")),
        ("form", hidden(&form, "form")),
        ("window", radio_value(&form, "window-2")),
        ("phone_choice", "on_file".to_owned()),
    ];
    let asking: Vec<(&str, &str)> = asking.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let (status, page) = post_as(&client, &format!("{url}/callback"), &session, &asking).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("We'll call you back"), "{page}");
        assert!(page.contains("at the number ending in 6618"), "{page}");
    }
    let listed: Vec<Value> = ivrpay::http_client()
        .get(format!("{}/api/callbacks?status=open", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("callbacks")
        .json()
        .await
        .expect("json");
    assert_eq!(listed.len(), 1, "once: {listed:?}");
    assert_eq!(listed[0]["phone"], "+15552126618");
    assert_eq!(listed[0]["reason"], "web");
    assert_eq!(listed[0]["account_number"], LINDA);
}
on_both_backends_with_own_server!(a_call_back_asked_for_on_the_page_joins_the_consoles_list_once, needs: [Prism, Smtp]);

/// The value of the radio button `id` in a page.
fn radio_value(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page.find(&marker).expect("the radio button");
    let rest = &page[at..];
    let value = rest.find("value=\"").expect("its value") + "value=\"".len();
    rest[value..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn a_link_takes_no_more_cards_after_three_are_declined(backend: Backend) {
    let Some(Line { server, .. }) = line(backend, None).await else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = browser_like();
    let session = proved_session(&client, &url).await;
    let pay_url = format!("{url}/pay/minimum");
    for _ in 0..ivrpay::pay_links::choices::DECLINES_PER_LINK {
        let form = page_with(&client, &pay_url, &session).await;
        let (status, page) = post_as(
            &client,
            &pay_url,
            &session,
            &[
                ("csrf", hidden(&form, "csrf").as_str()),
                ("form", hidden(&form, "form").as_str()),
                ("card_number", "4000000000000002"),
                ("card_expiry", "0930"),
                ("security_code", "123"),
                ("billing_zip", "77141"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("didn't go through"), "{page}");
        assert!(page.contains("Try again"), "{page}");
    }
    // A list of cards tried through one link stops here; a person is a call away.
    let refused = client
        .get(&pay_url)
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(refused.status(), 429);
    let page = refused.text().await.expect("html");
    assert!(page.contains("This page can't take another card"), "{page}");
    assert!(page.contains("tel:+18005550100"), "{page}");
    // Choosing something else still works: the promise form opens.
    let promise = page_with(&client, &format!("{url}/promise"), &session).await;
    assert!(promise.contains("Promise to pay by a date"), "{promise}");
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["balance_cents"], 44533, "{linda}");
}
on_both_backends_with_own_server!(a_link_takes_no_more_cards_after_three_are_declined, needs: [Prism, Smtp]);

/// The sandbox, except that its first two charges never answer (a gateway that went quiet while
/// a page's payment was with it).
struct QuietAtFirst {
    sandbox: ivrpay::payments::SandboxGateway,
    calls: std::sync::atomic::AtomicUsize,
}

impl ivrpay::payments::Gateway for QuietAtFirst {
    fn name(&self) -> &'static str {
        // The page takes the sandbox's test cards itself.
        "sandbox"
    }

    fn charge<'a>(
        &'a self,
        req: &'a ivrpay::payments::ChargeRequest<'_>,
    ) -> ivrpay::payments::gateway::ChargeFuture<'a> {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if call < 2 {
            Box::pin(std::future::pending())
        } else {
            self.sandbox.charge(req)
        }
    }
}

async fn a_page_payment_whose_answer_was_lost_is_asked_again_and_settled(backend: Backend) {
    let Some(Line { server, .. }) = crate::messages::line_of(backend, |options| common::Options {
        gateway: Some(std::sync::Arc::new(QuietAtFirst {
            sandbox: ivrpay::payments::SandboxGateway::default(),
            calls: std::sync::atomic::AtomicUsize::new(0),
        })),
        gateway_timeout: Duration::from_millis(200),
        ..options
    })
    .await
    else {
        return;
    };
    let made = make_link(&server, None).await;
    let url = made["url"].as_str().expect("url").to_owned();
    let client = browser_like();
    let session = proved_session(&client, &url).await;
    let pay_url = format!("{url}/pay/minimum");
    let form = page_with(&client, &pay_url, &session).await;
    let paying = [
        ("csrf", hidden(&form, "csrf")),
        ("form", hidden(&form, "form")),
        ("card_number", "4242424242424242".to_owned()),
        ("card_expiry", "0930".to_owned()),
        ("security_code", "123".to_owned()),
        ("billing_zip", "77141".to_owned()),
    ];
    let paying: Vec<(&str, &str)> = paying.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = post_as(&client, &pay_url, &session, &paying).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("We're confirming your payment"), "{page}");
    assert!(page.contains("Please don't pay again"), "{page}");
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["payments"][0]["status"], "unknown", "{linda}");
    assert_eq!(linda["balance_cents"], 44533);

    // Upkeep asks the gateway again under the same key, with the card sealed with the payment.
    server.clock.advance(Duration::from_secs(120));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.payments_settled, 1, "{report:?}");
    let linda = server.api_account(LINDA).await;
    assert_eq!(linda["payments"][0]["status"], "approved", "{linda}");
    assert_eq!(linda["balance_cents"], 44533 - 4453, "{linda}");
    // The same form sent again now shows the payment.
    let (_, page) = post_as(&client, &pay_url, &session, &paying).await;
    assert!(page.contains("your payment is done"), "{page}");
    // And the card waited only until then.
    assert!(!format!("{linda}").contains("4242424242424242"), "{linda}");
}
on_both_backends_with_own_server!(a_page_payment_whose_answer_was_lost_is_asked_again_and_settled, needs: [Prism, Smtp]);
