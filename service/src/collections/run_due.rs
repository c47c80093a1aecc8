//! Charging what falls due: every installment due on or before a date is charged to its plan's
//! saved card, at most once, and promises are marked kept or broken.
//!
//! `ivrpay arrangements run-due` runs [`run`] once; `serve` runs it with its upkeep. Any number
//! of runs and instances may overlap: each installment is claimed in the database before it is
//! charged (see [`crate::store::Store::claim_installment`]), and the gateway idempotency key is
//! the installment and its try, so even a run that dies mid-charge never charges twice.
//!
//! A declined installment is tried again `retry_after_days` later, `declined_retries` times;
//! then the plan is broken and its later installments cancelled. An installment debited from
//! a bank account is accepted first and clears days later: each run also follows those
//! ([`super::installment_debits`]), and one that comes back is tried again the same way.

use std::sync::Arc;
use std::time::Duration;

use time::Date;

use super::Policies;
use super::autopay::AutopayAmount;
use super::offers::plan_terms;
use super::policy::has_flag;
use crate::clock::Clock;
use crate::error::AppError;
use crate::line::Line;
use crate::messages::MessagingSettings;
use crate::messages::compose::{Channel, Composer};
use crate::messages::templates::{Kind, Templates};
use crate::payments::{
    ChargeResult, Currency, Gateway, Money, SavedChargeRequest, charge_saved_with_retry,
};
use crate::store::{Account, ClaimedInstallment, InstallmentOutcome, NewMessage, Store};

/// What charging installments needs; the server's state has it all, and
/// `arrangements run-due` builds it without a server.
#[derive(Clone)]
pub struct Collector {
    /// The database.
    pub store: Store,
    /// The gateway holding the plans' cards.
    pub gateway: Arc<dyn Gateway>,
    /// The policies whose retry terms apply.
    pub policies: Arc<Policies>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// How long one gateway request may take.
    pub gateway_timeout: Duration,
    /// The texts of reminders and notices.
    pub templates: Arc<Templates>,
    /// Which messages go out, and when.
    pub messaging: MessagingSettings,
    /// Where installments' outcomes are counted.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// How installments paid from a bank account are followed until they clear.
    pub debits: crate::config::DebitSettings,
    /// The service's public URL, for the pay links reminders and notices carry.
    pub public_url: Arc<str>,
    /// How long those links open.
    pub pay_link_lifetime: Duration,
}

impl Collector {
    /// The server's own.
    pub fn of(app: &Line) -> Collector {
        Collector {
            store: app.store.clone(),
            gateway: app.gateway.clone(),
            policies: app.policies.clone(),
            clock: app.clock.clone(),
            gateway_timeout: app.config.payments.gateway_timeout,
            templates: app.templates.clone(),
            messaging: app.config.messaging.clone(),
            metrics: app.metrics.clone(),
            debits: app.config.payments.debits.clone(),
            public_url: app.public_url.clone(),
            pay_link_lifetime: app.config.pay_link_lifetime,
        }
    }

    /// A new pay link for a reminder or notice (recorded only if the message is queued).
    fn link(&self) -> crate::pay_links::PendingLink {
        crate::pay_links::PendingLink::new(
            &self.public_url,
            self.pay_link_lifetime,
            self.clock.now_ms(),
        )
    }

    fn composer(&self) -> Composer<'_> {
        Composer {
            templates: &self.templates,
            settings: &self.messaging,
        }
    }
}

/// Whether notices may go to this account at all: it chose a channel on a call, and did not ask
/// us to stop contacting it.
fn reachable(account: &Account) -> bool {
    Channel::of(account).is_some() && !has_flag(account, "cease_contact")
}

