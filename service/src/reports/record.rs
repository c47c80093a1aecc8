//! What a call leaves behind when it ends, decided here and recorded by the store
//! ([`crate::store::Store::end_call`] hands [`summarize`] the call as it found it, in its
//! transaction): the outcome, whether it locked the account, and the states it reached, for
//! `funnel_counts`, read once from its step log (which is purged later).

use crate::store::{EndSummary, EndingCall, FunnelStep, StepRecord};

/// The outcome of a call that ended before its flow settled anything.
pub const ABANDONED: &str = "abandoned";

/// What ending a call needs to know besides the call: the flow's rules and the time.
#[derive(Debug, Clone, Copy)]
pub struct CallEnd<'a> {
    /// When (UTC ms).
    pub now_ms: i64,
    /// Outcomes that stand even when the caller hangs up before the flow ends the call.
    pub settled: &'a [String],
    /// The flow the call ran (its name).
    pub flow: &'a str,
    /// The flow's agent state: leaving a state for it is "asked for a person" in the funnel.
    pub agent_state: &'a str,
    /// The flow's callback state (where asking for a person leads when no one can take the
    /// call), which counts the same.
    pub callback_state: Option<&'a str>,
}

/// What the end of `call` records. When the flow had not ended the call itself, the outcome
/// becomes `abandoned` unless it is one of `end.settled` (a transfer or a payment stands even if
/// the caller hangs up during the goodbye) or the call was asked the end-of-call survey (which
/// comes only after the business of the call, so hanging up on it leaves nothing undone).
pub fn summarize(call: &EndingCall, end: &CallEnd<'_>) -> EndSummary {
    let outcome = match (call.ended_at, &call.outcome) {
        (Some(_), outcome) => outcome.clone(),
        (None, Some(outcome)) if call.surveyed || end.settled.contains(outcome) => {
            Some(outcome.clone())
        }
        (None, _) => Some(ABANDONED.to_owned()),
    };
    // Only ever set: a status callback repeated after retention purged the steps keeps it.
    let locked_out =
        call.outcome.as_deref() == Some(super::LOCKED_OUT_OUTCOME) || locked_out(&call.steps);
    let funnel = (!call.reported).then(|| {
        let hung_up = outcome.as_deref() == Some(ABANDONED);
        let reached = states_reached(&call.steps, call.last_step.as_deref(), end, hung_up)
            .into_iter()
            .map(|reached| FunnelStep {
                state: reached.state.to_owned(),
                seq: reached.seq,
                left_by: reached.left_by.as_str(),
            })
            .collect();
        (quarter_of(call.started_at), reached)
    });
    EndSummary {
        now_ms: end.now_ms,
        outcome,
        flow: end.flow.to_owned(),
        locked_out,
        funnel,
    }
}

/// How a caller last left a flow state they reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftBy {
    /// On to another state of the flow.
    WentOn,
    /// To the agent state or the callback state: they asked for a person (or were sent to one).
    Person,
    /// The caller hung up there before the call was settled (outcome `abandoned`).
    HungUp,
    /// The call ended there: a goodbye, a transfer, a settled outcome.
    Ended,
}

impl LeftBy {
    /// The name stored in `funnel_counts.left_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            LeftBy::WentOn => "went_on",
            LeftBy::Person => "person",
            LeftBy::HungUp => "hung_up",
            LeftBy::Ended => "ended",
        }
    }
}

/// One flow state a call reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached<'s> {
    /// The state's name.
    pub state: &'s str,
    /// The order the call first reached it in, from 0.
    pub seq: i64,
    /// How the caller left it the last time they were there.
    pub left_by: LeftBy,
}

