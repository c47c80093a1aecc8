//! Telnyx's TeXML dialect: the TwiML family's webhook fields and verbs, with webhooks signed
//! with Ed25519 over the timestamp and the raw body (`telnyx-signature-ed25519`,
//! `telnyx-timestamp`), checked against the account's public key within a window on the
//! service's clock ([`signature`]).
//!
//! Set `TELNYX_PUBLIC_KEY` (the base64 key Mission Control shows under Keys & Credentials > Public
//! Key) and point the TeXML application's Voice URL at `POST {IVRPAY_PUBLIC_URL}/telnyx/voice`
//! and its status callback at `/telnyx/status`.
//!
//! What differs from Twilio's TwiML: TeXML's `<Gather>` documents no `actionOnEmptyResult`, so a
//! question is followed by a `<Redirect>` to its own action, which reaches the flow as silence
//! when the caller says nothing; and its `<Pay>` has attributes of its own ([`pay`]). Telnyx's
//! REST API is not used yet: no texts, no recording pauses, no conference holds.

pub mod pay;
pub mod signature;
pub mod simulator;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::telephony::differences::{Difference, Feature};
use crate::telephony::registry::{ConsoleField, ProviderSettings, Registration, Setting};
use crate::telephony::silence;
use crate::telephony::{Callback, Dialect, Event, Request};
use crate::voice;

/// The setting holding the account's public key.
const PUBLIC_KEY_ENV: &str = "TELNYX_PUBLIC_KEY";

/// The setting naming the payment connector `<Pay>` charges through.
const PAY_CONNECTOR_ENV: &str = "TELNYX_PAY_CONNECTOR";

/// Telnyx's registration: its webhooks are checked with the account's public key, a plain
/// setting (it is public: only Telnyx holds the private half).
pub const REGISTRATION: Registration = Registration {
    path_prefix: "telnyx",
    webhook_key: Setting {
        env: PUBLIC_KEY_ENV,
        secret: false,
        describe: "Telnyx public key (base64, Mission Control > Keys & Credentials > Public Key); \
                   checks webhooks at /telnyx/...",
    },
    webhook_also: &[],
    settings: &[Setting {
        env: PAY_CONNECTOR_ENV,
        secret: false,
        describe: "the payment connector TeXML's <Pay> charges through, by its name in the \
                   Telnyx portal (Voice API > Applications > Payment Connectors; default: \
                   Telnyx's Default); used where the flow says card_capture = \"provider\"",
    }],
    build: |settings| {
        let public_key = settings.value(PUBLIC_KEY_ENV).unwrap_or_default();
        let telnyx = Telnyx::new(public_key)?;
        Ok(Arc::new(Telnyx {
            pay_connector: settings.value(PAY_CONNECTOR_ENV).map(str::to_owned),
            ..telnyx
        }) as Arc<dyn Dialect>)
    },
    simulator: || Arc::new(simulator::SIMULATOR),
    accepting: |secret| {
        ProviderSettings::default().with(
            PUBLIC_KEY_ENV,
            signature::public_key_of(&simulator_seed(secret)).unwrap_or_default(),
        )
    },
    console: &[
        ConsoleField {
            field: "TeXML application > Voice URL (Voice Method POST)",
            method: "POST",
            event: Event::Voice,
        },
        ConsoleField {
            field: "TeXML application > Status Callback",
            method: "POST",
            event: Event::Status,
        },
    ],
};

/// The headers Telnyx signs its webhooks with.
const SIGNATURE_HEADER: &str = "telnyx-signature-ed25519";
const TIMESTAMP_HEADER: &str = "telnyx-timestamp";

/// The seed (base64) of the key a simulator signs with for `secret`: the secret itself when it
/// is a seed (32 bytes of base64, as the vectors use), else one made from it, so any demo or
/// test token names one key pair.
pub fn simulator_seed(secret: &str) -> String {
    match STANDARD.decode(secret.trim()) {
        Ok(bytes) if bytes.len() == 32 => secret.trim().to_owned(),
        _ => STANDARD.encode(Sha256::digest(secret.as_bytes())),
    }
}

/// The TeXML dialect, holding the account's public key.
#[derive(Debug)]
pub struct Telnyx {
    /// Base64, 32 bytes; empty when unset (then nothing verifies).
    public_key: String,
    /// The payment connector `<Pay>` charges through; Telnyx's `Default` when `None`.
    pay_connector: Option<String>,
}

