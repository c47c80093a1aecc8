//! The TwiML family of voice XML: rendering a [`Response`] as the document the provider executes.
//!
//! TwiML, SignalWire's cXML and Telnyx's TeXML are one dialect of XML for our purposes: the same
//! verbs, attributes and defaults. Each provider module of that family answers its webhooks with
//! [`render`]; the strict reader of these documents is [`crate::telephony::twiml_reader`], which
//! the family's simulators use to follow them as the provider would.
//!
//! The document is written with quick-xml's `Writer`, never string concatenation, so text spoken
//! to the caller and URLs carrying query strings are always escaped correctly.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::language::Language;
use crate::voice::{Conference, Dial, Gather, Prompt, Response, Verb};

/// What [`render`] returns if writing ever fails: a valid document that ends the call cleanly.
/// Writing into memory cannot fail today; this keeps a future failure from becoming a panic or
/// an empty body, which the provider would answer with its own "application error" message.
const FALLBACK_DOCUMENT: &str =
    r#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>"#;

/// The SSML prosody rate of a slower pace: clearly slower, still natural.
pub const SLOW_RATE: &str = "slow";

/// Renders `response` as a TwiML document.
///
/// Never fails. Characters that XML 1.0 cannot carry at all (control characters other than tab,
/// line feed and carriage return, and U+FFFE/U+FFFF) are dropped from text and attributes,
/// because the provider rejects a document containing them and the caller would hear an error
/// instead of the prompt.
pub fn render(response: &Response) -> String {
    render_with(response, write_verb)
}

/// Renders `response` as a `<Response>` document whose verbs `write_verb` writes: the TwiML
/// family's, or another XML dialect's (Plivo's). Never fails: see [`render`].
pub(crate) fn render_with(
    response: &Response,
    write_verb: fn(&mut Writer<Vec<u8>>, &Verb) -> io::Result<()>,
) -> String {
    document_or_fallback(write_document(response, Vec::new(), write_verb))
}

/// The answer to a text someone sent: `<Response>` with the `reply` as a `<Message>`, or empty
/// for no reply.
pub fn render_text_reply(reply: Option<&str>) -> String {
    let written = (|| -> io::Result<Vec<u8>> {
        let mut writer = Writer::new(Vec::new());
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("Response")
            .write_inner_content(|writer| {
                if let Some(reply) = reply {
                    writer
                        .create_element("Message")
                        .write_text_content(BytesText::new(reply))?;
                }
                Ok::<_, io::Error>(())
            })?;
        Ok(writer.into_inner())
    })();
    written
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| EMPTY_TEXT_REPLY.to_owned())
}

/// No reply to a text, for when writing one failed.
const EMPTY_TEXT_REPLY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

/// Turns the writer's result into the document, or the fallback if anything went wrong.
fn document_or_fallback(written: io::Result<Vec<u8>>) -> String {
    written
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| FALLBACK_DOCUMENT.to_owned())
}

fn write_document<W: Write>(
    response: &Response,
    sink: W,
    write_verb: fn(&mut Writer<W>, &Verb) -> io::Result<()>,
) -> io::Result<W> {
    let mut writer = Writer::new(sink);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("Response")
        .write_inner_content(|writer| {
            response
                .verbs
                .iter()
                .try_for_each(|verb| write_verb(writer, verb))
        })?;
    Ok(writer.into_inner())
}

/// Writes one verb as the TwiML family writes it; TeXML's writer defers to it for every verb
/// but `<Pay>`.
pub(crate) fn write_verb<W: Write>(writer: &mut Writer<W>, verb: &Verb) -> io::Result<()> {
    match verb {
        Verb::Prompt(prompt) => write_prompt(writer, prompt),
        Verb::Gather(gather) => write_gather(writer, gather),
        Verb::Dial(dial) => write_dial(writer, dial),
        Verb::Conference(conference) => write_conference(writer, conference),
        Verb::Pay(pay) => write_pay(writer, pay),
        // Never asked of a TwiML provider: their recordings are paused through the API.
        Verb::Recording(_) => Ok(()),
        Verb::Redirect { url } => {
            writer
                .create_element("Redirect")
                .with_attribute(("method", "POST"))
                .write_text_content(BytesText::new(&xml_safe(url)))?;
            Ok(())
        }
        Verb::Hangup => {
            writer.create_element("Hangup").write_empty()?;
            Ok(())
        }
    }
}

