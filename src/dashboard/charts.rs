//! Charts drawn by the service itself as inline SVG: no script, no external file, so the
//! dashboard works on an isolated network and prints as it shows. Every chart carries a title
//! and a description for screen readers, and the page gives the same numbers in a table.

use std::fmt::Write as _;

use crate::agents::pages::escape;
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

/// The legend for `series`, as HTML.
pub fn legend(series: &[Series]) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for s in series {
        let _ = write!(
            out,
            "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
            s.colour,
            escape(s.name)
        );
    }
    out.push_str("</ul>");
    out
}

/// The drop-off funnel: one bar per state, as long as the calls that reached it, split by how
/// the callers left it. Where callers give up stands out in red.
pub fn funnel(id: &str, steps: &[FunnelStep], label: impl Fn(&FunnelStep) -> String) -> String {
    const LABEL_WIDTH: f64 = 330.0;
    const BAR_WIDTH: f64 = 420.0;
    const ROW: f64 = 26.0;
    let widest = steps.iter().map(|s| s.reached).max().unwrap_or(0).max(1) as f64;
    let height = ROW * steps.len() as f64 + 10.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 90.0;
    let mut svg = format!(
        "<svg id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         viewBox=\"0 0 {width} {height}\" {size} \
         xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">Where callers give up</title>\
         <desc id=\"{id}-desc\">For each question, the calls that reached it, split into those \
         that went on, asked for a person, hung up there, or ended there.</desc>",
        size = natural_size(width, height),
    );
    for (index, step) in steps.iter().enumerate() {
        let y = ROW * index as f64 + 4.0;
        let _ = write!(
            svg,
            "<g class=\"step\" data-state=\"{state}\"><text x=\"{x}\" y=\"{ty}\" \
             text-anchor=\"end\" font-size=\"13\">{name}</text>",
            state = escape(&step.state),
            x = LABEL_WIDTH - 8.0,
            ty = y + 15.0,
            name = escape(&shortened(&label(step), 44)),
        );
        let mut x = LABEL_WIDTH;
        for (count, series) in [
            (step.went_on, WENT_ON),
            (step.asked_for_person, ASKED_FOR_PERSON),
            (step.hung_up, HUNG_UP),
            (step.ended, ENDED),
        ] {
            if count == 0 {
                continue;
            }
            let w = BAR_WIDTH * count as f64 / widest;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{c}\">\
                 <title>{n}: {count}</title></rect>",
                h = ROW - 6.0,
                c = series.colour,
                n = escape(series.name),
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"12\">{reached}{lost}</text></g>",
            tx = x + 6.0,
            ty = y + 15.0,
            reached = step.reached,
            lost = if step.hung_up > 0 {
                format!(" ({} hung up)", step.hung_up)
            } else {
                String::new()
            },
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Stacked columns, one per group (a day, a week, a segment ...), each split into `series`.
pub fn stacked_columns(
    id: &str,
    title: &str,
    groups: &[(String, Vec<i64>)],
    series: &[Series],
) -> String {
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
    let mut svg = format!(
        "<svg id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" viewBox=\"0 0 {width} {h}\" \
         {size} xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{title}</title>\
         <text x=\"0\" y=\"12\" font-size=\"11\">{tallest}</text>\
         <line x1=\"{LEFT}\" y1=\"{HEIGHT}\" x2=\"{width}\" y2=\"{HEIGHT}\" stroke=\"#999\"/>",
        h = HEIGHT + 50.0,
        size = natural_size(width, HEIGHT + 50.0),
        title = escape(title),
    );
    for (index, (group, values)) in groups.iter().enumerate() {
        let x = LEFT + COLUMN * index as f64 + 4.0;
        let mut top = HEIGHT;
        for (value, s) in values.iter().zip(series) {
            if *value == 0 {
                continue;
            }
            let h = (HEIGHT - 20.0) * *value as f64 / tallest;
            top -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{w}\" height=\"{h:.1}\" fill=\"{c}\">\
                 <title>{g}: {value} {n}</title></rect>",
                w = COLUMN - 8.0,
                c = s.colour,
                g = escape(group),
                n = escape(s.name),
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"10\" \
             transform=\"rotate(45 {tx:.1} {ty})\">{g}</text>",
            tx = x + 4.0,
            ty = HEIGHT + 12.0,
            g = escape(short_group(group)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A chart's size attributes: drawn at its own size in pixels, and shrunk (keeping its shape) only
/// where the page is narrower. Scaled to the page's full width instead, a chart of one column
/// (84 units wide) grew to a thousand pixels tall.
fn natural_size(width: f64, height: f64) -> String {
    format!(
        "width=\"{width}\" height=\"{height}\" style=\"max-width:100%;height:auto\" \
         preserveAspectRatio=\"xMinYMin meet\""
    )
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
        );
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
        let svg = stacked_columns("c", "<b>", &[("<x>".into(), vec![1])], &[WENT_ON]);
        assert!(!svg.contains("<b>") && !svg.contains("<x>"));
    }

    #[test]
    fn a_day_is_labelled_without_its_year() {
        assert_eq!(short_group("2026-11-24"), "11-24");
        assert_eq!(short_group("es"), "es");
    }
}
