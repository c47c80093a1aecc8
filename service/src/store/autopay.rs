//! AutoPay's rows: the enrolment (an arrangement of kind `autopay`) and the installment each due
//! date gets, added by the run-due collector ahead of the date. Charging them is the
//! installments' own claim-and-finish (`arrangements.rs`), so two runs or two instances charge a
//! due date once.

use sqlx::Row;

use super::arrangements::insert_arrangement;
use super::{ArrangementRecord, NewArrangement, NewMessage, Store, StoreError};

/// An AutoPay due date to add an installment for, as [`Store::autopay_due`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutopayDue {
    /// The enrolment.
    pub arrangement_id: i64,
    /// The account.
    pub account_number: String,
    /// `minimum_due` or `balance`.
    pub amount: String,
    /// The account's due date (`YYYY-MM-DD`).
    pub due_date: String,
    /// The account's balance now (cents).
    pub balance_cents: i64,
    /// The account's minimum due now (cents).
    pub minimum_due_cents: i64,
}

impl Store {
    /// Turns AutoPay on: records the enrolment (once per call attempt: a retried delivery finds
    /// it) with which amount it charges from which due date and, from a bank account, the
    /// evidence of its authorisation (`(recording id, evidence)`), stops an earlier enrolment of
    /// the account (one method pays at a time), and queues `messages` (the written copy), all in
    /// one transaction. The written copy's channel becomes the account's for messages when it
    /// has none, so the reminder the authorisation promises before each payment reaches it.
    ///
    /// # Errors
    /// A database failure; nothing is written then.
    pub async fn enroll_autopay(
        &self,
        new: &NewArrangement<'_>,
        amount: &str,
        starts_on: &str,
        evidence: Option<(Option<&str>, &str)>,
        messages: &[NewMessage],
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let (id, inserted) = insert_arrangement(&mut tx, new).await?;
        if inserted {
            stop_in(&mut tx, new.account_number, Some(id), "replaced", new.now).await?;
            sqlx::query(
                "UPDATE arrangements SET autopay_amount = $2, starts_on = $3, recording_id = $4, \
                 evidence = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(amount)
            .bind(starts_on)
            .bind(evidence.and_then(|(recording, _)| recording))
            .bind(evidence.map(|(_, kept)| kept))
            .execute(&mut *tx)
            .await?;
            for message in messages {
                super::messages::insert_message(&mut tx, message, new.now).await?;
            }
            if let Some(copy) = messages.first() {
                adopt_channel(&mut tx, new.account_number, &copy.channel, new.now).await?;
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The account's AutoPay, when it is on.
    ///
    /// # Errors
    /// A database failure.
    pub async fn active_autopay(
        &self,
        account_number: &str,
    ) -> Result<Option<ArrangementRecord>, StoreError> {
        self.newest_active(account_number, "'autopay'").await
    }

    /// Whether the account's AutoPay charges the card or account kept under `token`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn autopay_charges(
        &self,
        account_number: &str,
        token: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM arrangements WHERE account_number = $1 AND kind = 'autopay' \
             AND status = 'active' AND card_token = $2",
        )
        .bind(account_number)
        .bind(token)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Turns the account's AutoPay off (`by`: `caller`, `agent:NAME`, `admin`): its
    /// installments not yet charged are cancelled, and `messages` (the notice) queued in the
    /// same transaction. Returns whether it was on.
    ///
    /// # Errors
    /// A database failure; nothing is changed then.
    pub async fn stop_autopay(
        &self,
        account_number: &str,
        by: &str,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let stopped = stop_in(&mut tx, account_number, None, by, now_ms).await?;
        if stopped {
            for message in messages {
                super::messages::insert_message(&mut tx, message, now_ms).await?;
            }
        }
        tx.commit().await?;
        Ok(stopped)
    }

    /// AutoPay enrolments whose account's due date falls from `from` to `through` (inclusive),
    /// is not before the first date AutoPay pays, and has no installment yet.
    ///
    /// # Errors
    /// A database failure.
    pub async fn autopay_due(
        &self,
        from: &str,
        through: &str,
    ) -> Result<Vec<AutopayDue>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.account_number, a.autopay_amount, c.due_date, \
             c.balance_cents, c.minimum_due_cents FROM arrangements a \
             JOIN accounts c ON c.account_number = a.account_number \
             WHERE a.kind = 'autopay' AND a.status = 'active' \
             AND c.due_date >= $1 AND c.due_date <= $2 AND c.due_date >= a.starts_on \
             AND NOT EXISTS (SELECT 1 FROM installments i WHERE i.arrangement_id = a.id \
             AND i.due_date = c.due_date) ORDER BY a.id",
        )
        .bind(from)
        .bind(through)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AutopayDue {
                    arrangement_id: row.try_get("id")?,
                    account_number: row.try_get("account_number")?,
                    amount: row
                        .try_get::<Option<String>, _>("autopay_amount")?
                        .unwrap_or_else(|| "minimum_due".to_owned()),
                    due_date: row.try_get("due_date")?,
                    balance_cents: row.try_get("balance_cents")?,
                    minimum_due_cents: row.try_get("minimum_due_cents")?,
                })
            })
            .collect()
    }

    /// Adds the installment of an AutoPay due date, unless it has one: of any number of runs at
    /// once, one adds it (the next number, or a conflict on it, in one statement). Returns
    /// whether this call added it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn add_autopay_installment(
        &self,
        arrangement_id: i64,
        due_date: &str,
        cents: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let added = sqlx::query(
            "INSERT INTO installments (arrangement_id, seq, due_date, amount_cents, status, \
             attempts, next_attempt_on, updated_at) \
             SELECT CAST($1 AS BIGINT), \
             (SELECT COALESCE(MAX(seq), 0) + 1 FROM installments WHERE arrangement_id = $1), \
             CAST($2 AS TEXT), CAST($3 AS BIGINT), 'scheduled', 0, CAST($2 AS TEXT), \
             CAST($4 AS BIGINT) \
             WHERE NOT EXISTS (SELECT 1 FROM installments WHERE arrangement_id = $1 \
             AND due_date = $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(arrangement_id)
        .bind(due_date)
        .bind(cents)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(added.rows_affected() == 1)
    }

    /// Sets what a claimed AutoPay installment charges, when less is due than when it was added
    /// (the caller paid part meanwhile). Only the claim's holder may.
    ///
    /// # Errors
    /// A database failure.
    pub async fn reduce_claimed_installment(
        &self,
        arrangement_id: i64,
        seq: i64,
        claim_token: i64,
        cents: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE installments SET amount_cents = $4 WHERE arrangement_id = $1 AND seq = $2 \
             AND claim_token = $3",
        )
        .bind(arrangement_id)
        .bind(seq)
        .bind(claim_token)
        .bind(cents)
        .execute(self.writer())
        .await?;
        Ok(updated.rows_affected() == 1)
    }
}