fn write_prompt<W: Write>(writer: &mut Writer<W>, prompt: &Prompt) -> io::Result<()> {
    write_prompt_as(writer, prompt, PROMPT_ELEMENTS)
}

/// Writes `text` as the content of `element` (a `<Say>`, `<Speak>`, `<SpeakSentence>`): at the
/// slower pace inside SSML `<prosody>`, which the providers' neural and Polly voices slow down
/// for; the text is unchanged, so a voice without SSML still says the same words.
pub(crate) fn write_words<W: Write>(
    element: quick_xml::writer::ElementWriter<'_, W>,
    text: &str,
    slow: bool,
) -> io::Result<()> {
    if slow {
        element.write_inner_content(|writer| {
            writer
                .create_element("prosody")
                .with_attribute(("rate", SLOW_RATE))
                .write_text_content(BytesText::new(&xml_safe(text)))?;
            Ok::<_, io::Error>(())
        })?;
    } else {
        element.write_text_content(BytesText::new(&xml_safe(text)))?;
    }
    Ok(())
}

/// What an XML dialect calls the elements of a prompt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PromptElements {
    /// Words spoken (`Say`; Plivo's `Speak`).
    pub say: &'static str,
    /// Silence with a `length` in seconds (`Pause`; Plivo's `Wait`).
    pub pause: &'static str,
}

/// The TwiML family's.
const PROMPT_ELEMENTS: PromptElements = PromptElements {
    say: "Say",
    pause: "Pause",
};

/// Writes `prompt` with `elements`' names: words with their `language` and `voice` (a slower
/// pace as SSML `<prosody>`), a recording by URL, or a pause.
pub(crate) fn write_prompt_as<W: Write>(
    writer: &mut Writer<W>,
    prompt: &Prompt,
    elements: PromptElements,
) -> io::Result<()> {
    match prompt {
        Prompt::Say {
            text,
            language,
            voice,
            slow,
            ..
        } => {
            let mut say = writer
                .create_element(elements.say)
                .with_attribute(("language", language.locale()));
            if let Some(voice) = voice {
                say = say.with_attribute(("voice", xml_safe(voice).as_ref()));
            }
            write_words(say, text, *slow)?;
        }
        Prompt::Play { url } => {
            writer
                .create_element("Play")
                .write_text_content(BytesText::new(&xml_safe(url)))?;
        }
        Prompt::Pause { seconds } => {
            writer
                .create_element(elements.pause)
                .with_attribute(("length", seconds.to_string().as_str()))
                .write_empty()?;
        }
    }
    Ok(())
}

/// `<Pay>` with our `<Prompt>` for every step, error, try and brand. Cards are charged (a
/// positive `chargeAmount`) through the named connector; the card number is keyed to the
/// provider alone.
fn write_pay<W: Write>(writer: &mut Writer<W>, pay: &crate::voice::Pay) -> io::Result<()> {
    let amount = pay_amount(pay.charge_cents);
    let brands = pay
        .card_brands
        .iter()
        .filter_map(|brand| pay_card_type(*brand))
        .collect::<Vec<_>>()
        .join(" ");
    let mut element = writer
        .create_element("Pay")
        .with_attribute(("input", "dtmf"))
        .with_attribute(("action", xml_safe(&pay.action).as_ref()))
        .with_attribute(("chargeAmount", amount.as_str()))
        .with_attribute(("currency", pay.currency))
        .with_attribute(("description", xml_safe(&pay.description).as_ref()))
        .with_attribute(("language", pay_language(pay.language)))
        .with_attribute(("maxAttempts", pay.max_attempts.to_string().as_str()))
        .with_attribute(("timeout", pay.timeout_seconds.to_string().as_str()))
        .with_attribute(("securityCode", bool_text(pay.security_code)))
        .with_attribute(("postalCode", bool_text(pay.postal_code)))
        .with_attribute(("validCardTypes", brands.as_str()));
    if let Some(callback) = &pay.status_callback {
        element = element
            .with_attribute(("statusCallback", xml_safe(callback).as_ref()))
            .with_attribute(("statusCallbackMethod", "POST"));
    }
    if let Some(connector) = &pay.connector {
        element = element.with_attribute(("paymentConnector", xml_safe(connector).as_ref()));
    }
    element.write_inner_content(|writer| write_pay_prompts(writer, &pay.prompts))?;
    Ok(())
}

