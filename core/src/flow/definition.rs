//! A call flow after loading and validation: every target exists, every prompt exists in every
//! language, every variable and action is known. Holding a [`Flow`] means it can run.

use std::collections::{BTreeMap, HashMap};

use super::actions::Action;
use crate::language::Language;
use crate::named::named_enum;

/// A validated call flow.
#[derive(Debug, Clone)]
pub struct Flow {
    /// The flow's name (its file stem).
    pub name: String,
    /// Languages every prompt exists in; the first is the default.
    pub languages: Vec<Language>,
    /// Where a call starts.
    pub start: String,
    /// Where the agent key, and running out of attempts, lead.
    pub agent_state: String,
    /// The key that reaches a person from any question.
    pub agent_key: char,
    /// The key that repeats any question.
    pub repeat_key: char,
    /// Wrong or silent answers to one question before the caller is helped another way.
    pub max_attempts: u32,
    /// Seconds of silence before a question counts as unanswered.
    pub input_timeout_seconds: u32,
    /// The key that ends a typed entry (an account number, a card number) before its full length.
    pub finish_key: char,
    /// Seconds a transfer rings before it counts as unanswered.
    pub dial_timeout_seconds: u32,
    /// Where a caller who asks for a person goes when no one can take the call now (outside
    /// business hours, or no agent line) and the line has hours to offer a callback in; `None`:
    /// they hear `no_person` and the question again.
    pub callback_state: Option<String>,
    /// Where a caller starts when the agent they are talking with sends them, from the console,
    /// to key in a card on the line's own questions; `None`: the console offers no such button.
    pub assisted_payment_state: Option<String>,
    /// States at which a caller sent by an agent goes back to that agent (the payment is
    /// decided); reaching any transfer or goodbye does the same.
    pub assisted_payment_ends: Vec<String>,
    /// Outcomes that stand even when the caller hangs up before the flow ends the call.
    pub settled_outcomes: Vec<String>,
    /// Who takes the card: the flow's own keypad questions, or the provider's capture where it
    /// offers one (`[flow] card_capture`).
    pub card_capture: CardCapture,
    /// Provider voice per language, if chosen.
    pub voices: HashMap<Language, String>,
    /// Shared prompts the engine speaks on its own.
    pub messages: Messages,
    /// Said first on every call, each language's line in its own voice ("This call may be
    /// recorded."), when set.
    pub recording_notice: Option<Prompt>,
    /// Answers by voice, when the flow has a `[speech]` table; `None` is keys only.
    pub speech: Option<SpeechSettings>,
    /// How the line slows down for a caller who needs it.
    pub pace: Pace,
    /// Whether prompts play recordings or are spoken by text-to-speech.
    pub prompts: PromptSource,
    /// How often the end-of-call survey is asked (the `[survey]` table; never without it).
    pub survey: crate::survey::SurveySettings,
    /// The states by name.
    pub states: HashMap<String, State>,
}

impl Flow {
    /// Every prompt of the flow, each once, in a stable order (messages, the recording notice,
    /// then the states by name): what can be recorded.
    pub fn prompts(&self) -> Vec<&Prompt> {
        let m = &self.messages;
        let mut prompts = vec![
            &m.no_input,
            &m.invalid_choice,
            &m.help,
            &m.person_option,
            &m.no_person,
            &m.too_many_attempts,
        ];
        prompts.extend(&self.recording_notice);
        let mut states: Vec<&State> = self.states.values().collect();
        states.sort_by(|a, b| a.name.cmp(&b.name));
        for state in states {
            prompts.extend(&state.prompt);
            prompts.extend(&state.help);
            prompts.extend(&state.again);
            match &state.kind {
                StateKind::Collect {
                    invalid, errors, ..
                } => {
                    prompts.extend(invalid);
                    prompts.extend(errors.values());
                }
                StateKind::Offers {
                    offers,
                    closing,
                    more,
                    ..
                } => {
                    prompts.extend(offers.values().map(|(line, _)| line));
                    prompts.extend(closing);
                    prompts.extend(more.as_ref().map(|(_, line)| line));
                }
                _ => {}
            }
        }
        prompts
    }
}

