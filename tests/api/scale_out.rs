//! Several stateless instances on one database behind a load balancer, with no sticky sessions:
//! any webhook of a call may reach any instance. And the database going away and coming back.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::balancer::Balancer;
use common::{AUTH_TOKEN, Backend, Options, TestServer};
use ivrpay::app::Application;
use ivrpay::clock::ManualClock;
use ivrpay::http::AppState;
use ivrpay::payments::SandboxGateway;
use ivrpay_simulators::caller::Call;
use tokio::sync::oneshot;

/// Two instances sharing one database and one data key, behind a round-robin balancer whose
/// address is both instances' public URL (as in production).
struct Cluster {
    balancer: Balancer,
    instances: Vec<(String, AppState, oneshot::Sender<()>)>,
    sandbox: Arc<SandboxGateway>,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl Cluster {
    async fn start(backend: Backend) -> Option<Cluster> {
        let dir = tempfile::tempdir().expect("dir");
        let database_url = common::fresh_database(backend, dir.path()).await?;
        let clock = ManualClock::new(time::macros::datetime!(2026-11-23 15:00 UTC));
        let sandbox = Arc::new(SandboxGateway::new());
        let mut balancer = Balancer::bind().await;
        let mut instances = Vec::new();
        for _ in 0..2 {
            let mut config = common::config(&database_url, Options::default());
            config.public_url = Some(balancer.url.clone());
            let app =
                Application::build_with_gateway(config, Arc::new(clock.clone()), sandbox.clone())
                    .await
                    .expect("instance starts");
            let direct = format!("http://{}", app.local_addr());
            let state = app.state().clone();
            let (shutdown, stopped) = oneshot::channel::<()>();
            tokio::spawn(app.run_until(async {
                let _ = stopped.await;
            }));
            instances.push((direct, state, shutdown));
        }
        common::import_demo_accounts(&instances[0].1, &clock).await;
        let addresses = instances
            .iter()
            .map(|(direct, _, _)| {
                direct
                    .trim_start_matches("http://")
                    .parse()
                    .expect("address")
            })
            .collect();
        balancer.start(addresses);
        Some(Cluster {
            balancer,
            instances,
            sandbox,
            database_url,
            _dir: dir,
        })
    }

    /// A caller whose every webhook opens a new connection, as providers do.
    fn client() -> reqwest::Client {
        ivrpay::http_client_builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client")
    }

    /// A call through the balancer, or (with `only`) straight to one instance.
    async fn call_from(&self, from: &str, only: Option<usize>) -> Call {
        let sid = format!("CA{:032x}", rand::random::<u128>());
        let mut call = Call::new(Self::client(), Some(AUTH_TOKEN), &sid, from, "+18005550100");
        if let Some(index) = only {
            call.via = Some((self.balancer.url.clone(), self.instances[index].0.clone()));
        }
        call.start(&self.balancer.url).await.expect("call connects");
        call
    }

    fn store(&self) -> &ivrpay::store::Store {
        &self.instances[0].1.line.store
    }

    async fn stop(self) {
        for (_, state, shutdown) in self.instances {
            let _ = shutdown.send(());
            state.line.store.close().await;
        }
        common::drop_database(&self.database_url).await;
    }
}

async fn payment_call_alternating_between_instances_charges_once(backend: Backend) {
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    let mut call = cluster.call_from("+15552126618", None).await;
    for keys in ["1", "1", "6446", "3", "25", "1"] {
        call.press(keys).await.expect("step");
    }
    call.press("4242424242424242").await.expect("card number");
    // The card waits sealed; the next webhook goes to the other instance, which opens it.
    assert!(
        cluster
            .store()
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_some()
    );
    call.press("1228").await.expect("expiry");
    call.press("123").await.expect("code");
    let said = call.press("77141").await.expect("zip");
    assert_heard!(&said, "Visa ending in 4 2 4 2.");
    let said = call.press("1").await.expect("confirm");
    assert_heard!(&said, "Your payment of twenty-five dollars was approved.");
    assert!(
        cluster
            .store()
            .sealed_bytes(&call.call_sid)
            .await
            .expect("db")
            .is_none(),
        "wiped after the charge"
    );

    let connections = cluster.balancer.connections();
    assert!(
        connections.iter().all(|&n| n >= 5),
        "webhooks reached both instances: {connections:?}"
    );
    assert_eq!(cluster.sandbox.charge_count(), 1);
    let payments = cluster
        .store()
        .payments_for_call(&call.call_sid)
        .await
        .expect("db");
    assert_eq!(payments.len(), 1);
    cluster.stop().await;
}
on_both_backends_with_own_server!(payment_call_alternating_between_instances_charges_once);

async fn lockout_through_one_instance_holds_on_the_other(backend: Backend) {
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    let mut call = cluster.call_from("+15552126618", Some(0)).await;
    call.press("1").await.expect("language");
    call.press("1").await.expect("confirm");
    for pin in ["1111", "2222"] {
        call.press(pin).await.expect("wrong pin");
    }
    let said = call.press("3333").await.expect("third wrong pin");
    assert_heard!(&said, "this account is locked");

    let mut other = cluster.call_from("+15552126618", Some(1)).await;
    other.press("1").await.expect("language");
    other.press("1").await.expect("confirm");
    let said = other
        .press("6446")
        .await
        .expect("right pin on the other instance");
    assert_heard!(&said, "this account is locked");
    cluster.stop().await;
}
on_both_backends_with_own_server!(lockout_through_one_instance_holds_on_the_other);

/// Twenty calls parked at Linda's PIN question, alternating between the two instances.
async fn twenty_calls_at_the_pin_question(cluster: &Cluster) -> Vec<Call> {
    let mut calls = Vec::new();
    for _ in 0..20 {
        let mut call = cluster.call_from("+15552126618", None).await;
        call.press("1").await.expect("language");
        call.press("1").await.expect("confirm account");
        calls.push(call);
    }
    calls
}

/// Sends each call's guess at once and returns what `check_pin` decided for each.
async fn guess_at_once(cluster: &Cluster, calls: &mut [Call], guesses: &[&str]) -> Vec<String> {
    futures::future::join_all(
        calls
            .iter_mut()
            .zip(guesses)
            .map(|(call, guess)| call.press(guess)),
    )
    .await
    .into_iter()
    .for_each(|answer| {
        answer.expect("answered");
    });
    let mut results = Vec::new();
    for call in calls.iter() {
        let record = cluster
            .store()
            .call_record(&call.call_sid)
            .await
            .expect("db")
            .expect("call");
        let check = record
            .steps
            .iter()
            .find(|step| step.state == "check_pin")
            .expect("the PIN was checked or refused");
        results.push(check.result.clone());
    }
    results
}

fn count(results: &[String], wanted: &str) -> usize {
    results.iter().filter(|r| r.as_str() == wanted).count()
}

async fn pin_guesses_at_once_on_two_instances_never_exceed_the_limit(backend: Backend) {
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    // Twenty wrong guesses at once: the first two fail, the third locks, the rest are refused
    // without being checked.
    let mut calls = twenty_calls_at_the_pin_question(&cluster).await;
    let wrong: Vec<String> = (0..20).map(|i| format!("{:04}", 1000 + i)).collect();
    let wrong: Vec<&str> = wrong.iter().map(String::as_str).collect();
    let results = guess_at_once(&cluster, &mut calls, &wrong).await;
    assert_eq!(count(&results, "failed"), 2, "{results:?}");
    assert_eq!(count(&results, "locked"), 18, "{results:?}");
    let account = cluster
        .store()
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(account.failed_auth_attempts, 3);
    assert!(account.locked_until.is_some());

    // Locked: twenty more guesses, the right PIN among them, are all refused unchecked and the
    // lock stands.
    let mut calls = twenty_calls_at_the_pin_question(&cluster).await;
    let mut guesses = wrong.clone();
    guesses[7] = "6446";
    let results = guess_at_once(&cluster, &mut calls, &guesses).await;
    assert_eq!(count(&results, "locked"), 20, "{results:?}");
    let account = cluster
        .store()
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert!(
        account.locked_until.is_some(),
        "a refused guess never unlocks"
    );
    cluster.stop().await;
}
on_both_backends_with_own_server!(pin_guesses_at_once_on_two_instances_never_exceed_the_limit);

async fn right_pin_among_simultaneous_guesses_is_checked_only_within_the_limit(backend: Backend) {
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    let mut calls = twenty_calls_at_the_pin_question(&cluster).await;
    let mut guesses: Vec<String> = (0..20).map(|i| format!("{:04}", 2000 + i)).collect();
    guesses[19] = "6446".into();
    let guesses: Vec<&str> = guesses.iter().map(String::as_str).collect();
    let results = guess_at_once(&cluster, &mut calls, &guesses).await;
    // Whatever the order they landed in, the right one succeeds only if it was among the first
    // three checked; a success starts a new count, so guesses landing after it get three more
    // (the PIN is known by then). Never more than that.
    let verified = count(&results, "verified");
    let checked = count(&results, "failed") + verified;
    assert!(verified <= 1, "{results:?}");
    assert!(checked <= 3 * (1 + verified), "{results:?}");
    assert!(
        count(&results, "failed") <= 2 * (1 + verified),
        "{results:?}"
    );
    assert_eq!(
        count(&results, "locked") + checked,
        20,
        "every guess was answered: {results:?}"
    );
    cluster.stop().await;
}
on_both_backends_with_own_server!(
    right_pin_among_simultaneous_guesses_is_checked_only_within_the_limit
);

async fn confirmation_sent_to_both_instances_at_once_charges_once(backend: Backend) {
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    let mut call = cluster.call_from("+15552126618", None).await;
    for keys in [
        "1",
        "1",
        "6446",
        "3",
        "40",
        "1",
        "4242424242424242",
        "1228",
        "123",
        "77141",
    ] {
        call.press(keys).await.expect("step");
    }
    let action = call.pending_action().expect("read-back asks").to_owned();
    let params: Vec<(String, String)> = [
        ("CallSid", call.call_sid.as_str()),
        ("From", "+15552126618"),
        ("Digits", "1"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let signature = ivrpay::telephony::twilio::compute_signature(AUTH_TOKEN, &action, &params);
    let sends = cluster.instances.iter().flat_map(|(direct, _, _)| {
        let target = action.replace(&cluster.balancer.url, direct);
        let params = params.clone();
        let signature = signature.clone();
        (0..2).map(move |_| {
            let target = target.clone();
            let params = params.clone();
            let signature = signature.clone();
            async move {
                let response = Cluster::client()
                    .post(target)
                    .header("X-Twilio-Signature", signature)
                    .form(&params)
                    .send()
                    .await
                    .expect("answer");
                (
                    response.status().as_u16(),
                    response.text().await.expect("body"),
                )
            }
        })
    });
    let answers = futures::future::join_all(sends).await;
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && *body == answers[0].1),
        "{answers:?}"
    );
    assert!(answers[0].1.contains("was approved"), "{}", answers[0].1);
    assert_eq!(cluster.sandbox.charge_count(), 1);
    let account = cluster
        .store()
        .account("66253365")
        .await
        .expect("db")
        .expect("account");
    assert_eq!(account.balance_cents, 44533 - 4000);
    cluster.stop().await;
}
on_both_backends_with_own_server!(confirmation_sent_to_both_instances_at_once_charges_once);

/// Runs SQL on the PostgreSQL server as its administrator.
async fn postgres_admin(sql: String) {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(common::POSTGRES_ADMIN_URL)
        .await
        .expect("admin connection");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .expect("admin statement");
}

async_test!(multi_thread callers_hear_the_safe_answer_while_the_database_is_away_and_it_recovers_alone, needs: [Postgres]);
async fn callers_hear_the_safe_answer_while_the_database_is_away_and_it_recovers_alone() {
    let Some(server) = TestServer::start(Backend::Postgres).await else {
        return;
    };
    let name = server
        .database_url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_owned();
    let mut call = server.linda_at_pin_question().await;

    // The database goes away: new connections are refused and existing ones are cut.
    postgres_admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    postgres_admin(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .await;
    let said = call.press("6446").await.expect("still TwiML");
    assert_heard!(
        &said,
        "I'm sorry, something went wrong on our side. Let me connect you with a person who can help."
    );
    let health = ivrpay::http_client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 503);

    // It comes back; the same running server serves calls again.
    postgres_admin(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    let health = ivrpay::http_client()
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let mut again = server.linda_at_pin_question().await;
    let said = again.press("6446").await.expect("pin");
    assert_heard!(&said, "Your balance is");
    server.stop().await;
}

async_test!(multi_thread pool_settings_reach_the_database, needs: [Postgres]);
async fn pool_settings_reach_the_database() {
    use sqlx::Row;
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = common::fresh_database(Backend::Postgres, dir.path()).await else {
        return;
    };
    let settings = ivrpay::store::PoolSettings {
        max_connections: 3,
        acquire_timeout: Duration::from_millis(500),
        statement_timeout: Duration::from_millis(250),
    };
    let store = ivrpay::store::Store::connect(&url, &settings)
        .await
        .expect("connect");
    let row = sqlx::query("SHOW statement_timeout")
        .fetch_one(store.pool())
        .await
        .expect("show");
    let timeout: String = row.try_get(0).expect("text");
    assert_eq!(timeout, "250ms");
    let slow = sqlx::query("SELECT pg_sleep(2)")
        .execute(store.pool())
        .await;
    assert!(slow.is_err(), "a statement over the timeout is cancelled");
    assert_eq!(store.pool().options().get_max_connections(), 3);
    store.close().await;
    common::drop_database(&url).await;
}

/// Signs an agent in straight at one instance (from the public URL's origin, as the balancer's
/// page would); the cookie.
async fn agent_at(cluster: &Cluster, instance: usize, username: &str, name: &str) -> String {
    let (direct, state, _) = &cluster.instances[instance];
    common::add_agent(state, username, name, common::console::PASSWORD, false).await;
    let response = common::console::client()
        .post(format!("{direct}/agent/sign-in"))
        .header("origin", &cluster.balancer.url)
        .form(&[
            ("username", username),
            ("password", common::console::PASSWORD),
        ])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 303);
    response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned()
}

/// Reads a stream until what arrived contains `needle` (ten seconds at most).
async fn read_until(stream: &mut reqwest::Response, received: &mut String, needle: &str) {
    let read = async {
        while !received.contains(needle) {
            let chunk = stream.chunk().await.expect("stream").expect("open");
            received.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} on the stream: {received}"));
}

async fn a_transfer_on_one_instance_pops_up_on_a_console_served_by_the_other(backend: Backend) {
    // Arrange: Ana's console streams from instance 0; Ben works on instance 1.
    let Some(cluster) = Cluster::start(backend).await else {
        return;
    };
    let ana = agent_at(&cluster, 0, "ana", "Ana López").await;
    let ben = agent_at(&cluster, 1, "ben", "Ben Okafor").await;
    let mut stream = common::console::client()
        .get(format!("{}/agent/transfers/stream", cluster.instances[0].0))
        .header("cookie", &ana)
        .send()
        .await
        .expect("answers");
    assert_eq!(stream.status(), 200);
    let mut received = String::new();

    // Act: the whole call goes to instance 1.
    let mut call = cluster.call_from("+15552126618", Some(1)).await;
    // Still on the line when Ben takes the transfer: the simulated line rings out.
    call.agent_answers = false;
    for keys in ["1", "1", "6446", "0"] {
        call.press(keys).await.expect("step");
    }

    // Assert: instance 0 pushes it.
    read_until(&mut stream, &mut received, "Linda Brown").await;
    let id = cluster
        .store()
        .transfers_of_call("twilio", &call.call_sid)
        .await
        .expect("db")[0]
        .id;

    // Act: Ben takes the caller on instance 1.
    let page = common::console::client()
        .get(format!("{}/agent", cluster.instances[1].0))
        .header("cookie", &ben)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("body");
    let csrf = page
        .split_once("name=\"csrf\" value=\"")
        .and_then(|(_, rest)| rest.split('"').next())
        .expect("a CSRF token")
        .to_owned();
    let claimed = common::console::client()
        .post(format!(
            "{}/agent/transfers/{id}/claim",
            cluster.instances[1].0
        ))
        .header("cookie", &ben)
        .header("origin", &cluster.balancer.url)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("answers");
    assert_eq!(claimed.status(), 303);

    // Assert: Ana, on instance 0, sees it taken.
    read_until(&mut stream, &mut received, "Taken by Ben Okafor").await;
    drop(stream);
    cluster.stop().await;
}
on_both_backends_with_own_server!(
    a_transfer_on_one_instance_pops_up_on_a_console_served_by_the_other
);
