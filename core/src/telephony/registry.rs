//! The provider registration: which dialects an instance serves, each built from its own
//! settings. Adding a provider is its folder under `telephony/` and one entry in [`REGISTERED`];
//! the command line reads every setting a registration declares from the environment by the
//! name the provider uses, and nothing outside `telephony/` names a provider.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use secrecy::SecretString;

use super::Dialect;
use super::simulator::Simulator;

/// One setting a provider reads, by the name the provider's own console and documents use.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The environment variable (e.g. `TWILIO_ACCOUNT_SID`).
    pub env: &'static str,
    /// Whether it is a secret (a token, a signing key): kept as a [`SecretString`], never
    /// printed. Public keys and ids are plain settings.
    pub secret: bool,
    /// What it is, for `--help`.
    pub describe: &'static str,
}

/// A provider's settings as configured: plain values and secrets, by their setting names.
#[derive(Clone, Default)]
pub struct ProviderSettings {
    values: BTreeMap<&'static str, String>,
    secrets: BTreeMap<&'static str, SecretString>,
}

impl ProviderSettings {
    /// With the plain setting `name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> ProviderSettings {
        self.values.insert(name, value.into());
        self
    }

    /// With the secret `name` set to `value`.
    pub fn with_secret(mut self, name: &'static str, value: SecretString) -> ProviderSettings {
        self.secrets.insert(name, value);
        self
    }

    /// A plain setting, when set and not empty.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// A secret, when set.
    pub fn secret(&self, name: &str) -> Option<&SecretString> {
        self.secrets.get(name)
    }

    /// Every setting with its value, secrets shown: only for printing settings the user gave
    /// (`ivrpay simulator-settings`), never for a log.
    pub fn exposed(&self) -> Vec<(&'static str, String)> {
        use secrecy::ExposeSecret;
        self.values
            .iter()
            .map(|(name, value)| (*name, value.clone()))
            .chain(
                self.secrets
                    .iter()
                    .map(|(name, secret)| (*name, secret.expose_secret().to_owned())),
            )
            .collect()
    }

    /// A secret, or the empty one when unset (a dialect built without its key verifies
    /// nothing).
    pub fn secret_or_empty(&self, name: &str) -> SecretString {
        self.secret(name)
            .cloned()
            .unwrap_or_else(|| SecretString::from(String::new()))
    }

    /// Whether `name` is set, as a value or a secret.
    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some() || self.secrets.contains_key(name)
    }
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("values", &self.values)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The settings of a provider whose webhook key is the shared secret `secret`, in `env`: what a
/// shared-secret registration's `accepting` gives.
pub fn shared_secret(env: &'static str, secret: &str) -> ProviderSettings {
    ProviderSettings::default().with_secret(env, SecretString::from(secret.to_owned()))
}

/// One provider's configuration: which registered provider, with its settings.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The registered provider's name (its folder under `telephony/`).
    pub name: &'static str,
    /// Its settings.
    pub settings: ProviderSettings,
}

/// A provider ivrpay can serve.
pub struct Registration {
    /// The provider's name, the first segment of its webhook paths.
    pub path_prefix: &'static str,
    /// The setting whose presence turns the provider on: what its webhooks are checked with
    /// (the secret they are signed with, or the public key of the provider's signing key, or
    /// the password of its Basic credentials).
    pub webhook_key: Setting,
    /// Other settings the webhook check needs beside the key (Bandwidth's user name), by name.
    pub webhook_also: &'static [&'static str],
    /// Every other setting it reads (its API's account, keys and address), for `--help`.
    pub settings: &'static [Setting],
    /// Builds the dialect from its settings (its webhook secret and, when set, its API's
    /// credentials, which give it capabilities), or says which setting is wrong and how.
    pub build: fn(&ProviderSettings) -> Result<Arc<dyn Dialect>, String>,
    /// Makes its platform's side, for the simulated caller and the load tool: its requests
    /// signed as it signs them, its answers read as it reads them.
    pub simulator: fn() -> Arc<dyn Simulator>,
    /// The settings under which the line accepts what its simulator signs with `secret`, for the
    /// demo, the tests and `ivrpay call`: for a shared secret, the secret itself; for a key pair,
    /// the public key of the key the simulator signs with.
    pub accepting: fn(&str) -> ProviderSettings,
    /// Where its console asks for the line's URLs: each field by the console's name for it, and
    /// the webhook it takes (what the demo prints and the provider's docs page shows).
    pub console: &'static [ConsoleField],
}

