//! Values from what a caller said: digits, numbers, money, dates, yes or no.
//!
//! Callers may answer a question by voice. The provider's recognizer hands us a transcript
//! (`SpeechResult`) that mixes words and figures as it pleases: "eight seven two seven one",
//! "872 7", "$25.50", "twenty-five dollars and fifty cents", "March 7th 1950", "siete de marzo de
//! mil novecientos cincuenta". This module reads such transcripts back into values, in English
//! and Spanish; its parent goes the other way.
//!
//! Every function is pure and total: any input gives a value or `None`, and none panics. When a
//! transcript could mean two things the answer is `None`, so the call flow asks again rather than
//! act on a guess.
//!
//! How a transcript is read, the same way for every question:
//! 1. It is folded: lower case, accents off, punctuation to spaces except inside figures.
//! 2. Each word takes its meaning from the language's vocabulary (`en`, `es`); hesitations
//!    ("um", "este") are dropped.
//! 3. Number words are gathered into groups the way people group them when speaking: "eighty
//!    seven twenty seven" is two groups (87 and 27), "two thousand and five" is one.
//! 4. Each question looks for the one stretch of the transcript it understands. Words around it
//!    ("my account number is", "I want to pay") are ignored; a foreign word inside it splits it,
//!    and two stretches are refused because the caller said two things.
//!
//! The grammar is shared: both languages build numbers, amounts and dates from the same parts in
//! nearly the same order, and where they differ ("y" inside Spanish numbers, "25,50" as a decimal,
//! 7/3 as the seventh of March) the difference is a fact in the language's `Lexicon`.

use crate::language::Language;

mod en;
mod es;

/// A calendar date as a caller said it. The day is valid for the month (and for the year, when
/// one was said); a year, when said, has four figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaidDate {
    /// 1 (January) to 12 (December).
    pub month: u8,
    /// 1 to the month's last day.
    pub day: u8,
    /// The year, when the caller said one.
    pub year: Option<i32>,
}

impl SaidDate {
    /// A leap year, so that the 29th of February passes when no year was said: the caller may
    /// well have been born on one.
    const ANY_LEAP_YEAR: i32 = 2000;

    fn checked(month: u8, day: u8, year: Option<i32>) -> Option<SaidDate> {
        // Two-figure years ("fifty", "3/7/50") are refused: the century would be a guess.
        if year.is_some_and(|year| !(1000..=9999).contains(&year)) {
            return None;
        }
        let length = time::Month::try_from(month)
            .ok()?
            .length(year.unwrap_or(Self::ANY_LEAP_YEAR));
        (1..=length)
            .contains(&day)
            .then_some(SaidDate { month, day, year })
    }
}

/// Lower-case, accents folded (á->a, ñ->n, ü->u), punctuation other than digits' "." "/" ":" and
/// "$" turned to spaces, whitespace collapsed. Used for phrase matching.
pub fn normalize(said: &str) -> String {
    fold(said, Marks::Phrase)
}

/// Whether `phrase` occurs in `said` as whole words (both normalized), e.g.
/// `contains_phrase("I want to make a payment please", "make a payment") == true`,
/// `contains_phrase("payment", "pay") == false`. A phrase with no words occurs nowhere.
pub fn contains_phrase(said: &str, phrase: &str) -> bool {
    let (said, phrase) = (normalize(said), normalize(phrase));
    let words: Vec<&str> = said.split_whitespace().collect();
    let wanted: Vec<&str> = phrase.split_whitespace().collect();
    // `windows(0)` would panic, and an empty phrase says nothing anyway.
    !wanted.is_empty() && words.windows(wanted.len()).any(|window| window == wanted)
}

/// A run of digits said one by one or in groups: "eight seven two seven one" -> "87271"; "oh" and
/// "o" (English) and "cero" = 0; "double five" -> "55" ("doble cinco"); "eighty seven twenty seven"
/// -> "8727"; "872 7" -> "8727"; "555-1212" -> "5551212". Words around the run are ignored ("my
/// account number is ...", "es el ..."), as are hesitations inside it ("um", "este") and an "and"
/// / "y" between groups ("ocho siete y uno").
///
/// Groups are read as a person would write them, so "eight hundred five" is "805".
///
/// `None` if nothing is digit-like, if a non-number word sits in the middle of the run (two runs),
/// or if the run is cut off ("eight seven and", "double").
pub fn digits(said: &str, language: Language) -> Option<String> {
    let folded = fold(said, Marks::Values);
    let pieces = pieces(&folded, lexicon(language));
    let stretch = one_stretch(&pieces, |pieces, at| match pieces[at] {
        Piece::Said(_) | Piece::Word(Word::Oh) => Role::Value,
        Piece::Figure(figure) if is_digit_run(figure) => Role::Value,
        Piece::Word(Word::Repeat(_)) => Role::Part,
        Piece::Word(Word::And) => Role::Link,
        _ => Role::Outside,
    })?;
    spelled_digits(stretch)
}

/// A whole number: "three" -> 3, "press two" -> 2, "option 4" -> 4, "twelve" -> 12, "one hundred
/// five" -> 105, "tres" -> 3, "veintiuno" -> 21, "ciento cinco" -> 105, "1,200" -> 1200. Other
/// words are ignored, ordinals included ("the first one" is 1).
///
/// `None` when there is no number, more than one ("two or three", "twenty five fifty"), a number
/// that is not whole ("2.5"), or a negative one ("minus three").
pub fn number(said: &str, language: Language) -> Option<u64> {
    let folded = fold(said, Marks::Values);
    let lexicon = lexicon(language);
    let pieces = pieces(&folded, lexicon);
    if pieces.contains(&Piece::Word(Word::Minus)) {
        return None;
    }
    let mut numbers = pieces.iter().filter_map(|piece| match *piece {
        Piece::Said(value) => Some(Some(value)),
        Piece::Figure(figure) => Some(written(figure, lexicon).and_then(Written::whole)),
        _ => None,
    });
    match (numbers.next(), numbers.next()) {
        (Some(only), None) => only,
        _ => None,
    }
}

