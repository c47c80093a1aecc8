//! Configuration assembled for `serve`: every secret and setting from flags and the environment,
//! checked together so an operator sees every problem at once.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::accounts::secrets::PinKey;
use crate::config::{DEMO_PIN_KEY, GatewayChoice, PaymentSettings};
use crate::payments::vault::DataKey;
use crate::payments::{CardBrand, Money};
use crate::telephony::registry;

pub(super) fn secret_env(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}

pub(super) fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

pub(super) fn pin_key(demo: bool) -> Result<PinKey, String> {
    match secret_env("IVRPAY_PIN_KEY") {
        Some(key) => PinKey::new(key.expose_secret().as_bytes())
            .ok_or_else(|| "IVRPAY_PIN_KEY must be at least 16 characters".to_owned()),
        None if demo => PinKey::new(DEMO_PIN_KEY.as_bytes()).ok_or_else(|| "demo key".to_owned()),
        None => Err(
            "IVRPAY_PIN_KEY is not set: a long random secret (16 characters or more) PINs are \
             hashed with"
                .into(),
        ),
    }
}

/// The gateway `--gateway` names, with its credentials.
pub(super) fn gateway_choice(args: &GatewayArgs) -> Result<GatewayChoice, String> {
    Ok(match args.kind {
        GatewayKind::Sandbox => GatewayChoice::Sandbox,
        GatewayKind::Stripe => GatewayChoice::Stripe {
            secret_key: secret_env("STRIPE_SECRET_KEY")
                .ok_or("--gateway stripe needs STRIPE_SECRET_KEY (sk_live_... or sk_test_...)")?,
            base_url: args.stripe_base_url.trim_end_matches('/').to_owned(),
            webhook_secret: secret_env("STRIPE_WEBHOOK_SECRET"),
            publishable_key: std::env::var("STRIPE_PUBLISHABLE_KEY")
                .ok()
                .map(|key| key.trim().to_owned())
                .filter(|key| !key.is_empty()),
        },
    })
}

/// How long one gateway request may take.
pub(super) fn gateway_timeout(args: &GatewayArgs) -> Duration {
    Duration::from_millis(args.gateway_timeout_ms.max(100))
}

pub(super) fn payment_settings(args: &ServeArgs) -> Result<PaymentSettings, String> {
    let gateway = gateway_choice(&args.gateway)?;
    let mut accepted_brands = Vec::new();
    for name in args
        .accepted_brands
        .split(',')
        .filter(|n| !n.trim().is_empty())
    {
        accepted_brands.push(CardBrand::parse(name).ok_or_else(|| {
            format!("unknown card brand \"{name}\" in IVRPAY_ACCEPTED_BRANDS; use visa, mastercard, amex, discover, jcb, diners")
        })?);
    }
    if accepted_brands.is_empty() {
        return Err("IVRPAY_ACCEPTED_BRANDS names no brand".into());
    }
    let smallest = Money::parse_decimal(&args.min_payment).map_err(|_| {
        format!(
            "IVRPAY_MIN_PAYMENT must be an amount like 1.00, not \"{}\"",
            args.min_payment
        )
    })?;
    Ok(PaymentSettings {
        gateway,
        accepted_brands,
        smallest_payment_cents: smallest.cents().max(1),
        gateway_timeout: gateway_timeout(&args.gateway),
        debits: crate::config::DebitSettings {
            check_every: Duration::from_secs(
                args.debit_check_minutes
                    .unwrap_or(if args.demo { 1 } else { 15 })
                    .max(1)
                    * 60,
            ),
            sandbox_settles_after: Duration::from_secs(args.sandbox_debit_seconds),
            ..crate::config::DebitSettings::default()
        },
    })
}

/// Day counts like "7,3" (`IVRPAY_REMINDER_DAYS`).
fn days_env(name: &str, default: &[u32], problems: &mut Vec<String>) -> Vec<u32> {
    let Ok(text) = std::env::var(name) else {
        return default.to_vec();
    };
    let parsed: Result<Vec<u32>, _> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect();
    parsed.unwrap_or_else(|_| {
        problems.push(format!("{name} lists days like 7,3, not \"{text}\""));
        default.to_vec()
    })
}

