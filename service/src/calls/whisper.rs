//! The whisper: what the agent hears before a transferred caller is connected, so the caller never
//! has to repeat who they are or why they called.

use crate::error::AppError;
use crate::flow::{Flow, State, StateKind};
use crate::language::Language;
use crate::line::Line;
use crate::speech;
use crate::store::CallKey;
use crate::store::StepRecord;
use crate::voice;

/// The agent's briefing for a call, in English (the agents' language).
///
/// # Errors
/// A database failure, or an unknown call.
pub async fn briefing(app: &Line, call: CallKey<'_>) -> Result<voice::Response, AppError> {
    let call = app
        .store
        .call_record_of(call)
        .await?
        .ok_or(AppError::NotFound)?;
    let en = Language::En;
    let mut lines = vec!["Transfer from the payment line.".to_owned()];
    let language = match call.language.as_deref().and_then(Language::parse) {
        Some(Language::Es) => "Spanish",
        _ => "English",
    };
    lines.push(format!("The caller speaks {language}."));
    let account = match &call.account_number {
        Some(number) => app.store.account(number).await?,
        None => None,
    };
    let authenticated = call.steps.iter().any(|s| s.result == "verified");
    match &account {
        Some(account) => {
            lines.push(format!(
                "Account ending {}, {}, {}.",
                speech::digits_words(account.last4(), en),
                account.name,
                if authenticated {
                    "identity verified"
                } else {
                    "identity not verified"
                }
            ));
            if authenticated {
                lines.push(format!(
                    "Balance {}, minimum due {}.",
                    speech::money_words(account.balance_cents, en),
                    speech::money_words(account.minimum_due_cents, en)
                ));
            }
            if account.locked_until.is_some_and(|t| t > app.clock.now_ms()) {
                lines.push("The account is locked after failed PIN attempts.".into());
            }
            if authenticated {
                lines.extend(collections_context(app, account, &call.steps).await?);
            }
        }
        None => lines.push("The caller has not been identified.".into()),
    }
    for payment in &call.payments {
        let amount = speech::money_words(payment.amount_cents, en);
        let method = payment.summary();
        let card = format!(
            "{} ending {}",
            method.name_or_kind(),
            speech::digits_words(&method.last4, en)
        );
        lines.push(match payment.status.as_str() {
            "approved" => format!("They paid {amount} on this call with {card}."),
            "declined" => format!(
                "A payment of {amount} with {card} {}.",
                declined_because(payment.decline_reason.as_deref())
            ),
            // A code was given: the gateway accepted it, and it clears later (a bank debit).
            "pending" if payment.confirmation_code.is_some() => format!(
                "A payment of {amount} with {card} was accepted and has not cleared yet: do not charge again."
            ),
            "clearing" => format!(
                "A bank payment of {amount} from their {card} was accepted on this call and is clearing: do not take it again."
            ),
            "failed" | "returned" => format!(
                "A bank payment of {amount} from their {card} came back from the bank."
            ),
            _ => format!(
                "A payment of {amount} with {card} has no answer from the bank yet: do not charge again; check it in the gateway."
            ),
        });
    }
    lines.extend(why_put_through(&app.flow, &call.steps));
    let mut response = voice::Response::new();
    response.push(voice::Verb::Prompt(voice::Prompt::Say {
        text: lines.join(" "),
        language: en,
        voice: app.flow.voices.get(&en).cloned(),
        slow: false,
        recorded: None,
    }));
    Ok(response)
}

/// What the collections side knows: flags an agent must respect, a plan under way, and what the
/// caller said about trouble paying on this call.
async fn collections_context(
    app: &Line,
    account: &crate::store::Account,
    steps: &[crate::store::StepRecord],
) -> Result<Vec<String>, AppError> {
    let en = Language::En;
    let mut lines = Vec::new();
    let flags: Vec<&str> = crate::collections::policy::flags_of(account).collect();
    if flags.contains(&"dispute") {
        lines.push("The account is disputed: do not ask for payment.".to_owned());
    }
    if flags.contains(&"bankruptcy") {
        lines.push("The account is in bankruptcy: do not ask for payment.".to_owned());
    }
    if flags.contains(&"vulnerable") {
        lines.push("The caller may need extra care.".to_owned());
    }
    if let Some(plan) = app.store.open_plan(&account.account_number).await?
        && let Some(next) = plan
            .installments
            .iter()
            .find(|i| !matches!(i.status.as_str(), "paid" | "cancelled"))
    {
        let due = crate::collections::parse_date(&next.due_date)
            .map(|d| speech::date_words(d, en))
            .unwrap_or_default();
        lines.push(format!(
            "They have a payment plan; {} {} {due}.",
            if next.status == "retrying" {
                "a payment was declined:"
            } else {
                "next payment"
            },
            speech::money_words(next.amount_cents, en),
        ));
    }
    let reason = steps.iter().rev().find_map(|step| {
        let state = app.flow.states.get(&step.state)?;
        let StateKind::Collect {
            input: crate::flow::InputKind::HardshipReason,
            ..
        } = state.kind
        else {
            return None;
        };
        step.digits
            .as_deref()
            .filter(|_| step.result == "valid")
            .map(crate::flow::engine::hardship_reason)
    });
    if let Some(reason) = reason {
        lines.push(format!(
            "They told us paying is hard right now: {}.",
            match reason {
                "lost_income" => "they lost work or income",
                "illness" => "an illness or injury",
                "family_emergency" => "a family emergency or loss",
                "disaster" => "a natural disaster",
                _ => "for another reason",
            }
        ));
    }
    Ok(lines)
}