/// An amount of money in cents: "twenty-five dollars and fifty cents" -> 2550; "$25.50" -> 2550;
/// "25.50" -> 2550; "25 dollars 50" -> 2550; "twenty five fifty" -> 2550; "twenty five point five
/// zero" -> 2550; "a dollar fifty" -> 150; "one thousand two hundred dollars" -> 120000; "fifty
/// cents" -> 50; "a hundred dollars" -> 10000; "$1,200" -> 120000; Spanish "veinticinco dólares
/// con cincuenta centavos" -> 2550, "veinticinco con cincuenta" -> 2550, "cien dólares" -> 10000,
/// "mil doscientos" -> 120000, "25,50" -> 2550. Only dollars count as money: "pesos" is not.
///
/// Dollars then cents said as bare numbers ("twenty five fifty") are read only when unambiguous:
/// both said in words, the cents as two figures ("fifty", "oh five"), nothing after them.
/// "twenty five fifty dollars" (perhaps $2,550) and "twenty five five" are refused.
///
/// `None` for nonsense, a negative amount, another currency ("pesos", "euros"), more than 99
/// cents in the cents part, or two amounts.
pub fn cents(said: &str, language: Language) -> Option<i64> {
    let folded = fold(said, Marks::Values);
    let lexicon = lexicon(language);
    let pieces = pieces(&folded, lexicon);
    if pieces
        .iter()
        .any(|piece| matches!(piece, Piece::Word(Word::Minus | Word::ForeignCurrency)))
    {
        return None;
    }
    let stretch = one_stretch(&pieces, |pieces, at| match pieces[at] {
        Piece::Said(_) | Piece::Figure(_) => Role::Value,
        Piece::Word(Word::Dollar | Word::Cent | Word::DollarSign) => Role::Part,
        // "a dollar fifty"; any other "a" is just a word around the amount.
        Piece::Word(Word::Article) if pieces.get(at + 1) == Some(&Piece::Word(Word::Dollar)) => {
            Role::Part
        }
        // "un millón de dólares".
        Piece::Word(Word::Of) if pieces.get(at + 1) == Some(&Piece::Word(Word::Dollar)) => {
            Role::Link
        }
        Piece::Word(Word::And | Word::With | Word::Point | Word::Oh) => Role::Link,
        _ => Role::Outside,
    })?;
    let stretch: Vec<Piece> = stretch
        .iter()
        .copied()
        .filter(|piece| *piece != Piece::Word(Word::Of))
        .collect();
    amount(&stretch, lexicon)
}

/// A calendar date as said: month, day and maybe a year. "March seventh, nineteen fifty" -> (3,
/// 7, Some(1950)); "march 7th 1950"; "3/7/1950" (month first in English, day first in Spanish
/// "7/3/1950"; "1950-03-07" in both); "the fifth of December" -> (12, 5, None); "December 5";
/// years as "two thousand five", "twenty oh five", "twenty twenty-six", "nineteen hundred fifty";
/// Spanish "siete de marzo de mil novecientos cincuenta" -> (3, 7, Some(1950)), "el 5 de
/// diciembre" -> (12, 5, None), "primero de mayo" -> (5, 1, None).
///
/// `None` without a month and a day, for a day the month does not have (February 29th only in a
/// leap year or with no year), for a year not said with four figures ("March 7th 50": the century
/// would be a guess), or for two dates.
pub fn date(said: &str, language: Language) -> Option<SaidDate> {
    let folded = fold(said, Marks::Values);
    let lexicon = lexicon(language);
    let pieces = pieces(&folded, lexicon);
    let stretch = one_stretch(&pieces, |pieces, at| match pieces[at] {
        Piece::Said(_) | Piece::Figure(_) | Piece::Ordinal(_) => Role::Value,
        Piece::Word(Word::Month(_)) => Role::Part,
        Piece::Word(Word::Of | Word::The | Word::Oh) => Role::Link,
        _ => Role::Outside,
    })?;
    // "the fifth", "March the fifth", "el cinco": the article adds nothing.
    let stretch: Vec<Piece> = stretch
        .iter()
        .copied()
        .filter(|piece| *piece != Piece::Word(Word::The))
        .collect();
    match stretch.as_slice() {
        [Piece::Figure(figure)] => written_date(figure, lexicon),
        _ => said_date(&stretch),
    }
}

