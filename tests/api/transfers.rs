//! The screen-pop, black-box over HTTP on SQLite and PostgreSQL: a caller put through to a person
//! is recorded once (with the turn that dialed), appears on every signed-in console with their
//! context and nothing secret, live over the stream; one agent takes it, and closes it with a
//! disposition.

use crate::common;

use std::time::Duration;

use common::TestServer;
use common::console::{self, Agent};
use reqwest::header::COOKIE;

const LINDA: &str = "+15552126618";

/// Linda Brown, verified by PIN, asks for a person at the balance menu.
async fn linda_asks_for_a_person(server: &TestServer) -> ivrpay_simulators::caller::Call {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    // The simulated line rings out rather than connecting and finishing at once: the caller is
    // still on the line while agents take the transfer (one whose call ended cannot be taken).
    call.agent_answers = false;
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "Please hold");
    call
}

async fn transfers_of(server: &TestServer, call_sid: &str) -> Vec<ivrpay::store::TransferRow> {
    server
        .state
        .line
        .store
        .transfers_of_call(server.provider, call_sid)
        .await
        .expect("db")
}

/// An open `GET /agent/transfers/stream`, read as it arrives.
struct Stream {
    response: reqwest::Response,
    received: String,
}

impl Stream {
    async fn open(server: &TestServer, agent: &Agent) -> Stream {
        let response = console::client()
            .get(format!("{}/agent/transfers/stream", server.url))
            .header(COOKIE, &agent.cookie)
            .send()
            .await
            .expect("server answers");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream {
            response,
            received: String::new(),
        }
    }

