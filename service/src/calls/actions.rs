//! The flow's actions, one module each, and the [`CallContext`] they run in against the store and
//! the payment gateway: identifying the caller, checking PIN or date of birth (counting failures
//! toward the lockout), choosing an amount, and charging the card exactly once.
//!
//! What an action is called and what it can answer is declared once, in [`crate::flow::actions`];
//! each module here returns that result enum, so it cannot answer a result the flow validator did
//! not check routes for. `CallContext::run_action`, made by `dispatch!` below, is the one dispatch
//! from an action to its module; `calls::step_through` calls it when the engine's stepper needs
//! an action run.
//!
//! Adding an action: its declaration in [`crate::flow::actions`], its file here with its `run`,
//! and its line in the `dispatch!` below (which also declares the module).

use std::time::Duration;

use crate::collections::Policy;
use crate::error::AppError;
use crate::flow::actions::{Action, ActionResult};
use crate::flow::engine::{Context, Session};
use crate::line::Line;
use crate::payments::CardBrand;
use crate::store::{Account, AuthAttempt, CallKey, NewCall};
use crate::telephony::Event;

/// Sealed entries that make up a card, wiped together.
const CARD_SECRETS: [crate::payments::SecretField; 4] = crate::payments::SecretField::CARD;

/// How a counted authentication attempt ended; each verifying action names it in its own result.
enum Verification {
    Verified,
    Failed,
    Locked,
}

/// Keeps `cents` as the amount to pay today, by card entered now: no longer a plan's card, a
/// settlement or a fee worked out for another amount.
fn set_amount(session: &mut Session, cents: i64) {
    let payment = &mut session.facts.payment;
    payment.card_for = None;
    payment.settling = None;
    payment.fee_cents = None;
    payment.cents = Some(cents);
}

/// Begins recording `payment`. When this attempt was settled before (the delivery that made it
/// did not live to save its turn), returns that record, with its confirmation code put back in
/// the session when it was accepted: the action answers from it and never charges again.
///
/// # Errors
/// A database failure.
async fn begin_or_settled(
    ctx: &CallContext<'_>,
    confirmation: &mut Option<String>,
    payment: &crate::store::NewPayment<'_>,
) -> Result<Option<crate::store::PaymentRecord>, AppError> {
    match ctx.app.store.begin_payment(payment).await? {
        Some(earlier) if !matches!(earlier.status.as_str(), "pending" | "unknown") => {
            if matches!(earlier.status.as_str(), "approved" | "clearing") {
                *confirmation = earlier.confirmation_code.clone();
            }
            Ok(Some(earlier))
        }
        _ => Ok(None),
    }
}

/// The words a caller agreed to, to keep a card or bank account on file, and their version.
struct KeepConsent {
    version: &'static str,
    en: &'static str,
    es: &'static str,
}

/// Files a card or bank account the gateway kept, with the caller's consent as they heard it.
///
/// # Errors
/// A database failure.
async fn file_method(
    ctx: &CallContext<'_>,
    session: &Session,
    account: &Account,
    summary: &crate::payments::MethodSummary,
    token: &str,
    consent: &KeepConsent,
) -> Result<(), AppError> {
    let words = match session.language {
        Some(crate::language::Language::Es) => consent.es,
        _ => consent.en,
    };
    let id = ctx
        .app
        .store
        .save_method(&crate::store::NewSavedMethod {
            account_number: &account.account_number,
            method: summary,
            gateway: ctx.app.gateway.name(),
            token,
            consent_version: consent.version,
            consent_text: words,
            call: Some(ctx.key()),
            now: ctx.app.clock.now_ms(),
        })
        .await?;
    tracing::info!(
        saved_method = id,
        kind = summary.kind.as_str(),
        label = summary.label.as_str(),
        "kept on file"
    );
    Ok(())
}

/// What a card payment today is, besides its amount, for the settlement it may pay.
struct PaidWith<'a> {
    /// The settlement being paid in one payment, if it is (cents).
    settling: Option<i64>,
    /// Why paying is hard, if the caller said.
    hardship: Option<&'a str>,
    method: &'a crate::payments::MethodSummary,
    gateway: &'a str,
    policy: &'a str,
    attempt: i64,
    now: i64,
}

