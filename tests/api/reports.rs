//! Reports, black-box on SQLite and PostgreSQL: real calls with known outcomes (paid, declined,
//! abandoned at the PIN and at the card, put through to a person, locked out, surveyed, one
//! never reported ended) driven through the webhooks, then the report read through
//! `GET /api/reports` (JSON and CSV), `GET /api/reports/funnel` and `ivrpay report`.

use crate::common;

use std::time::Duration;

use common::{ADMIN_TOKEN, TestServer};
use serde_json::{Value, json};

const UNKNOWN: &str = "+15550009999";

async fn get(server: &TestServer, path_and_query: &str) -> (u16, String) {
    let response = ivrpay::http_client()
        .get(format!("{}{path_and_query}", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("api answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn report(server: &TestServer, query: &str) -> Value {
    let (status, body) = get(server, &format!("/api/reports?{query}")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// Records that the caller was asked the survey and what they answered.
async fn surveyed(server: &TestServer, call_sid: &str, resolved: Option<i64>, rating: Option<i64>) {
    use ivrpay::clock::Clock;
    let now = server.clock.now_ms();
    let answered = (resolved.is_some() || rating.is_some()).then_some(now);
    sqlx::query(
        "INSERT INTO surveys (provider, call_sid, offered_at, resolved, rating, answered_at) \
         VALUES ('twilio', $1, $2, $3, $4, $5)",
    )
    .bind(call_sid)
    .bind(now)
    .bind(resolved)
    .bind(rating)
    .bind(answered)
    .execute(server.state.line.store.pool())
    .await
    .expect("survey row");
}

/// Monday 2026-11-23, 15:00 UTC (10 AM in New York, the line's time zone): six calls with known
/// outcomes; then, at 03:00 UTC on the 24th (still the 23rd in New York), a lockout.
async fn calls_with_known_outcomes(server: &TestServer) -> Vec<String> {
    // Paid: $5, ninety seconds after the call started.
    let mut paid = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut paid, "4242424242424242", "1228", "123", "77141")
        .await;
    server.clock.advance(Duration::from_secs(90));
    let said = paid.press("1").await.expect("pay");
    assert_heard!(&said, "Your confirmation number is");
    paid.hang_up(&server.url).await.expect("hang up");
    surveyed(server, &paid.call_sid, Some(1), Some(4)).await;

    // Declined for insufficient funds, then the caller hangs up.
    let mut declined = server.linda_at_card_number("6").await;
    server
        .enter_card(&mut declined, "4000000000009995", "1228", "123", "77141")
        .await;
    declined.press("1").await.expect("declined");
    declined.hang_up(&server.url).await.expect("hang up");
    surveyed(server, &declined.call_sid, None, None).await;

    // Hangs up at the PIN.
    let mut at_pin = server.linda_at_pin_question().await;
    at_pin.hang_up(&server.url).await.expect("hang up");

    // Hangs up at the card number.
    let mut at_card = server.linda_at_card_number("7").await;
    at_card.hang_up(&server.url).await.expect("hang up");

    // Asks for a person after hearing the balance.
    let mut transferred = server.linda_at_pin_question().await;
    transferred.press("6446").await.expect("pin");
    let said = transferred.press("0").await.expect("a person");
    assert_heard!(&said, "Please hold");
    transferred.hang_up(&server.url).await.expect("hang up");
    surveyed(server, &transferred.call_sid, Some(0), Some(2)).await;

    // A caller ID we do not know: asked for an account number, the call goes silent and its
    // end is never reported; upkeep closes it.
    let mut silent = server.call_from(UNKNOWN).await;
    let said = silent.press("1").await.expect("language");
    assert_heard!(&said, "Please enter your account number");

    // Locked out after three wrong PINs, late in the evening in New York: the line is closed,
    // so the flow says goodbye itself.
    let late =
        time::macros::datetime!(2026-11-24 03:00 UTC) - ivrpay::clock::Clock::now(&server.clock);
    server.clock.advance(late.try_into().expect("later"));
    let mut locked = server.linda_at_pin_question().await;
    for pin in ["1111", "2222", "3333"] {
        locked.press(pin).await.expect("wrong pin");
    }
    locked.hang_up(&server.url).await.expect("hang up");

    server.clock.advance(Duration::from_secs(2 * 60 * 60));
    ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    // Its steps' times pass the card-number check; the call still reads back whole.
    assert_eq!(
        server.api_call(&locked.call_sid).await["outcome"],
        "locked_out"
    );
    vec![
        paid.call_sid,
        declined.call_sid,
        transferred.call_sid,
        locked.call_sid,
    ]
}

async fn calls_with_known_outcomes_make_exactly_the_expected_report(server: &TestServer) {
    // Arrange
    calls_with_known_outcomes(server).await;

    // Act
    let by_day = report(server, "from=2026-11-22&to=2026-11-24&by=day").await;

    // Assert: days are New York's; quiet days are listed with zeros.
    assert_eq!(by_day["time_zone"], "America/New_York");
    let days: Vec<&str> = by_day["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["group"].as_str().expect("group"))
        .collect();
    assert_eq!(days, ["2026-11-22", "2026-11-23", "2026-11-24"]);
    assert_eq!(by_day["rows"][0]["calls"]["total"], 0);
    assert_eq!(by_day["rows"][2]["calls"]["total"], 0);
    let day = &by_day["rows"][1];
    assert_eq!(
        day["calls"],
        json!({
            "total": 7,
            "in_progress": 0,
            "contained": 2,
            "transferred": 1,
            "transferred_by_reason": {
                "asked": 1, "no_answer": 0, "failed_entries": 0, "several_tries": 0, "sent": 0
            },
            "abandoned": 4,
            "lockouts": 1,
            "containment_rate": 0.2857
        }),
        "{day}"
    );
    assert_eq!(
        day["payments"],
        json!({
            "attempts": 2,
            "approved": 1,
            "approved_cents": 500,
            "declined": 1,
            "declined_by_reason": { "insufficient_funds": 1 },
            "unsettled": 0,
            "approval_rate": 0.5,
            "paying_calls": 1,
            "average_seconds_to_pay": 90
        }),
        "{day}"
    );
    assert_eq!(
        day["arrangements"],
        json!({ "plan": 0, "promise": 0, "settlement": 0 })
    );
    assert_eq!(
        day["survey"],
        json!({
            "offered": 3,
            "answered": 2,
            "response_rate": 0.6667,
            "ratings": { "1": 0, "2": 1, "3": 0, "4": 1, "5": 0 },
            "average_rating": 3.0,
            "resolved": 1,
            "not_resolved": 1
        }),
        "{day}"
    );

    // The funnel: where callers went on, asked for a person, hung up.
    let funnel = by_day["funnel"].as_array().expect("funnel");
    let step = |state: &str| {
        funnel
            .iter()
            .find(|s| s["state"] == state)
            .unwrap_or_else(|| panic!("{state} in {funnel:?}"))
            .clone()
    };
    let counts = |state: &str| {
        let s = step(state);
        [
            &s["reached"],
            &s["went_on"],
            &s["asked_for_person"],
            &s["hung_up"],
            &s["ended"],
        ]
        .map(|v| v.as_i64().expect("count"))
    };
    assert!(funnel.iter().all(|s| s["flow"] == "payment"), "{funnel:?}");
    assert_eq!(counts("identify_caller"), [7, 7, 0, 0, 0]);
    // Five reached the PIN by caller ID (James typed his account and hung up before it).
    assert_eq!(counts("ask_pin"), [6, 5, 0, 1, 0]);
    assert_eq!(counts("ask_account"), [1, 0, 0, 1, 0]);
    assert_eq!(counts("ask_card_number"), [3, 2, 0, 1, 0]);
    assert_eq!(counts("agent"), [1, 0, 0, 0, 1]);
    let total = |field: &str| -> i64 { funnel.iter().map(|s| s[field].as_i64().expect("n")).sum() };
    assert_eq!(total("asked_for_person"), 1);
    assert_eq!(total("hung_up"), 4);
    for s in funnel {
        let sum: i64 = ["went_on", "asked_for_person", "hung_up", "ended"]
            .iter()
            .map(|f| s[f].as_i64().expect("n"))
            .sum();
        assert_eq!(s["reached"].as_i64(), Some(sum), "{s}");
    }
    let order: Vec<&str> = funnel
        .iter()
        .map(|s| s["state"].as_str().expect("state"))
        .collect();
    let at = |state: &str| order.iter().position(|s| *s == state).expect("listed");
    assert!(at("identify_caller") < at("ask_pin") && at("ask_pin") < at("ask_card_number"));
    let (status, body) = get(server, "/api/reports/funnel?from=2026-11-23&to=2026-11-23").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        by_day["funnel"]
    );
}
on_both_backends!(calls_with_known_outcomes_make_exactly_the_expected_report);

async fn rows_group_by_segment_language_provider_and_flow(server: &TestServer) {
    // Arrange
    calls_with_known_outcomes(server).await;

    // Act / Assert: Linda is in the early segment; the unknown caller never named an account.
    for (by, groups) in [
        ("segment", vec![("(none)", 1), ("early", 6)]),
        ("language", vec![("en", 7)]),
        ("provider", vec![("twilio", 7)]),
        ("flow", vec![("payment", 7)]),
        ("week", vec![("2026-11-23", 7)]),
    ] {
        let rows = report(server, &format!("from=2026-11-23&to=2026-11-24&by={by}")).await;
        let got: Vec<(String, i64)> = rows["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["group"].as_str().expect("group").to_owned(),
                    r["calls"]["total"].as_i64().expect("total"),
                )
            })
            .collect();
        let want: Vec<(String, i64)> = groups.iter().map(|(g, n)| ((*g).to_owned(), *n)).collect();
        assert_eq!(got, want, "by {by}");
    }
    // A day before the calls has none of them.
    let before = report(server, "from=2026-11-22&to=2026-11-22&by=segment").await;
    assert_eq!(before["rows"], json!([]));
}
on_both_backends!(rows_group_by_segment_language_provider_and_flow);

/// `ivrpay report` for November 23 on the server's database, with `args`.
fn ivrpay_report(server: &TestServer, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"))
        .args(["report", "--from", "2026-11-23", "--to", "2026-11-23"])
        .args(args)
        .args(["--database-url", &server.database_url])
        .args([
            "--flows",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"),
        ])
        .output()
        .expect("ivrpay runs")
}

async fn csv_from_the_api_and_the_command_line_match(server: &TestServer) {
    // Arrange
    calls_with_known_outcomes(server).await;

    // Act
    let (status, api_csv) = get(
        server,
        "/api/reports?from=2026-11-23&to=2026-11-23&format=csv",
    )
    .await;
    let cli = ivrpay_report(server, &["--format", "csv"]);
    let table = ivrpay_report(server, &["--by", "segment"]);

    // Assert
    assert_eq!(status, 200);
    let lines: Vec<&str> = api_csv.lines().collect();
    assert_eq!(lines.len(), 2, "{api_csv}");
    assert!(lines[0].starts_with("group,calls,in_progress,contained,containment,transferred,"));
    assert!(
        lines[1].starts_with(
            "2026-11-23,7,0,2,0.2857,1,1,0,0,0,0,4,1,2,1,500,1,0.5,insufficient_funds:1,0,90,"
        ),
        "{}",
        lines[1]
    );
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&cli.stdout), api_csv);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("Calls from 2026-11-23 to 2026-11-23 (America/New_York), by segment"),
        "{table}"
    );
    assert!(table.contains("ask_card_number"), "{table}");
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(
        widest <= 100,
        "the table fits a terminal ({widest} wide): {table}"
    );
    assert!(
        table.contains("--format csv or json"),
        "says where the rest is: {table}"
    );
    // `--funnel` gives only the funnel in every format; `--db` still names the database.
    for format in ["table", "csv", "json"] {
        let funnel = ivrpay_report(server, &["--format", format, "--funnel"]);
        let funnel = String::from_utf8_lossy(&funnel.stdout);
        assert!(funnel.contains("ask_pin"), "{format}: {funnel}");
        assert!(
            !funnel.contains("approv"),
            "{format}: only the funnel: {funnel}"
        );
    }
    let old_flag = std::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"))
        .args([
            "report",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
            "--format",
            "csv",
        ])
        .args(["--db", &server.database_url])
        .output()
        .expect("ivrpay runs");
    assert_eq!(String::from_utf8_lossy(&old_flag.stdout), api_csv);
    let (status, funnel_csv) = get(
        server,
        "/api/reports/funnel?from=2026-11-23&to=2026-11-23&format=csv",
    )
    .await;
    assert_eq!(status, 200);
    assert!(funnel_csv.starts_with("flow,state,reached,went_on,asked_for_person,hung_up,ended\n"));
    assert!(
        funnel_csv.contains("\npayment,ask_pin,6,5,0,1,0\n"),
        "{funnel_csv}"
    );
}
on_both_backends!(csv_from_the_api_and_the_command_line_match);

