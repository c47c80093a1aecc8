//! `pay_installment_now`: a returning caller pays their plan's next (or missed) installment now,
//! with the plan's card.

use super::CallContext;
use crate::collections::run_due::{self, Charged};
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::PayInstallmentNowResult;
use crate::flow::engine::Session;

/// Claims the installment and charges it, like `run-due` would, with the caller present.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<PayInstallmentNowResult, AppError> {
    let Some((id, seq)) = session
        .facts
        .arrangement
        .as_ref()
        .map(|a| (a.id, a.installment_seq))
    else {
        return Ok(PayInstallmentNowResult::NothingDue);
    };
    ctx.claim().await?;
    let today = ctx.today();
    let now = ctx.app.clock.now_ms();
    let stale_before =
        now - run_due::claim_stale_after(&run_due::Collector::of(ctx.app)).as_millis() as i64;
    // Paying early is allowed: any day at or after the installment's is "due" for this claim.
    let Some(claimed) = ctx
        .app
        .store
        .claim_installment(id, seq, "9999-12-31", now, stale_before)
        .await?
    else {
        return Ok(PayInstallmentNowResult::NothingDue);
    };
    Ok(
        match run_due::charge(&run_due::Collector::of(ctx.app), &claimed, true, today).await? {
            Some(Charged::Paid(code) | Charged::Clearing(code)) => {
                session.facts.payment.confirmation = Some(code);
                session.facts.payment.cents = Some(claimed.amount_cents);
                if let Some(account) = &mut ctx.account {
                    account.balance_cents -= claimed.amount_cents;
                }
                PayInstallmentNowResult::Approved
            }
            Some(Charged::Declined { .. }) => PayInstallmentNowResult::Declined,
            Some(Charged::Unknown) => PayInstallmentNowResult::Unknown,
            Some(Charged::Covered) | None => PayInstallmentNowResult::NothingDue,
        },
    )
}
