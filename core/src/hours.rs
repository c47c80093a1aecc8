//! Business hours: when the line has people, in the time zone operations name, and the callback
//! windows a caller who cannot reach one now may choose from.
//!
//! `call-flows/hours.toml` sets the hours per weekday and the holidays (see docs/call-flows.md,
//! "Hours and callbacks"); [`load_dir`] checks it and reports every problem as `file:line: message`. Without
//! the file the line counts as always open and no callbacks are offered.
//!
//! Times are kept as the store keeps them (UTC milliseconds) and turned into the local wall clock
//! only here, through the IANA time zone database (bundled with `jiff`, so a machine without
//! `tzdata` answers the same), so that a change to or from daylight saving time moves the UTC
//! instants of "9 AM" as it should.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostics::{Problem, Problems};
use crate::language::Language;
use crate::speech;

/// The file beside the flows that holds the hours.
pub const FILE_NAME: &str = "hours.toml";

/// Days ahead the callback windows and the next opening are looked for.
const HORIZON_DAYS: usize = 21;
/// Minutes from midnight at which the morning ends and the afternoon begins.
const NOON: u16 = 12 * 60;

/// The line's business hours, checked: a real time zone, ranges in order that do not overlap.
#[derive(Debug, Clone)]
pub struct Hours {
    /// The time zone the hours are written in.
    zone: TimeZone,
    /// Its IANA name, as written.
    zone_name: String,
    /// Open ranges per weekday, Monday first, each `[open, close)` in minutes from midnight.
    week: [Vec<(u16, u16)>; 7],
    /// Days the line is closed whatever the weekday.
    holidays: BTreeSet<Date>,
}

/// Which part of a day a callback window is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Before noon.
    Morning,
    /// From noon.
    Afternoon,
}

/// A time a person may call the caller back: within one day's hours, before or after noon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When it starts, UTC milliseconds.
    pub start_ms: i64,
    /// When it ends, UTC milliseconds.
    pub end_ms: i64,
}

/// When the line next has people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Open now, until this instant (UTC milliseconds).
    OpenUntil(i64),
    /// Closed now; opens at this instant.
    OpensAt(i64),
}

impl Hours {
    /// The IANA name of the hours' time zone.
    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    /// The hours' time zone, for reports that count days as the line does.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The date at `at_ms` in the hours' time zone (`None` only for a date `time` cannot hold).
    pub fn date_at(&self, at_ms: i64) -> Option<time::Date> {
        let local = self.local(at_ms).date();
        let month = time::Month::try_from(local.month() as u8).ok()?;
        time::Date::from_calendar_date(i32::from(local.year()), month, local.day() as u8).ok()
    }

    fn local(&self, at_ms: i64) -> DateTime {
        let ts = jiff::Timestamp::from_millisecond(at_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        self.zone.to_datetime(ts)
    }

    /// UTC milliseconds of `minutes` after midnight on `date`, local time. In a spring-forward
    /// gap the later instant is taken, as people do ("9 AM" on the day clocks change is 9 on
    /// the new clock).
    fn instant(&self, date: Date, minutes: u16) -> i64 {
        let (day, minutes) = if minutes >= 24 * 60 {
            (date.tomorrow().unwrap_or(date), minutes - 24 * 60)
        } else {
            (date, minutes)
        };
        let at = day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
        self.zone
            .to_timestamp(at)
            .map_or(0, jiff::Timestamp::as_millisecond)
    }

    /// The ranges the line is open on `date` (none on a holiday).
    fn ranges(&self, date: Date) -> &[(u16, u16)] {
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().to_monday_zero_offset() as usize]
    }

    /// Days from the local date of `at_ms` on, up to the horizon.
    fn days_from(&self, at_ms: i64) -> impl Iterator<Item = Date> {
        std::iter::successors(Some(self.local(at_ms).date()), |d| d.tomorrow().ok())
            .take(HORIZON_DAYS)
    }

    /// Whether the line is open at `at_ms`: within that day's hours and not a holiday.
    pub fn is_open(&self, at_ms: i64) -> bool {
        matches!(self.opening(at_ms), Some(Opening::OpenUntil(_)))
    }

