//! What a person does on a pay link's page, recorded as the line records it: a payment (through
//! the gateway's own browser form, or the sandbox's labelled demo form), a promise to pay, a
//! plan. A proved visit is one contact in `calls` (provider [`WEB`], id `link-ID`), so its
//! payments and arrangements land on the same records, receipts, reports and screen-pop as a
//! call's, under the same rules:
//!
//! - **Once.** Each payment form handed out is an attempt of its own
//!   (`Store::next_pay_link_form`): the payment is recorded under (visit, attempt) before the
//!   gateway is asked, with the idempotency key the line uses, so a form submitted twice charges
//!   once and the second answer shows the first's result.
//! - **No card on this server** with a gateway that has a browser form (Stripe.js and Elements):
//!   the card goes from the browser to the gateway, which hands back a token. Only the sandbox's
//!   demo form posts test cards here, as the line's keypad does.
//! - **The same amounts and terms** as the line: the policy's options, the smallest payment,
//!   the card fee with its free alternative, the settlement, the plan's schedule and
//!   authorisation, the promise's latest date and smallest amount.

use crate::calls::payments::{
    Recorded, parse_card, payment_binding, payment_description_for, payment_idempotency_key,
    record_charge_result,
};
use crate::collections::offers::plan_terms;
use crate::collections::policy::{PlanTerms, Policy, Smallest};
use crate::collections::run_due::{self, Charged};
use crate::collections::terms;
use crate::error::AppError;
use crate::flow::engine::Secrets;
use crate::language::Language;
use crate::line::Line;
use crate::messages::compose::{Channel, Composer, Receipt};
use crate::messages::templates::Kind;
use crate::payments::{
    CardSetupRequest, ChargeRequest, ChargeResult, DeclineReason, EnteredCard, MethodKind,
    MethodSummary, Money, PaymentMethod, SavedChargeRequest, SecretField, charge_saved_with_retry,
    charge_with_retry,
};
use crate::store::{Account, CallKey, NewArrangement, NewPayment, PayLink, PaymentRecord};
use time::Date;

/// The sealed field a browser form's token waits in with its payment (not card data: the
/// gateway's id for the card entered at the gateway).
pub const GATEWAY_TOKEN: &str = "gateway_token";

/// The provider name a page visit is recorded under in `calls`.
pub const WEB: &str = "web";

/// The id a visit through link `id` is recorded under (with [`WEB`]).
pub fn visit_sid(link_id: i64) -> String {
    format!("link-{link_id}")
}

/// Which payment the person opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayChoice {
    /// The whole balance.
    Full,
    /// The minimum due.
    Minimum,
    /// An amount they type.
    Other,
    /// The settlement on offer, in one payment.
    Settlement,
}

impl PayChoice {
    /// From its name in a URL (`full`, `minimum`, `other`, `settlement`).
    pub fn parse(name: &str) -> Option<PayChoice> {
        Some(match name {
            "full" => PayChoice::Full,
            "minimum" => PayChoice::Minimum,
            "other" => PayChoice::Other,
            "settlement" => PayChoice::Settlement,
            _ => return None,
        })
    }

    /// Its name in a URL.
    pub fn name(self) -> &'static str {
        match self {
            PayChoice::Full => "full",
            PayChoice::Minimum => "minimum",
            PayChoice::Other => "other",
            PayChoice::Settlement => "settlement",
        }
    }
}

/// What a payment of `choice` may be on this account, as the line works it out: a fixed amount,
/// or (another amount) the range the person may type in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payable {
    /// The amount, when it is fixed.
    pub fixed_cents: Option<i64>,
    /// The least that may be paid.
    pub smallest_cents: i64,
    /// The most (the balance).
    pub largest_cents: i64,
    /// Whether paying it settles the account.
    pub settles: bool,
}

/// What `choice` allows on `account` under `policy` today, or `None` when it is not on offer.
pub fn payable(
    app: &Line,
    account: &Account,
    policy: &Policy,
    choice: PayChoice,
) -> Option<Payable> {
    let balance = account.balance_cents;
    let smallest = app.config.payments.smallest_payment_for(balance);
    if balance <= 0 {
        return None;
    }
    let fixed = |cents: i64, settles: bool| Payable {
        fixed_cents: Some(cents),
        smallest_cents: cents,
        largest_cents: cents,
        settles,
    };
    Some(match choice {
        PayChoice::Full => fixed(balance, false),
        PayChoice::Minimum => fixed(account.minimum_due_cents, false),
        PayChoice::Other => Payable {
            fixed_cents: None,
            smallest_cents: smallest,
            largest_cents: balance,
            settles: false,
        },
        PayChoice::Settlement => {
            let terms = policy.settlement.as_ref()?;
            terms.offer_ends(app.today())?;
            let cents = terms::settlement_amount(balance, terms.basis_points, terms.floor_cents);
            fixed(cents, cents < balance)
        }
    })
}

