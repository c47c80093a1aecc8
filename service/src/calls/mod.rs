//! Conducting calls: one webhook in, one voice response out, the call's record kept.
//!
//! For each webhook this module loads the call, opens its sealed values, lets the flow engine
//! decide, and saves the reply, the new cursor and the turn's steps with one compare-and-set
//! `UPDATE` (a call's first webhook inserts its row with its first reply; a turn that dials a
//! person saves it in one transaction with the console's transfer record). That is what makes
//! retries harmless: the webhook's `turn` says which reply it asks for, a turn already answered
//! gets the recorded reply back, and of two deliveries racing to save the same turn one wins and
//! the other answers with the winner's reply.
//!
//! Racing is harmless only for turns without side effects. So before a side effect (counting a
//! failed PIN, charging a card) an action claims the turn with one conditional update; a duplicate
//! delivery (on any instance) that finds the turn claimed waits for the first delivery's reply
//! instead of repeating the side effect. No database lock is held while the flow runs, so a slow
//! payment gateway does not stall other calls.

pub mod actions;
pub mod autopay;
pub mod debits;
pub mod gateway_events;
pub mod hold;
pub(crate) mod payments;
pub mod pending_ends;
pub mod whisper;

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::error::AppError;
use crate::flow::engine::{self, Input, Secrets, Session};
use crate::line::Line;
use crate::reports::record::CallEnd;
use crate::store::{CallKey, NewCall, NewTransfer, TurnUpdate};
use crate::telephony::Dialect;
use crate::voice;

pub use actions::CallContext;

/// What a provider webhook asks, in neutral terms.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The provider's dialect: names the call's provider, its callback paths, and renders the
    /// reply.
    pub dialect: Arc<dyn Dialect>,
    /// The provider's call id; `None` when the webhook lacked a usable one.
    pub call_sid: Option<String>,
    /// Caller ID, if given.
    pub from: Option<String>,
    /// The number called, if given.
    pub to: Option<String>,
    /// Which of our replies this webhook answers (from the action URL); `None` for a new call.
    pub turn: Option<i64>,
    /// What happened.
    pub input: Input,
    /// When the answer must be on its way, for the provider to have it before it gives up: its
    /// arrival plus the provider's wait ([`Dialect::answer_within`]) less [`ANSWER_RESERVE`].
    pub deadline: tokio::time::Instant,
}

/// Time kept back from a provider's wait for sending the answer and the network.
pub const ANSWER_RESERVE: Duration = Duration::from_secs(1);

impl Webhook {
    /// The deadline of a webhook from `dialect` arriving now.
    pub fn deadline_for(dialect: &dyn Dialect) -> tokio::time::Instant {
        tokio::time::Instant::now() + dialect.answer_within().saturating_sub(ANSWER_RESERVE)
    }
}

/// A reply ready for the provider, in its own format.
pub type Rendered = String;

/// Answers one webhook. Never fails: any error is logged and answered with the safe response,
/// because a provider reads an error page aloud as "an application error".
pub async fn answer(app: &Line, webhook: Webhook) -> Rendered {
    let span = tracing::info_span!(
        "call",
        call_sid = webhook.call_sid.as_deref().unwrap_or("-"),
        turn = webhook.turn.unwrap_or(0),
    );
    // The work runs on to its end in its own task whatever happens here: a payment under way
    // is recorded, and a retry of this webhook finds its reply. The caller is answered by the
    // deadline either way.
    let deadline = webhook.deadline;
    let working = {
        let (app, webhook) = (app.clone(), webhook.clone());
        tokio::spawn(async move { try_answer(&app, &webhook).await }.instrument(span))
    };
    let call_sid = webhook.call_sid.as_deref().unwrap_or("-");
    match tokio::time::timeout_at(deadline, working).await {
        Ok(Ok(Ok(reply))) => reply,
        Ok(Ok(Err(err))) => {
            tracing::error!(call_sid, error = %err, "webhook answered with the safe response");
            webhook.dialect.render(&safe_response(app))
        }
        Ok(Err(_)) => {
            // What a panic said may hold what was being worked on: not logged.
            tracing::error!(
                call_sid,
                "webhook answered with the safe response: its work panicked"
            );
            webhook.dialect.render(&safe_response(app))
        }
        Err(_) => {
            app.metrics.webhook_over_budget(webhook.dialect.name());
            tracing::error!(
                call_sid,
                provider = webhook.dialect.name(),
                "webhook answered with the safe response before the provider gives up; its work \
                 goes on"
            );
            webhook.dialect.render(&safe_response(app))
        }
    }
}

