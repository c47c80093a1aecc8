//! Serving connections with the limits a server facing the internet needs. axum's own `serve`
//! sets no timer, so a client that opens a connection and sends its headers one byte a minute
//! (or nothing at all) holds it for ever; a flood of them exhausts memory and file descriptors.
//! Here every connection must send its headers within [`HttpLimits::header_read_timeout`] (and
//! may sit idle between requests no longer than that), bodies are bounded in time and size by
//! the router's layers, and at most [`HttpLimits::max_connections`] are open at once. When they
//! are all taken, a new connection evicts the oldest one that has no request in progress (a slow
//! client still dribbling its headers, or an idle keep-alive): a flood of slow clients can then
//! never lock the provider out; only when every connection is busy serving is a new one closed.
//!
//! A response marked [`MustBeRead`] (a recording anyone may fetch) must be read within
//! [`HttpLimits::unread_response_timeout`]: hyper sets no write timer either, so a client that
//! asks and never reads would otherwise hold its connection, and the bytes queued for it, for
//! ever. The connection is closed at that deadline unless a request is being served on it then.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::HttpLimits;

/// Largest read buffer per connection; it bounds the request head too. Webhook headers are small.
const MAX_READ_BUFFER: usize = 32 * 1024;
/// How long requests in flight may take to finish after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// A response extension: its client must have read it within
/// [`HttpLimits::unread_response_timeout`], or the connection is closed.
#[derive(Debug, Clone, Copy)]
pub struct MustBeRead;

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight finish
/// (for up to twenty seconds).
///
/// # Errors
/// None today; the listener's accept errors (such as running out of file descriptors) are
/// logged and retried, since giving up would stop the service.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let table = Arc::new(Mutex::new(Table::default()));
    let refused = AtomicU64::new(0);
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_READ_BUFFER);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors or memory for a moment: pause rather than spin.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some((id, connection)) = lock(&table).admit(limits.max_connections) else {
            let count = refused.fetch_add(1, Ordering::Relaxed) + 1;
            if count.is_power_of_two() {
                tracing::warn!(
                    refused = count,
                    limit = limits.max_connections,
                    "every connection is busy serving: closing new ones"
                );
            }
            drop(stream);
            continue;
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        let unread_timeout = limits.unread_response_timeout;
        let service = {
            let router = router.clone();
            let connection = connection.clone();
            hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                let router = router.clone();
                let connection = connection.clone();
                // The client's address, for handlers that count by it (sign-in throttling).
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let busy = Busy::start(&connection);
                async move {
                    let response = router.oneshot(request).await;
                    drop(busy);
                    if let Ok(answer) = &response
                        && answer.extensions().get::<MustBeRead>().is_some()
                    {
                        connection.read_within(unread_timeout);
                    }
                    response
                }
            })
        };
        let serving = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let table = table.clone();
        tokio::spawn(async move {
            tokio::pin!(serving);
            loop {
                let deadline = *lock_deadline(&connection);
                // Errors here are clients that timed out or went away; nothing to tell anyone.
                tokio::select! {
                    _ = &mut serving => break,
                    () = connection.evicted.notified() => break,
                    () = connection.rearmed.notified() => {}
                    () = sleep_until(deadline) => {
                        // A request being served finishes first; its own answer may re-arm.
                        if connection.busy.load(Ordering::SeqCst) == 0 {
                            break;
                        }
                        connection.read_within(unread_timeout);
                    }
                }
            }
            lock(&table).open.remove(&id);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace period");
    }
    Ok(())
}

/// One open connection, as the accept loop sees it.
#[derive(Default)]
struct Connection {
    /// Requests being served on it now.
    busy: AtomicUsize,
    /// Told when the connection must make way for a newer one.
    evicted: Notify,
    /// When the connection is closed unless its client has read what it was sent (see
    /// [`MustBeRead`]); `None`: no such response was sent.
    deadline: Mutex<Option<Instant>>,
    /// Told when [`Connection::deadline`] changes.
    rearmed: Notify,
}

