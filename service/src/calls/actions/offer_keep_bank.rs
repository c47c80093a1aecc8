//! `offer_keep_bank`: whether the bank account just keyed in can be kept on file with today's
//! debit.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferKeepBankResult;
use crate::flow::engine::Session;

/// Offers keeping the account when the gateway keeps bank accounts and the policy keeps methods
/// on file (`cards_on_file`), for today's debit (an account keyed in for AutoPay is kept as
/// AutoPay's).
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferKeepBankResult, AppError> {
    session.facts.payment.keep_card = false;
    let allowed = ctx.policy().is_none_or(|policy| policy.cards_on_file);
    Ok(
        if allowed
            && session.facts.payment.card_for.is_none()
            && ctx.account.is_some()
            && ctx.app.gateway.keeps_bank_accounts()
        {
            OfferKeepBankResult::Offered
        } else {
            OfferKeepBankResult::NotAvailable
        },
    )
}
