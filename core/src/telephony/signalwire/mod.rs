//! SignalWire's cXML dialect (its "Compatibility API", formerly LaML): the same XML verbs and
//! webhook fields as the TwiML family, signed with the project's Signing Key in the
//! `X-SignalWire-Signature` header.
//!
//! Set `SIGNALWIRE_SIGNING_KEY` and point the number's voice webhook at
//! `POST {IVRPAY_PUBLIC_URL}/signalwire/voice` (status changes at `/signalwire/status`).

mod signature;
pub mod simulator;

pub use signature::{compute_signature, validate_signature};

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::telephony::registry::{self, ConsoleField, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// SignalWire's registration: its webhooks are signed with the project's Signing Key. Its REST
/// API is not used yet, so it offers no capabilities (transfers are plain dials).
pub const REGISTRATION: Registration = Registration {
    path_prefix: "signalwire",
    webhook_key: Setting {
        env: "SIGNALWIRE_SIGNING_KEY",
        secret: true,
        describe: "SignalWire project Signing Key; checks webhooks at /signalwire/...",
    },
    webhook_also: &[],
    settings: &[],
    build: |settings| {
        let key = settings.secret_or_empty("SIGNALWIRE_SIGNING_KEY");
        Ok(Arc::new(SignalWire::new(key)))
    },
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |secret| registry::shared_secret("SIGNALWIRE_SIGNING_KEY", secret),
    console: &[
        ConsoleField {
            field: "Phone number > Voice settings > Handle calls using a LaML/cXML webhook: \
                    When a call comes in",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Status change callback",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The header SignalWire signs its webhooks in.
const SIGNATURE_HEADER: &str = "x-signalwire-signature";

/// The SignalWire dialect, holding the project's signing key.
pub struct SignalWire {
    signing_key: SecretString,
}

impl SignalWire {
    /// The dialect for the project whose Signing Key is `signing_key`.
    pub fn new(signing_key: SecretString) -> SignalWire {
        SignalWire { signing_key }
    }
}

impl std::fmt::Debug for SignalWire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignalWire { signing_key: <secret> }")
    }
}

impl Dialect for SignalWire {
    fn name(&self) -> &'static str {
        "signalwire"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        if self.signing_key.expose_secret().is_empty() {
            return false;
        }
        let signature = request.header(SIGNATURE_HEADER);
        validate_signature(
            self.signing_key.expose_secret(),
            request.url,
            request.form(),
            signature,
        )
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        crate::telephony::twiml_fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        crate::telephony::twiml::render(response)
    }

    fn render_text_reply(&self, reply: Option<&str>) -> String {
        crate::telephony::twiml::render_text_reply(reply)
    }
}
