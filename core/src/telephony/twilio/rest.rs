//! Calls to Twilio's REST API (as opposed to answering its webhooks): sending an SMS, and pausing
//! or resuming a call's recording while the caller keys in card data.
//!
//! Requests authenticate with HTTP Basic, either as the account (`AccountSid:AuthToken`) or with
//! an API key (`ApiKeySid:ApiKeySecret`), and go to `{base_url}/2010-04-01/Accounts/{AccountSid}/...`
//! with a per-request timeout.
//!
//! It is how the Twilio dialect offers its capabilities ([`CallControl`], [`RecordingControl`],
//! [`Texting`]); failures are sorted by what the caller can do next ([`ProviderError`]).
//!
//! Phone numbers, message text and credentials go into the request and nowhere else: errors and
//! log lines carry only the HTTP status and Twilio's numeric error `code`. Twilio's free-text
//! `message` is not even read, since it can quote what was sent.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::telephony::capabilities::{
    CallControl, OutgoingCall, OutgoingText, ProviderError, ProviderFuture, RecordingControl,
    RecordingState, Texting,
};

/// Twilio's production API.
pub const TWILIO_API_BASE: &str = "https://api.twilio.com";

/// Who the requests authenticate as.
#[derive(Debug, Clone)]
pub enum RestAuth {
    /// The account itself: the username is the account SID.
    AuthToken(SecretString),
    /// A Twilio API key (`SK...`), which can be revoked without changing the auth token.
    ApiKey { sid: String, secret: SecretString },
}

/// A client for one Twilio account's REST API.
#[derive(Debug, Clone)]
pub struct TwilioRest {
    /// E.g. [`TWILIO_API_BASE`], without a trailing slash.
    base_url: String,
    /// `AC...`, the account every request's path names.
    account_sid: String,
    /// Credentials for HTTP Basic auth.
    auth: RestAuth,
    /// Bounds each request from sending to the end of the answer.
    timeout: Duration,
    /// Shared client (connection pool).
    http: reqwest::Client,
}

/// Twilio's error body, e.g. `{"code": 21211, "message": "...", "status": 400}`. Only the numeric
/// code is read: the message is free text that can quote the request.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct MessageResource {
    sid: String,
}

/// Twilio's answer: its status and, unless the connection broke while it was read, its body.
struct Answer {
    status: StatusCode,
    body: Option<Vec<u8>>,
}

impl TwilioRest {
    /// A client for the account `account_sid` at `base_url` (e.g. [`TWILIO_API_BASE`]), giving
    /// each request `timeout` to be answered.
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

    /// Sends an SMS `body` from `from` (one of the account's numbers) to `to`; Twilio posts the
    /// message's progress to `status_callback` if given. Returns the Message SID (`SM...`).
    ///
    /// # Errors
    /// See [`ProviderError`]. A success whose answer cannot be read is [`ProviderError::Unknown`]: the
    /// message was accepted, so it must not simply be sent again.
    pub async fn send_sms(
        &self,
        to: &str,
        from: &str,
        body: &str,
        status_callback: Option<&str>,
    ) -> Result<String, ProviderError> {
        let mut form = vec![("To", to), ("From", from), ("Body", body)];
        if let Some(url) = status_callback {
            form.push(("StatusCallback", url));
        }
        let path = format!("{}/Messages.json", self.account_path()?);
        let answer = self.post("send_sms", &path, &form).await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        let unreadable =
            || ProviderError::Unknown("twilio accepted the message; its sid is unreadable".into());
        let body = answer.body.ok_or_else(unreadable)?;
        // serde's message is dropped: it can quote the body.
        let message: MessageResource = serde_json::from_slice(&body).map_err(|_| unreadable())?;
        if is_sid(&message.sid, "SM") || is_sid(&message.sid, "MM") {
            Ok(message.sid)
        } else {
            Err(unreadable())
        }
    }

