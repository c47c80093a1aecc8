//! How a provider's platform talks to the line, for the simulated caller, the load tool and the
//! black-box tests: a [`Simulator`] turns a neutral [`Webhook`] into the request the provider
//! would send (its content type, body and signature headers) and reads the line's answer into the
//! neutral [`voice::Response`] as strictly as the provider would run it, refusing what it would
//! refuse. Each provider implements it in its own folder beside its dialect and names it in its
//! registration, so whatever speaks to the line speaks any registered provider.

use std::fmt;

use crate::telephony::Event;
use crate::voice;

/// Where a call stands, as a webhook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallStatus {
    /// The call is up (every webhook before its end).
    #[default]
    InProgress,
    /// The call ended after it was answered.
    Completed,
    /// Nobody answered.
    NoAnswer,
    /// The line was busy.
    Busy,
    /// The call could not be placed.
    Failed,
    /// The call was given up before it was answered.
    Canceled,
}

/// How a dial to a person ended, as the dial's action webhook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialStatus {
    /// The person answered (and the leg has ended).
    Answered,
    /// Nobody answered.
    NoAnswer,
}

/// Something a webhook reports beyond the call it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    /// Keys the caller pressed.
    Digits(&'a str),
    /// Words the caller said, as the provider's recognizer heard them.
    Speech(&'a str),
    /// The recognizer's confidence in them, 0.0 to 1.0, as it writes it (e.g. `0.93`).
    Confidence(&'a str),
    /// Where the call stands (in progress unless said).
    Status(CallStatus),
    /// How long the call lasted, in seconds: reported once it has ended.
    Duration(u64),
    /// How a dial to a person ended.
    Dial(DialStatus),
    /// What card capture by the provider reports (its result, or a step's progress).
    Pay(&'a PayPost),
}

/// What a provider posts about card capture it ran: on its action webhook the result, the
/// connector's charge id and the card masked; on its status webhook the step, the try and the
/// error. Never the whole card number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayPost {
    /// How it ended (the action webhook).
    pub result: Option<crate::voice::PayResult>,
    /// The connector's id of the charge.
    pub confirmation: Option<String>,
    /// The card's brand as the provider names it (`visa`).
    pub card_type: Option<String>,
    /// The card number masked (`xxxxxxxxxxxx4242`).
    pub masked_card: Option<String>,
    /// The expiry, MMYY.
    pub expiration: Option<String>,
    /// The failure's code.
    pub error_code: Option<String>,
    /// The failure in words.
    pub error: Option<String>,
    /// The step a status webhook reports.
    pub step: Option<crate::voice::PayStep>,
    /// Its try (from 1).
    pub attempt: Option<u32>,
    /// Why that step is asked again.
    pub error_type: Option<crate::voice::PayError>,
}

/// A webhook in neutral terms: what happened on which call, and the public URL it is sent to
/// (whose path names the event, as the line wrote it).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Webhook {
    /// The public URL requested: what URL-signing schemes sign.
    pub url: String,
    /// The provider's id of the call.
    pub call_id: String,
    /// The caller's number.
    pub from: String,
    /// The number called.
    pub to: String,
    /// Where the call stands.
    pub status: CallStatus,
    /// Seconds the call lasted, once it has ended.
    pub duration_seconds: Option<u64>,
    /// Keys pressed. Sensitive: never printed.
    pub digits: Option<String>,
    /// Words said. Sensitive: never printed.
    pub speech: Option<String>,
    /// The recognizer's confidence in the words, as it writes it.
    pub confidence: Option<String>,
    /// How a dial to a person ended.
    pub dial: Option<DialStatus>,
    /// What card capture by the provider reports.
    pub pay: Option<PayPost>,
}

impl Webhook {
    /// The webhook for `url` on the call `call_id` from `from` to `to`, reporting `fields`.
    pub fn new(url: &str, call_id: &str, from: &str, to: &str, fields: &[Field<'_>]) -> Webhook {
        let mut webhook = Webhook {
            url: url.to_owned(),
            call_id: call_id.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            ..Webhook::default()
        };
        for field in fields {
            match *field {
                Field::Digits(keys) => webhook.digits = Some(keys.to_owned()),
                Field::Speech(words) => webhook.speech = Some(words.to_owned()),
                Field::Confidence(value) => webhook.confidence = Some(value.to_owned()),
                Field::Status(status) => webhook.status = status,
                Field::Duration(seconds) => webhook.duration_seconds = Some(seconds),
                Field::Dial(status) => webhook.dial = Some(status),
                Field::Pay(post) => webhook.pay = Some(post.clone()),
            }
        }
        webhook
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("call_id", &self.call_id)
            .field("status", &self.status)
            .field("digits", &self.digits.as_ref().map(|_| "<redacted>"))
            .field("speech", &self.speech.as_ref().map(|_| "<redacted>"))
            .field("dial", &self.dial)
            .finish_non_exhaustive()
    }
}

/// A request as the provider would send it.
#[derive(Clone, PartialEq, Eq)]
pub struct SimulatedRequest {
    /// The body's content type.
    pub content_type: &'static str,
    /// Headers beyond the content type: the signature and whatever it signs with.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for SimulatedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body carries the keys pressed, card numbers included.
        f.debug_struct("SimulatedRequest")
            .field("content_type", &self.content_type)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// What a provider's webhook signature covers beyond what it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signs {
    /// The body: a webhook whose body was changed is refused.
    pub body: bool,
    /// The URL requested: a webhook replayed to another of the line's URLs is refused.
    pub url: bool,
    /// The time it was sent, checked within a window: a webhook replayed later is refused.
    pub time: bool,
}

/// One provider's platform as the line meets it.
pub trait Simulator: Send + Sync + fmt::Debug {
    /// The provider's name, as its dialect and registration give it.
    fn name(&self) -> &'static str;

    /// The path of one of its webhooks, as its dialect's [`crate::telephony::Dialect::path`]
    /// gives it: where a call starts and ends.
    fn path(&self, event: Event) -> String {
        format!("/{}/{}", self.name(), event.path_segment())
    }

    /// What its signature covers beyond the body, so tests know which replays it stops.
    fn signs(&self) -> Signs;

    /// The request the provider sends for `webhook`, signed with `secret` (unsigned without
    /// one) at `now_ms` (UTC ms, for schemes that sign a timestamp).
    fn request(&self, webhook: &Webhook, secret: Option<&str>, now_ms: i64) -> SimulatedRequest {
        let unsigned = self.unsigned(webhook);
        match secret {
            Some(secret) => self.sign_raw(&webhook.url, unsigned.body, secret, now_ms),
            None => unsigned,
        }
    }

    /// The request the provider sends for `webhook`, before it is signed.
    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest;

    /// `body` posted to `url` and signed as the provider signs, whatever the body holds: what a
    /// test of broken input sends, so it reaches the line past the signature check.
    fn sign_raw(&self, url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest;

    /// The line's answer as the provider would run it.
    ///
    /// # Errors
    /// What the provider would refuse, or could not run as the neutral response says, in words.
    fn read(&self, body: &str) -> Result<voice::Response, String>;
}

/// Headers a provider adds to a request: its signature and what it signs with.
pub type Headers = Vec<(&'static str, String)>;

/// A provider that posts JSON, as the line meets it: its name, what its signature covers, the
/// JSON it posts for a webhook, the headers it signs a body with, and how it runs an answer.
/// Each JSON provider declares its own in its folder.
#[derive(Debug)]
pub struct JsonSimulator {
    /// The provider's name.
    pub name: &'static str,
    /// What its signature covers.
    pub signs: Signs,
    /// The JSON it posts for a webhook.
    pub encode: fn(&Webhook) -> Vec<u8>,
    /// The headers it signs a body with: `(secret, body, now_ms)`.
    pub sign: fn(&str, &[u8], i64) -> Headers,
    /// Its strict reading of the line's answer.
    pub read: fn(&str) -> Result<voice::Response, String>,
}

impl Simulator for JsonSimulator {
    fn name(&self) -> &'static str {
        self.name
    }

    fn signs(&self) -> Signs {
        self.signs
    }

    fn unsigned(&self, webhook: &Webhook) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/json",
            headers: Vec::new(),
            body: (self.encode)(webhook),
        }
    }

    fn sign_raw(&self, _url: &str, body: Vec<u8>, secret: &str, now_ms: i64) -> SimulatedRequest {
        SimulatedRequest {
            content_type: "application/json",
            headers: (self.sign)(secret, &body, now_ms),
            body,
        }
    }

    fn read(&self, body: &str) -> Result<voice::Response, String> {
        (self.read)(body)
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::language::Language;
    use crate::telephony::differences::Feature;
    use crate::telephony::registry::{REGISTERED, Registration};
    use crate::telephony::{Callback, Dialect, Request};

    const SECRET: &str = "the-webhook-secret";
    const NOW_MS: i64 = 1_790_000_000_000;

    fn dialect_for(entry: &Registration, secret: &str) -> std::sync::Arc<dyn Dialect> {
        (entry.build)(&(entry.accepting)(secret)).expect("dialect")
    }

    /// What `dialect` makes of `simulated`, sent to `url`: whether it verifies, and what it reads.
    fn received(
        dialect: &dyn Dialect,
        event: Event,
        url: &str,
        simulated: &SimulatedRequest,
    ) -> (bool, Callback) {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(simulated.content_type),
        );
        for (name, value) in &simulated.headers {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let request = Request::new("POST", url, &headers, &simulated.body, NOW_MS);
        (dialect.verify(&request), dialect.read(event, &request))
    }

    #[test]
    fn each_simulator_speaks_its_dialect() {
        for entry in REGISTERED {
            let simulator = (entry.simulator)();
            let dialect = dialect_for(entry, SECRET);
            assert_eq!(simulator.name(), dialect.name());
            for event in Event::ALL {
                assert_eq!(simulator.path(event), dialect.path(event), "{event:?}");
            }

            let url = format!(
                "https://ivr.example.com{}?turn=3",
                dialect.path(Event::Gather)
            );
            let answer = Webhook::new(
                &url,
                "CA0123",
                "+15552126618",
                "+18005550100",
                &[
                    Field::Digits("4242"),
                    Field::Speech("twenty dollars"),
                    Field::Confidence("0.93"),
                ],
            );
            let simulated = simulator.request(&answer, Some(SECRET), NOW_MS);
            let (verified, read) = received(dialect.as_ref(), Event::Gather, &url, &simulated);
            assert!(verified, "{} verifies its own simulator", entry.path_prefix);
            assert_eq!(read.call_id.as_deref(), Some("CA0123"));
            assert_eq!(read.from.as_deref(), Some("+15552126618"));
            assert_eq!(read.to.as_deref(), Some("+18005550100"));
            assert_eq!(read.digits.as_deref(), Some("4242"));
            if !lacks(dialect.as_ref(), Feature::AnswersByVoice) {
                assert_eq!(read.speech.as_deref(), Some("twenty dollars"));
                assert_eq!(read.confidence_permille, Some(930));
            }
            assert!(!read.call_ended && !read.dial_answered && !read.unanswered);

            let other = dialect_for(entry, "another-secret");
            let (verified, _) = received(other.as_ref(), Event::Gather, &url, &simulated);
            assert!(!verified, "{} refuses another secret", entry.path_prefix);
            let unsigned = simulator.request(&answer, None, NOW_MS);
            let (verified, _) = received(dialect.as_ref(), Event::Gather, &url, &unsigned);
            assert!(
                !verified,
                "{} refuses an unsigned request",
                entry.path_prefix
            );
        }
    }

    #[test]
    fn each_simulator_reports_the_end_and_the_dial_as_its_dialect_reads_them() {
        for entry in REGISTERED {
            let simulator = (entry.simulator)();
            let dialect = dialect_for(entry, SECRET);
            let cases = [
                (
                    Event::Status,
                    vec![Field::Status(CallStatus::Completed), Field::Duration(42)],
                    (true, false, false),
                ),
                (
                    Event::AgentLegEnded,
                    vec![Field::Status(CallStatus::NoAnswer)],
                    (true, false, true),
                ),
                (
                    Event::Dial,
                    vec![Field::Dial(DialStatus::Answered)],
                    (false, true, false),
                ),
                (
                    Event::Dial,
                    vec![Field::Dial(DialStatus::NoAnswer)],
                    (false, false, false),
                ),
            ];
            for (event, fields, (ended, answered, unanswered)) in cases {
                let url = format!("http://127.0.0.1:8080{}", dialect.path(event));
                let webhook = Webhook::new(&url, "CA1", "+1555", "+1800", &fields);
                let simulated = simulator.request(&webhook, Some(SECRET), NOW_MS);
                let (verified, read) = received(dialect.as_ref(), event, &url, &simulated);
                assert!(verified, "{} {event:?}", entry.path_prefix);
                assert_eq!(
                    (read.call_ended, read.dial_answered, read.unanswered),
                    (ended, answered, unanswered),
                    "{} {fields:?}",
                    entry.path_prefix
                );
                assert_eq!(read.digits, None);
            }
        }
    }

    #[test]
    fn each_simulator_reads_back_what_its_dialect_renders() {
        let mut response = voice::Response::new();
        response.say("Your payment of twenty dollars was approved.", Language::En);
        response.push(voice::Verb::Redirect {
            url: "https://ivr.example.com/next".into(),
        });
        for entry in REGISTERED {
            let rendered = dialect_for(entry, SECRET).render(&response);
            let read = (entry.simulator)().read(&rendered).expect("readable");
            assert_eq!(read, response, "{}", entry.path_prefix);
            assert!((entry.simulator)().read("<Speak/>").is_err());
        }
    }

    /// One of every neutral verb, with the options a flow uses: what each dialect must render
    /// and its simulator read back the same (`Redirect`, after which nothing runs, is
    /// [`each_simulator_reads_back_what_its_dialect_renders`]'s).
    fn every_verb() -> voice::Response {
        use voice::{Conference, Dial, Gather, Listen, Prompt, Verb};
        let say = |text: &str, language, slow| Prompt::Say {
            text: text.into(),
            language,
            voice: None,
            slow,
            recorded: None,
        };
        voice::Response {
            verbs: vec![
                Verb::Prompt(say("Welcome.", Language::En, false)),
                Verb::Prompt(say("Bienvenido.", Language::Es, true)),
                Verb::Prompt(Prompt::Play {
                    url: "https://ivr.example.com/audio/en/hello.wav".into(),
                }),
                Verb::Prompt(Prompt::Pause { seconds: 2 }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/gather?turn=2".into(),
                    num_digits: Some(1),
                    finish_on_key: None,
                    timeout_seconds: 7,
                    prompts: vec![say("To pay, say or press 1.", Language::En, false)],
                    speech: Some(Listen {
                        language: Language::En,
                        hints: vec!["pay".into(), "agent".into()],
                        end_after_seconds: 2,
                    }),
                }),
                Verb::Gather(Gather {
                    action: "https://ivr.example.com/gather?turn=3".into(),
                    num_digits: Some(16),
                    finish_on_key: Some('#'),
                    timeout_seconds: 10,
                    prompts: vec![say("Key in your card number.", Language::En, true)],
                    speech: None,
                }),
                Verb::Dial(Dial {
                    number: "+15551234567".into(),
                    caller_id: Some("+18005550100".into()),
                    whisper_url: Some("https://ivr.example.com/whisper?call=1".into()),
                    action: Some("https://ivr.example.com/dial".into()),
                    timeout_seconds: 20,
                }),
                Verb::Conference(Conference {
                    name: "ivrpay-CA1".into(),
                    wait_url: Some("https://ivr.example.com/hold".into()),
                    start_on_enter: false,
                    end_on_exit: false,
                    action: Some("https://ivr.example.com/dial".into()),
                }),
                Verb::Hangup,
            ],
        }
    }

    /// Whether `dialect`'s markup does `feature` differently.
    fn lacks(dialect: &dyn Dialect, feature: Feature) -> bool {
        !crate::telephony::differences::does(dialect, feature)
    }

    /// `response` as `dialect` can say it: questions that take keys only where it cannot
    /// listen, rooms by their name alone where its conferences have no wait audio.
    fn as_expressed(dialect: &dyn Dialect, mut response: voice::Response) -> voice::Response {
        for verb in &mut response.verbs {
            match verb {
                voice::Verb::Gather(gather) if lacks(dialect, Feature::AnswersByVoice) => {
                    gather.speech = None;
                }
                voice::Verb::Conference(room) if lacks(dialect, Feature::ConferenceHold) => {
                    *room = voice::Conference {
                        name: room.name.clone(),
                        wait_url: None,
                        start_on_enter: true,
                        end_on_exit: false,
                        action: None,
                    };
                }
                _ => {}
            }
        }
        response
    }

    #[test]
    fn each_simulator_reads_back_every_verb_its_dialect_renders() {
        let response = every_verb();
        for entry in REGISTERED {
            let dialect = dialect_for(entry, SECRET);
            let rendered = dialect.render(&response);
            let read = (entry.simulator)()
                .read(&rendered)
                .unwrap_or_else(|err| panic!("{}: {err}: {rendered}", entry.path_prefix));
            assert_eq!(
                read,
                as_expressed(dialect.as_ref(), response.clone()),
                "{}: {rendered}",
                entry.path_prefix
            );
        }
    }

    #[test]
    fn debug_hides_the_keys_and_words() {
        let webhook = Webhook::new(
            "http://x/gather",
            "CA1",
            "+1555",
            "+1800",
            &[
                Field::Digits("4111111111111111"),
                Field::Speech("my pin is 6446"),
            ],
        );
        let printed = format!("{webhook:?}");
        assert!(
            !printed.contains("4111") && !printed.contains("6446"),
            "{printed}"
        );
        let simulated = (REGISTERED[0].simulator)().request(&webhook, None, 0);
        let printed = format!("{simulated:?}");
        assert!(
            !printed.contains("4111") && !printed.contains("6446"),
            "{printed}"
        );
    }
}
