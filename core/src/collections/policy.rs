//! Collections policies: the department's rules, as data operations edit in
//! `call-flows/policies.toml`. Rules pick one policy per account from its fields; a policy says
//! what the caller is offered, in what order, and on what terms.
//!
//! Loading checks everything at once and reports each problem as `file:line: message` with the
//! fix, like the flow files; the server does not start on a file with problems.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use time::Date;
use toml::Spanned;

use super::autopay::{AutopayAmount, AutopayTerms};
use super::terms::{FeeRule, Interval};
use crate::collections::account::Account;
use crate::diagnostics::{Problem, Problems};
use crate::language::Language;
use crate::named::named_enum;
use crate::payments::Money;

/// The policy file's name, beside the flows.
pub const FILE_NAME: &str = "policies.toml";

/// Account flags the import accepts and the rules can match.
pub const FLAGS: [&str; 5] = [
    "hardship",
    "vulnerable",
    "dispute",
    "bankruptcy",
    "cease_contact",
];

/// Flags under which the law, not a policy, decides: the caller is never asked for money.
pub const NO_DEMAND_FLAGS: [&str; 2] = ["dispute", "bankruptcy"];

/// Every policy, and the rules that choose among them.
#[derive(Debug, Clone)]
pub struct Policies {
    /// First match wins; the last has no conditions.
    pub rules: Vec<Rule>,
    /// Policies by name.
    pub policies: BTreeMap<String, Policy>,
}

/// Which accounts a rule matches; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    /// The account's segment is one of these.
    pub segments: Vec<String>,
    /// The account has any of these flags.
    pub flags: Vec<String>,
    /// The account's state (US postal code) is one of these.
    pub states: Vec<String>,
    /// Days past the due date, at least.
    pub days_past_due_min: Option<i64>,
    /// Days past the due date, at most.
    pub days_past_due_max: Option<i64>,
    /// Balance in cents, at least.
    pub balance_min: Option<i64>,
    /// Balance in cents, at most.
    pub balance_max: Option<i64>,
    /// The policy it picks.
    pub policy: String,
}

/// What a call does with an account once the caller is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// The caller hears the balance and the options.
    Offers,
    /// Never asked for money: told kindly, offered a person.
    NoPayment,
    /// A specialist path with no pressure (vulnerable callers).
    Specialist,
}

named_enum! {
    /// An option a caller can be offered.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Offer {
        /// Pay the whole balance.
        Full = "full",
        /// Pay the minimum due.
        Minimum = "minimum",
        /// Pay an amount of their choosing.
        OtherAmount = "other_amount",
        /// Settle for less than the balance.
        Settlement = "settlement",
        /// Spread the balance over installments.
        Plan = "plan",
        /// Promise to pay by a date.
        Promise = "promise",
        /// Tell us they are having trouble paying.
        Hardship = "hardship",
        /// Talk to a person.
        Person = "person",
        /// Have each amount due charged on its due date (AutoPay); a caller already enrolled
        /// hears [`Offer::StopAutopay`] in its place.
        Autopay = "autopay",
        /// Stop AutoPay: offered in [`Offer::Autopay`]'s place, never listed by a policy.
        StopAutopay = "stop_autopay",
        /// A pay link by text or email: the account's own page, to pay or choose on their phone
        /// at their own pace (offered where a number or address is on file).
        Link = "link",
    }
}

impl Offer {}

/// Text in each language.
pub type Texts = BTreeMap<Language, String>;

/// One treatment.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Its name.
    pub name: String,
    /// What the call does.
    pub treatment: Treatment,
    /// The options, in the order offered.
    pub options: Vec<Offer>,
    /// The options after "I'm having trouble paying", in order.
    pub hardship_options: Vec<Offer>,
    /// Spoken after the caller is verified and before the debt is discussed.
    pub disclosure: Option<Texts>,
    /// Terms of a payment plan.
    pub plan: Option<PlanTerms>,
    /// Terms of a plan set up after the caller said they are having trouble (default: `plan`).
    pub hardship_plan: Option<PlanTerms>,
    /// Terms of a settlement.
    pub settlement: Option<SettlementTerms>,
    /// Terms of a promise to pay.
    pub promise: Option<PromiseTerms>,
    /// A fee on card payments.
    pub card_fee: Option<FeeTerms>,
    /// AutoPay's terms, when the policy offers it.
    pub autopay: Option<AutopayTerms>,
    /// Whether a payment may be made from a bank account (where the gateway debits banks and
    /// the authorisation's evidence can be kept); `bank_debits = false` offers cards only.
    pub bank_debits: bool,
    /// Whether a caller may keep a card on file and pay with it on a later call (where the
    /// gateway keeps cards); `cards_on_file = false` keeps none.
    pub cards_on_file: bool,
    /// Percent of this policy's calls asked the end-of-call survey, instead of the flow's
    /// `[survey] sample_percent`; `None` keeps the flow's.
    pub survey_percent: Option<u8>,
}

