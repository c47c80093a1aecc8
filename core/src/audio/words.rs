//! Spoken words as recorded words.
//!
//! [`crate::speech`] turns money, dates, digits and minutes into words ("four hundred forty-five
//! dollars and thirty-three cents"); a recorded prompt says them by playing one recording per
//! word, `audio/<language>/words/<word>.wav`. This module splits spoken text into those words and
//! the pauses its punctuation asks for, names each word's file, and lists every word the speech
//! module can say for a stitched variable (the vocabulary a voice artist records).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::language::Language;
use crate::speech;

/// A pause the punctuation of spoken text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pause {
    /// A comma, semicolon or colon.
    Short,
    /// The end of a sentence.
    Long,
}

impl Pause {
    /// The pause punctuation asks for, if any: `.`, `?`, `!` end a sentence; `,`, `;`, `:` pause
    /// briefly; anything else (`¿`, quotes) none.
    pub fn of(punctuation: &str) -> Option<Pause> {
        if punctuation.contains(['.', '?', '!']) {
            Some(Pause::Long)
        } else if punctuation.contains([',', ';', ':']) {
            Some(Pause::Short)
        } else {
            None
        }
    }
}

/// A piece of spoken text: a word, or the pause punctuation asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A word as spoken ("forty-five", "dólares", "4").
    Word(&'a str),
    /// A pause.
    Pause(Pause),
}

/// Splits spoken text into words and pauses, in order: "4 1 7, 2 0 9" is 4, 1, 7, a short pause,
/// 2, 0, 9.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    for chunk in text.split_whitespace() {
        let core_start = chunk.find(|c: char| is_word_char(c)).unwrap_or(chunk.len());
        let core_end = chunk
            .rfind(|c: char| is_word_char(c))
            .map_or(core_start, |i| {
                i + chunk[i..].chars().next().map_or(1, char::len_utf8)
            });
        let (lead, core, trail) = if core_start < core_end {
            (
                &chunk[..core_start],
                &chunk[core_start..core_end],
                &chunk[core_end..],
            )
        } else {
            (chunk, "", "")
        };
        if let Some(pause) = Pause::of(lead) {
            tokens.push(Token::Pause(pause));
        }
        if !core.is_empty() {
            tokens.push(Token::Word(core));
        }
        if let Some(pause) = Pause::of(trail) {
            tokens.push(Token::Pause(pause));
        }
    }
    tokens
}

/// Letters (any script), ASCII digits, and the hyphen and apostrophe inside a word.
fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c.is_ascii_digit() || c == '-' || c == '\''
}

/// The file stem a word is recorded under: lowercase and folded to ASCII ("dólares" ->
/// "dolares", "December" -> "december"), a lone digit as its number word in the language ("4" ->
/// "four" / "cuatro"). `None` for what is not one word (several digits, punctuation inside).
pub fn stem(word: &str, language: Language) -> Option<String> {
    if word.is_empty() || !word.chars().all(is_word_char) {
        return None;
    }
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return match word.as_bytes() {
            [digit] => Some(fold(&speech::number_words(
                u64::from(digit - b'0'),
                language,
            ))),
            _ => None,
        };
    }
    if word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(fold(word))
}

/// Lowercase, with the accents of Spanish (and French, Portuguese) folded away, so file names are
/// plain ASCII an operations person can type: "Diciembre" -> "diciembre", "millón" -> "millon".
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// Every word the speech module can say for a stitched variable (money, dates, digits, minutes,
/// and the years of a month and year), by file stem, each with the word as spoken (what a voice
/// artist reads: "dólares" for `dolares.wav`). Found by running the speech functions over their
/// ranges: numbers 0-999 and each of them in thousands, millions and billions, amounts of money
/// from zero to 999.99 and in those scales, negative amounts, every day of a leap year, every month
/// of the years 1900-2100, and minutes.
pub fn vocabulary(language: Language) -> &'static BTreeMap<String, String> {
    // Some hundred thousand phrases to list; once per language per process.
    static EN: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    static ES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let cell = match language {
        Language::En => &EN,
        Language::Es => &ES,
    };
    cell.get_or_init(|| list_vocabulary(language))
}

