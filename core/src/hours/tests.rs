use std::path::Path;

use super::*;

const WEEKDAYS: &str = r#"time_zone = "America/New_York"

[week]
monday = ["09:00-17:00"]
tuesday = ["09:00-17:00"]
wednesday = ["09:00-17:00"]
thursday = ["09:00-17:00"]
friday = ["09:00-17:00"]
saturday = []
sunday = []

[holidays]
"2026-11-26" = "Thanksgiving Day"
"#;

fn hours() -> Hours {
    parse(Path::new("hours.toml"), WEEKDAYS).expect("valid hours")
}

fn ms(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn utc(window: Window) -> (String, String) {
    let format = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .expect("time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format")
    };
    (format(window.start_ms), format(window.end_ms))
}

/// `file:line: message` problems of `source`.
fn problems(source: &str) -> Vec<String> {
    parse(Path::new("hours.toml"), source)
        .expect_err("problems")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn open_within_hours_closed_after_and_on_holidays() {
    let hours = hours();
    // Monday 10:00 in New York.
    assert!(hours.is_open(ms(time::macros::datetime!(2026-11-23 15:00 UTC))));
    // Monday 17:30.
    assert!(!hours.is_open(ms(time::macros::datetime!(2026-11-23 22:30 UTC))));
    // Thanksgiving, a Thursday, at 10:00.
    assert!(!hours.is_open(ms(time::macros::datetime!(2026-11-26 15:00 UTC))));
    // Saturday at noon.
    assert!(!hours.is_open(ms(time::macros::datetime!(2026-11-28 17:00 UTC))));
}

#[test]
fn windows_after_friday_evening_are_monday_and_tuesday() {
    let hours = hours();
    let friday_evening = ms(time::macros::datetime!(2026-11-27 23:00 UTC));
    let windows = hours.callback_windows(friday_evening, 3);
    let utc: Vec<_> = windows.iter().map(|w| utc(*w)).collect();
    assert_eq!(
        utc,
        [
            ("2026-11-30T14:00:00Z".into(), "2026-11-30T17:00:00Z".into()),
            ("2026-11-30T17:00:00Z".into(), "2026-11-30T22:00:00Z".into()),
            ("2026-12-01T14:00:00Z".into(), "2026-12-01T17:00:00Z".into()),
        ]
    );
    assert_eq!(
        hours.window_words(windows[0], friday_evening, Language::En),
        "Monday morning, between 9 AM and noon"
    );
    assert_eq!(
        hours.window_words(windows[1], friday_evening, Language::Es),
        "el lunes por la tarde, entre las 12 del mediodía y las 5 de la tarde"
    );
    assert_eq!(
        hours.opening_words(friday_evening, Language::En),
        "on Monday at 9 AM"
    );
}

#[test]
fn windows_skip_a_holiday_and_say_tomorrow() {
    let hours = hours();
    // Tuesday 18:00: Wednesday, then Friday (Thursday is Thanksgiving).
    let tuesday_evening = ms(time::macros::datetime!(2026-11-24 23:00 UTC));
    let windows = hours.callback_windows(tuesday_evening, 3);
    assert_eq!(utc(windows[2]).0, "2026-11-27T14:00:00Z");
    assert_eq!(
        hours.window_words(windows[0], tuesday_evening, Language::En),
        "tomorrow morning, between 9 AM and noon"
    );
    assert_eq!(
        hours.window_words(windows[2], tuesday_evening, Language::En),
        "Friday morning, between 9 AM and noon"
    );
    assert_eq!(
        hours.opening_words(tuesday_evening, Language::Es),
        "mañana a las 9 de la mañana"
    );
}

#[test]
fn nine_in_the_morning_moves_in_utc_when_daylight_saving_time_ends_and_starts() {
    let hours = hours();
    // Friday 30 October 2026, 18:00 EDT; clocks go back on Sunday 1 November.
    let before_fall_back = ms(time::macros::datetime!(2026-10-30 22:00 UTC));
    let monday = hours.callback_windows(before_fall_back, 1)[0];
    assert_eq!(utc(monday).0, "2026-11-02T14:00:00Z", "9 AM EST");
    // Friday 6 March 2026, 18:00 EST; clocks go forward on Sunday 8 March.
    let before_spring_forward = ms(time::macros::datetime!(2026-03-06 23:00 UTC));
    let monday = hours.callback_windows(before_spring_forward, 1)[0];
    assert_eq!(utc(monday).0, "2026-03-09T13:00:00Z", "9 AM EDT");
    // Open at 9:30 EDT on the Monday after, closed at 9:30 EST's instant before it.
    assert!(hours.is_open(ms(time::macros::datetime!(2026-03-09 13:30 UTC))));
    assert!(!hours.is_open(ms(time::macros::datetime!(2026-03-06 13:30 UTC))));
}

#[test]
fn open_now_says_until_when() {
    let hours = hours();
    let monday_morning = ms(time::macros::datetime!(2026-11-23 15:00 UTC));
    assert_eq!(
        hours.opening_words(monday_morning, Language::En),
        "today until 5 PM"
    );
    // The windows still to come today start this afternoon.
    let first = hours.callback_windows(monday_morning, 1)[0];
    assert_eq!(
        hours.window_words(first, monday_morning, Language::En),
        "this afternoon, between noon and 5 PM"
    );
}

#[test]
fn a_misspelled_time_zone_names_the_right_one() {
    let found = problems(&WEEKDAYS.replace("America/New_York", "America/NewYork"));
    assert_eq!(
        found,
        [
            "hours.toml:1: time_zone \"America/NewYork\" is not an IANA time zone; did you mean \
             \"America/New_York\"?"
        ]
    );
    let found = problems(&WEEKDAYS.replace("America/New_York", "EST5"));
    assert!(found[0].starts_with("hours.toml:1: "), "{found:?}");
    assert!(found[0].contains("like \"America/New_York\""), "{found:?}");
}

#[test]
fn bad_times_and_misordered_or_overlapping_ranges_are_reported_where_they_are() {
    let source = WEEKDAYS
        .replace("monday = [\"09:00-17:00\"]", "monday = [\"09:00-25:00\"]")
        .replace("tuesday = [\"09:00-17:00\"]", "tuesday = [\"17:00-09:00\"]")
        .replace(
            "wednesday = [\"09:00-17:00\"]",
            "wednesday = [\"09:00-13:00\", \"12:00-17:00\"]",
        )
        .replace(
            "thursday = [\"09:00-17:00\"]",
            "thursday = [\"13:00-17:00\", \"09:00-12:00\"]",
        )
        .replace("friday = [\"09:00-17:00\"]", "friday = [\"9 to 5\"]")
        .replace("\"2026-11-26\"", "\"2026-11-31\"");
    let found = problems(&source);
    assert_eq!(
        found,
        [
            "hours.toml:4: 25:00 is not a time of day; times go from 00:00 to 24:00",
            "hours.toml:5: \"17:00-09:00\" closes before it opens; write the earlier time first, \
             and split a range across midnight into \"..-24:00\" and the next day's \"00:00-..\"",
            "hours.toml:6: \"12:00-17:00\" overlaps \"09:00-13:00\"; join them into one range or \
             make one end before the other starts",
            "hours.toml:7: \"09:00-12:00\" comes before \"13:00-17:00\" in the day; list a day's \
             ranges from morning to evening",
            "hours.toml:8: \"9 to 5\" is not a range of times; write it as opening-closing on the \
             24-hour clock, like \"09:00-17:00\"",
            "hours.toml:13: holiday \"2026-11-31\" is not a date; write it as YEAR-MONTH-DAY, \
             like \"2026-12-25\" = \"Christmas Day\"",
        ]
    );
}

#[test]
fn an_unknown_day_and_a_missing_time_zone_are_reported() {
    let source = WEEKDAYS
        .replace("time_zone = \"America/New_York\"\n", "")
        .replace("saturday", "saturdays");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("hours.toml:0: there is no time_zone")
                || p.starts_with("hours.toml:1: there is no time_zone")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("\"saturdays\" is not a day of the week; write one of monday")),
        "{found:?}"
    );
}

