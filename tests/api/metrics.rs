//! `/metrics`: it parses as Prometheus text, its counters move by exactly what the calls did
//! (webhooks by route and status, payments by outcome, gateway requests, messages), the calls in
//! progress and the database pools are read at scrape time, and it is never served to a scraper
//! without a token except on its own listener. On SQLite and PostgreSQL.

use crate::common;

use std::time::Duration;

use common::{ADMIN_TOKEN, Backend, Options, TestServer};
use ivrpay::config::MetricsSettings;
use ivrpay::messages::outbox;
use ivrpay::messages::{MessagingSettings, SmsSettings};
use secrecy::SecretString;

pub(crate) const METRICS_TOKEN: &str = "test-metrics-token";

/// A server with a metrics token and the metrics' own listener on the loopback.
pub(crate) fn with_metrics(options: Options) -> Options {
    Options {
        metrics: MetricsSettings {
            listen: Some("127.0.0.1:0".parse().expect("address")),
            token: Some(SecretString::from(METRICS_TOKEN)),
        },
        ..options
    }
}

/// One scrape, parsed.
struct Scraped {
    samples: Vec<prometheus_parse::Sample>,
}

impl Scraped {
    /// The values of `metric`'s samples whose labels include these (and no others, if `exact`).
    fn values<'a>(
        &'a self,
        metric: &'a str,
        labels: &'a [(&str, &str)],
        exact: bool,
    ) -> impl Iterator<Item = f64> + 'a {
        self.samples
            .iter()
            .filter(move |sample| sample.metric == metric)
            .filter(move |sample| !exact || sample.labels.len() == labels.len())
            .filter(move |sample| {
                labels
                    .iter()
                    .all(|(name, value)| sample.labels.get(name) == Some(*value))
            })
            .map(move |sample| match sample.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => panic!("{metric} is not a single value"),
            })
    }

    /// The value of `metric` with exactly these labels; 0 when it has not been counted yet.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        let matching: Vec<f64> = self.values(metric, labels, true).collect();
        assert!(matching.len() <= 1, "{metric} {labels:?}: {matching:?}");
        matching.first().copied().unwrap_or(0.0)
    }

    /// The sum of `metric` over every sample whose labels include these.
    fn sum(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.values(metric, labels, false).sum()
    }

    /// Every value of `label` among `metric`'s samples.
    fn label_values(&self, metric: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|sample| sample.metric == metric)
            .filter_map(|sample| sample.labels.get(label).map(str::to_owned))
            .collect()
    }
}

/// GETs `url` with `token` (if any): the status and the body.
async fn get(url: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = ivrpay::http_client().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// Scrapes the main listener with the metrics token and parses what it says.
async fn scrape(server: &TestServer) -> Scraped {
    parse(&format!("{}/metrics", server.url), Some(METRICS_TOKEN)).await
}

async fn parse(url: &str, token: Option<&str>) -> Scraped {
    let (status, content_type, body) = get(url, token).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(body.ends_with("# EOF\n"), "a complete exposition: {body}");
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|line| Ok(line.to_owned())))
        .expect("parses as Prometheus text");
    // Every sample line became a sample: nothing was skipped as unreadable.
    let sample_lines = body
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .count();
    let parsed: usize = scrape
        .samples
        .iter()
        .map(|sample| match &sample.value {
            prometheus_parse::Value::Histogram(buckets) => buckets.len(),
            _ => 1,
        })
        .sum();
    assert_eq!(parsed, sample_lines, "{body}");
    for family in body.lines().filter_map(|line| line.strip_prefix("# TYPE ")) {
        let name = family.split(' ').next().unwrap_or_default();
        assert!(scrape.docs.contains_key(name), "{name} has HELP: {body}");
    }
    for always in [
        "ivrpay_payments_total",
        "ivrpay_messages_total",
        "ivrpay_calls_in_progress",
    ] {
        assert!(
            scrape.samples.iter().any(|sample| sample.metric == always),
            "{always} is there from the start: {body}"
        );
    }
    Scraped {
        samples: scrape.samples,
    }
}

/// The webhooks every call of this server has made that carried a turn (`voice`, `gather` and
/// redirects), as the database counts them: each answered webhook of a call is one turn.
async fn turns_answered(server: &TestServer) -> f64 {
    let row: (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(turn), 0) AS BIGINT) FROM calls")
        .fetch_one(server.state.line.store.pool())
        .await
        .expect("db");
    row.0 as f64
}