    /// Pauses (leaving the pause out) or resumes the recording in progress on call `call_sid`
    /// (`Twilio.CURRENT`, so the recording's own SID is not needed).
    ///
    /// # Errors
    /// [`ProviderError::NoRecording`] when Twilio answers 404 (no recording in progress, or no such
    /// call); otherwise see [`ProviderError`].
    pub async fn set_recording(
        &self,
        call_sid: &str,
        state: RecordingState,
    ) -> Result<(), ProviderError> {
        // The SID goes into the path, so only a well-formed one is sent.
        if !is_sid(call_sid, "CA") {
            return Err(ProviderError::Rejected("not a call sid".into()));
        }
        let form: &[(&str, &str)] = match state {
            RecordingState::Paused => &[("Status", "paused"), ("PauseBehavior", "skip")],
            RecordingState::InProgress => &[("Status", "in-progress")],
        };
        let path = format!(
            "{}/Calls/{call_sid}/Recordings/Twilio.CURRENT.json",
            self.account_path()?
        );
        let answer = self.post("set_recording", &path, form).await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Err(ProviderError::NoRecording),
            _ => Err(refusal(&answer)),
        }
    }

    /// Starts a recording of both sides of call `call_sid` (the evidence of a bank debit's
    /// authorisation, say), beside any recording already in progress. Returns its SID (`RE...`).
    ///
    /// # Errors
    /// See [`ProviderError`]; a success whose answer cannot be read is [`ProviderError::Unknown`].
    pub async fn start_recording(&self, call_sid: &str) -> Result<String, ProviderError> {
        if !is_sid(call_sid, "CA") {
            return Err(ProviderError::Rejected("not a call sid".into()));
        }
        let path = format!("{}/Calls/{call_sid}/Recordings.json", self.account_path()?);
        let form = [("RecordingChannels", "dual"), ("RecordingTrack", "both")];
        let answer = self.post("start_recording", &path, &form).await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        let unreadable =
            || ProviderError::Unknown("twilio started a recording; its sid is unreadable".into());
        let body = answer.body.ok_or_else(unreadable)?;
        let recording: MessageResource = serde_json::from_slice(&body).map_err(|_| unreadable())?;
        if is_sid(&recording.sid, "RE") {
            Ok(recording.sid)
        } else {
            Err(unreadable())
        }
    }

    /// Stops recording `recording_sid` of call `call_sid`; the recording is kept.
    ///
    /// # Errors
    /// [`ProviderError::NoRecording`] when Twilio answers 404 (it ended already, with the call);
    /// otherwise see [`ProviderError`].
    pub async fn stop_recording(
        &self,
        call_sid: &str,
        recording_sid: &str,
    ) -> Result<(), ProviderError> {
        if !is_sid(call_sid, "CA") || !is_sid(recording_sid, "RE") {
            return Err(ProviderError::Rejected(
                "not a call or recording sid".into(),
            ));
        }
        let path = format!(
            "{}/Calls/{call_sid}/Recordings/{recording_sid}.json",
            self.account_path()?
        );
        let answer = self
            .post("stop_recording", &path, &[("Status", "stopped")])
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Err(ProviderError::NoRecording),
            _ => Err(refusal(&answer)),
        }
    }

    /// Places a call (to an agent's line, for a caller waiting in a conference). Returns the new
    /// call's SID (`CA...`).
    ///
    /// # Errors
    /// See [`ProviderError`]; a success whose answer cannot be read is [`ProviderError::Unknown`].
    pub async fn place_call(&self, call: &OutgoingCall<'_>) -> Result<String, ProviderError> {
        let timeout = call.timeout_seconds.to_string();
        let form = [
            ("To", call.to),
            ("From", call.from),
            ("Url", call.url),
            ("Method", "POST"),
            ("Timeout", timeout.as_str()),
            ("StatusCallback", call.status_callback),
            ("StatusCallbackMethod", "POST"),
        ];
        let path = format!("{}/Calls.json", self.account_path()?);
        let answer = self.post("place_call", &path, &form).await?;
        if !answer.status.is_success() {
            return Err(refusal(&answer));
        }
        let unreadable =
            || ProviderError::Unknown("twilio placed the call; its sid is unreadable".into());
        let body = answer.body.ok_or_else(unreadable)?;
        let placed: MessageResource = serde_json::from_slice(&body).map_err(|_| unreadable())?;
        if is_sid(&placed.sid, "CA") {
            Ok(placed.sid)
        } else {
            Err(unreadable())
        }
    }

    /// Moves call `call_sid` on to the instructions at `url` (what it was doing stops: the caller
    /// leaves a conference, for instance).
    ///
    /// # Errors
    /// See [`ProviderError`].
    pub async fn redirect_call(&self, call_sid: &str, url: &str) -> Result<(), ProviderError> {
        self.update_call(
            call_sid,
            "redirect_call",
            &[("Url", url), ("Method", "POST")],
        )
        .await
    }

    /// Updates call `call_sid` with `form` (Twilio's "Update a Call").
    async fn update_call(
        &self,
        call_sid: &str,
        operation: &'static str,
        form: &[(&str, &str)],
    ) -> Result<(), ProviderError> {
        // The SID goes into the path, so only a well-formed one is sent.
        if !is_sid(call_sid, "CA") {
            return Err(ProviderError::Rejected("not a call sid".into()));
        }
        let path = format!("{}/Calls/{call_sid}.json", self.account_path()?);
        let answer = self.post(operation, &path, form).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(refusal(&answer))
        }
    }

    /// Hangs up call `call_sid`, ringing or in progress.
    ///
    /// # Errors
    /// See [`ProviderError`].
    pub async fn hang_up_call(&self, call_sid: &str) -> Result<(), ProviderError> {
        self.update_call(call_sid, "hang_up_call", &[("Status", "completed")])
            .await
    }

    /// `/2010-04-01/Accounts/{AccountSid}`, once the SID is known to be one (it goes into the path).
    fn account_path(&self) -> Result<String, ProviderError> {
        if is_sid(&self.account_sid, "AC") {
            Ok(format!("/2010-04-01/Accounts/{}", self.account_sid))
        } else {
            Err(ProviderError::Rejected(
                "the account sid is not AC and 32 hex digits".into(),
            ))
        }
    }

    /// POSTs `form` to `path` and reads the answer, whatever its status.
    ///
    /// # Errors
    /// When no answer came: [`ProviderError::Unavailable`] if nothing was sent, else
    /// [`ProviderError::Unknown`].
    async fn post(
        &self,
        operation: &'static str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Answer, ProviderError> {
        let (username, password) = match &self.auth {
            RestAuth::AuthToken(token) => (self.account_sid.as_str(), token),
            RestAuth::ApiKey { sid, secret } => (sid.as_str(), secret),
        };
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .basic_auth(username, Some(password.expose_secret()))
            .timeout(self.timeout)
            .form(form)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        // A body cut off mid-way still leaves the status to go by.
        let body = response.bytes().await.ok().map(Vec::from);
        let answer = Answer { status, body };
        tracing::info!(
            provider = "twilio",
            operation,
            status = status.as_u16(),
            code = error_code(&answer).unwrap_or_default(),
            "twilio answered"
        );
        Ok(answer)
    }
}

