//! `ivrpay loadtest`: concurrent simulated callers against a running server.
//!
//! Each simulated caller places a whole call as a provider would (its signed webhooks, following
//! the answers it gets, through the provider's simulator): it is matched by caller ID to a generated account, enters its PIN, pays the
//! minimum with the sandbox's approved test card, hears the approval, ends the call, and sends the
//! status callback: 13 webhooks. `--think-ms` spaces a caller's webhooks as a person would, so
//! that many calls are in progress at once without every one of them hammering the server.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::accounts;
use crate::caller::{Call, CallerError};
use ivrpay_core::telephony::simulator::Simulator;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The server's public base URL (what it signs against).
    pub url: String,
    /// The provider the calls come from.
    pub provider: Arc<dyn Simulator>,
    /// The provider's webhook secret the server checks signatures with.
    pub auth_token: Option<String>,
    /// Calls to complete in all.
    pub calls: u64,
    /// Calls in progress at once.
    pub concurrency: u64,
    /// Mean pause before each of a caller's keypresses; each pause is drawn uniformly from half
    /// to one and a half times it, and callers start spread over one pause, so they do not all
    /// press at the same instant (real callers never do).
    pub think: Duration,
    /// How many generated accounts exist (`ivrpay accounts generate`); calls spread over them.
    pub accounts: u64,
    /// The server's process id, to report its memory.
    pub server_pid: Option<u32>,
    /// The target is `ivrpay ceiling`: follow its fixed answers without expecting a payment.
    pub ceiling: bool,
    /// Most idle keep-alive connections kept to the server: a provider delivers webhooks over a
    /// pool of connections, not one per call in progress.
    pub connections: usize,
    /// Distinguishes this run's call ids from earlier runs' against the same database.
    pub run_id: u32,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Report {
    /// Calls that reached their end as expected.
    pub calls_completed: u64,
    /// Calls that failed somewhere.
    pub calls_failed: u64,
    /// Webhooks answered (failed ones included).
    pub webhooks: u64,
    /// Of those, answered with the busy response (the line was at capacity: the webhook was not
    /// taken in); each ends its call, counted among the failed.
    pub webhooks_busy: u64,
    /// The busy answers' latencies in microseconds, sorted (kept apart from `latencies_us`, which
    /// are the webhooks the line took in).
    pub busy_latencies_us: Vec<u32>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Every webhook's latency in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
    /// Most calls in progress at one moment.
    pub peak_in_progress: u64,
    /// The server's peak resident memory (kB), from `/proc/PID/status` VmHWM.
    pub server_peak_rss_kb: Option<u64>,
    /// The highest resident memory sampled during the run (kB).
    pub server_sampled_rss_kb: Option<u64>,
}

/// The `p`th percentile of sorted microseconds, in milliseconds.
fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted_us.len() - 1) as f64).round() as usize;
    f64::from(sorted_us[rank.min(sorted_us.len() - 1)]) / 1000.0
}

/// What a caller hears when the line turns a webhook away (`calls::busy_response`).
const BUSY: &str = "our line is very busy";
/// The failure kind of a call whose webhook was answered busy.
const ANSWERED_BUSY: &str = "answered busy (the line was at capacity)";

