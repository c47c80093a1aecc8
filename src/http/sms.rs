//! Twilio's SMS webhooks: texts people send us (STOP, START, HELP in English and Spanish, which
//! opt a number out of texts and back in) and the delivery status of the texts we send. Both are
//! signed like the voice webhooks and checked the same way.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::app::AppState;
use crate::messages::keywords::{Keyword, is_spanish, keyword};
use crate::telephony::{Signed, sanitize};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/twilio/sms", post(inbound))
        .route("/twilio/sms-status", post(delivery_status))
}

/// The form of a signed Twilio request, or the status refusing it.
fn verified(
    app: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, StatusCode> {
    let Some(twilio) = app.config.providers.iter().find(|d| d.name() == "twilio") else {
        return Err(StatusCode::NOT_FOUND);
    };
    let pairs = sanitize::decode_form(body);
    if !app.config.insecure_skip_signature {
        let url = format!(
            "{}{}",
            app.public_url,
            uri.path_and_query().map_or("", |pq| pq.as_str())
        );
        let request = Signed {
            url: &url,
            headers,
            body,
            pairs: &pairs,
        };
        if !twilio.verify(&request) {
            tracing::warn!(
                path = uri.path(),
                "rejected an SMS webhook with a missing or wrong signature"
            );
            return Err(StatusCode::FORBIDDEN);
        }
    }
    Ok(sanitize::clean_pairs(pairs))
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A text someone sent to our number.
async fn inbound(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refused) => return refused.into_response(),
    };
    let from = field(&pairs, "From").unwrap_or_default().to_owned();
    let text = field(&pairs, "Body").unwrap_or_default();
    let spanish = is_spanish(text);
    let reply = match keyword(text) {
        Some(word @ (Keyword::Stop | Keyword::Start)) if !from.is_empty() => {
            let stop = word == Keyword::Stop;
            let name = if stop { "STOP" } else { "START" };
            if let Err(err) = app
                .store
                .set_sms_opt_out(&from, stop, name, app.clock.now_ms())
                .await
            {
                tracing::error!(error = %err, "could not record an SMS opt-out");
                // Twilio retries on errors: the opt-out must not be lost.
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            tracing::info!(keyword = name, "SMS keyword");
            match (stop, spanish) {
                // Carriers and Twilio confirm a STOP themselves; a reply would not be delivered.
                (true, _) => None,
                (false, false) => Some(format!(
                    "{}: you will get texts from us again. Reply STOP to opt out.",
                    company(&app)
                )),
                (false, true) => Some(format!(
                    "{}: volverá a recibir nuestros mensajes. Responda STOP para no recibir más.",
                    company(&app)
                )),
            }
        }
        Some(Keyword::Help) => Some(if spanish {
            format!(
                "{}: mensajes sobre su cuenta y sus pagos. Llame al {} para ayuda. Responda STOP para no recibir más.",
                company(&app),
                app.templates.company_phone()
            )
        } else {
            format!(
                "{}: messages about your account and payments. Call {} for help. Reply STOP to opt out.",
                company(&app),
                app.templates.company_phone()
            )
        }),
        _ => None,
    };
    let mut twiml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
    if let Some(reply) = reply {
        twiml.push_str("<Message>");
        twiml.push_str(&escape(&reply));
        twiml.push_str("</Message>");
    }
    twiml.push_str("</Response>");
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response()
}

fn company(app: &AppState) -> String {
    app.templates.company().to_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Twilio's report of what became of a text we sent.
async fn delivery_status(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs = match verified(&app, &uri, &headers, &body) {
        Ok(pairs) => pairs,
        Err(refused) => return refused.into_response(),
    };
    let (Some(sid), Some(status)) = (field(&pairs, "MessageSid"), field(&pairs, "MessageStatus"))
    else {
        return StatusCode::NO_CONTENT.into_response();
    };
    // Only the statuses that say where a text ended up; "sending" and the like change nothing.
    let recorded = match status {
        "delivered" => "delivered",
        "undelivered" => "undelivered",
        "failed" => "failed",
        "sent" => "sent",
        _ => return StatusCode::NO_CONTENT.into_response(),
    };
    match app
        .store
        .update_delivery(sid, recorded, app.clock.now_ms())
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not record a text's delivery status");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