/// Prompts the engine itself uses.
#[derive(Debug, Clone)]
pub struct Messages {
    /// After silence.
    pub no_input: Prompt,
    /// After a key that is not a choice.
    pub invalid_choice: Prompt,
    /// Appended when a question is asked again: how to hear it again.
    pub help: Prompt,
    /// How to reach a person; offered only when one can be reached (an agent number is set).
    pub person_option: Prompt,
    /// Said when the caller asks for a person and none can be reached; the question is asked
    /// again, so the caller is never cut off for asking.
    pub no_person: Prompt,
    /// Before the caller is put through to a person after too many misses.
    pub too_many_attempts: Prompt,
    /// Reads back an answer by voice the recognizer was unsure of (`{heard}`), asking yes or no.
    /// Present whenever the flow listens for speech.
    pub confirm_heard: Option<Prompt>,
    /// After words that answer nothing asked. Present whenever the flow listens for speech.
    pub not_understood: Option<Prompt>,
    /// After the caller said "no" to a read-back. Present whenever the flow listens for speech.
    pub heard_wrong: Option<Prompt>,
    /// Said when the pace slows down on request. Present whenever the flow has a slower key.
    pub slower: Option<Prompt>,
    /// Added to the help line on a re-ask while the pace is not yet slower: how to ask for it.
    /// Present whenever the flow has a slower key.
    pub slower_option: Option<Prompt>,
    /// Said now and then, between the hold audio, to a caller waiting for a person; `None`:
    /// the hold audio alone.
    pub on_hold: Option<Prompt>,
    /// Said to a caller sent by an agent to key in a card, as they go back to that agent.
    /// Present whenever the flow has an `assisted_payment_state`.
    pub back_to_agent: Option<Prompt>,
    /// How to ask for a pay link, said where a prompt names `{link_option}` and a link can reach
    /// the caller (a number or address on file). Present whenever a prompt names it.
    pub link_option: Option<Prompt>,
}

/// Phrases per language, as operations write them (matched as whole words, case and accents
/// aside).
pub type Phrases = BTreeMap<Language, Vec<String>>;

/// How the flow listens to answers by voice (its `[speech]` table).
#[derive(Debug, Clone, Default)]
pub struct SpeechSettings {
    /// Answers the recognizer is less confident of than this, in thousandths, are read back for
    /// the caller to confirm.
    pub confirm_below_permille: u16,
    /// Phrases that reach a person from any question.
    pub agent: Phrases,
    /// Phrases that repeat any question.
    pub repeat: Phrases,
    /// Phrases that slow the pace down for the rest of the call.
    pub slower: Phrases,
    /// Phrases for a key at every menu that offers it ("goodbye" for `9`, where 9 ends the call).
    pub keys: BTreeMap<char, Phrases>,
}

/// How the line slows down for a caller who needs it: more slowly spoken, longer to answer, one
/// option at a time, for the rest of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pace {
    /// The key that asks for the slower pace at any menu; `None` when the flow offers none.
    pub slower_key: Option<char>,
    /// Seconds of silence before a question counts as unanswered at the slower pace.
    pub slow_input_timeout_seconds: u32,
    /// Repeats asked for in one call after which the pace slows on its own.
    pub after_repeats: u32,
    /// Silences in one call after which the pace slows on its own.
    pub after_silences: u32,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            slower_key: None,
            slow_input_timeout_seconds: 15,
            after_repeats: 2,
            after_silences: 2,
        }
    }
}

/// How a question may be answered by voice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateSpeech {
    /// Phrases per choice: a key (`"1"`), or at an `offers` state an option's name (`full`).
    pub phrases: BTreeMap<String, Phrases>,
    /// The key a spoken "yes" stands for, at a yes-or-no question.
    pub yes: Option<char>,
    /// The key a spoken "no" stands for.
    pub no: Option<char>,
}

/// A prompt: one template per language (`.0`), and its name (`.1`), set by the loader from where
/// it stands in the flow file: `goodbye` for a state's prompt, `ask_pin.invalid`,
/// `ask_card_expiry.errors.expired`, `balance_offers.offers.plan`, `balance_offers.closing`,
/// `ask_card_number.help`, `messages.no_input`, `recording_notice`. Its recordings are named for
/// it (see `src/audio/`).
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt(pub BTreeMap<Language, Template>, pub String);

impl Prompt {
    /// The prompt's name, which its recordings are named for.
    pub fn name(&self) -> &str {
        &self.1
    }
}

/// How a flow's prompts reach the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromptSource {
    /// The provider's text-to-speech speaks every prompt (`[flow] prompts = "tts"`, the default).
    #[default]
    TextToSpeech,
    /// Recordings in the audio directory play wherever a prompt is fully recorded, and
    /// text-to-speech speaks the rest (`[flow] prompts = "recorded"`).
    Recorded,
}

/// Text with `{variable}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(pub Vec<Segment>);

impl Template {
    /// Its written words alone, variables left out: for a message said where there is no call
    /// to fill them from, or that has none.
    pub fn text_only(&self) -> String {
        self.0
            .iter()
            .filter_map(|segment| match segment {
                Segment::Text(text) => Some(text.as_str()),
                Segment::Choice { spoken, .. } => Some(spoken.as_str()),
                Segment::Var(_) => None,
            })
            .collect()
    }
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Spoken as written.
    Text(String),
    /// Replaced by the variable's value, spoken according to its type.
    Var(Var),
    /// Words that differ by how the caller can answer, written `[say or press|press]`: the
    /// first where the call hears answers by voice, the second where it takes keys only (a
    /// flow without `[speech]`, or a provider whose questions take keys only).
    Choice {
        /// Where answers by voice are heard.
        spoken: String,
        /// Where only keys are.
        keys: String,
    },
}

