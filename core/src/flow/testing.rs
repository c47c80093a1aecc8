//! An in-memory [`Context`] and a stand-in for the service's side of the engine's needs, for
//! running the engine without network or database: in unit tests, property tests and
//! `benches/hot_paths.rs`. The service never uses it.
//!
//! [`FakeContext`] holds one account, a fixed date and clock, fixed URLs, and answers each action
//! with the results scripted for it ([`FakeContext::script`]), or else the action's first result
//! (`found`, `verified`, `approved` ...). Like the real actions it takes entries out of the
//! session and marks what they establish, so a call driven through it moves on as a real one
//! would.

use std::collections::{BTreeMap, VecDeque};

use super::InputKind;
use super::actions::{
    Action, ActionResult, ChargeCardResult, ChargeSavedMethodResult, CheckAmountResult,
    CheckBankAccountResult, DebitBankResult, IdentifyByCallerIdResult, LookupAccountResult,
    OfferCallbackResult, OfferSavedMethodResult, OfferSurveyResult, PrepareDebitResult,
    VerifyDateOfBirthResult, VerifyPinResult,
};
use super::engine::{FlowError, Input, Need, Outcome, Session, Step, Stepper, Turn};
use super::facts::{
    AutopayFacts, CardFor, CardLabel, OpenArrangement, PlanKind, PlanOffer, PromiseOffer,
    SavedLabel, SettlementOffer,
};
use super::{Context, Flow};
use crate::collections::{Account, Offer};
use crate::payments::{CardBrand, Money};

/// The agent line the fake offers unless told otherwise.
pub const AGENT_NUMBER: &str = "+15035550100";
/// The confirmation code an approved charge gives.
pub const CONFIRMATION: &str = "48213907";

/// The rest of the service, in memory.
#[derive(Debug, Clone)]
pub struct FakeContext {
    /// The account the call is about, once an action found it; [`Self::new`] starts with it
    /// known (as when the session already names it).
    pub account: Option<Account>,
    /// The account `identify_by_caller_id` and `lookup_account` find.
    pub directory: Option<Account>,
    /// The agent line; `None` when no person can be reached.
    pub agent_number: Option<String>,
    /// Today, for dates callers enter.
    pub today: time::Date,
    /// The clock, for step records.
    pub now_ms: i64,
    /// Card brands taken.
    pub accepted_brands: Vec<CardBrand>,
    /// Configured smallest payment, in cents.
    pub minimum_payment_cents: i64,
    /// What pausing the recording before card entry gives (default: nothing to pause).
    pub recording: super::engine::Pause,
    /// The shipped policy `choose_policy` picks (default `early`).
    pub policy_name: &'static str,
    /// The collections policy in force once `choose_policy` ran.
    pub policy: Option<crate::collections::Policy>,
    /// Names of the actions run, in order.
    pub ran: Vec<&'static str>,
    /// The line's business hours (default: none, always open and no callbacks).
    pub hours: Option<crate::hours::Hours>,
    /// Whether transfers wait in a conference room while the line rings the agent (default:
    /// `None`, a plain dial); `Some(false)` when ringing the agent fails.
    pub holds: Option<bool>,
    /// Whether a bank debit's authorisation gets a written copy (default: yes; without one the
    /// recording is the evidence).
    pub debit_noticed: bool,
    /// Whether the policy chosen also lists AutoPay among its balance options (no shipped
    /// policy does; AutoPay is offered after a payment there).
    pub lists_autopay: bool,
    /// Whether the account has AutoPay on when the call routes it.
    pub autopay_on: bool,
    /// Whether an AutoPay enrolment gets a written copy (default: yes).
    pub autopay_noticed: bool,
    /// Whether the call's provider captures cards itself (`<Pay>`) (default: no).
    pub captures_cards: bool,
    /// Whether the call's provider hears answers by voice (its questions take keys only when
    /// not).
    pub listens: bool,
    /// Whether the method on file offered is a bank account (default: a Visa card).
    pub saved_bank: bool,
    /// Whether AutoPay can be set up from a bank account (default: a card only).
    pub autopay_bank_possible: bool,
    /// Results still to give, by action name.
    scripts: BTreeMap<&'static str, VecDeque<&'static str>>,
}