/// The one-payment settlement a payment of `amount` settles, if it is one: recorded with the
/// payment, and settled when it is approved.
fn settled_by<'a>(
    ctx: &CallContext<'a>,
    account: &'a Account,
    amount: i64,
    paid: PaidWith<'a>,
) -> Option<crate::store::NewArrangement<'a>> {
    let total = paid.settling.filter(|s| *s == amount)?;
    Some(crate::store::NewArrangement {
        account_number: &account.account_number,
        kind: "settlement",
        status: "pending",
        policy: paid.policy,
        total_cents: total,
        balance_before_cents: account.balance_cents,
        promised_by: None,
        card_token: None,
        method: Some(paid.method),
        gateway: Some(paid.gateway),
        consent_version: None,
        consent_text: None,
        hardship_reason: paid.hardship,
        call: Some(ctx.key()),
        call_attempt: Some(paid.attempt),
        now: paid.now,
    })
}

/// Counts one more card confirmed on this call and returns its number: each has its own
/// idempotency key and sealed binding.
fn next_attempt(session: &mut Session) -> i64 {
    session.facts.payment.attempts += 1;
    session.facts.payment.attempts
}

/// Takes the card out of the session (so it is not sealed again with the call).
fn take_card(session: &mut Session) -> crate::flow::engine::Secrets {
    crate::flow::engine::Secrets(
        CARD_SECRETS
            .iter()
            .filter_map(|field| {
                let name = field.input_name();
                Some((name.to_owned(), session.secrets.take(name)?))
            })
            .collect(),
    )
}

/// Takes the bank account out of the session (so it is not sealed again with the call).
fn take_bank(session: &mut Session) -> crate::flow::engine::Secrets {
    crate::flow::engine::Secrets(
        crate::payments::SecretField::BANK
            .iter()
            .filter_map(|field| {
                let name = field.input_name();
                Some((name.to_owned(), session.secrets.take(name)?))
            })
            .collect(),
    )
}

/// Declares each action's module and the one dispatch from an action to it: a line per action,
/// `Variant => module`, and its `run` answers with the result enum declared for it, named for
/// the engine to route on.
macro_rules! dispatch {
    ($( $variant:ident => $module:ident ),+ $(,)?) => {
        $( pub mod $module; )+

        impl CallContext<'_> {
            /// Runs `action` on the session and names its result, one of [`Action::results`].
            ///
            /// # Errors
            /// What the action failed with (the database is down, another delivery holds the
            /// turn, ...).
            pub async fn run_action(
                &mut self,
                action: Action,
                session: &mut Session,
            ) -> Result<&'static str, AppError> {
                Ok(match action {
                    $( Action::$variant => $module::run(self, session).await?.as_str(), )+
                })
            }
        }
    };
}

/// Shared by the receipt actions: not an action itself.
mod receipts;

dispatch! {
    IdentifyByCallerId => identify_by_caller_id,
    ForgetAccount => forget_account,
    LookupAccount => lookup_account,
    VerifyPin => verify_pin,
    VerifyDateOfBirth => verify_date_of_birth,
    PayFullBalance => pay_full_balance,
    PayMinimumDue => pay_minimum_due,
    CheckAmount => check_amount,
    ForgetCard => forget_card,
    ChargeCard => charge_card,
    ChoosePolicy => choose_policy,
    RouteAccount => route_account,
    ApplyFee => apply_fee,
    OfferSettlement => offer_settlement,
    SettleInOnePayment => settle_in_one_payment,
    SettleInInstallments => settle_in_installments,
    OfferPlan => offer_plan,
    SetUpPlan => set_up_plan,
    OfferPromise => offer_promise,
    CheckPromise => check_promise,
    RecordPromise => record_promise,
    RecordHardship => record_hardship,
    PayInstallmentNow => pay_installment_now,
    ChangePlanCard => change_plan_card,
    OfferReceipt => offer_receipt,
    ReceiptByText => receipt_by_text,
    ReceiptByEmail => receipt_by_email,
    NoReceipt => no_receipt,
    OfferCallback => offer_callback,
    RecordCallback => record_callback,
    OfferSurvey => offer_survey,
    RecordSurvey => record_survey,
    OfferBankDebit => offer_bank_debit,
    CheckBankAccount => check_bank_account,
    ForgetBankAccount => forget_bank_account,
    PrepareDebit => prepare_debit,
    DebitBank => debit_bank,
    OfferKeepCard => offer_keep_card,
    OfferKeepBank => offer_keep_bank,
    KeepCard => keep_card,
    OfferSavedMethod => offer_saved_method,
    ChargeSavedMethod => charge_saved_method,
    RecordProviderPayment => record_provider_payment,
    RemoveSavedMethod => remove_saved_method,
    OfferAutopay => offer_autopay,
    PrepareAutopay => prepare_autopay,
    OfferPlanBank => offer_plan_bank,
    PreparePlanDebit => prepare_plan_debit,
    EnrollAutopay => enroll_autopay,
    OfferPayLink => offer_pay_link,
    PayLinkByText => pay_link_by_text,
    PayLinkByEmail => pay_link_by_email,
    StopAutopay => stop_autopay,
}

