//! The pay link's forms and their answers: a payment (its amount, any card fee with its free
//! alternative, the card in the gateway's own form or the sandbox's labelled demo form, where
//! the receipt goes), a promise to pay, a plan; then what each came to. Rendered like
//! [`super::pages`]: in the page's language, every field labelled, every problem tied to its
//! field and announced.

use maud::{Markup, html};

use super::pages::{Frame, page, tel};
use crate::language::Language;

/// How the form takes the card.
#[derive(Debug, Clone)]
pub enum CardForm {
    /// The gateway's form, mounted by `/pay/card.js` with this public key and setup secret.
    Gateway {
        /// `pk_...`
        publishable_key: String,
        /// The setup the form completes.
        client_secret: String,
    },
    /// The sandbox's demo form: test cards only.
    Demo,
}

/// What was wrong with a form sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The amount is not an amount.
    AmountUnreadable,
    /// Below the smallest payment.
    AmountTooLow,
    /// Above the balance.
    AmountTooHigh,
    /// The card was not entered or could not be read.
    Card,
    /// The date is not one that may be promised.
    Date,
    /// The box agreeing to the terms was not ticked.
    Agree,
    /// No plan length was chosen.
    Count,
    /// The number to call back is not one.
    Phone,
    /// No call-back window was chosen.
    Window,
}

/// Where a receipt or confirmation can go, as the form offers it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceiptChoices {
    /// A text to the number on file can be sent.
    pub text: bool,
    /// An email to the address on file can be sent.
    pub email: bool,
}

/// Hidden fields every form carries: the anti-forgery token and the form's number.
#[derive(Debug, Clone)]
pub struct FormKeys {
    /// Proves the form came from this session's page.
    pub csrf: String,
    /// This form's number on the link (the payment's attempt).
    pub form: i64,
    /// Where it is posted.
    pub action: String,
    /// The account page, to go back to.
    pub back: String,
}

/// A payment form.
#[derive(Debug, Clone)]
pub struct PayView {
    /// "Pay the full balance" ...
    pub heading: &'static str,
    /// The amount, written, when it is fixed.
    pub fixed_amount: Option<String>,
    /// For another amount: the least and most, written.
    pub range: Option<(String, String)>,
    /// What was typed, to show again.
    pub typed: String,
    /// The card fee on the fixed amount and the total, written, and how to pay without it.
    pub fee: Option<(String, String, String)>,
    /// The card fee's free alternative alone, for another amount (its fee depends on it).
    pub fee_note: Option<String>,
    /// How the card is taken.
    pub card: CardForm,
    /// Where the receipt can go.
    pub receipts: ReceiptChoices,
    /// What was wrong, when the form comes back.
    pub problem: Option<Problem>,
    /// The card was declined on the last try, for this reason's words.
    pub declined: Option<&'static str>,
}

struct Words {
    amount: &'static str,
    amount_hint_range: &'static str,
    to: &'static str,
    fee_line: &'static str,
    total: &'static str,
    card_legend: &'static str,
    card_hint: &'static str,
    demo_note: &'static str,
    card_number: &'static str,
    expiry: &'static str,
    expiry_hint: &'static str,
    security_code: &'static str,
    billing_zip: &'static str,
    receipt_legend: &'static str,
    confirmation_legend: &'static str,
    by_text: &'static str,
    by_email: &'static str,
    no_receipt: &'static str,
    pay_button: &'static str,
    back: &'static str,
    amount_unreadable: &'static str,
    amount_low: &'static str,
    amount_high: &'static str,
    card_problem: &'static str,
    card_refused: &'static str,
    date_problem: &'static str,
    agree_problem: &'static str,
    count_problem: &'static str,
    problem_title: &'static str,
    paid_title: &'static str,
    paid_body: &'static str,
    confirmation: &'static str,
    paid_with: &'static str,
    receipt_sent: &'static str,
    write_down: &'static str,
    paid_in_full: &'static str,
    back_to_account: &'static str,
    declined_title: &'static str,
    try_again: &'static str,
    unknown_title: &'static str,
    unknown_body: &'static str,
    promise_heading: &'static str,
    promise_intro: &'static str,
    promise_amount_hint: &'static str,
    promise_date: &'static str,
    promise_date_hint: &'static str,
    promise_agree: &'static str,
    promise_button: &'static str,
    promised_title: &'static str,
    plan_heading: &'static str,
    plan_intro: &'static str,
    plan_legend: &'static str,
    plan_agree: &'static str,
    plan_button: &'static str,
    plan_made_title: &'static str,
    plan_made_body: &'static str,
    plan_first_paid: &'static str,
    confirmation_sent: &'static str,
    person: &'static str,
    callback_heading: &'static str,
    callback_intro: &'static str,
    callback_when: &'static str,
    callback_number: &'static str,
    on_file: &'static str,
    another_number: &'static str,
    another_number_label: &'static str,
    callback_button: &'static str,
    callback_title: &'static str,
    callback_body: &'static str,
    phone_problem: &'static str,
    window_problem: &'static str,
    at_number: &'static str,
    no_more_cards_title: &'static str,
    no_more_cards_body: &'static str,
}

