//! Message templates: `call-flows/messages.toml`, which operations edit. Each kind of message
//! has an SMS text, an email subject, an email text and (optionally) an email HTML body, in every
//! language the flows speak. Loading checks every template at once and reports each problem as
//! `file:line: message`; the server does not start on a file with problems.
//!
//! A template can only name the variables its kind offers, and none of them is a card number, a
//! security code, a PIN or a full account number (the account is named by its last four), so
//! no message can carry them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Problem, Problems};
use crate::language::Language;
use crate::named::named_enum;

/// The file's name, beside the flows.
pub const FILE_NAME: &str = "messages.toml";

named_enum! {
    /// A kind of message.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Kind {
        /// A payment was approved.
        Receipt = "receipt",
        /// A plan (or a settlement in payments) was set up: its schedule.
        PlanSchedule = "plan_schedule",
        /// An installment falls due soon.
        InstallmentReminder = "installment_reminder",
        /// An installment was declined.
        InstallmentFailed = "installment_failed",
        /// A promise to pay was made.
        PromiseMade = "promise_made",
        /// A promised date is near.
        PromiseReminder = "promise_reminder",
        /// A promised date passed without the payment.
        PromiseBroken = "promise_broken",
        /// A bank debit authorised by phone: the written notice of its authorisation, sent
        /// before it settles (NACHA TEL).
        DebitAuthorized = "debit_authorized",
        /// A bank debit failed or came back: the balance is open again.
        DebitFailed = "debit_failed",
        /// AutoPay was turned on: the written copy of what the caller agreed to.
        AutopayEnrolled = "autopay_enrolled",
        /// An AutoPay payment falls due soon.
        AutopayReminder = "autopay_reminder",
        /// An AutoPay payment was declined.
        AutopayFailed = "autopay_failed",
        /// AutoPay was turned off.
        AutopayStopped = "autopay_stopped",
        /// A pay link: the account's page, to pay or arrange on a phone's browser.
        PayLink = "pay_link",
    }
}

impl Kind {
    /// The variables its templates may use, besides [`COMMON`].
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Kind::Receipt => &["amount", "fee", "total", "card", "confirmation", "date"],
            Kind::PlanSchedule => &["schedule", "plan_total", "card", "authorized_on"],
            Kind::InstallmentReminder
            | Kind::InstallmentFailed
            | Kind::AutopayReminder
            | Kind::AutopayFailed => &["installment_amount", "due_date", "card", "pay_link"],
            Kind::AutopayEnrolled => &[
                "name",
                "autopay_amount",
                "card",
                "first_due_date",
                "authorized_on",
            ],
            Kind::AutopayStopped => &["card"],
            Kind::PayLink => &["pay_link", "link_expires"],
            Kind::PromiseMade => &["promise_amount", "promise_date"],
            Kind::PromiseReminder | Kind::PromiseBroken => {
                &["promise_amount", "promise_date", "pay_link"]
            }
            Kind::DebitAuthorized => &[
                "name",
                "amount",
                "account",
                "debit_date",
                "authorized_on",
                "confirmation",
            ],
            Kind::DebitFailed => &["amount", "account", "debit_date", "reason", "balance"],
        }
    }
}

/// Variables every template may use.
pub const COMMON: [&str; 4] = ["first_name", "account_last4", "company", "company_phone"];

/// One kind's templates, per language.
#[derive(Debug, Clone)]
pub struct KindTemplates {
    sms: BTreeMap<Language, String>,
    subject: BTreeMap<Language, String>,
    text: BTreeMap<Language, String>,
    html: BTreeMap<Language, String>,
}

/// Every template, checked.
#[derive(Debug, Clone)]
pub struct Templates {
    company: String,
    company_phone: String,
    kinds: BTreeMap<Kind, KindTemplates>,
}

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The email subject.
    pub subject: String,
    /// The SMS, or the email's plain text.
    pub text: String,
    /// The email's HTML.
    pub html: String,
}