/// A payment plan's terms.
#[derive(Debug, Clone)]
pub struct PlanTerms {
    /// The numbers of installments a caller may choose.
    pub counts: Vec<u32>,
    /// How far apart installments fall.
    pub interval: Interval,
    /// No installment may be smaller (cents); counts that would need one are not offered.
    pub smallest_installment_cents: i64,
    /// Whether the first installment is charged during the call.
    pub first_payment_today: bool,
    /// How many times a declined installment is tried again before the plan is broken.
    pub declined_retries: u32,
    /// Days between those tries.
    pub retry_after_days: u32,
    /// The authorisation's version, recorded with the caller's consent.
    pub authorization_version: String,
    /// The recurring-charge authorisation the caller agrees to.
    pub authorization: Texts,
}

impl PlanTerms {
    /// The counts a total can be split into without an installment below the smallest.
    pub fn counts_for(&self, total_cents: i64) -> Vec<u32> {
        self.counts
            .iter()
            .copied()
            .filter(|&n| n >= 1 && total_cents / i64::from(n) >= self.smallest_installment_cents)
            .collect()
    }
}

/// A settlement's terms.
#[derive(Debug, Clone)]
pub struct SettlementTerms {
    /// Share of the balance, in hundredths of a percent.
    pub basis_points: i64,
    /// The least it settles for (cents).
    pub floor_cents: i64,
    /// Days the offer stands, from the day it is made.
    pub valid_days: u32,
    /// The last day it may be offered or taken at all (a campaign's end), if any.
    pub expires_on: Option<Date>,
    /// Numbers of payments it may be paid in (1: today, in one payment).
    pub payments: Vec<u32>,
}

/// A promise to pay's terms.
#[derive(Debug, Clone)]
pub struct PromiseTerms {
    /// The latest date, in days from today.
    pub within_days: u32,
    /// The least that may be promised: the minimum due, or an amount (cents).
    pub smallest: Smallest,
}

/// The least amount of a promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smallest {
    /// The account's minimum due (or the balance, if less).
    MinimumDue,
    /// A fixed amount (or the balance, if less).
    Cents(i64),
}

/// A convenience fee.
#[derive(Debug, Clone)]
pub struct FeeTerms {
    /// How it is worked out.
    pub rule: FeeRule,
    /// Segments that never pay it.
    pub waived_segments: Vec<String>,
    /// How to pay without it, spoken with the fee.
    pub free_alternative: Texts,
}

impl SettlementTerms {
    /// The last day an offer made `today` stands, or `None` when none may be made any more.
    pub fn offer_ends(&self, today: Date) -> Option<Date> {
        let ends = today.saturating_add(time::Duration::days(i64::from(self.valid_days)));
        match self.expires_on {
            Some(last) if last < today => None,
            Some(last) => Some(ends.min(last)),
            None => Some(ends),
        }
    }
}

impl FeeTerms {
    /// The fee on a card payment of `amount_cents` from `account` (0 where waived).
    pub fn fee_for(&self, account: &Account, amount_cents: i64) -> i64 {
        if self.waived_segments.contains(&account.segment) || amount_cents <= 0 {
            0
        } else {
            self.rule.fee_on(amount_cents)
        }
    }
}

impl Policies {
    /// The policy whose rule first matches `account` today.
    pub fn select(&self, account: &Account, today: Date) -> &Policy {
        let chosen = self
            .rules
            .iter()
            .find(|rule| rule.matches(account, today))
            .and_then(|rule| self.policies.get(&rule.policy));
        // Loading guarantees a last rule without conditions naming a policy that exists.
        chosen
            .or_else(|| self.policies.values().next())
            .expect("policies are never empty once loaded")
    }

    /// A policy by name.
    pub fn get(&self, name: &str) -> Option<&Policy> {
        self.policies.get(name)
    }
}

