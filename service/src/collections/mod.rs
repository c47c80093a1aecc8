//! Collections treatment: the rules (`policy`, `terms`, `offers`, `account`, from
//! [`ivrpay_core::collections`]) and [`run_due`], the worker that charges the installments that
//! fall due and settles promises, exactly once.
//!
//! The flow's actions that set arrangements up live with the other actions in `calls/actions/`,
//! and the rows they write in `store/arrangements.rs`.

pub use ivrpay_core::collections::*;

pub mod installment_debits;
pub mod run_due;