impl Connection {
    /// The client must read what it was just sent within `timeout`.
    fn read_within(&self, timeout: Duration) {
        *lock_deadline(self) = Some(Instant::now() + timeout);
        self.rearmed.notify_one();
    }
}

/// Waits until `deadline`, or for ever when there is none.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn lock_deadline(connection: &Connection) -> std::sync::MutexGuard<'_, Option<Instant>> {
    connection
        .deadline
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts a request in progress on a connection while it lives.
struct Busy(Arc<Connection>);

impl Busy {
    fn start(connection: &Arc<Connection>) -> Busy {
        connection.busy.fetch_add(1, Ordering::SeqCst);
        Busy(connection.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The open connections, oldest first (ids only grow).
#[derive(Default)]
struct Table {
    next_id: u64,
    open: BTreeMap<u64, Arc<Connection>>,
}

impl Table {
    /// Makes room for one more connection, evicting the oldest idle one if all are taken; `None`
    /// when every connection is serving a request.
    fn admit(&mut self, max: usize) -> Option<(u64, Arc<Connection>)> {
        if self.open.len() >= max {
            let idle = self
                .open
                .iter()
                .find(|(_, c)| c.busy.load(Ordering::SeqCst) == 0)
                .map(|(id, _)| *id)?;
            if let Some(evicted) = self.open.remove(&idle) {
                // notify_one stores a permit, so the connection's task sees it even if it is
                // not waiting yet.
                evicted.evicted.notify_one();
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let connection = Arc::new(Connection::default());
        self.open.insert(id, connection.clone());
        Some((id, connection))
    }
}

/// The table is only touched briefly and never across an await, so a poisoned lock (a panic while
/// holding it) leaves it consistent enough to keep serving.
fn lock(table: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    table
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// Far more than the socket buffers of both ends hold, so the server has to wait on the client.
    const BODY: usize = 32 * 1024 * 1024;

    /// Serves `/big`, a [`MustBeRead`] body of [`BODY`] bytes; returns the address.
    async fn big_server(unread_response_timeout: Duration) -> std::net::SocketAddr {
        let body = bytes::Bytes::from(vec![7u8; BODY]);
        let router = Router::new().route(
            "/big",
            axum::routing::get(move || {
                let body = body.clone();
                async move { (axum::Extension(MustBeRead), body) }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let limits = HttpLimits {
            unread_response_timeout,
            ..HttpLimits::default()
        };
        tokio::spawn(async move { serve(listener, router, &limits, std::future::pending()).await });
        address
    }

    /// Asks for `/big` and, after `wait` on the (paused) clock, reads what comes: the body's bytes.
    async fn body_read_after(address: std::net::SocketAddr, wait: Duration) -> usize {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream
            .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("request");
        tokio::time::sleep(wait).await;
        let mut answer = Vec::new();
        // A closed connection may end in a reset rather than an end of file: what came is counted.
        let _ = stream.read_to_end(&mut answer).await;
        let head = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(answer.len(), |end| end + 4);
        answer.len() - head
    }

    // The clock is paused: it moves on only when both ends wait, so nothing here sleeps for real.
    #[tokio::test(start_paused = true)]
    async fn a_client_that_does_not_read_what_it_asked_for_loses_the_connection() {
        let address = big_server(Duration::from_secs(20)).await;
        // Read a minute late: the server gave up at 20 s, so only what the sockets held arrives.
        let late = body_read_after(address, Duration::from_secs(60)).await;
        assert!(late < BODY, "{late} bytes: the connection was held");
    }

    // On the real clock: a paused one jumps to the server's deadline whenever both ends wait on
    // their sockets, which can cut off even a reader that reads at once on a busy machine.
    #[tokio::test]
    async fn a_client_that_reads_at_once_gets_all_of_it() {
        let address = big_server(Duration::from_secs(20)).await;
        assert_eq!(body_read_after(address, Duration::ZERO).await, BODY);
    }
}
