//! A report written out: JSON (everything, as [`Report`] serializes), CSV (the rows, or the
//! funnel: one table each, one line per row, a header naming every column), or a table for a
//! terminal (the rows, then the funnel).
//!
//! Every CSV the service writes goes through `csv()`, which makes each text cell safe to open in
//! a spreadsheet ([`spreadsheet_safe`]): group values come from imported segments and flow
//! names, and a cell starting `=`, `+`, `-` or `@` would otherwise run as a formula.

use std::borrow::Cow;

use super::funnel::FunnelStep;
use super::payments::ARRANGEMENT_KINDS;
use super::{Report, ReportError, ReportRow, TRANSFER_REASONS};

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// Comma-separated values for spreadsheets.
    Csv,
    /// The whole report as JSON.
    Json,
}

impl Format {
    /// A format from its name.
    ///
    /// # Errors
    /// A name other than table, csv or json.
    pub fn parse(name: &str) -> Result<Format, ReportError> {
        match name {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(ReportError::BadQuery(format!(
                "format {other:?}: write table, csv or json"
            ))),
        }
    }
}

/// A rate as a percentage with one decimal, or `-` without one.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// A cell of a written report: text (names, groups, reasons: may hold anything an import or a
/// flow put there) or a number the service computed itself.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(String),
}

impl Cell {
    fn as_str(&self) -> &str {
        match self {
            Cell::Text(text) | Cell::Number(text) => text,
        }
    }
}

/// Numbers as cells.
fn numbers(values: impl IntoIterator<Item = String>) -> impl Iterator<Item = Cell> {
    values.into_iter().map(Cell::Number)
}

/// Texts as cells.
fn texts<S: Into<String>>(values: impl IntoIterator<Item = S>) -> impl Iterator<Item = Cell> {
    values.into_iter().map(|text| Cell::Text(text.into()))
}

