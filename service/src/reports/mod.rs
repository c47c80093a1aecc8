//! Reports for the collections team: for a period, by day or week or by flow, segment, language
//! or provider, how calls went (contained, transferred and why, abandoned, lockouts), what was
//! paid (approval rate, declines by reason, time to pay), arrangements made, the survey, and the
//! drop-off funnel of each flow's states.
//!
//! Everything is counted in SQL both backends run (no backend-specific functions), from columns
//! and tables written when a call ends ([`record`], in [`crate::store::Store::end_call`]) and from
//! `payments`, `arrangements` and `surveys`, never from the step log or the session, which are
//! purged. `ivrpay report` ([`crate::cli`]), `GET /api/reports` ([`crate::http`]) and the
//! dashboard all call [`report`] and get the same plain, serializable [`Report`].
//!
//! Days and weeks are the line's: the time zone of `call-flows/hours.toml` when there is one,
//! UTC otherwise ([`period`]). A call counts in the period, and the row, of the moment it
//! started; its payments, arrangements and survey count with it.
//!
//! Families, one file each: [`calls`] (calls, containment, transfers by reason, lockouts),
//! [`payments`] (payments, declines, time to pay, arrangements), [`surveys`], [`funnel`];
//! [`render`] writes a report as a table or CSV; [`generate`] writes a million plausible ended
//! calls straight to the database, to time reports on (`ivrpay calls generate`).

pub mod calls;
pub mod funnel;
pub mod generate;
pub mod payments;
pub mod period;
pub mod record;
pub mod render;
pub mod surveys;

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::store::{Backend, Store, StoreError};

/// The outcome a flow records when it locks an account (`locked_out` in the flow file).
pub const LOCKED_OUT_OUTCOME: &str = "locked_out";

/// Why the caller was put through to a person, as `transfers.reason` names it; every row lists
/// them all, zeros included.
pub const TRANSFER_REASONS: [&str; 5] = [
    "asked",
    "no_answer",
    "failed_entries",
    "several_tries",
    "sent",
];

/// A contact's channel: a pay link page's visit (provider `web`, see
/// [`crate::pay_links::choices::WEB`]) or a call.
const CHANNEL_SQL: &str = "CASE WHEN c.provider = 'web' THEN 'web' ELSE 'phone' END";

/// Keeps a family's counts to calls (leaving out pay link pages' visits, which the page's own
/// funnel counts), as a condition on the calls join.
pub(crate) const CALLS_ONLY: &str = " AND c.provider <> 'web'";

/// What rows a report has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// One row per day of the period.
    Day,
    /// One row per week (Monday to Sunday) of the period, cut to it.
    Week,
    /// One row per call flow.
    Flow,
    /// One row per account segment (calls whose caller was never identified: `(none)`).
    Segment,
    /// One row per language the caller chose.
    Language,
    /// One row per telephony provider (`web`: pay link pages).
    Provider,
    /// One row per channel: `phone` (every provider's calls) and `web` (pay link pages).
    Channel,
}

impl Grouping {
    /// Every grouping, as written on the command line and in the API.
    pub const NAMES: &'static str = "day, week, flow, segment, language, provider or channel";

    /// A grouping from its name.
    ///
    /// # Errors
    /// A name that is none of [`Grouping::NAMES`].
    pub fn parse(name: &str) -> Result<Grouping, ReportError> {
        Ok(match name {
            "day" => Grouping::Day,
            "week" => Grouping::Week,
            "flow" => Grouping::Flow,
            "segment" => Grouping::Segment,
            "language" => Grouping::Language,
            "provider" => Grouping::Provider,
            "channel" => Grouping::Channel,
            other => {
                return Err(ReportError::BadQuery(format!(
                    "by {other:?}: group by {}",
                    Grouping::NAMES
                )));
            }
        })
    }

