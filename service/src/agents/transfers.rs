//! The live screen-pop's routes: the stream every signed-in console listens to, "I'll take it",
//! and the disposition. All sit under `/agent`, so [`super::console::guard`] has already checked
//! the session (and, for the two changes, the origin and CSRF token) before they run.
//!
//! The stream works across any number of stateless instances sharing one database: each open
//! console polls the `transfers` table (one cheap indexed query a second, by `changed_at`) rather
//! than listening to an in-process channel that another instance's change would never reach.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use futures::Stream;

use super::console::SignedIn;
use super::pages::{self, Viewer};
use super::screen_pop;
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Disposition, Refusal, TransferRow};

/// How often an open console looks for changes.
pub const POLL: Duration = Duration::from_secs(1);

/// How far behind the newest change it has seen a console looks again: a transaction that
/// stamped its change a little earlier but committed after the last poll (or an instance whose
/// clock runs a little behind) is still picked up. Changes already shown are skipped by version.
const LATE_COMMIT_MARGIN: Duration = Duration::from_secs(10);

/// How long a closed transfer stays on the console.
pub const DONE_SHOWN: Duration = Duration::from_secs(60 * 60);

/// The longest note kept, in characters.
const NOTE_MAX: usize = 2000;

/// The screen-pop's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agent/transfers/stream", get(stream))
        .route("/agent/transfers/{id}/claim", post(claim))
        .route("/agent/transfers/{id}/disposition", post(dispose))
        .route("/agent/transfers/{id}/card-entry", post(card_entry))
        .route(
            "/agent/transfers/{id}/autopay/stop",
            get(confirm_stop_autopay).post(stop_autopay),
        )
        .route("/agent/transfers/{id}/pay-link", post(send_pay_link))
        .route(
            "/agent/transfers/{id}/saved-methods/{saved}/remove",
            get(confirm_remove).post(remove_saved_method),
        )
        .route("/agent/console.js", get(script))
}

/// Who is looking, for rendering the forms they may use.
fn viewer(signed_in: &SignedIn) -> Viewer<'_> {
    Viewer {
        agent_id: signed_in.session.agent_id,
        csrf_token: &signed_in.session.csrf_token,
    }
}

/// The transfers a console lists on load, rendered for `signed_in`.
///
/// # Errors
/// A database failure.
pub async fn listed(app: &AppState, signed_in: &SignedIn) -> Result<Vec<maud::Markup>, AppError> {
    let done_since = app.line.clock.now_ms() - DONE_SHOWN.as_millis() as i64;
    let mut items = Vec::new();
    for row in app.line.store.console_transfers(done_since).await? {
        let pop = screen_pop::load(app, &row).await?;
        items.push(pages::transfer_item(&pop, viewer(signed_in)));
    }
    Ok(items)
}

/// What one open stream remembers between polls.
struct Watch {
    app: AppState,
    signed_in: SignedIn,
    /// Poll from here (UTC ms): the newest change seen, less [`LATE_COMMIT_MARGIN`].
    since: i64,
    /// Transfer id to the version (and change time) last sent, for changes since `since`.
    sent: HashMap<i64, (i64, i64)>,
    /// Rendered events not yet sent.
    ready: std::collections::VecDeque<Event>,
    ticks: tokio::time::Interval,
    /// The first poll sends everything the console lists, for a page loaded a moment earlier.
    first: bool,
    /// Poll callbacks from here (UTC ms), as `since` for transfers.
    callbacks_since: i64,
    /// Callback id to whether it was last sent open (`true`) or closed, and when that changed.
    callbacks_sent: HashMap<i64, (bool, i64)>,
}

impl Watch {
    /// Polls once: `false` when the session has ended (signed out, disabled, expired), which
    /// ends the stream.
    async fn poll(&mut self) -> Result<bool, AppError> {
        let app = &self.app;
        let now = app.line.clock.now_ms();
        if app
            .line
            .store
            .agent_session(&self.signed_in.token_hash, now)
            .await?
            .is_none()
        {
            return Ok(false);
        }
        let rows = if self.first {
            self.first = false;
            app.line
                .store
                .console_transfers(now - DONE_SHOWN.as_millis() as i64)
                .await?
        } else {
            app.line.store.transfers_changed_since(self.since).await?
        };
        for row in rows {
            self.send(&row).await?;
        }
        let since = self.since;
        self.sent.retain(|_, (_, changed_at)| *changed_at >= since);
        self.poll_callbacks(now).await?;
        Ok(true)
    }

