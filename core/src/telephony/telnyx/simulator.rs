//! Telnyx's platform as the line meets it: the TwiML family's form posts, signed with Ed25519
//! over `"{timestamp}|{body}"` in `telnyx-signature-ed25519` and `telnyx-timestamp`, and TeXML
//! answers read as TwiML, a question's silence redirect run as its silence.

use crate::telephony::simulator::{Signs, SimulatedRequest, Simulator, Webhook};
use crate::telephony::twiml_fields::{Signing, TwimlSimulator, encode};
use crate::voice;

/// How Telnyx signs: the key made from the secret ([`super::simulator_seed`]), at `now_ms`.
fn sign(signing: &Signing<'_>) -> Vec<(&'static str, String)> {
    let timestamp = signing.now_ms.div_euclid(1000).to_string();
    let seed = super::simulator_seed(signing.secret);
    vec![
        (
            super::SIGNATURE_HEADER,
            super::signature::compute_signature(&seed, &timestamp, signing.body),
        ),
        (super::TIMESTAMP_HEADER, timestamp),
    ]
}

/// Telnyx, posting to the line.
pub const SIMULATOR: TelnyxSimulator = TelnyxSimulator(TwimlSimulator {
    name: "telnyx",
    sign,
    markup: "TeXML",
    signs: Signs {
        body: true,
        url: false,
        time: true,
    },
});

/// The TwiML family's simulator, posting a `<Pay>` result as TeXML names it and reading TeXML's
/// `<Pay>` and silence redirects as Telnyx runs them.
#[derive(Debug)]
pub struct TelnyxSimulator(TwimlSimulator);

impl Simulator for TelnyxSimulator {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn signs(&self) -> Signs {
        self.0.signs()
    }

    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/x-www-form-urlencoded",
            headers: Vec::new(),
            body: form_urlencoded::Serializer::new(String::new())
                .extend_pairs(super::pay::as_posted(encode(webhook)))
                .finish()
                .into_bytes(),
        }
    }

    fn sign_raw(&self, url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest {
        self.0.sign_raw(url, body, secret, now_ms)
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        crate::telephony::twiml_reader::parse_with(body, super::pay::verb_from)
            .map(crate::telephony::silence::without_redirects)
            .map_err(|err| format!("not valid {}: {err}", self.0.markup))
    }
}
