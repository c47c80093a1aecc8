//! The call-flow engine: flows are data, written by operations in `call-flows/*.toml`.
//!
//! - [`actions`]: the actions a flow can run, each declared once with its results;
//! - [`definition`]: a validated flow (states, prompts, variables, conditions, actions);
//! - [`load`]: reading a flow file and checking it, every problem as `file:line: message`
//!   (a [`crate::diagnostics::Problem`]); [`crate::call_flows`] loads a flow directory's other
//!   files with them;
//! - [`engine`]: running one webhook's worth of a call: from the caller's input to the next
//!   question, producing the provider-neutral [`crate::voice::Response`] and the steps to record;
//! - [`testing`]: an in-memory [`engine::Context`] for tests and benchmarks.
//!
//! The engine never touches the network or the database itself; the actions it needs (account
//! lookup, PIN check ...) are asked of a [`engine::Context`], so it is the same for every provider
//! and every backend, and its rules are tested without either.

pub mod actions;
pub mod definition;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod facts;
pub mod load;
pub mod steps;
pub mod testing;

pub use actions::Action;
pub use definition::{Flow, InputKind, State, StateKind};
pub use engine::{Context, Input, Session, Turn};
pub use load::{load_dir, load_file};
pub use steps::StepRecord;
