//! The web layer's one mapping of [`AppError`] to an HTTP answer: a JSON problem document that
//! names the kind of failure and never its internals (webhooks never get here: they answer every
//! error with the safe voice response).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad request"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not found"),
            AppError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
            AppError::Flow(_) | AppError::Vault(_) | AppError::TurnTaken => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let detail = match &self {
            AppError::BadRequest(detail) => detail.clone(),
            _ => title.to_owned(),
        };
        let body = Problem {
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
        };
        (status, Json(body)).into_response()
    }
}

/// The JSON problem document every refused or failed API request is answered with.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// The kind of failure: `bad request`, `unauthorized`, `not found`, `database unavailable`,
    /// `internal error`.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What to fix (for a bad request), or the title again.
    pub detail: String,
}

/// The answers [`AppError::into_response`] gives, for the API's OpenAPI description: each a
/// [`Problem`].
impl utoipa::IntoResponses for AppError {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, ResponsesBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new().description(description).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
        };
        ResponsesBuilder::new()
            .response(
                "400",
                problem("A parameter or the body cannot be read; `detail` says how to write it."),
            )
            .response("401", problem("No admin token, or a wrong one."))
            .response("404", problem("Nothing by that id."))
            .response("500", problem("An internal failure (logged)."))
            .response("503", problem("The database failed or is unreachable."))
            .build()
            .into()
    }
}
