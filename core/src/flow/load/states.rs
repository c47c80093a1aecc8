//! Each state: its kind's fields, where it leads, a branch's conditions, an action's results.

use std::collections::{BTreeMap, HashMap, HashSet};

use toml::Spanned;

use super::kinds::{KINDS, Kind, KindRules, kind_fields, kind_names};
use super::{Checker, RawState, fix_for, join_languages};
use crate::flow::actions::Action;
use crate::flow::definition::{
    Comparison, Condition, InputKind, Prompt, State, StateKind, Var, VarType,
};
use crate::language::Language;
use crate::payments::money::Money;

impl Checker<'_> {
    /// Every state that loads, and the line each is declared on.
    pub(super) fn states(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<RawState>>,
        languages: &[Language],
        state_names: &HashSet<String>,
        repeat_key: char,
        listens: bool,
    ) -> (HashMap<String, State>, HashMap<String, usize>) {
        let mut states = HashMap::new();
        let mut spans = HashMap::new();
        for (state_name, state) in raw {
            let line = self.line(state_name.span().start);
            let name = state_name.into_inner();
            if let Some(state) =
                self.state(&name, state, languages, state_names, repeat_key, listens)
            {
                spans.insert(name.clone(), line);
                states.insert(name, state);
            }
        }
        (states, spans)
    }

    fn state(
        &mut self,
        name: &str,
        raw: Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        repeat_key: char,
        listens: bool,
    ) -> Option<State> {
        let r = raw.as_ref();
        let rules = self.kind_rules(&raw)?;
        let prompt = r
            .prompt
            .as_ref()
            .and_then(|p| self.prompt(p, languages, name.to_owned()));
        let help = r
            .help
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.help")));
        let again = r
            .again
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.again")));
        self.fields_apply(&raw, rules);
        let on_fail = r.on_fail.as_ref().map(|t| self.target(t, states));
        let kind = match rules.kind {
            Kind::Say => StateKind::Say {
                next: self.required_target(r.next.as_ref(), "next", &raw, states)?,
            },
            Kind::Menu => self.menu_state(&raw, states, on_fail)?,
            Kind::Language => self.language_state(&raw, languages, states)?,
            Kind::Collect => {
                self.collect_state(name, &raw, languages, states, repeat_key, on_fail)?
            }
            Kind::Action => self.action_state(&raw, states)?,
            Kind::Branch => self.branch_state(&raw, states)?,
            Kind::Transfer => StateKind::Transfer {
                on_unavailable: self.required_target(
                    r.on_unavailable.as_ref(),
                    "on_unavailable",
                    &raw,
                    states,
                )?,
                on_no_answer: r
                    .on_no_answer
                    .as_ref()
                    .map(|target| self.target(target, states)),
            },
            Kind::Hangup => StateKind::Hangup,
            Kind::Disclosure => StateKind::Disclosure {
                next: self.required_target(r.next.as_ref(), "next", &raw, states)?,
            },
            Kind::ProviderCard => StateKind::ProviderCard {
                next: self.required_target(r.next.as_ref(), "next", &raw, states)?,
            },
            Kind::Offers => self.offers_state(name, r, &raw, languages, states, on_fail)?,
        };
        let max_visits = self.max_visits(&raw, states);
        let speech = self.state_speech(r, &kind, languages, listens);
        let outcome = self.outcome(r);
        let max_attempts = r
            .max_attempts
            .as_ref()
            .map(|raw| self.bounded(Some(raw), 1, 1..=10, "max_attempts"));
        Some(State {
            name: name.to_owned(),
            kind,
            prompt,
            outcome,
            max_visits,
            max_attempts,
            help,
            again,
            activity: r.activity.clone(),
            speech,
        })
    }

    /// The rules of a state's kind (an unknown kind is reported).
    fn kind_rules(&mut self, raw: &Spanned<RawState>) -> Option<&'static KindRules> {
        let r = raw.as_ref();
        let Some(rules) = KINDS.iter().find(|rules| rules.name == r.kind.as_ref()) else {
            self.report(
                &r.kind,
                format!("unknown kind \"{}\"; use {}", r.kind.as_ref(), kind_names()),
            );
            return None;
        };
        Some(rules)
    }

    /// Reports every field a state's kind does not take, and a missing prompt.
    fn fields_apply(&mut self, raw: &Spanned<RawState>, rules: &KindRules) {
        let r = raw.as_ref();
        let kind_name = rules.name;
        for (field, _) in kind_fields(r)
            .iter()
            .filter(|(field, present)| *present && !rules.fields.contains(field))
        {
            self.report(
                raw,
                format!("{field} does not apply to a {kind_name} state; remove it"),
            );
        }
        if rules.needs_prompt && r.prompt.is_none() {
            self.report(
                raw,
                format!("a {kind_name} state needs a prompt, e.g. prompt.en = \"...\""),
            );
        }
    }

    /// A `menu` state: its keys and where each leads.
    fn menu_state(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let Some(raw_options) = &raw.as_ref().options else {
            self.report(raw, "a menu state needs options = { \"1\" = \"<state>\" }");
            return None;
        };
        let mut options = BTreeMap::new();
        for (key, target) in raw_options.as_ref() {
            let key = self.key(Some(key), '?');
            options.insert(key, self.target(target, states));
        }
        Some(StateKind::Menu { options, on_fail })
    }

    /// A `language` state: its keys, each naming one of the flow's languages.
    fn language_state(
        &mut self,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let Some(raw_options) = &r.options else {
            self.report(raw, "a language state needs options = { \"1\" = \"en\" }");
            return None;
        };
        let mut options = BTreeMap::new();
        for (key, code) in raw_options.as_ref() {
            let key = self.key(Some(key), '?');
            match Language::parse(code.as_ref()) {
                Some(lang) if languages.contains(&lang) => {
                    options.insert(key, lang);
                }
                _ => self.report(
                    code,
                    format!(
                        "\"{code}\" is not one of the flow's languages ({})",
                        join_languages(languages)
                    ),
                ),
            }
        }
        let next = self.required_target(r.next.as_ref(), "next", raw, states)?;
        Some(StateKind::Language { options, next })
    }

    /// A `collect` state: its input, the keys that leave it, its error prompts, and whether what
    /// is entered is sensitive.
    fn collect_state(
        &mut self,
        name: &str,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        repeat_key: char,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let Some(input_raw) = &r.input else {
            self.report(
                raw,
                format!(
                    "a collect state needs input = one of {}",
                    InputKind::NAMES.join(", ")
                ),
            );
            return None;
        };
        let Some(input) = InputKind::parse(input_raw.as_ref()) else {
            self.report(
                input_raw,
                format!(
                    "unknown input \"{input_raw}\"; use one of {}",
                    InputKind::NAMES.join(", ")
                ),
            );
            return None;
        };
        let invalid = r
            .invalid
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{name}.invalid")));
        let mut keys = BTreeMap::new();
        for (entry, target) in r.keys.iter().flat_map(|k| k.as_ref()) {
            let text = entry.as_ref();
            let keypad = |b: u8| b.is_ascii_digit() || b == b'*' || b == b'#';
            if text.is_empty() || !text.bytes().all(keypad) {
                self.report(
                    entry,
                    "keys are digits, * or #, written as a string like \"9\"",
                );
            }
            keys.insert(entry.as_ref().clone(), self.target(target, states));
        }
        let errors = self.collect_errors(name, r, input, languages);
        if keys.contains_key(&repeat_key.to_string()) && r.help.is_none() {
            self.report(
                raw,
                format!(
                    "here {repeat_key} leads to another state, so the shared help line \
                     (how to hear this again) would be wrong; add help.en = \"...\" \
                     saying what {repeat_key} does here"
                ),
            );
        }
        if input.is_payment_data() && r.sensitive == Some(false) {
            self.report(
                raw,
                "card and bank account data are always sensitive; remove sensitive = false",
            );
        }
        Some(StateKind::Collect {
            input,
            sensitive: input.is_payment_data()
                || r.sensitive.unwrap_or(input.sensitive_by_default()),
            invalid,
            errors,
            keys,
            next: self.required_target(r.next.as_ref(), "next", raw, states)?,
            on_fail,
        })
    }

    /// An `action` state: a known action, and where each of its results leads (every result, and
    /// only its results).
    fn action_state(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let Some(action_raw) = &r.action else {
            self.report(raw, "an action state needs action = \"<name>\"");
            return None;
        };
        let Some(action) = Action::parse(action_raw.as_ref()) else {
            self.report(
                action_raw,
                format!(
                    "unknown action \"{action_raw}\"; the actions are {}",
                    Action::ALL.map(|(n, _)| n).join(", ")
                ),
            );
            return None;
        };
        let mut on = BTreeMap::new();
        for (result, target) in r.on.iter().flat_map(|o| o.as_ref()) {
            if !action.results().contains(&result.as_ref().as_str()) {
                self.report(
                    result,
                    format!(
                        "{} has no result \"{result}\"; its results are {}",
                        action.name(),
                        action.results().join(", ")
                    ),
                );
            }
            on.insert(result.as_ref().clone(), self.target(target, states));
        }
        let missing: Vec<&str> = action
            .results()
            .iter()
            .filter(|res| !on.contains_key(**res))
            .copied()
            .collect();
        if !missing.is_empty() {
            self.report(
                raw,
                format!(
                    "{} can end in {}; add {}",
                    action.name(),
                    missing.join(", "),
                    missing
                        .iter()
                        .map(|m| format!("on.{m} = \"<state>\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        Some(StateKind::Action { action, on })
    }

    /// A `collect` state's `errors`: a prompt for each reason its input can be refused for.
    fn collect_errors(
        &mut self,
        name: &str,
        r: &RawState,
        input: InputKind,
        languages: &[Language],
    ) -> BTreeMap<String, Prompt> {
        let mut errors = BTreeMap::new();
        for (reason, prompt) in r.errors.iter().flat_map(|e| e.as_ref()) {
            if !input.error_reasons().contains(&reason.as_ref().as_str()) {
                let known = input.error_reasons();
                self.report(
                    reason,
                    if known.is_empty() {
                        format!(
                            "{} entries have no error reasons; use invalid",
                            input.name()
                        )
                    } else {
                        format!(
                            "\"{reason}\" is not a reason a {} can be refused for; use {}",
                            input.name(),
                            known.join(", ")
                        )
                    },
                );
                continue;
            }
            let prompt_name = format!("{name}.errors.{reason}");
            if let Some(prompt) = self.prompt(prompt, languages, prompt_name) {
                errors.insert(reason.as_ref().clone(), prompt);
            }
        }
        errors
    }

    /// A `branch` state: its conditions, in order, and where it goes otherwise.
    fn branch_state(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<StateKind> {
        let r = raw.as_ref();
        let mut cases = Vec::new();
        for case in r.cases.iter().flatten() {
            let condition = self.condition(&case.as_ref().when);
            let target = self.target(&case.as_ref().goto, states);
            if let Some(condition) = condition {
                cases.push((condition, target));
            }
        }
        let otherwise = self.required_target(r.otherwise.as_ref(), "otherwise", raw, states)?;
        Some(StateKind::Branch { cases, otherwise })
    }

    /// `max_visits` and the state it leads to after them, which go together.
    fn max_visits(
        &mut self,
        raw: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<(u32, String)> {
        let r = raw.as_ref();
        match (&r.max_visits, &r.after_max_visits) {
            (Some(count), Some(target)) => Some((*count.as_ref(), self.target(target, states))),
            (None, None) => None,
            _ => {
                self.report(
                    raw,
                    "max_visits and after_max_visits go together; set both or neither",
                );
                None
            }
        }
    }

    /// The state's outcome, a lowercase word.
    fn outcome(&mut self, r: &RawState) -> Option<String> {
        if let Some(o) = &r.outcome
            && (o.as_ref().is_empty()
                || !o
                    .as_ref()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            self.report(
                o,
                "an outcome is a lowercase word like paid or transferred (a-z and _)",
            );
        }
        r.outcome.as_ref().map(|o| o.as_ref().clone())
    }

    fn condition(&mut self, raw: &Spanned<String>) -> Option<Condition> {
        let text = raw.as_ref().trim();
        let ops = [
            ("==", Comparison::Eq),
            ("!=", Comparison::Ne),
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ];
        let found = ops
            .iter()
            .find_map(|(op, cmp)| text.find(op).map(|at| (at, *op, *cmp)));
        let Some((at, op, cmp)) = found else {
            return match Var::parse(text) {
                Some(var) if var.kind() == VarType::Bool => Some(Condition::Is(var)),
                _ => {
                    self.report(raw, format!(
                        "\"{text}\" is not a condition; write e.g. \"caller_matched\", \"balance <= 0\" or \"segment == \\\"hardship\\\"\""
                    ));
                    None
                }
            };
        };
        let name = text[..at].trim();
        let value = text[at + op.len()..].trim();
        let Some(var) = Var::parse(name) else {
            self.report(raw, format!("unknown variable \"{name}\" in condition"));
            return None;
        };
        match var.kind() {
            VarType::Money => match Money::parse_decimal(value) {
                Ok(amount) => Some(Condition::Money(var, cmp, amount.cents())),
                Err(_) => {
                    self.report(
                        raw,
                        format!("{name} is money: compare it with an amount like 0 or 25.00"),
                    );
                    None
                }
            },
            VarType::Text if matches!(cmp, Comparison::Eq | Comparison::Ne) => {
                match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(text) => {
                        Some(Condition::Text(var, cmp == Comparison::Eq, text.to_owned()))
                    }
                    None => {
                        self.report(
                            raw,
                            format!("compare {name} with quoted text, e.g. {name} == \"value\""),
                        );
                        None
                    }
                }
            }
            _ => {
                self.report(raw, format!("{name} cannot be compared with {op}"));
                None
            }
        }
    }

    pub(super) fn target(&mut self, raw: &Spanned<String>, states: &HashSet<String>) -> String {
        if !states.contains(raw.as_ref()) {
            let fix = fix_for(raw.as_ref(), states);
            self.report(raw, format!("\"{raw}\" is not a state; {fix}"));
        }
        raw.as_ref().clone()
    }

    pub(super) fn required_target(
        &mut self,
        raw: Option<&Spanned<String>>,
        field: &str,
        at: &Spanned<RawState>,
        states: &HashSet<String>,
    ) -> Option<String> {
        match raw {
            Some(raw) => Some(self.target(raw, states)),
            None => {
                let kind = at.as_ref().kind.as_ref();
                self.report(at, format!("a {kind} state needs {field} = \"<state>\""));
                None
            }
        }
    }
}
