//! Tests that could not run (no PostgreSQL, no localstripe) are not failures, so a plain
//! `cargo test` works on a fresh machine; this module makes sure they are not mistaken for
//! passes: the test binary ends its output by listing them with the reason.

use std::collections::BTreeMap;

/// The tests this run did not run, and why.
#[derive(Debug, Default)]
pub struct Skips {
    by_reason: BTreeMap<String, Vec<String>>,
}

impl Skips {
    /// Records that `test` did not run, and why (one line, e.g. "localstripe is not installed
    /// (pip install localstripe)").
    pub fn record(&mut self, test: &str, why: &str) {
        self.by_reason
            .entry(why.to_owned())
            .or_default()
            .push(test.to_owned());
    }

    /// The skips as lines to print (empty when none), forgetting them so each is reported once.
    pub fn take_summary(&mut self) -> Vec<String> {
        let mut summary = Vec::new();
        for (why, mut tests) in std::mem::take(&mut self.by_reason) {
            tests.sort();
            summary.push(format!(
                "SKIPPED {} test{}: {why}",
                tests.len(),
                if tests.len() == 1 { "" } else { "s" }
            ));
            summary.extend(tests.iter().map(|test| format!("    {test}")));
        }
        summary
    }

    /// Prints the summary as the run's last lines.
    pub fn print(&mut self) {
        let summary = self.take_summary();
        if summary.is_empty() {
            println!("\nEvery test ran: none was skipped.\n");
            return;
        }
        println!();
        for line in &summary {
            println!("{line}");
        }
        let reasons: Vec<&str> = summary
            .iter()
            .filter_map(|line| line.strip_prefix("SKIPPED "))
            .collect();
        println!(
            "\nNOT RUN, counted as passed: {}. (IVRPAY_REQUIRE_POSTGRES=1, \
             IVRPAY_REQUIRE_LOCALSTRIPE=1, IVRPAY_REQUIRE_TWIML_REFERENCE=1, IVRPAY_REQUIRE_PRISM=1, \
             IVRPAY_REQUIRE_SMTP=1, IVRPAY_REQUIRE_ESPEAK=1, IVRPAY_REQUIRE_BROWSER=1 and \
             IVRPAY_REQUIRE_SCHEMATHESIS=1, as in CI, make them failures.)\n",
            reasons.join("; ")
        );
    }
}
