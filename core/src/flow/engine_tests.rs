//! The engine's rules, run on the shipped flows and on small flows written here, against the
//! in-memory [`FakeContext`]: no network, no database, no runtime.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::Path;

use proptest::prelude::*;

use super::actions::{
    ActionResult, ApplyFeeResult, ChangePlanCardResult, ChargeCardResult, ChargeSavedMethodResult,
    CheckAmountResult, DebitBankResult, EnrollAutopayResult, IdentifyByCallerIdResult,
    LookupAccountResult, OfferAutopayResult, OfferBankDebitResult, OfferCallbackResult,
    OfferKeepBankResult, OfferKeepCardResult, OfferPlanBankResult, OfferSavedMethodResult,
    OfferSettlementResult, OfferSurveyResult, PayInstallmentNowResult, PrepareAutopayResult,
    PrepareDebitResult, PreparePlanDebitResult, RecordCallbackResult, RecordProviderPaymentResult,
    RemoveSavedMethodResult, RouteAccountResult, SetUpPlanResult, VerifyDateOfBirthResult,
    VerifyPinResult,
};
use super::engine::{FlowError, Input, Session, Turn};
use super::testing::{AGENT_NUMBER, FakeContext, advance};
use super::{Action, Flow, InputKind, StateKind, load_dir, load_file};
use crate::language::Language;
use crate::payments::CardBrand;
use crate::voice::{self, Verb};

fn flows_dir() -> std::path::PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows")
}

/// The shipped payment flow, loaded once for all the tests here.
fn payment_flow() -> &'static Flow {
    static FLOW: std::sync::OnceLock<Flow> = std::sync::OnceLock::new();
    FLOW.get_or_init(|| {
        load_file(&flows_dir().join("payment.toml")).expect("call-flows/payment.toml loads")
    })
}

/// A flow of the given states, with the shared settings and messages every flow needs.
fn small_flow(settings: &str, states: &str) -> Flow {
    let source = format!(
        r#"
[flow]
languages = ["en", "es"]
start = "start"
agent_state = "agent"
{settings}

[messages]
no_input.en = "Sorry, I didn't hear you."
no_input.es = "Perdón, no le oí."
invalid_choice.en = "That is not a choice."
invalid_choice.es = "Esa no es una opción."
help.en = "Press star to hear this again."
help.es = "Oprima asterisco para escucharlo de nuevo."
person_option.en = "Press zero for a person."
person_option.es = "Oprima cero para una persona."
no_person.en = "No one is here."
no_person.es = "No hay nadie."
too_many_attempts.en = "Let me get you some help."
too_many_attempts.es = "Le ayudo."

{states}

[states.agent]
kind = "transfer"
prompt.en = "Hold on."
prompt.es = "Espere."
on_unavailable = "bye"

[states.bye]
kind = "hangup"
prompt.en = "Bye."
prompt.es = "Adiós."
"#
    );
    super::load::parse_flow("test", Path::new("call-flows/test.toml"), &source)
        .unwrap_or_else(|problems| panic!("test flow loads: {problems:?}"))
}

/// One call through the engine, a webhook at a time.
struct Call<'f> {
    flow: &'f Flow,
    session: Session,
    ctx: FakeContext,
    turn: i64,
    /// Every step recorded so far.
    steps: Vec<crate::flow::StepRecord>,
}

impl<'f> Call<'f> {
    fn new(flow: &'f Flow, ctx: FakeContext) -> Call<'f> {
        Call {
            flow,
            session: Session::default(),
            ctx,
            turn: 0,
            steps: Vec::new(),
        }
    }

    fn try_send(&mut self, input: Input) -> Result<Turn, FlowError> {
        let turn = advance(
            self.flow,
            &mut self.session,
            input,
            self.turn,
            &mut self.ctx,
        )?;
        self.turn += 1;
        self.steps.extend(turn.steps.iter().cloned());
        Ok(turn)
    }

    fn send(&mut self, input: Input) -> Turn {
        self.try_send(input).expect("the engine answers")
    }

    fn keys(&mut self, keys: &str) -> Turn {
        self.send(Input::Digits(keys.to_owned()))
    }

    /// The results recorded for `state`, in order.
    fn results_at(&self, state: &str) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.result.as_str())
            .collect()
    }
}

/// Everything the caller hears in a response, in order.
pub(super) fn heard(turn: &Turn) -> String {
    let mut texts = Vec::new();
    for verb in &turn.response.verbs {
        let prompts = match verb {
            Verb::Prompt(prompt) => std::slice::from_ref(prompt),
            Verb::Gather(gather) => gather.prompts.as_slice(),
            _ => &[],
        };
        for prompt in prompts {
            if let voice::Prompt::Say { text, .. } = prompt {
                texts.push(text.as_str());
            }
        }
    }
    texts.join(" ")
}

fn dialled(turn: &Turn) -> Option<&str> {
    turn.response.verbs.iter().find_map(|verb| match verb {
        Verb::Dial(dial) => Some(dial.number.as_str()),
        _ => None,
    })
}

fn asks(turn: &Turn) -> bool {
    matches!(turn.response.verbs.last(), Some(Verb::Gather(_)))
}

/// Linda Brown's call on the shipped flow, waiting at "is this your account?".
fn at_confirm_caller(flow: &Flow, ctx: FakeContext) -> Call<'_> {
    let mut call = Call::new(flow, ctx);
    call.send(Input::Start);
    call.send(Input::Silence);
    assert_eq!(call.session.state, "confirm_caller");
    call
}

#[test]
fn repeat_key_asks_the_same_question_again_without_counting_a_miss() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    let turn = call.keys("*");

    assert_eq!(call.session.state, "confirm_caller");
    assert_eq!(call.session.attempts, 0);
    assert_eq!(call.results_at("confirm_caller"), ["repeat"]);
    assert!(asks(&turn));
    assert!(
        heard(&turn).contains("Is this your account ending in 3 3 6 5?"),
        "{}",
        heard(&turn)
    );
}

#[test]
fn agent_key_puts_the_caller_through_to_a_person() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    let turn = call.keys("0");

    assert_eq!(dialled(&turn), Some(AGENT_NUMBER));
    assert_eq!(call.session.state, "agent");
    assert_eq!(call.results_at("confirm_caller"), ["agent"]);
}

#[test]
fn agent_key_without_a_person_says_so_and_asks_again() {
    let flow = payment_flow();
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.agent_number = None;
    let mut call = at_confirm_caller(flow, ctx);

    let turn = call.keys("0");

    assert_eq!(dialled(&turn), None);
    assert!(asks(&turn));
    assert_eq!(call.session.state, "confirm_caller");
    assert_eq!(call.results_at("confirm_caller"), ["agent_unavailable"]);
    assert!(
        heard(&turn).starts_with("I'm sorry, no one is available to talk right now."),
        "{}",
        heard(&turn)
    );
}