/// A claim not renewed for this long belongs to a delivery that died mid-answer (its instance
/// crashed or was killed) and is taken over. A live claim is renewed every [`CLAIM_RENEWAL`]
/// while its side effect runs, so this can be short: a retry that arrives after a crash waits at
/// most this long before it answers in the dead delivery's place.
pub(crate) const CLAIM_STALE: Duration = Duration::from_secs(5);
/// How often a held claim is renewed.
pub(crate) const CLAIM_RENEWAL: Duration = Duration::from_secs(1);
/// How long a duplicate delivery waits for the first delivery's reply.
const DUPLICATE_WAIT: Duration = Duration::from_secs(10);
/// How often a waiting duplicate looks for the reply.
const DUPLICATE_POLL: Duration = Duration::from_millis(20);

/// How often one webhook may find its turn abandoned and answer it itself.
const MAX_TAKEOVERS: usize = 2;

async fn try_answer(app: &Line, webhook: &Webhook) -> Result<Rendered, AppError> {
    for _ in 0..MAX_TAKEOVERS {
        if let Some(reply) = answer_once(app, webhook).await? {
            return Ok(reply);
        }
        tracing::warn!("took over a turn whose first delivery died mid-answer");
    }
    answer_once(app, webhook)
        .await?
        .ok_or_else(|| AppError::Flow("a turn was abandoned again and again".into()))
}

/// Answers the webhook, or `None` when the delivery it waited for turned out to have died (its
/// claim went stale or was released): the caller then answers the turn itself.
async fn answer_once(app: &Line, webhook: &Webhook) -> Result<Option<Rendered>, AppError> {
    let Some(call_sid) = webhook.call_sid.as_deref() else {
        return Err(AppError::BadRequest("webhook without a call id".into()));
    };
    let call = CallKey {
        provider: webhook.dialect.name(),
        sid: call_sid,
    };
    let now = app.clock.now_ms();
    let stale_before = now - CLAIM_STALE.as_millis() as i64;
    let (mut session, turn, account) = if webhook.input == Input::Start {
        (Session::default(), 0, None)
    } else {
        let Some((current, account)) = app.store.load_call_and_account(call).await? else {
            return Err(AppError::BadRequest("webhook for an unknown call".into()));
        };
        if current.ended_at.is_some() {
            return Ok(Some(webhook.dialect.render(&voice::Response {
                verbs: vec![voice::Verb::Hangup],
            })));
        }
        let asked = webhook.turn.unwrap_or(current.turn);
        if asked < current.turn {
            tracing::info!(
                asked,
                current = current.turn,
                "replayed the reply to a retried webhook"
            );
            return Ok(Some(current.last_reply));
        }
        let claimed_by_another = current.claim_turn == Some(current.turn)
            && current.claimed_at.is_some_and(|at| at >= stale_before);
        if claimed_by_another {
            // Another delivery of this webhook is being answered right now.
            return reply_of_turn(app, call, current.turn).await;
        }
        let mut session: Session = serde_json::from_str(&current.session)
            .map_err(|e| AppError::Flow(format!("stored session: {e}")))?;
        let fresh = current.sealed_until.is_none_or(|until| until > now);
        if let (Some(sealed), true) = (&current.sealed, fresh) {
            session.secrets = open_secrets(app, call_sid, sealed)?;
        }
        (session, current.turn, account)
    };
    let mut ctx = CallContext::load(app, webhook, call_sid, turn, &session, account).await?;
    let outcome = run_turn(app, &mut ctx, webhook, call_sid, &mut session, turn).await;
    let claim = ctx.claim_token();
    drop(ctx);
    match outcome {
        Ok(Some(reply)) => Ok(Some(reply)),
        // Another delivery of the same webhook answered first, or holds the turn: its reply
        // is the answer.
        Ok(None) | Err(AppError::TurnTaken) => reply_of_turn(app, call, turn).await,
        Err(err) => {
            if claim.is_some()
                && let Err(release) = app.store.release_turn(call, turn).await
            {
                tracing::warn!(error = %release, "could not release a claimed turn");
            }
            Err(err)
        }
    }
}

/// Steps the engine through one webhook: each thing it needs (an action, ringing an agent,
/// pausing or resuming the recording) is done here and its outcome fed back, until it has the
/// reply. The one place the engine's needs meet the service.
async fn step_through(
    app: &Line,
    ctx: &mut CallContext<'_>,
    session: &mut Session,
    input: &engine::Input,
    turn: i64,
) -> Result<engine::Turn, AppError> {
    let mut stepper = engine::Stepper::new(&app.flow, turn);
    let mut step = stepper.start(session, input, ctx)?;
    loop {
        let need = match step {
            engine::Step::Reply(turn) => return Ok(turn),
            engine::Step::Need(need) => need,
        };
        let outcome = match need {
            engine::Need::Action(action) => {
                engine::Outcome::Action(ctx.run_action(action, session).await?)
            }
            engine::Need::PauseRecording => engine::Outcome::Paused(ctx.pause_recording().await),
            engine::Need::ResumeRecording => ctx.resume_recording().await,
            engine::Need::RingAgent { number } => {
                engine::Outcome::Rang(ctx.ring_agent(&number).await?)
            }
        };
        step = stepper.resume(session, outcome, ctx)?;
    }
}

