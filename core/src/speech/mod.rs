//! Words for figures in spoken prompts.
//!
//! Prompts are read aloud by text-to-speech to callers who may be stressed or older. A TTS
//! engine left to guess at "$445.33", "12/02" or "2028" reads them unevenly and differently from
//! voice to voice, so this module turns numbers, money, dates and digit strings into the words a
//! person would say, in English and Spanish, and the prompt text carries those words.
//!
//! Every function is pure and total: any input gives words, none panics.
//!
//! [`heard`] goes the other way: it reads what a caller said back into digits, numbers, money,
//! dates and yes or no.
//!
//! Style choices, so prompts sound alike everywhere:
//! - English uses American forms with no "and" inside a number ("one hundred five") and a comma
//!   between groups of thousands ("one million, two hundred thousand"), which gives the voice a
//!   short pause in long amounts. Years read the way people say them ("twenty twenty-eight").
//! - Spanish writes no commas inside a number, as written Spanish never does, uses the long
//!   scale (10^9 is "mil millones"), and shortens "uno" before a noun ("veintiún dólares").

use crate::language::Language;

mod en;
mod es;
pub mod heard;

/// Cardinal number in words: 0 -> "zero"/"cero", 21 -> "twenty-one"/"veintiuno",
/// 1_000_000 -> "one million"/"un millón".
pub fn number_words(n: u64, language: Language) -> String {
    match language {
        Language::En => en::number_words(n),
        Language::Es => es::number_words(n),
    }
}

/// Money in US dollars from integer cents (never floats): 44533 -> "four hundred forty-five
/// dollars and thirty-three cents" / "cuatrocientos cuarenta y cinco dólares con treinta y tres
/// centavos". A zero part is left out ("one dollar", "five cents") unless the whole amount is zero
/// ("zero dollars"); a negative amount (a credit balance) starts "minus" / "menos".
pub fn money_words(cents: i64, language: Language) -> String {
    match language {
        Language::En => en::money_words(cents),
        Language::Es => es::money_words(cents),
    }
}

/// A calendar date as spoken without the year: "December second" / "dos de diciembre"
/// ("primero de diciembre" for the first).
pub fn date_words(date: time::Date, language: Language) -> String {
    match language {
        Language::En => en::date_words(date),
        Language::Es => es::date_words(date),
    }
}

/// A month's name as written: "December" / "diciembre".
pub fn month_name(month: time::Month, language: Language) -> &'static str {
    match language {
        Language::En => en::month_name(month),
        Language::Es => es::month_name(month),
    }
}

/// Month and year, for a card expiry: December 2028 -> "December twenty twenty-eight" /
/// "diciembre de dos mil veintiocho".
pub fn month_year_words(month: time::Month, year: i32, language: Language) -> String {
    match language {
        Language::En => en::month_year_words(month, year),
        Language::Es => es::month_year_words(month, year),
    }
}

/// A digit string read one digit at a time, separated by single spaces: "1234" -> "1 2 3 4".
/// Anything but an ASCII digit is dropped, so "(555) 010-9999" reads as ten digits.
pub fn digits_words(digits: &str, language: Language) -> String {
    // TTS voices already read a lone digit in their own language, so every language gives the
    // same text today; matching here makes a new language decide for itself.
    match language {
        Language::En | Language::Es => {
            let mut spoken = String::with_capacity(digits.len() * 2);
            for digit in digits.chars().filter(char::is_ascii_digit) {
                if !spoken.is_empty() {
                    spoken.push(' ');
                }
                spoken.push(digit);
            }
            spoken
        }
    }
}

/// A code read the way people read one out: in groups of three with a pause between them, the
/// last group taking a lone leftover digit ("4 1 7, 2 0 9, 3 3 8 1"). `slowly` pauses after every
/// digit as well, for a caller writing it down.
pub fn grouped_digits_words(digits: &str, language: Language, slowly: bool) -> String {
    let digits: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    let mut groups: Vec<&[char]> = digits.chunks(3).collect();
    if groups.len() > 1 && groups.last().is_some_and(|g| g.len() == 1) {
        let tail = groups.len() - 2;
        groups.truncate(tail);
        groups.push(&digits[tail * 3..]);
    }
    let (digit_gap, group_gap) = if slowly { (", ", ". ") } else { (" ", ", ") };
    let spoken: Vec<String> = groups
        .iter()
        .map(|group| {
            let text: String = group.iter().collect();
            digits_words(&text, language).replace(' ', digit_gap)
        })
        .collect();
    spoken.join(group_gap)
}

