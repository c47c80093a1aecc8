//! Twilio's voice dialect ([`Twilio`], registered in [`crate::telephony::registry`]):
//!
//! 1. [`validate_signature`] proves a webhook came from Twilio (`X-Twilio-Signature`, checked
//!    before anything else is read);
//! 2. the TwiML family's fields ([`CallbackParams`]) are read into the neutral callback;
//! 3. [`render`] turns the flow's [`crate::voice::Response`] into TwiML for the reply.
//!
//! [`voice_warning`] knows which voices Twilio documents for which language, and [`rest`] calls
//! Twilio's REST API (sending an SMS, pausing a call's recording).

pub mod rest;
mod signature;
mod twiml;
mod voices;

pub use crate::telephony::twiml_fields::CallbackParams;
pub use signature::{compute_signature, validate_signature};
pub use twiml::render;
pub use voices::{missing_voice_warning, voice_warning};

use secrecy::{ExposeSecret, SecretString};

use crate::language::Language;
use crate::telephony::{Callback, Dialect, Signed};
use crate::voice;

/// The Twilio dialect, holding the account's auth token (which signs every webhook).
pub struct Twilio {
    auth_token: SecretString,
}

impl Twilio {
    /// The dialect for the account whose auth token is `auth_token`.
    pub fn new(auth_token: SecretString) -> Twilio {
        Twilio { auth_token }
    }
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Twilio { auth_token: <secret> }")
    }
}

impl Dialect for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &["x-twilio-signature"]
    }

    fn verify(&self, request: &Signed<'_>) -> bool {
        if self.auth_token.expose_secret().is_empty() {
            return false;
        }
        let signature = request.header("x-twilio-signature");
        validate_signature(
            self.auth_token.expose_secret(),
            request.url,
            request.pairs,
            signature,
        )
    }

    fn callback(&self, pairs: &[(String, String)]) -> Callback {
        crate::telephony::twiml_fields::callback_of(pairs)
    }

    fn render(&self, response: &voice::Response) -> String {
        render(response)
    }

    fn voice_warning(&self, voice: Option<&str>, language: Language) -> Option<String> {
        match voice {
            Some(voice) => voice_warning(voice, language),
            None => missing_voice_warning(language),
        }
    }
}