impl CallControl for TwilioRest {
    fn place_call<'a>(&'a self, call: &'a OutgoingCall<'a>) -> ProviderFuture<'a, String> {
        Box::pin(TwilioRest::place_call(self, call))
    }

    fn redirect_call<'a>(&'a self, call_id: &'a str, url: &'a str) -> ProviderFuture<'a, ()> {
        Box::pin(TwilioRest::redirect_call(self, call_id, url))
    }

    fn hang_up_call<'a>(&'a self, call_id: &'a str) -> ProviderFuture<'a, ()> {
        Box::pin(TwilioRest::hang_up_call(self, call_id))
    }
}

impl RecordingControl for TwilioRest {
    fn set_recording<'a>(
        &'a self,
        call_id: &'a str,
        state: RecordingState,
    ) -> ProviderFuture<'a, ()> {
        Box::pin(TwilioRest::set_recording(self, call_id, state))
    }

    fn start_recording<'a>(&'a self, call_id: &'a str) -> ProviderFuture<'a, String> {
        Box::pin(TwilioRest::start_recording(self, call_id))
    }

    fn stop_recording<'a>(
        &'a self,
        call_id: &'a str,
        recording_id: &'a str,
    ) -> ProviderFuture<'a, ()> {
        Box::pin(TwilioRest::stop_recording(self, call_id, recording_id))
    }
}

impl Texting for TwilioRest {
    fn send_text<'a>(&'a self, text: &'a OutgoingText<'a>) -> ProviderFuture<'a, String> {
        Box::pin(self.send_sms(text.to, text.from, text.body, text.status_callback))
    }
}

/// Maps reqwest's failure to send or to be answered. Its own message is not used: it carries the
/// URL, and nothing of it is needed.
fn transport_error(e: reqwest::Error) -> ProviderError {
    // Checked before the timeout: a connection that was never made (even one that timed out
    // connecting) carried nothing to Twilio.
    if e.is_connect() {
        ProviderError::Unavailable("could not connect to twilio".into())
    } else if e.is_builder() {
        ProviderError::Rejected("the request could not be built (is the base url right?)".into())
    } else if e.is_timeout() {
        ProviderError::Unknown("no answer from twilio in time".into())
    } else {
        ProviderError::Unknown("the connection to twilio broke before an answer came".into())
    }
}

