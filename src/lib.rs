//! ivrpay: pay-by-phone. A telephony provider posts webhooks as a call goes on; we answer with voice
//! XML that walks the caller through identification, their balance and a payment by card, and we
//! record every call.
//!
//! # Layout
//! Data flows one way: webhook in -> provider dialect parses it -> call-flow engine decides ->
//! store records -> provider dialect renders voice XML out.
//!
//! - [`cli`]: the subcommands (`serve`, `call`, `accounts import`, `flows check`,
//!   `arrangements run-due`, `audio make-demo`, `agents add|list|disable`, `report`);
//! - [`config`]: typed settings for the server;
//! - [`app`]: start-up (every service built once), graceful shutdown;
//! - [`line`](mod@line): the line's services the call path, upkeep and the workers share (the web layer's
//!   state, [`http::AppState`], holds one);
//! - [`http`]: axum routers: provider webhooks, admin API, recorded prompts, health, metrics,
//!   and the agent console's (from [`agents`]) behind its guard;
//! - [`telephony`]: one module per provider dialect (signature, callback fields, voice XML);
//! - [`voice`]: the provider-neutral response (say, gather, dial, hang up ...);
//! - [`calls`]: one webhook of a call: transaction, replay of retries, sealed values, actions;
//! - [`flow`]: the call-flow engine: load and check `call-flows/*.toml`, run a step;
//! - [`call_flows`]: loading everything in `call-flows/` together (flows, policies, message
//!   templates, hours);
//! - [`diagnostics`]: problems in the files operations write, as `file:line: message`, and the
//!   did-you-mean hints every loader shares;
//! - [`speech`]: money, dates, digits as words, per language, and back from what a caller said
//!   (`speech::heard`);
//! - [`audio`]: recorded prompts: file naming, `hound` checks, stitching words into clips, the
//!   espeak-ng demo set;
//! - [`language`]: the languages spoken;
//! - [`accounts`]: credentials, their keyed hashes, CSV import;
//! - [`agents`]: the agent console: agents and their Argon2id passwords, sign-in (throttled),
//!   sessions kept in the database, CSRF, and the console at `/agent` with its live screen-pop of
//!   transfers (claim, disposition) and the open callbacks ("Done" with a note);
//! - [`payments`]: money type, card rules, the card-data vault, gateways (and cards kept for plans);
//! - [`collections`]: `call-flows/policies.toml` (what each caller is offered), the cents of
//!   schedules, settlements and fees, and charging what falls due (`arrangements run-due`);
//! - [`hours`]: `call-flows/hours.toml` (business hours per weekday, holidays, an IANA time
//!   zone): whether the line has people now, and the callback windows offered when it has not;
//! - [`reports`]: calls, containment, transfers, payments, arrangements, lockouts, the survey and
//!   the drop-off funnel for a period, counted in SQL on both backends (`ivrpay report`,
//!   `GET /api/reports`);
//! - [`dashboard`]: those reports as a page for admins at `/dashboard`, with charts and the funnel
//!   drawn by the service as SVG, and CSV downloads;
//! - [`store`]: persistence through sqlx, SQLite and PostgreSQL;
//! - [`survey`]: the end-of-call satisfaction survey: which calls are asked (a hash of the call
//!   id against the flow's or the policy's rate), its session keys;
//! - [`caller`]: a simulated caller (`ivrpay call`, tests, load) and its strict TwiML reader;
//! - [`messages`]: receipts and reminders by SMS and email: templates, the outbox and its sender;
//! - [`metrics`]: Prometheus metrics (webhooks, calls in progress, payments, gateway latency,
//!   database pools, messages), each server with its own registry, served at `/metrics`;
//! - [`upkeep`]: background jobs: reconciling unsettled payments, closing silent calls, wiping card
//!   data, charging installments that fall due, purging step logs past their retention;
//! - [`load`]: the load tool (`ivrpay loadtest`), its yardstick (`ivrpay ceiling`), generated accounts;
//! - [`clock`], [`error`], [`telemetry`]: time, the error type, logging.

pub mod accounts;
pub mod agents;
pub mod app;
pub mod audio;
pub mod call_flows;
pub mod caller;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod collections;
pub mod config;
pub mod dashboard;
pub mod diagnostics;
pub mod error;
pub mod flow;
pub mod hours;
pub mod http;
pub mod language;
pub mod line;
pub mod load;
pub mod messages;
pub mod metrics;
pub(crate) mod named;
pub mod payments;
pub mod reports;
pub mod speech;
pub mod store;
pub mod survey;
pub mod telemetry;
pub mod telephony;
pub mod upkeep;
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