/// The providers whose webhook secret the environment sets, with every setting they declare.
pub(super) fn providers_from_env() -> Vec<registry::ProviderConfig> {
    registry::configured(
        |name| std::env::var(name).ok().filter(|value| !value.is_empty()),
        secret_env,
    )
}

/// The dialects of `providers`, each wrong setting added to `problems`.
pub(super) fn dialects_of(
    providers: &[registry::ProviderConfig],
    problems: &mut Vec<String>,
) -> Vec<Arc<dyn crate::telephony::Dialect>> {
    registry::build(providers).unwrap_or_else(|found| {
        problems.extend(found);
        Vec::new()
    })
}

/// What the line does with its providers' capabilities and its mail, from the environment.
pub(super) struct LineUses {
    pub(super) messaging: crate::messages::MessagingSettings,
    pub(super) pause_recording: Option<crate::config::PauseFailure>,
    pub(super) transfers: crate::config::Transfers,
}

/// Receipts and reminders, recording control and conference transfers, from the environment,
/// checked against what the configured providers (`providers`, built from their settings) can
/// do.
pub(super) fn line_settings(
    problems: &mut Vec<String>,
    providers: &[Arc<dyn crate::telephony::Dialect>],
) -> LineUses {
    use crate::messages::{EmailSettings, MessagingSettings, SmsSettings};
    let texts = providers.iter().any(|dialect| dialect.texting().is_some());
    let records = providers.iter().any(|dialect| {
        dialect.recording_control().is_some() || dialect.pauses_recording_in_markup()
    });
    let sms = match std::env::var("IVRPAY_SMS_FROM")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(from) if texts => Some(SmsSettings { from }),
        Some(_) => {
            problems.push(format!(
                "IVRPAY_SMS_FROM needs a provider that sends texts: set {}",
                registry::api_hint()
            ));
            None
        }
        None => None,
    };
    let email = match (
        secret_env("IVRPAY_SMTP_URL"),
        std::env::var("IVRPAY_EMAIL_FROM").ok(),
    ) {
        (Some(smtp_url), Some(from)) if from.contains('@') => {
            Some(EmailSettings { smtp_url, from })
        }
        (Some(_), _) => {
            problems.push(
                "IVRPAY_SMTP_URL needs IVRPAY_EMAIL_FROM, the From address (e.g. \
                 \"Riverside Utilities <billing@example.com>\")"
                    .into(),
            );
            None
        }
        (None, _) => None,
    };
    let defaults = MessagingSettings::default();
    let disabled: Vec<String> = std::env::var("IVRPAY_MESSAGES_OFF")
        .unwrap_or_default()
        .split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect();
    for kind in &disabled {
        if crate::messages::templates::Kind::parse(kind).is_none() {
            problems.push(format!(
                "IVRPAY_MESSAGES_OFF: \"{kind}\" is not a kind of message; the kinds are {}",
                crate::messages::templates::Kind::NAMES.join(", ")
            ));
        }
    }
    let messaging = MessagingSettings {
        sms,
        email,
        installment_reminder_days: days_env(
            "IVRPAY_REMINDER_DAYS",
            &defaults.installment_reminder_days,
            problems,
        ),
        promise_reminder_days: days_env(
            "IVRPAY_PROMISE_REMINDER_DAYS",
            &defaults.promise_reminder_days,
            problems,
        ),
        disabled,
        ..defaults
    };
    let on_failure = match std::env::var("IVRPAY_PAUSE_RECORDING").as_deref() {
        Err(_) | Ok("") | Ok("off") => None,
        Ok("stop") => Some(crate::config::PauseFailure::StopCardEntry),
        Ok("go-on") => Some(crate::config::PauseFailure::GoOn),
        Ok(other) => {
            problems.push(format!(
                "IVRPAY_PAUSE_RECORDING is off, stop or go-on (what to do when the recording \
                 cannot be paused), not \"{other}\""
            ));
            None
        }
    };
    let pause_recording = match on_failure {
        Some(_) if !records => {
            problems.push(format!(
                "IVRPAY_PAUSE_RECORDING needs a provider that controls recordings: set {}",
                registry::api_hint()
            ));
            None
        }
        on_failure => on_failure,
    };
    // Where the call's provider can move calls, a caller waiting for a person hears hold audio
    // in a conference room (and an agent can send them to key in a card);
    // IVRPAY_TRANSFERS=dial keeps a plain dial everywhere.
    let transfers = match std::env::var("IVRPAY_TRANSFERS").as_deref() {
        Err(_) | Ok("") | Ok("conference") => crate::config::Transfers::Conference,
        Ok("dial") => crate::config::Transfers::Dial,
        Ok(other) => {
            problems.push(format!(
                "IVRPAY_TRANSFERS is conference (hold audio while the agent is rung, where the \
                 provider can move calls) or dial (a plain transfer with ringing), not \"{other}\""
            ));
            crate::config::Transfers::Dial
        }
    };
    LineUses {
        messaging,
        pause_recording,
        transfers,
    }
}

