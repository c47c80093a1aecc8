//! The `ivrpay` binary as operators and demo users run it.

use crate::common;

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

/// Runs `scenario(backend)` on SQLite and on PostgreSQL, as two tests; for scenarios that run
/// the binary and wait on it, so they take no async runtime of the test's.
macro_rules! on_both_backends_blocking {
    ($scenario:ident) => {
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::sqlite"),
            [],
            common::harness::Body::Sync(|| $scenario(Backend::Sqlite))
        );
        register!(
            concat!(module_path!(), "::", stringify!($scenario), "::postgres"),
            [Postgres],
            common::harness::Body::Sync(|| $scenario(Backend::Postgres))
        );
    };
}

const HEADER: &str = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,language,phone,email";

/// Runs `ivrpay accounts import FILE --database-url DB`.
fn import(file: &std::path::Path, database_url: &str) -> std::process::Output {
    ivrpay()
        .args([
            "accounts",
            "import",
            file.to_str().expect("path"),
            "--database-url",
            database_url,
        ])
        .output()
        .expect("runs")
}

/// Runs `ivrpay accounts import FILE --database-url DB`, which must fail; what it printed.
fn import_refused(file: &std::path::Path, database_url: &str) -> String {
    let output = import(file, database_url);
    assert!(!output.status.success(), "the import is refused");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What `read` finds in the database at `db`; the database is dropped after.
fn read_then_drop<T>(
    runtime: &tokio::runtime::Runtime,
    db: &str,
    read: impl AsyncFnOnce(&ivrpay::store::Store) -> T,
) -> T {
    runtime.block_on(async {
        let store = ivrpay::store::Store::connect(db, &Default::default())
            .await
            .expect("db");
        let found = read(&store).await;
        store.close().await;
        common::drop_database(db).await;
        found
    })
}

fn import_is_all_or_nothing_and_names_bad_lines(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(common::fresh_database(backend, dir.path())) else {
        return;
    };
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/accounts.csv");
    let output = import(std::path::Path::new(demo), &db);
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
    let stderr = import_refused(&bad, &db);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(
        stderr.contains("bad.csv:line 3: account_number must be 6 to 12 digits"),
        "{stderr}"
    );
    assert!(!stderr.contains("12345"), "the PIN is not echoed: {stderr}");

    // Linda's balance kept its imported value: the good row of the bad file did not land.
    let balance = read_then_drop(&runtime, &db, async |store| {
        let account = store.account("66253365").await.expect("query");
        account.expect("account").balance_cents
    });
    assert_eq!(balance, 44533);
}

on_both_backends_blocking!(import_is_all_or_nothing_and_names_bad_lines);

/// What the line could not use (a stored account's phone on another account, a NUL, a header
/// smuggled into an email, a name too long to speak, a minimum above the balance, a formula as
/// a segment) is refused as FILE:line N: what to fix, and nothing of the file lands.
fn import_refuses_what_the_line_cannot_use(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(common::fresh_database(backend, dir.path())) else {
        return;
    };
    let demo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/accounts.csv"));
    assert!(import(demo, &db).status.success(), "the demo file");
    // Importing the same accounts again keeps each one's own phone.
    assert!(import(demo, &db).status.success(), "the demo file again");

    let bad = dir.path().join("bad.csv");
    let long_name = "N".repeat(10_000);
    std::fs::write(
        &bad,
        format!(
            "{HEADER}\n\
             66253365,Linda Brown,6446,1984-01-18,77141,1.00,1.00,2026-12-02,early,en,+15552126618,l@example.com\n\
             11110001,New Holder,1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15552126618,n@example.com\n\
             11110002,\"Nul\u{0}Name\",1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15550000002,x@example.com\n\
             11110003,Smuggled,1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15550000003,\"a@b.com\r\nBcc: x@y.com\"\n\
             11110004,{long_name},1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15550000004,y@example.com\n\
             11110005,Over,1234,1980-01-01,10001,10.00,10.01,2026-12-02,early,en,+15550000005,z@example.com\n\
             11110006,Formula,1234,1980-01-01,10001,10.00,1.00,2026-12-02,@SUM(1+1),en,+15550000006,w@example.com\n"
        ),
    )
    .expect("write");
    let stderr = import_refused(&bad, &db);
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    for expected in [
        "bad.csv:line 3: phone +15552126618 is also on line 2",
        "bad.csv:line 4: name holds a control character",
        "bad.csv:line 5: email holds a control character",
        "bad.csv:line 5: email must be one address",
        // The quoted line break makes line 5 two lines of the file.
        "bad.csv:line 7: name is longer than 100 characters",
        "bad.csv:line 8: minimum_due cannot be more than balance",
        "bad.csv:line 9: segment cannot begin with =",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert!(!stderr.contains("invalid byte sequence"), "{stderr}");

    // A file whose only fault is a phone already stored on another account.
    let taken = dir.path().join("taken.csv");
    std::fs::write(
        &taken,
        format!(
            "{HEADER}\n\
             11110001,New Holder,1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15552126618,n@example.com\n"
        ),
    )
    .expect("write");
    let stderr = import_refused(&taken, &db);
    assert!(
        stderr.contains("taken.csv:line 2: phone +15552126618 is already on account 66253365"),
        "{stderr}"
    );

    // A file may move a number from one account to another when it gives the first a new one.
    let moved = dir.path().join("moved.csv");
    std::fs::write(
        &moved,
        format!(
            "{HEADER}\n\
             11110001,New Holder,1234,1980-01-01,10001,10.00,1.00,2026-12-02,early,en,+15552126618,n@example.com\n\
             66253365,Linda Brown,6446,1984-01-18,77141,1.00,1.00,2026-12-02,early,en,+15550000001,l@example.com\n"
        ),
    )
    .expect("write");
    let output = import(&moved, &db);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Only the last file landed: none of the bad file's accounts is there.
    let (phones, accounts) = read_then_drop(&runtime, &db, async |store| {
        let mut phones = Vec::new();
        for number in ["11110001", "66253365", "11110002", "11110006"] {
            let account = store.account(number).await.expect("query");
            phones.push(account.map(|a| a.phone));
        }
        (phones, store.count_accounts().await.expect("count"))
    });
    let phone = |p: &str| Some(p.to_owned());
    assert_eq!(
        phones,
        [phone("+15552126618"), phone("+15550000001"), None, None]
    );
    assert_eq!(accounts, 21);
}

on_both_backends_blocking!(import_refuses_what_the_line_cannot_use);

/// Runs `ivrpay flows check DIR`, which must fail; returns what it printed.
fn flows_check_fails(dir: &std::path::Path) -> String {
    let output = ivrpay()
        .arg("flows")
        .arg("check")
        .arg(dir)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `text` to `path`; returns the 1-based line holding `needle`.
fn write_and_find(path: &std::path::Path, text: &str, needle: &str) -> usize {
    std::fs::write(path, text).expect("write");
    text.lines()
        .position(|l| l.contains(needle))
        .expect("the needle is in the text")
        + 1
}

sync_test!(flows_check_refuses_a_miss_that_ends_in_a_bare_goodbye);
fn flows_check_refuses_a_miss_that_ends_in_a_bare_goodbye() {
    let dir = tempfile::tempdir().expect("dir");
    let flow = std::fs::read_to_string(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        "/call-flows/payment.toml"
    ))
    .expect("flow");
    let plan_status = "options = { \"1\" = \"pay_installment_now\", \"2\" = \"ask_card_number\", \"3\" = \"balance_offers\", \"9\" = \"end_call\" }";
    let broken = flow.replace(
        plan_status,
        &format!("{plan_status}\non_fail = \"goodbye\""),
    );
    assert_ne!(flow, broken, "the shipped plan menu");
    let line = write_and_find(
        &dir.path().join("payment.toml"),
        &broken,
        "[states.plan_status]",
    );

    let stdout = flows_check_fails(dir.path());
    let expected = format!(
        "payment.toml:{line}: state \"plan_status\": its last miss can lead to \"goodbye\", a \
         goodbye with no help; a miss must lead to help. Leave out on_fail"
    );
    assert!(stdout.contains(&expected), "{stdout}");
}

sync_test!(flows_check_prints_file_line_problems);
fn flows_check_prints_file_line_problems() {
    let dir = tempfile::tempdir().expect("dir");
    let flow = std::fs::read_to_string(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        "/call-flows/payment.toml"
    ))
    .expect("flow");
    let broken = flow.replace("on.found = \"ask_pin\"", "on.found = \"ask_pinn\"");
    let line = write_and_find(&dir.path().join("payment.toml"), &broken, "ask_pinn");

    let stdout = flows_check_fails(dir.path());
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
            concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"),
        ])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

