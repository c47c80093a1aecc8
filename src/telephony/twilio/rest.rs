//! Twilio's REST API: texts (Messaging) and pausing a call's recording.
//!
//! Errors carry the HTTP status and Twilio's numeric error code only: never a phone number, a
//! message body, Twilio's free text or a credential.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// How requests authenticate.
pub enum RestAuth {
    /// The account's auth token (HTTP Basic with the account SID).
    AuthToken(SecretString),
    /// An API key (HTTP Basic with the key's SID).
    ApiKey {
        /// `SK...`
        sid: String,
        /// The key's secret.
        secret: SecretString,
    },
}

/// A call's recording state to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingState {
    /// Paused, skipping the paused audio.
    Paused,
    /// Recording again.
    InProgress,
}

/// Why a request did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// Twilio refused it (4xx other than 429): sending again would not help.
    #[error("twilio refused the request: {0}")]
    Rejected(String),
    /// Nothing was done; later may work (no connection, 429, 5xx).
    #[error("twilio is unavailable: {0}")]
    Unavailable(String),
    /// The request went out and no answer came: it may or may not have been acted on.
    #[error("no answer from twilio: {0}")]
    Unknown(String),
    /// The call has no recording in progress.
    #[error("the call has no recording in progress")]
    NoRecording,
}

/// A client of one Twilio account.
pub struct TwilioRest {
    base_url: String,
    account_sid: String,
    auth: RestAuth,
    timeout: Duration,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    code: Option<i64>,
}

impl TwilioRest {
    /// A client calling `base_url` (e.g. `https://api.twilio.com`) for `account_sid`.
    pub fn new(
        base_url: String,
        account_sid: String,
        auth: RestAuth,
        timeout: Duration,
        http: reqwest::Client,
    ) -> TwilioRest {
        TwilioRest {
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid,
            auth,
            timeout,
            http,
        }
    }

    /// Sends a text; returns its Message SID.
    ///
    /// # Errors
    /// See [`RestError`].
    pub async fn send_sms(
        &self,
        to: &str,
        from: &str,
        body: &str,
        status_callback: Option<&str>,
    ) -> Result<String, RestError> {
        let sender = if from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let mut form = vec![("To", to), (sender, from), ("Body", body)];
        if let Some(url) = status_callback {
            form.push(("StatusCallback", url));
        }
        let path = format!("/2010-04-01/Accounts/{}/Messages.json", self.account_sid);
        let bytes = self.post(&path, &form).await?;
        serde_json::from_slice::<Created>(&bytes)
            .map(|created| created.sid)
            .map_err(|_| RestError::Unknown("unreadable answer".into()))
    }

    /// Pauses or resumes the call's current recording.
    ///
    /// # Errors
    /// See [`RestError`]; [`RestError::NoRecording`] when nothing is being recorded.
    pub async fn set_recording(
        &self,
        call_sid: &str,
        state: RecordingState,
    ) -> Result<(), RestError> {
        let form: &[(&str, &str)] = match state {
            RecordingState::Paused => &[("Status", "paused"), ("PauseBehavior", "skip")],
            RecordingState::InProgress => &[("Status", "in-progress")],
        };
        let path = format!(
            "/2010-04-01/Accounts/{}/Calls/{call_sid}/Recordings/Twilio.CURRENT.json",
            self.account_sid
        );
        self.post(&path, form).await.map(drop)
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Vec<u8>, RestError> {
        let (user, password) = match &self.auth {
            RestAuth::AuthToken(token) => (self.account_sid.as_str(), token.expose_secret()),
            RestAuth::ApiKey { sid, secret } => (sid.as_str(), secret.expose_secret()),
        };
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .basic_auth(user, Some(password))
            .timeout(self.timeout)
            .form(form)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    RestError::Unavailable("could not connect".into())
                } else {
                    RestError::Unknown(
                        if e.is_timeout() {
                            "timed out"
                        } else {
                            "cut off"
                        }
                        .into(),
                    )
                }
            })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|_| RestError::Unknown("answer cut off".into()))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let code = serde_json::from_slice::<ErrorBody>(&bytes)
            .unwrap_or_default()
            .code
            .map_or_else(|| "-".to_owned(), |c| c.to_string());
        let detail = format!("HTTP {} code {code}", status.as_u16());
        Err(if status.as_u16() == 404 && path.contains("/Recordings/") {
            RestError::NoRecording
        } else if status.as_u16() == 429 || status.is_server_error() {
            RestError::Unavailable(detail)
        } else {
            RestError::Rejected(detail)
        })
    }
}
