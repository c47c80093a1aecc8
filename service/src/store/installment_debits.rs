//! Installments paid from a bank account (AutoPay or a plan by bank), after their debit is
//! accepted: `clearing` until the gateway says the money arrived (`paid`) or did not.
//!
//! As with a single debit (`debits.rs`), the balance is lowered when the debit is accepted
//! ([`super::Store::finish_installment`] with a clearing outcome), upkeep leases the
//! installments due a look ([`Store::lease_installment_debits`]) so two instances never ask
//! about one at once, and what the gateway says is recorded once
//! ([`Store::settle_installment_debit`]): a debit that failed, or came back after it was paid,
//! raises the balance again, in the same transaction as the notice, and its installment is
//! tried again as the policy says, or given up (a plan broken, AutoPay on to its next due date).

use sqlx::Row;

use super::arrangements::break_plan;
use super::{NewMessage, Store, StoreError};
use crate::payments::ReturnCode;

/// An installment's bank debit due a look at its gateway (or named by the gateway's event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallmentDebit {
    /// Its arrangement.
    pub arrangement_id: i64,
    /// Its place in the arrangement.
    pub seq: i64,
    /// The gateway's id of the debit.
    pub reference: String,
    /// The confirmation code the debit was given when accepted (its receipt names it).
    pub confirmation_code: String,
    /// `clearing`, or `paid` (watched for a return).
    pub status: String,
    /// Until when a return is watched for (UTC ms; 0 before it is paid).
    pub checks_until: i64,
    /// The account.
    pub account_number: String,
    /// The debit's amount (cents).
    pub amount_cents: i64,
    /// Declined tries before this one.
    pub attempts: i64,
    /// The policy whose retry terms apply.
    pub policy: String,
    /// Whether the plan was made after the caller said paying is hard.
    pub hardship: bool,
    /// Whether it is AutoPay's (else a plan's or a settlement's).
    pub autopay: bool,
}

/// How an installment's debit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallmentDebitEnd<'a> {
    /// The money arrived; a return is watched for until `checks_until` (UTC ms).
    Succeeded {
        /// The end of the return window.
        checks_until: i64,
    },
    /// It failed before it settled, or came back after: tried again on `retry_on`
    /// (`YYYY-MM-DD`), or, when `None`, given up.
    CameBack {
        /// The NACHA return code.
        code: ReturnCode,
        /// The day of the next try.
        retry_on: Option<&'a str>,
    },
}

const DEBIT_COLUMNS: &str = "i.arrangement_id, i.seq, i.gateway_reference, \
    i.confirmation_code, i.status, \
    i.checks_until, i.amount_cents, i.attempts, a.account_number, a.policy, a.hardship_reason, \
    a.kind";

fn debit_from_row(row: &sqlx::any::AnyRow) -> Result<Option<InstallmentDebit>, StoreError> {
    let Some(reference) = row.try_get::<Option<String>, _>("gateway_reference")? else {
        return Ok(None);
    };
    Ok(Some(InstallmentDebit {
        arrangement_id: row.try_get("arrangement_id")?,
        seq: row.try_get("seq")?,
        reference,
        confirmation_code: row
            .try_get::<Option<String>, _>("confirmation_code")?
            .unwrap_or_default(),
        status: row.try_get("status")?,
        checks_until: row.try_get::<Option<i64>, _>("checks_until")?.unwrap_or(0),
        account_number: row.try_get("account_number")?,
        amount_cents: row.try_get("amount_cents")?,
        attempts: row.try_get("attempts")?,
        policy: row.try_get("policy")?,
        hardship: row
            .try_get::<Option<String>, _>("hardship_reason")?
            .is_some(),
        autopay: row.try_get::<String, _>("kind")? == "autopay",
    }))
}

