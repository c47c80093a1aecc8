//! The admin API: JSON for operations and agents, behind `Authorization: Bearer $IVRPAY_ADMIN_TOKEN`.

use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
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
        .route("/api/transfers", get(transfers))
        .route("/api/callbacks/{id}/close", post(close_callback))
        .route("/api/reports", get(report))
        .route("/api/reports/funnel", get(report_funnel))
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

/// `GET /api/transfers`: what the agents' consoles show (every transfer waiting or taken, and
/// those closed in the last hour), newest first, for admins who see everything.
async fn transfers(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<crate::store::TransferRow>>, AppError> {
    authorize(&app, &headers)?;
    let done_since = app.clock.now_ms() - crate::agents::transfers::DONE_SHOWN.as_millis() as i64;
    Ok(Json(app.store.console_transfers(done_since).await?))
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
    let note: String = clean(body.note.trim())
        .chars()
        .take(crate::agents::callbacks::NOTE_MAX)
        .collect();
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

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD[&by=day|week|flow|segment|language|provider][&format=json|csv]`.
/// Every field is read as text, so a bad one is a problem document saying how to write it.
#[derive(serde::Deserialize)]
struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    format: Option<String>,
}

/// A report as JSON, or its rows (or funnel) as CSV.
enum ReportBody {
    Json(crate::reports::Report),
    Csv(String),
}

impl IntoResponse for ReportBody {
    fn into_response(self) -> axum::response::Response {
        match self {
            ReportBody::Json(report) => Json(report).into_response(),
            ReportBody::Csv(text) => (
                [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
                text,
            )
                .into_response(),
        }
    }
}

/// The report the parameters ask for, in the line's time zone, and whether CSV was asked for.
async fn make_report(
    app: &AppState,
    params: &ReportParams,
) -> Result<(crate::reports::Report, bool), AppError> {
    use crate::reports::{ReportQuery, line_zone};
    let (Some(from), Some(to)) = (params.from.as_deref(), params.to.as_deref()) else {
        return Err(AppError::BadRequest(
            "from and to are required: ?from=2026-11-01&to=2026-11-30".to_owned(),
        ));
    };
    let csv = match params.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(AppError::BadRequest("format is json or csv".to_owned())),
    };
    let query = ReportQuery::parse(
        from,
        to,
        params.by.as_deref(),
        line_zone(app.hours.as_deref()),
    )?;
    Ok((crate::reports::report(&app.store, &query).await?, csv))
}

/// `GET /api/reports`: the whole report as JSON, or its rows as CSV.
async fn report(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> Result<ReportBody, AppError> {
    authorize(&app, &headers)?;
    let (report, csv) = make_report(&app, &params).await?;
    Ok(if csv {
        ReportBody::Csv(crate::reports::render::rows_csv(&report))
    } else {
        ReportBody::Json(report)
    })
}

/// `GET /api/reports/funnel`: the funnel alone, as JSON or CSV.
async fn report_funnel(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> Result<axum::response::Response, AppError> {
    authorize(&app, &headers)?;
    let (report, csv) = make_report(&app, &params).await?;
    Ok(if csv {
        ReportBody::Csv(crate::reports::render::funnel_csv(&report)).into_response()
    } else {
        Json(report.funnel).into_response()
    })
}