    /// When the line has people next, seen from `at_ms`; `None` when it opens on none of the
    /// next three weeks' days.
    pub fn opening(&self, at_ms: i64) -> Option<Opening> {
        for date in self.days_from(at_ms) {
            for &(open, close) in self.ranges(date) {
                let (start, end) = (self.instant(date, open), self.instant(date, close));
                if (start..end).contains(&at_ms) {
                    return Some(Opening::OpenUntil(end));
                }
                if start > at_ms {
                    return Some(Opening::OpensAt(start));
                }
            }
        }
        None
    }

    /// The next `count` callback windows that start after `at_ms`: each open range split at noon
    /// into a morning and an afternoon, on the days the line is open.
    pub fn callback_windows(&self, at_ms: i64, count: usize) -> Vec<Window> {
        let mut windows = Vec::new();
        for date in self.days_from(at_ms) {
            for &(open, close) in self.ranges(date) {
                let halves = [(open, close.min(NOON)), (open.max(NOON), close)];
                for (from, to) in halves.into_iter().filter(|(from, to)| from < to) {
                    let window = Window {
                        start_ms: self.instant(date, from),
                        end_ms: self.instant(date, to),
                    };
                    if window.start_ms > at_ms && windows.len() < count {
                        windows.push(window);
                    }
                }
            }
        }
        windows
    }

    /// Whether a window is a morning or an afternoon, by its local start.
    pub fn part(&self, window: Window) -> Part {
        let start = self.local(window.start_ms);
        if u16::from(start.hour() as u8) * 60 + (start.minute() as u16) < NOON {
            Part::Morning
        } else {
            Part::Afternoon
        }
    }

    /// A window in words, seen from `now_ms`: "tomorrow morning, between 9 AM and noon",
    /// "el miércoles por la tarde, entre las 12 del mediodía y las 5 de la tarde".
    pub fn window_words(&self, window: Window, now_ms: i64, language: Language) -> String {
        let start = self.local(window.start_ms);
        let end = self.local(window.end_ms);
        let day = self.day_words(start.date(), now_ms, language);
        let part = self.part(window);
        let (from, to) = (clock_words(start, language), clock_words(end, language));
        match (language, part) {
            (Language::Es, Part::Morning) => {
                format!("{day} por la mañana, entre {from} y {to}")
            }
            (Language::Es, Part::Afternoon) => format!("{day} por la tarde, entre {from} y {to}"),
            (_, part) => {
                let part = match part {
                    Part::Morning => "morning",
                    Part::Afternoon => "afternoon",
                };
                let day = match day.as_str() {
                    "today" => "this".to_owned(),
                    _ => day,
                };
                format!("{day} {part}, between {from} and {to}")
            }
        }
    }

    /// A window for someone reading it, seen from `now_ms`: "tomorrow afternoon, between noon
    /// and 5 PM (Tuesday, November 24, America/New_York time)": relative words as the caller
    /// heard them, then the date and the time zone, so it reads the same tomorrow.
    pub fn window_text(&self, window: Window, now_ms: i64) -> String {
        format!(
            "{} ({}, {} time)",
            self.window_words(window, now_ms, Language::En),
            date_text(self.local(window.start_ms).date()),
            self.zone_name
        )
    }

    /// An instant in the hours' time zone, for someone reading it: "Monday, November 23 at
    /// 6:05 PM".
    pub fn moment_text(&self, at_ms: i64) -> String {
        let at = self.local(at_ms);
        format!(
            "{} at {}",
            date_text(at.date()),
            clock_words(at, Language::En)
        )
    }

