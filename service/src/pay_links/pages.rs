//! The pay link's pages, rendered on the server in the account's language (English or Spanish,
//! with a switch): mobile first, no script, large targets, readable at 200 % zoom, every field
//! labelled and every problem tied to its field. Every value spliced into a [`maud::html!`]
//! template is escaped.

use maud::{DOCTYPE, Markup, html};

use crate::collections::policy::Offer;
use crate::language::Language;

/// The style sheet, served at [`STYLE_PATH`] so the pages' Content-Security-Policy needs no
/// inline style. Colours meet WCAG AA contrast on white.
pub const STYLE: &str = "*{box-sizing:border-box}html{font-size:112.5%}\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1a1a1a;\
background:#fff;line-height:1.5}main{max-width:34rem;margin:0 auto;padding:1rem}\
header{background:#0b3d66;color:#fff;padding:.75rem 1rem}header p{margin:0;max-width:34rem;\
margin:0 auto;font-weight:600}h1{font-size:1.5rem;line-height:1.25;margin:1rem 0 .5rem}\
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}label{display:block;font-weight:600;margin-top:1rem}\
.hint{display:block;font-weight:400;color:#444;font-size:.95rem}\
input{font-size:1.1rem;padding:.6rem;width:100%;max-width:20rem;border:2px solid #555;\
border-radius:6px;margin-top:.25rem}input:focus,button:focus,a:focus{outline:3px solid #c25400;\
outline-offset:2px}button{font-size:1.1rem;font-weight:600;padding:.75rem 1.25rem;\
margin-top:1rem;min-height:48px;border:0;border-radius:6px;background:#0b3d66;color:#fff;\
cursor:pointer}.problem{border-left:5px solid #b00020;background:#fdecee;padding:.6rem 1rem;\
margin:1rem 0}.field-problem{color:#b00020;font-weight:600;display:block}\
fieldset{border:1px solid #bbb;border-radius:8px;padding:0 1rem 1rem;margin:1.25rem 0}\
legend{font-weight:700;padding:0 .3rem}dl{display:grid;grid-template-columns:auto 1fr;\
gap:.35rem 1rem;margin:1rem 0}dt{font-weight:600}dd{margin:0}.balance{font-size:1.6rem;\
font-weight:700}ul.choices{list-style:none;padding:0}ul.choices li{margin:.6rem 0}\
a{color:#0b3d66}a.choice{display:block;padding:.8rem 1rem;border:2px solid #0b3d66;\
border-radius:8px;text-decoration:none;font-weight:600;min-height:48px}\
a.choice span{display:block;font-weight:400;color:#333;font-size:.95rem}\
.notice{background:#f3f6f9;border-radius:8px;padding:.75rem 1rem;margin:1rem 0}\
nav.language{margin:1rem 0;font-size:.95rem}footer{max-width:34rem;margin:2rem auto;\
padding:0 1rem 2rem;font-size:.95rem;color:#333}\
input[type=radio],input[type=checkbox]{width:1.4rem;height:1.4rem;margin:0 .5rem 0 0;\
vertical-align:middle}label.choice-line{display:flex;align-items:flex-start;font-weight:400;\
padding:.4rem 0;margin:0}label.choice-line input{flex:none;margin-top:.15rem}\
#card-element{padding:.6rem;border:2px solid #555;border-radius:6px;min-height:3rem;\
margin-top:.5rem}#card-element input{width:auto;margin:.25rem}button:disabled{opacity:.6}";

/// Where [`STYLE`] is served.
pub const STYLE_PATH: &str = "/pay/page.css";

/// Words of the pages, per language.
struct Words {
    lang: &'static str,
    confirm_title: &'static str,
    for_account: &'static str,
    pin_legend: &'static str,
    pin_label: &'static str,
    pin_hint: &'static str,
    pin_button: &'static str,
    dob_legend: &'static str,
    dob_label: &'static str,
    zip_label: &'static str,
    dob_button: &'static str,
    no_match: &'static str,
    tries_note: &'static str,
    locked_title: &'static str,
    locked_body: &'static str,
    gone_title: &'static str,
    gone_body: &'static str,
    questions: &'static str,
    switch_to: &'static str,
    balance_title: &'static str,
    ending_in: &'static str,
    balance: &'static str,
    minimum_due: &'static str,
    due_date: &'static str,
    choices: &'static str,
    by_phone: &'static str,
    by_phone_note: &'static str,
    nothing_due: &'static str,
    no_payment: &'static str,
    person: &'static str,
    callback: &'static str,
    callback_line: &'static str,
}

