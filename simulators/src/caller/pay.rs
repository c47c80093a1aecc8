//! The provider's part in card capture (a `<Pay>`), played by the simulated caller: it
//! asks for each card field in the line's own words, checks what is keyed as the provider
//! would (asking again with the line's error words, up to the tries allowed), posts each step's
//! progress, charges the card through its connector (a sandbox gateway answering the public
//! test cards), and posts the result with the card masked, as the provider does. The line never
//! sees the card number; neither does anything this module prints.

use ivrpay_core::payments::{
    BillingZip, CardBrand, CardDetails, CardNumber, ChargeRequest, ChargeResult, Currency,
    DeclineReason, Expiry, Gateway, Money, PaymentMethod, SecurityCode, charge_with_retry,
};
use ivrpay_core::telephony::simulator::{Field, PayPost};
use ivrpay_core::voice::{self, Pay, PayError, PayResult, PayStep};
use zeroize::Zeroizing;

use super::{Call, CallerError};

/// The provider's payment connector: a sandbox answering the public test cards, keeping the
/// charges it made (so a key charged once is charged once).
#[derive(Default)]
pub(super) struct Connector(ivrpay_core::payments::SandboxGateway);

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connector(sandbox)")
    }
}

/// Card capture under way: what the provider asked for and what has been keyed so far.
#[derive(Debug)]
pub(super) struct PaySession {
    pay: Pay,
    step: PayStep,
    attempt: u32,
    number: Option<Zeroizing<String>>,
    brand: CardBrand,
    expiry: Option<Zeroizing<String>>,
    code: Option<Zeroizing<String>>,
    zip: Option<Zeroizing<String>>,
}

impl PaySession {
    pub(super) fn new(pay: Pay) -> PaySession {
        PaySession {
            pay,
            step: PayStep::CardNumber,
            attempt: 1,
            number: None,
            brand: CardBrand::Unknown,
            expiry: None,
            code: None,
            zip: None,
        }
    }

    /// The line's words for this step, on this try, after `error` (its plain words when it
    /// gave none for that error).
    fn words(&self, error: Option<PayError>) -> Vec<voice::Prompt> {
        self.prompt_for(error)
            .or_else(|| self.prompt_for(None))
            .map(|prompt| prompt.prompts.clone())
            .unwrap_or_default()
    }

    /// The prompt the provider picks: for this step, error and try, one for the card's brand
    /// before one for every brand.
    fn prompt_for(&self, error: Option<PayError>) -> Option<&voice::PayPrompt> {
        let fits = |prompt: &&voice::PayPrompt| {
            prompt.step == self.step
                && prompt.error == error
                && (prompt.attempts.is_empty() || prompt.attempts.contains(&self.attempt))
                && prompt.card_brand.is_none_or(|brand| brand == self.brand)
        };
        let mut fitting: Vec<&voice::PayPrompt> = self.pay.prompts.iter().filter(fits).collect();
        fitting.sort_by_key(|prompt| prompt.card_brand.is_none());
        fitting.first().copied()
    }

    /// The step after this one, or `None` once the card is whole.
    fn next_step(&self) -> Option<PayStep> {
        match self.step {
            PayStep::CardNumber => Some(PayStep::ExpirationDate),
            PayStep::ExpirationDate if self.pay.security_code => Some(PayStep::SecurityCode),
            PayStep::ExpirationDate | PayStep::SecurityCode if self.pay.postal_code => {
                Some(PayStep::PostalCode)
            }
            _ => None,
        }
    }