/// Makes a pay link for the caller's account (made by this call) and sends it by `channel`, once
/// per call however often the webhook is delivered: the turn is claimed first. Whether it went.
///
/// # Errors
/// [`AppError::TurnTaken`] when another delivery holds the turn; a database failure.
async fn send_pay_link(
    ctx: &mut CallContext<'_>,
    channel: crate::messages::compose::Channel,
) -> Result<bool, AppError> {
    let Some(account) = ctx.account.clone() else {
        return Ok(false);
    };
    if !crate::pay_links::reaches(ctx.app, &account, channel).await? {
        return Ok(false);
    }
    ctx.claim().await?;
    let made_by = format!("call:{}:{}", ctx.key().provider, ctx.call_sid);
    let made = crate::pay_links::create(ctx.app, &account, &made_by, Some(channel)).await?;
    Ok(made.sent_by.is_some())
}

/// A card or bank account kept at the gateway for later charges (AutoPay's, a plan's): its
/// token and how it is named, or why not.
enum Kept {
    Token(String, crate::payments::MethodSummary),
    /// The gateway refused the card or account (or what was keyed in is incomplete).
    Refused,
    /// The gateway failed, or the method on file is gone.
    Failed,
}

impl Kept {
    fn of(
        outcome: crate::payments::SaveOutcome,
        method: crate::payments::MethodSummary,
        what: &str,
    ) -> Kept {
        match outcome {
            crate::payments::SaveOutcome::Saved { token } => Kept::Token(token, method),
            crate::payments::SaveOutcome::Declined { reason } => {
                tracing::info!(reason = reason.as_str(), "{what} to keep refused");
                match reason {
                    crate::payments::DeclineReason::ProcessingError => Kept::Failed,
                    _ => Kept::Refused,
                }
            }
        }
    }
}

/// Keeps the card keyed in for `purpose` ("AutoPay", "Payment plan") at the gateway, under a
/// key stable across retried deliveries; its numbers are wiped either way.
async fn keep_keyed_card(
    ctx: &CallContext<'_>,
    session: &mut Session,
    account: &crate::store::Account,
    attempt: i64,
    purpose: &str,
) -> Kept {
    let fields = take_card(session);
    let keyed = crate::calls::payments::parse_card(ctx.app, &fields);
    drop(fields);
    let Some(keyed) = keyed else {
        return Kept::Refused;
    };
    let method = crate::payments::MethodSummary::card(keyed.number.brand(), keyed.number.last4());
    let saved = crate::payments::save_card_with_retry(
        ctx.app.gateway.as_ref(),
        &crate::payments::SaveCardRequest {
            card: &keyed,
            idempotency_key: format!("ivrpay-{}-card-{attempt}", ctx.call_sid),
            description: format!("{purpose}, account ending {}", account.last4()),
        },
        ctx.gateway_wait(),
    )
    .await;
    Kept::of(saved, method, "card")
}