/// How many days past its due date an account is (negative before it is due).
pub fn days_past_due(account: &Account, today: Date) -> Option<i64> {
    let due = Date::parse(
        &account.due_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some((today - due).whole_days())
}

/// The account's flags, as imported (comma-separated).
pub fn flags_of(account: &Account) -> impl Iterator<Item = &str> {
    account
        .flags
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
}

/// Whether the account has `flag`.
pub fn has_flag(account: &Account, flag: &str) -> bool {
    flags_of(account).any(|f| f == flag)
}

impl Rule {
    fn matches(&self, account: &Account, today: Date) -> bool {
        let late = days_past_due(account, today);
        let within = |value: Option<i64>, min: Option<i64>, max: Option<i64>| {
            (min.is_none() && max.is_none())
                || value.is_some_and(|v| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m))
        };
        (self.segments.is_empty() || self.segments.contains(&account.segment))
            && (self.flags.is_empty() || self.flags.iter().any(|f| has_flag(account, f)))
            && (self.states.is_empty() || self.states.contains(&account.state))
            && within(late, self.days_past_due_min, self.days_past_due_max)
            && within(
                Some(account.balance_cents),
                self.balance_min,
                self.balance_max,
            )
    }

    fn has_conditions(&self) -> bool {
        !self.segments.is_empty()
            || !self.flags.is_empty()
            || !self.states.is_empty()
            || self.days_past_due_min.is_some()
            || self.days_past_due_max.is_some()
            || self.balance_min.is_some()
            || self.balance_max.is_some()
    }
}

// --- Loading -------------------------------------------------------------------------------------

