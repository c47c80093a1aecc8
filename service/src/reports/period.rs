//! A report's period cut into the spans its rows count: days or weeks on the line's own clock
//! (daylight saving time followed, so a day is 23 or 25 hours when the clocks change), or the
//! whole period once when rows are grouped by a column.
//!
//! Every query joins the calls to these spans (`c.started_at >= lo AND c.started_at < hi`), so
//! the time zone arithmetic is done here once, in Rust, and the SQL stays the same on both
//! backends.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{Grouping, ReportError, ReportQuery};

/// The longest period a report covers.
pub const MAX_DAYS: i32 = 3 * 366;

/// A span of the period: the calls that started in `[lo, hi)`, UTC milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The row it makes: the day or the week's first day (YYYY-MM-DD); empty for the whole
    /// period (rows then take their label from the grouping column).
    pub label: String,
    /// Its first instant.
    pub lo: i64,
    /// The instant after its last.
    pub hi: i64,
}

/// The first instant of `date` in `zone` (UTC ms).
fn start_of(date: Date, zone: &TimeZone) -> Result<i64, ReportError> {
    zone.to_timestamp(date.at(0, 0, 0, 0))
        .map(jiff::Timestamp::as_millisecond)
        .map_err(|_| ReportError::BadQuery(format!("{date} has no start in {}", zone_name(zone))))
}

fn zone_name(zone: &TimeZone) -> &str {
    zone.iana_name().unwrap_or("UTC")
}

fn next_day(date: Date) -> Result<Date, ReportError> {
    date.tomorrow()
        .map_err(|_| ReportError::BadQuery(format!("{date} is the last day there is")))
}

/// The spans of a query, in order.
///
/// # Errors
/// A period that ends before it starts, or is longer than [`MAX_DAYS`].
pub fn spans(query: &ReportQuery) -> Result<Vec<Span>, ReportError> {
    if query.to < query.from {
        return Err(ReportError::BadQuery(format!(
            "--to {} is before --from {}: the period runs from the first day to the last",
            query.to, query.from
        )));
    }
    let days = (query.to - query.from).get_days() + 1;
    if days > MAX_DAYS {
        return Err(ReportError::BadQuery(format!(
            "the period is {days} days; a report covers at most {MAX_DAYS}"
        )));
    }
    let zone = &query.zone;
    let end = start_of(next_day(query.to)?, zone)?;
    let whole = || -> Result<Vec<Span>, ReportError> {
        Ok(vec![Span {
            label: String::new(),
            lo: start_of(query.from, zone)?,
            hi: end,
        }])
    };
    match query.by {
        Grouping::Day => {
            let mut spans = Vec::new();
            let mut day = query.from;
            while day <= query.to {
                let next = next_day(day)?;
                spans.push(Span {
                    label: day.to_string(),
                    lo: start_of(day, zone)?,
                    hi: start_of(next, zone)?,
                });
                day = next;
            }
            Ok(spans)
        }
        Grouping::Week => {
            // Weeks start on Monday; the first and last are cut to the period.
            let mut spans = Vec::new();
            let mut day = query.from;
            while day <= query.to {
                let monday = day
                    .checked_sub(jiff::Span::new().days(day.weekday().to_monday_zero_offset()))
                    .map_err(|_| ReportError::BadQuery(format!("{day} has no week")))?;
                let mut next = day;
                while next <= query.to
                    && (next == day || next.weekday() != jiff::civil::Weekday::Monday)
                {
                    next = next_day(next)?;
                }
                spans.push(Span {
                    label: monday.to_string(),
                    lo: start_of(day, zone)?,
                    hi: start_of(next, zone)?.min(end),
                });
                day = next;
            }
            Ok(spans)
        }
        Grouping::Flow
        | Grouping::Segment
        | Grouping::Language
        | Grouping::Provider
        | Grouping::Channel => whole(),
    }
}

/// The spans as a common table expression `spans (label, lo, hi)` for the queries to join.
/// Labels are dates this module wrote and bounds are integers, so writing them into the SQL is
/// safe; binding a thousand parameters would not be portable. One multi-row `VALUES`, not a
/// `SELECT` per span joined by `UNION ALL`: SQLite refuses a compound of more than 500 terms
/// (`SQLITE_MAX_COMPOUND_SELECT`), which a daily report of more than 500 days would be.
pub fn spans_sql(spans: &[Span]) -> String {
    let rows: Vec<String> = spans
        .iter()
        .map(|span| format!("('{}', {}, {})", span.label, span.lo, span.hi))
        .collect();
    format!("WITH spans (label, lo, hi) AS (VALUES {})", rows.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str, by: Grouping, zone: &str) -> ReportQuery {
        ReportQuery {
            from: from.parse().expect("date"),
            to: to.parse().expect("date"),
            by,
            zone: TimeZone::get(zone).expect("zone"),
        }
    }

    #[test]
    fn days_follow_the_lines_clock_across_daylight_saving() {
        let spans = spans(&query(
            "2026-10-31",
            "2026-11-02",
            Grouping::Day,
            "America/New_York",
        ))
        .expect("spans");
        let labels: Vec<&str> = spans.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["2026-10-31", "2026-11-01", "2026-11-02"]);
        let hours: Vec<i64> = spans.iter().map(|s| (s.hi - s.lo) / 3_600_000).collect();
        assert_eq!(hours, [24, 25, 24]);
        // Midnight in New York on October 31 (EDT, UTC-4).
        assert_eq!(spans[0].lo, 1_793_419_200_000);
    }

    #[test]
    fn weeks_start_on_monday_and_are_cut_to_the_period() {
        // 2026-11-01 is a Sunday.
        let spans =
            spans(&query("2026-11-01", "2026-11-10", Grouping::Week, "UTC")).expect("spans");
        let labels: Vec<&str> = spans.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["2026-10-26", "2026-11-02", "2026-11-09"]);
        let days: Vec<i64> = spans.iter().map(|s| (s.hi - s.lo) / 86_400_000).collect();
        assert_eq!(days, [1, 7, 2]);
    }

    #[test]
    fn a_period_backwards_or_too_long_is_refused() {
        assert!(spans(&query("2026-11-02", "2026-11-01", Grouping::Day, "UTC")).is_err());
        assert!(spans(&query("2020-01-01", "2026-11-01", Grouping::Flow, "UTC")).is_err());
        let whole =
            spans(&query("2026-11-01", "2026-11-30", Grouping::Flow, "UTC")).expect("spans");
        assert_eq!(whole.len(), 1);
        assert_eq!((whole[0].hi - whole[0].lo) / 86_400_000, 30);
    }
}