/// Keeps the bank account keyed in for `purpose` at the gateway, as [`keep_keyed_card`] keeps
/// a card; its numbers are wiped either way.
async fn keep_keyed_bank(
    ctx: &CallContext<'_>,
    session: &mut Session,
    account: &crate::store::Account,
    attempt: i64,
    purpose: &str,
) -> Kept {
    let fields = take_bank(session);
    let kind = session
        .facts
        .bank
        .as_ref()
        .and_then(|bank| bank.account_type())
        .unwrap_or(crate::payments::AccountType::Checking);
    let keyed = crate::calls::debits::parse_bank(&fields, kind);
    drop(fields);
    let Some(keyed) = keyed else {
        return Kept::Refused;
    };
    let method = crate::payments::MethodSummary {
        kind: crate::payments::MethodKind::Bank,
        label: kind.as_str().to_owned(),
        last4: keyed.number.last4(),
    };
    let saved = crate::payments::save_bank_with_retry(
        ctx.app.gateway.as_ref(),
        &crate::payments::SaveBankRequest {
            account: &keyed,
            idempotency_key: format!("ivrpay-{}-bank-{attempt}", ctx.call_sid),
            description: format!("{purpose}, account ending {}", account.last4()),
        },
        ctx.gateway_wait(),
    )
    .await;
    drop(keyed);
    Kept::of(saved, method, "bank account")
}

/// What the engine may ask of the service during one webhook.
pub struct CallContext<'a> {
    app: &'a Line,
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
    /// The collections policy `choose_policy` picked for the account.
    policy_name: Option<String>,
}

/// Time kept after the gateway's answer for recording it and writing the reply.
const AFTER_GATEWAY: Duration = Duration::from_millis(500);
/// The least one try at the gateway is given, however late the webhook: less would be no try.
const LEAST_GATEWAY_WAIT: Duration = Duration::from_millis(500);

impl<'a> CallContext<'a> {
    /// How long one try at the gateway may take on this webhook: the configured timeout, cut so
    /// that two tries (a silent gateway is asked twice under one key) and recording the answer
    /// fit before the webhook's deadline. A gateway slower than that is an unknown result,
    /// which the flow tells the caller kindly and upkeep settles; never the provider's error.
    pub fn gateway_wait(&self) -> Duration {
        let left = self
            .webhook
            .deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .saturating_sub(AFTER_GATEWAY);
        self.app
            .config
            .payments
            .gateway_timeout
            .min(left / 2)
            .max(LEAST_GATEWAY_WAIT)
    }

    /// Prepares the context with the session's account: `loaded` when it is that account (read
    /// with the call's row, in the same statement), else read now.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(
        app: &'a Line,
        webhook: &'a super::Webhook,
        call_sid: &'a str,
        turn: i64,
        session: &Session,
        loaded: Option<Account>,
    ) -> Result<CallContext<'a>, AppError> {
        let account = match (&session.account, loaded) {
            (None, _) => None,
            (Some(number), Some(loaded)) if loaded.account_number == *number => Some(loaded),
            (Some(number), _) => app.store.account(number).await?,
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
            policy_name: session.facts.policy.clone(),
        })
    }

    /// The call's identity in the store.
    pub(super) fn key(&self) -> CallKey<'a> {
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

    /// What the rest of this webhook says of the account once `cents` are paid on it (the
    /// store lowered the balance and the minimum due as it recorded the payment).
    fn paid(&mut self, cents: i64) {
        if let Some(account) = &mut self.account {
            account.balance_cents -= cents;
            account.minimum_due_cents = (account.minimum_due_cents - cents).max(0);
        }
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
    ) -> Result<Verification, AppError> {
        if matches {
            self.app.store.reset_auth_failures(number, attempt).await?;
            session.authenticated = true;
            if let Some(account) = &mut self.account {
                account.failed_auth_attempts = 0;
                account.locked_until = None;
            }
            return Ok(Verification::Verified);
        }
        tracing::info!(
            attempts = attempt.number,
            locked = attempt.locks,
            "authentication failed"
        );
        Ok(if attempt.locks {
            Verification::Locked
        } else {
            Verification::Failed
        })
    }
}

/// Renews a delivery's claim on its turn every [`super::CLAIM_RENEWAL`] until dropped, so that
/// while a gateway takes its time, other deliveries see the claim alive and wait; if the process
/// dies, renewals stop and the claim goes stale for a retry to take over.
struct ClaimRenewal(tokio::task::JoinHandle<()>);