    /// Its name, as [`Grouping::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Grouping::Day => "day",
            Grouping::Week => "week",
            Grouping::Flow => "flow",
            Grouping::Segment => "segment",
            Grouping::Language => "language",
            Grouping::Provider => "provider",
            Grouping::Channel => "channel",
        }
    }

    /// The SQL expression (over `calls c` joined to `spans s`) a row is keyed by.
    fn key_sql(self) -> &'static str {
        match self {
            Grouping::Day | Grouping::Week => "s.label",
            Grouping::Flow => "COALESCE(c.flow, '(none)')",
            Grouping::Segment => "COALESCE(c.segment, '(none)')",
            Grouping::Language => "COALESCE(c.language, '(none)')",
            Grouping::Provider => "c.provider",
            Grouping::Channel => CHANNEL_SQL,
        }
    }
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// The first day, inclusive.
    pub from: Date,
    /// The last day, inclusive.
    pub to: Date,
    /// What each row is.
    pub by: Grouping,
    /// The time zone days begin in.
    pub zone: TimeZone,
}

impl ReportQuery {
    /// A query from the words people write: dates as YYYY-MM-DD, a grouping name (default
    /// `day`), in `zone`.
    ///
    /// # Errors
    /// A date or grouping that cannot be read, saying how to write it.
    pub fn parse(
        from: &str,
        to: &str,
        by: Option<&str>,
        zone: TimeZone,
    ) -> Result<ReportQuery, ReportError> {
        let date = |name: &str, text: &str| {
            text.parse::<Date>().map_err(|_| {
                ReportError::BadQuery(format!("{name} {text:?}: write the date as YYYY-MM-DD"))
            })
        };
        Ok(ReportQuery {
            from: date("from", from)?,
            to: date("to", to)?,
            by: Grouping::parse(by.unwrap_or("day"))?,
            zone,
        })
    }
}

/// A report: its rows and its flows' funnels.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// The first day (YYYY-MM-DD).
    #[schema(format = Date)]
    pub from: String,
    /// The last day, inclusive.
    #[schema(format = Date)]
    pub to: String,
    /// The IANA time zone days began in.
    pub time_zone: String,
    /// What each row is.
    pub by: Grouping,
    /// One per day or week of the period (all of them, quiet ones with zeros), or per value of
    /// the grouping column that had calls, in order.
    pub rows: Vec<ReportRow>,
    /// Every flow's states over the whole period, in the order callers typically reach them;
    /// then the pay link page's steps (flow `pay link page`: made, opened, proved, chose,
    /// converted) for the links made in the period.
    pub funnel: Vec<funnel::FunnelStep>,
}

