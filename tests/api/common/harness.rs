//! The test binary's own harness (libtest-mimic): every test registers itself with one of the
//! macros below, on the line above its function (or through `on_both_backends!`), naming what
//! outside services it needs. A test whose needs are missing is listed as ignored, so both
//! `cargo test` and `cargo nextest` show it as not run, and the binary prints why at the end.
//!
//! Registration goes through a distributed slice (`inventory`), so a test function cannot be
//! left out of a hand-written list; one without a registration is dead code, which clippy fails.

use std::future::Future;
use std::pin::Pin;

use ivrpay::telephony::Dialect;
use ivrpay::telephony::differences::Feature;
use libtest_mimic::{Arguments, Failed, Trial};

use super::services::{Readiness, Service, require};
use super::skipped::Skips;

/// A test's future; it runs on a runtime of its own, so it need not be `Send`.
pub type TestFuture = Pin<Box<dyn Future<Output = ()>>>;

/// One registered test.
pub struct Test {
    /// `api::<module>::<function>[::<backend>]`, as `module_path!` gives it.
    pub name: &'static str,
    pub needs: &'static [Service],
    pub body: Body,
}

/// How a test runs.
pub enum Body {
    Sync(fn()),
    /// On a current-thread runtime, as `#[tokio::test]` ran it.
    Async(fn() -> TestFuture),
    /// On a two-worker runtime: for tests whose server and caller must make progress at once
    /// (`#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` before).
    MultiThread(fn() -> TestFuture),
    /// Once per registered provider (named before the backend: `{test}::{provider}::{backend}`),
    /// on a two-worker runtime, given the provider's name (`on_every_provider!`); only for the
    /// providers the second function picks (by what their markup does: `uses` or `lacks`).
    EveryProvider(fn(&'static str) -> TestFuture, fn(&dyn Dialect) -> bool),
}

inventory::collect!(Test);

/// Whether `dialect`'s markup does everything in `features` (a scenario of answers by voice is
/// not one for a provider whose questions take keys only).
pub fn does(dialect: &dyn Dialect, features: &[Feature]) -> bool {
    features
        .iter()
        .all(|feature| ivrpay::telephony::differences::does(dialect, *feature))
}

/// The registered providers `picked` picks.
fn providers_picked(picked: fn(&dyn Dialect) -> bool) -> Vec<&'static str> {
    ivrpay::telephony::registry::unverified()
        .iter()
        .filter(|dialect| picked(dialect.as_ref()))
        .map(|dialect| dialect.name())
        .collect()
}

/// Registers a test named `$name` (a `concat!` of `module_path!()` and more) needing the
/// services `[$need, ...]`, run by `$body`.
macro_rules! register {
    ($name:expr, [$($need:ident),* $(,)?], $body:expr $(,)?) => {
        inventory::submit! {
            $crate::common::harness::Test {
                name: $name,
                needs: &[$($crate::common::services::Service::$need),*],
                body: $body,
            }
        }
    };
}

/// Registers `fn $name()` as a test; `needs: [Service, ...]` names the outside services it uses.
macro_rules! sync_test {
    ($name:ident $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($name)),
            [$($($need),*)?],
            $crate::common::harness::Body::Sync($name)
        );
    };
}

/// Registers `async fn $name()` as a test, on a current-thread runtime or, after
/// `multi_thread`, on a two-worker one; `needs: [Service, ...]` as for `sync_test!`.
macro_rules! async_test {
    (multi_thread $name:ident $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($name)),
            [$($($need),*)?],
            $crate::common::harness::Body::MultiThread(|| Box::pin($name()))
        );
    };
    ($name:ident $(, needs: [$($need:ident),* $(,)?])?) => {
        register!(
            concat!(module_path!(), "::", stringify!($name)),
            [$($($need),*)?],
            $crate::common::harness::Body::Async(|| Box::pin($name()))
        );
    };
}

