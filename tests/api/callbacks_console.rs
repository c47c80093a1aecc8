//! Callbacks in the agent console, black-box over HTTP on SQLite and PostgreSQL: a caller who
//! asks for a person outside hours and books a callback is listed on the console (soonest window
//! first, with the window in the line's time zone and nothing secret); an agent closes it with
//! "Done" and a note, which marks it done by them and takes it off the list; a second close
//! changes nothing; an unsigned or forged close is refused. The test clock starts Monday
//! 2026-11-23 at 10:00 in New York (the shipped hours: weekdays 9 to 5).

use crate::common;

use std::time::Duration;

use common::TestServer;
use common::console;
use reqwest::header::{COOKIE, ORIGIN};

/// Monday 18:00 in New York: closed.
const TO_MONDAY_EVENING: Duration = Duration::from_secs(8 * 3600);

/// Linda Brown, verified, asks for a person while the line is closed, keeps her caller ID, and
/// chooses window `key` (1: tomorrow morning, 2: tomorrow afternoon); the callback's id.
async fn linda_books_a_callback(server: &TestServer, key: &str) -> i64 {
    let mut call = server.linda_at_pin_question().await;
    let said = call.press("6446").await.expect("pin");
    assert_heard!(&said, "Your balance is");
    let said = call.press("0").await.expect("a person");
    assert_heard!(&said, "we can call you back");
    call.press("1").await.expect("caller id");
    let said = call.press(key).await.expect("window");
    assert_heard!(&said, "We'll call");
    let open = server
        .state
        .line
        .store
        .callbacks(Some(ivrpay::store::CallbackStatus::Open))
        .await
        .expect("db");
    open.iter()
        .find(|c| c.call_sid == call.call_sid)
        .expect("the callback is recorded")
        .id
}

async fn a_callback_booked_outside_hours_is_listed_and_closed_from_the_console(
    server: &TestServer,
) {
    // Arrange: Linda books tomorrow afternoon, then (a few minutes later) tomorrow morning.
    server.clock.advance(TO_MONDAY_EVENING);
    let afternoon = linda_books_a_callback(server, "2").await;
    server.clock.advance(Duration::from_secs(5 * 60));
    let morning = linda_books_a_callback(server, "1").await;
    let ana = console::agent(server, "ana", "Ana López").await;
    let ben = console::agent(server, "ben", "Ben Okafor").await;

    // Act
    let page = console::console_page(server, &ana).await;

    // Assert: both listed, the sooner window first, with what the agent needs.
    let at = |id: i64| {
        page.find(&format!("id=\"callback-{id}\""))
            .unwrap_or_else(|| panic!("callback {id} is listed: {page}"))
    };
    assert!(at(morning) < at(afternoon), "soonest window first");
    let item = &page[at(afternoon)..];
    let item = &item[..item.find("</li>").expect("end of item")];
    for shown in [
        "Linda Brown",
        "•••• 3365",
        "href=\"tel:+15552126618\"",
        "(555) 212-6618",
        "tomorrow afternoon, between noon and 5 PM (Tuesday, November 24, America/New_York time)",
        "English",
        "They asked for a person while",
        "The line was closed.",
        "Monday, November 23 at 6 PM",
        "action=\"/agent/callbacks/",
    ] {
        assert!(item.contains(shown), "{shown:?} in {item}");
    }
    assert!(!page.contains("66253365"), "no full account number");
    assert!(
        page.contains("<p id=\"no-callbacks\" hidden>"),
        "the empty note is hidden"
    );

    // Act: Ana called Linda back.
    let path = format!("/agent/callbacks/{afternoon}/close");
    let (status, _) = console::post(
        server,
        &ana,
        &path,
        &[(
            "note",
            "Paid by phone; card ４２４２ ４２４２ ４２４２ ４２４２",
        )],
    )
    .await;

    // Assert
    assert_eq!(status, 303);
    let closed = server
        .state
        .line
        .store
        .callback(afternoon)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(closed.status, "done");
    assert_eq!(closed.closed_by.as_deref(), Some("Ana López"));
    let note = closed.note.clone().expect("a note");
    assert_eq!(
        note, "Paid by phone; card **** **** **** ４２４２",
        "full-width card digits are masked"
    );
    let page = console::console_page(server, &ben).await;
    assert!(
        !page.contains(&format!("id=\"callback-{afternoon}\"")),
        "gone"
    );
    assert!(
        page.contains(&format!("id=\"callback-{morning}\"")),
        "the other stays"
    );

    // Act: Ben closes it too, not having reloaded.
    let (again, body) = console::post(server, &ben, &path, &[("note", "a second note")]).await;

    // Assert: refused, and the first close stands.
    assert_eq!(again, 409, "{body}");
    assert!(body.contains("already closed by Ana López"), "{body}");
    let after = server
        .state
        .line
        .store
        .callback(afternoon)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(after.note, closed.note);
    assert_eq!(after.closed_by, closed.closed_by);
    let (missing, _) = console::post(server, &ana, "/agent/callbacks/999999/close", &[]).await;
    assert_eq!(missing, 404);

    // Act: the last one, with no note; the list is empty.
    let (status, _) = console::post(
        server,
        &ben,
        &format!("/agent/callbacks/{morning}/close"),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let page = console::console_page(server, &ana).await;
    assert!(
        page.contains("<p id=\"no-callbacks\">No callbacks to work."),
        "{page}"
    );
    let morning = server
        .state
        .line
        .store
        .callback(morning)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(morning.closed_by.as_deref(), Some("Ben Okafor"));
}
on_both_backends!(a_callback_booked_outside_hours_is_listed_and_closed_from_the_console);

async fn an_unsigned_or_forged_close_is_refused(server: &TestServer) {
    // Arrange
    server.clock.advance(TO_MONDAY_EVENING);
    let id = linda_books_a_callback(server, "2").await;
    let ana = console::agent(server, "ana", "Ana López").await;
    let url = format!("{}/agent/callbacks/{id}/close", server.url);
    let origin = &*server.state.line.public_url;

    // Act
    let unsigned = console::client()
        .post(&url)
        .header(ORIGIN, origin)
        .form(&[("csrf", ana.csrf.as_str()), ("note", "x")])
        .send()
        .await
        .expect("answers")
        .status();
    let no_csrf = console::client()
        .post(&url)
        .header(COOKIE, &ana.cookie)
        .header(ORIGIN, origin)
        .form(&[("note", "x")])
        .send()
        .await
        .expect("answers")
        .status();
    let wrong_csrf = console::client()
        .post(&url)
        .header(COOKIE, &ana.cookie)
        .header(ORIGIN, origin)
        .form(&[("csrf", "not-the-token"), ("note", "x")])
        .send()
        .await
        .expect("answers")
        .status();
    let other_site = console::client()
        .post(&url)
        .header(COOKIE, &ana.cookie)
        .header(ORIGIN, "https://elsewhere.example")
        .form(&[("csrf", ana.csrf.as_str()), ("note", "x")])
        .send()
        .await
        .expect("answers")
        .status();

    // Assert
    assert_eq!(
        (
            unsigned.as_u16(),
            no_csrf.as_u16(),
            wrong_csrf.as_u16(),
            other_site.as_u16()
        ),
        (401, 403, 403, 403)
    );
    let row = server
        .state
        .line
        .store
        .callback(id)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.status, "open", "still open");
    assert!(
        console::console_page(server, &ana)
            .await
            .contains(&format!("id=\"callback-{id}\""))
    );
}
on_both_backends!(an_unsigned_or_forged_close_is_refused);