const EN: Words = Words {
    amount: "Amount",
    amount_hint_range: "Any amount from",
    to: "to",
    fee_line: "Card fee",
    total: "Total charged",
    card_legend: "Your card",
    card_hint: "Your card number goes straight to our payment processor; we never see it.",
    demo_note: "Demo only: this test page takes the public test cards (such as 4242 4242 4242 \
                4242). No money moves.",
    card_number: "Card number",
    expiry: "Expiration date",
    expiry_hint: "Month and year, like 09/30.",
    security_code: "Security code",
    billing_zip: "Billing ZIP code",
    receipt_legend: "Where should we send your receipt?",
    confirmation_legend: "Where should we send your confirmation?",
    by_text: "By text message",
    by_email: "By email",
    no_receipt: "No receipt, thanks",
    pay_button: "Pay now",
    back: "Back to my account",
    amount_unreadable: "Please enter an amount, like 25.00.",
    amount_low: "That is less than the smallest payment we can take.",
    amount_high: "That is more than your balance.",
    card_problem: "We couldn't read that card. Please check the number, date, security code \
                   and ZIP code, and try again.",
    card_refused: "That card didn't go through, and nothing was charged. Please check its \
                   details, or try another card.",
    date_problem: "Please choose a date from today up to the latest date shown.",
    agree_problem: "Please tick the box to agree before you continue.",
    count_problem: "Please choose how many payments.",
    problem_title: "Something needs fixing",
    paid_title: "Thank you, your payment is done",
    paid_body: "We received your payment of",
    confirmation: "Confirmation number",
    paid_with: "Paid with",
    receipt_sent: "A receipt is on its way.",
    write_down: "Please write this number down, or take a screenshot.",
    paid_in_full: "Your balance is paid in full. This link won't open again.",
    back_to_account: "Back to my account",
    declined_title: "That card didn't go through",
    try_again: "Try again",
    unknown_title: "We're confirming your payment",
    unknown_body: "We couldn't get an answer from the card processor just now. Please don't \
                   pay again: we'll confirm it and let you know. If you have questions, call us.",
    promise_heading: "Promise to pay by a date",
    promise_intro: "Tell us how much you can pay and by when. Nothing is charged now.",
    promise_amount_hint: "At least",
    promise_date: "Pay by",
    promise_date_hint: "Any day from today to",
    promise_agree: "I promise to pay this amount by this date. I understand this is not a \
                    payment.",
    promise_button: "Make my promise",
    promised_title: "Thank you, your promise is recorded",
    plan_heading: "Set up a payment plan",
    plan_intro: "Spread your balance over a few payments, charged to your card on each date.",
    plan_legend: "How many payments?",
    plan_agree: "I agree to these payments and authorize the charges on the dates shown.",
    plan_button: "Set up my plan",
    plan_made_title: "Your payment plan is set up",
    plan_made_body: "Here is your schedule:",
    plan_first_paid: "Your first payment is done. Confirmation number",
    confirmation_sent: "A confirmation is on its way.",
    person: "Talk to a person",
    callback_heading: "Ask us to call you back",
    callback_intro: "A person will call you at the time you choose, with your account in front \
                     of them.",
    callback_when: "When should we call?",
    callback_number: "Which number should we call?",
    on_file: "The number on file, ending in",
    another_number: "Another number",
    another_number_label: "Your phone number",
    callback_button: "Ask for my call back",
    callback_title: "We'll call you back",
    callback_body: "A person will call you",
    phone_problem: "Please enter a 10-digit US phone number.",
    window_problem: "Please choose when we should call.",
    at_number: "at the number ending in",
    no_more_cards_title: "This page can't take another card",
    no_more_cards_body: "For your security, after several cards that didn't go through, this \
                         page takes no more. A person can help you on the phone, or you can \
                         choose something else on your account page.",
};