/// The settings `serve` takes from the environment, checked together.
pub(super) struct ServeSecrets {
    pub(super) data_key: DataKey,
    pub(super) providers: Vec<registry::ProviderConfig>,
    pub(super) admin_token: Option<SecretString>,
    /// `IVRPAY_METRICS_TOKEN`: reads `/metrics` on the main listener (as the admin token does).
    pub(super) metrics_token: Option<SecretString>,
    pub(super) pin_key: PinKey,
    pub(super) payments: PaymentSettings,
    pub(super) messaging: crate::messages::MessagingSettings,
    pub(super) pause_recording: Option<crate::config::PauseFailure>,
    pub(super) transfers: crate::config::Transfers,
    /// What the demo generated or reused, to print.
    pub(super) notes: Vec<String>,
}

/// Reads every secret and payment setting, reporting every missing or bad one at once so an
/// operator fixes them in one pass. In demo mode missing tokens are kept beside the database, so
/// a second run (and `ivrpay call`) uses the same ones.
pub(super) fn serve_secrets(args: &ServeArgs) -> Result<ServeSecrets, String> {
    let demo = args.demo;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let data_key = match secret_env("IVRPAY_DATA_KEY") {
        Some(key) => DataKey::parse(key.expose_secret())
            .map_err(|e| problems.push(format!("IVRPAY_DATA_KEY: {e}")))
            .ok(),
        None if demo => {
            notes.push("IVRPAY_DATA_KEY not set: generated a data key for this run (values waiting between webhooks do not survive a restart).".to_owned());
            DataKey::generate()
                .map_err(|e| problems.push(e.to_string()))
                .ok()
        }
        None => {
            problems.push(
                "IVRPAY_DATA_KEY is not set: 64 hex characters, e.g. `openssl rand -hex 32`".into(),
            );
            None
        }
    };
    let demo_tokens = if demo {
        match DemoTokens::load_or_create(&args.database_url) {
            Ok(tokens) => Some(tokens),
            Err(err) => {
                problems.push(err);
                None
            }
        }
    } else {
        None
    };
    let mut providers = providers_from_env();
    if args.insecure_skip_signature {
        providers = registry::unverified_configs();
    } else if providers.is_empty() {
        if let Some(tokens) = &demo_tokens {
            providers.extend(registry::demo(&tokens.provider_token));
            notes.push(format!(
                "No provider's webhook key set: serving every provider, each with the demo token \
                 kept in {}.",
                tokens.path.display()
            ));
        } else if !demo {
            problems.push(registry::none_configured());
        }
    }
    let mut admin_token = secret_env("IVRPAY_ADMIN_TOKEN");
    if admin_token.is_none()
        && let Some(tokens) = &demo_tokens
    {
        admin_token = Some(SecretString::from(tokens.admin_token.clone()));
    }
    let pin_key = pin_key(demo).map_err(|e| problems.push(e)).ok();
    let payments = payment_settings(args).map_err(|e| problems.push(e)).ok();
    let dialects = dialects_of(&providers, &mut problems);
    let LineUses {
        messaging,
        pause_recording,
        transfers,
    } = line_settings(&mut problems, &dialects);
    match (data_key, pin_key, payments) {
        (Some(data_key), Some(pin_key), Some(payments)) if problems.is_empty() => {
            Ok(ServeSecrets {
                data_key,
                providers,
                admin_token,
                metrics_token: secret_env("IVRPAY_METRICS_TOKEN"),
                pin_key,
                payments,
                messaging,
                pause_recording,
                transfers,
                notes,
            })
        }
        _ => Err(format!(
            "cannot start; fix these settings (or try `ivrpay serve --demo`):\n  {}",
            problems.join("\n  ")
        )),
    }
}