/// Stops the account's AutoPay (all but `keep`), cancelling its installments not yet charged.
async fn stop_in(
    tx: &mut super::Tx,
    account_number: &str,
    keep: Option<i64>,
    by: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let stopped = sqlx::query(
        "UPDATE arrangements SET status = 'stopped', stopped_by = $3, updated_at = $4 \
         WHERE account_number = $1 AND kind = 'autopay' AND status = 'active' \
         AND id <> $2 RETURNING id",
    )
    .bind(account_number)
    .bind(keep.unwrap_or(0))
    .bind(by)
    .bind(now_ms)
    .fetch_all(&mut **tx)
    .await?;
    for row in &stopped {
        sqlx::query(
            "UPDATE installments SET status = 'cancelled', updated_at = $2 \
             WHERE arrangement_id = $1 AND status IN ('scheduled', 'retrying')",
        )
        .bind(row.try_get::<i64, _>("id")?)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(!stopped.is_empty())
}

/// Makes `channel` (the channel a written copy of an authorisation went by) the account's for
/// messages when it has none, so the reminders that authorisation promises reach it.
pub(super) async fn adopt_channel(
    tx: &mut super::Tx,
    account_number: &str,
    channel: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET contact_channel = $2, contact_channel_at = $3 \
         WHERE account_number = $1 AND contact_channel IS NULL",
    )
    .bind(account_number)
    .bind(channel)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