named_enum! {
    /// Values a prompt or a condition can use.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Var {
        /// The account holder's first name.
        FirstName = "first_name",
        /// Balance owed, spoken as money.
        Balance = "balance",
        /// Minimum payment due, spoken as money.
        MinimumDue = "minimum_due",
        /// Due date, spoken as a date.
        DueDate = "due_date",
        /// When the balance is due, said so a caller knows whether it is late: "due December
        /// second", or "past due since December second" once that day is behind.
        DueWhen = "due_when",
        /// Last four digits of the account number, spoken digit by digit.
        Last4 = "last4",
        /// How long a lockout lasts, spoken as minutes.
        LockoutMinutes = "lockout_minutes",
        /// The account's collections segment (conditions only).
        Segment = "segment",
        /// The caller's language code (conditions only).
        Language = "language",
        /// Whether caller ID matched an account (conditions only).
        CallerMatched = "caller_matched",
        /// Whether the caller has proved who they are (conditions only).
        Authenticated = "authenticated",
        /// The amount about to be paid, spoken as money.
        Amount = "amount",
        /// The smallest payment accepted for this account, spoken as money.
        SmallestPayment = "smallest_payment",
        /// The brand of the card being used, by name ("Visa").
        CardBrand = "card_brand",
        /// Last four digits of the card, digit by digit.
        CardLast4 = "card_last4",
        /// The card's expiry, spoken as month and year.
        CardExpiry = "card_expiry",
        /// The confirmation code of the approved payment, in groups as people say them.
        Confirmation = "confirmation",
        /// The confirmation code again, digit by digit with a pause after each.
        ConfirmationSlowly = "confirmation_slowly",
        /// The shared line offering a person (`[messages] person_option`), or nothing when no person
        /// can be reached.
        PersonOption = "person_option",
        /// The line offering a pay link on key 3 ("To get a secure link by text or email ..."),
        /// or nothing when no number or address on file reaches the caller.
        LinkOption = "link_option",
        /// Whether a person can be reached (an agent number is set) (conditions only).
        AgentAvailable = "agent_available",
        /// Whether paying the minimum due is a choice of its own: at least the smallest payment
        /// taken and less than the balance (conditions only).
        CanPayMinimum = "can_pay_minimum",
        /// Whether another amount than the whole balance can be paid (conditions only).
        CanPayOtherAmount = "can_pay_other_amount",
        /// What the account can be settled for today, spoken as money.
        SettlementAmount = "settlement_amount",
        /// The last day the settlement offer stands, spoken as a date.
        SettlementExpires = "settlement_expires",
        /// The installments chosen, read as a person would ("three payments of ..., on ...").
        PlanSchedule = "plan_schedule",
        /// The numbers of installments the caller may choose ("2, 3 or 4").
        PlanChoices = "plan_choices",
        /// The total being spread over installments, spoken as money.
        PlanTotal = "plan_total",
        /// The policy's recurring-charge authorisation, spoken as written.
        PlanAuthorization = "plan_authorization",
        /// The date of the promise to pay, spoken as a date.
        PromiseDate = "promise_date",
        /// The amount promised, spoken as money.
        PromiseAmount = "promise_amount",
        /// The latest date a promise may name, spoken as a date.
        PromiseLatest = "promise_latest",
        /// The least that may be promised, spoken as money.
        PromiseSmallest = "promise_smallest",
        /// The convenience fee on the payment, spoken as money.
        Fee = "fee",
        /// The payment plus its fee, spoken as money.
        Total = "total",
        /// How to pay without the fee, from the policy.
        FeeFreeAlternative = "fee_free_alternative",
        /// Where a returning caller's plan stands ("Your next payment of ... is due on ...").
        ArrangementStatus = "arrangement_status",
        /// The plan's card on file, by brand and last four digits.
        ArrangementCard = "arrangement_card",
        /// The plan's next (or missed) installment, spoken as money.
        InstallmentAmount = "installment_amount",
        /// Whether a convenience fee applies to the payment (conditions only).
        FeeApplies = "fee_applies",
        /// Whether the card being entered is for a new plan (conditions only).
        CardForPlan = "card_for_plan",
        /// Whether the card being entered replaces a plan's card (conditions only).
        CardForPlanChange = "card_for_plan_change",
        /// Whether the caller said they are having trouble paying (conditions only).
        Hardship = "hardship",
        /// Which security code to enter, for the brand of the card entered ("the 3-digit security
        /// code on the back of the card", or 4 digits on the front for American Express).
        SecurityCodeWhere = "security_code_where",
        /// An answer by voice read back for the caller to confirm ("twenty-five dollars and fifty
        /// cents", or the words they said).
        Heard = "heard",
        /// How to get a receipt, naming only the channels that reach the caller ("To get it by text
        /// message to the number ending in 6 6 1 8, press 1. To get it by email, press 2.").
        ReceiptOptions = "receipt_options",
        /// Whether a person can take the call now: an agent line is set and it is within business
        /// hours (conditions only).
        PeopleAvailable = "people_available",
        /// The number a callback would go to, digit by digit in groups ("5 5 5, 2 1 2, 6 6 1 8").
        CallbackNumber = "callback_number",
        /// The callback windows offered, each with its key ("For tomorrow morning, between 9 AM
        /// and noon, say or press 1.").
        CallbackWindows = "callback_windows",
        /// The callback window chosen ("tomorrow morning, between 9 AM and noon").
        CallbackWindow = "callback_window",
        /// When the line next has people ("tomorrow at 9 AM", "today until 5 PM"); empty
        /// without business hours.
        NextOpening = "next_opening",
        /// The type of the bank account being keyed in: "checking" or "savings".
        BankAccountType = "bank_account_type",
        /// Last four digits of the bank account being keyed in, digit by digit.
        BankLast4 = "bank_last4",
        /// The day the bank debit being authorised is made, spoken as a date.
        DebitDate = "debit_date",
        /// The bank debit's authorisation, every element NACHA's TEL rules require, in the
        /// caller's language (the same words are kept as evidence).
        DebitAuthorization = "debit_authorization",
        /// The card on file, by brand and last four digits ("Visa ending in 4 2 4 2").
        SavedMethod = "saved_method",
        /// Whether a written copy of the bank debit's authorisation is sent (conditions only).
        DebitNoticed = "debit_noticed",
        /// Which amount AutoPay charges, in words ("the minimum due").
        AutopayAmount = "autopay_amount",
        /// The card or bank account AutoPay charges, by name and last four digits ("Visa ending
        /// in 4 2 4 2", "checking account ending in 6 7 8 9").
        AutopayMethod = "autopay_method",
        /// The card or bank account on file AutoPay could use, by name and last four digits.
        AutopayOnFile = "autopay_on_file",
        /// The first due date AutoPay pays, spoken as a date.
        AutopayFirstDate = "autopay_first_date",
        /// AutoPay's authorisation, every element in the caller's language (the same words are
        /// kept as evidence).
        AutopayAuthorization = "autopay_authorization",
        /// Whether the card being entered is for AutoPay (conditions only).
        CardForAutopay = "card_for_autopay",
        /// The recurring TEL authorisation of a plan's debits from a bank account, every element
        /// in the caller's language (the same words are kept as evidence).
        PlanDebitAuthorization = "plan_debit_authorization",
        /// Whether the plan being set up is paid from a bank account (conditions only).
        PlanByBank = "plan_by_bank",
        /// Whether a card or bank account on file can be used for AutoPay (conditions only).
        AutopayHasMethodOnFile = "autopay_has_method_on_file",
        /// Whether AutoPay can be set up from a bank account here: the policy allows bank
        /// debits, the gateway keeps accounts, and both a recording and a written copy of the
        /// authorisation can be made (conditions only).
        AutopayBankPossible = "autopay_bank_possible",
        /// Whether a written copy of the AutoPay enrolment is sent (conditions only).
        AutopayNoticed = "autopay_noticed",
        /// Whether a payment was approved on this call (conditions only).
        PaidThisCall = "paid_this_call",
        /// Whether the method on file offered is a bank account (paid by a debit, with its
        /// authorisation read first) (conditions only).
        SavedIsBank = "saved_is_bank",
        /// Whether card entry goes to the provider's own capture: the flow says
        /// `card_capture = "provider"` and the call's provider captures cards (conditions only).
        ProviderCapturesCards = "provider_captures_cards",
    }
}

