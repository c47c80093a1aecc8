//! The fields of a TwiML-family voice webhook that the call flow uses. The first TwiML provider
//! defined them, and the compatible ones (SignalWire cXML, Telnyx TeXML) post the same names.
//!
//! The provider posts `application/x-www-form-urlencoded` forms with dozens of fields (`CallSid`,
//! `AccountSid`, `From`, `To`, `CallStatus`, `Direction`, `Digits`, `CallDuration`, ...). The
//! flow needs only a few, under provider-neutral names, so [`CallbackParams`] picks them out of the
//! already-decoded pairs. Signature validation needs *all* the pairs, so decode the body once,
//! validate with the full list, then build this from it.

use std::fmt;

/// Values longer than this (in characters) are not something a provider sends for these fields, so
/// they are dropped as garbage instead of being carried (and perhaps stored or logged) further.
const MAX_VALUE_CHARS: usize = 256;

/// The webhook fields the call flow reads. Every field is optional: a provider omits fields that do
/// not apply (there is no `Digits` before a `<Gather>`, no `CallDuration` before the call ends),
/// and a malformed or forged request may omit anything.
///
/// `Debug` is written by hand so that `digits` is never printed: callers key card numbers and
/// security codes, and a `{:?}` of this struct in a log line must not leak them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    /// `CallSid`: the provider's identifier of the call.
    pub call_sid: Option<String>,
    /// `From`: the caller's number (E.164), or a name such as `anonymous` for withheld caller ID.
    pub from: Option<String>,
    /// `To`: the number that was called.
    pub to: Option<String>,
    /// `CallStatus`: `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, ...
    pub call_status: Option<String>,
    /// `Digits`: the keys pressed during a `<Gather>`. `None` both when the field is absent and
    /// when it is empty: an empty `Digits` is the provider telling us the caller pressed nothing (we
    /// render `actionOnEmptyResult="true"`), and the flow treats that exactly like no input, so
    /// there is one way to say it. Sensitive: never log it.
    pub digits: Option<String>,
    /// `CallDuration`: seconds, sent in the status callback once the call has ended.
    pub call_duration: Option<String>,
    /// `SpeechResult`: what the caller said at a `<Gather input="dtmf speech">`, as the
    /// provider's recognizer heard it. Sensitive like `digits` (a caller may say anything,
    /// card numbers included): never log it.
    pub speech_result: Option<String>,
    /// `Confidence`: the recognizer's confidence in `speech_result`, 0.0 to 1.0, as sent.
    pub confidence: Option<String>,
}

impl CallbackParams {
    /// Picks the known fields out of decoded form pairs. Never fails: a field that is missing,
    /// empty or longer than 256 characters is `None`. If a field name repeats, the first
    /// occurrence decides, as it does for most form decoders (providers never repeat these).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let field = |name: &str| -> Option<String> {
            let (_, value) = pairs.iter().find(|(key, _)| key == name)?;
            usable(value).then(|| value.clone())
        };
        Self {
            call_sid: field("CallSid"),
            from: field("From"),
            to: field("To"),
            call_status: field("CallStatus"),
            digits: field("Digits"),
            call_duration: field("CallDuration"),
            speech_result: field("SpeechResult"),
            confidence: field("Confidence"),
        }
    }
}

/// A confidence of 0.0 to 1.0, as the provider writes it, in thousandths; `None` when absent or
/// not a number in range (then the answer is taken as heard: the provider did not doubt it).
pub(crate) fn confidence_permille(value: Option<&str>) -> Option<u16> {
    let value = value?.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let whole: u16 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}")[..3].parse().ok()?;
    let permille = whole.checked_mul(1000)?.checked_add(thousandths)?;
    (permille <= 1000).then_some(permille)
}

/// A text message is at most 1,600 characters (ten segments); anything longer is not one.
pub(crate) const MAX_TEXT_CHARS: usize = 1600;