impl Test {
    /// The name as listed and filtered: the module path without the binary's name, so a former
    /// file's tests are still `balance_call::...`.
    fn listed_name(&self) -> &'static str {
        self.name
            .split_once("::")
            .map_or(self.name, |(_binary, rest)| rest)
    }

    /// The names it runs under: its own, or one per registered provider, each with the
    /// provider it speaks as.
    fn runs(&self) -> Vec<(String, Option<&'static str>)> {
        let name = self.listed_name();
        match self.body {
            Body::EveryProvider(_, picked) => {
                let (scenario, backend) = name.rsplit_once("::").unwrap_or((name, ""));
                providers_picked(picked)
                    .into_iter()
                    .map(|provider| (format!("{scenario}::{provider}::{backend}"), Some(provider)))
                    .collect()
            }
            _ => vec![(name.to_owned(), None)],
        }
    }

    fn run(&self, provider: Option<&'static str>) -> Result<(), Failed> {
        let (mut builder, future) = match (&self.body, provider) {
            (Body::Sync(test), _) => {
                test();
                return Ok(());
            }
            (Body::Async(test), _) => (tokio::runtime::Builder::new_current_thread(), test()),
            (Body::MultiThread(test), _) => (two_workers(), test()),
            (Body::EveryProvider(test, _), Some(provider)) => (two_workers(), test(provider)),
            (Body::EveryProvider(..), None) => return Err("no provider to speak as".into()),
        };
        // A runtime per test, as `#[tokio::test]` made: a test's tasks end with it.
        let runtime = builder
            .enable_all()
            .build()
            .map_err(|err| err.to_string())?;
        runtime.block_on(future);
        Ok(())
    }
}

/// A runtime builder with two workers.
fn two_workers() -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2);
    builder
}

/// The command line as libtest reads it. libtest takes several filters (a test is selected
/// when it matches any: `cargo test --test api balance_call:: payment_call::`), libtest-mimic
/// one; so with more than one, they are returned apart for [`trials`] to apply.
pub fn arguments() -> (Arguments, Vec<String>) {
    // The options whose value may be the next word, which is then not a filter.
    const WITH_VALUE: [&str; 6] = [
        "--test-threads",
        "--logfile",
        "--skip",
        "--color",
        "--format",
        "-Z",
    ];
    let mut words = std::env::args();
    let mut options: Vec<String> = words.next().into_iter().collect();
    let mut filters = Vec::new();
    while let Some(word) = words.next() {
        if WITH_VALUE.contains(&word.as_str()) {
            options.push(word);
            options.extend(words.next());
        } else if word.starts_with('-') {
            options.push(word);
        } else {
            filters.push(word);
        }
    }
    let mut args = Arguments::from_iter(options);
    if filters.len() == 1 {
        args.filter = filters.pop();
    }
    (args, filters)
}

/// Every registered test as a trial, sorted by name as libtest sorts them, less those no filter
/// of `filters` selects (when there are several). Tests whose needs are missing are flagged
/// ignored and recorded in `skips`, or fail at once when a switch requires what is missing.
/// Only tests the arguments select are probed, so running one test (as nextest does, one
/// process per test) probes only what that test needs.
pub fn trials(args: &Arguments, filters: &[String], skips: &mut Skips) -> Vec<Trial> {
    // Selected by name alone: `--ignored` (how nextest lists and runs ignored tests) selects by
    // the very flag this decides.
    let by_name = Arguments {
        ignored: false,
        ..args.clone()
    };
    let by_each_filter: Vec<Arguments> = filters
        .iter()
        .map(|filter| Arguments {
            filter: Some(filter.clone()),
            ..by_name.clone()
        })
        .collect();
    let mut runs: Vec<(String, Option<&'static str>, &'static Test)> = inventory::iter::<Test>
        .into_iter()
        .flat_map(|test| {
            test.runs()
                .into_iter()
                .map(move |(name, provider)| (name, provider, test))
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut trials = Vec::with_capacity(runs.len());
    for (name, provider, test) in runs {
        let trial = Trial::test(name.clone(), move || test.run(provider));
        if !by_each_filter.is_empty()
            && by_each_filter
                .iter()
                .all(|args| args.is_filtered_out(&trial))
        {
            continue;
        }
        if by_name.is_filtered_out(&trial) {
            trials.push(trial);
            continue;
        }
        trials.push(match require(test.needs) {
            Readiness::Ready => trial,
            Readiness::Skip(why) => {
                // `--ignored` and `--include-ignored` run it anyway (and it fails, saying why).
                if !args.ignored && !args.include_ignored {
                    skips.record(&name, &why);
                }
                trial.with_ignored_flag(true)
            }
            Readiness::Fail(why) => Trial::test(name, move || Err(why.into())),
        });
    }
    trials
}