/// A segment stored before imports were checked, that a spreadsheet would run as a formula.
const FORMULA_SEGMENT: &str = "=cmd|' /C calc'!A0";

async fn a_formula_in_a_group_reaches_every_csv_as_text(server: &TestServer) {
    // Arrange: Linda's account carries the formula as its segment; her calls are grouped by it.
    sqlx::query("UPDATE accounts SET segment = $1 WHERE account_number = '66253365'")
        .bind(FORMULA_SEGMENT)
        .execute(server.state.line.store.pool())
        .await
        .expect("segment");
    calls_with_known_outcomes(server).await;
    let rosa = common::console::admin(server, "rosa", "Rosa Díaz").await;

    // Act: the three downloads.
    let (status, api) = get(
        server,
        "/api/reports?from=2026-11-23&to=2026-11-23&by=segment&format=csv",
    )
    .await;
    assert_eq!(status, 200, "{api}");
    let cli = ivrpay_report(server, &["--format", "csv", "--by", "segment"]);
    let dashboard = common::console::client()
        .get(format!(
            "{}/dashboard/report.csv?from=2026-11-23&to=2026-11-23&by=segment",
            server.url
        ))
        .header(reqwest::header::COOKIE, &rosa.cookie)
        .send()
        .await
        .expect("dashboard answers");
    assert_eq!(dashboard.status(), 200);
    let dashboard = dashboard.text().await.expect("csv");

    // Assert: the group is text to a spreadsheet (a quote in front), the numbers stay numbers.
    let cli = String::from_utf8_lossy(&cli.stdout).into_owned();
    for (place, csv) in [
        ("API", &api),
        ("command line", &cli),
        ("dashboard", &dashboard),
    ] {
        let row = csv
            .lines()
            .find(|line| line.contains("calc"))
            .unwrap_or_else(|| panic!("{place}: the segment's row in {csv}"));
        assert!(
            row.starts_with("'=cmd|' /C calc'!A0,6,0,"),
            "{place}: {row}"
        );
        for line in csv.lines() {
            assert!(!line.starts_with(['=', '+', '-', '@']), "{place}: {line}");
        }
    }
}
on_both_backends!(a_formula_in_a_group_reaches_every_csv_as_text);

