//! PCI DSS: after calls with every test card, no full card number or security code appears in
//! the logs (captured at trace level, HTTP layers included), the database, or any API answer.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::{Backend, Options, TestServer};

/// Everything logged by this test binary, at every level.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        logs
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The words of `text` (runs of letters, digits and inner dots), request-id UUIDs left out: a
/// security code "leaks" only if it stands as a word of its own, not when its digits occur inside
/// a timestamp, a duration like `164.47ms` or `164µs` (the micro sign is a letter), a hex id or
/// another number.
fn words(text: &str) -> Vec<&str> {
    let is_uuid =
        |token: &str| token.len() == 36 && token.split('-').map(str::len).eq([8, 4, 4, 4, 12]);
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .filter(|token| !is_uuid(token))
        .flat_map(|token| token.split('-'))
        .map(|word| word.trim_matches('.'))
        .filter(|word| !word.is_empty())
        .collect()
}

/// The runs of at least `min` printable ASCII characters in `bytes`, as `strings -n min` finds
/// them.
fn printable_runs(bytes: &[u8], min: usize) -> impl Iterator<Item = &str> {
    bytes
        .split(|byte| !(byte.is_ascii_graphic() || *byte == b' '))
        .filter(move |run| run.len() >= min)
        .filter_map(|run| std::str::from_utf8(run).ok())
}

struct Card {
    number: &'static str,
    code: &'static str,
}

/// Each card with a security code no other card uses, so a leak is attributable.
const CARDS: [Card; 12] = [
    Card {
        number: "4242424242424242",
        code: "731",
    },
    Card {
        number: "4000056655665556",
        code: "842",
    },
    Card {
        number: "5555555555554444",
        code: "953",
    },
    Card {
        number: "2223003122003222",
        code: "164",
    },
    Card {
        number: "378282246310005",
        code: "2759",
    },
    Card {
        number: "6011111111111117",
        code: "386",
    },
    Card {
        number: "4000000000000002",
        code: "497",
    },
    Card {
        number: "4000000000009995",
        code: "518",
    },
    Card {
        number: "4000000000000069",
        code: "629",
    },
    Card {
        number: "4000000000000127",
        code: "674",
    },
    Card {
        number: "4000000000000119",
        code: "785",
    },
    Card {
        number: "4242424242424241",
        code: "896",
    },
];

async fn database_text(server: &TestServer, backend: Backend) -> String {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&server.database_url)
        .await
        .expect("db");
    // One statement a table, each row read as one text: every column but the sealed ciphertext
    // and row ids (small counters).
    let dumps: Vec<String> = match backend {
        Backend::Sqlite => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("tables");
            let mut dumps = Vec::new();
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{table}') \
                     WHERE name NOT IN ('id', 'sealed', 'sealed_card')"
                )))
                .fetch_all(&mut conn)
                .await
                .expect("columns");
                let values = columns
                    .iter()
                    .map(|column| format!("quote(\"{column}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ' ' || ");
                dumps.push(format!("SELECT {values} AS row FROM \"{table}\""));
            }
            dumps
        }
        Backend::Postgres => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
                 AND table_name <> '_sqlx_migrations'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("tables");
            tables
                .iter()
                .map(|table| {
                    format!(
                        "SELECT (to_jsonb(t) - 'sealed' - 'sealed_card' - 'id')::text AS row \
                         FROM \"{table}\" t"
                    )
                })
                .collect()
        }
    };
    let mut text = String::new();
    for sql in dumps {
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .expect("dump")
        {
            let row: String = row.try_get("row").expect("text");
            text.push_str(&row);
            text.push('\n');
        }
    }
    if matches!(backend, Backend::Sqlite) {
        // And the raw file with its write-ahead log, as anyone with disk access would read them
        // with `strings`: old versions of rows linger there. Only runs of printable text count,
        // because sealed ciphertext is random bytes, and a three-digit code standing among them
        // by chance is noise, not a leak (it failed this test about one run in 40).
        let path = server.database_url.trim_start_matches("sqlite:");
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                for run in printable_runs(&bytes, 10) {
                    text.push_str(run);
                    text.push('\n');
                }
            }
        }
    }
    text
}

