//! TeXML's `<Pay>`: card capture by Telnyx, through the payment connector set up in its portal.
//!
//! It is not TwiML's `<Pay>` under another name. What TeXML documents
//! (developers.telnyx.com/docs/voice/programmable-voice/texml-verbs/pay, and the Call Control
//! `pay` command's model in Telnyx's SDKs) and this writes:
//! - the payment method and transaction are named (`paymentMethod="credit-card"`,
//!   `transactionType="charge"`), the currency is `USD`, and `method` says how the action is
//!   requested;
//! - a card is always asked for its number, expiry, security code and postal code: there is no
//!   `securityCode`, `postalCode` or `input` attribute, and no `validCardTypes`, so the brand is
//!   the processor's to refuse;
//! - `<Prompt for>` has no `payment-processing` step and `errorType` no `invalid-card-type`:
//!   those of the line's words are not written, and the caller hears nothing while it charges;
//! - the action posts `PayResult` (`success` or `failed`) beside the raw `Result`, whose
//!   `cancelled` is a caller leaving card entry (the line reads it as a star).

use std::io::{self, Write};

use quick_xml::Writer;

use crate::payments::CardBrand;
use crate::telephony::twiml::{self, xml_safe};
use crate::telephony::twiml_reader::{self, Attributes, Element, TwimlError};
use crate::voice::{Pay, PayError, PayPrompt, PayResult, PayStep, Verb};

/// Writes one verb as TeXML does: `<Pay>` its own way, every other verb as TwiML.
pub(super) fn write_verb<W: Write>(writer: &mut Writer<W>, verb: &Verb) -> io::Result<()> {
    match verb {
        Verb::Pay(pay) => write_pay(writer, pay),
        other => twiml::write_verb(writer, other),
    }
}

/// `<Pay>` with only the attributes TeXML documents, and the line's words for the steps and
/// errors it has.
fn write_pay<W: Write>(writer: &mut Writer<W>, pay: &Pay) -> io::Result<()> {
    let amount = twiml::pay_amount(pay.charge_cents);
    let mut element = writer
        .create_element("Pay")
        .with_attribute(("action", xml_safe(&pay.action).as_ref()))
        .with_attribute(("method", "POST"));
    if let Some(callback) = &pay.status_callback {
        element = element
            .with_attribute(("statusCallback", xml_safe(callback).as_ref()))
            .with_attribute(("statusCallbackMethod", "POST"));
    }
    if let Some(connector) = &pay.connector {
        element = element.with_attribute(("paymentConnector", xml_safe(connector).as_ref()));
    }
    element
        .with_attribute(("chargeAmount", amount.as_str()))
        .with_attribute(("currency", "USD"))
        .with_attribute(("paymentMethod", "credit-card"))
        .with_attribute(("transactionType", "charge"))
        .with_attribute(("description", xml_safe(&pay.description).as_ref()))
        .with_attribute(("language", twiml::pay_language(pay.language)))
        .with_attribute((
            "maxAttempts",
            pay.max_attempts.clamp(1, 3).to_string().as_str(),
        ))
        .with_attribute((
            "timeout",
            pay.timeout_seconds.clamp(1, 600).to_string().as_str(),
        ))
        .write_inner_content(|writer| {
            twiml::write_pay_prompts(writer, pay.prompts.iter().filter(|p| said_by_texml(p)))
        })?;
    Ok(())
}

/// Whether TeXML has a place for `prompt`: not the processing step, nor a brand refused before
/// charging (it checks none).
fn said_by_texml(prompt: &PayPrompt) -> bool {
    prompt.step != PayStep::Processing && prompt.error != Some(PayError::InvalidCardType)
}

/// `pay` as TeXML can say it: every field asked for, every brand taken, and only the prompts it
/// has a place for. What reading back a rendered `<Pay>` gives.
pub fn as_texml_says(pay: &Pay) -> Pay {
    Pay {
        security_code: true,
        postal_code: true,
        card_brands: CardBrand::KNOWN.to_vec(),
        max_attempts: pay.max_attempts.clamp(1, 3),
        timeout_seconds: pay.timeout_seconds.clamp(1, 600),
        prompts: pay
            .prompts
            .iter()
            .filter(|p| said_by_texml(p))
            .cloned()
            .collect(),
        ..pay.clone()
    }
}

/// Reads one verb as Telnyx runs it: `<Pay>` with TeXML's attributes only, the rest as TwiML.
pub(super) fn verb_from(element: Element) -> Result<Verb, TwimlError> {
    if element.name == "Pay" {
        return pay_from(element).map(Verb::Pay);
    }
    twiml_reader::verb_from(element)
}

