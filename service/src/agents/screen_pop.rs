//! The screen-pop: what an agent sees about a transferred caller, gathered from the transfer, the
//! call's steps and payments, and the account, and put in plain words.
//!
//! Only what an agent may see gets in: the account number masked to its last four digits, card
//! brand and last four, never a card number, security code, PIN, or a digit the caller keyed
//! (steps are described by what the caller was doing, as the whisper does, not by their keys).

use time::OffsetDateTime;

use crate::calls::whisper::Reason;
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::{Action, Flow, State, StateKind};
use crate::http::AppState;
use crate::language::Language;
use crate::messages::templates::{date_text, money_text};
use crate::store::{
    ArrangementRecord, CallKey, Disposition, PaymentRecord, SavedMethod, StepRecord, TransferRow,
};

/// A method on file as the console names it: "Visa ending 4242".
pub fn on_file_label(saved: &SavedMethod) -> String {
    let method = saved.summary();
    format!("{} ending {}", method.name_or_kind(), method.last4)
}

/// One transfer as the console shows it.
#[derive(Debug, Clone)]
pub struct ScreenPop {
    /// The transfer's id.
    pub id: i64,
    /// Bumped by every change (the page skips an update it already shows).
    pub version: i64,
    /// `waiting`, `claimed` or `done`.
    pub status: String,
    /// Who took it.
    pub claimed_by: Option<i64>,
    /// Their name.
    pub claimed_by_name: Option<String>,
    /// How it ended, as shown.
    pub disposition: Option<&'static str>,
    /// The agent's note.
    pub note: Option<String>,
    /// When the caller was put through, `HH:MM:SS UTC`.
    pub asked_at: String,
    /// The caller's name, once identified.
    pub name: Option<String>,
    /// `•••• 6618`, once identified.
    pub account: Option<String>,
    /// "Verified by PIN", "Verified by date of birth and ZIP", or "Not verified".
    pub verified: &'static str,
    /// Whether the account is locked after failed attempts.
    pub locked: bool,
    /// `$1,234.56`.
    pub balance: Option<String>,
    /// `$45.00`.
    pub minimum_due: Option<String>,
    /// "December 1, 2026".
    pub due_date: Option<String>,
    /// The collections segment.
    pub segment: Option<String>,
    /// The account's flags.
    pub flags: Vec<String>,
    /// Settlements, plans and promises, one line each.
    pub arrangements: Vec<String>,
    /// Cards kept on file: each one's id (to remove it) and its brand and last four only
    /// ("Visa ending 4242").
    pub on_file: Vec<(i64, String)>,
    /// This call's steps: time and what happened.
    pub steps: Vec<(String, String)>,
    /// Payment attempts on this call, one line each.
    pub payments: Vec<String>,
    /// Why they are coming through and where: "They asked for a person while entering their PIN."
    pub why: String,
    /// "English" or "Spanish".
    pub language: &'static str,
    /// Whether the agent who took the caller may send them to key in a card (the line can move
    /// calls, and the caller was verified).
    pub card_entry_offered: bool,
    /// Whether the account has AutoPay on (the agent who took the call may stop it).
    pub autopay_on: bool,
    /// The account's pay links, newest first, one line each: how it went out and how far the
    /// person got.
    pub pay_links: Vec<String>,
    /// The channels a pay link can be sent to this caller by (`sms`, `email`).
    pub link_channels: Vec<&'static str>,
    /// Where a caller sent to key in a card is: on the card questions, or back.
    pub card_entry: Option<&'static str>,
    /// Whether the caller is on the card questions now (not to be sent again meanwhile).
    pub card_entry_pending: bool,
    /// When the caller's call ended, `HH:MM:SS UTC`, if it has.
    pub call_ended_at: Option<String>,
}