/// How a variable's value behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    /// Cents; spoken as money, compared with amounts like `0` or `25.00`.
    Money,
    /// Spoken as a date.
    Date,
    /// Spoken digit by digit.
    Digits,
    /// Spoken as is; compared with quoted text.
    Text,
    /// Spoken as a number of minutes.
    Minutes,
    /// True or false; used bare in conditions.
    Bool,
    /// A month and year.
    MonthYear,
    /// A line from `[messages]`, spoken only when it applies; prompts only.
    Phrase,
}

impl Var {
    /// The variable's type.
    pub fn kind(self) -> VarType {
        match self {
            Var::FirstName
            | Var::Segment
            | Var::Language
            | Var::CardBrand
            | Var::PlanSchedule
            | Var::PlanChoices
            | Var::PlanAuthorization
            | Var::FeeFreeAlternative
            | Var::ArrangementStatus
            | Var::ArrangementCard
            | Var::ReceiptOptions
            | Var::SecurityCodeWhere
            | Var::Heard
            | Var::CallbackWindows
            | Var::CallbackWindow
            | Var::DueWhen
            | Var::NextOpening
            | Var::BankAccountType
            | Var::DebitAuthorization
            | Var::SavedMethod
            | Var::AutopayAmount
            | Var::AutopayMethod
            | Var::AutopayOnFile
            | Var::AutopayAuthorization
            | Var::PlanDebitAuthorization => VarType::Text,
            Var::Balance
            | Var::MinimumDue
            | Var::Amount
            | Var::SmallestPayment
            | Var::SettlementAmount
            | Var::PlanTotal
            | Var::PromiseAmount
            | Var::PromiseSmallest
            | Var::Fee
            | Var::Total
            | Var::InstallmentAmount => VarType::Money,
            Var::DueDate
            | Var::SettlementExpires
            | Var::PromiseDate
            | Var::PromiseLatest
            | Var::DebitDate
            | Var::AutopayFirstDate => VarType::Date,
            Var::Last4
            | Var::CardLast4
            | Var::BankLast4
            | Var::Confirmation
            | Var::ConfirmationSlowly
            | Var::CallbackNumber => VarType::Digits,
            Var::CardExpiry => VarType::MonthYear,
            Var::LockoutMinutes => VarType::Minutes,
            Var::PersonOption | Var::LinkOption => VarType::Phrase,
            Var::CallerMatched
            | Var::Authenticated
            | Var::AgentAvailable
            | Var::CanPayMinimum
            | Var::CanPayOtherAmount
            | Var::FeeApplies
            | Var::CardForPlan
            | Var::CardForPlanChange
            | Var::Hardship
            | Var::DebitNoticed
            | Var::CardForAutopay
            | Var::AutopayHasMethodOnFile
            | Var::PlanByBank
            | Var::AutopayBankPossible
            | Var::AutopayNoticed
            | Var::PaidThisCall
            | Var::SavedIsBank
            | Var::ProviderCapturesCards
            | Var::PeopleAvailable => VarType::Bool,
        }
    }

