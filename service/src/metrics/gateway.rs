//! Gateway latency, measured around the gateway itself: every charge, saved-card charge and card
//! kept goes through the server's one [`Gateway`], whichever code path sends it (a call, the
//! reconciler, an installment), so wrapping it once measures them all.

use std::sync::Arc;
use std::time::Duration;

// Tokio's clock, which tests can pause and move.
use tokio::time::Instant;

use super::Metrics;
use crate::payments::gateway::{ChargeFuture, SaveFuture, StatusFuture};
use crate::payments::{
    ChargeOutcome, ChargeRequest, DebitStatus, Gateway, GatewayError, SaveCardRequest, SaveOutcome,
    SavedChargeRequest,
};

/// A gateway that times each request to the one it wraps.
pub struct MeteredGateway {
    inner: Arc<dyn Gateway>,
    metrics: Arc<Metrics>,
}

impl MeteredGateway {
    /// Wraps `inner`, recording into `metrics`.
    pub fn new(inner: Arc<dyn Gateway>, metrics: Arc<Metrics>) -> MeteredGateway {
        MeteredGateway { inner, metrics }
    }
}

/// Records a request when it ends; a request dropped before it answered (the caller's timeout
/// gave up on it) is recorded as `timeout`, with the time it was given.
struct Timing<'a> {
    metrics: &'a Metrics,
    gateway: &'static str,
    operation: &'static str,
    started: Instant,
    result: Option<&'static str>,
}

impl<'a> Timing<'a> {
    fn start(metrics: &'a Metrics, gateway: &'static str, operation: &'static str) -> Self {
        Timing {
            metrics,
            gateway,
            operation,
            started: Instant::now(),
            result: None,
        }
    }
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        let took: Duration = self.started.elapsed();
        self.metrics.gateway_request(
            self.gateway,
            self.operation,
            self.result.unwrap_or("timeout"),
            took,
        );
    }
}

fn charge_result(answer: &Result<ChargeOutcome, GatewayError>) -> &'static str {
    match answer {
        Ok(ChargeOutcome::Approved { .. }) => "approved",
        Ok(ChargeOutcome::Pending { .. }) => "pending",
        Ok(ChargeOutcome::Declined { .. }) => "declined",
        Err(error) => error_result(error),
    }
}

fn error_result(error: &GatewayError) -> &'static str {
    match error {
        GatewayError::Timeout => "timeout",
        GatewayError::Unavailable(_) => "unavailable",
        GatewayError::Rejected(_) => "rejected",
    }
}

impl MeteredGateway {
    /// Awaits one request to the wrapped gateway, timing it and naming how it ended.
    async fn timed<T>(
        &self,
        operation: &'static str,
        request: impl Future<Output = T>,
        result: fn(&T) -> &'static str,
    ) -> T {
        let mut timing = Timing::start(&self.metrics, self.inner.name(), operation);
        let answer = request.await;
        timing.result = Some(result(&answer));
        answer
    }
}

fn save_result(answer: &Result<SaveOutcome, GatewayError>) -> &'static str {
    match answer {
        Ok(SaveOutcome::Saved { .. }) => "saved",
        Ok(SaveOutcome::Declined { .. }) => "declined",
        Err(error) => error_result(error),
    }
}

