//! The last test binary cargo runs (binaries run in name order, hence the name): prints which
//! tests were skipped and why, so a skip is never mistaken for a pass. Not a libtest harness
//! (`harness = false` in Cargo.toml), so its output is shown, not captured.

// Only the summary is needed here; recording is for the other test binaries.
#[allow(dead_code)]
#[path = "common/skipped.rs"]
mod skipped;

fn main() {
    let summary = skipped::take_summary(&skipped::dir());
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
         IVRPAY_REQUIRE_SMTP=1 and IVRPAY_REQUIRE_BROWSER=1, as in CI, make them failures.)\n",
        reasons.join("; ")
    );
}
