//! Speaking values: what each flow variable says on this call (money, dates, windows, the
//! arrangement), in the caller's language.

use super::*;

/// The callback window a caller named in words ("tomorrow morning", "el lunes por la tarde"), as
/// its key: each offered window is known by its day and part of the day, the words the caller
/// heard before "between ...".
pub(super) fn spoken_window(
    said: &str,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> Option<String> {
    let hours = ctx.hours()?;
    let named: Vec<usize> = session
        .facts
        .callback
        .windows
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, window)| {
            let words = hours.window_words(*window, ctx.now_ms(), language);
            let name = words.split(',').next().unwrap_or(&words);
            speech::heard::contains_phrase(said, name)
        })
        .map(|(index, _)| index + 1)
        .collect();
    // Only a window named alone is taken: "tomorrow" alone may be two.
    match named.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// The value spoken at a question, as the keys that would enter it; `None` when the words hold
/// no such value.
pub(super) fn spoken_value(
    state: &State,
    listening: &StateSpeech,
    said: &str,
    language: Language,
    session: &Session,
) -> Option<String> {
    use speech::heard;
    let one_key = |key: char| Some(key.to_string());
    match &state.kind {
        StateKind::Menu { options, .. } => {
            let yes_no = heard::yes_no(said, language)
                .and_then(|yes| if yes { listening.yes } else { listening.no });
            let numbered = heard::number(said, language)
                .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
                .filter(|key| options.contains_key(key));
            yes_no.or(numbered).and_then(one_key)
        }
        StateKind::Offers { options, .. } => heard::number(said, language)
            .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
            .filter(|key| {
                options.contains_key(key) || session.facts.offered.offer_at(*key).is_some()
            })
            .and_then(one_key),
        StateKind::Language { options, .. } => heard::number(said, language)
            .and_then(|n| char::from_digit(u32::try_from(n).ok()?, 10))
            .filter(|key| options.contains_key(key))
            .and_then(one_key),
        StateKind::Collect { input, .. } => match input {
            InputKind::AccountNumber | InputKind::Zip => heard::digits(said, language),
            InputKind::Amount => heard::cents(said, language)
                .filter(|cents| *cents > 0)
                .map(|cents| format!("{}*{:02}", cents / 100, cents % 100)),
            InputKind::DateOfBirth => heard::date(said, language).and_then(|date| {
                Some(format!("{:02}{:02}{:04}", date.month, date.day, date.year?))
            }),
            InputKind::PromiseDate => {
                heard::date(said, language).map(|date| format!("{:02}{:02}", date.month, date.day))
            }
            InputKind::Installments | InputKind::HardshipReason | InputKind::CallbackWindow => {
                heard::number(said, language).map(|n| n.to_string())
            }
            InputKind::CallbackNumber => heard::digits(said, language),
            InputKind::SurveyResolved => {
                heard::yes_no(said, language).map(|yes| if yes { "1" } else { "2" }.to_owned())
            }
            InputKind::SurveyRating => heard::number(said, language)
                .filter(|n| (1..=5).contains(n))
                .map(|n| n.to_string()),
            // "checking" and "savings" are the state's phrases; a number said is its key.
            InputKind::BankAccountType => heard::number(said, language)
                .filter(|n| (1..=2).contains(n))
                .map(|n| n.to_string()),
            // Never by voice (the loader gives these questions no speech at all).
            InputKind::Pin
            | InputKind::CardNumber
            | InputKind::CardExpiry
            | InputKind::SecurityCode
            | InputKind::BillingZip
            | InputKind::RoutingNumber
            | InputKind::BankAccountNumber
            | InputKind::BankAccountNumberAgain => None,
        },
        _ => None,
    }
}

