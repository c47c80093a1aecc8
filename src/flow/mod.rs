//! The call-flow engine: flows are data, written by operations in `call-flows/*.toml`.
//!
//! - [`actions`]: the actions a flow can run, each declared once with its results;
//! - [`definition`]: a validated flow (states, prompts, variables, conditions, actions);
//! - [`load`]: reading a flow file and checking it, every problem as `file:line: message`;
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
pub mod load;
pub mod testing;

pub use actions::Action;
pub use definition::{Flow, InputKind, State, StateKind};
pub use engine::{Context, Input, Session, Turn};
pub use load::{Problem, load_dir, load_file};

/// Everything operations edit in the flows directory, loaded and checked together.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The flows, by name.
    pub flows: std::collections::BTreeMap<String, Flow>,
    /// The collections policies (`policies.toml`).
    pub policies: crate::collections::Policies,
    /// The message templates (`messages.toml`).
    pub templates: crate::messages::templates::Templates,
    /// The business hours (`hours.toml`), when the directory has them; `None`: always open, and
    /// no callbacks are offered.
    pub hours: Option<crate::hours::Hours>,
}

/// Loads every flow in `dir`, and the collections policies, message templates and business hours
/// beside them,
/// checked together: their texts must exist in every language a flow speaks. Every problem of
/// every file is reported.
///
/// # Errors
/// Every problem found, as `file:line: message`.
pub fn load_all(dir: &std::path::Path) -> Result<Loaded, Vec<Problem>> {
    let flows = load_dir(dir);
    let mut languages: Vec<crate::language::Language> = match &flows {
        Ok(flows) => flows.values().flat_map(|f| f.languages.clone()).collect(),
        Err(_) => crate::language::Language::ALL.to_vec(),
    };
    languages.sort();
    languages.dedup();
    let policies = crate::collections::policy::load_dir(dir, &languages);
    let templates = crate::messages::templates::load_dir(dir, &languages);
    let hours = crate::hours::load_dir(dir);
    match (flows, policies, templates, hours) {
        (Ok(flows), Ok(policies), Ok(templates), Ok(hours)) => Ok(Loaded {
            flows,
            policies,
            templates,
            hours,
        }),
        (flows, policies, templates, hours) => Err(flows
            .err()
            .into_iter()
            .flatten()
            .chain(policies.err().into_iter().flatten())
            .chain(templates.err().into_iter().flatten())
            .chain(hours.err().into_iter().flatten())
            .collect()),
    }
}
