//! Spanish (Latin American / US) spoken forms.

use time::{Date, Month};

/// 0..=29 are each a single word in modern spelling ("dieciséis", "veintidós").
const UP_TO_29: [&str; 30] = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
];

const TENS: [&str; 10] = [
    "",
    "",
    "",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
];

/// Index 1 is "ciento"; exactly 100 is "cien" and handled apart.
const HUNDREDS: [&str; 10] = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
];

/// Long-scale names (singular, plural) of each power of a million, lowest first; three reach
/// `u64::MAX`.
const SCALES: [(&str, &str); 3] = [
    ("millón", "millones"),
    ("billón", "billones"),
    ("trillón", "trillones"),
];

/// Whether a final "uno" is shortened, as it is before a noun: "un dólar", "veintiún dólares".
#[derive(Clone, Copy)]
enum Ending {
    Full,
    BeforeNoun,
}

pub(super) fn number_words(n: u64) -> String {
    cardinal(n, Ending::Full)
}

fn cardinal(n: u64, ending: Ending) -> String {
    if n == 0 {
        return UP_TO_29[0].to_owned();
    }
    let mut parts = Vec::new();
    let mut rest = n;
    let low = rest % 1_000_000;
    rest /= 1_000_000;
    if low > 0 {
        parts.push(below_million(low, ending));
    }
    for (singular, plural) in SCALES {
        let chunk = rest % 1_000_000;
        rest /= 1_000_000;
        match chunk {
            0 => {}
            1 => parts.push(format!("un {singular}")),
            // A multiplier of millón is itself before a noun: "veintiún millones".
            _ => parts.push(format!(
                "{} {plural}",
                below_million(chunk, Ending::BeforeNoun)
            )),
        }
    }
    parts.reverse();
    parts.join(" ")
}

/// 1..=999_999. "mil" alone, never "un mil"; a multiplier of mil is shortened ("veintiún mil").
fn below_million(n: u64, ending: Ending) -> String {
    debug_assert!((1..1_000_000).contains(&n));
    let (thousands, rest) = (n / 1000, n % 1000);
    let thousands_words = match thousands {
        0 => return below_thousand(rest, ending),
        1 => "mil".to_owned(),
        _ => format!("{} mil", below_thousand(thousands, Ending::BeforeNoun)),
    };
    match rest {
        0 => thousands_words,
        _ => format!("{thousands_words} {}", below_thousand(rest, ending)),
    }
}

/// 1..=999.
fn below_thousand(n: u64, ending: Ending) -> String {
    debug_assert!((1..1000).contains(&n));
    let (hundreds, rest) = (n / 100, n % 100);
    match (hundreds, rest) {
        (1, 0) => "cien".to_owned(),
        (0, _) => below_hundred(rest, ending),
        (_, 0) => HUNDREDS[hundreds as usize].to_owned(),
        _ => format!(
            "{} {}",
            HUNDREDS[hundreds as usize],
            below_hundred(rest, ending)
        ),
    }
}

/// 1..=99: one word up to 29, then "treinta y uno" and so on.
fn below_hundred(n: u64, ending: Ending) -> String {
    debug_assert!((1..100).contains(&n));
    match (n, ending) {
        (1, Ending::BeforeNoun) => "un".to_owned(),
        (21, Ending::BeforeNoun) => "veintiún".to_owned(),
        (0..=29, _) => UP_TO_29[n as usize].to_owned(),
        _ => {
            let tens = TENS[(n / 10) as usize];
            match n % 10 {
                0 => tens.to_owned(),
                unit => format!("{tens} y {}", below_hundred(unit, ending)),
            }
        }
    }
}

/// A noun counted by a cardinal: "un dólar", "veintiún dólares", "un millón de dólares".
fn counted(n: u64, singular: &str, plural: &str) -> String {
    let noun = if n == 1 { singular } else { plural };
    // Millón, billón and trillón are nouns themselves, so one directly before another noun
    // takes "de"; "un millón cien dólares" does not.
    let link = if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        " de "
    } else {
        " "
    };
    format!("{}{link}{noun}", cardinal(n, Ending::BeforeNoun))
}

