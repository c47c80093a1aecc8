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
    let (hours, encoded) = (
        ctx.hours()?,
        session.values.get(crate::hours::keys::CALLBACK_WINDOWS)?,
    );
    let named: Vec<usize> = crate::hours::decode_windows(encoded)
        .into_iter()
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
                options.contains_key(key)
                    || session
                        .values
                        .get(keys::OFFER_KEYS)
                        .and_then(|encoded| collections::offers::decode(encoded, *key))
                        .is_some()
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
            // Never by voice (the loader gives these questions no speech at all).
            InputKind::Pin
            | InputKind::CardNumber
            | InputKind::CardExpiry
            | InputKind::SecurityCode
            | InputKind::BillingZip => None,
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
        | Var::CanPayOtherAmount => String::new(),
        Var::PersonOption if people_available(ctx) => flow
            .messages
            .person_option
            .0
            .get(&language)
            .map(crate::flow::definition::Template::text_only)
            .unwrap_or_default(),
        Var::PersonOption => String::new(),
        Var::Amount => session
            .values
            .get("payment_cents")
            .and_then(|c| c.parse().ok())
            .map(|cents| speech::money_words(cents, language))
            .unwrap_or_default(),
        Var::SmallestPayment => account
            .map(|a| speech::money_words(ctx.smallest_payment_cents(a), language))
            .unwrap_or_default(),
        Var::CardBrand => card_brand(session).spoken_name().to_owned(),
        Var::CardLast4 => session
            .values
            .get("card_last4")
            .map(|d| speech::digits_words(d, language))
            .unwrap_or_default(),
        Var::CardExpiry => session
            .secrets
            .0
            .get("card_expiry")
            .and_then(|mmyy| crate::payments::Expiry::parse(mmyy, ctx.today()).ok())
            .and_then(|e| Some((time::Month::try_from(e.month()).ok()?, i32::from(e.year()))))
            .map(|(month, year)| speech::month_year_words(month, year, language))
            .unwrap_or_default(),
        Var::Confirmation => session
            .values
            .get("confirmation")
            .map(|d| speech::grouped_digits_words(d, language, false))
            .unwrap_or_default(),
        Var::ConfirmationSlowly => session
            .values
            .get("confirmation")
            .map(|d| speech::grouped_digits_words(d, language, true))
            .unwrap_or_default(),
        Var::SettlementAmount => money_of(session, keys::SETTLEMENT_CENTS, language),
        Var::SettlementExpires => date_words_of(session, keys::SETTLEMENT_EXPIRES, language),
        Var::PlanSchedule => collections::terms::schedule_words(
            &planned_schedule(session, ctx),
            language,
            ctx.today(),
        ),
        Var::PlanChoices => {
            let counts: Vec<String> = session
                .values
                .get(keys::PLAN_COUNTS)
                .map(|c| c.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
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
        Var::PlanTotal => money_of(session, keys::PLAN_TOTAL, language),
        Var::PlanAuthorization => ctx
            .policy()
            .and_then(|policy| {
                collections::offers::plan_terms(policy, session.values.contains_key(keys::HARDSHIP))
            })
            .and_then(|terms| terms.authorization.get(&language).cloned())
            .unwrap_or_default(),
        Var::PromiseDate => date_words_of(session, keys::PROMISE_DATE, language),
        Var::PromiseAmount => money_of(session, keys::PROMISE_CENTS, language),
        Var::PromiseLatest => date_words_of(session, keys::PROMISE_LATEST, language),
        Var::PromiseSmallest => money_of(session, keys::PROMISE_SMALLEST, language),
        Var::Fee => money_of(session, keys::FEE_CENTS, language),
        Var::Total => match (
            cents_of(session, "payment_cents"),
            cents_of(session, keys::FEE_CENTS),
        ) {
            (Some(amount), fee) => speech::money_words(amount + fee.unwrap_or(0), language),
            _ => String::new(),
        },
        Var::FeeFreeAlternative => ctx
            .policy()
            .and_then(|policy| policy.card_fee.as_ref())
            .and_then(|fee| fee.free_alternative.get(&language).cloned())
            .unwrap_or_default(),
        Var::ArrangementStatus => arrangement_status(session, language),
        Var::ArrangementCard => {
            let brand = session
                .values
                .get(keys::ARRANGEMENT_CARD_BRAND)
                .and_then(|b| CardBrand::parse(b))
                .unwrap_or(CardBrand::Unknown);
            let last4 = session
                .values
                .get(keys::ARRANGEMENT_CARD_LAST4)
                .map(|d| speech::digits_words(d, language))
                .unwrap_or_default();
            match language {
                Language::En => format!("{} ending in {last4}", brand.spoken_name()),
                Language::Es => format!("{} que termina en {last4}", brand.spoken_name()),
            }
        }
        Var::InstallmentAmount => money_of(session, keys::INSTALLMENT_CENTS, language),
        Var::SecurityCodeWhere => {
            let digits = card_brand(session).security_code_len();
            match (language, digits) {
                (Language::En, 4) => "the 4-digit code on the front of the card".to_owned(),
                (Language::En, _) => "the 3-digit code on the back of the card".to_owned(),
                (Language::Es, 4) => "el código de 4 dígitos al frente de la tarjeta".to_owned(),
                (Language::Es, _) => "el código de 3 dígitos al reverso de la tarjeta".to_owned(),
            }
        }
        Var::ReceiptOptions => {
            let last4 = account
                .map(|a| {
                    let phone = a.phone.as_str();
                    speech::digits_words(&phone[phone.len().saturating_sub(4)..], language)
                })
                .unwrap_or_default();
            let mut options = Vec::new();
            if session.values.contains_key(keys::CAN_TEXT) {
                options.push(match language {
                    Language::En => format!(
                        "To get it by text message to the number ending in {last4}, say or press 1."
                    ),
                    Language::Es => format!(
                        "Para recibirlo por mensaje de texto al número que termina en {last4}, diga u oprima 1."
                    ),
                });
            }
            if session.values.contains_key(keys::CAN_EMAIL) {
                options.push(match language {
                    Language::En => "To get it by email, say or press 2.".to_owned(),
                    Language::Es => {
                        "Para recibirlo por correo electrónico, diga u oprima 2.".to_owned()
                    }
                });
            }
            options.join(" ")
        }
        Var::CallbackNumber => session
            .values
            .get(crate::hours::keys::CALLBACK_PHONE)
            .and_then(|phone| crate::hours::CallbackPhone::from_caller_id(phone))
            .map(|phone| phone.words(language))
            .unwrap_or_default(),
        Var::CallbackWindows => {
            let (Some(hours), Some(encoded)) = (
                ctx.hours(),
                session.values.get(crate::hours::keys::CALLBACK_WINDOWS),
            ) else {
                return String::new();
            };
            crate::hours::decode_windows(encoded)
                .into_iter()
                .enumerate()
                .map(|(i, window)| {
                    let words = hours.window_words(window, ctx.now_ms(), language);
                    match language {
                        Language::En => format!("For {words}, say or press {}.", i + 1),
                        Language::Es => format!("Para {words}, diga u oprima {}.", i + 1),
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        Var::CallbackWindow => chosen_window(session)
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
            .or_else(|| session.values.get(HELD_WORDS).cloned())
            .unwrap_or_default(),
        Var::FeeApplies | Var::CardForPlan | Var::CardForPlanChange | Var::Hardship => {
            String::new()
        }
    }
}

/// The callback window the caller chose, of those offered.
pub fn chosen_window(session: &Session) -> Option<crate::hours::Window> {
    let key: usize = session
        .values
        .get(crate::hours::keys::CALLBACK_WINDOW)?
        .parse()
        .ok()?;
    let offered = session.values.get(crate::hours::keys::CALLBACK_WINDOWS)?;
    crate::hours::decode_windows(offered)
        .get(key.checked_sub(1)?)
        .copied()
}

pub(super) fn money_of(session: &Session, key: &str, language: Language) -> String {
    cents_of(session, key)
        .map(|cents| speech::money_words(cents, language))
        .unwrap_or_default()
}

pub(super) fn date_words_of(session: &Session, key: &str, language: Language) -> String {
    date_of(session, key)
        .map(|date| speech::date_words(date, language))
        .unwrap_or_default()
}

/// Where a returning caller's plan stands: the next payment, or the one that did not go through.
pub(super) fn arrangement_status(session: &Session, language: Language) -> String {
    let settlement = session
        .values
        .get(keys::ARRANGEMENT_KIND)
        .is_some_and(|k| k == "settlement");
    let amount = money_of(session, keys::INSTALLMENT_CENTS, language);
    let due = date_words_of(session, keys::INSTALLMENT_DUE, language);
    let missed = session
        .values
        .get(keys::INSTALLMENT_MISSED)
        .is_some_and(|m| m == "1");
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
