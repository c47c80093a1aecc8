//! What is recorded for a flow, and under which file names.
//!
//! A prompt with no variables is recorded whole: `prompts/<name>.wav` (the prompt's name, see
//! [`crate::flow::definition::Prompt`]). A prompt with variables is recorded as its text pieces
//! between the variables, numbered from 1 in order: `prompts/<name>.1.wav`, `<name>.2.wav` ...
//! (a piece that is only punctuation, like the final "." after `{key}`, is a pause, not a file).
//! The variables are said with recorded words (`words/<word>.wav`, see [`super::words`]): money,
//! dates, digits, minutes, and the key of an option. A prompt with a variable of free text (a first
//! name, a policy's wording) or of card data cannot be recorded: it is always spoken by
//! text-to-speech.

use crate::flow::Flow;
use crate::flow::definition::{Prompt, Segment, Template, Var, VarType};
use crate::flow::engine::OPTION_KEY;
use crate::language::Language;

/// A part of a prompt as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A recorded piece of the prompt's text: the file stem under `prompts/` and what it says.
    Piece {
        /// `goodbye`, or `confirm_caller.1`.
        stem: String,
        /// The text as written in the flow (with its spaces and punctuation).
        text: String,
    },
    /// Text with nothing to record (punctuation between variables): a pause.
    Punctuation(String),
    /// A variable, said with recorded words.
    Var(Var),
    /// A shared line of the flow's `[messages]` said only when it applies (`{person_option}`,
    /// empty when no person can be reached): its own recording, or nothing.
    Message {
        /// The variable that says it.
        var: Var,
        /// Its recording's file stem under `prompts/` (`messages.person_option`).
        stem: &'static str,
    },
    /// The key an option is offered on, said as a recorded word.
    Key,
}

/// Why a prompt is spoken by text-to-speech.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// It says free text (a name, a policy's wording) that no set of words can cover.
    FreeText(Vec<&'static str>),
    /// It says card data, which never goes into an audio URL.
    CardData(Vec<&'static str>),
    /// Some of its recordings are missing (paths relative to the audio directory).
    Missing(Vec<String>),
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let braced = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("{{{n}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Fallback::FreeText(names) => write!(f, "free text {}", braced(names)),
            Fallback::CardData(names) => write!(f, "card data {}", braced(names)),
            Fallback::Missing(paths) => write!(f, "missing {}", paths.join(", ")),
        }
    }
}

/// What stops a variable from being said with recorded words, if anything.
fn unrecordable(var: Var) -> Option<Fallback> {
    let name = var.name();
    match (var, var.kind()) {
        // Card data stays out of audio URLs (which providers and proxies log), whatever its type.
        (Var::CardExpiry | Var::CardLast4 | Var::CardBrand, _) => {
            Some(Fallback::CardData(vec![name]))
        }
        (_, VarType::Money | VarType::Date | VarType::Digits | VarType::Minutes) => None,
        (Var::PersonOption, _) => None,
        _ => Some(Fallback::FreeText(vec![name])),
    }
}

/// How a prompt's text in one language is recorded: its parts, or why it cannot be.
///
/// # Errors
/// The prompt says free text or card data (each variable named).
pub fn plan(name: &str, template: &Template) -> Result<Vec<Part>, Fallback> {
    let mut pieces: Vec<Part> = Vec::new();
    let mut free = Vec::new();
    let mut card = Vec::new();
    for segment in &template.0 {
        match segment {
            // A recording says the words with voice: a call that takes keys only hears the
            // prompt spoken instead.
            Segment::Text(text) | Segment::Choice { spoken: text, .. } => {
                let mut first = true;
                for bit in text.split(OPTION_KEY) {
                    if !first {
                        pieces.push(Part::Key);
                    }
                    first = false;
                    if !bit.is_empty() {
                        pieces.push(Part::Punctuation(bit.to_owned()));
                    }
                }
            }
            Segment::Var(var) => {
                match unrecordable(*var) {
                    Some(Fallback::FreeText(names)) => free.extend(names),
                    Some(Fallback::CardData(names)) => card.extend(names),
                    _ => {}
                }
                pieces.push(match var {
                    Var::PersonOption => Part::Message {
                        var: *var,
                        stem: "messages.person_option",
                    },
                    _ => Part::Var(*var),
                });
            }
        }
    }
    if !card.is_empty() {
        return Err(Fallback::CardData(card));
    }
    if !free.is_empty() {
        return Err(Fallback::FreeText(free));
    }
    // Adjacent text (split only by the loader) is one piece.
    let mut merged: Vec<Part> = Vec::new();
    for part in pieces {
        match (merged.last_mut(), part) {
            (Some(Part::Punctuation(before)), Part::Punctuation(text)) => before.push_str(&text),
            (_, part) => merged.push(part),
        }
    }
    let whole = merged.iter().all(|p| matches!(p, Part::Punctuation(_)));
    if whole {
        let text: String = merged
            .into_iter()
            .map(|p| match p {
                Part::Punctuation(text) => text,
                _ => String::new(),
            })
            .collect();
        return Ok(vec![Part::Piece {
            stem: name.to_owned(),
            text,
        }]);
    }
    let mut number = 0;
    Ok(merged
        .into_iter()
        .map(|part| match part {
            Part::Punctuation(text) if text.chars().any(char::is_alphanumeric) => {
                number += 1;
                Part::Piece {
                    stem: format!("{name}.{number}"),
                    text,
                }
            }
            other => other,
        })
        .collect())
}