impl FakeContext {
    /// A context whose session already names `account` (or no account), with an agent line.
    pub fn new(account: Option<Account>) -> FakeContext {
        FakeContext {
            directory: account.clone(),
            account,
            agent_number: Some(AGENT_NUMBER.to_owned()),
            holds: None,
            debit_noticed: true,
            lists_autopay: false,
            autopay_on: false,
            autopay_noticed: true,
            captures_cards: false,
            listens: true,
            saved_bank: false,
            autopay_bank_possible: false,
            today: time::macros::date!(2026 - 11 - 20),
            now_ms: 1_795_190_400_000,
            accepted_brands: vec![
                CardBrand::Visa,
                CardBrand::Mastercard,
                CardBrand::Amex,
                CardBrand::Discover,
            ],
            minimum_payment_cents: 500,
            recording: super::engine::Pause::NotNeeded,
            policy_name: "early",
            policy: None,
            ran: Vec::new(),
            hours: None,
            scripts: BTreeMap::new(),
        }
    }

    /// A context for a new call: no account known yet, `account` found when looked up.
    pub fn calling(account: Account) -> FakeContext {
        FakeContext {
            account: None,
            ..FakeContext::new(Some(account))
        }
    }

    /// Linda Brown's account, as the store would load it (PIN hash and all are made up).
    pub fn linda_brown() -> Account {
        Account {
            account_number: "66253365".to_owned(),
            name: "Linda Brown".to_owned(),
            pin_hash: "4f1d9c0a7b3e2f8d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615".to_owned(),
            dob_zip_hash: "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00"
                .to_owned(),
            balance_cents: 44533,
            minimum_due_cents: 4453,
            due_date: "2026-12-02".to_owned(),
            segment: "early".to_owned(),
            language: "en".to_owned(),
            phone: "+15035550142".to_owned(),
            email: "linda.brown@example.com".to_owned(),
            flags: String::new(),
            state: String::new(),
            contact_channel: None,
            failed_auth_attempts: 0,
            locked_until: None,
        }
    }

    /// Queues results for one action, given in order on its next runs.
    pub fn script<R: ActionResult>(&mut self, results: impl IntoIterator<Item = R>) -> &mut Self {
        self.script_names(R::ACTION, results.into_iter().map(ActionResult::as_str))
    }

    /// Queues results for `action` by name, given in order on its next runs; a name it does not
    /// declare gives its first result.
    pub fn script_names(
        &mut self,
        action: Action,
        results: impl IntoIterator<Item = &'static str>,
    ) -> &mut Self {
        self.scripts
            .entry(action.name())
            .or_default()
            .extend(results);
        self
    }

