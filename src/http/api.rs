//! The admin API: JSON for operations and agents, behind `Authorization: Bearer $IVRPAY_ADMIN_TOKEN`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::AppError;
use crate::store::CallRecord;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/calls/{call_sid}", get(call))
}

fn authorize(app: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(expected) = &app.config.admin_token else {
        return Err(AppError::Unauthorized);
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(expected.expose_secret().as_bytes())) && !given.is_empty()
    {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

async fn call(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(call_sid): Path<String>,
) -> Result<Json<CallRecord>, AppError> {
    authorize(&app, &headers)?;
    let record = app
        .store
        .call_record(&call_sid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(record))
}
