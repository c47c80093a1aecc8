//! The flow's actions, run against the store and the payment gateway: identifying the caller,
//! checking PIN or date of birth (counting failures toward the lockout), choosing an amount, and
//! charging the card exactly once.

use crate::accounts::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
use crate::accounts::import::is_e164;
use crate::app::AppState;
use crate::error::AppError;
use crate::flow::Action;
use crate::flow::engine::{Context, Secrets, Session};
use crate::language::Language;
use crate::payments::{
    CardBrand, ChargeRequest, ChargeResult, DeclineReason, Money, charge_with_retry,
};
use crate::store::{Account, AuthAttempt, CallKey, NewCall, NewPayment, PaymentRecord};
use crate::telephony::Event;

/// Session values the payment actions keep (none of them card data).
const PAYMENT_CENTS: &str = "payment_cents";
const PAYMENT_ATTEMPT: &str = "payment_attempt";
const CONFIRMATION: &str = "confirmation";
/// Sealed entries that make up a card, wiped together.
const CARD_SECRETS: [&str; 4] = ["card_number", "card_expiry", "security_code", "billing_zip"];

/// What the engine may ask of the service during one webhook.
pub struct CallContext<'a> {
    app: &'a AppState,
    webhook: &'a super::Webhook,
    call_sid: &'a str,
    /// The turn being answered.
    turn: i64,
    /// The claim this delivery took on the turn, once it needed one.
    claim: Option<i64>,
    /// Renews the claim while this delivery works; stops when the context is dropped.
    _renewal: Option<ClaimRenewal>,
    /// Whether the call's row was inserted to hold a claim on its first turn.
    inserted: bool,
    account: Option<Account>,
}