    /// The next scripted result of `action`, or its first result.
    fn next_name(&mut self, action: Action) -> &'static str {
        self.ran.push(action.name());
        let declared = action.results();
        self.scripts
            .get_mut(action.name())
            .and_then(VecDeque::pop_front)
            .filter(|name| declared.contains(name))
            // Every action declares at least one result.
            .unwrap_or(declared[0])
    }

    /// The next scripted result of `R`'s action, or its first result.
    fn next<R: ActionResult>(&mut self) -> R {
        let name = self.next_name(R::ACTION);
        // `next_name` gives one of the action's declared names, which are `R`'s.
        R::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == name)
            .unwrap_or(R::ALL[0])
    }

    fn adopt(&mut self, session: &mut Session) {
        self.account = self.directory.clone();
        session.account = self.account.as_ref().map(|a| a.account_number.clone());
    }

    fn set_amount(session: &mut Session, cents: i64) {
        session.facts.payment.cents = Some(cents);
    }

    /// What the collections actions leave in the session, so that a call driven through the
    /// fake reaches the states after them as a real one would.
    fn collections_effects(&mut self, action: Action, result: &str, session: &mut Session) {
        let date = |text: &str| crate::collections::parse_date(text).unwrap_or(self.today);
        let facts = &mut session.facts;
        match (action, result) {
            (Action::ChoosePolicy, _) => {
                facts.policy = Some(self.policy_name.to_owned());
                self.policy = shipped_policies().get(self.policy_name).cloned();
                if let Some(policy) = self.policy.as_mut().filter(|_| self.lists_autopay) {
                    // In the promise's place: with the short first list, six options fit.
                    policy.options.retain(|o| *o != Offer::Promise);
                    let at = policy.options.len().saturating_sub(2);
                    policy.options.insert(at, Offer::Autopay);
                }
            }
            (Action::RouteAccount, _) if self.autopay_on => {
                facts.autopay = Some(AutopayFacts {
                    id: Some(1),
                    amount: "minimum_due".to_owned(),
                    card: Some(visa_4242()),
                    ..AutopayFacts::default()
                });
            }
            (Action::OfferAutopay, "on_file" | "new_method") => {
                facts.autopay = Some(AutopayFacts {
                    amount: "minimum_due".to_owned(),
                    on_file: (result == "on_file").then(visa_4242),
                    bank_possible: self.autopay_bank_possible,
                    first_due: Some("2026-12-02".to_owned()),
                    ..AutopayFacts::default()
                });
                facts.payment.card_for = Some(CardFor::Autopay);
            }
            (Action::PrepareAutopay, "ready") => {
                if let Some(autopay) = facts.autopay.as_mut() {
                    autopay.card = Some(visa_4242());
                    autopay.script = "Today, you authorize AutoPay.".to_owned();
                }
            }
            (Action::EnrollAutopay, "enrolled") => {
                Self::take_card(session);
                if let Some(autopay) = session.facts.autopay.as_mut() {
                    autopay.id = Some(1);
                    autopay.noticed = self.autopay_noticed;
                }
                session.facts.payment.card_for = None;
            }
            (Action::StopAutopay, _) => {
                if let Some(autopay) = facts.autopay.as_mut() {
                    autopay.id = None;
                }
            }
            (Action::RouteAccount, "arrangement") => {
                facts.arrangement = Some(OpenArrangement {
                    id: 1,
                    kind: PlanKind::Plan,
                    installment_seq: 2,
                    installment_cents: 14844,
                    installment_due: date("2026-12-20"),
                    installment_missed: false,
                    card: CardLabel {
                        brand: String::new(),
                        last4: String::new(),
                    },
                });
                facts.payment.card_for = Some(CardFor::PlanCard);
            }
            (Action::ApplyFee, "applies") => facts.payment.fee_cents = Some(250),
            (Action::ApplyFee, _) => facts.payment.fee_cents = None,
            (Action::OfferPlan | Action::SettleInInstallments, "offered") => {
                facts.plan = Some(PlanOffer {
                    kind: PlanKind::Plan,
                    total_cents: 44533,
                    counts: vec![2, 3, 4],
                    count: None,
                });
                facts.payment.card_for = Some(CardFor::Plan);
            }
            (Action::OfferSettlement, _) => {
                facts.settlement = Some(SettlementOffer {
                    cents: 26720,
                    expires: date("2026-12-20"),
                });
            }
            (Action::SettleInOnePayment, "done") => Self::set_amount(session, 26720),
            (Action::OfferPromise, "offered") => {
                facts.promise = Some(PromiseOffer {
                    latest: date("2026-12-04"),
                    smallest_cents: 4453,
                    date: None,
                    cents: None,
                });
            }
            (Action::CheckPromise, _) => {
                facts.answers.remove(&InputKind::Amount);
                if let Some(promise) = &mut facts.promise {
                    promise.cents = Some(5000);
                }
            }
            (Action::SetUpPlan | Action::ChangePlanCard, _) => {
                Self::take_card(session);
                Self::take_bank(session);
                session.facts.payment.card_for = None;
            }
            (Action::PreparePlanDebit, "ready") => {
                facts.plan_debit = Some(crate::flow::facts::PlanDebitTerms {
                    script: "Today you authorize the plan's debits.".to_owned(),
                    recording: None,
                });
            }
            (Action::RecordHardship, _) => {
                facts.hardship.get_or_insert_with(|| "other".to_owned());
            }
            _ => {}
        }
    }

    fn take_card(session: &mut Session) {
        for field in crate::payments::SecretField::CARD {
            session.secrets.take(field.input_name());
        }
    }

    fn take_bank(session: &mut Session) {
        for field in crate::payments::SecretField::BANK {
            session.secrets.take(field.input_name());
        }
    }
}

