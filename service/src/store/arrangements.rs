//! Arrangements (settlements, payment plans, promises to pay) and a plan's installments.
//!
//! An installment is charged at most once by any number of runs and instances: a run first
//! claims it with one conditional update ([`Store::claim_installment`]), and only the claim's
//! holder records the gateway's answer ([`Store::finish_installment`]). A claim whose holder died
//! goes stale and is taken over; the gateway idempotency key is derived from the installment and
//! its try, so the takeover gets the gateway's first answer back instead of a second charge.

use sqlx::Row;

use super::{CallKey, Store, StoreError};
use crate::payments::{MethodKind, MethodSummary};

/// An arrangement to record.
#[derive(Debug, Clone)]
pub struct NewArrangement<'a> {
    /// The account.
    pub account_number: &'a str,
    /// `settlement`, `plan`, `promise` or `autopay`.
    pub kind: &'a str,
    /// Its first status (`pending`, `active`, `open`).
    pub status: &'a str,
    /// The policy that offered it.
    pub policy: &'a str,
    /// What the caller agreed to pay in all (cents).
    pub total_cents: i64,
    /// The balance when it was agreed (cents).
    pub balance_before_cents: i64,
    /// A promise's date.
    pub promised_by: Option<&'a str>,
    /// The gateway's reusable token for a plan's card, never the card number.
    pub card_token: Option<&'a str>,
    /// How it is paid (a plan's kept card, a settlement's card), if it is.
    pub method: Option<&'a MethodSummary>,
    /// The gateway holding the token.
    pub gateway: Option<&'a str>,
    /// The authorisation's version the caller agreed to.
    pub consent_version: Option<&'a str>,
    /// The words of that authorisation as spoken.
    pub consent_text: Option<&'a str>,
    /// Why the caller said paying is hard, if they did.
    pub hardship_reason: Option<&'a str>,
    /// The call it was made on.
    pub call: Option<CallKey<'a>>,
    /// The card attempt or turn of that call it was made on: making it again from a retried
    /// delivery finds this one.
    pub call_attempt: Option<i64>,
    /// Now (UTC ms); also the consent's time.
    pub now: i64,
}

/// A recorded arrangement with its installments (none for a promise), as the admin API shows
/// it: the card or account by label and last four only, never its token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ArrangementRecord {
    /// Its id.
    pub id: i64,
    /// The account.
    pub account_number: String,
    /// `settlement`, `plan`, `promise` or `autopay`.
    pub kind: String,
    /// See the migration for the statuses.
    pub status: String,
    /// The policy that offered it.
    pub policy: String,
    /// In cents.
    pub total_cents: i64,
    /// The balance when it was agreed.
    pub balance_before_cents: i64,
    /// A promise's date.
    #[schema(format = Date)]
    pub promised_by: Option<String>,
    /// How it is paid, if it is: `card` or `bank`.
    pub method: Option<MethodKind>,
    /// The card's brand code (`visa`) or the bank account's type (`checking`).
    pub method_label: Option<String>,
    /// The last four digits of the card or account number.
    pub method_last4: Option<String>,
    /// For a card, its brand code (`method_label`): kept for clients written before bank
    /// payments.
    pub card_brand: Option<String>,
    /// For a card, its last four digits (`method_last4`): kept for clients written before bank
    /// payments.
    pub card_last4: Option<String>,
    /// The consent's version.
    pub consent_version: Option<String>,
    /// When consent was given (UTC ms).
    pub consent_at: Option<i64>,
    /// Why paying is hard, if the caller said.
    pub hardship_reason: Option<String>,
    /// For AutoPay, the amount it charges on each due date: `minimum_due` or `balance`.
    pub autopay_amount: Option<String>,
    /// For a recurring authorisation from a bank account (a recurring TEL entry), the evidence
    /// kept: `recording_and_written_notice`.
    pub evidence: Option<String>,
    /// The provider's id of the recording of that authorisation.
    pub recording_id: Option<String>,
    /// When it was made (UTC ms).
    pub created_at: i64,
    /// Its installments in order.
    pub installments: Vec<InstallmentRecord>,
}

