//! The console's callbacks: callers who asked for a person when no one could take the call
//! (outside hours, a transfer nobody answered), listed soonest window first for an agent to
//! call, and closed with "Done" and an optional note. The route sits under `/agent`, so
//! [`super::console::guard`] has already checked the session, the origin and the CSRF token.
//!
//! Like the screen-pop, a callback shows nothing secret: the account masked to its last four, no
//! card data; a card number typed into the note is masked before it is kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Form, Router};

use super::console::SignedIn;
use super::pages;
use crate::calls::whisper::Reason;
use crate::error::AppError;
use crate::hours::Window;
use crate::http::AppState;
use crate::language::Language;
use crate::store::{CallbackRecord, CallbackStatus, Closed};

/// The longest note kept, in characters (from the console and the admin API alike).
pub(crate) const NOTE_MAX: usize = 2000;

/// The callbacks' route.
pub fn router() -> Router<AppState> {
    Router::new().route("/agent/callbacks/{id}/close", post(close))
}

/// One open callback as the console shows it.
#[derive(Debug, Clone)]
pub struct CallbackCard {
    /// The callback's id.
    pub id: i64,
    /// When its window starts (UTC ms), to keep the list soonest first as callbacks arrive.
    pub window_start_ms: i64,
    /// The caller's name, when the account is known.
    pub name: Option<String>,
    /// `•••• 3365`, when the caller named an account.
    pub account: Option<String>,
    /// The number to call, E.164 (for the link).
    pub phone: String,
    /// The number as people write it: `(555) 212-6618`.
    pub phone_text: String,
    /// The window, in the line's time zone, in words.
    pub window: String,
    /// "English" or "Spanish".
    pub language: &'static str,
    /// Where they asked: "They asked for a person while entering their PIN."
    pub asked: String,
    /// Why no one took the call then.
    pub why: &'static str,
    /// When they asked, in the line's time zone.
    pub requested: String,
}

/// Gathers what the console shows about a callback.
///
/// # Errors
/// A database failure.
pub async fn load(app: &AppState, record: &CallbackRecord) -> Result<CallbackCard, AppError> {
    let account = match &record.account_number {
        Some(number) => app.line.store.account(number).await?,
        None => None,
    };
    let now = app.line.clock.now_ms();
    let window = Window {
        start_ms: record.window_start_ms,
        end_ms: record.window_end_ms,
    };
    let (window, requested) = match &app.line.hours {
        Some(hours) => (
            hours.window_text(window, now),
            hours.moment_text(record.created_at),
        ),
        // Callbacks are offered only where the line has hours; should they be taken away
        // later, the times still read plainly, in UTC.
        None => (
            format!(
                "{} to {}",
                utc_text(record.window_start_ms),
                utc_text(record.window_end_ms)
            ),
            utc_text(record.created_at),
        ),
    };
    let activity = record
        .asked_at
        .as_deref()
        .and_then(|name| app.line.flow.states.get(name))
        .map(|state| {
            state
                .activity()
                .map_or_else(|| state.name.replace(['_', '-'], " "), str::to_owned)
        });
    Ok(CallbackCard {
        id: record.id,
        window_start_ms: record.window_start_ms,
        name: account.as_ref().map(|a| a.name.clone()),
        account: account
            .as_ref()
            .map(|a| format!("•••• {}", a.last4()))
            .or_else(|| record.account_number.as_deref().map(masked)),
        phone: record.phone.clone(),
        phone_text: phone_text(&record.phone),
        window,
        language: match Language::parse(&record.language) {
            Some(Language::Es) => "Spanish",
            _ => "English",
        },
        asked: Reason::Asked.sentence(activity.as_deref()),
        why: match record.reason.as_str() {
            "closed" => "The line was closed.",
            "no_answer" => "No one answered the transfer.",
            "no_agent_line" => "The line has no number to put callers through to.",
            crate::pay_links::choices::CALLBACK_REASON => "Asked for on their pay link page.",
            _ => "No one could take the call.",
        },
        requested,
    })
}

/// An account number the store no longer knows, masked to its last four.
fn masked(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {last4}")
}

/// `+15552126618` -> `(555) 212-6618`; anything else as it is.
fn phone_text(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(n) if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..])
        }
        _ => e164.to_owned(),
    }
}

/// `2026-11-24 17:00 UTC`.
fn utc_text(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// The open callbacks, soonest window first, rendered for `signed_in`.
///
/// # Errors
/// A database failure.
pub async fn listed(app: &AppState, signed_in: &SignedIn) -> Result<Vec<maud::Markup>, AppError> {
    let mut items = Vec::new();
    for record in app.line.store.callbacks(Some(CallbackStatus::Open)).await? {
        let card = load(app, &record).await?;
        items.push(pages::callback_item(&card, &signed_in.session.csrf_token));
    }
    Ok(items)
}

/// The "Done" form as posted.
#[derive(serde::Deserialize)]
struct CloseForm {
    #[serde(default)]
    note: String,
}

fn refusal(status: StatusCode, why: &str) -> Response {
    (status, Html(pages::refused(why))).into_response()
}

/// `POST /agent/callbacks/{id}/close`: called back. The first close stands: a second one (this
/// agent's again, or another's at the same moment) is told who closed it, and changes nothing.
async fn close(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, AppError> {
    let note: String = form.note.trim().chars().take(NOTE_MAX).collect();
    let agent = &signed_in.session;
    match app
        .line
        .store
        .close_callback(
            id,
            CallbackStatus::Done,
            &agent.display_name,
            &note,
            app.line.clock.now_ms(),
        )
        .await?
    {
        Closed::Closed(_) => {
            tracing::info!(callback = id, agent = %agent.username, "callback closed");
            Ok((StatusCode::SEE_OTHER, [(LOCATION, "/agent#callbacks")]).into_response())
        }
        Closed::AlreadyClosed(record) => Ok(refusal(
            StatusCode::CONFLICT,
            &format!(
                "This callback was already closed{}; nothing was changed and the first note \
                 stands.",
                record
                    .closed_by
                    .as_deref()
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default()
            ),
        )),
        Closed::NotFound => Ok(refusal(StatusCode::NOT_FOUND, "There is no such callback.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(phone_text("+15552126618"), "(555) 212-6618");
        assert_eq!(phone_text("+442071234567"), "+442071234567");
        assert_eq!(masked("66253365"), "•••• 3365");
        assert_eq!(utc_text(1_795_446_245_000), "2026-11-23 15:04 UTC");
    }
}