/// Gathers what the console shows about a transfer.
///
/// # Errors
/// A database failure.
pub async fn load(app: &AppState, row: &TransferRow) -> Result<ScreenPop, AppError> {
    let call = app
        .line
        .store
        .call_record_of(CallKey {
            provider: &row.provider,
            sid: &row.call_sid,
        })
        .await?;
    let (steps, payments) = match call {
        Some(call) => (call.steps, call.payments),
        None => (Vec::new(), Vec::new()),
    };
    let account = match &row.account_number {
        Some(number) => app.line.store.account(number).await?,
        None => None,
    };
    let arrangements = match &account {
        Some(account) => {
            app.line
                .store
                .arrangements_for_account(&account.account_number)
                .await?
        }
        None => Vec::new(),
    };
    let autopay_on = arrangements
        .iter()
        .any(|a| a.kind == "autopay" && a.status == "active");
    let arrangements = arrangements.iter().map(arrangement_line).collect();
    let (pay_links, link_channels) = match &account {
        Some(account) => {
            let links = app
                .line
                .store
                .pay_links_for_account(&account.account_number)
                .await?;
            let now = app.line.clock.now_ms();
            let mut channels = Vec::new();
            for channel in [
                crate::messages::compose::Channel::Sms,
                crate::messages::compose::Channel::Email,
            ] {
                if crate::pay_links::reaches(&app.line, account, channel).await? {
                    channels.push(channel.name());
                }
            }
            (
                links
                    .iter()
                    .take(3)
                    .map(|link| pay_link_line(link, now))
                    .collect(),
                channels,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let on_file = match &account {
        Some(account) => app
            .line
            .store
            .saved_methods(&account.account_number)
            .await?
            .iter()
            .map(|saved| (saved.id, on_file_label(saved)))
            .collect(),
        None => Vec::new(),
    };
    let flow = &app.line.flow;
    let activity = row
        .state
        .as_deref()
        .and_then(|name| flow.states.get(name))
        .map(State::label);
    let reason = Reason::parse(&row.reason).unwrap_or(Reason::Sent);
    let verified = verified(flow, &steps);
    let card_entry_offered = app
        .line
        .providers
        .named(&row.provider)
        .and_then(|dialect| crate::calls::hold::can_send_to_card_entry(&app.line, dialect.as_ref()))
        .is_some()
        && flow.assisted_payment_state.is_some()
        && verified != NOT_VERIFIED;
    Ok(ScreenPop {
        id: row.id,
        version: row.version,
        status: row.status.clone(),
        claimed_by: row.claimed_by,
        claimed_by_name: row.claimed_by_name.clone(),
        disposition: row
            .disposition
            .as_deref()
            .and_then(Disposition::parse)
            .map(Disposition::label),
        note: row.note.clone(),
        asked_at: clock_time(row.asked_at),
        name: account.as_ref().map(|a| a.name.clone()),
        account: account.as_ref().map(|a| format!("•••• {}", a.last4())),
        verified,
        locked: account
            .as_ref()
            .is_some_and(|a| a.locked_until.is_some_and(|t| t > app.line.clock.now_ms())),
        balance: account.as_ref().map(|a| money_text(a.balance_cents)),
        minimum_due: account.as_ref().map(|a| money_text(a.minimum_due_cents)),
        due_date: account.as_ref().map(|a| {
            parse_date(&a.due_date)
                .map_or_else(|| a.due_date.clone(), |d| date_text(d, Language::En))
        }),
        segment: account.as_ref().map(|a| a.segment.clone()),
        flags: account
            .as_ref()
            .map(|a| {
                crate::collections::policy::flags_of(a)
                    .map(humanize)
                    .collect()
            })
            .unwrap_or_default(),
        arrangements,
        on_file,
        steps: steps
            .iter()
            // A branch's routing ("goto:...") is the flow's bookkeeping, not something the
            // caller did.
            .filter(|step| !step.result.starts_with("goto:"))
            .map(|step| (clock_time(step.at), step_words(flow, step)))
            .collect(),
        payments: payments.iter().map(payment_line).collect(),
        why: reason.sentence(activity.as_deref()),
        language: match row.language.as_deref().and_then(Language::parse) {
            Some(Language::Es) => "Spanish",
            _ => "English",
        },
        card_entry_offered,
        autopay_on,
        pay_links,
        link_channels,
        card_entry_pending: row.assist_status.as_deref() == Some("sent"),
        call_ended_at: row.call_ended_at.map(clock_time),
        card_entry: match row.assist_status.as_deref() {
            Some("sent") => Some(
                "The caller is keying in a card now. You will not hear the keys; stay on the line.",
            ),
            Some("returned") => {
                Some("The caller is back from keying in a card: see Payments on this call.")
            }
            _ => None,
        },
    })
}

/// `HH:MM:SS UTC` of a UTC millisecond time.
fn clock_time(ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
}

/// `check_pin` -> "check pin": for names the flow gives no words for.
fn humanize(name: &str) -> String {
    name.replace(['_', '-'], " ")
}

/// How the caller proved who they are on this call, from the step that verified them.
fn verified(flow: &Flow, steps: &[StepRecord]) -> &'static str {
    let how = steps
        .iter()
        .filter(|step| step.result == "verified")
        .find_map(|step| match flow.states.get(&step.state).map(|s| &s.kind) {
            Some(StateKind::Action {
                action: Action::VerifyPin,
                ..
            }) => Some("Verified by PIN"),
            Some(StateKind::Action {
                action: Action::VerifyDateOfBirth,
                ..
            }) => Some("Verified by date of birth and ZIP"),
            _ => None,
        });
    how.unwrap_or(NOT_VERIFIED)
}

/// How the console says the line did not verify the caller.
const NOT_VERIFIED: &str = "Not verified";

/// One step in words: what the caller was doing (the state's activity, as the whisper says it,
/// or its name) and what came of it. Never the keys pressed.
fn step_words(flow: &Flow, step: &StepRecord) -> String {
    let state = flow.states.get(&step.state);
    let doing = state.map_or_else(|| humanize(&step.state), State::label);
    let result = step.result.as_str();
    let what = match result {
        _ if step.input_kind == "start" => "the call began".to_owned(),
        "answered" if step.input_kind == "dial" => "a person answered".to_owned(),
        "no_answer" if step.input_kind == "dial" => "no one answered".to_owned(),
        "dialing" => "put through to a person".to_owned(),
        "verified" => "identity verified".to_owned(),
        "locked" => "account locked after failed attempts".to_owned(),
        "found" => "account found".to_owned(),
        "not_found" => "no account found".to_owned(),
        "agent" | "offer:person" => "asked for a person".to_owned(),
        "no_input" => "no answer".to_owned(),
        "valid" => "answered".to_owned(),
        "max_visits" => "too many tries".to_owned(),
        "hangup" => "the call ended".to_owned(),
        r if r == "invalid" || r.starts_with("invalid:") => match r.strip_prefix("invalid:") {
            Some(why) => format!("an entry that did not work ({})", humanize(why)),
            None => "an entry that did not work".to_owned(),
        },
        r => match r
            .strip_prefix("option:")
            .or_else(|| r.strip_prefix("offer:"))
        {
            // The chosen option by where it leads, not by the key pressed.
            Some(key) => match state.map(|s| &s.kind) {
                Some(StateKind::Menu { options, .. }) => key
                    .chars()
                    .next()
                    .and_then(|k| options.get(&k))
                    .map_or_else(
                        || "chose an option".to_owned(),
                        |to| match flow.states.get(to) {
                            Some(next) => format!("chose {}", next.label()),
                            None => format!("chose {}", humanize(to)),
                        },
                    ),
                _ => format!("chose {}", humanize(key)),
            },
            None => match r.strip_prefix("language:").and_then(Language::parse) {
                Some(Language::En) => "chose English".to_owned(),
                Some(Language::Es) => "chose Spanish".to_owned(),
                None => humanize(r.strip_prefix("goto:").unwrap_or(r)),
            },
        },
    };
    format!("{}: {what}", capitalized(&doing))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "Approved: $45.00 with Visa ending 4242" ("... with checking account ending 6789").
fn payment_line(payment: &PaymentRecord) -> String {
    let method = payment.summary();
    let card = format!("{} ending {}", method.name_or_kind(), method.last4);
    let amount = money_text(payment.amount_cents);
    match payment.status.as_str() {
        "approved" => format!("Approved: {amount} with {card}"),
        "declined" => format!(
            "Declined: {amount} with {card} ({})",
            humanize(
                payment
                    .decline_reason
                    .as_deref()
                    .unwrap_or("declined by the bank")
            )
        ),
        // A code was given: the gateway accepted it, and it clears later (a bank debit).
        "pending" if payment.confirmation_code.is_some() => {
            format!("Accepted: {amount} with {card}, not yet cleared")
        }
        "pending" => format!("Pending: {amount} with {card}, being charged"),
        "clearing" => format!("Bank debit accepted: {amount} from {card}, clearing"),
        "failed" | "returned" => format!(
            "Bank debit {}: {amount} from {card} ({})",
            payment.status,
            payment
                .return_code
                .as_deref()
                .map(crate::payments::ReturnCode::parse)
                .map_or(
                    "returned by the bank",
                    crate::payments::ReturnCode::describe
                )
        ),
        _ => format!(
            "No answer from the bank: {amount} with {card}. Do not charge again; check it in the gateway"
        ),
    }
}

/// "Plan, active: $600.00 (next $100.00 on December 1, 2026)".
fn arrangement_line(arrangement: &ArrangementRecord) -> String {
    let date = |text: &str| {
        parse_date(text).map_or_else(|| text.to_owned(), |d| date_text(d, Language::En))
    };
    if arrangement.kind == "autopay" {
        // "AutoPay, active: the minimum due to Visa ending 4242 (next $98.34 on December 15)".
        let amount = match arrangement.autopay_amount.as_deref() {
            Some("balance") => "the statement balance",
            _ => "the minimum due",
        };
        let mut line = format!("AutoPay, {}: {amount}", humanize(&arrangement.status));
        if let Some(method) = arrangement.summary() {
            line.push_str(&format!(
                " to {} ending {}",
                method.name_or_kind(),
                method.last4
            ));
        }
        if let Some(next) = arrangement
            .installments
            .iter()
            .find(|i| matches!(i.status.as_str(), "scheduled" | "retrying" | "unknown"))
        {
            line.push_str(&format!(
                " (next {} on {})",
                money_text(next.amount_cents),
                date(&next.due_date)
            ));
        }
        return line;
    }
    let mut line = format!(
        "{}, {}: {}",
        capitalized(&arrangement.kind),
        humanize(&arrangement.status),
        money_text(arrangement.total_cents)
    );
    if let Some(by) = &arrangement.promised_by {
        line.push_str(&format!(" by {}", date(by)));
    }
    if let Some(next) = arrangement
        .installments
        .iter()
        .find(|i| !matches!(i.status.as_str(), "paid" | "cancelled"))
    {
        line.push_str(&format!(
            " (next {} on {})",
            money_text(next.amount_cents),
            date(&next.due_date)
        ));
    }
    line
}

/// A pay link as the agent reads it: "Pay link sent by text yesterday at 14:02:11 UTC: opened,
/// proved it was them, stopped at the plan choice."
fn pay_link_line(link: &crate::store::PayLink, now_ms: i64) -> String {
    let how = match link.sent_by.as_deref() {
        Some("sms") => "sent by text",
        Some("email") => "sent by email",
        _ => "made",
    };
    let reached = match link.last_step.as_deref() {
        Some("paid") => "opened, proved it was them, paid on the page",
        Some("plan_made") => "opened, proved it was them, set up a plan on the page",
        Some("promised") => "opened, proved it was them, promised to pay on the page",
        Some("pay") => "opened, proved it was them, stopped at the payment form",
        Some("plan") => "opened, proved it was them, stopped at the plan choice",
        Some("promise") => "opened, proved it was them, stopped at the promise form",
        Some("callback_asked") => "opened, proved it was them, asked for a call back",
        Some("callback") => "opened, proved it was them, stopped at the call-back form",
        Some("options") => "opened, proved it was them, saw the choices",
        Some("verified") => "opened, proved it was them",
        Some("opened") => "opened, not yet proved",
        _ => "not opened yet",
    };
    let state = if link.used_at.is_some() {
        " (used)"
    } else if link.revoked_at.is_some() {
        " (revoked)"
    } else if link.expires_at <= now_ms {
        " (expired)"
    } else {
        ""
    };
    format!(
        "Pay link {how} {}{state}: {reached}.",
        day_and_time(link.created_at, now_ms)
    )
}

/// When something happened, for an agent: "at 14:02:11 UTC" today, "yesterday at ...", or "on
/// December 4 at ..." (UTC days, as the times are).
fn day_and_time(ms: i64, now_ms: i64) -> String {
    let day = |ms: i64| {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .date()
    };
    let (then, today) = (day(ms), day(now_ms));
    let at = clock_time(ms);
    if then == today {
        format!("at {at}")
    } else if then.next_day() == Some(today) {
        format!("yesterday at {at}")
    } else {
        format!("on {} {} at {at}", then.month(), then.day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_clock_times() {
        // 2026-11-23 15:04:05 UTC
        assert_eq!(clock_time(1_795_446_245_000), "15:04:05 UTC");
    }

    #[test]
    fn a_link_says_which_day_it_was_sent() {
        // 2026-11-23 15:04:05 UTC, then a day and ten days later.
        let sent = 1_795_446_245_000;
        let day = 24 * 3600 * 1000;
        assert_eq!(day_and_time(sent, sent + 1000), "at 15:04:05 UTC");
        assert_eq!(day_and_time(sent, sent + day), "yesterday at 15:04:05 UTC");
        assert_eq!(
            day_and_time(sent, sent + 10 * day),
            "on November 23 at 15:04:05 UTC"
        );
    }

    #[test]
    fn payments_show_brand_and_last_four_only() {
        let payment = PaymentRecord {
            call_sid: "CA1".into(),
            attempt: 1,
            account_number: "100200300".into(),
            amount_cents: 4500,
            fee_cents: 0,
            currency: "USD".into(),
            method: crate::payments::MethodKind::Card,
            method_label: "visa".into(),
            method_last4: "4242".into(),
            card_brand: Some("visa".into()),
            card_last4: Some("4242".into()),
            status: "declined".into(),
            decline_reason: Some("insufficient_funds".into()),
            gateway: "sandbox".into(),
            gateway_reference: None,
            confirmation_code: None,
            return_code: None,
            created_at: 0,
            needs_attention: false,
        };
        assert_eq!(
            payment_line(&payment),
            "Declined: $45.00 with Visa ending 4242 (insufficient funds)"
        );
        // A bank debit clearing, then come back, is never "no answer from the bank".
        let debit = PaymentRecord {
            method: crate::payments::MethodKind::Bank,
            method_label: "checking".into(),
            method_last4: "6789".into(),
            status: "clearing".into(),
            decline_reason: None,
            confirmation_code: Some("0123456789".into()),
            ..payment
        };
        assert_eq!(
            payment_line(&debit),
            "Bank debit accepted: $45.00 from checking account ending 6789, clearing"
        );
        let returned = PaymentRecord {
            status: "returned".into(),
            return_code: Some("R10".into()),
            ..debit
        };
        assert_eq!(
            payment_line(&returned),
            "Bank debit returned: $45.00 from checking account ending 6789 (not authorized by \
             the account holder)"
        );
    }
}