impl Templates {
    /// The company the messages are from.
    pub fn company(&self) -> &str {
        &self.company
    }

    /// The number people call for help.
    pub fn company_phone(&self) -> &str {
        &self.company_phone
    }

    /// Whether any of `kind`'s templates, in any language, names `{variable}`.
    pub fn mentions(&self, kind: Kind, variable: &str) -> bool {
        let needle = format!("{{{variable}}}");
        self.kinds.get(&kind).is_some_and(|t| {
            [&t.sms, &t.subject, &t.text, &t.html]
                .into_iter()
                .flat_map(|texts| texts.values())
                .any(|text| text.contains(&needle))
        })
    }

    /// The SMS for `kind` in `language`, with `values` filled in.
    pub fn sms(&self, kind: Kind, language: Language, values: &Values) -> String {
        self.kinds
            .get(&kind)
            .and_then(|t| t.sms.get(&language))
            .map(|t| self.fill(t, values, false))
            .unwrap_or_default()
    }

    /// The email for `kind` in `language`, with `values` filled in (HTML-escaped in the HTML).
    pub fn email(&self, kind: Kind, language: Language, values: &Values) -> Rendered {
        let Some(templates) = self.kinds.get(&kind) else {
            return Rendered {
                subject: String::new(),
                text: String::new(),
                html: String::new(),
            };
        };
        let pick = |map: &BTreeMap<Language, String>| map.get(&language).cloned();
        let text = pick(&templates.text)
            .map(|t| self.fill(&t, values, false))
            .unwrap_or_default();
        let html = match pick(&templates.html) {
            Some(t) => self.fill(&t, values, true),
            None => html_of(&text),
        };
        Rendered {
            subject: pick(&templates.subject)
                .map(|t| self.fill(&t, values, false))
                .unwrap_or_default(),
            text,
            html,
        }
    }