/// Answers each action with its scripted result; only the actions whose effects the flows
/// after them rely on have an arm of their own.
impl FakeContext {
    fn run_action(&mut self, action: Action, session: &mut Session) -> &'static str {
        match action {
            Action::IdentifyByCallerId => {
                let result = self.next::<IdentifyByCallerIdResult>();
                if result == IdentifyByCallerIdResult::Found {
                    self.adopt(session);
                    // Like the real action: the account's language is the default until chosen.
                    session.language = self
                        .account
                        .as_ref()
                        .and_then(|a| crate::language::Language::parse(&a.language));
                    session.caller_matched = true;
                }
                result.as_str()
            }
            Action::ForgetAccount => {
                session.account = None;
                session.caller_matched = false;
                session.authenticated = false;
                self.account = None;
                self.next_name(action)
            }
            Action::LookupAccount => {
                session.facts.answers.remove(&InputKind::AccountNumber);
                let result = self.next::<LookupAccountResult>();
                if result != LookupAccountResult::NotFound {
                    self.adopt(session);
                }
                result.as_str()
            }
            Action::VerifyPin => {
                drop(session.secrets.take("pin"));
                let result = self.next::<VerifyPinResult>();
                session.authenticated |= result == VerifyPinResult::Verified;
                result.as_str()
            }
            Action::VerifyDateOfBirth => {
                drop(session.secrets.take("date_of_birth"));
                drop(session.secrets.take("zip"));
                let result = self.next::<VerifyDateOfBirthResult>();
                session.authenticated |= result == VerifyDateOfBirthResult::Verified;
                result.as_str()
            }
            Action::PayFullBalance => {
                let cents = self.account.as_ref().map_or(0, |a| a.balance_cents);
                Self::set_amount(session, cents);
                self.next_name(action)
            }
            Action::PayMinimumDue => {
                let cents = self.account.as_ref().map_or(0, |a| a.minimum_due_cents);
                Self::set_amount(session, cents);
                self.next_name(action)
            }
            Action::CheckAmount => {
                let entered = session.facts.answers.remove(&InputKind::Amount);
                let result = self.next::<CheckAmountResult>();
                if result == CheckAmountResult::Ok {
                    let cents = entered
                        .and_then(|keys| Money::parse_keypad(&keys).ok())
                        .map_or(0, Money::cents);
                    Self::set_amount(session, cents);
                }
                result.as_str()
            }
            Action::ForgetCard => {
                Self::take_card(session);
                session.facts.card = None;
                self.next_name(action)
            }
            Action::ChargeCard => {
                Self::take_card(session);
                let result = self.next::<ChargeCardResult>();
                if result == ChargeCardResult::Approved {
                    session.facts.payment.confirmation = Some(CONFIRMATION.to_owned());
                    let paid = session.facts.payment.cents.unwrap_or(0);
                    if let Some(account) = &mut self.account {
                        account.balance_cents -= paid;
                    }
                }
                result.as_str()
            }
            Action::OfferCallback => {
                let result = self.next::<OfferCallbackResult>();
                if result != OfferCallbackResult::Unavailable {
                    // Two windows, the first tomorrow: what the window question offers.
                    let start = self.now_ms + 24 * 3_600_000;
                    session.facts.callback.windows = vec![
                        crate::hours::Window {
                            start_ms: start,
                            end_ms: start + 3 * 3_600_000,
                        },
                        crate::hours::Window {
                            start_ms: start + 3 * 3_600_000,
                            end_ms: start + 8 * 3_600_000,
                        },
                    ];
                }
                if result == OfferCallbackResult::ConfirmCallerId {
                    session.facts.callback.phone = Some("+15552126618".to_owned());
                }
                result.as_str()
            }
            Action::CheckBankAccount => {
                use crate::payments::SecretField::{BankAccountNumber, BankAccountNumberAgain};
                let again = session.secrets.take(BankAccountNumberAgain.input_name());
                let first = session
                    .secrets
                    .0
                    .get(BankAccountNumber.input_name())
                    .cloned();
                let matched = again.is_some() && first.as_deref() == again.as_deref();
                match (matched, &mut session.facts.bank) {
                    (true, Some(bank)) => {
                        bank.last4 = first.map(|number| number[number.len() - 4..].to_owned());
                        CheckBankAccountResult::Matched.as_str()
                    }
                    _ => {
                        session.secrets.take(BankAccountNumber.input_name());
                        CheckBankAccountResult::Mismatch.as_str()
                    }
                }
            }
            Action::ForgetBankAccount => {
                Self::take_bank(session);
                session.facts.bank = None;
                session.facts.debit = None;
                session.facts.plan_debit = None;
                self.next_name(action)
            }
            Action::PrepareDebit => {
                let result = self.next::<PrepareDebitResult>();
                if result == PrepareDebitResult::Ready {
                    session.facts.debit = Some(crate::flow::facts::DebitTerms {
                        date: "2026-11-23".to_owned(),
                        script: "Today you authorize one debit.".to_owned(),
                        script_version: "test".to_owned(),
                        noticed: self.debit_noticed,
                    });
                }
                result.as_str()
            }
            Action::DebitBank => {
                Self::take_bank(session);
                let result = self.next::<DebitBankResult>();
                if result == DebitBankResult::Accepted {
                    session.facts.payment.confirmation = Some(CONFIRMATION.to_owned());
                }
                result.as_str()
            }
            Action::KeepCard => {
                session.facts.payment.keep_card = true;
                self.next_name(action)
            }
            Action::OfferSavedMethod => {
                let result = self.next::<OfferSavedMethodResult>();
                if result == OfferSavedMethodResult::Offered {
                    session.facts.saved = Some(if self.saved_bank {
                        SavedLabel {
                            id: 1,
                            kind: "bank".to_owned(),
                            label: "checking".to_owned(),
                            last4: "6789".to_owned(),
                        }
                    } else {
                        visa_4242()
                    });
                }
                result.as_str()
            }
            Action::ChargeSavedMethod => {
                let result = self.next::<ChargeSavedMethodResult>();
                if result == ChargeSavedMethodResult::Approved {
                    session.facts.payment.confirmation = Some(CONFIRMATION.to_owned());
                }
                result.as_str()
            }
            Action::RemoveSavedMethod => {
                session.facts.saved = None;
                self.next_name(action)
            }
            Action::OfferSurvey => {
                let result = self.next::<OfferSurveyResult>();
                if result == OfferSurveyResult::Ask {
                    session.facts.survey_offered = true;
                }
                result.as_str()
            }
            _ => {
                let result = self.next_name(action);
                self.collections_effects(action, result, session);
                result
            }
        }
    }

    /// What the service would make of one of the engine's needs.
    fn outcome(&mut self, need: Need, session: &mut Session) -> Outcome {
        match need {
            Need::Action(action) => Outcome::Action(self.run_action(action, session)),
            Need::PauseRecording => {
                self.ran.push("pause_recording");
                Outcome::Paused(self.recording)
            }
            Need::ResumeRecording => {
                self.ran.push("resume_recording");
                match self.recording {
                    super::engine::Pause::InMarkup => Outcome::ResumedInMarkup,
                    _ => Outcome::Resumed,
                }
            }
            Need::RingAgent { .. } => {
                self.ran.push("ring_agent");
                Outcome::Rang(
                    self.holds
                        .filter(|rings| *rings)
                        .map(|_| "CA00000000000000000000000000000002".to_owned()),
                )
            }
        }
    }
}

