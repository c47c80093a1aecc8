//! Twilio's platform as the line meets it: the TwiML family's form posts signed in
//! `X-Twilio-Signature` with the auth token, and TwiML answers run as Twilio runs them.

use crate::telephony::simulator::Signs;
use crate::telephony::twiml_fields::TwimlSimulator;

/// Twilio, posting to the line.
pub const SIMULATOR: TwimlSimulator = TwimlSimulator {
    name: "twilio",
    sign: |signing| {
        vec![(
            "X-Twilio-Signature",
            super::compute_signature(signing.secret, signing.url, signing.params),
        )]
    },
    signs: Signs {
        body: true,
        url: true,
        time: false,
    },
    markup: "TwiML",
};