impl Store {
    /// Installment debits whose next look at the gateway is due, each leased to this caller
    /// until `lease_until` by one conditional update.
    ///
    /// # Errors
    /// A database failure.
    pub async fn lease_installment_debits(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<InstallmentDebit>, StoreError> {
        let candidates = sqlx::query(
            "SELECT arrangement_id, seq, next_check_at FROM installments \
             WHERE next_check_at IS NOT NULL AND next_check_at <= $1 \
             ORDER BY next_check_at LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::new();
        for candidate in candidates {
            let arrangement_id: i64 = candidate.try_get("arrangement_id")?;
            let seq: i64 = candidate.try_get("seq")?;
            let due: i64 = candidate.try_get("next_check_at")?;
            let taken = sqlx::query(
                "UPDATE installments SET next_check_at = $4 \
                 WHERE arrangement_id = $1 AND seq = $2 AND next_check_at = $3",
            )
            .bind(arrangement_id)
            .bind(seq)
            .bind(due)
            .bind(lease_until)
            .execute(self.writer())
            .await?;
            if taken.rows_affected() != 1 {
                continue;
            }
            if let Some(debit) = self.installment_debit(arrangement_id, seq).await? {
                leased.push(debit);
            }
        }
        Ok(leased)
    }

    /// The installment debit the gateway knows as `reference`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn installment_debit_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<InstallmentDebit>, StoreError> {
        let sql = format!(
            "SELECT {DEBIT_COLUMNS} FROM installments i \
             JOIN arrangements a ON a.id = i.arrangement_id \
             WHERE i.gateway_reference = $1 AND i.status IN ('clearing', 'paid')"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(reference)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => debit_from_row(&row),
            None => Ok(None),
        }
    }

    async fn installment_debit(
        &self,
        arrangement_id: i64,
        seq: i64,
    ) -> Result<Option<InstallmentDebit>, StoreError> {
        let sql = format!(
            "SELECT {DEBIT_COLUMNS} FROM installments i \
             JOIN arrangements a ON a.id = i.arrangement_id \
             WHERE i.arrangement_id = $1 AND i.seq = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(arrangement_id)
            .bind(seq)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => debit_from_row(&row),
            None => Ok(None),
        }
    }

    /// Records how an installment's debit ended, if it is still as `debit` says (`clearing`, or
    /// `paid` for a return), with `notices` (its receipt, or the notice it came back): see the
    /// module docs. The next look is at `next_check_at` (`None`: no
    /// more). Returns whether this call recorded it (another instance may have first).
    ///
    /// # Errors
    /// A database failure; nothing is changed then.
    pub async fn settle_installment_debit(
        &self,
        debit: &InstallmentDebit,
        end: InstallmentDebitEnd<'_>,
        notices: &[NewMessage],
        next_check_at: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let updated = match end {
            InstallmentDebitEnd::Succeeded { checks_until } => {
                sqlx::query(
                    "UPDATE installments SET status = 'paid', paid_at = $4, \
                     next_check_at = $5, checks_until = $6, updated_at = $4 \
                     WHERE arrangement_id = $1 AND seq = $2 AND status = $3",
                )
                .bind(debit.arrangement_id)
                .bind(debit.seq)
                .bind(&debit.status)
                .bind(now_ms)
                .bind(next_check_at)
                .bind(checks_until)
                .execute(&mut *tx)
                .await?
            }
            InstallmentDebitEnd::CameBack { code, retry_on } => {
                let status = match (retry_on, debit.status.as_str()) {
                    (Some(_), _) => "retrying",
                    (None, "paid") => "returned",
                    (None, _) => "failed",
                };
                sqlx::query(
                    "UPDATE installments SET status = $4, attempts = attempts + 1, \
                     next_attempt_on = COALESCE($5, next_attempt_on), \
                     decline_reason = 'bank_return', return_code = $6, next_check_at = NULL, \
                     updated_at = $7 \
                     WHERE arrangement_id = $1 AND seq = $2 AND status = $3",
                )
                .bind(debit.arrangement_id)
                .bind(debit.seq)
                .bind(&debit.status)
                .bind(status)
                .bind(retry_on)
                .bind(code.as_str())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
            }
        };
        if updated.rows_affected() != 1 {
            tx.commit().await?;
            return Ok(false);
        }
        match end {
            InstallmentDebitEnd::Succeeded { .. } => {
                super::arrangements::complete_if_paid(
                    &mut tx,
                    debit.arrangement_id,
                    &debit.account_number,
                    now_ms,
                )
                .await?;
            }
            InstallmentDebitEnd::CameBack { retry_on, .. } => {
                // The money never arrived (or went back): owed again, and due again.
                sqlx::query(
                    "UPDATE accounts SET balance_cents = balance_cents + $2, \
                     minimum_due_cents = minimum_due_cents + $2, updated_at = $3 \
                     WHERE account_number = $1",
                )
                .bind(&debit.account_number)
                .bind(debit.amount_cents)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                if retry_on.is_some() {
                    // A plan paid off by the debit that came back runs again for its retry.
                    sqlx::query(
                        "UPDATE arrangements SET status = 'active', updated_at = $2 \
                         WHERE id = $1 AND status = 'completed'",
                    )
                    .bind(debit.arrangement_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    break_plan(&mut tx, debit.arrangement_id, now_ms).await?;
                }
            }
        }
        for notice in notices {
            super::messages::insert_message(&mut tx, notice, now_ms).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Pushes an installment debit's next look to `next_check_at`, or stops looking (`None`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn next_installment_check(
        &self,
        arrangement_id: i64,
        seq: i64,
        next_check_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE installments SET next_check_at = $3 WHERE arrangement_id = $1 AND seq = $2",
        )
        .bind(arrangement_id)
        .bind(seq)
        .bind(next_check_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