/// The TwiML family's one reader: the neutral fields of any of its webhooks, from the posted
/// form. A text-received webhook carries the text (`Body`) and who sent it; a text-status one the
/// message's id (`MessageSid`) and where it ended up (`MessageStatus`, only the statuses that say
/// so: `queued`, `sending` and the like read as none).
pub fn read(
    event: crate::telephony::Event,
    request: &crate::telephony::Request<'_>,
) -> crate::telephony::Callback {
    use crate::telephony::{Callback, Delivery, Event};
    let pairs = request.form();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match event {
        Event::TextReceived => Callback {
            from: field("From").filter(|from| usable(from)).map(str::to_owned),
            to: field("To").filter(|to| usable(to)).map(str::to_owned),
            text: field("Body")
                .filter(|body| body.chars().nth(MAX_TEXT_CHARS).is_none())
                .map(str::to_owned),
            ..Callback::default()
        },
        Event::TextStatus => Callback {
            message_id: field("MessageSid")
                .filter(|sid| usable(sid))
                .map(str::to_owned),
            delivery: match field("MessageStatus") {
                Some("sent") => Some(Delivery::Sent),
                Some("delivered") => Some(Delivery::Delivered),
                Some("undelivered") => Some(Delivery::Undelivered),
                Some("failed") => Some(Delivery::Failed),
                _ => None,
            },
            ..Callback::default()
        },
        Event::Pay => Callback {
            pay: pay_report(&field),
            ..callback_of(pairs)
        },
        _ => callback_of(pairs),
    }
}

/// The result of `<Pay>` as its action webhook posts it: `Result`, `PaymentConfirmationCode`,
/// `PaymentCardType`, `PaymentCardNumber` (masked: only its last four are kept), and on a
/// failure `PayErrorCode` and `PaymentError`. `None` without a `Result` the line knows.
fn pay_report<'a>(field: &impl Fn(&str) -> Option<&'a str>) -> Option<crate::voice::PayReport> {
    pay_report_as(
        field,
        field("Result").and_then(crate::voice::PayResult::parse)?,
    )
}

/// The rest of a `<Pay>` result, whose `result` its dialect read (TeXML names a star or a
/// hang-up its own way).
pub(crate) fn pay_report_as<'a>(
    field: &impl Fn(&str) -> Option<&'a str>,
    result: crate::voice::PayResult,
) -> Option<crate::voice::PayReport> {
    let owned = |name: &str| field(name).filter(|value| usable(value)).map(str::to_owned);
    // `xxxxxxxxxxxx4242`, `xxxx-xxxxxx-x4001`: the digits at its end are all the line keeps.
    let last4 = field("PaymentCardNumber").and_then(|masked| {
        let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
        let four = digits.get(digits.len().checked_sub(4)?..)?;
        // A whole number posted by mistake is not kept either.
        (digits.len() == 4 || masked.len() > digits.len()).then(|| four.to_owned())
    });
    Some(crate::voice::PayReport {
        result,
        confirmation: owned("PaymentConfirmationCode"),
        card_brand: owned("PaymentCardType"),
        last4,
        error_code: owned("PayErrorCode"),
        error: owned("PaymentError"),
    })
}

/// The neutral fields of a TwiML-family voice webhook.
pub fn callback_of(pairs: &[(String, String)]) -> crate::telephony::Callback {
    let params = CallbackParams::from_pairs(pairs);
    let dial_status = pairs
        .iter()
        .find(|(name, _)| name == "DialCallStatus")
        .map(|(_, value)| value.as_str());
    crate::telephony::Callback {
        call_id: params.call_sid,
        from: params.from,
        to: params.to,
        digits: params.digits,
        confidence_permille: confidence_permille(params.confidence.as_deref()),
        speech: params.speech_result,
        call_ended: matches!(
            params.call_status.as_deref(),
            Some("completed" | "busy" | "failed" | "no-answer" | "canceled")
        ),
        dial_answered: matches!(dial_status, Some("completed" | "answered")),
        unanswered: matches!(
            params.call_status.as_deref(),
            Some("busy" | "failed" | "no-answer" | "canceled")
        ),
        ..crate::telephony::Callback::default()
    }
}

