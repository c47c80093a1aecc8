//! Answering a question: the caller's keys (or words, once understood) checked against the
//! question's rules, kept or routed, and what a miss leads to.

use std::ops::ControlFlow;

use super::*;

impl Run<'_> {
    /// Handles an answer (keys, words or silence) at the waiting state; returns where to go, or
    /// `None` when a question is asked again (already queued).
    pub(super) fn answer(
        &mut self,
        session: &mut Session,
        input: &Input,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let Some(state) = flow.states.get(&session.state) else {
            // The flow changed under a live call: hand the caller to a person.
            self.record(ctx, &session.state, "digits", "unknown_state", None);
            return Some(flow.agent_state.clone());
        };
        if let StateKind::ProviderCard { next } = &state.kind {
            // The provider answered card capture as a question: nothing was charged that the
            // line knows of; the action says so and helps.
            self.record(ctx, &state.name, "digits", "unexpected", None);
            session.facts.provider_pay = Some(voice::PayReport {
                result: voice::PayResult::InternalError,
                confirmation: None,
                card_brand: None,
                last4: None,
                error_code: None,
                error: None,
            });
            return Some(next.clone());
        }
        let pending = take_heard(session);
        let (kind, answer) = match input {
            Input::Digits(keys) => ("digits", Answer::Keys(keys.clone())),
            Input::Speech { said, .. } if pending.is_some() => {
                ("speech", self.understand_yes_no(said, session))
            }
            Input::Speech { said, .. } => ("speech", self.understand(state, said, session, ctx)),
            _ => ("silence", Answer::Silence),
        };
        if let Some(pending) = pending {
            return self.settle_read_back(session, state, kind, answer, pending, ctx);
        }
        let unsure = match (input, &flow.speech) {
            (
                Input::Speech {
                    confidence_permille: Some(confidence),
                    ..
                },
                Some(settings),
            ) => *confidence < settings.confirm_below_permille,
            _ => false,
        };
        if let (Answer::Keys(keys), true, Input::Speech { said, .. }) = (&answer, unsure, input)
            && let Some(words) = self.read_back_words(state, keys, said, session, ctx)
        {
            // Words the recognizer doubts are read back before anything is done with them.
            hold_heard(session, state, keys, words);
            self.record(ctx, &state.name, kind, "unsure", None);
            self.ask_read_back(session, ctx);
            return None;
        }
        self.apply(session, state, kind, answer, ctx)
    }

    /// Acts on an answer to the waiting state.
    pub(super) fn apply(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        answer: Answer,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let sensitive = matches!(
            state.kind,
            StateKind::Collect {
                sensitive: true,
                ..
            }
        );
        // Card digits may be among them: wiped when this answer is done.
        let entered = Zeroizing::new(match &answer {
            Answer::Keys(keys) => keys.clone(),
            _ => String::new(),
        });
        let digits = entered.as_str();
        let mut keys = digits.chars();
        let single = match (keys.next(), keys.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        let recorded = recorded_keys(&state.kind, sensitive, digits, single.is_some());
        let shown = recorded.as_deref();
        let keyed = matches!(answer, Answer::Keys(_));
        // A state's own keys come first: on card entry `*` starts the card over, not a repeat.
        if let (StateKind::Collect { keys, .. }, true) = (&state.kind, keyed)
            && let Some(target) = keys.get(digits)
        {
            self.record(ctx, &state.name, kind, &format!("key:{digits}"), shown);
            return Some(target.clone());
        }
        if let ControlFlow::Break(next) =
            self.choose_offer(session, state, kind, single, shown, ctx)
        {
            return next;
        }
        let single_key_question = matches!(
            state.kind,
            StateKind::Menu { .. } | StateKind::Offers { .. } | StateKind::Language { .. }
        );
        let option_keys_taken = match &state.kind {
            StateKind::Menu { options, .. } => single.is_some_and(|k| options.contains_key(&k)),
            _ => false,
        };
        let answer = match (answer, single) {
            (Answer::Keys(_), Some(key)) if key == flow.repeat_key => Answer::Repeat,
            (Answer::Keys(_), Some(key)) if key == flow.agent_key && !option_keys_taken => {
                Answer::Agent
            }
            (Answer::Keys(_), Some(key))
                if Some(key) == flow.pace.slower_key
                    && single_key_question
                    && !option_keys_taken =>
            {
                Answer::Slower
            }
            (answer, _) => answer,
        };
        if let ControlFlow::Break(next) =
            self.act_on_request(session, state, kind, answer, shown, ctx)
        {
            return next;
        }
        self.take_entry(session, state, kind, digits, single, shown, ctx)
    }

    /// At an offers state, a key that names an option (or "more choices") is taken here.
    fn choose_offer(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        single: Option<char>,
        shown: Option<&str>,
        ctx: &impl Context,
    ) -> ControlFlow<Option<String>> {
        let digits = single.map(String::from).unwrap_or_default();
        if let (
            StateKind::Offers {
                offers, options, ..
            },
            Some(key),
        ) = (&state.kind, single)
        {
            if more_key(session) == Some(key) {
                self.record(ctx, &state.name, kind, "more", shown);
                session.more_offers = true;
                self.ask(session, state, ctx, None);
                return ControlFlow::Break(None);
            }
            let chosen = session
                .facts
                .offered
                .offer_at(key)
                .and_then(|offer| offers.get(&offer).map(|(_, target)| (offer, target)));
            if let Some((offer, target)) = chosen {
                self.record(
                    ctx,
                    &state.name,
                    kind,
                    &format!("offer:{}", offer.name()),
                    shown,
                );
                return ControlFlow::Break(Some(target.clone()));
            }
            if let Some(target) = options.get(&key) {
                self.record(ctx, &state.name, kind, &format!("option:{digits}"), shown);
                return ControlFlow::Break(Some(target.clone()));
            }
        }
        ControlFlow::Continue(())
    }

    /// Asking to hear it again, for a person or for the slower pace, and words not understood.
    fn act_on_request(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        answer: Answer,
        shown: Option<&str>,
        ctx: &impl Context,
    ) -> ControlFlow<Option<String>> {
        let flow = self.flow;
        match answer {
            Answer::Repeat => {
                self.record(ctx, &state.name, kind, "repeat", shown);
                session.repeats += 1;
                session.offer_cursor = 0;
                self.slow_down_if_needed(session, state, ctx);
                self.ask(session, state, ctx, None);
                ControlFlow::Break(None)
            }
            Answer::Agent => {
                if !people_available(ctx) {
                    // A callback, where the line has hours to offer one in.
                    if let Some(target) = flow
                        .callback_state
                        .as_ref()
                        .filter(|_| ctx.hours().is_some())
                    {
                        self.record(ctx, &state.name, kind, "callback", shown);
                        return ControlFlow::Break(Some(target.clone()));
                    }
                    // No one to put them through to: say so and ask again, rather than end the
                    // call of someone who only asked for help.
                    self.record(ctx, &state.name, kind, "agent_unavailable", shown);
                    self.ask(session, state, ctx, Some(&flow.messages.no_person));
                    return ControlFlow::Break(None);
                }
                self.record(ctx, &state.name, kind, "agent", shown);
                ControlFlow::Break(Some(flow.agent_state.clone()))
            }
            Answer::Slower => {
                self.record(ctx, &state.name, kind, "slower", shown);
                session.slow = true;
                session.offer_cursor = 0;
                let lead = flow.messages.slower.as_ref();
                self.ask(session, state, ctx, lead);
                ControlFlow::Break(None)
            }
            // Yes and no mean something only at a read-back.
            Answer::NotUnderstood | Answer::Yes | Answer::No => {
                self.record(ctx, &state.name, kind, "not_understood", None);
                session.attempts += 1;
                let lead = flow
                    .messages
                    .not_understood
                    .as_ref()
                    .unwrap_or(&flow.messages.invalid_choice);
                ControlFlow::Break(self.missed(session, state, ctx, lead, false))
            }
            Answer::Keys(_) | Answer::Silence => ControlFlow::Continue(()),
        }
    }

    /// The keys (or silence) as the answer to the question: a choice, a language, a valid entry,
    /// or a miss.
    #[allow(clippy::too_many_arguments)]
    fn take_entry(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        digits: &str,
        single: Option<char>,
        shown: Option<&str>,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let silent = digits.is_empty();
        let language = self.language(session);
        let lead = match (&state.kind, silent) {
            (StateKind::Menu { options, .. }, false) => {
                match single.and_then(|k| options.get(&k)) {
                    Some(target) => {
                        self.record(ctx, &state.name, kind, &format!("option:{digits}"), shown);
                        return Some(target.clone());
                    }
                    None => &flow.messages.invalid_choice,
                }
            }
            (StateKind::Language { options, next }, _) => {
                match (single.and_then(|k| options.get(&k)), silent) {
                    (Some(lang), _) => {
                        session.language = Some(*lang);
                        self.record(ctx, &state.name, kind, &format!("language:{lang}"), shown);
                        return Some(next.clone());
                    }
                    // Silence keeps the default: callers who just wait are not made to choose.
                    (None, true) => {
                        session.language = Some(language);
                        self.record(
                            ctx,
                            &state.name,
                            kind,
                            &format!("default:{language}"),
                            shown,
                        );
                        return Some(next.clone());
                    }
                    (None, false) => &flow.messages.invalid_choice,
                }
            }
            (
                StateKind::Collect {
                    input: what,
                    sensitive,
                    invalid,
                    errors,
                    next,
                    ..
                },
                false,
            ) => match check_entry(*what, digits, session, ctx) {
                Ok(derived) => {
                    let value = digits.to_owned();
                    if *sensitive {
                        session
                            .secrets
                            .0
                            .insert(what.name().to_owned(), Zeroizing::new(value));
                    } else {
                        session.facts.answers.insert(*what, value);
                    }
                    if let Some(learned) = derived {
                        learned.apply(&mut session.facts);
                    }
                    self.record(ctx, &state.name, kind, "valid", shown);
                    return Some(next.clone());
                }
                Err(reason) => {
                    self.record(ctx, &state.name, kind, &format!("invalid:{reason}"), shown);
                    session.attempts += 1;
                    let lead = errors
                        .get(reason)
                        .or(invalid.as_ref())
                        .unwrap_or(&flow.messages.invalid_choice);
                    return self.missed(session, state, ctx, lead, false);
                }
            },
            (StateKind::Offers { offers, .. }, true) if session.slow => {
                // At the slower pace the options come one at a time, and a pause moves on to
                // the next; only after the last does silence count.
                let offered = session
                    .facts
                    .offered
                    .options
                    .iter()
                    .filter(|(_, offer)| offers.contains_key(offer))
                    .count();
                if session.offer_cursor + 1 < offered {
                    session.offer_cursor += 1;
                    self.record(ctx, &state.name, kind, "next_option", None);
                    self.ask(session, state, ctx, None);
                    return None;
                }
                &flow.messages.no_input
            }
            (_, true) => &flow.messages.no_input,
            _ => &flow.messages.invalid_choice,
        };
        let result = if silent { "no_input" } else { "invalid" };
        self.record(ctx, &state.name, kind, result, shown);
        session.attempts += 1;
        session.offer_cursor = 0;
        if silent {
            session.silences += 1;
            self.slow_down_if_needed(session, state, ctx);
        }
        self.missed(session, state, ctx, lead, silent)
    }

    /// After a read-back ("Did you say ...?"): yes keeps the answer, anything else asks the
    /// question again.
    pub(super) fn settle_read_back(
        &mut self,
        session: &mut Session,
        state: &State,
        kind: &str,
        answer: Answer,
        pending: HeldAnswer,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let confirmed = match &answer {
            Answer::Keys(keys) => keys == "1",
            Answer::Yes => true,
            _ => false,
        };
        if confirmed {
            self.record(ctx, &state.name, kind, "confirmed", None);
            return self.apply(
                session,
                state,
                kind,
                Answer::Keys(pending.keys.to_string()),
                ctx,
            );
        }
        if matches!(answer, Answer::Agent)
            || matches!(&answer, Answer::Keys(keys) if keys.chars().eq([flow.agent_key]))
        {
            return self.apply(session, state, kind, Answer::Agent, ctx);
        }
        let silent = matches!(answer, Answer::Silence);
        self.record(
            ctx,
            &state.name,
            kind,
            if silent { "no_input" } else { "not_confirmed" },
            None,
        );
        session.attempts += 1;
        let lead = if silent {
            &flow.messages.no_input
        } else {
            flow.messages
                .heard_wrong
                .as_ref()
                .unwrap_or(&flow.messages.invalid_choice)
        };
        self.missed(session, state, ctx, lead, silent)
    }

    /// A caller who asked for things again, or said nothing, twice in the call is spoken to more
    /// slowly from now on.
    pub(super) fn slow_down_if_needed(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
    ) {
        let pace = &self.flow.pace;
        if session.slow {
            return;
        }
        let why = if session.repeats >= pace.after_repeats {
            "slower:repeats"
        } else if session.silences >= pace.after_silences {
            "slower:silences"
        } else {
            return;
        };
        session.slow = true;
        self.record(ctx, &state.name, "none", why, None);
    }

    /// After a wrong or silent answer (already counted): ask again led by `lead`, or after too
    /// many misses move on to the state's `on_fail` (default: a person). Silence is never
    /// answered with a goodbye while something is left undone: a caller who fell silent reaches
    /// a person, or hears when to call back when no one can be reached.
    pub(super) fn missed(
        &mut self,
        session: &mut Session,
        state: &State,
        ctx: &impl Context,
        lead: &Prompt,
        silent: bool,
    ) -> Option<String> {
        let flow = self.flow;
        let language = self.language(session);
        let max_attempts = state.max_attempts.unwrap_or(flow.max_attempts);
        if session.attempts >= max_attempts {
            let on_fail = match &state.kind {
                StateKind::Menu { on_fail, .. }
                | StateKind::Collect { on_fail, .. }
                | StateKind::Offers { on_fail, .. } => on_fail.clone(),
                StateKind::Language { next, .. } => {
                    session.language = Some(language);
                    Some(next.clone())
                }
                _ => None,
            };
            let mut target = on_fail.unwrap_or_else(|| flow.agent_state.clone());
            let hangs_up = flow
                .states
                .get(&target)
                .is_some_and(|next| matches!(next.kind, StateKind::Hangup));
            // After the survey was offered the business of the call is done: nothing is left
            // for a person to finish.
            let settled = crate::survey::offered(session)
                || session
                    .outcome
                    .as_ref()
                    .is_some_and(|outcome| flow.settled_outcomes.contains(outcome));
            if silent && hangs_up && !settled {
                self.record(ctx, &state.name, "none", "silence_to_person", None);
                target = flow.agent_state.clone();
            }
            // "Let me get you some help" only when help is what comes next.
            if target == flow.agent_state && people_available(ctx) {
                self.say(
                    &flow.messages.too_many_attempts,
                    language,
                    session.slow,
                    ctx,
                );
            }
            return Some(target);
        }
        self.again = Some(silent);
        self.ask(session, state, ctx, Some(lead));
        self.again = None;
        None
    }
}