    /// Names of the variables a prompt may speak, for error messages.
    pub fn speakable_names() -> String {
        Var::ALL
            .iter()
            .filter(|(_, v)| v.kind() != VarType::Bool)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A comparison in a `branch` state.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A true/false variable on its own.
    Is(Var),
    /// A money variable compared with an amount in cents.
    Money(Var, Comparison, i64),
    /// A text variable compared with text.
    Text(Var, bool, String),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparison {
    /// Applies the comparison.
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Ne => left != right,
            Comparison::Lt => left < right,
            Comparison::Le => left <= right,
            Comparison::Gt => left > right,
            Comparison::Ge => left >= right,
        }
    }
}

named_enum! {
    /// What a `collect` state asks for; decides how many keys, how they are checked, and where the
    /// value waits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub enum InputKind {
        /// 6 to 12 digits, then pound.
        AccountNumber = "account_number",
        /// 4 digits.
        Pin = "pin",
        /// 8 digits, MMDDYYYY.
        DateOfBirth = "date_of_birth",
        /// 5 digits.
        Zip = "zip",
        /// A dollar amount, `*` for the decimal point, then pound.
        Amount = "amount",
        /// 13 to 19 digits passing the card checks, then pound.
        CardNumber = "card_number",
        /// 4 digits, MMYY, not in the past.
        CardExpiry = "card_expiry",
        /// 3 digits, 4 for American Express.
        SecurityCode = "security_code",
        /// 5 digits, the card's billing ZIP.
        BillingZip = "billing_zip",
        /// One key: how many installments, among those the policy allows for this balance.
        Installments = "installments",
        /// 4 digits, MMDD: the date of a promise to pay, within the policy's window.
        PromiseDate = "promise_date",
        /// One key naming why paying is hard (1 lost work or income, 2 illness or injury, 3 a family
        /// emergency or bereavement, 4 a disaster, 5 something else).
        HardshipReason = "hardship_reason",
        /// 10 digits, area code first: the number to call the caller back on (keypad or spoken).
        CallbackNumber = "callback_number",
        /// One key: which of the callback windows offered.
        CallbackWindow = "callback_window",
        /// One key answering the survey's "did this call take care of what you called about":
        /// 1 yes, 2 no (or said as yes or no).
        SurveyResolved = "survey_resolved",
        /// One key rating the call, 1 (poor) to 5 (excellent) (or said as a number).
        SurveyRating = "survey_rating",
        /// One key: 1 a checking account, 2 a savings account (or said as the word).
        BankAccountType = "bank_account_type",
        /// 9 digits passing the ABA check digit: the bank's routing number.
        RoutingNumber = "routing_number",
        /// 4 to 17 digits, then pound: the bank account's number.
        BankAccountNumber = "bank_account_number",
        /// The bank account's number keyed a second time, to be compared with the first (a
        /// mistyped account number is an administrative return NACHA counts against us).
        BankAccountNumberAgain = "bank_account_number_again",
    }
}