/// One row of a report: the calls that started in its day or week, or with its value.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// The day or week's first day, or the flow, segment, language or provider.
    pub group: String,
    /// The calls themselves (pay link pages' visits are counted in the page's funnel).
    pub calls: calls::CallCounts,
    /// Payments made on them, and on pay link pages (by channel: `web`).
    pub payments: payments::PaymentCounts,
    /// Settlements, plans and promises made on them (refused ones left out), by kind.
    pub arrangements: BTreeMap<String, i64>,
    /// The end-of-call survey.
    pub survey: surveys::SurveyCounts,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The query asks for something that cannot be reported (a bad date, an unknown grouping, a
    /// period backwards or too long); the message says how to fix it.
    #[error("{0}")]
    BadQuery(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ReportError {
    fn from(err: sqlx::Error) -> Self {
        ReportError::Store(StoreError::Database(err))
    }
}

/// The rows being filled in, by key, in the order they are reported.
pub(crate) struct Rows {
    rows: Vec<ReportRow>,
}

impl Rows {
    /// The row for `key`, added at the end when it is new.
    pub(crate) fn get(&mut self, key: String) -> &mut ReportRow {
        let at = match self.rows.iter().position(|row| row.group == key) {
            Some(at) => at,
            None => {
                self.rows.push(ReportRow {
                    group: key,
                    ..ReportRow::default()
                });
                self.rows.len() - 1
            }
        };
        &mut self.rows[at]
    }
}

/// What every query of a report shares: the spans to join and the key to group by.
pub(crate) struct Scope {
    /// `WITH spans (label, lo, hi) AS (...)`.
    pub with_spans: String,
    /// The row key expression.
    pub key: &'static str,
    /// The period's first instant and the instant after it (UTC ms).
    pub lo: i64,
    /// See `lo`.
    pub hi: i64,
    /// Where the queries run.
    pub backend: Backend,
}

impl Scope {
    /// A grouped `SELECT` over the calls that started in the spans (`calls c`, `spans s`, which
    /// [`Scope::with_spans`] defines): `SELECT <row key> AS row_key, <columns> FROM ... <joins>
    /// GROUP BY <row key><more_groups>`.
    ///
    /// With a join (payments, arrangements, surveys: fewer rows than calls), on SQLite the range
    /// is written `+c.started_at`, which keeps SQLite from reading every call of the period by
    /// its index and probing the other table for each; it reads the other table and finds each
    /// row's call by its key instead, three times faster on a million calls. PostgreSQL hashes
    /// the join, and needs the index for the spans (without it, a month by day compares every
    /// call with every day).
    pub(crate) fn grouped(&self, columns: &str, joins: &str, more_groups: &str) -> String {
        let start = if joins.starts_with("JOIN") && self.backend == Backend::Sqlite {
            "+c.started_at"
        } else {
            "c.started_at"
        };
        format!(
            "SELECT {key} AS row_key, {columns} \
             FROM spans s JOIN calls c ON {start} >= s.lo AND {start} < s.hi {joins} \
             GROUP BY {key}{more_groups}",
            key = self.key,
        )
    }

    /// Runs [`Scope::grouped`]'s query.
    pub(crate) async fn fetch(
        &self,
        pool: &sqlx::AnyPool,
        columns: &str,
        joins: &str,
        more_groups: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>, ReportError> {
        let sql = format!(
            "{} {}",
            self.with_spans,
            self.grouped(columns, joins, more_groups)
        );
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?)
    }
}

/// Makes the report a query asks for.
///
/// # Errors
/// [`ReportError::BadQuery`] for a period that cannot be reported (backwards, too long);
/// [`ReportError::Store`] when the database fails.
pub async fn report(store: &Store, query: &ReportQuery) -> Result<Report, ReportError> {
    let spans = period::spans(query)?;
    let (lo, hi) = match (spans.first(), spans.last()) {
        (Some(first), Some(last)) => (first.lo, last.hi),
        _ => return Err(ReportError::BadQuery("the period has no days".to_owned())),
    };
    let scope = Scope {
        with_spans: period::spans_sql(&spans),
        key: query.by.key_sql(),
        lo,
        hi,
        backend: store.backend(),
    };
    // Days and weeks are all listed, quiet ones too; column values as they come, sorted.
    let mut rows = Rows { rows: Vec::new() };
    if matches!(query.by, Grouping::Day | Grouping::Week) {
        for span in &spans {
            rows.get(span.label.clone());
        }
    }
    let pool = store.pool();
    calls::count(pool, &scope, &mut rows).await?;
    payments::count(pool, &scope, &mut rows).await?;
    surveys::count(pool, &scope, &mut rows).await?;
    let mut funnel = funnel::steps(pool, &scope).await?;
    funnel.extend(funnel::page_steps(pool, &scope).await?);
    let mut rows = rows.rows;
    if !matches!(query.by, Grouping::Day | Grouping::Week) {
        rows.sort_by(|a, b| a.group.cmp(&b.group));
    }
    Ok(Report {
        from: query.from.to_string(),
        to: query.to.to_string(),
        time_zone: query.zone.iana_name().unwrap_or("UTC").to_owned(),
        by: query.by,
        rows,
        funnel,
    })
}

/// `part / whole`, rounded to four places; `None` when there is no whole.
pub(crate) fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// The time zone a line's reports count days in: its business hours' (`hours.toml`), or UTC
/// when it has none.
pub fn line_zone(hours: Option<&crate::hours::Hours>) -> TimeZone {
    hours.map_or(TimeZone::UTC, |hours| hours.zone().clone())
}