fn list_vocabulary(language: Language) -> BTreeMap<String, String> {
    let mut spoken = Vec::new();
    for n in 0..=999u64 {
        spoken.push(speech::number_words(n, language));
        spoken.push(speech::minutes_words(n, language));
    }
    for scale in [1_000u64, 1_000_000, 1_000_000_000] {
        for n in 1..=999u64 {
            spoken.push(speech::number_words(n * scale, language));
            let cents = i64::try_from(n * scale * 100).unwrap_or(i64::MAX);
            spoken.push(speech::money_words(cents, language));
            spoken.push(speech::money_words(cents + 101, language));
        }
    }
    for cents in 0..=99_999i64 {
        spoken.push(speech::money_words(cents, language));
    }
    spoken.push(speech::money_words(-101, language));
    let mut day = time::macros::date!(2028 - 01 - 01);
    while day.year() == 2028 {
        spoken.push(speech::date_words(day, language));
        day = day.next_day().unwrap_or(time::Date::MAX);
    }
    for year in 1900..=2100 {
        for month in 1..=12u8 {
            if let Ok(month) = time::Month::try_from(month) {
                spoken.push(speech::month_year_words(month, year, language));
            }
        }
    }
    let mut words = BTreeMap::new();
    for text in &spoken {
        for token in tokens(text) {
            if let Token::Word(word) = token
                && let Some(stem) = stem(word, language)
            {
                let said = if word.bytes().all(|b| b.is_ascii_digit()) {
                    stem.clone()
                } else {
                    word.to_lowercase()
                };
                words.entry(stem).or_insert(said);
            }
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_text_splits_into_words_and_pauses() {
        assert_eq!(
            tokens("4 1 7, 2 0 9. 3"),
            [
                Token::Word("4"),
                Token::Word("1"),
                Token::Word("7"),
                Token::Pause(Pause::Short),
                Token::Word("2"),
                Token::Word("0"),
                Token::Word("9"),
                Token::Pause(Pause::Long),
                Token::Word("3"),
            ]
        );
        assert_eq!(
            tokens("¿Llama por"),
            [Token::Word("Llama"), Token::Word("por")]
        );
        assert_eq!(tokens(" . "), [Token::Pause(Pause::Long)]);
    }

    #[test]
    fn words_are_named_in_plain_ascii() {
        assert_eq!(stem("dólares", Language::Es).as_deref(), Some("dolares"));
        assert_eq!(stem("December", Language::En).as_deref(), Some("december"));
        assert_eq!(
            stem("forty-five", Language::En).as_deref(),
            Some("forty-five")
        );
        assert_eq!(stem("4", Language::En).as_deref(), Some("four"));
        assert_eq!(stem("4", Language::Es).as_deref(), Some("cuatro"));
        assert_eq!(stem("veintiún", Language::Es).as_deref(), Some("veintiun"));
        assert_eq!(stem("12", Language::En), None);
        assert_eq!(stem("a/b", Language::En), None);
    }

    #[test]
    fn the_vocabulary_holds_every_word_of_money_and_dates() {
        let en = vocabulary(Language::En);
        for word in [
            "four",
            "hundred",
            "forty-five",
            "dollars",
            "and",
            "thirty-three",
            "cents",
            "thousand",
            "million",
            "december",
            "second",
            "thirty-first",
            "minutes",
            "minus",
            "oh",
        ] {
            assert!(en.contains_key(word), "{word}");
        }
        let es = vocabulary(Language::Es);
        for (stem, said) in [
            ("dolares", "dólares"),
            ("millon", "millón"),
            ("primero", "primero"),
        ] {
            assert_eq!(es.get(stem).map(String::as_str), Some(said), "{stem}");
        }
        // Small enough for a voice artist in one session.
        assert!(
            en.len() < 200 && es.len() < 200,
            "{} {}",
            en.len(),
            es.len()
        );
    }
}
