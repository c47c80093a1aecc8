//! Loading everything operations edit in `call-flows/`: the flows, and beside them the
//! collections policies (`policies.toml`), the message templates (`messages.toml`) and the business
//! hours (`hours.toml`), checked together (their texts must exist in every language a flow
//! speaks). The server, `ivrpay flows check` and the other commands that need flows load them here.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::Problem;
use crate::flow::Flow;

/// Everything operations edit in the flows directory, loaded and checked together.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The flows, by name.
    pub flows: BTreeMap<String, Flow>,
    /// The collections policies (`policies.toml`).
    pub policies: crate::collections::Policies,
    /// The message templates (`messages.toml`).
    pub templates: crate::messages::templates::Templates,
    /// The business hours (`hours.toml`), when the directory has them; `None`: always open, and
    /// no callbacks are offered.
    pub hours: Option<crate::hours::Hours>,
}

/// Loads every flow in `dir`, and the collections policies, message templates and business hours
/// beside them, checked together: their texts must exist in every language a flow speaks. Every problem of
/// every file is reported.
///
/// # Errors
/// Every problem found, as `file:line: message`.
pub fn load(dir: &Path) -> Result<Loaded, Vec<Problem>> {
    let flows = crate::flow::load_dir(dir);
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