impl<'a> CallContext<'a> {
    /// Prepares the context, loading the session's account if it has one.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(
        app: &'a AppState,
        webhook: &'a super::Webhook,
        call_sid: &'a str,
        turn: i64,
        session: &Session,
    ) -> Result<CallContext<'a>, AppError> {
        let account = match &session.account {
            Some(number) => app.store.account(number).await?,
            None => None,
        };
        Ok(CallContext {
            app,
            webhook,
            call_sid,
            turn,
            claim: None,
            _renewal: None,
            inserted: false,
            account,
        })
    }

    /// The call's identity in the store.
    fn key(&self) -> CallKey<'a> {
        CallKey {
            provider: self.webhook.dialect.name(),
            sid: self.call_sid,
        }
    }

    /// The claim this delivery holds, if it took one.
    pub fn claim_token(&self) -> Option<i64> {
        self.claim
    }

    /// Whether the call's row was inserted (to hold a claim on its first turn).
    pub fn inserted(&self) -> bool {
        self.inserted
    }

    /// Claims the turn before a side effect, so a duplicate delivery of this webhook (on any
    /// instance) cannot repeat it: it waits for this delivery's reply instead.
    ///
    /// # Errors
    /// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
    async fn claim(&mut self) -> Result<(), AppError> {
        if self.claim.is_some() {
            return Ok(());
        }
        let token = rand::random::<i64>() | 1;
        let now = self.app.clock.now_ms();
        let claimed = if self.turn == 0 {
            let session = serde_json::to_string(&Session::default())
                .map_err(|e| AppError::Flow(e.to_string()))?;
            let call = NewCall {
                call_sid: self.call_sid,
                provider: self.webhook.dialect.name(),
                from_number: self.webhook.from.as_deref().unwrap_or(""),
                to_number: self.webhook.to.as_deref().unwrap_or(""),
                started_at: now,
                session: &session,
            };
            self.inserted = self.app.store.insert_call(&call, token).await?;
            self.inserted
        } else {
            let stale_before = now - super::CLAIM_STALE.as_millis() as i64;
            self.app
                .store
                .claim_turn(self.key(), self.turn, token, now, stale_before)
                .await?
        };
        if !claimed {
            return Err(AppError::TurnTaken);
        }
        self.claim = Some(token);
        self._renewal = Some(ClaimRenewal::start(self.app, self.key(), self.turn, token));
        Ok(())
    }

    fn locked(&self, account: &Account) -> bool {
        account
            .locked_until
            .is_some_and(|until| until > self.app.clock.now_ms())
    }

    async fn adopt(&mut self, session: &mut Session, mut account: Account) -> Result<(), AppError> {
        let now = self.app.clock.now_ms();
        if account.locked_until.is_some_and(|until| until <= now) {
            self.app
                .store
                .clear_expired_lock(&account.account_number, now)
                .await?;
            account.failed_auth_attempts = 0;
            account.locked_until = None;
        }

        session.account = Some(account.account_number.clone());
        self.account = Some(account);
        Ok(())
    }

    /// Counts an authentication attempt before the credential is checked (see
    /// [`crate::store::Store::begin_auth_attempt`]); `None` when the account is locked or out of
    /// attempts, and then nothing may be checked.
    async fn begin_attempt(&mut self, number: &str) -> Result<Option<AuthAttempt>, AppError> {
        self.claim().await?;
        let now = self.app.clock.now_ms();
        let until = now + self.app.config.lockout.as_millis() as i64;
        let attempt = self
            .app
            .store
            .begin_auth_attempt(number, self.app.config.max_auth_attempts, now, until)
            .await?;
        if let Some(account) = &mut self.account {
            match attempt {
                Some(attempt) => account.failed_auth_attempts = attempt.number,
                None => account.locked_until = Some(until.max(account.locked_until.unwrap_or(0))),
            }
        }
        Ok(attempt)
    }

    /// Settles a counted attempt: a match clears the count, a miss stays counted.
    async fn check_attempt(
        &mut self,
        session: &mut Session,
        number: &str,
        attempt: AuthAttempt,
        matches: bool,
    ) -> Result<&'static str, AppError> {
        if matches {
            self.app.store.reset_auth_failures(number, attempt).await?;
            session.authenticated = true;
            if let Some(account) = &mut self.account {
                account.failed_auth_attempts = 0;
                account.locked_until = None;
            }
            return Ok("verified");
        }
        tracing::info!(
            attempts = attempt.number,
            locked = attempt.locks,
            "authentication failed"
        );
        Ok(if attempt.locks { "locked" } else { "failed" })
    }

    fn set_amount(session: &mut Session, cents: i64) -> &'static str {
        session
            .values
            .insert(PAYMENT_CENTS.to_owned(), cents.to_string());
        "done"
    }

    /// Takes the card out of the session (so it is not sealed again with the call).
    fn take_card(session: &mut Session) -> Secrets {
        Secrets(
            CARD_SECRETS
                .iter()
                .filter_map(|name| Some(((*name).to_owned(), session.secrets.take(name)?)))
                .collect(),
        )
    }

    async fn charge(&mut self, session: &mut Session) -> Result<&'static str, AppError> {
        self.claim().await?;
        let fields = Self::take_card(session);
        let attempt: i64 = session
            .values
            .get(PAYMENT_ATTEMPT)
            .and_then(|a| a.parse().ok())
            .unwrap_or(0)
            + 1;
        session
            .values
            .insert(PAYMENT_ATTEMPT.to_owned(), attempt.to_string());
        let amount = session
            .values
            .get(PAYMENT_CENTS)
            .and_then(|c| c.parse::<i64>().ok());
        let card = parse_card(self.app, &fields);
        let (Some(card), Some(account), Some(amount)) = (card, self.account.clone(), amount) else {
            // Sealed card data expired between webhooks, or the flow reached the charge without
            // an amount: nothing can be charged.
            tracing::warn!("charge asked without a complete card, account and amount");
            return Ok("processing_error");
        };
        let money = Money::from_cents(amount, crate::payments::Currency::Usd)
            .map_err(|e| AppError::Flow(format!("payment amount: {e}")))?;
        let gateway = self.app.gateway.clone();
        let idempotency_key = payment_idempotency_key(self.call_sid, attempt);
        let brand = card.number.brand();
        let last4 = card.number.last4();
        let now = self.app.clock.now_ms();
        // The card waits sealed with the payment until it is settled, so that if this instance
        // dies while the gateway answers, a retry or the reconciler can ask again.
        let sealed_card =
            super::seal_secrets(self.app, &payment_binding(self.call_sid, attempt), &fields)?;
        drop(fields);
        let payment = NewPayment {
            call: self.key(),
            attempt,
            account_number: &account.account_number,
            amount_cents: amount,
            currency: money.currency().iso_code(),
            card_brand: brand.as_str(),
            card_last4: &last4,
            gateway: gateway.name(),
            idempotency_key: &idempotency_key,
            sealed_card: &sealed_card,
            sealed_until: now + self.app.config.sealed_ttl.as_millis() as i64,
            now,
        };
        if let Some(earlier) = self.app.store.begin_payment(&payment).await?
            && earlier.status != "pending"
            && earlier.status != "unknown"
        {
            // This attempt was settled before (the instance that answered died before saving
            // the turn): answer from the record, never charge again.
            return Ok(result_of(session, &earlier));
        }
        let request = ChargeRequest {
            amount: money,
            card: &card,
            idempotency_key: idempotency_key.clone(),
            description: payment_description(&account),
        };
        let result = charge_with_retry(
            gateway.as_ref(),
            &request,
            self.app.config.payments.gateway_timeout,
        )
        .await;
        drop(card);
        let answer = match self.record_charge(attempt, amount, &result).await? {
            Recorded::Approved { confirmation } => {
                session.values.insert(CONFIRMATION.to_owned(), confirmation);
                if let Some(account) = &mut self.account {
                    account.balance_cents -= amount;
                    account.minimum_due_cents = (account.minimum_due_cents - amount).max(0);
                }
                "approved"
            }
            Recorded::Declined(reason) => decline_result(reason),
            Recorded::Unknown => "unknown",
        };
        tracing::info!(
            attempt,
            amount_cents = amount,
            brand = brand.as_str(),
            result = answer,
            "payment"
        );
        Ok(answer)
    }

    async fn record_charge(
        &mut self,
        attempt: i64,
        amount: i64,
        result: &ChargeResult,
    ) -> Result<Recorded, AppError> {
        let recorded = record_charge_result(self.app, self.key(), attempt, result).await?;
        if let Recorded::Unknown = recorded {
            tracing::error!(
                attempt,
                amount_cents = amount,
                "payment outcome unknown: left to the reconciler, never charged under a new key"
            );
        }
        Ok(recorded)
    }
}

