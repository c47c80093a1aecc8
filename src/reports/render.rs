//! A report written out: JSON (everything, as [`Report`] serializes), CSV (the rows, or the
//! funnel: one table each, one line per row, a header naming every column), or a table for a
//! terminal (the rows, then the funnel).

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

/// The rows' header.
fn row_header(table: bool) -> Vec<String> {
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
    header
}

/// One row's cells under [`row_header`]: in a table money in dollars and rates as
/// percentages, in CSV cents and fractions.
fn row_cells(row: &ReportRow, table: bool) -> Vec<String> {
    let rate = |r: Option<f64>| if table { percent(r) } else { optional(r) };
    let (calls, payments, survey) = (&row.calls, &row.payments, &row.survey);
    let count = |map: &std::collections::BTreeMap<String, i64>, key: &str| {
        map.get(key).copied().unwrap_or(0).to_string()
    };
    let mut cells = vec![
        row.group.clone(),
        calls.total.to_string(),
        calls.in_progress.to_string(),
        calls.contained.to_string(),
        rate(calls.containment_rate),
        calls.transferred.to_string(),
    ];
    cells.extend(TRANSFER_REASONS.map(|reason| count(&calls.transferred_by_reason, reason)));
    let cents = payments.approved_cents;
    let declines: Vec<String> = payments
        .declined_by_reason
        .iter()
        .map(|(reason, n)| format!("{reason}:{n}"))
        .collect();
    cells.extend([
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
        declines.join(" "),
        payments.unsettled.to_string(),
        optional(payments.average_seconds_to_pay),
    ]);
    cells.extend(ARRANGEMENT_KINDS.map(|kind| count(&row.arrangements, kind)));
    cells.extend([
        survey.offered.to_string(),
        survey.answered.to_string(),
        rate(survey.response_rate),
        optional(survey.average_rating),
    ]);
    cells.extend((1..=5).map(|rating| {
        survey
            .ratings
            .get(&rating)
            .copied()
            .unwrap_or(0)
            .to_string()
    }));
    cells.extend([survey.resolved.to_string(), survey.not_resolved.to_string()]);
    cells
}

/// The report's rows: a header, then one line per row.
fn row_lines(report: &Report, table: bool) -> Vec<Vec<String>> {
    let mut lines = vec![row_header(table)];
    lines.extend(report.rows.iter().map(|row| row_cells(row, table)));
    lines
}

/// The funnel: a header, then one line per flow state.
fn funnel_lines(funnel: &[FunnelStep]) -> Vec<Vec<String>> {
    let mut lines = vec![
        [
            "flow",
            "state",
            "reached",
            "went_on",
            "asked_for_person",
            "hung_up",
            "ended",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    lines.extend(funnel.iter().map(|step| {
        vec![
            step.flow.clone(),
            step.state.clone(),
            step.reached.to_string(),
            step.went_on.to_string(),
            step.asked_for_person.to_string(),
            step.hung_up.to_string(),
            step.ended.to_string(),
        ]
    }));
    lines
}

fn csv(lines: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for line in lines {
        // Writing to memory cannot fail.
        let _ = writer.write_record(line);
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

fn aligned(lines: &[Vec<String>]) -> String {
    let mut widths = vec![0; lines.first().map_or(0, Vec::len)];
    for line in lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
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
fn table_row_lines(report: &Report) -> Vec<Vec<String>> {
    let lines = row_lines(report, true);
    let header = &lines[0];
    let picked: Vec<usize> = TABLE_COLUMNS
        .iter()
        .filter_map(|name| header.iter().position(|h| h == name))
        .collect();
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            picked
                .iter()
                .map(|&i| {
                    let cell = line.get(i).cloned().unwrap_or_default();
                    if n > 0 {
                        return cell;
                    }
                    match cell.as_str() {
                        "in_progress" => "open".to_owned(),
                        "containment" => "contained%".to_owned(),
                        "approved" => "paid".to_owned(),
                        "approved_amount" => "amount".to_owned(),
                        "approval_rate" => "approval%".to_owned(),
                        _ => cell,
                    }
                })
                .collect()
        })
        .collect()
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
