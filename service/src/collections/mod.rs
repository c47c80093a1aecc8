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
use crate::store::{ArrangementRecord, NewArrangement, NewMessage};

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
    let plan = ArrangementRecord::unsaved(new, installments);
    Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    }
    .plan_schedule(account, channel, &plan, key)
}
