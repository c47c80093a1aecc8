//! The arithmetic of arrangements, in integer cents: splitting a total into installments and
//! dating them, a settlement's amount, and a convenience fee.
//!
//! Where the odd cent goes: a total that does not divide evenly puts the leftover cents on the
//! **first** installment, so every later (automatic) charge is the same amount. A percentage
//! (settlement or fee) is rounded to the nearest cent, half a cent up.

use time::{Date, Duration, Month};

use crate::language::Language;
use crate::named::named_enum;
use crate::speech;

named_enum! {
    /// How often installments fall due.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Interval {
        /// Same day each month (the last day of a shorter month when the day does not exist).
        Monthly = "month",
        /// Every 14 days.
        EveryTwoWeeks = "2 weeks",
        /// Every 7 days.
        Weekly = "week",
    }
}

impl Interval {
    /// The date `steps` intervals after `start`.
    pub fn after(self, start: Date, steps: u32) -> Date {
        match self {
            Interval::Monthly => add_months(start, steps),
            Interval::EveryTwoWeeks => start.saturating_add(Duration::days(14 * i64::from(steps))),
            Interval::Weekly => start.saturating_add(Duration::days(7 * i64::from(steps))),
        }
    }
}

/// `months` calendar months after `date`, on the same day or the month's last day.
fn add_months(date: Date, months: u32) -> Date {
    let index =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month()) - 1) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1))
        .unwrap_or(Month::January);
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// One installment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installment {
    /// When it falls due.
    pub due: Date,
    /// How much, in cents.
    pub amount_cents: i64,
}

/// Splits `total_cents` into `count` installments, the first on `first_due` and the rest one
/// `interval` apart. The leftover cents of an uneven split go on the first installment; the
/// amounts always sum exactly to the total. `count` 0 is treated as 1.
pub fn schedule(
    total_cents: i64,
    count: u32,
    first_due: Date,
    interval: Interval,
) -> Vec<Installment> {
    let count = count.max(1);
    let base = total_cents / i64::from(count);
    let leftover = total_cents - base * i64::from(count);
    (0..count)
        .map(|i| Installment {
            due: interval.after(first_due, i),
            amount_cents: if i == 0 { base + leftover } else { base },
        })
        .collect()
}

/// `basis_points` hundredths of a percent of `cents`, to the nearest cent, half a cent up.
pub fn percent_of(cents: i64, basis_points: i64) -> i64 {
    let exact = i128::from(cents) * i128::from(basis_points);
    let rounded = (exact + 5_000).div_euclid(10_000);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// A settlement of `balance_cents`: `basis_points` of it, but never less than `floor_cents`, and
/// never more than the balance (then there is nothing to settle for less).
pub fn settlement_amount(balance_cents: i64, basis_points: i64, floor_cents: i64) -> i64 {
    percent_of(balance_cents, basis_points)
        .max(floor_cents)
        .min(balance_cents)
}

/// How a convenience fee is worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeRule {
    /// The same amount on every payment.
    Flat {
        /// Cents.
        cents: i64,
    },
    /// A share of the payment, to the nearest cent (half up), at most `cap_cents`.
    Percent {
        /// Hundredths of a percent (250 = 2.5 %).
        basis_points: i64,
        /// The most it can be, in cents.
        cap_cents: Option<i64>,
    },
}

impl FeeRule {
    /// The fee on a payment of `amount_cents`.
    pub fn fee_on(self, amount_cents: i64) -> i64 {
        match self {
            FeeRule::Flat { cents } => cents,
            FeeRule::Percent {
                basis_points,
                cap_cents,
            } => {
                let fee = percent_of(amount_cents, basis_points);
                cap_cents.map_or(fee, |cap| fee.min(cap))
            }
        }
    }
}

/// A schedule as a person would read it: "three payments of forty dollars, on December first,
/// January first and February first", or with an uneven first payment "a first payment of
/// forty dollars and one cent on December first, then two payments of forty dollars, on January
/// first and February first". A payment due `today` is said to be today.
pub fn schedule_words(installments: &[Installment], language: Language, today: Date) -> String {
    let Some((first, rest)) = installments.split_first() else {
        return String::new();
    };
    let es = language == Language::Es;
    let day = |date: Date| match (date == today, es) {
        (true, false) => "today".to_owned(),
        (true, true) => "hoy".to_owned(),
        (false, _) => speech::date_words(date, language),
    };
    let dates = |items: &[Installment]| {
        list_words(
            &items.iter().map(|i| day(i.due)).collect::<Vec<_>>(),
            language,
        )
    };
    let count_of = |n: usize, amount: i64| {
        let amount = speech::money_words(amount, language);
        match (n, es) {
            (1, false) => format!("one payment of {amount}"),
            (1, true) => format!("un pago de {amount}"),
            (n, false) => format!(
                "{} payments of {amount}",
                speech::number_words(n as u64, language)
            ),
            (n, true) => format!(
                "{} pagos de {amount}",
                speech::number_words(n as u64, language)
            ),
        }
    };
    // "on today" is not said: a list that starts today reads "today, December first ...".
    let on = |items: &[Installment]| match (items.first().is_some_and(|i| i.due == today), es) {
        (true, _) => "",
        (false, true) => "el ",
        (false, false) => "on ",
    };
    if rest.iter().all(|i| i.amount_cents == first.amount_cents) {
        return format!(
            "{}, {}{}",
            count_of(installments.len(), first.amount_cents),
            on(installments),
            dates(installments)
        );
    }
    let first_words = speech::money_words(first.amount_cents, language);
    let first_date = format!("{}{}", on(installments), day(first.due));
    let rest_amount = rest[0].amount_cents;
    if es {
        format!(
            "un primer pago de {first_words} {first_date}, y luego {}, {}{}",
            count_of(rest.len(), rest_amount),
            on(rest),
            dates(rest)
        )
    } else {
        format!(
            "a first payment of {first_words} {first_date}, then {}, {}{}",
            count_of(rest.len(), rest_amount),
            on(rest),
            dates(rest)
        )
    }
}