/// The end of "A payment ... with Visa ending 4 2 4 2 ...", from the recorded decline reason.
fn declined_because(reason: Option<&str>) -> &'static str {
    match reason {
        Some("insufficient_funds") => "was declined for insufficient funds",
        Some("expired_card") => "was declined: the bank says the card has expired",
        Some("incorrect_security_code") => "was declined: the security code did not match",
        Some("incorrect_number") => "was declined: the bank does not know that card number",
        Some("processing_error") => "could not be processed, and was not charged",
        _ => "was declined by the bank",
    }
}

/// Why a caller is coming through to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// They asked for a person.
    Asked,
    /// They stopped answering.
    NoAnswer,
    /// Their entries kept failing.
    FailedEntries,
    /// They went round the same question too many times.
    SeveralTries,
    /// The flow sent them on its own (a payment with no answer from the bank, say).
    Sent,
}

impl Reason {
    /// As stored with a transfer.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Asked => "asked",
            Reason::NoAnswer => "no_answer",
            Reason::FailedEntries => "failed_entries",
            Reason::SeveralTries => "several_tries",
            Reason::Sent => "sent",
        }
    }

    /// Parses a stored value.
    pub fn parse(text: &str) -> Option<Reason> {
        [
            Reason::Asked,
            Reason::NoAnswer,
            Reason::FailedEntries,
            Reason::SeveralTries,
            Reason::Sent,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// "They asked for a person while entering their PIN.", with the activity of the state (see
    /// [`State::activity`]) where it happened, if the flow names one.
    pub fn sentence(self, activity: Option<&str>) -> String {
        match (self, activity) {
            (Reason::SeveralTries, Some(activity)) => {
                format!("They were put through after several tries, {activity}.")
            }
            (Reason::SeveralTries, None) => "They were put through after several tries.".into(),
            (Reason::Sent, _) => "The call flow put them through on its own.".into(),
            (reason, activity) => {
                let activity = activity
                    .map(|activity| format!(" while {activity}"))
                    .unwrap_or_default();
                match reason {
                    Reason::Asked => format!("They asked for a person{activity}."),
                    Reason::NoAnswer => {
                        format!("They were put through because they stopped answering{activity}.")
                    }
                    _ => format!(
                        "They were put through after several entries that did not work{activity}."
                    ),
                }
            }
        }
    }
}

/// Why the caller is coming through, and the flow state where it happened, from the call's last
/// answer: they asked, they stopped answering, their entries kept failing, or (`Sent`, state
/// `None` unless they had answered something) the flow sent them on its own.
pub fn put_through(flow: &Flow, steps: &[StepRecord]) -> (Reason, Option<String>) {
    let Some(last) = steps
        .iter()
        // Words count as an answer as much as keys do: "a person, please" is asking.
        .rposition(|s| matches!(s.input_kind.as_str(), "digits" | "speech" | "silence"))
    else {
        return (Reason::Sent, None);
    };
    let answer = &steps[last];
    if let Some(looped) = steps[last..].iter().find(|s| s.result == "max_visits") {
        return (Reason::SeveralTries, Some(looped.state.clone()));
    }
    let state = flow.states.get(&answer.state);
    let chose_a_person = |key: &str| {
        matches!(state.map(|s| &s.kind), Some(StateKind::Menu { options, .. })
            if key.chars().next().and_then(|k| options.get(&k)) == Some(&flow.agent_state))
    };
    let reason = match answer.result.as_str() {
        "agent" | "offer:person" => Reason::Asked,
        "no_input" => Reason::NoAnswer,
        result
            if result == "invalid"
                || result.starts_with("invalid:")
                || matches!(result, "not_understood" | "not_confirmed") =>
        {
            Reason::FailedEntries
        }
        result => match result.strip_prefix("option:") {
            Some(key) if chose_a_person(key) => Reason::Asked,
            _ => Reason::Sent,
        },
    };
    (reason, Some(answer.state.clone()))
}

/// Why the caller is coming through, in plain words (see [`put_through`]); nothing when the flow
/// sent them on its own (then the payment lines above say why, or nothing is claimed).
fn why_put_through(flow: &Flow, steps: &[StepRecord]) -> Option<String> {
    let (reason, state) = put_through(flow, steps);
    if reason == Reason::Sent {
        return None;
    }
    let activity = state
        .and_then(|name| flow.states.get(&name))
        .and_then(State::activity);
    Some(reason.sentence(activity))
}
