//! SignalWire's cXML dialect (its "Compatibility API", formerly LaML): the same XML verbs and
//! webhook fields as the TwiML family, signed with the project's Signing Key in the
//! `X-SignalWire-Signature` header.
//!
//! Set `SIGNALWIRE_SIGNING_KEY` and point the number's voice webhook at
//! `POST {IVRPAY_PUBLIC_URL}/signalwire/voice` (status changes at `/signalwire/status`).

mod signature;

pub use signature::{compute_signature, validate_signature};

use secrecy::{ExposeSecret, SecretString};

use crate::telephony::{Callback, Dialect, Signed};
use crate::voice;

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

    fn verify(&self, request: &Signed<'_>) -> bool {
        let signature = request.header(SIGNATURE_HEADER);
        validate_signature(
            self.signing_key.expose_secret(),
            request.url,
            request.pairs,
            signature,
        )
    }

    fn callback(&self, pairs: &[(String, String)]) -> Callback {
        crate::telephony::twiml_fields::callback_of(pairs)
    }

    fn render(&self, response: &voice::Response) -> String {
        crate::telephony::twiml::render(response)
    }
}
