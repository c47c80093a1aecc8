//! Twilio speaks the TwiML family's XML, rendered by the provider-neutral
//! [`crate::telephony::twiml`]; the strict reader used by the simulated caller lives with it
//! ([`crate::caller::twiml`]).

pub use crate::telephony::twiml::render;
