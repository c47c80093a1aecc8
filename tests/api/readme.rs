//! The README is the newcomer's first page and `docs/` holds the rest: every page must render
//! whole, every relative link must lead somewhere, and the pages must say what they promise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The README stays a ten-minute read.
const README_MOST_LINES: usize = 250;

/// The pages whose tables carry facts, and the tables each must keep.
const TABLES: &[(&str, usize, &str)] = &[
    ("README.md", 2, "demo callers, where everything else is"),
    ("docs/configuration.md", 2, "settings, HTTP endpoints"),
    ("docs/call-flows.md", 2, "state kinds, recording names"),
    ("docs/payments.md", 2, "test cards, messages"),
    (
        "docs/providers.md",
        4,
        "providers, each one's console fields",
    ),
    ("docs/operations.md", 1, "metrics"),
    ("docs/testing.md", 1, "stand-ins and their switches"),
];

/// Paths are from the repository root, so the checks do not depend on where this file sits.
fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every Markdown page under `docs/`, as a path from the crate root.
fn docs_pages() -> Vec<String> {
    let mut pages: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "docs/ has pages");
    pages
}

/// What a page renders to, as far as these checks care.
struct Rendered {
    /// Every heading's level and text, H1 included.
    headings: Vec<(HeadingLevel, String)>,
    tables: usize,
    /// Link and image destinations, in order.
    links: Vec<String>,
}

/// Renders `text` and asserts it renders whole: every code block closed, no fence swallowed, and
/// every `##`/`###` line a heading.
fn render_whole(name: &str, text: &str) -> Rendered {
    let mut rendered = Rendered {
        headings: Vec::new(),
        tables: 0,
        links: Vec::new(),
    };
    let mut in_heading = false;
    let mut in_code = false;
    let mut fenced_blocks = 0;
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = true;
                rendered.headings.push((level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Table(_)) => rendered.tables += 1,
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                rendered.links.push(dest_url.into_string());
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                in_code = true;
                fenced_blocks += 1;
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(text) | Event::Code(text) if in_heading => {
                if let Some((_, heading)) = rendered.headings.last_mut() {
                    heading.push_str(&text);
                }
            }
            // A fence line with text after it does not close the block: the rest of the page
            // would render as code.
            Event::Text(text) if in_code => assert!(
                !text
                    .lines()
                    .any(|line| line.trim_start().starts_with("```")),
                "{name}: a code block runs on past a fence that has text after it:\n{text}"
            ),
            _ => {}
        }
    }
    assert!(!in_code, "{name}: a code block is never closed");
    // The renderer closes a block left open at the end of the page, so count the fences too.
    let fences = text
        .lines()
        .filter(|line| line.trim_start().starts_with("```"))
        .count();
    assert_eq!(
        fences,
        2 * fenced_blocks,
        "{name}: {fences} fence lines for {fenced_blocks} code blocks: one is never closed"
    );
    for line in text.lines() {
        if let Some(title) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("## "))
        {
            assert!(
                rendered
                    .headings
                    .iter()
                    .any(|(level, h)| h == title && *level != HeadingLevel::H1),
                "{name}: \"{title}\" does not render as a heading; rendered: {:?}",
                rendered.headings
            );
        }
    }
    rendered
}

/// The anchors GitHub gives a page's headings: lowercase, punctuation dropped, spaces as
/// hyphens, and `-1`, `-2` ... after a repeated one.
fn anchors(headings: &[(HeadingLevel, String)]) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    headings
        .iter()
        .map(|(_, heading)| {
            let slug: String = heading
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let count = seen.entry(slug.clone()).or_insert(0);
            let anchor = match *count {
                0 => slug,
                n => format!("{slug}-{n}"),
            };
            *count += 1;
            anchor
        })
        .collect()
}

sync_test!(readme_renders_whole);
fn readme_renders_whole() {
    let readme = read("README.md");
    render_whole("README.md", &readme);
    let lines = readme.lines().count();
    assert!(
        lines <= README_MOST_LINES,
        "the README is a ten-minute read: {lines} lines, at most {README_MOST_LINES}; move the rest to docs/"
    );
}

