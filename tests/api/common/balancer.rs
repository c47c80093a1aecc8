//! A round-robin TCP load balancer for tests: each new connection goes to the next backend, and
//! the counts say where connections went. With a client that opens a connection per request (as
//! telephony providers do), consecutive webhooks of one call land on different instances.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};

pub struct Balancer {
    pub url: String,
    listener: Option<TcpListener>,
    /// Connections sent to each backend.
    pub counts: Arc<Vec<AtomicUsize>>,
}

impl Balancer {
    /// Binds the balancer's address first, so instances can be told their public URL.
    pub async fn bind() -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind balancer");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        Balancer {
            url,
            listener: Some(listener),
            counts: Arc::new(Vec::new()),
        }
    }

    /// Starts forwarding to `backends`.
    pub fn start(&mut self, backends: Vec<SocketAddr>) {
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        self.counts = counts.clone();
        let Some(listener) = self.listener.take() else {
            return;
        };
        tokio::spawn(async move {
            let mut next = 0usize;
            while let Ok((mut inbound, _)) = listener.accept().await {
                let index = next % backends.len();
                next += 1;
                counts[index].fetch_add(1, Ordering::SeqCst);
                let backend = backends[index];
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
    }

    pub fn connections(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }
}