/// `<Pay>` as the line writes it for Telnyx, refusing TwiML's attributes TeXML does not
/// document (Telnyx would ignore them, and the caller would be asked otherwise than meant).
fn pay_from(element: Element) -> Result<Pay, TwimlError> {
    let mut attributes = Attributes::new("Pay", element.attributes);
    let action = attributes.required("action")?;
    attributes.fixed("method", "POST")?;
    let status_callback = attributes.take("statusCallback");
    attributes.fixed("statusCallbackMethod", "POST")?;
    let connector = attributes.take("paymentConnector");
    let charge_cents = twiml_reader::charge_from(&mut attributes)?;
    attributes.fixed("currency", "USD")?;
    attributes.fixed("paymentMethod", "credit-card")?;
    attributes.fixed("transactionType", "charge")?;
    let description = attributes.take("description").unwrap_or_default();
    let language = twiml_reader::pay_language_from(&mut attributes)?;
    let max_attempts = attributes.number("maxAttempts")?.unwrap_or(1);
    let timeout_seconds = attributes.number("timeout")?.unwrap_or(5);
    attributes.finish()?;
    let prompts = twiml_reader::pay_prompts_from(element.children)?;
    if let Some(prompt) = prompts.iter().find(|p| !said_by_texml(p)) {
        let (attribute, value) = match prompt.error {
            Some(error @ PayError::InvalidCardType) => ("errorType", error.name()),
            _ => ("for", prompt.step.name()),
        };
        return Err(TwimlError::InvalidAttribute {
            element: "Prompt",
            attribute,
            value: value.to_owned(),
            expected: "a step or error TeXML's <Pay> has (no payment-processing, no \
                       invalid-card-type)",
        });
    }
    Ok(Pay {
        action,
        status_callback,
        charge_cents,
        currency: "usd",
        description,
        language,
        max_attempts,
        timeout_seconds,
        security_code: true,
        postal_code: true,
        card_brands: CardBrand::KNOWN.to_vec(),
        connector,
        prompts,
    })
}

/// The raw `Result` TeXML posts, as the line names it: its `cancelled` is the caller leaving
/// card entry (nothing charged either way).
fn result_named(name: &str) -> Option<PayResult> {
    match name {
        "cancelled" => Some(PayResult::CallerInterrupted),
        other => PayResult::parse(other),
    }
}

/// The `<Pay>` result Telnyx posts to its action: the raw `Result`, or where it is missing the
/// normalised `PayResult` (a bare `failed` says nothing of why, so it is read as Telnyx
/// failing); then the fields TwiML's result has.
pub(super) fn report(pairs: &[(String, String)]) -> Option<crate::voice::PayReport> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let result = match (field("Result"), field("PayResult")) {
        (Some(raw), _) => result_named(raw)?,
        (None, Some("success")) => PayResult::Success,
        (None, Some("failed")) => PayResult::InternalError,
        (None, _) => return None,
    };
    crate::telephony::twiml_fields::pay_report_as(&field, result)
}

