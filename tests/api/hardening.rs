//! Holding under failure and abuse: an instance killed while the gateway charges, payments left
//! unsettled, calls whose end was never reported, bytes no provider sends, and slow clients.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{AUTH_TOKEN, Backend, Options, TestServer};
use ivrpay::app::Application;
use ivrpay::clock::ManualClock;
use ivrpay::config::HttpLimits;
use ivrpay::http::AppState;
use ivrpay::payments::SandboxGateway;
use ivrpay::payments::gateway::{ChargeFuture, ChargeRequest, Gateway};
use ivrpay_simulators::caller::{Call, Field};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LINDA: &str = "+15552126618";
const LINDA_ACCOUNT: &str = "66253365";
const LINDA_BALANCE: i64 = 44533;

/// The sandbox behind a switch: while `stalls` is on, a charge is made (the gateway takes the
/// money) but its answer never comes back, as when the instance asking dies mid-request.
struct StallingGateway {
    sandbox: SandboxGateway,
    stalls: AtomicBool,
    charged: AtomicUsize,
    charged_signal: tokio::sync::Notify,
}

impl StallingGateway {
    fn new() -> Arc<StallingGateway> {
        Arc::new(StallingGateway {
            sandbox: SandboxGateway::new(),
            stalls: AtomicBool::new(true),
            charged: AtomicUsize::new(0),
            charged_signal: tokio::sync::Notify::new(),
        })
    }

    /// Waits until the gateway has been asked to charge at least `count` times.
    async fn wait_for_charges(&self, count: usize) {
        loop {
            let notified = self.charged_signal.notified();
            if self.charged.load(Ordering::SeqCst) >= count {
                return;
            }
            notified.await;
        }
    }
}

impl Gateway for StallingGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(async move {
            let outcome = self.sandbox.charge(req).await;
            self.charged.fetch_add(1, Ordering::SeqCst);
            self.charged_signal.notify_waiters();
            if self.stalls.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            outcome
        })
    }
}

/// An instance in a runtime of its own, so that it can be killed as `kill -9` would: every task
/// it runs (the request in flight, the claim renewals, its connections) stops at once, mid-step,
/// with nothing flushed or released.
struct Doomed {
    url: String,
    state: AppState,
    kill: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Doomed {
    fn start(database_url: &str, clock: &ManualClock, gateway: Arc<StallingGateway>) -> Doomed {
        let config = common::config(database_url, Options::default());
        let clock = clock.clone();
        let (ready, started) = std::sync::mpsc::channel();
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            let app = runtime
                .block_on(Application::build_with_gateway(
                    config,
                    Arc::new(clock),
                    gateway,
                ))
                .expect("instance starts");
            let url = format!("http://{}", app.local_addr());
            let state = app.state().clone();
            runtime.spawn(app.run_until(std::future::pending()));
            ready.send((url, state)).expect("test waits");
            let _ = killed.recv();
            runtime.shutdown_background();
        });
        let (url, state) = started.recv().expect("instance started");
        Doomed {
            url,
            state,
            kill,
            thread,
        }
    }

    async fn kill(self) {
        let _ = self.kill.send(());
        tokio::task::spawn_blocking(move || self.thread.join())
            .await
            .expect("join")
            .expect("instance thread");
    }
}

/// A second instance on the same database, reached at its own address while the provider keeps
/// signing for the first one's public URL (as behind a balancer).
async fn successor(
    database_url: &str,
    public_url: &str,
    clock: &ManualClock,
    gateway: Arc<dyn Gateway>,
) -> (String, AppState, tokio::sync::oneshot::Sender<()>) {
    let mut config = common::config(database_url, Options::default());
    config.public_url = Some(public_url.to_owned());
    let app = Application::build_with_gateway(config, Arc::new(clock.clone()), gateway)
        .await
        .expect("successor starts");
    let url = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (url, state, stop)
}