    /// Checks `keys` for this step as the provider does; keeps them when they are good.
    fn take(&mut self, keys: &str) -> Result<(), PayError> {
        if keys.is_empty() {
            return Err(PayError::Timeout);
        }
        let today = time::OffsetDateTime::now_utc().date();
        match self.step {
            PayStep::CardNumber => match CardNumber::parse_accepting(keys, &self.pay.card_brands) {
                Ok(number) => {
                    self.brand = number.brand();
                    self.number = Some(Zeroizing::new(keys.to_owned()));
                    Ok(())
                }
                Err(ivrpay_core::payments::CardError::UnsupportedBrand(_)) => {
                    Err(PayError::InvalidCardType)
                }
                Err(_) => Err(PayError::InvalidCardNumber),
            },
            PayStep::ExpirationDate => match Expiry::parse(keys, today) {
                Ok(_) => {
                    self.expiry = Some(Zeroizing::new(keys.to_owned()));
                    Ok(())
                }
                Err(_) => Err(PayError::InvalidDate),
            },
            PayStep::SecurityCode => match SecurityCode::parse(keys, self.brand) {
                Ok(_) => {
                    self.code = Some(Zeroizing::new(keys.to_owned()));
                    Ok(())
                }
                Err(_) => Err(PayError::InvalidSecurityCode),
            },
            PayStep::PostalCode => match BillingZip::parse(keys) {
                Ok(_) => {
                    self.zip = Some(Zeroizing::new(keys.to_owned()));
                    Ok(())
                }
                Err(_) => Err(PayError::InvalidPostalCode),
            },
            PayStep::Processing => Ok(()),
        }
    }

    /// The card, once whole (a missing postal code or security code as the provider sends it
    /// when it does not ask).
    fn card(&self) -> Option<CardDetails> {
        let today = time::OffsetDateTime::now_utc().date();
        let number = CardNumber::parse(self.number.as_deref()?).ok()?;
        let code = match &self.code {
            Some(code) => SecurityCode::parse(code, number.brand()).ok()?,
            None => SecurityCode::parse(
                &"0".repeat(number.brand().security_code_len()),
                number.brand(),
            )
            .ok()?,
        };
        Some(CardDetails {
            security_code: code,
            expiry: Expiry::parse(self.expiry.as_deref()?, today).ok()?,
            zip: BillingZip::parse(self.zip.as_deref().map_or("00000", |zip| zip.as_str())).ok()?,
            number,
        })
    }
}

/// The connector's words for a decline, as card networks word them.
fn connector_words(reason: DeclineReason) -> &'static str {
    match reason {
        DeclineReason::InsufficientFunds => "Your card has insufficient funds.",
        DeclineReason::ExpiredCard => "Your card has expired.",
        DeclineReason::IncorrectSecurityCode => "Your card's security code is incorrect.",
        DeclineReason::IncorrectNumber => "Your card number is incorrect.",
        DeclineReason::ProcessingError => "An error occurred while processing your card.",
        DeclineReason::Declined => "Your card was declined.",
    }
}

impl Call {
    /// The provider begins card capture: the first step's words, then it waits for keys.
    pub(super) async fn begin_pay(&mut self, pay: Pay) {
        let session = PaySession::new(pay);
        for prompt in session.words(None) {
            self.hear(&prompt).await;
        }
        self.pay = Some(session);
    }

    /// Keys during card capture, handled as the provider would: `*` leaves it; a field not
    /// good is asked again (or, after the last try, capture ends); the last field charges the
    /// card and posts the result. Returns the line's answer to the result once there is one.
    pub(super) async fn pay_keys(&mut self, keys: &str) -> Result<(), CallerError> {
        let Some(mut session) = self.pay.take() else {
            return Err(CallerError::NotAsking);
        };
        if keys.contains('*') {
            return self
                .post_pay_result(
                    &session,
                    PayPost {
                        result: Some(PayResult::CallerInterrupted),
                        ..PayPost::default()
                    },
                )
                .await;
        }
        let status_url = session.pay.status_callback.clone();
        match session.take(keys) {
            Err(error) => {
                let progress = PayPost {
                    step: Some(session.step),
                    attempt: Some(session.attempt),
                    error_type: Some(error),
                    ..PayPost::default()
                };
                if let Some(url) = &status_url {
                    self.post_raw(url, &[Field::Pay(&progress)]).await?;
                }
                if session.attempt >= session.pay.max_attempts {
                    return self
                        .post_pay_result(
                            &session,
                            PayPost {
                                result: Some(PayResult::TooManyFailedAttempts),
                                ..PayPost::default()
                            },
                        )
                        .await;
                }
                session.attempt += 1;
                for prompt in session.words(Some(error)) {
                    self.hear(&prompt).await;
                }
                self.pay = Some(session);
                Ok(())
            }
            Ok(()) => {
                let progress = PayPost {
                    step: Some(session.step),
                    attempt: Some(session.attempt),
                    ..PayPost::default()
                };
                if let Some(url) = &status_url {
                    self.post_raw(url, &[Field::Pay(&progress)]).await?;
                }
                match session.next_step() {
                    Some(step) => {
                        session.step = step;
                        session.attempt = 1;
                        for prompt in session.words(None) {
                            self.hear(&prompt).await;
                        }
                        self.pay = Some(session);
                        Ok(())
                    }
                    None => {
                        session.step = PayStep::Processing;
                        for prompt in session.words(None) {
                            self.hear(&prompt).await;
                        }
                        let post = self.charge(&session).await;
                        self.post_pay_result(&session, post).await
                    }
                }
            }
        }
    }