/// The form Telnyx posts for a simulated webhook: TwiML's, with a result named as TeXML names
/// it and its normalised `PayResult` beside it.
pub(super) fn as_posted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut outcome = None;
    for (name, value) in &mut pairs {
        if name == "Result" {
            let result = PayResult::parse(value);
            if matches!(
                result,
                Some(PayResult::CallerInterrupted | PayResult::CallerHungUp)
            ) {
                *value = "cancelled".to_owned();
            }
            outcome = Some(result == Some(PayResult::Success));
        }
    }
    if let Some(succeeded) = outcome {
        let normalised = if succeeded { "success" } else { "failed" };
        pairs.push(("PayResult".to_owned(), normalised.to_owned()));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;
    use crate::voice::{Prompt, Response};

    fn say(text: &str) -> Prompt {
        Prompt::Say {
            text: text.into(),
            language: Language::En,
            voice: None,
            slow: false,
            recorded: None,
        }
    }

    fn pay() -> Pay {
        let prompt = |step, error, attempts: Vec<u32>, card_brand, words: &str| PayPrompt {
            step,
            error,
            attempts,
            card_brand,
            prompts: vec![say(words)],
        };
        Pay {
            action: "https://ivr.example.com/telnyx/pay?turn=7&x=1".into(),
            status_callback: Some("https://ivr.example.com/telnyx/pay-status".into()),
            charge_cents: 2550,
            currency: "usd",
            description: "Payment, account ending 3365".into(),
            language: Language::Es,
            max_attempts: 3,
            timeout_seconds: 7,
            security_code: true,
            postal_code: false,
            card_brands: vec![CardBrand::Visa, CardBrand::Mastercard],
            connector: Some("collections".into()),
            prompts: vec![
                prompt(PayStep::CardNumber, None, vec![1], None, "Card number."),
                prompt(
                    PayStep::CardNumber,
                    Some(PayError::InvalidCardType),
                    vec![],
                    None,
                    "We take Visa and Mastercard.",
                ),
                prompt(
                    PayStep::SecurityCode,
                    Some(PayError::Timeout),
                    vec![2, 3],
                    Some(CardBrand::Amex),
                    "The four digits on the front.",
                ),
                prompt(PayStep::Processing, None, vec![], None, "One moment."),
            ],
        }
    }

    fn render(pay: &Pay) -> String {
        let mut response = Response::new();
        response.push(Verb::Pay(pay.clone()));
        twiml::render_with(&response, write_verb)
    }

    #[test]
    fn pay_is_written_with_texmls_attributes_and_steps_only() {
        let xml = render(&pay());
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\
             <Pay action=\"https://ivr.example.com/telnyx/pay?turn=7&amp;x=1\" method=\"POST\" \
             statusCallback=\"https://ivr.example.com/telnyx/pay-status\" \
             statusCallbackMethod=\"POST\" paymentConnector=\"collections\" \
             chargeAmount=\"25.50\" currency=\"USD\" paymentMethod=\"credit-card\" \
             transactionType=\"charge\" description=\"Payment, account ending 3365\" \
             language=\"es-MX\" maxAttempts=\"3\" timeout=\"7\">\
             <Prompt for=\"payment-card-number\" attempt=\"1\">\
             <Say language=\"en-US\">Card number.</Say></Prompt>\
             <Prompt for=\"security-code\" errorType=\"timeout\" cardType=\"amex\" attempt=\"2 3\">\
             <Say language=\"en-US\">The four digits on the front.</Say></Prompt>\
             </Pay></Response>"
        );
        for twiml_only in ["input=", "securityCode=", "postalCode=", "validCardTypes="] {
            assert!(!xml.contains(twiml_only), "{twiml_only} in {xml}");
        }
    }

    #[test]
    fn pay_reads_back_as_texml_says_it() {
        let pay = pay();
        let read = twiml_reader::parse_with(&render(&pay), verb_from).expect("TeXML");
        assert_eq!(read.verbs, [Verb::Pay(as_texml_says(&pay))]);
    }

    #[test]
    fn twimls_pay_is_refused_as_telnyx_would_run_it_otherwise() {
        let twilio = twiml::render(&Response {
            verbs: vec![Verb::Pay(pay())],
        });
        let err = twiml_reader::parse_with(&twilio, verb_from).expect_err("not TeXML's");
        assert!(err.to_string().contains("Pay"), "{err}");
        let with_processing = render(&pay()).replace(
            "<Prompt for=\"payment-card-number\" attempt=\"1\">",
            "<Prompt for=\"payment-processing\">",
        );
        assert!(twiml_reader::parse_with(&with_processing, verb_from).is_err());
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn the_result_is_read_as_telnyx_names_it() {
        let paid = report(&pairs(&[
            ("PayResult", "success"),
            ("Result", "success"),
            ("PaymentConfirmationCode", "ch_1"),
            ("PaymentCardType", "visa"),
            ("PaymentCardNumber", "************4242"),
        ]))
        .expect("a report");
        assert_eq!(paid.result, PayResult::Success);
        assert_eq!(paid.last4.as_deref(), Some("4242"));
        assert_eq!(paid.confirmation.as_deref(), Some("ch_1"));
        let left = report(&pairs(&[("PayResult", "failed"), ("Result", "cancelled")]));
        assert_eq!(left.map(|r| r.result), Some(PayResult::CallerInterrupted));
        let bare = report(&pairs(&[("PayResult", "failed")]));
        assert_eq!(bare.map(|r| r.result), Some(PayResult::InternalError));
        assert_eq!(report(&pairs(&[("Result", "exploded")])), None);
        assert_eq!(report(&pairs(&[])), None);
    }

    #[test]
    fn a_simulated_result_is_posted_as_telnyx_posts_it() {
        let posted = as_posted(pairs(&[
            ("CallSid", "v3:1"),
            ("Result", "caller-interrupted-with-star"),
        ]));
        assert_eq!(
            posted,
            pairs(&[
                ("CallSid", "v3:1"),
                ("Result", "cancelled"),
                ("PayResult", "failed")
            ])
        );
        assert_eq!(
            report(&posted).map(|r| r.result),
            Some(PayResult::CallerInterrupted)
        );
        let progress = pairs(&[("For", "payment-card-number"), ("Attempt", "1")]);
        assert_eq!(as_posted(progress.clone()), progress);
    }
}