/// `chargeAmount` as `<Pay>` takes it: dollars and cents (`25.00`).
pub(crate) fn pay_amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `<Pay>`'s `<Prompt>`s: each with the step it is `for`, its `errorType`, `cardType` and
/// `attempt`s where it has them, and the words inside.
pub(crate) fn write_pay_prompts<'p, W: Write>(
    writer: &mut Writer<W>,
    prompts: impl IntoIterator<Item = &'p crate::voice::PayPrompt>,
) -> io::Result<()> {
    prompts.into_iter().try_for_each(|prompt| {
        let mut element = writer
            .create_element("Prompt")
            .with_attribute(("for", prompt.step.name()));
        if let Some(error) = prompt.error {
            element = element.with_attribute(("errorType", error.name()));
        }
        if let Some(card_type) = prompt.card_brand.and_then(pay_card_type) {
            element = element.with_attribute(("cardType", card_type));
        }
        if !prompt.attempts.is_empty() {
            let attempts = prompt
                .attempts
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            element = element.with_attribute(("attempt", attempts.as_str()));
        }
        element.write_inner_content(|writer| {
            prompt
                .prompts
                .iter()
                .try_for_each(|prompt| write_prompt(writer, prompt))
        })?;
        Ok(())
    })
}

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// A brand as `<Pay>`'s `validCardTypes` and `cardType` name it.
pub fn pay_card_type(brand: crate::payments::CardBrand) -> Option<&'static str> {
    use crate::payments::CardBrand;
    match brand {
        CardBrand::Visa => Some("visa"),
        CardBrand::Mastercard => Some("mastercard"),
        CardBrand::Amex => Some("amex"),
        CardBrand::Discover => Some("discover"),
        CardBrand::Jcb => Some("jcb"),
        CardBrand::Diners => Some("diners-club"),
        CardBrand::Unknown => None,
    }
}

/// `<Pay>`'s own words (our prompts replace them) in the caller's language: Twilio's card
/// languages include `en-US` and `es-MX`, not `es-US`.
pub(crate) fn pay_language(language: Language) -> &'static str {
    match language {
        Language::En => "en-US",
        Language::Es => "es-MX",
    }
}

fn write_gather<W: Write>(writer: &mut Writer<W>, gather: &Gather) -> io::Result<()> {
    let input = if gather.speech.is_some() {
        "dtmf speech"
    } else {
        "dtmf"
    };
    let mut element = writer
        .create_element("Gather")
        .with_attribute(("input", input))
        .with_attribute(("action", xml_safe(&gather.action).as_ref()))
        .with_attribute(("method", "POST"))
        .with_attribute(("timeout", gather.timeout_seconds.to_string().as_str()))
        // The provider otherwise skips the action when nothing was pressed and falls through to the
        // next verb; the flow wants to decide what silence means itself.
        .with_attribute(("actionOnEmptyResult", "true"));
    if let Some(num_digits) = gather.num_digits {
        element = element.with_attribute(("numDigits", num_digits.to_string().as_str()));
    }
    if let Some(listen) = &gather.speech {
        element = element
            .with_attribute(("language", listen.language.locale()))
            .with_attribute((
                "speechTimeout",
                listen.end_after_seconds.to_string().as_str(),
            ));
        if !listen.hints.is_empty() {
            let hints = listen
                .hints
                .iter()
                .map(|hint| xml_safe(hint).replace(',', " "))
                .collect::<Vec<_>>()
                .join(", ");
            element = element.with_attribute(("hints", hints.as_str()));
        }
    }
    // TwiML's default finish key is `#`, so "no finish key" has to be written out as empty.
    let finish_on_key = gather
        .finish_on_key
        .map(|key| xml_safe(&key.to_string()).into_owned())
        .unwrap_or_default();
    element
        .with_attribute(("finishOnKey", finish_on_key.as_str()))
        .write_inner_content(|writer| {
            gather
                .prompts
                .iter()
                .try_for_each(|prompt| write_prompt(writer, prompt))
        })?;
    Ok(())
}

