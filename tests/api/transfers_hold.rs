//! Waiting for a person, and agent-assisted card payments, black-box on SQLite and PostgreSQL.
//!
//! With Twilio's REST API configured, a caller who asks for a person waits in a conference room
//! hearing hold audio (and a kind word between rounds) while the line rings the agent; nobody
//! answering takes them out of the room to a callback or the menu; the agent who took the caller
//! can send them, from the console, to key in a card on the line's own questions and get them
//! back with the result on screen. Twilio's REST API is Prism serving Twilio's own OpenAPI
//! description, which refuses any request Twilio's schema would (paths, SID patterns, fields);
//! this test plays Twilio's side of the calls (posting what Twilio would post to the URLs the
//! service gave it).

use crate::common;

use common::console::{self, Agent};
use common::twilio_api::{ACCOUNT_SID, Recorded, TwilioStandIn};
use common::{AGENT, Backend, Options, TestServer};
use ivrpay::voice::{Prompt, Verb};
use ivrpay_simulators::caller::{Call, CallStatus, Field, twiml};

/// The number the test calls come in on: the line's own, shown to the agent.
const LINE: &str = "+18005550100";

/// A server whose transfers wait in a conference room, with Prism as Twilio's REST API.
async fn line(backend: Backend) -> Option<(TestServer, TwilioStandIn)> {
    let twilio = TwilioStandIn::start().await;
    let options = Options {
        provider_api: Some(twilio.base_url.clone()),
        conference_transfers: true,
        ..Options::default()
    };
    let server = TestServer::start_with(backend, options).await?;
    Some((server, twilio))
}

/// The requests made to `path` under the test account.
fn requests_to(twilio: &TwilioStandIn, path: &str) -> Vec<Recorded> {
    let full = format!("/2010-04-01/Accounts/{ACCOUNT_SID}{path}");
    twilio
        .requests()
        .into_iter()
        .filter(|request| request.method == "POST" && request.path == full)
        .collect()
}

/// Linda Brown, verified by PIN, asks for a person: she waits in the room.
async fn linda_waits_for_a_person(server: &TestServer) -> (Call, Vec<String>) {
    let mut call = server.linda_at_pin_question().await;
    call.press("6446").await.expect("pin");
    let said = call.press("0").await.expect("a person");
    (call, said)
}