impl ClaimRenewal {
    fn start(app: &Line, call: CallKey<'_>, turn: i64, token: i64) -> ClaimRenewal {
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

impl Context for CallContext<'_> {
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
            .smallest_payment_for(account.balance_cents)
    }

    fn today(&self) -> time::Date {
        self.app.today()
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

    fn policy(&self) -> Option<&Policy> {
        self.policy_name
            .as_deref()
            .and_then(|name| self.app.policies.get(name))
    }

    fn hours(&self) -> Option<&crate::hours::Hours> {
        self.app.hours.as_deref()
    }

    fn pay_link_reaches(&self) -> bool {
        let Some(account) = self.account.as_ref() else {
            return false;
        };
        let composer = crate::messages::compose::Composer {
            templates: &self.app.templates,
            settings: &self.app.config.messaging,
        };
        [
            crate::messages::compose::Channel::Sms,
            crate::messages::compose::Channel::Email,
        ]
        .into_iter()
        .any(|channel| composer.reaches(account, channel))
    }

    fn holds_transfers(&self) -> bool {
        // Only a provider that can move calls can take a waiting caller out of the room.
        self.app.config.transfers == crate::config::Transfers::Conference
            && self.webhook.dialect.call_control().is_some()
    }

    fn conference_name(&self) -> String {
        super::hold::conference_name(self.call_sid)
    }

    fn hold_url(&self, language: crate::language::Language) -> String {
        format!(
            "{}{}?lang={}",
            self.app.public_url,
            self.webhook.dialect.path(Event::Hold),
            language.code()
        )
    }

    fn provider_listens(&self) -> bool {
        crate::telephony::differences::does(
            self.webhook.dialect.as_ref(),
            crate::telephony::differences::Feature::AnswersByVoice,
        )
    }

    fn card_capture(&self, turn: i64) -> Option<crate::flow::engine::ProviderCapture> {
        let dialect = &self.webhook.dialect;
        dialect
            .captures_cards()
            .then(|| crate::flow::engine::ProviderCapture {
                action: format!(
                    "{}{}?turn={turn}",
                    self.app.public_url,
                    dialect.path(Event::Pay)
                ),
                status_callback: format!(
                    "{}{}",
                    self.app.public_url,
                    dialect.path(Event::PayStatus)
                ),
                connector: dialect.pay_connector().map(str::to_owned),
            })
    }
}

/// What the engine's needs other than actions come to on the real line.
impl CallContext<'_> {
    /// Pauses the call's recording before the first card question.
    pub async fn pause_recording(&mut self) -> crate::flow::engine::Pause {
        use crate::config::PauseFailure;
        use crate::flow::engine::Pause;
        use crate::telephony::capabilities::{ProviderError, RecordingState};
        // Paused by the answer itself: nothing to configure, nothing that can fail here, and
        // nothing happens where no recording runs.
        if self.webhook.dialect.pauses_recording_in_markup() {
            return Pause::InMarkup;
        }
        let Some(on_failure) = self.app.config.pause_recording else {
            return Pause::NotNeeded;
        };
        // A provider that cannot control the recording is not asked to.
        let Some(control) = self.webhook.dialect.recording_control() else {
            return Pause::NotNeeded;
        };
        match control
            .set_recording(self.call_sid, RecordingState::Paused)
            .await
        {
            Ok(()) => Pause::Paused,
            Err(ProviderError::NoRecording) => Pause::NotNeeded,
            Err(err) => {
                tracing::error!(error = %err, "could not pause the call's recording before card entry");
                match on_failure {
                    PauseFailure::StopCardEntry => Pause::Failed,
                    PauseFailure::GoOn => Pause::NotNeeded,
                }
            }
        }
    }