const ES: Words = Words {
    amount: "Cantidad",
    amount_hint_range: "Cualquier cantidad de",
    to: "a",
    fee_line: "Cargo por tarjeta",
    total: "Total a cobrar",
    card_legend: "Su tarjeta",
    card_hint: "El número de su tarjeta va directo a nuestro procesador de pagos; nosotros \
                nunca lo vemos.",
    demo_note: "Solo demostración: esta página de prueba acepta las tarjetas de prueba públicas \
                (como 4242 4242 4242 4242). No se mueve dinero.",
    card_number: "Número de tarjeta",
    expiry: "Fecha de vencimiento",
    expiry_hint: "Mes y año, como 09/30.",
    security_code: "Código de seguridad",
    billing_zip: "Código postal de facturación",
    receipt_legend: "¿Dónde le enviamos su recibo?",
    confirmation_legend: "¿Dónde le enviamos su confirmación?",
    by_text: "Por mensaje de texto",
    by_email: "Por correo electrónico",
    no_receipt: "Sin recibo, gracias",
    pay_button: "Pagar ahora",
    back: "Volver a mi cuenta",
    amount_unreadable: "Por favor, escriba una cantidad, como 25.00.",
    amount_low: "Eso es menos que el pago más pequeño que podemos aceptar.",
    amount_high: "Eso es más que su saldo.",
    card_problem: "No pudimos leer esa tarjeta. Revise el número, la fecha, el código de \
                   seguridad y el código postal, e intente de nuevo.",
    card_refused: "Esa tarjeta no fue aceptada, y no se cobró nada. Revise sus datos, o \
                   intente con otra tarjeta.",
    date_problem: "Por favor, elija una fecha desde hoy hasta la fecha máxima indicada.",
    agree_problem: "Por favor, marque la casilla para aceptar antes de continuar.",
    count_problem: "Por favor, elija cuántos pagos.",
    problem_title: "Hay algo que corregir",
    paid_title: "Gracias, su pago está hecho",
    paid_body: "Recibimos su pago de",
    confirmation: "Número de confirmación",
    paid_with: "Pagado con",
    receipt_sent: "Su recibo va en camino.",
    write_down: "Por favor, anote este número o tome una captura de pantalla.",
    paid_in_full: "Su saldo está pagado por completo. Este enlace ya no se abrirá.",
    back_to_account: "Volver a mi cuenta",
    declined_title: "Esa tarjeta no fue aceptada",
    try_again: "Intentar de nuevo",
    unknown_title: "Estamos confirmando su pago",
    unknown_body: "No pudimos obtener respuesta del procesador de tarjetas en este momento. Por \
                   favor, no pague de nuevo: lo confirmaremos y le avisaremos. Si tiene \
                   preguntas, llámenos.",
    promise_heading: "Prometer un pago para una fecha",
    promise_intro: "Díganos cuánto puede pagar y para cuándo. No se cobra nada ahora.",
    promise_amount_hint: "Al menos",
    promise_date: "Pagar a más tardar el",
    promise_date_hint: "Cualquier día desde hoy hasta el",
    promise_agree: "Prometo pagar esta cantidad para esta fecha. Entiendo que esto no es un pago.",
    promise_button: "Hacer mi promesa",
    promised_title: "Gracias, su promesa quedó registrada",
    plan_heading: "Establecer un plan de pagos",
    plan_intro: "Divida su saldo en unos pocos pagos, cobrados a su tarjeta en cada fecha.",
    plan_legend: "¿Cuántos pagos?",
    plan_agree: "Acepto estos pagos y autorizo los cargos en las fechas indicadas.",
    plan_button: "Establecer mi plan",
    plan_made_title: "Su plan de pagos está listo",
    plan_made_body: "Este es su calendario:",
    plan_first_paid: "Su primer pago está hecho. Número de confirmación",
    confirmation_sent: "Una confirmación va en camino.",
    person: "Hablar con una persona",
    callback_heading: "Pídanos que le llamemos",
    callback_intro: "Una persona le llamará a la hora que elija, con su cuenta a la vista.",
    callback_when: "¿Cuándo le llamamos?",
    callback_number: "¿A qué número le llamamos?",
    on_file: "El número registrado, que termina en",
    another_number: "Otro número",
    another_number_label: "Su número de teléfono",
    callback_button: "Pedir mi llamada",
    callback_title: "Le llamaremos",
    callback_body: "Una persona le llamará",
    phone_problem: "Por favor, escriba un número de teléfono de EE. UU. de 10 dígitos.",
    window_problem: "Por favor, elija cuándo le llamamos.",
    at_number: "al número que termina en",
    no_more_cards_title: "Esta página no puede aceptar otra tarjeta",
    no_more_cards_body: "Por su seguridad, después de varias tarjetas que no fueron aceptadas, \
                         esta página no acepta más. Una persona puede ayudarle por teléfono, o \
                         puede elegir otra opción en la página de su cuenta.",
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::En => &EN,
        Language::Es => &ES,
    }
}

