//! jambonz's dialect: the open-source voice gateway, run on your own SIP trunk or as a hosted
//! service. Webhooks post JSON (`call_sid`, `digits`, `speech.alternatives`), signed with the
//! application's webhook secret in `Jambonz-Signature` over the time and the body, checked
//! within a window on the service's clock ([`signature`]); answers are JSON verbs ([`verbs`]).
//!
//! Set `JAMBONZ_WEBHOOK_SECRET` (the account's webhook secret) and point the jambonz
//! application's calling webhook at `POST {IVRPAY_PUBLIC_URL}/jambonz/voice` and its call
//! status webhook at `/jambonz/status`.
//!
//! jambonz's REST API is not used yet: no texts, no recording pauses, no conference holds; it
//! has no card capture of its own.

pub mod fields;
pub mod signature;
pub mod simulator;
pub mod verbs;

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::telephony::registry::{self, ConsoleField, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// The setting holding the webhook secret.
const SECRET_ENV: &str = "JAMBONZ_WEBHOOK_SECRET";
/// The header jambonz signs its webhooks in.
const SIGNATURE_HEADER: &str = "jambonz-signature";

/// jambonz's registration: its webhooks are signed with the account's webhook secret.
pub const REGISTRATION: Registration = Registration {
    path_prefix: "jambonz",
    webhook_key: Setting {
        env: SECRET_ENV,
        secret: true,
        describe: "jambonz webhook secret (portal > Account > Webhook secret); checks webhooks \
                   at /jambonz/...",
    },
    webhook_also: &[],
    settings: &[],
    build: |settings| {
        let secret = settings.secret_or_empty(SECRET_ENV);
        Ok(Arc::new(Jambonz { secret }))
    },
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |secret| registry::shared_secret(SECRET_ENV, secret),
    console: &[
        ConsoleField {
            field: "Application > Calling webhook",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Call status webhook",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The jambonz dialect, holding the webhook secret.
pub struct Jambonz {
    secret: SecretString,
}

impl std::fmt::Debug for Jambonz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jambonz { secret: <secret> }")
    }
}

impl Dialect for Jambonz {
    fn name(&self) -> &'static str {
        "jambonz"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        signature::validate_signature(
            self.secret.expose_secret(),
            request.header(SIGNATURE_HEADER),
            request.body,
            request.now_ms.div_euclid(1000),
        )
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        verbs::render(response)
    }

    fn render_text_reply(&self, _reply: Option<&str>) -> String {
        // jambonz answers no texts: its messaging webhooks take an empty list of verbs.
        "[]".to_owned()
    }

    fn content_type(&self) -> &'static str {
        "application/json"
    }
}