#[test]
fn the_shipped_hours_load() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows");
    let hours = load_dir(&dir).expect("valid").expect("present");
    assert_eq!(hours.time_zone(), "America/New_York");
}

#[test]
fn callback_numbers_are_ten_digits_with_a_real_area_code() {
    let phone = CallbackPhone::parse_national("2125551234").expect("valid");
    assert_eq!(phone.as_str(), "+12125551234");
    assert_eq!(phone.words(Language::En), "2 1 2, 5 5 5, 1 2 3 4");
    assert!(CallbackPhone::parse_national("12125551234").is_some());
    assert!(CallbackPhone::parse_national("0125551234").is_none());
    assert!(CallbackPhone::parse_national("212555123").is_none());
    assert!(CallbackPhone::from_caller_id("+442071234567").is_none());
    assert!(CallbackPhone::from_caller_id("anonymous").is_none());
}

#[test]
fn the_console_reads_windows_and_moments_with_the_date_and_zone() {
    let hours = hours();
    // Monday 2026-11-23, 6:05 PM in New York.
    let monday_evening = ms(time::macros::datetime!(2026-11-23 23:05 UTC));
    let next = hours.callback_windows(monday_evening, 2)[1];
    assert_eq!(
        hours.window_text(next, monday_evening),
        "tomorrow afternoon, between noon and 5 PM (Tuesday, November 24, America/New_York time)"
    );
    assert_eq!(
        hours.moment_text(monday_evening),
        "Monday, November 23 at 6:05 PM"
    );
}