/// The words of a problem, in the page's language.
fn problem_words(problem: Problem, w: &Words) -> &'static str {
    match problem {
        Problem::AmountUnreadable => w.amount_unreadable,
        Problem::AmountTooLow => w.amount_low,
        Problem::AmountTooHigh => w.amount_high,
        Problem::Card => w.card_problem,
        Problem::Date => w.date_problem,
        Problem::Agree => w.agree_problem,
        Problem::Count => w.count_problem,
        Problem::Phone => w.phone_problem,
        Problem::Window => w.window_problem,
    }
}

/// Why a card was declined, as the page says it.
pub fn declined_words(reason: crate::payments::DeclineReason, language: Language) -> &'static str {
    use crate::payments::DeclineReason as R;
    let en = language == Language::En;
    match reason {
        R::InsufficientFunds if en => "The bank said there isn't enough available on the card.",
        R::InsufficientFunds => "El banco indicó que no hay suficiente disponible en la tarjeta.",
        R::ExpiredCard if en => "The card has expired, or the date didn't match.",
        R::ExpiredCard => "La tarjeta está vencida, o la fecha no coincide.",
        R::IncorrectSecurityCode if en => "The security code didn't match.",
        R::IncorrectSecurityCode => "El código de seguridad no coincide.",
        R::IncorrectNumber if en => "The card number didn't match.",
        R::IncorrectNumber => "El número de tarjeta no coincide.",
        R::ProcessingError if en => "The card processor had a problem. Nothing was charged.",
        R::ProcessingError => "El procesador de tarjetas tuvo un problema. No se cobró nada.",
        R::Declined if en => "The bank declined it. Nothing was charged.",
        R::Declined => "El banco la rechazó. No se cobró nada.",
    }
}

fn hidden_keys(keys: &FormKeys) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(keys.csrf);
        input type="hidden" name="form" value=(keys.form);
    }
}

/// The problem box at the top of a form, announced, naming what to fix.
fn problem_box(problem: Option<Problem>, declined: Option<&str>, w: &Words) -> Markup {
    html! {
        @if let Some(reason) = declined {
            div.problem role="alert" id="problem" {
                p { strong { (w.declined_title) } }
                p { (reason) }
            }
        } @else if let Some(problem) = problem {
            div.problem role="alert" id="problem" {
                p { strong { (w.problem_title) } }
                p { (problem_words(problem, w)) }
            }
        }
    }
}

