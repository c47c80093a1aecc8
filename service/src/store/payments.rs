//! Payment rows. A payment is recorded `pending` before the gateway is asked, under a unique
//! (call, attempt) key, and settled afterwards; an approval lowers the balance in the same
//! transaction that records it.

use serde::Serialize;
use sqlx::Row;

use super::{CallKey, Store, StoreError};
use crate::payments::{MethodKind, MethodSummary};

/// A payment about to be sent to the gateway.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// The call it is made on.
    pub call: CallKey<'a>,
    /// Which confirmed card of the call (1, 2, ...).
    pub attempt: i64,
    /// The account paid.
    pub account_number: &'a str,
    /// Amount in cents: what lowers the balance.
    pub amount_cents: i64,
    /// Convenience fee in cents, charged on top.
    pub fee_cents: i64,
    /// The one-payment settlement this payment pays, if it does: recorded with the payment, and
    /// settled or refused with it.
    pub settlement: Option<super::NewArrangement<'a>>,
    /// ISO currency code.
    pub currency: &'a str,
    /// How it is paid: the method's kind, label and last four.
    pub method: &'a MethodSummary,
    /// Gateway name.
    pub gateway: &'a str,
    /// The key the gateway de-duplicates on.
    pub idempotency_key: &'a str,
    /// The card, sealed, kept until the payment is settled so it can be reconciled.
    pub sealed_card: &'a [u8],
    /// When the sealed card must be wiped even if the payment is still unsettled (UTC ms).
    pub sealed_until: i64,
    /// When (UTC ms).
    pub now: i64,
}

/// A recorded payment, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaymentRecord {
    /// The call it was made on.
    pub call_sid: String,
    /// Which confirmed card of the call.
    pub attempt: i64,
    /// The account paid.
    pub account_number: String,
    /// Amount in cents: what lowered the balance.
    pub amount_cents: i64,
    /// Convenience fee in cents, charged on top.
    pub fee_cents: i64,
    /// ISO currency code.
    pub currency: String,
    /// How it was paid: `card` or `bank`.
    pub method: MethodKind,
    /// The card's brand code (`visa`) or the bank account's type (`checking`).
    pub method_label: String,
    /// The last four digits of the card or account number.
    pub method_last4: String,
    /// For a card, its brand code (`method_label`): kept for clients written before bank
    /// payments.
    pub card_brand: Option<String>,
    /// For a card, its last four digits (`method_last4`): kept for clients written before bank
    /// payments.
    pub card_last4: Option<String>,
    /// `pending` (not settled: not yet sent, or accepted and not yet cleared), `approved`,
    /// `declined` or `unknown`.
    pub status: String,
    /// Why it was declined.
    pub decline_reason: Option<String>,
    /// Gateway name.
    pub gateway: String,
    /// The gateway's id for it.
    pub gateway_reference: Option<String>,
    /// The code the caller was given.
    pub confirmation_code: Option<String>,
    /// For a bank debit that failed or came back, NACHA's return code (`R01` ...).
    pub return_code: Option<String>,
    /// When it was first recorded (UTC ms).
    pub created_at: i64,
    /// Its outcome could not be learned before the card had to be wiped: a person must check it
    /// in the gateway.
    pub needs_attention: bool,
}

/// A payment sent to the gateway whose answer was never recorded (or was no definite answer),
/// leased to one reconciler.
#[derive(Debug, Clone)]
pub struct UnsettledPayment {
    /// The call's provider.
    pub provider: String,
    /// The call it was made on.
    pub call_sid: String,
    /// Which confirmed card of the call.
    pub attempt: i64,
    /// The account paid.
    pub account_number: String,
    /// Amount in cents, fee included: what the card is charged.
    pub charged_cents: i64,
    /// The key the first charge was sent with.
    pub idempotency_key: String,
    /// The card, sealed; `None` once wiped.
    pub sealed_card: Option<Vec<u8>>,
    /// When the sealed card must be wiped (UTC ms).
    pub sealed_until: Option<i64>,
    /// A card or a bank account.
    pub method: MethodKind,
    /// The card's brand or the bank account's type.
    pub method_label: String,
}

impl PaymentRecord {
    /// How it was paid, for receipts and the console.
    pub fn summary(&self) -> MethodSummary {
        MethodSummary {
            kind: self.method,
            label: self.method_label.clone(),
            last4: self.method_last4.clone(),
        }
    }
}