/// Yes or no: "yes", "yeah", "yep", "correct", "that's right", "right", "sure", "uh huh" ->
/// `Some(true)`; "no", "nope", "wrong", "that's not right", "incorrect" -> `Some(false)`; Spanish
/// "sí", "si", "correcto", "así es", "claro" / "no", "incorrecto", "no es correcto".
///
/// `None` when both appear ("no, that's right"), when neither does, and for "not sure" / "no sé",
/// which say nothing either way.
pub fn yes_no(said: &str, language: Language) -> Option<bool> {
    let normalized = normalize(said);
    let words: Vec<&str> = normalized.split_whitespace().collect();
    let lexicon = lexicon(language);
    let meanings = [
        (lexicon.yes, Some(true)),
        (lexicon.no, Some(false)),
        (lexicon.neither, None),
    ];
    let (mut yes, mut no) = (false, false);
    let mut at = 0;
    while at < words.len() {
        // The longest phrase wins, so "not right" is a no and not a "right", and "no sé" is not a
        // "no".
        let rest = &words[at..];
        let longest = meanings
            .iter()
            .flat_map(|(phrases, meaning)| {
                phrases
                    .iter()
                    .filter_map(move |phrase| Some((begins_with(rest, phrase)?, *meaning)))
            })
            .max_by_key(|(length, _)| *length);
        match longest {
            Some((length, meaning)) => {
                match meaning {
                    Some(true) => yes = true,
                    Some(false) => no = true,
                    None => {}
                }
                at += length;
            }
            None => at += 1,
        }
    }
    match (yes, no) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// How many words `phrase` (words separated by single spaces) takes at the start of `words`, if
/// it is there.
fn begins_with(words: &[&str], phrase: &str) -> Option<usize> {
    let mut length = 0;
    for wanted in phrase.split(' ') {
        if words.get(length) != Some(&wanted) {
            return None;
        }
        length += 1;
    }
    Some(length)
}

/// What a language brings to the shared grammar: its words and its written conventions.
struct Lexicon {
    /// The meaning of one folded word; `None` for a word that takes no part in numbers, money or
    /// dates.
    word: fn(&str) -> Option<Word>,
    /// Letters that make a figure a day's ordinal: "7th", "1ro".
    ordinal_suffixes: &'static [&'static str],
    /// Marks that may set cents apart in figures: "25.50", and in Spanish also "25,50".
    decimal_marks: &'static [char],
    /// Marks that may group thousands in figures: "1,200", and in Spanish also "1.200".
    thousands_marks: &'static [char],
    /// Whether a date in figures puts the day first: "7/3/1950" is the 7th of March in Spanish.
    day_first: bool,
    /// Phrases (folded words, single spaces) that mean yes.
    yes: &'static [&'static str],
    /// Phrases that mean no, including negated yeses ("not right", "no es correcto").
    no: &'static [&'static str],
    /// Phrases that hold a yes or no word but mean neither ("not sure", "no sé").
    neither: &'static [&'static str],
}

fn lexicon(language: Language) -> &'static Lexicon {
    match language {
        Language::En => &en::LEXICON,
        Language::Es => &es::LEXICON,
    }
}

/// The meaning of a word, in any language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    /// 0 to 9: "seven", "siete". Zero stands alone; the others may follow a tens word.
    Digit(u8),
    /// A number below 100 said in one word that takes no digit after it: "twelve", "veintidós".
    Compact(u8),
    /// 20, 30 ... 90, which a digit may follow: "forty", "cuarenta".
    Tens(u8),
    /// Multiplies what comes before by 100: "five hundred", "nineteen hundred", "dos cientos".
    Hundred,
    /// A whole count of hundreds in one word: "cien", "doscientos".
    Hundreds(u16),
    /// "thousand", "mil".
    Thousand,
    /// "million", "millón", "millones".
    Million,
    /// "a", which is one only before a multiplier or a unit: "a hundred", "a dollar".
    Article,
    /// Zero said as a letter: a digit in digit runs, years and cents, but not a number alone.
    Oh,
    /// A day said as an ordinal: "seventh", "primero", and "7th" in figures.
    Ordinal(u8),
    /// "double", "triple": the next digit said that many times.
    Repeat(u8),
    /// 1 (January) to 12.
    Month(u8),
    Dollar,
    Cent,
    /// A currency we do not collect: "pesos", "euros". An amount in one is refused rather than
    /// read as dollars.
    ForeignCurrency,
    /// "$", written before an amount.
    DollarSign,
    /// Joins parts of a number and dollars to cents: "and", "y".
    And,
    /// Joins dollars to cents only: "con".
    With,
    /// Joins a day to its month and a month to its year: "of", "de".
    Of,
    /// "the", "el": nothing to a date.
    The,
    /// Starts cents said as decimals: "point", "punto", "coma".
    Point,
    /// Makes a number negative: "minus", "menos", and "-5" in figures.
    Minus,
    /// Fills a pause: "um", "este". Dropped before reading.
    Hesitation,
}

/// Which marks [`fold`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marks {
    /// What [`normalize`] promises: "." "/" ":" between digits, and "$" as written.
    Phrase,
    /// For reading values: also "," and "-" between digits ("1,200", "25,50", "555-1212",
    /// "3-7-1950"), and "$" and a leading minus ("-5") as words of their own.
    Values,
}

fn fold(said: &str, marks: Marks) -> String {
    let chars: Vec<char> = said
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(without_accent)
        .collect();
    let kept_between_digits: &[char] = match marks {
        Marks::Phrase => &['.', '/', ':'],
        Marks::Values => &['.', '/', ':', ',', '-'],
    };
    let mut folded = String::with_capacity(said.len());
    for (at, &c) in chars.iter().enumerate() {
        let before = at.checked_sub(1).and_then(|before| chars.get(before));
        let after = chars.get(at + 1);
        let digit_before = before.is_some_and(char::is_ascii_digit);
        let digit_after = after.is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() {
            folded.push(c);
        } else if c == '$' {
            folded.push_str(match marks {
                Marks::Phrase => "$",
                Marks::Values => " $ ",
            });
        } else if digit_before && digit_after && kept_between_digits.contains(&c) {
            folded.push(c);
        } else if marks == Marks::Values
            && c == '-'
            && !before.is_some_and(|before| before.is_alphanumeric())
            && (digit_after || after == Some(&'$'))
        {
            folded.push_str(" - ");
        } else {
            folded.push(' ');
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A lower-case character without its accent; `None` for a combining accent on its own (as in a
/// decomposed "a\u{301}"), which belongs to the letter before it.
fn without_accent(c: char) -> Option<char> {
    Some(match c {
        '\u{300}'..='\u{36f}' => return None,
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        _ => c,
    })
}

/// One word of a folded transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Word(Word),
    /// Figures as written, marks and all: "872", "25.50", "1,200", "3/7/1950".
    Figure(&'a str),
    /// A word with no part in numbers, money or dates.
    Other,
}

fn token<'a>(word: &'a str, lexicon: &Lexicon) -> Token<'a> {
    match word {
        "$" => return Token::Word(Word::DollarSign),
        "-" => return Token::Word(Word::Minus),
        _ => {}
    }
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return (lexicon.word)(word).map_or(Token::Other, Token::Word);
    }
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || ".,/:-".contains(c))
    {
        return Token::Figure(word);
    }
    let letters = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    let (figures, suffix) = word.split_at(letters);
    match figures.parse() {
        Ok(day @ 1..=31) if lexicon.ordinal_suffixes.contains(&suffix) => {
            Token::Word(Word::Ordinal(day))
        }
        _ => Token::Other,
    }
}

