//! The flow as a whole: every state can be reached, and every question's last miss leads to help.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{Checker, RawHeader};
use crate::diagnostics::nearest;
use crate::flow::actions::Action;
use crate::flow::definition::{Segment, State, StateKind, Var};

impl Checker<'_> {
    /// The checks of the flow as a whole: the states the header names exist, every state can be
    /// reached from them, and every question's last miss leads to help.
    pub(super) fn whole_flow(
        &mut self,
        header: &RawHeader,
        states: &HashMap<String, State>,
        spans: &HashMap<String, usize>,
        state_names: &HashSet<String>,
        settled_outcomes: &[String],
    ) {
        let callback_state = header.callback_state.as_ref();
        // Where a caller can enter the flow: it starts, a person is fetched, a callback is
        // offered, or an agent sends the caller to the card questions.
        let roots: Vec<&String> = [header.start.as_ref(), header.agent_state.as_ref()]
            .into_iter()
            .chain(callback_state.map(|target| target.as_ref()))
            .chain(
                header
                    .assisted_payment_state
                    .as_ref()
                    .map(|target| target.as_ref()),
            )
            .collect();
        self.named_states_exist(header, state_names);
        self.unreachable(states, spans, state_names, roots.iter().copied());
        if states.len() == state_names.len() {
            self.misses_lead_to_help(
                states,
                spans,
                settled_outcomes,
                header.agent_state.as_ref(),
                callback_state.map(|target| target.as_ref().as_str()),
                roots.iter().copied(),
            );
        }
    }

    /// Reports states nothing leads to. A misspelt target is followed to the state it most
    /// likely meant: that misspelling is already reported, and the states behind it are not
    /// unreachable in the flow the author wrote.
    fn unreachable<'s>(
        &mut self,
        states: &'s HashMap<String, State>,
        lines: &HashMap<String, usize>,
        names: &'s HashSet<String>,
        roots: impl IntoIterator<Item = &'s String>,
    ) {
        if states.len() < names.len() {
            // A state that did not load (its own problem is reported) hides where it leads, so
            // nothing can be said about what is reachable.
            return;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = roots.into_iter().map(String::as_str).collect();
        while let Some(name) = queue.pop_front() {
            let name = if names.contains(name) {
                name
            } else if let Some(meant) = nearest(name, names.iter().map(String::as_str)) {
                meant
            } else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            if let Some(state) = states.get(name) {
                queue.extend(state.kind.targets());
                if let Some((_, target)) = &state.max_visits {
                    queue.push_back(target);
                }
            }
        }
        let mut unreachable: Vec<(&usize, &String)> = lines
            .iter()
            .filter(|(name, _)| !seen.contains(name.as_str()))
            .map(|(name, line)| (line, name))
            .collect();
        unreachable.sort();
        for (line, name) in unreachable {
            self.found.on_line(*line, format!(
                "state \"{name}\" can never be reached; lead to it from another state or remove it"
            ));
        }
    }

    /// A miss never ends in a bare goodbye: while the business of the call is open, every
    /// question's last miss (no answer, or no answer it understood, `max_attempts` times) leads
    /// to help. Help is a person (a transfer, which offers a callback when no one can be had), the
    /// callback state, another question, or a goodbye that says when people are in
    /// (`{next_opening}`). Questions reached only once the call is settled (a payment approved, a
    /// callback booked, the caller chose to end the call) may say goodbye.
    fn misses_lead_to_help<'s>(
        &mut self,
        states: &'s HashMap<String, State>,
        lines: &HashMap<String, usize>,
        settled_outcomes: &[String],
        agent_state: &'s str,
        callback_state: Option<&'s str>,
        roots: impl IntoIterator<Item = &'s String>,
    ) {
        // The questions a caller can reach before anything settles the call.
        let mut open: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = roots.into_iter().map(String::as_str).collect();
        while let Some(name) = queue.pop_front() {
            let Some(state) = states.get(name) else {
                continue;
            };
            if settles(state, settled_outcomes) || !open.insert(name) {
                continue;
            }
            queue.extend(state.kind.targets());
            if let Some((_, target)) = &state.max_visits {
                queue.push_back(target);
            }
        }
        let mut problems: Vec<(usize, String)> = Vec::new();
        for name in &open {
            let Some(state) = states.get(*name) else {
                continue;
            };
            let on_fail = match &state.kind {
                StateKind::Menu { on_fail, .. }
                | StateKind::Collect { on_fail, .. }
                | StateKind::Offers { on_fail, .. } => on_fail.as_deref().unwrap_or(agent_state),
                _ => continue,
            };
            // Follow what is said and decided on the way, to the next thing the caller meets.
            let mut seen: HashSet<&str> = HashSet::new();
            let mut ahead: Vec<&str> = vec![on_fail];
            let mut bare: Vec<&str> = Vec::new();
            while let Some(next) = ahead.pop() {
                if !seen.insert(next) || Some(next) == callback_state {
                    continue;
                }
                let Some(target) = states.get(next) else {
                    continue;
                };
                match &target.kind {
                    StateKind::Hangup if !says_when_people_are_in(target) => bare.push(next),
                    StateKind::Say { .. }
                    | StateKind::Action { .. }
                    | StateKind::Branch { .. }
                    | StateKind::Disclosure { .. }
                    | StateKind::ProviderCard { .. } => ahead.extend(target.kind.targets()),
                    _ => {}
                }
            }
            if bare.is_empty() {
                continue;
            }
            bare.sort_unstable();
            let line = lines.get(*name).copied().unwrap_or(1);
            problems.push((
                line,
                format!(
                    "state \"{name}\": its last miss can lead to \"{}\", a goodbye with no \
                     help; a miss must lead to help. Leave out on_fail (a person, or a \
                     callback when no one is in), point it at the callback state or a transfer, \
                     or say when people are in with {{next_opening}} in that goodbye",
                    bare.join("\", \"")
                ),
            ));
        }
        problems.sort();
        for (line, message) in problems {
            self.found.on_line(line, message);
        }
    }
}

/// Whether a state ends the business of the call: an outcome that stands (a payment, a plan, a
/// callback booked; a transfer's only once connected), or the end-of-call survey, offered once
/// the caller chose to end the call. The engine's own test for a settled call.
fn settles(state: &State, settled_outcomes: &[String]) -> bool {
    let outcome_stands = state
        .outcome
        .as_ref()
        .is_some_and(|outcome| settled_outcomes.contains(outcome))
        && !matches!(state.kind, StateKind::Transfer { .. });
    let survey = matches!(
        state.kind,
        StateKind::Action {
            action: Action::OfferSurvey,
            ..
        }
    );
    outcome_stands || survey
}

/// Whether a goodbye tells the caller when people are in (`{next_opening}`), in every language.
fn says_when_people_are_in(state: &State) -> bool {
    state.prompt.as_ref().is_some_and(|prompt| {
        prompt
            .0
            .values()
            .all(|template| template.0.contains(&Segment::Var(Var::NextOpening)))
    })
}
