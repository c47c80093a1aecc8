//! The whisper: what the agent hears before a transferred caller is connected, so the caller never
//! has to repeat who they are or why they called.

use crate::app::AppState;
use crate::error::AppError;
use crate::language::Language;
use crate::speech;
use crate::voice;

/// The agent's briefing for a call, in English (the agents' language).
///
/// # Errors
/// A database failure, or an unknown call.
pub async fn briefing(app: &AppState, call_sid: &str) -> Result<voice::Response, AppError> {
    let call = app
        .store
        .call_record(call_sid)
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
        }
        None => lines.push("The caller has not been identified.".into()),
    }
    for payment in &call.payments {
        let amount = speech::money_words(payment.amount_cents, en);
        let card = format!(
            "{} ending {}",
            payment.card_brand,
            speech::digits_words(&payment.card_last4, en)
        );
        lines.push(match payment.status.as_str() {
            "approved" => format!("They paid {amount} on this call with {card}."),
            "declined" => format!(
                "A payment of {amount} with {card} was declined: {}.",
                payment.decline_reason.as_deref().unwrap_or("declined").replace('_', " ")
            ),
            _ => format!(
                "A payment of {amount} with {card} has no answer from the bank yet: do not charge again; check it in the gateway."
            ),
        });
    }
    let asked_at = call
        .steps
        .iter()
        .rev()
        .find(|s| s.input_kind == "digits" || s.input_kind == "silence")
        .map(|s| s.state.replace('_', " "));
    if let Some(state) = asked_at {
        lines.push(format!("They asked for a person at: {state}."));
    }
    let mut response = voice::Response::new();
    response.say(lines.join(" "), en);
    Ok(response)
}
