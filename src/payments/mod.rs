//! Payments: money as integer cents, and the vault that seals card data between webhooks.

pub mod money;
pub mod vault;
