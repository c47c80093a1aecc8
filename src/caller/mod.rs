//! A caller without a phone: drives a running server's webhooks exactly as Twilio would (signed
//! form posts to the URLs in the TwiML), and records what the caller hears.
//!
//! `ivrpay call` uses it from the terminal; the black-box tests use it to walk whole calls.

pub mod twiml;

use crate::telephony::twilio;
use crate::voice::{self, Prompt, Verb};

/// Why a call could not go on.
#[derive(Debug, thiserror::Error)]
pub enum CallerError {
    /// The server could not be reached or answered with an error status.
    #[error("request to {url} failed: {detail}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// The server's answer was not TwiML we understand.
    #[error("the server's answer is not valid TwiML: {0}")]
    Twiml(String),
    /// Input was given where no question was pending.
    #[error("the call is not waiting for keys")]
    NotAsking,
}

/// One simulated call.
#[derive(Debug)]
pub struct Call {
    http: reqwest::Client,
    auth_token: Option<String>,
    /// The call id sent with every webhook.
    pub call_sid: String,
    from: String,
    to: String,
    gather_action: Option<String>,
    /// Whether an agent picks up when the flow transfers.
    pub agent_answers: bool,
    /// Everything said to the caller, in order; a recording as the words it says (its
    /// transcript, fetched from the server).
    pub heard: Vec<String>,
    /// The recordings among [`Call::heard`]: the line's index and the audio's URL.
    pub played: Vec<(usize, String)>,
    /// What the agent heard before being connected, for each transfer.
    pub agent_heard: Vec<String>,
    /// The number a transfer dialled, if any.
    pub transferred_to: Option<String>,
    /// The conference room the caller waits in (or went back to), hearing its hold audio, until
    /// the provider moves the call on (see [`Call::redirected`]).
    pub on_hold: Option<String>,
    /// Whether the call has ended.
    pub ended: bool,
    /// The raw TwiML of the last answer.
    pub last_twiml: String,
    /// Send every request to this base URL instead of the one in the URL, still signing the URL
    /// as given: reaches one instance directly behind a load balancer's public address.
    pub via: Option<(String, String)>,
    /// The provider the call pretends to come from: its paths and its signature.
    pub provider: SimulatedProvider,
    /// Whether the pending question listens for words too.
    listening: bool,
    /// When the call was placed: the status callback reports its duration, as providers do.
    started: std::time::Instant,
    /// Whether the end-of-call status callback has been sent (it is sent once).
    status_sent: bool,
}

/// Which provider a simulated call speaks as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimulatedProvider {
    /// Twilio: `/twilio/...`, `X-Twilio-Signature` with the auth token.
    #[default]
    Twilio,
    /// SignalWire: `/signalwire/...`, `X-SignalWire-Signature` with the signing key.
    SignalWire,
}

impl SimulatedProvider {
    fn name(self) -> &'static str {
        match self {
            SimulatedProvider::Twilio => "twilio",
            SimulatedProvider::SignalWire => "signalwire",
        }
    }

    fn signature(
        self,
        secret: &str,
        url: &str,
        params: &[(String, String)],
    ) -> (&'static str, String) {
        match self {
            SimulatedProvider::Twilio => (
                "X-Twilio-Signature",
                twilio::compute_signature(secret, url, params),
            ),
            SimulatedProvider::SignalWire => (
                "X-SignalWire-Signature",
                crate::telephony::signalwire::compute_signature(secret, url, params),
            ),
        }
    }
}

impl Call {
    /// Places a call: posts the voice webhook and follows the answer to the first question.
    ///
    /// # Errors
    /// The server is unreachable or answers with something other than TwiML.
    pub async fn dial(
        base_url: &str,
        auth_token: Option<&str>,
        call_sid: &str,
        from: &str,
        to: &str,
    ) -> Result<Call, CallerError> {
        let mut call = Call::new(crate::http_client(), auth_token, call_sid, from, to);
        call.start(base_url).await?;
        Ok(call)
    }

    /// A call not yet placed (set [`Call::via`] or [`Call::agent_answers`] first).
    pub fn new(
        http: reqwest::Client,
        auth_token: Option<&str>,
        call_sid: &str,
        from: &str,
        to: &str,
    ) -> Call {
        Call {
            http,
            auth_token: auth_token.map(str::to_owned),
            call_sid: call_sid.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            gather_action: None,
            agent_answers: true,
            heard: Vec::new(),
            played: Vec::new(),
            agent_heard: Vec::new(),
            transferred_to: None,
            on_hold: None,
            ended: false,
            last_twiml: String::new(),
            via: None,
            provider: SimulatedProvider::Twilio,
            listening: false,
            started: std::time::Instant::now(),
            status_sent: false,
        }
    }

    /// Places the call: posts the voice webhook to `base_url` and follows the answer.
    ///
    /// # Errors
    /// The server is unreachable or answers with something other than TwiML.
    pub async fn start(&mut self, base_url: &str) -> Result<(), CallerError> {
        let url = format!(
            "{}/{}/voice",
            base_url.trim_end_matches('/'),
            self.provider.name()
        );
        let response = self.post(&url, &[]).await?;
        self.follow(response).await
    }