use super::payments::{
    Recorded, parse_card, payment_binding, payment_description, payment_idempotency_key,
    record_charge_result,
};

/// Renews a delivery's claim on its turn every [`super::CLAIM_RENEWAL`] until dropped, so that
/// while a gateway takes its time, other deliveries see the claim alive and wait; if the process
/// dies, renewals stop and the claim goes stale for a retry to take over.
struct ClaimRenewal(tokio::task::JoinHandle<()>);

impl ClaimRenewal {
    fn start(app: &AppState, call: CallKey<'_>, turn: i64, token: i64) -> ClaimRenewal {
        let store = app.store.clone();
        let clock = app.clock.clone();
        let provider = call.provider.to_owned();
        let call_sid = call.sid.to_owned();
        ClaimRenewal(tokio::spawn(async move {
            let mut tick = tokio::time::interval(super::CLAIM_RENEWAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                match store
                    .renew_claim(
                        CallKey {
                            provider: &provider,
                            sid: &call_sid,
                        },
                        turn,
                        token,
                        clock.now_ms(),
                    )
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(err) => tracing::warn!(error = %err, "could not renew a turn claim"),
                }
            }
        }))
    }
}

impl Drop for ClaimRenewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The flow result for a payment recorded earlier.
fn result_of(session: &mut Session, payment: &PaymentRecord) -> &'static str {
    match payment.status.as_str() {
        "approved" => {
            if let Some(code) = &payment.confirmation_code {
                session.values.insert(CONFIRMATION.to_owned(), code.clone());
            }
            "approved"
        }
        "declined" => match payment.decline_reason.as_deref() {
            Some("insufficient_funds") => "insufficient_funds",
            Some("expired_card") => "expired_card",
            Some("incorrect_security_code") => "incorrect_security_code",
            Some("processing_error") => "processing_error",
            _ => "declined",
        },
        _ => "unknown",
    }
}

fn decline_result(reason: DeclineReason) -> &'static str {
    match reason {
        DeclineReason::InsufficientFunds => "insufficient_funds",
        DeclineReason::ExpiredCard => "expired_card",
        DeclineReason::IncorrectSecurityCode => "incorrect_security_code",
        DeclineReason::ProcessingError => "processing_error",
        DeclineReason::Declined | DeclineReason::IncorrectNumber => "declined",
    }
}