const EN: Words = Words {
    lang: "en",
    confirm_title: "First, let's make sure it's you",
    for_account: "This secure page is for the account ending",
    pin_legend: "With your PIN",
    pin_label: "Your 4-digit PIN",
    pin_hint: "The same PIN you use on the phone.",
    pin_button: "Continue with my PIN",
    dob_legend: "Or with your date of birth and ZIP code",
    dob_label: "Date of birth",
    zip_label: "ZIP code",
    dob_button: "Continue with my date of birth",
    no_match: "That didn't match our records. Please check it and try again.",
    tries_note: "For your security, after a few wrong tries the account is locked for a while, \
                 on the phone too.",
    locked_title: "This account is locked for now",
    locked_body: "There were too many tries that didn't match, so for your security the account \
                  is locked for a little while. You can try again later, or call us and a \
                  person will help you.",
    gone_title: "This link no longer works",
    gone_body: "It may have expired, been used already, or been replaced by a newer one. We can \
                send you a new link, or help you on the phone.",
    questions: "Questions, or would you rather talk to a person? Call",
    switch_to: "Ver esta página en español",
    balance_title: "Your account",
    ending_in: "Your account ending in",
    balance: "Balance",
    minimum_due: "Minimum due",
    due_date: "Due date",
    choices: "What you can do",
    by_phone: "By phone.",
    by_phone_note: "Choices marked \"By phone\" are a short call away: we'll help you right \
                    then.",
    nothing_due: "There is nothing to pay on this account right now.",
    no_payment: "We are not asking for any payment on this account. If you have questions, a \
                 person can help you.",
    person: "Talk to a person",
    callback: "Ask us to call you back",
    callback_line: "A person calls you at a time you choose.",
};

const ES: Words = Words {
    lang: "es",
    confirm_title: "Primero, confirmemos que es usted",
    for_account: "Esta página segura es para la cuenta que termina en",
    pin_legend: "Con su PIN",
    pin_label: "Su PIN de 4 dígitos",
    pin_hint: "El mismo PIN que usa por teléfono.",
    pin_button: "Continuar con mi PIN",
    dob_legend: "O con su fecha de nacimiento y código postal",
    dob_label: "Fecha de nacimiento",
    zip_label: "Código postal",
    dob_button: "Continuar con mi fecha de nacimiento",
    no_match: "Eso no coincide con nuestros registros. Por favor, revíselo e intente de nuevo.",
    tries_note: "Por su seguridad, después de varios intentos incorrectos la cuenta se bloquea \
                 por un tiempo, también por teléfono.",
    locked_title: "Esta cuenta está bloqueada por ahora",
    locked_body: "Hubo demasiados intentos que no coincidieron, así que por su seguridad la \
                  cuenta está bloqueada por un rato. Puede intentarlo más tarde, o llamarnos y \
                  una persona le ayudará.",
    gone_title: "Este enlace ya no funciona",
    gone_body: "Puede haber vencido, haberse usado ya, o haber sido reemplazado por uno más \
                nuevo. Podemos enviarle un enlace nuevo, o ayudarle por teléfono.",
    questions: "¿Preguntas, o prefiere hablar con una persona? Llame al",
    switch_to: "View this page in English",
    balance_title: "Su cuenta",
    ending_in: "Su cuenta que termina en",
    balance: "Saldo",
    minimum_due: "Pago mínimo",
    due_date: "Fecha de vencimiento",
    choices: "Lo que puede hacer",
    by_phone: "Por teléfono.",
    by_phone_note: "Las opciones marcadas \"Por teléfono\" están a una breve llamada: le \
                    ayudaremos en ese momento.",
    nothing_due: "No hay nada que pagar en esta cuenta en este momento.",
    no_payment: "No le pedimos ningún pago en esta cuenta. Si tiene preguntas, una persona puede \
                 ayudarle.",
    person: "Hablar con una persona",
    callback: "Pídanos que le llamemos",
    callback_line: "Una persona le llama a la hora que elija.",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Es => &ES,
    }
}