/// The form a TwiML-family provider posts for `webhook`: the call's fields, then what the
/// webhook reports, by the names [`read`] takes them by. The end-of-call status callback also
/// says where it comes from, as the providers' do.
pub fn encode(webhook: &crate::telephony::simulator::Webhook) -> Vec<(String, String)> {
    use crate::telephony::simulator::{CallStatus, DialStatus};
    let status = match webhook.status {
        CallStatus::InProgress => "in-progress",
        CallStatus::Completed => "completed",
        CallStatus::NoAnswer => "no-answer",
        CallStatus::Busy => "busy",
        CallStatus::Failed => "failed",
        CallStatus::Canceled => "canceled",
    };
    let mut params: Vec<(&str, String)> = vec![
        ("AccountSid", "ACivrpaycaller".into()),
        ("CallSid", webhook.call_id.clone()),
        ("From", webhook.from.clone()),
        ("To", webhook.to.clone()),
        ("Direction", "inbound".into()),
        ("CallStatus", status.into()),
    ];
    params.extend(
        webhook
            .duration_seconds
            .map(|seconds| ("CallDuration", seconds.to_string())),
    );
    if webhook.duration_seconds.is_some() {
        params.push(("CallbackSource", "call-progress-events".into()));
    }
    params.extend(webhook.digits.clone().map(|keys| ("Digits", keys)));
    params.extend(webhook.speech.clone().map(|words| ("SpeechResult", words)));
    params.extend(
        webhook
            .confidence
            .clone()
            .map(|value| ("Confidence", value)),
    );
    params.extend(webhook.dial.map(|dial| {
        let status = match dial {
            DialStatus::Answered => "completed",
            DialStatus::NoAnswer => "no-answer",
        };
        ("DialCallStatus", status.to_owned())
    }));
    if let Some(pay) = &webhook.pay {
        let names: [(&str, Option<String>); 10] = [
            ("Result", pay.result.map(|r| r.name().to_owned())),
            ("PaymentConfirmationCode", pay.confirmation.clone()),
            ("PaymentCardType", pay.card_type.clone()),
            ("PaymentCardNumber", pay.masked_card.clone()),
            ("ExpirationDate", pay.expiration.clone()),
            ("PayErrorCode", pay.error_code.clone()),
            ("PaymentError", pay.error.clone()),
            ("For", pay.step.map(|s| s.name().to_owned())),
            ("Attempt", pay.attempt.map(|a| a.to_string())),
            ("ErrorType", pay.error_type.map(|e| e.name().to_owned())),
        ];
        params.extend(
            names
                .into_iter()
                .filter_map(|(name, value)| Some((name, value?))),
        );
        if pay.result.is_some() {
            params.push(("PaymentMethod", "credit-card".into()));
        }
    }
    params
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// A TwiML-family provider's platform as the line meets it: [`encode`]d form posts signed in
/// its header by its scheme, and answers read by the family's strict reader
/// ([`crate::telephony::twiml_reader`]). Each provider of the family declares its own in its
/// folder.
#[derive(Debug)]
pub struct TwimlSimulator {
    /// The provider's name.
    pub name: &'static str,
    /// The headers it signs a webhook with.
    pub sign: fn(&Signing<'_>) -> Vec<(&'static str, String)>,
    /// What it calls its markup, for the message when an answer is not valid.
    pub markup: &'static str,
    /// What its signature covers.
    pub signs: crate::telephony::simulator::Signs,
}

/// What a TwiML-family provider signs a webhook over: some sign the URL and the form's fields
/// (Twilio, SignalWire), others the time and the body as sent (Telnyx).
pub struct Signing<'a> {
    /// The secret or key it signs with.
    pub secret: &'a str,
    /// The URL requested.
    pub url: &'a str,
    /// The form's fields, in the order posted.
    pub params: &'a [(String, String)],
    /// The body as posted.
    pub body: &'a [u8],
    /// Now (UTC ms).
    pub now_ms: i64,
}

