//! A database outage while calls end: the status callback is answered as received, the end is
//! kept on disk, and upkeep records it with the reported time once the database is back, also
//! after the instance restarts in between.

use crate::common;

use std::time::Duration;

use common::{Backend, Options, TestServer};
use ivrpay::clock::Clock;
use ivrpay::store::PoolSettings;
use sqlx::Connection;

const LINDA: &str = "+15552126618";

/// A server whose database gives up quickly when it cannot write, so an outage is short.
async fn server(backend: Backend) -> Option<TestServer> {
    let options = Options {
        pool: PoolSettings {
            acquire_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_millis(300),
            ..PoolSettings::default()
        },
        ..Options::default()
    };
    TestServer::start_with(backend, options).await
}

/// An outage of writes: another connection holds the database's write lock (SQLite) or an
/// exclusive lock on the calls table (PostgreSQL) until it is dropped, so every write the server
/// tries fails after its timeout, as during a stopped or frozen database.
pub(crate) enum Outage {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Outage {
    pub(crate) async fn begin(server: &TestServer) -> Outage {
        if server.database_url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&server.database_url)
                .await
                .expect("connect");
            sqlx::query("BEGIN EXCLUSIVE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Outage::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(&server.database_url)
                .await
                .expect("connect");
            sqlx::query("BEGIN")
                .execute(&mut conn)
                .await
                .expect("begin");
            sqlx::query("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Outage::Postgres(conn)
        }
    }

    pub(crate) async fn end(self) {
        match self {
            Outage::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
            Outage::Postgres(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
        }
    }
}

async fn ended_at(server: &TestServer, call_sid: &str) -> Option<i64> {
    server
        .state
        .line
        .store
        .call_record(call_sid)
        .await
        .expect("db")
        .expect("the call")
        .ended_at
}

async fn report_the_end(server: &TestServer, call_sid: &str) -> u16 {
    let (status, _) = server
        .post_signed(
            "/twilio/status",
            &[("CallSid", call_sid), ("CallStatus", "completed")],
        )
        .await;
    status
}

async fn a_call_ended_during_an_outage_is_closed_once_the_database_is_back(backend: Backend) {
    let Some(server) = server(backend).await else {
        return;
    };
    let call = server.call_from(LINDA).await;
    let hung_up_at = server.clock.now_ms();

    let outage = Outage::begin(&server).await;
    assert_eq!(
        report_the_end(&server, &call.call_sid).await,
        204,
        "answered as received, not an error a provider may never retry"
    );
    outage.end().await;
    assert_eq!(ended_at(&server, &call.call_sid).await, None);

    server.clock.advance(Duration::from_secs(20));
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.call_ends_recorded, 1, "{report:?}");
    assert_eq!(
        ended_at(&server, &call.call_sid).await,
        Some(hung_up_at),
        "closed with the time the provider reported"
    );
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "abandoned", "{record}");
    let again = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(again.call_ends_recorded, 0, "{again:?}");
    server.stop().await;
}
on_both_backends_with_own_server!(
    a_call_ended_during_an_outage_is_closed_once_the_database_is_back
);

async fn a_kept_end_survives_a_restart(backend: Backend) {
    let Some(mut server) = server(backend).await else {
        return;
    };
    let call = server.call_from(LINDA).await;
    let hung_up_at = server.clock.now_ms();
    let outage = Outage::begin(&server).await;
    assert_eq!(report_the_end(&server, &call.call_sid).await, 204);
    outage.end().await;

    server.restart().await;
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.call_ends_recorded, 1, "{report:?}");
    assert_eq!(ended_at(&server, &call.call_sid).await, Some(hung_up_at));
    server.stop().await;
}
on_both_backends_with_own_server!(a_kept_end_survives_a_restart);

async fn upkeep_keeps_an_end_while_the_database_is_still_away(backend: Backend) {
    let Some(server) = server(backend).await else {
        return;
    };
    let call = server.call_from(LINDA).await;
    let outage = Outage::begin(&server).await;
    assert_eq!(report_the_end(&server, &call.call_sid).await, 204);
    assert!(
        ivrpay::upkeep::run_once(&server.state.line).await.is_err(),
        "the database is still away"
    );
    outage.end().await;
    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.call_ends_recorded, 1, "{report:?}");
    assert!(ended_at(&server, &call.call_sid).await.is_some());
    server.stop().await;
}
on_both_backends_with_own_server!(upkeep_keeps_an_end_while_the_database_is_still_away);