/// Why an amount typed in cannot be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountProblem {
    /// Not an amount of money.
    Unreadable,
    /// Less than the smallest payment.
    TooLow,
    /// More than the balance.
    TooHigh,
}

/// The amount to pay: the fixed one, or the one typed in (`"25"`, `"25.50"`, `"$1,025.50"`)
/// checked against the range.
///
/// # Errors
/// See [`AmountProblem`].
pub fn amount_to_pay(payable: &Payable, typed: Option<&str>) -> Result<i64, AmountProblem> {
    if let Some(cents) = payable.fixed_cents {
        return Ok(cents);
    }
    let cleaned: String = typed
        .unwrap_or_default()
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | ' '))
        .collect();
    let cents = Money::parse_decimal(&cleaned)
        .map_err(|_| AmountProblem::Unreadable)?
        .cents();
    if cents < payable.smallest_cents {
        Err(AmountProblem::TooLow)
    } else if cents > payable.largest_cents {
        Err(AmountProblem::TooHigh)
    } else {
        Ok(cents)
    }
}

/// The policy's card fee on a payment of `cents` (0 where none or waived).
pub fn card_fee(policy: &Policy, account: &Account, cents: i64) -> i64 {
    policy
        .card_fee
        .as_ref()
        .map_or(0, |terms| terms.fee_for(account, cents))
}

/// How the page takes a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEntry {
    /// The gateway's own form in the browser: no card reaches this service.
    Gateway,
    /// The sandbox's demo form, clearly labelled, taking its public test cards.
    Demo,
    /// Neither: the page sends the person to the line to pay.
    ByPhone,
}

/// How this line's gateway takes a card on the page.
pub fn card_entry(app: &Line) -> CardEntry {
    if app.gateway.browser_card_form().is_some() {
        CardEntry::Gateway
    } else if app.gateway.name() == "sandbox" {
        CardEntry::Demo
    } else {
        CardEntry::ByPhone
    }
}

/// The key a form's card setup is made under at the gateway: the same when the form is shown
/// and when it comes back, so the setup the browser completed is found again without trusting
/// an id the browser sends.
fn setup_key(link: &PayLink, form: i64) -> String {
    format!("ivrpay-{}-{form}-card", visit_sid(link.id))
}

/// Prepares (or, under the same key, finds again) the gateway's browser form for form number
/// `form` of `link` (`for_later`: the card is kept for a plan's later installments).
///
/// # Errors
/// The gateway did not prepare it (the page then offers the line).
pub async fn start_card_setup(
    app: &Line,
    link: &PayLink,
    account: &Account,
    form: i64,
    for_later: bool,
) -> Result<crate::payments::CardSetup, crate::payments::GatewayError> {
    let purpose = if for_later {
        "Payment plan by web"
    } else {
        "Web payment"
    };
    let request = CardSetupRequest {
        idempotency_key: setup_key(link, form),
        for_later,
        description: format!("{purpose}, account ending {}", account.last4()),
    };
    tokio::time::timeout(
        app.config.payments.gateway_timeout,
        app.gateway.start_card_setup(&request),
    )
    .await
    .map_err(|_| crate::payments::GatewayError::Timeout)?
}

/// The card as the page gave it.
pub enum CardGiven {
    /// Entered in the gateway's browser form for form number `form`.
    Gateway,
    /// Typed into the demo form (the sandbox's test cards): number, expiry, security code, ZIP.
    Demo(Secrets),
}

impl CardGiven {
    /// The demo form's fields, as the line's keypad fields are kept.
    pub fn demo(number: &str, expiry: &str, security_code: &str, zip: &str) -> CardGiven {
        let digits = |text: &str| -> String { text.chars().filter(char::is_ascii_digit).collect() };
        let fields = [
            (SecretField::CardNumber, digits(number)),
            (SecretField::CardExpiry, digits(expiry)),
            (SecretField::SecurityCode, digits(security_code)),
            (SecretField::BillingZip, digits(zip)),
        ];
        CardGiven::Demo(Secrets(
            fields
                .into_iter()
                .map(|(field, value)| (field.input_name().to_owned(), value.into()))
                .collect(),
        ))
    }
}

