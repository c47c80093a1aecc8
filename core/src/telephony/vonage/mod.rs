//! Vonage's Voice API dialect: webhooks posted as JSON (`uuid`, `dtmf.digits`,
//! `speech.results`), signed with a JWT under the account's signature secret whose claims hash
//! the body ([`signature`]); answers are NCCOs ([`ncco`]).
//!
//! Set `VONAGE_SIGNATURE_SECRET` (Dashboard > Settings > Signature secret, with signed webhooks
//! on) and point the application's voice Answer URL at `POST {IVRPAY_PUBLIC_URL}/vonage/voice`
//! and its Event URL at `POST /vonage/status`.
//!
//! Vonage's REST API is not used yet: no texts, no recording pauses, no conference holds; its
//! own card capture (a developer preview) is not used either.

pub mod fields;
pub mod ncco;
pub mod signature;
pub mod simulator;

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::telephony::differences::{Difference, Feature};
use crate::telephony::registry::{self, ConsoleField, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// The setting holding the signature secret.
const SECRET_ENV: &str = "VONAGE_SIGNATURE_SECRET";

/// Vonage's registration: its webhooks are signed with the account's signature secret.
pub const REGISTRATION: Registration = Registration {
    path_prefix: "vonage",
    webhook_key: Setting {
        env: SECRET_ENV,
        secret: true,
        describe: "Vonage signature secret (Dashboard > Settings, signed webhooks on); checks \
                   webhooks at /vonage/...",
    },
    webhook_also: &[],
    settings: &[],
    build: |settings| {
        let secret = settings.secret_or_empty(SECRET_ENV);
        Ok(Arc::new(Vonage { secret }))
    },
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |secret| registry::shared_secret(SECRET_ENV, secret),
    console: &[
        ConsoleField {
            field: "Application > Capabilities > Voice > Answer URL (HTTP POST)",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Event URL (HTTP POST)",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The Vonage dialect, holding the signature secret.
pub struct Vonage {
    secret: SecretString,
}

impl std::fmt::Debug for Vonage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vonage { secret: <secret> }")
    }
}

impl Dialect for Vonage {
    fn name(&self) -> &'static str {
        "vonage"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &["authorization"]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        signature::validate(
            self.secret.expose_secret(),
            request.header("authorization"),
            request.body,
            request.now_ms.div_euclid(1000),
        )
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        ncco::render(response)
    }

    fn render_text_reply(&self, _reply: Option<&str>) -> String {
        // Vonage's inbound-text webhooks take no answer: replies go through its API.
        String::new()
    }

    fn content_type(&self) -> &'static str {
        "application/json"
    }

    fn markup_differences(&self) -> &'static [Difference] {
        &[Difference {
            feature: Feature::ConferenceHold,
            instead: "Vonage's conversation posts nothing when the caller leaves it: transfers \
                      are plain transfers, the caller hears ringing",
        }]
    }
}
