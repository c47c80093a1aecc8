//! The agent console's foundation, black-box over HTTP on SQLite and PostgreSQL: the session
//! cookie, CSRF and origin checks, throttled sign-in, disabled agents, and the guard in front of
//! every console route.

use crate::common;

use std::time::Duration;

use common::{Backend, TestServer};
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};

const PASSWORD: &str = "a long enough password";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    ivrpay::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Posts the sign-in form as the console's own page would (from its origin).
async fn sign_in(server: &TestServer, username: &str, password: &str) -> reqwest::Response {
    sign_in_from(server, &server.state.line.public_url, username, password).await
}

async fn sign_in_from(
    server: &TestServer,
    origin: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/agent/sign-in", server.url))
        .header(ORIGIN, origin)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("server answers")
}

/// The `name=value` of a response's `Set-Cookie`, and the whole header.
fn cookie_of(response: &reqwest::Response) -> (String, String) {
    let header = response
        .headers()
        .get(SET_COOKIE)
        .expect("a cookie is set")
        .to_str()
        .expect("ascii")
        .to_owned();
    let pair = header.split(';').next().expect("name=value").to_owned();
    (pair, header)
}

/// Signs in and returns the cookie to send back.
async fn signed_in(server: &TestServer, username: &str) -> String {
    let response = sign_in(server, username, PASSWORD).await;
    assert_eq!(response.status(), 303, "sign-in succeeds");
    cookie_of(&response).0
}

async fn console(server: &TestServer, cookie: &str) -> reqwest::Response {
    client()
        .get(format!("{}/agent", server.url))
        .header(COOKIE, cookie)
        .header("accept", "text/html")
        .send()
        .await
        .expect("server answers")
}

/// The console page's CSRF token (from its sign-out form).
async fn csrf_token(server: &TestServer, cookie: &str) -> String {
    let page = console(server, cookie).await.text().await.expect("body");
    let (_, rest) = page
        .split_once("name=\"csrf\" value=\"")
        .expect("a CSRF field");
    rest.split('"').next().expect("value").to_owned()
}

async fn sign_out(
    server: &TestServer,
    cookie: &str,
    origin: &str,
    csrf: Option<&str>,
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = csrf.map(|token| ("csrf", token)).into_iter().collect();
    client()
        .post(format!("{}/agent/sign-out", server.url))
        .header(COOKIE, cookie)
        .header(ORIGIN, origin)
        .form(&form)
        .send()
        .await
        .expect("server answers")
}

fn is_sent_to_sign_in(response: &reqwest::Response) -> bool {
    response.status() == 303
        && response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            == Some("/agent/sign-in")
}

async fn sign_in_sets_a_strict_httponly_cookie_and_opens_the_console(server: &TestServer) {
    // Arrange
    common::add_agent(&server.state, "ana", "Ana López", PASSWORD, false).await;

    // Act
    let response = sign_in(server, "Ana", PASSWORD).await;

    // Assert
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/agent");
    let (pair, header) = cookie_of(&response);
    let token = pair
        .strip_prefix("ivrpay_agent=")
        .expect("the session cookie");
    assert_eq!(token.len(), 64, "256 bits, hex");
    assert!(header.contains("; HttpOnly"), "{header}");
    assert!(header.contains("; SameSite=Strict"), "{header}");
    assert!(header.contains("; Path=/"), "{header}");
    assert!(!header.contains("Secure"), "plain http: {header}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM agent_sessions")
        .fetch_all(server.state.line.store.pool())
        .await
        .expect("db");
    assert_eq!(stored, vec![ivrpay::agents::session::token_hash(token)]);
    assert!(
        !stored.contains(&token.to_owned()),
        "the token itself is not stored"
    );

    let page = console(server, &pair).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.expect("body");
    assert!(html.contains("Ana López"), "{html}");
    assert!(
        html.contains("<h2 id=\"transfers-heading\">Transfers</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<h2 id=\"callbacks-heading\">Callbacks</h2>"),
        "{html}"
    );
}
on_both_backends!(sign_in_sets_a_strict_httponly_cookie_and_opens_the_console);