    /// When the line has people, in words for "You can reach a person ...": "today until 5
    /// PM", "tomorrow at 9 AM", "on Monday at 9 AM"; in Spanish "hoy hasta las 5 de la
    /// tarde", "el lunes a las 9 de la mañana". Empty when the line does not open soon.
    pub fn opening_words(&self, now_ms: i64, language: Language) -> String {
        let Some(opening) = self.opening(now_ms) else {
            return String::new();
        };
        match opening {
            Opening::OpenUntil(end) => {
                let end = self.local(end);
                let day = self.day_words(end.date(), now_ms, language);
                let time = clock_words(end, language);
                match language {
                    Language::Es => format!("{day} hasta {time}"),
                    _ => format!("{day} until {time}"),
                }
            }
            Opening::OpensAt(start) => {
                let start = self.local(start);
                let day = self.day_words(start.date(), now_ms, language);
                let time = clock_words(start, language);
                let named_day = !matches!(day.as_str(), "today" | "tomorrow" | "hoy" | "mañana");
                match language {
                    Language::Es => format!("{day} a {time}"),
                    _ if named_day => format!("on {day} at {time}"),
                    _ => format!("{day} at {time}"),
                }
            }
        }
    }

    /// "today", "tomorrow", a weekday within the week, or a date further off.
    fn day_words(&self, date: Date, now_ms: i64, language: Language) -> String {
        let today = self.local(now_ms).date();
        let days = (0..7)
            .scan(today, |d, i| {
                let this = *d;
                *d = d.tomorrow().ok()?;
                Some((i, this))
            })
            .find(|(_, d)| *d == date)
            .map(|(i, _)| i);
        match (days, language) {
            (Some(0), Language::Es) => "hoy".to_owned(),
            (Some(0), _) => "today".to_owned(),
            (Some(1), Language::Es) => "mañana".to_owned(),
            (Some(1), _) => "tomorrow".to_owned(),
            (Some(_), Language::Es) => format!("el {}", weekday_name(date, language)),
            (Some(_), _) => weekday_name(date, language).to_owned(),
            (None, _) => match time_date(date) {
                Some(d) => speech::date_words(d, language),
                None => weekday_name(date, language).to_owned(),
            },
        }
    }
}

/// "Tuesday, November 24".
fn date_text(date: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!(
        "{}, {} {}",
        weekday_name(date, Language::En),
        MONTHS[(date.month() as usize).saturating_sub(1) % 12],
        date.day()
    )
}

fn time_date(date: Date) -> Option<time::Date> {
    let month = time::Month::try_from(date.month() as u8).ok()?;
    time::Date::from_calendar_date(i32::from(date.year()), month, date.day() as u8).ok()
}

fn weekday_name(date: Date, language: Language) -> &'static str {
    let i = date.weekday().to_monday_zero_offset() as usize;
    match language {
        Language::Es => [
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
            "domingo",
        ][i],
        _ => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
    }
}

/// A wall-clock time as people say it: "9 AM", "12:30 PM", "noon"; "las 9 de la mañana",
/// "la 1 de la tarde", "las 12 del mediodía".
fn clock_words(at: DateTime, language: Language) -> String {
    let (hour, minute) = (at.hour() as u32, at.minute() as u32);
    let twelve = match hour % 12 {
        0 => 12,
        h => h,
    };
    match language {
        Language::Es => {
            let article = if twelve == 1 { "la" } else { "las" };
            let minutes = if minute == 0 {
                String::new()
            } else {
                format!(" y {minute}")
            };
            let part = match hour {
                0..=5 => "de la madrugada",
                6..=11 => "de la mañana",
                12 => "del mediodía",
                13..=19 => "de la tarde",
                _ => "de la noche",
            };
            format!("{article} {twelve}{minutes} {part}")
        }
        _ => match (hour, minute) {
            (12, 0) => "noon".to_owned(),
            (0, 0) => "midnight".to_owned(),
            _ => {
                // "AM", not "a.m.": a time at the end of a sentence would end it twice.
                let suffix = if hour < 12 { "AM" } else { "PM" };
                if minute == 0 {
                    format!("{twelve} {suffix}")
                } else {
                    format!("{twelve}:{minute:02} {suffix}")
                }
            }
        },
    }
}

// --- Callbacks ---------------------------------------------------------------------------------

/// A North American number a callback can go to: ten digits, area code and exchange not
/// starting with 0 or 1. Not card data: it is kept and logged like any caller ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPhone(String);