impl InputKind {
    /// A fixed number of keys, so the provider can stop listening without waiting for pound.
    /// (The security code's length depends on the card, so the engine decides it.)
    pub fn fixed_length(self) -> Option<u32> {
        match self {
            InputKind::AccountNumber | InputKind::Amount | InputKind::CardNumber => None,
            InputKind::BankAccountNumber | InputKind::BankAccountNumberAgain => None,
            InputKind::SecurityCode => None,
            InputKind::RoutingNumber => Some(9),
            InputKind::BankAccountType => Some(1),
            InputKind::Pin | InputKind::CardExpiry => Some(4),
            InputKind::DateOfBirth => Some(8),
            InputKind::Zip | InputKind::BillingZip => Some(5),
            InputKind::Installments
            | InputKind::HardshipReason
            | InputKind::CallbackWindow
            | InputKind::SurveyResolved
            | InputKind::SurveyRating => Some(1),
            InputKind::CallbackNumber => Some(10),
            InputKind::PromiseDate => Some(4),
        }
    }

    /// Whether values of this kind are secrets unless the flow says otherwise.
    pub fn sensitive_by_default(self) -> bool {
        !matches!(
            self,
            InputKind::AccountNumber
                | InputKind::Amount
                | InputKind::Installments
                | InputKind::PromiseDate
                | InputKind::HardshipReason
                | InputKind::CallbackNumber
                | InputKind::CallbackWindow
                | InputKind::SurveyResolved
                | InputKind::SurveyRating
                | InputKind::BankAccountType
        )
    }

    /// Questions answered on the keypad only, never by voice: card and bank data and the PIN.
    /// A spoken answer would be heard by anyone near the caller and pass through the provider's
    /// speech recognizer and its transcripts (PCI DSS keeps card data out of both; bank numbers
    /// are treated the same).
    pub fn keypad_only(self) -> bool {
        self.is_payment_data() || self == InputKind::Pin
    }

    /// Card and bank account data are always sensitive: a flow cannot say otherwise (PCI DSS,
    /// and NACHA's rule that account numbers be protected like card numbers).
    pub fn is_payment_data(self) -> bool {
        self.secret_field().is_some()
    }

    /// The secret field this question fills, for card and bank data.
    pub fn secret_field(self) -> Option<crate::payments::SecretField> {
        crate::payments::SecretField::parse(self.name())
    }

    /// What a caller answering this is doing, in plain English for the agent's whisper.
    pub fn activity(self) -> &'static str {
        match self {
            InputKind::AccountNumber => "entering their account number",
            InputKind::Pin => "entering their PIN",
            InputKind::DateOfBirth | InputKind::Zip => "proving who they are without their PIN",
            InputKind::Amount => "entering an amount to pay",
            InputKind::CardNumber
            | InputKind::CardExpiry
            | InputKind::SecurityCode
            | InputKind::BillingZip => "entering their card",
            InputKind::BankAccountType
            | InputKind::RoutingNumber
            | InputKind::BankAccountNumber
            | InputKind::BankAccountNumberAgain => "entering their bank account",
            InputKind::Installments => "choosing how many payments to spread their balance over",
            InputKind::PromiseDate => "choosing the date they promise to pay by",
            InputKind::HardshipReason => "telling us why paying is hard right now",
            InputKind::CallbackNumber => "giving the number to call them back on",
            InputKind::CallbackWindow => "choosing when to be called back",
            InputKind::SurveyResolved | InputKind::SurveyRating => {
                "answering the survey at the end of the call"
            }
        }
    }

    /// The reasons an entry can be refused, each of which a state may give its own prompt
    /// (`errors.REASON.en = "..."`).
    pub fn error_reasons(self) -> &'static [&'static str] {
        match self {
            InputKind::CardNumber => &["not_valid", "wrong_length", "unsupported_brand"],
            InputKind::CardExpiry => &["expired", "bad_month", "too_far_ahead", "wrong_length"],
            InputKind::SecurityCode | InputKind::BillingZip => &["wrong_length"],
            InputKind::RoutingNumber => &["not_valid", "wrong_length"],
            InputKind::BankAccountNumber | InputKind::BankAccountNumberAgain => &["wrong_length"],
            InputKind::BankAccountType => &["not_offered"],
            InputKind::Amount => &["not_an_amount"],
            InputKind::Installments | InputKind::CallbackWindow => &["not_offered"],
            InputKind::PromiseDate => &["not_a_date", "too_soon", "too_late"],
            _ => &[],
        }
    }
}

