//! Bandwidth as the line meets it: JSON posts with the application's callback credentials
//! (HTTP Basic), and BXML read strictly ([`super::bxml::parse`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::telephony::simulator::{Signs, SimulatedRequest, Simulator, Webhook};
use crate::voice;

/// Bandwidth, posting to the line.
#[derive(Debug)]
pub struct BandwidthSimulator;

impl Simulator for BandwidthSimulator {
    fn name(&self) -> &'static str {
        "bandwidth"
    }

    fn signs(&self) -> Signs {
        // Basic credentials sign nothing: a captured webhook can be sent again.
        Signs {
            body: false,
            url: false,
            time: false,
        }
    }

    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/json",
            headers: Vec::new(),
            body: super::fields::encode(webhook),
        }
    }

    fn sign_raw(&self, _url: &str, body: Vec<u8>, secret: &str, _now_ms: i64) -> SimulatedRequest {
        let (username, password) = super::credentials(secret);
        let basic = STANDARD.encode(format!("{username}:{password}"));
        SimulatedRequest {
            content_type: "application/json",
            headers: vec![("authorization", format!("Basic {basic}"))],
            body,
        }
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        super::bxml::parse(body).map_err(|err| format!("not valid BXML: {err}"))
    }
}
