//! The stepper: one webhook's walk through the flow, from the state the caller's input leads to
//! through says, branches and actions to the next question, transfer or goodbye, stopping for
//! whatever needs doing outside (an action, ringing an agent, the recording) and resuming with
//! its outcome.

use super::*;

/// What the engine needs done before it can go on. The service does it (the engine does no I/O)
/// and resumes the [`Stepper`] with the matching [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Run this flow action; resume with [`Outcome::Action`] and the result it gave.
    Action(Action),
    /// Pause the call's recording before the first card question; resume with
    /// [`Outcome::Paused`].
    PauseRecording,
    /// Resume the recording now that card entry is over; resume with [`Outcome::Resumed`].
    ResumeRecording,
    /// Ring the agent line for a caller about to wait in the conference room (claiming the turn
    /// first, so a retried webhook never rings twice); resume with [`Outcome::Rang`].
    RingAgent {
        /// The number to ring.
        number: String,
    },
}

/// What came of a [`Need`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The action's result, by the name its declaration gives it.
    Action(&'static str),
    /// What became of pausing the recording.
    Paused(Pause),
    /// The recording was asked to resume (whether it did is only logged).
    Resumed,
    /// The recording is to be resumed by this answer's markup, which the engine writes.
    ResumedInMarkup,
    /// The agent's leg's call id, or `None` when the call could not be placed (the caller is then
    /// offered something else, never left waiting for no one).
    Rang(Option<String>),
}

/// Where a [`Stepper`] stopped.
#[derive(Debug)]
pub enum Step {
    /// It needs this done, then [`Stepper::resume`].
    Need(Need),
    /// The webhook's answer: the turn is over.
    Reply(Turn),
}

/// A flow that cannot be run as written (a state or route missing, states looping without a
/// question), or an outcome that does not answer what the stepper needed. The loader refuses
/// such flows, so this is a bug, not a caller's doing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FlowError(pub String);

/// One webhook's worth of a call, stepped without I/O: [`Stepper::start`] applies the caller's
/// input and walks the flow until it either has the reply or needs something done
/// ([`Step::Need`]); [`Stepper::resume`] feeds that need's outcome back and walks on. It is
/// synchronous and deterministic: the same session, input, facts and outcomes give the same
/// reply, so its rules are tested by feeding outcomes, with no runtime and no fake service.
///
/// `turn` is the webhook being answered; URLs in the response carry `turn + 1`.
pub struct Stepper<'f> {
    run: Run<'f>,
}

impl<'f> Stepper<'f> {
    /// A stepper for the webhook numbered `turn` of a call on `flow`.
    pub fn new(flow: &'f Flow, turn: i64) -> Stepper<'f> {
        Stepper {
            run: Run {
                flow,
                turn,
                verbs: Vec::new(),
                steps: Vec::new(),
                ended: false,
                again: None,
                at: None,
                hops: 0,
                phase: Phase::Enter,
            },
        }
    }

    /// Applies the webhook's input and walks to the reply or the first need.
    ///
    /// # Errors
    /// The flow cannot be run as written ([`FlowError`]). The session may be partly changed
    /// then; the caller must discard it.
    pub fn start(
        &mut self,
        session: &mut Session,
        input: &Input,
        ctx: &impl Context,
    ) -> Result<Step, FlowError> {
        let run = &mut self.run;
        let next = match input {
            Input::Start => {
                if let Some(notice) = &run.flow.recording_notice {
                    // Before anything else, in every language the flow speaks: the caller has
                    // not chosen one yet.
                    for language in &run.flow.languages {
                        let rendered = run.render(notice, *language, session, ctx);
                        run.verbs.extend(rendered.into_iter().map(Verb::Prompt));
                    }
                }
                Some(run.flow.start.clone())
            }
            Input::DialEnded { answered } => run.after_dial(session, *answered, ctx),
            Input::Assist => run.assist(session, ctx),
            Input::Paid(report) => run.after_pay(session, report, ctx),
            Input::Digits(_) | Input::Speech { .. } | Input::Silence => {
                run.answer(session, input, ctx)
            }
        };
        run.at = next;
        self.walk_on(session, None, ctx)
    }

    /// Feeds the outcome of the need the last step returned, and walks on.
    ///
    /// # Errors
    /// As [`Stepper::start`], and when `outcome` does not answer the need.
    pub fn resume(
        &mut self,
        session: &mut Session,
        outcome: Outcome,
        ctx: &impl Context,
    ) -> Result<Step, FlowError> {
        if self.run.at.is_none() {
            return Err(FlowError(format!(
                "{outcome:?} came after the turn was answered"
            )));
        }
        self.walk_on(session, Some(outcome), ctx)
    }

    pub(super) fn walk_on(
        &mut self,
        session: &mut Session,
        outcome: Option<Outcome>,
        ctx: &impl Context,
    ) -> Result<Step, FlowError> {
        if let Some(need) = self.run.walk(session, outcome, ctx)? {
            return Ok(Step::Need(need));
        }
        Ok(Step::Reply(Turn {
            response: voice::Response {
                verbs: std::mem::take(&mut self.run.verbs),
            },
            steps: std::mem::take(&mut self.run.steps),
            ended: self.run.ended,
        }))
    }
}

/// How far the walk got through the state it is at, so a resumed walk goes on from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not yet entered: its visit is not counted.
    Enter,
    /// Entered; the recording is not yet settled for it.
    Guard,
    /// Ready for what the state does.
    Body,
}