/// What the gateway is asked to charge: its token for a card entered in its browser form, or
/// (the demo) the card itself.
enum Chargeable {
    Token(String),
    Card(Box<crate::payments::CardDetails>),
}

/// What became of a card given on the page.
pub enum CardTaken {
    /// Ready to charge.
    Ready(ChargeableCard),
    /// Not entered or not readable: nothing was charged; the person may try again.
    Problem,
}

/// A card ready to charge (opaque outside this module): what the gateway is asked with, what may
/// be shown of it, and what waits sealed with its payment until it is settled (the token, or the
/// demo's fields as typed, as the line's card waits), for upkeep to ask again.
pub struct ChargeableCard {
    card: Chargeable,
    summary: MethodSummary,
    kept: Secrets,
}

/// Reads the card given on form `form` of `link`: asks the gateway what its browser form
/// entered (`for_later`: kept for a plan), or reads the demo form's fields.
///
/// # Errors
/// None: a gateway that does not answer is a [`CardTaken::Problem`] (nothing was charged).
pub async fn take_card(
    app: &Line,
    link: &PayLink,
    account: &Account,
    form: i64,
    given: CardGiven,
    for_later: bool,
) -> CardTaken {
    match given {
        CardGiven::Demo(fields) => match parse_card(app, &fields) {
            Some(card) => CardTaken::Ready(ChargeableCard {
                summary: MethodSummary::card(card.number.brand(), card.number.last4()),
                card: Chargeable::Card(Box::new(card)),
                kept: fields,
            }),
            None => CardTaken::Problem,
        },
        CardGiven::Gateway => {
            // The same key as when the form was shown: the gateway answers with that setup.
            let reference = match start_card_setup(app, link, account, form, for_later).await {
                Ok(setup) => setup.reference,
                Err(error) => {
                    tracing::warn!(%error, "the gateway did not find the form's setup");
                    return CardTaken::Problem;
                }
            };
            let entered = tokio::time::timeout(
                app.config.payments.gateway_timeout,
                app.gateway.finish_card_setup(&reference),
            )
            .await;
            match entered {
                Ok(Ok(EnteredCard::Entered {
                    token,
                    brand,
                    last4,
                })) => CardTaken::Ready(ChargeableCard {
                    kept: Secrets(
                        [(GATEWAY_TOKEN.to_owned(), token.clone().into())]
                            .into_iter()
                            .collect(),
                    ),
                    card: Chargeable::Token(token),
                    summary: MethodSummary {
                        kind: MethodKind::Card,
                        label: brand,
                        last4,
                    },
                }),
                Ok(Ok(EnteredCard::NotEntered)) => CardTaken::Problem,
                Ok(Err(error)) => {
                    tracing::warn!(%error, "the gateway did not say what its form entered");
                    CardTaken::Problem
                }
                Err(_) => {
                    tracing::warn!("the gateway did not say in time what its form entered");
                    CardTaken::Problem
                }
            }
        }
    }
}

/// A payment to make through a link.
pub struct WebPayment<'a> {
    /// The link it is made through.
    pub link: &'a PayLink,
    /// The account paid.
    pub account: &'a Account,
    /// The account's policy.
    pub policy: &'a Policy,
    /// The form it was made on (the attempt).
    pub form: i64,
    /// Cents against the balance.
    pub amount_cents: i64,
    /// Whether it settles the account.
    pub settles: bool,
    /// The card.
    pub card: ChargeableCard,
    /// Where the receipt goes, if the person asked for one.
    pub receipt: Option<Channel>,
}

/// What a payment on the page came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paid {
    /// Taken; the confirmation code, the amount and fee, and how it was paid.
    Approved {
        /// The confirmation code.
        confirmation: String,
        /// Cents against the balance.
        amount_cents: i64,
        /// The fee on top.
        fee_cents: i64,
        /// The card, as it may be shown.
        method: MethodSummary,
        /// Whether the balance is now paid (the link is used up).
        paid_in_full: bool,
    },
    /// Refused; nothing was taken.
    Declined(DeclineReason),
    /// No definite answer: never charged again; the reconciler or a person settles it.
    Unknown,
}

