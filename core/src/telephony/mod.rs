//! The provider boundary: every telephony provider is a [`Dialect`] in a folder of its own, and
//! nothing outside this module names one.
//!
//! A dialect verifies that a webhook came from its provider, reads the raw request (form or JSON)
//! into a neutral [`Callback`], renders the engine's neutral [`crate::voice::Response`] in its own
//! format, names its callback paths (`/{provider}/{event}`), and offers what its provider can do
//! beyond webhooks as [`capabilities`] (call control, recording control, texting). The HTTP layer
//! serves every registered dialect through one generic handler (`http::webhooks`), texts
//! included. [`registry`] is where a provider is registered, with the settings it reads.
//!
//! - [`twilio`]: Twilio TwiML, signatures, voices, and its REST API client;
//! - [`signalwire`]: SignalWire cXML (TwiML-compatible), signed with the project's signing key;
//! - [`bandwidth`]: Bandwidth BXML, its callbacks carrying Basic credentials;
//! - [`jambonz`]: jambonz's JSON verbs, signed with the webhook secret over time and body;
//! - [`plivo`]: Plivo XML, signed with the Auth Token over URL, fields and a nonce;
//! - [`telnyx`]: Telnyx TeXML (TwiML-compatible), signed with Ed25519 over time and body;
//! - [`differences`]: what a provider does differently from what a flow uses, and what the line
//!   does instead (`ivrpay flows check --provider`);
//! - [`vonage`]: Vonage's NCCOs, signed with a JWT whose claims hash the body;
//! - [`sanitize`]: webhook text made safe once, for every dialect;
//! - [`silence`]: questions that post their silence where the markup cannot say so;
//! - [`twiml`], [`twiml_fields`]: the XML and the webhook fields the TwiML family of dialects
//!   (Twilio, SignalWire, Telnyx) shares, and [`twiml_reader`], the XML read back strictly;
//! - [`simulator`]: each provider's platform as the line meets it (its requests signed, its
//!   answers read), for the simulated caller and the load tool.

pub mod bandwidth;
pub mod capabilities;
mod dialect;
pub mod differences;
pub mod jambonz;
mod json_verbs;
pub mod plivo;
pub mod registry;
pub mod sanitize;
pub mod signalwire;
pub mod silence;
pub mod simulator;
pub mod telnyx;
pub mod twilio;
pub mod twiml;
pub mod twiml_fields;
pub mod twiml_reader;
pub mod vonage;

pub use dialect::{Callback, Delivery, Dialect, Event, Request};

/// Signature schemes that sign the requested URL (Twilio's and SignalWire's) accept it with and
/// without the scheme's default port, as the providers' own validators do.
///
/// The same URL with its default port added (if it has none) or removed (if it has exactly the
/// scheme's default port); `None` when neither applies (another port, another scheme, or a URL
/// we cannot take apart).
///
/// Done by hand on the string rather than with a URL parser because a parser normalises the URL
/// (it drops default ports itself, re-encodes paths), and the signature covers the exact bytes.
pub fn alternate_port_form(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        return None;
    };
    let authority_start = scheme.len() + "://".len();
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let authority_end = authority_start + authority_len;
    // The host starts after any `user:password@`, whose colon must not be taken for a port's.
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_and_port = &authority[host_start..];
    // An IPv6 literal (`[::1]:443`) has colons of its own; only one after `]` starts a port.
    let port_search_from = if host_and_port.starts_with('[') {
        host_and_port.find(']')?
    } else {
        0
    };
    match host_and_port[port_search_from..].find(':') {
        None => {
            if host_and_port.is_empty() {
                return None;
            }
            Some(format!(
                "{}:{}{}",
                &url[..authority_end],
                default_port,
                &url[authority_end..]
            ))
        }
        Some(colon) => {
            let port = &host_and_port[port_search_from + colon + 1..];
            if port != default_port {
                return None;
            }
            let colon_in_url = authority_end - port.len() - 1;
            Some(format!("{}{}", &url[..colon_in_url], &url[authority_end..]))
        }
    }
}