/// Most installments one run charges; the rest wait for the next run.
const BATCH: i64 = 500;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Installments paid.
    pub paid: u64,
    /// Installments debited from a bank account, accepted and clearing (followed by upkeep).
    pub clearing: u64,
    /// Installments declined, to be tried again.
    pub retrying: u64,
    /// Installments declined for the last time: their plans are broken.
    pub failed: u64,
    /// Installments whose charge got no definite answer (asked again next run).
    pub unknown: u64,
    /// Installments another run or instance held.
    pub skipped: u64,
    /// Promises covered by payments.
    pub promises_kept: u64,
    /// Promises whose date passed without payment.
    pub promises_broken: u64,
    /// Reminders queued.
    pub reminders: u64,
    /// AutoPay due dates given their installment.
    pub autopay_scheduled: u64,
    /// AutoPay installments found paid by the caller meanwhile (nothing charged).
    pub covered: u64,
    /// Installments' bank debits that cleared since, and that failed or came back.
    pub debits: super::installment_debits::Checked,
}

/// How an installment's charge ended, for the caller on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charged {
    /// Paid; the confirmation code.
    Paid(String),
    /// Debited from a bank account and accepted: the balance is lowered, and upkeep follows
    /// the debit until it clears or comes back. The confirmation code.
    Clearing(String),
    /// Declined; the plan carries on (another try is scheduled) unless `broken`.
    Declined {
        /// Whether that was the last try.
        broken: bool,
    },
    /// No definite answer.
    Unknown,
    /// Nothing was due any more (an AutoPay amount paid meanwhile): nothing charged.
    Covered,
}

/// A claim older than this belongs to a run that died: longer than any live charge (two
/// gateway requests).
pub fn claim_stale_after(collector: &Collector) -> Duration {
    (collector.gateway_timeout * 2 + Duration::from_secs(30)).max(Duration::from_secs(60))
}

/// Charges every installment due on or before `as_of`, then settles promises.
///
/// # Errors
/// A database failure (what was charged before it is recorded).
pub async fn run(app: &Collector, as_of: Date) -> Result<Report, AppError> {
    let mut report = Report {
        autopay_scheduled: schedule_autopay(app, as_of).await?,
        ..Report::default()
    };
    let as_of_text = as_of.to_string();
    for (arrangement_id, seq) in app.store.due_installments(&as_of_text, BATCH).await? {
        let now = app.clock.now_ms();
        let stale_before = now - claim_stale_after(app).as_millis() as i64;
        let Some(claimed) = app
            .store
            .claim_installment(arrangement_id, seq, &as_of_text, now, stale_before)
            .await?
        else {
            report.skipped += 1;
            continue;
        };
        match charge(app, &claimed, false, as_of).await? {
            Some(Charged::Paid(_)) => report.paid += 1,
            Some(Charged::Clearing(_)) => report.clearing += 1,
            Some(Charged::Declined { broken: false }) => report.retrying += 1,
            Some(Charged::Declined { broken: true }) => report.failed += 1,
            Some(Charged::Unknown) => report.unknown += 1,
            Some(Charged::Covered) => report.covered += 1,
            None => report.skipped += 1,
        }
    }
    // Before promises are settled: a debit that came back no longer keeps one.
    report.debits = super::installment_debits::check_due(app, as_of).await?;
    let promises = app.store.settle_promises(app.clock.now_ms()).await?;
    report.promises_kept = promises.kept;
    for promise in app.store.promises_past_due(&as_of_text).await? {
        let notice = match app.store.account(&promise.account_number).await? {
            Some(account) if reachable(&account) => Channel::of(&account).and_then(|channel| {
                app.composer().promise(
                    Kind::PromiseBroken,
                    &account,
                    channel,
                    &promise,
                    &promise.id.to_string(),
                    Some(&app.link()),
                )
            }),
            _ => None,
        };
        if app
            .store
            .break_promise(promise.id, &Vec::from_iter(notice), app.clock.now_ms())
            .await?
        {
            report.promises_broken += 1;
        }
    }
    report.reminders = queue_reminders(app, as_of).await?;
    if report == Report::default() {
        return Ok(report);
    }
    tracing::info!(
        as_of = %as_of_text,
        paid = report.paid,
        clearing = report.clearing,
        retrying = report.retrying,
        failed = report.failed,
        unknown = report.unknown,
        skipped = report.skipped,
        promises_kept = report.promises_kept,
        promises_broken = report.promises_broken,
        reminders = report.reminders,
        autopay_scheduled = report.autopay_scheduled,
        covered = report.covered,
        debits_cleared = report.debits.succeeded,
        debits_came_back = report.debits.came_back,
        "arrangements run"
    );
    Ok(report)
}

