//! Payments made on the calls (tries, approvals, the amount, declines by reason, how long callers
//! took to pay) and the arrangements made on them. Payments are read as they stand now, so one
//! the reconciler settled after the caller left counts as it was settled.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{ReportError, Rows, Scope};

/// Joins a call's payments.
const PAYMENTS_OF_CALL: &str =
    "JOIN payments p ON p.provider = c.provider AND p.call_sid = c.call_sid";

/// Installments of plans made on a call that were paid before the call ended: a plan's first
/// payment, charged while the caller listens.
const PLAN_PAID_ON_CALL: &str = "JOIN arrangements a ON a.provider = c.provider AND a.call_sid = c.call_sid \
     JOIN installments i ON i.arrangement_id = a.id AND i.status = 'paid' \
     AND i.paid_at <= COALESCE(c.ended_at, i.paid_at)";

/// The kinds of arrangement (`arrangements.kind`); every row lists them all, zeros included.
pub const ARRANGEMENT_KINDS: [&str; 3] = ["settlement", "plan", "promise"];

/// Card payments of a row's calls. Money is integer cents.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PaymentCounts {
    /// Payments tried (each card confirmed is one).
    pub attempts: i64,
    /// Approved by the gateway.
    pub approved: i64,
    /// What the approved payments paid (not counting convenience fees), in cents.
    pub approved_cents: i64,
    /// Refused by the gateway.
    pub declined: i64,
    /// The declined ones by the gateway's reason.
    pub declined_by_reason: BTreeMap<String, i64>,
    /// Neither yet: being charged, or without a definite answer (a person checks those).
    pub unsettled: i64,
    /// `approved / (approved + declined)`.
    pub approval_rate: Option<f64>,
    /// Calls with an approved payment.
    pub paying_calls: i64,
    /// From the start of the call to its first approved payment, on average, in whole seconds
    /// (counted with the calls, from `calls.paid_at`).
    pub average_seconds_to_pay: Option<i64>,
}

/// Fills in every row's [`PaymentCounts`] and arrangements.
///
/// # Errors
/// A database failure.
pub(crate) async fn count(
    pool: &AnyPool,
    scope: &Scope,
    rows: &mut Rows,
) -> Result<(), ReportError> {
    let payments = scope
        .fetch(
            pool,
            "p.status AS status, p.decline_reason AS reason, COUNT(*) AS payments, \
             CAST(SUM(p.amount_cents) AS BIGINT) AS cents",
            PAYMENTS_OF_CALL,
            ", p.status, p.decline_reason",
        )
        .await?;
    for row in payments {
        let counts = &mut rows.get(row.try_get("row_key")?).payments;
        let payments: i64 = row.try_get("payments")?;
        counts.attempts += payments;
        match row.try_get::<String, _>("status")?.as_str() {
            // A bank debit accepted on the call counts as paid there, whatever became of it
            // later (the dashboard's bank returns show that).
            "approved" | "clearing" | "returned" => {
                counts.approved += payments;
                counts.approved_cents += row.try_get::<i64, _>("cents")?;
            }
            "declined" | "failed" => {
                counts.declined += payments;
                let reason: Option<String> = row.try_get("reason")?;
                *counts
                    .declined_by_reason
                    .entry(reason.unwrap_or_else(|| "unknown".to_owned()))
                    .or_default() += payments;
            }
            _ => counts.unsettled += payments,
        }
    }
    // A plan whose first installment is charged while the caller listens records that charge
    // as the installment, not as a payment: count it as an approved payment of the call. An
    // installment paid after the call ended (by run-due) was not paid on the call.
    let first_installments = scope
        .fetch(
            pool,
            "COUNT(*) AS payments, CAST(SUM(i.amount_cents) AS BIGINT) AS cents",
            PLAN_PAID_ON_CALL,
            "",
        )
        .await?;
    for row in first_installments {
        let counts = &mut rows.get(row.try_get("row_key")?).payments;
        let payments: i64 = row.try_get("payments")?;
        counts.attempts += payments;
        counts.approved += payments;
        counts.approved_cents += row.try_get::<Option<i64>, _>("cents")?.unwrap_or(0);
    }
    // Time to pay: per call, its first approved payment; then per row, the sum and the count.
    for row in &mut rows.rows {
        let counts = &mut row.payments;
        counts.approval_rate = super::ratio(counts.approved, counts.approved + counts.declined);
    }
    let made = scope
        .fetch(
            pool,
            "a.kind AS kind, COUNT(*) AS made",
            "JOIN arrangements a ON a.provider = c.provider AND a.call_sid = c.call_sid \
             AND a.status <> 'declined'",
            ", a.kind",
        )
        .await?;
    for row in made {
        let made: i64 = row.try_get("made")?;
        rows.get(row.try_get("row_key")?)
            .arrangements
            .insert(row.try_get("kind")?, made);
    }
    for row in &mut rows.rows {
        for kind in ARRANGEMENT_KINDS {
            row.arrangements.entry(kind.to_owned()).or_default();
        }
    }
    Ok(())
}
