//! The dashboard's HTML: the period form, the headline numbers, the charts with their tables, and
//! the download links. Written with [`maud::html!`], which escapes every value spliced in.

use std::collections::BTreeMap;

use maud::{Markup, PreEscaped, html};

use super::Params;
use super::charts::{self, ASKED_FOR_PERSON, ENDED, HUNG_UP, Series, WENT_ON};
use crate::agents::console::SignedIn;
use crate::agents::pages::page;
use crate::http::AppState;
use crate::payments::ReturnCategory;
use crate::reports::{Grouping, Report, ReportQuery, ReportRow};
use crate::store::BankReturns;

const CONTAINED: Series = Series {
    name: "contained",
    colour: "#1b7837",
};
const TRANSFERRED: Series = Series {
    name: "transferred",
    colour: "#2166ac",
};
const ABANDONED: Series = Series {
    name: "abandoned",
    colour: "#b2182b",
};
const APPROVED: Series = Series {
    name: "approved",
    colour: "#1b7837",
};
const DECLINED: Series = Series {
    name: "declined",
    colour: "#b2182b",
};

/// What the dashboard adds to the console's style.
const STYLE: &str = "main{max-width:72rem}\
.numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.6rem}\
.numbers div{border:1px solid #ccc;border-radius:4px;padding:.4rem .8rem}\
.numbers dt{font-size:.85rem;color:#444}.numbers dd{margin:0;font-size:1.4rem;font-weight:600}\
.legend{list-style:none;padding:0;display:flex;gap:1rem;flex-wrap:wrap}\
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.3rem;vertical-align:middle}\
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;\
text-align:right}th:first-child,td:first-child{text-align:left}\
form.period{display:flex;gap:1rem;flex-wrap:wrap;align-items:end}form.period label{margin:0}\
form.period input,form.period select{width:auto}\
.over td{color:#b2182b;font-weight:600}";

/// Money in dollars and cents from integer cents, for people: "$1,234.50".
fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Seconds as "2 min 5 s".
fn duration(seconds: Option<i64>) -> String {
    match seconds {
        None => "–".to_owned(),
        Some(s) if s >= 60 => format!("{} min {} s", s / 60, s % 60),
        Some(s) => format!("{s} s"),
    }
}

/// The period's totals: every row added up.
fn totals(report: &Report) -> ReportRow {
    let mut total = ReportRow::default();
    let add = |into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>| {
        for (key, count) in from {
            *into.entry(key.clone()).or_insert(0) += count;
        }
    };
    let (mut seconds_weighted, mut paying) = (0i64, 0i64);
    let mut rating_sum = 0i64;
    for row in &report.rows {
        let (c, p, s) = (&row.calls, &row.payments, &row.survey);
        total.calls.total += c.total;
        total.calls.in_progress += c.in_progress;
        total.calls.contained += c.contained;
        total.calls.transferred += c.transferred;
        total.calls.abandoned += c.abandoned;
        total.calls.lockouts += c.lockouts;
        add(
            &mut total.calls.transferred_by_reason,
            &c.transferred_by_reason,
        );
        total.payments.attempts += p.attempts;
        total.payments.approved += p.approved;
        total.payments.approved_cents += p.approved_cents;
        total.payments.declined += p.declined;
        total.payments.unsettled += p.unsettled;
        add(
            &mut total.payments.declined_by_reason,
            &p.declined_by_reason,
        );
        if let Some(seconds) = p.average_seconds_to_pay {
            seconds_weighted += seconds * p.paying_calls;
            paying += p.paying_calls;
        }
        add(&mut total.arrangements, &row.arrangements);
        total.survey.offered += s.offered;
        total.survey.answered += s.answered;
        total.survey.resolved += s.resolved;
        total.survey.not_resolved += s.not_resolved;
        for (rating, count) in &s.ratings {
            *total.survey.ratings.entry(*rating).or_insert(0) += count;
            rating_sum += rating * count;
        }
    }
    let ratio = crate::reports::ratio;
    let ended = total.calls.contained + total.calls.transferred + total.calls.abandoned;
    total.calls.containment_rate = ratio(total.calls.contained, ended);
    total.payments.approval_rate = ratio(
        total.payments.approved,
        total.payments.approved + total.payments.declined,
    );
    total.payments.paying_calls = paying;
    total.payments.average_seconds_to_pay = (paying > 0).then(|| seconds_weighted / paying);
    total.survey.response_rate = ratio(total.survey.answered, total.survey.offered);
    let rated: i64 = total.survey.ratings.values().sum();
    total.survey.average_rating = ratio(rating_sum, rated);
    total
}

