//! `ivrpay accounts import FILE.csv`: load accounts from the billing system's export.
//!
//! The file is read whole and every row checked before anything is written, so an import either
//! lands completely or not at all; each bad row is reported with its line number and what to fix.
//! PINs and dates of birth are hashed here and never stored as given.
//!
//! What is accepted is what the line can use: a name short enough to speak, one plausible email
//! address, a minimum due no larger than the balance, one account per phone number (callers are
//! identified by it), no control characters anywhere (a NUL is stored by SQLite and refused by
//! PostgreSQL), and no segment a spreadsheet would run as a formula when a report is opened.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use time::Date;

use super::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
use super::secrets::PinKey;
use crate::language::Language;
use crate::payments::money::Money;
use crate::store::{AccountRecord, Store};

/// The columns the file must have, in any order (the demo file's header).
pub const COLUMNS: &str = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,language,phone,email";

/// Columns a file may add: `flags` (separated by `;` or spaces, among
/// [`FLAGS`](crate::collections::policy::FLAGS)) and `state` (a two-letter postal code).
pub const OPTIONAL_COLUMNS: &str = "flags,state";

/// The longest name, in characters. The line speaks the first name and messages write the
/// whole one; a hundred characters is longer than real names and keeps every prompt far within
/// the 3,000 characters the strictest provider allows one spoken prompt.
pub const NAME_MAX: usize = 100;

/// The longest segment, in characters: a label that reports group by and flows branch on.
pub const SEGMENT_MAX: usize = 40;

/// The longest email address, in characters (RFC 5321's limit on a path).
pub const EMAIL_MAX: usize = 254;