impl ArrangementRecord {
    /// An arrangement about to be recorded, as a message about it reads it (its id not yet
    /// known): `installments` are its schedule, each scheduled.
    pub fn unsaved(new: &NewArrangement<'_>, installments: &[(String, i64)]) -> ArrangementRecord {
        let mut record = ArrangementRecord {
            id: 0,
            account_number: new.account_number.to_owned(),
            kind: new.kind.to_owned(),
            status: new.status.to_owned(),
            policy: new.policy.to_owned(),
            total_cents: new.total_cents,
            balance_before_cents: new.balance_before_cents,
            promised_by: new.promised_by.map(str::to_owned),
            method: None,
            method_label: None,
            method_last4: None,
            card_brand: None,
            card_last4: None,
            consent_version: new.consent_version.map(str::to_owned),
            consent_at: new.consent_version.map(|_| new.now),
            hardship_reason: new.hardship_reason.map(str::to_owned),
            autopay_amount: None,
            evidence: None,
            recording_id: None,
            created_at: new.now,
            installments: installments
                .iter()
                .enumerate()
                .map(|(i, (due, cents))| InstallmentRecord {
                    seq: i as i64 + 1,
                    due_date: due.clone(),
                    amount_cents: *cents,
                    status: "scheduled".to_owned(),
                    attempts: 0,
                    next_attempt_on: due.clone(),
                    confirmation_code: None,
                    decline_reason: None,
                    return_code: None,
                })
                .collect(),
        };
        record.set_method(new.method);
        record
    }

    /// Sets how it is paid: the neutral fields, and the card fields kept for older clients.
    pub fn set_method(&mut self, method: Option<&MethodSummary>) {
        self.method = method.map(|m| m.kind);
        self.method_label = method.map(|m| m.label.clone());
        self.method_last4 = method.map(|m| m.last4.clone());
        let card = method.filter(|m| m.kind == MethodKind::Card);
        self.card_brand = card.map(|m| m.label.clone());
        self.card_last4 = card.map(|m| m.last4.clone());
    }

    /// How it is paid, when it is, for receipts and the caller's read-back.
    pub fn summary(&self) -> Option<MethodSummary> {
        Some(MethodSummary {
            kind: self.method?,
            label: self.method_label.clone()?,
            last4: self.method_last4.clone()?,
        })
    }
}

/// One installment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct InstallmentRecord {
    /// 1, 2, ...
    pub seq: i64,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub due_date: String,
    /// In cents.
    pub amount_cents: i64,
    /// scheduled, retrying, unknown, clearing (a bank debit accepted, not yet settled), paid,
    /// returned (a paid debit that came back, not tried again), failed, cancelled, covered.
    pub status: String,
    /// Declined tries so far.
    pub attempts: i64,
    /// The first day it may be charged next.
    #[schema(format = Date)]
    pub next_attempt_on: String,
    /// The confirmation code of its payment.
    pub confirmation_code: Option<String>,
    /// Why it was last declined.
    pub decline_reason: Option<String>,
    /// The NACHA return code of a bank debit of it that failed or came back.
    pub return_code: Option<String>,
}

/// An installment claimed for charging.
#[derive(Debug, Clone)]
pub struct ClaimedInstallment {
    /// Its arrangement.
    pub arrangement_id: i64,
    /// Its place in the plan.
    pub seq: i64,
    /// In cents.
    pub amount_cents: i64,
    /// Declined tries before this one (part of the idempotency key).
    pub attempts: i64,
    /// The account.
    pub account_number: String,
    /// The policy whose retry terms apply.
    pub policy: String,
    /// The gateway token of the plan's card.
    pub card_token: Option<String>,
    /// Whether the plan was set up after the caller said paying is hard (its retry terms are
    /// the policy's hardship plan's).
    pub hardship: bool,
    /// For AutoPay, the amount it charges (`minimum_due` or `balance`); `None` for a plan.
    pub autopay_amount: Option<String>,
    /// The claim, which recording the answer must show.
    pub claim_token: i64,
}