/// A state's name in words, from its activity in the flow when it has one.
fn state_words(app: &AppState, flow: &str, state: &str) -> String {
    // A state of another flow (calls answered before a change of flow) has only its name.
    let described = (flow == app.line.flow.name)
        .then(|| app.line.flow.states.get(state))
        .flatten()
        .map(crate::flow::State::label);
    let name = described.unwrap_or_else(|| state.replace('_', " "));
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Whether a funnel step is somewhere a caller waits or hears something (not an action or a
/// branch of the running flow).
fn where_callers_are(app: &AppState, step: &crate::reports::funnel::FunnelStep) -> bool {
    use crate::flow::StateKind;
    if step.flow != app.line.flow.name {
        return true;
    }
    app.line.flow.states.get(&step.state).is_none_or(|state| {
        !matches!(
            state.kind,
            StateKind::Action { .. } | StateKind::Branch { .. }
        )
    })
}

/// The page's frame: who is signed in, and the period form.
fn frame(signed_in: &SignedIn, params: &Params, by: Grouping, body: Markup) -> String {
    let groupings = [
        Grouping::Day,
        Grouping::Week,
        Grouping::Flow,
        Grouping::Segment,
        Grouping::Language,
        Grouping::Provider,
        Grouping::Channel,
    ];
    page(
        "Dashboard",
        html! {
            style { (PreEscaped(STYLE)) }
            header {
                p {
                    "Signed in as " strong { (signed_in.session.display_name) } " · "
                    a href="/agent" { "Console" }
                }
            }
            main {
                h1 { "How the line is doing" }
                form class="period" method="get" action="/dashboard" {
                    label for="from" {
                        "From" br;
                        input id="from" name="from" type="date" value=(params.from.as_deref().unwrap_or(""));
                    }
                    label for="to" {
                        "To" br;
                        input id="to" name="to" type="date" value=(params.to.as_deref().unwrap_or(""));
                    }
                    label for="by" {
                        "Rows by" br;
                        select id="by" name="by" {
                            @for g in groupings {
                                option value=(g.name()) selected[g == by] { (g.name()) }
                            }
                        }
                    }
                    button type="submit" { "Show" }
                }
                (body)
            }
        },
    )
}

/// The dashboard when the period cannot be reported: the problem and the form.
pub(super) fn problem(signed_in: &SignedIn, params: &Params, problem: &str) -> String {
    frame(
        signed_in,
        params,
        Grouping::Day,
        html! { p role="alert" id="problem" { (problem) } },
    )
}

/// The dashboard for a report.
pub(super) fn dashboard(
    app: &AppState,
    signed_in: &SignedIn,
    query: &ReportQuery,
    report: &Report,
    returns: &BankReturns,
) -> String {
    let params = Params {
        from: Some(query.from.to_string()),
        to: Some(query.to.to_string()),
        by: Some(query.by.name().to_owned()),
    };
    let period = format!(
        "?from={}&to={}&by={}",
        query.from,
        query.to,
        query.by.name()
    );
    let total = totals(report);
    let body = html! {
        p {
            (query.from) " to " (query.to) ", days in " (report.time_zone) ". "
            a id="download-csv" href={ "/dashboard/report.csv" (period) } download {
                "Download the rows (CSV)"
            }
            " · "
            a id="download-funnel" href={ "/dashboard/funnel.csv" (period) } download {
                "Download the funnel (CSV)"
            }
        }
        (numbers(&total))
        (funnel_section(app, report, total.calls.in_progress))
        (over_the_period(report))
        (reasons(&total))
        (bank_returns(returns))
        (survey(&total))
        (rows_table(report))
    };
    frame(signed_in, &params, query.by, body)
}

/// An average rating to a tenth, or a dash when nobody rated.
fn rating(average: Option<f64>) -> String {
    average.map_or_else(|| "–".to_owned(), |r| format!("{r:.1}"))
}

/// The headline numbers.
fn numbers(total: &ReportRow) -> Markup {
    let (c, p, s) = (&total.calls, &total.payments, &total.survey);
    let arrangements: i64 = total.arrangements.values().sum();
    let figures = [
        ("calls", "Calls", c.total.to_string()),
        (
            "containment",
            "Resolved without a person",
            percent(c.containment_rate),
        ),
        (
            "transferred",
            "Put through to a person",
            c.transferred.to_string(),
        ),
        ("abandoned", "Hung up unresolved", c.abandoned.to_string()),
        ("paid", "Paid", dollars(p.approved_cents)),
        ("approval", "Card approval rate", percent(p.approval_rate)),
        (
            "time-to-pay",
            "Average time to pay",
            duration(p.average_seconds_to_pay),
        ),
        (
            "arrangements",
            "Arrangements made",
            arrangements.to_string(),
        ),
        ("lockouts", "Lockouts", c.lockouts.to_string()),
        ("rating", "Average rating (1-5)", rating(s.average_rating)),
    ];
    html! {
        section aria-labelledby="numbers-heading" {
            h2 id="numbers-heading" { "The period" }
            dl class="numbers" {
                @for (id, label, value) in figures {
                    div { dt { (label) } dd id={ "figure-" (id) } { (value) } }
                }
            }
        }
    }
}

/// The funnel of each flow, drawn, with its numbers in a table beneath.
/// `in_progress`: calls of the period not yet ended, which the funnel leaves out until they end.
fn funnel_section(app: &AppState, report: &Report, in_progress: i64) -> Markup {
    let mut flows: Vec<&str> = report.funnel.iter().map(|s| s.flow.as_str()).collect();
    flows.dedup();
    html! {
        section id="funnel" aria-labelledby="funnel-heading" {
            h2 id="funnel-heading" { "Where callers give up" }
            @if report.funnel.is_empty() {
                (no_funnel(app, in_progress))
            } @else {
                (charts::legend(&[WENT_ON, ASKED_FOR_PERSON, HUNG_UP, ENDED]))
                @for flow in flows {
                    (flow_funnel(app, report, flow))
                }
            }
        }
    }
}

/// Why there is no funnel: an empty funnel beside a call count looks broken unless it says why.
fn no_funnel(app: &AppState, in_progress: i64) -> Markup {
    let idle_minutes = app.line.config.upkeep.idle_call_after.as_secs() / 60;
    html! {
        p id="no-funnel" {
            "No finished calls in this period."
            @match in_progress {
                0 => {}
                1 => { " One call is still in progress: it is counted here once it ends." }
                n => { " " (n) " calls are still in progress: each is counted here once it ends." }
            }
            " A call ends when the provider reports it over (its status callback), or after "
            (idle_minutes) " minutes without a word."
        }
    }
}

/// One flow's funnel: its picture and its table.
fn flow_funnel(app: &AppState, report: &Report, flow: &str) -> Markup {
    let steps: Vec<_> = report
        .funnel
        .iter()
        .filter(|s| s.flow == flow)
        .cloned()
        .collect();
    // The picture shows where a caller can be (questions, transfers, goodbyes): the flow's
    // own bookkeeping (actions, branches) takes no time and loses nobody. The table has all.
    let drawn: Vec<_> = steps
        .iter()
        .filter(|s| where_callers_are(app, s))
        .cloned()
        .collect();
    // Questions that share an activity ("Entering their card") are told apart by name.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for step in &drawn {
        *seen
            .entry(state_words(app, &step.flow, &step.state))
            .or_insert(0) += 1;
    }
    let label = |step: &crate::reports::funnel::FunnelStep| {
        let words = state_words(app, &step.flow, &step.state);
        if seen.get(&words).is_some_and(|n| *n > 1) {
            let name = step.state.strip_prefix("ask_").unwrap_or(&step.state);
            format!("{words} ({})", name.replace('_', " "))
        } else {
            words
        }
    };
    let heading = if flow == crate::reports::funnel::PAGE_FLOW {
        "The pay link page (links made in the period; \"hung up\" is where people left it)"
            .to_owned()
    } else {
        format!("The {flow} flow")
    };
    html! {
        h3 { (heading) }
        (charts::funnel(&format!("funnel-{}", flow.replace(' ', "-")), &drawn, label))
        details {
            summary { "The funnel as a table" }
            table {
                thead {
                    tr {
                        th { "Question" } th { "Reached" } th { "Went on" }
                        th { "Asked for a person" } th { "Hung up" } th { "Ended" }
                    }
                }
                tbody {
                    @for s in &steps {
                        tr {
                            td { (state_words(app, &s.flow, &s.state)) }
                            td { (s.reached) } td { (s.went_on) } td { (s.asked_for_person) }
                            td { (s.hung_up) } td { (s.ended) }
                        }
                    }
                }
            }
        }
    }
}

/// Calls and payments per row, as stacked columns.
fn over_the_period(report: &Report) -> Markup {
    let calls: Vec<(String, Vec<i64>)> = report
        .rows
        .iter()
        .map(|row| {
            let c = &row.calls;
            (
                row.group.clone(),
                vec![c.contained, c.transferred, c.abandoned],
            )
        })
        .collect();
    let payments: Vec<(String, Vec<i64>)> = report
        .rows
        .iter()
        .map(|row| {
            let p = &row.payments;
            (row.group.clone(), vec![p.approved, p.declined])
        })
        .collect();
    let calls_series = [CONTAINED, TRANSFERRED, ABANDONED];
    let payments_series = [APPROVED, DECLINED];
    html! {
        section id="calls-chart" aria-labelledby="calls-heading" {
            h2 id="calls-heading" { "Calls by how they ended" }
            (charts::legend(&calls_series))
            (charts::stacked_columns("calls-columns", "Calls by how they ended", &calls, &calls_series))
        }
        section id="payments-chart" aria-labelledby="payments-heading" {
            h2 id="payments-heading" { "Card payments" }
            (charts::legend(&payments_series))
            (charts::stacked_columns(
                "payment-columns",
                "Card payments approved and declined",
                &payments,
                &payments_series
            ))
        }
    }
}

/// A two-column table of counts by reason, largest first.
fn by_reason(id: &str, title: &str, counts: &BTreeMap<String, i64>) -> Markup {
    let mut counts: Vec<(&String, &i64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    html! {
        h3 { (title) }
        @if counts.is_empty() {
            p { "None." }
        } @else {
            table id=(id) {
                tbody {
                    @for (reason, count) in counts {
                        tr { td { (reason.replace('_', " ")) } td { (count) } }
                    }
                }
            }
        }
    }
}

/// Transfers and declines by reason.
fn reasons(total: &ReportRow) -> Markup {
    html! {
        section aria-labelledby="reasons-heading" {
            h2 id="reasons-heading" { "Why" }
            (by_reason(
                "transfer-reasons",
                "Put through to a person, by why",
                &total.calls.transferred_by_reason
            ))
            (by_reason(
                "decline-reasons",
                "Cards declined, by the bank's reason",
                &total.payments.declined_by_reason
            ))
        }
    }
}

/// A rate in basis points as a percentage with two decimals: 57 -> "0.57%".
fn basis_points(bp: i64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

/// Bank debits returned over the last 60 days, by NACHA's categories against their ceilings,
/// and by return code. A rate over its ceiling is red and says so in words.
fn bank_returns(returns: &BankReturns) -> Markup {
    let rate = |count: i64| (count * 10_000).checked_div(returns.debits).unwrap_or(0);
    let in_category = |category: ReturnCategory| -> i64 {
        returns
            .returns
            .iter()
            .filter(|(code, _)| code.category() == category)
            .map(|(_, n)| n)
            .sum()
    };
    let all: i64 = returns.returns.iter().map(|(_, n)| n).sum();
    let mut rows: Vec<(&str, i64, Option<u32>)> = vec![
        (
            "Unauthorized (R05, R07, R10, R11, R29, R51)",
            in_category(ReturnCategory::Unauthorized),
            ReturnCategory::Unauthorized.ceiling_basis_points(),
        ),
        (
            "Administrative (R02, R03, R04)",
            in_category(ReturnCategory::Administrative),
            ReturnCategory::Administrative.ceiling_basis_points(),
        ),
    ];
    rows.push((
        "All returns",
        all,
        Some(crate::payments::debit::OVERALL_RETURN_CEILING_BASIS_POINTS),
    ));
    html! {
        section id="bank-returns" aria-labelledby="bank-returns-heading" {
            h2 id="bank-returns-heading" { "Bank debits returned, last 60 days" }
            @if returns.debits == 0 {
                p { "No bank debits in the last 60 days." }
            } @else {
                p { (returns.debits) " bank debits. NACHA's ceilings are over the same 60 days." }
                table id="bank-return-rates" {
                    thead { tr { th { "Returns" } th { "Count" } th { "Rate" } th { "Ceiling" } th { "Against it" } } }
                    tbody {
                        @for (name, count, ceiling) in &rows {
                            @let over = ceiling.is_some_and(|c| rate(*count) > i64::from(c));
                            tr class=[over.then_some("over")] {
                                td { (name) }
                                td { (count) }
                                td { (basis_points(rate(*count))) }
                                td { (ceiling.map_or(String::new(), |c| basis_points(i64::from(c)))) }
                                td { @if over { "over the ceiling" } @else { "within" } }
                            }
                        }
                    }
                }
                @if !returns.returns.is_empty() {
                    table id="bank-return-codes" {
                        caption { "By the bank's return code" }
                        tbody {
                            @for (code, count) in &returns.returns {
                                tr {
                                    td { (code.as_str()) " " (code.describe()) }
                                    td { (count) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The survey's answers.
fn survey(total: &ReportRow) -> Markup {
    let s = &total.survey;
    let ratings: Vec<(String, Vec<i64>)> = (1..=5)
        .map(|r| (r.to_string(), vec![s.ratings.get(&r).copied().unwrap_or(0)]))
        .collect();
    let callers = Series {
        name: "callers",
        colour: "#2166ac",
    };
    html! {
        section id="survey" aria-labelledby="survey-heading" {
            h2 id="survey-heading" { "What callers said" }
            p {
                "Asked " (s.offered) ", answered " (s.answered) " (" (percent(s.response_rate))
                "). The call took care of what they called about: yes " (s.resolved) ", no "
                (s.not_resolved) "."
            }
            (charts::stacked_columns(
                "rating-columns",
                "Ratings from 1 (poor) to 5 (excellent)",
                &ratings,
                &[callers]
            ))
        }
    }
}

/// The rows, as a table.
fn rows_table(report: &Report) -> Markup {
    let by = report.by.name();
    html! {
        section aria-labelledby="rows-heading" {
            h2 id="rows-heading" { "By " (by) }
            table id="rows" {
                thead {
                    tr {
                        th { (by) } th { "Calls" } th { "Contained" } th { "Transferred" }
                        th { "Abandoned" } th { "Paid" } th { "Approval" } th { "Arrangements" }
                        th { "Lockouts" } th { "Rating" }
                    }
                }
                tbody {
                    @for row in &report.rows {
                        @let (c, p) = (&row.calls, &row.payments);
                        tr {
                            td { (row.group) } td { (c.total) } td { (c.contained) }
                            td { (c.transferred) } td { (c.abandoned) }
                            td { (dollars(p.approved_cents)) } td { (percent(p.approval_rate)) }
                            td { (row.arrangements.values().sum::<i64>()) } td { (c.lockouts) }
                            td { (rating(row.survey.average_rating)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_returns_over_a_ceiling_are_red_and_say_so() {
        use crate::payments::ReturnCode;
        // 400 debits: 3 unauthorised (0.75%, over 0.5%), 4 administrative (1%, within 3%).
        let returns = BankReturns {
            debits: 400,
            returns: vec![
                (ReturnCode::InsufficientFunds, 5),
                (ReturnCode::AccountClosed, 4),
                (ReturnCode::NotAuthorized, 3),
            ],
        };
        let html = bank_returns(&returns).into_string();
        let unauthorised = html
            .split("<tr")
            .find(|row| row.contains("Unauthorized"))
            .expect("a row for unauthorised returns");
        assert!(unauthorised.contains("class=\"over\""), "{unauthorised}");
        assert!(unauthorised.contains("0.75%"), "{unauthorised}");
        assert!(unauthorised.contains("over the ceiling"), "{unauthorised}");
        let administrative = html
            .split("<tr")
            .find(|row| row.contains("Administrative"))
            .expect("a row for administrative returns");
        assert!(administrative.contains("1.00%") && administrative.contains("within"));
        assert!(html.contains("3.00%"), "all returns: 12 of 400");
        assert!(
            html.contains("R10 not authorized by the account holder"),
            "{html}"
        );
        assert!(
            bank_returns(&BankReturns::default())
                .into_string()
                .contains("No bank debits in the last 60 days.")
        );
    }

    #[test]
    fn money_is_shown_with_thousands_and_cents() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-550), "-$5.50");
    }

    #[test]
    fn hostile_names_periods_groups_and_reasons_come_out_as_text() {
        use crate::agents::pages::tests::{HOSTILE, assert_escaped};
        let signed_in = SignedIn {
            session: crate::store::SessionRow {
                agent_id: 1,
                username: "rosa".into(),
                display_name: HOSTILE.into(),
                role: "admin".into(),
                csrf_token: "token".into(),
            },
            token_hash: String::new(),
        };
        let params = Params {
            from: Some(HOSTILE.into()),
            to: Some(HOSTILE.into()),
            by: Some(HOSTILE.into()),
        };
        // The agent's name, the period's two ends as typed, and the problem.
        assert_escaped(&problem(&signed_in, &params, HOSTILE), 4);
        let mut row = ReportRow {
            group: HOSTILE.into(),
            ..ReportRow::default()
        };
        row.calls.transferred_by_reason.insert(HOSTILE.into(), 1);
        let report = Report {
            from: String::new(),
            to: String::new(),
            time_zone: "UTC".into(),
            by: Grouping::Segment,
            rows: vec![row.clone()],
            funnel: vec![],
        };
        assert_escaped(&rows_table(&report).into_string(), 1);
        // Each chart's column label (a quiet row has no parts to give a tooltip).
        assert_escaped(&over_the_period(&report).into_string(), 2);
        assert_escaped(&reasons(&row).into_string(), 1);
    }

    #[test]
    fn a_period_adds_up_its_rows_and_weighs_the_averages() {
        let mut a = ReportRow::default();
        a.calls.contained = 3;
        a.calls.abandoned = 1;
        a.payments.approved = 2;
        a.payments.paying_calls = 2;
        a.payments.average_seconds_to_pay = Some(60);
        a.survey.ratings.insert(5, 1);
        let mut b = ReportRow::default();
        b.calls.transferred = 4;
        b.payments.declined = 2;
        b.payments.paying_calls = 1;
        b.payments.average_seconds_to_pay = Some(150);
        b.survey.ratings.insert(2, 1);
        let report = Report {
            from: String::new(),
            to: String::new(),
            time_zone: "UTC".into(),
            by: Grouping::Day,
            rows: vec![a, b],
            funnel: vec![],
        };
        let total = totals(&report);
        assert_eq!(total.calls.containment_rate, Some(3.0 / 8.0));
        assert_eq!(total.payments.approval_rate, Some(0.5));
        assert_eq!(total.payments.average_seconds_to_pay, Some(90));
        assert_eq!(total.survey.average_rating, Some(3.5));
    }
}