sync_test!(flows_check_lists_what_a_provider_does_differently);
fn flows_check_lists_what_a_provider_does_differently() {
    let flows = concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows");
    let check = |provider: &str, env: &[(&str, &str)]| {
        let mut command = ivrpay();
        command.args(["flows", "check", flows, "--provider", provider]);
        for entry in ivrpay::telephony::registry::REGISTERED {
            for setting in entry.all_settings() {
                command.env_remove(setting.env);
            }
        }
        let output = command.envs(env.iter().copied()).output().expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Twilio with its API: transfers hold in a conference and receipts go by text.
    let twilio = check(
        "twilio",
        &[
            ("TWILIO_AUTH_TOKEN", "a-token"),
            ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
        ],
    );
    assert!(
        twilio.contains("on twilio (with its settings from the environment): nothing differs"),
        "{twilio}"
    );
    // Telnyx's API is not used: its calls transfer by plain dials and send no texts.
    let telnyx = check("telnyx", &[]);
    assert!(
        telnyx.contains(
            "on telnyx (with none of its other settings: set TELNYX_PAY_CONNECTOR to check \
             what they add), 2 differ:"
        ),
        "{telnyx}"
    );
    assert!(
        telnyx.contains("- conference holds: transfers are plain dials"),
        "{telnyx}"
    );
    assert!(
        telnyx.contains("- texts: no texts are sent through this provider"),
        "{telnyx}"
    );
}

sync_test!(a_bad_policy_file_is_named_by_line_and_stops_the_server);
fn a_bad_policy_file_is_named_by_line_and_stops_the_server() {
    let dir = tempfile::tempdir().expect("dir");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows");
    for file in ["payment.toml", "messages.toml"] {
        std::fs::copy(format!("{shipped}/{file}"), dir.path().join(file)).expect("copy");
    }
    let policies = std::fs::read_to_string(format!("{shipped}/policies.toml")).expect("policies");
    let broken = policies.replacen("policy = \"late\"", "policy = \"later\"", 1);
    let line = write_and_find(&dir.path().join("policies.toml"), &broken, "\"later\"");
    let expected = format!("policies.toml:{line}: \"later\" is not a policy; the policies are");

    let stdout = flows_check_fails(dir.path());
    assert!(stdout.contains(&expected), "{stdout}");

    let db = format!("sqlite:{}", dir.path().join("x.db").display());
    let output = ivrpay()
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &db])
        .arg("--flows")
        .arg(dir.path())
        .env("TWILIO_AUTH_TOKEN", "t")
        .env("IVRPAY_DATA_KEY", "ab".repeat(32))
        .env("IVRPAY_PIN_KEY", "0123456789abcdef")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&expected), "{stderr}");
}

