//! A caller without a phone: drives a running server's webhooks exactly as a registered provider
//! would (its [`Simulator`] signs each request and reads each answer, following the URLs in it),
//! and records what the caller hears.
//!
//! `ivrpay call` uses it from the terminal; the black-box tests use it to walk whole calls.

use std::sync::Arc;

/// The TwiML family's strict reader, where the tests have always found it.
pub use ivrpay_core::telephony::twiml_reader as twiml;

pub use ivrpay_core::telephony::simulator::{CallStatus, DialStatus, Field};

use ivrpay_core::telephony::simulator::{Simulator, Webhook};
use ivrpay_core::telephony::{Event, registry};
use ivrpay_core::voice::{self, Prompt, Verb};

mod pay;

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
    /// The server's answer is not something the provider would run, or not as the neutral
    /// response says.
    #[error("the server's answer is {0}")]
    Unreadable(String),
    /// Input was given where no question was pending.
    #[error("the call is not waiting for keys")]
    NotAsking,
}

/// One simulated call.
#[derive(Debug)]
pub struct Call {
    http: reqwest::Client,
    secret: Option<String>,
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
    /// Where among [`Call::heard`] the line's markup paused or resumed the call's recording
    /// (BXML's `<PauseRecording>`): the index of the line heard next, and the change.
    pub recording_changes: Vec<(usize, voice::RecordingChange)>,
    /// The last answer as the server wrote it, in the provider's markup.
    pub last_twiml: String,
    /// Send every request to this base URL instead of the one in the URL, still signing the URL
    /// as given: reaches one instance directly behind a load balancer's public address.
    pub via: Option<(String, String)>,
    /// The provider the call pretends to come from (its paths, its signature, how it reads the
    /// answers): the first registered unless set, e.g. to `registry::simulator("name")`.
    pub provider: Arc<dyn Simulator>,
    /// Whether the pending question listens for words too.
    listening: bool,
    /// When the call was placed: the status callback reports its duration, as providers do.
    started: std::time::Instant,
    /// Whether the end-of-call status callback has been sent (it is sent once).
    status_sent: bool,
    /// Card capture the provider is running for the line (`<Pay>`), while it is.
    pay: Option<pay::PaySession>,
    /// The provider's payment connector: a sandbox answering the public test cards.
    connector: pay::Connector,
    /// Charges the connector was asked for on this call (each under its own key).
    pay_charges: u32,
    /// The last card capture result posted, and where: a test delivers it again.
    last_pay_result: Option<(String, ivrpay_core::telephony::simulator::PayPost)>,
    /// The provider's clock, which schemes that sign a timestamp sign with: the system's,
    /// unless a test's server runs on its own.
    pub clock: Arc<dyn ivrpay_core::clock::Clock>,
}

impl Call {
    /// Places a call: posts the voice webhook and follows the answer to the first question.
    ///
    /// `secret` is the provider's webhook secret the server checks signatures with (`None`
    /// sends unsigned requests).
    ///
    /// # Errors
    /// The server is unreachable or answers with something the provider would not run.
    pub async fn dial(
        base_url: &str,
        secret: Option<&str>,
        call_sid: &str,
        from: &str,
        to: &str,
    ) -> Result<Call, CallerError> {
        let mut call = Call::new(ivrpay_core::http_client(), secret, call_sid, from, to);
        call.start(base_url).await?;
        Ok(call)
    }

    /// A call not yet placed (set [`Call::provider`], [`Call::via`] or [`Call::agent_answers`]
    /// first).
    pub fn new(
        http: reqwest::Client,
        secret: Option<&str>,
        call_sid: &str,
        from: &str,
        to: &str,
    ) -> Call {
        Call {
            http,
            secret: secret.map(str::to_owned),
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
            recording_changes: Vec::new(),
            last_twiml: String::new(),
            via: None,
            provider: registry::default_simulator(),
            listening: false,
            started: std::time::Instant::now(),
            status_sent: false,
            pay: None,
            connector: pay::Connector::default(),
            pay_charges: 0,
            last_pay_result: None,
            clock: Arc::new(ivrpay_core::clock::SystemClock),
        }
    }

