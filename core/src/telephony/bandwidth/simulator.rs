//! Bandwidth as the line meets it: JSON posts with the application's callback credentials
//! (HTTP Basic), and BXML read strictly ([`super::bxml::parse`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::telephony::simulator::{JsonSimulator, Signs};

/// Bandwidth, posting to the line.
pub const SIMULATOR: JsonSimulator = JsonSimulator {
    name: "bandwidth",
    // Basic credentials sign nothing: a captured webhook can be sent again, or changed.
    signs: Signs {
        body: false,
        url: false,
        time: false,
    },
    encode: super::fields::encode,
    sign: |secret, _body, _now_ms| {
        let (username, password) = super::credentials(secret);
        let basic = STANDARD.encode(format!("{username}:{password}"));
        vec![("authorization", format!("Basic {basic}"))]
    },
    read: |body| super::bxml::parse(body).map_err(|err| format!("not valid BXML: {err}")),
};