/// A stretch of transcript read: number words gathered into values, other words kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// A number said in words, as one group: "eighty seven", "two thousand and five".
    Said(u64),
    /// Figures as written.
    Figure(&'a str),
    /// A day said as an ordinal: "seventh", "twenty-first", "7th", "primero".
    Ordinal(u8),
    Word(Word),
    Other,
}

fn pieces<'a>(folded: &'a str, lexicon: &Lexicon) -> Vec<Piece<'a>> {
    let tokens: Vec<Token> = folded
        .split_whitespace()
        .map(|word| token(word, lexicon))
        .filter(|token| *token != Token::Word(Word::Hesitation))
        .collect();
    let mut pieces = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while let Some(rest) = tokens.get(at..) {
        let Some(&first) = rest.first() else {
            break;
        };
        if let Some((value, used)) = said_number(rest) {
            pieces.push(Piece::Said(value));
            at += used;
            continue;
        }
        at += 1;
        let piece = match first {
            Token::Word(Word::Ordinal(unit)) => {
                // "twenty-first": the tens were read as a number of their own.
                let tens = match pieces.last() {
                    Some(&Piece::Said(tens)) if unit < 10 && tens % 10 == 0 => u8::try_from(tens)
                        .ok()
                        .filter(|tens| (20..=90).contains(tens)),
                    _ => None,
                };
                match tens {
                    Some(tens) => {
                        pieces.pop();
                        Piece::Ordinal(tens + unit)
                    }
                    None => Piece::Ordinal(unit),
                }
            }
            Token::Word(word) => Piece::Word(word),
            Token::Figure(figure) => Piece::Figure(figure),
            Token::Other => Piece::Other,
        };
        pieces.push(piece);
    }
    pieces
}

/// The last word taken into a number being read, which decides what may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Article,
    Zero,
    Digit,
    Compact,
    Tens,
    Hundred,
    /// "thousand" or "million".
    Scale,
}

/// The number said in words at the start of `tokens`, and how many tokens it takes, reading as
/// far as the words still make one number. "eighty seven twenty seven" stops after "seven",
/// because "eighty seven twenty" is not one number; "one two" stops after "one".
fn said_number(tokens: &[Token]) -> Option<(u64, usize)> {
    // The thousands and millions said so far, and the group below a thousand being said. Both
    // stay far below u64::MAX: a group is at most 9,999 ("ninety-nine hundred ninety-nine"), and
    // the grammar takes no scale above a million.
    let (mut total, mut group) = (0_u64, 0_u64);
    let mut last = Last::Nothing;
    // Whether an "and" / "y" came just before the word being read.
    let mut joined = false;
    let mut used = 0;
    while let Some(&Token::Word(word)) = tokens.get(used) {
        last = match (word, last) {
            (Word::Digit(0), Last::Nothing) => Last::Zero,
            (
                Word::Digit(digit @ 1..=9),
                Last::Nothing | Last::Tens | Last::Hundred | Last::Scale,
            ) => {
                group += u64::from(digit);
                Last::Digit
            }
            // "diez y seis", as careful or older Spanish says sixteen to nineteen.
            (Word::Digit(digit @ 6..=9), Last::Compact) if joined && group % 100 == 10 => {
                group += u64::from(digit);
                Last::Digit
            }
            (Word::Compact(n), Last::Nothing | Last::Hundred | Last::Scale) => {
                group += u64::from(n);
                Last::Compact
            }
            (Word::Tens(n), Last::Nothing | Last::Hundred | Last::Scale) => {
                group += u64::from(n);
                Last::Tens
            }
            (Word::Hundred, Last::Nothing | Last::Article) => {
                group = 100;
                Last::Hundred
            }
            // "five hundred", and "nineteen hundred", "twenty-five hundred" as Americans say.
            (Word::Hundred, Last::Digit | Last::Compact | Last::Tens) if group < 100 => {
                group *= 100;
                Last::Hundred
            }
            (Word::Hundreds(n), Last::Nothing | Last::Scale) => {
                group += u64::from(n);
                Last::Hundred
            }
            (Word::Thousand, Last::Nothing | Last::Article) => {
                total = 1000;
                Last::Scale
            }
            // "un millón mil": Spanish says a lone thousand as "mil", after millions too.
            (Word::Thousand, Last::Scale) if total % 1_000_000 == 0 => {
                total += 1000;
                Last::Scale
            }
            (Word::Thousand, Last::Digit | Last::Compact | Last::Tens | Last::Hundred)
                if total % 1_000_000 == 0 =>
            {
                total += group * 1000;
                group = 0;
                Last::Scale
            }
            (Word::Million, Last::Nothing | Last::Article) => {
                total = 1_000_000;
                Last::Scale
            }
            (Word::Million, Last::Digit | Last::Compact | Last::Tens | Last::Hundred)
                if total == 0 =>
            {
                total = group * 1_000_000;
                group = 0;
                Last::Scale
            }
            (Word::Article, Last::Nothing) => Last::Article,
            // An "and" belongs to the number only if a word that continues it follows; otherwise
            // it joins something else ("twenty dollars and fifty cents").
            (Word::And, _) if continues_after_and(last, group, tokens.get(used + 1)) => {
                joined = true;
                used += 1;
                continue;
            }
            _ => break,
        };
        joined = false;
        used += 1;
    }
    match last {
        // A lone "a" is not a number: "a payment".
        Last::Nothing | Last::Article => None,
        _ => Some((total + group, used)),
    }
}