fn receipt_fieldset(receipts: ReceiptChoices, w: &Words, legend: &str) -> Markup {
    html! {
        @if receipts.text || receipts.email {
            fieldset {
                legend { (legend) }
                @if receipts.text {
                    label.choice-line { input type="radio" name="receipt" value="sms" checked; " " (w.by_text) }
                }
                @if receipts.email {
                    label.choice-line { input type="radio" name="receipt" value="email" checked[!receipts.text]; " " (w.by_email) }
                }
                label.choice-line { input type="radio" name="receipt" value="none"; " " (w.no_receipt) }
            }
        }
    }
}

/// The card fields: the gateway's form (mounted by script), or the labelled demo form.
fn card_fieldset(card: &CardForm, problem: Option<Problem>, w: &Words) -> Markup {
    let card_problem = problem == Some(Problem::Card);
    html! {
        fieldset {
            legend { (w.card_legend) }
            @match card {
                CardForm::Gateway { publishable_key, client_secret } => {
                    p.hint id="card-hint" { (w.card_hint) }
                    div id="card-element" data-key=(publishable_key) data-secret=(client_secret)
                        data-problem=(w.card_refused) {}
                    p.field-problem id="card-problem" role="alert" hidden[!card_problem] {
                        @if card_problem { (w.card_problem) }
                    }
                }
                CardForm::Demo => {
                    p.notice id="demo-note" { strong { (w.demo_note) } }
                    @if card_problem { p.field-problem id="card-problem" { (w.card_problem) } }
                    label for="card_number" { (w.card_number) }
                    input id="card_number" name="card_number" inputmode="numeric"
                        autocomplete="cc-number" maxlength="23" required
                        aria-describedby=[card_problem.then_some("card-problem")];
                    label for="card_expiry" { (w.expiry) span.hint id="expiry-hint" { (w.expiry_hint) } }
                    input id="card_expiry" name="card_expiry" inputmode="numeric"
                        autocomplete="cc-exp" maxlength="7" required aria-describedby="expiry-hint";
                    label for="security_code" { (w.security_code) }
                    input id="security_code" name="security_code" inputmode="numeric"
                        autocomplete="cc-csc" maxlength="4" required;
                    label for="billing_zip" { (w.billing_zip) }
                    input id="billing_zip" name="billing_zip" inputmode="numeric"
                        autocomplete="postal-code" maxlength="5" required;
                }
            }
        }
    }
}

/// The payment form.
pub fn pay(frame: &Frame<'_>, keys: &FormKeys, view: &PayView) -> String {
    let w = words(frame.language);
    let amount_problem = matches!(
        view.problem,
        Some(Problem::AmountUnreadable | Problem::AmountTooLow | Problem::AmountTooHigh)
    );
    page(
        frame,
        view.heading,
        html! {
            h1 { (view.heading) }
            (problem_box(view.problem, view.declined, w))
            form id="pay-form" method="post" action=(keys.action) {
                (hidden_keys(keys))
                @if let Some(amount) = &view.fixed_amount {
                    dl {
                        dt { (w.amount) } dd.balance id="amount" { (amount) }
                        @if let Some((fee, total, _)) = &view.fee {
                            dt { (w.fee_line) } dd id="fee" { (fee) }
                            dt { (w.total) } dd id="total" { (total) }
                        }
                    }
                    @if let Some((_, _, free)) = &view.fee { p.notice id="fee-note" { (free) } }
                } @else if let Some((least, most)) = &view.range {
                    label for="amount" {
                        (w.amount)
                        span.hint id="amount-hint" { (w.amount_hint_range) " " (least) " " (w.to) " " (most) "." }
                        @if amount_problem {
                            @if let Some(problem) = view.problem {
                                span.field-problem id="amount-problem" { (problem_words(problem, w)) }
                            }
                        }
                    }
                    input id="amount" name="amount" inputmode="decimal" autocomplete="off"
                        required value=(view.typed)
                        aria-describedby=(if amount_problem { "amount-hint amount-problem" } else { "amount-hint" })
                        aria-invalid=(if amount_problem { "true" } else { "false" });
                    @if let Some(note) = &view.fee_note { p.notice id="fee-note" { (note) } }
                }
                (card_fieldset(&view.card, view.problem, w))
                (receipt_fieldset(view.receipts, w, w.receipt_legend))
                button id="pay-button" type="submit" { (w.pay_button) }
            }
            p { a href=(keys.back) { (w.back) } }
        },
    )
}