/// Linda walks to the confirmation of a $20 payment on `base`, then confirms; the confirmation
/// is sent in the background (it will never be answered) and this returns once the gateway has
/// taken the money.
async fn confirm_until_the_gateway_charges(
    base: &str,
    gateway: &StallingGateway,
) -> (Call, tokio::task::JoinHandle<()>) {
    let sid = format!("CA{:032x}", rand::random::<u128>());
    let mut call = Call::dial(base, Some(AUTH_TOKEN), &sid, LINDA, "+18005550100")
        .await
        .expect("call connects");
    for keys in [
        "1",
        "1",
        "6446",
        "3",
        "20",
        "1",
        "4242424242424242",
        "1228",
        "123",
        "77141",
    ] {
        call.press(keys).await.expect("step");
    }
    assert_heard!(&call.heard, "Visa ending in 4 2 4 2");
    let action = call.pending_action().expect("asks to confirm").to_owned();
    let confirming = Call::new(
        ivrpay::http_client(),
        Some(AUTH_TOKEN),
        &sid,
        LINDA,
        "+18005550100",
    );
    let in_flight = tokio::spawn(async move {
        // The instance dies before it answers; the error is the point.
        let _ = confirming.post_raw(&action, &[Field::Digits("1")]).await;
    });
    gateway.wait_for_charges(1).await;
    (call, in_flight)
}

async fn balance_of(state: &AppState) -> i64 {
    state
        .line
        .store
        .account(LINDA_ACCOUNT)
        .await
        .expect("db")
        .expect("account")
        .balance_cents
}

/// After the kill: the call whose confirmation died with its instance, and a successor on the
/// same database that the provider reaches through the dead instance's public URL.
struct AfterKill {
    call: Call,
    public_url: String,
    state: AppState,
    gateway: Arc<StallingGateway>,
    clock: ManualClock,
    database_url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl AfterKill {
    /// Linda confirms a $20 payment; the instance dies after the gateway took the money and
    /// before it recorded the answer; a successor starts.
    async fn arrange(backend: Backend) -> Option<AfterKill> {
        let dir = tempfile::tempdir().expect("dir");
        let database_url = common::fresh_database(backend, dir.path()).await?;
        let clock = ManualClock::new(time::macros::datetime!(2026-11-23 15:00 UTC));
        let gateway = StallingGateway::new();
        let doomed = Doomed::start(&database_url, &clock, gateway.clone());
        common::import_demo_accounts(&doomed.state, &clock).await;
        let public_url = doomed.url.clone();
        let (mut call, in_flight) = confirm_until_the_gateway_charges(&public_url, &gateway).await;
        doomed.kill().await;
        in_flight.await.expect("request task");
        gateway.stalls.store(false, Ordering::SeqCst);
        let (direct, state, stop) =
            successor(&database_url, &public_url, &clock, gateway.clone()).await;
        call.via = Some((public_url.clone(), direct));
        Some(AfterKill {
            call,
            public_url,
            state,
            gateway,
            clock,
            database_url,
            stop,
            _dir: dir,
        })
    }

    async fn finish(self) {
        let _ = self.stop.send(());
        self.state.line.store.close().await;
        common::drop_database(&self.database_url).await;
    }
}

async fn killed_during_the_charge_the_retry_takes_over_and_charges_once(backend: Backend) {
    let Some(mut after) = AfterKill::arrange(backend).await else {
        return;
    };
    let (call, state, gateway, clock) =
        (&mut after.call, &after.state, &after.gateway, &after.clock);
    // The provider retries a few seconds later; by then the dead instance's claim is stale.
    clock.advance(Duration::from_secs(6));
    let said = call.press("1").await.expect("retried confirmation");

    assert_heard!(&said, "Your payment of twenty dollars was approved.");
    assert_eq!(
        gateway.sandbox.charge_count(),
        1,
        "the retry was replayed by the gateway, not charged again"
    );
    let payments = state
        .line
        .store
        .call_record(&call.call_sid)
        .await
        .expect("db")
        .expect("call")
        .payments;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].status, "approved");
    assert_eq!(balance_of(state).await, LINDA_BALANCE - 2000);
    after.finish().await;
}
on_both_backends_with_own_server!(killed_during_the_charge_the_retry_takes_over_and_charges_once);