    /// Whether recurring debits from a bank account (AutoPay's, a plan's) can be authorised on
    /// this call for `account`: the policy allows debits, the gateway keeps accounts, and a
    /// recurring TEL entry's evidence can be kept: both a recording (the provider can record) and
    /// a written copy (a channel reaches the holder).
    pub fn recurring_debits_possible(&self, account: &crate::store::Account) -> bool {
        use crate::flow::Context;
        self.policy().is_none_or(|policy| policy.bank_debits)
            && self.app.gateway.keeps_bank_accounts()
            && self.webhook.dialect.recording_control().is_some()
            && crate::calls::debits::notice_channel(self.app, account).is_some()
    }

    /// Starts a recording of its own (a bank debit's authorisation); its id, or `None` where
    /// the provider cannot record or the recording did not start.
    pub async fn start_recording(&mut self) -> Option<String> {
        let control = self.webhook.dialect.recording_control()?;
        match control.start_recording(self.call_sid).await {
            Ok(id) => Some(id),
            Err(err) => {
                tracing::warn!(error = %err, "could not start recording an authorisation");
                None
            }
        }
    }

    /// Stops a recording [`CallContext::start_recording`] started; one that ended already
    /// (with the call) is fine.
    pub async fn stop_recording(&mut self, recording: &str) {
        use crate::telephony::capabilities::ProviderError;
        let Some(control) = self.webhook.dialect.recording_control() else {
            return;
        };
        match control.stop_recording(self.call_sid, recording).await {
            Ok(()) | Err(ProviderError::NoRecording) => {}
            Err(err) => tracing::warn!(error = %err, "could not stop an authorisation's recording"),
        }
    }

    /// Resumes it once the card is decided or abandoned (by the answer's markup where it was
    /// paused that way).
    pub async fn resume_recording(&mut self) -> crate::flow::engine::Outcome {
        use crate::flow::engine::Outcome;
        use crate::telephony::capabilities::RecordingState;
        if self.webhook.dialect.pauses_recording_in_markup() {
            return Outcome::ResumedInMarkup;
        }
        if self.app.config.pause_recording.is_none() {
            return Outcome::Resumed;
        }
        let Some(control) = self.webhook.dialect.recording_control() else {
            return Outcome::Resumed;
        };
        if let Err(err) = control
            .set_recording(self.call_sid, RecordingState::InProgress)
            .await
        {
            tracing::warn!(error = %err, "could not resume the call's recording after card entry");
        }
        Outcome::Resumed
    }

    /// Rings the agent line for a caller about to wait in the conference room: the agent's
    /// leg's call id, or `None` when the call could not be placed. Claims the turn first, so a
    /// retried webhook never rings twice.
    ///
    /// # Errors
    /// Another delivery holds the turn; a database failure.
    pub async fn ring_agent(&mut self, number: &str) -> Result<Option<String>, AppError> {
        use crate::telephony::capabilities::OutgoingCall;
        if !self.holds_transfers() {
            return Ok(None);
        }
        let dialect = self.webhook.dialect.clone();
        let Some(control) = dialect.call_control() else {
            return Ok(None);
        };
        // The agent sees the line's own number: the one the caller called.
        let Some(line) = self.webhook.to.clone().filter(|to| !to.is_empty()) else {
            tracing::warn!(
                "cannot ring the agent: the webhook did not say which number was called"
            );
            return Ok(None);
        };
        self.claim().await?;
        // The answer that puts the caller in the room is turn + 1's; the agent's leg names it
        // so it can tell whether the caller is still waiting.
        let waiting_turn = self.turn + 1;
        let leg_url = |event| {
            format!(
                "{}{}?call={}&turn={waiting_turn}",
                self.app.public_url,
                self.webhook.dialect.path(event),
                self.call_sid
            )
        };
        let (url, status_callback) = (leg_url(Event::AgentLeg), leg_url(Event::AgentLegEnded));
        let call = OutgoingCall {
            to: number,
            from: &line,
            url: &url,
            timeout_seconds: self.app.flow.dial_timeout_seconds,
            status_callback: &status_callback,
        };
        match control.place_call(&call).await {
            Ok(agent_leg) => Ok(Some(agent_leg)),
            Err(err) => {
                // Unknown included: if the agent's phone does ring after all, its leg finds the
                // caller no longer waiting and says so.
                tracing::warn!(error = %err, "could not ring the agent line for a waiting caller");
                Ok(None)
            }
        }
    }
}
