//! Bank debits in the store: the evidence of each authorisation given by phone, and a debit's
//! life after it is submitted (clearing, then settled, failed or returned).
//!
//! A debit accepted by its gateway is recorded `clearing` by [`super::Store::settle_payment`]
//! (the balance lowered at once, so a caller who calls back hears what they still owe). Upkeep
//! leases the debits due a look ([`Store::lease_debits_to_check`]) and records what the gateway
//! says ([`Store::settle_debit`]); a failed or returned debit raises the balance again, in the
//! same transaction as the notice that tells the account holder.

use sqlx::Row;

use super::{CallKey, NewMessage, Store, StoreError};
use crate::payments::ReturnCode;

/// A bank debit's authorisation as it is read to the caller.
#[derive(Debug, Clone)]
pub struct NewDebitAuthorization<'a> {
    /// The call.
    pub call: CallKey<'a>,
    /// The payment attempt the debit will be.
    pub attempt: i64,
    /// The account paid.
    pub account_number: &'a str,
    /// How much.
    pub amount_cents: i64,
    /// `checking` or `savings`.
    pub account_type: &'a str,
    /// The bank account's last four digits.
    pub last4: &'a str,
    /// The day it is debited, `YYYY-MM-DD`.
    pub debit_date: &'a str,
    /// The language it is read in.
    pub language: &'a str,
    /// The wording's version.
    pub script_version: &'a str,
    /// The words read, as read.
    pub script: &'a str,
    /// The provider's id of the recording of it, when one was started.
    pub recording_id: Option<&'a str>,
    /// When it was read.
    pub now: i64,
}

/// A kept authorisation, as the evidence is shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DebitAuthorizationRecord {
    /// The call it was given on.
    pub call_sid: String,
    /// The payment attempt on that call.
    pub attempt: i64,
    /// The account paid.
    pub account_number: String,
    /// How much, in cents.
    pub amount_cents: i64,
    /// `checking` or `savings`.
    pub account_type: String,
    /// The bank account's last four digits.
    pub last4: String,
    /// The day it is debited.
    pub debit_date: String,
    /// The language it was read in.
    pub language: String,
    /// The wording's version.
    pub script_version: String,
    /// The words read.
    pub script: String,
    /// The provider's id of its recording, if one was made.
    pub recording_id: Option<String>,
    /// `offered`, `authorized` or `not_authorized`.
    pub status: String,
    /// Where the written notice went (`sms` or `email`), if one was sent.
    pub notice_channel: Option<String>,
    /// What evidence is kept: `recording`, `written_notice` or `recording_and_written_notice`.
    pub evidence: Option<String>,
    /// When it was authorised (UTC ms).
    pub authorized_at: Option<i64>,
    /// Kept at least until then (UTC ms).
    pub keep_until: Option<i64>,
}

/// A debit due a look at its gateway.
#[derive(Debug, Clone)]
pub struct DebitToCheck {
    /// The call's provider.
    pub provider: String,
    /// The call.
    pub call_sid: String,
    /// The payment attempt.
    pub attempt: i64,
    /// The gateway's id of the debit.
    pub reference: String,
    /// `clearing` or `approved` (watched for a return).
    pub status: String,
    /// Until when a return is watched for.
    pub checks_until: i64,
}

/// What became of a debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebitSettlement {
    /// The money arrived: `approved`.
    Succeeded,
    /// It came back before it settled: `failed`, the balance raised again.
    Failed(ReturnCode),
    /// It came back after it settled: `returned`, the balance raised again.
    Returned(ReturnCode),
}

/// What [`Store::settle_debit`] changed, for the notice and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitSettled {
    /// The account paid.
    pub account_number: String,
    /// The debit's amount, in cents.
    pub amount_cents: i64,
    /// The account's balance after it (raised again when the debit came back).
    pub balance_cents: i64,
}

const AUTHORIZATION_COLUMNS: &str = "call_sid, attempt, account_number, amount_cents, \
    account_type, last4, debit_date, language, script_version, script, recording_id, status, \
    notice_channel, evidence, authorized_at, keep_until";

