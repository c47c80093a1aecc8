//! What a provider can do beyond answering its webhooks, each a capability a dialect offers or
//! not ([`crate::telephony::Dialect::call_control`], [`crate::telephony::Dialect::recording_control`],
//! [`crate::telephony::Dialect::texting`]). The rest of the service asks for a capability, never
//! for a provider by name: a provider without call control gets plain transfers, one without
//! recording control leaves card entry as the flow says, one without texting sends no texts.
//!
//! Failures are sorted by what the caller can do next ([`ProviderError`]): give up (the provider
//! refused), try later (nothing was done), or find out first (the request went out and no answer
//! came; a blind retry might send a second text).

use std::future::Future;
use std::pin::Pin;

/// An answer from a provider's API, boxed so capabilities can be trait objects.
pub type ProviderFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ProviderError>> + Send + 'a>>;

/// Why a request to a provider's API did not succeed. Errors carry only statuses and the
/// provider's numeric codes, never what was sent (numbers, text, credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request: sending again would not help (bad number, bad
    /// credentials, an id that is not one).
    #[error("the provider refused the request: {0}")]
    Rejected(String),
    /// Nothing was done and trying later may work: could not connect, rate limited, 5xx.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// The request went out but no answer came (timeout, connection cut): it may or may not have
    /// been acted on.
    #[error("the provider's answer is unknown: {0}")]
    Unknown(String),
    /// Recording control only: the call has no recording in progress.
    #[error("the call has no recording in progress")]
    NoRecording,
}

/// A call placed by [`CallControl::place_call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingCall<'a> {
    /// The number to ring.
    pub to: &'a str,
    /// One of the line's numbers, shown as caller ID.
    pub from: &'a str,
    /// Where the provider fetches the call's instructions once it is answered.
    pub url: &'a str,
    /// Seconds to ring before giving up.
    pub timeout_seconds: u32,
    /// Where the provider posts the call's end (answered or not).
    pub status_callback: &'a str,
}

/// Placing, moving and ending calls while they are in progress: what transfers that wait in a
/// conference room (hold audio while an agent is rung) and agent-assisted card entry need.
pub trait CallControl: Send + Sync {
    /// Rings `call.to`; the new call's id.
    fn place_call<'a>(&'a self, call: &'a OutgoingCall<'a>) -> ProviderFuture<'a, String>;

    /// Moves call `call_id` to the instructions at `url`.
    fn redirect_call<'a>(&'a self, call_id: &'a str, url: &'a str) -> ProviderFuture<'a, ()>;

    /// Hangs up call `call_id`.
    fn hang_up_call<'a>(&'a self, call_id: &'a str) -> ProviderFuture<'a, ()>;
}

/// What [`RecordingControl::set_recording`] does to a call's current recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingState {
    /// Stop recording while the caller keys in card data; the paused stretch is left out of the
    /// file rather than kept as silence.
    Paused,
    /// Record again.
    InProgress,
}

/// Controlling a call's recordings: pausing the call's recording around card entry (PCI DSS),
/// and recording exactly one passage, such as a bank debit's spoken authorisation (NACHA TEL).
pub trait RecordingControl: Send + Sync {
    /// Pauses or resumes the recording of call `call_id`.
    fn set_recording<'a>(
        &'a self,
        call_id: &'a str,
        state: RecordingState,
    ) -> ProviderFuture<'a, ()>;

    /// Starts a recording of call `call_id` of its own; the provider's id of it.
    fn start_recording<'a>(&'a self, call_id: &'a str) -> ProviderFuture<'a, String>;

    /// Stops the recording `recording_id` started on call `call_id`; it is kept.
    fn stop_recording<'a>(
        &'a self,
        call_id: &'a str,
        recording_id: &'a str,
    ) -> ProviderFuture<'a, ()>;
}

/// A text message sent by [`Texting::send_text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingText<'a> {
    /// The recipient's number.
    pub to: &'a str,
    /// One of the line's numbers, or the provider's sender id.
    pub from: &'a str,
    /// The message.
    pub body: &'a str,
    /// Where the provider posts the message's progress, if anywhere.
    pub status_callback: Option<&'a str>,
}

/// Sending text messages (receipts and reminders by SMS).
pub trait Texting: Send + Sync {
    /// Sends `text`; the provider's id of the message, which its status callbacks name.
    fn send_text<'a>(&'a self, text: &'a OutgoingText<'a>) -> ProviderFuture<'a, String>;
}