async fn no_card_data_in_logs_database_or_api(backend: Backend) {
    let logs = captured_logs();
    let Some(mut server) = TestServer::start(backend).await else {
        return;
    };
    let mut api_answers = String::new();
    let mut last_call = String::new();
    let client = ivrpay::http_client();
    for card in &CARDS {
        let mut call = server.linda_at_card_number("1").await;
        call.press(card.number).await.expect("card");
        if call.transcript().contains("not valid") {
            call.hang_up(&server.url).await.expect("hang up");
        } else {
            call.press("1228").await.expect("expiry");
            call.press(card.code).await.expect("code");
            call.press("77141").await.expect("zip");
            call.press("1").await.expect("confirm");
        }
        for url in [
            format!("{}/api/calls/{}", server.url, call.call_sid),
            format!("{}/api/accounts/66253365", server.url),
        ] {
            let body = client
                .get(url)
                .bearer_auth(common::ADMIN_TOKEN)
                .send()
                .await
                .expect("api")
                .text()
                .await
                .expect("body");
            api_answers.push_str(&body);
        }
        api_answers.push_str(&call.agent_heard.join("\n"));
        last_call = call.call_sid.clone();
    }
    // A payment plan keeps the card at the gateway: only its token, brand and last four here.
    let mut call = server.linda_at_pin_question().await;
    for keys in [
        "6446",
        "4",
        "2",
        "1",
        CARDS[0].number,
        "1228",
        CARDS[0].code,
        "77141",
    ] {
        call.press(keys).await.expect("a plan");
    }
    let said = call.press("1").await.expect("agree");
    assert!(
        said.iter()
            .any(|line| line.contains("payment plan is set up")),
        "{said:?}"
    );
    let plan = client
        .get(format!("{}/api/accounts/66253365", server.url))
        .bearer_auth(common::ADMIN_TOKEN)
        .send()
        .await
        .expect("api")
        .text()
        .await
        .expect("body");
    assert!(plan.contains("\"kind\":\"plan\""), "{plan}");
    api_answers.push_str(&plan);
    let record = server.api_call(&last_call).await;
    assert!(record["payments"].is_array());
    api_answers.push_str(&record.to_string());
    // Whatever the server logs late (a span closing after its response was sent) is logged by
    // the time it has stopped.
    server.stop_serving().await;
    let database = database_text(&server, backend).await;
    assert!(
        database.contains("66253365") && database.contains("4242"),
        "the database was read: its account and the cards' last fours are there"
    );
    if let Ok(path) = std::env::var("IVRPAY_PCI_DUMP_DB") {
        let _ = std::fs::write(path, &database);
    }
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    if let Ok(path) = std::env::var("IVRPAY_PCI_DUMP") {
        let _ = std::fs::write(path, &logged);
    }
    assert!(
        logged.contains("TRACE") || logged.contains("DEBUG"),
        "logs were captured at trace level"
    );
    assert!(logged.contains("payment"), "the payment events were logged");
    for (place, text) in [
        ("logs", &logged),
        ("database", &database),
        ("API answers", &api_answers),
    ] {
        let runs = words(text);
        for card in &CARDS {
            assert!(
                !text.contains(card.number),
                "card number {} found in the {place}",
                card.number
            );
            if runs.contains(&card.code) {
                let at = text
                    .match_indices(card.code)
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                let context: Vec<&str> = at
                    .iter()
                    // On character boundaries: answers and logs may hold multi-byte
                    // characters, and a slice inside one would panic and hide this message.
                    .map(|&i| {
                        let start = text.floor_char_boundary(i.saturating_sub(160));
                        let end = text.ceil_char_boundary((i + 40).min(text.len()));
                        &text[start..end]
                    })
                    .collect();
                panic!(
                    "security code {} found in the {place}: {context:?}",
                    card.code
                );
            }
        }
    }
    server.stop().await;
}

on_both_backends_with_own_server!(no_card_data_in_logs_database_or_api);