/// What became of a claimed installment's charge.
#[derive(Debug, Clone, Copy)]
pub enum InstallmentOutcome<'a> {
    /// Paid.
    Paid {
        /// The gateway's id of the payment.
        reference: &'a str,
        /// The confirmation code.
        confirmation_code: &'a str,
    },
    /// Declined; tried again on `retry_on`, or, when `None`, the plan is broken.
    Declined {
        /// Why.
        reason: &'a str,
        /// The day of the next try (YYYY-MM-DD).
        retry_on: Option<&'a str>,
    },
    /// No definite answer: asked again under the same key on the next run.
    Unknown,
    /// A bank debit accepted and not yet settled: the balance is lowered now, and upkeep looks
    /// at the gateway from `next_check_at` until it says how the debit ended.
    Clearing {
        /// The gateway's id of the debit.
        reference: &'a str,
        /// The confirmation code.
        confirmation_code: &'a str,
        /// The first look (UTC ms).
        next_check_at: i64,
    },
    /// Nothing left to charge when its day came (an AutoPay amount the caller paid meanwhile).
    Covered,
}

/// Promises settled by [`Store::settle_promises`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PromisesSettled {
    /// Covered by payments made since they were made.
    pub kept: u64,
    /// Their date passed without such payments (counted by the caller of
    /// [`Store::break_promise`]).
    pub broken: u64,
}

const ARRANGEMENT_COLUMNS: &str = "id, account_number, kind, status, policy, total_cents, \
    balance_before_cents, promised_by, method, method_label, method_last4, consent_version, \
    consent_at, hardship_reason, autopay_amount, evidence, recording_id, created_at";

