//! English (American) spoken forms.

use time::{Date, Month};

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Short-scale names of each group of three digits, lowest first; seven groups reach `u64::MAX`.
const SCALES: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

pub(super) fn number_words(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    for scale in SCALES {
        let group = rest % 1000;
        rest /= 1000;
        if group > 0 {
            let words = below_thousand(group);
            groups.push(if scale.is_empty() {
                words
            } else {
                format!("{words} {scale}")
            });
        }
    }
    groups.reverse();
    // The comma makes the voice pause between groups, which keeps long amounts followable.
    groups.join(", ")
}

/// 1..=999, with no "and" after "hundred" (American usage).
fn below_thousand(n: u64) -> String {
    debug_assert!((1..1000).contains(&n));
    let (hundreds, rest) = (n / 100, n % 100);
    match (hundreds, rest) {
        (0, _) => below_hundred(rest),
        (_, 0) => format!("{} hundred", ONES[hundreds as usize]),
        _ => format!(
            "{} hundred {}",
            ONES[hundreds as usize],
            below_hundred(rest)
        ),
    }
}

/// 0..=99, hyphenating compound tens ("forty-five").
fn below_hundred(n: u64) -> String {
    debug_assert!(n < 100);
    if n < 20 {
        return ONES[n as usize].to_owned();
    }
    let tens = TENS[(n / 10) as usize];
    match n % 10 {
        0 => tens.to_owned(),
        unit => format!("{tens}-{}", ONES[unit as usize]),
    }
}

fn ordinal_words(n: u64) -> String {
    let cardinal = number_words(n);
    // Only the last word becomes ordinal: "twenty-one" -> "twenty-first".
    let split = cardinal.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = cardinal.split_at(split);
    let ordinal = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        _ => match last.strip_suffix('y') {
            Some(stem) => format!("{stem}ieth"),
            None => format!("{last}th"),
        },
    };
    format!("{head}{ordinal}")
}

/// A noun counted by a cardinal: "one dollar", "zero dollars".
fn counted(n: u64, singular: &str, plural: &str) -> String {
    let noun = if n == 1 { singular } else { plural };
    format!("{} {noun}", number_words(n))
}

pub(super) fn money_words(cents: i64) -> String {
    // unsigned_abs, because i64::MIN has no positive i64.
    let magnitude = cents.unsigned_abs();
    let (dollars, cents_part) = (magnitude / 100, magnitude % 100);
    let amount = match (dollars, cents_part) {
        (_, 0) => counted(dollars, "dollar", "dollars"),
        (0, _) => counted(cents_part, "cent", "cents"),
        _ => format!(
            "{} and {}",
            counted(dollars, "dollar", "dollars"),
            counted(cents_part, "cent", "cents")
        ),
    };
    if cents < 0 {
        format!("minus {amount}")
    } else {
        amount
    }
}

pub(super) fn month_name(month: Month) -> &'static str {
    match month {
        Month::January => "January",
        Month::February => "February",
        Month::March => "March",
        Month::April => "April",
        Month::May => "May",
        Month::June => "June",
        Month::July => "July",
        Month::August => "August",
        Month::September => "September",
        Month::October => "October",
        Month::November => "November",
        Month::December => "December",
    }
}

pub(super) fn date_words(date: Date) -> String {
    format!(
        "{} {}",
        month_name(date.month()),
        ordinal_words(u64::from(date.day()))
    )
}

/// A year as people say it: "nineteen ninety-nine", "two thousand five", "twenty ten".
fn year_words(year: i32) -> String {
    let Ok(year) = u64::try_from(year) else {
        return format!("minus {}", number_words(u64::from(year.unsigned_abs())));
    };
    // Pairs only work for four digits; other years (never a card expiry) read as plain numbers.
    if !(1000..=9999).contains(&year) {
        return number_words(year);
    }
    let (century, rest) = (year / 100, year % 100);
    let century_words = below_hundred(century);
    match rest {
        // 2000-2009 are "two thousand ..."; nobody says "twenty oh five".
        0..=9 if century.is_multiple_of(10) => {
            let thousands = format!("{} thousand", ONES[(century / 10) as usize]);
            match rest {
                0 => thousands,
                _ => format!("{thousands} {}", ONES[rest as usize]),
            }
        }
        0 => format!("{century_words} hundred"),
        1..=9 => format!("{century_words} oh {}", ONES[rest as usize]),
        _ => format!("{century_words} {}", below_hundred(rest)),
    }
}

pub(super) fn month_year_words(month: Month, year: i32) -> String {
    format!("{} {}", month_name(month), year_words(year))
}