/// Whether `next` carries on the number after an "and": "one hundred and five", "two thousand
/// and five", "treinta y uno", "diez y seis".
fn continues_after_and(last: Last, group: u64, next: Option<&Token>) -> bool {
    let Some(&Token::Word(next)) = next else {
        return false;
    };
    match last {
        Last::Tens => matches!(next, Word::Digit(1..=9)),
        Last::Hundred | Last::Scale => {
            matches!(next, Word::Digit(1..=9) | Word::Compact(_) | Word::Tens(_))
        }
        Last::Compact => group % 100 == 10 && matches!(next, Word::Digit(6..=9)),
        _ => false,
    }
}

/// How a piece takes part in the stretch of transcript one question reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Carries a value; a stretch counts only if it has one ("87", "seventh").
    Value,
    /// Belongs to the stretch but means nothing alone ("dollars", "March").
    Part,
    /// Links parts ("and", "of"); a stretch cannot end on one.
    Link,
    /// Not part of the answer: the words around it ("my account number is").
    Outside,
}

/// The one stretch of `pieces` that answers the question: a run of pieces that `role` takes in,
/// with at least one value, leading links dropped. `None` when there is no such stretch, when
/// there are several (the caller said two things), or when it ends on a link (the caller was cut
/// off: "twenty five and").
fn one_stretch<'p, 'a>(
    pieces: &'p [Piece<'a>],
    role: impl Fn(&[Piece], usize) -> Role,
) -> Option<&'p [Piece<'a>]> {
    let roles: Vec<Role> = (0..pieces.len()).map(|at| role(pieces, at)).collect();
    let mut found = None;
    let mut at = 0;
    while at < pieces.len() {
        let end = (at..pieces.len())
            .find(|&end| roles[end] == Role::Outside)
            .unwrap_or(pieces.len());
        let run = at..end;
        at = end + 1;
        let Some(start) = run.clone().find(|&start| roles[start] != Role::Link) else {
            continue;
        };
        if !roles[start..end].contains(&Role::Value) {
            continue;
        }
        if roles[end - 1] == Role::Link || found.is_some() {
            return None;
        }
        found = Some(&pieces[start..end]);
    }
    found
}

/// Whether figures are digits only, perhaps grouped by the writer: "872", "555-1212", "8,7,2".
fn is_digit_run(figure: &str) -> bool {
    figure
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '-')
}

/// The digits of a stretch read one group after another; `None` if something in it is not a
/// digit, or a "double" has no single digit after it.
fn spelled_digits(stretch: &[Piece]) -> Option<String> {
    let mut digits = String::new();
    let mut times = 1;
    for piece in stretch {
        let group = match *piece {
            Piece::Said(value) => value.to_string(),
            Piece::Word(Word::Oh) => "0".to_owned(),
            Piece::Figure(figure) if is_digit_run(figure) => {
                figure.chars().filter(char::is_ascii_digit).collect()
            }
            Piece::Word(Word::Repeat(repeat)) if times == 1 => {
                times = usize::from(repeat);
                continue;
            }
            Piece::Word(Word::And) if times == 1 => continue,
            _ => return None,
        };
        if times > 1 && group.len() != 1 {
            return None;
        }
        digits.push_str(&group.repeat(times));
        times = 1;
    }
    (times == 1 && !digits.is_empty()).then_some(digits)
}

/// A number written in figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    whole: u64,
    /// Cents, when written: "25.5" has 50, "25.05" has 5.
    cents: Option<u8>,
}

impl Written {
    fn whole(self) -> Option<u64> {
        self.cents.is_none().then_some(self.whole)
    }
}

/// Figures as a number, by the language's marks: "1,200" and "25.50" in English; also "1.200"
/// and "25,50" in Spanish. `None` for anything else: "25,50" in English, "1,2", "3/7".
fn written(figure: &str, lexicon: &Lexicon) -> Option<Written> {
    // A decimal mark is followed by one or two figures; a mark followed by three groups
    // thousands ("1.200" in Spanish).
    let decimal = figure.rfind(['.', ',']).filter(|&at| {
        let fraction = &figure[at + 1..];
        figure[at..].starts_with(lexicon.decimal_marks)
            && (1..=2).contains(&fraction.len())
            && fraction.bytes().all(|b| b.is_ascii_digit())
    });
    let (whole, cents) = match decimal {
        Some(at) => {
            let fraction = &figure[at + 1..];
            let cents: u8 = fraction.parse().ok()?;
            // "25.5" is fifty cents, not five.
            let scale = if fraction.len() == 1 { 10 } else { 1 };
            (&figure[..at], Some(cents * scale))
        }
        None => (figure, None),
    };
    let groups: Vec<&str> = whole.split(lexicon.thousands_marks).collect();
    let (first, rest) = groups.split_first()?;
    let well_formed = groups
        .iter()
        .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()))
        && (rest.is_empty() || first.len() <= 3)
        && rest.iter().all(|group| group.len() == 3);
    if !well_formed {
        return None;
    }
    let whole = groups.concat().parse().ok()?;
    Some(Written { whole, cents })
}

