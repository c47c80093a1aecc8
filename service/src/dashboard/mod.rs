//! The insight dashboard at `/dashboard`: the reports ([`crate::reports`]) for a period, as a
//! page operations can read at a glance: the headline numbers, where callers give up (the
//! funnel, drawn), calls and payments over the period, transfers and declines by reason, the
//! survey, the rows as a table, and the CSV to download.
//!
//! It sits behind the console's guard ([`crate::agents::console::guard`] covers `/dashboard`
//! too), so it needs a signed-in session like the console; beyond that it is for admins only.
//! Everything is drawn on the server ([`charts`]): no script and nothing fetched from elsewhere.

pub mod charts;
mod page;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use crate::agents::console::SignedIn;
use crate::error::AppError;
use crate::http::AppState;
use crate::reports::{self, ReportError, ReportQuery};

/// How many days the dashboard shows when the period is not given: the last week.
const DEFAULT_DAYS: i64 = 7;

/// The dashboard's routes (behind the console's guard).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/report.csv", get(rows_csv))
        .route("/dashboard/funnel.csv", get(funnel_csv))
}

/// The period and grouping, as the form sends them.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Params {
    /// First day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// day, week, flow, segment, language or provider.
    pub by: Option<String>,
}

/// The query the parameters ask for: the last [`DEFAULT_DAYS`] days by day, for what is not
/// given, in the line's time zone.
fn query(app: &AppState, params: &Params) -> Result<ReportQuery, ReportError> {
    let zone = reports::line_zone(app.line.hours.as_deref());
    let today = jiff::Timestamp::from_millisecond(app.line.clock.now_ms())
        .map(|now| zone.to_datetime(now).date())
        .map_err(|_| ReportError::BadQuery("the clock is out of range".to_owned()))?;
    let week_ago = today
        .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
        .unwrap_or(today);
    fn given(value: &Option<String>) -> Option<&str> {
        value.as_deref().filter(|v| !v.trim().is_empty())
    }
    ReportQuery::parse(
        given(&params.from).unwrap_or(&week_ago.to_string()),
        given(&params.to).unwrap_or(&today.to_string()),
        given(&params.by),
        zone,
    )
}

/// Admins only: anyone else signed in is told so.
fn admin_only(signed_in: &SignedIn) -> Option<Response> {
    (signed_in.session.role != "admin").then(|| {
        (
            StatusCode::FORBIDDEN,
            Html(crate::agents::pages::refused(
                "The dashboard is for admins. Ask an admin to give you access.",
            )),
        )
            .into_response()
    })
}

/// `GET /dashboard?from=&to=&by=`: the page. A period that cannot be reported is said on the
/// page, with the form to fix it.
async fn dashboard(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    if let Some(refused) = admin_only(&signed_in) {
        return Ok(refused);
    }
    let made = match query(&app, &params) {
        Ok(query) => reports::report(&app.line.store, &query)
            .await
            .map(|r| (query, r)),
        Err(err) => Err(err),
    };
    let html = match made {
        Ok((query, report)) => {
            // NACHA's return rates are over the last 60 days, whatever period is shown.
            let days = crate::payments::debit::RETURN_RATE_DAYS;
            let since = app.line.clock.now_ms() - days * 24 * 60 * 60 * 1000;
            let returns = app.line.store.bank_returns_since(since).await?;
            page::dashboard(&app, &signed_in, &query, &report, &returns)
        }
        Err(ReportError::BadQuery(problem)) => page::problem(&signed_in, &params, &problem),
        Err(err) => return Err(err.into()),
    };
    Ok(Html(html).into_response())
}

/// A CSV of the report the parameters ask for (`name`: `report` for its rows, `funnel`), named
/// for its period.
async fn csv(
    app: &AppState,
    signed_in: &SignedIn,
    params: &Params,
    name: &str,
    render: fn(&reports::Report) -> String,
) -> Result<Response, AppError> {
    if let Some(refused) = admin_only(signed_in) {
        return Ok(refused);
    }
    let query = query(app, params)?;
    let report = reports::report(&app.line.store, &query).await?;
    let file = format!(
        "attachment; filename=\"ivrpay-{name}-{}-to-{}-by-{}.csv\"",
        query.from,
        query.to,
        query.by.name()
    );
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, file),
        ],
        render(&report),
    )
        .into_response())
}

/// `GET /dashboard/report.csv`: the report's rows.
async fn rows_csv(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    csv(
        &app,
        &signed_in,
        &params,
        "report",
        reports::render::rows_csv,
    )
    .await
}

/// `GET /dashboard/funnel.csv`: the funnel.
async fn funnel_csv(
    State(app): State<AppState>,
    Extension(signed_in): Extension<SignedIn>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    csv(
        &app,
        &signed_in,
        &params,
        "funnel",
        reports::render::funnel_csv,
    )
    .await
}
