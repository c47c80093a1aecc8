//! Reading TwiML back into a [`Response`]: the TwiML family's strict reader, which every one of
//! its simulators ([`crate::telephony::simulator`]) reads the line's answers with.
//!
//! [`parse`] is the inverse of [`crate::telephony::twiml::render`], for the terminal caller, the
//! load tool and the black-box tests, which follow our own TwiML the way a phone call would; it
//! accepts exactly the subset of TwiML that [`Response`] can express and rejects the rest with a
//! [`TwimlError`] rather than silently dropping instructions a real call would follow. The
//! server never reads TwiML; only the caller that plays the provider's part does.
//!
//! It goes through quick-xml's `Reader`, so references, CDATA and comments are read as XML
//! defines them.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::language::Language;
use crate::telephony::twiml::is_xml_char;
use crate::voice::{Conference, Dial, Gather, Prompt, Response, Verb};

/// Twilio's defaults for attributes we always write but that hand-written TwiML may omit. [`parse`]
/// applies them so it reads such a document as Twilio would run it.
const DEFAULT_GATHER_TIMEOUT: u32 = 5;
const DEFAULT_FINISH_ON_KEY: char = '#';
const DEFAULT_DIAL_TIMEOUT: u32 = 30;
const DEFAULT_PAUSE_SECONDS: u32 = 1;

/// Deeper than any TwiML we express (`Response` > `Gather` > `Say` is three); bounds the work a
/// hostile document can cause. The slack lets e.g. SSML inside `<Say>` get a precise error.
const MAX_DEPTH: usize = 8;

/// Why a document could not be read as a [`Response`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwimlError {
    /// Not well-formed XML.
    #[error("malformed XML at byte {position}: {detail}")]
    Malformed {
        /// Byte offset in the input where the problem was found.
        position: u64,
        /// What the XML reader reported.
        detail: String,
    },
    /// The input holds no element at all.
    #[error("the document has no root element")]
    NoRoot,
    /// The root element is not `<Response>`.
    #[error("the root element is <{found}>, expected <Response>")]
    NotResponse {
        /// The root element's name.
        found: String,
    },
    /// An element that is not TwiML, or that [`Response`] cannot express, or in the wrong place.
    #[error("<{element}> is not supported inside <{parent}>")]
    UnsupportedElement {
        /// The offending element.
        element: String,
        /// The element it appeared in.
        parent: String,
    },
    /// Non-whitespace text where only elements belong (e.g. directly inside `<Response>`).
    #[error("unexpected text inside <{element}>")]
    UnexpectedText {
        /// The element holding the text.
        element: &'static str,
    },
    /// An attribute [`Response`] cannot express (e.g. `loop` on `<Say>`).
    #[error("<{element}> has an unsupported attribute `{attribute}`")]
    UnsupportedAttribute {
        /// The element.
        element: &'static str,
        /// The attribute's name.
        attribute: String,
    },
    /// A required attribute is absent.
    #[error("<{element}> is missing the `{attribute}` attribute")]
    MissingAttribute {
        /// The element.
        element: &'static str,
        /// The attribute's name.
        attribute: &'static str,
    },
    /// An attribute's value is not one we can read or express.
    #[error("<{element}> has {attribute}=\"{value}\", expected {expected}")]
    InvalidAttribute {
        /// The element.
        element: &'static str,
        /// The attribute's name.
        attribute: &'static str,
        /// The value found.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A `<Say>` in a language the service does not speak.
    #[error("<Say> has unsupported language \"{value}\" (supported: en-US, es-US)")]
    UnknownLanguage {
        /// The `language` attribute as found.
        value: String,
    },
    /// An element's content is wrong (e.g. `<Play>` without a URL).
    #[error("<{element}> {problem}")]
    InvalidContent {
        /// The element.
        element: &'static str,
        /// What is wrong, as a sentence fragment following the element name.
        problem: &'static str,
    },
}

/// Reads a TwiML document back into a [`Response`].
///
/// Accepts everything [`render`](crate::telephony::twiml::render) produces (`parse(&render(r)) == r` for any `r` whose strings
/// have no characters `render` must drop), plus the variations hand-written TwiML has:
/// indentation between elements, comments, a missing XML declaration, self-closing or
/// empty elements, and omitted attributes, which take Twilio's defaults (`language` en-US,
/// `finishOnKey` `#`, Gather `timeout` 5, Dial `timeout` 30, Pause `length` 1, `method` POST).
///
/// Reading is strict otherwise, so that a test never passes on TwiML a real call would run
/// differently:
/// - a `language` other than English or Spanish is an error ([`TwimlError::UnknownLanguage`]),
///   not a silent fallback to English; any regional variant (`en-GB`, `es-MX`) is accepted;
/// - elements, attributes and attribute values the model cannot express are errors, including a
///   `<Gather>` without `actionOnEmptyResult="true"` and any `method` other than POST;
/// - `<Say>` text is kept exactly (whitespace included), while the URL in `<Play>`/`<Redirect>`
///   and the number in `<Number>` are trimmed, since indentation around them is not part of them.
pub fn parse(xml: &str) -> Result<Response, TwimlError> {
    parse_with(xml, verb_from)
}

/// Reads a `<Response>` document whose verbs `verb_from` reads: the TwiML family's, or another
/// XML dialect's (Plivo's, Bandwidth's), with the same strictness about the rest.
pub(crate) fn parse_with(
    xml: &str,
    verb_from: fn(Element) -> Result<Verb, TwimlError>,
) -> Result<Response, TwimlError> {
    let root = read_tree(xml)?;
    if root.name != "Response" {
        return Err(TwimlError::NotResponse { found: root.name });
    }
    Attributes::new("Response", root.attributes).finish()?;
    let verbs = child_elements("Response", root.children)?
        .into_iter()
        .map(verb_from)
        .collect::<Result<_, _>>()?;
    Ok(Response { verbs })
}

/// An element of the document, with entity references resolved.
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) children: Vec<Node>,
}

