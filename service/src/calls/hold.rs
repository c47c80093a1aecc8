//! A caller waiting for a person in a conference room, and an agent sending the caller they are
//! talking with to key in a card.
//!
//! Where the call's provider offers call control (and transfers are not set to plain dials), a
//! transfer puts the caller in a room of their own (named
//! for the call) where they hear hold audio from `audio/hold.wav` and, between rounds, the flow's
//! `on_hold` words, while the line rings the agent itself. The agent's leg hears the whisper and
//! joins the room; if nobody answers, the line takes the caller out of the room to the transfer's
//! `on_no_answer` (a callback or the menu), so nobody waits for no one. Because the agent is in a
//! room rather than bridged to the caller, the caller can step out to the line's card questions
//! and come back to the same agent, who stays in the room and never hears the keys.

use crate::error::AppError;
use crate::flow::definition::Prompt;
use crate::flow::engine::Session;
use crate::language::Language;
use crate::line::Line;
use crate::store::{CallKey, TransferRow};
use crate::telephony::{Dialect, Event};
use crate::voice::{self, Verb};

/// The room a call's caller waits in and its agent joins.
pub fn conference_name(call_sid: &str) -> String {
    format!("ivrpay-{call_sid}")
}

/// Path of the hold audio under the service (served from `audio/hold.wav`).
pub const HOLD_AUDIO_PATH: &str = "/audio/hold.wav";

/// What a waiting caller hears for one round: the flow's `on_hold` words (not on the first
/// round, which follows the transfer's own "please hold"), the hold audio, then the next round.
pub fn waiting(
    app: &Line,
    dialect: &dyn Dialect,
    language: Language,
    round: u32,
) -> voice::Response {
    let mut response = voice::Response::new();
    if round > 0
        && let Some(text) = app
            .flow
            .messages
            .on_hold
            .as_ref()
            .and_then(|prompt| plain_text(prompt, language))
    {
        response.push(Verb::Prompt(voice::Prompt::Say {
            text,
            language,
            voice: app.flow.voices.get(&language).cloned(),
            slow: false,
            recorded: None,
        }));
    }
    response.push(Verb::Prompt(voice::Prompt::Play {
        url: format!("{}{HOLD_AUDIO_PATH}", app.public_url),
    }));
    response.push(Verb::Redirect {
        url: format!(
            "{}{}?lang={}&round={}",
            app.public_url,
            dialect.path(Event::Hold),
            language.code(),
            round.saturating_add(1)
        ),
    });
    response
}

/// A prompt's words in `language` (what a waiting caller hears has no call to fill variables
/// from).
fn plain_text(prompt: &Prompt, language: Language) -> Option<String> {
    let text = prompt.0.get(&language)?.text_only();
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Whether the caller of `call` is still waiting on the transfer that rang the agent for answer
/// `turn` (not hung up, not moved on).
async fn still_waiting(app: &Line, call: CallKey<'_>, turn: i64) -> Result<bool, AppError> {
    Ok(app
        .store
        .load_call(call)
        .await?
        .is_some_and(|row| row.ended_at.is_none() && row.turn == turn))
}

/// What the agent's line hears when it answers: the whisper, then the caller's room (leaving it
/// ends it). A caller who stopped waiting meanwhile is said so, and the agent's line hangs up.
///
/// # Errors
/// A database failure.
pub async fn agent_leg(
    app: &Line,
    call: CallKey<'_>,
    turn: i64,
) -> Result<voice::Response, AppError> {
    if !still_waiting(app, call, turn).await? {
        let mut response = voice::Response::new();
        response.say(
            "The caller from the payment line is no longer waiting. Goodbye.",
            Language::En,
        );
        response.push(Verb::Hangup);
        return Ok(response);
    }
    let mut response = super::whisper::briefing(app, call).await?;
    response.push(Verb::Conference(voice::Conference {
        name: conference_name(call.sid),
        wait_url: None,
        start_on_enter: true,
        end_on_exit: true,
        action: None,
    }));
    Ok(response)
}

/// The agent's line rung for a waiting caller finished. Unanswered (no answer, busy, failed):
/// the caller is taken out of the room to the transfer's answer URL, which the flow reads as
/// "nobody answered" and offers a callback or the menu.
///
/// # Errors
/// A database failure, or the provider refusing or failing to move the call.
pub async fn agent_leg_ended(
    app: &Line,
    dialect: &dyn Dialect,
    call: CallKey<'_>,
    turn: i64,
    unanswered: bool,
) -> Result<(), AppError> {
    let Some(control) = dialect.call_control() else {
        return Ok(());
    };
    if !unanswered || !still_waiting(app, call, turn).await? {
        return Ok(());
    }
    let url = format!(
        "{}{}?turn={turn}",
        app.public_url,
        dialect.path(Event::Dial)
    );
    control.redirect_call(call.sid, &url).await.map_err(|err| {
        AppError::Flow(format!(
            "could not take a waiting caller out of the room: {err}"
        ))
    })?;
    tracing::info!("nobody answered the agent line; the waiting caller was taken out of the room");
    Ok(())
}

/// The caller hung up: the agent's leg rung for them is hung up too (still ringing, or alone in
/// the room), so no agent is left waiting on a caller who has gone. Best effort: a leg that has
/// already ended is left as it is.
///
/// # Errors
/// A database failure.
pub async fn caller_gone(app: &Line, call: CallKey<'_>) -> Result<(), AppError> {
    let Some(control) = app
        .providers
        .named(call.provider)
        .and_then(|dialect| dialect.call_control())
    else {
        return Ok(());
    };
    let Some(row) = app.store.load_call(call).await? else {
        return Ok(());
    };
    // A session that cannot be read has no leg to hang up.
    let agent_leg = serde_json::from_str::<Session>(&row.session)
        .ok()
        .and_then(|session| session.facts.agent_leg);
    if let Some(agent_leg) = agent_leg
        && let Err(err) = control.hang_up_call(&agent_leg).await
    {
        tracing::info!(error = %err, "the agent's leg was not hung up (it may have ended already)");
    }
    Ok(())
}

/// How calls of `dialect`'s provider are moved to card entry, when they can be: transfers wait
/// in a conference room (so the caller can come back to it) and the provider can move calls.
pub fn can_send_to_card_entry<'d>(
    app: &Line,
    dialect: &'d dyn Dialect,
) -> Option<&'d dyn crate::telephony::capabilities::CallControl> {
    (app.config.transfers == crate::config::Transfers::Conference)
        .then(|| dialect.call_control())
        .flatten()
}

