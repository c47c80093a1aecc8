//! A whole call through the [`Stepper`] alone: each action's outcome is fed in by the test, which
//! also writes what that action would have learned into the session's typed facts. Nothing here
//! runs an action or mirrors one: [`FakeContext`] serves only as the facts the engine reads (the
//! account, the policy, the date), which the test changes as the call goes, as the service would.

use std::collections::VecDeque;
use std::path::Path;

use super::actions::{
    Action, ActionResult, ApplyFeeResult, ChargeCardResult, ChoosePolicyResult,
    IdentifyByCallerIdResult, NoReceiptResult, OfferBankDebitResult, OfferKeepCardResult,
    OfferReceiptResult, OfferSavedMethodResult, OfferSurveyResult, PayFullBalanceResult,
    RouteAccountResult, VerifyPinResult,
};
use super::engine::{Input, Need, Outcome, Pause, Session, Step, Stepper, Turn};
use super::engine_tests::heard;
use super::testing::{CONFIRMATION, FakeContext, shipped_policies};
use super::{Flow, load_file};

fn payment_flow() -> Flow {
    load_file(
        &Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows/payment.toml"),
    )
    .expect("call-flows/payment.toml loads")
}

/// What an action learned, written into the session and the facts as the service would.
type Learned = fn(&mut Session, &mut FakeContext);

/// What the service did for the engine on one webhook, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Ran(Action, &'static str),
    Paused,
    Resumed,
}

