//! Telnyx's TeXML dialect: the TwiML family's verbs, with webhooks signed with Ed25519 over the
//! timestamp and the raw body (`telnyx-signature-ed25519`, `telnyx-timestamp`).
//!
//! So far its signature check ([`signature`]); the dialect, its settings (`TELNYX_PUBLIC_KEY`)
//! and its simulator come next (issue 28).

pub mod signature;
