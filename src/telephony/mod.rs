//! Telephony provider dialects.
//!
//! The call-flow engine speaks only [`crate::voice`]; each submodule translates between that
//! neutral model and one provider's webhooks: verifying that a request really came from the
//! provider, reading its callback fields, and rendering the provider's response format.

pub mod sanitize;
pub mod twilio;
pub mod twiml;
