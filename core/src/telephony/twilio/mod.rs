//! Twilio's voice dialect ([`Twilio`], registered in [`crate::telephony::registry`]):
//!
//! 1. [`validate_signature`] proves a webhook came from Twilio (`X-Twilio-Signature`, checked
//!    before anything else is read);
//! 2. the TwiML family's fields ([`CallbackParams`]) are read into the neutral callback;
//! 3. [`render`] turns the flow's [`crate::voice::Response`] into TwiML for the reply.
//!
//! [`voice_warning`] knows which voices Twilio documents for which language, and [`rest`] calls
//! Twilio's REST API (sending an SMS, pausing a call's recording).

pub mod rest;
mod signature;
pub mod simulator;
mod twiml;
mod voices;

pub use crate::telephony::twiml_fields::CallbackParams;
pub use signature::{compute_signature, validate_signature};
pub use twiml::render;
pub use voices::{missing_voice_warning, voice_warning};

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::language::Language;
use crate::telephony::capabilities::{CallControl, RecordingControl, Texting};
use crate::telephony::registry::{self, ConsoleField, ProviderSettings, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// Twilio's registration: its webhooks are signed with the auth token; with the account SID its
/// REST API gives the dialect call control (conference holds, agent-assisted card entry),
/// recording control and texting.
pub const REGISTRATION: Registration = Registration {
    path_prefix: "twilio",
    webhook_key: Setting {
        env: "TWILIO_AUTH_TOKEN",
        secret: true,
        describe: "Twilio auth token (Twilio console); checks webhooks at /twilio/...",
    },
    webhook_also: &[],
    settings: &[
        Setting {
            env: "TWILIO_ACCOUNT_SID",
            secret: false,
            describe: "Twilio account for its REST API (texts, recording control, conference \
                       holds), with TWILIO_AUTH_TOKEN or an API key",
        },
        Setting {
            env: "TWILIO_API_KEY_SID",
            secret: false,
            describe: "an API key (SK...) for the REST API instead of the auth token",
        },
        Setting {
            env: "TWILIO_API_KEY_SECRET",
            secret: true,
            describe: "that API key's secret",
        },
        Setting {
            env: "TWILIO_PAY_CONNECTOR",
            secret: false,
            describe: "the Pay Connector <Pay> charges through, by its unique name in the Twilio \
                       console (default: Twilio's Default); used where the flow says \
                       card_capture = \"provider\"",
        },
        Setting {
            env: "TWILIO_API_BASE_URL",
            secret: false,
            describe: "Twilio's REST API (default https://api.twilio.com; for stand-ins)",
        },
    ],
    build: |settings| Ok(Arc::new(Twilio::from_settings(settings)?)),
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |secret| registry::shared_secret("TWILIO_AUTH_TOKEN", secret),
    console: &[
        ConsoleField {
            field: "Phone number > Voice configuration > A call comes in (Webhook)",
            method: "HTTP POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Call status changes",
            method: "HTTP POST",
            event: Event::Status,
        },
    ],
};

/// How long a request to the REST API may take: a webhook waits on some of them.
const REST_TIMEOUT: Duration = Duration::from_secs(5);

/// The Twilio dialect, holding the account's auth token (which signs every webhook) and, when
/// the account is configured, its REST API client.
pub struct Twilio {
    auth_token: SecretString,
    rest: Option<Arc<rest::TwilioRest>>,
    /// The Pay Connector `<Pay>` charges through; Twilio's `Default` when `None`.
    pay_connector: Option<String>,
}

impl Twilio {
    /// The dialect for the account whose auth token is `auth_token`, with no REST API.
    pub fn new(auth_token: SecretString) -> Twilio {
        Twilio {
            auth_token,
            rest: None,
            pay_connector: None,
        }
    }

    /// The dialect with its REST API (`rest`) for its capabilities.
    pub fn with_rest(auth_token: SecretString, rest: Arc<rest::TwilioRest>) -> Twilio {
        Twilio {
            auth_token,
            rest: Some(rest),
            pay_connector: None,
        }
    }

    /// The dialect [`REGISTRATION`]'s settings describe.
    ///
    /// # Errors
    /// A malformed account SID, or an account without credentials for the REST API.
    pub fn from_settings(settings: &ProviderSettings) -> Result<Twilio, String> {
        let auth_token = settings.secret_or_empty("TWILIO_AUTH_TOKEN");
        let pay_connector = settings.value("TWILIO_PAY_CONNECTOR").map(str::to_owned);
        let Some(account_sid) = settings.value("TWILIO_ACCOUNT_SID") else {
            return Ok(Twilio {
                pay_connector,
                ..Twilio::new(auth_token)
            });
        };
        if !(account_sid.len() == 34 && account_sid.starts_with("AC")) {
            return Err("TWILIO_ACCOUNT_SID is AC followed by 32 hex digits".into());
        }
        let auth = match (
            settings.value("TWILIO_API_KEY_SID"),
            settings.secret("TWILIO_API_KEY_SECRET"),
        ) {
            (Some(sid), Some(secret)) => rest::RestAuth::ApiKey {
                sid: sid.to_owned(),
                secret: secret.clone(),
            },
            (None, None) if !auth_token.expose_secret().is_empty() => {
                rest::RestAuth::AuthToken(auth_token.clone())
            }
            _ => {
                return Err(
                    "Twilio's REST API needs TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID \
                            with TWILIO_API_KEY_SECRET"
                        .into(),
                );
            }
        };
        let base_url = settings
            .value("TWILIO_API_BASE_URL")
            .unwrap_or(rest::TWILIO_API_BASE)
            .to_owned();
        let rest = rest::TwilioRest::new(
            base_url,
            account_sid.to_owned(),
            auth,
            REST_TIMEOUT,
            crate::http_client(),
        );
        Ok(Twilio {
            pay_connector,
            ..Twilio::with_rest(auth_token, Arc::new(rest))
        })
    }
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio")
            .field("auth_token", &"<secret>")
            .field("rest", &self.rest.is_some())
            .finish()
    }
}

impl Dialect for Twilio {
    /// Twilio reads a webhook's answer for 15 seconds (its default and most).
    fn answer_within(&self) -> Duration {
        Duration::from_secs(15)
    }

    fn name(&self) -> &'static str {
        "twilio"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &["x-twilio-signature"]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        if self.auth_token.expose_secret().is_empty() {
            return false;
        }
        let signature = request.header("x-twilio-signature");
        validate_signature(
            self.auth_token.expose_secret(),
            request.url,
            request.form(),
            signature,
        )
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        crate::telephony::twiml_fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        render(response)
    }

    fn render_text_reply(&self, reply: Option<&str>) -> String {
        crate::telephony::twiml::render_text_reply(reply)
    }

    fn voice_warning(&self, voice: Option<&str>, language: Language) -> Option<String> {
        match voice {
            Some(voice) => voice_warning(voice, language),
            None => missing_voice_warning(language),
        }
    }

    fn call_control(&self) -> Option<&dyn CallControl> {
        self.rest.as_deref().map(|rest| rest as &dyn CallControl)
    }

    fn recording_control(&self) -> Option<&dyn RecordingControl> {
        self.rest
            .as_deref()
            .map(|rest| rest as &dyn RecordingControl)
    }

    fn texting(&self) -> Option<&dyn Texting> {
        self.rest.as_deref().map(|rest| rest as &dyn Texting)
    }

    fn captures_cards(&self) -> bool {
        true
    }

    fn pay_connector(&self) -> Option<&str> {
        self.pay_connector.as_deref()
    }
}
