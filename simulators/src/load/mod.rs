//! Load testing: how many simultaneous calls one instance carries.
//!
//! - [`accounts`]: generated accounts (`ivrpay accounts generate`) whose PIN and phone the load
//!   tool can derive from their index;
//! - [`driver`]: `ivrpay loadtest`: N concurrent simulated callers, each walking a whole call to a
//!   payment through signed webhooks, with latency, throughput, errors and the server's memory;
//! - [`ceiling`]: `ivrpay ceiling`: a minimal axum server answering every webhook with a fixed
//!   TwiML document of similar size, the yardstick the service's throughput is compared with;
//! - [`slow_clients`]: `ivrpay slowclients`: a slow-client flood, and what it costs the server.
//!
//! Generated ended calls to time `ivrpay report` on write to the database, so they are the
//! service's (`reports::generate`). BENCHMARKS.md has the commands and the results.

pub mod accounts;
pub mod ceiling;
pub mod driver;
pub mod slow_clients;