/// What an earlier answer to the same form was.
pub fn paid_of(record: &PaymentRecord) -> Paid {
    match record.status.as_str() {
        "approved" | "clearing" => Paid::Approved {
            confirmation: record.confirmation_code.clone().unwrap_or_default(),
            amount_cents: record.amount_cents,
            fee_cents: record.fee_cents,
            method: record.summary(),
            paid_in_full: false,
        },
        "declined" => Paid::Declined(match record.decline_reason.as_deref() {
            Some("insufficient_funds") => DeclineReason::InsufficientFunds,
            Some("expired_card") => DeclineReason::ExpiredCard,
            Some("incorrect_security_code") => DeclineReason::IncorrectSecurityCode,
            Some("incorrect_number") => DeclineReason::IncorrectNumber,
            Some("processing_error") => DeclineReason::ProcessingError,
            _ => DeclineReason::Declined,
        }),
        _ => Paid::Unknown,
    }
}

/// The payment recorded for form `form` of `link`, if that form was submitted before.
///
/// # Errors
/// A database failure.
pub async fn earlier_payment(
    app: &Line,
    link: &PayLink,
    form: i64,
) -> Result<Option<PaymentRecord>, AppError> {
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    Ok(app
        .store
        .payments_of_call(key)
        .await?
        .into_iter()
        .find(|p| p.attempt == form))
}

/// Declined payments on one link after which its page takes no more cards: a list of stolen
/// cards tried through a link stops there, as the line's own questions stop after their misses.
pub const DECLINES_PER_LINK: usize = 3;

/// Whether `link`'s page has stopped taking cards ([`DECLINES_PER_LINK`]).
///
/// # Errors
/// A database failure.
pub async fn cards_refused(app: &Line, link: &PayLink) -> Result<bool, AppError> {
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    let declined = app
        .store
        .payments_of_call(key)
        .await?
        .iter()
        .filter(|payment| payment.status == "declined")
        .count();
    Ok(declined >= DECLINES_PER_LINK)
}

/// Makes a payment once (see the module docs) and records what it came to.
///
/// # Errors
/// A database failure.
pub async fn pay(app: &Line, payment: WebPayment<'_>) -> Result<Paid, AppError> {
    let WebPayment {
        link,
        account,
        policy,
        form,
        amount_cents,
        settles,
        card,
        receipt,
    } = payment;
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    let fee = card_fee(policy, account, amount_cents);
    let money = Money::from_cents(amount_cents + fee, crate::payments::Currency::Usd)
        .map_err(|e| AppError::Flow(format!("payment amount: {e}")))?;
    let ChargeableCard {
        card: chargeable,
        summary,
        kept,
    } = card;
    let idempotency_key = payment_idempotency_key(&sid, form);
    let now = app.clock.now_ms();
    let gateway = app.gateway.clone();
    let settlement = settles.then(|| NewArrangement {
        account_number: &account.account_number,
        kind: "settlement",
        status: "pending",
        policy: &policy.name,
        total_cents: amount_cents,
        balance_before_cents: account.balance_cents,
        promised_by: None,
        card_token: None,
        method: Some(&summary),
        gateway: Some(gateway.name()),
        consent_version: None,
        consent_text: None,
        hardship_reason: None,
        call: Some(key),
        call_attempt: Some(form),
        now,
    });
    // What the gateway is asked with waits sealed with the payment until it is settled (a
    // browser form's token, or the demo's card fields), so that if this instance dies while the
    // gateway answers, the reconciler asks again under the same key.
    let sealed = crate::calls::seal_secrets(app, &payment_binding(&sid, form), &kept)?;
    drop(kept);
    let new = NewPayment {
        call: key,
        attempt: form,
        account_number: &account.account_number,
        amount_cents,
        fee_cents: fee,
        settlement,
        currency: money.currency().iso_code(),
        method: &summary,
        gateway: gateway.name(),
        idempotency_key: &idempotency_key,
        sealed_card: &sealed,
        sealed_until: now + i64::try_from(app.config.sealed_ttl.as_millis()).unwrap_or(i64::MAX),
        now,
    };
    if let Some(earlier) = app.store.begin_payment(&new).await? {
        // The same form sent again while its first sending is with the gateway (a double
        // tap): wait for that answer. Still none by then: ask again under the same key, as the
        // line does, and the gateway answers what it answered the first time.
        if let Some(settled) = answered(app, link, form, earlier).await? {
            return Ok(settled);
        }
    }
    let description = payment_description_for(WEB, account);
    let timeout = app.config.payments.gateway_timeout;
    let result = match chargeable {
        Chargeable::Token(token) => {
            let request = SavedChargeRequest {
                amount: money,
                token: &token,
                caller_present: true,
                idempotency_key: idempotency_key.clone(),
                description,
            };
            charge_saved_with_retry(gateway.as_ref(), &request, timeout).await
        }
        Chargeable::Card(card) => {
            let method = PaymentMethod::Card(*card);
            let request = ChargeRequest {
                amount: money,
                method: &method,
                idempotency_key: idempotency_key.clone(),
                description,
            };
            charge_with_retry(gateway.as_ref(), &request, timeout).await
        }
    };
    let recorded = record_charge_result(app, key, form, MethodKind::Card, &result).await?;
    let paid = match recorded {
        Recorded::Approved { confirmation } | Recorded::Pending { confirmation } => {
            let after = app.store.account(&account.account_number).await?;
            let paid_in_full = after.as_ref().is_none_or(|a| a.balance_cents <= 0);
            if let (Some(channel), Some(after)) = (receipt, &after) {
                send_receipt(
                    app,
                    after,
                    channel,
                    key,
                    &summary,
                    amount_cents,
                    fee,
                    &confirmation,
                )
                .await?;
            }
            let converted = if settles { "settled" } else { "paid" };
            app.store
                .pay_link_converted(link.id, converted, "paid", paid_in_full, app.clock.now_ms())
                .await?;
            app.store
                .set_outcome_of_ended_call(key, "paid", app.clock.now_ms())
                .await?;
            app.metrics.pay_link("converted");
            Paid::Approved {
                confirmation,
                amount_cents,
                fee_cents: fee,
                method: summary,
                paid_in_full,
            }
        }
        Recorded::Declined(reason) => Paid::Declined(reason),
        Recorded::Unknown => {
            if let ChargeResult::Unknown { detail } = &result {
                tracing::warn!(%detail, "a web payment's outcome is not known yet");
            }
            Paid::Unknown
        }
    };
    tracing::info!(
        pay_link = link.id,
        form,
        account_last4 = %account.last4(),
        amount_cents,
        result = match &paid {
            Paid::Approved { .. } => "approved",
            Paid::Declined(_) => "declined",
            Paid::Unknown => "unknown",
        },
        "web payment"
    );
    Ok(paid)
}

