//! What a call's steps record: one line per state passed, kept in the call's step log for the
//! console, reports and the funnel. The engine writes them; the store keeps them.

use serde::{Deserialize, Serialize};

/// One step of a call, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepRecord {
    /// Which webhook of the call it belonged to.
    pub turn: i64,
    /// The flow state.
    pub state: String,
    /// What came in: `start`, `digits`, `silence`, `none` (a state that needs no input) ...
    pub input_kind: String,
    /// What the state decided (`option:1`, `invalid`, `found`, `verified`, `locked` ...).
    pub result: String,
    /// The keys pressed, only for states not marked sensitive.
    pub digits: Option<String>,
    /// When (UTC ms).
    pub at: i64,
}
