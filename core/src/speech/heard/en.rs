//! English (American) words and conventions for reading what a caller said.

use super::{Lexicon, Word};

pub(super) const LEXICON: Lexicon = Lexicon {
    word,
    ordinal_suffixes: &["st", "nd", "rd", "th"],
    decimal_marks: &['.'],
    thousands_marks: &[','],
    day_first: false,
    yes: &[
        "yes",
        "yeah",
        "yea",
        "yep",
        "yup",
        "correct",
        "right",
        "sure",
        "uh huh",
        "mm hmm",
        "absolutely",
        "definitely",
        "affirmative",
        "exactly",
        "of course",
    ],
    no: &[
        "no",
        "nope",
        "nah",
        "wrong",
        "incorrect",
        "negative",
        "not right",
        "not correct",
        "not exactly",
        "not really",
        "not at all",
        "isn t right",
        "isn t correct",
        "ain t right",
        "of course not",
        "absolutely not",
        "definitely not",
    ],
    neither: &[
        "not sure",
        "no idea",
        "no problem",
        "don t know",
        "do not know",
    ],
};

fn word(word: &str) -> Option<Word> {
    use Word::*;
    Some(match word {
        "zero" => Digit(0),
        // Reading figures aloud, Americans say the letter: "five oh five".
        "oh" | "o" => Oh,
        "one" => Digit(1),
        "two" => Digit(2),
        "three" => Digit(3),
        "four" => Digit(4),
        "five" => Digit(5),
        "six" => Digit(6),
        "seven" => Digit(7),
        "eight" => Digit(8),
        "nine" => Digit(9),
        "ten" => Compact(10),
        "eleven" => Compact(11),
        "twelve" => Compact(12),
        "thirteen" => Compact(13),
        "fourteen" => Compact(14),
        "fifteen" => Compact(15),
        "sixteen" => Compact(16),
        "seventeen" => Compact(17),
        "eighteen" => Compact(18),
        "nineteen" => Compact(19),
        "twenty" => Tens(20),
        "thirty" => Tens(30),
        "forty" => Tens(40),
        "fifty" => Tens(50),
        "sixty" => Tens(60),
        "seventy" => Tens(70),
        "eighty" => Tens(80),
        "ninety" => Tens(90),
        "hundred" => Hundred,
        "thousand" => Thousand,
        "million" => Million,
        "a" => Article,
        "first" => Ordinal(1),
        "second" => Ordinal(2),
        "third" => Ordinal(3),
        "fourth" => Ordinal(4),
        "fifth" => Ordinal(5),
        "sixth" => Ordinal(6),
        "seventh" => Ordinal(7),
        "eighth" => Ordinal(8),
        "ninth" => Ordinal(9),
        "tenth" => Ordinal(10),
        "eleventh" => Ordinal(11),
        "twelfth" => Ordinal(12),
        "thirteenth" => Ordinal(13),
        "fourteenth" => Ordinal(14),
        "fifteenth" => Ordinal(15),
        "sixteenth" => Ordinal(16),
        "seventeenth" => Ordinal(17),
        "eighteenth" => Ordinal(18),
        "nineteenth" => Ordinal(19),
        "twentieth" => Ordinal(20),
        "thirtieth" => Ordinal(30),
        "double" => Repeat(2),
        "triple" => Repeat(3),
        "january" => Month(1),
        "february" => Month(2),
        "march" => Month(3),
        "april" => Month(4),
        "may" => Month(5),
        "june" => Month(6),
        "july" => Month(7),
        "august" => Month(8),
        "september" => Month(9),
        "october" => Month(10),
        "november" => Month(11),
        "december" => Month(12),
        "dollar" | "dollars" | "buck" | "bucks" => Dollar,
        "cent" | "cents" => Cent,
        "peso" | "pesos" | "euro" | "euros" | "pound" | "pounds" => ForeignCurrency,
        "and" => And,
        "of" => Of,
        "the" => The,
        "point" => Point,
        "minus" | "negative" => Minus,
        "um" | "umm" | "uh" | "uhh" | "er" | "erm" | "ah" | "hmm" | "mm" => Hesitation,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::language::Language::En;
    use crate::speech::heard::{SaidDate, cents, date, digits, number, yes_no};

    fn on(month: u8, day: u8, year: Option<i32>) -> Option<SaidDate> {
        Some(SaidDate { month, day, year })
    }

    #[test]
    fn digits_said_one_by_one() {
        assert_eq!(
            digits("eight seven two seven one", En).as_deref(),
            Some("87271")
        );
        assert_eq!(
            digits("one two three four five six", En).as_deref(),
            Some("123456")
        );
        assert_eq!(digits("Zero zero seven.", En).as_deref(), Some("007"));
    }

    #[test]
    fn digits_said_in_groups() {
        assert_eq!(
            digits("eighty seven twenty seven", En).as_deref(),
            Some("8727")
        );
        assert_eq!(
            digits("eighty-seven twenty-seven one", En).as_deref(),
            Some("87271")
        );
        assert_eq!(digits("nineteen fifty", En).as_deref(), Some("1950"));
        assert_eq!(digits("five oh five", En).as_deref(), Some("505"));
        assert_eq!(digits("eight hundred five", En).as_deref(), Some("805"));
        assert_eq!(digits("one thousand", En).as_deref(), Some("1000"));
    }

    #[test]
    fn oh_and_o_are_zero_in_digits() {
        assert_eq!(digits("four oh one", En).as_deref(), Some("401"));
        assert_eq!(digits("O four O", En).as_deref(), Some("040"));
    }

    #[test]
    fn doubles_and_triples_repeat_the_next_digit() {
        assert_eq!(digits("double five", En).as_deref(), Some("55"));
        assert_eq!(
            digits("eight double oh triple seven", En).as_deref(),
            Some("800777")
        );
        // "double" needs one digit after it.
        assert_eq!(digits("double fifty", En), None);
        assert_eq!(digits("eight seven double", En), None);
    }

    #[test]
    fn digits_mix_figures_and_words() {
        assert_eq!(digits("872 7", En).as_deref(), Some("8727"));
        assert_eq!(digits("8727 1", En).as_deref(), Some("87271"));
        assert_eq!(digits("87 two 7 one", En).as_deref(), Some("87271"));
        assert_eq!(digits("555-1212", En).as_deref(), Some("5551212"));
    }

    #[test]
    fn digits_ignore_the_words_around_them() {
        assert_eq!(
            digits("my account number is eight seven two seven one", En).as_deref(),
            Some("87271")
        );
        assert_eq!(digits("it's 87271", En).as_deref(), Some("87271"));
        assert_eq!(
            digits("um, I think it's 8 7 2 7 1, thanks", En).as_deref(),
            Some("87271")
        );
        assert_eq!(
            digits("one two three and four", En).as_deref(),
            Some("1234")
        );
    }

    #[test]
    fn digits_refuse_nothing_and_broken_runs() {
        assert_eq!(digits("", En), None);
        assert_eq!(digits("I don't know", En), None);
        assert_eq!(digits("eight seven banana two seven", En), None);
        assert_eq!(digits("eight seven and", En), None);
        assert_eq!(digits("it's 8727 and my zip is 90210", En), None);
        assert_eq!(digits("25.50", En), None);
    }

    #[test]
    fn numbers_in_words_and_figures() {
        assert_eq!(number("three", En), Some(3));
        assert_eq!(number("press two", En), Some(2));
        assert_eq!(number("option 4", En), Some(4));
        assert_eq!(number("twelve", En), Some(12));
        assert_eq!(number("one hundred five", En), Some(105));
        assert_eq!(number("one hundred and five", En), Some(105));
        assert_eq!(number("forty-five", En), Some(45));
        assert_eq!(number("forty five", En), Some(45));
        assert_eq!(number("a hundred", En), Some(100));
        assert_eq!(number("a thousand", En), Some(1000));
        assert_eq!(number("zero", En), Some(0));
        assert_eq!(number("two thousand and five", En), Some(2005));
        assert_eq!(number("twelve hundred", En), Some(1200));
        assert_eq!(
            number("one million, two hundred thousand", En),
            Some(1_200_000)
        );
        assert_eq!(number("1,200", En), Some(1200));
        assert_eq!(number("um, number three please", En), Some(3));
        assert_eq!(number("the first one", En), Some(1));
    }

    #[test]
    fn numbers_refuse_none_several_and_negative() {
        assert_eq!(number("", En), None);
        assert_eq!(number("agent", En), None);
        assert_eq!(number("a payment", En), None);
        assert_eq!(number("two or three", En), None);
        assert_eq!(number("one two", En), None);
        assert_eq!(number("twenty five fifty", En), None);
        assert_eq!(number("2.5", En), None);
        assert_eq!(number("minus three", En), None);
        assert_eq!(number("-3", En), None);
        assert_eq!(number("99999999999999999999999", En), None);
    }

    #[test]
    fn money_in_words() {
        assert_eq!(cents("twenty-five dollars and fifty cents", En), Some(2550));
        assert_eq!(cents("twenty five dollars fifty cents", En), Some(2550));
        assert_eq!(cents("one thousand two hundred dollars", En), Some(120_000));
        assert_eq!(cents("fifty cents", En), Some(50));
        assert_eq!(cents("a hundred dollars", En), Some(10_000));
        assert_eq!(
            cents("four hundred forty-five dollars and thirty-three cents", En),
            Some(44_533)
        );
        assert_eq!(cents("one dollar and one cent", En), Some(101));
        assert_eq!(cents("a dollar fifty", En), Some(150));
        assert_eq!(cents("twenty bucks", En), Some(2000));
        assert_eq!(cents("zero dollars", En), Some(0));
        assert_eq!(cents("twenty five", En), Some(2500));
    }

    #[test]
    fn money_in_figures() {
        assert_eq!(cents("$25.50", En), Some(2550));
        assert_eq!(cents("25.50", En), Some(2550));
        assert_eq!(cents("$25.5", En), Some(2550));
        assert_eq!(cents("$25.05", En), Some(2505));
        assert_eq!(cents("$25", En), Some(2500));
        assert_eq!(cents("$ 25", En), Some(2500));
        assert_eq!(cents("25.50 dollars", En), Some(2550));
        assert_eq!(cents("$1,200.50", En), Some(120_050));
        assert_eq!(cents("I'd like to pay $25.50 today.", En), Some(2550));
    }

    #[test]
    fn money_mixing_figures_and_words() {
        assert_eq!(cents("25 dollars and 50 cents", En), Some(2550));
        assert_eq!(cents("25 dollars 50", En), Some(2550));
        assert_eq!(cents("25 dollars and fifty cents", En), Some(2550));
        assert_eq!(cents("$25 and 50 cents", En), Some(2550));
        assert_eq!(cents("50 cents", En), Some(50));
    }

    #[test]
    fn dollars_then_cents_as_bare_numbers() {
        assert_eq!(cents("twenty five fifty", En), Some(2550));
        assert_eq!(cents("five fifty", En), Some(550));
        assert_eq!(cents("one hundred twenty five fifty", En), Some(12_550));
        assert_eq!(cents("twenty five oh five", En), Some(2505));
        assert_eq!(cents("twenty five point five zero", En), Some(2550));
        assert_eq!(cents("twenty five point five", En), Some(2550));
        assert_eq!(cents("twenty five point oh five", En), Some(2505));
        assert_eq!(cents("25 point 50 dollars", En), Some(2550));
    }

    #[test]
    fn ambiguous_money_is_refused() {
        // Perhaps $25.05, perhaps $2,505, perhaps a slip.
        assert_eq!(cents("twenty five five", En), None);
        // "nineteen fifty dollars" is as likely $1,950 as $19.50.
        assert_eq!(cents("twenty five fifty dollars", En), None);
        // Figures without a mark could be a digit string.
        assert_eq!(cents("25 50", En), None);
        assert_eq!(cents("twenty five dollars and fifty dollars", En), None);
        assert_eq!(cents("25 dollars or 30 dollars", En), None);
        assert_eq!(cents("five and a half dollars", En), None);
    }

    #[test]
    fn nonsense_negative_and_too_many_cents_are_refused() {
        assert_eq!(cents("", En), None);
        assert_eq!(cents("I don't know", En), None);
        assert_eq!(cents("dollars", En), None);
        assert_eq!(cents("minus five dollars", En), None);
        assert_eq!(cents("negative twenty", En), None);
        assert_eq!(cents("-$25", En), None);
        assert_eq!(cents("-25.50", En), None);
        assert_eq!(cents("twenty dollars and a hundred fifty cents", En), None);
        assert_eq!(cents("150 cents", En), None);
        assert_eq!(cents("25.505", En), None);
        assert_eq!(cents("twenty five point five five five", En), None);
        assert_eq!(cents("twenty five dollars and", En), None);
        assert_eq!(cents("99999999999999999999 dollars", En), None);
        assert_eq!(cents("$50 cents", En), None);
        assert_eq!(cents("twenty five euros", En), None);
        assert_eq!(cents("3/7/1950", En), None);
    }

    #[test]
    fn dates_in_words() {
        assert_eq!(
            date("March seventh, nineteen fifty", En),
            on(3, 7, Some(1950))
        );
        assert_eq!(date("the fifth of December", En), on(12, 5, None));
        assert_eq!(date("December fifth", En), on(12, 5, None));
        assert_eq!(date("March the seventh", En), on(3, 7, None));
        assert_eq!(date("December twenty-first", En), on(12, 21, None));
        assert_eq!(date("January thirty first", En), on(1, 31, None));
        assert_eq!(
            date("May seventeen nineteen fifty", En),
            on(5, 17, Some(1950))
        );
        assert_eq!(
            date("fifth December nineteen fifty", En),
            on(12, 5, Some(1950))
        );
    }

    #[test]
    fn dates_mixing_figures_and_words() {
        assert_eq!(date("march 7th 1950", En), on(3, 7, Some(1950)));
        assert_eq!(date("March 7th, 1950", En), on(3, 7, Some(1950)));
        assert_eq!(date("March 7 1950", En), on(3, 7, Some(1950)));
        assert_eq!(date("December 5", En), on(12, 5, None));
        assert_eq!(date("the 5th of December", En), on(12, 5, None));
        assert_eq!(date("the 21st of June 2001", En), on(6, 21, Some(2001)));
        assert_eq!(date("3/7/1950", En), on(3, 7, Some(1950)));
        assert_eq!(date("3-7-1950", En), on(3, 7, Some(1950)));
        assert_eq!(date("12/5", En), on(12, 5, None));
    }

    #[test]
    fn years_as_people_say_them() {
        let on_march_7 = |said: &str| date(&format!("March 7th {said}"), En);
        assert_eq!(on_march_7("nineteen fifty"), on(3, 7, Some(1950)));
        assert_eq!(on_march_7("nineteen oh five"), on(3, 7, Some(1905)));
        assert_eq!(on_march_7("twenty twenty-six"), on(3, 7, Some(2026)));
        assert_eq!(on_march_7("twenty twenty"), on(3, 7, Some(2020)));
        assert_eq!(on_march_7("two thousand five"), on(3, 7, Some(2005)));
        assert_eq!(on_march_7("two thousand and five"), on(3, 7, Some(2005)));
        assert_eq!(on_march_7("twenty oh five"), on(3, 7, Some(2005)));
        assert_eq!(on_march_7("nineteen hundred"), on(3, 7, Some(1900)));
        assert_eq!(
            on_march_7("nineteen hundred and fifty"),
            on(3, 7, Some(1950))
        );
        assert_eq!(on_march_7("of 1950"), on(3, 7, Some(1950)));
    }

    #[test]
    fn dates_around_other_words() {
        assert_eq!(
            date("um I was born on March 7th 1950", En),
            on(3, 7, Some(1950))
        );
        assert_eq!(
            date("my date of birth is the fifth of December", En),
            on(12, 5, None)
        );
        // "may" the verb is not a date without a day.
        assert_eq!(date("may I say the 5th of June", En), on(6, 5, None));
    }

    #[test]
    fn days_are_checked_against_the_month() {
        assert_eq!(date("February thirtieth", En), None);
        assert_eq!(date("February 29th", En), on(2, 29, None));
        assert_eq!(date("February 29th 2024", En), on(2, 29, Some(2024)));
        assert_eq!(date("February 29th 2023", En), None);
        assert_eq!(date("April 31st", En), None);
        assert_eq!(date("2/30/2000", En), None);
        assert_eq!(date("13/7/1950", En), None);
    }

    #[test]
    fn incomplete_or_doubtful_dates_are_refused() {
        assert_eq!(date("", En), None);
        assert_eq!(date("March", En), None);
        assert_eq!(date("the seventh", En), None);
        assert_eq!(date("March 1950", En), None);
        assert_eq!(date("March seventh fifty", En), None);
        assert_eq!(date("3/7/50", En), None);
        assert_eq!(date("March 7th or April 8th", En), None);
        assert_eq!(date("March April 7th", En), None);
        assert_eq!(date("the fifth of", En), None);
        assert_eq!(date("March 7th 1950 1951", En), None);
        assert_eq!(date("March zero", En), None);
    }

    #[test]
    fn yes_in_its_forms() {
        for said in [
            "yes",
            "Yeah.",
            "yep",
            "correct",
            "that's right",
            "right",
            "sure",
            "uh huh",
            "yes that's right",
            "that is correct",
            "of course",
        ] {
            assert_eq!(yes_no(said, En), Some(true), "{said}");
        }
    }

    #[test]
    fn no_in_its_forms() {
        for said in [
            "no",
            "Nope.",
            "wrong",
            "that's not right",
            "incorrect",
            "that isn't correct",
            "no it's not",
            "of course not",
        ] {
            assert_eq!(yes_no(said, En), Some(false), "{said}");
        }
    }

    #[test]
    fn neither_or_both_is_no_answer() {
        for said in [
            "",
            "no that's right",
            "yes no",
            "I'm not sure",
            "I don't know",
            "agent",
            "payment",
            "sí",
        ] {
            assert_eq!(yes_no(said, En), None, "{said}");
        }
    }
}