/// One webhook: start the stepper with `input`, answer each need from `outcomes` (an action's
/// result and what it learned), and return the reply with what was done for it.
fn webhook(
    flow: &Flow,
    session: &mut Session,
    facts: &mut FakeContext,
    turn: i64,
    input: Input,
    outcomes: &mut VecDeque<(Action, &'static str, Learned)>,
) -> (Turn, Vec<Done>) {
    let mut stepper = Stepper::new(flow, turn);
    let mut done = Vec::new();
    let mut step = stepper
        .start(session, &input, &*facts)
        .expect("the stepper starts");
    loop {
        let need = match step {
            Step::Reply(turn) => return (turn, done),
            Step::Need(need) => need,
        };
        let outcome = match need {
            Need::Action(action) => {
                let (expected, result, learned) = outcomes
                    .pop_front()
                    .unwrap_or_else(|| panic!("{action:?} was not expected"));
                assert_eq!(action, expected, "the actions come in the flow's order");
                learned(session, facts);
                done.push(Done::Ran(action, result));
                Outcome::Action(result)
            }
            Need::PauseRecording => {
                done.push(Done::Paused);
                Outcome::Paused(Pause::Paused)
            }
            Need::ResumeRecording => {
                done.push(Done::Resumed);
                Outcome::Resumed
            }
            Need::RingAgent { .. } => panic!("nobody is rung on this call"),
        };
        step = stepper
            .resume(session, outcome, &*facts)
            .expect("the stepper goes on");
    }
}

fn nothing(_: &mut Session, _: &mut FakeContext) {}

/// Identifying Linda by caller ID: the service loads her account and marks the match.
fn found_linda(session: &mut Session, facts: &mut FakeContext) {
    let linda = FakeContext::linda_brown();
    session.account = Some(linda.account_number.clone());
    session.caller_matched = true;
    facts.account = Some(linda);
}

#[test]
fn linda_pays_her_balance_through_the_stepper_alone() {
    let flow = payment_flow();
    // The facts the service reads for this call; no account is known until it is identified.
    let mut facts = FakeContext::calling(FakeContext::linda_brown());
    let mut session = Session::default();
    let mut outcomes: VecDeque<(Action, &'static str, Learned)> = VecDeque::from([
        (
            Action::IdentifyByCallerId,
            IdentifyByCallerIdResult::Found.as_str(),
            found_linda as Learned,
        ),
        (
            Action::VerifyPin,
            VerifyPinResult::Verified.as_str(),
            |session, _| {
                session.secrets.take("pin");
                session.authenticated = true;
            },
        ),
        (
            Action::ChoosePolicy,
            ChoosePolicyResult::Chosen.as_str(),
            |session, facts| {
                session.facts.policy = Some("early".to_owned());
                facts.policy = shipped_policies().get("early").cloned();
            },
        ),
        (
            Action::RouteAccount,
            RouteAccountResult::Offers.as_str(),
            nothing,
        ),
        (
            Action::PayFullBalance,
            PayFullBalanceResult::Done.as_str(),
            |session, facts| {
                session.facts.payment.cents = facts.account.as_ref().map(|a| a.balance_cents);
            },
        ),
        (
            Action::OfferSavedMethod,
            OfferSavedMethodResult::None.as_str(),
            nothing,
        ),
        (
            Action::OfferBankDebit,
            OfferBankDebitResult::NotAvailable.as_str(),
            nothing,
        ),
        (Action::ApplyFee, ApplyFeeResult::None.as_str(), nothing),
        (
            Action::OfferKeepCard,
            OfferKeepCardResult::NotAvailable.as_str(),
            nothing,
        ),
        (
            Action::ChargeCard,
            ChargeCardResult::Approved.as_str(),
            |session, facts| {
                for field in crate::payments::SecretField::CARD {
                    session.secrets.take(field.input_name());
                }
                session.facts.payment.confirmation = Some(CONFIRMATION.to_owned());
                if let Some(account) = &mut facts.account {
                    account.balance_cents = 0;
                }
            },
        ),
        (
            Action::OfferReceipt,
            OfferReceiptResult::Ask.as_str(),
            |session, _| {
                session.facts.receipts.text = true;
            },
        ),
        (
            Action::NoReceipt,
            NoReceiptResult::Recorded.as_str(),
            nothing,
        ),
        (
            Action::OfferSurvey,
            OfferSurveyResult::Skip.as_str(),
            nothing,
        ),
    ]);
    let inputs = [
        Input::Start,
        Input::Digits("1".into()),
        Input::Digits("1".into()),
        Input::Digits("6446".into()),
        Input::Digits("1".into()),
        Input::Digits("4242424242424242".into()),
        Input::Digits("1230".into()),
        Input::Digits("123".into()),
        Input::Digits("77141".into()),
        Input::Digits("1".into()),
        Input::Digits("9".into()),
        Input::Digits("3".into()),
    ];
    let mut replies = Vec::new();
    for (turn, input) in inputs.into_iter().enumerate() {
        let turn = i64::try_from(turn).expect("a dozen turns");
        replies.push(webhook(
            &flow,
            &mut session,
            &mut facts,
            turn,
            input,
            &mut outcomes,
        ));
    }

    assert!(outcomes.is_empty(), "every action ran: {outcomes:?} left");
    let done: Vec<&[Done]> = replies.iter().map(|(_, done)| done.as_slice()).collect();
    let ran = |action, result| Done::Ran(action, result);
    assert_eq!(done[0], [ran(Action::IdentifyByCallerId, "found")]);
    assert_eq!(
        done[3],
        [
            ran(Action::VerifyPin, "verified"),
            ran(Action::ChoosePolicy, "chosen"),
            ran(Action::RouteAccount, "offers"),
        ]
    );
    // The recording is paused before the first card question and resumed once the card is
    // charged, with nothing to do on the card questions in between.
    assert_eq!(
        done[4],
        [
            ran(Action::PayFullBalance, "done"),
            ran(Action::OfferSavedMethod, "none"),
            ran(Action::OfferBankDebit, "not_available"),
            ran(Action::ApplyFee, "none"),
            Done::Paused,
        ]
    );
    assert!(done[5..8].iter().all(|d| d.is_empty()), "{done:?}");
    // With the ZIP in, whether the card may be kept on file decides the read-back.
    assert_eq!(done[8], [ran(Action::OfferKeepCard, "not_available")]);
    assert_eq!(
        done[9],
        [ran(Action::ChargeCard, "approved"), Done::Resumed]
    );
    assert_eq!(
        done[11],
        [
            ran(Action::NoReceipt, "recorded"),
            ran(Action::OfferSurvey, "skip"),
        ]
    );

    let said = |turn: usize| heard(&replies[turn].0);
    assert!(
        said(1).starts_with("Is this your account ending in 3 3 6 5?"),
        "{}",
        said(1)
    );
    assert!(
        said(3).contains("Your balance is four hundred forty-five dollars and thirty-three cents"),
        "{}",
        said(3)
    );
    assert!(
        said(8).starts_with("Visa ending in 4 2 4 2."),
        "{}",
        said(8)
    );
    assert!(
        said(9).contains("Your confirmation number is 4 8 2, 1 3 9, 0 7."),
        "{}",
        said(9)
    );
    assert!(
        said(10).contains("number ending in 0 1 4 2"),
        "{}",
        said(10)
    );
    assert!(said(11).ends_with("Goodbye."), "{}", said(11));
    assert!(replies[11].0.ended, "the call ends with its goodbye");
    assert!(replies[..11].iter().all(|(reply, _)| !reply.ended));

    // What the call learned is typed and kept; no card data is among it.
    assert_eq!(session.facts.payment.cents, Some(44533));
    assert_eq!(
        session.facts.payment.confirmation.as_deref(),
        Some(CONFIRMATION)
    );
    let card = session.facts.card.as_ref().expect("the card's label");
    assert_eq!((card.brand.as_str(), card.last4.as_str()), ("visa", "4242"));
    assert!(session.secrets.0.is_empty(), "{:?}", session.secrets);
    let stored = serde_json::to_string(&session).expect("the session serialises");
    assert!(
        !stored.contains("42424242") && !stored.contains("6446"),
        "{stored}"
    );
}

#[test]
fn an_outcome_that_does_not_answer_the_need_is_refused() {
    let flow = payment_flow();
    let facts = FakeContext::calling(FakeContext::linda_brown());
    let mut session = Session::default();
    let mut stepper = Stepper::new(&flow, 0);
    let step = stepper
        .start(&mut session, &Input::Start, &facts)
        .expect("starts");
    assert!(
        matches!(step, Step::Need(Need::Action(Action::IdentifyByCallerId))),
        "{step:?}"
    );

    let refused = stepper.resume(&mut session, Outcome::Resumed, &facts);

    assert!(
        refused.is_err_and(|e| e.0.contains("does not answer what identify_caller needed")),
        "a resumed recording is no action's result"
    );
}
