//! ivrpay's simulators: a caller without a phone, and the load tools. They speak to a running
//! service over HTTP exactly as a registered provider would (each provider's simulator, which
//! signs requests and reads replies its way, lives with its dialect in the core's
//! `telephony/<provider>/`); nothing here runs inside the service.
//!
//! - [`caller`]: a simulated caller (`ivrpay call`, the black-box tests, the load tool);
//! - [`load`]: the load tool (`ivrpay loadtest`), its yardstick (`ivrpay ceiling`), the slow-client
//!   flood (`ivrpay slowclients`), generated accounts.

pub mod caller;
pub mod load;
