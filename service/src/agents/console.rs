//! The `/agent` routes, and [`guard`]: the one layer, laid over the whole application, that lets
//! no request reach any `/agent` route but the sign-in form without a live session, and no change
//! through without the session's CSRF token and the console's own origin. A route added under
//! `/agent` later is covered without doing anything.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, LOCATION, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Form, Router};

use super::pages::{self, ConsoleView};
use super::session::{self, CookiePolicy};
use super::{Password, SESSION_LIFETIME, SIGN_IN_LIMITS, Username};
use crate::error::AppError;
use crate::http::AppState;

/// The only `/agent` path open without a session.
pub const SIGN_IN_PATH: &str = "/agent/sign-in";

/// The console's routes. Reached only through [`guard`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(SIGN_IN_PATH, get(sign_in_page).post(sign_in))
        .route("/agent", get(console))
        .route("/agent/sign-out", post(sign_out))
        .merge(super::transfers::router())
        .merge(super::callbacks::router())
        // Anything else under /agent is refused like the rest when unsigned, and not found after.
        .route("/agent/{*rest}", any(|| async { StatusCode::NOT_FOUND }))
}

/// The signed-in agent, put on the request by [`guard`].
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session's row, with the agent.
    pub session: crate::store::SessionRow,
    /// The hash of the session's token (to end it).
    pub token_hash: String,
}

/// Whether a path belongs to the console, or to the dashboard, which needs a session too.
fn is_console(path: &str) -> bool {
    ["/agent", "/dashboard"].iter().any(|root| {
        path == *root
            || path
                .strip_prefix(root)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Requests that change nothing (the only ones allowed without a CSRF token).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The layer in front of every request: outside `/agent` it does nothing. Under `/agent` it adds
/// headers that keep console pages out of caches and frames, and, on every path but
/// [`SIGN_IN_PATH`], requires a live session (a page request is sent to sign in, anything else
/// gets 401) and, for a change, the console's origin and the session's CSRF token (403 without).
pub async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !is_console(path) {
        return next.run(request).await;
    }
    let mut response = if path == SIGN_IN_PATH {
        next.run(request).await
    } else {
        match signed_in(&app, request).await {
            Ok(request) => next.run(request).await,
            Err(refusal) => refusal,
        }
    };
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; \
             connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
             base-uri 'none'",
        ),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The request with its [`SignedIn`] agent, or the refusal.
async fn signed_in(app: &AppState, request: Request) -> Result<Request, Response> {
    let policy = CookiePolicy::for_public_url(&app.line.public_url);
    let (parts, body) = request.into_parts();
    let session = match policy.token_in(&parts.headers) {
        Some(token) => {
            let token_hash = session::token_hash(&token);
            match app
                .line
                .store
                .agent_session(&token_hash, app.line.clock.now_ms())
                .await
            {
                Ok(row) => row.map(|session| SignedIn {
                    session,
                    token_hash,
                }),
                Err(err) => return Err(AppError::from(err).into_response()),
            }
        }
        None => None,
    };
    let Some(signed_in) = session else {
        return Err(unsigned(&parts));
    };
    let request = if is_safe(&parts.method) {
        Request::from_parts(parts, body)
    } else {
        if !session::same_origin(&parts.headers, &app.line.public_url) {
            return Err(refused(
                "This request did not come from the console's own page.",
            ));
        }
        // The token comes in the form (field `csrf`) or, for scripts, the X-CSRF-Token header.
        let limit = app.line.config.http.max_body_bytes;
        let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
            return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
        };
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                form_urlencoded::parse(&bytes)
                    .find(|(name, _)| name == "csrf")
                    .map(|(_, value)| value.into_owned())
            })
            .unwrap_or_default();
        if !session::same_token(&given, &signed_in.session.csrf_token) {
            return Err(refused(
                "The form had expired or was not the console's. Reload the page and try again.",
            ));
        }
        Request::from_parts(parts, Body::from(bytes))
    };
    let mut request = request;
    request.extensions_mut().insert(signed_in);
    Ok(request)
}

/// An unsigned request: a browser asking for a page is sent to sign in; anything else is 401.
fn unsigned(parts: &Parts) -> Response {
    let wants_page = is_safe(&parts.method)
        && parts
            .headers
            .get(ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        see_other(SIGN_IN_PATH)
    } else {
        AppError::Unauthorized.into_response()
    }
}

fn refused(why: &str) -> Response {
    (StatusCode::FORBIDDEN, Html(pages::refused(why))).into_response()
}

fn see_other(location: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

/// The client's address: the connection's, or behind a trusted load balancer the one it
/// forwarded for (see [`crate::http::forwarded`]).
pub(crate) struct Peer(pub(crate) Option<IpAddr>);

impl FromRequestParts<AppState> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded_for: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(
            |ConnectInfo(addr)| {
                app.line
                    .config
                    .http
                    .trusted_proxies
                    .client(addr.ip(), &forwarded_for)
            },
        )))
    }
}

async fn sign_in_page() -> Html<String> {
    Html(pages::sign_in(None, ""))
}