#[test]
fn misses_are_counted_and_the_last_allowed_one_brings_a_person() {
    let flow = payment_flow();
    assert_eq!(flow.max_attempts, 3);
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    let first = call.keys("5");
    let second = call.send(Input::Silence);
    let third = call.keys("5");

    assert!(heard(&first).starts_with("Sorry, that isn't one of the choices."));
    assert!(asks(&first) && asks(&second));
    assert!(dialled(&second).is_none());
    assert_eq!(
        call.results_at("confirm_caller"),
        ["invalid", "no_input", "invalid"]
    );
    assert_eq!(dialled(&third), Some(AGENT_NUMBER));
    assert!(
        heard(&third).starts_with("Let me get you some help."),
        "{}",
        heard(&third)
    );
}

#[test]
fn a_state_with_on_fail_goes_there_after_max_attempts_not_to_a_person() {
    let flow = small_flow(
        "max_attempts = 2",
        r#"
[states.start]
kind = "menu"
prompt.en = "Press 1."
prompt.es = "Oprima 1."
options = { "1" = "bye" }
# Settled (a payment made): flows check lets a miss say goodbye only then.
outcome = "paid"
on_fail = "bye"
"#,
    );
    let mut call = Call::new(&flow, FakeContext::new(None));
    call.send(Input::Start);

    let first = call.keys("5");
    let second = call.keys("5");

    assert!(asks(&first), "one miss is asked again");
    assert_eq!(call.session.attempts, 2);
    assert!(
        second.ended,
        "the second miss of two allowed goes to on_fail"
    );
    assert_eq!(dialled(&second), None);
    assert_eq!(heard(&second), "Bye.");
}

#[test]
fn max_visits_sends_the_caller_on_after_the_last_allowed_visit() {
    let flow = payment_flow();
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.script([IdentifyByCallerIdResult::NotFound])
        .script([LookupAccountResult::NotFound; 4]);
    let mut call = Call::new(flow, ctx);
    call.send(Input::Start);
    call.send(Input::Silence);
    assert_eq!(call.session.state, "ask_account");

    for visit in 1..=3 {
        let turn = call.keys("12345678");
        assert!(
            heard(&turn).starts_with("I'm sorry, I couldn't find an account"),
            "visit {visit}: {}",
            heard(&turn)
        );
        assert_eq!(call.session.state, "ask_account", "visit {visit}");
    }
    let fourth = call.keys("12345678");

    assert_eq!(dialled(&fourth), Some(AGENT_NUMBER));
    assert_eq!(
        call.results_at("account_not_found"),
        ["said", "said", "said", "max_visits"]
    );
}

#[test]
fn silence_at_the_language_menu_keeps_the_default_language() {
    let flow = payment_flow();
    // No account matched: the flow's first language.
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.script([IdentifyByCallerIdResult::NotFound]);
    let mut call = Call::new(flow, ctx);
    call.send(Input::Start);
    let turn = call.send(Input::Silence);
    assert_eq!(call.session.language, Some(Language::En));
    assert_eq!(call.results_at("choose_language"), ["default:en"]);
    assert!(heard(&turn).starts_with("Please enter your account number"));

    // The caller's account is in Spanish: Spanish, without pressing anything.
    let mut maria = FakeContext::linda_brown();
    maria.language = "es".to_owned();
    let mut call = Call::new(flow, FakeContext::calling(maria));
    call.send(Input::Start);
    let turn = call.send(Input::Silence);
    assert_eq!(call.session.language, Some(Language::Es));
    assert_eq!(call.results_at("choose_language"), ["default:es"]);
    assert!(
        heard(&turn).starts_with("¿Es su cuenta"),
        "{}",
        heard(&turn)
    );
}

#[test]
fn a_flow_that_loops_without_asking_is_stopped() {
    let flow = small_flow(
        "",
        r#"
[states.start]
kind = "say"
prompt.en = "One."
prompt.es = "Uno."
next = "again"

[states.again]
kind = "branch"
cases = [{ when = "balance > 0", goto = "bye" }]
otherwise = "start"
"#,
    );
    let mut call = Call::new(&flow, FakeContext::new(None));

    let error = call.try_send(Input::Start).unwrap_err();

    assert!(
        error
            .to_string()
            .contains("more than 64 states without a question"),
        "{error}"
    );
}

#[test]
fn action_results_route_as_the_flow_says() {
    let flow = payment_flow();
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.script([VerifyPinResult::Failed, VerifyPinResult::Locked]);
    let mut call = at_confirm_caller(flow, ctx);
    call.keys("1");

    let failed = call.keys("1111");
    assert_eq!(call.session.state, "ask_pin");
    assert!(heard(&failed).contains("PIN"), "{}", heard(&failed));
    let locked = call.keys("2222");

    assert_eq!(call.results_at("check_pin"), ["failed", "locked"]);
    assert_eq!(call.session.state, "locked_out_menu");
    assert!(asks(&locked));
    assert!(!call.session.authenticated);
    assert_eq!(
        call.ctx.ran,
        ["identify_by_caller_id", "verify_pin", "verify_pin"]
    );
}

/// Secrets typed during a whole payment, and the steps that recorded it.
fn pay_by_card(flow: &Flow) -> Call<'_> {
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));
    for keys in [
        "1",
        "6446",
        "1",
        "4242424242424242",
        "1228",
        "123",
        "97201",
        "1",
    ] {
        call.keys(keys);
    }
    call
}

#[test]
fn sensitive_entries_are_never_recorded_in_steps_nor_kept_in_the_session() {
    let flow = payment_flow();

    let call = pay_by_card(flow);

    assert_eq!(call.session.state, "paid_in_full", "{:?}", call.steps);
    for state in [
        "ask_pin",
        "ask_card_number",
        "ask_card_expiry",
        "ask_security_code",
        "ask_billing_zip",
    ] {
        let steps: Vec<_> = call.steps.iter().filter(|s| s.state == state).collect();
        assert!(!steps.is_empty(), "{state} was answered");
        assert!(steps.iter().all(|s| s.digits.is_none()), "{steps:?}");
    }
    let kept = serde_json::to_string(&call.session).expect("session serializes");
    for secret in ["6446", "424242424242", "1228", "97201"] {
        assert!(!kept.contains(secret), "{secret} in {kept}");
        assert!(
            call.steps
                .iter()
                .all(|s| !s.digits.as_deref().unwrap_or("").contains(secret)),
            "{secret} in {:?}",
            call.steps
        );
    }
}

/// Where the provider's markup pauses recordings: where in each answer it pauses and resumes.
fn recording_changes(turn: &Turn) -> Vec<(usize, voice::RecordingChange)> {
    turn.response
        .verbs
        .iter()
        .enumerate()
        .filter_map(|(at, verb)| match verb {
            Verb::Recording(change) => Some((at, *change)),
            _ => None,
        })
        .collect()
}