async fn bad_parameters_get_a_problem_saying_how_to_fix_them(server: &TestServer) {
    for (query, detail) in [
        ("to=2026-11-30", "from and to are required"),
        ("from=2026-11&to=2026-11-30", "write the date as YYYY-MM-DD"),
        ("from=2026-11-30&to=2026-11-01", "is before"),
        (
            "from=2026-11-01&to=2026-11-30&by=month",
            "group by day, week",
        ),
        (
            "from=2026-11-01&to=2026-11-30&format=xml",
            "format is json or csv",
        ),
        ("from=2000-01-01&to=2026-11-30", "at most"),
    ] {
        let (status, body) = get(server, &format!("/api/reports?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let problem: Value = serde_json::from_str(&body).expect("a JSON problem");
        assert!(
            problem["detail"].as_str().expect("detail").contains(detail),
            "{query}: {problem}"
        );
    }
    let unauthorized = ivrpay::http_client()
        .get(format!(
            "{}/api/reports?from=2026-11-01&to=2026-11-30",
            server.url
        ))
        .send()
        .await
        .expect("api answers");
    assert_eq!(unauthorized.status(), 401);
}
on_both_backends!(bad_parameters_get_a_problem_saying_how_to_fix_them);

/// A plan's first payment, charged while the caller listens, is a payment of that call: the
/// report's (and the dashboard's) "paid" counts it.
async fn a_plans_first_payment_counts_as_paid(server: &TestServer) {
    // Arrange: Linda spreads her balance over three payments, the first charged now.
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    call.press("4").await.expect("a plan");
    call.press("3").await.expect("three payments");
    call.press("1").await.expect("with a card");
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("agree");
    assert_heard!(&said, "Your confirmation number is");
    call.hang_up(&server.url).await.expect("hang up");
    let account = server.api_account("66253365").await;
    let first = account["arrangements"][0]["installments"][0].clone();
    assert_eq!(first["status"], "paid", "{account}");

    // Act
    let day = report(server, "from=2026-11-23&to=2026-11-23").await;

    // Assert
    let payments = &day["rows"][0]["payments"];
    assert_eq!(payments["approved"], 1, "{payments}");
    assert_eq!(
        payments["approved_cents"], first["amount_cents"],
        "{payments}"
    );
}
on_both_backends!(a_plans_first_payment_counts_as_paid);