/// What a payment came to.
#[derive(Debug, Clone)]
pub enum PaidView {
    /// Taken.
    Approved {
        /// The amount, written.
        amount: String,
        /// The fee and total, written, when there was a fee.
        fee: Option<(String, String)>,
        /// "Visa ending in 4242".
        method: String,
        /// The confirmation code.
        confirmation: String,
        /// A receipt was sent.
        receipt_sent: bool,
        /// The balance is paid (the link is used up).
        paid_in_full: bool,
    },
    /// No answer yet.
    Unknown,
}

/// The answer to a payment.
pub fn paid(frame: &Frame<'_>, back: &str, view: &PaidView) -> String {
    let w = words(frame.language);
    match view {
        PaidView::Approved {
            amount,
            fee,
            method,
            confirmation,
            receipt_sent,
            paid_in_full,
        } => page(
            frame,
            w.paid_title,
            html! {
                h1 { (w.paid_title) }
                p role="status" { (w.paid_body) " " strong id="paid-amount" { (amount) } "." }
                dl {
                    dt { (w.confirmation) } dd.balance id="confirmation" { (confirmation) }
                    dt { (w.paid_with) } dd { (method) }
                    @if let Some((fee, total)) = fee {
                        dt { (w.fee_line) } dd { (fee) }
                        dt { (w.total) } dd { (total) }
                    }
                }
                p { @if *receipt_sent { (w.receipt_sent) " " } (w.write_down) }
                @if *paid_in_full {
                    p.notice id="paid-in-full" { (w.paid_in_full) }
                } @else {
                    p { a.choice href=(back) { (w.back_to_account) } }
                }
            },
        ),
        PaidView::Unknown => page(
            frame,
            w.unknown_title,
            html! {
                h1 { (w.unknown_title) }
                p role="status" { (w.unknown_body) }
                p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
            },
        ),
    }
}

/// The card was declined: why, and the ways on.
pub fn declined(frame: &Frame<'_>, reason: &str, again: &str, back: &str) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.declined_title,
        html! {
            h1 { (w.declined_title) }
            p role="alert" id="declined-reason" { (reason) }
            p { a.choice href=(again) { (w.try_again) } }
            p { a href=(back) { (w.back) } }
            p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
        },
    )
}

/// A promise form.
#[derive(Debug, Clone)]
pub struct PromiseView {
    /// The least, written.
    pub smallest: String,
    /// The latest date, as a date field takes it (`2026-12-20`) and written.
    pub latest: (String, String),
    /// Today, as a date field takes it.
    pub today: String,
    /// What was typed, to show again.
    pub typed_amount: String,
    /// What was chosen, to show again.
    pub typed_date: String,
    /// Where the confirmation can go.
    pub receipts: ReceiptChoices,
    /// What was wrong.
    pub problem: Option<Problem>,
}

/// The promise form.
pub fn promise(frame: &Frame<'_>, keys: &FormKeys, view: &PromiseView) -> String {
    let w = words(frame.language);
    let amount_problem = matches!(
        view.problem,
        Some(Problem::AmountUnreadable | Problem::AmountTooLow | Problem::AmountTooHigh)
    );
    let date_problem = view.problem == Some(Problem::Date);
    let agree_problem = view.problem == Some(Problem::Agree);
    page(
        frame,
        w.promise_heading,
        html! {
            h1 { (w.promise_heading) }
            p { (w.promise_intro) }
            (problem_box(view.problem, None, w))
            form method="post" action=(keys.action) {
                (hidden_keys(keys))
                label for="amount" {
                    (w.amount)
                    span.hint id="amount-hint" { (w.promise_amount_hint) " " (view.smallest) "." }
                }
                input id="amount" name="amount" inputmode="decimal" autocomplete="off" required
                    value=(view.typed_amount) aria-describedby="amount-hint"
                    aria-invalid=(if amount_problem { "true" } else { "false" });
                label for="date" {
                    (w.promise_date)
                    span.hint id="date-hint" { (w.promise_date_hint) " " (view.latest.1) "." }
                }
                input id="date" name="date" type="date" required min=(view.today)
                    max=(view.latest.0) value=(view.typed_date) aria-describedby="date-hint"
                    aria-invalid=(if date_problem { "true" } else { "false" });
                (receipt_fieldset(view.receipts, w, w.confirmation_legend))
                p {
                    label.choice-line for="agree" {
                        input id="agree" name="agree" type="checkbox" value="yes" required
                            aria-invalid=(if agree_problem { "true" } else { "false" });
                        " " (w.promise_agree)
                    }
                }
                button type="submit" { (w.promise_button) }
            }
            p { a href=(keys.back) { (w.back) } }
        },
    )
}