async fn counters_move_with_calls(backend: Backend) {
    let Some(server) = TestServer::start_with(backend, with_metrics(Options::default())).await
    else {
        return;
    };
    let before = scrape(&server).await;
    assert_eq!(before.value("ivrpay_calls_in_progress", &[]), 0.0);
    assert_eq!(
        before.sum("ivrpay_webhooks_total", &[]),
        0.0,
        "nothing counted before any call"
    );

    // Linda pays five dollars: approved. Then a declined card on a second call.
    let mut paid = server.linda_at_card_number("5").await;
    let during = scrape(&server).await;
    assert_eq!(during.value("ivrpay_calls_in_progress", &[]), 1.0);
    server
        .enter_card(&mut paid, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = paid.press("1").await.expect("pay");
    assert_heard!(&said, "was approved");
    paid.hang_up(&server.url).await.expect("hang up");

    let mut declined = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut declined, "4000000000000002", "1228", "123", "77141")
        .await;
    let said = declined.press("1").await.expect("pay");
    assert_heard!(&said, "declined");
    declined.hang_up(&server.url).await.expect("hang up");

    // A webhook with a wrong signature, and a path no provider has.
    let (status, _) = {
        let response = ivrpay::http_client()
            .post(format!("{}/twilio/gather", server.url))
            .header("X-Twilio-Signature", "forged")
            .form(&[("CallSid", "CA-forged"), ("Digits", "1")])
            .send()
            .await
            .expect("answers");
        (response.status().as_u16(), ())
    };
    assert_eq!(status, 403);
    let unknown = ivrpay::http_client()
        .post(format!("{}/nobody/c4rd-4242424242424242", server.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(unknown.status(), 404);

    let after = scrape(&server).await;
    let moved = |metric: &str, labels: &[(&str, &str)]| {
        after.value(metric, labels) - before.value(metric, labels)
    };
    // Every webhook answered with voice XML is a turn the database recorded.
    let answered = after.sum("ivrpay_webhooks_total", &[("status", "200")]);
    assert_eq!(answered, turns_answered(&server).await);
    // Two calls (voice), two hang-ups (status), a forged signature, a path no provider has.
    for (route, status, count) in [
        ("/twilio/voice", "200", 2.0),
        ("/twilio/status", "204", 2.0),
        ("/twilio/gather", "403", 1.0),
        ("unknown", "404", 1.0),
    ] {
        let labels = [("route", route), ("status", status)];
        assert_eq!(moved("ivrpay_webhooks_total", &labels), count, "{labels:?}");
    }
    for route in after.label_values("ivrpay_webhooks_total", "route") {
        assert!(!route.contains("4242"), "no raw path in a label: {route}");
    }
    // The latency histogram saw each of them.
    let timed = after.sum("ivrpay_webhook_duration_seconds_count", &[]);
    assert_eq!(timed, after.sum("ivrpay_webhooks_total", &[]));

    for outcome in ["approved", "declined"] {
        let labels = [("kind", "card"), ("outcome", outcome)];
        assert_eq!(moved("ivrpay_payments_total", &labels), 1.0, "{outcome}");
    }
    assert_eq!(after.sum("ivrpay_payments_total", &[]), 2.0);
    for result in ["approved", "declined"] {
        assert_eq!(
            after.value(
                "ivrpay_gateway_request_duration_seconds_count",
                &[
                    ("gateway", "sandbox"),
                    ("operation", "charge"),
                    ("result", result)
                ]
            ),
            1.0,
            "{result}"
        );
    }
    assert_eq!(after.value("ivrpay_calls_in_progress", &[]), 0.0);
    assert_eq!(
        after.value("ivrpay_db_pool_max_connections", &[("pool", "main")]),
        8.0
    );
    assert!(after.sum("ivrpay_db_pool_connections", &[("pool", "main")]) >= 1.0);
    server.stop().await;
}
on_both_backends_with_own_server!(counters_move_with_calls);

async fn never_served_without_a_token_on_the_main_listener(backend: Backend) {
    let Some(server) = TestServer::start_with(backend, with_metrics(Options::default())).await
    else {
        return;
    };
    let url = format!("{}/metrics", server.url);
    for token in [None, Some("wrong"), Some("")] {
        let (status, _, body) = get(&url, token).await;
        assert_eq!(status, 401, "{token:?}");
        assert!(!body.contains("ivrpay_"), "{body}");
    }
    // The metrics token or the admin token reads them.
    parse(&url, Some(METRICS_TOKEN)).await;
    parse(&url, Some(ADMIN_TOKEN)).await;
    // The listener of their own needs none, and serves nothing else.
    let own = server.metrics_url.clone().expect("a metrics listener");
    parse(&format!("{own}/metrics"), None).await;
    let (status, _, _) = get(&format!("{own}/api/payments/unsettled"), Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 404);
    server.stop().await;

    // Without a metrics token, the admin token alone; without a listener of their own, none.
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    assert!(server.metrics_url.is_none());
    let url = format!("{}/metrics", server.url);
    assert_eq!(get(&url, None).await.0, 401);
    assert_eq!(get(&url, Some(METRICS_TOKEN)).await.0, 401);
    parse(&url, Some(ADMIN_TOKEN)).await;
    server.stop().await;
}
on_both_backends_with_own_server!(never_served_without_a_token_on_the_main_listener);

/// Runs the sender once; asserts it counted one text with `result`, and returns how many tries
/// are counted in all.
async fn one_try_counted_as(server: &TestServer, result: &str) -> f64 {
    outbox::run_once(&outbox::Outbox::of(&server.state.line))
        .await
        .expect("sender");
    let scraped = scrape(server).await;
    let labels = [("channel", "sms"), ("result", result)];
    assert_eq!(
        scraped.value("ivrpay_messages_total", &labels),
        1.0,
        "{result}"
    );
    scraped.sum("ivrpay_messages_total", &[])
}

/// Texts sent to a Twilio that cannot be reached: each try counts as a retry, and the message
/// given up on as failed.
async fn messages_are_counted_by_result(backend: Backend) {
    // A port just freed: every request fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let messaging = MessagingSettings {
        sms: Some(SmsSettings {
            from: "+18005550100".to_owned(),
        }),
        ..MessagingSettings::default()
    };
    let options = with_metrics(Options {
        messaging,
        provider_api: Some(format!("http://{closed}")),
        ..Options::default()
    });
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("pay");
    call.press("9").await.expect("end");
    let said = call.press("1").await.expect("by text");
    assert_heard!(&said, "It's on its way.");

    assert_eq!(one_try_counted_as(&server, "retry").await, 1.0);
    // Past the time a message is tried for, it is given up on.
    server
        .clock
        .advance(server.state.line.config.messaging.give_up_after + Duration::from_secs(60));
    assert_eq!(one_try_counted_as(&server, "failed").await, 2.0);
    server.stop().await;
}
on_both_backends_with_own_server!(messages_are_counted_by_result);
