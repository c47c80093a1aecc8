//! Following installments paid from a bank account (AutoPay or a plan by bank) after their
//! debit is accepted, until the money arrives or comes back.
//!
//! Upkeep asks the gateway about each one due a look ([`check_due`]); a gateway that pushes
//! events (Stripe's signed webhooks) is heard through [`apply_status`] too, and whichever comes
//! first records the change once (`store/installment_debits.rs`). A debit that cleared gets the
//! installment's receipt; one that failed or came back raises the balance again, is tried
//! again as the policy's terms say (or given up: a plan broken, AutoPay on to its next due
//! date), and the account holder is told.

use time::Date;

use super::run_due::{Collector, failure_notice, installment_receipt, retry_after};
use crate::error::AppError;
use crate::payments::DebitStatus;
use crate::store::{InstallmentDebit, InstallmentDebitEnd};

/// Most installment debits one pass looks at; the rest wait for the next.
const BATCH: i64 = 200;

/// What one pass of [`check_due`] learned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checked {
    /// Installment debits that cleared.
    pub succeeded: u64,
    /// Installment debits that failed or came back.
    pub came_back: u64,
}

/// How an installment debit moved on, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// It cleared: paid.
    Succeeded,
    /// It failed or came back: owed again.
    CameBack,
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Asks the gateway about every installment debit due a look. Safe with any number of
/// instances: each is leased to one, and each change is recorded once.
///
/// # Errors
/// A database failure (the next pass tries again).
pub async fn check_due(app: &Collector, today: Date) -> Result<Checked, AppError> {
    let mut checked = Checked::default();
    let now = app.clock.now_ms();
    let every = millis(app.debits.check_every).max(1);
    for debit in app
        .store
        .lease_installment_debits(now, now.saturating_add(every), BATCH)
        .await?
    {
        let asked = tokio::time::timeout(
            app.gateway_timeout,
            app.gateway.debit_status(&debit.reference),
        )
        .await;
        let status = match asked {
            Ok(Ok(status)) => status,
            Ok(Err(err)) => {
                tracing::warn!(arrangement = debit.arrangement_id, installment = debit.seq, error = %err, "could not learn how an installment's bank debit stands; asking again later");
                continue;
            }
            Err(_elapsed) => {
                tracing::warn!(
                    arrangement = debit.arrangement_id,
                    installment = debit.seq,
                    "the gateway did not say how an installment's bank debit stands in time; asking again later"
                );
                continue;
            }
        };
        match apply_status(app, &debit, status, today).await? {
            Some(Moved::Succeeded) => checked.succeeded += 1,
            Some(Moved::CameBack) => checked.came_back += 1,
            None => {}
        }
    }
    Ok(checked)
}

/// Records what the gateway says of an installment's debit (asked by upkeep, or told by an
/// event), once. A paid debit is watched for a return until the return window closes. What
/// changed, if anything.
///
/// # Errors
/// A database failure.
pub async fn apply_status(
    app: &Collector,
    debit: &InstallmentDebit,
    status: DebitStatus,
    today: Date,
) -> Result<Option<Moved>, AppError> {
    let now = app.clock.now_ms();
    let next_look = now.saturating_add(millis(app.debits.check_every).max(1));
    let came_back = match (status, debit.status.as_str()) {
        (DebitStatus::Clearing, _) | (DebitStatus::Succeeded, "paid") => {
            // Nothing new; the lease set the next look, unless the return window has closed.
            if debit.status == "paid" && next_look >= debit.checks_until {
                app.store
                    .next_installment_check(debit.arrangement_id, debit.seq, None)
                    .await?;
            }
            return Ok(None);
        }
        (DebitStatus::Succeeded, _) => None,
        (DebitStatus::Failed(code) | DebitStatus::Returned(code), _) => Some(code),
    };
    let retry_on = came_back.and_then(|_| {
        retry_after(
            &app.policies,
            &debit.policy,
            debit.autopay,
            debit.hardship,
            debit.attempts,
            today,
        )
        .map(|day| day.to_string())
    });
    // The receipt or the notice goes out in the same transaction as the change it tells of.
    let (end, notices, next_check_at) = match came_back {
        None => {
            let receipt = installment_receipt(
                app,
                debit.arrangement_id,
                debit.seq,
                debit.amount_cents,
                &debit.confirmation_code,
                today,
            )
            .await?;
            let checks_until = now.saturating_add(millis(app.debits.return_window));
            (
                InstallmentDebitEnd::Succeeded { checks_until },
                receipt,
                Some(next_look),
            )
        }
        Some(code) => {
            let notice = failure_notice(
                app,
                debit.arrangement_id,
                debit.seq,
                &debit.account_number,
                debit.attempts,
            )
            .await?;
            let end = InstallmentDebitEnd::CameBack {
                code,
                retry_on: retry_on.as_deref(),
            };
            (end, notice, None)
        }
    };
    let recorded = app
        .store
        .settle_installment_debit(debit, end, &notices, next_check_at, now)
        .await?;
    if !recorded {
        return Ok(None);
    }
    tracing::info!(
        arrangement = debit.arrangement_id,
        installment = debit.seq,
        amount_cents = debit.amount_cents,
        result = if came_back.is_some() {
            "came back"
        } else {
            "cleared"
        },
        return_code = came_back.map_or("", |code| code.as_str()),
        retry_on = retry_on.as_deref().unwrap_or(""),
        "installment bank debit"
    );
    Ok(Some(if came_back.is_some() {
        Moved::CameBack
    } else {
        Moved::Succeeded
    }))
}