impl Gateway for MeteredGateway {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(self.timed("charge", self.inner.charge(req), charge_result))
    }

    fn save_card<'a>(&'a self, req: &'a SaveCardRequest<'_>) -> SaveFuture<'a> {
        Box::pin(self.timed("save_card", self.inner.save_card(req), save_result))
    }

    fn charge_saved<'a>(&'a self, req: &'a SavedChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(self.timed("charge_saved", self.inner.charge_saved(req), charge_result))
    }

    fn keeps_cards(&self) -> bool {
        self.inner.keeps_cards()
    }

    fn save_bank<'a>(&'a self, req: &'a crate::payments::SaveBankRequest<'_>) -> SaveFuture<'a> {
        Box::pin(self.timed("save_bank", self.inner.save_bank(req), save_result))
    }

    fn keeps_bank_accounts(&self) -> bool {
        self.inner.keeps_bank_accounts()
    }

    fn debits_banks(&self) -> bool {
        self.inner.debits_banks()
    }

    fn debit_status<'a>(&'a self, reference: &'a str) -> StatusFuture<'a> {
        Box::pin(self.timed(
            "debit_status",
            self.inner.debit_status(reference),
            status_result,
        ))
    }

    fn browser_card_form(&self) -> Option<&crate::payments::BrowserCardForm> {
        self.inner.browser_card_form()
    }

    fn start_card_setup<'a>(
        &'a self,
        req: &'a crate::payments::CardSetupRequest,
    ) -> crate::payments::gateway::SetupFuture<'a> {
        Box::pin(self.timed(
            "start_card_setup",
            self.inner.start_card_setup(req),
            |answer| match answer {
                Ok(_) => "started",
                Err(error) => error_result(error),
            },
        ))
    }

    fn finish_card_setup<'a>(&'a self, reference: &'a str) -> crate::payments::EnteredFuture<'a> {
        Box::pin(self.timed(
            "finish_card_setup",
            self.inner.finish_card_setup(reference),
            |answer| match answer {
                Ok(crate::payments::EnteredCard::Entered { .. }) => "entered",
                Ok(crate::payments::EnteredCard::NotEntered) => "not_entered",
                Err(error) => error_result(error),
            },
        ))
    }
}

fn status_result(answer: &Result<DebitStatus, GatewayError>) -> &'static str {
    match answer {
        Ok(DebitStatus::Clearing) => "clearing",
        Ok(DebitStatus::Succeeded) => "succeeded",
        Ok(DebitStatus::Failed(_)) => "failed",
        Ok(DebitStatus::Returned(_)) => "returned",
        Err(error) => error_result(error),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::metrics::Scrape;
    use crate::payments::card::{
        BillingZip, CardBrand, CardDetails, CardNumber, Expiry, SecurityCode,
    };
    use crate::payments::{Currency, Money, PaymentMethod};

    /// A gateway that never answers.
    struct Hung;

    impl Gateway for Hung {
        fn name(&self) -> &'static str {
            "hung"
        }

        fn charge<'a>(&'a self, _req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_given_up_on_is_timed_as_a_timeout() {
        let metrics = Arc::new(Metrics::new());
        let gateway = MeteredGateway::new(Arc::new(Hung), metrics.clone());
        let card = PaymentMethod::Card(CardDetails {
            number: CardNumber::parse("4242424242424242").expect("card"),
            expiry: Expiry::parse("1228", date!(2026 - 11 - 25)).expect("expiry"),
            security_code: SecurityCode::parse("123", CardBrand::Visa).expect("code"),
            zip: BillingZip::parse("77141").expect("zip"),
        });
        let request = ChargeRequest {
            amount: Money::from_cents(500, Currency::Usd).expect("money"),
            method: &card,
            idempotency_key: "k".into(),
            description: "test".into(),
        };
        let answer = tokio::time::timeout(Duration::from_secs(4), gateway.charge(&request)).await;
        assert!(answer.is_err(), "it never answers");
        let text = metrics.encode(&Scrape::default());
        let series = "ivrpay_gateway_request_duration_seconds_count{gateway=\"hung\",\
                      operation=\"charge\",result=\"timeout\"} 1";
        assert!(text.contains(series), "{text}");
        let bucket = "ivrpay_gateway_request_duration_seconds_bucket{le=\"3.0\",gateway=\"hung\",\
                      operation=\"charge\",result=\"timeout\"} 0";
        assert!(
            text.contains(bucket),
            "it waited the four seconds it was given: {text}"
        );
    }
}
