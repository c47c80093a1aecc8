//! Start-up: the line's services ([`Line`]), the web layer's state and the server, built once
//! around a listener the caller binds, so tests run the real server on port 0.

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::config::{Config, GatewayChoice};
use crate::flow::definition::PromptSource;
use crate::http::AppState;
use crate::line::Line;
use crate::payments::{Gateway, SandboxGateway, StripeGateway};
use crate::store::Store;

/// The gateway a configuration names; the sandbox clears bank debits by `clock`.
pub fn gateway_for(
    choice: &GatewayChoice,
    debits: &crate::config::DebitSettings,
    clock: Arc<dyn Clock>,
) -> Arc<dyn Gateway> {
    match choice {
        GatewayChoice::Sandbox => Arc::new(SandboxGateway::with_debit_clock(
            clock,
            debits.sandbox_settles_after,
        )),
        GatewayChoice::Stripe {
            secret_key,
            base_url,
            publishable_key,
            ..
        } => {
            let stripe =
                StripeGateway::new(secret_key.clone(), base_url.clone(), crate::http_client());
            Arc::new(match publishable_key {
                Some(key) => stripe.with_publishable_key(key.clone()),
                None => stripe,
            })
        }
    }
}

/// A server ready to run.
pub struct Application {
    listener: TcpListener,
    /// The metrics' own listener, when configured.
    metrics_listener: Option<TcpListener>,
    state: AppState,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A flow file has problems (each printed as file:line: message).
    #[error("the call flows have problems:\n{0}")]
    Flows(String),
    /// A recording the flow would play cannot be played (each printed as file: message).
    #[error("the recordings have problems:\n{0}")]
    Recordings(String),
    /// The configured flow does not exist; the flows that do are listed.
    #[error("no flow named \"{0}\" in the flows directory; the flows there are: {1}")]
    NoSuchFlow(String, String),
    /// The database is unreachable or its migrations failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The directory that keeps call ends while the database is away cannot be made.
    #[error("{0}")]
    CallEnds(std::io::Error),
    /// A provider's settings are wrong (each problem on a line).
    #[error("the providers' settings have problems:\n{0}")]
    Providers(String),
    /// The address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
}