/// Which of a policy's option lists an `offers` state presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferSet {
    /// The balance menu: the policy's `options`.
    Balance,
    /// After "I'm having trouble paying": the policy's `hardship_options`.
    Hardship,
}

/// One state of a flow.
#[derive(Debug, Clone)]
pub struct State {
    /// Its name.
    pub name: String,
    /// What it does.
    pub kind: StateKind,
    /// What it says (required for questions; optional elsewhere).
    pub prompt: Option<Prompt>,
    /// The call outcome recorded on reaching it.
    pub outcome: Option<String>,
    /// After this many visits in one call, go to `after_max_visits` instead (breaks loops such as
    /// "account not found, try again").
    pub max_visits: Option<(u32, String)>,
    /// Wrong or silent answers to this question before `on_fail`, when fewer than the flow's
    /// `max_attempts` (a short, skippable question such as the survey's asks again only once).
    pub max_attempts: Option<u32>,
    /// Said on a re-ask instead of the shared help line, where a key means something else here
    /// (on card questions `*` starts the card over, so "press star to hear this again" is wrong).
    pub help: Option<Prompt>,
    /// The question asked again after a miss, shorter than `prompt` (the caller heard it once;
    /// the lead says why it is asked again). Without it the prompt is asked again.
    pub again: Option<Prompt>,
    /// What the caller is doing here, in plain English for the agent's whisper ("hearing their
    /// balance"); input questions have a default.
    pub activity: Option<String>,
    /// How this question may be answered by voice; `None` is keys only (every question of a flow
    /// without `[speech]`, and card, PIN and bank questions always).
    pub speech: Option<StateSpeech>,
}

named_enum! {
    /// Who takes a card's number (`[flow] card_capture`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum CardCapture {
        /// The flow's own questions on the keypad: the number passes through the line, sealed
        /// while it waits and wiped once charged.
        #[default]
        Keypad = "keypad",
        /// The provider's capture (TwiML's `<Pay>`), where it offers one: the number goes to
        /// the provider and its payment connector only.
        Provider = "provider",
    }
}

/// The kinds of state.
#[derive(Debug, Clone)]
pub enum StateKind {
    /// Speak, then go on.
    Say {
        /// Next state.
        next: String,
    },
    /// Ask for one key.
    Menu {
        /// Key to next state.
        options: BTreeMap<char, String>,
        /// Where to go after too many misses (default: the agent state).
        on_fail: Option<String>,
    },
    /// Ask which language; each language's line is spoken in that language.
    Language {
        /// Key to language.
        options: BTreeMap<char, Language>,
        /// Next state.
        next: String,
    },
    /// Ask for several keys.
    Collect {
        /// What is asked for.
        input: InputKind,
        /// Whether the keys are secret: never logged or recorded, sealed while they wait.
        sensitive: bool,
        /// Said when the entry is not valid (default: the shared invalid message).
        invalid: Option<Prompt>,
        /// Said instead of `invalid` for a particular reason (`expired`, `not_valid` ...).
        errors: BTreeMap<String, Prompt>,
        /// Exact entries that lead elsewhere (e.g. `9` for "I don't know my PIN").
        keys: BTreeMap<String, String>,
        /// Next state once a valid entry is kept.
        next: String,
        /// Where to go after too many misses (default: the agent state).
        on_fail: Option<String>,
    },
    /// Run an action and route on its result.
    Action {
        /// The action.
        action: Action,
        /// Result to next state; covers every result.
        on: BTreeMap<String, String>,
    },
    /// Route on conditions, first match wins.
    Branch {
        /// Condition and target.
        cases: Vec<(Condition, String)>,
        /// Target when none match.
        otherwise: String,
    },
    /// The options the account's collections policy allows, numbered in the policy's order
    /// (a person on the agent key), each said in the flow's words.
    Offers {
        /// Which list of the policy: the balance menu, or what follows "trouble paying".
        set: OfferSet,
        /// Each option's line (with `{key}` for its key) and where it leads.
        offers: BTreeMap<crate::collections::Offer, (Prompt, String)>,
        /// Keys that always mean the same here (`9` ends the call).
        options: BTreeMap<char, String>,
        /// Said after the options.
        closing: Option<Prompt>,
        /// A short first list: how many options it names before the line that offers the rest
        /// (`{key}`: "For more choices, press 4."). A caller who listens to every option of a
        /// long list hears a minute of choices before they can act.
        more: Option<(usize, Prompt)>,
        /// Where to go after too many misses (default: the agent state).
        on_fail: Option<String>,
    },
    /// Speak the policy's disclosure, to a verified caller only, then go on.
    Disclosure {
        /// Next state.
        next: String,
    },
    /// Connect to a person, handing over the caller's context.
    Transfer {
        /// Where to go when no person can be reached now (no agent line, outside hours), and,
        /// without `on_no_answer`, when nobody answers.
        on_unavailable: String,
        /// Where to go when the agent line was rung and nobody answered in time.
        on_no_answer: Option<String>,
    },
    /// Speak, then end the call.
    Hangup,
    /// Hand card entry to the provider's own capture (where the flow's `card_capture` is
    /// `provider` and the provider offers it): it asks for the card in the words of the flow's
    /// card questions, charges it, and posts the result, kept for the action at `next`. The card
    /// number never reaches the line. Without such a provider, the card questions are asked.
    ProviderCard {
        /// Where the result goes (an action that records it).
        next: String,
    },
}

