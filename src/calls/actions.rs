//! The flow's actions, one module each, and the [`CallContext`] they run in against the store and
//! the payment gateway: identifying the caller, checking PIN or date of birth (counting failures
//! toward the lockout), choosing an amount, and charging the card exactly once.
//!
//! Each action's results are an enum (declared with `results!`), and that enum is the only place
//! they are written: the flow validator reads their names through [`Action::results`], the engine
//! routes on [`ActionResult::as_str`], and an action, returning its own enum, cannot name a
//! result the validator did not check routes for.
//!
//! Adding an action: a module here declaring its results and its `run`, a variant of
//! [`Action`] (with its name and results), a method of [`Actions`] and its arm in [`run`].

use std::future::Future;

use crate::app::AppState;
use crate::collections::{Policy, keys};
use crate::error::AppError;
use crate::flow::Action;
use crate::flow::engine::{Context, Session};
use crate::payments::CardBrand;
use crate::store::{Account, AuthAttempt, CallKey, NewCall};
use crate::telephony::Event;

/// Declares an action's result enum: each variant with its name in flow files, and the
/// [`ActionResult`] impl listing them, so the names cannot drift from the variants.
macro_rules! results {
    (
        $(#[$meta:meta])*
        $name:ident for $action:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $crate::calls::actions::ActionResult for $name {
            const ACTION: $crate::flow::Action = $crate::flow::Action::$action;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($text),+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }
    };
}

pub mod apply_fee;
pub mod change_plan_card;
pub mod charge_card;
pub mod check_amount;
pub mod check_promise;
pub mod choose_policy;
pub mod forget_account;
pub mod forget_card;
pub mod identify_by_caller_id;
pub mod lookup_account;
pub mod no_receipt;
pub mod offer_callback;
pub mod offer_plan;
pub mod offer_promise;
pub mod offer_receipt;
pub mod offer_settlement;
pub mod offer_survey;
pub mod pay_full_balance;
pub mod pay_installment_now;
pub mod pay_minimum_due;
pub mod receipt_by_email;
pub mod receipt_by_text;
mod receipts;
pub mod record_callback;
pub mod record_hardship;
pub mod record_promise;
pub mod record_survey;
pub mod route_account;
pub mod set_up_plan;
pub mod settle_in_installments;
pub mod settle_in_one_payment;
pub mod verify_date_of_birth;
pub mod verify_pin;

#[cfg(test)]
mod tests;

pub use apply_fee::ApplyFeeResult;
pub use change_plan_card::ChangePlanCardResult;
pub use charge_card::ChargeCardResult;
pub use check_amount::CheckAmountResult;
pub use check_promise::CheckPromiseResult;
pub use choose_policy::ChoosePolicyResult;
pub use forget_account::ForgetAccountResult;
pub use forget_card::ForgetCardResult;
pub use identify_by_caller_id::IdentifyByCallerIdResult;
pub use lookup_account::LookupAccountResult;
pub use no_receipt::NoReceiptResult;
pub use offer_callback::OfferCallbackResult;
pub use offer_plan::OfferPlanResult;
pub use offer_promise::OfferPromiseResult;
pub use offer_receipt::OfferReceiptResult;
pub use offer_settlement::OfferSettlementResult;
pub use offer_survey::OfferSurveyResult;
pub use pay_full_balance::PayFullBalanceResult;
pub use pay_installment_now::PayInstallmentNowResult;
pub use pay_minimum_due::PayMinimumDueResult;
pub use receipt_by_email::ReceiptByEmailResult;
pub use receipt_by_text::ReceiptByTextResult;
pub use record_callback::RecordCallbackResult;
pub use record_hardship::RecordHardshipResult;
pub use record_promise::RecordPromiseResult;
pub use record_survey::RecordSurveyResult;
pub use route_account::RouteAccountResult;
pub use set_up_plan::SetUpPlanResult;
pub use settle_in_installments::SettleInInstallmentsResult;
pub use settle_in_one_payment::SettleInOnePaymentResult;
pub use verify_date_of_birth::VerifyDateOfBirthResult;
pub use verify_pin::VerifyPinResult;

/// The results of one action, as an enum.
pub trait ActionResult: Copy + Eq + std::fmt::Debug + Send + 'static {
    /// The action that has these results.
    const ACTION: Action;
    /// Every result.
    const ALL: &'static [Self];
    /// Every result's name in flow files (`on.NAME = "state"`), in the order of [`Self::ALL`].
    const NAMES: &'static [&'static str];
    /// This result's name in flow files.
    fn as_str(self) -> &'static str;
}

