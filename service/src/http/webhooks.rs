//! Every provider's webhooks through one handler: `POST /{provider}/{event}`. The provider's
//! dialect verifies the raw request (against the public URL, with the service's clock) and reads
//! it into a neutral callback, cleaned here once; the call is answered in neutral terms; the
//! dialect renders the reply. Texts sent to the line and the status of texts the service sent
//! are events of the same handler, answered by the dialect too. Every answer to a call's webhook
//! is voice markup with status 200, whatever the input, so the caller always hears help; when
//! the line is at capacity, the busy response ([`super::admission`]).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::calls::{self, Webhook};
use crate::flow::Input;
use crate::http::AppState;
use crate::http::admission::Arrival;
use crate::language::Language;
use crate::line::Line;
use crate::store::CallKey;
use crate::telephony::{Dialect, Event, Request};

pub(super) fn router() -> Router<AppState> {
    // GET too: some providers fetch a URL the line gives them (an answer, a whisper) with GET
    // unless told otherwise; the dialect reads and verifies either.
    Router::new().route("/{provider}/{event}", post(webhook).get(webhook))
}

/// Whether `path` is a configured provider's webhook (`/{provider}/gather` of a served provider), so it may name itself
/// in the metrics; any other path on this route is counted as `unknown`, keeping the label's
/// values few whatever is posted.
pub(super) fn is_webhook_path(app: &AppState, path: &str) -> bool {
    let mut segments = path.strip_prefix('/').unwrap_or(path).split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some(provider), Some(event), None) => {
            event_named(event).is_some() && app.line.providers.named(provider).is_some()
        }
        _ => false,
    }
}

fn event_named(segment: &str) -> Option<Event> {
    Event::ALL
        .into_iter()
        .find(|event| event.path_segment() == segment)
}

