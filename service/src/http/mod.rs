//! The HTTP surfaces, one module each, merged here: provider webhooks, the payment gateway's
//! events (`gateway_events`), the admin API, recorded
//! prompts, health, Prometheus metrics, and the agent console ([`crate::agents::console`]) behind
//! its guard. Webhooks (calls' and SMS) are counted and timed by route and status (`metrics`).
//!
//! Signature and authorization headers are marked sensitive before the trace layer sees them, and
//! request bodies (where card digits travel) are never logged. Bodies are bounded in size and in
//! the time they may take to arrive; [`server`] bounds connections and header time, and
//! [`admission`] how many calls' webhooks are answered at once (the rest wait a bounded time in a
//! bounded queue, or are answered busy).

pub mod admission;
mod api;
mod audio;
pub mod error;
pub mod forwarded;
mod gateway_events;
mod health;
mod metrics;
pub mod server;
mod state;
mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderName, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// `/metrics` alone, served without a token on the metrics' own listener (`--metrics-listen`).
pub fn metrics_router(state: AppState) -> Router {
    metrics::open_router(state)
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let limits = state.line.config.http.clone();
    let request_id = HeaderName::from_static("x-request-id");
    // Every provider's signature header, the gateway's, and the admin token.
    let sensitive: Vec<HeaderName> = [
        AUTHORIZATION,
        HeaderName::from_static(gateway_events::STRIPE_SIGNATURE),
    ]
    .into_iter()
    .chain(
        state
            .line
            .providers
            .iter()
            .flat_map(|dialect| dialect.sensitive_headers())
            .map(|name| HeaderName::from_static(name)),
    )
    .collect();
    let counted = axum::middleware::from_fn_with_state(state.clone(), metrics::track_webhooks);
    Router::new()
        .merge(health::router())
        .merge(webhooks::router().route_layer(counted))
        .merge(api::router())
        .merge(gateway_events::router())
        .merge(metrics::router())
        .merge(audio::router())
        .merge(crate::agents::console::router())
        .merge(crate::dashboard::router())
        .merge(crate::pay_links::routes::router())
        // Over everything, not just the console's routes, so no `/agent` path can escape it.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::agents::console::guard,
        ))
        .layer(axum::middleware::from_fn(crate::pay_links::routes::guard))
        .with_state(state)
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                        let id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // The path only (query strings carry no card data, but keep the span
                        // small), with a pay link's token masked.
                        let path = crate::pay_links::loggable_path(request.uri().path());
                        tracing::info_span!("request", method = %request.method(), path = %path, request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout))
                .layer(axum::extract::DefaultBodyLimit::max(limits.max_body_bytes))
                // Providers give up after about 15 seconds; answer before they do.
                .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(12))),
        )
}