/// Every state the call reached, in the order first reached, each with how the caller left it
/// the last time (a PIN asked again after a wrong one counts once, by how it was finally left).
/// Steps record the state that took an answer; `waiting` (the call's `last_step`) is the
/// question the caller was last asked, which they may have hung up on without answering.
/// `hung_up`: the call ended abandoned, so its last state is where the caller hung up.
pub fn states_reached<'s>(
    steps: &'s [StepRecord],
    waiting: Option<&'s str>,
    end: &CallEnd<'_>,
    hung_up: bool,
) -> Vec<Reached<'s>> {
    let is_person = |state: &str| state == end.agent_state || end.callback_state == Some(state);
    let mut path: Vec<&'s str> = steps.iter().map(|step| step.state.as_str()).collect();
    if let Some(waiting) = waiting
        && path.last() != Some(&waiting)
    {
        path.push(waiting);
    }
    let mut reached: Vec<Reached<'s>> = Vec::new();
    for (i, &state) in path.iter().enumerate() {
        // Where the caller went from here, if this was their last step in this state.
        let next = path.get(i + 1).copied();
        if next == Some(state) {
            continue;
        }
        let left_by = match next {
            Some(next) if is_person(next) => LeftBy::Person,
            Some(_) => LeftBy::WentOn,
            None if hung_up => LeftBy::HungUp,
            None => LeftBy::Ended,
        };
        match reached.iter_mut().find(|r| r.state == state) {
            Some(seen) => seen.left_by = left_by,
            None => reached.push(Reached {
                state,
                seq: reached.len() as i64,
                left_by,
            }),
        }
    }
    reached
}

/// The quarter hour (UTC ms) a call that started at `started_at` is counted in, in
/// `funnel_counts`: every time zone's midnight is on a quarter hour.
pub fn quarter_of(started_at: i64) -> i64 {
    started_at.div_euclid(QUARTER_MS) * QUARTER_MS
}

/// A quarter of an hour, in milliseconds.
pub const QUARTER_MS: i64 = 15 * 60 * 1000;

/// Whether the steps locked the account (a PIN or date-of-birth check answered `locked`).
pub fn locked_out(steps: &[StepRecord]) -> bool {
    steps.iter().any(|step| step.result == "locked")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(state: &str, result: &str) -> StepRecord {
        StepRecord {
            turn: 0,
            state: state.to_owned(),
            input_kind: "digits".to_owned(),
            result: result.to_owned(),
            digits: None,
            at: 0,
        }
    }

    const END: CallEnd<'static> = CallEnd {
        now_ms: 0,
        settled: &[],
        flow: "payment",
        agent_state: "agent",
        callback_state: Some("offer_callback"),
    };

    fn summary(steps: &[StepRecord], hung_up: bool) -> Vec<(&str, i64, &'static str)> {
        states_reached(steps, None, &END, hung_up)
            .into_iter()
            .map(|r| (r.state, r.seq, r.left_by.as_str()))
            .collect()
    }

    #[test]
    fn a_state_visited_twice_counts_once_by_how_it_was_finally_left() {
        let steps = [
            step("ask_pin", "answered"),
            step("check_pin", "failed"),
            step("pin_failed", "none"),
            step("ask_pin", "answered"),
            step("ask_pin", "invalid"),
        ];
        assert_eq!(
            summary(&steps, true),
            [
                ("ask_pin", 0, "hung_up"),
                ("check_pin", 1, "went_on"),
                ("pin_failed", 2, "went_on"),
            ]
        );
    }

    #[test]
    fn going_to_the_agent_or_the_callback_offer_is_asking_for_a_person() {
        let steps = [
            step("balance_offers", "agent"),
            step("agent", "none"),
            step("ask_amount", "agent"),
            step("offer_callback", "none"),
        ];
        assert_eq!(
            summary(&steps, false),
            [
                ("balance_offers", 0, "person"),
                ("agent", 1, "went_on"),
                ("ask_amount", 2, "person"),
                ("offer_callback", 3, "ended"),
            ]
        );
    }

    #[test]
    fn the_question_waiting_when_the_caller_hung_up_is_where_they_hung_up() {
        let steps = [step("confirm_caller", "option:1")];
        let reached = states_reached(&steps, Some("ask_pin"), &END, true);
        let got: Vec<_> = reached.iter().map(|r| (r.state, r.left_by)).collect();
        assert_eq!(
            got,
            [
                ("confirm_caller", LeftBy::WentOn),
                ("ask_pin", LeftBy::HungUp)
            ]
        );
        let same = states_reached(&steps, Some("confirm_caller"), &END, true);
        assert_eq!(same.len(), 1);
    }

    #[test]
    fn a_lockout_is_a_check_answered_locked() {
        assert!(locked_out(&[step("check_pin", "locked")]));
        assert!(!locked_out(&[step("check_pin", "failed")]));
        assert!(summary(&[], true).is_empty());
    }
}