#[test]
fn markup_pauses_the_recording_before_the_first_card_question_and_resumes_it_after_the_charge() {
    let flow = payment_flow();
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.recording = crate::flow::engine::Pause::InMarkup;
    let mut call = at_confirm_caller(flow, ctx);
    let mut turns = Vec::new();
    for keys in ["1", "6446", "1"] {
        turns.push(call.keys(keys));
    }
    assert_eq!(call.session.state, "ask_card_number");
    let asked = turns.last().expect("asked for the card");
    // Paused before the question that takes the card number, nothing before it.
    let last = asked.response.verbs.len() - 1;
    assert_eq!(
        recording_changes(asked),
        [(last - 1, voice::RecordingChange::Pause)],
        "{:?}",
        asked.response.verbs
    );
    assert!(turns[..2].iter().all(|t| recording_changes(t).is_empty()));
    // Nothing changes while the card is keyed; resumed with the charge's answer.
    for keys in ["4242424242424242", "1228", "123"] {
        assert!(recording_changes(&call.keys(keys)).is_empty());
    }
    call.keys("97201");
    let charged = call.keys("1");
    assert_eq!(call.session.state, "paid_in_full");
    assert!(
        matches!(
            recording_changes(&charged)[..],
            [(_, voice::RecordingChange::Resume)]
        ),
        "{:?}",
        charged.response.verbs
    );
    assert!(
        heard(&charged).contains("was approved"),
        "{}",
        heard(&charged)
    );
    assert!(!call.session.recording_paused);
}

#[test]
fn a_card_number_typed_at_an_open_question_is_recorded_masked() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    call.keys("4242424242424242");
    call.keys("2");
    call.keys("4000056655665556");

    let menu = call.steps.iter().find(|s| s.state == "confirm_caller");
    assert_eq!(
        menu.and_then(|s| s.digits.as_deref()),
        Some("************4242")
    );
    let account = call.steps.iter().find(|s| s.state == "ask_account");
    assert_eq!(
        account.and_then(|s| s.digits.as_deref()),
        Some("************5556")
    );
}

/// One valid entry for each kind of question, against [`FakeContext`]'s date and brands.
fn valid_entry(input: InputKind) -> &'static str {
    match input {
        InputKind::AccountNumber => "66253365",
        InputKind::Pin => "6446",
        InputKind::DateOfBirth => "03141975",
        InputKind::Zip | InputKind::BillingZip => "97201",
        InputKind::Amount => "25*50",
        InputKind::CardNumber => "4242424242424242",
        InputKind::CardExpiry => "1228",
        InputKind::SecurityCode => "123",
        InputKind::Installments => "3",
        // FakeContext's today is 2026-11-20 and offer_promise allows until 2026-12-04.
        InputKind::PromiseDate => "1201",
        InputKind::HardshipReason => "2",
        InputKind::CallbackNumber => "2125551234",
        // FakeContext's offer_callback offers two windows.
        InputKind::CallbackWindow => "2",
        InputKind::SurveyResolved => "1",
        InputKind::SurveyRating => "5",
        InputKind::BankAccountType => "1",
        InputKind::RoutingNumber => "110000000",
        InputKind::BankAccountNumber | InputKind::BankAccountNumberAgain => "000123456789",
    }
}

/// What a caller may do at the state the session waits in.
fn answers(flow: &Flow, session: &Session) -> Vec<Input> {
    let mut inputs = vec![
        Input::Silence,
        Input::Digits(flow.agent_key.to_string()),
        Input::Digits("5555".to_owned()),
    ];
    let digits = |keys: &str| Input::Digits(keys.to_owned());
    match flow.states.get(&session.state).map(|s| &s.kind) {
        Some(StateKind::Menu { options, .. }) => {
            inputs.extend(options.keys().map(|k| digits(&k.to_string())));
        }
        Some(StateKind::Language { options, .. }) => {
            inputs.extend(options.keys().map(|k| digits(&k.to_string())));
        }
        Some(StateKind::Collect { input, keys, .. }) => {
            inputs.push(digits(valid_entry(*input)));
            inputs.extend(keys.keys().map(|k| digits(k)));
        }
        Some(StateKind::Transfer { .. }) => {
            inputs.push(Input::DialEnded { answered: false });
        }
        Some(StateKind::ProviderCard { .. }) => {
            inputs.push(Input::Paid(pay_report(voice::PayResult::Success)))
        }
        Some(StateKind::Offers { options, .. }) => {
            inputs.extend(options.keys().map(|k| digits(&k.to_string())));
            inputs.extend(('1'..='8').map(|k| digits(&k.to_string())));
        }
        _ => {}
    }
    inputs
}

/// Every state a caller can reach from the start, answering every question every way, with
/// `ctx` giving the action results.
fn reachable(flow: &Flow, ctx: &FakeContext, reached: &mut BTreeSet<String>) {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::new();
    let mut start = Call::new(flow, ctx.clone());
    let turn = start.send(Input::Start);
    reached.extend(start.steps.iter().map(|s| s.state.clone()));
    reached.insert(start.session.state.clone());
    if !turn.ended {
        queue.push_back((start.session, start.ctx));
    }
    while let Some((session, ctx)) = queue.pop_front() {
        for input in answers(flow, &session) {
            let mut call = Call {
                flow,
                session: session.clone(),
                ctx: ctx.clone(),
                turn: 1,
                steps: Vec::new(),
            };
            let Ok(turn) = call.try_send(input) else {
                continue;
            };
            reached.extend(call.steps.iter().map(|s| s.state.clone()));
            reached.insert(call.session.state.clone());
            // What the card entered next is for, and whether a fee or hardship applies, change
            // where the same question leads.
            let facts = &call.session.facts;
            let key = (
                call.session.state.clone(),
                call.session.authenticated,
                call.session.caller_matched,
                call.session.language,
                (
                    facts.payment.card_for,
                    facts.payment.fee_cents,
                    facts.hardship.clone(),
                ),
            );
            if !turn.ended && seen.insert(key) {
                queue.push_back((call.session, call.ctx));
            }
        }
    }
}

/// A context whose `R` action answers `result` every time.
fn always<R: ActionResult>(result: R) -> FakeContext {
    answering(R::ACTION, result.as_str())
}

/// A context whose `action` answers the result named `result` every time.
fn answering(action: Action, result: &'static str) -> FakeContext {
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.script_names(action, [result; 64]);
    ctx
}

