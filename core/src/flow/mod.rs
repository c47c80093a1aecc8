//! The call-flow engine: flows are data, written by operations in `call-flows/*.toml`.
//!
//! | file | what it is for |
//! |---|---|
//! | `actions.rs` ([`actions`]) | the actions a flow can run, each declared once with its results |
//! | `actions/tests.rs` | the declaration's tests: each action's results are its enum, and flows are held to them |
//! | `definition.rs` ([`definition`]) | a validated flow: states, prompts, variables, conditions, actions |
//! | `load/mod.rs` ([`load`]) | reading a flow file into a [`Flow`], every problem as `file:line: message` (a [`crate::diagnostics::Problem`]); [`crate::call_flows`] loads a flow directory's other files with them |
//! | `load/header.rs` | checking the `[flow]` table: languages, keys, limits, pace, voices, the survey |
//! | `load/prompts.rs` | checking `[messages]` and prompts: every language, known `{variables}` |
//! | `load/speech.rs` | checking `[speech]`, phrases, and which questions may be answered by voice |
//! | `load/kinds.rs` | the state kinds and the fields each takes |
//! | `load/states.rs` | checking each state: its kind's fields, targets, conditions, actions |
//! | `load/offers.rs` | checking `offers` states: a line and a target for every option |
//! | `load/reach.rs` | checking the whole flow: every state reachable, every last miss leads to help |
//! | `load/tests.rs` | the loader's tests: flow texts in, problems (or a flow) out |
//! | `engine/` ([`engine`]) | running one webhook's worth of a call: the [`engine::Stepper`] goes from the caller's input to the next question, producing the provider-neutral [`crate::voice::Response`] and the steps to record; `engine/mod.rs` has a table of its files |
//! | `facts.rs` ([`facts`]) | what a call has learned, typed: the payment, the arrangement on offer, the callback, the agent's leg |
//! | `steps.rs` ([`steps`]) | the step records a turn produces |
//! | `engine_tests.rs` | the engine's rules, on the shipped flows and small ones, against the fake |
//! | `stepper_tests.rs` | a whole call through the stepper alone, fed outcomes, with no fake |
//! | `testing.rs` | an in-memory [`engine::Context`] and answers to the engine's needs, for tests and benchmarks (feature `testing`) |
//!
//! The engine never touches the network or the database: it reads facts from its
//! [`engine::Context`] and returns what has an effect (run an action, ring the agent, pause the
//! recording) as an [`engine::Need`], resumed with the [`engine::Outcome`]. So it is the same for
//! every provider and every backend, and its rules are tested without either.

pub mod actions;
pub mod definition;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod facts;
pub mod load;
#[cfg(test)]
mod stepper_tests;
pub mod steps;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use actions::Action;
pub use definition::{Flow, InputKind, State, StateKind};
pub use engine::{Context, Input, Session, Turn};
pub use load::{load_dir, load_file};
pub use steps::StepRecord;