sync_test!(server_refuses_to_start_on_an_invalid_flow);
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

sync_test!(serve_without_secrets_names_every_missing_one_at_once);
fn serve_without_secrets_names_every_missing_one_at_once() {
    let output = ivrpay()
        .args(["serve", "--listen", "127.0.0.1:0", "--gateway", "stripe"])
        .env_remove("IVRPAY_PIN_KEY")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("IVRPAY_DATA_KEY")
        .env_remove("STRIPE_SECRET_KEY")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in [
        "IVRPAY_DATA_KEY",
        "TWILIO_AUTH_TOKEN",
        "IVRPAY_PIN_KEY",
        "STRIPE_SECRET_KEY",
    ] {
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

sync_test!(serve_help_lists_the_settings_only_the_environment_gives);
fn serve_help_lists_the_settings_only_the_environment_gives() {
    let output = ivrpay().args(["serve", "--help"]).output().expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for name in [
        "TWILIO_AUTH_TOKEN",
        "IVRPAY_PIN_KEY",
        "IVRPAY_DATA_KEY",
        "IVRPAY_ADMIN_TOKEN",
        "STRIPE_SECRET_KEY",
        "RUST_LOG",
    ] {
        assert!(stdout.contains(name), "{name}: {stdout}");
    }
}

/// `ivrpay serve` with every secret set, so only what a test breaks can fail.
fn serve_with_secrets() -> Command {
    let mut command = ivrpay();
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("TWILIO_AUTH_TOKEN", "t")
        .env("IVRPAY_DATA_KEY", "ab".repeat(32));
    command
}

sync_test!(database_errors_name_what_failed);
fn database_errors_name_what_failed() {
    let output = serve_with_secrets()
        .args([
            "--database-url",
            "postgres://postgres:secret@127.0.0.1:1/ivrpay",
            "--db-acquire-timeout-ms",
            "500",
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PostgreSQL at 127.0.0.1:1"), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(!stderr.contains("secret"), "no password: {stderr}");

    let output = serve_with_secrets()
        .args(["--database-url", "sqlite:/no-such-folder/ivrpay.db"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the SQLite database /no-such-folder/ivrpay.db"),
        "{stderr}"
    );

    // PostgreSQL's own source line ("at line 948") reads like a line of configuration.
    let output = serve_with_secrets()
        .args([
            "--database-url",
            "postgres://postgres@127.0.0.1:5432/ivrpay_no_such_database",
            "--db-acquire-timeout-ms",
            "500",
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PostgreSQL at 127.0.0.1:5432"), "{stderr}");
    assert!(!stderr.contains(" at line "), "{stderr}");
}

sync_test!(an_unknown_flow_lists_the_flows_there);
fn an_unknown_flow_lists_the_flows_there() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("x.db").display());
    let output = serve_with_secrets()
        .args(["--database-url", &db, "--flow", "paymnt"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no flow named \"paymnt\"")
            && stderr.contains("the flows there are: payment"),
        "{stderr}"
    );
}

sync_test!(a_missing_flows_directory_is_named_plainly);
fn a_missing_flows_directory_is_named_plainly() {
    let output = ivrpay()
        .args(["flows", "check", "no-such-flows"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("no-such-flows: there is no such flows directory"),
        "{stdout}"
    );
}

sync_test!(flows_check_warns_about_a_voice_that_cannot_speak_the_language);
fn flows_check_warns_about_a_voice_that_cannot_speak_the_language() {
    let dir = tempfile::tempdir().expect("dir");
    let flow = std::fs::read_to_string(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        "/call-flows/payment.toml"
    ))
    .expect("flow");
    let english_voice_for_spanish = flow.replace("es = \"Polly.Lupe\"", "es = \"Polly.Joanna\"");
    assert_ne!(
        flow, english_voice_for_spanish,
        "the shipped flow names its voices"
    );
    std::fs::write(dir.path().join("payment.toml"), &english_voice_for_spanish).expect("write");
    for file in ["policies.toml", "messages.toml"] {
        std::fs::copy(
            format!(
                "{}/call-flows/{file}",
                concat!(env!("CARGO_MANIFEST_DIR"), "/..")
            ),
            dir.path().join(file),
        )
        .expect("the files beside the flow");
    }
    let output = ivrpay()
        .args(["flows", "check", dir.path().to_str().expect("dir")])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "a warning is not a problem: {stdout}"
    );
    assert!(
        stdout.contains("payment.toml: warning: voice \"Polly.Joanna\" speaks en-US, not es-US"),
        "{stdout}"
    );

    let output = ivrpay()
        .args([
            "flows",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"),
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("warning"), "the shipped flow: {stdout}");
}

sync_test!(import_counts_crlf_lines_and_reports_every_problem_of_a_row);
fn import_counts_crlf_lines_and_reports_every_problem_of_a_row() {
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}\r\n66253365,Linda Brown,6446,1984-01-18,77141,1.00,1.00,2026-12-02,hardship,en,+15552126618,l@example.com\r\n\
             999,Nobody,6446,1984-01-18,7714,1.00,1.00,2026-12-02,late,en,+15552126618,n@example.com\r\n"
        ),
    )
    .expect("write");
    let db = format!("sqlite:{}", dir.path().join("x.db").display());
    let stderr = import_refused(&bad, &db);
    assert!(
        stderr.contains("bad.csv:line 3: account_number must be 6 to 12 digits"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.csv:line 3: zip must be 5 digits"),
        "{stderr}"
    );
}

sync_test!(simulator_settings_print_what_a_server_needs_to_accept_the_simulator);
fn simulator_settings_print_what_a_server_needs_to_accept_the_simulator() {
    let settings = |provider: &str, token: &str| {
        let output = ivrpay()
            .args([
                "simulator-settings",
                "--provider",
                provider,
                "--auth-token",
                token,
            ])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // A key pair: the public key of the simulator's key (Telnyx's test vector's).
    assert_eq!(
        settings("telnyx", "G5uTuPh/3TvbW/MScHaerr5Tx8FZGJw/gdwDO9RMBe4="),
        "TELNYX_PUBLIC_KEY=AmJSFOhfE/0BzflO0YT2bhTTpt9t77sYj822WSeCHeM=\n"
    );
    // Basic credentials: a user name and the password.
    assert_eq!(
        settings("bandwidth", "ops:s3cret"),
        "BANDWIDTH_USERNAME=ops\nBANDWIDTH_PASSWORD=s3cret\n"
    );
    assert_eq!(settings("plivo", "tok"), "PLIVO_AUTH_TOKEN=tok\n");
}

sync_test!(call_without_a_token_says_what_is_missing);
fn call_without_a_token_says_what_is_missing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("ivrpay.db").display());
    let output = ivrpay()
        .args(["call", "--url", "http://127.0.0.1:1", "--database-url", &db])
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no secret to sign the call with") && stderr.contains("TWILIO_AUTH_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("403"), "{stderr}");
    // A provider that signs with a key pair: the simulator's key is passed, never the public one.
    let output = ivrpay()
        .args(["call", "--url", "http://127.0.0.1:1", "--database-url", &db])
        .args(["--provider", "telnyx"])
        .env(
            "TELNYX_PUBLIC_KEY",
            "AmJSFOhfE/0BzflO0YT2bhTTpt9t77sYj822WSeCHeM=",
        )
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pass --auth-token") && !stderr.contains("set TELNYX_PUBLIC_KEY"),
        "{stderr}"
    );
}

