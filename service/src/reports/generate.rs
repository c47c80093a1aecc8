//! `ivrpay calls generate`: ended calls written straight to the database, as the reports see
//! them (summary columns, `funnel_counts`, payments, arrangements, surveys), to measure
//! `ivrpay report` on a million calls. The step log, session and last reply are left empty, as
//! retention leaves them once purged.
//!
//! The mix is fixed and plausible (a third pay, some hang up at the PIN or the card, some ask for
//! a person or get locked out, a few make plans or promises, some answer the survey); calls are
//! spread evenly over the days given, at any hour. Rows go in batches of multi-row `INSERT`s,
//! one transaction per batch; every value is a number or a fixed word written here, so the SQL
//! is built as text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::record::quarter_of;

use crate::store::{Store, StoreError};

/// Calls per transaction.
const BATCH: u64 = 2_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Generate {
    /// How many calls.
    pub count: u64,
    /// The first instant calls start at (UTC ms).
    pub from_ms: i64,
    /// Over how many days they spread.
    pub days: u64,
    /// Seeds the mix, so two runs make the same calls (under different call ids).
    pub seed: u64,
}

/// A small deterministic generator (SplitMix64): the data only needs to look varied.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 to `n - 1`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const IDENTIFY: [&str; 6] = [
    "identify_caller",
    "choose_language",
    "route_caller",
    "confirm_caller",
    "ask_pin",
    "check_pin",
];
const VERIFIED: [&str; 4] = [
    "choose_policy",
    "disclosure",
    "route_account",
    "balance_offers",
];
const CARD: [&str; 8] = [
    "pay_full_balance",
    "ask_card_number",
    "ask_card_expiry",
    "ask_security_code",
    "ask_billing_zip",
    "after_card",
    "read_back",
    "charge",
];
const PAID: [&str; 6] = [
    "after_paid",
    "paid",
    "offer_receipt",
    "ask_receipt",
    "no_receipt",
    "goodbye_thanks",
];
const PLAN: [&str; 6] = [
    "offer_plan",
    "ask_installments",
    "read_schedule",
    "read_back_plan",
    "set_up_plan",
    "plan_paid",
];
const PROMISE: [&str; 7] = [
    "offer_promise",
    "ask_promise_date",
    "ask_promise_amount",
    "check_promise",
    "confirm_promise",
    "record_promise",
    "promise_recorded",
];

/// One generated call: where it went and what it left.
struct Story {
    states: Vec<&'static str>,
    /// How the last state was left: hung_up, person (then `agent` ends it) or ended.
    last: &'static str,
    outcome: &'static str,
    transfer_reason: Option<&'static str>,
    locked_out: bool,
    /// Payments in order: (status, decline reason).
    payments: Vec<(&'static str, Option<&'static str>)>,
    arrangement: Option<&'static str>,
}