/// Gives each AutoPay due date from `as_of` to the longest reminder lead ahead its installment,
/// of what is due on the account now (from the first due date the caller heard it starts with).
async fn schedule_autopay(app: &Collector, as_of: Date) -> Result<u64, AppError> {
    let lead = app
        .messaging
        .installment_reminder_days
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let through = as_of.saturating_add(time::Duration::days(i64::from(lead)));
    let mut added = 0;
    for due in app
        .store
        .autopay_due(&as_of.to_string(), &through.to_string())
        .await?
    {
        let cents = autopay_amount(&due.amount, due.balance_cents, due.minimum_due_cents);
        if cents > 0
            && app
                .store
                .add_autopay_installment(
                    due.arrangement_id,
                    &due.due_date,
                    cents,
                    app.clock.now_ms(),
                )
                .await?
        {
            added += 1;
        }
    }
    Ok(added)
}

/// What AutoPay charges of an account as it stands (cents).
fn autopay_amount(rule: &str, balance_cents: i64, minimum_due_cents: i64) -> i64 {
    let rule = AutopayAmount::parse(rule).unwrap_or(AutopayAmount::MinimumDue);
    let balance = balance_cents.max(0);
    match rule {
        AutopayAmount::MinimumDue => minimum_due_cents.clamp(0, balance),
        AutopayAmount::Balance => balance,
    }
}

/// Queues the reminders due by `as_of`: for each lead time, every installment and promise dated
/// within that many days gets one reminder (the key makes a second run queue nothing).
async fn queue_reminders(app: &Collector, as_of: Date) -> Result<u64, AppError> {
    let mut reminders: Vec<NewMessage> = Vec::new();
    let composer = app.composer();
    let day = |days: u32| as_of.saturating_add(time::Duration::days(i64::from(days)));
    for &days in &app.messaging.installment_reminder_days {
        let due = app
            .store
            .installments_due_between(&as_of.to_string(), &day(days).to_string())
            .await?;
        for (plan, installment) in due {
            if let Some(account) = app.store.account(&plan.account_number).await?
                && reachable(&account)
            {
                reminders.extend(composer.installment(
                    Kind::InstallmentReminder,
                    &account,
                    &plan,
                    &installment,
                    &format!("{days}d"),
                    Some(&app.link()),
                ));
            }
        }
    }
    for &days in &app.messaging.promise_reminder_days {
        let due = app
            .store
            .promises_due_between(&as_of.to_string(), &day(days).to_string())
            .await?;
        for promise in due {
            if let Some(account) = app.store.account(&promise.account_number).await?
                && reachable(&account)
                && let Some(channel) = Channel::of(&account)
            {
                reminders.extend(composer.promise(
                    Kind::PromiseReminder,
                    &account,
                    channel,
                    &promise,
                    &format!("{}:{days}d", promise.id),
                    Some(&app.link()),
                ));
            }
        }
    }
    Ok(app
        .store
        .queue_messages(&reminders, app.clock.now_ms())
        .await?)
}

/// The key an installment's try is sent under: the same for every run that sends that try.
pub fn installment_idempotency_key(claimed: &ClaimedInstallment) -> String {
    format!(
        "ivrpay-plan-{}-{}-{}",
        claimed.arrangement_id, claimed.seq, claimed.attempts
    )
}