/// One part of a spoken or written amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A whole number; `in_words` when said rather than written, since bare pairs ("twenty five
    /// fifty") are read as dollars and cents only from words.
    Whole {
        value: u64,
        in_words: bool,
    },
    /// Figures with their cents: "25.50".
    WithCents {
        dollars: u64,
        cents: u8,
    },
    Dollar,
    Cent,
    /// "and", "y", "con".
    Link,
    Oh,
}

/// The amount in a money stretch, in cents.
fn amount(stretch: &[Piece], lexicon: &Lexicon) -> Option<i64> {
    let (signed, stretch) = match stretch {
        [Piece::Word(Word::DollarSign), rest @ ..] => (true, rest),
        _ => (false, stretch),
    };
    if let Some(point) = stretch
        .iter()
        .position(|piece| *piece == Piece::Word(Word::Point))
    {
        return decimal_amount(&stretch[..point], &stretch[point + 1..], lexicon);
    }
    let parts = stretch
        .iter()
        .map(|piece| part(*piece, lexicon))
        .collect::<Option<Vec<Part>>>()?;
    match (signed, parts.as_slice()) {
        (_, [Part::WithCents { dollars, cents }])
        | (_, [Part::WithCents { dollars, cents }, Part::Dollar]) => {
            in_cents(*dollars, u64::from(*cents))
        }
        (_, [Part::Whole { value, .. }]) | (_, [Part::Whole { value, .. }, Part::Dollar]) => {
            in_cents(*value, 0)
        }
        (
            _,
            [
                Part::Whole { value, .. },
                Part::Dollar | Part::Link,
                rest @ ..,
            ],
        ) => in_cents(*value, cents_after_dollars(rest)?),
        (false, [Part::Whole { value, .. }, Part::Cent]) if *value < 100 => in_cents(0, *value),
        (
            _,
            [
                Part::Whole {
                    value: dollars,
                    in_words: true,
                },
                Part::Whole {
                    value: cents @ 10..=99,
                    in_words: true,
                },
            ],
        )
        | (
            _,
            [
                Part::Whole {
                    value: dollars,
                    in_words: true,
                },
                Part::Oh,
                Part::Whole {
                    value: cents @ 1..=9,
                    in_words: true,
                },
            ],
        ) => in_cents(*dollars, *cents),
        _ => None,
    }
}

/// "dollars \[and\] fifty \[cents\]": the cents after the dollars, at most 99.
fn cents_after_dollars(rest: &[Part]) -> Option<u64> {
    let rest = match rest {
        [Part::Link, rest @ ..] => rest,
        _ => rest,
    };
    match rest {
        [Part::Whole { value, .. }] | [Part::Whole { value, .. }, Part::Cent] if *value < 100 => {
            Some(*value)
        }
        _ => None,
    }
}

/// "twenty five point five zero \[dollars\]": dollars, then up to two decimals said as digits.
fn decimal_amount(whole: &[Piece], decimals: &[Piece], lexicon: &Lexicon) -> Option<i64> {
    let decimals = decimals
        .strip_suffix(&[Piece::Word(Word::Dollar)])
        .unwrap_or(decimals);
    let [whole] = whole else {
        return None;
    };
    let Part::Whole { value: dollars, .. } = part(*whole, lexicon)? else {
        return None;
    };
    let mut decimals = spelled_digits(decimals)?;
    if decimals.len() > 2 {
        return None;
    }
    // "point five" is fifty cents.
    while decimals.len() < 2 {
        decimals.push('0');
    }
    in_cents(dollars, decimals.parse().ok()?)
}

fn part(piece: Piece, lexicon: &Lexicon) -> Option<Part> {
    Some(match piece {
        Piece::Said(value) => Part::Whole {
            value,
            in_words: true,
        },
        Piece::Figure(figure) => match written(figure, lexicon)? {
            Written { whole, cents: None } => Part::Whole {
                value: whole,
                in_words: false,
            },
            Written {
                whole,
                cents: Some(cents),
            } => Part::WithCents {
                dollars: whole,
                cents,
            },
        },
        // Only ever before "dollar": "a dollar fifty".
        Piece::Word(Word::Article) => Part::Whole {
            value: 1,
            in_words: true,
        },
        Piece::Word(Word::Dollar) => Part::Dollar,
        Piece::Word(Word::Cent) => Part::Cent,
        Piece::Word(Word::And | Word::With) => Part::Link,
        Piece::Word(Word::Oh) => Part::Oh,
        _ => return None,
    })
}

/// Dollars and cents (below 100) in cents; `None` past `i64::MAX`.
fn in_cents(dollars: u64, cents: u64) -> Option<i64> {
    i64::try_from(dollars)
        .ok()?
        .checked_mul(100)?
        .checked_add(i64::try_from(cents).ok()?)
}

/// A date in figures: month first or day first by the language, "1950-03-07" in both.
fn written_date(figure: &str, lexicon: &Lexicon) -> Option<SaidDate> {
    let parts: Vec<&str> = figure.split(['/', '-']).collect();
    if !parts
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let ordered = |first, second| {
        if lexicon.day_first {
            (second, first)
        } else {
            (first, second)
        }
    };
    let (month, day, year) = match *parts.as_slice() {
        [year, month, day] if year.len() == 4 => (month, day, Some(year)),
        [first, second, year] if year.len() == 4 => {
            let (month, day) = ordered(first, second);
            (month, day, Some(year))
        }
        [first, second] => {
            let (month, day) = ordered(first, second);
            (month, day, None)
        }
        _ => return None,
    };
    let year = year.map(str::parse).transpose().ok()?;
    SaidDate::checked(month.parse().ok()?, day.parse().ok()?, year)
}

