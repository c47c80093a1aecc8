//! Micro-benchmark of what every webhook of a call asks of a SQLite file: its row and account
//! read, and the turn saved with the compare-and-set (`store/in_place.rs` runs both on the
//! asking thread). Each iteration is the next of 10,000 calls (a step appended to its log each
//! time, as a webhook does), its session about 600 bytes.
//!
//! Run:
//!
//! ```text
//! cargo bench --bench store -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ivrpay::store::{CallKey, NewCall, PoolSettings, StepRecord, Store, TurnUpdate};

const PROVIDER: &str = "twilio";

fn new_call(sid: &str) -> NewCall<'_> {
    NewCall {
        call_sid: sid,
        provider: PROVIDER,
        from_number: "+15553118592",
        to_number: "+15550100000",
        started_at: 1_765_000_000_000,
        session: "{}",
    }
}

fn turn<'a>(
    sid: &'a str,
    answered: i64,
    session: &'a str,
    steps: &'a [StepRecord],
) -> TurnUpdate<'a> {
    TurnUpdate {
        provider: PROVIDER,
        call_sid: sid,
        answered_turn: answered,
        reply: "<Response><Gather numDigits=\"1\"><Say>Press 1 to pay.</Say></Gather></Response>",
        session,
        sealed: None,
        sealed_until: None,
        language: Some("en"),
        account_number: None,
        outcome: None,
        last_step: Some("balance_menu"),
        ended_at: None,
        steps,
        claim_token: None,
        stale_before: 0,
        now: 1_765_000_000_000 + answered,
        transfer: None,
    }
}

fn store(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let store = runtime
        .block_on(Store::connect(&url, &PoolSettings::default()))
        .expect("store");
    let session = format!(
        "{{\"state\":\"balance_menu\",\"facts\":\"{}\"}}",
        "x".repeat(560)
    );
    let steps = vec![StepRecord {
        turn: 0,
        state: "balance_menu".to_owned(),
        input_kind: "digits".to_owned(),
        result: "option:1".to_owned(),
        digits: Some("1".to_owned()),
        at: 1_765_000_000_000,
    }];
    runtime.block_on(async {
        for n in 0..10_000 {
            let sid = format!("CA{n:032}");
            store
                .start_call(&new_call(&sid), &turn(&sid, 0, &session, &steps))
                .await
                .expect("call");
        }
    });
    let sids: Vec<String> = (0..10_000).map(|n| format!("CA{n:032}")).collect();
    let mut next = sids.iter().cycle();
    c.bench_function("store/sqlite_webhook_read_and_save", |b| {
        b.iter(|| {
            let sid = next.next().expect("endless");
            let key = CallKey {
                provider: PROVIDER,
                sid,
            };
            runtime.block_on(async {
                let (row, _account) = store
                    .load_call_and_account(key)
                    .await
                    .expect("read")
                    .expect("the call");
                let saved = store
                    .save_turn(&turn(sid, row.turn, &session, &steps))
                    .await
                    .expect("save");
                black_box(saved);
            });
        });
    });
}

criterion_group!(benches, store);
criterion_main!(benches);