impl Telnyx {
    /// The dialect checking webhooks with `public_key` (base64); empty checks nothing as
    /// Telnyx's (every webhook is refused).
    ///
    /// # Errors
    /// The key is set but is not 32 bytes of base64.
    pub fn new(public_key: &str) -> Result<Telnyx, String> {
        let public_key = public_key.trim();
        let valid = STANDARD
            .decode(public_key)
            .is_ok_and(|bytes| bytes.len() == 32);
        if !public_key.is_empty() && !valid {
            return Err(format!(
                "{PUBLIC_KEY_ENV} is not a Telnyx public key: copy the base64 key (44 characters, \
                 ending in =) from Mission Control > Keys & Credentials > Public Key"
            ));
        }
        Ok(Telnyx {
            public_key: public_key.to_owned(),
            pay_connector: None,
        })
    }
}

impl Dialect for Telnyx {
    fn name(&self) -> &'static str {
        "telnyx"
    }

    fn sensitive_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER]
    }

    fn verify(&self, request: &Request<'_>) -> bool {
        let present = |name| Some(request.header(name)).filter(|value| !value.is_empty());
        signature::validate_signature(
            &self.public_key,
            present(SIGNATURE_HEADER),
            present(TIMESTAMP_HEADER),
            request.body,
            request.now_ms.div_euclid(1000),
        )
        .is_ok()
    }

    fn read(&self, event: Event, request: &Request<'_>) -> Callback {
        let callback = crate::telephony::twiml_fields::read(event, request);
        match event {
            Event::Pay => Callback {
                pay: pay::report(request.form()),
                ..callback
            },
            _ => callback,
        }
    }

    fn render(&self, response: &voice::Response) -> String {
        crate::telephony::twiml::render_with(&silence::with_redirects(response), pay::write_verb)
    }

    fn render_text_reply(&self, reply: Option<&str>) -> String {
        crate::telephony::twiml::render_text_reply(reply)
    }

    fn captures_cards(&self) -> bool {
        true
    }

    fn pay_connector(&self) -> Option<&str> {
        self.pay_connector.as_deref()
    }

    fn markup_differences(&self) -> &'static [Difference] {
        &[Difference {
            feature: Feature::ProviderCardCapture,
            instead: "TeXML's <Pay> always asks for the security code and the billing ZIP code, \
                      leaves a card brand the flow does not take to the processor to refuse, and \
                      says nothing while it charges (the flow's processing words are not said)",
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;

    #[test]
    fn a_question_is_followed_by_its_own_action_for_silence() {
        let mut response = voice::Response::new();
        response.push(voice::Verb::Gather(voice::Gather {
            action: "https://ivr.example.com/telnyx/gather?turn=2".into(),
            num_digits: Some(4),
            finish_on_key: Some('#'),
            timeout_seconds: 7,
            prompts: vec![voice::Prompt::Say {
                text: "Please enter your PIN.".into(),
                language: Language::En,
                voice: None,
                slow: false,
                recorded: None,
            }],
            speech: None,
        }));
        let xml = Telnyx::new("").expect("no key").render(&response);
        assert!(
            xml.ends_with(
                "</Gather><Redirect method=\"POST\">https://ivr.example.com/telnyx/gather?turn=2\
                 </Redirect></Response>"
            ),
            "{xml}"
        );
        let read = crate::telephony::twiml_reader::parse(&xml).expect("TeXML");
        assert_eq!(silence::without_redirects(read), response);
    }

    #[test]
    fn a_key_that_is_not_one_is_named_with_where_to_find_it() {
        let err = Telnyx::new("not-a-key").expect_err("refused");
        assert!(err.contains("TELNYX_PUBLIC_KEY") && err.contains("Mission Control"));
        assert!(Telnyx::new(&STANDARD.encode([9u8; 32])).is_ok());
    }

    #[test]
    fn a_simulator_token_names_one_key_pair_and_a_seed_is_itself() {
        let seed = "G5uTuPh/3TvbW/MScHaerr5Tx8FZGJw/gdwDO9RMBe4=";
        assert_eq!(simulator_seed(seed), seed);
        assert_eq!(simulator_seed("demo-token"), simulator_seed("demo-token"));
        assert_ne!(simulator_seed("demo-token"), simulator_seed("other"));
        assert_eq!(
            STANDARD
                .decode(simulator_seed("demo-token"))
                .map(|b| b.len()),
            Ok(32)
        );
    }
}