/// Contexts that between them give every result of every action, and accounts that take every
/// branch of the balance.
fn every_context() -> Vec<FakeContext> {
    let mut contexts = Vec::new();
    for (_, action) in Action::ALL {
        contexts.extend(action.results().iter().map(|r| answering(action, r)));
    }
    for record in RecordCallbackResult::ALL {
        let mut ctx = always(RouteAccountResult::Specialist);
        ctx.agent_number = None;
        ctx.script([*record; 4]);
        contexts.push(ctx);
    }
    for (balance, minimum) in [(0, 0), (44533, 0), (300, 300)] {
        let mut account = FakeContext::linda_brown();
        account.balance_cents = balance;
        account.minimum_due_cents = minimum;
        contexts.push(FakeContext::calling(account));
    }
    // No person to reach: the goodbyes instead, locked out too.
    let mut nobody = always(VerifyPinResult::Locked);
    nobody.agent_number = None;
    contexts.push(nobody);
    for treatment in [
        RouteAccountResult::NoPayment,
        RouteAccountResult::Specialist,
    ] {
        for offer in OfferCallbackResult::ALL {
            let mut alone = always(treatment);
            alone.agent_number = None;
            alone.script([*offer; 4]);
            contexts.push(alone);
        }
    }
    // Each shipped policy's options.
    for policy in ["late", "settlement", "hardship"] {
        let mut ctx = FakeContext::calling(FakeContext::linda_brown());
        ctx.policy_name = policy;
        contexts.push(ctx);
    }
    let mut settling = always(OfferSettlementResult::OfferedInPayments);
    settling.policy_name = "settlement";
    contexts.push(settling);
    // A returning caller with a plan, every way paying it or changing its card ends.
    for pay in PayInstallmentNowResult::ALL {
        let mut ctx = always(RouteAccountResult::Arrangement);
        ctx.script([*pay; 64]);
        contexts.push(ctx);
    }
    for change in ChangePlanCardResult::ALL {
        let mut ctx = always(RouteAccountResult::Arrangement);
        ctx.script([*change; 64]);
        contexts.push(ctx);
    }
    // Paying from a bank account, every way it ends.
    for debit in DebitBankResult::ALL {
        let mut ctx = always(OfferBankDebitResult::Offered);
        ctx.script([*debit; 64]);
        contexts.push(ctx);
    }
    // Keeping a card on file, and paying with the one kept, every way it ends.
    contexts.push(always(OfferKeepCardResult::Offered));
    let mut with_fee = always(OfferKeepCardResult::Offered);
    with_fee.script([ApplyFeeResult::Applies; 64]);
    contexts.push(with_fee);
    for charge in ChargeSavedMethodResult::ALL {
        let mut ctx = always(OfferSavedMethodResult::Offered);
        ctx.script([*charge; 64]);
        contexts.push(ctx);
    }
    let mut recorded_only = always(OfferBankDebitResult::Offered);
    recorded_only.debit_noticed = false;
    contexts.push(recorded_only);
    let mut no_evidence = always(OfferBankDebitResult::Offered);
    no_evidence.script([PrepareDebitResult::Incomplete; 64]);
    contexts.push(no_evidence);
    // AutoPay: offered after a payment and, where a policy lists it, at the balance; every way
    // turning it on ends; stopping it.
    for offer in OfferAutopayResult::ALL {
        let mut ctx = always(*offer);
        ctx.lists_autopay = true;
        contexts.push(ctx);
    }
    for enrol in EnrollAutopayResult::ALL {
        let mut ctx = always(OfferAutopayResult::NewMethod);
        ctx.lists_autopay = true;
        ctx.script([*enrol; 64]);
        contexts.push(ctx);
    }
    // A plan paid from a bank account, every way setting it up ends; its authorisation not
    // ready.
    for set_up in SetUpPlanResult::ALL {
        let mut ctx = always(OfferPlanBankResult::Offered);
        ctx.script([*set_up; 64]);
        contexts.push(ctx);
    }
    let mut plan_not_ready = always(OfferPlanBankResult::Offered);
    plan_not_ready.script([PreparePlanDebitResult::Incomplete; 64]);
    contexts.push(plan_not_ready);
    // AutoPay offered after a debit, with a written copy of the debit's authorisation.
    let mut after_debit = always(OfferBankDebitResult::Offered);
    after_debit.script([OfferAutopayResult::OnFile; 64]);
    contexts.push(after_debit);
    // AutoPay from a bank account where one can pay it; its authorisation not ready.
    let mut autopay_bank = always(OfferAutopayResult::NewMethod);
    autopay_bank.lists_autopay = true;
    autopay_bank.autopay_bank_possible = true;
    contexts.push(autopay_bank);
    let mut not_ready = always(OfferAutopayResult::NewMethod);
    not_ready.lists_autopay = true;
    not_ready.script([PrepareAutopayResult::NoMethod; 64]);
    contexts.push(not_ready);
    // Keeping a bank account keyed in, and paying with one on file (after its authorisation).
    let mut keep_bank = always(OfferBankDebitResult::Offered);
    keep_bank.script([OfferKeepBankResult::Offered; 64]);
    contexts.push(keep_bank);
    let mut bank_on_file = always(OfferSavedMethodResult::Offered);
    bank_on_file.saved_bank = true;
    contexts.push(bank_on_file);
    // Taking off the file the card AutoPay charges.
    let mut autopay_method = always(OfferSavedMethodResult::Offered);
    autopay_method.script([RemoveSavedMethodResult::RemovedAutopayStopped; 64]);
    contexts.push(autopay_method);
    // After paying with the card on file (which leaves a balance in the fake), with and
    // without a written copy.
    for noticed in [true, false] {
        let mut after_paying = always(OfferSavedMethodResult::Offered);
        after_paying.script([OfferAutopayResult::OnFile; 64]);
        after_paying.autopay_noticed = noticed;
        contexts.push(after_paying);
    }
    let mut on = FakeContext::calling(FakeContext::linda_brown());
    on.autopay_on = true;
    contexts.push(on);
    contexts
}

#[test]
fn every_state_of_every_shipped_flow_is_reached_by_some_caller() {
    let flows = load_dir(&flows_dir()).expect("call-flows/ loads");
    assert!(!flows.is_empty());
    let contexts = every_context();
    for (name, flow) in &flows {
        let mut reached = BTreeSet::new();
        for ctx in &contexts {
            reachable(flow, ctx, &mut reached);
        }
        // The same flow handing cards to a provider that captures them, every way it ends.
        let mut provider = flow.clone();
        provider.card_capture = crate::flow::definition::CardCapture::Provider;
        for result in RecordProviderPaymentResult::ALL {
            let mut ctx = always(*result);
            ctx.captures_cards = true;
            reachable(&provider, &ctx, &mut reached);
        }
        let all: BTreeSet<String> = flow.states.keys().cloned().collect();
        let missed: Vec<_> = all.difference(&reached).collect();
        assert!(missed.is_empty(), "{name}: never reached {missed:?}");
    }
}

/// Whether `state` asks for an amount (whose valid entries are recorded as typed).
fn amount_question(flow: &Flow, state: &str) -> bool {
    matches!(
        flow.states.get(state).map(|s| &s.kind),
        Some(StateKind::Collect {
            input: InputKind::Amount,
            ..
        })
    )
}

