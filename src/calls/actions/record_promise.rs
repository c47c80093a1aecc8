//! `record_promise`: record the caller's promise to pay an amount by a date.

use super::{CallContext, cents_of};
use crate::collections::keys;
use crate::error::AppError;
use crate::flow::engine::Session;
use crate::store::NewArrangement;

results! {
    /// Recording the promise.
    RecordPromiseResult for RecordPromise {
        /// Recorded as an open promise.
        Recorded = "recorded",
        /// The date or amount was missing: nothing recorded.
        Incomplete = "incomplete",
    }
}

/// Records the promise once, claiming the turn so a duplicate delivery cannot record it again.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<RecordPromiseResult, AppError> {
    let (Some(account), Some(date), Some(cents)) = (
        ctx.account.clone(),
        session.values.get(keys::PROMISE_DATE).cloned(),
        cents_of(session, keys::PROMISE_CENTS),
    ) else {
        return Ok(RecordPromiseResult::Incomplete);
    };
    ctx.claim().await?;
    let policy = ctx.policy_name.clone().unwrap_or_default();
    let id = ctx
        .app
        .store
        .create_arrangement(
            &NewArrangement {
                account_number: &account.account_number,
                kind: "promise",
                status: "open",
                policy: &policy,
                total_cents: cents,
                balance_before_cents: account.balance_cents,
                promised_by: Some(&date),
                card_token: None,
                card_brand: None,
                card_last4: None,
                gateway: None,
                consent_version: None,
                consent_text: None,
                hardship_reason: session.values.get(keys::HARDSHIP).map(String::as_str),
                call: Some(ctx.key()),
                now: ctx.app.clock.now_ms(),
            },
            &[],
        )
        .await?;
    session
        .values
        .insert(keys::PROMISE_ID.to_owned(), id.to_string());
    tracing::info!(arrangement = id, promised_by = %date, amount_cents = cents, "promise to pay");
    Ok(RecordPromiseResult::Recorded)
}