/// The actions a flow can run, one method each, each answering with its own result type.
pub trait Actions {
    /// Runs [`identify_by_caller_id`].
    fn identify_by_caller_id(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<IdentifyByCallerIdResult, AppError>> + Send;
    /// Runs [`forget_account`].
    fn forget_account(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ForgetAccountResult, AppError>> + Send;
    /// Runs [`lookup_account`].
    fn lookup_account(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<LookupAccountResult, AppError>> + Send;
    /// Runs [`verify_pin`].
    fn verify_pin(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<VerifyPinResult, AppError>> + Send;
    /// Runs [`verify_date_of_birth`].
    fn verify_date_of_birth(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<VerifyDateOfBirthResult, AppError>> + Send;
    /// Runs [`pay_full_balance`].
    fn pay_full_balance(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<PayFullBalanceResult, AppError>> + Send;
    /// Runs [`pay_minimum_due`].
    fn pay_minimum_due(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<PayMinimumDueResult, AppError>> + Send;
    /// Runs [`check_amount`].
    fn check_amount(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<CheckAmountResult, AppError>> + Send;
    /// Runs [`forget_card`].
    fn forget_card(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ForgetCardResult, AppError>> + Send;
    /// Runs [`charge_card`].
    fn charge_card(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ChargeCardResult, AppError>> + Send;
    /// Runs [`choose_policy`].
    fn choose_policy(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ChoosePolicyResult, AppError>> + Send;
    /// Runs [`route_account`].
    fn route_account(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<RouteAccountResult, AppError>> + Send;
    /// Runs [`apply_fee`].
    fn apply_fee(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ApplyFeeResult, AppError>> + Send;
    /// Runs [`offer_settlement`].
    fn offer_settlement(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferSettlementResult, AppError>> + Send;
    /// Runs [`settle_in_one_payment`].
    fn settle_in_one_payment(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<SettleInOnePaymentResult, AppError>> + Send;
    /// Runs [`settle_in_installments`].
    fn settle_in_installments(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<SettleInInstallmentsResult, AppError>> + Send;
    /// Runs [`offer_plan`].
    fn offer_plan(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferPlanResult, AppError>> + Send;
    /// Runs [`set_up_plan`].
    fn set_up_plan(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<SetUpPlanResult, AppError>> + Send;
    /// Runs [`offer_promise`].
    fn offer_promise(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferPromiseResult, AppError>> + Send;
    /// Runs [`check_promise`].
    fn check_promise(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<CheckPromiseResult, AppError>> + Send;
    /// Runs [`record_promise`].
    fn record_promise(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<RecordPromiseResult, AppError>> + Send;
    /// Runs [`record_hardship`].
    fn record_hardship(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<RecordHardshipResult, AppError>> + Send;
    /// Runs [`pay_installment_now`].
    fn pay_installment_now(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<PayInstallmentNowResult, AppError>> + Send;
    /// Runs [`change_plan_card`].
    fn change_plan_card(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ChangePlanCardResult, AppError>> + Send;
    /// Runs [`offer_receipt`].
    fn offer_receipt(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferReceiptResult, AppError>> + Send;
    /// Runs [`receipt_by_text`].
    fn receipt_by_text(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ReceiptByTextResult, AppError>> + Send;
    /// Runs [`receipt_by_email`].
    fn receipt_by_email(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<ReceiptByEmailResult, AppError>> + Send;
    /// Runs [`no_receipt`].
    fn no_receipt(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<NoReceiptResult, AppError>> + Send;
    /// Runs [`offer_callback`].
    fn offer_callback(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferCallbackResult, AppError>> + Send;
    /// Runs [`record_callback`].
    fn record_callback(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<RecordCallbackResult, AppError>> + Send;
    /// Runs [`offer_survey`].
    fn offer_survey(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<OfferSurveyResult, AppError>> + Send;
    /// Runs [`record_survey`].
    fn record_survey(
        &mut self,
        session: &mut Session,
    ) -> impl Future<Output = Result<RecordSurveyResult, AppError>> + Send;
}

/// Runs `action` and names its result, one of [`Action::results`].
///
/// # Errors
/// What the action failed with (the database is down, another delivery holds the turn, ...).
pub async fn run<C: Actions + Send>(
    ctx: &mut C,
    action: Action,
    session: &mut Session,
) -> Result<&'static str, AppError> {
    Ok(match action {
        Action::IdentifyByCallerId => ctx.identify_by_caller_id(session).await?.as_str(),
        Action::ForgetAccount => ctx.forget_account(session).await?.as_str(),
        Action::LookupAccount => ctx.lookup_account(session).await?.as_str(),
        Action::VerifyPin => ctx.verify_pin(session).await?.as_str(),
        Action::VerifyDateOfBirth => ctx.verify_date_of_birth(session).await?.as_str(),
        Action::PayFullBalance => ctx.pay_full_balance(session).await?.as_str(),
        Action::PayMinimumDue => ctx.pay_minimum_due(session).await?.as_str(),
        Action::CheckAmount => ctx.check_amount(session).await?.as_str(),
        Action::ForgetCard => ctx.forget_card(session).await?.as_str(),
        Action::ChargeCard => ctx.charge_card(session).await?.as_str(),
        Action::ChoosePolicy => ctx.choose_policy(session).await?.as_str(),
        Action::RouteAccount => ctx.route_account(session).await?.as_str(),
        Action::ApplyFee => ctx.apply_fee(session).await?.as_str(),
        Action::OfferSettlement => ctx.offer_settlement(session).await?.as_str(),
        Action::SettleInOnePayment => ctx.settle_in_one_payment(session).await?.as_str(),
        Action::SettleInInstallments => ctx.settle_in_installments(session).await?.as_str(),
        Action::OfferPlan => ctx.offer_plan(session).await?.as_str(),
        Action::SetUpPlan => ctx.set_up_plan(session).await?.as_str(),
        Action::OfferPromise => ctx.offer_promise(session).await?.as_str(),
        Action::CheckPromise => ctx.check_promise(session).await?.as_str(),
        Action::RecordPromise => ctx.record_promise(session).await?.as_str(),
        Action::RecordHardship => ctx.record_hardship(session).await?.as_str(),
        Action::PayInstallmentNow => ctx.pay_installment_now(session).await?.as_str(),
        Action::ChangePlanCard => ctx.change_plan_card(session).await?.as_str(),
        Action::OfferReceipt => ctx.offer_receipt(session).await?.as_str(),
        Action::ReceiptByText => ctx.receipt_by_text(session).await?.as_str(),
        Action::ReceiptByEmail => ctx.receipt_by_email(session).await?.as_str(),
        Action::NoReceipt => ctx.no_receipt(session).await?.as_str(),
        Action::OfferCallback => ctx.offer_callback(session).await?.as_str(),
        Action::RecordCallback => ctx.record_callback(session).await?.as_str(),
        Action::OfferSurvey => ctx.offer_survey(session).await?.as_str(),
        Action::RecordSurvey => ctx.record_survey(session).await?.as_str(),
    })
}

/// The names of `action`'s results, from its result enum.
pub fn result_names(action: Action) -> &'static [&'static str] {
    match action {
        Action::IdentifyByCallerId => IdentifyByCallerIdResult::NAMES,
        Action::ForgetAccount => ForgetAccountResult::NAMES,
        Action::LookupAccount => LookupAccountResult::NAMES,
        Action::VerifyPin => VerifyPinResult::NAMES,
        Action::VerifyDateOfBirth => VerifyDateOfBirthResult::NAMES,
        Action::PayFullBalance => PayFullBalanceResult::NAMES,
        Action::PayMinimumDue => PayMinimumDueResult::NAMES,
        Action::CheckAmount => CheckAmountResult::NAMES,
        Action::ForgetCard => ForgetCardResult::NAMES,
        Action::ChargeCard => ChargeCardResult::NAMES,
        Action::ChoosePolicy => ChoosePolicyResult::NAMES,
        Action::RouteAccount => RouteAccountResult::NAMES,
        Action::ApplyFee => ApplyFeeResult::NAMES,
        Action::OfferSettlement => OfferSettlementResult::NAMES,
        Action::SettleInOnePayment => SettleInOnePaymentResult::NAMES,
        Action::SettleInInstallments => SettleInInstallmentsResult::NAMES,
        Action::OfferPlan => OfferPlanResult::NAMES,
        Action::SetUpPlan => SetUpPlanResult::NAMES,
        Action::OfferPromise => OfferPromiseResult::NAMES,
        Action::CheckPromise => CheckPromiseResult::NAMES,
        Action::RecordPromise => RecordPromiseResult::NAMES,
        Action::RecordHardship => RecordHardshipResult::NAMES,
        Action::PayInstallmentNow => PayInstallmentNowResult::NAMES,
        Action::ChangePlanCard => ChangePlanCardResult::NAMES,
        Action::OfferReceipt => OfferReceiptResult::NAMES,
        Action::ReceiptByText => ReceiptByTextResult::NAMES,
        Action::ReceiptByEmail => ReceiptByEmailResult::NAMES,
        Action::NoReceipt => NoReceiptResult::NAMES,
        Action::OfferCallback => OfferCallbackResult::NAMES,
        Action::RecordCallback => RecordCallbackResult::NAMES,
        Action::OfferSurvey => OfferSurveyResult::NAMES,
        Action::RecordSurvey => RecordSurveyResult::NAMES,
    }
}

/// Session values the payment actions keep (none of them card data).
const PAYMENT_CENTS: &str = "payment_cents";
const PAYMENT_ATTEMPT: &str = "payment_attempt";
const CONFIRMATION: &str = "confirmation";
/// Sealed entries that make up a card, wiped together.
const CARD_SECRETS: [&str; 4] = ["card_number", "card_expiry", "security_code", "billing_zip"];

/// How a counted authentication attempt ended; each verifying action names it in its own result.
enum Verification {
    Verified,
    Failed,
    Locked,
}

/// Keeps `cents` as the amount to pay today, by card entered now: no longer a plan's card, a
/// settlement or a fee worked out for another amount.
fn set_amount(session: &mut Session, cents: i64) {
    for key in [keys::CARD_FOR, keys::SETTLING, keys::FEE_CENTS] {
        session.values.remove(key);
    }
    session
        .values
        .insert(PAYMENT_CENTS.to_owned(), cents.to_string());
}

/// A session value in cents.
fn cents_of(session: &Session, key: &str) -> Option<i64> {
    session.values.get(key).and_then(|c| c.parse().ok())
}

/// Counts one more card confirmed on this call and returns its number: each has its own
/// idempotency key and sealed binding.
fn next_attempt(session: &mut Session) -> i64 {
    let attempt = cents_of(session, PAYMENT_ATTEMPT).unwrap_or(0) + 1;
    session
        .values
        .insert(PAYMENT_ATTEMPT.to_owned(), attempt.to_string());
    attempt
}

/// Takes the card out of the session (so it is not sealed again with the call).
fn take_card(session: &mut Session) -> crate::flow::engine::Secrets {
    crate::flow::engine::Secrets(
        CARD_SECRETS
            .iter()
            .filter_map(|name| Some(((*name).to_owned(), session.secrets.take(name)?)))
            .collect(),
    )
}

impl Actions for CallContext<'_> {
    async fn identify_by_caller_id(
        &mut self,
        session: &mut Session,
    ) -> Result<IdentifyByCallerIdResult, AppError> {
        identify_by_caller_id::run(self, session).await
    }

    async fn forget_account(
        &mut self,
        session: &mut Session,
    ) -> Result<ForgetAccountResult, AppError> {
        Ok(forget_account::run(self, session))
    }

    async fn lookup_account(
        &mut self,
        session: &mut Session,
    ) -> Result<LookupAccountResult, AppError> {
        lookup_account::run(self, session).await
    }

    async fn verify_pin(&mut self, session: &mut Session) -> Result<VerifyPinResult, AppError> {
        verify_pin::run(self, session).await
    }

    async fn verify_date_of_birth(
        &mut self,
        session: &mut Session,
    ) -> Result<VerifyDateOfBirthResult, AppError> {
        verify_date_of_birth::run(self, session).await
    }

    async fn pay_full_balance(
        &mut self,
        session: &mut Session,
    ) -> Result<PayFullBalanceResult, AppError> {
        Ok(pay_full_balance::run(self, session))
    }

    async fn pay_minimum_due(
        &mut self,
        session: &mut Session,
    ) -> Result<PayMinimumDueResult, AppError> {
        Ok(pay_minimum_due::run(self, session))
    }

    async fn check_amount(&mut self, session: &mut Session) -> Result<CheckAmountResult, AppError> {
        Ok(check_amount::run(self, session))
    }

    async fn forget_card(&mut self, session: &mut Session) -> Result<ForgetCardResult, AppError> {
        Ok(forget_card::run(session))
    }

    async fn charge_card(&mut self, session: &mut Session) -> Result<ChargeCardResult, AppError> {
        charge_card::run(self, session).await
    }

    async fn choose_policy(
        &mut self,
        session: &mut Session,
    ) -> Result<ChoosePolicyResult, AppError> {
        choose_policy::run(self, session).await
    }

    async fn route_account(
        &mut self,
        session: &mut Session,
    ) -> Result<RouteAccountResult, AppError> {
        route_account::run(self, session).await
    }

    async fn apply_fee(&mut self, session: &mut Session) -> Result<ApplyFeeResult, AppError> {
        apply_fee::run(self, session).await
    }

    async fn offer_settlement(
        &mut self,
        session: &mut Session,
    ) -> Result<OfferSettlementResult, AppError> {
        offer_settlement::run(self, session).await
    }

    async fn settle_in_one_payment(
        &mut self,
        session: &mut Session,
    ) -> Result<SettleInOnePaymentResult, AppError> {
        settle_in_one_payment::run(self, session).await
    }

    async fn settle_in_installments(
        &mut self,
        session: &mut Session,
    ) -> Result<SettleInInstallmentsResult, AppError> {
        settle_in_installments::run(self, session).await
    }

    async fn offer_plan(&mut self, session: &mut Session) -> Result<OfferPlanResult, AppError> {
        offer_plan::run(self, session).await
    }

    async fn set_up_plan(&mut self, session: &mut Session) -> Result<SetUpPlanResult, AppError> {
        set_up_plan::run(self, session).await
    }

    async fn offer_promise(
        &mut self,
        session: &mut Session,
    ) -> Result<OfferPromiseResult, AppError> {
        offer_promise::run(self, session).await
    }

    async fn check_promise(
        &mut self,
        session: &mut Session,
    ) -> Result<CheckPromiseResult, AppError> {
        check_promise::run(self, session).await
    }

    async fn record_promise(
        &mut self,
        session: &mut Session,
    ) -> Result<RecordPromiseResult, AppError> {
        record_promise::run(self, session).await
    }

    async fn record_hardship(
        &mut self,
        session: &mut Session,
    ) -> Result<RecordHardshipResult, AppError> {
        record_hardship::run(self, session).await
    }

    async fn pay_installment_now(
        &mut self,
        session: &mut Session,
    ) -> Result<PayInstallmentNowResult, AppError> {
        pay_installment_now::run(self, session).await
    }

    async fn change_plan_card(
        &mut self,
        session: &mut Session,
    ) -> Result<ChangePlanCardResult, AppError> {
        change_plan_card::run(self, session).await
    }

    async fn offer_receipt(
        &mut self,
        session: &mut Session,
    ) -> Result<OfferReceiptResult, AppError> {
        offer_receipt::run(self, session).await
    }

    async fn receipt_by_text(
        &mut self,
        session: &mut Session,
    ) -> Result<ReceiptByTextResult, AppError> {
        receipt_by_text::run(self, session).await
    }

    async fn receipt_by_email(
        &mut self,
        session: &mut Session,
    ) -> Result<ReceiptByEmailResult, AppError> {
        receipt_by_email::run(self, session).await
    }

    async fn no_receipt(&mut self, session: &mut Session) -> Result<NoReceiptResult, AppError> {
        no_receipt::run(self, session).await
    }

    async fn offer_callback(
        &mut self,
        session: &mut Session,
    ) -> Result<OfferCallbackResult, AppError> {
        offer_callback::run(self, session).await
    }

    async fn record_callback(
        &mut self,
        session: &mut Session,
    ) -> Result<RecordCallbackResult, AppError> {
        record_callback::run(self, session).await
    }

    async fn offer_survey(&mut self, session: &mut Session) -> Result<OfferSurveyResult, AppError> {
        offer_survey::run(self, session).await
    }

    async fn record_survey(
        &mut self,
        session: &mut Session,
    ) -> Result<RecordSurveyResult, AppError> {
        record_survey::run(self, session).await
    }
}

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
    /// The collections policy `choose_policy` picked for the account.
    policy_name: Option<String>,
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
            policy_name: session.values.get(keys::POLICY).cloned(),
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
            .smallest_payment_cents
            .min(account.balance_cents)
            .max(1)
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

    async fn pause_recording(&mut self) -> crate::flow::engine::Pause {
        use crate::config::PauseFailure;
        use crate::flow::engine::Pause;
        use crate::telephony::twilio::rest::{RecordingState, RestError};
        let Some(control) = &self.app.config.recording else {
            return Pause::NotNeeded;
        };
        // Only Twilio's calls are recorded through its REST API.
        if self.webhook.dialect.name() != "twilio" {
            return Pause::NotNeeded;
        }
        match control
            .rest
            .set_recording(self.call_sid, RecordingState::Paused)
            .await
        {
            Ok(()) => Pause::Paused,
            Err(RestError::NoRecording) => Pause::NotNeeded,
            Err(err) => {
                tracing::error!(error = %err, "could not pause the call's recording before card entry");
                match control.on_failure {
                    PauseFailure::StopCardEntry => Pause::Failed,
                    PauseFailure::GoOn => Pause::NotNeeded,
                }
            }
        }
    }

    async fn resume_recording(&mut self) {
        use crate::telephony::twilio::rest::RecordingState;
        let Some(control) = &self.app.config.recording else {
            return;
        };
        if let Err(err) = control
            .rest
            .set_recording(self.call_sid, RecordingState::InProgress)
            .await
        {
            tracing::warn!(error = %err, "could not resume the call's recording after card entry");
        }
    }

    fn recordings(&self) -> Option<&crate::audio::Library> {
        self.app.recordings.as_deref()
    }

    fn audio_url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.app.public_url)
    }

    fn hours(&self) -> Option<&crate::hours::Hours> {
        self.app.hours.as_deref()
    }

    fn holds_transfers(&self) -> bool {
        // Only Twilio's calls are moved through its REST API.
        self.app.config.conference_transfers.is_some() && self.webhook.dialect.name() == "twilio"
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

    async fn ring_agent(&mut self, number: &str) -> Result<Option<String>, AppError> {
        use crate::telephony::twilio::rest::OutgoingCall;
        let Some(rest) = self.app.config.conference_transfers.clone() else {
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
        match rest.place_call(&call).await {
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