/// What a step records of the keys pressed: only what it needs. A menu's single key is its
/// choice; a valid amount is the amount; anything else typed at a question that is not sensitive
/// (an account number, keys where a single one was expected) is kept masked to its last four, so
/// a card or bank number keyed at the wrong question is never stored. Sensitive questions record
/// nothing.
pub(super) fn recorded_keys(
    kind: &StateKind,
    sensitive: bool,
    digits: &str,
    single: bool,
) -> Option<String> {
    if sensitive || digits.is_empty() {
        return None;
    }
    let amount = matches!(
        kind,
        StateKind::Collect {
            input: InputKind::Amount,
            ..
        }
    ) && crate::payments::Money::parse_keypad(digits).is_ok();
    if single || amount {
        Some(digits.to_owned())
    } else {
        Some(crate::payments::redact::masked_keys(digits))
    }
}

/// A keyed date of birth (`MMDDYYYY`) as a date.
pub(super) fn keyed_date(keys: &str) -> Option<time::Date> {
    if keys.len() != 8 || !keys.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(keys[..2].parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(keys[4..].parse().ok()?, month, keys[2..4].parse().ok()?).ok()
}

/// The brand of the card entered so far on this call.
pub(super) fn card_brand(session: &Session) -> CardBrand {
    session
        .facts
        .card
        .as_ref()
        .map_or(CardBrand::Unknown, facts::CardLabel::card_brand)
}

/// A fact a valid entry establishes beside the entry itself.
pub(super) enum Learned {
    /// The card number's brand and last four.
    Card(facts::CardLabel),
    /// How many installments.
    PlanCount(u32),
    /// The date promised.
    PromiseDate(time::Date),
    /// The number to call back on (E.164).
    CallbackPhone(String),
    /// The key of the callback window chosen.
    CallbackWindow(usize),
    /// Why paying is hard (a reason's code).
    Hardship(&'static str),
    /// Checking or savings: a new bank account being keyed in.
    BankAccountType(crate::payments::AccountType),
}

impl Learned {
    /// Keeps it with what the call has learned.
    pub(super) fn apply(self, facts: &mut Facts) {
        match self {
            Learned::Card(label) => facts.card = Some(label),
            Learned::PlanCount(count) => {
                if let Some(plan) = &mut facts.plan {
                    plan.count = Some(count);
                }
            }
            Learned::PromiseDate(date) => {
                if let Some(promise) = &mut facts.promise {
                    promise.date = Some(date);
                }
            }
            Learned::CallbackPhone(phone) => facts.callback.phone = Some(phone),
            Learned::CallbackWindow(key) => facts.callback.chosen = Some(key),
            Learned::Hardship(reason) => facts.hardship = Some(reason.to_owned()),
            Learned::BankAccountType(kind) => {
                facts.bank = Some(facts::BankLabel {
                    account_type: Some(kind.as_str().to_owned()),
                    last4: None,
                });
            }
        }
    }
}

/// Checks an entry for what was asked. Returns the non-sensitive fact it establishes (a card's
/// brand and last four digits, a date ...), or the reason it was refused.
pub(super) fn check_entry(
    input: InputKind,
    digits: &str,
    session: &Session,
    ctx: &impl Context,
) -> Result<Option<Learned>, &'static str> {
    use crate::accounts::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
    use crate::payments::{
        AccountType, BankAccountNumber, BillingZip, CardNumber, Expiry, Money, RoutingNumber,
        SecurityCode,
    };
    let shape = |ok: bool| if ok { Ok(None) } else { Err("invalid") };
    match input {
        InputKind::AccountNumber => shape(AccountNumber::parse(digits).is_some()),
        InputKind::Pin => shape(Pin::parse(digits).is_some()),
        InputKind::DateOfBirth => shape(DateOfBirth::parse_keypad(digits, ctx.today()).is_some()),
        InputKind::Zip => shape(Zip::parse(digits).is_some()),
        InputKind::Amount => Money::parse_keypad(digits)
            .map(|_| None)
            .map_err(|_| "not_an_amount"),
        InputKind::CardNumber => {
            let card =
                CardNumber::parse_accepting(digits, ctx.accepted_brands()).map_err(|e| e.code())?;
            Ok(Some(Learned::Card(facts::CardLabel::new(
                card.brand(),
                card.last4(),
            ))))
        }
        InputKind::CardExpiry => Expiry::parse(digits, ctx.today())
            .map(|_| None)
            .map_err(|e| e.code()),
        InputKind::SecurityCode => SecurityCode::parse(digits, card_brand(session))
            .map(|_| None)
            .map_err(|e| e.code()),
        InputKind::BillingZip => BillingZip::parse(digits)
            .map(|_| None)
            .map_err(|e| e.code()),
        InputKind::Installments => {
            let count = digits.parse::<u32>().ok().filter(|count| {
                session
                    .facts
                    .plan
                    .as_ref()
                    .is_some_and(|plan| plan.counts.contains(count))
            });
            count
                .map(|count| Some(Learned::PlanCount(count)))
                .ok_or("not_offered")
        }
        InputKind::PromiseDate => {
            let latest = session
                .facts
                .promise
                .as_ref()
                .map(|promise| promise.latest)
                .ok_or("too_late")?;
            let date = promise_date(digits, ctx.today()).ok_or("not_a_date")?;
            if date <= ctx.today() {
                Err("too_soon")
            } else if date > latest {
                Err("too_late")
            } else {
                Ok(Some(Learned::PromiseDate(date)))
            }
        }
        InputKind::CallbackNumber => crate::hours::CallbackPhone::parse_national(digits)
            .map(|phone| Some(Learned::CallbackPhone(phone.as_str().to_owned())))
            .ok_or("invalid"),
        InputKind::CallbackWindow => {
            let offered = session.facts.callback.windows.len();
            match digits.parse::<usize>() {
                Ok(key) if (1..=offered).contains(&key) => Ok(Some(Learned::CallbackWindow(key))),
                _ => Err("not_offered"),
            }
        }
        InputKind::HardshipReason => match digits {
            "1" | "2" | "3" | "4" | "5" => Ok(Some(Learned::Hardship(hardship_reason(digits)))),
            _ => Err("invalid"),
        },
        InputKind::SurveyResolved => shape(matches!(digits, "1" | "2")),
        InputKind::BankAccountType => match digits {
            "1" => Ok(Some(Learned::BankAccountType(AccountType::Checking))),
            "2" => Ok(Some(Learned::BankAccountType(AccountType::Savings))),
            _ => Err("not_offered"),
        },
        InputKind::RoutingNumber => RoutingNumber::parse(digits)
            .map(|_| None)
            .map_err(|e| e.code()),
        // Whether the two entries match is the action's to check: it holds both.
        InputKind::BankAccountNumber | InputKind::BankAccountNumberAgain => {
            BankAccountNumber::parse(digits)
                .map(|_| None)
                .map_err(|e| e.code())
        }
        InputKind::SurveyRating => shape(matches!(digits, "1" | "2" | "3" | "4" | "5")),
    }
}

/// A promise date keyed as MMDD: the next such day after today (this year or next).
pub(super) fn promise_date(digits: &str, today: time::Date) -> Option<time::Date> {
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = time::Month::try_from(digits[..2].parse::<u8>().ok()?).ok()?;
    let day = digits[2..].parse::<u8>().ok()?;
    let this_year = time::Date::from_calendar_date(today.year(), month, day).ok();
    match this_year {
        Some(date) if date > today => Some(date),
        _ => time::Date::from_calendar_date(today.year() + 1, month, day).ok(),
    }
}

/// The reason code recorded for a hardship key.
pub fn hardship_reason(key: &str) -> &'static str {
    match key {
        "1" => "lost_income",
        "2" => "illness",
        "3" => "family_emergency",
        "4" => "disaster",
        _ => "other",
    }
}