sync_test!(every_docs_page_renders_whole);
fn every_docs_page_renders_whole() {
    for page in docs_pages() {
        let rendered = render_whole(&page, &read(&page));
        assert!(
            rendered
                .headings
                .first()
                .is_some_and(|(level, _)| *level == HeadingLevel::H1),
            "{page} opens with its title"
        );
    }
}

sync_test!(pages_keep_their_tables);
fn pages_keep_their_tables() {
    for (page, least, which) in TABLES {
        let tables = render_whole(page, &read(page)).tables;
        assert!(tables >= *least, "{page}: {which}: {tables} tables");
    }
}

sync_test!(relative_links_point_at_files_and_headings_that_exist);
/// Every relative link in the README, ARCHITECTURE.md and docs/ leads to a file that exists, and
/// its `#anchor`, if any, to a heading there.
fn relative_links_point_at_files_and_headings_that_exist() {
    let mut pages = vec!["README.md".to_owned(), "ARCHITECTURE.md".to_owned()];
    pages.extend(docs_pages());
    let mut checked = 0;
    for page in &pages {
        let base = Path::new(page).parent().unwrap_or(Path::new(""));
        for link in render_whole(page, &read(page)).links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match link.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (link.as_str(), None),
            };
            let target = if file.is_empty() {
                PathBuf::from(page)
            } else {
                base.join(file)
            };
            assert!(
                root().join(&target).exists(),
                "{page}: the link {link} points at {}, which does not exist",
                target.display()
            );
            if let Some(anchor) = anchor {
                let text = read(&target.to_string_lossy());
                let headings = render_whole(&target.to_string_lossy(), &text).headings;
                let known = anchors(&headings);
                assert!(
                    known.iter().any(|a| a == anchor),
                    "{page}: the link {link} names #{anchor}, no heading of {}; its anchors: {known:?}",
                    target.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "the pages link to each other: {checked} links"
    );
}

sync_test!(readme_states_the_minimum_rust_version);
fn readme_states_the_minimum_rust_version() {
    let version = env!("CARGO_PKG_RUST_VERSION");
    assert!(!version.is_empty(), "Cargo.toml sets rust-version");
    assert!(
        read("README.md").contains(&format!("Rust {version} or newer")),
        "the README says Rust {version} or newer"
    );
}

sync_test!(testing_page_names_every_switch_ci_sets_and_how_to_run_ci);
/// The testing page names every stand-in switch CI sets, and how to run every test.
fn testing_page_names_every_switch_ci_sets_and_how_to_run_ci() {
    let ci = read(".ci/run");
    let testing = read("docs/testing.md");
    let switches: Vec<&str> = ci
        .lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|set| set.split('=').next())
        .filter(|name| name.starts_with("IVRPAY_REQUIRE_"))
        .collect();
    assert!(switches.len() >= 7, "{switches:?}");
    for switch in switches {
        assert!(testing.contains(switch), "docs/testing.md names {switch}");
    }
    assert!(
        testing.contains("bash .ci/run"),
        "docs/testing.md says how CI runs"
    );
}

sync_test!(the_providers_page_shows_every_registered_provider_its_key_and_urls);
fn the_providers_page_shows_every_registered_provider_its_key_and_urls() {
    let page = read("docs/providers.md");
    let headings: Vec<String> = render_whole("docs/providers.md", &page)
        .headings
        .into_iter()
        .filter(|(level, _)| *level == HeadingLevel::H2)
        .map(|(_, text)| text.to_ascii_lowercase())
        .collect();
    for entry in ivrpay::telephony::registry::REGISTERED {
        let name = entry.path_prefix;
        assert!(
            headings.iter().any(|heading| heading == name),
            "docs/providers.md has a section for {name}: {headings:?}"
        );
        assert!(
            page.contains(&format!("`{}`", entry.webhook_key.env)),
            "docs/providers.md names {}",
            entry.webhook_key.env
        );
        for field in entry.console {
            let url = format!("/{name}/{}`", field.event.path_segment());
            assert!(page.contains(&url), "docs/providers.md shows {url}");
        }
    }
}