impl CallbackPhone {
    /// From the ten digits a caller keyed or said (a leading `1` is allowed).
    pub fn parse_national(digits: &str) -> Option<CallbackPhone> {
        let digits = match digits.len() {
            11 => digits.strip_prefix('1')?,
            _ => digits,
        };
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 10
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] >= b'2'
            && bytes[3] >= b'2';
        valid.then(|| CallbackPhone(format!("+1{digits}")))
    }

    /// From caller ID in E.164 (`+15552126618`); `None` for a withheld or foreign number.
    pub fn from_caller_id(e164: &str) -> Option<CallbackPhone> {
        CallbackPhone::parse_national(e164.strip_prefix("+1")?)
    }

    /// The number, E.164.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people read it back: area code, exchange, line, each digit by digit
    /// ("5 5 5, 2 1 2, 6 6 1 8").
    pub fn words(&self, language: Language) -> String {
        let national = &self.0[2..];
        [&national[..3], &national[3..6], &national[6..]]
            .map(|group| speech::digits_words(group, language))
            .join(", ")
    }
}

/// Windows as kept in the session: in seconds, since a 13-digit run of milliseconds can pass
/// the Luhn check and be masked as a card number when the session is saved
/// ([`crate::payments::redact::mask_card_numbers`]); 10 digits never are.
pub fn encode_windows(windows: &[Window]) -> String {
    windows
        .iter()
        .map(|w| format!("{}-{}", w.start_ms / 1000, w.end_ms / 1000))
        .collect::<Vec<_>>()
        .join(",")
}

/// Windows kept in the session, in key order.
pub fn decode_windows(encoded: &str) -> Vec<Window> {
    encoded
        .split(',')
        .filter_map(|w| {
            let (start, end) = w.split_once('-')?;
            Some(Window {
                start_ms: start.parse::<i64>().ok()? * 1000,
                end_ms: end.parse::<i64>().ok()? * 1000,
            })
        })
        .collect()
}

// --- Loading -------------------------------------------------------------------------------------

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `[week]` as written: each day's ranges, with where they stand in the file.
type RawWeek = Spanned<BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    time_zone: Option<Spanned<String>>,
    week: Option<RawWeek>,
    holidays: Option<BTreeMap<Spanned<String>, String>>,
}

/// Loads `hours.toml` from the flows directory; `Ok(None)` when there is none (always open, no
/// callbacks).
///
/// # Errors
/// Every problem found, as `file:line: message`.
pub fn load_dir(dir: &Path) -> Result<Option<Hours>, Vec<Problem>> {
    let path = dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(source) => parse(&path, &source).map(Some),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(vec![Problem::whole(&path, format!("cannot read: {err}"))]),
    }
}

