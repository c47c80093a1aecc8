//! `POST /stripe/webhook`: Stripe's signed events about payments (a bank debit settling, failing
//! or disputed; a card answer the call never learned). The signature is checked against the
//! endpoint's secret and the service's clock before anything is read; an event delivered again
//! is answered without acting twice.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::ExposeSecret;

use super::AppState;
use crate::calls::gateway_events::{self, Applied};
use crate::config::GatewayChoice;
use crate::payments::stripe::events::verify_event;

/// The header Stripe signs its events in.
pub(super) const STRIPE_SIGNATURE: &str = "stripe-signature";

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/stripe/webhook", post(stripe_event))
}

fn answer(status: StatusCode, what: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "received": status.is_success(), "detail": what })),
    )
        .into_response()
}

async fn stripe_event(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let secret = match &app.line.config.payments.gateway {
        GatewayChoice::Stripe {
            webhook_secret: Some(secret),
            ..
        } => secret,
        _ => return answer(StatusCode::NOT_FOUND, "Stripe events are not set up here"),
    };
    let signature = headers
        .get(STRIPE_SIGNATURE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let now = app.line.clock.now().unix_timestamp();
    let event = match verify_event(&body, signature, secret.expose_secret(), now) {
        Ok(event) => event,
        Err(refused) => {
            tracing::warn!(error = %refused, "refused a Stripe event");
            return answer(StatusCode::BAD_REQUEST, &refused.to_string());
        }
    };
    let store = &app.line.store;
    let gateway = app.line.gateway.name();
    let handled = async {
        if store.gateway_event_seen(gateway, &event.id).await? {
            return Ok::<_, crate::error::AppError>("already received");
        }
        let applied = gateway_events::apply(&app.line, gateway, &event.says).await?;
        let now_ms = app.line.clock.now_ms();
        store
            .record_gateway_event(gateway, &event.id, &event.kind, now_ms)
            .await?;
        tracing::info!(event = %event.id, kind = %event.kind, ?applied, "Stripe event");
        Ok(match applied {
            Applied::Changed => "applied",
            Applied::Nothing => "nothing to change",
            Applied::Unknown => "no payment of ours",
        })
    }
    .await;
    match handled {
        Ok(what) => answer(StatusCode::OK, what),
        // Stripe delivers it again later.
        Err(err) => {
            tracing::warn!(error = %err, "could not record a Stripe event; Stripe will retry");
            answer(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}