/// "a, b and c" / "a, b y c".
pub fn list_words(items: &[String], language: Language) -> String {
    let and = match language {
        Language::En => "and",
        Language::Es => "y",
    };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    #[test]
    fn an_even_split_reads_as_one_amount() {
        let plan = schedule(44532, 3, date!(2026 - 12 - 01), Interval::Monthly);
        assert_eq!(
            plan.iter().map(|i| i.amount_cents).collect::<Vec<_>>(),
            [14844, 14844, 14844]
        );
        assert_eq!(
            schedule_words(&plan, Language::En, date!(2026 - 11 - 24)),
            "three payments of one hundred forty-eight dollars and forty-four cents, on December \
             first, January first and February first"
        );
        assert_eq!(
            schedule_words(&plan, Language::Es, date!(2026 - 11 - 24)),
            "tres pagos de ciento cuarenta y ocho dólares con cuarenta y cuatro centavos, el \
             primero de diciembre, primero de enero y primero de febrero"
        );
    }

    #[test]
    fn the_odd_cents_go_on_the_first_installment() {
        let plan = schedule(44533, 3, date!(2026 - 12 - 01), Interval::Monthly);
        assert_eq!(
            plan.iter().map(|i| i.amount_cents).collect::<Vec<_>>(),
            [14845, 14844, 14844]
        );
        assert_eq!(
            schedule_words(&plan, Language::En, date!(2026 - 11 - 24)),
            "a first payment of one hundred forty-eight dollars and forty-five cents on December \
             first, then two payments of one hundred forty-eight dollars and forty-four cents, on \
             January first and February first"
        );
        assert_eq!(
            schedule_words(&plan, Language::En, date!(2026 - 12 - 01)),
            "a first payment of one hundred forty-eight dollars and forty-five cents today, then \
             two payments of one hundred forty-eight dollars and forty-four cents, on January \
             first and February first"
        );
        assert_eq!(
            schedule_words(&plan[1..], Language::Es, date!(2027 - 01 - 01)),
            "dos pagos de ciento cuarenta y ocho dólares con cuarenta y cuatro centavos, hoy y \
             primero de febrero"
        );
        let two = schedule(101, 2, date!(2026 - 12 - 01), Interval::Weekly);
        assert_eq!(two[0].amount_cents, 51);
        assert_eq!(two[1].amount_cents, 50);
        assert_eq!(two[1].due, date!(2026 - 12 - 08));
    }

    #[test]
    fn monthly_dates_keep_the_day_or_take_the_month_end() {
        let plan = schedule(400, 4, date!(2027 - 01 - 31), Interval::Monthly);
        let dates: Vec<Date> = plan.iter().map(|i| i.due).collect();
        assert_eq!(
            dates,
            [
                date!(2027 - 01 - 31),
                date!(2027 - 02 - 28),
                date!(2027 - 03 - 31),
                date!(2027 - 04 - 30)
            ]
        );
        assert_eq!(
            Interval::Monthly.after(date!(2026 - 11 - 24), 2),
            date!(2027 - 01 - 24)
        );
        assert_eq!(
            Interval::EveryTwoWeeks.after(date!(2026 - 12 - 25), 1),
            date!(2027 - 01 - 08)
        );
    }

    #[test]
    fn percentages_round_half_a_cent_up() {
        assert_eq!(percent_of(1000, 250), 25);
        assert_eq!(percent_of(1, 5000), 1, "half a cent rounds up");
        assert_eq!(percent_of(1, 4999), 0);
        assert_eq!(percent_of(44533, 6000), 26720, "267.198 -> 267.20");
        assert_eq!(settlement_amount(44533, 6000, 10000), 26720);
        assert_eq!(
            settlement_amount(12000, 6000, 10000),
            10000,
            "the floor holds"
        );
        assert_eq!(
            settlement_amount(9000, 6000, 10000),
            9000,
            "never above the balance"
        );
    }

    #[test]
    fn fees_are_flat_or_capped_percentages() {
        assert_eq!(FeeRule::Flat { cents: 295 }.fee_on(100), 295);
        let percent = FeeRule::Percent {
            basis_points: 250,
            cap_cents: Some(995),
        };
        assert_eq!(percent.fee_on(10_000), 250);
        assert_eq!(percent.fee_on(10_050), 251, "251.25 -> 2.51");
        assert_eq!(percent.fee_on(10_020), 251, "250.5 -> 2.51, half a cent up");
        assert_eq!(percent.fee_on(1_000_000), 995, "capped");
    }

    proptest! {
        #[test]
        fn installments_always_sum_to_the_total(total in 0i64..100_000_000, count in 1u32..=24) {
            let plan = schedule(total, count, date!(2026 - 11 - 30), Interval::Monthly);
            prop_assert_eq!(plan.len(), count as usize);
            prop_assert_eq!(plan.iter().map(|i| i.amount_cents).sum::<i64>(), total);
            prop_assert!(plan.windows(2).all(|w| w[0].due < w[1].due));
            prop_assert!(plan[1..].iter().all(|i| i.amount_cents == plan.last().map_or(0, |l| l.amount_cents)));
            prop_assert!(plan[0].amount_cents - plan.last().map_or(0, |l| l.amount_cents) < i64::from(count));
        }
    }
}