/// Runs the flow for a turn and saves the result; `None` when another delivery of the same
/// webhook saved first.
async fn run_turn(
    app: &Line,
    ctx: &mut CallContext<'_>,
    webhook: &Webhook,
    call_sid: &str,
    session: &mut Session,
    turn: i64,
) -> Result<Option<Rendered>, AppError> {
    let mut result = step_through(app, ctx, session, &webhook.input, turn).await?;
    let base_url = &app.public_url;
    voice::choose_recordings(&mut result.response, |spoken, language| {
        app.recordings
            .as_deref()?
            .recording_url(spoken, language, base_url)
    });
    let reply = webhook.dialect.render(&result.response);
    let now = app.clock.now_ms();
    let sealed = if session.secrets.0.is_empty() || result.ended {
        None
    } else {
        Some(seal_secrets(app, call_sid, &session.secrets)?)
    };
    let sealed_until = sealed
        .as_ref()
        .map(|_| now + app.config.sealed_ttl.as_millis() as i64);
    let session_json =
        serde_json::to_string(&*session).map_err(|e| AppError::Flow(e.to_string()))?;
    // A reply that dials a person pops up on the agents' consoles: recorded with the turn.
    let transfer = result
        .steps
        .iter()
        .any(|step| step.result == "dialing")
        .then(|| {
            let (reason, state) = whisper::put_through(&app.flow, &result.steps);
            NewTransfer {
                account_number: session.account.clone(),
                state,
                reason: reason.as_str().to_owned(),
                language: session.language.map(|l| l.code().to_owned()),
            }
        });
    let update = TurnUpdate {
        provider: webhook.dialect.name(),
        call_sid,
        answered_turn: turn,
        reply: &reply,
        session: &session_json,
        sealed: sealed.as_deref(),
        sealed_until,
        language: session.language.map(|l| l.code()),
        account_number: session.account.as_deref(),
        outcome: session.outcome.as_deref(),
        last_step: Some(&session.state)
            .filter(|s| !s.is_empty())
            .map(String::as_str),
        ended_at: result.ended.then_some(now),
        steps: &result.steps,
        claim_token: ctx.claim_token(),
        stale_before: now - CLAIM_STALE.as_millis() as i64,
        now,
        transfer: transfer.as_ref(),
    };
    let saved = if turn == 0 && !ctx.inserted() {
        // A call's first answer is recorded with the call itself: one statement.
        let new_call = NewCall {
            call_sid,
            provider: webhook.dialect.name(),
            from_number: webhook.from.as_deref().unwrap_or(""),
            to_number: webhook.to.as_deref().unwrap_or(""),
            started_at: now,
            session: &session_json,
        };
        app.store.start_call(&new_call, &update).await?
    } else {
        app.store.save_turn(&update).await?
    };
    if saved
        && result
            .steps
            .iter()
            .any(|step| step.result == "back_to_agent")
    {
        // The agent's console shows the caller back, with what they paid.
        let call = CallKey {
            provider: webhook.dialect.name(),
            sid: call_sid,
        };
        app.store.assist_returned(call, now).await?;
    }
    Ok(saved.then_some(reply))
}

/// The reply recorded for `turn`, waiting for it while another delivery of the same webhook is
/// still being answered (on this instance or another). `None` when that delivery died: its claim
/// was released or stopped being renewed, and nobody will save the turn unless we do.
async fn reply_of_turn(
    app: &Line,
    call: CallKey<'_>,
    turn: i64,
) -> Result<Option<Rendered>, AppError> {
    let deadline = tokio::time::Instant::now() + DUPLICATE_WAIT;
    loop {
        let row = app.store.load_call(call).await?.ok_or(AppError::NotFound)?;
        // A call that ended meanwhile has no one left to answer; its last reply will do.
        if row.turn > turn || row.ended_at.is_some() {
            tracing::info!(
                turn,
                "answered a duplicate webhook with the first delivery's reply"
            );
            return Ok(Some(row.last_reply));
        }
        let stale_before = app.clock.now_ms() - CLAIM_STALE.as_millis() as i64;
        let held =
            row.claim_turn == Some(turn) && row.claimed_at.is_some_and(|at| at >= stale_before);
        if !held {
            return Ok(None);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(AppError::Flow(
                "a duplicate webhook waited too long for the first reply".into(),
            ));
        }
        tokio::time::sleep(DUPLICATE_POLL).await;
    }
}