impl Report {
    fn percentile(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    /// Webhooks per second.
    pub fn webhooks_per_second(&self) -> f64 {
        self.webhooks as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Completed calls per second.
    pub fn calls_per_second(&self) -> f64 {
        self.calls_completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "calls completed   {} ({} failed) in {:.2} s",
            self.calls_completed,
            self.calls_failed,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f, "calls/s           {:.1}", self.calls_per_second())?;
        writeln!(
            f,
            "webhooks/s        {:.1} ({} webhooks)",
            self.webhooks_per_second(),
            self.webhooks
        )?;
        writeln!(
            f,
            "latency ms        p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
            self.percentile(50.0),
            self.percentile(95.0),
            self.percentile(99.0),
            self.percentile(100.0)
        )?;
        if self.webhooks_busy > 0 {
            writeln!(
                f,
                "answered busy     {} webhooks, in ms p50 {:.2}  p99 {:.2}  max {:.2} (not in the latencies above)",
                self.webhooks_busy,
                percentile_ms(&self.busy_latencies_us, 50.0),
                percentile_ms(&self.busy_latencies_us, 99.0),
                percentile_ms(&self.busy_latencies_us, 100.0)
            )?;
        }
        writeln!(f, "peak in progress  {} calls", self.peak_in_progress)?;
        match (self.server_peak_rss_kb, self.server_sampled_rss_kb) {
            (Some(peak), Some(sampled)) => writeln!(
                f,
                "server memory     peak RSS {:.1} MB (VmHWM), highest sampled during the run {:.1} MB",
                peak as f64 / 1024.0,
                sampled as f64 / 1024.0
            )?,
            _ => writeln!(f, "server memory     (pass --server-pid to measure)")?,
        }
        if self.errors.is_empty() {
            writeln!(f, "errors            none")?;
        } else {
            for (kind, count) in &self.errors {
                writeln!(f, "error             {kind}: {count}")?;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    busy_latencies_us: Vec<u32>,
    errors: BTreeMap<String, u64>,
    completed: u64,
    failed: u64,
}

pub(crate) fn rss_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn error_kind(err: &CallerError) -> String {
    match err {
        CallerError::Http { detail, .. } if detail.starts_with("status") => {
            format!("http {}", detail.split_whitespace().nth(1).unwrap_or("?"))
        }
        CallerError::Http { .. } => "connection".into(),
        CallerError::Unreadable(_) => "unreadable answer".into(),
        CallerError::NotAsking => "call ended early".into(),
    }
}

/// Runs the load and reports.
pub async fn run(options: LoadOptions) -> Report {
    let http = ivrpay_core::http_client_builder()
        .pool_max_idle_per_host(options.connections.max(1))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let next_call = Arc::new(AtomicU64::new(0));
    let in_progress = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let webhooks = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let sampled = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let sampler = options.server_pid.map(|pid| {
        let sampled = sampled.clone();
        tokio::spawn(async move {
            loop {
                if let Some(kb) = rss_kb(pid, "VmRSS:") {
                    sampled.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let workers: Vec<_> = (0..options.concurrency.max(1))
        .map(|_| {
            let (options, http, next_call, in_progress, peak, webhooks, tally) = (
                options.clone(),
                http.clone(),
                next_call.clone(),
                in_progress.clone(),
                peak.clone(),
                webhooks.clone(),
                tally.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let index = next_call.fetch_add(1, Ordering::Relaxed);
                    if index >= options.calls {
                        break;
                    }
                    let now = in_progress.fetch_add(1, Ordering::Relaxed) + 1;
                    peak.fetch_max(now, Ordering::Relaxed);
                    let mut latencies = Vec::with_capacity(13);
                    let result = one_call(&options, &http, index, &mut latencies).await;
                    in_progress.fetch_sub(1, Ordering::Relaxed);
                    webhooks.fetch_add(latencies.len() as u64, Ordering::Relaxed);
                    let mut tally = tally.lock().await;
                    // A call answered busy ends at that answer: its last latency is the busy one.
                    if matches!(&result, Err(kind) if kind == ANSWERED_BUSY) {
                        tally.busy_latencies_us.extend(latencies.pop());
                    }
                    tally.latencies_us.extend(latencies);
                    match result {
                        Ok(()) => tally.completed += 1,
                        Err(kind) => {
                            tally.failed += 1;
                            *tally.errors.entry(kind).or_default() += 1;
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed();
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let mut tally = std::mem::take(&mut *tally.lock().await);
    tally.latencies_us.sort_unstable();
    tally.busy_latencies_us.sort_unstable();
    Report {
        calls_completed: tally.completed,
        calls_failed: tally.failed,
        webhooks: webhooks.load(Ordering::Relaxed),
        webhooks_busy: tally.busy_latencies_us.len() as u64,
        busy_latencies_us: tally.busy_latencies_us,
        elapsed,
        latencies_us: tally.latencies_us,
        errors: tally.errors,
        peak_in_progress: peak.load(Ordering::Relaxed),
        server_peak_rss_kb: options.server_pid.and_then(|pid| rss_kb(pid, "VmHWM:")),
        server_sampled_rss_kb: options.server_pid.map(|_| sampled.load(Ordering::Relaxed)),
    }
}

/// One whole call; pushes each webhook's latency.
async fn one_call(
    options: &LoadOptions,
    http: &reqwest::Client,
    index: u64,
    latencies: &mut Vec<u32>,
) -> Result<(), String> {
    let account = index % options.accounts.max(1);
    let sid = format!("CA{:08x}{index:024}", options.run_id);
    let mut call = Call::new(
        http.clone(),
        options.auth_token.as_deref(),
        &sid,
        &accounts::phone(account),
        "+18005550100",
    );
    call.provider = options.provider.clone();
    if !options.think.is_zero() && index < options.concurrency {
        // Spread the first calls' arrivals over one pause instead of a single burst.
        tokio::time::sleep(options.think.mul_f64(rand::random::<f64>())).await;
    }
    let timed = Instant::now();
    call.start(&options.url).await.map_err(|e| error_kind(&e))?;
    latencies.push(timed.elapsed().as_micros() as u32);
    turned_away(&call)?;
    let pin = accounts::pin(account);
    let keys = [
        "1",
        "1",
        pin.as_str(),
        "2",
        "4242424242424242",
        "1228",
        "123",
        "10001",
        "1",
        "9",
    ];
    for (step, keys) in keys.iter().enumerate() {
        if !options.think.is_zero() {
            tokio::time::sleep(options.think.mul_f64(0.5 + rand::random::<f64>())).await;
        }
        let timed = Instant::now();
        let said = call.press(keys).await.map_err(|e| error_kind(&e))?;
        latencies.push(timed.elapsed().as_micros() as u32);
        turned_away(&call)?;
        // Each generated account's minimum can be paid once (then it is no longer offered).
        if step == 2 && !options.ceiling && !said.iter().any(|line| line.contains("minimum")) {
            return Err(
                "the minimum was not offered: it was paid already; import the accounts again"
                    .into(),
            );
        }
        // A line that can take bank debits asks how to pay first: by card.
        if step == 3
            && said
                .iter()
                .any(|line| line.contains("How would you like to pay"))
        {
            let timed = Instant::now();
            call.press("1").await.map_err(|e| error_kind(&e))?;
            latencies.push(timed.elapsed().as_micros() as u32);
            turned_away(&call)?;
        }
        // The ninth answer confirms the payment.
        if step == 8 && !options.ceiling && !said.iter().any(|line| line.contains("was approved")) {
            return Err("payment not approved".into());
        }
    }
    let timed = Instant::now();
    call.hang_up(&options.url)
        .await
        .map_err(|e| error_kind(&e))?;
    latencies.push(timed.elapsed().as_micros() as u32);
    if !options.ceiling && !call.ended {
        return Err("call did not end".into());
    }
    Ok(())
}

/// Whether the line's last answer turned the call away as busy (it then hangs up).
fn turned_away(call: &Call) -> Result<(), String> {
    if !call.is_asking() && call.transcript().contains(BUSY) {
        return Err(ANSWERED_BUSY.into());
    }
    Ok(())
}
