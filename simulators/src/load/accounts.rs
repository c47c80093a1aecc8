//! Generated accounts for load tests. Account `i` has a phone, a PIN and a balance the load driver
//! derives from `i` alone, so the driver needs no file.

use std::io::Write;

/// The import header (see `accounts::import::COLUMNS`).
const HEADER: &str = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,language,phone,email";

/// Account number of generated account `i`.
pub fn account_number(i: u64) -> String {
    format!("5{i:08}")
}

/// Caller ID on file for generated account `i` (+1 444 range, away from the demo accounts).
pub fn phone(i: u64) -> String {
    format!("+1444{:07}", i % 10_000_000)
}

/// PIN of generated account `i`.
pub fn pin(i: u64) -> String {
    format!("{:04}", (i * 7919 + 1234) % 10_000)
}

/// Writes `count` accounts as import CSV. Balances are large enough for many test payments.
///
/// # Errors
/// The writer fails.
pub fn write_csv(count: u64, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{HEADER}")?;
    for i in 0..count {
        writeln!(
            out,
            "{},Load Caller {i},{},1960-01-01,10001,5000.00,25.00,2026-12-31,early,en,{},load{i}@example.com",
            account_number(i),
            pin(i),
            phone(i),
        )?;
    }
    Ok(())
}
