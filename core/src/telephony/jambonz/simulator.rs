//! jambonz as the line meets it: JSON posts signed in `Jambonz-Signature` over the time and the
//! body, and JSON verbs read strictly ([`super::verbs::parse`]).

use crate::telephony::simulator::{Signs, SimulatedRequest, Simulator, Webhook};
use crate::voice;

/// jambonz, posting to the line.
#[derive(Debug)]
pub struct JambonzSimulator;

impl Simulator for JambonzSimulator {
    fn name(&self) -> &'static str {
        "jambonz"
    }

    fn signs(&self) -> Signs {
        Signs {
            body: true,
            url: false,
            time: true,
        }
    }

    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/json",
            headers: Vec::new(),
            body: super::fields::encode(webhook),
        }
    }

    fn sign_raw(&self, _url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest {
        let header = super::signature::compute_header(secret, now_ms.div_euclid(1000), &body);
        SimulatedRequest {
            content_type: "application/json",
            headers: vec![(super::SIGNATURE_HEADER, header)],
            body,
        }
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        super::verbs::parse(body).map_err(|err| format!("not jambonz verbs it runs: {err}"))
    }
}