/// What every page shows around its body: who it is from, and how to reach a person.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The page's language.
    pub language: Language,
    /// The company the line answers for.
    pub company: &'a str,
    /// Its number, as written (`1-800-555-0100`).
    pub company_phone: &'a str,
    /// This page's own path, to switch language on (`None`: no switch).
    pub path: Option<&'a str>,
    /// Scripts the page runs, in order, at the end of its body (only the gateway's card form
    /// has any).
    pub scripts: Vec<String>,
}

pub(super) fn tel(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    format!(
        "tel:+{}",
        if digits.len() == 10 {
            format!("1{digits}")
        } else {
            digits
        }
    )
}

pub(super) fn page(frame: &Frame<'_>, title: &str, body: Markup) -> String {
    let w = words(frame.language);
    let other = match frame.language {
        Language::En => "es",
        Language::Es => "en",
    };
    html! {
        (DOCTYPE)
        html lang=(w.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · " (frame.company) }
                link rel="stylesheet" href=(STYLE_PATH);
            }
            body {
                header { p { (frame.company) } }
                main {
                    (body)
                    @if let Some(path) = frame.path {
                        nav.language aria-label="Language" {
                            a href=(format!("{path}?lang={other}")) lang=(other) hreflang=(other) { (w.switch_to) }
                        }
                    }
                }
                footer {
                    p { (w.questions) " " a href=(tel(frame.company_phone)) { (frame.company_phone) } "." }
                }
                @for src in &frame.scripts {
                    script src=(src) {}
                }
            }
        }
    }
    .into_string()
}

/// The proof form; `problem` is shown, tied to the form it came from (`pin` or `dob`).
pub fn proof(frame: &Frame<'_>, last4: &str, action: &str, problem: Option<&str>) -> String {
    let w = words(frame.language);
    let pin_problem = problem == Some("pin");
    let dob_problem = problem == Some("dob");
    page(
        frame,
        w.confirm_title,
        html! {
            h1 { (w.confirm_title) }
            p { (w.for_account) " " strong { (last4) } "." }
            @if problem.is_some() {
                p.problem role="alert" id="problem" { (w.no_match) }
            }
            form method="post" action=(action) {
                fieldset {
                    legend { (w.pin_legend) }
                    label for="pin" {
                        (w.pin_label)
                        span.hint id="pin-hint" { (w.pin_hint) }
                        @if pin_problem { span.field-problem id="pin-problem" { (w.no_match) } }
                    }
                    input id="pin" name="pin" type="password" inputmode="numeric"
                        autocomplete="off" pattern="[0-9]{4}" maxlength="4" required
                        aria-describedby=(if pin_problem { "pin-hint pin-problem" } else { "pin-hint" })
                        aria-invalid=(if pin_problem { "true" } else { "false" });
                    button type="submit" { (w.pin_button) }
                }
            }
            form method="post" action=(action) {
                fieldset {
                    legend { (w.dob_legend) }
                    label for="dob" {
                        (w.dob_label)
                        @if dob_problem { span.field-problem id="dob-problem" { (w.no_match) } }
                    }
                    input id="dob" name="dob" type="date" autocomplete="bday" required
                        aria-describedby=[dob_problem.then_some("dob-problem")]
                        aria-invalid=(if dob_problem { "true" } else { "false" });
                    label for="zip" { (w.zip_label) }
                    input id="zip" name="zip" inputmode="numeric" autocomplete="postal-code"
                        pattern="[0-9]{5}" maxlength="5" required
                        aria-invalid=(if dob_problem { "true" } else { "false" });
                    button type="submit" { (w.dob_button) }
                }
            }
            p.notice { (w.tries_note) }
        },
    )
}

/// Too many wrong proofs: the account is locked, as on the phone.
pub fn locked(frame: &Frame<'_>) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.locked_title,
        html! {
            h1 { (w.locked_title) }
            p role="alert" { (w.locked_body) }
            p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
        },
    )
}

/// A link that does not open (unknown, expired, revoked or used).
pub fn gone(frame: &Frame<'_>) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.gone_title,
        html! {
            h1 { (w.gone_title) }
            p { (w.gone_body) }
            p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
        },
    )
}