/// A caller's action, turned into input against the question they are at.
#[derive(Debug, Clone)]
enum Press {
    Silence,
    Keys(String),
    /// A right answer: the valid entry or the n-th option, whatever is asked.
    Right(usize),
    DialEnded(bool),
}

fn press() -> impl Strategy<Value = Press> {
    prop_oneof![
        1 => Just(Press::Silence),
        3 => proptest::collection::vec(
            proptest::sample::select(b"0123456789*#".to_vec()),
            1..20,
        )
        .prop_map(|keys| Press::Keys(keys.into_iter().map(char::from).collect())),
        5 => (0usize..8).prop_map(Press::Right),
        1 => any::<bool>().prop_map(Press::DialEnded),
    ]
}

fn result_index() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0usize..8, 10)
}

/// A context whose actions answer the results picked by `picks` (one per action, modulo its
/// number of results), each time.
fn scripted(picks: &[usize]) -> FakeContext {
    fn pick<R: ActionResult>(ctx: &mut FakeContext, index: usize) {
        ctx.script([R::ALL[index % R::ALL.len()]; 16]);
    }
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    pick::<IdentifyByCallerIdResult>(&mut ctx, picks[0]);
    pick::<LookupAccountResult>(&mut ctx, picks[1]);
    pick::<VerifyPinResult>(&mut ctx, picks[2]);
    pick::<VerifyDateOfBirthResult>(&mut ctx, picks[3]);
    pick::<CheckAmountResult>(&mut ctx, picks[4]);
    pick::<ChargeCardResult>(&mut ctx, picks[5]);
    pick::<OfferSurveyResult>(&mut ctx, picks[7]);
    ctx.agent_number = (picks[6] < 4).then(|| AGENT_NUMBER.to_owned());
    ctx
}

fn input_for(flow: &Flow, session: &Session, press: &Press) -> Input {
    match press {
        Press::Silence => Input::Silence,
        Press::Keys(keys) => Input::Digits(keys.clone()),
        Press::DialEnded(answered) => Input::DialEnded {
            answered: *answered,
        },
        Press::Right(n) => {
            let mut right = answers(flow, session);
            // Drop silence, the agent key and the wrong entry: the rest are right answers.
            right.drain(..3);
            right
                .get(n % right.len().max(1))
                .cloned()
                .unwrap_or(Input::Silence)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a caller presses, the engine answers with a question, a transfer or a goodbye,
    /// and nothing typed at a sensitive question is recorded or kept unsealed.
    #[test]
    fn any_caller_gets_an_answer_and_no_secret_is_recorded(
        presses in proptest::collection::vec(press(), 0..40),
        picks in result_index(),
    ) {
        let flow = payment_flow();
        let mut call = Call::new(flow, scripted(&picks));
        let mut secrets = Vec::new();
        let mut turn = call.send(Input::Start);
        for press in &presses {
            if turn.ended {
                break;
            }
            let input = input_for(flow, &call.session, press);
            let sensitive = matches!(
                flow.states.get(&call.session.state).map(|s| &s.kind),
                Some(StateKind::Collect { sensitive: true, .. })
            );
            if let (true, Input::Digits(keys)) = (sensitive, &input) {
                secrets.push(keys.clone());
            }
            let asked = call.session.state.clone();
            let steps_before = call.steps.len();
            turn = call.send(input);
            if sensitive {
                for step in call.steps[steps_before..].iter().filter(|s| s.state == asked) {
                    prop_assert!(step.digits.is_none(), "{step:?}");
                }
            }
            let last = turn.response.verbs.last();
            prop_assert!(
                matches!(last, Some(Verb::Gather(_) | Verb::Dial(_) | Verb::Hangup)),
                "{:?}",
                turn.response
            );
            prop_assert_eq!(turn.ended, matches!(last, Some(Verb::Hangup)));
        }
        // Sensitive entries wait only in the session's secrets, which are sealed, never serialized.
        for (name, input) in InputKind::ALL {
            if input.sensitive_by_default() {
                prop_assert!(!call.session.facts.answers.contains_key(&input), "{name} kept");
            }
        }
        for secret in secrets.iter().filter(|s| s.len() >= 5) {
            // A valid amount is recorded as typed; the same keys may have been typed there.
            for step in call.steps.iter().filter(|s| !amount_question(flow, &s.state)) {
                prop_assert!(
                    !step.digits.as_deref().unwrap_or("").contains(secret.as_str()),
                    "{step:?}"
                );
            }
        }
        // Nothing recorded holds more than four keys in the clear, but a valid amount.
        for step in &call.steps {
            let clear = step.digits.as_deref().unwrap_or("").chars().filter(|c| *c != '*').count();
            prop_assert!(clear <= 4 || amount_question(flow, &step.state), "{step:?}");
        }
    }
}

#[test]
fn a_recording_notice_is_said_first_in_every_language_and_only_once() {
    let flow = small_flow(
        r#"recording_notice.en = "This call may be recorded."
recording_notice.es = "Esta llamada puede ser grabada.""#,
        r#"
[states.start]
kind = "menu"
prompt.en = "Press 1."
prompt.es = "Oprima 1."
options = { "1" = "agent" }
"#,
    );
    let mut call = Call::new(&flow, FakeContext::new(None));
    let first = call.send(Input::Start);
    assert!(
        heard(&first)
            .starts_with("This call may be recorded. Esta llamada puede ser grabada. Press 1."),
        "{}",
        heard(&first)
    );
    let again = call.keys("*");
    assert!(!heard(&again).contains("recorded"), "{}", heard(&again));
    assert!(
        payment_flow().recording_notice.is_none(),
        "the shipped flow records nothing, so it says nothing"
    );
}

/// Words as a recognizer would post them, `confidence` in thousandths.
/// Whether `text` offers an answer by voice.
fn offers_voice(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|word| matches!(word, "say" | "Say" | "diga" | "Diga" | "dígalo"))
}

#[test]
fn where_the_provider_takes_keys_only_the_words_offer_keys_alone() {
    let flow = payment_flow();
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.listens = false;
    let mut call = at_confirm_caller(flow, ctx);
    let mut turns = vec![call.keys("1"), call.keys("6446")];
    turns.push(call.keys("3"));
    let said: Vec<String> = turns.iter().map(heard).collect();
    assert!(
        said[1].contains("To pay the full balance, press 1."),
        "{}",
        said[1]
    );
    assert!(
        said[2].starts_with("Please enter the amount with the star key"),
        "{}",
        said[2]
    );
    for words in &said {
        assert!(!offers_voice(words), "{words}");
    }
    // Where it listens, the same words offer both.
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));
    call.keys("1");
    let said = heard(&call.keys("6446"));
    assert!(
        said.contains("To pay the full balance, say or press 1."),
        "{said}"
    );
}

