//! The admin API: JSON for operations and agents, behind `Authorization: Bearer $IVRPAY_ADMIN_TOKEN`.
//!
//! The API describes itself: every route is registered through utoipa's [`routes!`] from a handler
//! annotated with `#[utoipa::path]`, and the request, response and error types derive their
//! schemas, so the OpenAPI document at `/api/openapi.json` is built from the same code that
//! answers. Every handler takes [`Admin`] first (nothing of an unauthenticated request is read),
//! and reads its path, query and body through [`Parsed`], which answers what it cannot read with
//! the JSON problem rather than axum's plain text.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::{Extension, Json, Router};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::http::AppState;
use crate::http::error::Problem;
use crate::store::{
    ArrangementRecord, CallRecord, CallbackRecord, CallbackStatus, Closed, MessageRecord,
    PaymentRecord,
};
use crate::telephony::sanitize::clean;

pub(super) fn router() -> Router<AppState> {
    let (router, description) = described().split_for_parts();
    // Serialized once: it is the same for every request.
    let json = description
        .to_json()
        .expect("the OpenAPI description is plain data and serializes");
    router.layer(Extension(Description(json.into())))
}

/// The routes with their description, each from its handler's annotation.
fn described() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(call))
        .routes(routes!(account))
        .routes(routes!(remove_saved_method))
        .routes(routes!(stop_autopay))
        .routes(routes!(create_pay_link))
        .routes(routes!(revoke_pay_link))
        .routes(routes!(unsettled_payments))
        .routes(routes!(callbacks))
        .routes(routes!(transfers))
        .routes(routes!(close_callback))
        .routes(routes!(report))
        .routes(routes!(report_funnel))
}

/// What the description says of the API as a whole; the paths come from [`described`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "ivrpay admin API",
        description = "Calls, accounts, payments, callbacks, transfers and reports, for \
                       operations. Every request carries `Authorization: Bearer \
                       $IVRPAY_ADMIN_TOKEN`; every refusal is a JSON problem document."
    ),
    components(schemas(Problem)),
    security(("admin_token" = [])),
    modifiers(&AdminToken)
)]
struct ApiDoc;

/// The bearer scheme the `security` requirement above names.
struct AdminToken;

impl utoipa::Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The serialized description, handed to [`openapi_json`].
#[derive(Clone)]
struct Description(std::sync::Arc<str>);

/// A request that carries the admin token. Taken first by every handler, so a request without
/// it is refused before its path, query or body is read.
struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        if bearer_is(&parts.headers, app.line.config.admin_token.as_ref()) {
            Ok(Admin)
        } else {
            Err(AppError::Unauthorized)
        }
    }
}

/// One of axum's extractors (`Path`, `Query`, `Json`) whose rejection (not a number, not the
/// type, not JSON, too large) is answered with the JSON problem, its text the detail, rather
/// than axum's plain text.
struct Parsed<E>(E);

impl<E, S> FromRequestParts<S> for Parsed<E>
where
    E: FromRequestParts<S>,
    E::Rejection: std::fmt::Display,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        E::from_request_parts(parts, state)
            .await
            .map(Parsed)
            .map_err(|rejection| AppError::BadRequest(rejection.to_string()))
    }
}

impl<E, S> FromRequest<S> for Parsed<E>
where
    E: FromRequest<S>,
    E::Rejection: std::fmt::Display,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        E::from_request(request, state)
            .await
            .map(Parsed)
            .map_err(|rejection| AppError::BadRequest(rejection.to_string()))
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

/// This API's OpenAPI description.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object), AppError)
)]
async fn openapi_json(
    _: Admin,
    Extension(Description(json)): Extension<Description>,
) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
}

/// A call and its steps and payments.
#[utoipa::path(
    get,
    path = "/api/calls/{call_sid}",
    tag = "calls",
    params(("call_sid" = String, Path, description = "The provider's call id")),
    responses((status = 200, description = "The call", body = CallRecord), AppError)
)]
async fn call(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path(call_sid)): Parsed<Path<String>>,
) -> Result<Json<CallRecord>, AppError> {
    let record = app
        .line
        .store
        .call_record(&clean(&call_sid))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(record))
}

/// An account as operations see it: balance and payment history, never credentials.
#[derive(serde::Serialize, ToSchema)]
struct AccountView {
    account_number: String,
    name: String,
    balance_cents: i64,
    minimum_due_cents: i64,
    #[schema(format = Date)]
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
    /// The bank debits authorised by phone, newest first, each with the words read, its
    /// recording and written notice (the evidence NACHA's rules ask for, kept two years).
    debit_authorizations: Vec<crate::store::DebitAuthorizationRecord>,
    /// The cards kept on file with the caller's consent: brand and last four only (the
    /// gateway's token never leaves the store).
    saved_methods: Vec<crate::store::SavedMethod>,
    /// Pay links made for the account, newest first: how far each got, never its token.
    pay_links: Vec<crate::store::PayLink>,
}

