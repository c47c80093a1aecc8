//! How many words a caller hears: a returning caller paying her whole balance by card, listening
//! to every prompt to its end, in each language, on SQLite and PostgreSQL. At 150 words a minute
//! every word is 0.4 s of an older caller's patience.

use crate::common;

use std::time::Duration;

use common::{TestServer, heard};
use ivrpay_simulators::caller::Call;

const LINDA: &str = "+15552126618"; // 66253365, PIN 6446, 445.33 due 2026-12-02, English

/// Words heard on the whole call before the payment's confirmation (`confirmation`, its first
/// words), counted as text-to-speech says them: digits said one by one count one each.
fn words_before_confirmation(call: &Call, confirmation: &str) -> usize {
    let transcript = call.heard.join(" ");
    let before = transcript
        .find(confirmation)
        .unwrap_or_else(|| panic!("no {confirmation:?} in {transcript}"));
    transcript[..before].split_whitespace().count()
}

/// Linda, matched by caller ID, pays her full balance with the test Visa in `language`
/// (`"1"` English, `"2"` Spanish) and listens to every prompt; returns the call.
async fn linda_pays_her_balance(server: &TestServer, language: &str) -> Call {
    let mut call = server.call_from(LINDA).await;
    for keys in [
        language,
        "1",    // the account ending in 3365 is hers
        "6446", // PIN
        "1",    // the full balance
        "4242424242424242",
        "1228",
        "123",
        "77141",
        "1", // pay
    ] {
        assert!(call.is_asking(), "{}", call.transcript());
        call.press(keys).await.expect("answer");
    }
    call
}

/// Linda's call in `language` hears `paid_in_full`, and at most `limit` words before `approved`.
/// On Thursday December 3 at 10:00 in New York, the longest way her call goes: her balance (due
/// December 2) is said to be past due, and with people in, a person is offered.
async fn at_most(
    server: &TestServer,
    language: &str,
    approved: &str,
    paid_in_full: &str,
    limit: usize,
) {
    server.clock.advance(Duration::from_secs(10 * 24 * 3600));
    let call = linda_pays_her_balance(server, language).await;
    assert!(
        heard(&call.heard, "past due since December second")
            || heard(&call.heard, "vencido desde el dos de diciembre"),
        "{}",
        call.transcript()
    );
    assert!(
        heard(&call.heard, "agent or press 0") || heard(&call.heard, "agente u oprima 0"),
        "{}",
        call.transcript()
    );
    assert_heard!(&call.heard, paid_in_full, "{}", call.transcript());
    let words = words_before_confirmation(&call, approved);
    assert!(
        words <= limit,
        "{words} words before {approved:?}:\n{}",
        call.transcript()
    );
}

async fn linda_hears_at_most_161_words_before_her_confirmation(server: &TestServer) {
    at_most(
        server,
        "1",
        "Thank you, your payment was approved.",
        "Your account is paid in full.",
        // 150 before the card could be kept on file; the read-back's offer to keep it is 11.
        161,
    )
    .await;
}
on_both_backends!(linda_hears_at_most_161_words_before_her_confirmation);

async fn in_spanish_linda_hears_at_most_175_words_before_her_confirmation(server: &TestServer) {
    at_most(
        server,
        "2",
        "Gracias, su pago fue aprobado.",
        "Su cuenta quedó pagada por completo.",
        // 167 before the card could be kept on file; the read-back's offer to keep it is 8.
        175,
    )
    .await;
}
on_both_backends!(in_spanish_linda_hears_at_most_175_words_before_her_confirmation);
