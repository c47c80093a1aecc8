//! A stand-in for Twilio's REST API: Prism (`npm install -g @stoplight/prism-cli`) mocking
//! Twilio's own OpenAPI description (`npm install -g @twilio-alpha/mcp`, which ships it), so what
//! we send is checked against Twilio's schema: paths, SID patterns, required fields, enums, form
//! encoding, the presence of HTTP Basic credentials. It answers with Twilio's documented examples
//! (every message is `SMaaaa...`), or 422 with Prism's own problem JSON when the request breaks
//! the schema. It does not check meaning: an empty `To` passes, and so does any user and password.
//!
//! One Prism serves every test in a binary (it takes seconds to load the description); each test
//! gets its own recording proxy in front of it ([`TwilioStandIn`]), which it can also take down
//! and bring back. Tests using it say `needs: [Prism]` (see `services`).
//!
//! Prism must not outlive the test binary, which never drops a static. So Prism runs under a
//! small `sh` that holds the read end of a pipe whose write end only the test binary holds: when
//! the binary exits, however it ends, the pipe closes and the shell kills Prism and reaps it. The
//! shell itself is reaped by init.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderName, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ivrpay::telephony::twilio::rest::{RestAuth, TwilioRest};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The test account: `AC` and 32 hex digits, as Twilio's schema requires in every path.
pub const ACCOUNT_SID: &str = "ACc0ffee0123456789abcdef0123456789";
/// The test account's auth token: the one that signs the test webhooks, as on a real account.
pub const AUTH_TOKEN: &str = super::AUTH_TOKEN;

/// Runs Prism (`$1` port, `$2` description) until Prism ends or the test binary closes our
/// standard input; see the module docs. A background job's standard input is /dev/null, hence
/// fd 3; `read` is a builtin, so the watchdog is one process the shell can stop and reap.
const SUPERVISOR: &str = r#"
exec 3<&0
prism mock -h 127.0.0.1 -p "$1" "$2" </dev/null &
prism=$!
{ while read -r line; do :; done <&3; kill "$prism" 2>/dev/null; } &
watchdog=$!
wait "$prism"
status=$?
kill "$watchdog" 2>/dev/null
wait "$watchdog"
exit "$status"
"#;

/// One request the stand-in received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Without the query.
    pub path: String,
    /// The form body's fields in order (empty for any other body).
    pub form: Vec<(String, String)>,
    /// What Prism answered (502 if it could not be reached).
    pub status: u16,
}

impl Recorded {
    /// The value of form field `name`, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find_map(|(k, v)| (k == name).then_some(v.as_str()))
    }
}

/// The shared Prism: its port once it listens.
static PRISM: tokio::sync::OnceCell<u16> = tokio::sync::OnceCell::const_new();
/// The supervising shell; kept so its standard input stays open for as long as the binary runs,
/// and so a Prism that died can be told apart from a stand-in bug.
static PRISM_PROCESS: OnceLock<Mutex<Child>> = OnceLock::new();

/// A recording proxy in front of the shared Prism, for one test.
pub struct TwilioStandIn {
    /// `http://127.0.0.1:PORT`, to give [`TwilioRest`] as its base URL.
    pub base_url: String,
    /// Where the proxy listens, kept so [`TwilioStandIn::come_back`] reuses it.
    addr: SocketAddr,
    forward: Forward,
    /// The accept loop (and, inside it, every open connection); `None` while down.
    serving: Mutex<Option<JoinHandle<()>>>,
}

