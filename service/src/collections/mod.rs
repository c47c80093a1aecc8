//! Collections treatment: the rules (`policy`, `terms`, `offers`, `account`, from
//! [`ivrpay_core::collections`]) and [`run_due`], the worker that charges the installments that
//! fall due and settles promises, exactly once.
//!
//! The flow's actions that set arrangements up live with the other actions in `calls/actions/`,
//! and the rows they write in `store/arrangements.rs`.

pub use ivrpay_core::collections::*;

pub mod installment_debits;
pub mod run_due;

use crate::line::Line;
use crate::messages::compose::{Channel, Composer};
use crate::store::{ArrangementRecord, InstallmentRecord, NewArrangement, NewMessage};

/// A plan's schedule message by `channel`, queued with the plan; a receipt choice made later
/// (on the call, or the page) sends it under the same key, so once.
pub fn schedule_message(
    app: &Line,
    account: &Account,
    channel: Channel,
    new: &NewArrangement<'_>,
    installments: &[(String, i64)],
    key: &str,
) -> Option<NewMessage> {
    let mut plan = ArrangementRecord {
        id: 0,
        account_number: new.account_number.to_owned(),
        kind: new.kind.to_owned(),
        status: new.status.to_owned(),
        policy: new.policy.to_owned(),
        total_cents: new.total_cents,
        balance_before_cents: new.balance_before_cents,
        promised_by: None,
        method: None,
        method_label: None,
        method_last4: None,
        card_brand: None,
        card_last4: None,
        consent_version: new.consent_version.map(str::to_owned),
        consent_at: Some(new.now),
        hardship_reason: new.hardship_reason.map(str::to_owned),
        autopay_amount: None,
        evidence: None,
        recording_id: None,
        created_at: new.now,
        installments: installments
            .iter()
            .enumerate()
            .map(|(i, (due, cents))| InstallmentRecord {
                seq: i as i64 + 1,
                due_date: due.clone(),
                amount_cents: *cents,
                status: "scheduled".to_owned(),
                attempts: 0,
                next_attempt_on: due.clone(),
                confirmation_code: None,
                decline_reason: None,
                return_code: None,
            })
            .collect(),
    };
    plan.set_method(new.method);
    Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    }
    .plan_schedule(account, channel, &plan, key)
}
