//! Serving connections with the limits a server facing the internet needs. axum's own `serve`
//! sets no timer, so a client that opens a connection and sends its headers one byte a minute
//! (or nothing at all) holds it for ever; a flood of them exhausts memory and file descriptors.
//! Here every connection must send its headers within [`HttpLimits::header_read_timeout`] (and
//! may sit idle between requests no longer than that), bodies are bounded in time and size by
//! the router's layers, and at most [`HttpLimits::max_connections`] are open at once. When they
//! are all taken, a new connection evicts the oldest one that has no request in progress (a slow
//! client still dribbling its headers, or an idle keep-alive): a flood of slow clients can then
//! never lock the provider out; only when every connection is busy serving is a new one closed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::config::HttpLimits;

/// Largest read buffer per connection; it bounds the request head too. Webhook headers are small.
const MAX_READ_BUFFER: usize = 32 * 1024;
/// How long requests in flight may take to finish after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

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
        let service = {
            let router = router.clone();
            let connection = connection.clone();
            hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                let router = router.clone();
                // The client's address, for handlers that count by it (sign-in throttling).
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let busy = Busy::start(&connection);
                async move {
                    let response = router.oneshot(request).await;
                    drop(busy);
                    response
                }
            })
        };
        let serving = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let table = table.clone();
        tokio::spawn(async move {
            // Errors here are clients that timed out or went away; nothing to tell anyone.
            tokio::select! {
                _ = serving => {}
                () = connection.evicted.notified() => {}
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