/// Stripe's test bank accounts, each paid from once, and the routing number they share.
const BANK_ACCOUNTS: [&str; 5] = [
    "000123456789",
    "000111111116",
    "000111111113",
    "000222222227",
    "000333333335",
];
const ROUTING_NUMBER: &str = "110000000";

async fn no_bank_numbers_in_logs_database_messages_or_api(backend: Backend) {
    let logs = captured_logs();
    let Some(crate::messages::Line {
        server,
        twilio,
        smtp,
        ..
    }) = crate::messages::line(backend, None).await
    else {
        return;
    };
    let mut api_answers = String::new();
    for (n, account) in BANK_ACCOUNTS.iter().copied().enumerate() {
        let mut call = server.linda_at_pin_question().await;
        for keys in ["6446", "3", "5", "1", "2", "1", ROUTING_NUMBER, account] {
            call.press(keys).await.expect("to the bank account");
        }
        // Once mistyped the second time, then right.
        call.press("000987654321").await.expect("a typo");
        call.press(account).await.expect("again");
        call.press(account).await.expect("again, the same");
        // The last is kept on file too (so no earlier call is offered it): its gateway token
        // holds no numbers either.
        let keep = if n == BANK_ACCOUNTS.len() - 1 {
            "3"
        } else {
            "1"
        };
        call.press(keep).await.expect("the account is right");
        let said = call.press("1").await.expect("authorised");
        assert!(
            said.iter().any(|line| line.contains("is scheduled for")),
            "{said:?}"
        );
        if keep == "3" {
            // AutoPay from the account kept: its recurring authorisation, then its debits.
            let said = call.press("2").await.expect("AutoPay");
            assert!(
                said.iter().any(|line| line.contains("These debits repeat")),
                "{said:?}"
            );
            let said = call.press("1").await.expect("AutoPay agreed");
            assert!(
                said.iter().any(|line| line.contains("AutoPay is on")),
                "{said:?}"
            );
        }
        api_answers.push_str(&server.api_call(&call.call_sid).await.to_string());
    }
    // AutoPay's debit on the due date, from the account kept on file.
    let collector = ivrpay::collections::run_due::Collector::of(&server.state.line);
    let report = ivrpay::collections::run_due::run(&collector, time::macros::date!(2026 - 12 - 02))
        .await
        .expect("run-due");
    assert_eq!(report.clearing, 1, "{report:?}");
    // The written notices go out; every debit settles, fails or comes back, and the holder is
    // told.
    crate::messages::send(&server).await;
    for _ in 0..3 {
        server
            .clock
            .advance(std::time::Duration::from_secs(26 * 60 * 60));
        ivrpay::upkeep::run_once(&server.state.line)
            .await
            .expect("upkeep");
        crate::messages::send(&server).await;
    }
    let linda = server.api_account("66253365").await;
    assert_eq!(
        linda["saved_methods"][0]["kind"], "bank",
        "one account was kept on file: {linda}"
    );
    api_answers.push_str(&linda.to_string());
    let sent: String = smtp
        .received()
        .iter()
        .map(|mail| format!("{}\n{}\n{:?}\n", mail.subject, mail.text, mail.html))
        .chain(twilio.requests().iter().map(|r| format!("{r:?}\n")))
        .collect();
    assert!(
        sent.contains("ending in 6789"),
        "the notices were read: {sent}"
    );
    let database = database_text(&server, backend).await;
    assert!(
        database.contains("6789") && database.contains("R10"),
        "the database was read: the accounts' last fours and the returns are there"
    );
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logged.contains("bank debit"),
        "the debits' ends were logged"
    );
    for (place, text) in [
        ("logs", &logged),
        ("database", &database),
        ("messages and provider requests", &sent),
        ("API answers", &api_answers),
    ] {
        for number in BANK_ACCOUNTS
            .iter()
            .chain(&["000987654321", ROUTING_NUMBER])
        {
            assert!(!text.contains(number), "{number} found in the {place}");
        }
    }
}

