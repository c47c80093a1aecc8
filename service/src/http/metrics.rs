//! `GET /metrics` (Prometheus, see [`crate::metrics`]) and the middleware that counts and times
//! webhooks.
//!
//! On the main listener `/metrics` needs `Authorization: Bearer` with the metrics token
//! (`IVRPAY_METRICS_TOKEN`) or the admin token: with neither configured it is never served there.
//! The listener of its own (`--metrics-listen`) serves it without a token, for a scraper on a
//! private network.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::http::AppState;
use crate::metrics::{CONTENT_TYPE, Scrape};

/// `/metrics` on the main listener, behind a bearer token.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(protected))
}

/// `/metrics` alone, with no token: the metrics' own listener.
pub fn open_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn protected(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let allowed = super::api::bearer_is(&headers, app.line.config.metrics.token.as_ref())
        || super::api::bearer_is(&headers, app.line.config.admin_token.as_ref());
    if !allowed {
        return AppError::Unauthorized.into_response();
    }
    scrape(State(app)).await
}

async fn scrape(State(app): State<AppState>) -> Response {
    let calls_in_progress = match app.line.store.calls_in_progress().await {
        Ok(calls) => Some(calls),
        Err(err) => {
            tracing::warn!(error = %err, "metrics: could not count the calls in progress");
            None
        }
    };
    let text = app.line.metrics.encode(&Scrape {
        calls_in_progress,
        pools: app.line.store.pool_use(),
    });
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}

/// Counts and times each webhook by its route as routed and the status answered. The raw path
/// names the route only when it is a fixed route's, or a configured provider's webhook
/// ([`super::webhooks::is_webhook_path`]); any other is `unknown`, so what is posted cannot add
/// label values. A request dropped before it was answered (the 12-second timeout, or the client
/// left) counts as `none`.
pub(super) async fn track_webhooks(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(_) if super::webhooks::is_webhook_path(&app, request.uri().path()) => {
            request.uri().path().to_owned()
        }
        // A fixed path names itself.
        Some(matched) if !matched.as_str().contains('{') => matched.as_str().to_owned(),
        // A path on `/{provider}/{event}` that no configured provider has.
        _ => "unknown".to_owned(),
    };
    let mut timing = Timing {
        app: &app,
        route,
        started: Instant::now(),
        status: None,
    };
    let response = next.run(request).await;
    timing.status = Some(response.status().as_u16());
    response
}

/// Records a webhook when its handling ends, answered or not.
struct Timing<'a> {
    app: &'a AppState,
    route: String,
    started: Instant,
    status: Option<u16>,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        self.app
            .line
            .metrics
            .webhook(&self.route, self.status, self.started.elapsed());
    }
}