/// What an answer other than a success means (404 on a recording is handled by the caller).
fn refusal(answer: &Answer) -> ProviderError {
    let status = answer.status;
    let detail = match error_code(answer) {
        Some(code) => format!("HTTP {} code {code}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    };
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        ProviderError::Rejected(detail)
    } else {
        ProviderError::Unavailable(detail)
    }
}

/// Twilio's numeric error code, when the body is an error body that has one.
fn error_code(answer: &Answer) -> Option<u64> {
    if answer.status.is_success() {
        return None;
    }
    let body = answer.body.as_deref()?;
    serde_json::from_slice::<ErrorBody>(body).ok()?.code
}

/// Whether `text` is `prefix` and 32 hex digits, as Twilio's SIDs are.
fn is_sid(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use http::header::AUTHORIZATION;
    use http_body_util::{BodyExt, Full};
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;

    use super::*;

    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    const CALL: &str = "CAfedcba9876543210fedcba9876543210";
    const TO: &str = "+15552126618";
    const FROM: &str = "+18005550100";
    const TEXT: &str = "Your payment of $12.34 was received";
    /// `base64("AC0123456789abcdef0123456789abcdef:auth-token-secret")`
    const ACCOUNT_BASIC: &str =
        "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjphdXRoLXRva2VuLXNlY3JldA==";
    /// `base64("SK0123456789abcdef0123456789abcdef:api-key-secret")`
    const API_KEY_BASIC: &str =
        "Basic U0swMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjphcGkta2V5LXNlY3JldA==";

    /// One request as the canned server saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        path: String,
        authorization: Option<String>,
        form: Vec<(String, String)>,
    }

    impl Seen {
        fn field(&self, name: &str) -> Option<&str> {
            self.form
                .iter()
                .find_map(|(k, v)| (k == name).then_some(v.as_str()))
        }
    }

    /// What the canned server does with the next request.
    #[derive(Clone, Copy)]
    enum Reply {
        Answer(u16, &'static str),
        /// Reads the request and never answers.
        Silence,
    }

    #[derive(Clone)]
    struct Canned {
        replies: Arc<Mutex<std::vec::IntoIter<Reply>>>,
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    async fn canned(
        canned: Canned,
        request: http::Request<hyper::body::Incoming>,
    ) -> Result<http::Response<Full<Bytes>>, hyper::Error> {
        let (parts, body) = request.into_parts();
        let body = body.collect().await?.to_bytes();
        canned.seen.lock().unwrap().push(Seen {
            path: parts.uri.path().to_owned(),
            authorization: parts
                .headers
                .get(AUTHORIZATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            form: form_urlencoded::parse(&body).into_owned().collect(),
        });
        let reply = canned.replies.lock().unwrap().next();
        match reply.expect("a reply for every request") {
            Reply::Answer(status, json) => Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(json.as_bytes())))
                .unwrap()),
            Reply::Silence => std::future::pending().await,
        }
    }

    /// An HTTP server (hyper's own: the core has no web framework) answering with `replies` in
    /// order; returns its base URL and what it saw.
    async fn canned_server(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Canned {
            replies: Arc::new(Mutex::new(replies.into_iter())),
            seen: Arc::default(),
        };
        let seen = state.seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| canned(state.clone(), request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (base, seen)
    }

    fn client(base: String, auth: RestAuth) -> TwilioRest {
        TwilioRest::new(
            format!("{base}/"),
            ACCOUNT.into(),
            auth,
            Duration::from_millis(500),
            crate::http_client(),
        )
    }

    fn account_auth() -> RestAuth {
        RestAuth::AuthToken(SecretString::from("auth-token-secret"))
    }

    const CREATED: &str =
        r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+15552126618"}"#;

    /// A Twilio error body whose message quotes what was sent, as Twilio's sometimes do.
    const BAD_NUMBER: &str = r#"{"code":21211,"message":"The 'To' number +15552126618 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#;

    #[tokio::test]
    async fn sms_posts_the_form_with_account_auth_and_returns_the_sid() {
        let (base, seen) = canned_server(vec![Reply::Answer(201, CREATED)]).await;
        let sid = client(base, account_auth())
            .send_sms(
                TO,
                FROM,
                TEXT,
                Some("https://ivrpay.example/sms/status?id=7"),
            )
            .await;
        assert_eq!(sid.as_deref(), Ok("SM0123456789abcdef0123456789abcdef"));
        let seen = seen.lock().unwrap().clone();
        let [request] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert_eq!(
            request.path,
            format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
        );
        assert_eq!(request.authorization.as_deref(), Some(ACCOUNT_BASIC));
        assert_eq!(request.field("To"), Some(TO));
        assert_eq!(request.field("From"), Some(FROM));
        assert_eq!(request.field("Body"), Some(TEXT));
        assert_eq!(
            request.field("StatusCallback"),
            Some("https://ivrpay.example/sms/status?id=7")
        );
    }

    #[tokio::test]
    async fn sms_without_a_status_callback_sends_none() {
        let (base, seen) = canned_server(vec![Reply::Answer(201, CREATED)]).await;
        client(base, account_auth())
            .send_sms(TO, FROM, TEXT, None)
            .await
            .unwrap();
        let seen = seen.lock().unwrap().clone();
        let names: Vec<&str> = seen[0].form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["To", "From", "Body"]);
    }

    #[tokio::test]
    async fn api_key_authenticates_as_the_key_on_the_account_path() {
        let (base, seen) = canned_server(vec![Reply::Answer(201, CREATED)]).await;
        let auth = RestAuth::ApiKey {
            sid: "SK0123456789abcdef0123456789abcdef".into(),
            secret: SecretString::from("api-key-secret"),
        };
        client(base, auth)
            .send_sms(TO, FROM, TEXT, None)
            .await
            .unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen[0].authorization.as_deref(), Some(API_KEY_BASIC));
        assert_eq!(
            seen[0].path,
            format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
        );
    }

    #[tokio::test]
    async fn refused_sms_is_rejected_with_status_and_code_only() {
        let (base, _seen) = canned_server(vec![Reply::Answer(400, BAD_NUMBER)]).await;
        let err = client(base, account_auth())
            .send_sms(TO, FROM, TEXT, None)
            .await
            .unwrap_err();
        assert_eq!(err, ProviderError::Rejected("HTTP 400 code 21211".into()));
        let text = format!("{err} {err:?}");
        for secret in [
            TO,
            "2126618",
            FROM,
            TEXT,
            "valid phone",
            "auth-token-secret",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[tokio::test]
    async fn bad_credentials_are_rejected() {
        let (base, _seen) = canned_server(vec![Reply::Answer(
            401,
            r#"{"code":20003,"message":"Authenticate","status":401}"#,
        )])
        .await;
        let err = client(base, account_auth())
            .send_sms(TO, FROM, TEXT, None)
            .await;
        assert_eq!(
            err,
            Err(ProviderError::Rejected("HTTP 401 code 20003".into()))
        );
    }

    #[tokio::test]
    async fn too_many_requests_and_server_errors_are_unavailable() {
        let (base, _seen) = canned_server(vec![
            Reply::Answer(
                429,
                r#"{"code":20429,"message":"Too Many Requests","status":429}"#,
            ),
            Reply::Answer(503, "<html>Service Unavailable</html>"),
            Reply::Answer(500, r#"{"code":20500,"message":"Internal Server Error"}"#),
        ])
        .await;
        let twilio = client(base, account_auth());
        let mut errors = Vec::new();
        for _ in 0..3 {
            errors.push(twilio.send_sms(TO, FROM, TEXT, None).await.unwrap_err());
        }
        assert_eq!(
            errors,
            [
                ProviderError::Unavailable("HTTP 429 code 20429".into()),
                ProviderError::Unavailable("HTTP 503".into()),
                ProviderError::Unavailable("HTTP 500 code 20500".into()),
            ]
        );
    }

    #[tokio::test]
    async fn refused_connection_is_unavailable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = client(base, account_auth())
            .send_sms(TO, FROM, TEXT, None)
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Unavailable(_)), "{err}");
    }

    #[tokio::test]
    async fn silent_server_is_unknown() {
        let (base, seen) = canned_server(vec![Reply::Silence]).await;
        let err = client(base, account_auth())
            .send_sms(TO, FROM, TEXT, None)
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Unknown(_)), "{err}");
        assert_eq!(seen.lock().unwrap().len(), 1, "the request did go out");
    }

    #[tokio::test]
    async fn accepted_sms_with_an_unreadable_answer_is_unknown() {
        let (base, _seen) = canned_server(vec![
            Reply::Answer(201, "not json"),
            Reply::Answer(201, r#"{"sid":"SM../../Calls"}"#),
        ])
        .await;
        let twilio = client(base, account_auth());
        for _ in 0..2 {
            let err = twilio.send_sms(TO, FROM, TEXT, None).await.unwrap_err();
            assert!(matches!(err, ProviderError::Unknown(_)), "{err}");
        }
    }

    #[tokio::test]
    async fn recording_is_paused_skipping_the_pause_then_resumed() {
        let recording = r#"{"sid":"RE0123456789abcdef0123456789abcdef","status":"paused"}"#;
        let (base, seen) = canned_server(vec![
            Reply::Answer(200, recording),
            Reply::Answer(200, recording),
        ])
        .await;
        let twilio = client(base, account_auth());
        assert_eq!(
            twilio.set_recording(CALL, RecordingState::Paused).await,
            Ok(())
        );
        assert_eq!(
            twilio.set_recording(CALL, RecordingState::InProgress).await,
            Ok(())
        );
        let seen = seen.lock().unwrap().clone();
        let [pause, resume] = &seen[..] else {
            panic!("{seen:?}")
        };
        for request in [pause, resume] {
            assert_eq!(
                request.path,
                format!(
                    "/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL}/Recordings/Twilio.CURRENT.json"
                )
            );
            assert_eq!(request.authorization.as_deref(), Some(ACCOUNT_BASIC));
        }
        let pairs = |seen: &Seen| seen.form.clone();
        let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        assert_eq!(
            pairs(pause),
            owned(&[("Status", "paused"), ("PauseBehavior", "skip")])
        );
        assert_eq!(pairs(resume), owned(&[("Status", "in-progress")]));
    }

    #[tokio::test]
    async fn recording_not_found_is_no_recording() {
        let (base, _seen) = canned_server(vec![Reply::Answer(
            404,
            r#"{"code":20404,"message":"The requested resource was not found","status":404}"#,
        )])
        .await;
        let err = client(base, account_auth())
            .set_recording(CALL, RecordingState::Paused)
            .await;
        assert_eq!(err, Err(ProviderError::NoRecording));
    }

    #[tokio::test]
    async fn recording_errors_other_than_not_found_are_classified_as_usual() {
        let (base, _seen) = canned_server(vec![
            Reply::Answer(400, r#"{"code":21220,"message":"Invalid call state"}"#),
            Reply::Answer(502, ""),
        ])
        .await;
        let twilio = client(base, account_auth());
        assert_eq!(
            twilio.set_recording(CALL, RecordingState::Paused).await,
            Err(ProviderError::Rejected("HTTP 400 code 21220".into()))
        );
        assert_eq!(
            twilio.set_recording(CALL, RecordingState::InProgress).await,
            Err(ProviderError::Unavailable("HTTP 502".into()))
        );
    }

    #[tokio::test]
    async fn malformed_sids_are_not_put_into_a_path() {
        let (base, seen) = canned_server(vec![]).await;
        let twilio = client(base.clone(), account_auth());
        for call_sid in [
            "",
            "CA123",
            "CA../../Messages.json?x=0123456789abcdef",
            &format!("{CALL}0"),
        ] {
            let err = twilio.set_recording(call_sid, RecordingState::Paused).await;
            assert_eq!(
                err,
                Err(ProviderError::Rejected("not a call sid".into())),
                "{call_sid:?}"
            );
        }
        let misconfigured = TwilioRest::new(
            base,
            "AC/../other".into(),
            account_auth(),
            Duration::from_millis(500),
            crate::http_client(),
        );
        let err = misconfigured.send_sms(TO, FROM, TEXT, None).await;
        assert!(matches!(err, Err(ProviderError::Rejected(_))), "{err:?}");
        assert!(seen.lock().unwrap().is_empty());
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let twilio = client(
            "http://127.0.0.1:9".into(),
            RestAuth::ApiKey {
                sid: "SK0123456789abcdef0123456789abcdef".into(),
                secret: SecretString::from("api-key-secret"),
            },
        );
        let text = format!("{twilio:?}");
        assert!(!text.contains("api-key-secret"), "{text}");
        let text = format!("{:?}", account_auth());
        assert!(!text.contains("auth-token-secret"), "{text}");
    }
}
