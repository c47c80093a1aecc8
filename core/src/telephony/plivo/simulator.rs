//! Plivo's platform as the line meets it: form posts signed with `X-Plivo-Signature-V3` and a
//! nonce under the Auth Token, and Plivo XML answers read strictly, a question's silence
//! redirect run as its silence.

use sha2::{Digest, Sha256};

use crate::telephony::simulator::{Signs, SimulatedRequest, Simulator, Webhook};
use crate::voice;

/// Plivo, posting to the line.
#[derive(Debug)]
pub struct PlivoSimulator;

/// A nonce as Plivo sends one: digits, new for every request.
fn nonce(body: &[u8], now_ms: i64) -> String {
    let digest = Sha256::digest([body, &now_ms.to_be_bytes()].concat());
    digest[..8]
        .iter()
        .map(|byte| format!("{:03}", byte))
        .collect()
}

impl Simulator for PlivoSimulator {
    fn name(&self) -> &'static str {
        "plivo"
    }

    fn signs(&self) -> Signs {
        Signs {
            body: true,
            url: true,
            time: false,
        }
    }

    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/x-www-form-urlencoded",
            headers: Vec::new(),
            body: form_urlencoded::Serializer::new(String::new())
                .extend_pairs(super::fields::encode(webhook))
                .finish()
                .into_bytes(),
        }
    }

    fn sign_raw(&self, url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest {
        let nonce = nonce(&body, now_ms);
        let fields = crate::telephony::sanitize::decode_form(&body);
        let signature = super::signature::compute_signature(secret, "POST", url, &fields, &nonce);
        SimulatedRequest {
            content_type: "application/x-www-form-urlencoded",
            headers: vec![
                (super::SIGNATURE_HEADER, signature),
                (super::NONCE_HEADER, nonce),
            ],
            body,
        }
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        super::reader::parse(body)
            .map(crate::telephony::silence::without_redirects)
            .map_err(|err| format!("not valid Plivo XML: {err}"))
    }
}