/// First characters a spreadsheet reads as the start of a formula (OWASP's list for CSV
/// injection); a segment may not begin with one, since reports write segments into CSV.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[derive(Deserialize)]
struct Row {
    account_number: String,
    name: String,
    pin: String,
    date_of_birth: String,
    zip: String,
    balance: String,
    minimum_due: String,
    due_date: String,
    segment: String,
    language: String,
    phone: String,
    email: String,
    #[serde(default)]
    flags: String,
    #[serde(default)]
    state: String,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    /// What is wrong and how to fix it. Never contains a PIN or date of birth.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses and checks CSV text.
///
/// # Errors
/// Every bad row (all of them, so all can be fixed in one pass).
pub fn parse(text: &str, key: &PinKey, today: Date) -> Result<Vec<AccountRecord>, Vec<RowError>> {
    parse_numbered(text, key, today)
        .map(|records| records.into_iter().map(|(_, record)| record).collect())
}

/// Imports a file into `store`: read and checked as [`parse`] does, then checked against the
/// accounts already stored (a phone number already on another account is refused), then
/// upserted in one transaction. Returns how many accounts were imported.
///
/// # Errors
/// Every bad row, or an unreadable file or a database failure (as line 0); nothing is
/// imported then.
pub async fn import_file(
    path: &Path,
    key: &PinKey,
    today: Date,
    store: &Store,
    now_ms: i64,
) -> Result<usize, Vec<RowError>> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        vec![RowError {
            line: 0,
            message: format!("cannot read the file: {err}"),
        }]
    })?;
    let records = parse_numbered(&text, key, today)?;
    let database = |err: crate::store::StoreError| {
        vec![RowError {
            line: 0,
            message: format!("the database failed: {err}"),
        }]
    };
    let stored: HashMap<String, String> = store
        .account_phones()
        .await
        .map_err(database)?
        .into_iter()
        .collect();
    // An account the file imports takes the file's phone (checked for repeats by the parse), so
    // only a number stored on an account the file leaves alone is taken.
    let in_file: std::collections::HashSet<&str> = records
        .iter()
        .map(|(_, record)| record.account_number.as_str())
        .collect();
    let errors: Vec<RowError> = records
        .iter()
        .filter_map(|(line, record)| {
            let owner = stored.get(&record.phone)?;
            (!in_file.contains(owner.as_str())).then(|| RowError {
                line: *line,
                message: format!(
                    "phone {} is already on account {owner}: callers are identified by their \
                     number, so give each account its own",
                    record.phone
                ),
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let records: Vec<AccountRecord> = records.into_iter().map(|(_, record)| record).collect();
    store
        .upsert_accounts(&records, now_ms)
        .await
        .map_err(database)?;
    Ok(records.len())
}

/// [`parse`], with each record's line.
fn parse_numbered(
    text: &str,
    key: &PinKey,
    today: Date,
) -> Result<Vec<(u64, AccountRecord)>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_ok = reader.headers().map(|headers| {
        let optional: Vec<&str> = OPTIONAL_COLUMNS.split(',').collect();
        let mut found: Vec<&str> = headers
            .iter()
            .filter(|column| !optional.contains(column))
            .collect();
        let mut wanted: Vec<&str> = COLUMNS.split(',').collect();
        found.sort_unstable();
        wanted.sort_unstable();
        let unique = headers
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
            == headers.len();
        found == wanted && unique
    });
    if !matches!(header_ok, Ok(true)) {
        return Err(vec![RowError {
            line: 1,
            message: format!(
                "the header must name these columns: {COLUMNS}, and may add {OPTIONAL_COLUMNS}"
            ),
        }]);
    }
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Each phone number and the line that has it first.
    let mut phones: HashMap<String, u64> = HashMap::new();
    let headers = reader.headers().cloned().unwrap_or_default();
    let mut lines = Lines::new(text);
    for result in reader.records() {
        let position = match &result {
            Ok(record) => record.position(),
            Err(err) => err.position(),
        };
        // Counted from the byte offset: csv's own line count is one short after CRLF line ends.
        let line = position.map_or(0, |p| lines.line_at(p.byte()));
        let result = result.and_then(|record| record.deserialize::<Row>(Some(&headers)));
        let checked = result
            .map_err(|_| vec!["the row does not have the columns of the header".to_owned()])
            .and_then(|row| check_row(row, key, today));
        match checked {
            Ok(record) if !seen.insert(record.account_number.clone()) => errors.push(RowError {
                line,
                message: format!(
                    "account {} appears twice in the file",
                    record.account_number
                ),
            }),
            Ok(record) => {
                if let Some(first) = phones.get(&record.phone) {
                    errors.push(RowError {
                        line,
                        message: format!(
                            "phone {} is also on line {first}: callers are identified by their \
                             number, so give each account its own",
                            record.phone
                        ),
                    });
                } else {
                    phones.insert(record.phone.clone(), line);
                }
                records.push((line, record));
            }
            Err(messages) => errors.extend(
                messages
                    .into_iter()
                    .map(|message| RowError { line, message }),
            ),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// Line numbers of byte offsets in a text, asked for in increasing order (as csv reads records):
/// each asks only about the bytes since the last, so a file of any size is read once.
struct Lines<'a> {
    text: &'a [u8],
    /// Bytes already counted.
    counted_to: usize,
    /// Line ends among them.
    newlines: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text: text.as_bytes(),
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The 1-based line a byte offset falls on.
    fn line_at(&mut self, byte: u64) -> u64 {
        let text = self.text;
        let start = usize::try_from(byte).map_or(text.len(), |b| b.min(text.len()));
        // After a CRLF, csv places the next record at the LF that ends the previous line.
        let end = start
            + text[start..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
        if end < self.counted_to {
            // Asked out of order: count again from the start.
            self.counted_to = 0;
            self.newlines = 0;
        }
        self.newlines += text[self.counted_to..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.counted_to = end;
        self.newlines + 1
    }
}

/// Checks every field of a row; every problem is reported, so a row is fixed in one pass.
fn check_row(row: Row, key: &PinKey, today: Date) -> Result<AccountRecord, Vec<String>> {
    let mut problems = Vec::new();
    let mut check = |ok: Option<()>, message: &str| {
        if ok.is_none() {
            problems.push(message.to_owned());
        }
    };
    for (column, value) in [
        ("account_number", &row.account_number),
        ("name", &row.name),
        ("pin", &row.pin),
        ("date_of_birth", &row.date_of_birth),
        ("zip", &row.zip),
        ("balance", &row.balance),
        ("minimum_due", &row.minimum_due),
        ("due_date", &row.due_date),
        ("segment", &row.segment),
        ("language", &row.language),
        ("phone", &row.phone),
        ("email", &row.email),
        ("flags", &row.flags),
        ("state", &row.state),
    ] {
        // Named by column only: the value may be a PIN or a date of birth.
        check(
            (!value.chars().any(char::is_control)).then_some(()),
            &format!(
                "{column} holds a control character (a NUL, a line break or a tab): remove it"
            ),
        );
    }
    let account = AccountNumber::parse(&row.account_number);
    check(
        account.as_ref().map(drop),
        "account_number must be 6 to 12 digits",
    );
    check((!row.name.is_empty()).then_some(()), "name is empty");
    check(
        (row.name.chars().count() <= NAME_MAX).then_some(()),
        &format!("name is longer than {NAME_MAX} characters: shorten it"),
    );
    let pin = Pin::parse(&row.pin);
    check(
        pin.as_ref().map(drop),
        "pin must be exactly 4 digits (keep leading zeros)",
    );
    let dob = DateOfBirth::parse_iso(&row.date_of_birth, today);
    check(
        dob.as_ref().map(drop),
        "date_of_birth must be a past date written YYYY-MM-DD",
    );
    let zip = Zip::parse(&row.zip);
    check(zip.as_ref().map(drop), "zip must be 5 digits");
    let balance = Money::parse_decimal(&row.balance).ok();
    check(balance.map(drop), "balance must be an amount like 806.91");
    let minimum_due = Money::parse_decimal(&row.minimum_due).ok();
    check(
        minimum_due.map(drop),
        "minimum_due must be an amount like 80.69",
    );
    check(
        minimum_due.is_none_or(|m| m.cents() >= 0).then_some(()),
        "minimum_due cannot be negative",
    );
    check(
        balance
            .zip(minimum_due)
            .is_none_or(|(balance, minimum)| minimum.cents() <= balance.cents())
            .then_some(()),
        "minimum_due cannot be more than balance",
    );
    check(
        (row.segment.chars().count() <= SEGMENT_MAX).then_some(()),
        &format!("segment is longer than {SEGMENT_MAX} characters: shorten it"),
    );
    check(
        (!row.segment.starts_with(FORMULA_STARTS)).then_some(()),
        "segment cannot begin with =, +, -, @, a tab or a carriage return (a spreadsheet \
         would run it as a formula when a report is opened): start it with a letter or digit",
    );
    let due_date = Date::parse(
        &row.due_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    check(
        due_date.map(drop),
        "due_date must be a date written YYYY-MM-DD",
    );
    let flags = parse_flags(&row.flags);
    check(
        flags.as_ref().map(drop),
        &format!(
            "flags must be among {}, separated by ; (for example hardship;vulnerable)",
            crate::collections::policy::FLAGS.join(", ")
        ),
    );
    let state = row.state.to_ascii_uppercase();
    check(
        (state.is_empty() || (state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase())))
            .then_some(()),
        "state must be a two-letter postal code like CA, or empty",
    );
    let language = Language::parse(&row.language);
    check(language.map(drop), "language must be en or es");
    check(
        is_e164(&row.phone).then_some(()),
        "phone must be in E.164 form, like +15553118592",
    );
    check(
        (row.email.is_empty() || is_plausible_email(&row.email)).then_some(()),
        &format!(
            "email must be one address like name@example.com (at most {EMAIL_MAX} characters, \
             no spaces or line breaks), or empty"
        ),
    );
    let (
        Some(account),
        Some(pin),
        Some(dob),
        Some(zip),
        Some(balance),
        Some(minimum_due),
        Some(due_date),
        Some(language),
        Some(flags),
        true,
    ) = (
        account,
        pin,
        dob,
        zip,
        balance,
        minimum_due,
        due_date,
        language,
        flags,
        problems.is_empty(),
    )
    else {
        return Err(problems);
    };
    Ok(AccountRecord {
        pin_hash: key.hash_pin(&account, &pin),
        dob_zip_hash: key.hash_dob_zip(&account, &dob, &zip),
        account_number: account.as_str().to_owned(),
        name: row.name,
        balance_cents: balance.cents(),
        minimum_due_cents: minimum_due.cents(),
        due_date: due_date.to_string(),
        segment: row.segment,
        language: language.code().to_owned(),
        phone: row.phone,
        email: row.email,
        flags,
        state,
        contact_channel: None,
        failed_auth_attempts: 0,
        locked_until: None,
    })
}

/// Flags as stored: known names, comma-separated, in the file's order; `None` for an unknown one.
fn parse_flags(text: &str) -> Option<String> {
    let mut flags: Vec<&str> = Vec::new();
    for flag in text
        .split([';', ',', ' ', '|'])
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        let known = crate::collections::policy::FLAGS
            .iter()
            .find(|known| known.eq_ignore_ascii_case(flag))?;
        if !flags.contains(known) {
            flags.push(known);
        }
    }
    Some(flags.join(","))
}

/// `+` then 8 to 15 digits.
pub fn is_e164(phone: &str) -> bool {
    phone
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `email` is one address a receipt can be sent to: at most [`EMAIL_MAX`] characters,
/// a valid address as the mailer reads it, with a dotted domain, and nothing that could add a
/// header or a second recipient (whitespace, line breaks, `,`, `;`, `<`, `>`).
pub fn is_plausible_email(email: &str) -> bool {
    email.len() <= EMAIL_MAX
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>'))
        && email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.'))
        && email.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);
    const HEADER: &str = "account_number,name,pin,date_of_birth,zip,balance,minimum_due,due_date,segment,language,phone,email";

    fn key() -> PinKey {
        PinKey::new(b"0123456789abcdef").expect("key")
    }

    #[test]
    fn demo_file_imports_every_row() {
        let text = include_str!("../../../demo/accounts.csv");
        let records = parse(text, &key(), TODAY).expect("demo file is valid");
        assert_eq!(records.len(), 20);
        let linda = records
            .iter()
            .find(|r| r.account_number == "66253365")
            .expect("Linda");
        assert_eq!(linda.balance_cents, 44533);
        assert_eq!(linda.minimum_due_cents, 4453);
        assert_eq!(linda.due_date, "2026-12-02");
        assert!(!linda.pin_hash.contains("6446"));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_numbers_and_nothing_is_returned() {
        let text = format!(
            "{HEADER}\n\
             87272786,Maria Garcia,8091,1948-03-27,83462,806.91,80.69,2026-12-01,early,es,+15553118592,m@example.com\n\
             1234,Bad Number,8091,1948-03-27,83462,1.00,1.00,2026-12-01,early,en,+15553118592,x@example.com\n\
             97842651,James Smith,12,1944-07-21,45607,983.49,98.34,2026-12-15,early,en,+15555740198,j@example.com\n\
             98707783,Dorothy Johnson,5352,1940-01-25,45672,23.2.6,23.26,2026-12-27,late,en,+15553286747,d@example.com\n"
        );
        let errors = parse(&text, &key(), TODAY).expect_err("three bad rows");
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(errors[0].message.contains("account_number"));
        assert!(errors[1].message.contains("pin"));
        assert!(errors[2].message.contains("balance"));
        assert!(errors.iter().all(|e| !e.message.contains("8091")));
    }

    #[test]
    fn crlf_files_get_the_right_line_numbers() {
        let text = format!(
            "{HEADER}\r\n\
             87272786,Maria Garcia,8091,1948-03-27,83462,806.91,80.69,2026-12-01,early,es,+15553118592,m@example.com\r\n\
             1234,Bad Number,8091,1948-03-27,83462,1.00,1.00,2026-12-01,early,en,+15553118592,x@example.com\r\n"
        );
        let errors = parse(&text, &key(), TODAY).expect_err("a bad row");
        assert_eq!(errors[0].line, 3, "{errors:?}");
    }

    #[test]
    fn every_problem_of_a_row_is_reported() {
        let text = format!(
            "{HEADER}\n999,Nobody,12345,1984-13-18,7714,abc,1.00,2026-12-02,late,fr,5552126618,n@example.com\n"
        );
        let errors = parse(&text, &key(), TODAY).expect_err("bad row");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(errors.iter().all(|e| e.line == 2), "{errors:?}");
        for field in [
            "account_number",
            "pin",
            "date_of_birth",
            "zip",
            "balance",
            "language",
            "phone",
        ] {
            assert!(
                messages.iter().any(|m| m.starts_with(field)),
                "{field}: {messages:?}"
            );
        }
        assert!(errors.iter().all(|e| !e.message.contains("12345")));
    }

    #[test]
    fn a_wrong_header_is_named() {
        let errors = parse("number,pin\n1,2\n", &key(), TODAY).expect_err("bad header");
        assert_eq!(errors[0].line, 1);
        assert!(errors[0].message.contains("account_number"));
    }

    #[test]
    fn duplicate_accounts_are_refused() {
        let row = "87272786,Maria Garcia,8091,1948-03-27,83462,806.91,80.69,2026-12-01,early,es,+15553118592,m@example.com";
        let errors = parse(&format!("{HEADER}\n{row}\n{row}\n"), &key(), TODAY).expect_err("dup");
        assert_eq!(errors[0].line, 3);
    }

    #[test]
    fn flags_and_state_are_optional_columns_and_checked() {
        let text = format!(
            "{HEADER},flags,state\n\
             87272786,Maria Garcia,8091,1948-03-27,83462,806.91,80.69,2026-12-01,early,es,+15553118592,m@example.com,Hardship;vulnerable,ca\n\
             97842651,James Smith,1209,1944-07-21,45607,983.49,98.34,2026-12-15,early,en,+15555740198,j@example.com,,\n"
        );
        let records = parse(&text, &key(), TODAY).expect("valid");
        assert_eq!(records[0].flags, "hardship,vulnerable");
        assert_eq!(records[0].state, "CA");
        assert_eq!(records[1].flags, "");
        let bad = format!(
            "{HEADER},flags\n\
             87272786,Maria Garcia,8091,1948-03-27,83462,806.91,80.69,2026-12-01,early,es,+15553118592,m@example.com,disputed\n"
        );
        let errors = parse(&bad, &key(), TODAY).expect_err("unknown flag");
        assert_eq!(errors[0].line, 2);
        assert!(
            errors[0].message.starts_with("flags must be among"),
            "{errors:?}"
        );
        let without =
            parse(include_str!("../../../demo/accounts.csv"), &key(), TODAY).expect("demo");
        assert!(
            without
                .iter()
                .all(|r| r.state.is_empty() || r.state.len() == 2)
        );
    }

    /// A good row with `field` set to `value`, written as a quoted CSV field.
    fn row_with(field: &str, value: &str) -> String {
        let mut cells: Vec<String> = [
            "87272786",
            "Maria Garcia",
            "8091",
            "1948-03-27",
            "83462",
            "806.91",
            "80.69",
            "2026-12-01",
            "early",
            "es",
            "+15553118592",
            "m@example.com",
        ]
        .map(str::to_owned)
        .to_vec();
        let at = HEADER
            .split(',')
            .position(|c| c == field)
            .expect("a column");
        cells[at] = format!("\"{}\"", value.replace('"', "\"\""));
        cells.join(",")
    }

    #[test]
    fn what_the_line_cannot_use_is_refused_by_line_and_nothing_is_returned() {
        let long_name = "N".repeat(10_000);
        let rows = [
            ("email", "a@b.com\r\nBcc: x@y.com", "email "),
            ("email", "a@b.com, x@y.com", "email must be one address"),
            (
                "name",
                long_name.as_str(),
                "name is longer than 100 characters",
            ),
            (
                "minimum_due",
                "806.92",
                "minimum_due cannot be more than balance",
            ),
            ("name", "Maria\u{0}Garcia", "name holds a control character"),
            ("pin", "80\u{0}1", "pin holds a control character"),
            (
                "segment",
                "=cmd|' /C calc'!A0",
                "segment cannot begin with =",
            ),
            ("segment", "@SUM(1+1)", "segment cannot begin with ="),
            ("segment", "+1-1", "segment cannot begin with ="),
            ("segment", "-2+3", "segment cannot begin with ="),
        ];
        for (field, value, message) in rows {
            let text = format!("{HEADER}\n{}\n", row_with(field, value));
            let errors = parse(&text, &key(), TODAY).expect_err(message);
            assert!(
                errors
                    .iter()
                    .any(|e| e.line == 2 && e.message.starts_with(message)),
                "{field} {value:?}: {errors:?}"
            );
            assert!(errors.iter().all(|e| !e.message.contains("8091")));
        }
    }

    #[test]
    fn one_phone_number_on_two_accounts_is_refused() {
        let first = row_with("phone", "+15553118592");
        let second = row_with("account_number", "97842651");
        let errors = parse(&format!("{HEADER}\n{first}\n{second}\n"), &key(), TODAY)
            .expect_err("a shared phone");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0]
                .message
                .starts_with("phone +15553118592 is also on line 2"),
            "{errors:?}"
        );
    }

    #[test]
    fn plausible_emails_are_single_addresses() {
        for good in ["m@example.com", "maria.garcia+bills@mail.example.org"] {
            assert!(is_plausible_email(good), "{good}");
        }
        for bad in [
            "a@b.com\r\nBcc: x@y.com",
            "a@b.com\nx",
            "a@b.com, x@y.com",
            "a@b.com;x@y.com",
            "Maria <m@example.com>",
            "m@localhost",
            "no-at-sign",
            "@example.com",
            "m@",
            "m@@example.com",
        ] {
            assert!(!is_plausible_email(bad), "{bad:?}");
        }
        assert!(!is_plausible_email(&format!(
            "{}@example.com",
            "m".repeat(250)
        )));
    }

    /// The load tool's generated accounts (`ivrpay accounts generate`) are a valid import file.
    #[test]
    fn generated_accounts_import_and_have_distinct_phones() {
        use ivrpay_simulators::load::accounts::{account_number, write_csv};
        let mut csv = Vec::new();
        write_csv(1000, &mut csv).expect("write");
        let records =
            parse(&String::from_utf8_lossy(&csv), &key(), TODAY).expect("valid import file");
        assert_eq!(records.len(), 1000);
        let phones: std::collections::HashSet<_> =
            records.iter().map(|r| r.phone.clone()).collect();
        assert_eq!(phones.len(), 1000);
        assert_eq!(records[7].account_number, account_number(7));
    }
}
