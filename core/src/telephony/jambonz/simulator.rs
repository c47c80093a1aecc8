//! jambonz as the line meets it: JSON posts signed in `Jambonz-Signature` over the time and the
//! body, and JSON verbs read strictly ([`super::verbs::parse`]).

use crate::telephony::simulator::{JsonSimulator, Signs};

/// jambonz, posting to the line.
pub const SIMULATOR: JsonSimulator = JsonSimulator {
    name: "jambonz",
    signs: Signs {
        body: true,
        url: false,
        time: true,
    },
    encode: super::fields::encode,
    sign: |secret, body, now_ms| {
        let header = super::signature::compute_header(secret, now_ms.div_euclid(1000), body);
        vec![(super::SIGNATURE_HEADER, header)]
    },
    read: |body| {
        super::verbs::parse(body).map_err(|err| format!("not jambonz verbs it runs: {err}"))
    },
};
