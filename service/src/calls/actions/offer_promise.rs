//! `offer_promise`: work out the promise-to-pay window and the least that may be promised.

use super::CallContext;
use crate::collections::policy::Smallest;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferPromiseResult;
use crate::flow::engine::Session;
use crate::flow::facts::PromiseOffer;

/// Keeps the latest date and the smallest amount in the session.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferPromiseResult, AppError> {
    let (Some(terms), Some(account)) = (
        ctx.policy().and_then(|p| p.promise.clone()),
        ctx.account.as_ref(),
    ) else {
        return Ok(OfferPromiseResult::NotAvailable);
    };
    if account.balance_cents <= 0 {
        return Ok(OfferPromiseResult::NotAvailable);
    }
    let smallest = match terms.smallest {
        Smallest::MinimumDue => account
            .minimum_due_cents
            .max(ctx.smallest_payment_cents(account)),
        Smallest::Cents(cents) => cents,
    }
    .min(account.balance_cents)
    .max(1);
    let latest = ctx
        .today()
        .saturating_add(time::Duration::days(i64::from(terms.within_days)));
    session.facts.promise = Some(PromiseOffer {
        latest,
        smallest_cents: smallest,
        date: None,
        cents: None,
    });
    Ok(OfferPromiseResult::Offered)
}