/// Charges a claimed installment to its plan's card and records the answer (a decline is
/// retried as the policy says, counted from `today`). `None` when the claim was lost meanwhile
/// (another run took it over): that run records the answer.
///
/// # Errors
/// A database failure.
pub async fn charge(
    app: &Collector,
    claimed: &ClaimedInstallment,
    caller_present: bool,
    today: Date,
) -> Result<Option<Charged>, AppError> {
    let mut claimed = claimed.clone();
    if let Some(rule) = &claimed.autopay_amount {
        // What is due now: the caller may have paid some or all of it since it was added.
        let due = match app.store.account(&claimed.account_number).await? {
            Some(account) => autopay_amount(rule, account.balance_cents, account.minimum_due_cents),
            None => 0,
        };
        if due <= 0 {
            let held = app
                .store
                .finish_installment(
                    &claimed,
                    InstallmentOutcome::Covered,
                    &[],
                    app.clock.now_ms(),
                )
                .await?;
            return Ok(held.then_some(Charged::Covered));
        }
        if due < claimed.amount_cents {
            if !app
                .store
                .reduce_claimed_installment(
                    claimed.arrangement_id,
                    claimed.seq,
                    claimed.claim_token,
                    due,
                )
                .await?
            {
                return Ok(None);
            }
            claimed.amount_cents = due;
        }
    }
    let claimed = &claimed;
    let result = match (
        &claimed.card_token,
        Money::from_cents(claimed.amount_cents, Currency::Usd),
    ) {
        (Some(token), Ok(amount)) => {
            let request = SavedChargeRequest {
                amount,
                token,
                caller_present,
                idempotency_key: installment_idempotency_key(claimed),
                description: match claimed.autopay_amount {
                    Some(_) => {
                        format!("AutoPay, account ending {}", last4(&claimed.account_number))
                    }
                    None => format!(
                        "Payment plan installment {}, account ending {}",
                        claimed.seq,
                        last4(&claimed.account_number)
                    ),
                },
            };
            charge_saved_with_retry(app.gateway.as_ref(), &request, app.gateway_timeout).await
        }
        _ => ChargeResult::Declined {
            reason: crate::payments::DeclineReason::ProcessingError,
            reference: None,
        },
    };
    let now = app.clock.now_ms();
    let (outcome, charged, code, retry_on);
    match &result {
        ChargeResult::Approved { reference } => {
            code = crate::calls::payments::confirmation_code();
            outcome = InstallmentOutcome::Paid {
                reference,
                confirmation_code: &code,
            };
            charged = Charged::Paid(code.clone());
        }
        ChargeResult::Declined { reason, .. } => {
            retry_on = retry_after(
                &app.policies,
                &claimed.policy,
                claimed.autopay_amount.is_some(),
                claimed.hardship,
                claimed.attempts,
                today,
            )
            .map(|day| day.to_string());
            outcome = InstallmentOutcome::Declined {
                reason: reason.as_str(),
                retry_on: retry_on.as_deref(),
            };
            charged = Charged::Declined {
                broken: retry_on.is_none(),
            };
        }
        ChargeResult::Unknown { detail } => {
            tracing::error!(
                arrangement = claimed.arrangement_id,
                installment = claimed.seq,
                %detail,
                "installment outcome unknown: asked again under the same key next run"
            );
            outcome = InstallmentOutcome::Unknown;
            charged = Charged::Unknown;
        }
        // A bank debit accepted, not settled: the balance is lowered now (as a single debit's
        // is), and upkeep follows it until it clears or comes back.
        ChargeResult::Pending { reference } => {
            code = crate::calls::payments::confirmation_code();
            let every = i64::try_from(app.debits.check_every.as_millis()).unwrap_or(i64::MAX);
            outcome = InstallmentOutcome::Clearing {
                reference,
                confirmation_code: &code,
                next_check_at: app.clock.now_ms().saturating_add(every),
            };
            charged = Charged::Clearing(code.clone());
        }
    }
    let notice = match &charged {
        Charged::Declined { .. } => {
            failure_notice(
                app,
                claimed.arrangement_id,
                claimed.seq,
                &claimed.account_number,
                claimed.attempts,
            )
            .await?
        }
        // A caller on the line chooses their receipt on the call.
        Charged::Paid(code) if !caller_present => {
            installment_receipt(
                app,
                claimed.arrangement_id,
                claimed.seq,
                claimed.amount_cents,
                code,
                today,
            )
            .await?
        }
        _ => Vec::new(),
    };
    let held = app
        .store
        .finish_installment(claimed, outcome, &notice, now)
        .await?;
    if held {
        app.metrics.installment_payment(&result);
    }
    tracing::info!(
        arrangement = claimed.arrangement_id,
        installment = claimed.seq,
        amount_cents = claimed.amount_cents,
        result = ?charged_kind(&charged),
        "installment charged"
    );
    Ok(held.then_some(charged))
}

