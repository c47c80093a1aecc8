//! `offer_autopay`: whether AutoPay can be turned on here, from which due date, and with a card
//! or bank account on file or one keyed in.

use super::CallContext;
use crate::collections::autopay::first_due;
use crate::collections::parse_date;
use crate::error::AppError;
use crate::flow::Context;
use crate::flow::actions::OfferAutopayResult;
use crate::flow::engine::Session;
use crate::flow::facts::{AutopayFacts, CardFor, SavedLabel};
use crate::payments::MethodKind;

/// Puts what AutoPay would be in the session: its amount, its first due date (the account's
/// next one still ahead), whether a bank account can pay it, and the newest card or account on
/// file that can; a card or account keyed in from here is AutoPay's.
///
/// From a bank account AutoPay is a recurring TEL authorisation, which needs both a recording
/// and a written copy: it is offered only where
/// [`CallContext::recurring_debits_possible`].
///
/// # Errors
/// A database failure.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<OfferAutopayResult, AppError> {
    let terms = ctx.policy().and_then(|policy| policy.autopay);
    // One arrangement at a time: not while AutoPay is on already, nor beside a plan.
    let arranged = session.facts.arrangement.is_some()
        || session
            .facts
            .autopay
            .as_ref()
            .is_some_and(|a| a.id.is_some());
    let (Some(account), Some(terms)) = (ctx.account.clone(), terms) else {
        return Ok(OfferAutopayResult::NotAvailable);
    };
    if arranged {
        return Ok(OfferAutopayResult::NotAvailable);
    }
    let cards = ctx.app.gateway.keeps_cards();
    let banks = ctx.recurring_debits_possible(&account);
    let first = first_due(parse_date(&account.due_date), ctx.app.today());
    let Some(first) = first.filter(|_| cards || banks) else {
        return Ok(OfferAutopayResult::NotAvailable);
    };
    let on_file = if ctx.policy().is_none_or(|policy| policy.cards_on_file) {
        ctx.app
            .store
            .saved_methods(&account.account_number)
            .await?
            .into_iter()
            .find(|m| match m.kind {
                MethodKind::Card => cards,
                MethodKind::Bank => banks,
            })
            .map(|method| SavedLabel {
                id: method.id,
                kind: method.kind.as_str().to_owned(),
                label: method.label,
                last4: method.last4,
            })
    } else {
        None
    };
    let has_method_on_file = on_file.is_some();
    session.facts.autopay = Some(AutopayFacts {
        id: None,
        amount: terms.amount.name().to_owned(),
        card: None,
        on_file,
        bank_possible: banks,
        recording: None,
        first_due: Some(first.to_string()),
        script: String::new(),
        noticed: false,
    });
    session.facts.payment.card_for = Some(CardFor::Autopay);
    Ok(if has_method_on_file {
        OfferAutopayResult::OnFile
    } else {
        OfferAutopayResult::NewMethod
    })
}