async fn behind_https_the_cookie_is_secure_and_host_only(backend: Backend) {
    let options = common::Options {
        public_url: Some("https://ivr.example.com".into()),
        ..common::Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;

    let response = sign_in_from(&server, "https://ivr.example.com", "ana", PASSWORD).await;

    assert_eq!(response.status(), 303);
    let (pair, header) = cookie_of(&response);
    assert!(pair.starts_with("__Host-ivrpay_agent="), "{header}");
    assert!(header.ends_with("; Secure"), "{header}");
    assert!(header.contains("; HttpOnly") && header.contains("; SameSite=Strict"));
    assert_eq!(console(&server, &pair).await.status(), 200);
    // The same form posted from the address the server happens to listen on is not its origin.
    let elsewhere = sign_in_from(&server, &server.url, "ana", PASSWORD).await;
    assert_eq!(elsewhere.status(), 403);
    server.stop().await;
}
on_both_backends_with_own_server!(behind_https_the_cookie_is_secure_and_host_only);

async fn changes_without_the_csrf_token_or_from_another_origin_are_refused(server: &TestServer) {
    // Arrange
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let cookie = signed_in(server, "ana").await;
    let csrf = csrf_token(server, &cookie).await;
    let origin = server.state.line.public_url.to_string();

    // Act and assert: each refusal leaves the session signed in.
    let refused = [
        sign_out(server, &cookie, &origin, None).await,
        sign_out(server, &cookie, &origin, Some("0000")).await,
        sign_out(server, &cookie, "https://evil.example.com", Some(&csrf)).await,
    ];
    for response in refused {
        assert_eq!(response.status(), 403);
        assert_eq!(
            console(server, &cookie).await.status(),
            200,
            "still signed in"
        );
    }
    // Another site cannot sign a browser in either (login CSRF).
    let forged = sign_in_from(server, "https://evil.example.com", "ana", PASSWORD).await;
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get(SET_COOKIE).is_none());

    let response = sign_out(server, &cookie, &origin, Some(&csrf)).await;
    assert!(is_sent_to_sign_in(&response), "{response:?}");
    assert!(cookie_of(&response).1.contains("Max-Age=0"));
    assert!(
        is_sent_to_sign_in(&console(server, &cookie).await),
        "signed out"
    );
}
on_both_backends!(changes_without_the_csrf_token_or_from_another_origin_are_refused);

async fn a_disabled_agents_session_ends_and_they_cannot_sign_in(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    common::add_agent(&server.state, "ben", "Ben", PASSWORD, true).await;
    let ana = signed_in(server, "ana").await;
    let ben = signed_in(server, "ben").await;

    assert!(
        server
            .state
            .line
            .store
            .disable_agent("ana")
            .await
            .expect("db")
    );

    assert!(is_sent_to_sign_in(&console(server, &ana).await));
    assert_eq!(
        console(server, &ben).await.status(),
        200,
        "others stay signed in"
    );
    let again = sign_in(server, "ana", PASSWORD).await;
    assert_eq!(again.status(), 401);
    assert!(again.headers().get(SET_COOKIE).is_none());
    let sessions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agent_sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE a.username = 'ana'",
    )
    .fetch_one(server.state.line.store.pool())
    .await
    .expect("db");
    assert_eq!(sessions, 0);
}
on_both_backends!(a_disabled_agents_session_ends_and_they_cannot_sign_in);

/// The problem the sign-in page announces.
async fn problem(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let html = response.text().await.expect("body");
    let text = html
        .split_once("<p role=\"alert\" id=\"problem\">")
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(text, _)| text.to_owned())
        .unwrap_or_default();
    (status, text)
}

