//! The running line's services, built once at start-up ([`crate::app::Application::build`]):
//! what the call path (`calls/`), upkeep and the workers share. The web layer holds a `Line` in
//! its own state ([`crate::http::AppState`]); nothing below the web layer knows that state.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::flow::Flow;
use crate::payments::Gateway;
use crate::store::Store;

/// The line's services: settings, the database, the flow catalog, the gateway, the clock, the
/// providers, and what was loaded and checked at start.
#[derive(Clone)]
pub struct Line {
    /// Settings.
    pub config: Arc<Config>,
    /// The database.
    pub store: Store,
    /// The flow that answers calls.
    pub flow: Arc<Flow>,
    /// The collections policies (`policies.toml` beside the flows).
    pub policies: Arc<crate::collections::Policies>,
    /// The message templates (`messages.toml` beside the flows).
    pub templates: Arc<crate::messages::templates::Templates>,
    /// The business hours (`hours.toml` beside the flows); `None`: always open, no callbacks.
    pub hours: Option<Arc<crate::hours::Hours>>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// The public base URL in force (configured, or derived from the bound address).
    pub public_url: Arc<str>,
    /// The payment gateway (timed by [`crate::metrics::MeteredGateway`]).
    pub gateway: Arc<dyn Gateway>,
    /// This server's Prometheus metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The flow's recordings, loaded and checked at start, when its prompts are recorded.
    pub recordings: Option<Arc<crate::audio::Library>>,
    /// Ends of calls reported while the database was away, waiting for upkeep to record them.
    pub pending_ends: Arc<crate::calls::pending_ends::PendingEnds>,
    /// The telephony providers served, built from their settings.
    pub providers: crate::telephony::registry::Providers,
}

impl Line {
    /// Today where the line is: the date in the hours' time zone (19:01 in New York is still
    /// that day there, though it is the next in UTC), so plans, promises and receipts are dated
    /// as the caller counts days; UTC without hours.
    pub fn today(&self) -> time::Date {
        self.hours
            .as_deref()
            .and_then(|hours| hours.date_at(self.clock.now_ms()))
            .unwrap_or_else(|| self.clock.now().date())
    }
}