async fn a_waiting_caller_hears_hold_audio_while_the_line_rings_the_agent(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };

    // Act
    let (call, said) = linda_waits_for_a_person(&server).await;

    // Assert: a kind word, then hold audio in a room of her own.
    assert_heard!(&said, "Please hold while I connect you with a person.");
    assert_heard!(&said, "(hold music)");
    let room = format!("ivrpay-{}", call.call_sid);
    assert_eq!(call.on_hold.as_deref(), Some(room.as_str()));
    // The line rang the agent itself, once, through Twilio's REST API (Prism took it).
    let placed = requests_to(&twilio, "/Calls.json");
    assert_eq!(placed.len(), 1, "{placed:?}");
    let ring = &placed[0];
    assert_eq!(ring.status, 201, "{ring:?}");
    assert_eq!(ring.field("To"), Some(AGENT));
    assert_eq!(ring.field("From"), Some(LINE));
    assert_eq!(ring.field("Timeout"), Some("30"));
    let leg_url = ring.field("Url").expect("the agent's leg URL").to_owned();
    assert!(
        leg_url.contains(&format!("/twilio/agent?call={}&turn=", call.call_sid)),
        "{leg_url}"
    );
    let status_url = ring.field("StatusCallback").expect("status URL").to_owned();
    assert!(status_url.contains("/twilio/agent-status?"), "{status_url}");
    // Recorded once for the console.
    assert_eq!(server.transfers_of(&call.call_sid).await.len(), 1);

    // The next round of waiting has a kind word between the music, and goes on.
    let hold_url = format!("{}/twilio/hold?lang=en&round=1", server.url);
    let round = twiml::parse(&call.post_raw(&hold_url, &[]).await.expect("hold")).expect("TwiML");
    let mut said = Vec::new();
    let mut plays = Vec::new();
    let mut next = None;
    for verb in round.verbs {
        match verb {
            Verb::Prompt(Prompt::Say { text, .. }) => said.push(text),
            Verb::Prompt(Prompt::Play { url }) => plays.push(url),
            Verb::Redirect { url } => next = Some(url),
            other => panic!("a wait URL may only say, play, pause and redirect: {other:?}"),
        }
    }
    assert_heard!(&said, "Thank you for waiting.");
    assert_eq!(plays, [format!("{}/audio/hold.wav", server.url)]);
    assert!(next.is_some_and(|url| url.ends_with("round=2")));
    // The hold audio is served: a WAV file.
    let audio = call.fetch_audio(&plays[0]).await.expect("hold audio");
    assert_eq!(&audio[..4], b"RIFF");

    // The agent's line answers: the whisper, then the caller's room (leaving it ends it).
    let leg = twiml::parse(&call.post_raw(&leg_url, &[]).await.expect("leg")).expect("TwiML");
    let whisper: Vec<String> = leg
        .verbs
        .iter()
        .filter_map(|verb| match verb {
            Verb::Prompt(Prompt::Say { text, .. }) => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_heard!(&whisper, "Transfer from the payment line.");
    let joined = leg.verbs.iter().find_map(|verb| match verb {
        Verb::Conference(conference) => Some(conference.clone()),
        _ => None,
    });
    let joined = joined.expect("the agent joins the room");
    assert_eq!(joined.name, room);
    assert!(joined.start_on_enter && joined.end_on_exit);
    server.stop().await;
}
on_both_backends_with_own_server!(a_waiting_caller_hears_hold_audio_while_the_line_rings_the_agent, needs: [Prism]);

async fn nobody_answering_takes_the_caller_out_to_a_callback_or_the_menu(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };
    let (mut call, _) = linda_waits_for_a_person(&server).await;
    let placed = requests_to(&twilio, "/Calls.json");
    let status_url = placed[0]
        .field("StatusCallback")
        .expect("status URL")
        .to_owned();

    // Act: the agent's line rang out.
    call.post_raw(&status_url, &[Field::Status(CallStatus::NoAnswer)])
        .await
        .expect("status");

    // Assert: the line moved the caller out of the room, to the transfer's answer URL.
    let moved = requests_to(&twilio, &format!("/Calls/{}.json", call.call_sid));
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].status, 200, "{:?}", moved[0]);
    let url = moved[0].field("Url").expect("Url").to_owned();
    assert!(url.contains("/twilio/dial?turn="), "{url}");
    // Twilio then fetches it for the caller.
    let said = call.redirected(&url, &[]).await.expect("moved");
    assert_heard!(&said, "I'm sorry, everyone is still helping other callers.");
    assert_heard!(&said, "To have someone call you back, say or press 1.");
    assert_heard!(&said, "To go back to the menu, say or press 2.");
    let said = call.press("2").await.expect("menu");
    assert_heard!(&said, "Your balance is", "back at her balance");

    // A finished agent leg that was answered moves nobody.
    call.post_raw(&status_url, &[Field::Status(CallStatus::Completed)])
        .await
        .expect("status");
    assert_eq!(
        requests_to(&twilio, &format!("/Calls/{}.json", call.call_sid)).len(),
        1
    );
    server.stop().await;
}
on_both_backends_with_own_server!(nobody_answering_takes_the_caller_out_to_a_callback_or_the_menu, needs: [Prism]);

async fn when_the_agent_line_cannot_be_rung_the_caller_is_not_left_waiting(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };
    twilio.go_down().await;

    let (call, said) = linda_waits_for_a_person(&server).await;

    assert!(call.on_hold.is_none(), "nobody waits for no one: {said:?}");
    assert_heard!(&said, "To have someone call you back, say or press 1.");
    server.stop().await;
}
on_both_backends_with_own_server!(when_the_agent_line_cannot_be_rung_the_caller_is_not_left_waiting, needs: [Prism]);

/// Ana takes the waiting caller on the console.
async fn ana_takes(server: &TestServer, call: &Call) -> (Agent, i64) {
    let ana = console::agent(server, "ana", "Ana López").await;
    let id = server.transfers_of(&call.call_sid).await[0].id;
    let (status, _) =
        console::post(server, &ana, &format!("/agent/transfers/{id}/claim"), &[]).await;
    assert_eq!(status, 303);
    (ana, id)
}

/// `agent` presses "Take a card payment" on transfer `id`.
async fn take_a_card_payment(server: &TestServer, agent: &Agent, id: i64) -> (u16, String) {
    console::post(
        server,
        agent,
        &format!("/agent/transfers/{id}/card-entry"),
        &[],
    )
    .await
}