/// Seals sensitive values for the database, bound to `bound_to` (a call id, or a call id and
/// payment attempt) so a sealed blob copied to another row does not open.
pub(crate) fn seal_secrets(
    app: &Line,
    bound_to: &str,
    secrets: &Secrets,
) -> Result<Vec<u8>, AppError> {
    let plain: std::collections::BTreeMap<&str, &str> = secrets
        .0
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&plain).map_err(|e| AppError::Vault(e.to_string()))?,
    );
    app.config
        .data_key
        .seal(&json, bound_to.as_bytes())
        .map_err(|e| AppError::Vault(e.to_string()))
}

/// Opens what [`seal_secrets`] sealed with the same binding.
pub(crate) fn open_secrets(app: &Line, bound_to: &str, sealed: &[u8]) -> Result<Secrets, AppError> {
    let plain = app
        .config
        .data_key
        .open(sealed, bound_to.as_bytes())
        .map_err(|e| AppError::Vault(e.to_string()))?;
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&plain).map_err(|e| AppError::Vault(e.to_string()))?;
    Ok(Secrets(
        map.into_iter()
            .map(|(k, v)| (k, zeroize::Zeroizing::new(v)))
            .collect(),
    ))
}

/// What a caller hears when something went wrong on our side: an apology and, when agents are
/// configured, a person; otherwise a polite goodbye. Spoken in English and Spanish, since the
/// caller's choice may be what could not be read.
pub fn safe_response(app: &Line) -> voice::Response {
    apology_and_help(
        app,
        Apology {
            with_person: (
                "I'm sorry, something went wrong on our side. Let me connect you with a person who can help.",
                "Lo siento, tuvimos un problema. Le comunico con una persona que le puede ayudar.",
            ),
            without_person: (
                "I'm sorry, something went wrong on our side, and no one is available right now. Please call back later. Goodbye.",
                "Lo siento, tuvimos un problema y no hay nadie disponible en este momento. Por favor, llame más tarde. Adiós.",
            ),
        },
    )
}

/// What a caller hears when the line is at capacity and their webhook was not taken in
/// ([`crate::http::admission`]): nothing was done, so they are told it is busy, not broken, and
/// given a person or asked to call back, in English and Spanish.
pub fn busy_response(app: &Line) -> voice::Response {
    apology_and_help(
        app,
        Apology {
            with_person: (
                "I'm sorry, our line is very busy right now. Let me connect you with a person who can help.",
                "Lo siento, nuestra línea está muy ocupada en este momento. Le comunico con una persona que le puede ayudar.",
            ),
            without_person: (
                "I'm sorry, our line is very busy right now. Please call back in a few minutes. Goodbye.",
                "Lo siento, nuestra línea está muy ocupada en este momento. Por favor, llame de nuevo en unos minutos. Adiós.",
            ),
        },
    )
}

/// An apology in English and Spanish, for when a person can be had and for when not.
struct Apology {
    with_person: (&'static str, &'static str),
    without_person: (&'static str, &'static str),
}

fn apology_and_help(app: &Line, apology: Apology) -> voice::Response {
    use crate::language::Language;
    let mut response = voice::Response::new();
    match &app.config.agent_number {
        Some(number) => {
            response.say(apology.with_person.0, Language::En);
            response.say(apology.with_person.1, Language::Es);
            response.push(voice::Verb::Dial(voice::Dial {
                number: number.clone(),
                caller_id: None,
                whisper_url: None,
                action: None,
                timeout_seconds: 30,
            }));
        }
        None => {
            response.say(apology.without_person.0, Language::En);
            response.say(apology.without_person.1, Language::Es);
        }
    }
    response.push(voice::Verb::Hangup);
    response
}

/// Records that the provider ended a call at `ended_at_ms` (now, or when it was reported while
/// the database was away: see [`pending_ends`]), and hangs up an agent's leg still rung or
/// waiting for its caller.
///
/// # Errors
/// A database failure.
pub async fn end_at(app: &Line, call: CallKey<'_>, ended_at_ms: i64) -> Result<bool, AppError> {
    let end = CallEnd {
        now_ms: ended_at_ms,
        ..ending(app)
    };
    let known = app
        .store
        .end_call(call, |ending| {
            crate::reports::record::summarize(ending, &end)
        })
        .await?
        .is_some();
    if known {
        hold::caller_gone(app, call).await?;
    }
    Ok(known)
}

/// What the store needs from the flow to end a call and write its summary for the reports.
pub(crate) fn ending(app: &Line) -> CallEnd<'_> {
    CallEnd {
        now_ms: app.clock.now_ms(),
        settled: &app.flow.settled_outcomes,
        flow: &app.flow.name,
        agent_state: &app.flow.agent_state,
        callback_state: app.flow.callback_state.as_deref(),
    }
}
