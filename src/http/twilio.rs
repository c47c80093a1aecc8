//! Twilio's webhooks: a call arrives, a question is answered, a transfer ends, the call ends, and
//! the agent's whisper. Every request's `X-Twilio-Signature` is checked against the public URL;
//! every answer is TwiML with status 200, whatever the input, so the caller always hears help.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::ExposeSecret;

use crate::app::AppState;
use crate::calls::{self, Webhook};
use crate::flow::Input;
use crate::telephony::sanitize;
use crate::telephony::twilio::{self, CallbackParams};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/twilio/voice", post(voice))
        .route("/twilio/gather", post(gather))
        .route("/twilio/dial", post(dial))
        .route("/twilio/status", post(status))
        .route("/twilio/whisper", post(whisper))
}

/// A refused request: status and a short reason.
type Refusal = (StatusCode, &'static str);

fn twiml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// The form fields of a verified request, or the refusal to send back.
fn verified(
    app: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Refusal> {
    let pairs = sanitize::decode_form(body);
    if app.config.insecure_skip_signature {
        return Ok(sanitize::clean_pairs(pairs));
    }
    let Some(token) = &app.config.twilio_auth_token else {
        return Err((
            StatusCode::FORBIDDEN,
            "webhook signatures cannot be checked: no auth token",
        ));
    };
    let url = format!(
        "{}{}",
        app.public_url,
        uri.path_and_query().map_or("", |pq| pq.as_str())
    );
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if twilio::validate_signature(token.expose_secret(), &url, &pairs, signature) {
        Ok(sanitize::clean_pairs(pairs))
    } else {
        tracing::warn!(
            path = uri.path(),
            "rejected a webhook with a missing or wrong signature"
        );
        Err((StatusCode::FORBIDDEN, "invalid signature"))
    }
}

fn turn(query: &HashMap<String, String>) -> Option<i64> {
    query.get("turn").and_then(|t| t.parse().ok())
}

fn webhook(params: CallbackParams, turn: Option<i64>, input: Input) -> Webhook {
    Webhook {
        call_sid: params.call_sid,
        from: params.from,
        to: params.to,
        turn,
        input,
    }
}

async fn voice(State(app): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refusal) => return refusal.into_response(),
    };
    let params = CallbackParams::from_pairs(&pairs);
    twiml(calls::answer(&app, webhook(params, None, Input::Start), twilio::render).await)
}

async fn gather(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refusal) => return refusal.into_response(),
    };
    let params = CallbackParams::from_pairs(&pairs);
    let input = match params.digits.clone() {
        Some(digits) => Input::Digits(digits),
        None => Input::Silence,
    };
    twiml(calls::answer(&app, webhook(params, turn(&query), input), twilio::render).await)
}

async fn dial(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refusal) => return refusal.into_response(),
    };
    let answered = pairs
        .iter()
        .any(|(k, v)| k == "DialCallStatus" && (v == "completed" || v == "answered"));
    let params = CallbackParams::from_pairs(&pairs);
    let input = Input::DialEnded { answered };
    twiml(calls::answer(&app, webhook(params, turn(&query), input), twilio::render).await)
}

async fn status(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refusal) => return refusal.into_response(),
    };
    let params = CallbackParams::from_pairs(&pairs);
    let finished = matches!(
        params.call_status.as_deref(),
        Some("completed" | "busy" | "failed" | "no-answer" | "canceled")
    );
    if let (Some(call_sid), true) = (params.call_sid.as_deref(), finished)
        && let Err(err) = calls::end(&app, call_sid).await
    {
        {
            tracing::error!(error = %err, call_sid, "could not record the end of a call");
            // Twilio retries status callbacks on errors; let it.
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn whisper(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = verified(&app, &uri, &headers, &body) {
        return refusal.into_response();
    }
    let call_sid = sanitize::clean(query.get("call").map(String::as_str).unwrap_or_default());
    let response = match calls::whisper::briefing(&app, &call_sid).await {
        Ok(response) => response,
        Err(err) => {
            tracing::warn!(error = %err, "no briefing for a transfer");
            let mut response = crate::voice::Response::new();
            response.say(
                "Transfer from the payment line. No details are available for this caller.",
                crate::language::Language::En,
            );
            response
        }
    };
    twiml(twilio::render(&response))
}
