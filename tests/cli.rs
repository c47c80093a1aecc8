//! The `ivrpay` binary as operators and demo users run it.

mod common;

use std::process::Command;

use common::{Backend, TestServer};

fn ivrpay() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ivrpay"));
    command
        .env("IVRPAY_PIN_KEY", common::PIN_KEY)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    command
}

const HEADER: &str = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,language,phone,email";

fn import_is_all_or_nothing_and_names_bad_lines(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(common::fresh_database(backend, dir.path())) else {
        return;
    };
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/accounts.csv");
    let output = ivrpay()
        .args(["accounts", "import", demo, "--database-url", &db])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Imported 20 accounts"));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}\n66253365,Linda Brown,6446,1984-01-18,77141,1.00,1.00,2026-12-02,hardship,en,+15552126618,l@example.com\n\
             999,Nobody,12345,1984-13-18,7714,abc,1.00,2026-12-02,late,fr,5552126618,n@example.com\n"
        ),
    )
    .expect("write");
    let output = ivrpay()
        .args([
            "accounts",
            "import",
            bad.to_str().expect("path"),
            "--database-url",
            &db,
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(
        stderr.contains("bad.csv:line 3: account_number must be 6 to 12 digits"),
        "{stderr}"
    );
    assert!(!stderr.contains("12345"), "the PIN is not echoed: {stderr}");

    // Linda's balance kept its imported value: the good row of the bad file did not land.
    let balance = runtime.block_on(async {
        let store = ivrpay::store::Store::connect(&db, &Default::default())
            .await
            .expect("db");
        let account = store
            .account("66253365")
            .await
            .expect("query")
            .expect("account");
        store.close().await;
        common::drop_database(&db).await;
        account.balance_cents
    });
    assert_eq!(balance, 44533);
}

#[test]
fn import_is_all_or_nothing_and_names_bad_lines_sqlite() {
    import_is_all_or_nothing_and_names_bad_lines(Backend::Sqlite);
}

#[test]
fn import_is_all_or_nothing_and_names_bad_lines_postgres() {
    import_is_all_or_nothing_and_names_bad_lines(Backend::Postgres);
}

#[test]
fn flows_check_prints_file_line_problems() {
    let dir = tempfile::tempdir().expect("dir");
    let flow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/call-flows/payment.toml"
    ))
    .expect("flow");
    let broken = flow.replace("on.found = \"ask_pin\"", "on.found = \"ask_pinn\"");
    std::fs::write(dir.path().join("payment.toml"), &broken).expect("write");
    let line = broken
        .lines()
        .position(|l| l.contains("ask_pinn"))
        .expect("line")
        + 1;

    let output = ivrpay()
        .args(["flows", "check", dir.path().to_str().expect("dir")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected =
        format!("payment.toml:{line}: \"ask_pinn\" is not a state; did you mean ask_pin?");
    assert!(stdout.contains(&expected), "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("payment.toml:"))
            .count(),
        1,
        "one misspelling is one problem, not a cascade: {stdout}"
    );

    let output = ivrpay()
        .args([
            "flows",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/call-flows"),
        ])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn server_refuses_to_start_on_an_invalid_flow() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("payment.toml"),
        "[flow]\nlanguages = [\"en\"]\n",
    )
    .expect("write");
    let db = format!("sqlite:{}", dir.path().join("x.db").display());
    let output = ivrpay()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db,
            "--flows",
            dir.path().to_str().expect("dir"),
        ])
        .env("TWILIO_AUTH_TOKEN", "t")
        .env("IVRPAY_DATA_KEY", "ab".repeat(32))
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("payment.toml:1:"), "{stderr}");
}

#[test]
fn serve_without_secrets_says_which_to_set() {
    let output = ivrpay()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("IVRPAY_PIN_KEY")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env("IVRPAY_DATA_KEY", "ab".repeat(32))
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TWILIO_AUTH_TOKEN") || stderr.contains("IVRPAY_PIN_KEY"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_caller_walks_a_scripted_call() {
    let server = TestServer::start(Backend::Sqlite)
        .await
        .expect("sqlite always runs");
    let url = server.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        ivrpay()
            .args([
                "call",
                "--url",
                &url,
                "--auth-token",
                common::AUTH_TOKEN,
                "--from",
                "+15553118592",
                "--keys",
                "2,1,8091,9",
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Su saldo es de ochocientos seis dólares con noventa y un centavos"),
        "{stdout}"
    );
    assert!(stdout.contains("Call ended."), "{stdout}");
    server.stop().await;
}