/// What the earlier sending of form `form` came to, waiting (up to twice the gateway's time)
/// while it is still with the gateway; `None` when it is still with the gateway by then (its
/// sending died: it may be asked again under the same key). One the gateway left without an
/// answer is [`Paid::Unknown`]: never asked again from the page (upkeep asks).
///
/// # Errors
/// A database failure.
pub async fn answered(
    app: &Line,
    link: &PayLink,
    form: i64,
    mut earlier: PaymentRecord,
) -> Result<Option<Paid>, AppError> {
    let deadline = tokio::time::Instant::now() + app.config.payments.gateway_timeout * 2;
    while earlier.status == "pending" {
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        match earlier_payment(app, link, form).await? {
            Some(now) => earlier = now,
            None => return Ok(None),
        }
    }
    let paid = match paid_of(&earlier) {
        Paid::Approved {
            confirmation,
            amount_cents,
            fee_cents,
            method,
            ..
        } => Paid::Approved {
            confirmation,
            amount_cents,
            fee_cents,
            method,
            paid_in_full: app
                .store
                .account(&earlier.account_number)
                .await?
                .is_none_or(|account| account.balance_cents <= 0),
        },
        other => other,
    };
    Ok(Some(paid))
}

/// Queues the receipt of a web payment by the channel the person chose (the same key as a
/// standing receipt's, so the same channel is sent to once).
#[allow(clippy::too_many_arguments)]
async fn send_receipt(
    app: &Line,
    account: &Account,
    channel: Channel,
    key: CallKey<'_>,
    method: &MethodSummary,
    amount_cents: i64,
    fee_cents: i64,
    code: &str,
) -> Result<(), AppError> {
    if !super::reaches(app, account, channel).await? {
        return Ok(());
    }
    let composer = Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    };
    let receipt = Receipt {
        amount_cents,
        fee_cents,
        method,
        confirmation: code,
        date: app.today(),
    };
    let dedupe = format!("{}:{}:{code}", key.provider, key.sid);
    if let Some(message) = composer.receipt(account, channel, &receipt, &dedupe) {
        app.store
            .record_contact_choice(
                key,
                &account.account_number,
                channel.name(),
                &[message],
                app.clock.now_ms(),
            )
            .await?;
    }
    Ok(())
}

/// What a promise on the page may be: its latest date and smallest amount, as the line offers
/// it; `None` where the policy makes no promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseBounds {
    /// The latest date that may be promised.
    pub latest: Date,
    /// The least amount.
    pub smallest_cents: i64,
    /// The most (the balance).
    pub largest_cents: i64,
}

