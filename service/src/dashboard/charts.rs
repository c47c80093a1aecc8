//! Charts drawn by the service itself as inline SVG: no script, no external file, so the
//! dashboard works on an isolated network and prints as it shows. Every chart carries a title
//! and a description for screen readers, and the page gives the same numbers in a table.
//! Drawn with [`maud::html!`], like the pages, so every label is escaped.

use maud::{Markup, html};

use crate::reports::funnel::FunnelStep;

/// A series' colour and name, as the legend says it.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    /// Its name in the legend.
    pub name: &'static str,
    /// A CSS colour, chosen to stay apart for the common colour blindnesses.
    pub colour: &'static str,
}

/// Went on to the next question.
pub const WENT_ON: Series = Series {
    name: "went on",
    colour: "#1b7837",
};
/// Asked for (or was sent to) a person.
pub const ASKED_FOR_PERSON: Series = Series {
    name: "asked for a person",
    colour: "#2166ac",
};
/// Hung up there, nothing settled.
pub const HUNG_UP: Series = Series {
    name: "hung up here",
    colour: "#b2182b",
};
/// The call ended there as the flow meant (a goodbye, a transfer, a payment).
pub const ENDED: Series = Series {
    name: "call ended here",
    colour: "#878787",
};

/// The legend for `series`.
pub fn legend(series: &[Series]) -> Markup {
    html! {
        ul class="legend" {
            @for s in series {
                li {
                    span class="swatch" style={ "background:" (s.colour) } {}
                    (s.name)
                }
            }
        }
    }
}

/// An `<svg>` of `width` by `height` units, labelled by the elements `labelled_by` names: drawn
/// at its own size in pixels, and shrunk (keeping its shape) only where the page is narrower.
/// Scaled to the page's full width instead, a chart of one column (84 units wide) grew to a
/// thousand pixels tall.
fn drawing(id: &str, labelled_by: &str, width: f64, height: f64, content: Markup) -> Markup {
    html! {
        svg id=(id) role="img" aria-labelledby=(labelled_by)
            viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height)
            style="max-width:100%;height:auto" preserveAspectRatio="xMinYMin meet"
            xmlns="http://www.w3.org/2000/svg" { (content) }
    }
}

/// The drop-off funnel: one bar per state, as long as the calls that reached it, split by how
/// the callers left it. Where callers give up stands out in red.
pub fn funnel(id: &str, steps: &[FunnelStep], label: impl Fn(&FunnelStep) -> String) -> Markup {
    const LABEL_WIDTH: f64 = 330.0;
    const BAR_WIDTH: f64 = 420.0;
    const ROW: f64 = 26.0;
    let widest = steps.iter().map(|s| s.reached).max().unwrap_or(0).max(1) as f64;
    let height = ROW * steps.len() as f64 + 10.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 90.0;
    let rows = html! {
        title id={ (id) "-title" } { "Where callers give up" }
        desc id={ (id) "-desc" } {
            "For each question, the calls that reached it, split into those that went on, asked \
             for a person, hung up there, or ended there."
        }
        @for (index, step) in steps.iter().enumerate() {
            @let y = ROW * index as f64 + 4.0;
            @let (bars, end) = funnel_bars(step, LABEL_WIDTH, BAR_WIDTH, widest);
            g class="step" data-state=(step.state) {
                text x=(LABEL_WIDTH - 8.0) y=(y + 15.0) text-anchor="end" font-size="13" {
                    (shortened(&label(step), 44))
                }
                @for (x, w, count, series) in bars {
                    rect x=(tenths(x)) y=(y) width=(tenths(w)) height=(ROW - 6.0)
                        fill=(series.colour) {
                        title { (series.name) ": " (count) }
                    }
                }
                text x=(tenths(end + 6.0)) y=(y + 15.0) font-size="12" {
                    (step.reached)
                    @if step.hung_up > 0 { " (" (step.hung_up) " hung up)" }
                }
            }
        }
    };
    drawing(id, &format!("{id}-title {id}-desc"), width, height, rows)
}

