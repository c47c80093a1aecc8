//! Twilio speaks the TwiML family's XML, rendered by the provider-neutral
//! [`crate::telephony::twiml`]; the strict reader the simulators use lives beside it
//! ([`crate::telephony::twiml_reader`]).

pub use crate::telephony::twiml::render;