fn write_dial<W: Write>(writer: &mut Writer<W>, dial: &Dial) -> io::Result<()> {
    let mut element = writer
        .create_element("Dial")
        .with_attribute(("timeout", dial.timeout_seconds.to_string().as_str()));
    if let Some(action) = &dial.action {
        element = element.with_attribute(("action", xml_safe(action).as_ref()));
    }
    if let Some(caller_id) = &dial.caller_id {
        element = element.with_attribute(("callerId", xml_safe(caller_id).as_ref()));
    }
    element.write_inner_content(|writer| {
        let mut number = writer.create_element("Number");
        if let Some(whisper_url) = &dial.whisper_url {
            number = number.with_attribute(("url", xml_safe(whisper_url).as_ref()));
        }
        number.write_text_content(BytesText::new(&xml_safe(&dial.number)))?;
        Ok(())
    })?;
    Ok(())
}

fn write_conference<W: Write>(writer: &mut Writer<W>, conference: &Conference) -> io::Result<()> {
    let mut element = writer.create_element("Dial");
    if let Some(action) = &conference.action {
        element = element.with_attribute(("action", xml_safe(action).as_ref()));
    }
    element.write_inner_content(|writer| {
        let mut room = writer.create_element("Conference");
        if let Some(wait_url) = &conference.wait_url {
            room = room
                .with_attribute(("waitUrl", xml_safe(wait_url).as_ref()))
                .with_attribute(("waitMethod", "POST"));
        }
        room.with_attribute((
            "startConferenceOnEnter",
            if conference.start_on_enter {
                "true"
            } else {
                "false"
            },
        ))
        .with_attribute((
            "endConferenceOnExit",
            if conference.end_on_exit {
                "true"
            } else {
                "false"
            },
        ))
        // No beep: a caller coming back from keying in a card is not announced like a stranger.
        .with_attribute(("beep", "false"))
        .write_text_content(BytesText::new(&xml_safe(&conference.name)))?;
        Ok(())
    })?;
    Ok(())
}