impl State {
    /// What the caller is doing at this state, in plain English, if the flow or the input says.
    pub fn activity(&self) -> Option<&str> {
        match (&self.activity, &self.kind) {
            (Some(activity), _) => Some(activity),
            (None, StateKind::Collect { input, .. }) => Some(input.activity()),
            _ => None,
        }
    }
}

impl State {
    /// Words a person reads for this state (the console's step list, the dashboard's funnel):
    /// its activity, else what its kind does, with what it says where that tells states apart
    /// ("hearing \"Thank you for your payment…\""). Never the state's name.
    pub fn label(&self) -> String {
        if let Some(activity) = self.activity() {
            return activity.to_owned();
        }
        let said = || {
            let text = self.prompt.as_ref()?.0.get(&Language::En)?.text_only();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let first: String = text.chars().take(40).collect();
            (!first.is_empty()).then(|| {
                if first.len() < text.len() {
                    format!("hearing \"{}…\"", first.trim_end())
                } else {
                    format!("hearing \"{first}\"")
                }
            })
        };
        match &self.kind {
            StateKind::Action { action, .. } => action.doing().to_owned(),
            StateKind::Branch { .. } => "being routed by the line".to_owned(),
            StateKind::Transfer { .. } => "being put through to a person".to_owned(),
            StateKind::Disclosure { .. } => "hearing the required disclosure".to_owned(),
            StateKind::ProviderCard { .. } => {
                "keying in their card to the phone company's secure payment".to_owned()
            }
            StateKind::Say { .. } | StateKind::Hangup => {
                said().unwrap_or_else(|| "hearing a message".to_owned())
            }
            StateKind::Language { .. } => "choosing a language".to_owned(),
            StateKind::Menu { .. } | StateKind::Offers { .. } | StateKind::Collect { .. } => {
                said().unwrap_or_else(|| "answering a question".to_owned())
            }
        }
    }
}

impl StateKind {
    /// Whether the state waits for the caller.
    pub fn asks(&self) -> bool {
        matches!(
            self,
            StateKind::Menu { .. }
                | StateKind::Language { .. }
                | StateKind::Collect { .. }
                | StateKind::Offers { .. }
        )
    }

    /// Every state this one can lead to.
    pub fn targets(&self) -> Vec<&str> {
        match self {
            StateKind::Say { next } => vec![next],
            StateKind::Menu { options, on_fail } => options
                .values()
                .map(String::as_str)
                .chain(on_fail.as_deref())
                .collect(),
            StateKind::Language { next, .. } => vec![next],
            StateKind::Collect {
                keys,
                next,
                on_fail,
                ..
            } => keys
                .values()
                .map(String::as_str)
                .chain([next.as_str()])
                .chain(on_fail.as_deref())
                .collect(),
            StateKind::Action { on, .. } => on.values().map(String::as_str).collect(),
            StateKind::Branch { cases, otherwise } => cases
                .iter()
                .map(|(_, t)| t.as_str())
                .chain([otherwise.as_str()])
                .collect(),
            StateKind::Offers {
                offers,
                options,
                on_fail,
                ..
            } => offers
                .values()
                .map(|(_, target)| target.as_str())
                .chain(options.values().map(String::as_str))
                .chain(on_fail.as_deref())
                .collect(),
            StateKind::Disclosure { next } | StateKind::ProviderCard { next } => vec![next],
            StateKind::Transfer {
                on_unavailable,
                on_no_answer,
            } => std::iter::once(on_unavailable.as_str())
                .chain(on_no_answer.as_deref())
                .collect(),
            StateKind::Hangup => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn every_state_of_the_shipped_flow_is_labelled_in_words() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows");
        let flows = crate::flow::load_dir(&dir).expect("call-flows/ loads");
        for flow in flows.values() {
            for (name, state) in &flow.states {
                let label = state.label();
                assert!(!label.contains('_'), "{name}: {label}");
                assert_ne!(
                    label,
                    name.replace('_', " "),
                    "{name} is labelled by its name"
                );
                assert!(!label.is_empty(), "{name}");
            }
        }
        let payment = &flows["payment"];
        assert_eq!(payment.states["check_pin"].label(), "checking their PIN");
        assert_eq!(
            payment.states["agent"].label(),
            "being put through to a person"
        );
    }
}