    fn fill(&self, template: &str, values: &Values, html: bool) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = &rest[open + 1..open + close];
            let value = match name {
                "company" => self.company.clone(),
                "company_phone" => self.company_phone.clone(),
                _ => values.0.get(name).cloned().unwrap_or_default(),
            };
            if html {
                out.push_str(&escape_html(&value));
            } else {
                out.push_str(&value);
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The values a message is filled with, by variable name.
#[derive(Debug, Clone, Default)]
pub struct Values(pub BTreeMap<&'static str, String>);

impl Values {
    /// Sets a value.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.0.insert(name, value.into());
        self
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain email as simple HTML: paragraphs at blank lines, breaks at single ones.
fn html_of(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", escape_html(p.trim()).replace('\n', "<br>")))
        .collect();
    format!("<html><body>{}</body></html>", paragraphs.join(""))
}

/// Money for reading: `$1,234.56`.
pub fn money_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// A date for reading: "December 2, 2026" / "2 de diciembre de 2026".
pub fn date_text(date: time::Date, language: Language) -> String {
    let month = crate::speech::month_name(date.month(), language);
    match language {
        Language::En => format!("{month} {}, {}", date.day(), date.year()),
        Language::Es => format!("{} de {month} de {}", date.day(), date.year()),
    }
}

// --- Loading -------------------------------------------------------------------------------------

type SpannedTexts = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sender: Spanned<RawSender>,
    templates: BTreeMap<Spanned<String>, Spanned<RawKind>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSender {
    company: String,
    phone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    sms: Spanned<SpannedTexts>,
    subject: Spanned<SpannedTexts>,
    text: Spanned<SpannedTexts>,
    html: Option<Spanned<SpannedTexts>>,
}

/// Loads `messages.toml` from the flows directory.
///
/// # Errors
/// Every problem found, each with its file and line.
pub fn load_dir(dir: &Path, languages: &[Language]) -> Result<Templates, Vec<Problem>> {
    let path = dir.join(FILE_NAME);
    let source = std::fs::read_to_string(&path).map_err(|err| {
        vec![Problem::unreadable(&path, &err, || {
            format!(
                "there is no {FILE_NAME} beside the flows; it holds the texts of receipts and \
                 reminders (see docs/payments.md, \"Messages after the call\")"
            )
        })]
    })?;
    parse(&path, &source, languages)
}

/// Parses and checks template text.
///
/// # Errors
/// Every problem found.
pub fn parse(path: &Path, source: &str, languages: &[Language]) -> Result<Templates, Vec<Problem>> {
    let raw: RawFile = toml::from_str(source)
        .map_err(|err| vec![crate::diagnostics::toml_problem(path, source, &err)])?;
    let mut found = Problems::new(path, source);
    let mut kinds = BTreeMap::new();
    for (name, raw_kind) in &raw.templates {
        let Some(kind) = Kind::parse(name.as_ref()) else {
            found.on_line(
                found.line(name.span().start),
                format!(
                    "[templates.{}] is not a kind of message; the kinds are {}",
                    name.as_ref(),
                    Kind::NAMES.join(", ")
                ),
            );
            continue;
        };
        let mut texts = |field: &str, raw: &Spanned<SpannedTexts>| {
            let mut map = BTreeMap::new();
            for (code, text) in raw.as_ref() {
                let line = found.line(text.span().start);
                match Language::parse(code.as_ref()) {
                    Some(lang) if languages.contains(&lang) => {
                        for name in variables_in(text.as_ref()) {
                            if !COMMON.contains(&name.as_str())
                                && !kind.variables().contains(&name.as_str())
                            {
                                let allowed = || COMMON.iter().chain(kind.variables()).copied();
                                let did_you_mean = crate::diagnostics::nearest(&name, allowed())
                                    .map(|near| format!(" (did you mean {{{near}}}?)"))
                                    .unwrap_or_default();
                                found.on_line(
                                    line,
                                    format!(
                                        "{{{name}}} is not a variable of {} messages{did_you_mean}; \
                                         they can use {}",
                                        kind.name(),
                                        allowed()
                                            .map(|v| format!("{{{v}}}"))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    ),
                                );
                            }
                        }
                        map.insert(lang, text.as_ref().clone());
                    }
                    _ => found.on_line(
                        found.line(code.span().start),
                        format!("\"{}\" is not one of the flows' languages", code.as_ref()),
                    ),
                }
            }
            let missing: Vec<&str> = languages
                .iter()
                .filter(|l| !map.contains_key(l))
                .map(|l| l.code())
                .collect();
            if !missing.is_empty() {
                found.on_line(
                    found.line(raw.span().start),
                    format!(
                        "{}.{field} has no text in {}; {}",
                        kind.name(),
                        missing.join(", "),
                        crate::diagnostics::add_texts_hint(&format!("{field}."), &missing)
                    ),
                );
            }
            map
        };
        let k = raw_kind.as_ref();
        let sms = texts("sms", &k.sms);
        let subject = texts("subject", &k.subject);
        let text = texts("text", &k.text);
        let html = k
            .html
            .as_ref()
            .map(|h| texts("html", h))
            .unwrap_or_default();
        for (lang, sms_text) in &sms {
            if !sms_text.to_ascii_uppercase().contains("STOP") {
                found.on_line(
                    found.line(k.sms.span().start),
                    format!(
                        "{}.sms.{} must tell people how to stop texts (e.g. \"Reply STOP to opt out.\")",
                        kind.name(),
                        lang.code()
                    ),
                );
            }
        }
        kinds.insert(
            kind,
            KindTemplates {
                sms,
                subject,
                text,
                html,
            },
        );
    }
    for (name, kind) in Kind::ALL {
        if !kinds.contains_key(&kind) && !raw.templates.keys().any(|k| k.as_ref() == name) {
            found.on_line(
                found.line(raw.sender.span().start),
                format!(
                    "there are no {name} templates; add [templates.{name}] with sms, subject and text"
                ),
            );
        }
    }
    let sender = raw.sender.into_inner();
    found.or(Templates {
        company: sender.company,
        company_phone: sender.phone,
        kinds,
    })
}

/// The `{names}` in a template.
fn variables_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            names.push(rest[open + 1..].to_owned());
            break;
        };
        names.push(rest[open + 1..open + close].trim().to_owned());
        rest = &rest[open + close + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn shipped() -> Templates {
        parse(
            Path::new("call-flows/messages.toml"),
            include_str!("../../../call-flows/messages.toml"),
            &Language::ALL,
        )
        .expect("the shipped templates load")
    }

    #[test]
    fn receipts_are_filled_in_and_the_html_is_escaped() {
        let templates = shipped();
        let mut values = Values::default();
        values
            .set("first_name", "Linda <3")
            .set("account_last4", "3365")
            .set("amount", money_text(44533))
            .set("fee", money_text(0))
            .set("total", money_text(44533))
            .set("card", "Visa ending in 4242")
            .set("confirmation", "1234567890")
            .set("date", date_text(date!(2026 - 11 - 23), Language::En));
        let sms = templates.sms(Kind::Receipt, Language::En, &values);
        assert!(sms.contains("$445.33"), "{sms}");
        assert!(sms.contains("1234567890"), "{sms}");
        assert!(sms.contains("STOP"), "{sms}");
        let email = templates.email(Kind::Receipt, Language::Es, &values);
        assert!(email.text.contains("Visa ending in 4242"), "{}", email.text);
        assert!(email.html.contains("Linda &lt;3"), "{}", email.html);
        assert!(!email.html.contains("Linda <3"), "{}", email.html);
    }

    #[test]
    fn money_and_dates_read_as_written() {
        assert_eq!(money_text(123_456_789), "$1,234,567.89");
        assert_eq!(money_text(5), "$0.05");
        assert_eq!(
            date_text(date!(2026 - 12 - 02), Language::En),
            "December 2, 2026"
        );
        assert_eq!(
            date_text(date!(2026 - 12 - 02), Language::Es),
            "2 de diciembre de 2026"
        );
    }

    #[test]
    fn problems_name_the_line_and_what_is_allowed() {
        let source = "[sender]\ncompany = \"Acme\"\nphone = \"1\"\n\n[templates.receipt]\nsms.en = \"Paid with card {card_number}. Reply STOP to opt out.\"\nsubject.en = \"x\"\ntext.en = \"x\"\n\n[templates.reciept]\nsms.en = \"x\"\nsubject.en = \"x\"\ntext.en = \"x\"\n";
        let problems: Vec<String> = parse(Path::new("messages.toml"), source, &[Language::En])
            .expect_err("problems")
            .iter()
            .map(ToString::to_string)
            .collect();
        let text = problems.join("\n");
        assert!(
            text.contains("messages.toml:6: {card_number} is not a variable of receipt messages; they can use {first_name}"),
            "{text}"
        );
        let misspelt = source.replace("{card_number}", "{frist_name}");
        let problems: Vec<String> = parse(Path::new("messages.toml"), &misspelt, &[Language::En])
            .expect_err("problems")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            problems.iter().any(|p| p.contains(
                "{frist_name} is not a variable of receipt messages (did you mean {first_name}?)"
            )),
            "{problems:?}"
        );
        assert!(
            text.contains("messages.toml:10: [templates.reciept] is not a kind of message"),
            "{text}"
        );
        assert!(
            text.contains("there are no plan_schedule templates"),
            "{text}"
        );
    }

    #[test]
    fn every_text_must_say_how_to_stop() {
        let source =
            include_str!("../../../call-flows/messages.toml").replacen("Reply STOP", "Reply", 1);
        let problems =
            parse(Path::new("messages.toml"), &source, &Language::ALL).expect_err("no STOP");
        assert!(
            problems[0]
                .message
                .contains("must tell people how to stop texts"),
            "{problems:?}"
        );
    }
}
