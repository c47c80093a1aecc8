//! Background upkeep every instance runs, safe with any number of instances at once:
//!
//! - **reconciling payments** sent to the gateway whose answer was never recorded (the instance
//!   died while the gateway answered), was no definite answer, or was accepted and not yet
//!   settled (`pending`, e.g. a bank debit still clearing): the same charge is sent again
//!   under the same idempotency key, so the gateway replays its first answer and never charges
//!   twice; the result is recorded (an approval lowers the balance and makes an ended call's
//!   outcome `paid`). What stays unknown when the sealed card must be wiped is flagged for a
//!   person (`GET /api/payments/unsettled`);
//! - **following bank debits** after their call ([`crate::calls::debits::check_due`]): the
//!   gateway is asked how each stands until it settles, and then until a return can no longer
//!   come in; a debit that failed or came back opens the balance again and tells the holder;
//! - **recording call ends kept while the database was away** ([`crate::calls::pending_ends`]),
//!   first, so those calls close with the time their provider reported;
//! - **closing calls that went silent**: no webhook for [`UpkeepSettings::idle_call_after`] and
//!   no end reported (a lost status callback) means the call is over;
//! - **wiping card data** of calls whose sealed values have expired;
//! - **charging what falls due**: payment plans' installments due today, and promises to pay kept
//!   or broken ([`crate::collections::run_due`], each installment at most once);
//! - **forgetting stale sign-ins**: console sessions once they expire, and failed sign-ins once
//!   they are older than the throttle's window;
//! - **scrubbing, once, free text stored before it was scrubbed as written** (agents' notes,
//!   caller IDs), in batches, so a line upgraded from an older version keeps no card number there;
//! - **purging step logs** of calls that ended more than
//!   [`UpkeepSettings::step_logs_kept_for`] ago (data minimisation): each step and the keys
//!   pressed, the flow cursor and the last reply go; the call's summary and every aggregate stay.
//!
//! Each pass is [`run_once`]; [`run_until`] repeats it until shutdown. Tests call `run_once`
//! with a clock they move by hand.
//!
//! [`UpkeepSettings::idle_call_after`]: crate::config::UpkeepSettings::idle_call_after
//! [`UpkeepSettings::step_logs_kept_for`]: crate::config::UpkeepSettings::step_logs_kept_for

use std::time::Duration;

use crate::calls::payments as call_payments;
use crate::error::AppError;
use crate::line::Line;
use crate::payments::{ChargeRequest, Currency, Money, charge_with_retry};
use crate::store::{CallKey, UnsettledPayment};

/// Most payments and calls one pass handles; the rest wait for the next pass.
const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Unsettled payments whose gateway answer was learned and recorded.
    pub payments_settled: u64,
    /// Unsettled payments handed to a person.
    pub payments_flagged: u64,
    /// Bank debits that settled, and that failed or came back (the balance raised again).
    pub debits: crate::calls::debits::Checked,
    /// Call ends kept while the database was away, now recorded.
    pub call_ends_recorded: u64,
    /// Silent calls closed.
    pub calls_closed: u64,
    /// Calls whose expired sealed values were wiped.
    pub sealed_wiped: u64,
    /// Installments charged and promises settled.
    pub arrangements: crate::collections::run_due::Report,
    /// Ended calls whose step logs were purged.
    pub step_logs_purged: u64,
    /// Expired console sessions deleted.
    pub sessions_deleted: u64,
    /// Failed sign-ins deleted, too old to count.
    pub sign_in_failures_deleted: u64,
    /// Notes and caller IDs stored before free text was scrubbed, now scrubbed.
    pub texts_rescrubbed: u64,
}

/// How long a payment must have been left alone before the reconciler touches it: longer than
/// any live delivery spends on it (two gateway requests, then the claim going stale).
fn reconcile_after(app: &Line) -> Duration {
    let live = app.config.payments.gateway_timeout * 2 + crate::calls::CLAIM_STALE;
    live.max(Duration::from_secs(30))
}

/// One pass of every upkeep job.
///
/// # Errors
/// A database failure (the next pass tries again).
pub async fn run_once(app: &Line) -> Result<Report, AppError> {
    let mut report = Report {
        call_ends_recorded: crate::calls::pending_ends::record(app).await?,
        ..Report::default()
    };
    let now = app.clock.now_ms();
    let quiet_since = now - reconcile_after(app).as_millis() as i64;
    for payment in app
        .store
        .lease_unsettled_payments(quiet_since, now, BATCH)
        .await?
    {
        match reconcile(app, &payment).await? {
            Reconciled::Settled => report.payments_settled += 1,
            Reconciled::Flagged => report.payments_flagged += 1,
            Reconciled::Unsettled => {}
        }
    }
    report.debits = crate::calls::debits::check_due(app).await?;
    let idle_before = now - app.config.upkeep.idle_call_after.as_millis() as i64;
    let end = crate::calls::ending(app);
    for (provider, sid) in app.store.idle_calls(idle_before, BATCH).await? {
        let call = crate::store::CallKey {
            provider: &provider,
            sid: &sid,
        };
        let ended = app
            .store
            .end_call(call, |ending| {
                crate::reports::record::summarize(ending, &end)
            })
            .await?;
        if ended == Some(true) {
            report.calls_closed += 1;
        }
    }
    report.sealed_wiped = app.store.wipe_expired_sealed(now).await?;
    if let Some(kept_for) = app.config.upkeep.step_logs_kept_for {
        let ended_before =
            now.saturating_sub(i64::try_from(kept_for.as_millis()).unwrap_or(i64::MAX));
        report.step_logs_purged = app.store.purge_step_logs(ended_before, now, BATCH).await?;
    }
    let failures_before = now - crate::agents::SIGN_IN_LIMITS.window.as_millis() as i64;
    (report.sessions_deleted, report.sign_in_failures_deleted) = app
        .store
        .delete_stale_sign_ins(now, failures_before, BATCH)
        .await?;
    report.texts_rescrubbed = app.store.rescrub(BATCH, now).await?;
    report.arrangements = crate::collections::run_due::run(
        &crate::collections::run_due::Collector::of(app),
        // Installments fall due on the line's day, not UTC's: at 19:01 in New York tomorrow's
        // are not due yet.
        app.today(),
    )
    .await?;
    Ok(report)
}