/// An account: balance, payments, arrangements, messages and bank debit authorisations.
#[utoipa::path(
    get,
    path = "/api/accounts/{account_number}",
    tag = "accounts",
    params(("account_number" = String, Path, description = "The account number", example = "66253365")),
    responses((status = 200, description = "The account", body = AccountView), AppError)
)]
async fn account(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path(account_number)): Parsed<Path<String>>,
) -> Result<Json<AccountView>, AppError> {
    let account_number = clean(&account_number);
    let account = app
        .line
        .store
        .account(&account_number)
        .await?
        .ok_or(AppError::NotFound)?;
    let payments = app.line.store.payments_for_account(&account_number).await?;
    let arrangements = app
        .line
        .store
        .arrangements_for_account(&account_number)
        .await?;
    let messages = app.line.store.messages_for_account(&account_number).await?;
    let debit_authorizations = app
        .line
        .store
        .debit_authorizations_for_account(&account_number)
        .await?;
    let saved_methods = app.line.store.saved_methods(&account_number).await?;
    let pay_links = app
        .line
        .store
        .pay_links_for_account(&account_number)
        .await?;
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
        debit_authorizations,
        saved_methods,
        pay_links,
    }))
}

/// How to make a pay link.
#[derive(serde::Deserialize, ToSchema, Default)]
struct NewPayLinkBody {
    /// Send it to the account by `sms` or `email` (where that reaches it and a text was not
    /// refused with STOP); leave out to only make it.
    send: Option<SendBy>,
}

/// A channel a link is sent by.
#[derive(serde::Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum SendBy {
    /// A text.
    Sms,
    /// An email.
    Email,
}

/// A pay link just made: its URL is shown this once and never stored.
#[derive(serde::Serialize, ToSchema)]
struct MadePayLink {
    /// Its id (to revoke it).
    id: i64,
    /// The link, token included.
    url: String,
    /// When it stops opening (UTC ms).
    expires_at: i64,
    /// Where it was sent (`sms`, `email`), if it was.
    sent_by: Option<String>,
}

/// Makes a pay link for an account, and sends it if asked: the account's own page, where the
/// holder proves it is them as on the phone and sees what the line would offer.
#[utoipa::path(
    post,
    path = "/api/accounts/{account_number}/pay-links",
    tag = "accounts",
    params(("account_number" = String, Path, description = "The account number", example = "66253365")),
    request_body = NewPayLinkBody,
    responses((status = 201, description = "Made", body = MadePayLink), AppError)
)]
async fn create_pay_link(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path(account_number)): Parsed<Path<String>>,
    Parsed(Json(body)): Parsed<Json<NewPayLinkBody>>,
) -> Result<(axum::http::StatusCode, Json<MadePayLink>), AppError> {
    let account_number = clean(&account_number);
    let Some(account) = app.line.store.account(&account_number).await? else {
        return Err(AppError::NotFound);
    };
    let send = body.send.map(|by| match by {
        SendBy::Sms => crate::messages::compose::Channel::Sms,
        SendBy::Email => crate::messages::compose::Channel::Email,
    });
    let made = crate::pay_links::create(&app.line, &account, "admin", send).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(MadePayLink {
            id: made.id,
            url: made.url,
            expires_at: made.expires_at,
            sent_by: made.sent_by.map(|channel| channel.name().to_owned()),
        }),
    ))
}

/// Revokes a pay link: it opens nothing more; 404 when the account has no such open link.
#[utoipa::path(
    delete,
    path = "/api/accounts/{account_number}/pay-links/{id}",
    tag = "accounts",
    params(
        ("account_number" = String, Path, description = "The account number", example = "66253365"),
        ("id" = i64, Path, description = "The link's id", example = 1)
    ),
    responses((status = 204, description = "Revoked"), AppError)
)]
async fn revoke_pay_link(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path((account_number, id))): Parsed<Path<(String, i64)>>,
) -> Result<axum::http::StatusCode, AppError> {
    let account_number = clean(&account_number);
    let now = app.line.clock.now_ms();
    if app
        .line
        .store
        .revoke_pay_link(&account_number, id, "admin", now)
        .await?
    {
        Ok(axum::http::StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Takes a card or bank account off an account's file (its consent stays on record, marked
/// removed by an admin), and AutoPay with it when AutoPay charges it; 404 when the account has
/// no such method on file.
#[utoipa::path(
    delete,
    path = "/api/accounts/{account_number}/saved-methods/{id}",
    tag = "accounts",
    params(
        ("account_number" = String, Path, description = "The account number", example = "66253365"),
        ("id" = i64, Path, description = "The card on file's id", example = 1)
    ),
    responses((status = 204, description = "Removed"), AppError)
)]
async fn remove_saved_method(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path((account_number, id))): Parsed<Path<(String, i64)>>,
) -> Result<axum::http::StatusCode, AppError> {
    let account_number = clean(&account_number);
    let Some(account) = app.line.store.account(&account_number).await? else {
        return Err(AppError::NotFound);
    };
    match crate::calls::autopay::remove_method(&app.line, &account, id, "admin").await? {
        (true, _) => Ok(axum::http::StatusCode::NO_CONTENT),
        (false, _) => Err(AppError::NotFound),
    }
}