    /// Answers the pending question with keys (`""` is silence) and follows the answer; returns
    /// what was said after the keys.
    ///
    /// # Errors
    /// No question is pending, or the server fails.
    pub async fn press(&mut self, keys: &str) -> Result<Vec<String>, CallerError> {
        let url = self.gather_action.take().ok_or(CallerError::NotAsking)?;
        let before = self.heard.len();
        let extra: Vec<(&str, &str)> = if keys.is_empty() {
            vec![]
        } else {
            vec![("Digits", keys)]
        };
        let response = self.post(&url, &extra).await?;
        self.follow(response).await?;
        Ok(self.heard[before..].to_vec())
    }

    /// Answers the pending question by voice, as the provider's recognizer would post it:
    /// `SpeechResult` with the words and `Confidence` (0.0 to 1.0, `None` to leave it out);
    /// returns what was said after.
    ///
    /// # Errors
    /// No question is pending, or the server fails.
    pub async fn say(
        &mut self,
        words: &str,
        confidence: Option<&str>,
    ) -> Result<Vec<String>, CallerError> {
        let url = self.gather_action.take().ok_or(CallerError::NotAsking)?;
        let before = self.heard.len();
        let mut extra = vec![("SpeechResult", words)];
        extra.extend(confidence.map(|c| ("Confidence", c)));
        let response = self.post(&url, &extra).await?;
        self.follow(response).await?;
        Ok(self.heard[before..].to_vec())
    }

    /// What the provider does when a call is updated through its REST API with a new URL (an agent
    /// sending the caller to key in a card, or the line taking a waiting caller out of a
    /// conference nobody joined): posts the call's fields to `url` and follows the answer. Returns
    /// what was said after.
    ///
    /// # Errors
    /// The server fails.
    pub async fn redirected(
        &mut self,
        url: &str,
        extra: &[(&str, &str)],
    ) -> Result<Vec<String>, CallerError> {
        self.gather_action = None;
        self.on_hold = None;
        let before = self.heard.len();
        let response = self.post(url, extra).await?;
        self.follow(response).await?;
        Ok(self.heard[before..].to_vec())
    }

    /// Whether the pending question also listens for words (`<Gather input="dtmf speech">`).
    pub fn listens(&self) -> bool {
        self.listening
    }

    /// Whether the call waits for keys.
    pub fn is_asking(&self) -> bool {
        self.gather_action.is_some()
    }

    /// The URL the pending question posts to.
    pub fn pending_action(&self) -> Option<&str> {
        self.gather_action.as_deref()
    }

    /// Everything heard so far, joined.
    pub fn transcript(&self) -> String {
        self.heard.join("\n")
    }

    /// Hangs up: sends the status callback a provider sends when the caller hangs up.
    ///
    /// # Errors
    /// The server fails.
    pub async fn hang_up(&mut self, base_url: &str) -> Result<(), CallerError> {
        self.gather_action = None;
        self.ended = true;
        self.send_status(base_url).await
    }

    /// Sends the end-of-call status callback (`CallStatus=completed` with `CallDuration`, as a
    /// provider posts it once the line is down), once: after the caller hangs up, or after the
    /// server ended the call with `<Hangup/>` or by running out of instructions. Without it the
    /// server keeps the call in progress until its idle rule closes it.
    ///
    /// # Errors
    /// The server fails.
    pub async fn send_status(&mut self, base_url: &str) -> Result<(), CallerError> {
        if self.status_sent {
            return Ok(());
        }
        self.status_sent = true;
        let url = format!(
            "{}/{}/status",
            base_url.trim_end_matches('/'),
            self.provider.name()
        );
        let seconds = self.started.elapsed().as_secs().to_string();
        self.post_raw(
            &url,
            &[
                ("CallStatus", "completed"),
                ("CallDuration", &seconds),
                ("CallbackSource", "call-progress-events"),
            ],
        )
        .await
        .map(|_| ())
    }

