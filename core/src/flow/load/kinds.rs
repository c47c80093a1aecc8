//! The state kinds a flow file can name, and the fields each takes: the one table the state
//! checks read.

use super::RawState;

/// The state kinds a flow file can name in `kind = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Say,
    Menu,
    Language,
    Collect,
    Action,
    Branch,
    Transfer,
    Hangup,
    Offers,
    Disclosure,
    ProviderCard,
}

/// What a state kind takes: the one place that says so. [`Checker::state`](super::Checker::state) reads it to name the
/// kinds, refuse a field of another kind, and ask for a missing prompt.
pub(super) struct KindRules {
    pub(super) kind: Kind,
    /// Its name in a flow file.
    pub(super) name: &'static str,
    /// The fields it takes besides those every state may have (`kind`, `prompt`, `outcome`,
    /// `activity`, `max_visits`, `after_max_visits`); the others of [`kind_fields`] are refused.
    pub(super) fields: &'static [&'static str],
    /// Whether it says something before anything else happens, so a prompt is required.
    pub(super) needs_prompt: bool,
}

pub(super) const KINDS: [KindRules; 11] = [
    KindRules {
        kind: Kind::Say,
        name: "say",
        fields: &["next"],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Menu,
        name: "menu",
        fields: &[
            "options",
            "on_fail",
            "help",
            "again",
            "speech",
            "phrases",
            "yes",
            "no",
            "max_attempts",
        ],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Language,
        name: "language",
        fields: &["options", "next", "help", "speech", "phrases"],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Collect,
        name: "collect",
        fields: &[
            "input",
            "sensitive",
            "invalid",
            "errors",
            "keys",
            "next",
            "on_fail",
            "help",
            "again",
            "speech",
            "phrases",
            "max_attempts",
        ],
        needs_prompt: true,
    },
    KindRules {
        kind: Kind::Action,
        name: "action",
        fields: &["action", "on"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Branch,
        name: "branch",
        fields: &["cases", "otherwise"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Transfer,
        name: "transfer",
        fields: &["on_unavailable", "on_no_answer"],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Hangup,
        name: "hangup",
        fields: &[],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Offers,
        name: "offers",
        fields: &[
            "set",
            "offers",
            "goto",
            "options",
            "closing",
            "first",
            "more",
            "on_fail",
            "speech",
            "phrases",
            "max_attempts",
        ],
        needs_prompt: false,
    },
    KindRules {
        kind: Kind::Disclosure,
        name: "disclosure",
        fields: &["next"],
        needs_prompt: false,
    },
    // Its prompt is said while the connector charges; the card's steps are asked in the words
    // of the flow's card questions.
    KindRules {
        kind: Kind::ProviderCard,
        name: "provider_card",
        fields: &["next"],
        needs_prompt: true,
    },
];

/// The kinds' names as a sentence: "say, menu, ... or hangup".
pub(super) fn kind_names() -> String {
    let names = KINDS.map(|rules| rules.name);
    let (last, rest) = names.split_last().expect("there are kinds");
    format!("{} or {last}", rest.join(", "))
}

/// Which kind-specific fields `state` sets, by name (those [`KindRules::fields`] lists).
pub(super) fn kind_fields(state: &RawState) -> [(&'static str, bool); 27] {
    [
        ("next", state.next.is_some()),
        ("options", state.options.is_some()),
        ("on_fail", state.on_fail.is_some()),
        ("input", state.input.is_some()),
        ("sensitive", state.sensitive.is_some()),
        ("invalid", state.invalid.is_some()),
        ("keys", state.keys.is_some()),
        ("errors", state.errors.is_some()),
        ("action", state.action.is_some()),
        ("on", state.on.is_some()),
        ("cases", state.cases.is_some()),
        ("otherwise", state.otherwise.is_some()),
        ("on_unavailable", state.on_unavailable.is_some()),
        ("on_no_answer", state.on_no_answer.is_some()),
        ("help", state.help.is_some()),
        ("again", state.again.is_some()),
        ("set", state.set.is_some()),
        ("offers", state.offers.is_some()),
        ("goto", state.goto.is_some()),
        ("closing", state.closing.is_some()),
        ("first", state.first.is_some()),
        ("more", state.more.is_some()),
        ("speech", state.speech.is_some()),
        ("phrases", state.phrases.is_some()),
        ("yes", state.yes.is_some()),
        ("no", state.no.is_some()),
        ("max_attempts", state.max_attempts.is_some()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_table_names_only_fields_that_are_checked() {
        let raw: RawState = toml::from_str("kind = \"hangup\"").expect("a bare state");
        let checked = kind_fields(&raw).map(|(field, _)| field);
        for rules in &KINDS {
            for field in rules.fields {
                assert!(checked.contains(field), "{}: {field}", rules.name);
            }
        }
        for field in checked {
            assert!(
                KINDS.iter().any(|rules| rules.fields.contains(&field)),
                "{field} belongs to no kind"
            );
        }
        assert_eq!(
            kind_names(),
            "say, menu, language, collect, action, branch, transfer, hangup, offers, disclosure or \
             provider_card"
        );
    }
}