/// The receipt of installment `seq` of `arrangement_id` paid (`amount_cents`, confirmation
/// `code`), for an account that chose a channel.
pub(crate) async fn installment_receipt(
    app: &Collector,
    arrangement_id: i64,
    seq: i64,
    amount_cents: i64,
    code: &str,
    today: Date,
) -> Result<Vec<NewMessage>, AppError> {
    let Some(plan) = app.store.arrangement(arrangement_id).await? else {
        return Ok(Vec::new());
    };
    let Some(account) = app.store.account(&plan.account_number).await? else {
        return Ok(Vec::new());
    };
    let Some(channel) = Channel::standing(&account) else {
        return Ok(Vec::new());
    };
    // A plan without a kept method cannot be charged; named as an unknown card, as before.
    let method = plan.summary().unwrap_or(crate::payments::MethodSummary {
        kind: crate::payments::MethodKind::Card,
        label: String::new(),
        last4: String::new(),
    });
    let receipt = crate::messages::compose::Receipt {
        amount_cents,
        fee_cents: 0,
        method: &method,
        confirmation: code,
        date: today,
    };
    let key = format!("installment:{arrangement_id}:{seq}");
    Ok(Vec::from_iter(
        app.composer().receipt(&account, channel, &receipt, &key),
    ))
}

/// The notice that installment `seq` of `arrangement_id` was declined (or its debit came
/// back) after `attempts` earlier tries, for an account that chose a channel.
pub(crate) async fn failure_notice(
    app: &Collector,
    arrangement_id: i64,
    seq: i64,
    account_number: &str,
    attempts: i64,
) -> Result<Vec<NewMessage>, AppError> {
    let (Some(account), Some(plan)) = (
        app.store.account(account_number).await?,
        app.store.arrangement(arrangement_id).await?,
    ) else {
        return Ok(Vec::new());
    };
    let Some(installment) = plan.installments.iter().find(|i| i.seq == seq) else {
        return Ok(Vec::new());
    };
    if !reachable(&account) {
        return Ok(Vec::new());
    }
    Ok(Vec::from_iter(app.composer().installment(
        Kind::InstallmentFailed,
        &account,
        &plan,
        installment,
        &format!("try{}", attempts + 1),
        Some(&app.link()),
    )))
}

fn charged_kind(charged: &Charged) -> &'static str {
    match charged {
        Charged::Paid(_) => "paid",
        Charged::Clearing(_) => "accepted from a bank account, clearing",
        Charged::Declined { broken: false } => "declined, will retry",
        Charged::Declined { broken: true } => "declined, plan broken",
        Charged::Unknown => "unknown",
        Charged::Covered => "covered, nothing charged",
    }
}

/// The day a declined (or returned) installment is tried again, as its policy's terms say
/// (AutoPay's, a hardship plan's or a plan's), counted from `today`; `None` when that was its
/// last try.
pub(crate) fn retry_after(
    policies: &Policies,
    policy: &str,
    autopay: bool,
    hardship: bool,
    attempts: i64,
    today: Date,
) -> Option<Date> {
    let policy = policies.get(policy);
    let (retries, after) = match (autopay, policy) {
        (true, Some(policy)) => policy
            .autopay
            .map_or((0, 3), |t| (t.declined_retries, t.retry_after_days)),
        (true, None) => (0, 3),
        (false, _) => policy
            .and_then(|policy| plan_terms(policy, hardship))
            .map_or((0, 3), |t| (t.declined_retries, t.retry_after_days)),
    };
    let (retries, after) = (i64::from(retries), i64::from(after).max(1));
    (attempts < retries).then(|| today.saturating_add(time::Duration::days(after)))
}

fn last4(number: &str) -> &str {
    number
        .get(number.len().saturating_sub(4)..)
        .unwrap_or(number)
}
