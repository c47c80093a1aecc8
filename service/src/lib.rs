//! ivrpay, the service: pay-by-phone. A telephony provider posts webhooks as a call goes on; we
//! answer with voice XML that walks the caller through identification, their balance and a
//! payment by card, and we record every call. What the line says and decides is the core
//! ([`ivrpay_core`], re-exported here module by module); this crate runs it behind HTTP, keeps its
//! state in SQLite or PostgreSQL, sends what it owes, and serves the console and dashboard. The
//! simulated caller and the load tools are `ivrpay-simulators`.
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
//! - [`calls`]: one webhook of a call: transaction, replay of retries, sealed values, actions;
//! - [`accounts`]: the core's credentials and keyed hashes, and CSV import;
//! - [`agents`]: the agent console: agents and their Argon2id passwords, sign-in (throttled),
//!   sessions kept in the database, CSRF, and the console at `/agent` with its live screen-pop of
//!   transfers (claim, disposition) and the open callbacks ("Done" with a note);
//! - [`collections`]: the core's rules, and charging what falls due (`arrangements run-due`);
//! - [`reports`]: calls, containment, transfers, payments, arrangements, lockouts, the survey and
//!   the drop-off funnel for a period, counted in SQL on both backends (`ivrpay report`,
//!   `GET /api/reports`), and generated calls to time them on;
//! - [`dashboard`]: those reports as a page for admins at `/dashboard`, with charts and the funnel
//!   drawn by the service as SVG, and CSV downloads;
//! - [`store`]: persistence through sqlx, SQLite and PostgreSQL;
//! - [`messages`]: receipts and reminders by SMS and email: the core's templates, the outbox and
//!   its sender;
//! - [`metrics`]: Prometheus metrics (webhooks, calls in progress, payments, gateway latency,
//!   database pools, messages), each server with its own registry, served at `/metrics`;
//! - [`upkeep`]: background jobs: reconciling unsettled payments, closing silent calls, wiping card
//!   data, charging installments that fall due, purging step logs past their retention;
//! - [`error`], [`telemetry`]: the error type, logging.
//!
//! From the core, under the same names: [`flow`], [`call_flows`], [`telephony`], [`voice`],
//! [`speech`], [`audio`], [`payments`], [`hours`], [`survey`], [`diagnostics`], [`language`],
//! [`clock`], and the HTTP client ([`http_client`]).

pub use ivrpay_core::{
    audio, call_flows, clock, diagnostics, flow, hours, http_client, http_client_builder,
    install_crypto_provider, language, payments, speech, survey, telephony, voice,
};

pub mod accounts;
pub mod agents;
pub mod app;
pub mod calls;
pub mod cli;
pub mod collections;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod http;
pub mod line;
pub mod messages;
pub mod metrics;
pub mod pay_links;
pub mod reports;
pub mod store;
pub mod telemetry;
pub mod upkeep;
