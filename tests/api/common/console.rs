//! Driving the agent console over plain HTTP as its page would: sign in, read the CSRF token,
//! post its forms from its own origin.

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

use super::TestServer;

pub const PASSWORD: &str = "a long enough password";

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    ivrpay::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A signed-in agent: the cookie to send back and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Agent {
    pub cookie: String,
    pub csrf: String,
}

/// Adds an agent and signs them in.
pub async fn agent(server: &TestServer, username: &str, name: &str) -> Agent {
    signed_in(server, username, name, false).await
}

/// Adds an admin and signs them in.
pub async fn admin(server: &TestServer, username: &str, name: &str) -> Agent {
    signed_in(server, username, name, true).await
}

async fn signed_in(server: &TestServer, username: &str, name: &str, admin: bool) -> Agent {
    super::add_agent(&server.state, username, name, PASSWORD, admin).await;
    let response = client()
        .post(format!("{}/agent/sign-in", server.url))
        .header(ORIGIN, &*server.state.line.public_url)
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .expect("server answers");
    assert_eq!(response.status(), 303, "sign-in succeeds");
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let mut agent = Agent {
        cookie,
        csrf: String::new(),
    };
    let page = console_page(server, &agent).await;
    let (_, rest) = page
        .split_once("name=\"csrf\" value=\"")
        .expect("a CSRF field");
    agent.csrf = rest.split('"').next().expect("value").to_owned();
    agent
}

/// `GET /agent` as this agent: the page's HTML.
pub async fn console_page(server: &TestServer, agent: &Agent) -> String {
    let response = client()
        .get(format!("{}/agent", server.url))
        .header(COOKIE, &agent.cookie)
        .header("accept", "text/html")
        .send()
        .await
        .expect("server answers");
    assert_eq!(response.status(), 200, "the console opens");
    response.text().await.expect("body")
}

/// Opens a console page as this agent; status and body.
pub async fn get(server: &TestServer, agent: &Agent, path: &str) -> (u16, String) {
    let response = client()
        .get(format!("{}{path}", server.url))
        .header(COOKIE, &agent.cookie)
        .header("accept", "text/html")
        .send()
        .await
        .expect("server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// Posts a console form (with the CSRF token, from the console's origin); status and body.
pub async fn post(
    server: &TestServer,
    agent: &Agent,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = vec![("csrf", &agent.csrf)];
    form.extend_from_slice(fields);
    let response = client()
        .post(format!("{}{path}", server.url))
        .header(COOKIE, &agent.cookie)
        .header(ORIGIN, &*server.state.line.public_url)
        .form(&form)
        .send()
        .await
        .expect("server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}