    /// Places the call: posts the voice webhook to `base_url` and follows the answer.
    ///
    /// # Errors
    /// The server is unreachable or answers with something the provider would not run.
    pub async fn start(&mut self, base_url: &str) -> Result<(), CallerError> {
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            self.provider.path(Event::Voice)
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
        if self.pay.is_some() {
            // Keys go to the provider's card capture, not to the line.
            let before = self.heard.len();
            self.pay_keys(keys).await?;
            return Ok(self.heard[before..].to_vec());
        }
        let url = self.gather_action.take().ok_or(CallerError::NotAsking)?;
        let before = self.heard.len();
        let extra: Vec<Field<'_>> = if keys.is_empty() {
            vec![]
        } else {
            vec![Field::Digits(keys)]
        };
        let response = self.post(&url, &extra).await?;
        self.follow(response).await?;
        Ok(self.heard[before..].to_vec())
    }

    /// Answers the pending question by voice, as the provider's recognizer would post it: the
    /// words and its confidence (0.0 to 1.0, `None` to leave it out);
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
        let mut extra = vec![Field::Speech(words)];
        extra.extend(confidence.map(Field::Confidence));
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
        extra: &[Field<'_>],
    ) -> Result<Vec<String>, CallerError> {
        self.gather_action = None;
        self.on_hold = None;
        let before = self.heard.len();
        let response = self.post(url, extra).await?;
        self.follow(response).await?;
        Ok(self.heard[before..].to_vec())
    }

    /// Whether the line's markup has paused the call's recording and not resumed it.
    pub fn recording_paused(&self) -> bool {
        matches!(
            self.recording_changes.last(),
            Some((_, voice::RecordingChange::Pause))
        )
    }

    /// Whether the pending question also listens for words.
    pub fn listens(&self) -> bool {
        self.listening
    }

    /// Whether the call waits for keys.
    pub fn is_asking(&self) -> bool {
        self.gather_action.is_some() || self.pay.is_some()
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
        self.pay = None;
        self.ended = true;
        self.send_status(base_url).await
    }

    /// Sends the end-of-call status callback (completed, with the call's duration, as a provider
    /// posts it once the line is down), once: after the caller hangs up, or after the server
    /// ended the call by hanging up or by running out of instructions. Without it the server
    /// keeps the call in progress until its idle rule closes it.
    ///
    /// # Errors
    /// The server fails.
    pub async fn send_status(&mut self, base_url: &str) -> Result<(), CallerError> {
        if self.status_sent {
            return Ok(());
        }
        self.status_sent = true;
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            self.provider.path(Event::Status)
        );
        let seconds = self.started.elapsed().as_secs();
        self.post_raw(
            &url,
            &[
                Field::Status(CallStatus::Completed),
                Field::Duration(seconds),
            ],
        )
        .await
        .map(|_| ())
    }

    /// Posts a webhook about this call reporting `extra`, as the provider sends it (signed with
    /// the call's secret), returning the body.
    ///
    /// # Errors
    /// Unreachable server or an error status.
    pub async fn post_raw(&self, url: &str, extra: &[Field<'_>]) -> Result<String, CallerError> {
        let webhook = Webhook::new(url, &self.call_sid, &self.from, &self.to, extra);
        let now_ms = self.clock.now_ms();
        let simulated = self
            .provider
            .request(&webhook, self.secret.as_deref(), now_ms);
        let mut request = self
            .http
            .post(self.target(url))
            .header(reqwest::header::CONTENT_TYPE, simulated.content_type)
            .body(simulated.body);
        for (name, value) in simulated.headers {
            request = request.header(name, value);
        }
        let fail = |detail: String| CallerError::Http {
            url: url.to_owned(),
            detail,
        };
        let response = request.send().await.map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| fail(e.to_string()))?;
        if status == reqwest::StatusCode::FORBIDDEN {
            let secret_env = registry::registration(self.provider.name())
                .map_or("provider's webhook secret", |entry| entry.webhook_key.env);
            return Err(fail(format!(
                "the server refused the signature (403 Forbidden): sign with the server's \
                 {secret_env} (--auth-token)"
            )));
        }
        if !status.is_success() {
            return Err(fail(format!("status {status}: {body}")));
        }
        Ok(body)
    }

    async fn post(
        &mut self,
        url: &str,
        extra: &[Field<'_>],
    ) -> Result<voice::Response, CallerError> {
        let body = self.post_raw(url, extra).await?;
        let response = self.read(&body)?;
        self.last_twiml = body;
        Ok(response)
    }

    /// An answer read as the provider reads it.
    fn read(&self, body: &str) -> Result<voice::Response, CallerError> {
        self.provider.read(body).map_err(CallerError::Unreadable)
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
                    Verb::Recording(change) => {
                        self.recording_changes.push((self.heard.len(), *change));
                    }
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
                            let briefing = self.read(&body)?;
                            for verb in briefing.verbs {
                                if let Verb::Prompt(Prompt::Say { text, .. }) = verb {
                                    self.agent_heard.push(text);
                                }
                            }
                        }
                        if let Some(action) = &dial.action {
                            let status = if self.agent_answers {
                                DialStatus::Answered
                            } else {
                                DialStatus::NoAnswer
                            };
                            next = Some(self.post(action, &[Field::Dial(status)]).await?);
                            break;
                        }
                    }
                    Verb::Conference(conference) => {
                        self.on_hold = Some(conference.name.clone());
                        if let Some(wait_url) = &conference.wait_url {
                            let body = self.post_raw(wait_url, &[]).await?;
                            let waiting = self.read(&body)?;
                            for verb in &waiting.verbs {
                                if let Verb::Prompt(prompt) = verb {
                                    self.hear(prompt).await;
                                }
                            }
                        }
                        // The caller waits in the room until the provider moves the call on.
                        return Ok(());
                    }
                    Verb::Pay(pay) => {
                        self.begin_pay(pay.clone()).await;
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
                    // The provider hangs up when the answer runs out of instructions.
                    self.ended = true;
                    return Ok(());
                }
            }
        }
        Err(CallerError::Unreadable("an endless redirect".into()))
    }
}