/// What settling the recording for a state came to.
pub(super) enum Guarded {
    /// It needs pausing or resuming first.
    Need(Need),
    /// Card entry must stop: go here instead.
    Detour(String),
    /// Nothing (more) to do: on with the state.
    GoOn,
}

/// What a transfer state came to.
pub(super) enum Transferred {
    /// The agent must be rung first.
    Need(Need),
    /// No person can be had now.
    Unavailable,
    /// The agent's line could not be rung.
    RingFailed,
    /// The caller is being put through (or waits in the room while the agent is rung).
    Dialing,
}

/// An outcome that does not answer the need at `state`.
pub(super) fn unexpected(outcome: &Outcome, state: &str) -> FlowError {
    FlowError(format!("{outcome:?} does not answer what {state} needed"))
}

pub(super) struct Run<'f> {
    pub(super) flow: &'f Flow,
    pub(super) turn: i64,
    pub(super) verbs: Vec<Verb>,
    pub(super) steps: Vec<StepRecord>,
    pub(super) ended: bool,
    /// While a question is asked again after a miss: `Some(silent)`.
    pub(super) again: Option<bool>,
    /// The state the walk is at; `None` once the turn's reply is complete.
    pub(super) at: Option<String>,
    /// States passed on this turn, against [`MAX_HOPS`].
    pub(super) hops: usize,
    /// How far through the state at `at`.
    pub(super) phase: Phase,
}