/// A `serve --demo` running in the background, killed when dropped.
struct DemoServer {
    child: std::process::Child,
    /// The command the demo printed to place a call, after `cargo run -- `.
    call_command: String,
    /// Everything the demo printed on start.
    banner: String,
}

impl DemoServer {
    fn start(database_url: &str) -> DemoServer {
        Self::start_with_env(database_url, &[])
    }

    /// Starts the demo with these variables set (and the demo's secrets otherwise unset).
    fn start_with_env(database_url: &str, env: &[(&str, &str)]) -> DemoServer {
        use std::io::BufRead;
        let mut child = ivrpay()
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .env_remove("TWILIO_AUTH_TOKEN")
            .env_remove("IVRPAY_ADMIN_TOKEN")
            .env_remove("IVRPAY_DATA_KEY")
            .env_remove("IVRPAY_AGENT_NUMBER")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok);
        // The banner ends with how to read call records: that line and the command after it.
        let mut banner = String::new();
        for line in lines.by_ref() {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("/api/calls/CALL_SID") {
                break;
            }
        }
        let call_command = banner
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("cargo run -- ")
                    .filter(|rest| rest.contains("--keys"))
                    .map(str::to_owned)
            })
            .expect("the demo prints how to place a call");
        // Keep reading: a closed pipe would fail the server's next print.
        std::thread::spawn(move || lines.for_each(drop));
        DemoServer {
            child,
            call_command,
            banner,
        }
    }

    /// The server's URL, from the printed command.
    fn url(&self) -> String {
        let mut words = self.call_command.split_whitespace();
        words.find(|w| *w == "--url");
        words.next().expect("url").to_owned()
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_call(url: &str, database_url: &str, from: &str, keys: &str) -> String {
    let output = ivrpay()
        .args([
            "call",
            "--url",
            url,
            "--database-url",
            database_url,
            "--from",
            from,
            "--keys",
            keys,
        ])
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

sync_test!(demo_starts_over_each_run_with_the_same_token_and_call_finds_it);
fn demo_starts_over_each_run_with_the_same_token_and_call_finds_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("ivrpay.db").display());
    let linda = "+15552126618";

    let first = DemoServer::start(&db);
    assert!(
        !first.call_command.contains("--auth-token"),
        "the call finds the token itself: {}",
        first.call_command
    );
    let paid = demo_call(
        &first.url(),
        &db,
        linda,
        "1,1,6446,1,1,4242424242424242,1228,123,77141,1,9",
    );
    assert!(paid.contains("was approved"), "{paid}");
    let kept = std::fs::read_to_string(dir.path().join("ivrpay.db.demo-tokens")).expect("kept");
    drop(first);

    let second = DemoServer::start(&db);
    let tokens = std::fs::read_to_string(dir.path().join("ivrpay.db.demo-tokens")).expect("kept");
    assert_eq!(kept, tokens, "the demo token stays the same");
    let heard = demo_call(&second.url(), &db, linda, "1,1,6446,9");
    assert!(
        heard.contains("Your balance is four hundred forty-five dollars and thirty-three cents"),
        "the demo starts over: {heard}"
    );
}