/// A count of minutes: 15 -> "fifteen minutes" / "quince minutos"; 1 -> "one minute" /
/// "un minuto".
pub fn minutes_words(minutes: u64, language: Language) -> String {
    match language {
        Language::En => en::minutes_words(minutes),
        Language::Es => es::minutes_words(minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;
    use time::macros::date;

    #[test]
    fn codes_are_read_in_groups_and_slowly_on_request() {
        assert_eq!(
            grouped_digits_words("4172093381", Language::En, false),
            "4 1 7, 2 0 9, 3 3 8 1"
        );
        assert_eq!(
            grouped_digits_words("4172093381", Language::Es, true),
            "4, 1, 7. 2, 0, 9. 3, 3, 8, 1"
        );
        assert_eq!(grouped_digits_words("1234", Language::En, false), "1 2 3 4");
        assert_eq!(
            grouped_digits_words("12345", Language::En, false),
            "1 2 3, 4 5"
        );
    }

    #[test]
    fn number_words_speaks_each_language() {
        assert_eq!(number_words(0, Language::En), "zero");
        assert_eq!(number_words(0, Language::Es), "cero");
        assert_eq!(number_words(21, Language::En), "twenty-one");
        assert_eq!(number_words(21, Language::Es), "veintiuno");
        assert_eq!(number_words(1_000_000, Language::En), "one million");
        assert_eq!(number_words(1_000_000, Language::Es), "un millón");
    }

    #[test]
    fn money_words_speaks_each_language() {
        assert_eq!(
            money_words(44533, Language::En),
            "four hundred forty-five dollars and thirty-three cents"
        );
        assert_eq!(
            money_words(44533, Language::Es),
            "cuatrocientos cuarenta y cinco dólares con treinta y tres centavos"
        );
    }

    #[test]
    fn date_words_speaks_each_language() {
        assert_eq!(
            date_words(date!(2028 - 12 - 02), Language::En),
            "December second"
        );
        assert_eq!(
            date_words(date!(2028 - 12 - 02), Language::Es),
            "dos de diciembre"
        );
    }

    #[test]
    fn month_year_words_speaks_each_language() {
        assert_eq!(
            month_year_words(Month::December, 2028, Language::En),
            "December twenty twenty-eight"
        );
        assert_eq!(
            month_year_words(Month::December, 2028, Language::Es),
            "diciembre de dos mil veintiocho"
        );
    }

    #[test]
    fn minutes_words_speaks_each_language() {
        assert_eq!(minutes_words(15, Language::En), "fifteen minutes");
        assert_eq!(minutes_words(15, Language::Es), "quince minutos");
        assert_eq!(minutes_words(1, Language::En), "one minute");
        assert_eq!(minutes_words(1, Language::Es), "un minuto");
    }

    #[test]
    fn digits_are_read_one_at_a_time() {
        for language in Language::ALL {
            assert_eq!(digits_words("1234", language), "1 2 3 4");
            assert_eq!(digits_words("7", language), "7");
        }
    }

    #[test]
    fn digits_drop_everything_but_ascii_digits() {
        assert_eq!(
            digits_words("(555) 010-9999", Language::En),
            "5 5 5 0 1 0 9 9 9 9"
        );
        assert_eq!(digits_words(" 4-2 ", Language::Es), "4 2");
        // Arabic-Indic and full-width digits are not ASCII digits.
        assert_eq!(digits_words("١٢٣１２", Language::En), "");
    }

    #[test]
    fn digits_of_nothing_is_empty() {
        assert_eq!(digits_words("", Language::En), "");
        assert_eq!(digits_words("abc", Language::Es), "");
    }

    #[test]
    fn extreme_inputs_give_the_right_words() {
        // u64::MAX is 18,446,744,073,709,551,615; i64::MIN cents are -$92,233,720,368,547,758.08.
        let en = "eighteen quintillion, four hundred forty-six quadrillion, seven hundred \
                  forty-four trillion, seventy-three billion, seven hundred nine million, five \
                  hundred fifty-one thousand, six hundred fifteen";
        // Spanish counts in the long scale: a billón is 10^12, a trillón 10^18.
        let es = "dieciocho trillones cuatrocientos cuarenta y seis mil setecientos cuarenta y \
                  cuatro billones setenta y tres mil setecientos nueve millones quinientos \
                  cincuenta y un mil seiscientos quince";
        assert_eq!(number_words(u64::MAX, Language::En), en);
        assert_eq!(number_words(u64::MAX, Language::Es), es);
        assert_eq!(
            minutes_words(u64::MAX, Language::En),
            format!("{en} minutes")
        );
        assert_eq!(
            minutes_words(u64::MAX, Language::Es),
            format!("{es} minutos")
        );
        let en_dollars = "ninety-two quadrillion, two hundred thirty-three trillion, seven \
                          hundred twenty billion, three hundred sixty-eight million, five hundred \
                          forty-seven thousand, seven hundred fifty-eight dollars";
        let es_dollars = "noventa y dos mil doscientos treinta y tres billones setecientos veinte \
                          mil trescientos sesenta y ocho millones quinientos cuarenta y siete mil \
                          setecientos cincuenta y ocho dólares";
        assert_eq!(
            money_words(i64::MIN, Language::En),
            format!("minus {en_dollars} and eight cents")
        );
        assert_eq!(
            money_words(i64::MAX, Language::En),
            format!("{en_dollars} and seven cents")
        );
        assert_eq!(
            money_words(i64::MIN, Language::Es),
            format!("menos {es_dollars} con ocho centavos")
        );
        assert_eq!(
            money_words(i64::MAX, Language::Es),
            format!("{es_dollars} con siete centavos")
        );
        assert_eq!(date_words(time::Date::MIN, Language::En), "January first");
        assert_eq!(
            date_words(time::Date::MAX, Language::En),
            "December thirty-first"
        );
        assert_eq!(
            date_words(time::Date::MIN, Language::Es),
            "primero de enero"
        );
        assert_eq!(
            date_words(time::Date::MAX, Language::Es),
            "treinta y uno de diciembre"
        );
        let years = [
            (
                i32::MIN,
                "minus two billion, one hundred forty-seven million, four hundred eighty-three \
                 thousand, six hundred forty-eight",
                "menos dos mil ciento cuarenta y siete millones cuatrocientos ochenta y tres mil \
                 seiscientos cuarenta y ocho",
            ),
            (-1, "minus one", "menos uno"),
            (0, "zero", "cero"),
            (
                999,
                "nine hundred ninety-nine",
                "novecientos noventa y nueve",
            ),
            (10_000, "ten thousand", "diez mil"),
            (
                i32::MAX,
                "two billion, one hundred forty-seven million, four hundred eighty-three \
                 thousand, six hundred forty-seven",
                "dos mil ciento cuarenta y siete millones cuatrocientos ochenta y tres mil \
                 seiscientos cuarenta y siete",
            ),
        ];
        for (year, en, es) in years {
            assert_eq!(
                month_year_words(Month::January, year, Language::En),
                format!("January {en}")
            );
            assert_eq!(
                month_year_words(Month::January, year, Language::Es),
                format!("enero de {es}")
            );
        }
    }

    #[test]
    fn every_day_of_a_leap_year_is_said_by_its_month_and_apart_from_the_others() {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const ES: [&str; 12] = [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ];
        for (language, months) in [(Language::En, EN), (Language::Es, ES)] {
            let mut said = std::collections::HashSet::new();
            let mut day = Some(date!(2024 - 01 - 01));
            while let Some(current) = day.filter(|d| d.year() == 2024) {
                let words = date_words(current, language);
                let month = months[usize::from(u8::from(current.month())) - 1];
                assert!(words.contains(month), "{current}: {words}");
                assert!(
                    said.insert(words.clone()),
                    "{current} said like another day: {words}"
                );
                day = current.next_day();
            }
            assert_eq!(said.len(), 366);
        }
        assert_eq!(
            date_words(date!(2024 - 02 - 29), Language::En),
            "February twenty-ninth"
        );
        assert_eq!(
            date_words(date!(2024 - 02 - 29), Language::Es),
            "veintinueve de febrero"
        );
    }
}