/// A field of a provider's console that takes one of the line's URLs.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleField {
    /// The field's name in the provider's console (e.g. "A call comes in").
    pub field: &'static str,
    /// The method to choose beside it.
    pub method: &'static str,
    /// The webhook whose path to paste.
    pub event: super::Event,
}

impl Registration {
    /// Every setting it reads: its webhook secret first.
    pub fn all_settings(&self) -> impl Iterator<Item = Setting> + '_ {
        std::iter::once(self.webhook_key).chain(self.settings.iter().copied())
    }

    /// The variable holding what its simulator signs with, when the line's webhook key is a
    /// shared secret (a simulator cannot sign with a public key).
    pub fn signing_secret_env(&self) -> Option<&'static str> {
        self.webhook_key.secret.then_some(self.webhook_key.env)
    }

    /// This provider with `settings`.
    pub fn with(&'static self, settings: ProviderSettings) -> ProviderConfig {
        ProviderConfig {
            name: self.path_prefix,
            settings,
        }
    }
}

/// Every provider. The first is the one the demo and the simulated caller speak.
pub const REGISTERED: &[Registration] = &[
    super::twilio::REGISTRATION,
    super::signalwire::REGISTRATION,
    super::telnyx::REGISTRATION,
    super::plivo::REGISTRATION,
    super::jambonz::REGISTRATION,
    super::bandwidth::REGISTRATION,
    super::vonage::REGISTRATION,
];

/// The registered provider named `name`.
pub fn registration(name: &str) -> Option<&'static Registration> {
    REGISTERED.iter().find(|entry| entry.path_prefix == name)
}

/// The simulator of the registered provider named `name`.
pub fn simulator(name: &str) -> Option<Arc<dyn Simulator>> {
    registration(name).map(|entry| (entry.simulator)())
}

/// The simulator of the provider the demo serves: the one a simulated call speaks unless told.
pub fn default_simulator() -> Arc<dyn Simulator> {
    (demo_provider().simulator)()
}

/// The registered providers' names, for help and for the message naming them.
pub fn names() -> Vec<&'static str> {
    REGISTERED.iter().map(|entry| entry.path_prefix).collect()
}

/// The providers whose webhook key `value` or `secret` finds (normally in the environment), each
/// with every setting it declares that they have.
pub fn configured(
    value: impl Fn(&str) -> Option<String>,
    secret: impl Fn(&str) -> Option<SecretString>,
) -> Vec<ProviderConfig> {
    REGISTERED
        .iter()
        .filter(|entry| match entry.webhook_key.secret {
            true => secret(entry.webhook_key.env).is_some(),
            false => value(entry.webhook_key.env).is_some(),
        })
        .map(|entry| {
            let settings =
                entry
                    .all_settings()
                    .fold(
                        ProviderSettings::default(),
                        |settings, setting| match setting.secret {
                            true => match secret(setting.env) {
                                Some(found) => settings.with_secret(setting.env, found),
                                None => settings,
                            },
                            false => match value(setting.env) {
                                Some(found) => settings.with(setting.env, found),
                                None => settings,
                            },
                        },
                    );
            entry.with(settings)
        })
        .collect()
}

/// The dialects `configs` describe, built once at start-up; every wrong setting is reported.
///
/// # Errors
/// Each provider's problems, one line each.
pub fn build(configs: &[ProviderConfig]) -> Result<Vec<Arc<dyn Dialect>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut dialects = Vec::new();
    for config in configs {
        match registration(config.name) {
            None => problems.push(format!(
                "no provider named \"{}\"; the providers are {}",
                config.name,
                names().join(", ")
            )),
            Some(entry) => match (entry.build)(&config.settings) {
                Ok(dialect) => dialects.push(dialect),
                Err(problem) => problems.push(problem),
            },
        }
    }
    if problems.is_empty() {
        Ok(dialects)
    } else {
        Err(problems)
    }
}