impl crate::telephony::simulator::Simulator for TwimlSimulator {
    fn name(&self) -> &'static str {
        self.name
    }

    fn signs(&self) -> crate::telephony::simulator::Signs {
        self.signs
    }

    fn unsigned(
        &self,
        webhook: &crate::telephony::simulator::Webhook,
    ) -> crate::telephony::simulator::SimulatedRequest {
        crate::telephony::simulator::SimulatedRequest {
            content_type: "application/x-www-form-urlencoded",
            headers: Vec::new(),
            body: form_urlencoded::Serializer::new(String::new())
                .extend_pairs(encode(webhook))
                .finish()
                .into_bytes(),
        }
    }

    fn sign_raw(
        &self,
        url: &str,
        body: Vec<u8>,
        secret: &str,
        now_ms: i64,
    ) -> crate::telephony::simulator::SimulatedRequest {
        let params = crate::telephony::sanitize::decode_form(&body);
        let headers = (self.sign)(&Signing {
            secret,
            url,
            params: &params,
            body: &body,
            now_ms,
        });
        crate::telephony::simulator::SimulatedRequest {
            content_type: "application/x-www-form-urlencoded",
            headers,
            body,
        }
    }

    fn read(&self, body: &str) -> Result<crate::voice::Response, String> {
        crate::telephony::twiml_reader::parse(body)
            .map_err(|err| format!("not valid {}: {err}", self.markup))
    }
}

/// Whether a value is worth keeping: not empty and not absurdly long. Counting stops at the
/// limit, so a multi-megabyte value costs no more than a short one.
pub(crate) fn usable(value: &str) -> bool {
    !value.is_empty() && value.chars().nth(MAX_VALUE_CHARS).is_none()
}

