//! Problems in the files operations write (flows, policies, message templates, hours,
//! recordings), and the hints that go with them.
//!
//! Every loader reports the same way: each problem as `file:line: message`, the message saying
//! what to change, all problems of a file at once so they are fixed in one pass. This module is
//! that shared vocabulary: [`Problem`], finding a line from a byte offset, turning a TOML error into
//! a problem, collecting a file's problems (`Problems`), and the hints (the name a misspelling
//! most likely meant, how to add missing texts).

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the file could not be read at all).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem with a whole file or directory, not with one of its lines.
    pub fn whole(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: 0,
            message: message.into(),
        }
    }
}

impl Problem {
    /// A file that cannot be read: `missing` when it is not there, else the reason.
    pub fn unreadable(file: &Path, err: &std::io::Error, missing: impl FnOnce() -> String) -> Self {
        Self::whole(
            file,
            match err.kind() {
                std::io::ErrorKind::NotFound => missing(),
                _ => format!("cannot read: {err}"),
            },
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            // Not about a line: a directory or a file that cannot be read.
            0 => write!(f, "{}: {}", self.file.display(), self.message),
            line => write!(f, "{}:{line}: {}", self.file.display(), self.message),
        }
    }
}

/// The problems found in one file's text, each placed on the line its offset falls on.
pub(crate) struct Problems<'a> {
    path: &'a Path,
    source: &'a str,
    found: Vec<Problem>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(path: &'a Path, source: &'a str) -> Self {
        Self {
            path,
            source,
            found: Vec::new(),
        }
    }

    /// The 1-based line a byte offset of the file falls on.
    pub(crate) fn line(&self, offset: usize) -> usize {
        line_of(self.source, offset)
    }

    /// A problem on a line.
    pub(crate) fn on_line(&mut self, line: usize, message: impl Into<String>) {
        self.found.push(Problem {
            file: self.path.to_owned(),
            line,
            message: message.into(),
        });
    }

    /// A problem on the line a byte offset falls on.
    pub(crate) fn at(&mut self, offset: usize, message: impl Into<String>) {
        self.on_line(self.line(offset), message);
    }

    /// A problem where a value was written.
    pub(crate) fn report<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.at(at.span().start, message);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Every problem, in the order of the file's lines.
    pub(crate) fn into_sorted(mut self) -> Vec<Problem> {
        self.found.sort_by_key(|p| p.line);
        self.found
    }

    /// `value` when nothing was found, or every problem.
    pub(crate) fn or<T>(self, value: T) -> Result<T, Vec<Problem>> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self.into_sorted())
        }
    }
}

/// The 1-based line a byte offset of `source` falls on.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A file that is not valid TOML, or not of the expected shape, as one problem at its line.
/// serde's wording for unknown fields lists what is expected; it is kept, with what to do.
pub(crate) fn toml_problem(path: &Path, source: &str, err: &toml::de::Error) -> Problem {
    let mut message = err.message().trim().replace('\n', " ");
    if message.starts_with("unknown field") {
        message.push_str("; check the spelling");
    }
    Problem {
        file: path.to_owned(),
        line: err.span().map_or(1, |span| line_of(source, span.start)),
        message,
    }
}

/// How to add the texts missing in `languages`: `add en = "..." and es = "..."`, each key led by
/// `prefix` (`"sms."`, or nothing inside the table being written).
pub(crate) fn add_texts_hint(prefix: &str, languages: &[&str]) -> String {
    format!(
        "add {}",
        languages
            .iter()
            .map(|code| format!("{prefix}{code} = \"...\""))
            .collect::<Vec<_>>()
            .join(" and ")
    )
}

/// The name a misspelt `wrong` most likely meant: the closest of `names`, when it is within a
/// third of the word (at least two edits); the first by name among equally close ones.
pub(crate) fn nearest<'n>(
    wrong: &str,
    names: impl IntoIterator<Item = &'n str>,
) -> Option<&'n str> {
    nearest_within(wrong, names, (wrong.chars().count() / 3).max(2))
}

/// The closest of `names` to `wrong` within `most` edits; the first by name among equally close.
pub(crate) fn nearest_within<'n>(
    wrong: &str,
    names: impl IntoIterator<Item = &'n str>,
    most: usize,
) -> Option<&'n str> {
    names
        .into_iter()
        .map(|name| (edit_distance(wrong, name), name))
        .filter(|(distance, _)| *distance <= most)
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_from_one_and_offsets_past_the_end_fall_on_the_last() {
        let source = "a = 1\nb = 2\n";
        assert_eq!(line_of(source, 0), 1);
        assert_eq!(line_of(source, 6), 2);
        assert_eq!(line_of(source, 1000), 3);
    }

    #[test]
    fn the_nearest_name_is_close_enough_and_ties_go_to_the_first_by_name() {
        assert_eq!(nearest("balanse", ["balance", "amount"]), Some("balance"));
        assert_eq!(nearest("zzzzzz", ["balance", "amount"]), None);
        assert_eq!(nearest_within("cat", ["cbt", "cas"], 1), Some("cas"));
    }

    #[test]
    fn problems_come_out_in_line_order() {
        let path = Path::new("x.toml");
        let mut found = Problems::new(path, "a\nb\nc\n");
        found.at(4, "third");
        found.on_line(1, "first");
        let lines: Vec<String> = found
            .into_sorted()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines, ["x.toml:1: first", "x.toml:3: third"]);
    }
}