/// The dialects an instance serves, built once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Providers(Arc<[Arc<dyn Dialect>]>);

impl Providers {
    /// These dialects.
    pub fn new(dialects: Vec<Arc<dyn Dialect>>) -> Providers {
        Providers(dialects.into())
    }

    /// The dialects, in the order configured.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Dialect>> {
        self.0.iter()
    }

    /// The dialect of the provider named `name`, if served.
    pub fn named(&self, name: &str) -> Option<&Arc<dyn Dialect>> {
        self.0.iter().find(|dialect| dialect.name() == name)
    }

    /// The first provider that sends texts, and how.
    pub fn texting(&self) -> Option<(&dyn Dialect, &dyn super::capabilities::Texting)> {
        self.0
            .iter()
            .find_map(|dialect| dialect.texting().map(|texting| (dialect.as_ref(), texting)))
    }
}

/// The provider the demo serves and the simulated caller speaks by default: the first registered.
pub fn demo_provider() -> &'static Registration {
    &REGISTERED[0]
}

/// Every provider, each accepting what its simulator signs with `secret`: what `serve --demo`
/// serves with its kept token, so `ivrpay call --provider NAME` can speak any of them.
pub fn demo(secret: &str) -> Vec<ProviderConfig> {
    REGISTERED
        .iter()
        .map(|entry| entry.with((entry.accepting)(secret)))
        .collect()
}

/// Every provider with no settings: for `--insecure-skip-signature`, where nothing is verified,
/// and for checks that only ask a dialect about itself (voices).
pub fn unverified() -> Vec<Arc<dyn Dialect>> {
    // With no settings there is nothing a registration could find wrong.
    build(&unverified_configs()).unwrap_or_default()
}

/// Every provider with no settings, as configuration.
pub fn unverified_configs() -> Vec<ProviderConfig> {
    REGISTERED
        .iter()
        .map(|entry| entry.with(ProviderSettings::default()))
        .collect()
}

/// The message when no provider's secret is set.
pub fn none_configured() -> String {
    let names: Vec<String> = REGISTERED
        .iter()
        .map(|entry| format!("{} ({})", entry.webhook_key.env, entry.webhook_key.describe))
        .collect();
    format!(
        "no provider's webhook secret is set: set at least one of {}",
        names.join(", or ")
    )
}

/// What to set for a capability no configured provider offers, e.g. "set TWILIO_ACCOUNT_SID
/// ... (Twilio's REST API)": every registration's hint for its API.
pub fn api_hint() -> String {
    REGISTERED
        .iter()
        .filter_map(|entry| {
            let names: Vec<&str> = entry.settings.iter().map(|setting| setting.env).collect();
            (!names.is_empty()).then(|| format!("{} ({})", names.join(", "), entry.path_prefix))
        })
        .collect::<Vec<_>>()
        .join("; or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_by_the_names_each_registration_declares() {
        let env: BTreeMap<&str, &str> = [
            ("TWILIO_AUTH_TOKEN", "s3cret-value"),
            ("TWILIO_ACCOUNT_SID", "AC0123"),
            ("SIGNALWIRE_SIGNING_KEY", "PSK-key"),
        ]
        .into();
        let configs = configured(
            |name| env.get(name).map(|value| (*value).to_owned()),
            |name| env.get(name).map(|value| SecretString::from(*value)),
        );
        let names: Vec<&str> = configs.iter().map(|config| config.name).collect();
        assert_eq!(names, ["twilio", "signalwire"]);
        assert_eq!(
            configs[0].settings.value("TWILIO_ACCOUNT_SID"),
            Some("AC0123")
        );
        assert!(configs[0].settings.secret("TWILIO_AUTH_TOKEN").is_some());
        let printed = format!("{:?}", configs[0].settings);
        assert!(!printed.contains("s3cret-value"), "{printed}");
    }

    #[test]
    fn an_unknown_provider_is_named_with_the_known_ones() {
        let problems = build(&[ProviderConfig {
            name: "nobody",
            settings: ProviderSettings::default(),
        }])
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("twilio, signalwire, telnyx, plivo, jambonz, bandwidth, vonage"),
            "{problems:?}"
        );
    }
}