/// How a payment was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement<'a> {
    /// Money taken.
    Approved {
        /// Gateway id.
        reference: &'a str,
        /// Code given to the caller.
        confirmation_code: &'a str,
    },
    /// Accepted by the gateway, not yet settled: the payment stays `pending` (its sealed card
    /// kept for the reconciler, who asks again), with the gateway's id and the code the caller
    /// was given, which its approval keeps.
    Pending {
        /// Gateway id.
        reference: &'a str,
        /// Code given to the caller.
        confirmation_code: &'a str,
    },
    /// A bank debit accepted by its gateway, clearing: recorded `clearing`, the balance lowered
    /// now (a failure or return raises it again), the bank account's sealed numbers wiped, and
    /// upkeep to ask the gateway at `next_check_at` and until `checks_until`.
    Clearing {
        /// Gateway id.
        reference: &'a str,
        /// Code given to the caller.
        confirmation_code: &'a str,
        /// When upkeep first asks how it stands.
        next_check_at: i64,
        /// Until when a return is watched for.
        checks_until: i64,
    },
    /// Refused.
    Declined {
        /// Why.
        reason: &'a str,
        /// Gateway id, if any.
        reference: Option<&'a str>,
    },
    /// No definite answer: never to be charged again; operations settle it.
    Unknown,
}

const PAYMENT_COLUMNS: &str = "call_sid, attempt, account_number, amount_cents, fee_cents, currency, method, \
    method_label, method_last4, status, decline_reason, gateway, gateway_reference, \
    confirmation_code, created_at, needs_attention, return_code";

/// A stored method kind; one this version does not know is a decoding error, not a guess.
pub(super) fn method_kind(stored: &str) -> Result<MethodKind, sqlx::Error> {
    MethodKind::parse(stored)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown payment method {stored:?}").into()))
}

fn payment_from_row(row: &sqlx::any::AnyRow) -> Result<PaymentRecord, sqlx::Error> {
    let method = method_kind(row.try_get("method")?)?;
    let method_label: String = row.try_get("method_label")?;
    let method_last4: String = row.try_get("method_last4")?;
    let is_card = method == MethodKind::Card;
    Ok(PaymentRecord {
        card_brand: is_card.then(|| method_label.clone()),
        card_last4: is_card.then(|| method_last4.clone()),
        method,
        method_label,
        method_last4,
        call_sid: row.try_get("call_sid")?,
        attempt: row.try_get("attempt")?,
        account_number: row.try_get("account_number")?,
        amount_cents: row.try_get("amount_cents")?,
        fee_cents: row.try_get("fee_cents")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        decline_reason: row.try_get("decline_reason")?,
        gateway: row.try_get("gateway")?,
        gateway_reference: row.try_get("gateway_reference")?,
        confirmation_code: row.try_get("confirmation_code")?,
        return_code: row.try_get("return_code")?,
        created_at: row.try_get("created_at")?,
        needs_attention: row.try_get::<i64, _>("needs_attention")? != 0,
    })
}