#[test]
fn no_word_of_the_shipped_flow_offers_voice_to_a_call_that_takes_keys_only() {
    use crate::flow::definition::Segment;
    for prompt in payment_flow().prompts() {
        for (language, template) in &prompt.0 {
            let keys_only: String = template
                .0
                .iter()
                .filter_map(|segment| match segment {
                    Segment::Text(text) | Segment::Choice { keys: text, .. } => Some(text.as_str()),
                    Segment::Var(_) => None,
                })
                .collect();
            assert!(
                !offers_voice(&keys_only),
                "{} ({language:?}): {keys_only}",
                prompt.name()
            );
        }
    }
}

fn said(words: &str, confidence: u16) -> Input {
    Input::Speech {
        said: words.to_owned(),
        confidence_permille: Some(confidence),
    }
}

#[test]
fn a_spoken_yes_answers_a_yes_or_no_menu() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    call.send(said("yeah that's right", 900));

    assert_eq!(call.session.state, "ask_pin");
    assert_eq!(call.results_at("confirm_caller"), ["option:1"]);
}

#[test]
fn an_unsure_answer_waits_for_a_yes_and_a_no_asks_again() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    let turn = call.send(said("no", 200));
    assert_eq!(call.session.state, "confirm_caller", "nothing done yet");
    assert!(heard(&turn).starts_with("I heard no."), "{}", heard(&turn));
    let turn = call.send(said("nope", 950));
    assert_eq!(call.session.state, "confirm_caller");
    assert!(
        heard(&turn).starts_with("Sorry about that."),
        "{}",
        heard(&turn)
    );
    assert_eq!(call.session.attempts, 1);

    call.send(said("no", 200));
    call.keys("1");
    assert_eq!(call.session.state, "ask_account", "the held no, confirmed");
    assert_eq!(
        call.results_at("confirm_caller"),
        ["unsure", "not_confirmed", "unsure", "confirmed", "option:2"]
    );
}

#[test]
fn words_at_the_pin_question_are_never_taken() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));
    call.keys("1");
    assert_eq!(call.session.state, "ask_pin");

    let turn = call.send(said("six four four six", 990));

    assert!(call.session.secrets.0.is_empty());
    assert_eq!(call.session.state, "ask_pin");
    assert_eq!(call.results_at("ask_pin"), ["not_understood"]);
    let Some(Verb::Gather(gather)) = turn.response.verbs.last() else {
        panic!("asks again: {:?}", turn.response);
    };
    assert!(gather.speech.is_none(), "the PIN question never listens");
}

#[test]
fn two_silences_slow_the_pace_and_it_holds() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    call.send(Input::Silence);
    assert!(!call.session.slow);
    let turn = call.send(Input::Silence);
    assert!(call.session.slow);
    let Some(Verb::Gather(gather)) = turn.response.verbs.last() else {
        panic!("asks again");
    };
    assert_eq!(gather.timeout_seconds, flow.pace.slow_input_timeout_seconds);
    assert!(gather.prompts.iter().all(|p| match p {
        crate::voice::Prompt::Say { slow, .. } => *slow,
        _ => true,
    }));
    let turn = call.keys("1");
    let Some(Verb::Gather(gather)) = turn.response.verbs.last() else {
        panic!("the PIN question");
    };
    assert_eq!(gather.timeout_seconds, flow.pace.slow_input_timeout_seconds);
}

#[test]
fn a_read_back_never_holds_what_else_was_said() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));

    let turn = call.send(said("yes my card is 4242 4242 4242 4242", 200));

    assert!(heard(&turn).starts_with("I heard yes."), "{}", heard(&turn));
    let kept = format!("{:?} {:?}", call.session.facts, call.session.secrets);
    assert!(!kept.contains("4242"), "{kept}");
}

#[test]
fn a_card_number_said_at_the_account_question_is_refused_not_read_back() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));
    call.keys("2");
    assert_eq!(call.session.state, "ask_account");

    call.send(said(
        "four two four two four two four two four two four two four two four two",
        200,
    ));

    assert_eq!(call.results_at("ask_account"), ["invalid:invalid"]);
    let kept = format!("{:?}", call.session.facts);
    assert!(!kept.contains("4242"), "{kept}");
}

fn conference(turn: &Turn) -> Option<&voice::Conference> {
    turn.response.verbs.iter().find_map(|verb| match verb {
        Verb::Conference(conference) => Some(conference),
        _ => None,
    })
}

/// A context whose transfers wait in a conference room; `rings` says whether ringing the agent
/// works.
fn holding(rings: bool) -> FakeContext {
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.holds = Some(rings);
    ctx
}

#[test]
fn a_transfer_that_holds_rings_the_agent_and_puts_the_caller_in_a_room_with_hold_audio() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, holding(true));

    let turn = call.keys("0");

    assert!(call.ctx.ran.contains(&"ring_agent"));
    assert!(heard(&turn).contains("Please hold while I connect you with a person."));
    let room = conference(&turn).expect("the caller waits in a room");
    assert_eq!(
        room.wait_url.as_deref(),
        Some("https://ivr.example/hold?lang=en")
    );
    assert!(
        !room.start_on_enter,
        "the caller hears hold audio until the agent comes"
    );
    assert!(!room.end_on_exit, "the caller may step out and come back");
    assert_eq!(
        room.action.as_deref(),
        Some("https://ivr.example/dial?turn=3")
    );
    assert_eq!(dialled(&turn), None);
    assert_eq!(call.results_at("agent"), ["dialing"]);
    assert_eq!(
        call.session.facts.agent_leg.as_deref(),
        Some("CA00000000000000000000000000000002"),
        "kept, to hang up the agent's leg should the caller hang up"
    );
}

#[test]
fn nobody_answering_offers_a_callback_or_the_menu_and_the_menu_is_where_they_were() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, holding(true));
    call.keys("1");
    call.keys("6446");
    assert!(call.session.authenticated);
    call.keys("0");

    let turn = call.send(Input::DialEnded { answered: false });

    assert_eq!(call.session.state, "agent_no_answer");
    let words = heard(&turn);
    assert!(
        words.contains("To have someone call you back, say or press 1."),
        "{words}"
    );
    assert!(
        words.contains("To go back to the menu, say or press 2."),
        "{words}"
    );
    let turn = call.keys("2");
    assert_eq!(call.session.state, "balance_offers", "{}", heard(&turn));
}

#[test]
fn when_the_agent_cannot_be_rung_the_caller_is_offered_the_same_choices_at_once() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, holding(false));

    let turn = call.keys("0");

    assert!(conference(&turn).is_none(), "nobody waits for no one");
    assert_eq!(call.session.state, "agent_no_answer");
    assert_eq!(call.results_at("agent"), ["ring_failed"]);
}

/// Keys for each question of a card payment of $50.00.
fn card_entry_keys(state: &str) -> &'static str {
    match state {
        "ask_amount" => "50*00",
        "ask_card_number" => "4242424242424242",
        "ask_card_expiry" => "1228",
        "ask_security_code" => "123",
        "ask_billing_zip" => "97201",
        _ => "1",
    }
}

