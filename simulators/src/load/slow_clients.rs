//! `ivrpay slowclients`: the slow-client flood a hostile or broken client can send, and what
//! it costs the server. Each round opens N connections that send part of a request's headers (or
//! a whole head and part of a body) and then stall; it reports how many the server closed and how
//! soon, how long `/health` took to answer while they were open, and the server's resident
//! memory after the round. Loopback only: the URL must be a local server of yours.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use ivrpay_core::telephony::Event;
use ivrpay_core::telephony::simulator::{Simulator, Webhook};

/// What to send.
#[derive(Debug, Clone)]
pub struct SlowOptions {
    /// `http://HOST:PORT` of the server.
    pub url: String,
    /// The provider whose voice webhook the stalled requests begin.
    pub provider: Arc<dyn Simulator>,
    /// Connections per round.
    pub connections: usize,
    /// Rounds.
    pub rounds: usize,
    /// How long to wait for the server to close each connection before counting it held.
    pub patience: Duration,
    /// The server's process id, to read its memory.
    pub server_pid: Option<u32>,
}

/// One round's figures.
#[derive(Debug, Clone)]
pub struct Round {
    /// Connections the server closed within the patience.
    pub closed: usize,
    /// Connections still open when the patience ran out.
    pub held: usize,
    /// Connections that could not be opened at all.
    pub refused: usize,
    /// When the last closed connection was closed, from the start of the round.
    pub last_closed_after: Duration,
    /// `/health` round trip while the flood was open, if it answered.
    pub health_during: Option<Duration>,
    /// Server resident memory after the round (kB).
    pub server_rss_kb: Option<u64>,
}

impl fmt::Display for Round {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "closed {} held {} refused {} | last closed after {:.1} s | /health during flood {} | server RSS {}",
            self.closed,
            self.held,
            self.refused,
            self.last_closed_after.as_secs_f64(),
            self.health_during
                .map_or("no answer".to_owned(), |d| format!(
                    "{:.1} ms",
                    d.as_secs_f64() * 1000.0
                )),
            self.server_rss_kb
                .map_or("-".to_owned(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
        )
    }
}

/// The two ways a request stalls, as `provider` would begin its voice webhook: cut in the
/// middle of its first header's name (its signature, where it signs), and a whole head
/// followed by half the body it announces.
fn stalled_requests(provider: &dyn Simulator) -> [Vec<u8>; 2] {
    let path = provider.path(Event::Voice);
    let webhook = Webhook::new(
        &format!("http://x{path}"),
        "CAslowclient",
        "+15550000000",
        "+18005550100",
        &[],
    );
    let request = provider.request(&webhook, Some("slow-client"), 0);
    let line = format!("POST {path} HTTP/1.1\r\nHost: x\r\n");
    let (first_header, _) = request
        .headers
        .first()
        .cloned()
        .unwrap_or(("Content-Type", String::new()));
    let mut headers_cut = line.clone().into_bytes();
    headers_cut.extend_from_slice(&first_header.as_bytes()[..first_header.len() / 2]);
    let mut body_cut = format!(
        "{line}Content-Type: {}\r\nContent-Length: {}\r\n\r\n",
        request.content_type,
        request.body.len()
    )
    .into_bytes();
    body_cut.extend_from_slice(&request.body[..request.body.len() / 2]);
    [headers_cut, body_cut]
}

/// Runs the rounds and returns their figures.
pub async fn run(options: &SlowOptions) -> Vec<Round> {
    let address = options
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let stalled = stalled_requests(options.provider.as_ref());
    let mut rounds = Vec::new();
    for _ in 0..options.rounds {
        let started = Instant::now();
        let mut streams = Vec::new();
        let mut refused = 0;
        for i in 0..options.connections {
            match TcpStream::connect(&address).await {
                Ok(mut stream) => {
                    let _ = stream.write_all(&stalled[i % 2]).await;
                    streams.push(stream);
                }
                Err(_) => refused += 1,
            }
        }
        let health_started = Instant::now();
        let health_during = ivrpay_core::http_client()
            .get(format!("http://{address}/health"))
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .map(|_| health_started.elapsed());
        let patience = options.patience;
        let waits = streams.into_iter().map(move |mut stream| async move {
            let mut buffer = [0u8; 512];
            tokio::time::timeout(patience, async {
                loop {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return started.elapsed(),
                        Ok(_) => {}
                    }
                }
            })
            .await
            .ok()
        });
        let outcomes = futures_join_all(waits).await;
        let closed: Vec<Duration> = outcomes.iter().flatten().copied().collect();
        rounds.push(Round {
            closed: closed.len(),
            held: outcomes.len() - closed.len(),
            refused,
            last_closed_after: closed.iter().max().copied().unwrap_or_default(),
            health_during,
            server_rss_kb: options
                .server_pid
                .and_then(|pid| super::driver::rss_kb(pid, "VmRSS:")),
        });
    }
    rounds
}

/// Waits for every future, concurrently.
async fn futures_join_all<F: Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        if let Ok(output) = handle.await {
            outputs.push(output);
        }
    }
    outputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ivrpay_core::telephony::registry::REGISTERED;

    #[test]
    fn each_provider_stalls_in_its_own_requests() {
        for entry in REGISTERED {
            let [headers_cut, body_cut] = stalled_requests((entry.simulator)().as_ref());
            let voice = format!("POST /{}/voice HTTP/1.1\r\n", entry.path_prefix);
            for stalled in [&headers_cut, &body_cut] {
                let text = String::from_utf8_lossy(stalled);
                assert!(text.starts_with(&voice), "{text}");
                assert!(!text.ends_with("\r\n\r\n"), "it stalls: {text}");
            }
        }
    }
}
