//! The provider registration: which dialects an instance serves, each with its secret from the
//! environment. Adding a provider is its folder under `telephony/` and one entry in
//! [`REGISTERED`].

use std::sync::Arc;

use secrecy::SecretString;

use super::Dialect;
use super::signalwire::SignalWire;
use super::twilio::Twilio;

/// A provider ivrpay can serve, and the environment variable holding the secret its webhooks are
/// signed with.
pub struct Registration {
    /// The provider's name, the first segment of its webhook paths.
    pub path_prefix: &'static str,
    /// The environment variable with the secret.
    pub secret_env: &'static str,
    /// What the secret is, for `--help` and for the message when none is set.
    pub describe: &'static str,
    /// Builds the dialect around its secret.
    pub build: fn(SecretString) -> Arc<dyn Dialect>,
}

/// Every provider. The first is the one the demo and the simulated caller speak.
pub const REGISTERED: &[Registration] = &[
    Registration {
        path_prefix: "twilio",
        secret_env: "TWILIO_AUTH_TOKEN",
        describe: "Twilio auth token (Twilio console); checks webhooks at /twilio/...",
        build: |secret| Arc::new(Twilio::new(secret)),
    },
    Registration {
        path_prefix: "signalwire",
        secret_env: "SIGNALWIRE_SIGNING_KEY",
        describe: "SignalWire project Signing Key; checks webhooks at /signalwire/...",
        build: |secret| Arc::new(SignalWire::new(secret)),
    },
];

/// The dialects whose secret `secret` finds (normally the environment).
pub fn configured(secret: impl Fn(&str) -> Option<SecretString>) -> Vec<Arc<dyn Dialect>> {
    REGISTERED
        .iter()
        .filter_map(|entry| secret(entry.secret_env).map(entry.build))
        .collect()
}

/// The provider the demo serves and the simulated caller speaks by default: the first registered.
pub fn demo_provider() -> &'static Registration {
    &REGISTERED[0]
}

/// The demo's provider with `secret`: what `serve --demo` serves with its kept token.
pub fn demo(secret: SecretString) -> Arc<dyn Dialect> {
    (demo_provider().build)(secret)
}

/// Every dialect with no usable secret: for `--insecure-skip-signature`, where nothing is
/// verified, and for checks that only ask a dialect about itself (voices).
pub fn unverified() -> Vec<Arc<dyn Dialect>> {
    REGISTERED
        .iter()
        .map(|entry| (entry.build)(SecretString::from(String::new())))
        .collect()
}

/// The message when no provider's secret is set.
pub fn none_configured() -> String {
    let names: Vec<String> = REGISTERED
        .iter()
        .map(|entry| format!("{} ({})", entry.secret_env, entry.describe))
        .collect();
    format!(
        "no provider's webhook secret is set: set at least one of {}",
        names.join(", or ")
    )
}