/// A date said in words, perhaps with figures: a month with a day before or after it, then
/// perhaps a year. "March seventh nineteen fifty", "5th of December", "siete de marzo de 1950".
fn said_date(stretch: &[Piece]) -> Option<SaidDate> {
    let is_month = |piece: &Piece| matches!(piece, Piece::Word(Word::Month(_)));
    let month_at = stretch.iter().position(is_month)?;
    let (before, after) = (&stretch[..month_at], &stretch[month_at + 1..]);
    let Some(&Piece::Word(Word::Month(month))) = stretch.get(month_at) else {
        return None;
    };
    if after.iter().any(is_month) {
        return None;
    }
    let (day, year) = match before {
        [] => match after {
            [day, year @ ..] => (day_of(*day)?, year),
            [] => return None,
        },
        [day] | [day, Piece::Word(Word::Of)] => (day_of(*day)?, after),
        _ => return None,
    };
    let year = match year {
        [Piece::Word(Word::Of), year @ ..] => year,
        _ => year,
    };
    let year = match year {
        [] => None,
        _ => Some(year_of(year)?),
    };
    SaidDate::checked(month, day, year)
}

fn day_of(piece: Piece) -> Option<u8> {
    match piece {
        Piece::Ordinal(day) => Some(day),
        Piece::Said(day) => u8::try_from(day).ok(),
        Piece::Figure(figure) if figure.len() <= 2 => figure.parse().ok(),
        _ => None,
    }
}