impl Application {
    /// Loads the flows, connects the store (running migrations), and binds the listener.
    ///
    /// # Errors
    /// Invalid flows, an unreachable database, or an address in use.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Application, StartError> {
        let gateway = gateway_for(
            &config.payments.gateway,
            &config.payments.debits,
            clock.clone(),
        );
        Self::build_with_gateway(config, clock, gateway).await
    }

    /// Like [`Application::build`], with a gateway the caller made (tests keep a handle on it).
    ///
    /// # Errors
    /// Invalid flows, an unreachable database, or an address in use.
    pub async fn build_with_gateway(
        config: Config,
        clock: Arc<dyn Clock>,
        gateway: Arc<dyn Gateway>,
    ) -> Result<Application, StartError> {
        let loaded = crate::call_flows::load(&config.flows_dir).map_err(|problems| {
            StartError::Flows(
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let mut flow = loaded.flows.get(&config.flow).cloned().ok_or_else(|| {
            let known: Vec<&str> = loaded.flows.keys().map(String::as_str).collect();
            StartError::NoSuchFlow(config.flow.clone(), known.join(", "))
        })?;
        // The configured source wins over the flow's; the engine reads it from the flow.
        flow.prompts = config.prompts.unwrap_or(flow.prompts);
        let recorded = flow.prompts == PromptSource::Recorded;
        let recordings = if recorded {
            let library =
                crate::audio::Library::load(&config.audio_dir, &flow).map_err(|problems| {
                    StartError::Recordings(
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                })?;
            for warning in &library.warnings {
                tracing::warn!("{warning}");
            }
            // Signed with the service's key, so a clip URL plays from every instance.
            Some(Arc::new(library.signing_with(&config.data_key)))
        } else {
            None
        };
        let hold_audio = crate::audio::hold::load(&config.audio_dir)
            .map_err(StartError::Recordings)?
            .into();
        let providers = crate::telephony::registry::build(&config.providers)
            .map(crate::telephony::registry::Providers::new)
            .map_err(|problems| StartError::Providers(problems.join("\n")))?;
        // Off the async threads; ready long before anyone signs in.
        tokio::task::spawn_blocking(crate::agents::password::warm_up);
        let store = Store::connect(&config.database_url, &config.pool).await?;
        let pending_ends = crate::calls::pending_ends::PendingEnds::open(
            config.upkeep.call_ends_dir.clone().unwrap_or_else(|| {
                crate::calls::pending_ends::PendingEnds::default_dir(&config.database_url)
            }),
        )
        .map_err(StartError::CallEnds)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|err| StartError::Listen(config.listen.to_string(), err))?;
        let metrics_listener = match config.metrics.listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .map_err(|err| StartError::Listen(address.to_string(), err))?,
            ),
            None => None,
        };
        let public_url: Arc<str> = match &config.public_url {
            Some(url) => url.trim_end_matches('/').into(),
            None => {
                let addr = listener
                    .local_addr()
                    .map_err(|err| StartError::Listen(config.listen.to_string(), err))?;
                format!("http://{addr}").into()
            }
        };
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let gateway = Arc::new(crate::metrics::MeteredGateway::new(
            gateway,
            metrics.clone(),
        ));
        let line = Line {
            config: Arc::new(config),
            store,
            flow: Arc::new(flow),
            policies: Arc::new(loaded.policies),
            templates: Arc::new(loaded.templates),
            hours: loaded.hours.map(Arc::new),
            clock,
            public_url,
            gateway,
            metrics,
            recordings,
            pending_ends: Arc::new(pending_ends),
            providers,
        };
        let http_limits = &line.config.http;
        if http_limits.admission.in_flight + http_limits.admission.waiting
            >= http_limits.max_connections
        {
            tracing::warn!(
                in_flight = http_limits.admission.in_flight,
                waiting = http_limits.admission.waiting,
                max_connections = http_limits.max_connections,
                "webhooks in flight and waiting reach the connection cap: at capacity, connections \
                 will be refused (a provider reads that as an application error) before callers \
                 are answered busy; lower IVRPAY_MAX_WEBHOOKS_WAITING or raise IVRPAY_MAX_CONNECTIONS"
            );
        }
        let admission = Arc::new(crate::http::admission::Admission::new(
            http_limits.admission,
        ));
        let state = AppState {
            line,
            hold_audio,
            admission,
        };
        Ok(Application {
            listener,
            metrics_listener,
            state,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.line.config.listen)
    }

    /// The address the metrics' own listener bound, when there is one.
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// The web layer's state (for tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The line's services (for demo set-up, workers and tests).
    pub fn line(&self) -> &Line {
        &self.state.line
    }

    /// Replaces the hours loaded from the flows directory, before serving: the demo's hours are
    /// open at any time, so its calls reach a person without editing the production `hours.toml`.
    pub fn use_hours(&mut self, hours: crate::hours::Hours) {
        self.state.line.hours = Some(Arc::new(hours));
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish. Background upkeep
    /// (see [`crate::upkeep`]) runs beside the server, when configured, and stops with it.
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let line = &self.state.line;
        let upkeep = line.config.upkeep.interval.map(|interval| {
            let mut stopped = stopped.clone();
            tokio::spawn(crate::upkeep::run_until(
                line.clone(),
                interval,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            ))
        });
        // The sender runs beside the upkeep (tests drive both by hand), when there is a channel.
        let messaging = &line.config.messaging;
        let sender = (line.config.upkeep.interval.is_some()
            && (messaging.sms.is_some() || messaging.email.is_some()))
        .then(|| {
            let mut stopped = stopped.clone();
            tokio::spawn(crate::messages::outbox::run_until(
                crate::messages::outbox::Outbox::of(line),
                messaging.send_interval,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            ))
        });
        let limits = line.config.http.clone();
        // The metrics' own listener: the same connection limits, stopped with the main one.
        let metrics = self.metrics_listener.map(|listener| {
            let mut stopped = stopped.clone();
            let router = crate::http::metrics_router(self.state.clone());
            let limits = limits.clone();
            tokio::spawn(async move {
                let served = crate::http::server::serve(listener, router, &limits, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
                if let Err(err) = served {
                    tracing::error!(error = %err, "the metrics listener failed");
                }
            })
        });
        let router = crate::http::router(self.state);
        let served = crate::http::server::serve(self.listener, router, &limits, async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
        for task in [upkeep, sender, metrics].into_iter().flatten() {
            let _ = task.await;
        }
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