fn path(parts: &[&[&'static str]]) -> Vec<&'static str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn story(dice: &mut Dice) -> Story {
    let verified = || path(&[&IDENTIFY, &VERIFIED]);
    let plain = |states, last, outcome| Story {
        states,
        last,
        outcome,
        transfer_reason: None,
        locked_out: false,
        payments: Vec::new(),
        arrangement: None,
    };
    let roll = dice.below(100);
    match roll {
        0..35 => Story {
            payments: vec![("approved", None)],
            ..plain(path(&[&IDENTIFY, &VERIFIED, &CARD, &PAID]), "ended", "paid")
        },
        35..40 => {
            let reason = ["insufficient_funds", "expired_card"][dice.below(2) as usize];
            Story {
                payments: vec![("declined", Some(reason)), ("approved", None)],
                ..plain(path(&[&IDENTIFY, &VERIFIED, &CARD, &PAID]), "ended", "paid")
            }
        }
        40..44 => {
            let reason =
                ["insufficient_funds", "do_not_honor", "incorrect_cvc"][dice.below(3) as usize];
            Story {
                payments: vec![("declined", Some(reason))],
                ..plain(
                    path(&[&IDENTIFY, &VERIFIED, &CARD, &["declined"]]),
                    "hung_up",
                    "abandoned",
                )
            }
        }
        44..54 => plain(verified(), "hung_up", "abandoned"),
        54..57 => plain(
            path(&[&IDENTIFY, &VERIFIED, &["goodbye"]]),
            "ended",
            "balance_heard",
        ),
        57..65 => plain(IDENTIFY[..5].to_vec(), "hung_up", "abandoned"),
        65..71 => plain(
            path(&[&IDENTIFY, &VERIFIED, &CARD[..2]]),
            "hung_up",
            "abandoned",
        ),
        71..75 => plain(IDENTIFY[..2].to_vec(), "hung_up", "abandoned"),
        75..90 => {
            let reason = match dice.below(15) {
                0..10 => "asked",
                10..12 => "failed_entries",
                12..14 => "no_answer",
                _ => "several_tries",
            };
            Story {
                transfer_reason: Some(reason),
                ..plain(
                    path(&[&IDENTIFY, &VERIFIED, &["agent"]]),
                    "ended",
                    "transferred",
                )
            }
        }
        90..93 => Story {
            locked_out: true,
            ..plain(
                path(&[
                    &IDENTIFY,
                    &["pin_failed", "locked_out", "locked_out_goodbye"],
                ]),
                "ended",
                "locked_out",
            )
        },
        93..97 => Story {
            arrangement: Some("plan"),
            payments: vec![("approved", None)],
            ..plain(path(&[&IDENTIFY, &VERIFIED, &PLAN]), "ended", "plan_set_up")
        },
        _ => Story {
            arrangement: Some("promise"),
            ..plain(
                path(&[&IDENTIFY, &VERIFIED, &PROMISE]),
                "ended",
                "promise_made",
            )
        },
    }
}

/// Rows of one batch, as the `VALUES` lists of each table.
#[derive(Default)]
struct Batch {
    calls: Vec<String>,
    /// (quarter, state, left_by) -> (calls, sum of positions): one row per key, as one upsert
    /// may not touch a row twice.
    funnel: BTreeMap<(i64, &'static str, &'static str), (i64, i64)>,
    payments: Vec<String>,
    arrangements: Vec<String>,
    surveys: Vec<String>,
}

impl Batch {
    fn add(&mut self, dice: &mut Dice, run: u64, n: u64, spec: &Generate) {
        let story = story(dice);
        let sid = format!("GN{run:08x}{n:012}");
        // One call in five through the last registered provider, the rest through the first.
        let registered = crate::telephony::registry::REGISTERED;
        let provider = if dice.below(5) == 0 {
            registered[registered.len() - 1].path_prefix
        } else {
            registered[0].path_prefix
        };
        let language = if dice.below(4) == 0 { "es" } else { "en" };
        let segment = ["current", "early", "late", "charged_off"][dice.below(4) as usize];
        let spread_ms = spec.days.max(1) as i64 * 86_400_000;
        let started = spec.from_ms + (n as i64 * spread_ms / spec.count.max(1) as i64);
        let duration = 30_000 + dice.below(300_000) as i64;
        let ended = started + duration;
        let account = format!("{:08}", 10_000_000 + dice.below(100_000));
        // Payments are made three quarters into the call, 20 seconds apart.
        let paid_after = |attempt: usize| duration * 3 / 4 + attempt as i64 * 20_000;
        let paid_at = story
            .payments
            .iter()
            .position(|(status, _)| *status == "approved")
            .map_or("NULL".to_owned(), |attempt| {
                (started + paid_after(attempt)).to_string()
            });
        let transfer = story
            .transfer_reason
            .map_or("NULL".to_owned(), |r| format!("'{r}'"));
        let last_step = story.states.last().copied().unwrap_or("identify_caller");
        self.calls.push(format!(
            "('{provider}', '{sid}', '+1555{n:07}', '+18005550100', {started}, {ended}, \
             '{language}', '{account}', '{}', '{last_step}', {}, '', '', '', {ended}, 'payment', \
             '{segment}', {transfer}, {}, {ended}, {paid_at})",
            story.outcome,
            story.states.len(),
            i64::from(story.locked_out),
        ));
        for (seq, state) in story.states.iter().enumerate() {
            let left_by = match (seq + 1 == story.states.len(), story.states.get(seq + 1)) {
                (true, _) => story.last,
                (false, Some(&"agent")) => "person",
                (false, _) => "went_on",
            };
            let counts = self
                .funnel
                .entry((quarter_of(started), state, left_by))
                .or_default();
            counts.0 += 1;
            counts.1 += seq as i64;
        }
        let amount = 2_000 + dice.below(40_000) as i64;
        for (attempt, (status, reason)) in story.payments.iter().enumerate() {
            let at = started + paid_after(attempt);
            let reason = reason.map_or("NULL".to_owned(), |r| format!("'{r}'"));
            let brand = ["visa", "mastercard", "amex", "discover"][dice.below(4) as usize];
            let last4 = format!("{:04}", dice.below(10_000));
            // The card columns only for compatibility (migration 0019); the method's are read.
            self.payments.push(format!(
                "('{provider}', '{sid}', {attempt}, '{account}', {amount}, 'USD', 'card', \
                 '{brand}', '{last4}', '{brand}', '{last4}', '{status}', {reason}, 'sandbox', \
                 'gen-{sid}-{attempt}', {at}, {at})"
            ));
        }
        if let Some(kind) = story.arrangement {
            let status = if kind == "plan" { "active" } else { "open" };
            self.arrangements.push(format!(
                "('{account}', '{kind}', '{status}', 'standard', {}, {}, '{provider}', '{sid}', 0, \
                 {ended}, {ended})",
                amount * 3,
                amount * 3
            ));
        }
        // A third of the callers who stay to the end are asked the survey; most answer.
        if story.last == "ended" && story.transfer_reason.is_none() && dice.below(3) == 0 {
            let (rating, resolved, answered) = match dice.below(10) {
                0 => ("NULL".to_owned(), "NULL", "NULL".to_owned()),
                roll => (
                    ((roll % 5) + 1).to_string(),
                    if roll < 8 { "1" } else { "0" },
                    (ended - 5_000).to_string(),
                ),
            };
            self.surveys.push(format!(
                "('{provider}', '{sid}', {}, {resolved}, {rating}, {answered})",
                ended - 20_000
            ));
        }
    }
}

/// `INSERT INTO table (columns) VALUES rows...`, or nothing without rows.
fn insert(sql: &mut Vec<String>, table: &str, columns: &str, rows: &[String]) {
    if rows.is_empty() {
        return;
    }
    let mut text = format!("INSERT INTO {table} ({columns}) VALUES ");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "{row}");
    }
    sql.push(text);
}

/// Writes the calls; returns how many were written.
///
/// # Errors
/// A database failure.
pub async fn generate(store: &Store, spec: &Generate) -> Result<u64, StoreError> {
    let mut dice = Dice(spec.seed);
    let run = rand::random::<u32>() as u64;
    let mut written = 0;
    while written < spec.count {
        let mut batch = Batch::default();
        let end = (written + BATCH).min(spec.count);
        for n in written..end {
            batch.add(&mut dice, run, n, spec);
        }
        let mut sql = Vec::new();
        insert(
            &mut sql,
            "calls",
            "provider, call_sid, from_number, to_number, started_at, ended_at, language, \
             account_number, outcome, last_step, turn, last_reply, session, steps, updated_at, \
             flow, segment, transfer_reason, locked_out, reported_at, paid_at",
            &batch.calls,
        );
        let funnel: Vec<String> = batch
            .funnel
            .iter()
            .map(|((quarter, state, left_by), (calls, seqs))| {
                format!("({quarter}, 'payment', '{state}', '{left_by}', {calls}, {seqs})")
            })
            .collect();
        insert(
            &mut sql,
            "funnel_counts",
            "started_quarter, flow, state, left_by, calls, seq_sum",
            &funnel,
        );
        if let Some(upsert) = sql.last_mut()
            && !funnel.is_empty()
        {
            upsert.push_str(
                " ON CONFLICT (started_quarter, flow, state, left_by) DO UPDATE \
                 SET calls = funnel_counts.calls + excluded.calls, \
                 seq_sum = funnel_counts.seq_sum + excluded.seq_sum",
            );
        }
        insert(
            &mut sql,
            "payments",
            "provider, call_sid, attempt, account_number, amount_cents, currency, method, \
             method_label, method_last4, card_brand, card_last4, status, decline_reason, gateway, \
             idempotency_key, created_at, updated_at",
            &batch.payments,
        );
        insert(
            &mut sql,
            "arrangements",
            "account_number, kind, status, policy, total_cents, balance_before_cents, provider, \
             call_sid, call_attempt, created_at, updated_at",
            &batch.arrangements,
        );
        insert(
            &mut sql,
            "surveys",
            "provider, call_sid, offered_at, resolved, rating, answered_at",
            &batch.surveys,
        );
        let mut tx = store.begin().await?;
        for statement in sql {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        written = end;
    }
    Ok(written)
}
