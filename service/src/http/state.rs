//! The web layer's state: the line's services and what only the web layer serves.

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The line's services.
    pub line: crate::line::Line,
    /// What a caller waiting for a person hears (`audio/hold.wav`, or the built-in tune).
    pub hold_audio: axum::body::Bytes,
    /// The slots calls' webhooks are answered in, and the queue in front of them.
    pub admission: std::sync::Arc<super::admission::Admission>,
}
