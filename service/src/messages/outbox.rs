//! The sender: delivers queued messages, claiming each one first so that any number of
//! instances send it once, and keeps trying with backoff while the SMS provider or the mail
//! server is down. A message that may have gone out but whose answer was lost is never sent
//! again (`unknown`): a duplicate receipt is not worth the risk of a duplicate text.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::AppError;
use crate::line::Line;
use crate::messages::MessagingSettings;
use crate::metrics::Metrics;
use crate::store::{LeasedMessage, SendOutcome, Store};
use crate::telephony::capabilities::{OutgoingText, ProviderError};
use crate::telephony::registry::Providers;

/// What the sender uses, and nothing else.
#[derive(Clone)]
pub struct Outbox {
    /// Where messages wait.
    pub store: Store,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// The providers, one of which may send texts.
    pub providers: Providers,
    /// The public base URL, for the texts' status callbacks.
    pub public_url: Arc<str>,
    /// The channels and how long to keep trying.
    pub messaging: MessagingSettings,
    /// Where sends are counted.
    pub metrics: Arc<Metrics>,
}

impl Outbox {
    /// The line's sender.
    pub fn of(line: &Line) -> Outbox {
        Outbox {
            store: line.store.clone(),
            clock: line.clock.clone(),
            providers: line.providers.clone(),
            public_url: line.public_url.clone(),
            messaging: line.config.messaging.clone(),
            metrics: line.metrics.clone(),
        }
    }
}

/// Most messages one pass sends.
const BATCH: i64 = 100;

/// The first retry's wait; each later one doubles, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);

/// A claim older than this belongs to a sender that died mid-send.
const CLAIM_STALE: Duration = Duration::from_secs(5 * 60);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Accepted by the provider or the mail server.
    pub sent: u64,
    /// Not sent yet; tried again later.
    pub retrying: u64,
    /// Refused or given up.
    pub failed: u64,
    /// Not sent: the number opted out.
    pub suppressed: u64,
}

/// How long to wait before try `attempts + 1`.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    FIRST_BACKOFF
        .checked_mul(2u32.saturating_pow(doublings))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF)
}

/// Sends what is due.
///
/// # Errors
/// A database failure (what was sent before it is recorded).
pub async fn run_once(app: &Outbox) -> Result<Report, AppError> {
    let mut report = Report::default();
    let now = app.clock.now_ms();
    let stale_before = now - CLAIM_STALE.as_millis() as i64;
    for message in app.store.lease_messages(now, stale_before, BATCH).await? {
        let outcome = deliver(app, &message).await?;
        match outcome {
            Delivered::Sent(_) => report.sent += 1,
            Delivered::Retry(_) => report.retrying += 1,
            Delivered::Failed(_) | Delivered::Unknown(_) => report.failed += 1,
            Delivered::Suppressed => report.suppressed += 1,
        }
        let now = app.clock.now_ms();
        let recorded = match &outcome {
            Delivered::Sent(id) => SendOutcome::Sent {
                provider_id: id.as_deref(),
            },
            Delivered::Retry(error) => SendOutcome::Retry {
                at: now + backoff(message.attempts).as_millis() as i64,
                error,
            },
            Delivered::Failed(error) => SendOutcome::Failed { error },
            Delivered::Suppressed => SendOutcome::Suppressed,
            Delivered::Unknown(error) => SendOutcome::Unknown { error },
        };
        app.store.finish_message(&message, recorded, now).await?;
        app.metrics.message(&message.channel, outcome.name());
        tracing::info!(
            message = message.id,
            channel = %message.channel,
            attempt = message.attempts + 1,
            result = outcome.name(),
            "message"
        );
    }
    Ok(report)
}

enum Delivered {
    Sent(Option<String>),
    Retry(String),
    Failed(String),
    Suppressed,
    Unknown(String),
}

impl Delivered {
    fn name(&self) -> &'static str {
        match self {
            Delivered::Sent(_) => "sent",
            Delivered::Retry(_) => "retry",
            Delivered::Failed(_) => "failed",
            Delivered::Suppressed => "suppressed",
            Delivered::Unknown(_) => "unknown",
        }
    }
}

async fn deliver(app: &Outbox, message: &LeasedMessage) -> Result<Delivered, AppError> {
    let settings = &app.messaging;
    let age = app.clock.now_ms() - message.created_at;
    if age > settings.give_up_after.as_millis() as i64 {
        return Ok(Delivered::Failed("gave_up".into()));
    }
    Ok(match message.channel.as_str() {
        "sms" => {
            let Some(sms) = &settings.sms else {
                return Ok(Delivered::Retry("sms_not_configured".into()));
            };
            // Checked at the moment of sending: a STOP that arrived after the message was
            // queued still holds.
            if app.store.sms_opted_out(&message.recipient).await? {
                return Ok(Delivered::Suppressed);
            }
            let Some((dialect, texting)) = app.providers.texting() else {
                return Ok(Delivered::Retry("no_provider_sends_texts".into()));
            };
            let callback = format!(
                "{}{}",
                app.public_url,
                dialect.path(crate::telephony::Event::TextStatus)
            );
            let text = OutgoingText {
                to: &message.recipient,
                from: &sms.from,
                body: &message.body_text,
                status_callback: Some(&callback),
            };
            match texting.send_text(&text).await {
                Ok(sid) => Delivered::Sent(Some(sid)),
                Err(ProviderError::Unavailable(why)) => Delivered::Retry(why),
                Err(ProviderError::Rejected(why)) => Delivered::Failed(why),
                Err(ProviderError::Unknown(why)) => Delivered::Unknown(why),
                Err(ProviderError::NoRecording) => Delivered::Failed("unexpected answer".into()),
            }
        }
        "email" => {
            let Some(email) = &settings.email else {
                return Ok(Delivered::Retry("email_not_configured".into()));
            };
            match super::email::send(
                email,
                &message.recipient,
                message.subject.as_deref().unwrap_or_default(),
                &message.body_text,
                message.body_html.as_deref().unwrap_or_default(),
            )
            .await
            {
                Ok(()) => Delivered::Sent(None),
                Err(super::email::EmailError::Unavailable(why)) => Delivered::Retry(why),
                Err(super::email::EmailError::Rejected(why)) => Delivered::Failed(why),
            }
        }
        other => Delivered::Failed(format!("unknown channel {other}")),
    })
}

/// Runs [`run_once`] every `interval` until `shutdown` completes.
pub async fn run_until(app: Outbox, interval: Duration, shutdown: impl Future<Output = ()> + Send) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {}
        }
        if let Err(err) = run_once(&app).await {
            tracing::warn!(error = %err, "sending messages failed; trying again later");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_half_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(480));
        assert_eq!(backoff(6), Duration::from_secs(30 * 60));
        assert_eq!(backoff(1000), Duration::from_secs(30 * 60));
    }
}