/// A promise recorded: the words agreed to.
pub fn promised(frame: &Frame<'_>, words_agreed: &str, sent: bool, back: &str) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.promised_title,
        html! {
            h1 { (w.promised_title) }
            p role="status" id="promise-words" { (words_agreed) }
            @if sent { p { (w.confirmation_sent) } }
            p { a.choice href=(back) { (w.back_to_account) } }
        },
    )
}

/// A plan form.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// Each length on offer: its count and its schedule in words.
    pub options: Vec<(u32, String)>,
    /// The authorisation the person agrees to.
    pub authorization: String,
    /// How the card is taken.
    pub card: CardForm,
    /// Where the schedule can go.
    pub receipts: ReceiptChoices,
    /// What was wrong.
    pub problem: Option<Problem>,
    /// The card was declined on the last try.
    pub declined: Option<&'static str>,
    /// The length chosen before, to keep.
    pub chosen: Option<u32>,
}

/// The plan form.
pub fn plan(frame: &Frame<'_>, keys: &FormKeys, view: &PlanView) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.plan_heading,
        html! {
            h1 { (w.plan_heading) }
            p { (w.plan_intro) }
            (problem_box(view.problem, view.declined, w))
            form id="pay-form" method="post" action=(keys.action) {
                (hidden_keys(keys))
                fieldset {
                    legend { (w.plan_legend) }
                    @for (i, (count, schedule)) in view.options.iter().enumerate() {
                        label.choice-line for=(format!("count-{count}")) {
                            input id=(format!("count-{count}")) name="count" type="radio"
                                value=(count) required
                                checked[view.chosen == Some(*count) || (view.chosen.is_none() && i == 0)];
                            " " (schedule)
                        }
                    }
                }
                p.notice id="authorization" { (view.authorization) }
                (card_fieldset(&view.card, view.problem, w))
                (receipt_fieldset(view.receipts, w, w.confirmation_legend))
                p {
                    label.choice-line for="agree" {
                        input id="agree" name="agree" type="checkbox" value="yes" required;
                        " " (w.plan_agree)
                    }
                }
                button id="pay-button" type="submit" { (w.plan_button) }
            }
            p { a href=(keys.back) { (w.back) } }
        },
    )
}

/// A plan set up: its schedule, and the first payment's code when it was charged now.
pub fn plan_made(
    frame: &Frame<'_>,
    schedule: &[String],
    first_paid: Option<&str>,
    sent: bool,
    back: &str,
) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.plan_made_title,
        html! {
            h1 { (w.plan_made_title) }
            p role="status" { (w.plan_made_body) }
            ol id="schedule" { @for line in schedule { li { (line) } } }
            @if let Some(code) = first_paid {
                p { (w.plan_first_paid) " " strong id="confirmation" { (code) } "." }
            }
            @if sent { p { (w.confirmation_sent) } }
            p { a.choice href=(back) { (w.back_to_account) } }
        },
    )
}