fn authorization_from_row(
    row: &sqlx::any::AnyRow,
) -> Result<DebitAuthorizationRecord, sqlx::Error> {
    Ok(DebitAuthorizationRecord {
        call_sid: row.try_get("call_sid")?,
        attempt: row.try_get("attempt")?,
        account_number: row.try_get("account_number")?,
        amount_cents: row.try_get("amount_cents")?,
        account_type: row.try_get("account_type")?,
        last4: row.try_get("last4")?,
        debit_date: row.try_get("debit_date")?,
        language: row.try_get("language")?,
        script_version: row.try_get("script_version")?,
        script: row.try_get("script")?,
        recording_id: row.try_get("recording_id")?,
        status: row.try_get("status")?,
        notice_channel: row.try_get("notice_channel")?,
        evidence: row.try_get("evidence")?,
        authorized_at: row.try_get("authorized_at")?,
        keep_until: row.try_get("keep_until")?,
    })
}

impl Store {
    /// Records an authorisation being read (again, if the caller went back and it is read anew:
    /// the latest words and recording replace the earlier ones until it is given).
    ///
    /// # Errors
    /// A database failure.
    pub async fn offer_debit_authorization(
        &self,
        offer: &NewDebitAuthorization<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO debit_authorizations (provider, call_sid, attempt, account_number, \
             amount_cents, account_type, last4, debit_date, language, script_version, script, \
             recording_id, status, offered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'offered', $13) \
             ON CONFLICT (provider, call_sid, attempt) DO UPDATE SET \
             amount_cents = excluded.amount_cents, account_type = excluded.account_type, \
             last4 = excluded.last4, debit_date = excluded.debit_date, \
             language = excluded.language, script_version = excluded.script_version, \
             script = excluded.script, recording_id = excluded.recording_id, status = 'offered', \
             offered_at = excluded.offered_at \
             WHERE debit_authorizations.status <> 'authorized'",
        )
        .bind(offer.call.provider)
        .bind(offer.call.sid)
        .bind(offer.attempt)
        .bind(offer.account_number)
        .bind(offer.amount_cents)
        .bind(offer.account_type)
        .bind(offer.last4)
        .bind(offer.debit_date)
        .bind(offer.language)
        .bind(offer.script_version)
        .bind(offer.script)
        .bind(offer.recording_id)
        .bind(offer.now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The authorisation read on `call` for payment `attempt`, if any.
    ///
    /// # Errors
    /// A database failure.
    pub async fn debit_authorization(
        &self,
        call: CallKey<'_>,
        attempt: i64,
    ) -> Result<Option<DebitAuthorizationRecord>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM debit_authorizations \
             WHERE provider = $1 AND call_sid = $2 AND attempt = $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call.provider)
            .bind(call.sid)
            .bind(attempt)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(authorization_from_row).transpose()?)
    }

    /// The authorisations an account gave, newest first (the evidence operations show a bank).
    ///
    /// # Errors
    /// A database failure.
    pub async fn debit_authorizations_for_account(
        &self,
        account_number: &str,
    ) -> Result<Vec<DebitAuthorizationRecord>, StoreError> {
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM debit_authorizations \
             WHERE account_number = $1 ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(authorization_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Records the caller's authorisation and the evidence kept of it, to be kept until
    /// `keep_until`. Only an authorisation being read can be given, once.
    ///
    /// # Errors
    /// A database failure.
    pub async fn authorize_debit(
        &self,
        call: CallKey<'_>,
        attempt: i64,
        evidence: &str,
        notice_channel: Option<&str>,
        now_ms: i64,
        keep_until: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE debit_authorizations SET status = 'authorized', evidence = $4, \
             notice_channel = $5, authorized_at = $6, keep_until = $7 \
             WHERE provider = $1 AND call_sid = $2 AND attempt = $3 AND status = 'offered'",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(attempt)
        .bind(evidence)
        .bind(notice_channel)
        .bind(now_ms)
        .bind(keep_until)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records that an authorisation being read was not given (the caller said no, or chose
    /// another way to pay); its recording id, to stop the recording.
    ///
    /// # Errors
    /// A database failure.
    pub async fn withdraw_debit_authorization(
        &self,
        call: CallKey<'_>,
        attempt: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "UPDATE debit_authorizations SET status = 'not_authorized' \
             WHERE provider = $1 AND call_sid = $2 AND attempt = $3 AND status = 'offered' \
             RETURNING recording_id",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(attempt)
        .fetch_optional(self.writer())
        .await?;
        Ok(match row {
            Some(row) => row.try_get("recording_id")?,
            None => None,
        })
    }

    /// Debits whose next look at the gateway is due, each leased to this caller until
    /// `lease_until` by one conditional update, so two instances never check one at once.
    ///
    /// # Errors
    /// A database failure.
    pub async fn lease_debits_to_check(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DebitToCheck>, StoreError> {
        let candidates = sqlx::query(
            "SELECT id, next_check_at FROM payments WHERE next_check_at IS NOT NULL \
             AND next_check_at <= $1 ORDER BY next_check_at LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::new();
        for candidate in candidates {
            let id: i64 = candidate.try_get("id")?;
            let due: i64 = candidate.try_get("next_check_at")?;
            let row = sqlx::query(
                "UPDATE payments SET next_check_at = $3 WHERE id = $1 AND next_check_at = $2 \
                 RETURNING provider, call_sid, attempt, gateway_reference, status, checks_until",
            )
            .bind(id)
            .bind(due)
            .bind(lease_until)
            .fetch_optional(self.writer())
            .await?;
            let Some(row) = row else { continue };
            let reference: Option<String> = row.try_get("gateway_reference")?;
            let Some(reference) = reference else { continue };
            leased.push(DebitToCheck {
                provider: row.try_get("provider")?,
                call_sid: row.try_get("call_sid")?,
                attempt: row.try_get("attempt")?,
                reference,
                status: row.try_get("status")?,
                checks_until: row.try_get::<Option<i64>, _>("checks_until")?.unwrap_or(0),
            });
        }
        Ok(leased)
    }

    /// Records what became of a debit, once: a clearing debit succeeds or fails, a succeeded
    /// one can be returned. A debit that came back raises the balance (and the minimum due, by
    /// what it had covered) again, and `notices` are queued in the same transaction. The next
    /// look is at `next_check_at` (`None`: no more looks). `None` when the debit was not in a
    /// state this applies to (another instance recorded it first).
    ///
    /// # Errors
    /// A database failure; nothing is changed then.
    pub async fn settle_debit(
        &self,
        call: CallKey<'_>,
        attempt: i64,
        settlement: DebitSettlement,
        notices: &[NewMessage],
        next_check_at: Option<i64>,
        now_ms: i64,
    ) -> Result<Option<DebitSettled>, StoreError> {
        let (status, from, code) = match settlement {
            DebitSettlement::Succeeded => ("approved", "clearing", None),
            DebitSettlement::Failed(code) => ("failed", "clearing", Some(code.as_str())),
            DebitSettlement::Returned(code) => ("returned", "approved", Some(code.as_str())),
        };
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE payments SET status = $4, return_code = $5, \
             decline_reason = COALESCE($6, decline_reason), next_check_at = $7, \
             settled_at = CASE WHEN $4 = 'approved' THEN $8 ELSE settled_at END, updated_at = $8 \
             WHERE provider = $1 AND call_sid = $2 AND attempt = $3 AND status = $9 \
             AND method = 'bank' \
             RETURNING account_number, amount_cents, minimum_due_covered_cents",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(attempt)
        .bind(status)
        .bind(code)
        .bind(code.map(|_| "bank_return"))
        .bind(next_check_at)
        .bind(now_ms)
        .bind(from)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let account: String = row.try_get("account_number")?;
        let amount: i64 = row.try_get("amount_cents")?;
        let covered: Option<i64> = row.try_get("minimum_due_covered_cents")?;
        let balance = if code.is_some() {
            let reopened = sqlx::query(
                "UPDATE accounts SET balance_cents = balance_cents + $2, \
                 minimum_due_cents = minimum_due_cents + $3, updated_at = $4 \
                 WHERE account_number = $1 RETURNING balance_cents",
            )
            .bind(&account)
            .bind(amount)
            .bind(covered.unwrap_or(0))
            .bind(now_ms)
            .fetch_optional(&mut *tx)
            .await?;
            for notice in notices {
                super::messages::insert_message(&mut tx, notice, now_ms).await?;
            }
            match reopened {
                Some(row) => row.try_get("balance_cents")?,
                None => 0,
            }
        } else {
            let row = sqlx::query("SELECT balance_cents FROM accounts WHERE account_number = $1")
                .bind(&account)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                Some(row) => row.try_get("balance_cents")?,
                None => 0,
            }
        };
        tx.commit().await?;
        Ok(Some(DebitSettled {
            account_number: account,
            amount_cents: amount,
            balance_cents: balance,
        }))
    }

    /// Pushes a debit's next look to `next_check_at`, or stops looking (`None`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn next_debit_check(
        &self,
        call: CallKey<'_>,
        attempt: i64,
        next_check_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payments SET next_check_at = $4 \
             WHERE provider = $1 AND call_sid = $2 AND attempt = $3 AND method = 'bank'",
        )
        .bind(call.provider)
        .bind(call.sid)
        .bind(attempt)
        .bind(next_check_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Bank debits made since `since` and those of them returned, by return code: what NACHA's
    /// return rates are taken over.
    ///
    /// # Errors
    /// A database failure.
    pub async fn bank_returns_since(&self, since_ms: i64) -> Result<BankReturns, StoreError> {
        let debits: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM payments WHERE method = 'bank' AND created_at >= $1 \
             AND status IN ('clearing', 'approved', 'failed', 'returned')",
        )
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        let rows = sqlx::query(
            "SELECT return_code, COUNT(*) AS n FROM payments WHERE method = 'bank' \
             AND created_at >= $1 AND status IN ('failed', 'returned') \
             AND return_code IS NOT NULL GROUP BY return_code ORDER BY return_code",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?;
        let mut returns = Vec::new();
        for row in rows {
            let code: String = row.try_get("return_code")?;
            returns.push((ReturnCode::parse(&code), row.try_get::<i64, _>("n")?));
        }
        Ok(BankReturns { debits, returns })
    }
}

/// A payment found by its gateway's reference.
#[derive(Debug, Clone)]
pub struct PaymentByReference {
    /// The call's provider.
    pub provider: String,
    /// The payment as recorded.
    pub payment: super::PaymentRecord,
    /// Until when a bank debit is watched for a return.
    pub checks_until: Option<i64>,
}

impl Store {
    /// The payment `gateway` knows as `reference`, if any.
    ///
    /// # Errors
    /// A database failure.
    pub async fn payment_by_reference(
        &self,
        gateway: &str,
        reference: &str,
    ) -> Result<Option<PaymentByReference>, StoreError> {
        let row = sqlx::query(
            "SELECT provider, call_sid, attempt, checks_until FROM payments \
             WHERE gateway = $1 AND gateway_reference = $2 ORDER BY id LIMIT 1",
        )
        .bind(gateway)
        .bind(reference)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let provider: String = row.try_get("provider")?;
        let call_sid: String = row.try_get("call_sid")?;
        let attempt: i64 = row.try_get("attempt")?;
        let checks_until: Option<i64> = row.try_get("checks_until")?;
        let call = CallKey {
            provider: &provider,
            sid: &call_sid,
        };
        let payment = self
            .payments_of_call(call)
            .await?
            .into_iter()
            .find(|p| p.attempt == attempt);
        Ok(payment.map(|payment| PaymentByReference {
            provider: provider.clone(),
            payment,
            checks_until,
        }))
    }

    /// Records that `gateway` delivered event `event_id`; `false` when it was recorded before
    /// (a delivery again).
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_gateway_event(
        &self,
        gateway: &str,
        event_id: &str,
        kind: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO gateway_events (gateway, event_id, kind, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (gateway, event_id) DO NOTHING",
        )
        .bind(gateway)
        .bind(event_id)
        .bind(kind)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Whether `gateway`'s event `event_id` was recorded already.
    ///
    /// # Errors
    /// A database failure.
    pub async fn gateway_event_seen(
        &self,
        gateway: &str,
        event_id: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS seen FROM gateway_events WHERE gateway = $1 AND event_id = $2",
        )
        .bind(gateway)
        .bind(event_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }
}

/// Bank debits over a period and their returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankReturns {
    /// Debits made (submitted and accepted).
    pub debits: i64,
    /// Returns, by code.
    pub returns: Vec<(ReturnCode, i64)>,
}