/// Parses and checks hours text.
///
/// # Errors
/// Every problem found, each naming the fix.
pub fn parse(path: &Path, source: &str) -> Result<Hours, Vec<Problem>> {
    let raw: RawFile = toml::from_str(source)
        .map_err(|err| vec![crate::diagnostics::toml_problem(path, source, &err)])?;
    let mut found = Problems::new(path, source);
    let mut report = |offset: usize, message: String| found.at(offset, message);
    let zone = match &raw.time_zone {
        None => {
            report(
                0,
                "there is no time_zone; name the hours' IANA time zone, like time_zone = \
                 \"America/New_York\""
                    .to_owned(),
            );
            None
        }
        Some(name) => match TimeZone::get(name.as_ref()) {
            Ok(zone) => Some((zone, name.as_ref().clone())),
            Err(_) => {
                report(
                    name.span().start,
                    format!(
                        "time_zone \"{}\" is not an IANA time zone; {}",
                        name.as_ref(),
                        zone_fix(name.as_ref())
                    ),
                );
                None
            }
        },
    };
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    match &raw.week {
        None => report(
            0,
            "there is no [week]; add the open hours of each day, like monday = [\"09:00-17:00\"]"
                .to_owned(),
        ),
        Some(days) => {
            for (day, ranges) in days.as_ref() {
                let Some(index) = DAYS.iter().position(|d| *d == day.as_ref().to_lowercase())
                else {
                    report(
                        day.span().start,
                        format!(
                            "\"{}\" is not a day of the week; write one of {}",
                            day.as_ref(),
                            DAYS.join(", ")
                        ),
                    );
                    continue;
                };
                let mut parsed: Vec<(u16, u16, &Spanned<String>)> = Vec::new();
                for range in ranges.as_ref() {
                    match parse_range(range.as_ref()) {
                        Ok((open, close)) => parsed.push((open, close, range)),
                        Err(message) => report(range.span().start, message),
                    }
                }
                for pair in parsed.windows(2) {
                    let ((open_a, close_a, a), (open_b, _, b)) = (
                        (pair[0].0, pair[0].1, pair[0].2),
                        (pair[1].0, pair[1].1, pair[1].2),
                    );
                    if open_b < open_a {
                        report(
                            b.span().start,
                            format!(
                                "\"{}\" comes before \"{}\" in the day; list a day's ranges from \
                                 morning to evening",
                                b.as_ref(),
                                a.as_ref()
                            ),
                        );
                    } else if open_b < close_a {
                        report(
                            b.span().start,
                            format!(
                                "\"{}\" overlaps \"{}\"; join them into one range or make one \
                                 end before the other starts",
                                b.as_ref(),
                                a.as_ref()
                            ),
                        );
                    }
                }
                week[index] = parsed.iter().map(|(o, c, _)| (*o, *c)).collect();
            }
            if week.iter().all(Vec::is_empty) && all_empty(days) {
                report(
                    days.span().start,
                    "the line is never open; give at least one day hours, like monday = \
                     [\"09:00-17:00\"]"
                        .to_owned(),
                );
            }
        }
    }
    let mut holidays = BTreeSet::new();
    for day in raw.holidays.iter().flat_map(BTreeMap::keys) {
        match parse_date(day.as_ref()) {
            Some(date) => {
                holidays.insert(date);
            }
            None => report(
                day.span().start,
                format!(
                    "holiday \"{}\" is not a date; write it as YEAR-MONTH-DAY, like \
                     \"2026-12-25\" = \"Christmas Day\"",
                    day.as_ref()
                ),
            ),
        }
    }
    match zone {
        Some((zone, zone_name)) => found.or(Hours {
            zone,
            zone_name,
            week,
            holidays,
        }),
        None => Err(found.into_sorted()),
    }
}

/// Whether every day's ranges were written empty (so "never open" is the problem, not a typo).
fn all_empty(days: &RawWeek) -> bool {
    days.as_ref()
        .values()
        .all(|ranges| ranges.as_ref().is_empty())
}

/// How to fix a time zone name: the database name it resembles, or what a name looks like.
fn zone_fix(name: &str) -> String {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = squash(name);
    let close = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .find(|n| squash(n) == wanted || squash(n).ends_with(&wanted) && wanted.len() > 3);
    match close {
        Some(found) => format!("did you mean \"{found}\"?"),
        None => "write a name from the tz database, like \"America/New_York\" or \
                 \"America/Los_Angeles\" (not an abbreviation such as EST or an offset)"
            .to_owned(),
    }
}

/// `"09:00-17:00"` as minutes from midnight; `24:00` closes at midnight.
fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let shape = || {
        format!(
            "\"{text}\" is not a range of times; write it as opening-closing on the 24-hour \
             clock, like \"09:00-17:00\""
        )
    };
    let (open, close) = text.split_once('-').ok_or_else(shape)?;
    let open = parse_time(open.trim()).ok_or_else(shape)??;
    let close = parse_time(close.trim()).ok_or_else(shape)??;
    if open == 24 * 60 {
        return Err(format!(
            "\"{text}\" opens at 24:00; the day ends there: open at 00:00 on the next day"
        ));
    }
    if close <= open {
        return Err(format!(
            "\"{text}\" closes before it opens; write the earlier time first, and split a range \
             across midnight into \"..-24:00\" and the next day's \"00:00-..\""
        ));
    }
    Ok((open, close))
}

/// `Some(Ok(minutes))`, `Some(Err(why))` for a well-shaped but impossible time, `None` for a
/// shape that is not HH:MM.
fn parse_time(text: &str) -> Option<Result<u16, String>> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Some(Err(format!(
            "{text} is not a time of day; times go from 00:00 to 24:00"
        )));
    }
    Some(Ok(h * 60 + m))
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests;