/// The account's due date (kept as YYYY-MM-DD).
pub(super) fn due_date(account: &Account) -> Option<time::Date> {
    time::Date::parse(
        &account.due_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

pub(super) fn first_name(account: &Account) -> &str {
    account.name.split_whitespace().next().unwrap_or_default()
}

/// A variable's value as words; empty when it has none (no account yet).
pub(super) fn spoken(
    flow: &Flow,
    var: Var,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> String {
    let account = ctx.account();
    match var {
        Var::FirstName => account.map(first_name).unwrap_or_default().to_owned(),
        Var::Balance => account
            .map(|a| speech::money_words(a.balance_cents, language))
            .unwrap_or_default(),
        Var::MinimumDue => account
            .map(|a| speech::money_words(a.minimum_due_cents, language))
            .unwrap_or_default(),
        Var::DueDate => account
            .and_then(due_date)
            .map(|d| speech::date_words(d, language))
            .unwrap_or_default(),
        Var::DueWhen => account
            .and_then(due_date)
            .map(|due| {
                let date = speech::date_words(due, language);
                match (due < ctx.today(), language) {
                    (false, Language::En) => format!("due {date}"),
                    (true, Language::En) => format!("past due since {date}"),
                    (false, Language::Es) => format!("vence el {date}"),
                    (true, Language::Es) => format!("vencido desde el {date}"),
                }
            })
            .unwrap_or_default(),
        Var::Last4 => account
            .map(|a| speech::digits_words(a.last4(), language))
            .unwrap_or_default(),
        Var::LockoutMinutes => speech::minutes_words(ctx.lockout_minutes(), language),
        Var::Segment => account.map(|a| a.segment.clone()).unwrap_or_default(),
        Var::Language => language.code().to_owned(),
        // Booleans are for conditions; load.rs refuses them in prompts.
        Var::CallerMatched
        | Var::Authenticated
        | Var::AgentAvailable
        | Var::PeopleAvailable
        | Var::CanPayMinimum
        | Var::CanPayOtherAmount
        | Var::FeeApplies
        | Var::CardForPlan
        | Var::CardForPlanChange
        | Var::Hardship
        | Var::DebitNoticed
        | Var::CardForAutopay
        | Var::AutopayHasMethodOnFile
        | Var::PlanByBank
        | Var::AutopayBankPossible
        | Var::AutopayNoticed
        | Var::PaidThisCall
        | Var::SavedIsBank
        | Var::ProviderCapturesCards => String::new(),
        Var::PersonOption if people_available(ctx) => flow
            .messages
            .person_option
            .0
            .get(&language)
            .map(crate::flow::definition::Template::text_only)
            .unwrap_or_default(),
        Var::PersonOption => String::new(),
        Var::LinkOption if ctx.pay_link_reaches() => flow
            .messages
            .link_option
            .as_ref()
            .and_then(|prompt| prompt.0.get(&language))
            .map(crate::flow::definition::Template::text_only)
            .unwrap_or_default(),
        Var::LinkOption => String::new(),
        Var::SmallestPayment => account
            .map(|a| speech::money_words(ctx.smallest_payment_cents(a), language))
            .unwrap_or_default(),
        Var::ReceiptOptions => receipt_options(flow, session, language, ctx),
        Var::CallbackNumber
        | Var::CallbackWindows
        | Var::CallbackWindow
        | Var::NextOpening
        | Var::Heard => spoken_callback(flow, var, language, session, ctx),
        Var::SettlementAmount
        | Var::SettlementExpires
        | Var::PlanSchedule
        | Var::PlanChoices
        | Var::PlanTotal
        | Var::PlanAuthorization
        | Var::PromiseDate
        | Var::PromiseAmount
        | Var::PromiseLatest
        | Var::PromiseSmallest
        | Var::ArrangementStatus
        | Var::ArrangementCard
        | Var::InstallmentAmount => spoken_arrangement(var, language, session, ctx),
        Var::Amount
        | Var::CardBrand
        | Var::CardLast4
        | Var::CardExpiry
        | Var::Confirmation
        | Var::ConfirmationSlowly
        | Var::Fee
        | Var::Total
        | Var::FeeFreeAlternative
        | Var::SecurityCodeWhere => spoken_payment(var, language, session, ctx),
        Var::BankAccountType | Var::BankLast4 | Var::DebitDate | Var::DebitAuthorization => {
            spoken_debit(var, language, session)
        }
        Var::SavedMethod => session
            .facts
            .saved
            .as_ref()
            .map(|saved| saved_words(saved, language))
            .unwrap_or_default(),
        Var::PlanDebitAuthorization => session
            .facts
            .plan_debit
            .as_ref()
            .map(|terms| terms.script.clone())
            .unwrap_or_default(),
        Var::AutopayAmount
        | Var::AutopayMethod
        | Var::AutopayOnFile
        | Var::AutopayFirstDate
        | Var::AutopayAuthorization => spoken_autopay(var, language, session),
    }
}

/// What the AutoPay variables say.
fn spoken_autopay(var: Var, language: Language, session: &Session) -> String {
    let Some(autopay) = session.facts.autopay.as_ref() else {
        return String::new();
    };
    let card = |card: Option<&facts::SavedLabel>| {
        card.map(|card| saved_words(card, language))
            .unwrap_or_default()
    };
    match var {
        Var::AutopayAmount => crate::collections::autopay::AutopayAmount::parse(&autopay.amount)
            .map(|amount| amount.words(language).to_owned())
            .unwrap_or_default(),
        Var::AutopayMethod => card(autopay.card.as_ref()),
        Var::AutopayOnFile => card(autopay.on_file.as_ref()),
        Var::AutopayFirstDate => autopay
            .first_due
            .as_deref()
            .and_then(crate::collections::parse_date)
            .map(|date| speech::date_words(date, language))
            .unwrap_or_default(),
        Var::AutopayAuthorization => autopay.script.clone(),
        _ => String::new(),
    }
}

/// A method on file as said: "Visa ending in 4 2 4 2", "checking account ending in 6 7 8 9".
fn saved_words(saved: &facts::SavedLabel, language: Language) -> String {
    use crate::payments::{AccountType, CardBrand};
    let last4 = speech::digits_words(&saved.last4, language);
    let name = match (saved.kind.as_str(), language) {
        ("bank", Language::En) => AccountType::parse(&saved.label)
            .map_or("bank account", AccountType::spoken_name)
            .to_owned(),
        ("bank", Language::Es) => match AccountType::parse(&saved.label) {
            Some(AccountType::Savings) => "cuenta de ahorros",
            _ => "cuenta de cheques",
        }
        .to_owned(),
        (_, Language::En) => CardBrand::parse(&saved.label)
            .map_or("card", CardBrand::spoken_name)
            .to_owned(),
        (_, Language::Es) => format!(
            "tarjeta {}",
            CardBrand::parse(&saved.label).map_or("", CardBrand::spoken_name)
        )
        .trim_end()
        .to_owned(),
    };
    match language {
        Language::En => format!("{name} ending in {last4}"),
        Language::Es => format!("{name} que termina en {last4}"),
    }
}

/// What the bank debit variables say: the account being keyed in and the debit's terms.
fn spoken_debit(var: Var, language: Language, session: &Session) -> String {
    let bank = session.facts.bank.as_ref();
    let debit = session.facts.debit.as_ref();
    match var {
        Var::BankAccountType => bank
            .and_then(facts::BankLabel::account_type)
            .map(|kind| match (kind, language) {
                (crate::payments::AccountType::Checking, Language::En) => "checking",
                (crate::payments::AccountType::Savings, Language::En) => "savings",
                (crate::payments::AccountType::Checking, Language::Es) => "de cheques",
                (crate::payments::AccountType::Savings, Language::Es) => "de ahorros",
            })
            .unwrap_or_default()
            .to_owned(),
        Var::BankLast4 => bank
            .and_then(|bank| bank.last4.as_deref())
            .map(|last4| speech::digits_words(last4, language))
            .unwrap_or_default(),
        Var::DebitDate => debit
            .and_then(|debit| crate::collections::parse_date(&debit.date))
            .map(|date| speech::date_words(date, language))
            .unwrap_or_default(),
        Var::DebitAuthorization => debit.map(|debit| debit.script.clone()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// What the payment variables say: the amount, the card being keyed in, the fee, the
/// confirmation.
fn spoken_payment(var: Var, language: Language, session: &Session, ctx: &impl Context) -> String {
    let payment = &session.facts.payment;
    let money = |cents: Option<i64>| {
        cents
            .map(|cents| speech::money_words(cents, language))
            .unwrap_or_default()
    };
    match var {
        Var::Amount => money(payment.cents),
        Var::CardBrand => card_brand(session).spoken_name().to_owned(),
        Var::CardLast4 => session
            .facts
            .card
            .as_ref()
            .map(|card| speech::digits_words(&card.last4, language))
            .unwrap_or_default(),
        Var::CardExpiry => session
            .secrets
            .0
            .get(crate::payments::SecretField::CardExpiry.input_name())
            .and_then(|mmyy| crate::payments::Expiry::parse(mmyy, ctx.today()).ok())
            .and_then(|e| Some((time::Month::try_from(e.month()).ok()?, i32::from(e.year()))))
            .map(|(month, year)| speech::month_year_words(month, year, language))
            .unwrap_or_default(),
        Var::Confirmation | Var::ConfirmationSlowly => payment
            .confirmation
            .as_deref()
            .map(|d| speech::grouped_digits_words(d, language, var == Var::ConfirmationSlowly))
            .unwrap_or_default(),
        Var::Fee => money(payment.fee_cents),
        Var::Total => money(
            payment
                .cents
                .map(|amount| amount + payment.fee_cents.unwrap_or(0)),
        ),
        Var::FeeFreeAlternative => ctx
            .policy()
            .and_then(|policy| policy.card_fee.as_ref())
            .and_then(|fee| fee.free_alternative.get(&language).cloned())
            .unwrap_or_default(),
        Var::SecurityCodeWhere => {
            let digits = card_brand(session).security_code_len();
            match (language, digits) {
                (Language::En, 4) => "the 4-digit code on the front of the card".to_owned(),
                (Language::En, _) => "the 3-digit code on the back of the card".to_owned(),
                (Language::Es, 4) => "el código de 4 dígitos al frente de la tarjeta".to_owned(),
                (Language::Es, _) => "el código de 3 dígitos al reverso de la tarjeta".to_owned(),
            }
        }
        _ => String::new(),
    }
}

/// What the arrangement variables say: the settlement, plan or promise on offer, and the
/// returning caller's plan.
fn spoken_arrangement(
    var: Var,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> String {
    let facts = &session.facts;
    let money = |cents: Option<i64>| {
        cents
            .map(|cents| speech::money_words(cents, language))
            .unwrap_or_default()
    };
    let date = |date: Option<time::Date>| {
        date.map(|date| speech::date_words(date, language))
            .unwrap_or_default()
    };
    let promise = facts.promise.as_ref();
    match var {
        Var::SettlementAmount => money(facts.settlement.as_ref().map(|s| s.cents)),
        Var::SettlementExpires => date(facts.settlement.as_ref().map(|s| s.expires)),
        Var::PlanSchedule => collections::terms::schedule_words(
            &planned_schedule(session, ctx),
            language,
            ctx.today(),
        ),
        Var::PlanChoices => {
            let counts: Vec<String> = facts
                .plan
                .iter()
                .flat_map(|plan| plan.counts.iter().map(u32::to_string))
                .collect();
            let or = match language {
                Language::En => "or",
                Language::Es => "o",
            };
            match counts.split_last() {
                None => String::new(),
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
            }
        }
        Var::PlanTotal => money(facts.plan.as_ref().map(|plan| plan.total_cents)),
        Var::PlanAuthorization => ctx
            .policy()
            .and_then(|policy| collections::offers::plan_terms(policy, facts.hardship.is_some()))
            .and_then(|terms| terms.authorization.get(&language).cloned())
            .unwrap_or_default(),
        Var::PromiseDate => date(promise.and_then(|p| p.date)),
        Var::PromiseAmount => money(promise.and_then(|p| p.cents)),
        Var::PromiseLatest => date(promise.map(|p| p.latest)),
        Var::PromiseSmallest => money(promise.map(|p| p.smallest_cents)),
        Var::ArrangementStatus => arrangement_status(session, language),
        Var::ArrangementCard => {
            let card = facts.arrangement.as_ref().map(|a| &a.card);
            let brand = card.map_or(CardBrand::Unknown, facts::CardLabel::card_brand);
            let last4 = card
                .map(|card| speech::digits_words(&card.last4, language))
                .unwrap_or_default();
            match language {
                Language::En => format!("{} ending in {last4}", brand.spoken_name()),
                Language::Es => format!("{} que termina en {last4}", brand.spoken_name()),
            }
        }
        Var::InstallmentAmount => money(facts.arrangement.as_ref().map(|a| a.installment_cents)),
        _ => String::new(),
    }
}

/// How an option is taken, before its key: "say or press" where the call hears answers by
/// voice, "press" where it takes keys only.
fn say_or_press(flow: &Flow, language: Language, ctx: &impl Context) -> &'static str {
    match (listens(flow, ctx), language) {
        (true, Language::En) => "say or press",
        (true, Language::Es) => "diga u oprima",
        (false, Language::En) => "press",
        (false, Language::Es) => "oprima",
    }
}

/// The receipt channels on offer, each with its key.
fn receipt_options(
    flow: &Flow,
    session: &Session,
    language: Language,
    ctx: &impl Context,
) -> String {
    let take = say_or_press(flow, language, ctx);
    let last4 = ctx
        .account()
        .map(|a| {
            let phone = a.phone.as_str();
            speech::digits_words(&phone[phone.len().saturating_sub(4)..], language)
        })
        .unwrap_or_default();
    let mut options = Vec::new();
    if session.facts.receipts.text {
        options.push(match language {
            Language::En => {
                format!("To get it by text message to the number ending in {last4}, {take} 1.")
            }
            Language::Es => format!(
                "Para recibirlo por mensaje de texto al número que termina en {last4}, {take} 1."
            ),
        });
    }
    if session.facts.receipts.email {
        options.push(match language {
            Language::En => format!("To get it by email, {take} 2."),
            Language::Es => format!("Para recibirlo por correo electrónico, {take} 2."),
        });
    }
    options.join(" ")
}

/// What the callback and hours variables say, and an answer held for a yes.
fn spoken_callback(
    flow: &Flow,
    var: Var,
    language: Language,
    session: &Session,
    ctx: &impl Context,
) -> String {
    let callback = &session.facts.callback;
    match var {
        Var::CallbackNumber => callback
            .phone
            .as_deref()
            .and_then(crate::hours::CallbackPhone::from_caller_id)
            .map(|phone| phone.words(language))
            .unwrap_or_default(),
        Var::CallbackWindows => {
            let Some(hours) = ctx.hours() else {
                return String::new();
            };
            let take = say_or_press(flow, language, ctx);
            callback
                .windows
                .iter()
                .enumerate()
                .map(|(i, window)| {
                    let words = hours.window_words(*window, ctx.now_ms(), language);
                    match language {
                        Language::En => format!("For {words}, {take} {}.", i + 1),
                        Language::Es => format!("Para {words}, {take} {}.", i + 1),
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Var::CallbackWindow => callback
            .chosen_window()
            .zip(ctx.hours())
            .map(|(window, hours)| hours.window_words(window, ctx.now_ms(), language))
            .unwrap_or_default(),
        // Without an agent line no one answers the phone whatever the hours say.
        Var::NextOpening if ctx.agent_number().is_none() => match language {
            Language::En => "during business hours".to_owned(),
            Language::Es => "en horario de oficina".to_owned(),
        },
        Var::NextOpening => ctx
            .hours()
            .map(|hours| hours.opening_words(ctx.now_ms(), language))
            .unwrap_or_default(),
        Var::Heard => session
            .secrets
            .0
            .get(HELD_WORDS)
            .map(|words| words.to_string())
            .or_else(|| session.facts.heard.as_ref()?.words.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The callback window the caller chose, of those offered.
pub fn chosen_window(session: &Session) -> Option<crate::hours::Window> {
    session.facts.callback.chosen_window()
}

/// Where a returning caller's plan stands: the next payment, or the one that did not go through.
pub(super) fn arrangement_status(session: &Session, language: Language) -> String {
    let Some(arrangement) = &session.facts.arrangement else {
        return String::new();
    };
    let settlement = arrangement.kind == facts::PlanKind::Settlement;
    let amount = speech::money_words(arrangement.installment_cents, language);
    let due = speech::date_words(arrangement.installment_due, language);
    let missed = arrangement.installment_missed;
    match (language, settlement, missed) {
        (Language::En, false, false) => {
            format!(
                "You have a payment plan with us. Your next payment of {amount} is due on {due}."
            )
        }
        (Language::En, true, false) => format!(
            "You are settling this account in payments. Your next payment of {amount} is due on {due}."
        ),
        (Language::En, _, true) => {
            format!("Your payment plan's payment of {amount}, due on {due}, didn't go through.")
        }
        (Language::Es, false, false) => format!(
            "Usted tiene un plan de pagos con nosotros. Su próximo pago de {amount} vence el {due}."
        ),
        (Language::Es, true, false) => format!(
            "Usted está liquidando esta cuenta en pagos. Su próximo pago de {amount} vence el {due}."
        ),
        (Language::Es, _, true) => {
            format!("El pago de {amount} de su plan, con vencimiento el {due}, no se pudo cobrar.")
        }
    }
}