/// The promise the policy allows on `account` today.
pub fn promise_bounds(app: &Line, account: &Account, policy: &Policy) -> Option<PromiseBounds> {
    let terms = policy.promise.as_ref()?;
    if account.balance_cents <= 0 {
        return None;
    }
    let smallest = match terms.smallest {
        Smallest::MinimumDue => account.minimum_due_cents.max(
            app.config
                .payments
                .smallest_payment_for(account.balance_cents),
        ),
        Smallest::Cents(cents) => cents,
    }
    .min(account.balance_cents)
    .max(1);
    Some(PromiseBounds {
        latest: app
            .today()
            .saturating_add(time::Duration::days(i64::from(terms.within_days))),
        smallest_cents: smallest,
        largest_cents: account.balance_cents,
    })
}

/// The consent a promise made on the page records: its version, and the words the person
/// agreed to (shown beside the button).
pub const PROMISE_CONSENT_VERSION: &str = "web-promise-2026-12";

/// The words a person agrees to when promising `cents` by `date`.
pub fn promise_words(cents: i64, date: Date, language: Language) -> String {
    let money = crate::messages::templates::money_text(cents);
    let day = crate::messages::templates::date_text(date, language);
    match language {
        Language::En => format!(
            "I promise to pay {money} by {day}. I understand this is not a payment: nothing is \
             charged now, and I will pay by then by phone, on this page, or by mail."
        ),
        Language::Es => format!(
            "Prometo pagar {money} a más tardar el {day}. Entiendo que esto no es un pago: no se \
             cobra nada ahora, y pagaré para esa fecha por teléfono, en esta página o por correo."
        ),
    }
}

/// Records a promise made on form `form` of `link` (once per form), with its consent, and its
/// confirmation by `receipt` (or the account's standing channel).
///
/// # Errors
/// A database failure.
#[allow(clippy::too_many_arguments)]
pub async fn promise(
    app: &Line,
    link: &PayLink,
    account: &Account,
    policy: &Policy,
    form: i64,
    cents: i64,
    date: Date,
    language: Language,
    receipt: Option<Channel>,
) -> Result<i64, AppError> {
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    if let Some(id) = app.store.arrangement_made_on(key, "promise", form).await? {
        return Ok(id);
    }
    let date_text = date.to_string();
    let words = promise_words(cents, date, language);
    let new = NewArrangement {
        account_number: &account.account_number,
        kind: "promise",
        status: "open",
        policy: &policy.name,
        total_cents: cents,
        balance_before_cents: account.balance_cents,
        promised_by: Some(&date_text),
        card_token: None,
        method: None,
        gateway: None,
        consent_version: Some(PROMISE_CONSENT_VERSION),
        consent_text: Some(&words),
        hardship_reason: None,
        call: Some(key),
        call_attempt: Some(form),
        now: app.clock.now_ms(),
    };
    let channel = chosen_or_standing(app, account, receipt).await?;
    let message_key = format!("{WEB}:{sid}:{form}");
    let confirmation = channel.and_then(|channel| {
        let record = crate::store::ArrangementRecord::unsaved(&new, &[]);
        Composer {
            templates: &app.templates,
            settings: &app.config.messaging,
        }
        .promise(
            Kind::PromiseMade,
            account,
            channel,
            &record,
            &message_key,
            None,
        )
    });
    let id = app
        .store
        .create_arrangement(&new, &[], None, &Vec::from_iter(confirmation))
        .await?;
    app.store
        .pay_link_converted(link.id, "promise", "promised", false, new.now)
        .await?;
    app.store
        .set_outcome_of_ended_call(key, "promise", new.now)
        .await?;
    app.metrics.pay_link("converted");
    tracing::info!(pay_link = link.id, arrangement = id, promised_by = %date_text, "promise to pay by web");
    Ok(id)
}

/// The channel a person chose on the page (when it reaches them), else the account's standing
/// one.
async fn chosen_or_standing(
    app: &Line,
    account: &Account,
    chosen: Option<Channel>,
) -> Result<Option<Channel>, AppError> {
    if let Some(channel) = chosen
        && super::reaches(app, account, channel).await?
    {
        return Ok(Some(channel));
    }
    Ok(Channel::standing(account))
}

/// The plan terms the page offers (the policy's ordinary plan; a hardship plan is the line's,
/// after a conversation), and the counts the balance can be split into.
pub fn plan_offer<'p>(policy: &'p Policy, account: &Account) -> Option<(&'p PlanTerms, Vec<u32>)> {
    let terms = plan_terms(policy, false)?;
    let counts = terms.counts_for(account.balance_cents);
    (!counts.is_empty()).then_some((terms, counts))
}