    /// Reads until what arrived since the last call contains `needle` (ten seconds at most);
    /// returns it.
    async fn until(&mut self, needle: &str) -> String {
        let start = self.received.len();
        let read = async {
            while !self.received[start..].contains(needle) {
                let chunk = self.response.chunk().await.expect("stream").expect("open");
                self.received.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} on the stream: {}", &self.received[start..]));
        self.received[start..].to_owned()
    }
}

async fn a_caller_who_asks_for_a_person_pops_up_with_their_context(server: &TestServer) {
    // Arrange
    let ana = console::agent(server, "ana", "Ana López").await;
    let mut stream = Stream::open(server, &ana).await;

    // Act
    let call = linda_asks_for_a_person(server).await;

    // Assert: recorded once, with where and why.
    let transfers = transfers_of(server, &call.call_sid).await;
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    let transfer = &transfers[0];
    assert_eq!(transfer.status, "waiting");
    assert_eq!(transfer.reason, "asked");
    assert_eq!(transfer.account_number.as_deref(), Some("66253365"));
    assert_eq!(transfer.language.as_deref(), Some("en"));
    assert!(transfer.state.is_some());

    // Live on the open console, and on the page.
    let event = stream.until("</li>").await;
    assert!(event.contains("event: transfer"), "{event}");
    let page = console::console_page(server, &ana).await;
    for html in [&event, &page] {
        assert!(
            html.contains(&format!("id=\"transfer-{}\"", transfer.id)),
            "{html}"
        );
        assert!(html.contains("Linda Brown"), "{html}");
        assert!(html.contains("•••• 3365"), "{html}");
        assert!(html.contains("Verified by PIN"), "{html}");
        assert!(html.contains("$445.33"), "{html}");
        assert!(html.contains("$44.53 by December 2, 2026"), "{html}");
        assert!(html.contains("early"), "{html}");
        assert!(html.contains("English"), "{html}");
        assert!(
            html.contains("They asked for a person while hearing their balance"),
            "{html}"
        );
        assert!(
            html.contains("15:00:00 UTC Choosing a language: chose English"),
            "{html}"
        );
        assert!(html.contains("Entering their PIN: answered"), "{html}");
        assert!(html.contains("identity verified"), "{html}");
        assert!(!html.contains("goto:"), "{html}");
        assert!(html.contains("I'll take it"), "{html}");
        assert!(!html.contains("66253365"), "no full account number: {html}");
    }
    assert!(
        !page.contains("id=\"no-transfers\">"),
        "the empty note is hidden"
    );
}
on_every_provider!(a_caller_who_asks_for_a_person_pops_up_with_their_context);

async fn of_two_agents_claiming_at_once_one_gets_the_caller(server: &TestServer) {
    // Arrange
    let ana = console::agent(server, "ana", "Ana López").await;
    let ben = console::agent(server, "ben", "Ben Okafor").await;
    let call = linda_asks_for_a_person(server).await;
    let id = transfers_of(server, &call.call_sid).await[0].id;
    let path = format!("/agent/transfers/{id}/claim");

    // Act
    let (a, b) = tokio::join!(
        console::post(server, &ana, &path, &[]),
        console::post(server, &ben, &path, &[])
    );

    // Assert
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{a:?} {b:?}");
    let (winner, loser, loser_answer) = if a.0 == 303 {
        ("Ana López", &ben, &b.1)
    } else {
        ("Ben Okafor", &ana, &a.1)
    };
    assert!(
        loser_answer.contains(&format!("{winner} has already taken this caller.")),
        "{loser_answer}"
    );
    let row = server
        .state
        .line
        .store
        .transfer(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.status, "claimed");
    assert_eq!(row.claimed_by_name.as_deref(), Some(winner));
    let page = console::console_page(server, loser).await;
    assert!(page.contains(&format!("Taken by {winner}")), "{page}");
    assert!(
        !page.contains("I&#39;ll take it") && !page.contains("I'll take it"),
        "{page}"
    );
}
on_both_backends!(of_two_agents_claiming_at_once_one_gets_the_caller);

async fn the_agent_who_took_the_caller_records_how_it_ended_and_every_console_sees_it(
    server: &TestServer,
) {
    // Arrange
    let ana = console::agent(server, "ana", "Ana López").await;
    let ben = console::agent(server, "ben", "Ben Okafor").await;
    let call = linda_asks_for_a_person(server).await;
    let id = transfers_of(server, &call.call_sid).await[0].id;
    let mut bens_stream = Stream::open(server, &ben).await;
    bens_stream.until("I'll take it").await;
    let (status, _) =
        console::post(server, &ana, &format!("/agent/transfers/{id}/claim"), &[]).await;
    assert_eq!(status, 303);
    let taken = bens_stream.until("</li>").await;
    assert!(taken.contains("Taken by Ana López"), "{taken}");
    let page = console::console_page(server, &ana).await;
    assert!(page.contains("You took this caller"), "{page}");
    assert!(page.contains("How did the call end?"), "{page}");
    let path = format!("/agent/transfers/{id}/disposition");

    // Act: Ben may not close Ana's caller; a made-up disposition is refused; Ana closes it.
    let (bens, _) = console::post(server, &ben, &path, &[("disposition", "paid")]).await;
    let (odd, _) = console::post(server, &ana, &path, &[("disposition", "vanished")]).await;
    let (anas, _) = console::post(
        server,
        &ana,
        &path,
        &[
            ("disposition", "arrangement"),
            (
                "note",
                "Promise for Friday; card 4242.4242.4242.4242 exp 12/28",
            ),
        ],
    )
    .await;

    // Assert
    assert_eq!((bens, odd, anas), (409, 400, 303));
    let row = server
        .state
        .line
        .store
        .transfer(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.status, "done");
    assert_eq!(row.disposition.as_deref(), Some("arrangement"));
    let note = row.note.expect("a note");
    assert_eq!(
        note, "Promise for Friday; card ****.****.****.4242 exp 12/28",
        "card digits in a note are masked, however they are grouped"
    );
    let done = bens_stream.until("</li>").await;
    assert!(
        done.contains("Done: Arrangement made (Ana López)"),
        "{done}"
    );
    let (again, _) = console::post(server, &ana, &path, &[("disposition", "paid")]).await;
    assert_eq!(again, 409, "closed once");
}
on_both_backends!(the_agent_who_took_the_caller_records_how_it_ended_and_every_console_sees_it);

async fn a_retried_webhook_records_one_transfer(server: &TestServer) {
    // Arrange
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let path = server.pending_path(&call);

    // Act: the provider delivers "0" three times at once, then once more later.
    let first = server.press_concurrently(&call, "0", 3).await;
    let params = [
        ("CallSid", call.call_sid.as_str()),
        ("From", LINDA),
        ("Digits", "0"),
    ];
    let (status, later) = server.post_signed(&path, &params).await;

    // Assert
    assert!(first.contains("<Dial"), "{first}");
    assert_eq!((status, later), (200, first));
    assert_eq!(transfers_of(server, &call.call_sid).await.len(), 1);
}
on_both_backends!(a_retried_webhook_records_one_transfer);

async fn the_stream_and_the_forms_need_a_session_and_the_forms_a_csrf_token(server: &TestServer) {
    let ana = console::agent(server, "ana", "Ana López").await;
    let call = linda_asks_for_a_person(server).await;
    let id = transfers_of(server, &call.call_sid).await[0].id;
    let claim = format!("{}/agent/transfers/{id}/claim", server.url);

    let unsigned_stream = console::client()
        .get(format!("{}/agent/transfers/stream", server.url))
        .send()
        .await
        .expect("answers");
    let unsigned_script = console::client()
        .get(format!("{}/agent/console.js", server.url))
        .send()
        .await
        .expect("answers");
    let unsigned_claim = console::client()
        .post(&claim)
        .header("origin", &*server.state.line.public_url)
        .send()
        .await
        .expect("answers");
    let no_token = console::client()
        .post(&claim)
        .header(COOKIE, &ana.cookie)
        .header("origin", &*server.state.line.public_url)
        .send()
        .await
        .expect("answers");

    assert_eq!(unsigned_stream.status(), 401);
    assert_eq!(unsigned_script.status(), 401);
    assert_eq!(unsigned_claim.status(), 401);
    assert_eq!(no_token.status(), 403);
    let row = server
        .state
        .line
        .store
        .transfer(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.status, "waiting", "nothing was claimed");

    // Signing out ends an open stream.
    let mut stream = Stream::open(server, &ana).await;
    stream.until("</li>").await;
    let (status, _) = console::post(server, &ana, "/agent/sign-out", &[]).await;
    assert_eq!(status, 303);
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.response.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended with the session");
}
on_both_backends!(the_stream_and_the_forms_need_a_session_and_the_forms_a_csrf_token);

async fn no_card_digits_or_full_account_number_reach_the_console(server: &TestServer) {
    // Arrange: Linda's card is declined, and she asks for a person.
    let ana = console::agent(server, "ana", "Ana López").await;
    let mut stream = Stream::open(server, &ana).await;
    let mut call = server.linda_at_card_number("5").await;
    server
        .enter_card(&mut call, "4000000000000002", "1228", "123", "77141")
        .await;
    call.press("1").await.expect("declined");
    call.press("0").await.expect("a person");

    // Act
    let event = stream.until("</li>").await;
    let page = console::console_page(server, &ana).await;

    // Assert: the payment is there by brand and last four; no secret is.
    for html in [event, page] {
        let html = html.replace(&ana.csrf, "CSRF");
        assert!(
            html.contains("Declined: $5.00 with Visa ending 0002"),
            "{html}"
        );
        for secret in [
            "4000000000000002",
            "400000",
            "66253365",
            "6446",
            "1228",
            "1984-01-18",
            "77141",
        ] {
            assert!(!html.contains(secret), "{secret} leaked: {html}");
        }
    }
}
on_both_backends!(no_card_digits_or_full_account_number_reach_the_console);

async fn admins_see_every_transfer_through_the_api(server: &TestServer) {
    let call = linda_asks_for_a_person(server).await;
    let api = |token: Option<&'static str>| {
        let mut request = ivrpay::http_client().get(format!("{}/api/transfers", server.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let response = api(Some(common::ADMIN_TOKEN)).await.expect("api answers");

    assert_eq!(response.status(), 200);
    let listed: serde_json::Value = response.json().await.expect("json");
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["call_sid"], call.call_sid.as_str());
    assert_eq!(listed[0]["status"], "waiting");
    assert_eq!(listed[0]["reason"], "asked");
    let unsigned = api(None).await.expect("api answers");
    assert_eq!(unsigned.status(), 401);
}
on_both_backends!(admins_see_every_transfer_through_the_api);

/// Asking for a person in words is asking, as pressing 0 is: the reason stored (which the reports
/// count), the agent's whisper and the console all say so.
async fn asking_for_a_person_by_voice_is_recorded_as_asked(server: &TestServer) {
    let ana = console::agent(server, "ana", "Ana López").await;
    for (at_balance, words) in [(true, "representative"), (false, "a person please")] {
        let mut call = server.call_from(LINDA).await;
        call.press("1").await.expect("language");
        if at_balance {
            call.press("1").await.expect("her account");
            call.press("6446").await.expect("pin");
        }
        let said = call.say(words, Some("0.93")).await.expect("words");
        assert_heard!(&said, "Please hold", "{words}");

        let transfers = transfers_of(server, &call.call_sid).await;
        assert_eq!(transfers.len(), 1, "{words}: {transfers:?}");
        assert_eq!(transfers[0].reason, "asked", "{words}");
        let whisper = call.agent_heard.join(" ");
        assert!(
            whisper.contains("They asked for a person while"),
            "{words}: {whisper}"
        );
        let page = console::console_page(server, &ana).await;
        assert!(!page.contains("put them through on its own"), "{page}");
    }
    let page = console::console_page(server, &ana).await;
    assert!(
        page.contains("They asked for a person while hearing their balance"),
        "{page}"
    );
    assert!(
        page.contains("They asked for a person while confirming which account"),
        "{page}"
    );
}
on_both_backends!(asking_for_a_person_by_voice_is_recorded_as_asked);
