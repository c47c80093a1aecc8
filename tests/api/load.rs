//! The load tool walks whole paying calls against the real server, so BENCHMARKS.md stays
//! reproducible.

use crate::common;

use common::TestServer;
use ivrpay_simulators::load::{accounts, driver};

async fn load_tool_completes_paying_calls(server: &TestServer) {
    let mut csv = Vec::new();
    accounts::write_csv(20, &mut csv).expect("generate");
    let records = ivrpay::accounts::import::parse(
        &String::from_utf8_lossy(&csv),
        &server.state.line.config.pin_key,
        time::macros::date!(2026 - 11 - 23),
    )
    .expect("generated accounts import");
    server
        .state
        .line
        .store
        .upsert_accounts(&records, 0)
        .await
        .expect("import");
    let report = driver::run(driver::LoadOptions {
        url: server.url.clone(),
        provider: ivrpay::telephony::registry::default_simulator(),
        auth_token: Some(common::AUTH_TOKEN.into()),
        calls: 12,
        concurrency: 4,
        think: std::time::Duration::ZERO,
        accounts: 20,
        server_pid: Some(std::process::id()),
        ceiling: false,
        connections: 4,
        run_id: 7,
    })
    .await;
    assert_eq!(report.calls_completed, 12, "{report}");
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.webhooks, 12 * 12);
    assert_eq!(server.sandbox.as_ref().map(|s| s.charge_count()), Some(12));
    assert!(report.server_peak_rss_kb.is_some_and(|kb| kb > 0));
    let text = report.to_string();
    assert!(
        text.contains("webhooks/s") && text.contains("p99"),
        "{text}"
    );
}
on_both_backends!(load_tool_completes_paying_calls);