async fn killed_during_the_charge_then_hung_up_is_reconciled(backend: Backend) {
    let Some(mut after) = AfterKill::arrange(backend).await else {
        return;
    };
    let (call, state, gateway, clock) =
        (&mut after.call, &after.state, &after.gateway, &after.clock);
    // The caller, hearing nothing, hangs up.
    call.hang_up(&after.public_url)
        .await
        .expect("status callback");
    let record = state
        .line
        .store
        .call_record(&call.call_sid)
        .await
        .expect("db")
        .expect("call");
    assert_eq!(record.outcome.as_deref(), Some("abandoned"));
    assert_eq!(record.payments[0].status, "pending");

    // Too soon: a live delivery could still be waiting on the gateway.
    let report = ivrpay::upkeep::run_once(&state.line).await.expect("upkeep");
    assert_eq!(report.payments_settled, 0);
    clock.advance(Duration::from_secs(31));
    let report = ivrpay::upkeep::run_once(&state.line).await.expect("upkeep");
    assert_eq!(report.payments_settled, 1);

    let record = state
        .line
        .store
        .call_record(&call.call_sid)
        .await
        .expect("db")
        .expect("call");
    assert_eq!(record.payments[0].status, "approved");
    assert!(record.payments[0].confirmation_code.is_some());
    assert_eq!(record.outcome.as_deref(), Some("paid"));
    assert_eq!(balance_of(state).await, LINDA_BALANCE - 2000);
    assert_eq!(gateway.sandbox.charge_count(), 1, "charged once in all");
    // Settled: the card waiting with the payment is gone, and a later pass does nothing.
    let report = ivrpay::upkeep::run_once(&state.line).await.expect("upkeep");
    assert_eq!(report.payments_settled, 0);
    assert!(
        state
            .line
            .store
            .unsettled_payments()
            .await
            .expect("db")
            .is_empty()
    );
    after.finish().await;
}
on_both_backends_with_own_server!(killed_during_the_charge_then_hung_up_is_reconciled);

async fn payment_still_unknown_when_the_card_must_go_is_flagged_for_a_person(backend: Backend) {
    let options = Options {
        gateway: Some(Arc::new(common::SilentGateway)),
        gateway_timeout: Duration::from_millis(100),
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_card_number("20").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("confirm");
    call.hang_up(&server.url).await.expect("hang up");

    // The reconciler asks again while the card may wait; the gateway still says nothing.
    server.clock.advance(Duration::from_secs(31));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!((report.payments_settled, report.payments_flagged), (0, 0));
    // Once the card's time is up, a person takes over.
    server.clock.advance(Duration::from_secs(10 * 60));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.payments_flagged, 1);

    let unsettled: serde_json::Value = ivrpay::http_client()
        .get(format!("{}/api/payments/unsettled", server.url))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(unsettled[0]["call_sid"], call.call_sid.as_str());
    assert_eq!(unsettled[0]["status"], "unknown");
    assert_eq!(unsettled[0]["needs_attention"], true);
    assert_eq!(
        server.api_call(&call.call_sid).await["outcome"],
        "payment_unknown"
    );
    assert_eq!(balance_of(&server.state).await, LINDA_BALANCE);
    // Flagged payments are never sent again.
    server.clock.advance(Duration::from_secs(60));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report, ivrpay::upkeep::Report::default());
    server.stop().await;
}
on_both_backends_with_own_server!(
    payment_still_unknown_when_the_card_must_go_is_flagged_for_a_person
);

async fn silent_calls_are_closed_as_abandoned_with_their_last_step(server: &TestServer) {
    let quiet = server.linda_at_pin_question().await;
    server.clock.advance(Duration::from_secs(50 * 60));
    let mut recent = server.linda_at_pin_question().await;
    server.clock.advance(Duration::from_secs(11 * 60));

    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");

    assert_eq!(report.calls_closed, 1);
    let record = server.api_call(&quiet.call_sid).await;
    assert_eq!(record["outcome"], "abandoned");
    assert_eq!(record["last_step"], "ask_pin");
    assert!(record["ended_at"].is_i64());
    let still_open = server.api_call(&recent.call_sid).await;
    assert!(still_open["ended_at"].is_null());
    let said = recent.press("6446").await.expect("the other call goes on");
    assert_heard!(&said, "balance");
}
on_both_backends!(silent_calls_are_closed_as_abandoned_with_their_last_step);

async fn nul_and_control_bytes_anywhere_get_an_answer_never_an_error(server: &TestServer) {
    let call = server.linda_at_pin_question().await;
    let sid = call.call_sid.as_str();
    let path = server.pending_path(&call);
    let nul_sid = format!("{sid}\u{0}");
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/twilio/voice",
            vec![
                ("CallSid", "CA\u{0}new\u{1b}"),
                ("From", "+1555\u{0}2126618"),
            ],
        ),
        (
            path.as_str(),
            vec![("CallSid", sid), ("Digits", "64\u{0}46")],
        ),
        (
            "/twilio/status",
            vec![("CallSid", nul_sid.as_str()), ("CallStatus", "completed")],
        ),
        (
            "/twilio/status",
            vec![("CallSid", "\u{0}"), ("CallStatus", "completed")],
        ),
        ("/twilio/whisper?call=CA%00x", vec![("CallSid", "\u{0}")]),
    ];
    for (path, params) in posts {
        let (status, body) = server.post_signed(path, &params).await;
        assert!(status < 500, "{path} answered {status}: {body}");
        if !path.starts_with("/twilio/status") {
            assert!(body.contains("<Response>"), "{path}: {body}");
        }
    }
    // The NUL-bearing status callback was the real call's: it ended, as it should.
    assert_eq!(server.api_call(sid).await["outcome"], "abandoned");
    let response = ivrpay::http_client()
        .get(format!("{}/api/calls/CA%00", server.url))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("api");
    assert_eq!(response.status(), 404);
}
on_both_backends!(nul_and_control_bytes_anywhere_get_an_answer_never_an_error);

