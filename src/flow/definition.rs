//! A call flow after loading and validation: every target exists, every prompt exists in every
//! language, every variable and action is known. Holding a [`Flow`] means it can run.

use std::collections::{BTreeMap, HashMap};

use crate::language::Language;

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
    /// Outcomes that stand even when the caller hangs up before the flow ends the call.
    pub settled_outcomes: Vec<String>,
    /// Provider voice per language, if chosen.
    pub voices: HashMap<Language, String>,
    /// Shared prompts the engine speaks on its own.
    pub messages: Messages,
    /// The states by name.
    pub states: HashMap<String, State>,
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
}

/// A prompt: one template per language.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt(pub BTreeMap<Language, Template>);

/// Text with `{variable}` holes.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(pub Vec<Segment>);

/// A piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Spoken as written.
    Text(String),
    /// Replaced by the variable's value, spoken according to its type.
    Var(Var),
}

/// Values a prompt or a condition can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Var {
    /// The account holder's first name.
    FirstName,
    /// Balance owed, spoken as money.
    Balance,
    /// Minimum payment due, spoken as money.
    MinimumDue,
    /// Due date, spoken as a date.
    DueDate,
    /// Last four digits of the account number, spoken digit by digit.
    Last4,
    /// How long a lockout lasts, spoken as minutes.
    LockoutMinutes,
    /// The account's collections segment (conditions only).
    Segment,
    /// The caller's language code (conditions only).
    Language,
    /// Whether caller ID matched an account (conditions only).
    CallerMatched,
    /// Whether the caller has proved who they are (conditions only).
    Authenticated,
    /// The amount about to be paid, spoken as money.
    Amount,
    /// The smallest payment accepted for this account, spoken as money.
    SmallestPayment,
    /// The brand of the card being used, by name ("Visa").
    CardBrand,
    /// Last four digits of the card, digit by digit.
    CardLast4,
    /// The card's expiry, spoken as month and year.
    CardExpiry,
    /// The confirmation code of the approved payment, in groups as people say them.
    Confirmation,
    /// The confirmation code again, digit by digit with a pause after each.
    ConfirmationSlowly,
    /// The shared line offering a person (`[messages] person_option`), or nothing when no person
    /// can be reached.
    PersonOption,
    /// Whether a person can be reached (an agent number is set) (conditions only).
    AgentAvailable,
    /// Whether paying the minimum due is a choice of its own: at least the smallest payment
    /// taken and less than the balance (conditions only).
    CanPayMinimum,
    /// Whether another amount than the whole balance can be paid (conditions only).
    CanPayOtherAmount,
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
    /// Every variable with its name in flow files.
    pub const ALL: [(&'static str, Var); 21] = [
        ("first_name", Var::FirstName),
        ("balance", Var::Balance),
        ("minimum_due", Var::MinimumDue),
        ("due_date", Var::DueDate),
        ("last4", Var::Last4),
        ("lockout_minutes", Var::LockoutMinutes),
        ("segment", Var::Segment),
        ("language", Var::Language),
        ("caller_matched", Var::CallerMatched),
        ("authenticated", Var::Authenticated),
        ("amount", Var::Amount),
        ("smallest_payment", Var::SmallestPayment),
        ("card_brand", Var::CardBrand),
        ("card_last4", Var::CardLast4),
        ("card_expiry", Var::CardExpiry),
        ("confirmation", Var::Confirmation),
        ("confirmation_slowly", Var::ConfirmationSlowly),
        ("person_option", Var::PersonOption),
        ("agent_available", Var::AgentAvailable),
        ("can_pay_minimum", Var::CanPayMinimum),
        ("can_pay_other_amount", Var::CanPayOtherAmount),
    ];

    /// Looks a variable up by its name in flow files.
    pub fn parse(name: &str) -> Option<Var> {
        Var::ALL.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The variable's type.
    pub fn kind(self) -> VarType {
        match self {
            Var::FirstName | Var::Segment | Var::Language | Var::CardBrand => VarType::Text,
            Var::Balance | Var::MinimumDue | Var::Amount | Var::SmallestPayment => VarType::Money,
            Var::DueDate => VarType::Date,
            Var::Last4 | Var::CardLast4 | Var::Confirmation | Var::ConfirmationSlowly => {
                VarType::Digits
            }
            Var::CardExpiry => VarType::MonthYear,
            Var::LockoutMinutes => VarType::Minutes,
            Var::PersonOption => VarType::Phrase,
            Var::CallerMatched
            | Var::Authenticated
            | Var::AgentAvailable
            | Var::CanPayMinimum
            | Var::CanPayOtherAmount => VarType::Bool,
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

/// The work a flow can ask the service to do, each with a fixed set of results (an enum in
/// [`crate::calls::actions`]) that the state's `on` table must all route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Match caller ID to one account's phone Results: [`IdentifyByCallerIdResult`](crate::calls::actions::IdentifyByCallerIdResult).
    IdentifyByCallerId,
    /// Drop an account offered by caller ID that the caller said is not theirs Results: [`ForgetAccountResult`](crate::calls::actions::ForgetAccountResult).
    ForgetAccount,
    /// Find the account number the caller entered Results: [`LookupAccountResult`](crate::calls::actions::LookupAccountResult).
    LookupAccount,
    /// Check the PIN the caller entered Results: [`VerifyPinResult`](crate::calls::actions::VerifyPinResult).
    VerifyPin,
    /// Check date of birth and ZIP Results: [`VerifyDateOfBirthResult`](crate::calls::actions::VerifyDateOfBirthResult).
    VerifyDateOfBirth,
    /// Pay the whole balance Results: [`PayFullBalanceResult`](crate::calls::actions::PayFullBalanceResult).
    PayFullBalance,
    /// Pay the minimum due (or the balance, if smaller) Results: [`PayMinimumDueResult`](crate::calls::actions::PayMinimumDueResult).
    PayMinimumDue,
    /// Check the amount the caller typed Results: [`CheckAmountResult`](crate::calls::actions::CheckAmountResult).
    CheckAmount,
    /// Forget the card entered so far Results: [`ForgetCardResult`](crate::calls::actions::ForgetCardResult).
    ForgetCard,
    /// Charge the card Results: [`ChargeCardResult`](crate::calls::actions::ChargeCardResult).
    ChargeCard,
}

impl Action {
    /// Every action with its name in flow files.
    pub const ALL: [(&'static str, Action); 10] = [
        ("identify_by_caller_id", Action::IdentifyByCallerId),
        ("forget_account", Action::ForgetAccount),
        ("lookup_account", Action::LookupAccount),
        ("verify_pin", Action::VerifyPin),
        ("verify_date_of_birth", Action::VerifyDateOfBirth),
        ("pay_full_balance", Action::PayFullBalance),
        ("pay_minimum_due", Action::PayMinimumDue),
        ("check_amount", Action::CheckAmount),
        ("forget_card", Action::ForgetCard),
        ("charge_card", Action::ChargeCard),
    ];

    /// Looks an action up by name.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// The action's name in flow files.
    pub fn name(self) -> &'static str {
        Action::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// The results the action can have, named by its result enum in
    /// [`crate::calls::actions`].
    pub fn results(self) -> &'static [&'static str] {
        crate::calls::actions::result_names(self)
    }
}

/// What a `collect` state asks for; decides how many keys, how they are checked, and where the
/// value waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// 6 to 12 digits, then pound.
    AccountNumber,
    /// 4 digits.
    Pin,
    /// 8 digits, MMDDYYYY.
    DateOfBirth,
    /// 5 digits.
    Zip,
    /// A dollar amount, `*` for the decimal point, then pound.
    Amount,
    /// 13 to 19 digits passing the card checks, then pound.
    CardNumber,
    /// 4 digits, MMYY, not in the past.
    CardExpiry,
    /// 3 digits, 4 for American Express.
    SecurityCode,
    /// 5 digits, the card's billing ZIP.
    BillingZip,
}

impl InputKind {
    /// Every input kind with its name in flow files.
    pub const ALL: [(&'static str, InputKind); 9] = [
        ("account_number", InputKind::AccountNumber),
        ("pin", InputKind::Pin),
        ("date_of_birth", InputKind::DateOfBirth),
        ("zip", InputKind::Zip),
        ("amount", InputKind::Amount),
        ("card_number", InputKind::CardNumber),
        ("card_expiry", InputKind::CardExpiry),
        ("security_code", InputKind::SecurityCode),
        ("billing_zip", InputKind::BillingZip),
    ];

    /// Looks an input kind up by name.
    pub fn parse(name: &str) -> Option<InputKind> {
        InputKind::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    }

    /// Its name in flow files, also the name its value is kept under.
    pub fn name(self) -> &'static str {
        InputKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(n, _)| n)
    }

    /// A fixed number of keys, so the provider can stop listening without waiting for pound.
    /// (The security code's length depends on the card, so the engine decides it.)
    pub fn fixed_length(self) -> Option<u32> {
        match self {
            InputKind::AccountNumber | InputKind::Amount | InputKind::CardNumber => None,
            InputKind::SecurityCode => None,
            InputKind::Pin | InputKind::CardExpiry => Some(4),
            InputKind::DateOfBirth => Some(8),
            InputKind::Zip | InputKind::BillingZip => Some(5),
        }
    }

    /// Whether values of this kind are secrets unless the flow says otherwise.
    pub fn sensitive_by_default(self) -> bool {
        !matches!(self, InputKind::AccountNumber | InputKind::Amount)
    }

    /// Card data is always sensitive: a flow cannot say otherwise (PCI DSS).
    pub fn is_card_data(self) -> bool {
        matches!(
            self,
            InputKind::CardNumber
                | InputKind::CardExpiry
                | InputKind::SecurityCode
                | InputKind::BillingZip
        )
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
        }
    }

    /// The reasons an entry can be refused, each of which a state may give its own prompt
    /// (`errors.REASON.en = "..."`).
    pub fn error_reasons(self) -> &'static [&'static str] {
        match self {
            InputKind::CardNumber => &["not_valid", "wrong_length", "unsupported_brand"],
            InputKind::CardExpiry => &["expired", "bad_month", "too_far_ahead", "wrong_length"],
            InputKind::SecurityCode | InputKind::BillingZip => &["wrong_length"],
            InputKind::Amount => &["not_an_amount"],
            _ => &[],
        }
    }
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
    /// Said on a re-ask instead of the shared help line, where a key means something else here
    /// (on card questions `*` starts the card over, so "press star to hear this again" is wrong).
    pub help: Option<Prompt>,
    /// What the caller is doing here, in plain English for the agent's whisper ("hearing their
    /// balance"); input questions have a default.
    pub activity: Option<String>,
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
    /// Connect to a person, handing over the caller's context.
    Transfer {
        /// Where to go when no agent number is configured or nobody answers.
        on_unavailable: String,
    },
    /// Speak, then end the call.
    Hangup,
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

impl StateKind {
    /// Whether the state waits for the caller.
    pub fn asks(&self) -> bool {
        matches!(
            self,
            StateKind::Menu { .. } | StateKind::Language { .. } | StateKind::Collect { .. }
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
            StateKind::Transfer { on_unavailable } => vec![on_unavailable],
            StateKind::Hangup => vec![],
        }
    }
}
