//! Bandwidth's BXML dialect: webhooks posted as JSON (`eventType`, `callId`, `digits`) with the
//! voice application's callback credentials (HTTP Basic: Bandwidth signs no bodies), answered in
//! BXML ([`bxml`]).
//!
//! Set `BANDWIDTH_USERNAME` and `BANDWIDTH_PASSWORD` to the callback credentials of the voice
//! application, whose call-initiated callback URL is `POST {IVRPAY_PUBLIC_URL}/bandwidth/voice`
//! and call-status callback URL `/bandwidth/status`.
//!
//! What differs: `<Gather>` takes keys only, so questions that would listen take keys; Basic
//! credentials do not stop a captured webhook being sent again (the line's own replay rules
//! still answer a repeated webhook as before and never advance twice); the call's recording is
//! paused around card entry in BXML itself (`<PauseRecording>`), not through the API;
//! Bandwidth's REST API is not used yet (no texts, no conference holds), and it has no card
//! capture.

pub mod bxml;
pub mod fields;
pub mod simulator;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

use crate::telephony::differences::{Difference, Feature};
use crate::telephony::registry::{ConsoleField, ProviderSettings, Registration, Setting};
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

const USERNAME_ENV: &str = "BANDWIDTH_USERNAME";
const PASSWORD_ENV: &str = "BANDWIDTH_PASSWORD";
/// The user name a simulator's token stands for when it names none.
const SIMULATOR_USERNAME: &str = "ivrpay";

/// The user name and password a simulator's token stands for: `user:password`, or a password
/// alone for the user `ivrpay`.
fn credentials(token: &str) -> (&str, &str) {
    token.split_once(':').unwrap_or((SIMULATOR_USERNAME, token))
}

/// Bandwidth's registration: its callbacks carry the voice application's Basic credentials.
pub const REGISTRATION: Registration = Registration {
    path_prefix: "bandwidth",
    webhook_key: Setting {
        env: PASSWORD_ENV,
        secret: true,
        describe: "the password of the Bandwidth voice application's callback credentials \
                   (with BANDWIDTH_USERNAME); checks webhooks at /bandwidth/...",
    },
    webhook_also: &[USERNAME_ENV],
    settings: &[Setting {
        env: USERNAME_ENV,
        secret: false,
        describe: "the user name of the Bandwidth voice application's callback credentials",
    }],
    build: |settings| {
        let username = settings.value(USERNAME_ENV).unwrap_or_default().to_owned();
        let password = settings.secret_or_empty(PASSWORD_ENV);
        if username.is_empty() && !password.expose_secret().is_empty() {
            return Err(format!(
                "{PASSWORD_ENV} is set without {USERNAME_ENV}: set both to the voice \
                 application's callback credentials (Bandwidth App > Applications > Callback \
                 authentication)"
            ));
        }
        Ok(Arc::new(Bandwidth { username, password }))
    },
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |token| {
        let (username, password) = credentials(token);
        ProviderSettings::default()
            .with(USERNAME_ENV, username)
            .with_secret(PASSWORD_ENV, SecretString::from(password.to_owned()))
    },
    console: &[
        ConsoleField {
            field: "Voice application > Call-initiated callback URL",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "Call status callback URL",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The Bandwidth dialect, holding the callback credentials.
pub struct Bandwidth {
    username: String,
    password: SecretString,
}

impl std::fmt::Debug for Bandwidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bandwidth")
            .field("username", &self.username)
            .field("password", &"<secret>")
            .finish()
    }
}

impl Dialect for Bandwidth {
    /// Bandwidth waits 15 seconds for a callback's answer by default.
    fn answer_within(&self) -> std::time::Duration {
        std::time::Duration::from_secs(15)
    }

    fn name(&self) -> &'static str {
        "bandwidth"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &["authorization"]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        let password = self.password.expose_secret();
        if self.username.is_empty() || password.is_empty() {
            return false;
        }
        let Some(given) = request
            .header("authorization")
            .strip_prefix("Basic ")
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        else {
            return false;
        };
        let expected = format!("{}:{password}", self.username);
        subtle::ConstantTimeEq::ct_eq(given.as_slice(), expected.as_bytes()).into()
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        fields::read(event, request)
    }

    fn render(&self, response: &voice::Response) -> String {
        bxml::render(response)
    }

    fn render_text_reply(&self, _reply: Option<&str>) -> String {
        // Bandwidth's messaging callbacks take no answer: replies go through its API.
        String::new()
    }

    fn content_type(&self) -> &'static str {
        "application/xml; charset=utf-8"
    }

    /// BXML's `<PauseRecording>` and `<ResumeRecording>` around card entry: they pause what
    /// `<StartRecording>` or Bandwidth's API started, and do nothing where nothing records.
    fn pauses_recording_in_markup(&self) -> bool {
        true
    }

    fn markup_differences(&self) -> &'static [Difference] {
        &[
            Difference {
                feature: Feature::AnswersByVoice,
                instead: "Bandwidth's <Gather> takes keys only: every question takes keys, its \
                          callers hear the words a prompt writes for keys alone (the side after \
                          | in [say or press|press]), and one who answers by voice anyway is \
                          heard as silence, asked again and then helped to a person",
            },
            Difference {
                feature: Feature::SpeechHints,
                instead: "no recognizer to give them to",
            },
            Difference {
                feature: Feature::ConferenceHold,
                instead: "Bandwidth's <Conference> has no wait audio: transfers are plain \
                          transfers, the caller hears ringing",
            },
        ]
    }
}
