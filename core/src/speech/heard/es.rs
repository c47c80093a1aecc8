//! Spanish (Latin American / US) words and conventions for reading what a caller said.
//!
//! Words are matched folded, without accents: "dólares" is "dolares", "veintitrés" is
//! "veintitres".

use super::{Lexicon, Word};

pub(super) const LEXICON: Lexicon = Lexicon {
    word,
    ordinal_suffixes: &["o", "ro", "er", "º"],
    // US Spanish writes "25.50" as often as "25,50".
    decimal_marks: &['.', ','],
    thousands_marks: &['.', ','],
    day_first: true,
    yes: &[
        "si",
        "correcto",
        "asi es",
        "claro",
        "exacto",
        "eso es",
        "esta bien",
        "de acuerdo",
        "afirmativo",
        "por supuesto",
        "aja",
    ],
    no: &[
        "no",
        "incorrecto",
        "negativo",
        "no es correcto",
        "no es asi",
        "no esta bien",
        "no es exacto",
        "claro que no",
        "para nada",
    ],
    neither: &[
        "no se",
        "no lo se",
        "no estoy seguro",
        "no estoy segura",
        "no entiendo",
    ],
};

fn word(word: &str) -> Option<Word> {
    use Word::*;
    Some(match word {
        "cero" => Digit(0),
        // Not "una": it counts feminine nouns ("una cuenta"), never dollars, cents or digits.
        "uno" | "un" => Digit(1),
        "dos" => Digit(2),
        "tres" => Digit(3),
        "cuatro" => Digit(4),
        "cinco" => Digit(5),
        "seis" => Digit(6),
        "siete" => Digit(7),
        "ocho" => Digit(8),
        "nueve" => Digit(9),
        // "diez" takes "y seis" in "diez y seis", which the shared grammar reads.
        "diez" => Compact(10),
        "once" => Compact(11),
        "doce" => Compact(12),
        "trece" => Compact(13),
        "catorce" => Compact(14),
        "quince" => Compact(15),
        "dieciseis" => Compact(16),
        "diecisiete" => Compact(17),
        "dieciocho" => Compact(18),
        "diecinueve" => Compact(19),
        // "veinte y uno" is old but still heard, so veinte is a tens word like treinta.
        "veinte" => Tens(20),
        "veintiuno" | "veintiun" | "veintiuna" => Compact(21),
        "veintidos" => Compact(22),
        "veintitres" => Compact(23),
        "veinticuatro" => Compact(24),
        "veinticinco" => Compact(25),
        "veintiseis" => Compact(26),
        "veintisiete" => Compact(27),
        "veintiocho" => Compact(28),
        "veintinueve" => Compact(29),
        "treinta" => Tens(30),
        "cuarenta" => Tens(40),
        "cincuenta" => Tens(50),
        "sesenta" => Tens(60),
        "setenta" => Tens(70),
        "ochenta" => Tens(80),
        "noventa" => Tens(90),
        "cien" | "ciento" => Hundreds(100),
        "doscientos" | "doscientas" => Hundreds(200),
        "trescientos" | "trescientas" => Hundreds(300),
        "cuatrocientos" | "cuatrocientas" => Hundreds(400),
        "quinientos" | "quinientas" => Hundreds(500),
        "seiscientos" | "seiscientas" => Hundreds(600),
        "setecientos" | "setecientas" => Hundreds(700),
        "ochocientos" | "ochocientas" => Hundreds(800),
        "novecientos" | "novecientas" => Hundreds(900),
        // A recognizer may split "doscientos" as "dos cientos".
        "cientos" | "cientas" => Hundred,
        "mil" => Thousand,
        "millon" | "millones" => Million,
        // The Americas say the first of a month with the ordinal, and no other day.
        "primero" | "primer" => Ordinal(1),
        "doble" => Repeat(2),
        "triple" => Repeat(3),
        "enero" => Month(1),
        "febrero" => Month(2),
        "marzo" => Month(3),
        "abril" => Month(4),
        "mayo" => Month(5),
        "junio" => Month(6),
        "julio" => Month(7),
        "agosto" => Month(8),
        "septiembre" | "setiembre" => Month(9),
        "octubre" => Month(10),
        "noviembre" => Month(11),
        "diciembre" => Month(12),
        // Only dollars: "pesos" and other currencies are not what we collect.
        "dolar" | "dolares" => Dollar,
        "centavo" | "centavos" => Cent,
        "peso" | "pesos" | "euro" | "euros" | "libra" | "libras" => ForeignCurrency,
        "y" => And,
        "con" => With,
        "de" | "del" => Of,
        "el" => The,
        "punto" | "coma" => Point,
        "menos" => Minus,
        "eh" | "ehh" | "em" | "emm" | "mm" | "mmm" | "este" => Hesitation,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::language::Language::Es;
    use crate::speech::heard::{SaidDate, cents, date, digits, number, yes_no};

    fn on(month: u8, day: u8, year: Option<i32>) -> Option<SaidDate> {
        Some(SaidDate { month, day, year })
    }

    #[test]
    fn digitos_uno_por_uno() {
        assert_eq!(
            digits("ocho siete dos siete uno", Es).as_deref(),
            Some("87271")
        );
        assert_eq!(digits("cero cero siete", Es).as_deref(), Some("007"));
        assert_eq!(digits("doble cinco", Es).as_deref(), Some("55"));
        assert_eq!(digits("triple cero uno", Es).as_deref(), Some("0001"));
    }

    #[test]
    fn digitos_en_grupos_y_cifras() {
        assert_eq!(
            digits("ochenta y siete veintisiete", Es).as_deref(),
            Some("8727")
        );
        assert_eq!(
            digits("ochenta y siete veintisiete uno", Es).as_deref(),
            Some("87271")
        );
        assert_eq!(digits("872 7", Es).as_deref(), Some("8727"));
        assert_eq!(digits("diez y seis", Es).as_deref(), Some("16"));
        assert_eq!(digits("ciento cinco", Es).as_deref(), Some("105"));
        // "y" before the last digit of a list, as Spanish lists are said.
        assert_eq!(
            digits("ocho, siete, dos, siete y uno", Es).as_deref(),
            Some("87271")
        );
    }

    #[test]
    fn digitos_entre_otras_palabras() {
        assert_eq!(
            digits("mi número es ocho siete dos siete uno", Es).as_deref(),
            Some("87271")
        );
        assert_eq!(
            digits("mi número de cuenta es el 87271", Es).as_deref(),
            Some("87271")
        );
        assert_eq!(digits("es el este ocho siete", Es).as_deref(), Some("87"));
    }

    #[test]
    fn digitos_rechazados() {
        assert_eq!(digits("", Es), None);
        assert_eq!(digits("no sé", Es), None);
        assert_eq!(digits("ocho siete perro dos", Es), None);
        // "o" is "or" in Spanish, not zero.
        assert_eq!(digits("siete o ocho", Es), None);
        assert_eq!(digits("ocho siete y", Es), None);
    }

    #[test]
    fn numeros() {
        assert_eq!(number("tres", Es), Some(3));
        assert_eq!(number("oprima dos", Es), Some(2));
        assert_eq!(number("opción 4", Es), Some(4));
        assert_eq!(number("veintiuno", Es), Some(21));
        assert_eq!(number("veintiún", Es), Some(21));
        assert_eq!(number("veintidós", Es), Some(22));
        assert_eq!(number("veintitrés", Es), Some(23));
        assert_eq!(number("veintiséis", Es), Some(26));
        assert_eq!(number("dieciséis", Es), Some(16));
        assert_eq!(number("diez y seis", Es), Some(16));
        assert_eq!(number("treinta y uno", Es), Some(31));
        assert_eq!(number("noventa y nueve", Es), Some(99));
        assert_eq!(number("cien", Es), Some(100));
        assert_eq!(number("ciento cinco", Es), Some(105));
        assert_eq!(number("quinientos", Es), Some(500));
        assert_eq!(number("setecientos setenta y siete", Es), Some(777));
        assert_eq!(number("novecientos", Es), Some(900));
        assert_eq!(number("dos cientos", Es), Some(200));
        assert_eq!(number("mil", Es), Some(1000));
        assert_eq!(number("dos mil", Es), Some(2000));
        assert_eq!(number("mil doscientos", Es), Some(1200));
        assert_eq!(number("cien mil", Es), Some(100_000));
        assert_eq!(number("un millón", Es), Some(1_000_000));
        assert_eq!(number("dos millones trescientos mil", Es), Some(2_300_000));
        assert_eq!(number("1.200", Es), Some(1200));
        assert_eq!(number("cero", Es), Some(0));
        assert_eq!(number("tengo una cuenta, opción dos", Es), Some(2));
    }

    #[test]
    fn numeros_rechazados() {
        assert_eq!(number("", Es), None);
        assert_eq!(number("agente", Es), None);
        assert_eq!(number("dos o tres", Es), None);
        assert_eq!(number("tres y cuatro", Es), None);
        assert_eq!(number("menos tres", Es), None);
        assert_eq!(number("2,5", Es), None);
        // A tens word takes a digit after "y", not another tens word: these are two numbers.
        assert_eq!(number("veinte y treinta", Es), None);
    }

    #[test]
    fn dinero_en_palabras() {
        assert_eq!(
            cents("veinticinco dólares con cincuenta centavos", Es),
            Some(2550)
        );
        assert_eq!(
            cents("veinticinco dólares y cincuenta centavos", Es),
            Some(2550)
        );
        assert_eq!(cents("veinticinco con cincuenta", Es), Some(2550));
        assert_eq!(cents("veinticinco dólares cincuenta", Es), Some(2550));
        assert_eq!(cents("veinticinco cincuenta", Es), Some(2550));
        assert_eq!(cents("veinticinco coma cincuenta", Es), Some(2550));
        assert_eq!(cents("veinticinco punto cinco", Es), Some(2550));
        assert_eq!(cents("cien dólares", Es), Some(10_000));
        assert_eq!(cents("mil doscientos", Es), Some(120_000));
        assert_eq!(cents("mil doscientos dólares", Es), Some(120_000));
        assert_eq!(cents("cincuenta centavos", Es), Some(50));
        assert_eq!(cents("un dólar con un centavo", Es), Some(101));
        assert_eq!(cents("veintiún dólares", Es), Some(2100));
        assert_eq!(
            cents(
                "cuatrocientos cuarenta y cinco dólares con treinta y tres centavos",
                Es
            ),
            Some(44_533)
        );
        assert_eq!(cents("un millón de dólares", Es), Some(100_000_000));
        assert_eq!(cents("quiero pagar cien dólares", Es), Some(10_000));
    }

    #[test]
    fn dinero_en_cifras() {
        assert_eq!(cents("25,50", Es), Some(2550));
        assert_eq!(cents("25.50", Es), Some(2550));
        assert_eq!(cents("$25,50", Es), Some(2550));
        assert_eq!(cents("$1.200,50", Es), Some(120_050));
        assert_eq!(cents("$1,200.50", Es), Some(120_050));
        assert_eq!(cents("25 dólares con 50 centavos", Es), Some(2550));
        assert_eq!(cents("25 dólares 50", Es), Some(2550));
    }

    #[test]
    fn dinero_rechazado() {
        assert_eq!(cents("", Es), None);
        assert_eq!(cents("no sé", Es), None);
        // Pesos are not dollars.
        assert_eq!(cents("veinticinco pesos", Es), None);
        assert_eq!(cents("menos veinticinco dólares", Es), None);
        assert_eq!(
            cents("veinticinco dólares con ciento cincuenta centavos", Es),
            None
        );
        assert_eq!(cents("25,5050", Es), None);
        // A comma before three figures groups thousands.
        assert_eq!(cents("25,505", Es), Some(2_550_500));
        assert_eq!(cents("veinticinco cinco", Es), None);
        assert_eq!(cents("veinticinco dólares con", Es), None);
    }

    #[test]
    fn fechas_en_palabras() {
        assert_eq!(
            date("siete de marzo de mil novecientos cincuenta", Es),
            on(3, 7, Some(1950))
        );
        assert_eq!(date("el 5 de diciembre", Es), on(12, 5, None));
        assert_eq!(date("primero de mayo", Es), on(5, 1, None));
        assert_eq!(date("el primero de mayo de 2001", Es), on(5, 1, Some(2001)));
        assert_eq!(date("1ro de mayo", Es), on(5, 1, None));
        assert_eq!(date("uno de mayo", Es), on(5, 1, None));
        assert_eq!(date("treinta y uno de enero", Es), on(1, 31, None));
        assert_eq!(date("veintiuno de junio", Es), on(6, 21, None));
        assert_eq!(
            date("cinco de diciembre del dos mil cinco", Es),
            on(12, 5, Some(2005))
        );
        assert_eq!(
            date("veintinueve de febrero de dos mil veinticuatro", Es),
            on(2, 29, Some(2024))
        );
        assert_eq!(date("siete de setiembre", Es), on(9, 7, None));
        assert_eq!(date("marzo siete", Es), on(3, 7, None));
    }

    #[test]
    fn fechas_entre_otras_palabras_y_en_cifras() {
        assert_eq!(
            date("mi fecha de nacimiento es el siete de marzo de 1950", Es),
            on(3, 7, Some(1950))
        );
        assert_eq!(date("7/3/1950", Es), on(3, 7, Some(1950)));
        assert_eq!(date("7-3-1950", Es), on(3, 7, Some(1950)));
        assert_eq!(date("5/12", Es), on(12, 5, None));
    }

    #[test]
    fn fechas_rechazadas() {
        assert_eq!(date("", Es), None);
        assert_eq!(date("treinta de febrero", Es), None);
        assert_eq!(
            date("veintinueve de febrero de dos mil veintitrés", Es),
            None
        );
        assert_eq!(date("siete de marzo del cincuenta", Es), None);
        assert_eq!(date("siete de", Es), None);
        assert_eq!(date("marzo", Es), None);
        assert_eq!(date("7/13/1950", Es), None);
    }

    #[test]
    fn si_en_sus_formas() {
        for said in [
            "sí",
            "si",
            "Sí, correcto.",
            "correcto",
            "así es",
            "claro",
            "exacto",
            "está bien",
        ] {
            assert_eq!(yes_no(said, Es), Some(true), "{said}");
        }
    }

    #[test]
    fn no_en_sus_formas() {
        for said in [
            "no",
            "No.",
            "incorrecto",
            "no es correcto",
            "no, no es así",
            "claro que no",
        ] {
            assert_eq!(yes_no(said, Es), Some(false), "{said}");
        }
    }

    #[test]
    fn ni_si_ni_no() {
        for said in ["", "no sé", "no estoy seguro", "sí, no", "agente", "yes"] {
            assert_eq!(yes_no(said, Es), None, "{said}");
        }
    }
}