/// Turns an account's AutoPay off (marked stopped by an admin; its payments not yet charged are
/// cancelled and the account holder is told in writing where a channel reaches them); 404 when
/// the account has no AutoPay on.
#[utoipa::path(
    delete,
    path = "/api/accounts/{account_number}/autopay",
    tag = "accounts",
    params(
        ("account_number" = String, Path, description = "The account number", example = "66253365")
    ),
    responses((status = 204, description = "Stopped"), AppError)
)]
async fn stop_autopay(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path(account_number)): Parsed<Path<String>>,
) -> Result<axum::http::StatusCode, AppError> {
    let account_number = clean(&account_number);
    let Some(account) = app.line.store.account(&account_number).await? else {
        return Err(AppError::NotFound);
    };
    if crate::calls::autopay::stop(&app.line, &account, "admin").await? {
        Ok(axum::http::StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Payments whose outcome is not settled: `pending` (being charged or reconciled) or `unknown`
/// (the gateway gave no definite answer); `needs_attention` marks those a person must check in
/// the gateway's records.
#[utoipa::path(
    get,
    path = "/api/payments/unsettled",
    tag = "payments",
    responses((status = 200, description = "The unsettled payments", body = Vec<PaymentRecord>), AppError)
)]
async fn unsettled_payments(
    _: Admin,
    State(app): State<AppState>,
) -> Result<Json<Vec<PaymentRecord>>, AppError> {
    Ok(Json(app.line.store.unsettled_payments().await?))
}

/// `?status=open|done|cancelled`; all callbacks without it.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbacksQuery {
    /// Only the callbacks in this status.
    #[param(value_type = Option<CallbackStatus>, inline)]
    status: Option<String>,
}

/// Callbacks callers asked for, soonest window first.
#[utoipa::path(
    get,
    path = "/api/callbacks",
    tag = "callbacks",
    params(CallbacksQuery),
    responses(
        (status = 200, description = "The callbacks", body = Vec<CallbackRecord>, links(
            ("CloseTheFirst" = (
                operation_id = "close_callback",
                parameters(("id" = "$response.body#/0/id"))
            )),
            ("ItsCall" = (
                operation_id = "call",
                parameters(("call_sid" = "$response.body#/0/call_sid"))
            )),
            ("ItsAccount" = (
                operation_id = "account",
                parameters(("account_number" = "$response.body#/0/account_number"))
            ))
        )),
        AppError
    )
)]
async fn callbacks(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Query(query)): Parsed<Query<CallbacksQuery>>,
) -> Result<Json<Vec<CallbackRecord>>, AppError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(name) => Some(CallbackStatus::parse(name).ok_or_else(|| {
            AppError::BadRequest("status is one of open, done, cancelled".to_owned())
        })?),
    };
    Ok(Json(app.line.store.callbacks(status).await?))
}

/// What the agents' consoles show (every transfer waiting or taken, and those closed in the last
/// hour), newest first, for admins who see everything.
#[utoipa::path(
    get,
    path = "/api/transfers",
    tag = "transfers",
    responses(
        (status = 200, description = "The transfers", body = Vec<crate::store::TransferRow>, links(
            ("ItsCall" = (
                operation_id = "call",
                parameters(("call_sid" = "$response.body#/0/call_sid"))
            ))
        )),
        AppError
    )
)]
async fn transfers(
    _: Admin,
    State(app): State<AppState>,
) -> Result<Json<Vec<crate::store::TransferRow>>, AppError> {
    let done_since =
        app.line.clock.now_ms() - crate::agents::transfers::DONE_SHOWN.as_millis() as i64;
    Ok(Json(app.line.store.console_transfers(done_since).await?))
}

/// Closing a callback: `{"note": "...", "status": "done"}`.
#[derive(serde::Deserialize, ToSchema)]
struct CloseCallback {
    /// What was done or agreed (card-like digits are masked).
    note: String,
    /// `done` (the default) or `cancelled` for one that is not to be called.
    status: Option<Closing>,
}

