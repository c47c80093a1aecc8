//! The SMTP stand-in (`common/smtp.rs`): a mail sent over plain SMTP comes back decoded, and
//! the server can be taken down and brought back with what it had received.
//!
//! Needs `pip install aiosmtpd`. Without it these tests are not run (listed at the end), unless
//! `IVRPAY_REQUIRE_SMTP=1`.

use crate::common;

use common::smtp::{ReceivedMail, SmtpServer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Reads one SMTP reply (all its lines) and checks its code.
async fn expect_reply(reader: &mut BufReader<TcpStream>, code: &str) {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("reply");
        assert!(line.starts_with(code), "wanted {code}, got {line:?}");
        // "250-..." continues, "250 ..." ends the reply.
        if line.as_bytes().get(3) != Some(&b'-') {
            return;
        }
    }
}

/// Sends `data` (a whole message, CRLF line ends, no dot-stuffing needed) from `from` to `to`
/// with a bare SMTP dialogue.
async fn send(server: &SmtpServer, from: &str, to: &[&str], data: &str) {
    let stream = TcpStream::connect((server.host.as_str(), server.port))
        .await
        .expect("smtp connects");
    let mut reader = BufReader::new(stream);
    expect_reply(&mut reader, "220").await;
    let mut say = async |line: String, code: &str| {
        reader
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .expect("smtp write");
        expect_reply(&mut reader, code).await;
    };
    say("EHLO ivrpay.test".into(), "250").await;
    say(format!("MAIL FROM:<{from}>"), "250").await;
    for rcpt in to {
        say(format!("RCPT TO:<{rcpt}>"), "250").await;
    }
    say("DATA".into(), "354").await;
    say(format!("{data}\r\n."), "250").await;
    say("QUIT".into(), "221").await;
}

/// A receipt as an email sender would write it: a quoted-printable text part with a soft line
/// break and an accented letter, and a base64 HTML part.
const RECEIPT: &str = "From: ivrpay <receipts@ivrpay.test>\r\n\
To: Linda Brown <linda@example.test>\r\n\
Subject: =?utf-8?q?Re=C3=A7u_de_paiement?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
We received your payment of $44.53 on account 100234. Merci, caf=C3=A9 in=\r\n\
cluded.\r\n\
--b1\r\n\
Content-Type: text/html; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
PHA+V2UgcmVjZWl2ZWQgPGI+JDQ0LjUzPC9iPi48L3A+\r\n\
--b1--";

async_test!(mail_sent_over_smtp_is_received_decoded, needs: [Smtp]);
async fn mail_sent_over_smtp_is_received_decoded() {
    let server = SmtpServer::start().await;
    send(
        &server,
        "receipts@ivrpay.test",
        &["linda@example.test", "audit@ivrpay.test"],
        RECEIPT,
    )
    .await;
    assert_eq!(
        server.received(),
        [ReceivedMail {
            to: vec!["linda@example.test".into(), "audit@ivrpay.test".into()],
            from: "receipts@ivrpay.test".into(),
            subject: "Reçu de paiement".into(),
            text: "We received your payment of $44.53 on account 100234. Merci, café included."
                .into(),
            html: Some("<p>We received <b>$44.53</b>.</p>".into()),
        }]
    );
}

async_test!(server_down_refuses_connections_and_comes_back_with_its_mail, needs: [Smtp]);
async fn server_down_refuses_connections_and_comes_back_with_its_mail() {
    let mut server = SmtpServer::start().await;
    let plain = |subject: &str| {
        format!("From: a@ivrpay.test\r\nTo: b@example.test\r\nSubject: {subject}\r\n\r\nhello")
    };
    send(
        &server,
        "a@ivrpay.test",
        &["b@example.test"],
        &plain("first"),
    )
    .await;

    server.go_down().await;
    let refused = TcpStream::connect((server.host.as_str(), server.port)).await;
    assert!(refused.is_err(), "connected to a server that is down");

    server.come_back().await;
    send(
        &server,
        "a@ivrpay.test",
        &["b@example.test"],
        &plain("second"),
    )
    .await;
    let received = server.received();
    let subjects: Vec<&str> = received.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, ["first", "second"]);
    // The message's last line end is part of it; the maildir stores line ends as \n.
    assert_eq!(received[1].text, "hello\n");
    assert_eq!(received[1].html, None);
}
