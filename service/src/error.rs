//! The one application error type.
//!
//! A domain error: it knows nothing of HTTP. Webhooks never show it to a caller:
//! `http::webhooks` answers any error with the safe voice response (an apology and a person). The
//! JSON API maps it once, in `http::error`, to a problem document that names the kind of failure
//! and never its internals.

use crate::store::StoreError;

/// Anything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database failed or is unreachable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The running flow cannot continue (a state is missing, the flow loops).
    #[error("call flow error: {0}")]
    Flow(String),
    /// Sealed call data could not be opened or sealed (wrong data key, corruption).
    #[error("sealed call data: {0}")]
    Vault(String),
    /// A request lacked something it needs.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Missing or wrong credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// Nothing by that id.
    #[error("not found")]
    NotFound,
    /// Another delivery of the same webhook holds the call's turn; its reply is the answer.
    #[error("another delivery of this webhook is being answered")]
    TurnTaken,
}

impl From<crate::reports::ReportError> for AppError {
    fn from(err: crate::reports::ReportError) -> Self {
        match err {
            crate::reports::ReportError::BadQuery(detail) => AppError::BadRequest(detail),
            crate::reports::ReportError::Store(err) => AppError::Store(err),
        }
    }
}

impl From<crate::flow::engine::FlowError> for AppError {
    fn from(err: crate::flow::engine::FlowError) -> Self {
        AppError::Flow(err.0)
    }
}
