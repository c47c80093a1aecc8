//! `offer_bank_debit`: whether today's payment can be made from a bank account.

use super::CallContext;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferBankDebitResult;
use crate::flow::engine::Session;

/// Offers a bank debit when the gateway debits banks, the policy allows it, the payment is
/// today's (not a plan's card, not a settlement, whose balance a debit coming back would leave
/// unclear), and the authorisation's evidence can be kept: the provider can record it, or a
/// written notice reaches the account holder.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferBankDebitResult, AppError> {
    let payment = &session.facts.payment;
    let todays = payment.cents.is_some_and(|cents| cents > 0)
        && payment.card_for.is_none()
        && payment.settling.is_none();
    let allowed = ctx.policy().is_none_or(|policy| policy.bank_debits);
    let Some(account) = ctx.account.as_ref().filter(|_| todays && allowed) else {
        return Ok(OfferBankDebitResult::NotAvailable);
    };
    if !ctx.app.gateway.debits_banks() {
        return Ok(OfferBankDebitResult::NotAvailable);
    }
    let recorded = ctx.webhook.dialect.recording_control().is_some();
    let noticed = crate::calls::debits::notice_channel(ctx.app, account).is_some();
    Ok(if recorded || noticed {
        OfferBankDebitResult::Offered
    } else {
        OfferBankDebitResult::NotAvailable
    })
}