/// One file to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The path under the audio directory: `en/prompts/goodbye.wav`, `es/words/dolares.wav`.
    pub path: String,
    /// What it says.
    pub text: String,
}

/// Where a prompt piece's recording is, under the audio directory.
pub fn piece_path(language: Language, stem: &str) -> String {
    format!("{}/prompts/{stem}.wav", language.code())
}

/// Where a word's recording is, under the audio directory.
pub fn word_path(language: Language, stem: &str) -> String {
    format!("{}/words/{stem}.wav", language.code())
}

/// Every file to record for a flow in one language, prompts first (in the order of
/// [`Flow::prompts`]) then words: the script for a voice artist. Prompts that cannot be recorded
/// (free text, card data) are left out.
pub fn lines(flow: &Flow, language: Language) -> Vec<Line> {
    let mut lines = Vec::new();
    for prompt in flow.prompts() {
        for part in recordable_parts(prompt, language) {
            if let Part::Piece { stem, text } = part {
                lines.push(Line {
                    path: piece_path(language, &stem),
                    text: text.trim().to_owned(),
                });
            }
        }
    }
    for (stem, said) in super::words::vocabulary(language) {
        lines.push(Line {
            path: word_path(language, stem),
            text: said.clone(),
        });
    }
    lines
}

/// The parts of a prompt in a language, or none when it cannot be recorded.
fn recordable_parts(prompt: &Prompt, language: Language) -> Vec<Part> {
    prompt
        .0
        .get(&language)
        .and_then(|template| plan(prompt.name(), template).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(parts: &[Segment]) -> Template {
        Template(parts.to_vec())
    }

    #[test]
    fn a_prompt_without_variables_is_one_file() {
        let plan = plan("goodbye", &template(&[Segment::Text("Goodbye.".into())]));
        assert_eq!(
            plan,
            Ok(vec![Part::Piece {
                stem: "goodbye".into(),
                text: "Goodbye.".into()
            }])
        );
    }

    #[test]
    fn variables_split_a_prompt_into_numbered_pieces() {
        let plan = plan(
            "balance",
            &template(&[
                Segment::Text("Your balance is ".into()),
                Segment::Var(Var::Balance),
                Segment::Text(", due on ".into()),
                Segment::Var(Var::DueDate),
                Segment::Text(".".into()),
            ]),
        )
        .expect("recordable");
        assert_eq!(
            plan,
            [
                Part::Piece {
                    stem: "balance.1".into(),
                    text: "Your balance is ".into()
                },
                Part::Var(Var::Balance),
                Part::Piece {
                    stem: "balance.2".into(),
                    text: ", due on ".into()
                },
                Part::Var(Var::DueDate),
                Part::Punctuation(".".into()),
            ]
        );
    }

    #[test]
    fn an_option_key_is_a_word_between_pieces() {
        let text = format!("To pay, press {OPTION_KEY}.");
        let plan = plan("menu.offers.full", &template(&[Segment::Text(text)])).expect("ok");
        assert_eq!(
            plan,
            [
                Part::Piece {
                    stem: "menu.offers.full.1".into(),
                    text: "To pay, press ".into()
                },
                Part::Key,
                Part::Punctuation(".".into()),
            ]
        );
    }

    #[test]
    fn free_text_and_card_data_are_not_recorded() {
        let named = template(&[
            Segment::Text("Thank you, ".into()),
            Segment::Var(Var::FirstName),
        ]);
        assert_eq!(
            plan("thanks", &named),
            Err(Fallback::FreeText(vec!["first_name"]))
        );
        let card = template(&[Segment::Var(Var::CardExpiry), Segment::Var(Var::Balance)]);
        assert_eq!(
            plan("read_back", &card),
            Err(Fallback::CardData(vec![Var::CardExpiry.name()]))
        );
    }
}