async fn wrong_passwords_are_refused_alike_then_throttled_until_the_window_passes(
    server: &TestServer,
) {
    // Arrange
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let limit = ivrpay::agents::SIGN_IN_LIMITS.per_username_and_address;

    // Act and assert: a wrong password and an unknown user read the same.
    let wrong = problem(sign_in(server, "ana", "not the password").await).await;
    let unknown = problem(sign_in(server, "nobody", "not the password").await).await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    for _ in 1..limit {
        assert_eq!(
            problem(sign_in(server, "ana", "still wrong").await).await,
            wrong
        );
    }
    // The limit is reached: even the right password is refused now.
    let (status, text) = problem(sign_in(server, "ana", PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!(text.contains("Too many failed sign-ins"), "{text}");
    server.clock.advance(Duration::from_secs(14 * 60));
    assert_eq!(sign_in(server, "ana", PASSWORD).await.status(), 429);

    server.clock.advance(Duration::from_secs(60));
    let response = sign_in(server, "ana", PASSWORD).await;
    assert_eq!(response.status(), 303, "the failures aged out");
    // A success forgets the username's failures: one more slip is not a lockout.
    assert_eq!(sign_in(server, "ana", "wrong again").await.status(), 401);
    assert_eq!(sign_in(server, "ana", PASSWORD).await.status(), 303);
}
on_both_backends!(wrong_passwords_are_refused_alike_then_throttled_until_the_window_passes);

async fn one_address_trying_many_usernames_is_throttled(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let limit = ivrpay::agents::SIGN_IN_LIMITS.per_address;
    for n in 0..limit {
        let response = sign_in(server, &format!("guess{n}"), "wrong password").await;
        assert_eq!(response.status(), 401);
    }
    assert_eq!(sign_in(server, "ana", PASSWORD).await.status(), 429);
}
on_both_backends!(one_address_trying_many_usernames_is_throttled);

/// A server behind a load balancer at 127.0.0.1 (where the tests connect from), so each sign-in
/// can come from an address of the test's choosing.
async fn behind_a_balancer(backend: Backend) -> Option<TestServer> {
    let options = common::Options {
        http: ivrpay::config::HttpLimits {
            trusted_proxies: ivrpay::http::forwarded::TrustedProxies::parse("127.0.0.1")
                .expect("parses"),
            ..ivrpay::config::HttpLimits::default()
        },
        ..common::Options::default()
    };
    TestServer::start_with(backend, options).await
}

/// Signs in from `client_address` as the balancer forwards it; the status.
async fn sign_in_at(
    server: &TestServer,
    client_address: &str,
    username: &str,
    password: &str,
) -> u16 {
    client()
        .post(format!("{}/agent/sign-in", server.url))
        .header(ORIGIN, &*server.state.line.public_url)
        // What a client writes itself sits to the left and is not believed.
        .header(
            "x-forwarded-for",
            format!("198.51.100.99, {client_address}"),
        )
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("server answers")
        .status()
        .as_u16()
}

async fn behind_a_trusted_balancer_each_client_address_is_throttled_apart(backend: Backend) {
    let Some(server) = behind_a_balancer(backend).await else {
        return;
    };
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let limit = ivrpay::agents::SIGN_IN_LIMITS.per_address;
    for n in 0..limit {
        assert_eq!(
            sign_in_at(
                &server,
                "203.0.113.7",
                &format!("guess{n}"),
                "wrong password"
            )
            .await,
            401
        );
    }

    // The guessing address is refused; Ana, behind the same balancer, is not.
    assert_eq!(
        sign_in_at(&server, "203.0.113.7", "ana", PASSWORD).await,
        429
    );
    assert_eq!(
        sign_in_at(&server, "203.0.113.8", "ana", PASSWORD).await,
        303
    );
    server.stop().await;
}
on_both_backends_with_own_server!(behind_a_trusted_balancer_each_client_address_is_throttled_apart);

async fn guessing_an_agents_password_elsewhere_never_locks_the_agent_out(backend: Backend) {
    let Some(server) = behind_a_balancer(backend).await else {
        return;
    };
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, true).await;
    let limits = ivrpay::agents::SIGN_IN_LIMITS;
    // Ana's office.
    assert_eq!(
        sign_in_at(&server, "203.0.113.8", "ana", PASSWORD).await,
        303
    );

    // Someone who knows her username guesses from one address: that address is refused...
    for _ in 0..limits.per_username_and_address {
        assert_eq!(
            sign_in_at(&server, "203.0.113.7", "ana", "guess").await,
            401
        );
    }
    assert_eq!(
        sign_in_at(&server, "203.0.113.7", "ana", PASSWORD).await,
        429
    );
    // ...and Ana is not, from her office or from a place she never used.
    let office_and_elsewhere = ["203.0.113.8", "192.0.2.50"];
    for place in office_and_elsewhere {
        assert_eq!(
            sign_in_at(&server, place, "ana", PASSWORD).await,
            303,
            "{place}"
        );
    }

    // Guessing spread over many addresses, each below its own limit, closes the username to
    // new places, but Ana still gets in from where she signed in before.
    let spread = limits.per_username_and_address - 1;
    let mut guessed = limits.per_username_and_address;
    let mut address = 0;
    while guessed < limits.per_username {
        for _ in 0..spread.min(limits.per_username - guessed) {
            let from = format!("198.18.0.{address}");
            assert_eq!(sign_in_at(&server, &from, "ana", "guess").await, 401);
            guessed += 1;
        }
        address += 1;
    }
    assert_eq!(sign_in_at(&server, "198.18.1.1", "ana", "guess").await, 429);
    assert_eq!(
        sign_in_at(&server, "198.18.1.2", "ana", PASSWORD).await,
        429
    );
    for place in office_and_elsewhere {
        assert_eq!(
            sign_in_at(&server, place, "ana", PASSWORD).await,
            303,
            "{place}"
        );
    }

    // Once the guesses age out, new places are open again.
    server.clock.advance(limits.window + Duration::from_secs(1));
    assert_eq!(
        sign_in_at(&server, "198.18.1.2", "ana", PASSWORD).await,
        303
    );
    server.stop().await;
}
on_both_backends_with_own_server!(guessing_an_agents_password_elsewhere_never_locks_the_agent_out);

/// Every route under /agent, and some that do not exist (they must not answer differently).
const CONSOLE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/agent"),
    ("GET", "/agent/"),
    ("POST", "/agent"),
    ("POST", "/agent/sign-out"),
    ("GET", "/agent/sign-out"),
    ("GET", "/agent/transfers"),
    ("POST", "/agent/callbacks/1/close"),
    ("GET", "/agent/events"),
];