/// How a callback is closed.
#[derive(serde::Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Closing {
    /// Called back.
    Done,
    /// Not to be called.
    Cancelled,
}

/// Closes an open callback; 409 with the callback as it stands when it was closed before.
#[utoipa::path(
    post,
    path = "/api/callbacks/{id}/close",
    tag = "callbacks",
    params(("id" = i64, Path, description = "The callback's id", example = 1)),
    request_body = CloseCallback,
    responses(
        (status = 200, description = "Closed now", body = CallbackRecord),
        (status = 409, description = "Closed before: the callback as it stands", body = CallbackRecord),
        AppError
    )
)]
async fn close_callback(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Path(id)): Parsed<Path<i64>>,
    Parsed(Json(body)): Parsed<Json<CloseCallback>>,
) -> Result<(axum::http::StatusCode, Json<CallbackRecord>), AppError> {
    let status = match body.status.unwrap_or(Closing::Done) {
        Closing::Done => CallbackStatus::Done,
        Closing::Cancelled => CallbackStatus::Cancelled,
    };
    let note: String = clean(body.note.trim())
        .chars()
        .take(crate::agents::callbacks::NOTE_MAX)
        .collect();
    let closed = app
        .line
        .store
        .close_callback(id, status, "admin", &note, app.line.clock.now_ms())
        .await?;
    match closed {
        Closed::Closed(record) => Ok((axum::http::StatusCode::OK, Json(record))),
        Closed::AlreadyClosed(record) => Ok((axum::http::StatusCode::CONFLICT, Json(record))),
        Closed::NotFound => Err(AppError::NotFound),
    }
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD[&by=day|week|flow|segment|language|provider][&format=json|csv]`.
/// Every field is read as text, so a bad one is a problem document saying how to write it; the
/// description gives each its format or names.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportParams {
    /// The first day, inclusive, in the line's time zone.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-01")]
    from: Option<String>,
    /// The last day, inclusive.
    #[param(required = true, value_type = String, format = Date, example = "2026-11-30")]
    to: Option<String>,
    /// What each row is (default `day`).
    #[param(value_type = Option<crate::reports::Grouping>, inline)]
    by: Option<String>,
    /// JSON (the default) or CSV.
    #[param(value_type = Option<ReportFormat>, inline)]
    format: Option<String>,
}

/// How a report is written, as `format` names it.
#[derive(ToSchema, Clone, Copy, PartialEq, Eq)]
#[schema(rename_all = "lowercase")]
enum ReportFormat {
    Json,
    Csv,
}

impl ReportFormat {
    /// From `?format=`; JSON without it.
    fn parse(name: Option<&str>) -> Result<ReportFormat, AppError> {
        match name {
            None | Some("json") => Ok(ReportFormat::Json),
            Some("csv") => Ok(ReportFormat::Csv),
            Some(_) => Err(AppError::BadRequest("format is json or csv".to_owned())),
        }
    }
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
    let csv = ReportFormat::parse(params.format.as_deref())? == ReportFormat::Csv;
    let query = ReportQuery::parse(
        from,
        to,
        params.by.as_deref(),
        line_zone(app.line.hours.as_deref()),
    )?;
    Ok((crate::reports::report(&app.line.store, &query).await?, csv))
}

/// The whole report as JSON, or its rows as CSV.
#[utoipa::path(
    get,
    path = "/api/reports",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "The report", content(
            (crate::reports::Report = "application/json"),
            (String = "text/csv")
        )),
        AppError
    )
)]
async fn report(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Query(params)): Parsed<Query<ReportParams>>,
) -> Result<ReportBody, AppError> {
    let (report, csv) = make_report(&app, &params).await?;
    Ok(if csv {
        ReportBody::Csv(crate::reports::render::rows_csv(&report))
    } else {
        ReportBody::Json(report)
    })
}

/// The funnel alone, as JSON or CSV.
#[utoipa::path(
    get,
    path = "/api/reports/funnel",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "Every flow's states and how callers left them", content(
            (Vec<crate::reports::funnel::FunnelStep> = "application/json"),
            (String = "text/csv")
        )),
        AppError
    )
)]
async fn report_funnel(
    _: Admin,
    State(app): State<AppState>,
    Parsed(Query(params)): Parsed<Query<ReportParams>>,
) -> Result<axum::response::Response, AppError> {
    let (report, csv) = make_report(&app, &params).await?;
    Ok(if csv {
        ReportBody::Csv(crate::reports::render::funnel_csv(&report)).into_response()
    } else {
        Json(report.funnel).into_response()
    })
}
