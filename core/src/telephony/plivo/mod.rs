//! Plivo's XML dialect: webhooks posted as forms (`CallUUID`, `Digits`, `Speech`), signed with
//! the account's Auth Token in `X-Plivo-Signature-V3` over the URL, the fields and a nonce
//! ([`signature`]); answers in Plivo XML (`<Speak>`, `<GetInput>`, `<Dial>`: [`xml`]).
//!
//! Set `PLIVO_AUTH_TOKEN` and point the Plivo application's Answer URL at
//! `POST {IVRPAY_PUBLIC_URL}/plivo/voice` and its Hangup URL at `/plivo/status`.
//!
//! Plivo's REST API is not used yet: no texts, no recording pauses, no conference holds. It has
//! no card capture of its own: cards are keyed to the line's own questions.

pub mod fields;
pub mod reader;
pub mod signature;
pub mod simulator;
pub mod xml;

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::telephony::registry::{self, ConsoleField, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// The setting holding the Auth Token.
const AUTH_TOKEN_ENV: &str = "PLIVO_AUTH_TOKEN";
/// The headers Plivo signs its webhooks with.
const SIGNATURE_HEADER: &str = "x-plivo-signature-v3";
const NONCE_HEADER: &str = "x-plivo-signature-v3-nonce";

/// Plivo's registration: its webhooks are signed with the account's Auth Token.
pub const REGISTRATION: Registration = Registration {
    path_prefix: "plivo",
    webhook_key: Setting {
        env: AUTH_TOKEN_ENV,
        secret: true,
        describe: "Plivo Auth Token (console > Account > Overview); checks webhooks at /plivo/...",
    },
    webhook_also: &[],
    settings: &[],
    build: |settings| {
        let token = settings.secret_or_empty(AUTH_TOKEN_ENV);
        Ok(Arc::new(Plivo { auth_token: token }))
    },
    simulator: || Arc::new(simulator::PlivoSimulator),
    accepting: |secret| registry::shared_secret(AUTH_TOKEN_ENV, secret),
    console: &[
        ConsoleField {
            field: "Voice > Applications > Answer URL",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Hangup URL",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The Plivo dialect, holding the account's Auth Token.
pub struct Plivo {
    auth_token: SecretString,
}

impl std::fmt::Debug for Plivo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plivo { auth_token: <secret> }")
    }
}

impl Dialect for Plivo {
    fn name(&self) -> &'static str {
        "plivo"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER, NONCE_HEADER]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        // A GET carries its fields in the URL, which the signature reads from there.
        let fields = match request.method.eq_ignore_ascii_case("GET") {
            true => &[][..],
            false => request.form(),
        };
        signature::validate_signature(
            self.auth_token.expose_secret(),
            request.method,
            request.url,
            fields,
            request.header(NONCE_HEADER),
            request.header(SIGNATURE_HEADER),
        )
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        xml::render(response)
    }

    fn render_text_reply(&self, reply: Option<&str>) -> String {
        xml::render_text_reply(reply)
    }
}