/// A plan's schedule from today, as the line would set it up.
pub fn plan_schedule(
    app: &Line,
    terms: &PlanTerms,
    total_cents: i64,
    count: u32,
) -> Vec<terms::Installment> {
    let today = app.today();
    let first = if terms.first_payment_today {
        today
    } else {
        terms.interval.after(today, 1)
    };
    terms::schedule(total_cents, count, first, terms.interval)
}

/// The recurring-charge authorisation a plan set up on the page asks for, composed in code as
/// the page shows it (the policy's own words are the line's: "by pressing 1"): its version, and
/// its words.
pub fn plan_authorization(app: &Line, terms: &PlanTerms, language: Language) -> (String, String) {
    let company = app.templates.company();
    let phone = app.templates.company_phone();
    let words = match language {
        Language::En => format!(
            "By ticking the box and selecting Set up my plan, you authorize {company} to charge \
             this card for each of these payments on its date, until the plan is paid. You can \
             cancel at any time before a payment date by calling {phone}."
        ),
        Language::Es => format!(
            "Al marcar la casilla y seleccionar Establecer mi plan, usted autoriza a {company} a \
             cobrar a esta tarjeta cada uno de estos pagos en su fecha, hasta que el plan esté \
             pagado. Puede cancelar en cualquier momento antes de la fecha de un pago llamando \
             al {phone}."
        ),
    };
    (format!("web-{}", terms.authorization_version), words)
}

/// What setting a plan up on the page came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanSetUp {
    /// Set up; the first installment paid now (its confirmation code), or scheduled.
    Made {
        /// The arrangement.
        id: i64,
        /// The first installment's confirmation, when it was charged now.
        first_paid: Option<String>,
    },
    /// The card was refused (kept nothing) or the first installment was declined: no plan.
    Declined,
    /// No definite answer on the first installment.
    Unknown,
}

/// Sets up a plan of `count` installments on form `form` of `link`, paid by `card` (kept at the
/// gateway for the later installments), with the consent the page showed, and charges the
/// first installment now where the terms say so. A form submitted twice sets it up once.
///
/// # Errors
/// A database failure.
#[allow(clippy::too_many_arguments)]
pub async fn set_up_plan(
    app: &Line,
    link: &PayLink,
    account: &Account,
    policy: &Policy,
    form: i64,
    count: u32,
    token: (String, MethodSummary),
    language: Language,
    receipt: Option<Channel>,
) -> Result<PlanSetUp, AppError> {
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    if let Some(id) = app.store.arrangement_made_on(key, "plan", form).await? {
        return Ok(PlanSetUp::Made {
            id,
            first_paid: None,
        });
    }
    let Some((terms, counts)) = plan_offer(policy, account) else {
        return Ok(PlanSetUp::Declined);
    };
    if !counts.contains(&count) {
        return Ok(PlanSetUp::Declined);
    }
    let total = account.balance_cents;
    let schedule = plan_schedule(app, terms, total, count);
    let today = app.today();
    let (consent_version, authorization) = plan_authorization(app, terms, language);
    let consent_text = format!(
        "{} | {authorization}",
        terms::schedule_words(&schedule, language, today)
    );
    let installments: Vec<(String, i64)> = schedule
        .iter()
        .map(|i| (i.due.to_string(), i.amount_cents))
        .collect();
    let now = app.clock.now_ms();
    let (token, method) = token;
    let new = NewArrangement {
        account_number: &account.account_number,
        kind: "plan",
        status: if terms.first_payment_today {
            "pending"
        } else {
            "active"
        },
        policy: &policy.name,
        total_cents: total,
        balance_before_cents: account.balance_cents,
        promised_by: None,
        card_token: Some(&token),
        method: Some(&method),
        gateway: Some(app.gateway.name()),
        consent_version: Some(&consent_version),
        consent_text: Some(&consent_text),
        hardship_reason: None,
        call: Some(key),
        call_attempt: Some(form),
        now,
    };
    let channel = chosen_or_standing(app, account, receipt).await?;
    let message_key = format!("{WEB}:{sid}:{form}");
    let confirmation = channel.and_then(|channel| {
        crate::collections::schedule_message(
            app,
            account,
            channel,
            &new,
            &installments,
            &message_key,
        )
    });
    let id = app
        .store
        .create_arrangement(&new, &installments, None, &Vec::from_iter(confirmation))
        .await?;
    tracing::info!(
        pay_link = link.id,
        arrangement = id,
        installments = count,
        "plan set up by web"
    );
    let mut first_paid = None;
    if terms.first_payment_today {
        let collector = run_due::Collector::of(app);
        let stale_before = now - run_due::claim_stale_after(&collector).as_millis() as i64;
        let claimed = app
            .store
            .claim_installment(id, 1, &today.to_string(), now, stale_before)
            .await?;
        // None: set up by this form before, its first installment claimed then.
        if let Some(claimed) = claimed {
            match run_due::charge(&collector, &claimed, true, today).await? {
                Some(Charged::Paid(code) | Charged::Clearing(code)) => first_paid = Some(code),
                Some(Charged::Declined { .. }) => {
                    app.store.decline_arrangement(id, now).await?;
                    return Ok(PlanSetUp::Declined);
                }
                Some(Charged::Unknown | Charged::Covered) | None => return Ok(PlanSetUp::Unknown),
            }
        }
    }
    app.store
        .pay_link_converted(link.id, "plan", "plan_made", false, app.clock.now_ms())
        .await?;
    app.store
        .set_outcome_of_ended_call(key, "plan", app.clock.now_ms())
        .await?;
    app.metrics.pay_link("converted");
    Ok(PlanSetUp::Made { id, first_paid })
}