pub(super) fn money_words(cents: i64) -> String {
    // unsigned_abs, because i64::MIN has no positive i64.
    let magnitude = cents.unsigned_abs();
    let (dollars, cents_part) = (magnitude / 100, magnitude % 100);
    let amount = match (dollars, cents_part) {
        (_, 0) => counted(dollars, "dólar", "dólares"),
        (0, _) => counted(cents_part, "centavo", "centavos"),
        _ => format!(
            "{} con {}",
            counted(dollars, "dólar", "dólares"),
            counted(cents_part, "centavo", "centavos")
        ),
    };
    if cents < 0 {
        format!("menos {amount}")
    } else {
        amount
    }
}

/// Month names are lowercase in Spanish.
pub(super) fn month_name(month: Month) -> &'static str {
    match month {
        Month::January => "enero",
        Month::February => "febrero",
        Month::March => "marzo",
        Month::April => "abril",
        Month::May => "mayo",
        Month::June => "junio",
        Month::July => "julio",
        Month::August => "agosto",
        Month::September => "septiembre",
        Month::October => "octubre",
        Month::November => "noviembre",
        Month::December => "diciembre",
    }
}

pub(super) fn date_words(date: Date) -> String {
    // Days are cardinals except the first, which the Americas say as "primero".
    let day = match date.day() {
        1 => "primero".to_owned(),
        day => number_words(u64::from(day)),
    };
    format!("{day} de {}", month_name(date.month()))
}

/// Spanish years are plain cardinals: "dos mil veintiocho", "dos mil veintiuno".
fn year_words(year: i32) -> String {
    let words = number_words(u64::from(year.unsigned_abs()));
    if year < 0 {
        format!("menos {words}")
    } else {
        words
    }
}

pub(super) fn month_year_words(month: Month, year: i32) -> String {
    format!("{} de {}", month_name(month), year_words(year))
}

