//! The test binary's own pieces: the decision about a test whose services are missing, the
//! summary of skipped tests, and what `assert_heard!` says when it fails.

use crate::common;

use common::heard_failure;
use common::services::{Readiness, Service, decide};

sync_test!(a_missing_service_skips_unless_its_switch_requires_it);
fn a_missing_service_skips_unless_its_switch_requires_it() {
    let missing = Some("localstripe is not installed");
    assert_eq!(
        decide([(Service::LocalStripe, None, true)]),
        Readiness::Ready
    );
    assert_eq!(
        decide([
            (Service::Postgres, None, false),
            (Service::LocalStripe, missing, false)
        ]),
        Readiness::Skip(
            "localstripe is not installed (pip install localstripe), so the Stripe gateway was \
             not tested"
                .to_owned()
        )
    );
    assert_eq!(
        decide([
            (Service::Browser, Some("chromium is missing"), false),
            (Service::LocalStripe, missing, true)
        ]),
        Readiness::Fail(
            "IVRPAY_REQUIRE_LOCALSTRIPE=1 but localstripe is not installed (pip install localstripe)"
                .to_owned()
        ),
        "one required service that is missing fails the test, whatever else is skipped"
    );
}

sync_test!(skipped_tests_are_summed_up_with_their_reason);
fn skipped_tests_are_summed_up_with_their_reason() {
    let mut skips = common::skipped::Skips::default();
    let why = "localstripe is not installed (pip install localstripe)";
    skips.record("stripe_call::pays::sqlite", why);
    skips.record("stripe_call::pays::postgres", why);
    skips.record("cli::import_postgres", "PostgreSQL is not reachable");
    let summary = skips.take_summary();
    assert_eq!(
        summary,
        vec![
            "SKIPPED 1 test: PostgreSQL is not reachable".to_owned(),
            "    cli::import_postgres".to_owned(),
            format!("SKIPPED 2 tests: {why}"),
            "    stripe_call::pays::postgres".to_owned(),
            "    stripe_call::pays::sqlite".to_owned(),
        ]
    );
    assert!(skips.take_summary().is_empty(), "a skip is reported once");
}

sync_test!(a_failed_assert_heard_shows_what_was_heard);
fn a_failed_assert_heard_shows_what_was_heard() {
    let said = vec![
        "Welcome.".to_owned(),
        "Your balance is ten dollars.".to_owned(),
    ];
    assert_heard!(&said, "balance is ten");
    assert_not_heard!(&said, "minimum");
    assert_eq!(heard_failure(&said, "balance is ten", true, None), None);
    assert_eq!(
        heard_failure(&said, "minimum", true, Some(format_args!("on call {}", 7))),
        Some(
            "did not hear \"minimum\" (on call 7); heard:\n    Welcome.\n    Your balance is ten dollars."
                .to_owned()
        )
    );
    assert_eq!(
        heard_failure(&said, "balance", false, None),
        Some(
            "should not have heard \"balance\"; heard:\n    Welcome.\n  > Your balance is ten dollars."
                .to_owned()
        )
    );
    assert_eq!(
        heard_failure(&[], "Welcome", true, None),
        Some("did not hear \"Welcome\"; heard: nothing".to_owned())
    );
}