/// Runs [`run_once`] every `interval` until `shutdown` completes.
pub async fn run_until(app: Line, interval: Duration, shutdown: impl Future<Output = ()> + Send) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {}
        }
        match run_once(&app).await {
            Ok(report) if report == Report::default() => {}
            Ok(report) => tracing::info!(
                payments_settled = report.payments_settled,
                payments_flagged = report.payments_flagged,
                debits_succeeded = report.debits.succeeded,
                debits_came_back = report.debits.came_back,
                call_ends_recorded = report.call_ends_recorded,
                calls_closed = report.calls_closed,
                sealed_wiped = report.sealed_wiped,
                step_logs_purged = report.step_logs_purged,
                texts_rescrubbed = report.texts_rescrubbed,
                "upkeep"
            ),
            Err(err) => tracing::warn!(error = %err, "upkeep pass failed; trying again later"),
        }
    }
}

enum Reconciled {
    Settled,
    Flagged,
    Unsettled,
}

async fn reconcile(app: &Line, payment: &UnsettledPayment) -> Result<Reconciled, AppError> {
    let now = app.clock.now_ms();
    let call_sid = payment.call_sid.as_str();
    let call = CallKey {
        provider: &payment.provider,
        sid: call_sid,
    };
    let fields = match (&payment.sealed_card, payment.sealed_until) {
        (Some(sealed), Some(until)) if until > now => {
            let binding = call_payments::payment_binding(call_sid, payment.attempt);
            crate::calls::open_secrets(app, &binding, sealed).ok()
        }
        _ => None,
    };
    // A pay link page's payment made with the gateway's browser form waits with its token.
    let token = fields
        .as_ref()
        .and_then(|fields| fields.0.get(crate::pay_links::choices::GATEWAY_TOKEN))
        .map(|token| token.to_string());
    let method = fields.as_ref().and_then(|fields| {
        call_payments::parse_method(app, fields, payment.method, &payment.method_label)
    });
    drop(fields);
    let account = app.store.account(&payment.account_number).await?;
    let money = Money::from_cents(payment.charged_cents, Currency::Usd).ok();
    if let (Some(token), Some(account), Some(money)) = (&token, &account, money) {
        let request = crate::payments::SavedChargeRequest {
            amount: money,
            token,
            // As it was first sent: the gateway compares what is sent again under one key.
            caller_present: true,
            idempotency_key: payment.idempotency_key.clone(),
            description: call_payments::payment_description_for(&payment.provider, account),
        };
        let result = crate::payments::charge_saved_with_retry(
            app.gateway.as_ref(),
            &request,
            app.config.payments.gateway_timeout,
        )
        .await;
        return record_reconciled(
            app,
            payment,
            call,
            crate::payments::MethodKind::Card,
            &result,
        )
        .await;
    }
    let (Some(method), Some(account), Some(money)) = (method, account, money) else {
        // Nothing left to ask the gateway with: a person settles it from the gateway's records.
        app.store
            .flag_payment_for_attention(call, payment.attempt, now)
            .await?;
        app.store
            .set_outcome_of_ended_call(call, "payment_unknown", now)
            .await?;
        tracing::error!(
            call_sid,
            attempt = payment.attempt,
            "payment outcome could not be learned: flagged for a person"
        );
        return Ok(Reconciled::Flagged);
    };
    let request = ChargeRequest {
        amount: money,
        method: &method,
        idempotency_key: payment.idempotency_key.clone(),
        description: call_payments::payment_description_for(&payment.provider, &account),
    };
    let result = charge_with_retry(
        app.gateway.as_ref(),
        &request,
        app.config.payments.gateway_timeout,
    )
    .await;
    drop(request);
    let kind = method.kind();
    drop(method);
    record_reconciled(app, payment, call, kind, &result).await
}

/// Records what the gateway answered a payment asked again, and whether it is settled now.
///
/// # Errors
/// A database failure.
async fn record_reconciled(
    app: &Line,
    payment: &UnsettledPayment,
    call: CallKey<'_>,
    kind: crate::payments::MethodKind,
    result: &crate::payments::ChargeResult,
) -> Result<Reconciled, AppError> {
    let call_sid = payment.call_sid.as_str();
    let recorded =
        call_payments::record_charge_result(app, call, payment.attempt, kind, result).await?;
    let (outcome, answer) = match recorded {
        call_payments::Recorded::Approved { .. } => (Some("paid"), "approved"),
        call_payments::Recorded::Pending { .. } => (None, "pending"),
        call_payments::Recorded::Declined(_) => (None, "declined"),
        call_payments::Recorded::Unknown => (None, "unknown"),
    };
    if let Some(outcome) = outcome {
        app.store
            .set_outcome_of_ended_call(call, outcome, app.clock.now_ms())
            .await?;
    }
    tracing::info!(
        call_sid,
        attempt = payment.attempt,
        result = answer,
        "reconciled a payment"
    );
    Ok(match recorded {
        // Accepted and still clearing, or no answer: asked again on a later pass.
        call_payments::Recorded::Pending { .. } | call_payments::Recorded::Unknown => {
            Reconciled::Unsettled
        }
        _ => Reconciled::Settled,
    })
}