/// The sign-in form as posted.
#[derive(serde::Deserialize)]
struct SignInForm {
    username: String,
    password: String,
}

const WRONG: &str = "That username and password do not match. Check them and try again.";

/// Signs in: throttled per username and per address (counted in the database, so every instance
/// sees the same counts); a wrong password, an unknown or disabled username all get the same
/// answer after the same Argon2 work.
async fn sign_in(
    State(app): State<AppState>,
    Peer(peer): Peer,
    headers: axum::http::HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    // Login CSRF: another site must not sign a browser in as someone else.
    if !session::same_origin(&headers, &app.line.public_url) {
        return Ok(refused(
            "This sign-in did not come from the console's own page.",
        ));
    }
    let typed: String = form.username.trim().chars().take(64).collect();
    let username = Username::parse(&typed).ok();
    let name = username.as_ref().map_or_else(
        || typed.to_ascii_lowercase(),
        |name| name.as_str().to_owned(),
    );
    let address = peer.map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let user_key = format!("user:{name}");
    let pair_key = format!("user:{name}@addr:{address}");
    let addr_key = format!("addr:{address}");
    let now = app.line.clock.now_ms();
    let window_start = now - SIGN_IN_LIMITS.window.as_millis() as i64;
    let store = &app.line.store;
    let agent = match &username {
        Some(name) => store.agent_by_username(name.as_str()).await?,
        None => None,
    };
    let refused_here = store
        .sign_in_failures_since(&pair_key, window_start)
        .await?
        >= SIGN_IN_LIMITS.per_username_and_address
        || store
            .sign_in_failures_since(&addr_key, window_start)
            .await?
            >= SIGN_IN_LIMITS.per_address;
    // A username guessed at from many places is refused too, except from where its agent
    // signed in before.
    let refused_everywhere = !refused_here
        && store
            .sign_in_failures_since(&user_key, window_start)
            .await?
            >= SIGN_IN_LIMITS.per_username
        && match &agent {
            Some(agent) => {
                let known_since = now - super::KNOWN_ADDRESS_FOR.as_millis() as i64;
                !store
                    .signed_in_from(agent.id, &address, known_since)
                    .await?
            }
            None => true,
        };
    if refused_here || refused_everywhere {
        tracing::warn!("sign-in refused: too many recent failures");
        let minutes = SIGN_IN_LIMITS.window.as_secs() / 60;
        let text = format!(
            "Too many failed sign-ins. Wait {minutes} minutes and try again, or ask an admin."
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(RETRY_AFTER, SIGN_IN_LIMITS.window.as_secs().to_string())],
            Html(pages::sign_in(Some(&text), &typed)),
        )
            .into_response());
    }
    let stored = agent
        .as_ref()
        .filter(|agent| !agent.disabled)
        .map(|agent| agent.password_hash.clone());
    let password = Password::typed(form.password);
    // Argon2 takes tens of milliseconds of CPU: keep it off the threads serving webhooks.
    let matched = tokio::task::spawn_blocking(move || password.matches(stored.as_deref()))
        .await
        .unwrap_or(false);
    let Some(agent) = agent.filter(|_| matched) else {
        store
            .record_sign_in_failure(&[&pair_key, &user_key, &addr_key], now, window_start)
            .await?;
        tracing::info!("sign-in failed");
        return Ok((
            StatusCode::UNAUTHORIZED,
            Html(pages::sign_in(Some(WRONG), &typed)),
        )
            .into_response());
    };
    store.clear_sign_in_failures(&pair_key).await?;
    store
        .remember_sign_in_address(agent.id, &address, now)
        .await?;
    let token = session::new_token();
    let expires_at = now + SESSION_LIFETIME.as_millis() as i64;
    store
        .create_agent_session(
            &session::token_hash(&token),
            agent.id,
            &session::new_token(),
            now,
            expires_at,
        )
        .await?;
    tracing::info!(agent = %agent.username, "agent signed in");
    let cookie =
        CookiePolicy::for_public_url(&app.line.public_url).set(&token, SESSION_LIFETIME.as_secs());
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, "/agent".to_owned()), (SET_COOKIE, cookie)],
    )
        .into_response())
}

async fn console(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
) -> Result<Html<String>, AppError> {
    let transfers = super::transfers::listed(&app, &signed_in).await?;
    let callbacks = super::callbacks::listed(&app, &signed_in).await?;
    let session = &signed_in.session;
    Ok(Html(pages::console(ConsoleView {
        display_name: &session.display_name,
        role: &session.role,
        csrf_token: &session.csrf_token,
        transfers: &transfers,
        callbacks: &callbacks,
    })))
}

async fn sign_out(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
) -> Result<Response, AppError> {
    app.line
        .store
        .delete_agent_session(&signed_in.token_hash)
        .await?;
    tracing::info!(agent = %signed_in.session.username, "agent signed out");
    let cookie = CookiePolicy::for_public_url(&app.line.public_url).clear();
    Ok((
        StatusCode::SEE_OTHER,
        [(LOCATION, SIGN_IN_PATH.to_owned()), (SET_COOKIE, cookie)],
    )
        .into_response())
}
