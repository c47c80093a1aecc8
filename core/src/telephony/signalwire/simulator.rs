//! SignalWire's platform as the line meets it: the TwiML family's form posts signed in
//! `X-SignalWire-Signature` with the project's Signing Key, and cXML answers read as TwiML.

use crate::telephony::simulator::Signs;
use crate::telephony::twiml_fields::TwimlSimulator;

/// SignalWire, posting to the line.
pub const SIMULATOR: TwimlSimulator = TwimlSimulator {
    name: "signalwire",
    sign: |signing| {
        vec![(
            "X-SignalWire-Signature",
            super::compute_signature(signing.secret, signing.url, signing.params),
        )]
    },
    signs: Signs {
        body: true,
        url: true,
        time: false,
    },
    markup: "cXML",
};