/// What each proxied request needs.
#[derive(Clone)]
struct Forward {
    prism_url: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl TwilioStandIn {
    /// A proxy to a running Prism (started by the first test that asks).
    pub async fn start() -> TwilioStandIn {
        let port = *PRISM.get_or_init(start_prism).await;
        assert_prism_alive();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let forward = Forward {
            prism_url: format!("http://127.0.0.1:{port}"),
            http: ivrpay::http_client_builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            log: Arc::default(),
        };
        let serving = tokio::spawn(serve(listener, forward.clone()));
        TwilioStandIn {
            base_url: format!("http://{addr}"),
            addr,
            forward,
            serving: Mutex::new(Some(serving)),
        }
    }

    /// A client for the test account at this stand-in.
    pub fn rest(&self) -> TwilioRest {
        TwilioRest::new(
            self.base_url.clone(),
            ACCOUNT_SID.to_owned(),
            RestAuth::AuthToken(SecretString::from(AUTH_TOKEN)),
            Duration::from_secs(10),
            ivrpay::http_client(),
        )
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.forward.log.lock().expect("log").clone()
    }

    /// Stops listening and drops open connections: connecting is refused until
    /// [`TwilioStandIn::come_back`].
    pub async fn go_down(&self) {
        let serving = self.serving.lock().expect("serving").take();
        if let Some(serving) = serving {
            serving.abort();
            // Waited for, so the listener is closed when this returns.
            let _ = serving.await;
        }
    }

    /// Listens again on the same port.
    pub async fn come_back(&self) {
        self.go_down().await;
        // tokio sets SO_REUSEADDR, so the closed connections' TIME_WAIT does not block the port.
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("proxy port again");
        let serving = tokio::spawn(serve(listener, self.forward.clone()));
        *self.serving.lock().expect("serving") = Some(serving);
    }
}

impl Drop for TwilioStandIn {
    fn drop(&mut self) {
        if let Some(serving) = self.serving.lock().ok().and_then(|mut s| s.take()) {
            serving.abort();
        }
    }
}

/// Accepts connections until aborted; aborting drops the listener and, with the `JoinSet`, every
/// connection.
async fn serve(listener: TcpListener, forward: Forward) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let forward = forward.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let forward = forward.clone();
                async move { Ok::<_, Infallible>(forward.relay(request).await) }
            });
            // One request per connection, so once down nothing still reaches Prism over a
            // connection a client kept alive.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// Headers that describe one connection, not the request or the answer.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::HOST,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        HeaderName::from_static("keep-alive"),
    ]
    .contains(name)
}

impl Forward {
    /// Records `request`, passes it to Prism and returns Prism's answer.
    async fn relay(&self, request: Request<Incoming>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(Body::new(body), 1 << 20)
            .await
            .unwrap_or_default();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let index = {
            let mut log = self.log.lock().expect("log");
            log.push(Recorded {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                form: if is_form {
                    form_urlencoded::parse(&body).into_owned().collect()
                } else {
                    Vec::new()
                },
                status: 0,
            });
            log.len() - 1
        };
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut to_prism = self
            .http
            .request(parts.method, format!("{}{path_and_query}", self.prism_url))
            .body(body);
        for (name, value) in &parts.headers {
            if !hop_by_hop(name) {
                to_prism = to_prism.header(name, value);
            }
        }
        let answer = match to_prism.send().await {
            Ok(answer) => answer,
            Err(_) => {
                self.log.lock().expect("log")[index].status = 502;
                return Response::builder()
                    .status(StatusCode::BAD_GATEWAY)
                    .body(Body::from("prism did not answer"))
                    .expect("response");
            }
        };
        let status = answer.status();
        let mut response = Response::builder().status(status);
        for (name, value) in answer.headers() {
            if !hop_by_hop(name) {
                response = response.header(name, value);
            }
        }
        let body = answer.bytes().await.unwrap_or_default();
        self.log.lock().expect("log")[index].status = status.as_u16();
        response.body(Body::from(body)).expect("response")
    }
}

/// Twilio's OpenAPI description for the 2010-04-01 API, as `@twilio-alpha/mcp` installs it.
pub fn twilio_description() -> Option<PathBuf> {
    let output = Command::new("npm")
        .args(["root", "-g"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let root = String::from_utf8(output.stdout).ok()?;
    let spec = PathBuf::from(root.trim())
        .join("@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json");
    spec.is_file().then_some(spec)
}

/// Starts the shared Prism and waits until it listens.
async fn start_prism() -> u16 {
    super::services::Service::Prism.in_use();
    let spec = twilio_description().expect("Twilio's description, found by in_use");
    // Ask the OS for a free port; the tiny window before Prism binds it is acceptable for tests.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let log_path = prism_log();
    let log = std::fs::File::create(&log_path).expect("prism log");
    let child = Command::new("sh")
        .args(["-c", SUPERVISOR, "sh", &port.to_string()])
        .arg(&spec)
        .stdin(Stdio::piped())
        .stdout(log.try_clone().expect("prism log"))
        .stderr(log)
        .spawn()
        .expect("start prism");
    let process = PRISM_PROCESS.get_or_init(|| Mutex::new(child));
    // Loading Twilio's 2 MB description takes Prism a few seconds, more on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = process
            .lock()
            .expect("prism")
            .try_wait()
            .expect("poll prism")
        {
            panic!("Prism exited early ({status}); see {}", log_path.display());
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return port;
        }
        assert!(
            Instant::now() < deadline,
            "Prism did not listen within 60 s; see {}",
            log_path.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where Prism's output goes: it logs every request, too much for the test output.
fn prism_log() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("prism-{}.log", env!("CARGO_CRATE_NAME")))
}

fn assert_prism_alive() {
    if let Some(process) = PRISM_PROCESS.get()
        && let Ok(Some(status)) = process.lock().expect("prism").try_wait()
    {
        panic!("Prism has exited ({status}); see {}", prism_log().display());
    }
}