    /// Callbacks asked for since the last look appear (`callback`: the rendered item, which the
    /// script puts in window order), and closed ones leave every console (`callback-closed`:
    /// the id).
    async fn poll_callbacks(&mut self, now: i64) -> Result<(), AppError> {
        let margin = LATE_COMMIT_MARGIN.as_millis() as i64;
        let changed = self
            .app
            .line
            .store
            .callbacks_changed_since(self.callbacks_since)
            .await?;
        for record in changed {
            let open = record.status == "open";
            if self.callbacks_sent.get(&record.id).map(|(was, _)| *was) == Some(open) {
                continue;
            }
            let changed_at = record.closed_at.unwrap_or(record.created_at);
            self.callbacks_sent.insert(record.id, (open, changed_at));
            let event = if open {
                let card = super::callbacks::load(&self.app, &record).await?;
                Event::default().event("callback").data(
                    pages::callback_item(&card, &self.signed_in.session.csrf_token).into_string(),
                )
            } else {
                Event::default()
                    .event("callback-closed")
                    .data(record.id.to_string())
            };
            self.ready.push_back(event);
        }
        // What changed before the margin is not looked at again: forget it.
        self.callbacks_since = self.callbacks_since.max(now - margin);
        let since = self.callbacks_since;
        self.callbacks_sent
            .retain(|_, (_, changed_at)| *changed_at >= since);
        Ok(())
    }

    async fn send(&mut self, row: &TransferRow) -> Result<(), AppError> {
        let margin = LATE_COMMIT_MARGIN.as_millis() as i64;
        self.since = self.since.max(row.changed_at - margin);
        if self
            .sent
            .get(&row.id)
            .is_some_and(|(v, _)| *v >= row.version)
        {
            return Ok(());
        }
        self.sent.insert(row.id, (row.version, row.changed_at));
        let pop = screen_pop::load(&self.app, row).await?;
        let html = pages::transfer_item(&pop, viewer(&self.signed_in));
        self.ready.push_back(
            Event::default()
                .event("transfer")
                .id(format!("{}.{}", row.id, row.version))
                .data(html.into_string()),
        );
        Ok(())
    }
}