pub(super) fn minutes_words(minutes: u64) -> String {
    counted(minutes, "minuto", "minutos")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn zero_and_single_digits() {
        assert_eq!(number_words(0), "cero");
        assert_eq!(number_words(1), "uno");
        assert_eq!(number_words(9), "nueve");
    }

    #[test]
    fn ten_to_nineteen_are_single_words() {
        let expected = [
            "diez",
            "once",
            "doce",
            "trece",
            "catorce",
            "quince",
            "dieciséis",
            "diecisiete",
            "dieciocho",
            "diecinueve",
        ];
        for (n, words) in (10..).zip(expected) {
            assert_eq!(number_words(n), words);
        }
    }

    #[test]
    fn twenties_are_single_words_with_accents() {
        assert_eq!(number_words(20), "veinte");
        assert_eq!(number_words(21), "veintiuno");
        assert_eq!(number_words(22), "veintidós");
        assert_eq!(number_words(23), "veintitrés");
        assert_eq!(number_words(26), "veintiséis");
        assert_eq!(number_words(29), "veintinueve");
    }

    #[test]
    fn tens_from_thirty_join_units_with_y() {
        assert_eq!(number_words(30), "treinta");
        assert_eq!(number_words(31), "treinta y uno");
        assert_eq!(number_words(45), "cuarenta y cinco");
        assert_eq!(number_words(99), "noventa y nueve");
    }

    #[test]
    fn hundreds() {
        assert_eq!(number_words(100), "cien");
        assert_eq!(number_words(101), "ciento uno");
        assert_eq!(number_words(110), "ciento diez");
        assert_eq!(number_words(199), "ciento noventa y nueve");
        assert_eq!(number_words(500), "quinientos");
        assert_eq!(number_words(700), "setecientos");
        assert_eq!(number_words(900), "novecientos");
        assert_eq!(number_words(999), "novecientos noventa y nueve");
    }

    #[test]
    fn thousands_say_mil_without_un() {
        assert_eq!(number_words(1000), "mil");
        assert_eq!(number_words(1001), "mil uno");
        assert_eq!(number_words(2000), "dos mil");
        assert_eq!(number_words(100_000), "cien mil");
        assert_eq!(
            number_words(999_999),
            "novecientos noventa y nueve mil novecientos noventa y nueve"
        );
    }

    #[test]
    fn multipliers_of_mil_and_millon_are_shortened() {
        assert_eq!(number_words(21_000), "veintiún mil");
        assert_eq!(number_words(31_000), "treinta y un mil");
        assert_eq!(number_words(101_000), "ciento un mil");
        assert_eq!(number_words(21_000_000), "veintiún millones");
    }

    #[test]
    fn millions_use_the_long_scale() {
        assert_eq!(number_words(1_000_000), "un millón");
        assert_eq!(number_words(1_000_001), "un millón uno");
        assert_eq!(number_words(2_000_000), "dos millones");
        assert_eq!(number_words(1_000_000_000), "mil millones");
        assert_eq!(number_words(1_000_000_000_000), "un billón");
        assert_eq!(number_words(1_000_000_000_000_000_000), "un trillón");
    }

    #[test]
    fn u64_max_is_spelled_out() {
        assert_eq!(
            number_words(u64::MAX),
            "dieciocho trillones cuatrocientos cuarenta y seis mil setecientos cuarenta y cuatro \
             billones setenta y tres mil setecientos nueve millones quinientos cincuenta y un mil \
             seiscientos quince"
        );
    }

    #[test]
    fn money_with_dollars_and_cents() {
        assert_eq!(
            money_words(44533),
            "cuatrocientos cuarenta y cinco dólares con treinta y tres centavos"
        );
        assert_eq!(money_words(101), "un dólar con un centavo");
    }

    #[test]
    fn money_leaves_out_a_zero_part() {
        assert_eq!(money_words(100), "un dólar");
        assert_eq!(money_words(10000), "cien dólares");
        assert_eq!(money_words(5), "cinco centavos");
        assert_eq!(money_words(1), "un centavo");
    }

    #[test]
    fn money_zero_is_cero_dolares() {
        assert_eq!(money_words(0), "cero dólares");
    }

    #[test]
    fn uno_is_shortened_before_the_noun() {
        assert_eq!(money_words(2100), "veintiún dólares");
        assert_eq!(money_words(3100), "treinta y un dólares");
        assert_eq!(money_words(10100), "ciento un dólares");
        assert_eq!(money_words(100_100), "mil un dólares");
        assert_eq!(money_words(21), "veintiún centavos");
    }

    #[test]
    fn whole_millions_take_de_before_the_noun() {
        assert_eq!(money_words(100_000_000), "un millón de dólares");
        assert_eq!(money_words(200_000_000), "dos millones de dólares");
        assert_eq!(money_words(100_000_000_000), "mil millones de dólares");
        assert_eq!(money_words(100_000_100), "un millón un dólares");
        assert_eq!(
            money_words(100_000_001),
            "un millón de dólares con un centavo"
        );
    }

    #[test]
    fn negative_money_says_menos() {
        assert_eq!(money_words(-5), "menos cinco centavos");
        assert_eq!(
            money_words(-2550),
            "menos veinticinco dólares con cincuenta centavos"
        );
    }

    #[test]
    fn money_extremes_do_not_panic() {
        assert!(money_words(i64::MIN).starts_with("menos noventa y dos mil"));
        assert!(money_words(i64::MIN).ends_with("dólares con ocho centavos"));
        assert!(money_words(i64::MAX).ends_with("dólares con siete centavos"));
    }

    #[test]
    fn dates_spell_the_day_before_a_lowercase_month() {
        assert_eq!(date_words(date!(2028 - 12 - 02)), "dos de diciembre");
        assert_eq!(
            date_words(date!(2028 - 12 - 27)),
            "veintisiete de diciembre"
        );
        assert_eq!(date_words(date!(2025 - 05 - 21)), "veintiuno de mayo");
        assert_eq!(date_words(date!(2025 - 01 - 31)), "treinta y uno de enero");
    }

    #[test]
    fn the_first_of_the_month_is_primero() {
        assert_eq!(date_words(date!(2028 - 12 - 01)), "primero de diciembre");
    }

    #[test]
    fn card_expiry_month_and_year() {
        assert_eq!(
            month_year_words(Month::December, 2028),
            "diciembre de dos mil veintiocho"
        );
        assert_eq!(
            month_year_words(Month::September, 2021),
            "septiembre de dos mil veintiuno"
        );
        assert_eq!(month_year_words(Month::January, 2000), "enero de dos mil");
    }

    #[test]
    fn years_extremes_do_not_panic() {
        assert_eq!(year_words(-44), "menos cuarenta y cuatro");
        assert!(year_words(i32::MIN).starts_with("menos dos mil"));
        assert!(year_words(i32::MAX).starts_with("dos mil"));
    }

    #[test]
    fn minutes_singular_and_plural() {
        assert_eq!(minutes_words(15), "quince minutos");
        assert_eq!(minutes_words(1), "un minuto");
        assert_eq!(minutes_words(0), "cero minutos");
        assert_eq!(minutes_words(21), "veintiún minutos");
        assert_eq!(minutes_words(1_000_000), "un millón de minutos");
    }
}
