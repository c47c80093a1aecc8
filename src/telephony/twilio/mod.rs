//! Twilio's voice dialect: webhook signatures, webhook fields, and TwiML.
//!
//! A Twilio webhook is handled in three steps, one per submodule:
//! 1. [`validate_signature`] proves the request came from Twilio (reject it otherwise, before
//!    reading anything else);
//! 2. [`CallbackParams::from_pairs`] picks the fields the flow needs out of the form;
//! 3. [`render`] turns the flow's [`crate::voice::Response`] into TwiML for the reply.
//!
//! [`parse`] reads TwiML back, for the terminal caller and the black-box tests.
//! [`voice_warning`] knows which voices Twilio documents for which language.

mod callback;
mod signature;
mod twiml;
mod voices;

pub use callback::CallbackParams;
pub use signature::{compute_signature, validate_signature};
pub use twiml::{TwimlError, parse, render};
pub use voices::{missing_voice_warning, voice_warning};