pub(super) fn minutes_words(minutes: u64) -> String {
    counted(minutes, "minute", "minutes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn zero_and_single_digits() {
        assert_eq!(number_words(0), "zero");
        assert_eq!(number_words(1), "one");
        assert_eq!(number_words(9), "nine");
    }

    #[test]
    fn ten_and_teens_are_single_words() {
        let expected = [
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        for (n, words) in (10..).zip(expected) {
            assert_eq!(number_words(n), words);
        }
    }

    #[test]
    fn tens_are_hyphenated_with_units() {
        assert_eq!(number_words(20), "twenty");
        assert_eq!(number_words(21), "twenty-one");
        assert_eq!(number_words(40), "forty");
        assert_eq!(number_words(99), "ninety-nine");
    }

    #[test]
    fn hundreds_have_no_and() {
        assert_eq!(number_words(100), "one hundred");
        assert_eq!(number_words(101), "one hundred one");
        assert_eq!(number_words(105), "one hundred five");
        assert_eq!(number_words(110), "one hundred ten");
        assert_eq!(number_words(999), "nine hundred ninety-nine");
    }

    #[test]
    fn groups_of_thousands_are_separated_by_commas() {
        assert_eq!(number_words(1000), "one thousand");
        assert_eq!(number_words(1001), "one thousand, one");
        assert_eq!(number_words(100_000), "one hundred thousand");
        assert_eq!(
            number_words(999_999),
            "nine hundred ninety-nine thousand, nine hundred ninety-nine"
        );
        assert_eq!(number_words(1_000_001), "one million, one");
    }

    #[test]
    fn large_scales() {
        assert_eq!(number_words(1_000_000), "one million");
        assert_eq!(number_words(2_000_000), "two million");
        assert_eq!(number_words(1_000_000_000), "one billion");
        assert_eq!(number_words(1_000_000_000_000), "one trillion");
    }

    #[test]
    fn u64_max_is_spelled_out() {
        assert_eq!(
            number_words(u64::MAX),
            "eighteen quintillion, four hundred forty-six quadrillion, \
             seven hundred forty-four trillion, seventy-three billion, \
             seven hundred nine million, five hundred fifty-one thousand, six hundred fifteen"
        );
    }

    #[test]
    fn money_with_dollars_and_cents() {
        assert_eq!(
            money_words(44533),
            "four hundred forty-five dollars and thirty-three cents"
        );
        assert_eq!(money_words(101), "one dollar and one cent");
        assert_eq!(
            money_words(123_456_789),
            "one million, two hundred thirty-four thousand, five hundred sixty-seven dollars \
             and eighty-nine cents"
        );
    }

    #[test]
    fn money_leaves_out_a_zero_part() {
        assert_eq!(money_words(100_000_000), "one million dollars");
        assert_eq!(money_words(100), "one dollar");
        assert_eq!(money_words(5), "five cents");
        assert_eq!(money_words(1), "one cent");
    }

    #[test]
    fn money_zero_is_zero_dollars() {
        assert_eq!(money_words(0), "zero dollars");
    }

    #[test]
    fn negative_money_says_minus() {
        assert_eq!(money_words(-5), "minus five cents");
        assert_eq!(
            money_words(-2550),
            "minus twenty-five dollars and fifty cents"
        );
    }

    #[test]
    fn money_extremes_do_not_panic() {
        assert_eq!(
            money_words(i64::MIN),
            "minus ninety-two quadrillion, two hundred thirty-three trillion, \
             seven hundred twenty billion, three hundred sixty-eight million, \
             five hundred forty-seven thousand, seven hundred fifty-eight dollars and eight cents"
        );
        assert!(money_words(i64::MAX).ends_with("dollars and seven cents"));
    }

    #[test]
    fn ordinals() {
        let cases = [
            (1, "first"),
            (2, "second"),
            (3, "third"),
            (4, "fourth"),
            (5, "fifth"),
            (8, "eighth"),
            (9, "ninth"),
            (11, "eleventh"),
            (12, "twelfth"),
            (13, "thirteenth"),
            (20, "twentieth"),
            (21, "twenty-first"),
            (22, "twenty-second"),
            (23, "twenty-third"),
            (30, "thirtieth"),
            (31, "thirty-first"),
            (100, "one hundredth"),
        ];
        for (n, words) in cases {
            assert_eq!(ordinal_words(n), words);
        }
    }

    #[test]
    fn dates_say_month_then_ordinal_day() {
        assert_eq!(date_words(date!(2028 - 12 - 02)), "December second");
        assert_eq!(date_words(date!(2025 - 01 - 01)), "January first");
        assert_eq!(date_words(date!(2025 - 03 - 03)), "March third");
        assert_eq!(date_words(date!(2025 - 05 - 21)), "May twenty-first");
        assert_eq!(date_words(date!(2025 - 10 - 31)), "October thirty-first");
    }

    #[test]
    fn years_are_said_in_pairs() {
        assert_eq!(year_words(2028), "twenty twenty-eight");
        assert_eq!(year_words(2010), "twenty ten");
        assert_eq!(year_words(1999), "nineteen ninety-nine");
        assert_eq!(year_words(1066), "ten sixty-six");
    }

    #[test]
    fn years_two_thousand_to_two_thousand_nine() {
        assert_eq!(year_words(2000), "two thousand");
        assert_eq!(year_words(2005), "two thousand five");
        assert_eq!(year_words(2009), "two thousand nine");
    }

    #[test]
    fn round_centuries_and_oh_years() {
        assert_eq!(year_words(1900), "nineteen hundred");
        assert_eq!(year_words(2100), "twenty-one hundred");
        assert_eq!(year_words(1905), "nineteen oh five");
    }

    #[test]
    fn years_beyond_four_digits_are_plain_numbers() {
        assert_eq!(year_words(0), "zero");
        assert_eq!(year_words(999), "nine hundred ninety-nine");
        assert_eq!(year_words(10_000), "ten thousand");
        assert_eq!(year_words(-44), "minus forty-four");
        assert!(year_words(i32::MIN).starts_with("minus two billion"));
        assert!(year_words(i32::MAX).starts_with("two billion"));
    }

    #[test]
    fn card_expiry_month_and_year() {
        assert_eq!(
            month_year_words(Month::December, 2028),
            "December twenty twenty-eight"
        );
        assert_eq!(
            month_year_words(Month::January, 2030),
            "January twenty thirty"
        );
    }

    #[test]
    fn minutes_singular_and_plural() {
        assert_eq!(minutes_words(15), "fifteen minutes");
        assert_eq!(minutes_words(1), "one minute");
        assert_eq!(minutes_words(0), "zero minutes");
    }
}