/// The script that mounts the gateway's card form and completes its setup before the form is
/// sent (served at [`CARD_SCRIPT_PATH`], so the page's policy allows no inline script).
pub const CARD_SCRIPT: &str = r#"// Mounts the payment processor's card form, completes the card's setup in the browser (the
// number goes to the processor, never to this server), then sends the form on, once.
(function () {
  var form = document.getElementById('pay-form');
  var holder = document.getElementById('card-element');
  if (!form || !holder || typeof Stripe !== 'function') { return; }
  var stripe = Stripe(holder.getAttribute('data-key'));
  var card = stripe.elements().create('card');
  card.mount(holder);
  var problem = document.getElementById('card-problem');
  var button = document.getElementById('pay-button');
  var busy = false;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) { return; }
    busy = true;
    if (button) { button.disabled = true; }
    stripe.confirmCardSetup(holder.getAttribute('data-secret'), {
      payment_method: { card: card }
    }).then(function (result) {
      if (result && result.error) {
        problem.textContent = holder.getAttribute('data-problem');
        problem.hidden = false;
        busy = false;
        if (button) { button.disabled = false; }
        return;
      }
      form.submit();
    });
  });
})();
"#;

/// Where [`CARD_SCRIPT`] is served.
pub const CARD_SCRIPT_PATH: &str = "/pay/card.js";

/// A call-back form.
#[derive(Debug, Clone)]
pub struct CallbackView {
    /// Each window on offer: its start (UTC ms, what the form sends back) and its words.
    pub windows: Vec<(i64, String)>,
    /// The last four digits of the number on file, when there is one.
    pub on_file: Option<String>,
    /// What was typed, to show again.
    pub typed_phone: String,
    /// What was wrong.
    pub problem: Option<Problem>,
}

/// The call-back form.
pub fn callback(frame: &Frame<'_>, keys: &FormKeys, view: &CallbackView) -> String {
    let w = words(frame.language);
    let phone_problem = view.problem == Some(Problem::Phone);
    page(
        frame,
        w.callback_heading,
        html! {
            h1 { (w.callback_heading) }
            p { (w.callback_intro) }
            (problem_box(view.problem, None, w))
            form method="post" action=(keys.action) {
                (hidden_keys(keys))
                fieldset {
                    legend { (w.callback_when) }
                    @for (i, (start, words)) in view.windows.iter().enumerate() {
                        label.choice-line for=(format!("window-{}", i + 1)) {
                            input id=(format!("window-{}", i + 1)) name="window" type="radio"
                                value=(start) required checked[i == 0];
                            " " (words)
                        }
                    }
                }
                fieldset {
                    legend { (w.callback_number) }
                    @if let Some(last4) = &view.on_file {
                        label.choice-line for="phone-on-file" {
                            input id="phone-on-file" name="phone_choice" type="radio" value="on_file"
                                checked[!phone_problem];
                            " " (w.on_file) " " (last4)
                        }
                        label.choice-line for="phone-other" {
                            input id="phone-other" name="phone_choice" type="radio" value="other"
                                checked[phone_problem];
                            " " (w.another_number)
                        }
                    }
                    label for="phone" { (w.another_number_label) }
                    input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel"
                        value=(view.typed_phone) required[view.on_file.is_none()]
                        aria-invalid=(if phone_problem { "true" } else { "false" });
                }
                button type="submit" { (w.callback_button) }
            }
            p { a href=(keys.back) { (w.back) } }
        },
    )
}

/// A call back recorded.
pub fn callback_asked(frame: &Frame<'_>, window: &str, last4: &str, back: &str) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.callback_title,
        html! {
            h1 { (w.callback_title) }
            p role="status" id="callback-when" {
                (w.callback_body) " " (window) ", " (w.at_number) " " (last4) "."
            }
            p { a.choice href=(back) { (w.back_to_account) } }
        },
    )
}

/// The page takes no more cards on this link (too many were declined).
pub fn no_more_cards(frame: &Frame<'_>, back: &str) -> String {
    let w = words(frame.language);
    page(
        frame,
        w.no_more_cards_title,
        html! {
            h1 { (w.no_more_cards_title) }
            p role="alert" id="no-more-cards" { (w.no_more_cards_body) }
            p { a.choice href=(tel(frame.company_phone)) { (w.person) span { (frame.company_phone) } } }
            p { a href=(back) { (w.back_to_account) } }
        },
    )
}