pub(crate) enum Node {
    Element(Element),
    /// Adjacent text, references and CDATA, joined.
    Text(String),
}

/// Builds the element tree. quick-xml checks well-formedness event by event; this adds what only
/// the whole document shows (a single root, everything closed) and the depth bound.
pub(crate) fn read_tree(xml: &str) -> Result<Element, TwimlError> {
    // quick-xml lets characters XML forbids outright (NUL, most controls) through; Twilio would
    // reject them, so we do too.
    if let Some(position) = xml.find(|c| !is_xml_char(c)) {
        return Err(TwimlError::Malformed {
            position: position as u64,
            detail: "character not allowed in XML".into(),
        });
    }
    let mut reader = Reader::from_str(xml);
    // Errors from quick-xml's reader carry their own position; for the problems found here, the
    // reader has just passed the offending event, so its current position is the closest.
    let reader_error = |reader: &Reader<&[u8]>, error: quick_xml::Error| TwimlError::Malformed {
        position: reader.error_position(),
        detail: error.to_string(),
    };
    let malformed = |reader: &Reader<&[u8]>, detail: String| TwimlError::Malformed {
        position: reader.buffer_position(),
        detail,
    };
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| reader_error(&reader, error))?;
        match event {
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(malformed(&reader, "elements nested too deeply".into()));
                }
                if open.is_empty() && root.is_some() {
                    return Err(malformed(&reader, "more than one root element".into()));
                }
                open.push(element_from(&start).map_err(|e| malformed(&reader, e.to_string()))?);
            }
            Event::Empty(start) => {
                let element =
                    element_from(&start).map_err(|e| malformed(&reader, e.to_string()))?;
                attach(&mut open, &mut root, element)
                    .map_err(|detail| malformed(&reader, detail.into()))?;
            }
            Event::End(_) => {
                // quick-xml has already matched the end tag to the innermost open element.
                let element = open
                    .pop()
                    .ok_or_else(|| malformed(&reader, "unmatched end tag".into()))?;
                attach(&mut open, &mut root, element)
                    .map_err(|detail| malformed(&reader, detail.into()))?;
            }
            Event::Text(text) => add_text(&mut open, &text.xml10_content())
                .map_err(|detail| malformed(&reader, detail.into()))?,
            Event::CData(cdata) => add_text(&mut open, &cdata.xml10_content())
                .map_err(|detail| malformed(&reader, detail.into()))?,
            Event::GeneralRef(reference) => {
                let resolved =
                    resolve_reference(&reference).map_err(|detail| malformed(&reader, detail))?;
                add_text(&mut open, &resolved)
                    .map_err(|detail| malformed(&reader, detail.into()))?;
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::PI(_) => {
                return Err(malformed(
                    &reader,
                    "processing instructions are not TwiML".into(),
                ));
            }
            Event::DocType(_) => {
                return Err(malformed(&reader, "a DOCTYPE is not TwiML".into()));
            }
            Event::Eof => break,
        }
    }
    if let Some(element) = open.last() {
        let detail = format!("document ends inside <{}>", element.name);
        return Err(malformed(&reader, detail));
    }
    root.ok_or(TwimlError::NoRoot)
}

fn element_from(start: &BytesStart<'_>) -> Result<Element, quick_xml::Error> {
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute?;
        let value = attribute.normalized_value(XmlVersion::Implicit1_0)?;
        attributes.push((attribute.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element {
        name: start.name().as_ref().to_owned(),
        attributes,
        children: Vec::new(),
    })
}

/// Adds a finished element to its parent, or makes it the root.
fn attach(
    open: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
) -> Result<(), &'static str> {
    match open.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None if root.is_some() => return Err("more than one root element"),
        None => *root = Some(element),
    }
    Ok(())
}

fn add_text(open: &mut [Element], text: &str) -> Result<(), &'static str> {
    let Some(parent) = open.last_mut() else {
        // Outside the root only the whitespace around it is allowed.
        return if is_xml_whitespace(text) {
            Ok(())
        } else {
            Err("text outside the root element")
        };
    };
    match parent.children.last_mut() {
        Some(Node::Text(existing)) => existing.push_str(text),
        _ => parent.children.push(Node::Text(text.to_owned())),
    }
    Ok(())
}

/// Resolves `&name;` or `&#N;`; quick-xml hands these over as separate events.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
        Ok(Some(c)) => Err(format!(
            "character reference to forbidden U+{:04X}",
            u32::from(c)
        )),
        Ok(None) => resolve_predefined_entity(reference)
            .map(str::to_owned)
            .ok_or_else(|| format!("unknown entity &{};", &**reference)),
        Err(error) => Err(error.to_string()),
    }
}