fn arrangement_from_row(row: &sqlx::any::AnyRow) -> Result<ArrangementRecord, StoreError> {
    let method = match row.try_get::<Option<String>, _>("method")? {
        Some(kind) => Some(MethodSummary {
            kind: super::payments::method_kind(&kind)?,
            label: row
                .try_get::<Option<String>, _>("method_label")?
                .unwrap_or_default(),
            last4: row
                .try_get::<Option<String>, _>("method_last4")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let mut record = ArrangementRecord {
        id: row.try_get("id")?,
        account_number: row.try_get("account_number")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        policy: row.try_get("policy")?,
        total_cents: row.try_get("total_cents")?,
        balance_before_cents: row.try_get("balance_before_cents")?,
        promised_by: row.try_get("promised_by")?,
        method: None,
        method_label: None,
        method_last4: None,
        card_brand: None,
        card_last4: None,
        consent_version: row.try_get("consent_version")?,
        consent_at: row.try_get("consent_at")?,
        hardship_reason: row.try_get("hardship_reason")?,
        autopay_amount: row.try_get("autopay_amount")?,
        evidence: row.try_get("evidence")?,
        recording_id: row.try_get("recording_id")?,
        created_at: row.try_get("created_at")?,
        installments: Vec::new(),
    };
    record.set_method(method.as_ref());
    Ok(record)
}

impl Store {
    /// Records an arrangement and its installments (`(due date, cents)` in order) in one
    /// transaction, with the evidence of a recurring authorisation from a bank account
    /// (`(recording id, evidence)`) when there is one; returns its id.
    ///
    /// # Errors
    /// A database failure; nothing is written then.
    /// `messages` (its confirmation, for an account that chose a channel before) are queued in
    /// the same transaction.
    pub async fn create_arrangement(
        &self,
        new: &NewArrangement<'_>,
        installments: &[(String, i64)],
        evidence: Option<(Option<&str>, &str)>,
        messages: &[super::NewMessage],
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let (id, inserted) = insert_arrangement(&mut tx, new).await?;
        if !inserted {
            // Made before by a delivery of this webhook that did not live to answer.
            tx.commit().await?;
            return Ok(id);
        }
        if let Some((recording, kept)) = evidence {
            sqlx::query("UPDATE arrangements SET recording_id = $2, evidence = $3 WHERE id = $1")
                .bind(id)
                .bind(recording)
                .bind(kept)
                .execute(&mut *tx)
                .await?;
            // The written copy's channel becomes the account's when it has none, so the
            // reminders and receipts of the debits it authorised reach the holder.
            if let Some(copy) = messages.first() {
                super::autopay::adopt_channel(&mut tx, new.account_number, &copy.channel, new.now)
                    .await?;
            }
        }
        for message in messages {
            super::messages::insert_message(&mut tx, message, new.now).await?;
        }
        for (seq, (due, cents)) in installments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO installments (arrangement_id, seq, due_date, amount_cents, status, \
                 attempts, next_attempt_on, updated_at) VALUES ($1, $2, $3, $4, 'scheduled', 0, \
                 $3, $5)",
            )
            .bind(id)
            .bind(seq as i64 + 1)
            .bind(due)
            .bind(cents)
            .bind(new.now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// An account's arrangements, newest first, with their installments.
    ///
    /// # Errors
    /// A database failure.
    pub async fn arrangements_for_account(
        &self,
        account_number: &str,
    ) -> Result<Vec<ArrangementRecord>, StoreError> {
        let sql = format!(
            "SELECT {ARRANGEMENT_COLUMNS} FROM arrangements WHERE account_number = $1 \
             ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_all(self.pool())
            .await?;
        let mut arrangements = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut arrangement = arrangement_from_row(row)?;
            arrangement.installments = self.installments_of(arrangement.id).await?;
            arrangements.push(arrangement);
        }
        Ok(arrangements)
    }

    /// One arrangement with its installments.
    ///
    /// # Errors
    /// A database failure.
    pub async fn arrangement(&self, id: i64) -> Result<Option<ArrangementRecord>, StoreError> {
        let sql = format!("SELECT {ARRANGEMENT_COLUMNS} FROM arrangements WHERE id = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let mut arrangement = arrangement_from_row(&row)?;
        arrangement.installments = self.installments_of(id).await?;
        Ok(Some(arrangement))
    }

    async fn installments_of(&self, id: i64) -> Result<Vec<InstallmentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, due_date, amount_cents, status, attempts, next_attempt_on, \
             confirmation_code, decline_reason, return_code FROM installments \
             WHERE arrangement_id = $1 \
             ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InstallmentRecord {
                    seq: row.try_get("seq")?,
                    due_date: row.try_get("due_date")?,
                    amount_cents: row.try_get("amount_cents")?,
                    status: row.try_get("status")?,
                    attempts: row.try_get("attempts")?,
                    next_attempt_on: row.try_get("next_attempt_on")?,
                    confirmation_code: row.try_get("confirmation_code")?,
                    decline_reason: row.try_get("decline_reason")?,
                    return_code: row.try_get("return_code")?,
                })
            })
            .collect()
    }

    /// The account's running plan or settlement in payments, if any.
    ///
    /// # Errors
    /// A database failure.
    pub async fn open_plan(
        &self,
        account_number: &str,
    ) -> Result<Option<ArrangementRecord>, StoreError> {
        self.newest_active(account_number, "'plan', 'settlement'")
            .await
    }

    /// The account's newest active arrangement of these kinds (`'plan', 'settlement'`: quoted
    /// SQL literals, written in code, never input).
    pub(super) async fn newest_active(
        &self,
        account_number: &str,
        kinds: &'static str,
    ) -> Result<Option<ArrangementRecord>, StoreError> {
        let sql = format!(
            "SELECT id FROM arrangements WHERE account_number = $1 AND status = 'active' \
             AND kind IN ({kinds}) ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => self.arrangement(row.try_get("id")?).await,
            None => Ok(None),
        }
    }

    /// Puts a new card (its gateway token) on a plan.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_arrangement_card(
        &self,
        id: i64,
        token: &str,
        method: &MethodSummary,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            // card_brand and card_last4 are written for compatibility only (migration 0019).
            "UPDATE arrangements SET card_token = $2, card_brand = $3, card_last4 = $4, \
             updated_at = $5, method = $6, method_label = $3, method_last4 = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(token)
        .bind(&method.label)
        .bind(&method.last4)
        .bind(now_ms)
        .bind(method.kind.as_str())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A plan whose first payment was refused on the call never starts.
    ///
    /// # Errors
    /// A database failure.
    pub async fn decline_arrangement(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE arrangements SET status = 'declined', updated_at = $2 WHERE id = $1 \
             AND status = 'pending'",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE installments SET status = 'cancelled', updated_at = $2 WHERE arrangement_id = $1 \
             AND status IN ('scheduled', 'retrying')",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Installments that may be charged on `as_of` (due, or due for another try), oldest first:
    /// `(arrangement id, seq)`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn due_installments(
        &self,
        as_of: &str,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.arrangement_id, i.seq FROM installments i \
             JOIN arrangements a ON a.id = i.arrangement_id \
             WHERE i.status IN ('scheduled', 'retrying', 'unknown') AND i.next_attempt_on <= $1 \
             AND a.status IN ('active', 'pending') \
             ORDER BY i.next_attempt_on, i.arrangement_id, i.seq LIMIT $2",
        )
        .bind(as_of)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("arrangement_id")?, row.try_get("seq")?)))
            .collect()
    }

    /// Claims one installment for charging, if it may be charged on `as_of` and no live claim
    /// holds it (a claim older than `stale_before` is dead and taken over). One conditional
    /// update: of any number of runs at once, one gets it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn claim_installment(
        &self,
        arrangement_id: i64,
        seq: i64,
        as_of: &str,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<Option<ClaimedInstallment>, StoreError> {
        let token = rand::random::<i64>() | 1;
        let claimed = sqlx::query(
            "UPDATE installments SET claim_token = $4, claimed_at = $5 \
             WHERE arrangement_id = $1 AND seq = $2 \
             AND status IN ('scheduled', 'retrying', 'unknown') AND next_attempt_on <= $3 \
             AND (claimed_at IS NULL OR claimed_at < $6) \
             RETURNING amount_cents, attempts",
        )
        .bind(arrangement_id)
        .bind(seq)
        .bind(as_of)
        .bind(token)
        .bind(now_ms)
        .bind(stale_before)
        .fetch_optional(self.writer())
        .await?;
        let Some(row) = claimed else {
            return Ok(None);
        };
        let arrangement = sqlx::query(
            "SELECT account_number, policy, card_token, hardship_reason, kind, autopay_amount \
             FROM arrangements WHERE id = $1",
        )
        .bind(arrangement_id)
        .fetch_one(self.pool())
        .await?;
        Ok(Some(ClaimedInstallment {
            arrangement_id,
            seq,
            amount_cents: row.try_get("amount_cents")?,
            attempts: row.try_get("attempts")?,
            account_number: arrangement.try_get("account_number")?,
            policy: arrangement.try_get("policy")?,
            card_token: arrangement.try_get("card_token")?,
            hardship: arrangement
                .try_get::<Option<String>, _>("hardship_reason")?
                .is_some(),
            autopay_amount: match arrangement.try_get::<String, _>("kind")?.as_str() {
                "autopay" => Some(
                    arrangement
                        .try_get::<Option<String>, _>("autopay_amount")?
                        .unwrap_or_else(|| "minimum_due".to_owned()),
                ),
                _ => None,
            },
            claim_token: token,
        }))
    }

    /// Records a claimed installment's outcome, if the claim still holds it. Paid: the balance
    /// is lowered by it, the plan starts (or completes, and a settlement completed leaves the
    /// balance at zero). Declined for good: the plan is broken and its later installments
    /// cancelled. Returns whether the claim still held.
    ///
    /// # Errors
    /// A database failure; nothing is changed then.
    /// `messages` (the notice of a decline) are queued in the same transaction.
    pub async fn finish_installment(
        &self,
        claimed: &ClaimedInstallment,
        outcome: InstallmentOutcome<'_>,
        messages: &[super::NewMessage],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let mut next_check_at = None;
        let (status, attempts, next_on, reason, reference, code) = match outcome {
            InstallmentOutcome::Paid {
                reference,
                confirmation_code,
            } => (
                "paid",
                claimed.attempts,
                None,
                None,
                Some(reference),
                Some(confirmation_code),
            ),
            InstallmentOutcome::Declined { reason, retry_on } => (
                if retry_on.is_some() {
                    "retrying"
                } else {
                    "failed"
                },
                claimed.attempts + 1,
                retry_on,
                Some(reason),
                None,
                None,
            ),
            InstallmentOutcome::Unknown => ("unknown", claimed.attempts, None, None, None, None),
            InstallmentOutcome::Clearing {
                reference,
                confirmation_code,
                next_check_at: first_look,
            } => {
                next_check_at = Some(first_look);
                (
                    "clearing",
                    claimed.attempts,
                    None,
                    None,
                    Some(reference),
                    Some(confirmation_code),
                )
            }
            InstallmentOutcome::Covered => ("covered", claimed.attempts, None, None, None, None),
        };
        let updated = sqlx::query(
            "UPDATE installments SET status = $4, attempts = $5, \
             next_attempt_on = COALESCE($6, next_attempt_on), decline_reason = $7, \
             gateway_reference = COALESCE($8, gateway_reference), confirmation_code = $9, \
             paid_at = CASE WHEN $4 = 'paid' THEN $10 ELSE paid_at END, \
             next_check_at = $11, claim_token = NULL, claimed_at = NULL, updated_at = $10 \
             WHERE arrangement_id = $1 AND seq = $2 AND claim_token = $3",
        )
        .bind(claimed.arrangement_id)
        .bind(claimed.seq)
        .bind(claimed.claim_token)
        .bind(status)
        .bind(attempts)
        .bind(next_on)
        .bind(reason)
        .bind(reference)
        .bind(code)
        .bind(now_ms)
        .bind(next_check_at)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        for message in messages {
            super::messages::insert_message(&mut tx, message, now_ms).await?;
        }
        match status {
            // Lowered when accepted, as a single debit's is; it settles later.
            "clearing" => {
                lower_balance(
                    &mut tx,
                    &claimed.account_number,
                    claimed.amount_cents,
                    now_ms,
                )
                .await?;
                start_plan(&mut tx, claimed.arrangement_id, now_ms).await?;
            }
            "paid" => {
                lower_balance(
                    &mut tx,
                    &claimed.account_number,
                    claimed.amount_cents,
                    now_ms,
                )
                .await?;
                complete_if_paid(
                    &mut tx,
                    claimed.arrangement_id,
                    &claimed.account_number,
                    now_ms,
                )
                .await?;
            }
            "failed" => break_plan(&mut tx, claimed.arrangement_id, now_ms).await?,
            _ => {}
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Open promises covered by payments made since (call payments and installments) are kept.
    ///
    /// # Errors
    /// A database failure.
    pub async fn settle_promises(&self, now_ms: i64) -> Result<PromisesSettled, StoreError> {
        let mut tx = self.begin().await?;
        let kept = sqlx::query(
            "UPDATE arrangements SET status = 'kept', updated_at = $1 \
             WHERE kind = 'promise' AND status = 'open' AND total_cents <= \
             (SELECT COALESCE(SUM(p.amount_cents), 0) FROM payments p \
              WHERE p.account_number = arrangements.account_number AND p.status = 'approved' \
              AND p.created_at >= arrangements.created_at) + \
             (SELECT COALESCE(SUM(i.amount_cents), 0) FROM installments i \
              JOIN arrangements plan ON plan.id = i.arrangement_id \
              WHERE plan.account_number = arrangements.account_number AND i.status = 'paid' \
              AND i.paid_at >= arrangements.created_at)",
        )
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(PromisesSettled { kept, broken: 0 })
    }

    /// Open promises whose date is before `as_of` (after [`Self::settle_promises`] kept those
    /// that were covered): each to be broken with [`Self::break_promise`].
    ///
    /// # Errors
    /// A database failure.
    pub async fn promises_past_due(
        &self,
        as_of: &str,
    ) -> Result<Vec<ArrangementRecord>, StoreError> {
        let sql = format!(
            "SELECT {ARRANGEMENT_COLUMNS} FROM arrangements WHERE kind = 'promise' \
             AND status = 'open' AND promised_by < $1 ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(as_of)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(arrangement_from_row).collect()
    }

    /// Marks an open promise broken, with its notices queued in the same transaction; `false`
    /// when it was settled meanwhile.
    ///
    /// # Errors
    /// A database failure.
    pub async fn break_promise(
        &self,
        id: i64,
        messages: &[super::NewMessage],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let broken = sqlx::query(
            "UPDATE arrangements SET status = 'broken', updated_at = $2 WHERE id = $1 \
             AND kind = 'promise' AND status = 'open'",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if broken {
            for message in messages {
                super::messages::insert_message(&mut tx, message, now_ms).await?;
            }
        }
        tx.commit().await?;
        Ok(broken)
    }

    /// Scheduled installments of running plans due from `from` to `to` (inclusive), with their
    /// plans: what reminders are about.
    ///
    /// # Errors
    /// A database failure.
    pub async fn installments_due_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(ArrangementRecord, InstallmentRecord)>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.arrangement_id, i.seq FROM installments i \
             JOIN arrangements a ON a.id = i.arrangement_id \
             WHERE i.status = 'scheduled' AND a.status = 'active' \
             AND i.due_date >= $1 AND i.due_date <= $2 ORDER BY i.arrangement_id, i.seq",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("arrangement_id")?;
            let seq: i64 = row.try_get("seq")?;
            if let Some(plan) = self.arrangement(id).await?
                && let Some(installment) = plan.installments.iter().find(|i| i.seq == seq).cloned()
            {
                due.push((plan, installment));
            }
        }
        Ok(due)
    }

    /// Open promises dated from `from` to `to` (inclusive).
    ///
    /// # Errors
    /// A database failure.
    pub async fn promises_due_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<ArrangementRecord>, StoreError> {
        let sql = format!(
            "SELECT {ARRANGEMENT_COLUMNS} FROM arrangements WHERE kind = 'promise' \
             AND status = 'open' AND promised_by >= $1 AND promised_by <= $2 ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(arrangement_from_row).collect()
    }

    /// Deletes the arrangements of these accounts with their installments, and their cards on
    /// file: only the demo does this, so that every demo run starts over.
    ///
    /// # Errors
    /// A database failure; nothing is deleted then.
    pub async fn clear_arrangements(&self, account_numbers: &[&str]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for number in account_numbers {
            sqlx::query(
                "DELETE FROM installments WHERE arrangement_id IN \
                 (SELECT id FROM arrangements WHERE account_number = $1)",
            )
            .bind(number)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM arrangements WHERE account_number = $1")
                .bind(number)
                .execute(&mut *tx)
                .await?;
            // A card kept on file changes what the account hears next time, as a plan does.
            sqlx::query("DELETE FROM saved_methods WHERE account_number = $1")
                .bind(number)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records why a caller said paying is hard, on their call.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_hardship(
        &self,
        call: CallKey<'_>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE calls SET hardship_reason = $3, updated_at = $4 \
             WHERE provider = $1 AND call_sid = $2",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(reason)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}

/// An installment paid lowers the balance, and the minimum due as far as it goes.
async fn lower_balance(
    tx: &mut super::Tx,
    account_number: &str,
    cents: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET balance_cents = balance_cents - $2, \
         minimum_due_cents = CASE WHEN minimum_due_cents > $2 \
         THEN minimum_due_cents - $2 ELSE 0 END, updated_at = $3 \
         WHERE account_number = $1",
    )
    .bind(account_number)
    .bind(cents)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts an arrangement in a transaction; returns its id and whether it is new (one made on
/// the same call and attempt is returned as it is).
pub(super) async fn insert_arrangement(
    tx: &mut super::Tx,
    new: &NewArrangement<'_>,
) -> Result<(i64, bool), StoreError> {
    let row = sqlx::query(
        // card_brand and card_last4 are written for compatibility only (migration 0019).
        "INSERT INTO arrangements (account_number, kind, status, policy, total_cents, \
         balance_before_cents, promised_by, card_token, card_brand, card_last4, gateway, \
         consent_version, consent_text, consent_at, hardship_reason, provider, call_sid, \
         call_attempt, created_at, updated_at, method, method_label, method_last4) VALUES ($1, \
         $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $19, $18, $18, \
         $20, $9, $10) \
         ON CONFLICT (provider, call_sid, kind, call_attempt) WHERE call_attempt IS NOT NULL \
         DO NOTHING RETURNING id",
    )
    .bind(new.account_number)
    .bind(new.kind)
    .bind(new.status)
    .bind(new.policy)
    .bind(new.total_cents)
    .bind(new.balance_before_cents)
    .bind(new.promised_by)
    .bind(new.card_token)
    .bind(new.method.map(|m| m.label.as_str()))
    .bind(new.method.map(|m| m.last4.as_str()))
    .bind(new.gateway)
    .bind(new.consent_version)
    .bind(new.consent_text)
    .bind(new.consent_version.map(|_| new.now))
    .bind(new.hardship_reason)
    .bind(new.call.map(|c| c.provider))
    .bind(new.call.map(|c| c.sid))
    .bind(new.now)
    .bind(new.call_attempt)
    .bind(new.method.map(|m| m.kind.as_str()))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        return Ok((row.try_get("id")?, true));
    }
    let existing = sqlx::query(
        "SELECT id FROM arrangements WHERE provider = $1 AND call_sid = $2 AND kind = $3 \
         AND call_attempt = $4",
    )
    .bind(new.call.map(|c| c.provider))
    .bind(new.call.map(|c| c.sid))
    .bind(new.kind)
    .bind(new.call_attempt)
    .fetch_one(&mut **tx)
    .await?;
    Ok((existing.try_get("id")?, false))
}

/// A settlement paid in full leaves nothing owing.
pub(super) async fn settle_account(
    tx: &mut super::Tx,
    account_number: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET balance_cents = 0, minimum_due_cents = 0, updated_at = $2 \
         WHERE account_number = $1",
    )
    .bind(account_number)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A plan (or settlement) with a payment made is `active` (from `pending`); AutoPay already is.
async fn start_plan(
    tx: &mut super::Tx,
    arrangement_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE arrangements SET status = 'active', updated_at = $2 \
         WHERE id = $1 AND status = 'pending' AND kind <> 'autopay'",
    )
    .bind(arrangement_id)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// After an installment is paid: a plan with every installment paid is `completed` (a
/// settlement completed leaves the balance at zero), else `active`. AutoPay runs on after each
/// due date.
pub(super) async fn complete_if_paid(
    tx: &mut super::Tx,
    arrangement_id: i64,
    account_number: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let left = sqlx::query(
        "SELECT COUNT(*) AS n FROM installments WHERE arrangement_id = $1 AND status <> 'paid'",
    )
    .bind(arrangement_id)
    .fetch_one(&mut **tx)
    .await?;
    let unpaid: i64 = left.try_get("n")?;
    let status = if unpaid == 0 { "completed" } else { "active" };
    let kind = sqlx::query(
        "UPDATE arrangements SET status = $2, updated_at = $3 \
         WHERE id = $1 AND kind <> 'autopay' RETURNING kind",
    )
    .bind(arrangement_id)
    .bind(status)
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let kind: Option<String> = kind.map(|row| row.try_get("kind")).transpose()?;
    if unpaid == 0 && kind.as_deref() == Some("settlement") {
        settle_account(tx, account_number, now_ms).await?;
    }
    Ok(())
}

/// An installment given up for good breaks its plan, cancelling the installments not yet
/// charged. AutoPay is not broken by one due date: it runs on to the next.
pub(super) async fn break_plan(
    tx: &mut super::Tx,
    arrangement_id: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let broken = sqlx::query(
        "UPDATE arrangements SET status = 'broken', updated_at = $2 \
         WHERE id = $1 AND kind <> 'autopay'",
    )
    .bind(arrangement_id)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    if broken.rows_affected() > 0 {
        sqlx::query(
            "UPDATE installments SET status = 'cancelled', updated_at = $2 \
             WHERE arrangement_id = $1 AND status IN ('scheduled', 'retrying')",
        )
        .bind(arrangement_id)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
