//! The README is the newcomer's first page: it must render whole, and say what it promises.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

const README: &str = include_str!("../../README.md");

sync_test!(readme_renders_whole);
fn readme_renders_whole() {
    let mut headings = Vec::new();
    let mut tables = 0;
    let mut in_heading = false;
    let mut in_code = false;
    for event in Parser::new_ext(README, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level != HeadingLevel::H1 => {
                in_heading = true;
                headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(text) | Event::Code(text) if in_heading => {
                if let Some(heading) = headings.last_mut() {
                    heading.push_str(&text);
                }
            }
            // A fence line with text after it does not close the block: the rest of the README
            // would render as code.
            Event::Text(text) if in_code => assert!(
                !text
                    .lines()
                    .any(|line| line.trim_start().starts_with("```")),
                "a code block runs on past a fence that has text after it:\n{text}"
            ),
            _ => {}
        }
    }
    assert!(!in_code, "a code block is never closed");
    for line in README.lines() {
        if let Some(title) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            assert!(
                headings.iter().any(|h| h == title),
                "\"{title}\" does not render as a heading; rendered: {headings:?}"
            );
        }
    }
    assert!(
        tables >= 4,
        "test cards, configuration, endpoints, flow kinds: {tables} tables"
    );
}

sync_test!(readme_states_the_minimum_rust_version);
fn readme_states_the_minimum_rust_version() {
    let version = env!("CARGO_PKG_RUST_VERSION");
    assert!(!version.is_empty(), "Cargo.toml sets rust-version");
    assert!(
        README.contains(&format!("Rust {version} or newer")),
        "the README says Rust {version} or newer"
    );
}

sync_test!(readme_names_every_switch_ci_sets_and_how_to_run_ci);
/// The Tests section names every stand-in switch CI sets, and how to run every test.
fn readme_names_every_switch_ci_sets_and_how_to_run_ci() {
    let ci = include_str!("../../.ci/run");
    let tests = README
        .split("\n## ")
        .find(|section| section.starts_with("Tests"))
        .expect("a Tests section");
    let switches: Vec<&str> = ci
        .lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|set| set.split('=').next())
        .filter(|name| name.starts_with("IVRPAY_REQUIRE_"))
        .collect();
    assert!(switches.len() >= 7, "{switches:?}");
    for switch in switches {
        assert!(tests.contains(switch), "the Tests section names {switch}");
    }
    assert!(
        tests.contains("bash .ci/run"),
        "the Tests section says how CI runs"
    );
}