/// What the account page shows.
#[derive(Debug, Clone)]
pub struct AccountView<'a> {
    /// The account's last four digits.
    pub last4: &'a str,
    /// The balance, written (`$445.33`).
    pub balance: String,
    /// The minimum due, written, when there is one.
    pub minimum_due: Option<String>,
    /// The due date, written, when there is one.
    pub due_date: Option<String>,
    /// The disclosure the account's policy requires, in the page's language.
    pub disclosure: Option<&'a str>,
    /// Whether the line may ask this account for money at all (not disputed, not bankrupt, not
    /// a no-payment treatment).
    pub may_ask: bool,
    /// The choices the policy offers on the line, in its order, each with where it is taken on
    /// the page (`None`: by phone).
    pub offers: Vec<(Offer, Option<String>)>,
    /// Where to ask for a call back, when the line has hours to call back in.
    pub callback: Option<String>,
}

/// An offer as the page names it, with a line saying what it is; `None` for one the page does
/// not list (a person is always offered at the foot).
fn offer_words(offer: Offer, language: Language) -> Option<(&'static str, &'static str)> {
    let en = language == Language::En;
    Some(match offer {
        Offer::Full if en => ("Pay the full balance", "By debit or credit card."),
        Offer::Full => ("Pagar el saldo total", "Con tarjeta de débito o crédito."),
        Offer::Minimum if en => ("Pay the minimum due", "Keep the account current."),
        Offer::Minimum => ("Pagar el mínimo", "Mantenga su cuenta al día."),
        Offer::OtherAmount if en => ("Pay another amount", "Whatever you can today."),
        Offer::OtherAmount => ("Pagar otra cantidad", "Lo que pueda hoy."),
        Offer::Settlement if en => (
            "Settle for less",
            "Close the account for less than the balance.",
        ),
        Offer::Settlement => (
            "Liquidar por menos",
            "Cierre la cuenta por menos del saldo.",
        ),
        Offer::Plan if en => (
            "Set up a payment plan",
            "Spread the balance over a few payments.",
        ),
        Offer::Plan => (
            "Establecer un plan de pagos",
            "Divida el saldo en unos pocos pagos.",
        ),
        Offer::Promise if en => ("Promise to pay by a date", "Tell us when you can pay."),
        Offer::Promise => (
            "Prometer un pago para una fecha",
            "Díganos cuándo puede pagar.",
        ),
        Offer::Hardship if en => (
            "Paying is hard right now",
            "Tell us, and we will find something that works.",
        ),
        Offer::Hardship => (
            "Ahora me cuesta pagar",
            "Díganoslo y buscaremos algo que le funcione.",
        ),
        Offer::Autopay if en => ("Turn on AutoPay", "Each amount due paid on its due date."),
        Offer::Autopay => (
            "Activar el pago automático",
            "Cada monto pagado en su fecha.",
        ),
        Offer::StopAutopay | Offer::Person | Offer::Link => return None,
    })
}

/// The account: its balance and due date, the disclosure, and what the policy offers.
pub fn account(frame: &Frame<'_>, view: &AccountView<'_>) -> String {
    let w = words(frame.language);
    let offers: Vec<_> = view
        .offers
        .iter()
        .filter_map(|(offer, path)| {
            offer_words(*offer, frame.language).map(|(name, line)| (name, line, path.as_deref()))
        })
        .collect();
    let by_phone = offers.iter().any(|(_, _, path)| path.is_none());
    page(
        frame,
        w.balance_title,
        html! {
            h1 { (w.ending_in) " " (view.last4) }
            @if let Some(disclosure) = view.disclosure {
                p.notice id="disclosure" { (disclosure) }
            }
            dl {
                dt { (w.balance) } dd.balance id="balance" { (view.balance) }
                @if let Some(minimum) = &view.minimum_due { dt { (w.minimum_due) } dd id="minimum-due" { (minimum) } }
                @if let Some(due) = &view.due_date { dt { (w.due_date) } dd id="due-date" { (due) } }
            }
            @if !view.may_ask {
                p id="no-payment" { (w.no_payment) }
            } @else if offers.is_empty() {
                p id="nothing-due" { (w.nothing_due) }
            } @else {
                h2 id="choices-heading" { (w.choices) }
                ul.choices aria-labelledby="choices-heading" {
                    @for (name, line, path) in &offers {
                        @if let Some(path) = path {
                            li { a.choice href=(path) { (name) span { (line) } } }
                        } @else {
                            li { a.choice href=(tel(frame.company_phone)) { (name) span { (line) " " (w.by_phone) } } }
                        }
                    }
                }
                @if by_phone { p.hint { (w.by_phone_note) } }
            }
            p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
            @if let Some(callback) = &view.callback {
                p { a.choice href=(callback) { (w.callback) span { (w.callback_line) } } }
            }
        },
    )
}