async fn webhook(
    State(state): State<AppState>,
    Path((provider, event)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let app = &state.line;
    let dialect = app.providers.named(&provider).cloned();
    let (Some(dialect), Some(event)) = (dialect, event_named(&event)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The provider's wait starts when it sends, so the deadline counts from arrival, before any
    // wait for a slot.
    let deadline = Webhook::deadline_for(dialect.as_ref());
    let url = format!(
        "{}{}",
        app.public_url,
        uri.path_and_query().map_or("", |pq| pq.as_str())
    );
    let request = Request::new(method.as_str(), &url, &headers, &body, app.clock.now_ms());
    if !app.config.insecure_skip_signature && !dialect.verify(&request) {
        tracing::warn!(
            path = uri.path(),
            "rejected a webhook with a missing or wrong signature"
        );
        return (StatusCode::FORBIDDEN, "invalid signature").into_response();
    }
    let callback = dialect.read(event, &request).cleaned();
    if callback.progress_only {
        return StatusCode::NO_CONTENT.into_response();
    }
    let turn = request.query("turn").and_then(|t| t.parse().ok());
    let input = match event {
        Event::Voice => Input::Start,
        // Keys win over words: a caller who pressed keys meant them, whatever the microphone
        // picked up around them.
        Event::Gather => match (callback.digits.clone(), callback.speech.clone()) {
            (Some(digits), _) => Input::Digits(digits),
            (None, Some(said)) if !said.trim().is_empty() => Input::Speech {
                said,
                confidence_permille: callback.confidence_permille,
            },
            (None, _) => Input::Silence,
        },
        Event::Dial => Input::DialEnded {
            answered: callback.dial_answered,
        },
        Event::Status => {
            return status(
                app,
                dialect.as_ref(),
                callback.call_id.as_deref(),
                callback.call_ended,
            )
            .await;
        }
        Event::Whisper => {
            let call = request.query("call").unwrap_or_default();
            return whisper(app, dialect.as_ref(), &call).await;
        }
        Event::Hold => {
            let language = request
                .query("lang")
                .and_then(|code| Language::parse(&code))
                .unwrap_or(Language::En);
            let round = request
                .query("round")
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            let waiting = calls::hold::waiting(app, dialect.as_ref(), language, round);
            return voice_xml(dialect.as_ref(), dialect.render(&waiting));
        }
        Event::AgentLeg => {
            let call = request.query("call").unwrap_or_default();
            return agent_leg(app, dialect.as_ref(), &call, turn.unwrap_or(-1)).await;
        }
        Event::AgentLegEnded => {
            let call = request.query("call").unwrap_or_default();
            let key = CallKey {
                provider: dialect.name(),
                sid: &call,
            };
            let ended = calls::hold::agent_leg_ended(
                app,
                dialect.as_ref(),
                key,
                turn.unwrap_or(-1),
                callback.unanswered,
            );
            if let Err(err) = ended.await {
                tracing::error!(error = %err, "a waiting caller could not be taken out of the room");
            }
            return StatusCode::NO_CONTENT.into_response();
        }
        Event::Assist => Input::Assist,
        // A result the line cannot read is a failure it tells the caller of, never a payment.
        Event::Pay => Input::Paid(callback.pay.clone().unwrap_or(crate::voice::PayReport {
            result: crate::voice::PayResult::InternalError,
            confirmation: None,
            card_brand: None,
            last4: None,
            error_code: None,
            error: None,
        })),
        // Progress only (which step, which try): the result comes to the action.
        Event::PayStatus => return StatusCode::NO_CONTENT.into_response(),
        Event::TextReceived => {
            let from = callback.from.unwrap_or_default();
            let text = callback.text.unwrap_or_default();
            return match crate::messages::texts_in::received(app, &from, &text).await {
                Ok(reply) => voice_xml(
                    dialect.as_ref(),
                    dialect.render_text_reply(reply.as_deref()),
                ),
                // Providers retry on errors: an opt-out must not be lost.
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            };
        }
        Event::TextStatus => {
            let (Some(message_id), Some(delivery)) = (callback.message_id, callback.delivery)
            else {
                return StatusCode::NO_CONTENT.into_response();
            };
            return match crate::messages::texts_in::delivered(app, &message_id, delivery).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            };
        }
    };
    // Only now, with the request verified and read, does it wait for a slot: a forged or
    // garbled request is refused without queueing, and what waits holds a few bytes.
    let arrival = if event == Event::Voice {
        Arrival::NewCall
    } else {
        Arrival::CallUnderWay
    };
    let Some(_slot) = state.admission.enter(arrival).await else {
        app.metrics.webhook_shed();
        tracing::warn!(
            waiting = state.admission.waiting(),
            "the line is at capacity: a webhook was answered busy"
        );
        return voice_xml(dialect.as_ref(), dialect.render(&calls::busy_response(app)));
    };
    let webhook = Webhook {
        dialect: dialect.clone(),
        call_sid: callback.call_id,
        from: callback.from,
        to: callback.to,
        turn: if event == Event::Voice { None } else { turn },
        input,
        deadline,
    };
    voice_xml(dialect.as_ref(), calls::answer(app, webhook).await)
}

fn voice_xml(dialect: &dyn Dialect, body: String) -> Response {
    ([(header::CONTENT_TYPE, dialect.content_type())], body).into_response()
}

/// A status change: a finished call is recorded as ended. When the database cannot record it,
/// the end is kept on disk for upkeep to record once the database is back
/// ([`calls::pending_ends`]) and the callback is still answered as received: not every provider
/// sends a failed status callback again.
async fn status(app: &Line, dialect: &dyn Dialect, call_id: Option<&str>, ended: bool) -> Response {
    let (Some(call_sid), true) = (call_id, ended) else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let call = CallKey {
        provider: dialect.name(),
        sid: call_sid,
    };
    let ended_at_ms = app.clock.now_ms();
    let Err(err) = calls::end_at(app, call, ended_at_ms).await else {
        return StatusCode::NO_CONTENT.into_response();
    };
    match app.pending_ends.keep(call, ended_at_ms) {
        Ok(()) => {
            tracing::warn!(error = %err, "the end of a call is kept until the database is back");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(kept) => {
            tracing::error!(error = %err, kept = %kept, "the end of a call could not be recorded or kept");
            // Nowhere to keep it: a provider that retries may yet deliver it.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The agent's line, rung for a caller waiting in a conference room, answered.
async fn agent_leg(app: &Line, dialect: &dyn Dialect, call_sid: &str, turn: i64) -> Response {
    let call = CallKey {
        provider: dialect.name(),
        sid: call_sid,
    };
    let response = match calls::hold::agent_leg(app, call, turn).await {
        Ok(response) => response,
        Err(err) => {
            tracing::warn!(error = %err, "no room for an agent's leg");
            let mut response = crate::voice::Response::new();
            response.say(
                "Transfer from the payment line. The caller could not be connected; please \
                 check the console.",
                Language::En,
            );
            response
        }
    };
    voice_xml(dialect, dialect.render(&response))
}

/// What the agent hears before the caller is connected.
async fn whisper(app: &Line, dialect: &dyn Dialect, call_sid: &str) -> Response {
    let call = CallKey {
        provider: dialect.name(),
        sid: call_sid,
    };
    let response = match calls::whisper::briefing(app, call).await {
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
    voice_xml(dialect, dialect.render(&response))
}
