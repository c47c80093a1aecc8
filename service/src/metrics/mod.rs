//! Prometheus metrics: what operations watch while calls go on. One [`Metrics`] per server, held
//! in [`Line`](crate::line::Line) with its own registry (no global one: every test server
//! counts only its own calls), served at `/metrics` ([`crate::http`] protects or binds it).
//!
//! Built on the Prometheus project's own Rust client, `prometheus-client`: a registry is a value,
//! not a process-wide global, and it writes the OpenMetrics text Prometheus scrapes.
//!
//! What is counted where it happens:
//! - webhooks by route and status, and how long each took (the HTTP layer's middleware);
//! - payments by method kind and outcome, where a gateway's answer to a call's payment is recorded
//!   (`calls::payments`), and installments where theirs is
//!   ([`crate::collections::run_due`]);
//! - each gateway request's latency ([`MeteredGateway`], around the one gateway every charge goes
//!   through);
//! - messages by channel and result, in the outbox's sender.
//!
//! What is read at scrape time ([`Scrape`]): calls in progress, from the database, so the number
//! is the same whichever instance is asked; database pool use, from this instance's pools.
//!
//! Label values are few and fixed (routes as routed, outcomes, channel names, gateway names):
//! never a phone number, an account, a card, or a call id.

mod gateway;

pub use gateway::MeteredGateway;

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::payments::{ChargeResult, DeclineReason, MethodKind};

/// The content type of what [`Metrics::encode`] writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Webhook latency buckets, in seconds: a webhook is answered in milliseconds; providers give up
/// after about 15 seconds, and we answer 503 at 12.
const WEBHOOK_BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 12.0,
];

/// Gateway latency buckets, in seconds: a card network answers in a second or two; the per-request
/// timeout is a few seconds.
const GATEWAY_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 10.0];

/// A histogram family's constructor, so the families name one type.
type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// A webhook: the route as routed (a provider's path only when that provider and event exist),
/// and the status answered (`none` when the request ended unanswered: timed out or abandoned).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PaymentLabels {
    /// The method's kind, `card` or `bank` (taken on a call, or reconciled after it), or
    /// `installment` (a plan's, charged to a kept card).
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GatewayLabels {
    gateway: &'static str,
    operation: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolNameLabels {
    pool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    channel: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PayLinkLabels {
    event: &'static str,
}

/// What happens to pay links, counted: made, opened, proved (the person proved it is them),
/// refused (expired, revoked or used), locked.
pub const PAY_LINK_EVENTS: [&str; 6] = [
    "created",
    "opened",
    "proved",
    "refused",
    "locked",
    "converted",
];

/// What a payment's gateway answer counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Money was taken.
    Approved,
    /// Accepted, not yet settled: the reconciler learns how it ends.
    Pending,
    /// The card was refused.
    Declined,
    /// The gateway or issuer failed to process it (nothing was taken; trying again may work).
    Error,
    /// No definite answer: the reconciler asks again.
    Unknown,
}

impl PaymentOutcome {
    /// The outcome of a gateway's answer.
    pub fn of(result: &ChargeResult) -> PaymentOutcome {
        match result {
            ChargeResult::Approved { .. } => PaymentOutcome::Approved,
            ChargeResult::Pending { .. } => PaymentOutcome::Pending,
            ChargeResult::Declined {
                reason: DeclineReason::ProcessingError,
                ..
            } => PaymentOutcome::Error,
            ChargeResult::Declined { .. } => PaymentOutcome::Declined,
            ChargeResult::Unknown { .. } => PaymentOutcome::Unknown,
        }
    }

    fn label(self) -> &'static str {
        match self {
            PaymentOutcome::Approved => "approved",
            PaymentOutcome::Pending => "pending",
            PaymentOutcome::Declined => "declined",
            PaymentOutcome::Error => "error",
            PaymentOutcome::Unknown => "unknown",
        }
    }
}

/// One database pool's use at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// `main` (reads, and on PostgreSQL writes) or `writer` (SQLite's one writing connection).
    pub name: &'static str,
    /// Connections open and in use.
    pub in_use: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// Most connections the pool opens.
    pub max: u32,
}

/// What is read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    /// Calls started and not ended, across every instance; `None`: the database did not answer
    /// (the gauge keeps its last value and the failure is counted).
    pub calls_in_progress: Option<i64>,
    /// Each pool's use.
    pub pools: Vec<PoolUse>,
}

