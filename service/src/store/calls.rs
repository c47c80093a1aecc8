//! Call rows (the flow cursor, the last reply for retries, the outcome) and their steps.

use serde::Serialize;
use sqlx::Row;

use super::in_place::Write;
use super::transfers::{self, NewTransfer};
use super::{Account, Store, StoreError};
pub use crate::flow::StepRecord;
use crate::payments::redact::{mask_card_numbers, scrub_free_text};

/// A call's identity: call ids are unique per provider only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallKey<'a> {
    /// The provider's name (its dialect's).
    pub provider: &'a str,
    /// The provider's call id.
    pub sid: &'a str,
}

/// A call as it starts.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    /// The provider's call id.
    pub call_sid: &'a str,
    /// The provider: its dialect's name.
    pub provider: &'a str,
    /// Caller ID.
    pub from_number: &'a str,
    /// The number called.
    pub to_number: &'a str,
    /// When the first webhook arrived (UTC ms).
    pub started_at: i64,
    /// The flow cursor as JSON.
    pub session: &'a str,
}

/// A call's working state and the account its row names (`$1` the call id, `$2` the provider):
/// the call's columns in `CallRow` order, then the account's in `account_columns!` order, all
/// null when the row names none. Run through sqlx, and in place on SQLite (`in_place.rs`).
pub(super) const CALL_AND_ACCOUNT: &str = concat!(
    "SELECT c.call_sid, c.from_number, c.turn, c.last_reply, c.session, c.sealed, \
     c.sealed_until, c.ended_at, c.claim_turn, c.claimed_at, a.* FROM calls c \
     LEFT JOIN (SELECT ",
    super::accounts::account_columns!(),
    " FROM accounts) a ON a.account_number = c.account_number \
     WHERE c.call_sid = $1 AND c.provider = $2"
);

/// [`Store::claim_turn`]'s statement, run through sqlx and in place on SQLite (`in_place.rs`).
pub(super) const CLAIM_TURN: &str = "UPDATE calls SET claim_turn = $2, claim_token = $3, claimed_at = $4 \
     WHERE call_sid = $1 AND turn = $2 AND ended_at IS NULL \
     AND (claim_turn IS NULL OR claim_turn <> $2 OR claimed_at < $5) AND provider = $6";

/// [`Store::save_turn`]'s statement, run through sqlx and in place on SQLite.
pub(super) const SAVE_TURN: &str = "UPDATE calls SET turn = turn + 1, last_reply = $3, session = $4, sealed = $5, \
     language = COALESCE($6, language), account_number = COALESCE($7, account_number), \
     outcome = COALESCE($8, outcome), last_step = COALESCE($9, last_step), \
     ended_at = COALESCE($10, ended_at), updated_at = $11, sealed_until = $12, \
     steps = steps || $13, claim_turn = NULL, claim_token = NULL \
     WHERE call_sid = $1 AND turn = $2 \
     AND (claim_turn IS NULL OR claim_turn <> $2 OR claim_token = $14 OR claimed_at < $15) \
     AND provider = $16";

/// [`Store::start_call`]'s statement, run through sqlx and in place on SQLite.
pub(super) const START_CALL: &str = "INSERT INTO calls (call_sid, provider, from_number, to_number, started_at, turn, \
     last_reply, session, sealed, sealed_until, language, account_number, outcome, last_step, \
     ended_at, steps, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $5) \
     ON CONFLICT (provider, call_sid) DO NOTHING";

/// The working state of a call, loaded for each webhook.
#[derive(Debug, Clone)]
pub struct CallRow {
    /// The provider's call id.
    pub call_sid: String,
    /// Caller ID.
    pub from_number: String,
    /// Webhooks answered so far.
    pub turn: i64,
    /// The reply to the last answered webhook, replayed when that webhook is retried.
    pub last_reply: String,
    /// The flow cursor as JSON.
    pub session: String,
    /// Sealed sensitive values, if any are waiting.
    pub sealed: Option<Vec<u8>>,
    /// When the sealed values expire (UTC ms).
    pub sealed_until: Option<i64>,
    /// Set once the call has ended.
    pub ended_at: Option<i64>,
    /// The turn a delivery has claimed, if any.
    pub claim_turn: Option<i64>,
    /// When that claim was made (UTC ms).
    pub claimed_at: Option<i64>,
}

