//! `offers` states: a line (naming its `{key}`) and a target for every option a policy may offer.

use std::collections::{BTreeMap, HashSet};

use toml::Spanned;

use super::{Checker, RawState, SpannedMap};
use crate::collections::Offer;
use crate::flow::definition::{OfferSet, Prompt, StateKind};
use crate::language::Language;

impl Checker<'_> {
    /// An `offers` state: a line and a target for every option the policies can offer.
    pub(super) fn offers_state(
        &mut self,
        state: &str,
        r: &RawState,
        raw: &Spanned<RawState>,
        languages: &[Language],
        states: &HashSet<String>,
        on_fail: Option<String>,
    ) -> Option<StateKind> {
        let set = match r.set.as_ref().map(|s| s.as_ref().as_str()) {
            None | Some("balance") => OfferSet::Balance,
            Some("hardship") => OfferSet::Hardship,
            Some(other) => {
                self.report(
                    r.set.as_ref()?,
                    format!("\"{other}\" is not a set of options; use balance or hardship"),
                );
                OfferSet::Balance
            }
        };
        let lines = self.offer_lines(state, r, languages);
        let mut gotos = BTreeMap::new();
        for (name, target) in r.goto.iter().flat_map(|g| g.as_ref()) {
            match Offer::parse(name.as_ref()) {
                Some(offer) => {
                    gotos.insert(offer, self.target(target, states));
                }
                None => self.report(
                    name,
                    format!(
                        "\"{name}\" is not an option; the options are {}",
                        Offer::NAMES.join(", ")
                    ),
                ),
            }
        }
        self.offers_complete(raw, set, &lines, &gotos);
        let mut options = BTreeMap::new();
        for (key, target) in r.options.iter().flat_map(|o| o.as_ref()) {
            let key = self.key(Some(key), '?');
            options.insert(key, self.target(target, states));
        }
        let closing = r
            .closing
            .as_ref()
            .and_then(|p| self.prompt(p, languages, format!("{state}.closing")));
        let more = match (&r.first, &r.more) {
            (Some(first), Some(line)) => {
                let first = self.bounded(Some(first), 1, 1..=7, "first") as usize;
                let no_key = "say which key hears the other choices with {key}, e.g. \"For more \
                              choices, say more or press {key}.\"";
                self.keyed_line(line, no_key, languages, format!("{state}.more"))
                    .map(|line| (first, line))
            }
            (None, None) => None,
            _ => {
                self.report(
                    raw,
                    "first and more go together: first = 3 names three options, then the more \
                     line (with {key}) offers the rest",
                );
                None
            }
        };
        let offers = lines
            .into_iter()
            .filter_map(|(offer, line)| Some((offer, (line, gotos.remove(&offer)?))))
            .collect();
        Some(StateKind::Offers {
            set,
            offers,
            options,
            closing,
            more,
            on_fail,
        })
    }

    /// An `offers` state's `offers`: each option's line, naming its `{key}`.
    fn offer_lines(
        &mut self,
        state: &str,
        r: &RawState,
        languages: &[Language],
    ) -> BTreeMap<Offer, Prompt> {
        let mut lines = BTreeMap::new();
        for (name, texts) in r.offers.iter().flat_map(|o| o.as_ref()) {
            let Some(offer) = Offer::parse(name.as_ref()) else {
                self.report(
                    name,
                    format!(
                        "\"{name}\" is not an option; the options are {}",
                        Offer::NAMES.join(", ")
                    ),
                );
                continue;
            };
            let line_name = format!("{state}.offers.{}", offer.name());
            let no_key = "say which key chooses this option with {key}, e.g. \"To set up a \
                          payment plan, press {key}.\"";
            if let Some(prompt) = self.keyed_line(texts, no_key, languages, line_name) {
                lines.insert(offer, prompt);
            }
        }
        lines
    }

    /// Every option a policy may offer has a line and a target in an `offers` state (the
    /// hardship set does not offer hardship again).
    fn offers_complete(
        &mut self,
        raw: &Spanned<RawState>,
        set: OfferSet,
        lines: &BTreeMap<Offer, Prompt>,
        gotos: &BTreeMap<Offer, String>,
    ) {
        let r = raw.as_ref();
        let needed: Vec<Offer> = Offer::ALL
            .iter()
            .map(|(_, offer)| *offer)
            .filter(|offer| !(set == OfferSet::Hardship && *offer == Offer::Hardship))
            .collect();
        let no_line: Vec<&str> = needed
            .iter()
            .filter(|offer| {
                !lines.contains_key(offer)
                    && r.offers
                        .as_ref()
                        .is_none_or(|o| !o.as_ref().keys().any(|k| k.as_ref() == offer.name()))
            })
            .map(|offer| offer.name())
            .collect();
        if !no_line.is_empty() {
            self.report(
                raw,
                format!(
                    "a policy may offer {}; give each a line, e.g. offers.{}.en = \"... press {{key}}.\"",
                    no_line.join(", "),
                    no_line[0]
                ),
            );
        }
        let no_goto: Vec<&str> = needed
            .iter()
            .filter(|offer| !gotos.contains_key(offer))
            .map(|offer| offer.name())
            .collect();
        if !no_goto.is_empty() {
            self.report(
                raw,
                format!(
                    "say where each option leads; add {}",
                    no_goto
                        .iter()
                        .map(|n| format!("goto.{n} = \"<state>\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }

    /// A line that names its key with `{key}` (the key is known only when the call reaches it);
    /// a text without it is reported with `no_key`.
    fn keyed_line(
        &mut self,
        texts: &Spanned<SpannedMap>,
        no_key: &str,
        languages: &[Language],
        name: String,
    ) -> Option<Prompt> {
        let mut marked = SpannedMap::new();
        for (code, text) in texts.as_ref() {
            if !text.as_ref().contains("{key}") {
                self.report(text, no_key);
            }
            let replaced = text
                .as_ref()
                .replace("{key}", crate::flow::engine::OPTION_KEY);
            marked.insert(code.clone(), Spanned::new(text.span(), replaced));
        }
        self.prompt(&Spanned::new(texts.span(), marked), languages, name)
    }
}