impl Context for CallContext<'_> {
    async fn run_action(
        &mut self,
        action: Action,
        session: &mut Session,
    ) -> Result<&'static str, AppError> {
        match action {
            Action::IdentifyByCallerId => {
                let Some(from) = self.webhook.from.clone().filter(|f| is_e164(f)) else {
                    return Ok("not_found");
                };
                let Some(account) = self.app.store.account_by_phone(&from).await? else {
                    return Ok("not_found");
                };
                // The account's language is the default until the caller chooses.
                session.language = Language::parse(&account.language);
                session.caller_matched = true;
                self.adopt(session, account).await?;
                Ok("found")
            }
            Action::ForgetAccount => {
                session.account = None;
                session.caller_matched = false;
                session.authenticated = false;
                self.account = None;
                Ok("done")
            }
            Action::LookupAccount => {
                // Taken, not read: an entry that names no account (perhaps a bank number keyed
                // at the wrong question) is not kept in the session.
                let entered = session.values.remove("account_number").unwrap_or_default();
                let Some(number) = AccountNumber::parse(&entered) else {
                    return Ok("not_found");
                };
                let Some(account) = self.app.store.account(number.as_str()).await? else {
                    return Ok("not_found");
                };
                let locked = self.locked(&account);
                self.adopt(session, account).await?;
                Ok(if locked { "locked" } else { "found" })
            }
            Action::VerifyPin => {
                let pin = session.secrets.take("pin");
                let Some(account) = self.account.clone() else {
                    return Ok("failed");
                };
                let Some(attempt) = self.begin_attempt(&account.account_number).await? else {
                    return Ok("locked");
                };
                let number = AccountNumber::parse(&account.account_number);
                let matches = match (number, pin.as_deref().and_then(|p| Pin::parse(p))) {
                    (Some(number), Some(pin)) => {
                        self.app
                            .config
                            .pin_key
                            .verify_pin(&number, &pin, &account.pin_hash)
                    }
                    _ => false,
                };
                self.check_attempt(session, &account.account_number, attempt, matches)
                    .await
            }
            Action::VerifyDateOfBirth => {
                let dob = session.secrets.take("date_of_birth");
                let zip = session.secrets.take("zip");
                let Some(account) = self.account.clone() else {
                    return Ok("failed");
                };
                let Some(attempt) = self.begin_attempt(&account.account_number).await? else {
                    return Ok("locked");
                };
                let today = self.today();
                let number = AccountNumber::parse(&account.account_number);
                let dob = dob
                    .as_deref()
                    .and_then(|d| DateOfBirth::parse_keypad(d, today));
                let zip = zip.as_deref().and_then(|z| Zip::parse(z));
                let matches = match (number, dob, zip) {
                    (Some(number), Some(dob), Some(zip)) => self.app.config.pin_key.verify_dob_zip(
                        &number,
                        &dob,
                        &zip,
                        &account.dob_zip_hash,
                    ),
                    _ => false,
                };
                self.check_attempt(session, &account.account_number, attempt, matches)
                    .await
            }
            Action::PayFullBalance => {
                let balance = self.account.as_ref().map_or(0, |a| a.balance_cents);
                Ok(Self::set_amount(session, balance))
            }
            Action::PayMinimumDue => {
                let Some(account) = self.account.as_ref() else {
                    return Ok(Self::set_amount(session, 0));
                };
                let cents = account
                    .minimum_due_cents
                    .max(self.smallest_payment_cents(account))
                    .min(account.balance_cents);
                Ok(Self::set_amount(session, cents))
            }
            Action::CheckAmount => {
                let Some(account) = self.account.as_ref() else {
                    return Ok("above_balance");
                };
                let entered = session
                    .values
                    .remove("amount")
                    .and_then(|keys| Money::parse_keypad(&keys).ok());
                let Some(cents) = entered.map(Money::cents) else {
                    return Ok("below_minimum");
                };
                if cents > account.balance_cents {
                    Ok("above_balance")
                } else if cents < self.smallest_payment_cents(account) {
                    Ok("below_minimum")
                } else {
                    session
                        .values
                        .insert(PAYMENT_CENTS.to_owned(), cents.to_string());
                    Ok("ok")
                }
            }
            Action::ForgetCard => {
                for name in CARD_SECRETS {
                    session.secrets.take(name);
                }
                session.values.remove("card_brand");
                session.values.remove("card_last4");
                Ok("done")
            }
            Action::ChargeCard => self.charge(session).await,
        }
    }

    fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    fn lockout_minutes(&self) -> u64 {
        self.app.config.lockout.as_secs().div_ceil(60)
    }

    fn agent_number(&self) -> Option<&str> {
        self.app.config.agent_number.as_deref()
    }

    fn accepted_brands(&self) -> &[CardBrand] {
        &self.app.config.payments.accepted_brands
    }

    fn smallest_payment_cents(&self, account: &Account) -> i64 {
        self.app
            .config
            .payments
            .smallest_payment_cents
            .min(account.balance_cents)
            .max(1)
    }

    fn today(&self) -> time::Date {
        self.app.clock.now().date()
    }

    fn now_ms(&self) -> i64 {
        self.app.clock.now_ms()
    }

    fn gather_url(&self, turn: i64) -> String {
        format!(
            "{}{}?turn={turn}",
            self.app.public_url,
            self.webhook.dialect.path(Event::Gather)
        )
    }

    fn dial_url(&self, turn: i64) -> String {
        format!(
            "{}{}?turn={turn}",
            self.app.public_url,
            self.webhook.dialect.path(Event::Dial)
        )
    }

    fn whisper_url(&self) -> String {
        format!(
            "{}{}?call={}",
            self.app.public_url,
            self.webhook.dialect.path(Event::Whisper),
            self.call_sid
        )
    }
}