async fn an_agent_sends_the_caller_to_key_in_a_card_and_sees_the_result(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };
    let (mut call, _) = linda_waits_for_a_person(&server).await;
    let (ana, id) = ana_takes(&server, &call).await;
    let page = console::console_page(&server, &ana).await;
    assert!(page.contains(&format!("id=\"card-entry-{id}\"")), "{page}");
    // Another agent cannot send Ana's caller anywhere.
    let ben = console::agent(&server, "ben", "Ben Okafor").await;
    let (status, body) = take_a_card_payment(&server, &ben, id).await;
    assert_eq!(status, 409, "{body}");

    // Act: Ana presses the button.
    let (status, body) = take_a_card_payment(&server, &ana, id).await;

    // Assert: the caller's call was moved to the line's card questions through Twilio.
    assert_eq!(status, 303, "{body}");
    let moved = requests_to(&twilio, &format!("/Calls/{}.json", call.call_sid));
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].status, 200);
    let url = moved[0].field("Url").expect("Url").to_owned();
    assert!(url.contains("/twilio/assist?turn="), "{url}");
    let page = console::console_page(&server, &ana).await;
    assert!(
        page.contains("The caller is keying in a card now."),
        "{page}"
    );

    // The caller, out of the room, keys in the amount and the card.
    let said = call.redirected(&url, &[]).await.expect("card questions");
    assert_heard!(&said, "Please say the amount");
    call.press("5*00").await.expect("amount");
    let said = call.press("1").await.expect("amount confirmed");
    // The caller may pay from a bank account too (the line can record here); a card this time.
    assert_heard!(&said, "How would you like to pay five dollars?");
    let said = call.press("1").await.expect("by card");
    assert_heard!(&said, "Key in your card number");
    server
        .enter_card(&mut call, "4242424242424242", "1228", "123", "77141")
        .await;
    let said = call.press("1").await.expect("charged");

    // Back with Ana, in the same room.
    assert_heard!(
        &said,
        "I'm putting you back with the person you were speaking with now."
    );
    let room = format!("ivrpay-{}", call.call_sid);
    assert_eq!(call.on_hold.as_deref(), Some(room.as_str()));
    // Ana sees the result, by brand and last four only.
    let page = console::console_page(&server, &ana).await;
    assert!(
        page.contains("The caller is back from keying in a card"),
        "{page}"
    );
    assert!(
        page.contains("Approved: $5.00 with Visa ending 4242"),
        "{page}"
    );
    for secret in ["4242424242424242", "424242", "1228", "77141", "6446"] {
        assert!(
            !page.replace(&ana.csrf, "").contains(secret),
            "{secret} leaked"
        );
    }
    let record = server.api_call(&call.call_sid).await;
    assert_eq!(record["outcome"], "paid");
    server.stop().await;
}
on_both_backends_with_own_server!(an_agent_sends_the_caller_to_key_in_a_card_and_sees_the_result, needs: [Prism]);

async fn a_caller_the_line_did_not_verify_cannot_be_sent_to_pay(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };
    let mut call = server.call_from("+15550009999").await;
    call.press("1").await.expect("language");
    let said = call.press("0").await.expect("a person");
    assert!(call.on_hold.is_some(), "{said:?}");
    let (ana, id) = ana_takes(&server, &call).await;
    let page = console::console_page(&server, &ana).await;
    assert!(
        !page.contains(&format!("id=\"card-entry-{id}\"")),
        "no button: {page}"
    );

    let (status, body) = take_a_card_payment(&server, &ana, id).await;

    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("The line did not verify this caller"),
        "{body}"
    );
    assert!(requests_to(&twilio, &format!("/Calls/{}.json", call.call_sid)).is_empty());
    server.stop().await;
}
on_both_backends_with_own_server!(a_caller_the_line_did_not_verify_cannot_be_sent_to_pay, needs: [Prism]);

async fn a_caller_who_hangs_up_leaves_no_agent_waiting(backend: Backend) {
    let Some((server, twilio)) = line(backend).await else {
        return;
    };
    let (mut call, _) = linda_waits_for_a_person(&server).await;

    call.hang_up(&server.url).await.expect("status");

    // The agent's leg (ringing, or alone in the room) is hung up through Twilio; the caller's
    // own call is left to Twilio, which ended it.
    let hung_up: Vec<Recorded> = twilio
        .requests()
        .into_iter()
        .filter(|request| request.field("Status") == Some("completed"))
        .collect();
    assert_eq!(hung_up.len(), 1, "{hung_up:?}");
    assert_eq!(hung_up[0].status, 200, "{:?}", hung_up[0]);
    assert!(
        hung_up[0]
            .path
            .starts_with(&format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA")),
        "{:?}",
        hung_up[0]
    );
    assert!(
        !hung_up[0].path.contains(&call.call_sid),
        "not the caller's own call"
    );
    server.stop().await;
}
on_both_backends_with_own_server!(a_caller_who_hangs_up_leaves_no_agent_waiting, needs: [Prism]);
