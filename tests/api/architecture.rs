//! The import rules ARCHITECTURE.md states, checked on every run so a change that breaks one
//! fails here rather than in a reader's grep: no provider named outside its folder, no `async`
//! in the engine, axum only in the web layer and the load tool's yardstick.

use std::path::{Path, PathBuf};

/// Every `.rs` file under the workspace's crates' `src/`, relative to the repository root.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut files = Vec::new();
    for krate in ["core", "service", "simulators"] {
        let mut stack: Vec<PathBuf> = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let relative = path
                        .strip_prefix(root)
                        .expect("under the root")
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&path).expect("utf-8");
                    files.push((relative, text));
                }
            }
        }
    }
    assert!(files.len() > 100, "the sources were read: {}", files.len());
    files
}

/// The files whose text matches `hit`, outside the `allowed` path prefixes.
fn offenders(allowed: &[&str], hit: impl Fn(&str) -> bool) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, text)| !allowed.iter().any(|a| path.starts_with(a)) && hit(text))
        .map(|(path, _)| path)
        .collect()
}

sync_test!(providers_are_named_only_in_their_folders);
fn providers_are_named_only_in_their_folders() {
    let names = ivrpay::telephony::registry::names();
    assert!(names.len() >= 3, "{names:?}");
    let named = offenders(&["core/src/telephony/"], |text| {
        let lower = text.to_ascii_lowercase();
        names.iter().any(|name| lower.contains(name))
    });
    assert!(
        named.is_empty(),
        "a provider named outside telephony/: {named:?}"
    );
}

sync_test!(the_engine_has_no_async);
fn the_engine_has_no_async() {
    let found = offenders(&["core/src/flow/engine_tests.rs"], |text| {
        text.contains("async") || text.contains("await")
    })
    .into_iter()
    .filter(|path| path.starts_with("core/src/flow/engine/"))
    .collect::<Vec<_>>();
    assert!(found.is_empty(), "async in the engine: {found:?}");
}

sync_test!(axum_is_the_web_layers_alone);
fn axum_is_the_web_layers_alone() {
    let found = offenders(
        &[
            "service/src/http/",
            "service/src/agents/",
            "service/src/dashboard/",
            "service/src/pay_links/routes.rs",
            "service/src/lib.rs",
            "simulators/src/load/",
        ],
        |text| text.contains("axum"),
    );
    assert!(found.is_empty(), "axum outside the web layer: {found:?}");
}
