//! Twilio speaks the TwiML family's XML, rendered by the provider-neutral
//! [`crate::telephony::twiml`].
//!
//! The reader is re-exported here only so that existing paths (`telephony::twilio::parse`) keep
//! working; it lives with the simulated caller ([`crate::caller::twiml`]), its only user.

pub use crate::caller::twiml::{TwimlError, parse};
pub use crate::telephony::twiml::render;
