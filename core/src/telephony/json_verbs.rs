//! What the JSON dialects (jambonz's verbs, Vonage's NCCO) share: the SSML of a slower pace, and
//! reading a verb's properties back strictly, each taken once, whatever is left over refused.

use serde_json::Value;

/// The SSML a slower pace is said with.
const SLOW_OPEN: &str = "<speak><prosody rate=\"slow\">";
const SLOW_CLOSE: &str = "</prosody></speak>";

/// `text` as it is said: as it is, or at the slower pace in SSML.
pub(crate) fn spoken(text: &str, slow: bool) -> String {
    match slow {
        true => format!("{SLOW_OPEN}{}{SLOW_CLOSE}", escape_ssml(text)),
        false => text.to_owned(),
    }
}

/// The words of text [`spoken`] wrote, and whether at the slower pace.
///
/// # Errors
/// SSML it does not write.
pub(crate) fn words_of(text: String) -> Result<(String, bool), String> {
    match text
        .strip_prefix(SLOW_OPEN)
        .and_then(|rest| rest.strip_suffix(SLOW_CLOSE))
    {
        Some(words) => Ok((unescape_ssml(words), true)),
        None if text.starts_with('<') => Err(format!("SSML it does not write: {text}")),
        None => Ok((text, false)),
    }
}

/// Text made safe inside SSML.
fn escape_ssml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn unescape_ssml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A verb's properties, each taken once; what is left over is refused.
pub(crate) struct Properties {
    /// The verb's name.
    pub(crate) name: String,
    map: serde_json::Map<String, Value>,
}

impl Properties {
    /// The properties of `value`, an object named by its `key` property (`verb`, `action`).
    pub(crate) fn of(value: Value, key: &str) -> Result<Properties, String> {
        let Value::Object(mut map) = value else {
            return Err(format!("a {key} that is not an object: {value}"));
        };
        match map.remove(key) {
            Some(Value::String(name)) => Ok(Properties { name, map }),
            other => Err(format!("a {key} without a name: {other:?}")),
        }
    }

    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name)
    }

    pub(crate) fn text(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(format!("{}.{name} is not text: {other}", self.name)),
        }
    }

    pub(crate) fn required_text(&mut self, name: &str) -> Result<String, String> {
        self.text(name)?
            .ok_or_else(|| format!("{} has no {name}", self.name))
    }

    pub(crate) fn number(&mut self, name: &str) -> Result<Option<u32>, String> {
        match self.take(name) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{}.{name} is not a whole number: {value}", self.name)),
        }
    }

    pub(crate) fn flag(&mut self, name: &str) -> Result<Option<bool>, String> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(flag)),
            Some(other) => Err(format!(
                "{}.{name} is not true or false: {other}",
                self.name
            )),
        }
    }

    /// A one-URL list, as Vonage takes its URLs.
    pub(crate) fn url(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Array(urls)) => match urls.as_slice() {
                [Value::String(url)] => Ok(Some(url.clone())),
                _ => Err(format!("{}.{name} is not one URL: {urls:?}", self.name)),
            },
            Some(other) => Err(format!("{}.{name} is not a list: {other}", self.name)),
        }
    }

    /// A property that, if present, must be `expected`.
    pub(crate) fn fixed(&mut self, name: &str, expected: &str) -> Result<(), String> {
        match self.take(name) {
            None => Ok(()),
            Some(value) if value == expected => Ok(()),
            Some(other) => Err(format!("{}.{name} is {other}, not {expected}", self.name)),
        }
    }

    pub(crate) fn finish(self) -> Result<(), String> {
        match self.map.keys().next() {
            Some(name) => Err(format!(
                "{} has a property it does not use: {name}",
                self.name
            )),
            None => Ok(()),
        }
    }
}