sync_test!(the_demo_banner_prints_only_secrets_the_demo_made);
fn the_demo_banner_prints_only_secrets_the_demo_made() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("ivrpay.db").display());
    let own = DemoServer::start(&db);
    let kept = std::fs::read_to_string(dir.path().join("ivrpay.db.demo-tokens")).expect("kept");
    let kept_value = |name: &str| {
        kept.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .expect("kept value")
            .to_owned()
    };
    let (admin, password) = (
        kept_value("IVRPAY_ADMIN_TOKEN"),
        kept_value("IVRPAY_DEMO_AGENT_PASSWORD"),
    );
    // What a newcomer needs to see the console: where it is, the demo agent's sign-in, how to add
    // an agent, and a call that asks for a person.
    let url = own.url();
    for needle in [
        format!("{url}/agent "),
        format!("{url}/dashboard"),
        format!("Sign in as demo with the password {password}"),
        "cargo run -- agents add ana".to_owned(),
        "--from +15552126618 --agent-no-answer".to_owned(),
        format!("Bearer {admin}"),
    ] {
        assert!(own.banner.contains(&needle), "{needle:?} in {}", own.banner);
    }
    drop(own);
    // The printed password signs the demo agent in (set again if the kept file changed).
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let stored = runtime.block_on(async {
        let store = ivrpay::store::Store::connect(&db, &Default::default())
            .await
            .expect("db");
        let agent = store.agent_by_username("demo").await.expect("query");
        store.close().await;
        agent.expect("the demo agent")
    });
    assert_eq!(stored.role, "admin");
    assert!(
        ivrpay::agents::password::Password::typed(password.clone())
            .matches(Some(&stored.password_hash))
    );

    let from_env = DemoServer::start_with_env(
        &db,
        &[
            ("TWILIO_AUTH_TOKEN", "twilio-token-from-the-environment"),
            ("IVRPAY_ADMIN_TOKEN", "admin-token-from-the-environment"),
        ],
    );
    let banner = &from_env.banner;
    assert!(!banner.contains("from-the-environment"), "{banner}");
    assert!(
        !banner.contains(&admin),
        "not the admin token in force: {banner}"
    );
    assert!(banner.contains("from your environment"), "{banner}");
    assert!(
        from_env
            .call_command
            .contains("--auth-token \"$TWILIO_AUTH_TOKEN\""),
        "{}",
        from_env.call_command
    );
}

