//! Which text-to-speech voices Twilio documents for which language, so `ivrpay flows check` can
//! warn before a caller hears a voice that cannot speak their language.
//!
//! Sources: Twilio's `<Say>` reference (`man` and `woman` speak only `en`, `en-gb`, `es`, `fr`
//! and `de`; an invalid voice and language pair may fail the `<Say>`), its text-to-speech voice
//! list (Amazon Polly voices as `Polly.<Name>`, `-Neural` for the neural model; Google voices
//! named by locale), and Amazon Polly's list of voices by language. Only pairs known to be wrong
//! are reported; a voice missing from this table is assumed to be the operator's informed choice.

use crate::language::Language;

/// Amazon Polly voices by the locale they speak.
const POLLY: [(&str, &[&str]); 6] = [
    (
        "en-US",
        &[
            "Danielle", "Gregory", "Ivy", "Joanna", "Joey", "Justin", "Kendra", "Kevin",
            "Kimberly", "Matthew", "Ruth", "Salli", "Stephen",
        ],
    ),
    ("en-GB", &["Amy", "Arthur", "Brian", "Emma"]),
    ("es-US", &["Lupe", "Miguel", "Pedro", "Penelope"]),
    ("es-MX", &["Andres", "Mia"]),
    ("es-ES", &["Conchita", "Enrique", "Lucia", "Sergio"]),
    ("fr-FR", &["Celine", "Lea", "Mathieu", "Remi"]),
];

/// The locale Twilio documents a voice for, when this table knows the voice.
fn documented_locale(voice: &str) -> Option<&'static str> {
    let name = voice.strip_prefix("Polly.")?;
    let name = name.strip_suffix("-Neural").unwrap_or(name);
    POLLY
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(locale, _)| *locale)
}

/// A warning when `voice` is known not to speak `language` as rendered (its locale), or `None`.
pub fn voice_warning(voice: &str, language: Language) -> Option<String> {
    let locale = language.locale();
    let primary = language.code();
    match voice {
        // The basic voices list languages, not locales, and es-US is not among them.
        "man" | "woman" | "alice" => (language != Language::En).then(|| {
            format!(
                "voice \"{voice}\" is not documented for {locale}; choose a Polly voice such as \
                 \"{}\"",
                suggestion(language)
            )
        }),
        _ => {
            let documented = match voice.strip_prefix("Google.") {
                // Google voices carry their locale: Google.es-US-Neural2-A.
                Some(rest) => rest.get(..5).map(ToOwned::to_owned),
                None => documented_locale(voice).map(ToOwned::to_owned),
            }?;
            if documented.eq_ignore_ascii_case(locale) {
                return None;
            }
            let same_language = documented
                .split('-')
                .next()
                .is_some_and(|code| code.eq_ignore_ascii_case(primary));
            Some(if same_language {
                format!(
                    "voice \"{voice}\" speaks {documented}, not {locale}: callers hear another \
                     accent; \"{}\" speaks {locale}",
                    suggestion(language)
                )
            } else {
                format!(
                    "voice \"{voice}\" speaks {documented}, not {locale}; use e.g. \"{}\"",
                    suggestion(language)
                )
            })
        }
    }
}

/// A warning for a language with no voice chosen: Twilio then uses the account's default voice,
/// which is `man` unless changed in the console, and `man` does not list every language.
pub fn missing_voice_warning(language: Language) -> Option<String> {
    (language != Language::En).then(|| {
        format!(
            "no voice is chosen for {}; Twilio's default voice is not documented for {}; add it to \
             voices, e.g. {} = \"{}\"",
            language.code(),
            language.locale(),
            language.code(),
            suggestion(language)
        )
    })
}

/// A voice documented for the language's locale.
fn suggestion(language: Language) -> &'static str {
    match language {
        Language::En => "Polly.Joanna",
        Language::Es => "Polly.Lupe",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_pairs_pass() {
        assert_eq!(voice_warning("Polly.Joanna", Language::En), None);
        assert_eq!(voice_warning("Polly.Lupe-Neural", Language::Es), None);
        assert_eq!(voice_warning("Google.es-US-Neural2-A", Language::Es), None);
        assert_eq!(voice_warning("man", Language::En), None);
        assert_eq!(voice_warning("Polly.Someone-New", Language::Es), None);
    }

    #[test]
    fn known_unsupported_pairs_are_named() {
        let warning = voice_warning("Polly.Joanna", Language::Es).expect("English voice");
        assert!(warning.contains("speaks en-US, not es-US"), "{warning}");
        let warning = voice_warning("man", Language::Es).expect("basic voice");
        assert!(warning.contains("not documented for es-US"), "{warning}");
        let warning = voice_warning("Polly.Lucia", Language::Es).expect("Spain's Spanish");
        assert!(warning.contains("another accent"), "{warning}");
        assert!(missing_voice_warning(Language::Es).is_some());
    }
}