impl Store {
    /// Records a payment as pending. Returns `None` when this (call, attempt) is new, or the
    /// existing record when it was recorded before (a retried confirmation): the caller must then
    /// not charge anew but use that record (or, if still pending, ask the gateway again with the
    /// same idempotency key).
    ///
    /// # Errors
    /// A database failure.
    pub async fn begin_payment(
        &self,
        payment: &NewPayment<'_>,
    ) -> Result<Option<PaymentRecord>, StoreError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            // card_brand and card_last4 are written for compatibility only (migration 0019).
            "INSERT INTO payments (call_sid, attempt, account_number, amount_cents, currency, \
             card_brand, card_last4, status, gateway, idempotency_key, created_at, updated_at, \
             sealed_card, sealed_until, provider, fee_cents, method, method_label, method_last4) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $10, $11, $12, $13, $14, \
             $15, $6, $7) \
             ON CONFLICT (provider, call_sid, attempt) DO NOTHING",
        )
        .bind(payment.call.sid)
        .bind(payment.attempt)
        .bind(payment.account_number)
        .bind(payment.amount_cents)
        .bind(payment.currency)
        .bind(&payment.method.label)
        .bind(&payment.method.last4)
        .bind(payment.gateway)
        .bind(payment.idempotency_key)
        .bind(payment.now)
        .bind(payment.sealed_card)
        .bind(payment.sealed_until)
        .bind(payment.call.provider)
        .bind(payment.fee_cents)
        .bind(payment.method.kind.as_str())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            if let Some(settlement) = &payment.settlement {
                let (id, _) = super::arrangements::insert_arrangement(&mut tx, settlement).await?;
                sqlx::query(
                    "UPDATE payments SET arrangement_id = $1 WHERE provider = $2 AND call_sid = $3 \
                     AND attempt = $4",
                )
                .bind(id)
                .bind(payment.call.provider)
                .bind(payment.call.sid)
                .bind(payment.attempt)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        // Recorded before and still unsettled: this delivery is about to ask the gateway again,
        // so the reconciler keeps its hands off it for a while.
        sqlx::query(
            "UPDATE payments SET updated_at = $3 WHERE call_sid = $1 AND attempt = $2 \
             AND status IN ('pending', 'unknown') AND provider = $4",
        )
        .bind(payment.call.sid)
        .bind(payment.attempt)
        .bind(payment.now)
        .bind(payment.call.provider)
        .execute(self.writer())
        .await?;
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE call_sid = $1 AND attempt = $2 AND provider = $3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(payment.call.sid)
            .bind(payment.attempt)
            .bind(payment.call.provider)
            .fetch_one(self.pool())
            .await?;
        Ok(Some(payment_from_row(&row)?))
    }

    /// Settles a pending payment. An approval lowers the account's balance in the same
    /// transaction, and only once: a payment already settled is left as it is. A definite answer
    /// (approved or declined) wipes the sealed card; `Unknown` and `Pending` keep it for the
    /// reconciler. A gateway id or confirmation code recorded with `Pending` stays unless the
    /// settlement names another.
    ///
    /// # Errors
    /// A database failure; nothing is changed then.
    /// `receipts` (for an account that chose a channel on an earlier call, or a bank debit's
    /// written notice) are queued in the same transaction when the payment is approved or, for a
    /// debit, accepted as clearing here.
    pub async fn settle_payment(
        &self,
        call: CallKey<'_>,
        attempt: i64,
        settlement: &Settlement<'_>,
        receipts: &[super::NewMessage],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let (status, reason, reference, code) = match settlement {
            Settlement::Approved {
                reference,
                confirmation_code,
            } => ("approved", None, Some(*reference), Some(*confirmation_code)),
            Settlement::Pending {
                reference,
                confirmation_code,
            } => ("pending", None, Some(*reference), Some(*confirmation_code)),
            Settlement::Clearing {
                reference,
                confirmation_code,
                ..
            } => ("clearing", None, Some(*reference), Some(*confirmation_code)),
            Settlement::Declined { reason, reference } => {
                ("declined", Some(*reason), *reference, None)
            }
            Settlement::Unknown => ("unknown", None, None, None),
        };
        let (next_check_at, checks_until) = match settlement {
            Settlement::Clearing {
                next_check_at,
                checks_until,
                ..
            } => (Some(*next_check_at), Some(*checks_until)),
            _ => (None, None),
        };
        let settled = sqlx::query(
            "UPDATE payments SET status = $3, decline_reason = $4, \
             gateway_reference = COALESCE($5, gateway_reference), \
             confirmation_code = COALESCE($6, confirmation_code), updated_at = $7, \
             sealed_card = CASE WHEN $3 IN ('unknown', 'pending') THEN sealed_card ELSE NULL END, \
             sealed_until = CASE WHEN $3 IN ('unknown', 'pending') THEN sealed_until ELSE NULL END, \
             next_check_at = $9, checks_until = $10 \
             WHERE call_sid = $1 AND attempt = $2 AND status IN ('pending', 'unknown') \
             AND provider = $8 RETURNING account_number, amount_cents, arrangement_id",
        )
        .bind(call.sid)
        .bind(attempt)
        .bind(status)
        .bind(reason)
        .bind(reference)
        .bind(code)
        .bind(now_ms)
        .bind(call.provider)
        .bind(next_check_at)
        .bind(checks_until)
        .fetch_optional(&mut *tx)
        .await?;
        let arrangement: Option<i64> = match &settled {
            Some(row) => row.try_get("arrangement_id")?,
            None => None,
        };
        if let Some(id) = arrangement {
            // The one-payment settlement this payment pays is settled or refused with it.
            let status = match settlement {
                Settlement::Approved { .. } => "completed",
                Settlement::Declined { .. } => "declined",
                Settlement::Pending { .. } | Settlement::Clearing { .. } | Settlement::Unknown => {
                    "pending"
                }
            };
            sqlx::query(
                "UPDATE arrangements SET status = $2, updated_at = $3 WHERE id = $1 \
                 AND status = 'pending'",
            )
            .bind(id)
            .bind(status)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        if let (Some(row), Settlement::Approved { .. } | Settlement::Clearing { .. }) =
            (settled, settlement)
        {
            let account: String = row.try_get("account_number")?;
            let amount: i64 = row.try_get("amount_cents")?;
            if let Settlement::Clearing { .. } = settlement {
                // What of the minimum due this debit covers, given back if it comes back.
                let due: Option<i64> =
                    sqlx::query("SELECT minimum_due_cents FROM accounts WHERE account_number = $1")
                        .bind(&account)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|row| row.try_get("minimum_due_cents"))
                        .transpose()?;
                sqlx::query(
                    "UPDATE payments SET minimum_due_covered_cents = $4 \
                     WHERE call_sid = $1 AND attempt = $2 AND provider = $3",
                )
                .bind(call.sid)
                .bind(attempt)
                .bind(call.provider)
                .bind(due.unwrap_or(0).clamp(0, amount))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE accounts SET balance_cents = balance_cents - $2, \
                 minimum_due_cents = CASE WHEN minimum_due_cents > $2 THEN minimum_due_cents - $2 ELSE 0 END, \
                 updated_at = $3 WHERE account_number = $1",
            )
            .bind(&account)
            .bind(amount)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            // A settlement is settled by money that arrived; a debit still clearing waits.
            if arrangement.is_some() && matches!(settlement, Settlement::Approved { .. }) {
                super::arrangements::settle_account(&mut tx, &account, now_ms).await?;
            }
            for receipt in receipts {
                super::messages::insert_message(&mut tx, receipt, now_ms).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The payments made on a call.
    ///
    /// # Errors
    /// A database failure.
    pub async fn payments_of_call(
        &self,
        call: CallKey<'_>,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE call_sid = $1 AND provider = $2 \
             ORDER BY attempt"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call.sid)
            .bind(call.provider)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(payment_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The payments made on calls with this id, whichever provider's (for people and audits,
    /// who rarely know the provider).
    ///
    /// # Errors
    /// A database failure.
    pub async fn payments_for_call(
        &self,
        call_sid: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE call_sid = $1 ORDER BY attempt, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call_sid)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(payment_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// An account's payments, newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn payments_for_account(
        &self,
        account_number: &str,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE account_number = $1 ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_number)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(payment_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Payments sent but unsettled (`pending` or `unknown`, not yet handed to a person) and
    /// untouched since `quiet_since`, each leased to this caller by one conditional update so that
    /// two instances never reconcile the same payment at once; at most `limit`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn lease_unsettled_payments(
        &self,
        quiet_since: i64,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<UnsettledPayment>, StoreError> {
        let candidates = sqlx::query(
            "SELECT provider, call_sid, attempt FROM payments WHERE status IN ('pending', 'unknown') \
             AND needs_attention = 0 AND updated_at < $1 ORDER BY updated_at LIMIT $2",
        )
        .bind(quiet_since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::new();
        for candidate in candidates {
            let provider: String = candidate.try_get("provider")?;
            let call_sid: String = candidate.try_get("call_sid")?;
            let attempt: i64 = candidate.try_get("attempt")?;
            let row = sqlx::query(
                "UPDATE payments SET updated_at = $3 WHERE call_sid = $1 AND attempt = $2 \
                 AND status IN ('pending', 'unknown') AND needs_attention = 0 AND updated_at < $4 \
                 AND provider = $5 \
                 RETURNING provider, call_sid, attempt, account_number, amount_cents, fee_cents, \
                 idempotency_key, sealed_card, sealed_until, method, method_label",
            )
            .bind(&call_sid)
            .bind(attempt)
            .bind(now_ms)
            .bind(quiet_since)
            .bind(&provider)
            .fetch_optional(self.writer())
            .await?;
            if let Some(row) = row {
                leased.push(UnsettledPayment {
                    provider: row.try_get("provider")?,
                    call_sid: row.try_get("call_sid")?,
                    attempt: row.try_get("attempt")?,
                    account_number: row.try_get("account_number")?,
                    charged_cents: row.try_get::<i64, _>("amount_cents")?
                        + row.try_get::<i64, _>("fee_cents")?,
                    idempotency_key: row.try_get("idempotency_key")?,
                    sealed_card: row.try_get("sealed_card")?,
                    sealed_until: row.try_get("sealed_until")?,
                    method: method_kind(row.try_get("method")?)?,
                    method_label: row.try_get("method_label")?,
                });
            }
        }
        Ok(leased)
    }

    /// Gives an unsettled payment to a person: its outcome stays `unknown`, the sealed card is
    /// wiped, and it is flagged for attention (and so never charged again by anyone).
    ///
    /// # Errors
    /// A database failure.
    pub async fn flag_payment_for_attention(
        &self,
        call: CallKey<'_>,
        attempt: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE payments SET status = 'unknown', needs_attention = 1, sealed_card = NULL, \
             sealed_until = NULL, updated_at = $3 \
             WHERE call_sid = $1 AND attempt = $2 AND status IN ('pending', 'unknown') \
             AND provider = $4",
        )
        .bind(call.sid)
        .bind(attempt)
        .bind(now_ms)
        .bind(call.provider)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Payments whose outcome is not settled (`pending` or `unknown`), oldest first, for the
    /// people who settle them by hand.
    ///
    /// # Errors
    /// A database failure.
    pub async fn unsettled_payments(&self) -> Result<Vec<PaymentRecord>, StoreError> {
        let sql = format!(
            "SELECT {PAYMENT_COLUMNS} FROM payments WHERE status IN ('pending', 'unknown') \
             ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(payment_from_row)
            .collect::<Result<_, _>>()?)
    }
}
