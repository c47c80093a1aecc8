//! The languages a caller can be served in.
//!
//! Every prompt in a call flow exists in each language the flow declares; this type names them.

use serde::{Deserialize, Serialize};

/// A language the service speaks. Codes are ISO 639-1 (`en`, `es`), as used in call-flow files,
/// account records and the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (United States).
    En,
    /// Spanish (United States / Latin American).
    Es,
}

impl Language {
    /// Every supported language, in menu order.
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    /// Parses an ISO 639-1 code such as `en` or `ES`; also accepts a locale such as `es-MX`.
    pub fn parse(code: &str) -> Option<Language> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Language::En),
            "es" => Some(Language::Es),
            _ => None,
        }
    }

    /// The ISO 639-1 code (`en`, `es`).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    /// The locale text-to-speech engines expect for this language.
    pub fn locale(self) -> &'static str {
        match self {
            Language::En => "en-US",
            Language::Es => "es-US",
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_locales() {
        assert_eq!(Language::parse("en"), Some(Language::En));
        assert_eq!(Language::parse("ES"), Some(Language::Es));
        assert_eq!(Language::parse("es-MX"), Some(Language::Es));
        assert_eq!(Language::parse("fr"), None);
        assert_eq!(Language::parse(""), None);
    }
}
