//! The admin API: JSON for operations and agents, behind `Authorization: Bearer $IVRPAY_ADMIN_TOKEN`.

use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::AppError;
use crate::store::{
    ArrangementRecord, CallRecord, CallbackRecord, CallbackStatus, Closed, MessageRecord,
    PaymentRecord,
};
use crate::telephony::sanitize::clean;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/calls/{call_sid}", get(call))
        .route("/api/accounts/{account_number}", get(account))
        .route("/api/payments/unsettled", get(unsettled_payments))
        .route("/api/callbacks", get(callbacks))
        .route("/api/callbacks/{id}/close", post(close_callback))
}

fn authorize(app: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    if bearer_is(headers, app.config.admin_token.as_ref()) {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// Whether the request carries `Authorization: Bearer <expected>` (compared in constant time);
/// never when no token is configured.
pub(super) fn bearer_is(headers: &HeaderMap, expected: Option<&secrecy::SecretString>) -> bool {
    let Some(expected) = expected else {
        return false;
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(expected.expose_secret().as_bytes())) && !given.is_empty()
}

async fn call(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(call_sid): Path<String>,
) -> Result<Json<CallRecord>, AppError> {
    authorize(&app, &headers)?;
    let record = app
        .store
        .call_record(&clean(&call_sid))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(record))
}

/// An account as operations see it: balance and payment history, never credentials.
#[derive(serde::Serialize)]
struct AccountView {
    account_number: String,
    name: String,
    balance_cents: i64,
    minimum_due_cents: i64,
    due_date: String,
    segment: String,
    language: String,
    flags: Vec<String>,
    state: String,
    locked_until: Option<i64>,
    payments: Vec<PaymentRecord>,
    /// Settlements, plans (with their installments) and promises, newest first.
    arrangements: Vec<ArrangementRecord>,
    /// How the holder chose to hear from us (`sms`, `email`, `none`), if they chose.
    contact_channel: Option<String>,
    /// Receipts, reminders and notices with their delivery status, newest first.
    messages: Vec<MessageRecord>,
}

async fn account(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(account_number): Path<String>,
) -> Result<Json<AccountView>, AppError> {
    authorize(&app, &headers)?;
    let account_number = clean(&account_number);
    let account = app
        .store
        .account(&account_number)
        .await?
        .ok_or(AppError::NotFound)?;
    let payments = app.store.payments_for_account(&account_number).await?;
    let arrangements = app.store.arrangements_for_account(&account_number).await?;
    let messages = app.store.messages_for_account(&account_number).await?;
    let flags = crate::collections::policy::flags_of(&account)
        .map(str::to_owned)
        .collect();
    Ok(Json(AccountView {
        account_number: account.account_number,
        name: account.name,
        balance_cents: account.balance_cents,
        minimum_due_cents: account.minimum_due_cents,
        due_date: account.due_date,
        segment: account.segment,
        language: account.language,
        flags,
        state: account.state,
        locked_until: account.locked_until,
        payments,
        arrangements,
        contact_channel: account.contact_channel,
        messages,
    }))
}

/// Payments whose outcome is not settled: `pending` (being charged or reconciled) or `unknown`
/// (the gateway gave no definite answer); `needs_attention` marks those a person must check in
/// the gateway's records.
async fn unsettled_payments(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<PaymentRecord>>, AppError> {
    authorize(&app, &headers)?;
    Ok(Json(app.store.unsettled_payments().await?))
}

/// `?status=open|done|cancelled`; all callbacks without it.
#[derive(serde::Deserialize)]
struct CallbacksQuery {
    status: Option<String>,
}

/// Callbacks callers asked for, soonest window first.
async fn callbacks(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbacksQuery>,
) -> Result<Json<Vec<CallbackRecord>>, AppError> {
    authorize(&app, &headers)?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(name) => Some(CallbackStatus::parse(name).ok_or_else(|| {
            AppError::BadRequest("status is one of open, done, cancelled".to_owned())
        })?),
    };
    Ok(Json(app.store.callbacks(status).await?))
}

/// Closing a callback: `{"note": "...", "status": "done"}` (`status` defaults to `done`;
/// `cancelled` for one that is not to be called).
#[derive(serde::Deserialize)]
struct CloseCallback {
    note: String,
    status: Option<String>,
}

/// Closes an open callback; 409 with the callback as it stands when it was closed before.
async fn close_callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<CloseCallback>,
) -> Result<(axum::http::StatusCode, Json<CallbackRecord>), AppError> {
    authorize(&app, &headers)?;
    let status = match body.status.as_deref() {
        None | Some("done") => CallbackStatus::Done,
        Some("cancelled") => CallbackStatus::Cancelled,
        Some(_) => {
            return Err(AppError::BadRequest(
                "status is done or cancelled".to_owned(),
            ));
        }
    };
    let note = clean(body.note.trim());
    let closed = app
        .store
        .close_callback(id, status, "admin", &note, app.clock.now_ms())
        .await?;
    match closed {
        Closed::Closed(record) => Ok((axum::http::StatusCode::OK, Json(record))),
        Closed::AlreadyClosed(record) => Ok((axum::http::StatusCode::CONFLICT, Json(record))),
        Closed::NotFound => Err(AppError::NotFound),
    }
}
