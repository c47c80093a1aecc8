//! `[messages]` and prompts: every prompt has its text in each of the flow's languages, and names
//! only variables a prompt can speak.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::{Checker, SpannedMap, join_languages};
use crate::diagnostics::{add_texts_hint, nearest};
use crate::flow::definition::{Messages, Pace, Prompt, Segment, Template, Var, VarType};
use crate::language::Language;

/// The messages a flow's `[messages]` may hold.
const MESSAGE_NAMES: [&str; 14] = [
    "no_input",
    "invalid_choice",
    "help",
    "person_option",
    "no_person",
    "too_many_attempts",
    "confirm_heard",
    "not_understood",
    "heard_wrong",
    "slower",
    "slower_option",
    "on_hold",
    "back_to_agent",
    "link_option",
];

impl Checker<'_> {
    /// A flow an agent can send a caller into (`assisted_payment_state`) has the words said as
    /// the caller goes back to the agent.
    pub(super) fn back_to_agent_said(
        &mut self,
        assisted_payment_state: Option<&Spanned<String>>,
        messages: Option<&Messages>,
    ) {
        if let (Some(start), Some(messages)) = (assisted_payment_state, messages)
            && messages.back_to_agent.is_none()
        {
            self.report(
                start,
                "assisted_payment_state needs [messages] back_to_agent in every language (said as \
                 the caller goes back to the agent), e.g. back_to_agent.en = \"Thank you. I'm \
                 putting you back with the person you were speaking with.\""
                    .to_owned(),
            );
        }
    }

    /// A flow whose prompts name `{link_option}` has its words in `[messages]`.
    pub(super) fn link_option_said(
        &mut self,
        states: &HashMap<String, crate::flow::definition::State>,
        spans: &HashMap<String, usize>,
        messages: Option<&Messages>,
    ) {
        if messages.is_none_or(|m| m.link_option.is_some()) {
            return;
        }
        let names = |prompt: &Prompt| {
            prompt
                .0
                .values()
                .any(|template| template.0.contains(&Segment::Var(Var::LinkOption)))
        };
        let mut saying: Vec<&String> = states
            .iter()
            .filter(|(_, state)| {
                state
                    .prompt
                    .iter()
                    .chain(&state.again)
                    .chain(&state.help)
                    .any(names)
            })
            .map(|(name, _)| name)
            .collect();
        saying.sort();
        if let Some(first) = saying.first() {
            let line = spans.get(*first).copied().unwrap_or(1);
            self.found.on_line(
                line,
                format!(
                    "[states.{first}] says {{link_option}}: [messages] needs link_option in every \
                     language, e.g. link_option.en = \"To get a secure link by text or email, say \
                     link or press 3.\""
                ),
            );
        }
    }

    pub(super) fn messages(
        &mut self,
        raw: Spanned<BTreeMap<Spanned<String>, Spanned<SpannedMap>>>,
        languages: &[Language],
        listens: bool,
        pace: &Pace,
    ) -> Option<Messages> {
        let section = raw.span();
        let mut found = self.message_prompts(raw.into_inner(), languages);
        let line = self.line(section.start);
        let mut take = |name: &str| {
            let prompt = found.remove(name);
            if prompt.is_none() {
                self.found.on_line(
                    line,
                    format!("[messages] needs {name} in every language, e.g. {name}.en = \"...\""),
                );
            }
            prompt
        };
        let no_input = take("no_input");
        let invalid_choice = take("invalid_choice");
        let help = take("help");
        let person_option = take("person_option");
        let no_person = take("no_person");
        let too_many_attempts = take("too_many_attempts");
        let mut take_if = |needed: bool, name: &str, why: &str| {
            let prompt = found.remove(name);
            if needed && prompt.is_none() {
                self.found.on_line(
                    line,
                    format!(
                        "[messages] needs {name} in every language {why}, e.g. {name}.en = \"...\""
                    ),
                );
            }
            prompt
        };
        let listening = "because the flow listens for speech ([speech])";
        let slowing = "because the flow has a slower_key";
        let confirm_heard = take_if(listens, "confirm_heard", listening);
        let not_understood = take_if(listens, "not_understood", listening);
        let heard_wrong = take_if(listens, "heard_wrong", listening);
        let slower_needed = pace.slower_key.is_some();
        let slower = take_if(slower_needed, "slower", slowing);
        let slower_option = take_if(slower_needed, "slower_option", slowing);
        if let Some(confirm) = &confirm_heard
            && !confirm
                .0
                .values()
                .all(|template| template.0.contains(&Segment::Var(Var::Heard)))
        {
            self.found.on_line(
                line,
                "confirm_heard must read back what was heard with {heard}, e.g. \
                 confirm_heard.en = \"Did you say {heard}? Say yes or press 1. If not, say no or \
                 press 2.\"",
            );
        }
        let on_hold = found.remove("on_hold");
        let back_to_agent = found.remove("back_to_agent");
        let link_option = found.remove("link_option");
        Some(Messages {
            no_input: no_input?,
            invalid_choice: invalid_choice?,
            help: help?,
            person_option: person_option?,
            no_person: no_person?,
            too_many_attempts: too_many_attempts?,
            confirm_heard,
            not_understood,
            heard_wrong,
            slower,
            slower_option,
            on_hold,
            back_to_agent,
            link_option,
        })
    }

    /// Every message of `[messages]` that is known and has its text in every language, by name.
    fn message_prompts(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<SpannedMap>>,
        languages: &[Language],
    ) -> HashMap<String, Prompt> {
        let mut found: HashMap<String, Prompt> = HashMap::new();
        for (name, prompt) in raw {
            if !MESSAGE_NAMES.contains(&name.as_ref().as_str()) {
                self.report(
                    &name,
                    format!(
                        "unknown message \"{name}\"; the messages are {}",
                        MESSAGE_NAMES.join(", ")
                    ),
                );
                continue;
            }
            if let Some(prompt) = self.prompt(&prompt, languages, format!("messages.{name}")) {
                found.insert(name.into_inner(), prompt);
            }
        }
        found
    }

    /// A prompt named `name` (see [`Prompt`]), with its text in every language.
    pub(super) fn prompt(
        &mut self,
        raw: &Spanned<SpannedMap>,
        languages: &[Language],
        name: String,
    ) -> Option<Prompt> {
        let mut prompt = BTreeMap::new();
        for (code, text) in raw.as_ref() {
            match Language::parse(code.as_ref()) {
                Some(lang) if languages.contains(&lang) => {
                    if let Some(template) = self.template(text) {
                        prompt.insert(lang, template);
                    }
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
        let missing: Vec<&str> = languages
            .iter()
            .filter(|lang| {
                !raw.as_ref()
                    .keys()
                    .any(|k| Language::parse(k.as_ref()) == Some(**lang))
            })
            .map(|lang| lang.code())
            .collect();
        if !missing.is_empty() {
            self.report(
                raw,
                format!(
                    "this prompt has no text in {}; {}",
                    missing.join(", "),
                    add_texts_hint("", &missing)
                ),
            );
            return None;
        }
        Some(Prompt(prompt, name))
    }

    fn template(&mut self, raw: &Spanned<String>) -> Option<Template> {
        let mut segments = Vec::new();
        let mut rest = raw.as_ref().as_str();
        let mut ok = true;
        while let Some(open) = rest.find(['{', '[']) {
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_owned()));
            }
            if rest[open..].starts_with('[') {
                let Some(close) = rest[open..].find(']') else {
                    self.report(
                        raw,
                        "a [ is never closed; write [words with voice|words with keys only], \
                         like [say or press|press]",
                    );
                    return None;
                };
                let inner = &rest[open + 1..open + close];
                match inner.split_once('|') {
                    Some((spoken, keys))
                        if !keys.contains('|') && !inner.contains(['{', '}', '[']) =>
                    {
                        segments.push(Segment::Choice {
                            spoken: spoken.to_owned(),
                            keys: keys.to_owned(),
                        });
                    }
                    _ => {
                        self.report(
                            raw,
                            format!(
                                "[{inner}] is not a choice of words; write [words with \
                                 voice|words with keys only], plain words on each side of one \
                                 |, like [say or press|press]"
                            ),
                        );
                        ok = false;
                    }
                }
                rest = &rest[open + close + 1..];
                continue;
            }
            let Some(close) = rest[open..].find('}') else {
                self.report(raw, "a { is never closed; write {variable}");
                return None;
            };
            let name = rest[open + 1..open + close].trim();
            match Var::parse(name) {
                Some(var) if var.kind() != VarType::Bool => segments.push(Segment::Var(var)),
                _ => {
                    let names = Var::speakable_names();
                    let meant = nearest(name, names.split(", "))
                        .map(|meant| format!("did you mean {{{meant}}}? "))
                        .unwrap_or_default();
                    self.report(
                        raw,
                        format!("unknown variable {{{name}}}; {meant}prompts can use {names}"),
                    );
                    ok = false;
                }
            }
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            self.report(raw, "a } has no matching {");
            return None;
        }
        if rest.contains(']') {
            self.report(raw, "a ] has no matching [");
            return None;
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_owned()));
        }
        ok.then_some(Template(segments))
    }
}