impl Run<'_> {
    pub(super) fn language(&self, session: &Session) -> Language {
        session.language.unwrap_or(self.flow.languages[0])
    }

    pub(super) fn record(
        &mut self,
        ctx: &impl Context,
        state: &str,
        input_kind: &str,
        result: &str,
        digits: Option<&str>,
    ) {
        self.steps.push(StepRecord {
            turn: self.turn,
            state: state.to_owned(),
            input_kind: input_kind.to_owned(),
            result: result.to_owned(),
            digits: digits.map(str::to_owned),
            at: ctx.now_ms(),
        });
    }

    pub(super) fn after_dial(
        &mut self,
        session: &mut Session,
        answered: bool,
        ctx: &impl Context,
    ) -> Option<String> {
        let flow = self.flow;
        let state = flow.states.get(&session.state)?;
        let StateKind::Transfer {
            on_unavailable,
            on_no_answer,
        } = &state.kind
        else {
            self.record(ctx, &state.name, "dial", "unexpected", None);
            return Some(flow.agent_state.clone());
        };
        if answered {
            self.record(ctx, &state.name, "dial", "answered", None);
            self.verbs.push(Verb::Hangup);
            self.ended = true;
            None
        } else {
            self.record(ctx, &state.name, "dial", "no_answer", None);
            session.outcome = None;
            Some(on_no_answer.as_ref().unwrap_or(on_unavailable).clone())
        }
    }

    /// An agent sent the caller to key in a card: the flow's card questions, then back to the
    /// agent. Only a caller the line verified may pay this way; anyone else goes straight back.
    pub(super) fn assist(&mut self, session: &mut Session, ctx: &impl Context) -> Option<String> {
        let at = session.state.clone();
        match &self.flow.assisted_payment_state {
            Some(start) if session.authenticated => {
                self.record(ctx, &at, "assist", "card_entry", None);
                session.assisting = true;
                Some(start.clone())
            }
            _ => {
                self.record(ctx, &at, "assist", "refused", None);
                self.back_to_agent(session, ctx);
                None
            }
        }
    }

    /// Puts a caller sent to key in a card back with the agent who sent them.
    pub(super) fn back_to_agent(&mut self, session: &mut Session, ctx: &impl Context) {
        let flow = self.flow;
        let language = self.language(session);
        session.assisting = false;
        if let Some(message) = &flow.messages.back_to_agent {
            self.say(message, language, session.slow, ctx);
        }
        let from = std::mem::replace(&mut session.state, flow.agent_state.clone());
        self.record(ctx, &from, "none", "back_to_agent", None);
        self.verbs.push(self.callers_room(language, ctx));
    }

    /// The caller into the call's conference room: hold audio until the agent is there (or
    /// should the agent have stepped away), and free to step out to key in a card and come back,
    /// since only the agent's leaving ends the room.
    pub(super) fn callers_room(&self, language: Language, ctx: &impl Context) -> Verb {
        Verb::Conference(voice::Conference {
            name: ctx.conference_name(),
            wait_url: Some(ctx.hold_url(language)),
            start_on_enter: false,
            end_on_exit: false,
            action: Some(ctx.dial_url(self.turn + 1)),
        })
    }

    /// Moves the walk on to `target`, a state not yet entered.
    pub(super) fn go_to(&mut self, target: &str) {
        self.at = Some(target.to_owned());
        self.hops += 1;
        self.phase = Phase::Enter;
    }

    /// Walks from the state at [`Run::at`] through states that need no input (says, branches,
    /// actions) to the next question, transfer or goodbye, or to the first thing it needs done.
    /// `outcome` answers the need it stopped at last.
    pub(super) fn walk(
        &mut self,
        session: &mut Session,
        mut outcome: Option<Outcome>,
        ctx: &impl Context,
    ) -> Result<Option<Need>, FlowError> {
        let flow = self.flow;
        while let Some(name) = self.at.clone() {
            if self.hops >= MAX_HOPS {
                return Err(FlowError(format!(
                    "more than {MAX_HOPS} states without a question; the flow loops"
                )));
            }
            let Some(state) = flow.states.get(&name) else {
                return Err(FlowError(format!("state {name} is missing")));
            };
            if self.phase == Phase::Enter {
                let visits = session.visits.entry(name.clone()).or_insert(0);
                *visits += 1;
                if let Some((max, target)) = &state.max_visits
                    && *visits > *max
                {
                    self.record(ctx, &name, "none", "max_visits", None);
                    self.go_to(target);
                    continue;
                }
                if let Some(outcome) = &state.outcome {
                    session.outcome = Some(outcome.clone());
                }
                self.phase = Phase::Guard;
            }
            if self.phase == Phase::Guard {
                match self.guard_recording(session, state, outcome.take(), ctx)? {
                    Guarded::Need(need) => return Ok(Some(need)),
                    Guarded::Detour(target) => {
                        self.go_to(&target);
                        continue;
                    }
                    Guarded::GoOn => self.phase = Phase::Body,
                }
                // A caller an agent sent to key in a card goes back to them once it is decided,
                // or wherever the flow would otherwise say goodbye or dial a person.
                if session.assisting
                    && (flow.assisted_payment_ends.contains(&name)
                        || matches!(state.kind, StateKind::Transfer { .. } | StateKind::Hangup))
                {
                    self.back_to_agent(session, ctx);
                    self.at = None;
                    return Ok(None);
                }
            }
            let next = match &state.kind {
                StateKind::Say { next } => {
                    self.prompt_of(state, session, ctx);
                    self.record(ctx, &name, "none", "said", None);
                    Some(next)
                }
                StateKind::Branch { cases, otherwise } => {
                    let target = cases
                        .iter()
                        .find(|(condition, _)| holds(condition, session, ctx, flow))
                        .map_or(otherwise, |(_, target)| target);
                    self.record(ctx, &name, "none", &format!("goto:{target}"), None);
                    Some(target)
                }
                StateKind::Action { action, on } => {
                    let result = match outcome.take() {
                        None => return Ok(Some(Need::Action(*action))),
                        Some(Outcome::Action(result)) => result,
                        Some(other) => return Err(unexpected(&other, &name)),
                    };
                    self.record(ctx, &name, "none", result, None);
                    let Some(target) = on.get(result) else {
                        return Err(FlowError(format!("{name} has no route for {result}")));
                    };
                    Some(target)
                }
                StateKind::Disclosure { next } => {
                    self.disclose(session, ctx, &name);
                    Some(next)
                }
                StateKind::ProviderCard { .. } => {
                    let elsewhere = self.provider_card(session, state, ctx);
                    match elsewhere {
                        Some(target) => {
                            self.go_to(&target);
                            continue;
                        }
                        None => None,
                    }
                }
                StateKind::Menu { .. }
                | StateKind::Language { .. }
                | StateKind::Collect { .. }
                | StateKind::Offers { .. } => {
                    session.state = name.clone();
                    session.attempts = 0;
                    session.offer_cursor = 0;
                    session.more_offers = false;
                    self.ask(session, state, ctx, None);
                    None
                }
                StateKind::Transfer {
                    on_unavailable,
                    on_no_answer,
                } => match self.transfer(session, state, outcome.take(), ctx)? {
                    Transferred::Need(need) => return Ok(Some(need)),
                    Transferred::Unavailable => Some(on_unavailable),
                    Transferred::RingFailed => {
                        Some(on_no_answer.as_ref().unwrap_or(on_unavailable))
                    }
                    Transferred::Dialing => None,
                },
                StateKind::Hangup => {
                    session.state = name.clone();
                    self.prompt_of(state, session, ctx);
                    self.record(ctx, &name, "none", "hangup", None);
                    self.verbs.push(Verb::Hangup);
                    self.ended = true;
                    None
                }
            };
            match next {
                Some(target) => self.go_to(target),
                None => self.at = None,
            }
        }
        Ok(None)
    }

    /// A disclosure state: its policy's words, only to a caller who proved who they are (a debt
    /// is never discussed with anyone else).
    pub(super) fn disclose(&mut self, session: &Session, ctx: &impl Context, name: &str) {
        let language = self.language(session);
        let text = ctx
            .policy()
            .filter(|_| session.authenticated)
            .and_then(|policy| policy.disclosure.as_ref())
            .and_then(|texts| texts.get(&language))
            .cloned();
        let result = if let Some(text) = text {
            self.verbs.push(Verb::Prompt(voice::Prompt::Say {
                text,
                language,
                voice: self.flow.voices.get(&language).cloned(),
                slow: session.slow,
                recorded: None,
            }));
            "disclosed"
        } else {
            "none"
        };
        self.record(ctx, name, "none", result, None);
    }

    /// A transfer state: a person when one can be had (rung first when callers wait in a room),
    /// else where the flow says.
    pub(super) fn transfer(
        &mut self,
        session: &mut Session,
        state: &State,
        outcome: Option<Outcome>,
        ctx: &impl Context,
    ) -> Result<Transferred, FlowError> {
        let name = &state.name;
        let reachable = people_available(ctx);
        let Some(number) = ctx.agent_number().filter(|_| reachable) else {
            self.record(ctx, name, "none", "unavailable", None);
            session.outcome = None;
            return Ok(Transferred::Unavailable);
        };
        session.state = name.clone();
        if ctx.holds_transfers() {
            let agent_leg = match outcome {
                None => {
                    return Ok(Transferred::Need(Need::RingAgent {
                        number: number.to_owned(),
                    }));
                }
                Some(Outcome::Rang(leg)) => leg,
                Some(other) => return Err(unexpected(&other, name)),
            };
            let Some(agent_leg) = agent_leg else {
                self.record(ctx, name, "none", "ring_failed", None);
                session.outcome = None;
                return Ok(Transferred::RingFailed);
            };
            // Kept so the agent's leg is hung up if the caller hangs up first.
            session.facts.agent_leg = Some(agent_leg);
            self.prompt_of(state, session, ctx);
            self.record(ctx, name, "none", "dialing", None);
            let language = self.language(session);
            self.verbs.push(self.callers_room(language, ctx));
            return Ok(Transferred::Dialing);
        }
        self.prompt_of(state, session, ctx);
        self.record(ctx, name, "none", "dialing", None);
        self.verbs.push(Verb::Dial(Dial {
            number: number.to_owned(),
            caller_id: None,
            whisper_url: Some(ctx.whisper_url()),
            action: Some(ctx.dial_url(self.turn + 1)),
            timeout_seconds: self.flow.dial_timeout_seconds,
        }));
        Ok(Transferred::Dialing)
    }

    /// Keeps the call's recording paused exactly while a card or bank account is keyed in and
    /// read back: paused before the first such question, resumed at the first question, transfer
    /// or goodbye after it is decided (charged or forgotten) or abandoned (a transfer or the end
    /// of the call). Detours to a person when the recording could not be paused and entry must
    /// stop.
    pub(super) fn guard_recording(
        &mut self,
        session: &mut Session,
        state: &State,
        outcome: Option<Outcome>,
        ctx: &impl Context,
    ) -> Result<Guarded, FlowError> {
        let card_question =
            matches!(&state.kind, StateKind::Collect { input, .. } if input.is_payment_data());
        let stops = state.kind.asks()
            || matches!(state.kind, StateKind::Transfer { .. } | StateKind::Hangup);
        if card_question && !session.recording_paused {
            match outcome {
                None => return Ok(Guarded::Need(Need::PauseRecording)),
                Some(Outcome::Paused(Pause::Paused)) => session.recording_paused = true,
                Some(Outcome::Paused(Pause::InMarkup)) => {
                    self.verbs
                        .push(Verb::Recording(voice::RecordingChange::Pause));
                    session.recording_paused = true;
                }
                Some(Outcome::Paused(Pause::NotNeeded)) => {}
                Some(Outcome::Paused(Pause::Failed)) => {
                    self.record(ctx, &state.name, "none", "recording_not_paused", None);
                    return Ok(Guarded::Detour(self.flow.agent_state.clone()));
                }
                Some(other) => return Err(unexpected(&other, &state.name)),
            }
        } else if session.recording_paused && stops && !card_question {
            let card_pending = PAYMENT_INPUTS
                .iter()
                .any(|field| session.secrets.0.contains_key(field.input_name()));
            let abandoned = !state.kind.asks();
            if !card_pending || abandoned {
                match outcome {
                    None => return Ok(Guarded::Need(Need::ResumeRecording)),
                    Some(Outcome::Resumed) => session.recording_paused = false,
                    Some(Outcome::ResumedInMarkup) => {
                        self.verbs
                            .push(Verb::Recording(voice::RecordingChange::Resume));
                        session.recording_paused = false;
                    }
                    Some(other) => return Err(unexpected(&other, &state.name)),
                }
            }
        }
        Ok(Guarded::GoOn)
    }
}