async fn every_console_route_refuses_unsigned_requests(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let forged = format!("ivrpay_agent={}", "ab".repeat(32));
    for (method, path) in CONSOLE_ROUTES {
        for cookie in [None, Some(forged.as_str())] {
            let send = |accept: &'static str| {
                let mut request = client()
                    .request(
                        method.parse().expect("method"),
                        format!("{}{path}", server.url),
                    )
                    .header("accept", accept)
                    .header(ORIGIN, server.state.line.public_url.to_string());
                if let Some(cookie) = cookie {
                    request = request.header(COOKIE, cookie);
                }
                request.send()
            };
            let page = send("text/html,application/xhtml+xml")
                .await
                .expect("answers");
            let other = send("application/json").await.expect("answers");
            if *method == "GET" {
                assert!(is_sent_to_sign_in(&page), "{method} {path}: {page:?}");
            } else {
                assert_eq!(page.status(), 401, "{method} {path}");
            }
            assert_eq!(other.status(), 401, "{method} {path}");
        }
    }
    // The sign-in form is the one open page.
    let form = client()
        .get(format!("{}/agent/sign-in", server.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(form.status(), 200);
    assert!(
        form.text()
            .await
            .expect("body")
            .contains("<form method=\"post\"")
    );
}
on_both_backends!(every_console_route_refuses_unsigned_requests);

async fn upkeep_forgets_expired_sessions_and_old_failures(server: &TestServer) {
    common::add_agent(&server.state, "ana", "Ana", PASSWORD, false).await;
    let cookie = signed_in(server, "ana").await;
    assert_eq!(sign_in(server, "ana", "wrong password").await.status(), 401);
    let count = |table: &'static str| async move {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(server.state.line.store.pool())
            .await
            .expect("db");
        sqlx::Row::try_get::<i64, _>(&row, "n").expect("count")
    };
    assert_eq!(count("agent_sessions").await, 1);
    assert_eq!(
        count("sign_in_failures").await,
        3,
        "one for ana, one for ana from this address, one for the address"
    );

    // Within the session's life and the throttle's window: nothing goes.
    server
        .clock
        .advance(std::time::Duration::from_secs(10 * 60));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(
        (report.sessions_deleted, report.sign_in_failures_deleted),
        (0, 0)
    );
    assert_eq!(console(server, &cookie).await.status(), 200);

    // Past both.
    server.clock.advance(ivrpay::agents::SESSION_LIFETIME);
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");

    assert_eq!(
        (report.sessions_deleted, report.sign_in_failures_deleted),
        (1, 3)
    );
    assert_eq!(count("agent_sessions").await, 0);
    assert_eq!(count("sign_in_failures").await, 0);
}
on_both_backends!(upkeep_forgets_expired_sessions_and_old_failures);