/// Stands in for a sensitive value in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("call_sid", &self.call_sid)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("call_status", &self.call_status)
            .field("digits", &self.digits.as_ref().map(|_| Redacted))
            .field("call_duration", &self.call_duration)
            .field(
                "speech_result",
                &self.speech_result.as_ref().map(|_| Redacted),
            )
            .field("confidence", &self.confidence)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pay_result_keeps_only_the_last_four_and_the_connectors_words() {
        let field = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        };
        let report = pay_report(&field(&[
            ("Result", "success"),
            ("PaymentConfirmationCode", "ch_3Mx"),
            ("PaymentCardType", "visa"),
            ("PaymentCardNumber", "xxxxxxxxxxxx4242"),
            ("SecurityCode", "xxx"),
            ("ExpirationDate", "1228"),
        ]))
        .expect("a result");
        assert_eq!(report.result, crate::voice::PayResult::Success);
        assert_eq!(report.confirmation.as_deref(), Some("ch_3Mx"));
        assert_eq!(report.last4.as_deref(), Some("4242"));
        let failed = pay_report(&field(&[
            ("Result", "payment-connector-error"),
            ("PaymentError", "Your card has insufficient funds."),
            ("PayErrorCode", "64020"),
        ]))
        .expect("a result");
        assert_eq!(failed.result, crate::voice::PayResult::ConnectorError);
        assert_eq!(
            failed.error.as_deref(),
            Some("Your card has insufficient funds.")
        );
        // A whole number posted by mistake is not kept, nor a result the line does not know.
        let unmasked = pay_report(&field(&[
            ("Result", "success"),
            ("PaymentCardNumber", "4242424242424242"),
        ]))
        .expect("a result");
        assert_eq!(unmasked.last4, None);
        assert!(pay_report(&field(&[("Result", "maybe")])).is_none());
        assert!(pay_report(&field(&[])).is_none());
    }

    #[test]
    fn confidence_is_read_in_thousandths() {
        assert_eq!(confidence_permille(Some("0.9123")), Some(912));
        assert_eq!(confidence_permille(Some("1")), Some(1000));
        assert_eq!(confidence_permille(Some("1.0")), Some(1000));
        assert_eq!(confidence_permille(Some(".5")), Some(500));
        assert_eq!(confidence_permille(Some("0")), Some(0));
        assert_eq!(confidence_permille(Some("1.5")), None);
        assert_eq!(confidence_permille(Some("-0.2")), None);
        assert_eq!(confidence_permille(Some("high")), None);
        assert_eq!(confidence_permille(Some("0.9e1")), None);
        assert_eq!(confidence_permille(None), None);
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    fn typical() -> Vec<(String, String)> {
        pairs(&[
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("CallSid", "CA0123456789abcdef0123456789abcdef"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("CallStatus", "in-progress"),
            ("Direction", "inbound"),
            ("Digits", "4111111111111111"),
            ("CallDuration", "42"),
            ("SpeechResult", "pay my bill"),
            ("Confidence", "0.92"),
            ("ApiVersion", "2010-04-01"),
        ])
    }

    #[test]
    fn reads_known_fields_and_ignores_the_rest() {
        let params = CallbackParams::from_pairs(&typical());
        assert_eq!(
            params,
            CallbackParams {
                call_sid: Some("CA0123456789abcdef0123456789abcdef".into()),
                from: Some("+14158675309".into()),
                to: Some("+18005551212".into()),
                call_status: Some("in-progress".into()),
                digits: Some("4111111111111111".into()),
                call_duration: Some("42".into()),
                speech_result: Some("pay my bill".into()),
                confidence: Some("0.92".into()),
            }
        );
    }

    #[test]
    fn missing_fields_are_none() {
        assert_eq!(CallbackParams::from_pairs(&[]), CallbackParams::default());
        let params = CallbackParams::from_pairs(&pairs(&[("CallSid", "CA1")]));
        assert_eq!(params.call_sid.as_deref(), Some("CA1"));
        assert_eq!(params.digits, None);
        assert_eq!(params.call_duration, None);
    }

    #[test]
    fn empty_values_are_none_including_digits() {
        let params =
            CallbackParams::from_pairs(&pairs(&[("CallSid", ""), ("From", ""), ("Digits", "")]));
        assert_eq!(params, CallbackParams::default());
    }

    #[test]
    fn overlong_values_are_dropped() {
        let at_limit = "x".repeat(256);
        let over = "x".repeat(257);
        // Multi-byte characters count as one each: 256 of them is still within the limit.
        let wide_at_limit = "é".repeat(256);
        let params = CallbackParams::from_pairs(&pairs(&[
            ("CallSid", &at_limit),
            ("From", &over),
            ("To", &wide_at_limit),
            ("Digits", &"1".repeat(10_000)),
        ]));
        assert_eq!(params.call_sid.as_deref(), Some(at_limit.as_str()));
        assert_eq!(params.from, None);
        assert_eq!(params.to.as_deref(), Some(wide_at_limit.as_str()));
        assert_eq!(params.digits, None);
    }

    #[test]
    fn names_are_case_sensitive_and_first_occurrence_wins() {
        let params = CallbackParams::from_pairs(&pairs(&[
            ("digits", "1"),
            ("Digits", "2"),
            ("Digits", "3"),
        ]));
        assert_eq!(params.digits.as_deref(), Some("2"));
    }

    #[test]
    fn debug_redacts_digits() {
        let params = CallbackParams::from_pairs(&typical());
        let printed = format!("{params:?}");
        assert!(!printed.contains("4111"), "{printed}");
        assert!(printed.contains("digits: Some(<redacted>)"), "{printed}");
        assert!(printed.contains("CA0123456789abcdef"), "{printed}");
        let pretty = format!("{params:#?}");
        assert!(!pretty.contains("4111"), "{pretty}");

        let without = format!("{:?}", CallbackParams::default());
        assert!(without.contains("digits: None"), "{without}");
    }
}
