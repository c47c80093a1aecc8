//! What is said in messages after the call, and what callers text back.
//!
//! - [`templates`]: `call-flows/messages.toml`, the texts operations edit, checked at start;
//! - [`keywords`]: STOP, START and HELP texted back, in English and Spanish.
//!
//! Composing, queueing and sending them is the service's (`messages::{compose, outbox}`).

pub mod keywords;
pub mod templates;
