//! Email through SMTP, with `lettre`: a plain-text and an HTML part, sent to one address (or
//! written as an `.eml` file to a folder, for the demo).

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::EmailSettings;

/// Why an email was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailError {
    /// Not sent, and sending again would not help (a bad address, refused for good).
    Rejected(String),
    /// Not sent; later may work (the server is down or busy).
    Unavailable(String),
}

/// Sends one email. Errors carry only SMTP codes and kinds, never addresses or text.
///
/// # Errors
/// See [`EmailError`].
pub async fn send(
    settings: &EmailSettings,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
) -> Result<(), EmailError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|_| EmailError::Rejected("the From address does not parse".into()))?;
    let to: Mailbox = to
        .parse()
        .map_err(|_| EmailError::Rejected("the address does not parse".into()))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(
            text.to_owned(),
            html.to_owned(),
        ))
        .map_err(|_| EmailError::Rejected("the message could not be built".into()))?;
    // `file:///a/folder` writes each message there as an `.eml` file instead: the demo's mail,
    // readable without a mail server.
    if let Some(folder) = settings.smtp_url.expose_secret().strip_prefix("file://") {
        return AsyncFileTransport::<Tokio1Executor>::new(folder)
            .send(message)
            .await
            .map(|_| ())
            .map_err(|_| EmailError::Unavailable("could not write to the mail folder".into()));
    }
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose_secret())
            .map_err(|_| EmailError::Rejected("IVRPAY_SMTP_URL does not parse".into()))?
            .timeout(Some(std::time::Duration::from_secs(15)))
            .build();
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_permanent() => Err(EmailError::Rejected(format!(
            "smtp {}",
            err.status()
                .map_or_else(|| "permanent".into(), |c| c.to_string())
        ))),
        Err(err) if err.is_transient() => Err(EmailError::Unavailable(format!(
            "smtp {}",
            err.status()
                .map_or_else(|| "transient".into(), |c| c.to_string())
        ))),
        Err(_) => Err(EmailError::Unavailable(
            "could not reach the mail server".into(),
        )),
    }
}