/// Reads until the server closes the connection; `true` when it did within `limit`.
async fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn slow_clients_are_cut_off_and_the_server_stays_responsive(backend: Backend) {
    let options = Options {
        http: HttpLimits {
            header_read_timeout: Duration::from_millis(300),
            body_read_timeout: Duration::from_millis(300),
            max_connections: 50,
            ..HttpLimits::default()
        },
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let address = server.url.trim_start_matches("http://").to_owned();
    // More slow clients than the server takes, each sending part of its headers, then stalling;
    // and a few that send a whole head and part of a body.
    let mut slow = Vec::new();
    for i in 0..140 {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        let partial: &[u8] = if i < 120 {
            b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nX-Twilio-Sig"
        } else {
            b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nCallSid=CA1"
        };
        // A connection evicted for a newer one may already be closed; that is one of the outcomes.
        let _ = stream.write_all(partial).await;
        slow.push(stream);
    }
    // While they hold every connection the server allows, it still answers: the newcomer takes
    // the place of the oldest connection with no request in progress.
    let health = ivrpay::http_client_builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("health during the flood");
    assert_eq!(health.status(), 200);
    // Every one of them is closed by the server, none held open.
    for stream in &mut slow {
        assert!(
            closed_by_server(stream, Duration::from_secs(10)).await,
            "a slow client was left holding a connection"
        );
    }
    // Connections that idle after a request are closed too.
    let mut idle = TcpStream::connect(&address).await.expect("connect");
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    assert!(closed_by_server(&mut idle, Duration::from_secs(10)).await);
    // And the service answers as before.
    let health = ivrpay::http_client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let call = server.linda_at_pin_question().await;
    assert!(call.is_asking());
    server.stop().await;
}
on_both_backends_with_own_server!(slow_clients_are_cut_off_and_the_server_stays_responsive);

async fn oversized_bodies_are_refused_without_reading_them(server: &TestServer) {
    let url = format!("{}/twilio/voice", server.url);
    let body = format!("CallSid=CA1&Junk={}", "x".repeat(200 * 1024));
    let response = ivrpay::http_client()
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 413);
}
on_both_backends!(oversized_bodies_are_refused_without_reading_them);

/// Percent-encodes arbitrary bytes as a form value, as a client could send them.
fn percent_encoded(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

async fn signed_webhooks_of_random_bytes_never_get_a_server_error(server: &TestServer) {
    let call = server.linda_at_pin_question().await;
    let gather = server.pending_path(&call);
    // A fixed seed: the same bytes every run, so a failure can be reproduced.
    let mut seed: u64 = 0x5eed_1234_abcd_9876;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let client = ivrpay::http_client();
    for round in 0..150 {
        let garbage: Vec<u8> = (0..(next() % 40)).map(|_| next() as u8).collect();
        let path = [
            "/twilio/voice",
            gather.as_str(),
            "/twilio/status",
            "/twilio/dial?turn=1",
        ][round % 4];
        let sid = if round % 3 == 0 {
            percent_encoded(&garbage)
        } else {
            call.call_sid.clone()
        };
        let body = format!(
            "CallSid={sid}&From={}&Digits={}&CallStatus={}",
            percent_encoded(&garbage),
            percent_encoded(&garbage),
            percent_encoded(&garbage)
        );
        // Signed over what the bytes decode to, as the provider signs what it sends.
        let url = format!("{}{path}", server.url);
        let pairs = ivrpay::telephony::sanitize::decode_form(body.as_bytes());
        let signature = ivrpay::telephony::twilio::compute_signature(AUTH_TOKEN, &url, &pairs);
        let response = client
            .post(&url)
            .header("X-Twilio-Signature", signature)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("answer");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert!(status < 500, "{path} answered {status}: {text}");
        if !path.starts_with("/twilio/status") {
            assert!(text.contains("<Response>"), "{path} answered {text}");
        }
    }
}
on_both_backends!(signed_webhooks_of_random_bytes_never_get_a_server_error);