/// `GET /agent/transfers/stream`: server-sent events, one `transfer` event (the transfer's
/// rendered list item) for each transfer that appears or changes, on any instance. Ends when the
/// session does.
async fn stream(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut ticks = tokio::time::interval(POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let since = app.line.clock.now_ms() - LATE_COMMIT_MARGIN.as_millis() as i64;
    let watch = Watch {
        app,
        signed_in,
        since,
        sent: HashMap::new(),
        ready: std::collections::VecDeque::new(),
        ticks,
        first: true,
        callbacks_since: since,
        callbacks_sent: HashMap::new(),
    };
    let events = futures::stream::unfold(watch, |mut watch| async move {
        loop {
            if let Some(event) = watch.ready.pop_front() {
                return Some((Ok(event), watch));
            }
            watch.ticks.tick().await;
            match watch.poll().await {
                Ok(true) => {}
                Ok(false) => return None,
                // A database hiccup: try again next tick; the console keeps what it shows.
                Err(err) => tracing::warn!(error = %err, "transfer stream poll failed"),
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// A refusal as a short page with the reason, for the form's browser.
fn refusal(status: StatusCode, why: &str) -> Response {
    (status, Html(pages::refused(why))).into_response()
}

fn back_to(id: i64) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/agent#transfer-{id}"))],
    )
        .into_response()
}

/// `POST /agent/transfers/{id}/claim`: "I'll take it". One agent wins; the other is told who.
async fn claim(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let agent = &signed_in.session;
    match app
        .line
        .store
        .claim_transfer(id, agent.agent_id, app.line.clock.now_ms())
        .await?
    {
        Ok(_) => {
            tracing::info!(transfer = id, agent = %agent.username, "transfer claimed");
            Ok(back_to(id))
        }
        Err(Refusal::NotFound) => Ok(refusal(StatusCode::NOT_FOUND, "There is no such transfer.")),
        Err(Refusal::Taken(by)) => Ok(refusal(
            StatusCode::CONFLICT,
            &match by {
                Some(name) => format!("{name} has already taken this caller."),
                None => "Someone has already taken this caller.".to_owned(),
            },
        )),
        Err(Refusal::NotYours) => Ok(refusal(StatusCode::CONFLICT, "This caller is not waiting.")),
        Err(Refusal::CallEnded) => Ok(refusal(
            StatusCode::CONFLICT,
            "The caller's call ended before anyone took it.",
        )),
    }
}

/// The disposition form as posted.
#[derive(serde::Deserialize)]
struct DispositionForm {
    disposition: String,
    #[serde(default)]
    note: String,
}

/// `POST /agent/transfers/{id}/disposition`: how the call ended, by the agent who took it.
async fn dispose(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
    Form(form): Form<DispositionForm>,
) -> Result<Response, AppError> {
    let Some(disposition) = Disposition::parse(&form.disposition) else {
        return Ok(refusal(
            StatusCode::BAD_REQUEST,
            "Choose how the call ended from the list.",
        ));
    };
    // A note is free text: the store masks anything card-like an agent types into it.
    let note: String = form.note.trim().chars().take(NOTE_MAX).collect();
    let agent = &signed_in.session;
    match app
        .line
        .store
        .dispose_transfer(
            id,
            agent.agent_id,
            disposition,
            &note,
            app.line.clock.now_ms(),
        )
        .await?
    {
        Ok(_) => {
            tracing::info!(
                transfer = id,
                disposition = disposition.name(),
                "transfer closed"
            );
            Ok(back_to(id))
        }
        Err(Refusal::NotFound) => Ok(refusal(StatusCode::NOT_FOUND, "There is no such transfer.")),
        Err(_) => Ok(refusal(
            StatusCode::CONFLICT,
            "Only the agent who took this caller can close it, once.",
        )),
    }
}

/// `POST /agent/transfers/{id}/card-entry`: sends the caller the agent took to key in a card on
/// the line's own questions (through the provider's call control); they come back to the agent when it is
/// decided, and every console shows the result under "Payments on this call".
async fn card_entry(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(row) = app.line.store.transfer(id).await? else {
        return Ok(refusal(StatusCode::NOT_FOUND, "There is no such transfer."));
    };
    let agent = &signed_in.session;
    match crate::calls::hold::send_to_card_entry(&app.line, &row, agent.agent_id).await? {
        Ok(()) => {
            tracing::info!(transfer = id, agent = %agent.username, "caller sent to key in a card");
            Ok(back_to(id))
        }
        Err(refused) => {
            use crate::calls::hold::AssistRefusal;
            let status = match refused {
                AssistRefusal::NotConfigured => StatusCode::NOT_IMPLEMENTED,
                AssistRefusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AssistRefusal::NotYours | AssistRefusal::CallEnded | AssistRefusal::NotVerified => {
                    StatusCode::CONFLICT
                }
            };
            Ok(refusal(status, &refused.to_string()))
        }
    }
}

/// The account of a transfer the signed-in agent took, to change at the caller's word; a
/// refusal to show otherwise.
async fn account_of_mine(
    app: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<Result<crate::store::Account, Response>, AppError> {
    let Some(row) = app.line.store.transfer(id).await? else {
        return Ok(Err(refusal(
            StatusCode::NOT_FOUND,
            "There is no such transfer.",
        )));
    };
    if row.claimed_by != Some(signed_in.session.agent_id) {
        return Ok(Err(refusal(
            StatusCode::CONFLICT,
            "Only the agent who took this call can change its account.",
        )));
    }
    let account = match &row.account_number {
        Some(number) => app.line.store.account(number).await?,
        None => None,
    };
    Ok(account.ok_or_else(|| {
        refusal(
            StatusCode::CONFLICT,
            "This caller was not identified, so there is no account to change.",
        )
    }))
}

/// `GET .../saved-methods/{saved}/remove`: what the console's Remove opens. A card on file
/// pays plans and AutoPay, so one click must not take it off: the agent who took the call sees
/// which card, whether AutoPay stops with it, and confirms (or keeps it).
async fn confirm_remove(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path((id, saved)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let account = match account_of_mine(&app, &signed_in, id).await? {
        Ok(account) => account,
        Err(refused) => return Ok(refused),
    };
    let store = &app.line.store;
    let on_file = store.saved_methods(&account.account_number).await?;
    let Some(method) = on_file.iter().find(|method| method.id == saved) else {
        return Ok(refusal(StatusCode::NOT_FOUND, "That is no longer on file."));
    };
    let stops_autopay = crate::calls::autopay::pays_autopay(&app.line, &account, saved).await?;
    let question = format!(
        "Take {} off the caller's file?",
        super::screen_pop::on_file_label(method)
    );
    let action = format!("/agent/transfers/{id}/saved-methods/{saved}/remove");
    let confirm = pages::Confirmation {
        question: &question,
        explanation: "Only when the caller asks. It cannot be used again without the caller \
                      giving it again; their consent to keep it stays on record, marked removed \
                      by you.",
        warning: stops_autopay.then_some("AutoPay is paid from it, so AutoPay stops too."),
        action: &action,
        yes: "Yes, take it off",
        no: "No, keep it",
        transfer: id,
        csrf_token: &signed_in.session.csrf_token,
    };
    Ok(Html(pages::confirm(&confirm)).into_response())
}

/// Takes a card off the file of the account on a transfer, for the agent who took it, at the
/// caller's word (its consent stays on record, marked removed by that agent).
async fn remove_saved_method(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path((id, saved)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let account = match account_of_mine(&app, &signed_in, id).await? {
        Ok(account) => account,
        Err(refused) => return Ok(refused),
    };
    let agent = &signed_in.session;
    let by = format!("agent:{}", agent.username);
    let (removed, _) =
        crate::calls::autopay::remove_method(&app.line, &account, saved, &by).await?;
    if !removed {
        return Ok(refusal(StatusCode::NOT_FOUND, "That is no longer on file."));
    }
    tracing::info!(transfer = id, saved_method = saved, agent = %agent.username, "removed from file by an agent");
    app.line
        .store
        .touch_transfer(id, app.line.clock.now_ms())
        .await?;
    Ok(back_to(id))
}

/// `GET .../autopay/stop`: what the console's Stop AutoPay opens, for the agent who took the
/// call: what stopping it means, and the button that does it (or the way back, keeping it on).
async fn confirm_stop_autopay(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = match account_of_mine(&app, &signed_in, id).await? {
        Ok(account) => account,
        Err(refused) => return Ok(refused),
    };
    if app
        .line
        .store
        .active_autopay(&account.account_number)
        .await?
        .is_none()
    {
        return Ok(refusal(StatusCode::CONFLICT, "AutoPay is already off."));
    }
    let action = format!("/agent/transfers/{id}/autopay/stop");
    let confirm = pages::Confirmation {
        question: "Stop AutoPay on this account?",
        explanation: "Only when the caller asks. No more payments are taken automatically, and \
                      the caller is told in writing where the line can reach them. They can \
                      turn it on again on a call.",
        warning: None,
        action: &action,
        yes: "Yes, stop AutoPay",
        no: "No, keep it on",
        transfer: id,
        csrf_token: &signed_in.session.csrf_token,
    };
    Ok(Html(pages::confirm(&confirm)).into_response())
}

/// Stops the AutoPay of the account on a transfer, for the agent who took it (marked stopped by
/// that agent; the account holder is told in writing where a channel reaches them).
async fn stop_autopay(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = match account_of_mine(&app, &signed_in, id).await? {
        Ok(account) => account,
        Err(refused) => return Ok(refused),
    };
    let agent = &signed_in.session;
    let by = format!("agent:{}", agent.username);
    if !crate::calls::autopay::stop(&app.line, &account, &by).await? {
        return Ok(refusal(StatusCode::CONFLICT, "AutoPay is already off."));
    }
    tracing::info!(transfer = id, agent = %agent.username, "AutoPay stopped by an agent");
    app.line
        .store
        .touch_transfer(id, app.line.clock.now_ms())
        .await?;
    Ok(back_to(id))
}

/// The channel the agent chose to send a pay link by.
#[derive(Debug, serde::Deserialize)]
struct PayLinkForm {
    /// `sms` or `email`.
    send: String,
}

/// Sends the caller on a transfer a pay link by text or email, for the agent who took it: the
/// account's own page, to pay or arrange on their phone after the call.
async fn send_pay_link(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<PayLinkForm>,
) -> Result<Response, AppError> {
    let account = match account_of_mine(&app, &signed_in, id).await? {
        Ok(account) => account,
        Err(refused) => return Ok(refused),
    };
    let channel = match form.send.as_str() {
        "sms" => crate::messages::compose::Channel::Sms,
        "email" => crate::messages::compose::Channel::Email,
        _ => {
            return Ok(refusal(
                StatusCode::BAD_REQUEST,
                "Choose a text or an email.",
            ));
        }
    };
    if !crate::pay_links::reaches(&app.line, &account, channel).await? {
        return Ok(refusal(
            StatusCode::CONFLICT,
            "That does not reach this caller: no number or address on file, or they replied STOP \
             to texts.",
        ));
    }
    let agent = &signed_in.session;
    let by = format!("agent:{}", agent.username);
    crate::pay_links::create(&app.line, &account, &by, Some(channel)).await?;
    tracing::info!(transfer = id, agent = %agent.username, channel = channel.name(), "pay link sent by an agent");
    app.line
        .store
        .touch_transfer(id, app.line.clock.now_ms())
        .await?;
    Ok(back_to(id))
}

/// The console's one script: listens to the stream and puts each transfer it hears about in the
/// list (replacing the one shown, unless it is already up to date).
const SCRIPT: &str = r#""use strict";
(function () {
  var list = document.getElementById("transfer-list");
  var empty = document.getElementById("no-transfers");
  if (!list || !window.EventSource) { return; }
  function update() { empty.hidden = list.children.length > 0; }
  var source = new EventSource("/agent/transfers/stream");
  var callbacks = document.getElementById("callback-list");
  var noCallbacks = document.getElementById("no-callbacks");
  function updateCallbacks() {
    if (callbacks && noCallbacks) { noCallbacks.hidden = callbacks.children.length > 0; }
  }
  source.addEventListener("callback", function (event) {
    if (!callbacks) { return; }
    var template = document.createElement("template");
    template.innerHTML = event.data.trim();
    var item = template.content.firstElementChild;
    if (!item || document.getElementById(item.id)) { return; }
    var later = Array.prototype.find.call(callbacks.children, function (shown) {
      return Number(shown.dataset.window) > Number(item.dataset.window);
    });
    callbacks.insertBefore(item, later || null);
    updateCallbacks();
  });
  source.addEventListener("callback-closed", function (event) {
    var shown = document.getElementById("callback-" + event.data.trim());
    if (shown) { shown.remove(); }
    updateCallbacks();
  });
  source.addEventListener("transfer", function (event) {
    var template = document.createElement("template");
    template.innerHTML = event.data.trim();
    var item = template.content.firstElementChild;
    if (!item) { return; }
    var shown = document.getElementById(item.id);
    if (shown) {
      if (Number(shown.dataset.version) >= Number(item.dataset.version)) { return; }
      shown.replaceWith(item);
    } else {
      list.insertBefore(item, list.firstChild);
    }
    update();
  });
  update();
})();
"#;

/// `GET /agent/console.js`: [`SCRIPT`], a file of its own so the page's Content-Security-Policy
/// can allow scripts from the console only, none inline.
async fn script() -> Response {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}
