//! The keywords people text back: STOP and its kin opt a number out of texts, START opts it back
//! in, HELP asks who we are. English and Spanish, as carriers and providers recognise them.

/// What a texted keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// No more texts.
    Stop,
    /// Texts again.
    Start,
    /// Who is this, and how to stop.
    Help,
}

const STOP: [&str; 11] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
    "ALTO",
    "PARAR",
    "DETENER",
];
const START: [&str; 6] = ["START", "UNSTOP", "YES", "SUBSCRIBE", "COMENZAR", "INICIAR"];
const HELP: [&str; 3] = ["HELP", "INFO", "AYUDA"];

/// The keyword a text is, if it is one: the whole message, any case, spaces and punctuation
/// around it ignored ("Stop." is STOP; "please stop calling" is not a keyword).
pub fn keyword(body: &str) -> Option<Keyword> {
    let word: String = body
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if STOP.contains(&word.as_str()) {
        Some(Keyword::Stop)
    } else if START.contains(&word.as_str()) {
        Some(Keyword::Start)
    } else if HELP.contains(&word.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// Whether the keyword was Spanish, to answer in Spanish.
pub fn is_spanish(body: &str) -> bool {
    let word = body
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_uppercase();
    ["ALTO", "PARAR", "DETENER", "COMENZAR", "INICIAR", "AYUDA"].contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_in_both_languages_and_any_case() {
        assert_eq!(keyword("stop"), Some(Keyword::Stop));
        assert_eq!(keyword(" Stop. "), Some(Keyword::Stop));
        assert_eq!(keyword("opt-out"), Some(Keyword::Stop));
        assert_eq!(keyword("ALTO"), Some(Keyword::Stop));
        assert_eq!(keyword("Start"), Some(Keyword::Start));
        assert_eq!(keyword("comenzar"), Some(Keyword::Start));
        assert_eq!(keyword("help"), Some(Keyword::Help));
        assert_eq!(keyword("Ayuda"), Some(Keyword::Help));
        assert_eq!(keyword("please stop calling me"), None);
        assert_eq!(keyword(""), None);
        assert!(is_spanish("alto"));
        assert!(!is_spanish("stop"));
    }
}