sync_test!(the_demo_puts_a_caller_through_to_a_person_at_any_time);
/// A demo call that asks for a person is put through to the demo's agent line, whatever the day.
fn the_demo_puts_a_caller_through_to_a_person_at_any_time() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("ivrpay.db").display());
    let demo = DemoServer::start(&db);
    let heard = demo_call(&demo.url(), &db, "+15552126618", "1,1,6446,0");
    assert!(heard.contains("transferred to +15550100199"), "{heard}");
    assert!(
        heard.contains("(agent hears) Transfer from the payment line"),
        "{heard}"
    );
}

/// Runs `ivrpay call` against a test server with scripted answers.
async fn scripted_call(server: &TestServer, from: &str, keys: &str) -> String {
    let (url, from, keys) = (server.url.clone(), from.to_owned(), keys.to_owned());
    let output = tokio::task::spawn_blocking(move || {
        ivrpay()
            .args([
                "call",
                "--url",
                &url,
                "--auth-token",
                common::AUTH_TOKEN,
                "--from",
                &from,
                "--keys",
                &keys,
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The call id `ivrpay call` prints: `Calling URL from NUMBER (call CA...)`.
fn printed_call_sid(stdout: &str) -> String {
    stdout
        .split("(call ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the call id is printed")
        .to_owned()
}

async fn terminal_caller_walks_a_scripted_call_and_ends_it(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    // The server ends this call (`<Hangup/>` after "9"): the caller still sends the status.
    let stdout = scripted_call(&server, "+15553118592", "2,1,8091,9").await;
    assert!(
        stdout.contains("Su saldo es ochocientos seis dólares con noventa y un centavos"),
        "{stdout}"
    );
    assert!(stdout.contains("Call ended."), "{stdout}");
    let record = server.api_call(&printed_call_sid(&stdout)).await;
    assert!(
        record["ended_at"].is_i64(),
        "the status callback ended the call: {record}"
    );

    // The script runs out while the line is asking: the caller hangs up, and the call ends.
    let stdout = scripted_call(&server, "+15553118592", "2").await;
    assert!(stdout.contains("(you hang up)"), "{stdout}");
    let record = server.api_call(&printed_call_sid(&stdout)).await;
    assert!(
        record["ended_at"].is_i64(),
        "hanging up ended the call: {record}"
    );
    server.stop().await;
}

async_test!(multi_thread terminal_caller_walks_a_scripted_call_and_ends_it_sqlite);
async fn terminal_caller_walks_a_scripted_call_and_ends_it_sqlite() {
    terminal_caller_walks_a_scripted_call_and_ends_it(Backend::Sqlite).await;
}

async_test!(
    multi_thread terminal_caller_walks_a_scripted_call_and_ends_it_postgres,
    needs: [Postgres]
);
async fn terminal_caller_walks_a_scripted_call_and_ends_it_postgres() {
    terminal_caller_walks_a_scripted_call_and_ends_it(Backend::Postgres).await;
}

/// Runs `ivrpay agents ARGS --database-url DB` with `stdin` as standard input.
fn agents_command(args: &[&str], database_url: &str, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = ivrpay()
        .arg("agents")
        .args(args)
        .args(["--database-url", database_url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("finishes")
}

fn agents_are_added_from_stdin_listed_and_disabled(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(common::fresh_database(backend, dir.path())) else {
        return;
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    let short = agents_command(&["add", "ana"], &db, "too short\n");
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("at least 12 characters"));
    assert!(
        !text(&short.stderr).contains("too short"),
        "the password is not echoed"
    );

    let added = agents_command(
        &["add", "Ana", "--name", "Ana López"],
        &db,
        "a long enough password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let again = agents_command(&["add", "ana"], &db, "another long password\n");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already an agent named ana"));
    let admin = agents_command(&["add", "ben", "--admin"], &db, "ben's long password\n");
    assert!(admin.status.success(), "{}", text(&admin.stderr));

    let listed = text(&agents_command(&["list"], &db, "").stdout);
    assert_eq!(listed, "ana\tagent\tAna López\nben\tadmin\tben\n");
    let disabled = agents_command(&["disable", "ana"], &db, "");
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    let listed = text(&agents_command(&["list"], &db, "").stdout);
    assert_eq!(listed, "ana\tagent\tAna López\tdisabled\nben\tadmin\tben\n");
    assert!(
        !agents_command(&["disable", "nobody"], &db, "")
            .status
            .success()
    );

    let hash = runtime.block_on(async {
        let store = ivrpay::store::Store::connect(&db, &Default::default())
            .await
            .expect("db");
        let agent = store.agent_by_username("ana").await.expect("query");
        store.close().await;
        common::drop_database(&db).await;
        agent.expect("ana").password_hash
    });
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("a long enough password"));
}

on_both_backends_blocking!(agents_are_added_from_stdin_listed_and_disabled);

/// Splits a command line as a shell would for the README's commands: words, with '...' and
/// "..." quoting (no escapes inside), and `\` at a line's end joining the next line.
fn shell_words(line: &str) -> Vec<String> {
    let line = line.replace("\\\n", " ");
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

sync_test!(the_readmes_example_calls_work_in_the_order_written);
/// The Quick start's example calls, run one after another against one demo as a newcomer would:
/// each uses every key it gives and ends with the line's goodbye, whatever ran before it.
fn the_readmes_example_calls_work_in_the_order_written() {
    let readme = include_str!("../../README.md");
    let quick_start = readme
        .split("\n## ")
        .find(|section| section.starts_with("Quick start"))
        .expect("a Quick start section");
    let mut calls = Vec::new();
    for block in quick_start.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let joined = block.replace("\\\n", " ");
        calls.extend(
            joined
                .lines()
                .filter_map(|line| line.trim().strip_prefix("cargo run -- call "))
                // A call without --keys is typed by hand.
                .filter(|line| line.contains("--keys"))
                .map(shell_words),
        );
    }
    assert!(
        calls.len() >= 4,
        "the Quick start shows its calls: {calls:?}"
    );

    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("ivrpay.db").display());
    let demo = DemoServer::start(&db);
    for words in calls {
        let mut args = vec!["call".to_owned()];
        let mut words = words.into_iter();
        let mut keys = String::new();
        while let Some(word) = words.next() {
            match word.as_str() {
                // The README's address is the default one; this demo listens elsewhere.
                "--url" => {
                    words.next();
                    args.extend(["--url".to_owned(), demo.url()]);
                }
                "--keys" => {
                    keys = words.next().expect("keys");
                    args.extend(["--keys".to_owned(), keys.clone()]);
                }
                _ => args.push(word),
            }
        }
        args.extend(["--database-url".to_owned(), db.clone()]);
        let output = ivrpay()
            .args(&args)
            .env_remove("TWILIO_AUTH_TOKEN")
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args:?}: {stdout}");
        let answered = stdout.matches("keys> ").count();
        assert_eq!(
            answered,
            keys.split(',').count(),
            "every key of {keys} is used: {stdout}"
        );
        let last_heard = stdout
            .lines()
            .rev()
            .find(|line| line.contains('\u{1F50A}'))
            .unwrap_or_default();
        assert!(
            last_heard.contains("Goodbye") || last_heard.contains("Adiós"),
            "{keys} ends with the line's goodbye: {stdout}"
        );
    }
}