/// Why an agent cannot send a caller to key in a card now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssistRefusal {
    /// The line has no REST API to move calls with, or the flow no card questions to send to.
    #[error("This line cannot send callers to key in a card.")]
    NotConfigured,
    /// Only the agent who took the transfer, while it is theirs, may.
    #[error("Only the agent who took this caller can send them to key in a card.")]
    NotYours,
    /// The caller has hung up.
    #[error("The caller is no longer on the line.")]
    CallEnded,
    /// The line did not verify who the caller is.
    #[error("The line did not verify this caller, so they cannot pay this way.")]
    NotVerified,
    /// The provider did not take the request.
    #[error("The phone system did not take the request; try again in a moment.")]
    Unavailable,
}

/// Sends the caller of `transfer` (taken by `agent_id`) to the flow's card questions through
/// the provider's call control; they come back to the agent's room when the payment is decided. The agent
/// never hears the keys: the caller is out of the room while keying them.
///
/// # Errors
/// [`AssistRefusal`] says why not; a database failure is [`AppError`].
pub async fn send_to_card_entry(
    app: &Line,
    transfer: &TransferRow,
    agent_id: i64,
) -> Result<Result<(), AssistRefusal>, AppError> {
    let Some(dialect) = app.providers.named(&transfer.provider) else {
        return Ok(Err(AssistRefusal::NotConfigured));
    };
    let (Some(control), Some(_)) = (
        can_send_to_card_entry(app, dialect.as_ref()),
        app.flow.assisted_payment_state.as_ref(),
    ) else {
        return Ok(Err(AssistRefusal::NotConfigured));
    };
    if transfer.status != "claimed" || transfer.claimed_by != Some(agent_id) {
        return Ok(Err(AssistRefusal::NotYours));
    }
    let call = CallKey {
        provider: &transfer.provider,
        sid: &transfer.call_sid,
    };
    let Some(row) = app.store.load_call(call).await? else {
        return Ok(Err(AssistRefusal::CallEnded));
    };
    if row.ended_at.is_some() {
        return Ok(Err(AssistRefusal::CallEnded));
    }
    let session: Session = serde_json::from_str(&row.session)
        .map_err(|e| AppError::Flow(format!("stored session: {e}")))?;
    if !session.authenticated {
        return Ok(Err(AssistRefusal::NotVerified));
    }
    // The turn the call is on: the assist webhook answers it, and a retried one is replayed.
    let url = format!(
        "{}{}?turn={}",
        app.public_url,
        dialect.path(Event::Assist),
        row.turn
    );
    if let Err(err) = control.redirect_call(call.sid, &url).await {
        tracing::warn!(error = %err, "could not send a caller to key in a card");
        return Ok(Err(AssistRefusal::Unavailable));
    }
    app.store
        .mark_assist(transfer.id, "sent", app.clock.now_ms())
        .await?;
    Ok(Ok(()))
}