pub(crate) fn is_xml_whitespace(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// `element` (a verb or noun) is not one `parent` may hold.
pub(crate) fn unsupported(element: String, parent: &str) -> TwimlError {
    TwimlError::UnsupportedElement {
        element,
        parent: parent.to_owned(),
    }
}

/// An empty `<Hangup/>`, as every XML dialect writes it.
pub(crate) fn hangup_from(element: Element) -> Result<Verb, TwimlError> {
    empty_verb(element, "Hangup", Verb::Hangup)
}

/// `verb`, written as the empty element `name` with no attributes (`<Hangup/>`,
/// `<PauseRecording/>`).
pub(crate) fn empty_verb(
    element: Element,
    name: &'static str,
    verb: Verb,
) -> Result<Verb, TwimlError> {
    Attributes::new(name, element.attributes).finish()?;
    match child_elements(name, element.children)?.into_iter().next() {
        Some(child) => Err(unsupported(child.name, name)),
        None => Ok(verb),
    }
}

/// A recording by URL, in the element a dialect names it (`Play`, Bandwidth's `PlayAudio`).
pub(crate) fn play_from(element: Element, name: &'static str) -> Result<Prompt, TwimlError> {
    Attributes::new(name, element.attributes).finish()?;
    let url = required_text(name, element.children, "needs a URL")?;
    Ok(Prompt::Play { url })
}

/// Silence for the seconds in `length_attribute`, in the element a dialect names it (`Pause`,
/// Plivo's `Wait`; Bandwidth's `duration`); one second when it says none.
pub(crate) fn pause_from(
    element: Element,
    name: &'static str,
    length_attribute: &'static str,
) -> Result<Prompt, TwimlError> {
    let mut attributes = Attributes::new(name, element.attributes);
    let seconds = attributes
        .number(length_attribute)?
        .unwrap_or(DEFAULT_PAUSE_SECONDS);
    attributes.finish()?;
    if !is_xml_whitespace(&text_content(name, element.children)?) {
        return Err(TwimlError::UnexpectedText { element: name });
    }
    Ok(Prompt::Pause { seconds })
}

/// The child elements of an element that holds only elements; whitespace between them is
/// indentation, any other text an error.
pub(crate) fn child_elements(
    parent: &'static str,
    children: Vec<Node>,
) -> Result<Vec<Element>, TwimlError> {
    let mut elements = Vec::with_capacity(children.len());
    for child in children {
        match child {
            Node::Element(element) => elements.push(element),
            Node::Text(text) if is_xml_whitespace(&text) => {}
            Node::Text(_) => return Err(TwimlError::UnexpectedText { element: parent }),
        }
    }
    Ok(elements)
}

/// The text of an element that holds only text (an empty element has the empty string).
pub(crate) fn text_content(
    element: &'static str,
    children: Vec<Node>,
) -> Result<String, TwimlError> {
    let mut content = String::new();
    for child in children {
        match child {
            Node::Text(text) => content.push_str(&text),
            Node::Element(child) => {
                return Err(TwimlError::UnsupportedElement {
                    element: child.name,
                    parent: element.to_owned(),
                });
            }
        }
    }
    Ok(content)
}

/// Trimmed text that must not be empty: a URL or a phone number.
pub(crate) fn required_text(
    element: &'static str,
    children: Vec<Node>,
    problem: &'static str,
) -> Result<String, TwimlError> {
    let text = text_content(element, children)?;
    let trimmed = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if trimmed.is_empty() {
        return Err(TwimlError::InvalidContent { element, problem });
    }
    Ok(trimmed.to_owned())
}

/// An element's attributes, taken one by one so that whatever is left over can be reported.
pub(crate) struct Attributes {
    element: &'static str,
    remaining: Vec<(String, String)>,
}

impl Attributes {
    pub(crate) fn new(element: &'static str, attributes: Vec<(String, String)>) -> Self {
        Self {
            element,
            remaining: attributes,
        }
    }

    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        let index = self.remaining.iter().position(|(key, _)| key == name)?;
        Some(self.remaining.remove(index).1)
    }

    pub(crate) fn required(&mut self, name: &'static str) -> Result<String, TwimlError> {
        self.take(name).ok_or(TwimlError::MissingAttribute {
            element: self.element,
            attribute: name,
        })
    }

    pub(crate) fn number(&mut self, name: &'static str) -> Result<Option<u32>, TwimlError> {
        self.take(name)
            .map(|value| {
                value.parse().map_err(|_| TwimlError::InvalidAttribute {
                    element: self.element,
                    attribute: name,
                    value,
                    expected: "a whole number",
                })
            })
            .transpose()
    }

    /// An attribute that, if present, must have one value (case-insensitively), because the
    /// model has no way to say anything else.
    pub(crate) fn fixed(
        &mut self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<(), TwimlError> {
        match self.take(name) {
            Some(value) if !value.eq_ignore_ascii_case(expected) => {
                Err(TwimlError::InvalidAttribute {
                    element: self.element,
                    attribute: name,
                    value,
                    expected,
                })
            }
            _ => Ok(()),
        }
    }

    /// Fails on the first attribute nobody took.
    pub(crate) fn finish(self) -> Result<(), TwimlError> {
        match self.remaining.into_iter().next() {
            Some((attribute, _)) => Err(TwimlError::UnsupportedAttribute {
                element: self.element,
                attribute,
            }),
            None => Ok(()),
        }
    }
}

/// Reads one verb as the TwiML family writes it; TeXML's reader defers to it for every verb but
/// `<Pay>`.
pub(crate) fn verb_from(element: Element) -> Result<Verb, TwimlError> {
    match element.name.as_str() {
        "Say" | "Play" | "Pause" => prompt_from(element, "Response").map(Verb::Prompt),
        "Gather" => gather_from(element).map(Verb::Gather),
        "Pay" => pay_from(element).map(Verb::Pay),
        "Dial" => dial_from(element),
        "Redirect" => {
            let mut attributes = Attributes::new("Redirect", element.attributes);
            attributes.fixed("method", "POST")?;
            attributes.finish()?;
            let url = required_text("Redirect", element.children, "needs a URL")?;
            Ok(Verb::Redirect { url })
        }
        "Hangup" => hangup_from(element),
        _ => Err(TwimlError::UnsupportedElement {
            element: element.name,
            parent: "Response".into(),
        }),
    }
}

fn prompt_from(element: Element, parent: &'static str) -> Result<Prompt, TwimlError> {
    match element.name.as_str() {
        "Say" => {
            let mut attributes = Attributes::new("Say", element.attributes);
            let language = match attributes.take("language") {
                None => Language::En,
                Some(value) => {
                    Language::parse(&value).ok_or(TwimlError::UnknownLanguage { value })?
                }
            };
            let voice = attributes.take("voice");
            attributes.finish()?;
            let (text, slow) = say_content(element.children)?;
            Ok(Prompt::Say {
                text,
                language,
                voice,
                slow,
                recorded: None,
            })
        }
        "Play" => play_from(element, "Play"),
        "Pause" => pause_from(element, "Pause", "length"),
        _ => Err(TwimlError::UnsupportedElement {
            element: element.name,
            parent: parent.into(),
        }),
    }
}

/// A `<Say>`'s words: plain text, or one `<prosody rate="slow">` holding the text (a slower pace).
pub(crate) fn say_content(children: Vec<Node>) -> Result<(String, bool), TwimlError> {
    let other = children.iter().find_map(|child| match child {
        Node::Element(element) if element.name != "prosody" => Some(element.name.clone()),
        _ => None,
    });
    if let Some(element) = other {
        return Err(TwimlError::UnsupportedElement {
            element,
            parent: "Say".into(),
        });
    }
    if !children
        .iter()
        .any(|child| matches!(child, Node::Element(_)))
    {
        return Ok((text_content("Say", children)?, false));
    }
    let mut elements = child_elements("Say", children)?.into_iter();
    match (elements.next(), elements.next()) {
        (Some(prosody), None) => {
            let mut attributes = Attributes::new("prosody", prosody.attributes);
            attributes.fixed("rate", crate::telephony::twiml::SLOW_RATE)?;
            attributes.finish()?;
            Ok((text_content("prosody", prosody.children)?, true))
        }
        _ => Err(TwimlError::InvalidContent {
            element: "Say",
            problem: "holds one <prosody> at most",
        }),
    }
}

fn gather_from(element: Element) -> Result<Gather, TwimlError> {
    let mut attributes = Attributes::new("Gather", element.attributes);
    let listens = match attributes.take("input") {
        None => false,
        Some(value) if value.eq_ignore_ascii_case("dtmf") => false,
        Some(value) if value.eq_ignore_ascii_case("dtmf speech") => true,
        Some(value) => {
            return Err(TwimlError::InvalidAttribute {
                element: "Gather",
                attribute: "input",
                value,
                expected: "dtmf or \"dtmf speech\"",
            });
        }
    };
    attributes.fixed("method", "POST")?;
    let action = attributes.required("action")?;
    let timeout_seconds = attributes
        .number("timeout")?
        .unwrap_or(DEFAULT_GATHER_TIMEOUT);
    // Without it Twilio skips the action on silence, which the model cannot express.
    match attributes.take("actionOnEmptyResult") {
        Some(value) if value == "true" => {}
        Some(value) => {
            return Err(TwimlError::InvalidAttribute {
                element: "Gather",
                attribute: "actionOnEmptyResult",
                value,
                expected: "true",
            });
        }
        None => {
            return Err(TwimlError::MissingAttribute {
                element: "Gather",
                attribute: "actionOnEmptyResult",
            });
        }
    }
    let num_digits = attributes.number("numDigits")?;
    let finish_on_key = match attributes.take("finishOnKey") {
        None => Some(DEFAULT_FINISH_ON_KEY),
        Some(value) => {
            let mut chars = value.chars();
            match (chars.next(), chars.next()) {
                (None, _) => None,
                (Some(key), None) => Some(key),
                (Some(_), Some(_)) => {
                    return Err(TwimlError::InvalidAttribute {
                        element: "Gather",
                        attribute: "finishOnKey",
                        value,
                        expected: "one key or nothing",
                    });
                }
            }
        }
    };
    let speech = if listens {
        let language = match attributes.take("language") {
            None => Language::En,
            Some(value) => Language::parse(&value).ok_or(TwimlError::UnknownLanguage { value })?,
        };
        let end_after_seconds = attributes
            .number("speechTimeout")?
            .unwrap_or(DEFAULT_GATHER_TIMEOUT);
        let hints = attributes
            .take("hints")
            .map(|hints| {
                hints
                    .split(',')
                    .map(|hint| hint.trim().to_owned())
                    .filter(|hint| !hint.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Some(crate::voice::Listen {
            language,
            hints,
            end_after_seconds,
        })
    } else {
        None
    };
    attributes.finish()?;
    let prompts = child_elements("Gather", element.children)?
        .into_iter()
        .map(|child| prompt_from(child, "Gather"))
        .collect::<Result<_, _>>()?;
    Ok(Gather {
        action,
        num_digits,
        finish_on_key,
        timeout_seconds,
        prompts,
        speech,
    })
}

/// `<Pay>` as the line writes it: a charge (`chargeAmount`) in dollars and cents, every
/// attribute the model has, and `<Prompt>`s holding `<Say>`, `<Play>` and `<Pause>`.
fn pay_from(element: Element) -> Result<crate::voice::Pay, TwimlError> {
    let mut attributes = Attributes::new("Pay", element.attributes);
    attributes.fixed("input", "dtmf")?;
    attributes.fixed("statusCallbackMethod", "POST")?;
    let action = attributes.required("action")?;
    let status_callback = attributes.take("statusCallback");
    let charge_cents = charge_from(&mut attributes)?;
    attributes.fixed("currency", "usd")?;
    let description = attributes.take("description").unwrap_or_default();
    let language = pay_language_from(&mut attributes)?;
    let max_attempts = attributes.number("maxAttempts")?.unwrap_or(1);
    let timeout_seconds = attributes.number("timeout")?.unwrap_or(5);
    let flag = |attributes: &mut Attributes, name: &'static str| match attributes.take(name) {
        None => Ok(true),
        Some(value) if value == "true" => Ok(true),
        Some(value) if value == "false" => Ok(false),
        Some(value) => Err(TwimlError::InvalidAttribute {
            element: "Pay",
            attribute: name,
            value,
            expected: "true or false",
        }),
    };
    let security_code = flag(&mut attributes, "securityCode")?;
    let postal_code = flag(&mut attributes, "postalCode")?;
    let card_brands = attributes
        .take("validCardTypes")
        .map(|types| types.split_whitespace().map(card_brand_named).collect())
        .transpose()?
        .unwrap_or_else(|| {
            vec![
                crate::payments::CardBrand::Visa,
                crate::payments::CardBrand::Mastercard,
                crate::payments::CardBrand::Amex,
            ]
        });
    let connector = attributes.take("paymentConnector");
    attributes.finish()?;
    let prompts = pay_prompts_from(element.children)?;
    Ok(crate::voice::Pay {
        action,
        status_callback,
        charge_cents,
        currency: "usd",
        description,
        language,
        max_attempts,
        timeout_seconds,
        security_code,
        postal_code,
        card_brands,
        connector,
        prompts,
    })
}

/// `<Pay>`'s positive `chargeAmount`, in cents.
pub(crate) fn charge_from(attributes: &mut Attributes) -> Result<i64, TwimlError> {
    let amount = attributes.required("chargeAmount")?;
    crate::payments::Money::parse_decimal(&amount)
        .ok()
        .map(|money| money.cents())
        .filter(|cents| *cents > 0)
        .ok_or(TwimlError::InvalidAttribute {
            element: "Pay",
            attribute: "chargeAmount",
            value: amount,
            expected: "an amount above zero, like 25.50",
        })
}

/// `<Pay>`'s `language`: English unless said; `es-MX` (its Spanish) or any English or Spanish.
pub(crate) fn pay_language_from(attributes: &mut Attributes) -> Result<Language, TwimlError> {
    Ok(match attributes.take("language") {
        None => Language::En,
        Some(value) if value.eq_ignore_ascii_case("es-MX") => Language::Es,
        Some(value) => Language::parse(&value).ok_or(TwimlError::UnknownLanguage { value })?,
    })
}

/// `<Pay>`'s `<Prompt>`s, each holding `<Say>`, `<Play>` and `<Pause>`.
pub(crate) fn pay_prompts_from(
    children: Vec<Node>,
) -> Result<Vec<crate::voice::PayPrompt>, TwimlError> {
    use crate::voice::{PayError, PayPrompt, PayStep};
    let mut prompts = Vec::new();
    for child in child_elements("Pay", children)? {
        if child.name != "Prompt" {
            return Err(TwimlError::UnsupportedElement {
                element: child.name,
                parent: "Pay".into(),
            });
        }
        let mut attributes = Attributes::new("Prompt", child.attributes);
        let step = attributes.required("for")?;
        let step = PayStep::parse(&step).ok_or(TwimlError::InvalidAttribute {
            element: "Prompt",
            attribute: "for",
            value: step,
            expected: "a card step (payment-card-number, expiration-date, security-code, \
                       postal-code, payment-processing)",
        })?;
        let error = match attributes.take("errorType") {
            None => None,
            Some(value) => Some(PayError::parse(&value).ok_or(TwimlError::InvalidAttribute {
                element: "Prompt",
                attribute: "errorType",
                value,
                expected: "one error type the line writes",
            })?),
        };
        let card_brand = attributes
            .take("cardType")
            .map(|value| card_brand_named(&value))
            .transpose()?;
        let attempts = match attributes.take("attempt") {
            None => Vec::new(),
            Some(value) => value
                .split_whitespace()
                .map(|n| {
                    n.parse().map_err(|_| TwimlError::InvalidAttribute {
                        element: "Prompt",
                        attribute: "attempt",
                        value: value.clone(),
                        expected: "tries from 1, like \"2 3\"",
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        attributes.finish()?;
        let said = child_elements("Prompt", child.children)?
            .into_iter()
            .map(|prompt| prompt_from(prompt, "Prompt"))
            .collect::<Result<_, _>>()?;
        prompts.push(PayPrompt {
            step,
            error,
            attempts,
            card_brand,
            prompts: said,
        });
    }
    Ok(prompts)
}

/// A brand as `<Pay>` names it.
pub(crate) fn card_brand_named(name: &str) -> Result<crate::payments::CardBrand, TwimlError> {
    crate::payments::CardBrand::KNOWN
        .into_iter()
        .find(|brand| crate::telephony::twiml::pay_card_type(*brand) == Some(name))
        .ok_or_else(|| TwimlError::InvalidAttribute {
            element: "Pay",
            attribute: "validCardTypes",
            value: name.to_owned(),
            expected: "visa, mastercard, amex, discover, jcb or diners-club",
        })
}

fn dial_from(element: Element) -> Result<Verb, TwimlError> {
    let into_conference = element
        .children
        .iter()
        .any(|child| matches!(child, Node::Element(e) if e.name == "Conference"));
    if into_conference {
        return conference_from(element).map(Verb::Conference);
    }
    let mut attributes = Attributes::new("Dial", element.attributes);
    attributes.fixed("method", "POST")?;
    let timeout_seconds = attributes
        .number("timeout")?
        .unwrap_or(DEFAULT_DIAL_TIMEOUT);
    let action = attributes.take("action");
    let caller_id = attributes.take("callerId");
    attributes.finish()?;

    // Twilio also takes the number as the Dial's own text (`<Dial>+1555...</Dial>`).
    let has_elements = element
        .children
        .iter()
        .any(|child| matches!(child, Node::Element(_)));
    let (number, whisper_url) = if has_elements {
        let mut numbers = child_elements("Dial", element.children)?.into_iter();
        let (Some(number), None) = (numbers.next(), numbers.next()) else {
            return Err(TwimlError::InvalidContent {
                element: "Dial",
                problem: "must contain exactly one <Number>",
            });
        };
        if number.name != "Number" {
            return Err(TwimlError::UnsupportedElement {
                element: number.name,
                parent: "Dial".into(),
            });
        }
        let mut attributes = Attributes::new("Number", number.attributes);
        let whisper_url = attributes.take("url");
        attributes.fixed("method", "POST")?;
        attributes.finish()?;
        let digits = required_text("Number", number.children, "needs a phone number")?;
        (digits, whisper_url)
    } else {
        let digits = required_text("Dial", element.children, "needs a <Number>")?;
        (digits, None)
    };
    Ok(Verb::Dial(Dial {
        number,
        caller_id,
        whisper_url,
        action,
        timeout_seconds,
    }))
}

/// `<Dial><Conference>name</Conference></Dial>`, as [`crate::telephony::twiml`] writes it.
fn conference_from(element: Element) -> Result<Conference, TwimlError> {
    let mut attributes = Attributes::new("Dial", element.attributes);
    attributes.fixed("method", "POST")?;
    let action = attributes.take("action");
    attributes.finish()?;
    let mut rooms = child_elements("Dial", element.children)?.into_iter();
    let (Some(room), None) = (rooms.next(), rooms.next()) else {
        return Err(TwimlError::InvalidContent {
            element: "Dial",
            problem: "must contain exactly one <Conference>",
        });
    };
    let mut attributes = Attributes::new("Conference", room.attributes);
    let wait_url = attributes.take("waitUrl");
    attributes.fixed("waitMethod", "POST")?;
    let flag = |value: Option<String>, default: bool| match value.as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(TwimlError::InvalidContent {
            element: "Conference",
            problem: "startConferenceOnEnter and endConferenceOnExit are true or false",
        }),
    };
    // Twilio's defaults: entering starts the conference, leaving does not end it.
    let start_on_enter = flag(attributes.take("startConferenceOnEnter"), true)?;
    let end_on_exit = flag(attributes.take("endConferenceOnExit"), false)?;
    let _beep = attributes.take("beep");
    attributes.finish()?;
    let name = required_text("Conference", room.children, "needs the conference's name")?;
    Ok(Conference {
        name,
        wait_url,
        start_on_enter,
        end_on_exit,
        action,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn pay_is_read_back_as_written() {
        use crate::payments::CardBrand;
        use crate::voice::{Pay, PayError, PayPrompt, PayStep};
        let say = |text: &str| Prompt::Say {
            text: text.to_owned(),
            language: Language::Es,
            voice: Some("Polly.Lupe".to_owned()),
            slow: false,
            recorded: None,
        };
        let pay = Pay {
            action: "https://ivr.example/twilio/pay?turn=5".to_owned(),
            status_callback: Some("https://ivr.example/twilio/pay-status".to_owned()),
            charge_cents: 2_550,
            currency: "usd",
            description: "Payment, account ending 3365".to_owned(),
            language: Language::Es,
            max_attempts: 3,
            timeout_seconds: 8,
            security_code: true,
            postal_code: false,
            card_brands: vec![CardBrand::Visa, CardBrand::Amex, CardBrand::Diners],
            connector: Some("Stripe_live".to_owned()),
            prompts: vec![
                PayPrompt {
                    step: PayStep::CardNumber,
                    error: None,
                    attempts: vec![1],
                    card_brand: None,
                    prompts: vec![say("Marque el número de su tarjeta.")],
                },
                PayPrompt {
                    step: PayStep::SecurityCode,
                    error: Some(PayError::InvalidSecurityCode),
                    attempts: vec![2, 3],
                    card_brand: Some(CardBrand::Amex),
                    prompts: vec![
                        say("Ese código no es válido."),
                        Prompt::Pause { seconds: 1 },
                    ],
                },
            ],
        };
        let mut response = Response::new();
        response.push(Verb::Pay(pay.clone()));
        let written = crate::telephony::twiml::render(&response);
        assert!(written.contains("chargeAmount=\"25.50\""), "{written}");
        assert!(written.contains("language=\"es-MX\""), "{written}");
        assert!(
            written.contains(
                "<Prompt for=\"security-code\" errorType=\"invalid-security-code\" \
                 cardType=\"amex\" attempt=\"2 3\">"
            ),
            "{written}"
        );
        let read = parse(&written).expect("the provider runs it");
        assert_eq!(read.verbs, [Verb::Pay(pay)]);
    }

    use super::*;
    use crate::telephony::twiml::render;

    const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

    fn say(text: &str, language: Language) -> Prompt {
        Prompt::Say {
            text: text.into(),
            language,
            voice: None,
            slow: false,
            recorded: None,
        }
    }

    fn response(verbs: Vec<Verb>) -> Response {
        Response { verbs }
    }

    // ---- parsing ------------------------------------------------------------------------------

    #[test]
    fn parses_indented_hand_written_twiml() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- main menu -->
<Response>
    <Gather action="https://ivr.example.com/menu" actionOnEmptyResult="true" numDigits="1">
        <Say language="es-MX">Para español, oprima dos.</Say>
        <Pause/>
        <Play>
            https://cdn.example.com/beep.mp3
        </Play>
    </Gather>
    <Say>Goodbye</Say>
    <Dial callerId="+18005551212">
        <Number>
            +15551234567
        </Number>
    </Dial>
    <Dial>+15557654321</Dial>
    <Redirect>https://ivr.example.com/again</Redirect>
    <Hangup></Hangup>
</Response>
"#;
        let expected = response(vec![
            Verb::Gather(Gather {
                action: "https://ivr.example.com/menu".into(),
                num_digits: Some(1),
                finish_on_key: Some('#'),
                timeout_seconds: 5,
                prompts: vec![
                    say("Para español, oprima dos.", Language::Es),
                    Prompt::Pause { seconds: 1 },
                    Prompt::Play {
                        url: "https://cdn.example.com/beep.mp3".into(),
                    },
                ],
                speech: None,
            }),
            Verb::Prompt(say("Goodbye", Language::En)),
            Verb::Dial(Dial {
                number: "+15551234567".into(),
                caller_id: Some("+18005551212".into()),
                whisper_url: None,
                action: None,
                timeout_seconds: 30,
            }),
            Verb::Dial(Dial {
                number: "+15557654321".into(),
                caller_id: None,
                whisper_url: None,
                action: None,
                timeout_seconds: 30,
            }),
            Verb::Redirect {
                url: "https://ivr.example.com/again".into(),
            },
            Verb::Hangup,
        ]);
        assert_eq!(parse(xml), Ok(expected));
    }

    #[test]
    fn parses_without_declaration_and_self_closed() {
        assert_eq!(parse("<Response/>"), Ok(Response::new()));
        assert_eq!(
            parse(r#"<Response><Say language="en-US"/></Response>"#),
            Ok(response(vec![Verb::Prompt(say("", Language::En))]))
        );
    }

    #[test]
    fn resolves_references_and_cdata() {
        let xml =
            "<Response><Say>a &amp; b &#60;&#x3E; &quot;<![CDATA[<raw> & ]]></Say></Response>";
        assert_eq!(
            parse(xml),
            Ok(response(vec![Verb::Prompt(say(
                "a & b <> \"<raw> & ",
                Language::En
            ))]))
        );
    }

    #[test]
    fn unknown_language_is_an_error() {
        assert_eq!(
            parse(r#"<Response><Say language="fr-FR">Bonjour</Say></Response>"#),
            Err(TwimlError::UnknownLanguage {
                value: "fr-FR".into()
            })
        );
        let message = parse(r#"<Response><Say language="">x</Say></Response>"#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("unsupported language"), "{message}");
    }

    #[test]
    fn rejects_malformed_xml() {
        let cases = [
            "",
            "   ",
            "not xml",
            "<Response>",
            "<Response><Say>hi</Response>",
            "<Response></Respons>",
            "</Response>",
            "<Response><Say>a & b</Say></Response>",
            "<Response><Say>&bogus;</Say></Response>",
            "<Response><Say>&#0;</Say></Response>",
            "<Response><Say>&#1;</Say></Response>",
            r#"<Response><Say language="en-US" language="es-US">x</Say></Response>"#,
            r#"<Response><Say language=en-US>x</Say></Response>"#,
            "<Response></Response><Response></Response>",
            "<Response/><Hangup/>",
            "<Response></Response>trailing",
            "leading<Response></Response>",
            "<!DOCTYPE Response><Response></Response>",
            "<?php echo 1 ?><Response></Response>",
            "<Response><Say>\u{0}</Say></Response>",
            "<Response><<Hangup/></Response>",
            "<Response><Hangup/",
        ];
        for xml in cases {
            let result = parse(xml);
            assert!(result.is_err(), "{xml:?} parsed as {result:?}");
        }
        assert_eq!(parse(""), Err(TwimlError::NoRoot));
        assert!(matches!(
            parse("<Response><Say>hi</Response>"),
            Err(TwimlError::Malformed { .. })
        ));
    }

    #[test]
    fn rejects_deep_nesting_without_overflowing() {
        let depth = 100_000;
        let xml = format!(
            "{}{}",
            "<Response>".repeat(depth),
            "</Response>".repeat(depth)
        );
        assert!(matches!(parse(&xml), Err(TwimlError::Malformed { .. })));
    }

    #[test]
    fn rejects_what_the_model_cannot_express() {
        let cases: [(&str, TwimlError); 12] = [
            (
                "<Foo/>",
                TwimlError::NotResponse {
                    found: "Foo".into(),
                },
            ),
            (
                "<Response><Record/></Response>",
                TwimlError::UnsupportedElement {
                    element: "Record".into(),
                    parent: "Response".into(),
                },
            ),
            (
                "<Response>Hello</Response>",
                TwimlError::UnexpectedText {
                    element: "Response",
                },
            ),
            (
                r#"<Response><Say loop="2">x</Say></Response>"#,
                TwimlError::UnsupportedAttribute {
                    element: "Say",
                    attribute: "loop".into(),
                },
            ),
            (
                "<Response><Say>x <break/></Say></Response>",
                TwimlError::UnsupportedElement {
                    element: "break".into(),
                    parent: "Say".into(),
                },
            ),
            (
                r#"<Response><Gather action="a"/></Response>"#,
                TwimlError::MissingAttribute {
                    element: "Gather",
                    attribute: "actionOnEmptyResult",
                },
            ),
            (
                r#"<Response><Gather actionOnEmptyResult="true"/></Response>"#,
                TwimlError::MissingAttribute {
                    element: "Gather",
                    attribute: "action",
                },
            ),
            (
                r#"<Response><Gather action="a" actionOnEmptyResult="true" method="GET"/></Response>"#,
                TwimlError::InvalidAttribute {
                    element: "Gather",
                    attribute: "method",
                    value: "GET".into(),
                    expected: "POST",
                },
            ),
            (
                r#"<Response><Gather action="a" actionOnEmptyResult="true" timeout="-1"/></Response>"#,
                TwimlError::InvalidAttribute {
                    element: "Gather",
                    attribute: "timeout",
                    value: "-1".into(),
                    expected: "a whole number",
                },
            ),
            (
                r##"<Response><Gather action="a" actionOnEmptyResult="true" finishOnKey="#*"/></Response>"##,
                TwimlError::InvalidAttribute {
                    element: "Gather",
                    attribute: "finishOnKey",
                    value: "#*".into(),
                    expected: "one key or nothing",
                },
            ),
            (
                "<Response><Dial><Number>1</Number><Number>2</Number></Dial></Response>",
                TwimlError::InvalidContent {
                    element: "Dial",
                    problem: "must contain exactly one <Number>",
                },
            ),
            (
                "<Response><Play>   </Play></Response>",
                TwimlError::InvalidContent {
                    element: "Play",
                    problem: "needs a URL",
                },
            ),
        ];
        for (xml, expected) in cases {
            assert_eq!(parse(xml), Err(expected), "{xml}");
        }
        let more = [
            "<Response><Gather action=\"a\" actionOnEmptyResult=\"true\"><Hangup/></Gather></Response>",
            "<Response><Gather action=\"a\" actionOnEmptyResult=\"false\"/></Response>",
            "<Response><Gather action=\"a\" actionOnEmptyResult=\"true\" input=\"speech\"/></Response>",
            "<Response><Dial><Sip>sip:a@b</Sip></Dial></Response>",
            "<Response><Dial></Dial></Response>",
            "<Response><Hangup>now</Hangup></Response>",
            "<Response><Pause>x</Pause></Response>",
            "<Response><Redirect method=\"GET\">u</Redirect></Response>",
            "<Response foo=\"1\"/>",
        ];
        for xml in more {
            let result = parse(xml);
            assert!(result.is_err(), "{xml} parsed as {result:?}");
        }
    }

    #[test]
    fn errors_read_well() {
        let error = parse("<Response><Say>hi</Response>").unwrap_err();
        assert!(
            error.to_string().starts_with("malformed XML at byte "),
            "{error}"
        );
        let error = parse(r#"<Response><Gather action="a"/></Response>"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "<Gather> is missing the `actionOnEmptyResult` attribute"
        );
    }

    // ---- round trip -------------------------------------------------------------------------

    /// Property tests: any response we can build renders to TwiML that parses back to it.
    mod round_trip {
        use proptest::prelude::*;

        use super::*;

        /// Numbers that sit at the edges, and any other.
        fn number() -> impl Strategy<Value = u32> {
            prop_oneof![
                proptest::sample::select(vec![0, 1, 5, 16, 30, 59, 600, u32::MAX]),
                any::<u32>(),
            ]
        }

        /// Any text XML can carry: pieces with whitespace at the ends, markup characters and
        /// look-alike markup, and any character XML 1.0 allows.
        fn text() -> impl Strategy<Value = String> {
            const PIECES: &[&str] = &[
                "",
                " ",
                "Hello",
                "Your balance is one hundred dollars.",
                "a < b & c > d",
                r#""double" 'single'"#,
                "line\nbreak",
                "tab\there",
                "cr\r\nlf\r",
                "  padded  ",
                "Oprima dos para español ñ é ü",
                "emoji 🎉 and 中文",
                "]]> <![CDATA[",
                "&amp; &lt; literal",
                "<Say>not a tag</Say>",
                "--> <!-- -->",
            ];
            let xml_char = any::<char>().prop_filter("a character XML 1.0 allows", |c| {
                matches!(*c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
                    || *c >= '\u{10000}'
            });
            proptest::collection::vec(
                prop_oneof![
                    3 => proptest::sample::select(PIECES).prop_map(str::to_owned),
                    1 => xml_char.prop_map(String::from),
                ],
                0..4,
            )
            .prop_map(|pieces| pieces.concat())
        }

        /// A URL or phone number: never empty and never with whitespace at the ends, since those
        /// are trimmed when read.
        fn url() -> impl Strategy<Value = String> {
            proptest::sample::select(vec![
                "https://ivr.example.com/flow/step",
                "https://ivr.example.com/pay?account=12&lang=es",
                "https://ivr.example.com/a b/<c>?d=\"e\"&f='g'",
                "http://localhost:8080/voice#frag",
                "+15551234567",
                "relative/path",
                "x",
            ])
            .prop_map(str::to_owned)
        }

        fn prompt() -> impl Strategy<Value = Prompt> {
            prop_oneof![
                (
                    text(),
                    proptest::sample::select(Language::ALL.to_vec()),
                    proptest::option::of(text()),
                    proptest::bool::ANY
                )
                    .prop_map(|(text, language, voice, slow)| Prompt::Say {
                        text,
                        language,
                        voice,
                        slow,
                        recorded: None,
                    }),
                url().prop_map(|url| Prompt::Play { url }),
                number().prop_map(|seconds| Prompt::Pause { seconds }),
            ]
        }

        fn verb() -> impl Strategy<Value = Verb> {
            let finish_on_key =
                proptest::sample::select(vec!['#', '*', '0', '9', ' ', '&', '"', '<', 'ñ', '\t']);
            prop_oneof![
                prompt().prop_map(Verb::Prompt),
                (
                    text(),
                    proptest::option::of(number()),
                    proptest::option::of(finish_on_key),
                    number(),
                    proptest::collection::vec(prompt(), 0..4),
                    // Hints are phrases of words (a comma separates them in the attribute).
                    proptest::option::of((
                        proptest::sample::select(Language::ALL.to_vec()),
                        proptest::collection::vec("[a-zñ]{1,8}( [a-z]{1,8})?", 0..3),
                        number(),
                    )),
                )
                    .prop_map(
                        |(action, num_digits, finish_on_key, timeout_seconds, prompts, speech)| {
                            Verb::Gather(Gather {
                                action,
                                num_digits,
                                finish_on_key,
                                timeout_seconds,
                                prompts,
                                speech: speech.map(|(language, hints, end_after_seconds)| {
                                    crate::voice::Listen {
                                        language,
                                        hints,
                                        end_after_seconds,
                                    }
                                }),
                            })
                        }
                    ),
                (
                    url(),
                    proptest::option::of(text()),
                    proptest::option::of(text()),
                    proptest::option::of(text()),
                    number(),
                )
                    .prop_map(
                        |(number, caller_id, whisper_url, action, timeout_seconds)| {
                            Verb::Dial(Dial {
                                number,
                                caller_id,
                                whisper_url,
                                action,
                                timeout_seconds,
                            })
                        }
                    ),
                url().prop_map(|url| Verb::Redirect { url }),
                Just(Verb::Hangup),
            ]
        }

        fn any_response() -> impl Strategy<Value = Response> {
            proptest::collection::vec(verb(), 0..6).prop_map(|verbs| Response { verbs })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn round_trips_generated_responses(original in any_response()) {
                let xml = render(&original);
                prop_assert!(xml.starts_with(DECL), "{}", xml);
                prop_assert_eq!(parse(&xml), Ok(original), "{}", xml);
            }
        }
    }

    #[test]
    fn round_trips_edge_cases() {
        let cases = vec![
            Response::new(),
            response(vec![Verb::Hangup]),
            response(vec![Verb::Prompt(say("", Language::Es))]),
            response(vec![Verb::Prompt(say("   ", Language::En))]),
            response(vec![Verb::Prompt(Prompt::Say {
                text: "\n\r\n\t".into(),
                language: Language::En,
                voice: Some(" \t\r\n ".into()),
                slow: false,
                recorded: None,
            })]),
            response(vec![Verb::Gather(Gather {
                action: String::new(),
                num_digits: Some(0),
                finish_on_key: Some(' '),
                timeout_seconds: 0,
                prompts: vec![],
                speech: None,
            })]),
            response(vec![Verb::Dial(Dial {
                number: "+1".into(),
                caller_id: Some(String::new()),
                whisper_url: Some(String::new()),
                action: Some(String::new()),
                timeout_seconds: u32::MAX,
            })]),
        ];
        for original in cases {
            let xml = render(&original);
            assert_eq!(parse(&xml), Ok(original), "{xml}");
        }
    }
}