/// Steps the engine through one webhook against the fake, answering each need as
/// [`FakeContext`] would. Prompts are spoken, as on a line with no recordings.
///
/// # Errors
/// The flow cannot be run as written.
pub fn advance(
    flow: &Flow,
    session: &mut Session,
    input: Input,
    turn: i64,
    ctx: &mut FakeContext,
) -> Result<Turn, FlowError> {
    let mut stepper = Stepper::new(flow, turn);
    let mut step = stepper.start(session, &input, &*ctx)?;
    let mut reply = loop {
        match step {
            Step::Reply(turn) => break turn,
            Step::Need(need) => {
                let outcome = ctx.outcome(need, session);
                step = stepper.resume(session, outcome, &*ctx)?;
            }
        }
    };
    crate::voice::choose_recordings(&mut reply.response, |_, _| None);
    Ok(reply)
}

impl Context for FakeContext {
    fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }
    fn lockout_minutes(&self) -> u64 {
        15
    }
    fn agent_number(&self) -> Option<&str> {
        self.agent_number.as_deref()
    }
    fn accepted_brands(&self) -> &[CardBrand] {
        &self.accepted_brands
    }
    fn smallest_payment_cents(&self, account: &Account) -> i64 {
        self.minimum_payment_cents.min(account.balance_cents).max(1)
    }
    fn today(&self) -> time::Date {
        self.today
    }
    fn now_ms(&self) -> i64 {
        self.now_ms
    }
    fn gather_url(&self, turn: i64) -> String {
        format!("https://ivr.example/gather?turn={turn}")
    }
    fn dial_url(&self, turn: i64) -> String {
        format!("https://ivr.example/dial?turn={turn}")
    }
    fn whisper_url(&self) -> String {
        "https://ivr.example/whisper?call=CA00000000000000000000000000000001".to_owned()
    }
    fn policy(&self) -> Option<&crate::collections::Policy> {
        self.policy.as_ref()
    }
    fn hours(&self) -> Option<&crate::hours::Hours> {
        self.hours.as_ref()
    }

    fn provider_listens(&self) -> bool {
        self.listens
    }

    fn holds_transfers(&self) -> bool {
        self.holds.is_some()
    }

    fn pay_link_reaches(&self) -> bool {
        true
    }

    fn conference_name(&self) -> String {
        "ivrpay-CA00000000000000000000000000000001".to_owned()
    }

    fn hold_url(&self, language: crate::language::Language) -> String {
        format!("https://ivr.example/hold?lang={}", language.code())
    }

    fn card_capture(&self, turn: i64) -> Option<super::engine::ProviderCapture> {
        self.captures_cards.then(|| super::engine::ProviderCapture {
            action: format!("https://ivr.example/pay?turn={turn}"),
            status_callback: "https://ivr.example/pay-status".to_owned(),
            connector: None,
        })
    }
}

/// The card on file the fake's AutoPay names.
fn visa_4242() -> SavedLabel {
    SavedLabel {
        id: 1,
        kind: "card".to_owned(),
        label: "visa".to_owned(),
        last4: "4242".to_owned(),
    }
}

/// The shipped policies (`call-flows/policies.toml`), parsed once.
pub fn shipped_policies() -> &'static crate::collections::Policies {
    static POLICIES: std::sync::OnceLock<crate::collections::Policies> = std::sync::OnceLock::new();
    POLICIES.get_or_init(|| {
        crate::collections::policy::parse(
            std::path::Path::new("call-flows/policies.toml"),
            include_str!("../../../call-flows/policies.toml"),
            &crate::language::Language::ALL,
        )
        .unwrap_or_else(|problems| panic!("the shipped policies load: {problems:?}"))
    })
}