#[test]
fn an_agent_sends_a_verified_caller_to_key_in_a_card_and_gets_them_back_after_it() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, holding(true));
    call.keys("1");
    call.keys("6446");
    // The agent answered; the caller is talking with them in the room when the agent sends them.
    call.keys("0");

    let turn = call.send(Input::Assist);

    assert_eq!(call.session.state, "ask_amount", "{}", heard(&turn));
    assert!(call.session.assisting);
    assert_eq!(call.results_at("agent"), ["dialing", "card_entry"]);
    let mut back = None;
    for _ in 0..12 {
        let keys = card_entry_keys(&call.session.state);
        let turn = call.keys(keys);
        if conference(&turn).is_some() {
            back = Some(turn);
            break;
        }
    }
    let turn = back.expect("the caller goes back to the agent once the card is charged");
    assert!(
        heard(&turn).contains("I'm putting you back with the person you were speaking with"),
        "{}",
        heard(&turn)
    );
    let room = conference(&turn).expect("the same room");
    assert_eq!(room.name, "ivrpay-CA00000000000000000000000000000001");
    assert!(!call.session.assisting);
    assert_eq!(call.session.state, "agent");
    assert_eq!(call.session.outcome.as_deref(), Some("paid"));
    assert!(call.ctx.ran.contains(&"charge_card"));
    // The steps never hold the card.
    assert!(call.steps.iter().all(|step| {
        !step
            .digits
            .as_deref()
            .unwrap_or("")
            .contains("4242424242424242")
    }));
}

#[test]
fn a_caller_the_line_did_not_verify_is_sent_straight_back_to_the_agent() {
    let flow = payment_flow();
    let mut call = at_confirm_caller(flow, holding(true));
    call.keys("0");

    let turn = call.send(Input::Assist);

    assert!(conference(&turn).is_some());
    assert!(!call.session.assisting);
    assert_eq!(
        call.results_at("agent"),
        ["dialing", "refused", "back_to_agent"]
    );
}

/// Linda verified at her balance on the shipped flow, the survey scripted to be asked (or not).
fn at_balance_with_survey(flow: &Flow, survey: OfferSurveyResult) -> Call<'_> {
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.script([survey]);
    let mut call = at_confirm_caller(flow, ctx);
    call.keys("1");
    call.keys("6446");
    assert_eq!(call.session.state, "balance_offers");
    call
}

#[test]
fn the_survey_follows_the_choice_to_end_and_keeps_the_answers() {
    let flow = payment_flow();
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);

    let turn = call.keys("9");
    assert_eq!(call.session.state, "survey_resolved");
    assert!(heard(&turn).contains("Did this call take care of what you called about?"));
    call.keys("2");
    assert_eq!(call.session.state, "survey_rating");
    let turn = call.keys("4");

    assert!(turn.ended);
    assert!(heard(&turn).starts_with("Thank you for your answers."));
    assert_eq!(call.session.facts.answers[&InputKind::SurveyResolved], "2");
    assert_eq!(call.session.facts.answers[&InputKind::SurveyRating], "4");
    assert_eq!(
        call.ctx
            .ran
            .iter()
            .filter(|a| **a == "record_survey")
            .count(),
        2,
        "each answer is kept as it is given"
    );
    assert_eq!(call.session.outcome.as_deref(), Some("balance_heard"));
}

#[test]
fn a_call_not_asked_hears_the_goodbye_it_always_heard() {
    let flow = payment_flow();
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Skip);

    let turn = call.keys("9");

    assert!(turn.ended);
    assert_eq!(heard(&turn), "Thank you for calling. Take care. Goodbye.");
    assert!(call.ctx.ran.contains(&"offer_survey"));
}

#[test]
fn silence_at_the_survey_asks_once_more_then_says_goodbye_not_a_person() {
    let flow = payment_flow();
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);
    call.keys("9");

    let turn = call.send(Input::Silence);
    assert_eq!(call.session.state, "survey_resolved");
    assert!(heard(&turn).starts_with("Sorry, I didn't hear anything."));
    let turn = call.send(Input::Silence);

    assert!(turn.ended);
    assert_eq!(dialled(&turn), None);
    assert_eq!(heard(&turn), "Thank you for calling. Take care. Goodbye.");
    let silences = call
        .results_at("survey_resolved")
        .into_iter()
        .filter(|result| *result == "no_input")
        .count();
    assert_eq!(silences, 2);
}

#[test]
fn survey_answers_by_voice_in_both_languages() {
    let flow = payment_flow();
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);
    call.keys("9");
    call.send(said("yes it did", 900));
    call.send(said("five", 900));
    assert_eq!(call.session.facts.answers[&InputKind::SurveyResolved], "1");
    assert_eq!(call.session.facts.answers[&InputKind::SurveyRating], "5");

    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);
    call.session.language = Some(Language::Es);
    call.keys("9");
    call.send(said("no", 900));
    let turn = call.send(said("cinco", 900));
    assert_eq!(call.session.facts.answers[&InputKind::SurveyResolved], "2");
    assert_eq!(call.session.facts.answers[&InputKind::SurveyRating], "5");
    assert!(heard(&turn).starts_with("Gracias por sus respuestas."));

    // "No thanks" skips, rather than answering no.
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);
    call.keys("9");
    let turn = call.send(said("no thanks", 900));
    assert!(turn.ended);
    assert!(
        !call
            .session
            .facts
            .answers
            .contains_key(&InputKind::SurveyResolved)
    );
}

#[test]
fn a_rating_outside_1_to_5_is_asked_again() {
    let flow = payment_flow();
    let mut call = at_balance_with_survey(flow, OfferSurveyResult::Ask);
    call.keys("9");
    call.keys("1");

    let turn = call.keys("6");

    assert_eq!(call.session.state, "survey_rating");
    assert!(heard(&turn).starts_with("Please say or press a number from 1 to 5."));
    assert!(
        !call
            .session
            .facts
            .answers
            .contains_key(&InputKind::SurveyRating)
    );
}

#[test]
fn a_state_may_allow_fewer_attempts_than_the_flow() {
    let flow = small_flow(
        "max_attempts = 3",
        r#"
[states.start]
kind = "menu"
prompt.en = "Press 1."
prompt.es = "Oprima 1."
options = { "1" = "bye" }
max_attempts = 1
# Settled (a payment made): flows check lets a miss say goodbye only then.
outcome = "paid"
on_fail = "bye"
"#,
    );
    let mut call = Call::new(&flow, FakeContext::new(None));
    call.send(Input::Start);

    let turn = call.keys("5");

    assert!(turn.ended, "one wrong answer is enough here");
}