/// Stacked columns, one per group (a day, a week, a segment ...), each split into `series`.
pub fn stacked_columns(
    id: &str,
    title: &str,
    groups: &[(String, Vec<i64>)],
    series: &[Series],
) -> Markup {
    const HEIGHT: f64 = 180.0;
    const COLUMN: f64 = 34.0;
    const LEFT: f64 = 40.0;
    let tallest = groups
        .iter()
        .map(|(_, values)| values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = LEFT + COLUMN * groups.len().max(1) as f64 + 10.0;
    let columns = html! {
        title id={ (id) "-title" } { (title) }
        text x="0" y="12" font-size="11" { (tallest) }
        // Closed explicitly: in HTML a foreign element written `<line>` stays open, and the
        // columns after it would be drawn inside it, that is not at all.
        line x1=(LEFT) y1=(HEIGHT) x2=(width) y2=(HEIGHT) stroke="#999" {}
        @for (index, (group, values)) in groups.iter().enumerate() {
            @let x = LEFT + COLUMN * index as f64 + 4.0;
            @for (top, h, value, s) in column_parts(values, series, HEIGHT, tallest) {
                rect x=(tenths(x)) y=(tenths(top)) width=(COLUMN - 8.0) height=(tenths(h))
                    fill=(s.colour) {
                    title { (group) ": " (value) " " (s.name) }
                }
            }
            @let (tx, ty) = (tenths(x + 4.0), HEIGHT + 12.0);
            text x=(tx) y=(ty) font-size="10" transform={ "rotate(45 " (tx) " " (ty) ")" } {
                (short_group(group))
            }
        }
    };
    drawing(id, &format!("{id}-title"), width, HEIGHT + 50.0, columns)
}

/// A coordinate to a tenth of a unit, as the charts write them.
fn tenths(value: f64) -> String {
    format!("{value:.1}")
}

/// A funnel step's bars, left to right from `left` (the widest step, `widest` calls, spans
/// `bar_width`): where each starts, how wide it is, its count and series; and where the last ends.
fn funnel_bars(
    step: &FunnelStep,
    left: f64,
    bar_width: f64,
    widest: f64,
) -> (Vec<(f64, f64, i64, Series)>, f64) {
    let mut x = left;
    let bars = [
        (step.went_on, WENT_ON),
        (step.asked_for_person, ASKED_FOR_PERSON),
        (step.hung_up, HUNG_UP),
        (step.ended, ENDED),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, series)| {
        let w = bar_width * count as f64 / widest;
        let bar = (x, w, count, series);
        x += w;
        bar
    })
    .collect();
    (bars, x)
}

/// A column's parts, bottom up from `base` (the tallest column, `tallest`, rises to 20 units
/// below the top): where each part's top is, its height, its value and series.
fn column_parts(
    values: &[i64],
    series: &[Series],
    base: f64,
    tallest: f64,
) -> Vec<(f64, f64, i64, Series)> {
    let mut top = base;
    values
        .iter()
        .zip(series)
        .filter(|(value, _)| **value != 0)
        .map(|(value, s)| {
            let h = (base - 20.0) * *value as f64 / tallest;
            top -= h;
            (top, h, *value, *s)
        })
        .collect()
}

/// `text` cut to `most` characters, with an ellipsis when cut.
fn shortened(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        return text.to_owned();
    }
    let kept: String = text.chars().take(most - 1).collect();
    format!("{}…", kept.trim_end())
}

/// A day's label without its year ("11-24"), anything else as it is.
fn short_group(group: &str) -> &str {
    match group.as_bytes() {
        [_, _, _, _, b'-', _, _, b'-', _, _] => &group[5..],
        _ => group,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(state: &str, reached: i64, hung_up: i64) -> FunnelStep {
        FunnelStep {
            flow: "payment".into(),
            state: state.into(),
            reached,
            went_on: reached - hung_up,
            asked_for_person: 0,
            hung_up,
            ended: 0,
        }
    }

    #[test]
    fn the_funnel_draws_each_state_with_bars_in_proportion_and_the_losses_in_words() {
        let svg = funnel(
            "funnel",
            &[step("ask_pin", 10, 0), step("ask_card_number", 5, 2)],
            |s| s.state.replace('_', " "),
        )
        .into_string();
        assert!(svg.contains("data-state=\"ask_pin\""));
        assert!(svg.contains(">ask card number</text>"));
        assert!(
            svg.contains("width=\"420.0\""),
            "the widest bar is full width: {svg}"
        );
        assert!(svg.contains("(2 hung up)"));
        assert!(svg.contains(HUNG_UP.colour));
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = stacked_columns("c", "<b>", &[("<x>".into(), vec![1])], &[WENT_ON]).into_string();
        assert!(!svg.contains("<b>") && !svg.contains("<x>"));
    }

    #[test]
    fn a_hostile_chart_id_group_state_or_label_comes_out_as_text() {
        use crate::agents::pages::tests::{HOSTILE, assert_escaped};
        let columns = stacked_columns(HOSTILE, HOSTILE, &[(HOSTILE.into(), vec![1])], &[WENT_ON])
            .into_string();
        // The id, in aria-labelledby, the title's id, the title, the column's tooltip, its label.
        assert_escaped(&columns, 6);
        let mut hostile = step(HOSTILE, 3, 1);
        hostile.flow = HOSTILE.into();
        let funnel = funnel(HOSTILE, &[hostile], |_| HOSTILE.into()).into_string();
        // The id, its title's and description's ids (in aria-labelledby too), the state, the
        // label.
        assert_escaped(&funnel, 7);
    }

    #[test]
    fn a_day_is_labelled_without_its_year() {
        assert_eq!(short_group("2026-11-24"), "11-24");
        assert_eq!(short_group("es"), "es");
    }
}