on_both_backends_with_own_server!(no_bank_numbers_in_logs_database_messages_or_api, needs: [Prism, Smtp]);

/// A card number and a bank account number keyed where neither was asked for.
const STRAY_CARD: &str = "5555555555554444";
const STRAY_BANK_ACCOUNT: &str = "000123456789";

async fn card_numbers_typed_at_every_question_are_never_kept(backend: Backend) {
    let logs = captured_logs();
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    // An unknown caller, so the account-number question is asked too. At every question the
    // caller first keys a card number (and at the account question a bank account number, which
    // names no account), then the right answer.
    let mut call = server.call_from("+15550009999").await;
    let answers = [
        "1",
        "66253365",
        "6446",
        "3",
        "20",
        "1",
        "4242424242424242",
        "1228",
        "731",
        "77141",
        "1",
    ];
    for (i, answer) in answers.iter().enumerate() {
        if i == 1 {
            call.press(STRAY_BANK_ACCOUNT).await.expect("bank number");
        }
        // At the card-number question the card is the answer.
        if i != 6 {
            call.press(STRAY_CARD)
                .await
                .expect("card at the wrong question");
        }
        call.press(answer).await.expect("answer");
    }
    assert!(
        call.transcript().contains("was approved"),
        "{}",
        call.transcript()
    );
    let record = server.api_call(&call.call_sid).await.to_string();
    let database = database_text(&server, backend).await;
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    for (place, text) in [
        ("logs", &logged),
        ("database", &database),
        ("API answer", &record),
    ] {
        for number in [STRAY_CARD, STRAY_BANK_ACCOUNT, "4242424242424242"] {
            assert!(!text.contains(number), "{number} found in the {place}");
        }
    }
    // What the steps keep of such entries: masked keys, enough to see what happened.
    assert!(record.contains("************4444"), "{record}");
    server.stop().await;
}

on_both_backends_with_own_server!(card_numbers_typed_at_every_question_are_never_kept);

/// A caller ID the caller set to a card number (a Luhn-valid 16 digits).
const CARD_CALLER_ID: &str = "5105105105105100";

async fn a_caller_id_of_card_digits_is_kept_masked(backend: Backend) {
    // Arrange
    let logs = captured_logs();
    let Some(server) = TestServer::start(backend).await else {
        return;
    };

    // Act: the call is answered and goes on as any other.
    let mut call = server.call_from(CARD_CALLER_ID).await;
    call.press("1").await.expect("language");

    // Assert: the caller ID is kept as free text is, masked to its last four.
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["from"], "************5100", "{record}");
    let database = database_text(&server, backend).await;
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    for (place, text) in [("logs", &logged), ("database", &database)] {
        assert!(
            !text.contains(CARD_CALLER_ID),
            "the caller ID in the {place}"
        );
    }
    server.stop().await;
}

on_both_backends_with_own_server!(a_caller_id_of_card_digits_is_kept_masked);

/// Notes and caller IDs kept by an older version, before free text was scrubbed as written, are
/// scrubbed by upkeep, once.
async fn card_numbers_stored_before_scrubbing_are_scrubbed_by_upkeep(server: &TestServer) {
    let mut call = server.call_from("+15552126618").await;
    for keys in ["1", "1", "6446"] {
        call.press(keys).await.expect("Linda answers");
    }
    call.press("0").await.expect("a person");
    // What an older version would have kept as typed.
    sqlx::query("UPDATE transfers SET note = $1")
        .bind("card 4242 4242 4242 4242 exp 12/28")
        .execute(server.state.line.store.pool())
        .await
        .expect("db");
    sqlx::query("UPDATE calls SET from_number = $1 WHERE call_sid = $2")
        .bind(CARD_CALLER_ID)
        .bind(&call.call_sid)
        .execute(server.state.line.store.pool())
        .await
        .expect("db");

    let report = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(report.texts_rescrubbed, 2, "{report:?}");
    let note: String = sqlx::Row::get(
        &sqlx::query("SELECT note FROM transfers")
            .fetch_one(server.state.line.store.pool())
            .await
            .expect("db"),
        "note",
    );
    assert_eq!(note, "card **** **** **** 4242 exp 12/28");
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["from"], "************5100", "{record}");
    let again = ivrpay::upkeep::run_once(&server.state.line)
        .await
        .expect("upkeep");
    assert_eq!(again.texts_rescrubbed, 0, "{again:?}");
}
on_both_backends!(card_numbers_stored_before_scrubbing_are_scrubbed_by_upkeep);

