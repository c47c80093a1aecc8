//! ivrpay's core: what the line says and decides, with no web server and no database. The call-flow
//! engine, speech, the provider-neutral voice response and every provider's dialect, the
//! collections rules, the payment types and gateways, recorded prompts. The service (`ivrpay`)
//! runs it behind HTTP and keeps its state; the simulators (`ivrpay-simulators`) speak to it as a
//! provider would.
//!
//! # Layout
//! - [`flow`]: the call-flow engine: load and check `call-flows/*.toml`, step through a call;
//! - [`call_flows`]: loading everything in `call-flows/` together (flows, policies, message
//!   templates, hours);
//! - [`telephony`]: one folder per provider (signature, reading the raw webhook, voice XML, what
//!   it can do by REST, and its simulator), and the registry that names them;
//! - [`voice`]: the provider-neutral response (say, gather, dial, hang up ...);
//! - [`speech`]: money, dates, digits as words, per language, and back from what a caller said
//!   (`speech::heard`);
//! - [`audio`]: recorded prompts: file naming, `hound` checks, stitching words into clips, the
//!   espeak-ng demo set;
//! - [`payments`]: money type, card rules, the card-data vault, gateways (and cards kept for plans);
//! - [`collections`]: `call-flows/policies.toml` (what each caller is offered), the cents of
//!   schedules, settlements and fees;
//! - [`hours`]: `call-flows/hours.toml`: whether the line has people now, and the callback windows
//!   offered when it has not;
//! - [`accounts`]: the credentials a caller types, their keyed hashes;
//! - [`messages`]: the message templates operations edit, and the keywords texted back;
//! - [`survey`]: which calls are asked the end-of-call survey, its session keys;
//! - [`diagnostics`]: problems in the files operations write, as `file:line: message`, and the
//!   did-you-mean hints every loader shares;
//! - [`language`], [`clock`]: the languages spoken, time.

pub mod accounts;
pub mod audio;
pub mod call_flows;
pub mod clock;
pub mod collections;
pub mod diagnostics;
pub mod flow;
pub mod hours;
pub mod language;
pub mod messages;
#[doc(hidden)]
pub mod named;
pub mod payments;
pub mod speech;
pub mod survey;
pub mod telephony;
pub mod voice;

/// The HTTP client for every outside call (the payment gateway, the providers' REST APIs, the
/// simulated caller). Use it, or [`http_client_builder`], instead of `reqwest::Client::new()`:
/// reqwest is built without a crypto provider of its own (the default one compiles C crypto, the
/// slowest part of a fresh build) and panics if none is installed when a client is built.
pub fn http_client() -> reqwest::Client {
    http_client_builder()
        .build()
        .expect("an HTTP client builds once the crypto provider is installed")
}

/// A builder for [`http_client`] with settings of its own (timeouts, redirects).
#[allow(clippy::disallowed_methods)] // The one place allowed: the provider is installed first.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Installs rustls' `ring` crypto provider as the process default, once. Installing it a second
/// time (or after someone else did) is harmless: the first one stays.
pub fn install_crypto_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
