//! A real SMTP server for tests: aiosmtpd (`pip install aiosmtpd`) storing every message it
//! accepts in a maildir, which [`SmtpServer::received`] reads back decoded. Needs aiosmtpd
//! (`needs: [Smtp]`, see `services`).
//!
//! aiosmtpd's `Mailbox` handler adds the envelope as headers (`X-MailFrom`, `X-RcptTo`), and
//! writes each message into the maildir before it answers `250` to the message, so a message is
//! readable as soon as the sender has been told it was accepted.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, PartType};

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope's recipients (`RCPT TO`): who it was delivered to, Bcc included.
    pub to: Vec<String>,
    /// The envelope's sender (`MAIL FROM`).
    pub from: String,
    /// The Subject header, decoded.
    pub subject: String,
    /// The text/plain body, decoded, with line ends as `\n` (empty when there is none).
    pub text: String,
    /// The text/html body, decoded, when there is one.
    pub html: Option<String>,
}

/// A running aiosmtpd, stopped when dropped.
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    /// `None` while down.
    child: Option<Child>,
    maildir: PathBuf,
    /// Holds the maildir; removed with the server.
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port with an empty maildir and waits until it accepts
    /// connections.
    pub async fn start() -> SmtpServer {
        super::services::Service::Smtp.in_use();
        let dir = tempfile::tempdir().expect("temp dir");
        // Ask the OS for a free port; the tiny window before aiosmtpd binds it is acceptable for
        // tests.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut server = SmtpServer {
            host: "127.0.0.1".into(),
            port,
            child: None,
            maildir: dir.path().join("maildir"),
            _dir: dir,
        };
        server.come_back().await;
        server
    }

    /// Every message received so far (across restarts), oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<(MaildirName, PathBuf)> = ["new", "cur"]
            .iter()
            .flat_map(|sub| {
                std::fs::read_dir(self.maildir.join(sub))
                    .into_iter()
                    .flatten()
            })
            .flatten()
            .map(|entry| (MaildirName::of(&entry.path()), entry.path()))
            .collect();
        files.sort();
        files
            .iter()
            .map(|(_, path)| parse(&std::fs::read(path).expect("stored message")))
            .collect()
    }

    /// Stops the server: connecting is refused until [`SmtpServer::come_back`].
    pub async fn go_down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and maildir, and waits until it accepts
    /// connections.
    pub async fn come_back(&mut self) {
        self.go_down().await;
        let listen = format!("{}:{}", self.host, self.port);
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &listen])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("poll aiosmtpd") {
                panic!("aiosmtpd exited early: {status}");
            }
            if tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Python's maildir names files `{seconds}.M{microseconds}P{pid}Q{count}.{host}`; sorting by the
/// time (then the name) puts them in arrival order, across restarts too.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct MaildirName {
    seconds: u64,
    micros: u64,
    name: String,
}

impl MaildirName {
    fn of(path: &Path) -> MaildirName {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let number = |text: &str| -> u64 {
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().unwrap_or(u64::MAX)
        };
        let (seconds, rest) = name.split_once(".M").unwrap_or((&name, ""));
        MaildirName {
            seconds: number(seconds),
            micros: number(rest),
            name: name.clone(),
        }
    }
}

/// Decodes one stored message.
fn parse(raw: &[u8]) -> ReceivedMail {
    let message = MessageParser::default()
        .parse(raw)
        .expect("a stored message parses");
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let to = header("X-RcptTo")
        .split(',')
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty())
        .collect();
    // The parts mail-parser lists as the bodies, of the type asked for: it also lists a text part
    // as the HTML body (and the reverse) when there is no alternative.
    let text = message
        .text_body
        .iter()
        .find_map(|&id| match &message.part(id)?.body {
            PartType::Text(text) => Some(text.to_string()),
            _ => None,
        });
    let html = message
        .html_body
        .iter()
        .find_map(|&id| match &message.part(id)?.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        });
    ReceivedMail {
        to,
        from: header("X-MailFrom"),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: text.unwrap_or_default(),
        html,
    }
}
