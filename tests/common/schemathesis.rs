//! Schemathesis (PyPI), which reads the admin API's OpenAPI description and sends what it
//! describes, valid and not, checking every answer against it. Without it the fuzzing tests say so
//! and pass, unless `IVRPAY_REQUIRE_SCHEMATHESIS=1`.

use std::process::{Command, Stdio};

pub const INSTALL: &str = "pip install schemathesis";

/// Whether the `schemathesis` command runs; when it does not, records the skip, or fails the
/// test when `IVRPAY_REQUIRE_SCHEMATHESIS=1`.
pub fn available() -> bool {
    let runs = Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs {
        let required = std::env::var("IVRPAY_REQUIRE_SCHEMATHESIS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "IVRPAY_REQUIRE_SCHEMATHESIS=1 but the schemathesis command is not on the PATH ({INSTALL})"
        );
        super::skipped::record(&format!(
            "schemathesis is not installed ({INSTALL}), so the admin API was not fuzzed"
        ));
    }
    runs
}
