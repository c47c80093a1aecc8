//! Vonage as the line meets it: JSON posts signed with a JWT (`Authorization: Bearer`) whose
//! `payload_hash` covers the body, and NCCOs read strictly ([`super::ncco::parse`]).

use crate::telephony::simulator::{JsonSimulator, Signs};

/// Vonage, posting to the line.
pub const SIMULATOR: JsonSimulator = JsonSimulator {
    name: "vonage",
    signs: Signs {
        body: true,
        url: false,
        time: true,
    },
    encode: super::fields::encode,
    sign: |secret, body, now_ms| {
        let token = super::signature::compute_token(secret, body, now_ms.div_euclid(1000));
        vec![("authorization", format!("Bearer {token}"))]
    },
    read: |body| super::ncco::parse(body).map_err(|err| format!("not an NCCO it runs: {err}")),
};