/// A year as said: one number ("two thousand five", "mil novecientos cincuenta", "1950") or two
/// pairs of figures ("nineteen fifty", "nineteen oh five", "twenty twenty-six").
fn year_of(pieces: &[Piece]) -> Option<i32> {
    let year = match *pieces {
        [Piece::Said(year)] => year,
        [Piece::Figure(figure)] if figure.len() == 4 => figure.parse().ok()?,
        [Piece::Said(century @ 10..=99), Piece::Said(rest @ 10..=99)]
        | [
            Piece::Said(century @ 10..=99),
            Piece::Word(Word::Oh) | Piece::Said(0),
            Piece::Said(rest @ 1..=9),
        ] => century * 100 + rest,
        _ => return None,
    };
    i32::try_from(year).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalize_folds_case_accents_and_punctuation() {
        assert_eq!(normalize("  Sí, ¡CLARO!  "), "si claro");
        assert_eq!(normalize("Dólares, Año, pingüino"), "dolares ano pinguino");
        assert_eq!(normalize("That's right."), "that s right");
        assert_eq!(normalize("forty-five"), "forty five");
        // A decomposed accent (a + combining acute) folds like a composed one.
        assert_eq!(normalize("a\u{301}"), "a");
    }

    #[test]
    fn normalize_keeps_the_marks_inside_figures_and_the_dollar_sign() {
        assert_eq!(normalize("$25.50."), "$25.50");
        assert_eq!(normalize("3/7/1950, 10:30"), "3/7/1950 10:30");
        // A comma between figures is punctuation to phrase matching.
        assert_eq!(normalize("1,200"), "1 200");
        assert_eq!(normalize("end. / : $"), "end $");
    }

    #[test]
    fn contains_phrase_matches_whole_words_only() {
        assert!(contains_phrase(
            "I want to make a payment please",
            "make a payment"
        ));
        assert!(contains_phrase("Quiero hacer un PAGO.", "hacer un pago"));
        assert!(contains_phrase("Hablar con un agente", "agénte"));
        assert!(!contains_phrase("payment", "pay"));
        assert!(!contains_phrase("make the payment", "make a payment"));
        assert!(!contains_phrase("anything", ""));
        assert!(!contains_phrase("", "pay"));
    }

    #[test]
    fn hesitations_and_surrounding_words_do_not_change_digits() {
        assert_eq!(
            digits("um eight seven uh two seven one", Language::En).as_deref(),
            Some("87271")
        );
        assert_eq!(
            digits("este ocho siete eh dos", Language::Es).as_deref(),
            Some("872")
        );
    }

    #[test]
    fn decimal_comma_is_spanish_only() {
        assert_eq!(cents("25,50", Language::Es), Some(2550));
        assert_eq!(cents("25,50", Language::En), None);
        assert_eq!(cents("1,200", Language::En), Some(120_000));
        assert_eq!(cents("1.200", Language::Es), Some(120_000));
        assert_eq!(cents("1.200", Language::En), None);
    }

    #[test]
    fn dates_in_figures_follow_each_language_and_iso_in_both() {
        let march_seventh = SaidDate {
            month: 3,
            day: 7,
            year: Some(1950),
        };
        assert_eq!(date("3/7/1950", Language::En), Some(march_seventh));
        assert_eq!(date("7/3/1950", Language::Es), Some(march_seventh));
        for language in Language::ALL {
            assert_eq!(date("1950-03-07", language), Some(march_seventh));
        }
    }

    #[test]
    fn a_said_date_checks_the_day_against_month_and_year() {
        assert!(SaidDate::checked(2, 29, None).is_some());
        assert!(SaidDate::checked(2, 29, Some(2024)).is_some());
        assert!(SaidDate::checked(2, 29, Some(1900)).is_none());
        assert!(SaidDate::checked(2, 29, Some(2000)).is_some());
        assert!(SaidDate::checked(4, 31, None).is_none());
        assert!(SaidDate::checked(0, 1, None).is_none());
        assert!(SaidDate::checked(13, 1, None).is_none());
        assert!(SaidDate::checked(1, 0, None).is_none());
        assert!(SaidDate::checked(1, 1, Some(50)).is_none());
    }

    #[test]
    fn said_numbers_read_as_far_as_they_make_one_number() {
        let reads = |text: &str, expected: &[Piece]| {
            let folded = fold(text, Marks::Values);
            assert_eq!(pieces(&folded, lexicon(Language::En)), expected, "{text}");
        };
        reads(
            "eighty seven twenty seven",
            &[Piece::Said(87), Piece::Said(27)],
        );
        reads("nineteen hundred and fifty five", &[Piece::Said(1955)]);
        reads(
            "one million two hundred thousand and one",
            &[Piece::Said(1_200_001)],
        );
        reads(
            "twenty dollars and five",
            &[
                Piece::Said(20),
                Piece::Word(Word::Dollar),
                Piece::Word(Word::And),
                Piece::Said(5),
            ],
        );
        reads("a payment", &[Piece::Word(Word::Article), Piece::Other]);
        reads("zero zero", &[Piece::Said(0), Piece::Said(0)]);
        reads("twenty first", &[Piece::Ordinal(21)]);
        let folded = fold("un millón mil uno", Marks::Values);
        assert_eq!(
            pieces(&folded, lexicon(Language::Es)),
            [Piece::Said(1_001_001)]
        );
        reads("$25", &[Piece::Word(Word::DollarSign), Piece::Figure("25")]);
        reads("-5", &[Piece::Word(Word::Minus), Piece::Figure("5")]);
    }

    #[test]
    fn every_day_the_speech_module_says_is_heard_back() {
        let mut day = Some(time::macros::date!(2024 - 01 - 01));
        let mut heard = 0;
        while let Some(current) = day.filter(|day| day.year() == 2024) {
            let expected = Some(SaidDate {
                month: u8::from(current.month()),
                day: current.day(),
                year: None,
            });
            for language in Language::ALL {
                let words = crate::speech::date_words(current, language);
                assert_eq!(date(&words, language), expected, "{words}");
            }
            heard += 1;
            day = current.next_day();
        }
        assert_eq!(heard, 366);
    }

    #[test]
    fn codes_read_in_groups_are_heard_back() {
        for language in Language::ALL {
            for slowly in [false, true] {
                let words = crate::speech::grouped_digits_words("4172093381", language, slowly);
                assert_eq!(
                    digits(&words, language).as_deref(),
                    Some("4172093381"),
                    "{words}"
                );
            }
        }
    }

    /// Transcripts made of the words this module knows, so the fuzzing reaches the grammar rather
    /// than stopping at unknown words.
    fn transcript() -> impl Strategy<Value = String> {
        const WORDS: &[&str] = &[
            "zero",
            "oh",
            "one",
            "two",
            "five",
            "nine",
            "ten",
            "twelve",
            "nineteen",
            "twenty",
            "ninety",
            "hundred",
            "thousand",
            "million",
            "a",
            "and",
            "first",
            "twenty-first",
            "double",
            "march",
            "may",
            "dollars",
            "cents",
            "of",
            "the",
            "point",
            "minus",
            "um",
            "$",
            "-",
            "25.50",
            "1,200",
            "3/7/1950",
            "1950-03-07",
            "7th",
            "99999999999999999999999",
            "cero",
            "uno",
            "diez",
            "veintiún",
            "cien",
            "quinientos",
            "mil",
            "millones",
            "y",
            "con",
            "de",
            "el",
            "primero",
            "dólares",
            "centavos",
            "coma",
            "menos",
            "este",
            "sí",
            "no",
            "not",
            "right",
            "that's",
            "yes",
            "no sé",
            "25,50",
            "1.200",
            "0",
            "31",
            ",",
            ".",
        ];
        prop_oneof![
            proptest::collection::vec(proptest::sample::select(WORDS), 0..12)
                .prop_map(|words| words.join(" ")),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the recognizer sends, every reader answers without panicking, and what it
        /// answers keeps its promises.
        #[test]
        fn any_transcript_gets_an_answer_that_keeps_its_promises(said in transcript()) {
            prop_assert!(!normalize(&said).contains("  "));
            let _ = contains_phrase(&said, "make a payment");
            for language in Language::ALL {
                if let Some(digits) = digits(&said, language) {
                    prop_assert!(!digits.is_empty());
                    prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits}");
                }
                let _ = number(&said, language);
                if let Some(cents) = cents(&said, language) {
                    prop_assert!(cents >= 0, "{said:?} -> {cents}");
                }
                if let Some(date) = date(&said, language) {
                    prop_assert_eq!(SaidDate::checked(date.month, date.day, date.year), Some(date));
                }
                let _ = yes_no(&said, language);
            }
        }

        /// Any amount the speech module says aloud is heard back as itself, in both languages.
        #[test]
        fn money_said_aloud_is_heard_back(amount in 0_i64..100_000_000_000) {
            for language in Language::ALL {
                let words = crate::speech::money_words(amount, language);
                prop_assert_eq!(cents(&words, language), Some(amount), "{}", words);
            }
        }

        /// Any number the speech module says aloud below a billion is heard back as itself.
        #[test]
        fn numbers_said_aloud_are_heard_back(n in 0_u64..1_000_000_000) {
            for language in Language::ALL {
                let words = crate::speech::number_words(n, language);
                prop_assert_eq!(number(&words, language), Some(n), "{}", words);
            }
        }
    }
}