/// `text` as a spreadsheet reads it as text: a cell beginning with `=`, `+`, `-`, `@`, a tab or
/// a carriage return gets a `'` in front, as OWASP recommends against CSV injection, so a
/// spreadsheet shows it instead of running it as a formula. Borrowed when nothing was needed.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The rows' header.
fn row_header(table: bool) -> Vec<Cell> {
    let mut header: Vec<String> = [
        "group",
        "calls",
        "in_progress",
        "contained",
        "containment",
        "transferred",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(TRANSFER_REASONS.map(|reason| format!("transferred_{reason}")));
    header.extend(
        [
            "abandoned",
            "lockouts",
            "payments",
            "approved",
            if table {
                "approved_amount"
            } else {
                "approved_cents"
            },
            "declined",
            "approval_rate",
            "declines_by_reason",
            "unsettled",
            "avg_seconds_to_pay",
        ]
        .map(str::to_owned),
    );
    header.extend(ARRANGEMENT_KINDS.map(|kind| format!("{kind}s")));
    header.extend(
        [
            "surveys",
            "survey_answers",
            "response_rate",
            "average_rating",
        ]
        .map(str::to_owned),
    );
    header.extend((1..=5).map(|rating| format!("rating_{rating}")));
    header.extend(["resolved", "not_resolved"].map(str::to_owned));
    texts(header).collect()
}

/// One row's cells under [`row_header`]: in a table money in dollars and rates as
/// percentages, in CSV cents and fractions.
fn row_cells(row: &ReportRow, table: bool) -> Vec<Cell> {
    let rate = |r: Option<f64>| if table { percent(r) } else { optional(r) };
    let (calls, payments, survey) = (&row.calls, &row.payments, &row.survey);
    let count = |map: &std::collections::BTreeMap<String, i64>, key: &str| {
        map.get(key).copied().unwrap_or(0).to_string()
    };
    let mut cells = vec![Cell::Text(row.group.clone())];
    cells.extend(numbers([
        calls.total.to_string(),
        calls.in_progress.to_string(),
        calls.contained.to_string(),
        rate(calls.containment_rate),
        calls.transferred.to_string(),
    ]));
    cells.extend(numbers(
        TRANSFER_REASONS.map(|reason| count(&calls.transferred_by_reason, reason)),
    ));
    let cents = payments.approved_cents;
    let declines: Vec<String> = payments
        .declined_by_reason
        .iter()
        .map(|(reason, n)| format!("{reason}:{n}"))
        .collect();
    cells.extend(numbers([
        calls.abandoned.to_string(),
        calls.lockouts.to_string(),
        payments.attempts.to_string(),
        payments.approved.to_string(),
        if table {
            format!("{}.{:02}", cents / 100, cents % 100)
        } else {
            cents.to_string()
        },
        payments.declined.to_string(),
        rate(payments.approval_rate),
    ]));
    cells.push(Cell::Text(declines.join(" ")));
    cells.extend(numbers([
        payments.unsettled.to_string(),
        optional(payments.average_seconds_to_pay),
    ]));
    cells.extend(numbers(
        ARRANGEMENT_KINDS.map(|kind| count(&row.arrangements, kind)),
    ));
    cells.extend(numbers([
        survey.offered.to_string(),
        survey.answered.to_string(),
        rate(survey.response_rate),
        optional(survey.average_rating),
    ]));
    cells.extend(numbers((1..=5).map(|rating| {
        survey
            .ratings
            .get(&rating)
            .copied()
            .unwrap_or(0)
            .to_string()
    })));
    cells.extend(numbers([
        survey.resolved.to_string(),
        survey.not_resolved.to_string(),
    ]));
    cells
}

/// The report's rows: a header, then one line per row.
fn row_lines(report: &Report, table: bool) -> Vec<Vec<Cell>> {
    let mut lines = vec![row_header(table)];
    lines.extend(report.rows.iter().map(|row| row_cells(row, table)));
    lines
}

/// The funnel: a header, then one line per flow state.
fn funnel_lines(funnel: &[FunnelStep]) -> Vec<Vec<Cell>> {
    let mut lines = vec![
        texts([
            "flow",
            "state",
            "reached",
            "went_on",
            "asked_for_person",
            "hung_up",
            "ended",
        ])
        .collect(),
    ];
    lines.extend(funnel.iter().map(|step| {
        texts([step.flow.as_str(), step.state.as_str()])
            .chain(numbers([
                step.reached.to_string(),
                step.went_on.to_string(),
                step.asked_for_person.to_string(),
                step.hung_up.to_string(),
                step.ended.to_string(),
            ]))
            .collect()
    }));
    lines
}

/// `lines` as CSV, every text cell [made safe](spreadsheet_safe) for a spreadsheet; numbers are
/// written as they are, so a negative one stays a number.
fn csv(lines: &[Vec<Cell>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for line in lines {
        let cells = line.iter().map(|cell| match cell {
            Cell::Text(text) => spreadsheet_safe(text),
            Cell::Number(number) => Cow::Borrowed(number.as_str()),
        });
        // Writing to memory cannot fail.
        let _ = writer.write_record(cells.map(|cell| cell.into_owned()));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The rows as CSV.
pub fn rows_csv(report: &Report) -> String {
    csv(&row_lines(report, false))
}

/// The funnel as CSV.
pub fn funnel_csv(report: &Report) -> String {
    csv(&funnel_lines(&report.funnel))
}

/// The whole report as JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn aligned(lines: &[Vec<Cell>]) -> String {
    let mut widths = vec![0; lines.first().map_or(0, Vec::len)];
    for line in lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.as_str().chars().count());
        }
    }
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{:<width$}", cell.as_str()))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The columns a terminal table shows, so it fits about 100 columns; every column is in the CSV
/// and the JSON.
const TABLE_COLUMNS: [&str; 10] = [
    "group",
    "calls",
    "in_progress",
    "contained",
    "containment",
    "transferred",
    "abandoned",
    "approved",
    "approved_amount",
    "approval_rate",
];

/// The rows' lines cut to [`TABLE_COLUMNS`], headed with shorter names.
fn table_row_lines(report: &Report) -> Vec<Vec<Cell>> {
    let mut lines = row_lines(report, true);
    let picked: Vec<usize> = TABLE_COLUMNS
        .iter()
        .filter_map(|name| lines[0].iter().position(|h| h.as_str() == *name))
        .collect();
    let header: Vec<Cell> = picked
        .iter()
        .map(|&i| {
            let name = lines[0][i].as_str();
            Cell::Text(
                match name {
                    "in_progress" => "open",
                    "containment" => "contained%",
                    "approved" => "paid",
                    "approved_amount" => "amount",
                    "approval_rate" => "approval%",
                    other => other,
                }
                .to_owned(),
            )
        })
        .collect();
    let rows = lines.split_off(1).into_iter().map(|mut line| {
        picked
            .iter()
            .map(|&i| std::mem::replace(&mut line[i], Cell::Text(String::new())))
            .collect()
    });
    std::iter::once(header).chain(rows).collect()
}

/// The rows (the main columns), then the funnel, for a terminal.
pub fn table(report: &Report) -> String {
    format!(
        "Calls from {} to {} ({}), by {}\n\n{}\n(open: calls not yet ended; paid: approved \
         payments. Every column, with transfer reasons,\ndeclines, time to pay, arrangements and \
         the survey: --format csv or json.)\n\nFunnel\n\n{}",
        report.from,
        report.to,
        report.time_zone,
        report.by.name(),
        aligned(&table_row_lines(report)),
        aligned(&funnel_lines(&report.funnel)),
    )
}

/// Only the funnel, for a terminal.
pub fn funnel_table(report: &Report) -> String {
    format!(
        "Funnel from {} to {} ({})\n\n{}",
        report.from,
        report.to,
        report.time_zone,
        aligned(&funnel_lines(&report.funnel)),
    )
}

/// Only the funnel, as JSON.
pub fn funnel_json(report: &Report) -> String {
    serde_json::to_string_pretty(&report.funnel).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_get_a_quote() {
        for (value, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("+1-1", "'+1-1"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("early", "early"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(value), written, "{value:?}");
        }
    }

    #[test]
    fn text_cells_are_neutralised_and_numbers_kept() {
        let lines = vec![
            texts(["group", "cents"]).collect(),
            vec![
                Cell::Text("=1+1".to_owned()),
                Cell::Number("-250".to_owned()),
            ],
        ];
        assert_eq!(csv(&lines), "group,cents\n'=1+1,-250\n");
    }
}
