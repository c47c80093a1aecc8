//! The integration tests: one test binary, one module per area, sharing the harness in
//! `common`. Tests register themselves (see `common::harness`), so this binary runs them with
//! libtest's arguments and output, then prints which tests did not run and why.

#[macro_use]
mod common;

mod agents;
mod agents_browser;
mod answers_by_voice;
mod architecture;
mod autopay;
mod balance_call;
mod bank_debit;
mod budgets;
mod callbacks;
mod callbacks_browser;
mod callbacks_console;
mod cards_on_file;
mod cli;
mod collections;
mod dashboard_browser;
mod hardening;
mod load;
mod messages;
mod metrics;
mod openapi;
mod outage;
mod overload;
mod pay_links;
mod pay_links_browser;
mod payment_call;
mod pci;
mod provider_pay;
mod readme;
mod recordings;
mod reports;
mod retention;
mod scale_out;
mod signalwire_call;
mod smtp_stand_in;
mod stripe_call;
mod stripe_events;
mod stripe_localstripe;
mod survey;
mod test_harness;
mod transfers;
mod transfers_browser;
mod transfers_hold;
mod twilio_api_stand_in;
mod twiml_fidelity;
mod webhooks;
mod words;

use std::process::ExitCode;

fn main() -> ExitCode {
    // The runners start this binary in the service's folder (`service/`); the commands it runs
    // are run, as an operator runs them, from the repository root that holds `call-flows/`.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    if let Err(err) = std::env::set_current_dir(root) {
        eprintln!("cannot enter the repository root {root}: {err}");
        return ExitCode::FAILURE;
    }
    let (args, filters) = common::harness::arguments();
    let mut skips = common::skipped::Skips::default();
    let trials = common::harness::trials(&args, &filters, &mut skips);
    let conclusion = libtest_mimic::run(&args, trials);
    // `--list` output is read by runners (nextest): nothing may follow it.
    if !args.list {
        skips.print();
    }
    conclusion.exit_code()
}
