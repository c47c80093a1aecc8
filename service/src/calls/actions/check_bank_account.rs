//! `check_bank_account`: compare the two entries of the bank account number.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::CheckBankAccountResult;
use crate::flow::engine::Session;
use crate::payments::{BankAccountNumber, SecretField};

/// Keeps the account number when both entries are the same (the second is wiped, the last four
/// are kept to read back); wipes both when they differ, to be keyed again. A mistyped account
/// number becomes an administrative return, which NACHA counts against the line.
///
/// # Errors
/// None; every action may fail, so every action's `run` says so.
pub(super) async fn run(
    _ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<CheckBankAccountResult, AppError> {
    let again = session
        .secrets
        .take(SecretField::BankAccountNumberAgain.input_name());
    let first = session
        .secrets
        .0
        .get(SecretField::BankAccountNumber.input_name());
    let number = match (first, again) {
        (Some(first), Some(again)) if first.as_str() == again.as_str() => {
            BankAccountNumber::parse(first).ok()
        }
        _ => None,
    };
    let (Some(number), Some(bank)) = (number, session.facts.bank.as_mut()) else {
        session
            .secrets
            .take(SecretField::BankAccountNumber.input_name());
        return Ok(CheckBankAccountResult::Mismatch);
    };
    bank.last4 = Some(number.last4());
    Ok(CheckBankAccountResult::Matched)
}
