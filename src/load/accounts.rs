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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::import;
    use crate::accounts::secrets::PinKey;

    #[test]
    fn generated_accounts_import_and_have_distinct_phones() {
        let mut csv = Vec::new();
        write_csv(1000, &mut csv).expect("write");
        let key = PinKey::new(b"0123456789abcdef").expect("key");
        let records = import::parse(
            &String::from_utf8_lossy(&csv),
            &key,
            time::macros::date!(2026 - 11 - 23),
        )
        .expect("valid import file");
        assert_eq!(records.len(), 1000);
        let phones: std::collections::HashSet<_> =
            records.iter().map(|r| r.phone.clone()).collect();
        assert_eq!(phones.len(), 1000);
        assert_eq!(records[7].account_number, account_number(7));
    }
}