    /// Posts a signed webhook with the call's standard fields plus `extra`, returning the body.
    ///
    /// # Errors
    /// Unreachable server or an error status.
    pub async fn post_raw(&self, url: &str, extra: &[(&str, &str)]) -> Result<String, CallerError> {
        let mut params: Vec<(String, String)> = vec![
            ("AccountSid".into(), "ACivrpaycaller".into()),
            ("CallSid".into(), self.call_sid.clone()),
            ("From".into(), self.from.clone()),
            ("To".into(), self.to.clone()),
            ("Direction".into(), "inbound".into()),
        ];
        if !extra.iter().any(|(k, _)| *k == "CallStatus") {
            params.push(("CallStatus".into(), "in-progress".into()));
        }
        params.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let mut request = self.http.post(self.target(url)).form(&params);
        if let Some(token) = &self.auth_token {
            let (header, signature) = self.provider.signature(token, url, &params);
            request = request.header(header, signature);
        }
        let fail = |detail: String| CallerError::Http {
            url: url.to_owned(),
            detail,
        };
        let response = request.send().await.map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| fail(e.to_string()))?;
        if status == reqwest::StatusCode::FORBIDDEN {
            return Err(fail(
                "the server refused the signature (403 Forbidden): sign with the server's \
                 TWILIO_AUTH_TOKEN (--auth-token)"
                    .into(),
            ));
        }
        if !status.is_success() {
            return Err(fail(format!("status {status}: {body}")));
        }
        Ok(body)
    }

    async fn post(
        &mut self,
        url: &str,
        extra: &[(&str, &str)],
    ) -> Result<voice::Response, CallerError> {
        let body = self.post_raw(url, extra).await?;
        let response = twiml::parse(&body).map_err(|e| CallerError::Twiml(e.to_string()))?;
        self.last_twiml = body;
        Ok(response)
    }

    /// Where a request for `url` goes: the instance named by [`Call::via`], or the URL.
    fn target(&self, url: &str) -> String {
        match &self.via {
            Some((public, direct)) if url.starts_with(public.as_str()) => {
                format!("{direct}{}", &url[public.len()..])
            }
            _ => url.to_owned(),
        }
    }

    async fn hear(&mut self, prompt: &Prompt) {
        match prompt {
            Prompt::Say { text, .. } => self.heard.push(text.clone()),
            Prompt::Play { url } => {
                let words = self.transcript_of(url).await;
                self.played.push((self.heard.len(), url.clone()));
                self.heard
                    .push(words.unwrap_or_else(|| format!("[audio {url}]")));
            }
            Prompt::Pause { .. } => {}
        }
    }

    /// What a recording served by ivrpay says: the same URL ending `.txt` instead of `.wav`.
    /// `None` for audio from elsewhere, or when the server has no transcript.
    async fn transcript_of(&self, url: &str) -> Option<String> {
        let (path, query) = url
            .split_once('?')
            .map_or((url, None), |(p, q)| (p, Some(q)));
        let text_url = format!(
            "{}.txt{}",
            path.strip_suffix(".wav")?,
            query.map(|q| format!("?{q}")).unwrap_or_default()
        );
        let response = self.http.get(self.target(&text_url)).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.text().await.ok()
    }

    /// Fetches a recording's audio (for playing it).
    ///
    /// # Errors
    /// The server cannot be reached or does not serve it.
    pub async fn fetch_audio(&self, url: &str) -> Result<Vec<u8>, CallerError> {
        let fail = |detail: String| CallerError::Http {
            url: url.to_owned(),
            detail,
        };
        let response = self
            .http
            .get(self.target(url))
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("status {}", response.status())));
        }
        let bytes = response.bytes().await.map_err(|e| fail(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    async fn follow(&mut self, mut response: voice::Response) -> Result<(), CallerError> {
        // Bounded: a server that redirects forever must not hang the caller.
        for _ in 0..32 {
            let mut next = None;
            for verb in &response.verbs {
                match verb {
                    Verb::Prompt(prompt) => self.hear(prompt).await,
                    Verb::Gather(gather) => {
                        for prompt in &gather.prompts {
                            self.hear(prompt).await;
                        }
                        self.gather_action = Some(gather.action.clone());
                        self.listening = gather.speech.is_some();
                        return Ok(());
                    }
                    Verb::Redirect { url } => {
                        next = Some(self.post(url, &[]).await?);
                        break;
                    }
                    Verb::Dial(dial) => {
                        self.transferred_to = Some(dial.number.clone());
                        if let Some(whisper) = &dial.whisper_url {
                            let body = self.post_raw(whisper, &[]).await?;
                            let briefing = twiml::parse(&body)
                                .map_err(|e| CallerError::Twiml(e.to_string()))?;
                            for verb in briefing.verbs {
                                if let Verb::Prompt(Prompt::Say { text, .. }) = verb {
                                    self.agent_heard.push(text);
                                }
                            }
                        }
                        if let Some(action) = &dial.action {
                            let status = if self.agent_answers {
                                "completed"
                            } else {
                                "no-answer"
                            };
                            next = Some(self.post(action, &[("DialCallStatus", status)]).await?);
                            break;
                        }
                    }
                    Verb::Conference(conference) => {
                        self.on_hold = Some(conference.name.clone());
                        if let Some(wait_url) = &conference.wait_url {
                            let body = self.post_raw(wait_url, &[]).await?;
                            let waiting = twiml::parse(&body)
                                .map_err(|e| CallerError::Twiml(e.to_string()))?;
                            for verb in &waiting.verbs {
                                if let Verb::Prompt(prompt) = verb {
                                    self.hear(prompt).await;
                                }
                            }
                        }
                        // The caller waits in the room until the provider moves the call on.
                        return Ok(());
                    }
                    Verb::Hangup => {
                        self.ended = true;
                        return Ok(());
                    }
                }
            }
            match next {
                Some(following) => response = following,
                None => {
                    // Twilio hangs up when the document runs out.
                    self.ended = true;
                    return Ok(());
                }
            }
        }
        Err(CallerError::Twiml("too many redirects".into()))
    }
}