type SpannedTexts = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Spanned<Vec<Spanned<RawRule>>>,
    policies: Spanned<BTreeMap<Spanned<String>, Spanned<RawPolicy>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    policy: Spanned<String>,
    segments: Option<Vec<String>>,
    flags: Option<Vec<Spanned<String>>>,
    states: Option<Vec<Spanned<String>>>,
    days_past_due: Option<Spanned<RawRange<i64>>>,
    balance: Option<Spanned<RawRange<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange<T> {
    min: Option<T>,
    max: Option<T>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    treatment: Option<Spanned<String>>,
    options: Option<Spanned<Vec<Spanned<String>>>>,
    hardship_options: Option<Spanned<Vec<Spanned<String>>>>,
    disclosure: Option<Spanned<SpannedTexts>>,
    plan: Option<Spanned<RawPlan>>,
    hardship_plan: Option<Spanned<RawPlan>>,
    settlement: Option<Spanned<RawSettlement>>,
    promise: Option<Spanned<RawPromise>>,
    fees: Option<Spanned<RawFees>>,
    autopay: Option<Spanned<RawAutopay>>,
    bank_debits: Option<bool>,
    cards_on_file: Option<bool>,
    survey_percent: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    installments: Spanned<Vec<u32>>,
    every: Spanned<String>,
    smallest_installment: Spanned<String>,
    first_payment_today: bool,
    declined_retries: u32,
    retry_after_days: u32,
    authorization_version: Spanned<String>,
    authorization: Spanned<SpannedTexts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettlement {
    percent: Spanned<String>,
    floor: Spanned<String>,
    valid_days: u32,
    expires_on: Option<Spanned<String>>,
    payments: Spanned<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPromise {
    within_days: Spanned<u32>,
    smallest: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAutopay {
    amount: Spanned<String>,
    #[serde(default = "one")]
    declined_retries: u32,
    #[serde(default = "three")]
    retry_after_days: u32,
}

fn one() -> u32 {
    1
}

fn three() -> u32 {
    3
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFees {
    card: Spanned<RawFee>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFee {
    flat: Option<Spanned<String>>,
    percent: Option<Spanned<String>>,
    cap: Option<Spanned<String>>,
    #[serde(default)]
    waived_segments: Vec<String>,
    free_alternative: Spanned<SpannedTexts>,
}

/// Loads `policies.toml` from the flows directory.
///
/// # Errors
/// Every problem found, each with its file and line.
pub fn load_dir(dir: &Path, languages: &[Language]) -> Result<Policies, Vec<Problem>> {
    let path = dir.join(FILE_NAME);
    let source = std::fs::read_to_string(&path).map_err(|err| {
        vec![Problem::unreadable(&path, &err, || {
            format!(
                "there is no {FILE_NAME} beside the flows; it says what callers are offered \
                 (see docs/call-flows.md, \"Collections policies\")"
            )
        })]
    })?;
    parse(&path, &source, languages)
}

/// Parses and checks policy text.
///
/// # Errors
/// Every problem found.
pub fn parse(path: &Path, source: &str, languages: &[Language]) -> Result<Policies, Vec<Problem>> {
    let mut checker = Checker {
        found: Problems::new(path, source),
        languages,
    };
    let raw: RawFile = toml::from_str(source)
        .map_err(|err| vec![crate::diagnostics::toml_problem(path, source, &err)])?;
    let policies = checker.check(raw);
    checker.found.or(policies)
}

struct Checker<'a> {
    found: Problems<'a>,
    languages: &'a [Language],
}

impl Checker<'_> {
    fn report<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.found.report(at, message);
    }

    fn check(&mut self, raw: RawFile) -> Policies {
        let names: HashSet<String> = raw
            .policies
            .as_ref()
            .keys()
            .map(|k| k.as_ref().clone())
            .collect();
        let mut policies = BTreeMap::new();
        if names.is_empty() {
            self.report(&raw.policies, "there are no policies; add [policies.NAME]");
        }
        for (name, policy) in raw.policies.into_inner() {
            if let Some(policy) = self.policy(name.as_ref(), &policy) {
                policies.insert(name.into_inner(), policy);
            }
        }
        let mut rules = Vec::new();
        let rule_count = raw.rules.as_ref().len();
        if rule_count == 0 {
            self.report(
                &raw.rules,
                "there are no rules; add [[rules]] with policy = \"NAME\" (the last one with no \
                 conditions)",
            );
        }
        for (i, raw_rule) in raw.rules.as_ref().iter().enumerate() {
            let rule = self.rule(raw_rule, &names);
            if i + 1 == rule_count && rule.has_conditions() {
                self.report(
                    raw_rule,
                    "the last rule must have no conditions, so every account gets a policy; add \
                     a final [[rules]] with only policy = \"NAME\"",
                );
            } else if i + 1 < rule_count && !rule.has_conditions() {
                self.report(
                    raw_rule,
                    "this rule has no conditions, so the rules after it are never used; move it \
                     last",
                );
            }
            rules.push(rule);
        }
        Policies { rules, policies }
    }

    fn rule(&mut self, raw: &Spanned<RawRule>, names: &HashSet<String>) -> Rule {
        let r = raw.as_ref();
        if !names.contains(r.policy.as_ref()) {
            let mut known: Vec<&String> = names.iter().collect();
            known.sort();
            self.report(
                &r.policy,
                format!(
                    "\"{}\" is not a policy; the policies are {}",
                    r.policy.as_ref(),
                    known
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        for flag in r.flags.iter().flatten() {
            if !FLAGS.contains(&flag.as_ref().as_str()) {
                self.report(
                    flag,
                    format!(
                        "\"{}\" is not a flag; the flags are {}",
                        flag.as_ref(),
                        FLAGS.join(", ")
                    ),
                );
            }
        }
        for state in r.states.iter().flatten() {
            let s = state.as_ref();
            if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
                self.report(state, "a state is its two-letter postal code, like \"CA\"");
            }
        }
        let (days_min, days_max) = match &r.days_past_due {
            Some(range) => {
                let RawRange { min, max } = range.as_ref();
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    self.report(range, "days_past_due: min is above max");
                }
                (*min, *max)
            }
            None => (None, None),
        };
        let (balance_min, balance_max) = match &r.balance {
            Some(range) => {
                let RawRange { min, max } = range.as_ref();
                let mut money = |text: &Option<String>| {
                    text.as_ref().and_then(|t| match Money::parse_decimal(t) {
                        Ok(m) => Some(m.cents()),
                        Err(_) => {
                            self.report(
                                range,
                                format!("balance: \"{t}\" is not an amount like \"500.00\""),
                            );
                            None
                        }
                    })
                };
                (money(min), money(max))
            }
            None => (None, None),
        };
        Rule {
            segments: r.segments.clone().unwrap_or_default(),
            flags: r
                .flags
                .iter()
                .flatten()
                .map(|f| f.as_ref().clone())
                .collect(),
            states: r
                .states
                .iter()
                .flatten()
                .map(|s| s.as_ref().clone())
                .collect(),
            days_past_due_min: days_min,
            days_past_due_max: days_max,
            balance_min,
            balance_max,
            policy: r.policy.as_ref().clone(),
        }
    }

    fn texts(&mut self, raw: &Spanned<SpannedTexts>) -> Texts {
        let mut texts = Texts::new();
        for (code, text) in raw.as_ref() {
            match Language::parse(code.as_ref()) {
                Some(lang) if self.languages.contains(&lang) => {
                    if text.as_ref().contains(['{', '}']) {
                        self.report(text, "policy texts are spoken as written; remove { and }");
                    }
                    texts.insert(lang, text.as_ref().clone());
                }
                _ => self.report(
                    code,
                    format!(
                        "\"{}\" is not one of the flows' languages ({})",
                        code.as_ref(),
                        self.language_list()
                    ),
                ),
            }
        }
        let missing: Vec<&str> = self
            .languages
            .iter()
            .filter(|l| !texts.contains_key(l))
            .map(|l| l.code())
            .collect();
        if !missing.is_empty() {
            self.report(
                raw,
                format!(
                    "this text has no {}; {}",
                    missing.join(", "),
                    crate::diagnostics::add_texts_hint("", &missing)
                ),
            );
        }
        texts
    }

    fn language_list(&self) -> String {
        self.languages
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn money(&mut self, raw: &Spanned<String>, field: &str) -> i64 {
        match Money::parse_decimal(raw.as_ref()) {
            Ok(m) if m.cents() >= 0 => m.cents(),
            _ => {
                self.report(raw, format!("{field} is an amount written like \"25.00\""));
                0
            }
        }
    }

    /// A percentage written like "2.5" as hundredths of a percent (250), without floats.
    fn percent(&mut self, raw: &Spanned<String>, field: &str) -> i64 {
        let text = raw.as_ref().trim().trim_end_matches('%');
        let parsed = Money::parse_decimal(text).ok().map(Money::cents);
        match parsed {
            Some(bp) if (0..=10_000).contains(&bp) => bp,
            _ => {
                self.report(
                    raw,
                    format!("{field} is a percentage from 0 to 100 written like \"2.5\""),
                );
                0
            }
        }
    }

    fn offers(&mut self, raw: &Spanned<Vec<Spanned<String>>>) -> Vec<Offer> {
        let mut offers = Vec::new();
        for name in raw.as_ref() {
            match Offer::parse(name.as_ref()) {
                Some(offer) if offers.contains(&offer) => {
                    self.report(name, format!("{} is listed twice", name.as_ref()))
                }
                Some(Offer::StopAutopay) => self.report(
                    name,
                    "list \"autopay\" instead: a caller already enrolled hears how to stop it \
                     in its place",
                ),
                Some(offer) => offers.push(offer),
                None => self.report(
                    name,
                    format!(
                        "\"{}\" is not an option; the options are {}",
                        name.as_ref(),
                        Offer::NAMES.join(", ")
                    ),
                ),
            }
        }
        let numbered = offers.iter().filter(|o| **o != Offer::Person).count();
        if numbered > 8 {
            self.report(
                raw,
                "at most 8 options besides person fit on the keypad (1 to 8; 9 ends the call)",
            );
        }
        offers
    }

    fn policy(&mut self, name: &str, raw: &Spanned<RawPolicy>) -> Option<Policy> {
        let r = raw.as_ref();
        let treatment = match r.treatment.as_ref().map(|t| t.as_ref().as_str()) {
            None | Some("offers") => Treatment::Offers,
            Some("no_payment") => Treatment::NoPayment,
            Some("specialist") => Treatment::Specialist,
            Some(other) => {
                self.report(
                    r.treatment.as_ref()?,
                    format!("\"{other}\" is not a treatment; use offers, no_payment or specialist"),
                );
                Treatment::Offers
            }
        };
        let options = r
            .options
            .as_ref()
            .map(|o| self.offers(o))
            .unwrap_or_default();
        let hardship_options = r
            .hardship_options
            .as_ref()
            .map(|o| self.offers(o))
            .unwrap_or_default();
        if treatment == Treatment::Offers {
            if options.is_empty() {
                self.report(
                    raw,
                    format!("policy {name} offers nothing; add options = [\"full\", ...]"),
                );
            }
            if !options.contains(&Offer::Hardship) {
                let at = r.options.as_ref().map_or(raw.span(), |o| o.span()).start;
                self.found.at(
                    at,
                    format!(
                        "every balance menu offers help to callers having trouble paying; add \
                         \"hardship\" to policy {name}'s options"
                    ),
                );
            }
            if options.contains(&Offer::Hardship) && hardship_options.is_empty() {
                self.report(
                    raw,
                    format!(
                        "policy {name} offers hardship; say what it leads to with \
                         hardship_options = [\"plan\", \"promise\", \"person\"]"
                    ),
                );
            }
        }
        if hardship_options.contains(&Offer::Hardship) {
            self.report(
                r.hardship_options.as_ref()?,
                "hardship_options cannot offer hardship again",
            );
        }
        let plan = r.plan.as_ref().map(|p| self.plan(p));
        let hardship_plan = r.hardship_plan.as_ref().map(|p| self.plan(p));
        let settlement = r.settlement.as_ref().map(|s| {
            let raw_s = s.as_ref();
            if raw_s.payments.as_ref().is_empty() || raw_s.payments.as_ref().contains(&0) {
                self.report(
                    &raw_s.payments,
                    "payments lists how many payments, like [1, 3]",
                );
            }
            let expires_on = raw_s.expires_on.as_ref().and_then(|text| {
                let date = super::parse_date(text.as_ref());
                if date.is_none() {
                    self.report(text, "expires_on is a date written YYYY-MM-DD");
                }
                date
            });
            SettlementTerms {
                basis_points: self.percent(&raw_s.percent, "percent"),
                floor_cents: self.money(&raw_s.floor, "floor"),
                valid_days: raw_s.valid_days,
                expires_on,
                payments: raw_s.payments.as_ref().clone(),
            }
        });
        if let Some(terms) = &settlement
            && terms.payments.iter().any(|&n| n > 1)
            && plan.is_none()
        {
            self.report(
                r.settlement.as_ref()?,
                format!(
                    "a settlement in several payments is charged like a plan; add \
                     [policies.{name}.plan] for its authorisation and retries"
                ),
            );
        }
        let promise = r.promise.as_ref().map(|p| {
            let raw_p = p.as_ref();
            if *raw_p.within_days.as_ref() == 0 {
                self.report(&raw_p.within_days, "within_days is at least 1");
            }
            let smallest = match raw_p.smallest.as_ref().as_str() {
                "minimum_due" => Smallest::MinimumDue,
                _ => Smallest::Cents(self.money(&raw_p.smallest, "smallest (or \"minimum_due\")")),
            };
            PromiseTerms {
                within_days: *raw_p.within_days.as_ref(),
                smallest,
            }
        });
        let card_fee = r.fees.as_ref().map(|fees| {
            let fee = fees.as_ref().card.as_ref();
            let rule = match (&fee.flat, &fee.percent) {
                (Some(flat), None) => {
                    if fee.cap.is_some() {
                        self.report(&fees.as_ref().card, "cap applies to a percent fee only");
                    }
                    FeeRule::Flat {
                        cents: self.money(flat, "flat"),
                    }
                }
                (None, Some(percent)) => FeeRule::Percent {
                    basis_points: self.percent(percent, "percent"),
                    cap_cents: fee.cap.as_ref().map(|c| self.money(c, "cap")),
                },
                _ => {
                    self.report(
                        &fees.as_ref().card,
                        "a fee is flat = \"2.95\" or percent = \"2.5\" (with an optional cap), not both",
                    );
                    FeeRule::Flat { cents: 0 }
                }
            };
            FeeTerms {
                rule,
                waived_segments: fee.waived_segments.clone(),
                free_alternative: self.texts(&fee.free_alternative),
            }
        });
        let disclosure = r.disclosure.as_ref().map(|d| self.texts(d));
        let autopay = r.autopay.as_ref().map(|a| {
            let raw_a = a.as_ref();
            let amount = AutopayAmount::parse(raw_a.amount.as_ref()).unwrap_or_else(|| {
                self.report(
                    &raw_a.amount,
                    format!(
                        "amount = \"{}\" is not an AutoPay amount; use \"minimum_due\" or \
                         \"balance\"",
                        raw_a.amount.as_ref()
                    ),
                );
                AutopayAmount::MinimumDue
            });
            AutopayTerms {
                amount,
                declined_retries: raw_a.declined_retries,
                retry_after_days: raw_a.retry_after_days.max(1),
            }
        });
        for offer in options.iter().chain(&hardship_options) {
            let (missing, section) = match offer {
                Offer::Plan => (plan.is_none(), "plan"),
                Offer::Settlement => (settlement.is_none(), "settlement"),
                Offer::Promise => (promise.is_none(), "promise"),
                Offer::Autopay => (autopay.is_none(), "autopay"),
                _ => (false, ""),
            };
            if missing {
                self.report(
                    raw,
                    format!(
                        "policy {name} offers {} but has no terms for it; add [policies.{name}.{section}]",
                        offer.name()
                    ),
                );
            }
        }
        let survey_percent = r.survey_percent.as_ref().and_then(|raw| {
            let percent = u8::try_from(*raw.as_ref()).ok().filter(|p| *p <= 100);
            if percent.is_none() {
                self.report(
                    raw,
                    format!(
                        "policy {name}: survey_percent = {} is not a percentage; use 0 (no \
                         survey) to 100 (every call), or leave it out to keep the flow's \
                         [survey] sample_percent",
                        raw.as_ref()
                    ),
                );
            }
            percent
        });
        Some(Policy {
            name: name.to_owned(),
            treatment,
            options,
            hardship_options,
            disclosure,
            plan,
            hardship_plan,
            settlement,
            promise,
            card_fee,
            autopay,
            bank_debits: r.bank_debits.unwrap_or(true),
            cards_on_file: r.cards_on_file.unwrap_or(true),
            survey_percent,
        })
    }

    fn plan(&mut self, raw: &Spanned<RawPlan>) -> PlanTerms {
        let p = raw.as_ref();
        let counts = p.installments.as_ref().clone();
        if counts.is_empty() || counts.iter().any(|&n| !(2..=24).contains(&n)) {
            self.report(
                &p.installments,
                "installments lists the numbers of payments a caller may choose, each 2 to 24, \
                 like [2, 3, 4]",
            );
        }
        if counts.iter().any(|&n| n > 9) && counts.len() > 1 {
            self.report(
                &p.installments,
                "callers choose the number of payments with one key; list numbers up to 9",
            );
        }
        let interval = Interval::parse(p.every.as_ref()).unwrap_or_else(|| {
            self.report(
                &p.every,
                format!(
                    "every is one of {}",
                    Interval::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                ),
            );
            Interval::Monthly
        });
        if p.authorization_version.as_ref().trim().is_empty() {
            self.report(
                &p.authorization_version,
                "authorization_version names the wording, like \"plan-2026-11\"; change it \
                 whenever the wording changes",
            );
        }
        PlanTerms {
            counts,
            interval,
            smallest_installment_cents: self.money(&p.smallest_installment, "smallest_installment"),
            first_payment_today: p.first_payment_today,
            declined_retries: p.declined_retries,
            retry_after_days: p.retry_after_days,
            authorization_version: p.authorization_version.as_ref().clone(),
            authorization: self.texts(&p.authorization),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::flow::testing::FakeContext;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn shipped() -> Policies {
        parse(
            Path::new("call-flows/policies.toml"),
            include_str!("../../../call-flows/policies.toml"),
            &Language::ALL,
        )
        .expect("the shipped policies load")
    }

    fn account(segment: &str, flags: &str, due: &str) -> Account {
        Account {
            segment: segment.to_owned(),
            flags: flags.to_owned(),
            due_date: due.to_owned(),
            ..FakeContext::linda_brown()
        }
    }

    fn problems(source: &str) -> Vec<String> {
        parse(Path::new("policies.toml"), source, &Language::ALL)
            .expect_err("problems")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn rules_pick_a_policy_by_flags_segment_and_days_past_due() {
        let policies = shipped();
        let pick = |a: &Account| policies.select(a, TODAY).name.clone();
        assert_eq!(pick(&account("early", "", "2026-12-02")), "early");
        assert_eq!(pick(&account("late", "", "2026-12-02")), "late");
        assert_eq!(
            pick(&account("early", "", "2026-10-25")),
            "late",
            "30 days past due"
        );
        assert_eq!(
            pick(&account("early", "", "2026-10-26")),
            "early",
            "29 days"
        );
        assert_eq!(pick(&account("settlement", "", "2026-12-02")), "settlement");
        assert_eq!(
            pick(&account("early", "hardship", "2026-12-02")),
            "hardship"
        );
        assert_eq!(pick(&account("hardship", "", "2026-12-02")), "hardship");
        assert_eq!(
            pick(&account("hardship", "vulnerable", "2026-12-02")),
            "specialist"
        );
        assert_eq!(
            pick(&account("settlement", "vulnerable,dispute", "2026-12-02")),
            "on_hold",
            "the first matching rule wins"
        );
        assert_eq!(
            pick(&account("late", "bankruptcy", "2026-12-02")),
            "on_hold"
        );
    }

    #[test]
    fn balance_and_state_conditions_hold_together() {
        let source = r#"
[[rules]]
states = ["CA"]
balance = { min = "100.00", max = "500.00" }
policy = "california"

[[rules]]
policy = "plain"

[policies.california]
treatment = "no_payment"

[policies.plain]
treatment = "specialist"
"#;
        let policies = parse(Path::new("p.toml"), source, &Language::ALL).expect("valid");
        let mut linda = FakeContext::linda_brown();
        linda.state = "CA".to_owned();
        assert_eq!(policies.select(&linda, TODAY).name, "california");
        linda.balance_cents = 50_001;
        assert_eq!(policies.select(&linda, TODAY).name, "plain");
        linda.balance_cents = 10_000;
        linda.state = "OR".to_owned();
        assert_eq!(policies.select(&linda, TODAY).name, "plain");
    }

    #[test]
    fn autopay_terms_are_checked_and_stopping_is_never_listed() {
        let source = r#"[[rules]]
policy = "standard"

[policies.standard]
options = ["full", "autopay", "stop_autopay", "hardship", "person"]
hardship_options = ["person"]

[policies.standard.autopay]
amount = "everything"
"#;
        let text = problems(source).join("\n");
        assert!(
            text.contains(
                "policies.toml:5: list \"autopay\" instead: a caller already enrolled hears how \
                 to stop it in its place"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "policies.toml:9: amount = \"everything\" is not an AutoPay amount; use \
                 \"minimum_due\" or \"balance\""
            ),
            "{text}"
        );
        let without_terms = r#"[[rules]]
policy = "standard"

[policies.standard]
options = ["full", "autopay", "hardship"]
hardship_options = ["full"]
"#;
        let text = problems(without_terms).join("\n");
        assert!(
            text.contains(
                "policy standard offers autopay but has no terms for it; add \
                 [policies.standard.autopay]"
            ),
            "{text}"
        );
        let early = shipped();
        let terms = early
            .get("early")
            .and_then(|p| p.autopay)
            .expect("early has AutoPay");
        assert_eq!(terms.amount, AutopayAmount::MinimumDue);
        assert_eq!((terms.declined_retries, terms.retry_after_days), (1, 3));
    }

    #[test]
    fn problems_name_the_line_and_the_fix() {
        let source = r#"[[rules]]
flags = ["disputed"]
policy = "standard"

[[rules]]
segments = ["late"]
policy = "nope"

[policies.standard]
options = ["full", "plan", "sometimes"]

[policies.standard.fees.card]
flat = "2.50"
percent = "3"
free_alternative.en = "Pay online."
"#;
        let found = problems(source);
        let text = found.join("\n");
        assert!(
            text.contains("policies.toml:2: \"disputed\" is not a flag; the flags are hardship"),
            "{text}"
        );
        assert!(
            text.contains("policies.toml:5: the last rule must have no conditions"),
            "{text}"
        );
        assert!(
            text.contains("policies.toml:7: \"nope\" is not a policy; the policies are standard"),
            "{text}"
        );
        assert!(
            text.contains("policies.toml:10: \"sometimes\" is not an option; the options are full"),
            "{text}"
        );
        assert!(
            text.contains("add \"hardship\" to policy standard's options"),
            "{text}"
        );
        assert!(
            text.contains(
                "policy standard offers plan but has no terms for it; add [policies.standard.plan]"
            ),
            "{text}"
        );
        assert!(text.contains("not both"), "{text}");
        assert!(
            text.contains("this text has no es; add es = \"...\""),
            "{text}"
        );
        assert!(
            found.iter().all(|p| p.starts_with("policies.toml:")),
            "{text}"
        );
    }

    #[test]
    fn a_policy_may_set_its_own_survey_rate() {
        assert!(
            shipped()
                .policies
                .values()
                .all(|p| p.survey_percent.is_none()),
            "the shipped policies keep the flow's rate"
        );
        let source = "[[rules]]\npolicy = \"a\"\n\n[policies.a]\ntreatment = \"no_payment\"\nsurvey_percent = 50\n";
        let policies = parse(Path::new("policies.toml"), source, &Language::ALL).expect("valid");
        assert_eq!(policies.policies["a"].survey_percent, Some(50));
        let found = problems(&source.replace("= 50", "= 101"));
        assert!(
            found[0]
                .starts_with("policies.toml:6: policy a: survey_percent = 101 is not a percentage"),
            "{found:?}"
        );
    }

    #[test]
    fn a_misspelt_field_and_bad_toml_name_the_line() {
        let found = problems("[[rules]]\npolicy = \"a\"\n\n[policies.a]\ntreatmnt = \"offers\"\n");
        assert!(
            found[0].starts_with("policies.toml:5: unknown field `treatmnt`"),
            "{found:?}"
        );
        assert!(found[0].ends_with("check the spelling"), "{found:?}");
        let found = problems("[[rules]\n");
        assert!(found[0].starts_with("policies.toml:1:"), "{found:?}");
    }

    #[test]
    fn plan_counts_keep_every_installment_above_the_smallest() {
        let policies = shipped();
        let plan = policies
            .get("early")
            .and_then(|p| p.plan.as_ref())
            .expect("plan");
        assert_eq!(plan.counts_for(44533), [2, 3, 4]);
        assert_eq!(plan.counts_for(7500), [2, 3]);
        assert!(plan.counts_for(4999).is_empty());
        let fee = policies
            .get("late")
            .and_then(|p| p.card_fee.as_ref())
            .expect("fee");
        assert_eq!(fee.fee_for(&account("late", "", "2026-12-02"), 10_000), 250);
        assert_eq!(
            fee.fee_for(&account("hardship", "", "2026-12-02"), 10_000),
            0,
            "waived for the segment"
        );
    }

    #[test]
    fn a_settlement_offer_ends_with_its_days_or_its_campaign() {
        let mut terms = SettlementTerms {
            basis_points: 6000,
            floor_cents: 5000,
            valid_days: 30,
            expires_on: None,
            payments: vec![1],
        };
        assert_eq!(terms.offer_ends(TODAY), Some(date!(2026 - 12 - 24)));
        terms.expires_on = Some(date!(2026 - 12 - 01));
        assert_eq!(terms.offer_ends(TODAY), Some(date!(2026 - 12 - 01)));
        terms.expires_on = Some(date!(2026 - 11 - 23));
        assert_eq!(terms.offer_ends(TODAY), None, "the campaign is over");
    }
}