/// With card capture by the provider, the card is keyed to the provider (here the simulated
/// one): the line receives only the result, so its logs, database and answers hold none of it.
async fn card_capture_by_the_provider_leaves_no_card_number_behind(
    backend: Backend,
    provider: &'static str,
) {
    let logs = captured_logs();
    let Some(crate::provider_pay::ProviderCapture { server, .. }) =
        crate::provider_pay::start(backend, provider).await
    else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "25", "1"] {
        call.press(keys).await.expect("to the card");
    }
    assert!(call.is_paying(), "the provider takes the card");
    for keys in ["5555555555554444", "0931", "642"] {
        call.press(keys).await.expect("the card");
    }
    let said = call.press("10003").await.expect("the ZIP");
    assert!(
        said.iter().any(|line| line.contains("was approved")),
        "{said:?}"
    );
    let answers = format!(
        "{}{}",
        server.api_call(&call.call_sid).await,
        server.api_account("66253365").await
    );
    assert!(
        answers.contains("4444"),
        "the last four are there: {answers}"
    );
    let database = database_text(&server, backend).await;
    assert!(database.contains("4444"), "the database was read");
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    for (place, text) in [
        ("logs", &logged),
        ("database", &database),
        ("API answers", &answers),
    ] {
        assert!(
            !text.contains("5555555555554444"),
            "the card number in the {place}"
        );
        assert!(
            !words(text).contains(&"642"),
            "the security code in the {place}"
        );
    }
}

on_every_provider_with_own_server!(
    card_capture_by_the_provider_leaves_no_card_number_behind,
    picks: crate::provider_pay::captures_cards
);

/// Where the provider's markup pauses recordings (Bandwidth's BXML), the answer that asks for
/// the card number pauses the call's recording before the question, and the answer to the
/// charge resumes it: no key of the card reaches a recording, with nothing configured.
async fn markup_keeps_card_entry_out_of_the_recording(backend: Backend, provider: &'static str) {
    let options = Options {
        provider,
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.linda_at_pin_question().await;
    for keys in ["6446", "3", "25"] {
        call.press(keys).await.expect("to the amount");
        assert!(
            !call.recording_paused(),
            "nothing is paused before the card"
        );
    }
    let said = call.press("1").await.expect("the amount is right");
    assert_heard!(&said, "Key in your card number, then press pound.");
    assert!(call.recording_paused(), "{}", call.last_twiml);
    for keys in ["4242424242424242", "1228", "123"] {
        call.press(keys).await.expect("the card");
        assert!(call.recording_paused(), "paused while the card is keyed");
    }
    let mut said = call.press("77141").await.expect("the ZIP");
    for _ in 0..2 {
        if said.iter().any(|line| line.contains("was approved")) {
            break;
        }
        said = call.press("1").await.expect("the card read back is right");
    }
    assert_heard!(&said, "Your payment of twenty-five dollars was approved.");
    assert!(!call.recording_paused(), "{}", call.last_twiml);
    server.stop().await;
}
on_every_provider_with_own_server!(
    markup_keeps_card_entry_out_of_the_recording,
    picks: |dialect: &dyn ivrpay::telephony::Dialect| dialect.pauses_recording_in_markup()
);

sync_test!(a_code_inside_a_duration_or_a_timestamp_is_no_word_of_its_own);
fn a_code_inside_a_duration_or_a_timestamp_is_no_word_of_its_own() {
    let text = "elapsed=164µs elapsed_secs=0.000164 at 06:18:55.923164Z took 164.47ms; code 164.";
    assert_eq!(words(text).iter().filter(|word| **word == "164").count(), 1);
}