/// The server's metrics and the registry they are written from.
pub struct Metrics {
    registry: Registry,
    webhooks: Family<WebhookLabels, Counter>,
    webhook_seconds: Histograms<RouteLabels>,
    calls_in_progress: Gauge,
    scrape_database_failures: Counter,
    payments: Family<PaymentLabels, Counter>,
    gateway_seconds: Histograms<GatewayLabels>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolNameLabels, Gauge>,
    messages: Family<MessageLabels, Counter>,
    webhooks_shed: Counter,
    webhooks_over_budget: Family<ProviderLabels, Counter>,
    pay_links: Family<PayLinkLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric registered, at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ivrpay");
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "webhooks",
            "Webhooks answered, by route and HTTP status (none: ended unanswered)",
            webhooks.clone(),
        );
        let webhook_seconds: Histograms<RouteLabels> =
            Family::new_with_constructor(|| Histogram::new(WEBHOOK_BUCKETS));
        registry.register(
            "webhook_duration_seconds",
            "Time to answer a webhook, by route",
            webhook_seconds.clone(),
        );
        let calls_in_progress = Gauge::default();
        registry.register(
            "calls_in_progress",
            "Calls started and not yet ended, on every instance (read from the database)",
            calls_in_progress.clone(),
        );
        let scrape_database_failures = Counter::default();
        registry.register(
            "scrape_database_failures",
            "Scrapes whose database read failed (calls_in_progress kept its last value)",
            scrape_database_failures.clone(),
        );
        let payments = Family::<PaymentLabels, Counter>::default();
        registry.register(
            "payments",
            "Gateway answers to payments recorded, by kind (card, bank, installment) and outcome \
             (approved, pending, declined, error, unknown); and how bank debits ended after the \
             call, kind bank_debit (succeeded, failed, returned)",
            payments.clone(),
        );
        let gateway_seconds: Histograms<GatewayLabels> =
            Family::new_with_constructor(|| Histogram::new(GATEWAY_BUCKETS));
        registry.register(
            "gateway_request_duration_seconds",
            "Time of one request to the payment gateway, by gateway, operation and result \
             (timeout: given up on before it answered)",
            gateway_seconds.clone(),
        );
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections open on this instance, by pool and state (in_use, idle)",
            pool_connections.clone(),
        );
        let pool_max = Family::<PoolNameLabels, Gauge>::default();
        registry.register(
            "db_pool_max_connections",
            "Most database connections each pool of this instance opens",
            pool_max.clone(),
        );
        let messages = Family::<MessageLabels, Counter>::default();
        registry.register(
            "messages",
            "Messages the sender tried to deliver, by channel and result (sent, retry, failed, \
             suppressed, unknown)",
            messages.clone(),
        );
        let webhooks_shed = Counter::default();
        registry.register(
            "webhooks_shed",
            "Webhooks of calls answered at once with the busy response (an apology and a person, \
             or a call back) because every webhook slot was taken and the queue was full or too slow",
            webhooks_shed.clone(),
        );
        let webhooks_over_budget = Family::<ProviderLabels, Counter>::default();
        registry.register(
            "webhooks_over_budget",
            "Webhooks of calls answered with the safe response (an apology and a person) because \
             their answer was not ready before the provider would give up on it, by provider; \
             their work went on and was recorded",
            webhooks_over_budget.clone(),
        );
        let pay_links = Family::<PayLinkLabels, Counter>::default();
        registry.register(
            "pay_links",
            "Pay links by event: created, opened, proved (the person proved it is them), refused \
             (expired, revoked or used up), locked (too many wrong proofs), converted (a payment, \
             plan or promise made on the page)",
            pay_links.clone(),
        );
        for event in PAY_LINK_EVENTS {
            let _ = pay_links.get_or_create(&PayLinkLabels { event });
        }
        // Each payment outcome and message result is shown from the start, at zero, so a rate
        // over them is defined before the first one happens.
        let kinds = MethodKind::ALL.map(MethodKind::as_str);
        for kind in kinds.into_iter().chain(["installment"]) {
            for outcome in [
                PaymentOutcome::Approved,
                PaymentOutcome::Pending,
                PaymentOutcome::Declined,
                PaymentOutcome::Error,
                PaymentOutcome::Unknown,
            ] {
                let _ = payments.get_or_create(&PaymentLabels {
                    kind,
                    outcome: outcome.label(),
                });
            }
        }
        for channel in ["sms", "email"] {
            for result in ["sent", "retry", "failed", "suppressed", "unknown"] {
                let _ = messages.get_or_create(&MessageLabels { channel, result });
            }
        }
        Metrics {
            registry,
            webhooks,
            webhook_seconds,
            calls_in_progress,
            scrape_database_failures,
            payments,
            gateway_seconds,
            pool_connections,
            pool_max,
            messages,
            webhooks_shed,
            webhooks_over_budget,
            pay_links,
        }
    }

    /// A pay link event (one of [`PAY_LINK_EVENTS`]).
    pub fn pay_link(&self, event: &'static str) {
        self.pay_links.get_or_create(&PayLinkLabels { event }).inc();
    }

    /// A call's webhook answered with the busy response (the line was at capacity).
    pub fn webhook_shed(&self) {
        self.webhooks_shed.inc();
    }

    /// A call's webhook answered with the safe response at its provider's deadline.
    pub fn webhook_over_budget(&self, provider: &str) {
        self.webhooks_over_budget
            .get_or_create(&ProviderLabels {
                provider: provider.to_owned(),
            })
            .inc();
    }

    /// A webhook answered on `route` with `status` (`None`: it ended unanswered).
    pub fn webhook(&self, route: &str, status: Option<u16>, took: Duration) {
        let status = status.map_or_else(|| "none".to_owned(), |code| code.to_string());
        self.webhooks
            .get_or_create(&WebhookLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.webhook_seconds
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// A gateway's answer to a payment made on a call with a `method` of this kind, recorded
    /// (counted under the kind: `card` or `bank`).
    pub fn method_payment(&self, method: MethodKind, result: &ChargeResult) {
        self.payment(method.as_str(), PaymentOutcome::of(result));
    }

    /// How a bank debit ended after its call, recorded.
    pub fn debit_settled(&self, settlement: crate::store::DebitSettlement) {
        use crate::store::DebitSettlement;
        let outcome = match settlement {
            DebitSettlement::Succeeded => "succeeded",
            DebitSettlement::Failed(_) => "failed",
            DebitSettlement::Returned(_) => "returned",
        };
        self.payments
            .get_or_create(&PaymentLabels {
                kind: "bank_debit",
                outcome,
            })
            .inc();
    }

    /// A gateway's answer to a plan's installment, recorded.
    pub fn installment_payment(&self, result: &ChargeResult) {
        self.payment("installment", PaymentOutcome::of(result));
    }

    fn payment(&self, kind: &'static str, outcome: PaymentOutcome) {
        self.payments
            .get_or_create(&PaymentLabels {
                kind,
                outcome: outcome.label(),
            })
            .inc();
    }

    /// One request to a gateway, and how it ended.
    pub fn gateway_request(
        &self,
        gateway: &'static str,
        operation: &'static str,
        result: &'static str,
        took: Duration,
    ) {
        self.gateway_seconds
            .get_or_create(&GatewayLabels {
                gateway,
                operation,
                result,
            })
            .observe(took.as_secs_f64());
    }

    /// One delivery try of a message on `channel` (`sms`, `email`; anything else counts as
    /// `other`), and its result.
    pub fn message(&self, channel: &str, result: &'static str) {
        let channel = match channel {
            "sms" => "sms",
            "email" => "email",
            _ => "other",
        };
        self.messages
            .get_or_create(&MessageLabels { channel, result })
            .inc();
    }

    /// Everything, in OpenMetrics text, with the values read at scrape time set first.
    pub fn encode(&self, scrape: &Scrape) -> String {
        match scrape.calls_in_progress {
            Some(calls) => {
                self.calls_in_progress.set(calls);
            }
            None => {
                self.scrape_database_failures.inc();
            }
        }
        for pool in &scrape.pools {
            for (state, count) in [("in_use", pool.in_use), ("idle", pool.idle)] {
                self.pool_connections
                    .get_or_create(&PoolLabels {
                        pool: pool.name,
                        state,
                    })
                    .set(i64::from(count));
            }
            self.pool_max
                .get_or_create(&PoolNameLabels { pool: pool.name })
                .set(i64::from(pool.max));
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of `text` for `series` (name and labels as written), and its value.
    fn value_of(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn a_processing_error_counts_as_error_and_no_answer_as_unknown() {
        let metrics = Metrics::new();
        metrics.method_payment(
            MethodKind::Card,
            &ChargeResult::Declined {
                reason: DeclineReason::ProcessingError,
                reference: None,
            },
        );
        metrics.method_payment(
            MethodKind::Card,
            &ChargeResult::Declined {
                reason: DeclineReason::InsufficientFunds,
                reference: None,
            },
        );
        metrics.installment_payment(&ChargeResult::Unknown {
            detail: "timed out".into(),
        });
        let text = metrics.encode(&Scrape::default());
        let payments = |kind: &str, outcome: &str| {
            value_of(
                &text,
                &format!("ivrpay_payments_total{{kind=\"{kind}\",outcome=\"{outcome}\"}}"),
            )
        };
        assert_eq!(payments("card", "error"), Some(1.0), "{text}");
        assert_eq!(payments("card", "declined"), Some(1.0), "{text}");
        assert_eq!(payments("card", "approved"), Some(0.0), "{text}");
        assert_eq!(payments("installment", "unknown"), Some(1.0), "{text}");
    }

    #[test]
    fn a_pending_answer_counts_as_pending_under_its_method() {
        let metrics = Metrics::new();
        metrics.method_payment(
            MethodKind::Bank,
            &ChargeResult::Pending {
                reference: "pi_1".into(),
            },
        );
        let text = metrics.encode(&Scrape::default());
        let payments = |kind: &str, outcome: &str| {
            value_of(
                &text,
                &format!("ivrpay_payments_total{{kind=\"{kind}\",outcome=\"{outcome}\"}}"),
            )
        };
        assert_eq!(payments("bank", "pending"), Some(1.0), "{text}");
        assert_eq!(payments("card", "pending"), Some(0.0), "{text}");
        assert_eq!(payments("bank", "approved"), Some(0.0), "{text}");
    }

    #[test]
    fn a_channel_it_does_not_know_is_other() {
        let metrics = Metrics::new();
        metrics.message("+15552126618", "sent");
        let text = metrics.encode(&Scrape::default());
        assert!(!text.contains("5552126618"), "{text}");
        assert_eq!(
            value_of(
                &text,
                "ivrpay_messages_total{channel=\"other\",result=\"sent\"}"
            ),
            Some(1.0),
            "{text}"
        );
    }
}