/// Every question of the shipped flow asked again after a silence says fewer words than when it
/// was first asked (by the repeat key, which asks it as it was first asked): the reason, and the
/// question in fewer words. Two kinds may not: a question whose own help is needed to answer it
/// at all ("If you don't know your PIN, press 9"), and one too short to shorten (under a dozen
/// words: "When should we call?" and the windows), asked again with the reason.
#[test]
fn every_question_asked_again_is_shorter_than_the_first_time() {
    let flow = payment_flow();
    let mut names: Vec<&String> = flow.states.keys().collect();
    names.sort();
    let mut longer = Vec::new();
    for name in names {
        let state = &flow.states[name];
        let repeat_taken = match &state.kind {
            StateKind::Collect { keys, .. } => keys.contains_key("*"),
            StateKind::Menu { .. } | StateKind::Offers { .. } => false,
            _ => continue,
        };
        if repeat_taken || state.help.is_some() {
            continue;
        }
        for language in Language::ALL {
            let mut call =
                at_confirm_caller(flow, FakeContext::calling(FakeContext::linda_brown()));
            call.session.state = name.clone();
            call.session.language = Some(language);
            call.session.authenticated = true;
            let first = heard(&call.keys("*"));
            let again = heard(&call.send(Input::Silence));
            let words = |text: &str| text.split_whitespace().count();
            if words(&first) >= 12 && words(&again) >= words(&first) {
                longer.push(format!("{name}: {again:?} after {first:?}"));
            }
        }
    }
    assert!(longer.is_empty(), "{}", longer.join("\n"));
}

/// A provider's report of card capture: the brand and last four only.
fn pay_report(result: voice::PayResult) -> voice::PayReport {
    voice::PayReport {
        result,
        confirmation: Some("ch_1".to_owned()),
        card_brand: Some("visa".to_owned()),
        last4: Some("4242".to_owned()),
        error_code: None,
        error: None,
    }
}

/// The shipped flow with cards handed to the provider, and a provider that captures them.
fn provider_capture() -> (Flow, FakeContext) {
    let mut flow = payment_flow().clone();
    flow.card_capture = crate::flow::definition::CardCapture::Provider;
    let mut ctx = FakeContext::calling(FakeContext::linda_brown());
    ctx.captures_cards = true;
    (flow, ctx)
}

fn pay_of(turn: &Turn) -> Option<&voice::Pay> {
    turn.response.verbs.iter().find_map(|verb| match verb {
        Verb::Pay(pay) => Some(pay),
        _ => None,
    })
}

/// What `pay` says for `step` (after `error`, on try `attempt`, for `brand`).
fn pay_words(
    pay: &voice::Pay,
    step: voice::PayStep,
    error: Option<voice::PayError>,
    attempt: u32,
    brand: Option<CardBrand>,
) -> String {
    pay.prompts
        .iter()
        .find(|p| {
            p.step == step
                && p.error == error
                && p.card_brand == brand
                && (p.attempts.is_empty() || p.attempts.contains(&attempt))
        })
        .map(|p| {
            p.prompts
                .iter()
                .filter_map(|prompt| match prompt {
                    voice::Prompt::Say { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[test]
fn card_capture_by_the_provider_speaks_the_card_questions_words_and_charges_the_amount() {
    use voice::{PayError, PayStep};
    let (flow, ctx) = provider_capture();
    let mut call = at_confirm_caller(&flow, ctx);
    call.keys("1");
    call.keys("6446");
    let turn = call.keys("1");
    let pay = pay_of(&turn).unwrap_or_else(|| panic!("no <Pay>: {}", heard(&turn)));
    assert_eq!(call.session.state, "provider_card");
    assert_eq!(pay.charge_cents, 44533);
    assert_eq!(pay.action, "https://ivr.example/pay?turn=5");
    assert!(pay.security_code && pay.postal_code);
    assert_eq!(
        pay_words(pay, PayStep::CardNumber, None, 1, None),
        "Key in your card number, then press pound."
    );
    assert_eq!(
        pay_words(
            pay,
            PayStep::CardNumber,
            Some(PayError::InvalidCardNumber),
            2,
            None
        ),
        "That card number is not valid. Please check it and try again. Key in your card \
         number, then press pound."
    );
    assert_eq!(
        pay_words(
            pay,
            PayStep::CardNumber,
            Some(PayError::InvalidCardType),
            2,
            None
        ),
        "I'm sorry, we can't accept that kind of card. Key in your card number, then press \
         pound."
    );
    assert!(
        pay_words(pay, PayStep::SecurityCode, None, 1, Some(CardBrand::Amex)).contains("4-digit"),
        "{pay:?}"
    );
    assert!(pay_words(pay, PayStep::SecurityCode, None, 1, None).contains("3-digit"));
    assert_eq!(
        pay_words(pay, PayStep::Processing, None, 1, None),
        "Thank you. One moment while I process your payment."
    );
    // Nothing of a card is in the session while the provider takes it.
    assert!(call.session.secrets.0.is_empty());

    // Its report goes to the action that records it.
    let turn = call.send(Input::Paid(pay_report(voice::PayResult::Success)));
    assert_eq!(
        call.results_at("provider_card"),
        ["provider_capture", "success"]
    );
    assert_eq!(call.results_at("record_provider_payment"), ["approved"]);
    assert!(heard(&turn).contains("was approved"), "{}", heard(&turn));
}

#[test]
fn card_capture_by_the_provider_is_in_spanish_for_a_spanish_caller() {
    use voice::PayStep;
    let (flow, ctx) = provider_capture();
    let mut call = Call::new(&flow, ctx);
    call.send(Input::Start);
    call.keys("2");
    call.keys("1");
    call.keys("6446");
    let turn = call.keys("1");
    let pay = pay_of(&turn).unwrap_or_else(|| panic!("no <Pay>: {}", heard(&turn)));
    assert_eq!(pay.language, Language::Es);
    assert_eq!(
        pay_words(pay, PayStep::CardNumber, None, 1, None),
        "Marque el número de su tarjeta y luego la tecla de número."
    );
}

#[test]
fn without_a_provider_that_captures_cards_the_card_questions_are_asked() {
    let (flow, mut ctx) = provider_capture();
    ctx.captures_cards = false;
    let mut call = at_confirm_caller(&flow, ctx);
    call.keys("1");
    call.keys("6446");
    let turn = call.keys("1");
    assert!(pay_of(&turn).is_none());
    assert_eq!(call.session.state, "ask_card_number");
    assert!(heard(&turn).contains("Key in your card number"));
}

#[test]
fn keys_posted_where_the_provider_was_to_report_are_a_failure_not_a_payment() {
    let (flow, ctx) = provider_capture();
    let mut call = at_confirm_caller(&flow, ctx);
    call.keys("1");
    call.keys("6446");
    call.keys("1");
    call.keys("4242424242424242");
    assert_eq!(
        call.session.facts.provider_pay.as_ref().map(|r| r.result),
        Some(voice::PayResult::InternalError)
    );
    assert!(call.session.secrets.0.is_empty(), "never kept");
}