/// What one answered webhook changes on the call row.
#[derive(Debug, Clone)]
pub struct TurnUpdate<'a> {
    /// The call's provider.
    pub provider: &'a str,
    /// The call.
    pub call_sid: &'a str,
    /// The turn that was answered; the row must still be at it.
    pub answered_turn: i64,
    /// The reply given.
    pub reply: &'a str,
    /// The new flow cursor as JSON.
    pub session: &'a str,
    /// Sensitive values still waiting, sealed; `None` wipes them.
    pub sealed: Option<&'a [u8]>,
    /// When the sealed values expire (UTC ms).
    pub sealed_until: Option<i64>,
    /// Language, once chosen.
    pub language: Option<&'a str>,
    /// Account, once identified.
    pub account_number: Option<&'a str>,
    /// Outcome so far.
    pub outcome: Option<&'a str>,
    /// The last flow state the caller reached.
    pub last_step: Option<&'a str>,
    /// Set when the flow ended the call.
    pub ended_at: Option<i64>,
    /// The turn's steps, to append to the call's log.
    pub steps: &'a [StepRecord],
    /// The claim this delivery holds on the turn, if it claimed one.
    pub claim_token: Option<i64>,
    /// Claims older than this (UTC ms) no longer block the save.
    pub stale_before: i64,
    /// When (UTC ms).
    pub now: i64,
    /// Set when the reply dials a person: recorded in the same transaction as the turn, and only
    /// if the turn is saved (so a retried webhook records no second transfer).
    pub transfer: Option<&'a NewTransfer>,
}

/// `calls.paid_at` from the call's payments, in an `UPDATE calls`: its first approved one (or
/// bank debit accepted and clearing).
const FIRST_PAID: &str = "(SELECT MIN(p.created_at) FROM payments p \
     WHERE p.provider = calls.provider AND p.call_sid = calls.call_sid \
     AND p.status IN ('approved', 'clearing'))";

/// A call being ended, as the store found it (under the row's lock), for the caller of
/// [`Store::end_call`] to decide what its end records.
#[derive(Debug, Clone)]
pub struct EndingCall {
    /// When the flow ended it itself, if it did.
    pub ended_at: Option<i64>,
    /// The outcome recorded so far.
    pub outcome: Option<String>,
    /// When it started (UTC ms).
    pub started_at: i64,
    /// Its step log (lines unreadable since older versions skipped).
    pub steps: Vec<StepRecord>,
    /// The question it was last asked.
    pub last_step: Option<String>,
    /// Whether its summary for the reports has been written already.
    pub reported: bool,
    /// Whether it was asked the end-of-call survey.
    pub surveyed: bool,
}

/// What ending a call records, decided above the store (`reports::record::summarize`).
#[derive(Debug, Clone)]
pub struct EndSummary {
    /// When (UTC ms).
    pub now_ms: i64,
    /// The call's outcome from now on.
    pub outcome: Option<String>,
    /// The flow the call ran (its name).
    pub flow: String,
    /// Whether it locked the account.
    pub locked_out: bool,
    /// Its quarter hour and the flow states it reached, added to `funnel_counts`; `None` when
    /// its summary was written before.
    pub funnel: Option<(i64, Vec<FunnelStep>)>,
}

/// One flow state a call reached, as `funnel_counts` counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelStep {
    /// The state's name.
    pub state: String,
    /// The order the call first reached it in, from 0.
    pub seq: i64,
    /// How the caller left it the last time (`funnel_counts.left_by`).
    pub left_by: &'static str,
}

/// A call and its steps, for the admin API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallRecord {
    /// The provider's call id.
    pub call_sid: String,
    /// Provider name.
    pub provider: String,
    /// Caller ID.
    pub from: String,
    /// The number called.
    pub to: String,
    /// Start (UTC ms).
    pub started_at: i64,
    /// End (UTC ms), once ended.
    pub ended_at: Option<i64>,
    /// Language code, once chosen.
    pub language: Option<String>,
    /// Account, once identified.
    pub account_number: Option<String>,
    /// `balance_heard`, `transferred`, `locked_out`, `abandoned` ...
    pub outcome: Option<String>,
    /// The last flow state reached.
    pub last_step: Option<String>,
    /// Why the caller said paying is hard (`lost_income`, `illness`, `family_emergency`,
    /// `disaster`, `other`), if they did.
    pub hardship_reason: Option<String>,
    /// Every step, in order; empty once the step log was purged.
    pub steps: Vec<StepRecord>,
    /// When the step log was purged (UTC ms), some days after the call ended (data
    /// minimisation); `None` while it is kept.
    pub steps_purged_at: Option<i64>,
    /// Payments made on the call.
    pub payments: Vec<super::PaymentRecord>,
}