    /// Charges the whole card through the connector, once for this call's capture.
    async fn charge(&mut self, session: &PaySession) -> PayPost {
        let Some(card) = session.card() else {
            return PayPost {
                result: Some(PayResult::InternalError),
                ..PayPost::default()
            };
        };
        let last4 = card.number.last4();
        let masked = format!(
            "{}{last4}",
            "x".repeat(card.number.expose_number().len().saturating_sub(4))
        );
        let card_type =
            ivrpay_core::telephony::twiml::pay_card_type(card.number.brand()).map(str::to_owned);
        let expiration = session.expiry.as_deref().map(|e| e.to_string());
        let Ok(amount) = Money::from_cents(session.pay.charge_cents, Currency::Usd) else {
            return PayPost {
                result: Some(PayResult::ValidationError),
                ..PayPost::default()
            };
        };
        self.pay_charges += 1;
        let method = PaymentMethod::Card(card);
        let request = ChargeRequest {
            amount,
            method: &method,
            idempotency_key: format!("pay-{}-{}", self.call_sid, self.pay_charges),
            description: session.pay.description.clone(),
        };
        let answer = charge_with_retry(
            &self.connector.0 as &dyn Gateway,
            &request,
            std::time::Duration::from_secs(10),
        )
        .await;
        let card = PayPost {
            card_type,
            masked_card: Some(masked),
            expiration,
            ..PayPost::default()
        };
        match answer {
            ChargeResult::Approved { reference } | ChargeResult::Pending { reference } => PayPost {
                result: Some(PayResult::Success),
                confirmation: Some(reference),
                ..card
            },
            ChargeResult::Declined { reason, .. } => PayPost {
                result: Some(PayResult::ConnectorError),
                error: Some(connector_words(reason).to_owned()),
                ..card
            },
            ChargeResult::Unknown { .. } => PayPost {
                result: Some(PayResult::ConnectorError),
                error: Some(connector_words(DeclineReason::ProcessingError).to_owned()),
                ..card
            },
        }
    }

    /// Posts card capture's result to its action, as the provider does, and follows the
    /// line's answer. Kept, so a test can deliver it again as a provider retrying would.
    async fn post_pay_result(
        &mut self,
        session: &PaySession,
        post: PayPost,
    ) -> Result<(), CallerError> {
        let url = session.pay.action.clone();
        self.last_pay_result = Some((url.clone(), post.clone()));
        let response = self.post(&url, &[Field::Pay(&post)]).await?;
        self.follow(response).await
    }

    /// Delivers the last card capture result again, as a provider retrying it would; the
    /// line's answer, in the provider's markup.
    ///
    /// # Errors
    /// No result was posted yet, or the server fails.
    pub async fn resend_pay_result(&self) -> Result<String, CallerError> {
        let (url, post) = self.last_pay_result.clone().ok_or(CallerError::NotAsking)?;
        self.post_raw(&url, &[Field::Pay(&post)]).await
    }

    /// Whether the provider is capturing a card (keys go to it, not to a question of the line).
    pub fn is_paying(&self) -> bool {
        self.pay.is_some()
    }
}