/// Drops the characters XML 1.0 forbids even as character references; borrows when there are
/// none, which is nearly always.
pub(crate) fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// XML 1.0's `Char` production (Rust's `char` already excludes surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    // The reader is the renderer's inverse; the tests use it to check what a caller would get.
    use crate::language::Language;
    use crate::telephony::twiml_reader::parse;

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

    #[test]
    fn renders_empty_response() {
        assert_eq!(
            render(&Response::new()),
            format!("{DECL}<Response></Response>")
        );
    }

    #[test]
    fn renders_every_verb() {
        let response = response(vec![
            Verb::Prompt(Prompt::Say {
                text: "Hola".into(),
                language: Language::Es,
                voice: Some("Polly.Lupe".into()),
                slow: false,
                recorded: None,
            }),
            Verb::Prompt(say("Welcome", Language::En)),
            Verb::Prompt(Prompt::Play {
                url: "https://cdn.example.com/hi.mp3".into(),
            }),
            Verb::Prompt(Prompt::Pause { seconds: 2 }),
            Verb::Gather(Gather {
                action: "https://ivr.example.com/pay".into(),
                num_digits: Some(16),
                finish_on_key: Some('#'),
                timeout_seconds: 7,
                prompts: vec![say("Enter your card number", Language::En)],
                speech: None,
            }),
            Verb::Gather(Gather {
                action: "https://ivr.example.com/menu".into(),
                num_digits: None,
                finish_on_key: None,
                timeout_seconds: 5,
                prompts: vec![],
                speech: None,
            }),
            Verb::Dial(Dial {
                number: "+15551234567".into(),
                caller_id: Some("+18005551212".into()),
                whisper_url: Some("https://ivr.example.com/whisper".into()),
                action: Some("https://ivr.example.com/after-dial".into()),
                timeout_seconds: 20,
            }),
            Verb::Dial(Dial {
                number: "+15557654321".into(),
                caller_id: None,
                whisper_url: None,
                action: None,
                timeout_seconds: 30,
            }),
            Verb::Conference(Conference {
                name: "ivrpay-CA1".into(),
                wait_url: Some("https://ivr.example.com/hold?lang=en".into()),
                start_on_enter: false,
                end_on_exit: false,
                action: Some("https://ivr.example.com/after-dial".into()),
            }),
            Verb::Redirect {
                url: "https://ivr.example.com/next".into(),
            },
            Verb::Hangup,
        ]);
        let expected = [
            DECL,
            "<Response>",
            r#"<Say language="es-US" voice="Polly.Lupe">Hola</Say>"#,
            r#"<Say language="en-US">Welcome</Say>"#,
            "<Play>https://cdn.example.com/hi.mp3</Play>",
            r#"<Pause length="2"/>"#,
            r##"<Gather input="dtmf" action="https://ivr.example.com/pay" method="POST" timeout="7" actionOnEmptyResult="true" numDigits="16" finishOnKey="#">"##,
            r#"<Say language="en-US">Enter your card number</Say>"#,
            "</Gather>",
            r#"<Gather input="dtmf" action="https://ivr.example.com/menu" method="POST" timeout="5" actionOnEmptyResult="true" finishOnKey=""></Gather>"#,
            r#"<Dial timeout="20" action="https://ivr.example.com/after-dial" callerId="+18005551212">"#,
            r#"<Number url="https://ivr.example.com/whisper">+15551234567</Number>"#,
            "</Dial>",
            r#"<Dial timeout="30"><Number>+15557654321</Number></Dial>"#,
            r#"<Dial action="https://ivr.example.com/after-dial">"#,
            r#"<Conference waitUrl="https://ivr.example.com/hold?lang=en" waitMethod="POST" startConferenceOnEnter="false" endConferenceOnExit="false" beep="false">ivrpay-CA1</Conference>"#,
            "</Dial>",
            r#"<Redirect method="POST">https://ivr.example.com/next</Redirect>"#,
            "<Hangup/>",
            "</Response>",
        ]
        .concat();
        assert_eq!(render(&response), expected);
    }

    #[test]
    fn escapes_text_and_attributes() {
        let response = response(vec![
            Verb::Prompt(Prompt::Say {
                text: r#"Tom & Jerry's <b>"best"</b>"#.into(),
                language: Language::En,
                voice: Some(r#"a"b<c>&d"#.into()),
                slow: false,
                recorded: None,
            }),
            Verb::Gather(Gather {
                action: "https://x.example/pay?step=1&lang=en".into(),
                num_digits: None,
                finish_on_key: Some('"'),
                timeout_seconds: 5,
                prompts: vec![],
                speech: None,
            }),
            Verb::Redirect {
                url: "https://x.example/a?b=1&c=<2>".into(),
            },
        ]);
        let xml = render(&response);
        assert!(
            xml.contains("Tom &amp; Jerry&apos;s &lt;b&gt;&quot;best&quot;&lt;/b&gt;"),
            "{xml}"
        );
        assert!(xml.contains(r#"voice="a&quot;b&lt;c&gt;&amp;d""#), "{xml}");
        assert!(
            xml.contains(r#"action="https://x.example/pay?step=1&amp;lang=en""#),
            "{xml}"
        );
        assert!(xml.contains(r#"finishOnKey="&quot;""#), "{xml}");
        assert!(
            xml.contains(">https://x.example/a?b=1&amp;c=&lt;2&gt;<"),
            "{xml}"
        );
        assert!(!xml.contains("<b>"), "{xml}");
        assert_eq!(parse(&xml), Ok(response));
    }

    #[test]
    fn drops_characters_xml_cannot_carry() {
        let response = response(vec![Verb::Prompt(Prompt::Say {
            text: "one\u{0}two\u{1b}three\u{FFFF}\tfour\nfive".into(),
            language: Language::En,
            voice: Some("v\u{7}oice".into()),
            slow: false,
            recorded: None,
        })]);
        let xml = render(&response);
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{7}'));
        assert_eq!(
            parse(&xml),
            Ok(self::response(vec![Verb::Prompt(Prompt::Say {
                text: "onetwothree\tfour\nfive".into(),
                language: Language::En,
                voice: Some("voice".into()),
                slow: false,
                recorded: None,
            })]))
        );
    }

    /// A sink that refuses every write, standing in for any failure while writing.
    struct BrokenSink;

    impl Write for BrokenSink {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("refused"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_failure_falls_back_to_a_valid_document() {
        let response = response(vec![Verb::Prompt(say("Hello", Language::En))]);
        let failed = write_document(&response, BrokenSink, write_verb).map(|_| Vec::new());
        assert!(failed.is_err());
        let document = document_or_fallback(failed);
        assert_eq!(document, FALLBACK_DOCUMENT);
        assert_eq!(parse(&document), Ok(self::response(vec![Verb::Hangup])));
        // Output that is somehow not UTF-8 falls back too.
        assert_eq!(
            document_or_fallback(Ok(vec![0xff, 0xfe])),
            FALLBACK_DOCUMENT
        );
    }
}