/// Keeps a card for a plan: what its browser form entered (kept with a Customer), or the demo
/// card kept at the sandbox.
///
/// # Errors
/// None: a card that was not kept is `None` (nothing was charged).
pub async fn keep_for_plan(
    app: &Line,
    link: &PayLink,
    form: i64,
    card: ChargeableCard,
) -> Option<(String, MethodSummary)> {
    let ChargeableCard { card, summary, .. } = card;
    match card {
        Chargeable::Token(token) => Some((token, summary)),
        Chargeable::Card(card) => {
            let saved = crate::payments::save_card_with_retry(
                app.gateway.as_ref(),
                &crate::payments::SaveCardRequest {
                    card: &card,
                    idempotency_key: format!("ivrpay-{}-card-{form}", visit_sid(link.id)),
                    description: "Payment plan by web".to_owned(),
                },
                app.config.payments.gateway_timeout,
            )
            .await;
            match saved {
                crate::payments::SaveOutcome::Saved { token } => Some((token, summary)),
                crate::payments::SaveOutcome::Declined { .. } => None,
            }
        }
    }
}

/// How many call-back windows the page offers.
const CALLBACK_WINDOWS: usize = 4;

/// The windows a person may ask to be called back in, as the line offers them (the next few
/// halves of the line's open days); none without business hours.
pub fn callback_windows(app: &Line) -> Vec<crate::hours::Window> {
    app.hours.as_deref().map_or_else(Vec::new, |hours| {
        hours.callback_windows(app.clock.now_ms(), CALLBACK_WINDOWS)
    })
}

/// A window in words for the page ("tomorrow morning, between 9 AM and noon").
pub fn window_words(app: &Line, window: crate::hours::Window, language: Language) -> String {
    app.hours.as_deref().map_or_else(String::new, |hours| {
        hours.window_words(window, app.clock.now_ms(), language)
    })
}

/// Records a call back asked for on form `form` of `link` (once per form), where the console's
/// call-back list shows it beside the line's.
///
/// # Errors
/// A database failure.
pub async fn ask_callback(
    app: &Line,
    link: &PayLink,
    account: &Account,
    form: i64,
    phone: &crate::hours::CallbackPhone,
    window: crate::hours::Window,
    language: Language,
) -> Result<i64, AppError> {
    let sid = visit_sid(link.id);
    let key = CallKey {
        provider: WEB,
        sid: &sid,
    };
    let now = app.clock.now_ms();
    let id = app
        .store
        .record_callback(&crate::store::NewCallback {
            account_number: Some(&account.account_number),
            call: key,
            call_attempt: form,
            phone: phone.as_str(),
            window_start: window.start_ms,
            window_end: window.end_ms,
            language: language.code(),
            reason: CALLBACK_REASON,
            asked_at: None,
            now,
        })
        .await?;
    app.store
        .pay_link_step(link.id, "callback_asked", now)
        .await?;
    app.store
        .set_outcome_of_ended_call(key, "callback", now)
        .await?;
    tracing::info!(
        pay_link = link.id,
        callback = id,
        "call back asked for by web"
    );
    Ok(id)
}

/// Why a call back asked for on the page is in the console's list (`callbacks.reason`).
pub const CALLBACK_REASON: &str = "web";