impl Store {
    /// Records a new call with its first turn claimed under `token`, for a first turn whose flow
    /// has side effects; returns `false` when it was already recorded (a retried first webhook).
    ///
    /// # Errors
    /// A database failure.
    pub async fn insert_call(&self, call: &NewCall<'_>, token: i64) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "INSERT INTO calls (call_sid, provider, from_number, to_number, started_at, turn, \
             last_reply, session, updated_at, claim_turn, claim_token, claimed_at) \
             VALUES ($1, $2, $3, $4, $5, 0, '', $6, $5, 0, $7, $5) \
             ON CONFLICT (provider, call_sid) DO NOTHING",
        );
        let done = bind_new_call(query, call)
            .bind(mask_card_numbers(call.session).into_owned())
            .bind(token)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Loads a call's working state, without claiming it.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load_call(&self, call: CallKey<'_>) -> Result<Option<CallRow>, StoreError> {
        let row = sqlx::query(
            "SELECT call_sid, from_number, turn, last_reply, session, sealed, sealed_until, ended_at, \
             claim_turn, claimed_at FROM calls WHERE call_sid = $1 AND provider = $2",
        )
        .bind(call.sid)
        .bind(call.provider)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(call_row).transpose()
    }

    /// Loads a call's working state and the account its row names, in one statement: what a
    /// webhook of a call under way reads, in one round trip instead of two. The row names the
    /// account the session last identified; a session that has since let it go (the caller
    /// started over) still names it here, so the caller compares the two.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load_call_and_account(
        &self,
        call: CallKey<'_>,
    ) -> Result<Option<(CallRow, Option<Account>)>, StoreError> {
        if let Some(in_place) = &self.in_place {
            return in_place.load_call_and_account(call);
        }
        let row = sqlx::query(CALL_AND_ACCOUNT)
            .bind(call.sid)
            .bind(call.provider)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let account = match row.try_get::<Option<String>, _>("account_number")? {
            Some(_) => Some(super::accounts::account_from_row(&row)?),
            None => None,
        };
        Ok(Some((call_row(&row)?, account)))
    }

    /// Claims `turn` of a call before a side effect (counting a failed PIN, charging a card):
    /// succeeds for one delivery of a webhook only, on any instance, because it is one conditional
    /// update. A claim older than `stale_before` (its instance died mid-answer) can be taken
    /// over. Returns `false` when someone else holds the turn or it was already answered.
    ///
    /// # Errors
    /// A database failure.
    pub async fn claim_turn(
        &self,
        call: CallKey<'_>,
        turn: i64,
        token: i64,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<bool, StoreError> {
        if let Some(in_place) = &self.in_place
            && let Write::Done(claimed) = in_place
                .claim_turn(call, turn, token, now_ms, stale_before)
                .await?
        {
            return Ok(claimed);
        }
        let done = sqlx::query(CLAIM_TURN)
            .bind(call.sid)
            .bind(turn)
            .bind(token)
            .bind(now_ms)
            .bind(stale_before)
            .bind(call.provider)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Renews a claim this delivery still holds, so other deliveries keep seeing it as alive while
    /// a slow side effect (a gateway answering) is under way. Returns `false` once the claim is no
    /// longer held (the turn was saved, or another delivery took over).
    ///
    /// # Errors
    /// A database failure.
    pub async fn renew_claim(
        &self,
        call: CallKey<'_>,
        turn: i64,
        token: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE calls SET claimed_at = $4 \
             WHERE call_sid = $1 AND turn = $2 AND claim_turn = $2 AND claim_token = $3 \
             AND provider = $5",
        )
        .bind(call.sid)
        .bind(turn)
        .bind(token)
        .bind(now_ms)
        .bind(call.provider)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed turn back after a failed answer, so a retry need not wait for it to go stale.
    ///
    /// # Errors
    /// A database failure.
    pub async fn release_turn(&self, call: CallKey<'_>, turn: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE calls SET claim_turn = NULL \
             WHERE call_sid = $1 AND claim_turn = $2 AND turn = $2 AND provider = $3",
        )
        .bind(call.sid)
        .bind(turn)
        .bind(call.provider)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Saves the outcome of one answered webhook, steps included, in one statement (so on any
    /// backend it is atomic without a transaction, and one round trip). It is a compare-and-set:
    /// it applies only while the call is still at `answered_turn` and nobody else holds a live
    /// claim on it.
    ///
    /// Returns `false` when another delivery of the same webhook got there first (the caller
    /// should answer with that delivery's reply).
    ///
    /// When the reply dials a person ([`TurnUpdate::transfer`]), the statement and the transfer's
    /// row go in one transaction, and the row is written only if the turn was saved.
    ///
    /// # Errors
    /// A database failure.
    pub async fn save_turn(&self, update: &TurnUpdate<'_>) -> Result<bool, StoreError> {
        let Some(transfer) = update.transfer else {
            if let Some(in_place) = &self.in_place
                && let Write::Done(saved) = in_place.save_turn(update).await?
            {
                return Ok(saved);
            }
            return save_turn_on(self.writer(), update).await;
        };
        let mut tx = self.begin().await?;
        let saved = save_turn_on(&mut *tx, update).await?;
        if saved {
            transfers::insert(
                &mut tx,
                update.provider,
                update.call_sid,
                update.answered_turn,
                transfer,
                update.now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    /// Records a new call together with the answer to its first webhook, in one statement (and a
    /// transfer, in the same transaction, when that answer dials a person). Returns `false` when
    /// the call was already recorded (a retried first webhook).
    ///
    /// # Errors
    /// A database failure.
    pub async fn start_call(
        &self,
        call: &NewCall<'_>,
        first: &TurnUpdate<'_>,
    ) -> Result<bool, StoreError> {
        let Some(transfer) = first.transfer else {
            if let Some(in_place) = &self.in_place
                && let Write::Done(started) = in_place.start_call(call, first).await?
            {
                return Ok(started);
            }
            return start_call_on(self.writer(), call, first).await;
        };
        let mut tx = self.begin().await?;
        let saved = start_call_on(&mut *tx, call, first).await?;
        if saved {
            transfers::insert(
                &mut tx,
                call.provider,
                call.call_sid,
                0,
                transfer,
                first.now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    /// Marks a call ended by the provider (the caller hung up, or the call completed), and wipes
    /// its sensitive values. What the end records is `decide`'s answer to the call as found
    /// under its row's lock (see `reports::record::summarize`), written in the same transaction:
    /// its outcome, flow, segment, first transfer's reason, first payment, lockout, and the
    /// first time its states reached added to `funnel_counts`. Returns whether the call was still
    /// open (`Some(true)`), already ended by its flow (`Some(false)`), or unknown (`None`).
    ///
    /// # Errors
    /// A database failure.
    pub async fn end_call(
        &self,
        call: CallKey<'_>,
        decide: impl FnOnce(&EndingCall) -> EndSummary,
    ) -> Result<Option<bool>, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT ended_at, outcome, started_at, steps, last_step, reported_at, \
             (SELECT COUNT(*) FROM surveys s WHERE s.provider = calls.provider \
             AND s.call_sid = calls.call_sid) AS surveyed FROM calls \
             WHERE call_sid = $1 AND provider = $2{}",
            self.row_lock()
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(call.sid)
            .bind(call.provider)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        // A line written unreadable before step times were left unmasked is skipped: the call
        // still ends, its funnel without that step.
        let log: String = row.try_get("steps")?;
        let ending = EndingCall {
            ended_at: row.try_get("ended_at")?,
            outcome: row.try_get("outcome")?,
            started_at: row.try_get("started_at")?,
            steps: log
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect(),
            last_step: row.try_get("last_step")?,
            reported: row.try_get::<Option<i64>, _>("reported_at")?.is_some(),
            surveyed: row.try_get::<i64, _>("surveyed")? > 0,
        };
        let summary = decide(&ending);
        let update = format!(
            "UPDATE calls SET ended_at = COALESCE(ended_at, $2), outcome = $3, sealed = NULL, \
             sealed_until = NULL, updated_at = $2, flow = COALESCE(flow, $5), \
             segment = COALESCE((SELECT a.segment FROM accounts a \
                 WHERE a.account_number = calls.account_number), segment), \
             transfer_reason = (SELECT t.reason FROM transfers t \
                 WHERE t.provider = calls.provider AND t.call_sid = calls.call_sid \
                 ORDER BY t.turn LIMIT 1), \
             locked_out = CASE WHEN $6 = 1 THEN 1 ELSE locked_out END, \
             reported_at = COALESCE(reported_at, $2), paid_at = {FIRST_PAID} \
             WHERE call_sid = $1 AND provider = $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(update))
            .bind(call.sid)
            .bind(summary.now_ms)
            .bind(&summary.outcome)
            .bind(call.provider)
            .bind(&summary.flow)
            .bind(i64::from(summary.locked_out))
            .execute(&mut *tx)
            .await?;
        if ending.ended_at.is_none() {
            // A bank debit's authorisation still being read when the caller left was not given.
            sqlx::query(
                "UPDATE debit_authorizations SET status = 'not_authorized' \
                 WHERE provider = $1 AND call_sid = $2 AND status = 'offered'",
            )
            .bind(call.provider)
            .bind(call.sid)
            .execute(&mut *tx)
            .await?;
            // A transfer still waiting can no longer be taken: every console redraws it as
            // ended (consoles follow `changed_at`).
            sqlx::query(
                "UPDATE transfers SET changed_at = $3, version = version + 1 \
                 WHERE provider = $1 AND call_sid = $2 AND status = 'waiting'",
            )
            .bind(call.provider)
            .bind(call.sid)
            .bind(summary.now_ms)
            .execute(&mut *tx)
            .await?;
        }
        if let (false, Some((quarter, mut reached))) = (ending.reported, summary.funnel) {
            // In one order on every instance, so two calls ending at once take the rows' locks in
            // the same order and never deadlock.
            reached.sort_by(|a, b| (&a.state, a.left_by).cmp(&(&b.state, b.left_by)));
            // One statement for all of them: each statement is a round trip, and these are a
            // call's twenty-odd states.
            let mut counts: Vec<(&FunnelStep, i64, i64)> = Vec::with_capacity(reached.len());
            for step in &reached {
                match counts.last_mut() {
                    // A state counted twice in one statement would be updated twice, which
                    // PostgreSQL refuses: such steps are added up first.
                    Some((last, calls, seq_sum))
                        if last.state == step.state && last.left_by == step.left_by =>
                    {
                        *calls += 1;
                        *seq_sum += step.seq;
                    }
                    _ => counts.push((step, 1, step.seq)),
                }
            }
            if !counts.is_empty() {
                let rows = (0..counts.len())
                    .map(|i| {
                        let p = 3 + i * 4;
                        format!("($1, $2, ${}, ${}, ${}, ${})", p, p + 1, p + 2, p + 3)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO funnel_counts (started_quarter, flow, state, left_by, calls, \
                     seq_sum) VALUES {rows} \
                     ON CONFLICT (started_quarter, flow, state, left_by) DO UPDATE \
                     SET calls = funnel_counts.calls + excluded.calls, \
                     seq_sum = funnel_counts.seq_sum + excluded.seq_sum"
                );
                // Only placeholders are written into the text; every value is bound.
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(quarter)
                    .bind(&summary.flow);
                for (step, calls, seq_sum) in &counts {
                    query = query
                        .bind(step.state.as_str())
                        .bind(step.left_by)
                        .bind(*calls)
                        .bind(*seq_sum);
                }
                query.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(ending.ended_at.is_none()))
    }

    /// The calls (provider, call id) that have had no webhook since `idle_before` (UTC ms) and
    /// have no summary yet, oldest first, at most `limit`: for upkeep to end as
    /// [`Store::end_call`] does for a reported end (a call whose status callback was lost is not
    /// left open forever; calls the flow ended whose status callback never came get their
    /// summary).
    ///
    /// # Errors
    /// A database failure.
    pub async fn idle_calls(
        &self,
        idle_before: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT provider, call_sid FROM calls WHERE reported_at IS NULL AND updated_at < $1 \
             ORDER BY updated_at LIMIT $2",
        )
        .bind(idle_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("provider")?, row.try_get("call_sid")?)))
            .collect()
    }

    /// Sets the outcome of a call that has already ended, once a payment made on it is settled
    /// after the caller left (a reconciled charge). Calls still in progress are left to their flow.
    ///
    /// # Errors
    /// A database failure.
    pub async fn set_outcome_of_ended_call(
        &self,
        call: CallKey<'_>,
        outcome: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        // A payment settled after the caller left may be the call's first approved one.
        let update = format!(
            "UPDATE calls SET outcome = $2, updated_at = $3, paid_at = {FIRST_PAID} \
             WHERE call_sid = $1 AND ended_at IS NOT NULL AND provider = $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(update))
            .bind(call.sid)
            .bind(outcome)
            .bind(now_ms)
            .bind(call.provider)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// A call and its steps, found by its id alone (for people, who rarely know the provider;
    /// the most recent when two providers used the same id).
    ///
    /// # Errors
    /// A database failure.
    pub async fn call_record(&self, call_sid: &str) -> Result<Option<CallRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT provider FROM calls WHERE call_sid = $1 ORDER BY started_at DESC LIMIT 1",
        )
        .bind(call_sid)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let provider: String = row.try_get("provider")?;
        self.call_record_of(CallKey {
            provider: &provider,
            sid: call_sid,
        })
        .await
    }

    /// A call and its steps.
    ///
    /// # Errors
    /// A database failure.
    pub async fn call_record_of(
        &self,
        call: CallKey<'_>,
    ) -> Result<Option<CallRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT call_sid, provider, from_number, to_number, started_at, ended_at, language, \
             account_number, outcome, last_step, hardship_reason, steps, steps_purged_at \
             FROM calls WHERE call_sid = $1 AND provider = $2",
        )
        .bind(call.sid)
        .bind(call.provider)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let steps = parse_step_log(&row.try_get::<String, _>("steps")?)?;
        Ok(Some(CallRecord {
            call_sid: row.try_get("call_sid")?,
            provider: row.try_get("provider")?,
            from: row.try_get("from_number")?,
            to: row.try_get("to_number")?,
            started_at: row.try_get("started_at")?,
            ended_at: row.try_get("ended_at")?,
            language: row.try_get("language")?,
            account_number: row.try_get("account_number")?,
            outcome: row.try_get("outcome")?,
            hardship_reason: row.try_get("hardship_reason")?,
            last_step: row.try_get("last_step")?,
            steps,
            steps_purged_at: row.try_get("steps_purged_at")?,
            payments: self.payments_of_call(call).await?,
        }))
    }
}

/// [`Store::save_turn`]'s statement, on a pool or inside a transaction.
async fn save_turn_on<'e, E>(executor: E, update: &TurnUpdate<'_>) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let log = step_log(update.steps)?;
    let done = sqlx::query(SAVE_TURN)
        .bind(update.call_sid)
        .bind(update.answered_turn)
        .bind(update.reply)
        .bind(mask_card_numbers(update.session).into_owned())
        .bind(update.sealed)
        .bind(update.language)
        .bind(update.account_number)
        .bind(update.outcome)
        .bind(update.last_step)
        .bind(update.ended_at)
        .bind(update.now)
        .bind(update.sealed_until)
        .bind(log)
        .bind(update.claim_token.unwrap_or(0))
        .bind(update.stale_before)
        .bind(update.provider)
        .execute(executor)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// [`Store::start_call`]'s statement, on a pool or inside a transaction.
async fn start_call_on<'e, E>(
    executor: E,
    call: &NewCall<'_>,
    first: &TurnUpdate<'_>,
) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let log = step_log(first.steps)?;
    let query = sqlx::query(START_CALL);
    let done = bind_new_call(query, call)
        .bind(first.reply)
        .bind(mask_card_numbers(first.session).into_owned())
        .bind(first.sealed)
        .bind(first.sealed_until)
        .bind(first.language)
        .bind(first.account_number)
        .bind(first.outcome)
        .bind(first.last_step)
        .bind(first.ended_at)
        .bind(log)
        .execute(executor)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Binds a new call's fields as `$1` to `$5`. The caller ID is whatever the provider was sent,
/// which a caller can set: it is kept [scrubbed](scrub_free_text) like free text, so card-like
/// digits there are masked to their last four.
fn bind_new_call<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    call: &NewCall<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(call.call_sid)
        .bind(call.provider)
        .bind(scrub_free_text(call.from_number).into_owned())
        .bind(call.to_number)
        .bind(call.started_at)
}

/// Steps as the call's log stores them: one JSON object per line, with anything card-like in its
/// text masked (the flow records no card digits; this makes sure no path can). Only the text
/// fields are masked, as free text (what a caller keyed or said may hold a card number among
/// other digits): a step's time is 13 digits that can pass the card check, and masking it made
/// the line unreadable.
pub(super) fn step_log(steps: &[StepRecord]) -> Result<String, StoreError> {
    let mask = |text: &str| scrub_free_text(text).into_owned();
    let mut log = String::new();
    for step in steps {
        let masked = StepRecord {
            turn: step.turn,
            state: mask(&step.state),
            input_kind: mask(&step.input_kind),
            result: mask(&step.result),
            digits: step.digits.as_deref().map(mask),
            at: step.at,
        };
        let line =
            serde_json::to_string(&masked).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        log.push_str(&line);
        log.push('\n');
    }
    Ok(log)
}

/// A call's step log read back (see [`step_log`]).
fn parse_step_log(log: &str) -> Result<Vec<StepRecord>, StoreError> {
    log.lines()
        .map(|line| {
            serde_json::from_str(line).map_err(|e| StoreError::Corrupt(format!("step log: {e}")))
        })
        .collect()
}

fn call_row(row: &sqlx::any::AnyRow) -> Result<CallRow, StoreError> {
    Ok(CallRow {
        call_sid: row.try_get("call_sid")?,
        from_number: row.try_get("from_number")?,
        turn: row.try_get("turn")?,
        last_reply: row.try_get("last_reply")?,
        session: row.try_get("session")?,
        sealed: row.try_get("sealed")?,
        sealed_until: row.try_get("sealed_until")?,
        ended_at: row.try_get("ended_at")?,
        claim_turn: row.try_get("claim_turn")?,
        claimed_at: row.try_get("claimed_at")?,
    })
}

impl Store {
    /// Wipes sealed values whose time is up, for calls that never reported their end.
    /// Returns how many calls were wiped.
    ///
    /// # Errors
    /// A database failure.
    pub async fn wipe_expired_sealed(&self, now_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE calls SET sealed = NULL, sealed_until = NULL \
             WHERE sealed IS NOT NULL AND sealed_until < $1",
        )
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    /// The sealed bytes stored for a call (tests and audits: proves a wipe happened).
    ///
    /// # Errors
    /// A database failure.
    pub async fn sealed_bytes(&self, call_sid: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT sealed FROM calls WHERE call_sid = $1")
            .bind(call_sid)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => row.try_get("sealed")?,
            None => None,
        })
    }
}

impl Store {
    /// Calls started and not yet ended, on every instance sharing the database.
    ///
    /// # Errors
    /// A database failure.
    pub async fn calls_in_progress(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS open FROM calls WHERE ended_at IS NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("open")?)
    }

    /// Empties the step log, flow cursor and last reply of calls that ended before `ended_before`
    /// (UTC ms), oldest first, at most `limit` of them, and marks when. The summary columns
    /// (outcome, last step, language, account, times) stay. Returns how many calls were purged.
    /// Instances purging at once purge each call once: the outer `steps_purged_at IS NULL` is
    /// checked again on the row once it is locked.
    ///
    /// # Errors
    /// A database failure.
    pub async fn purge_step_logs(
        &self,
        ended_before: i64,
        now_ms: i64,
        limit: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE calls SET steps = '', session = '', last_reply = '', steps_purged_at = $2 \
             WHERE steps_purged_at IS NULL AND (provider, call_sid) IN (SELECT provider, \
             call_sid FROM calls WHERE ended_at IS NOT NULL AND steps_purged_at IS NULL \
             AND ended_at < $1 ORDER BY ended_at LIMIT $3)",
        )
        .bind(ended_before)
        .bind(now_ms)
        .bind(limit)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }
}
