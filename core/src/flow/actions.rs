//! The flow's vocabulary of actions: one declaration each, the only place an action is named.
//!
//! Each entry of the `actions!` invocation below gives an action's name in flow files, its
//! [`Action`] variant, what the line is doing while it runs (for the console), and its result
//! enum, each result with its name in flow files. From it come the [`Action`] enum and its name
//! table, the result enums (which the service's actions in `src/calls/actions/` return), and
//! [`Action::results`], which the flow validator holds every `on` table to: a flow cannot route
//! on a result its action cannot return, nor leave one unrouted, and an action cannot return a
//! result that was not declared here.
//!
//! What running an action does is the service's: the engine's stepper asks for it as
//! [`super::engine::Need::Action`] and is resumed with the result's name.

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

/// Whether no two of `names` are the same; the declarations below are checked with it as they
/// compile, so a flow's `on` table cannot have one route for two results.
const fn distinct(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let mut j = i + 1;
        while j < names.len() {
            if same(names[i], names[j]) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Declares the actions: for each, its doc, `name: Variant, "what the line is doing"`, then its
/// result enum with each result's name in flow files.
macro_rules! actions {
    (
        $(
            $(#[$doc:meta])*
            $name:ident: $variant:ident, $doing:literal,
            $(#[$results_doc:meta])*
            $results:ident {
                $( $(#[$result_doc:meta])* $result:ident = $text:literal, )+
            }
        )+
    ) => {
        /// The work a flow can ask the service to do, each with a fixed set of results (its
        /// result enum) that the state's `on` table must all route.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nResults: [`", stringify!($results), "`].")]
                $variant,
            )+
        }

        /// How many actions there are.
        const COUNT: usize = [$(stringify!($name)),+].len();

        impl Action {
            /// Every action with its name in flow files.
            pub const ALL: [(&'static str, Action); COUNT] =
                [$((stringify!($name), Action::$variant)),+];

            /// What the line is doing while it runs, in words for the console and the dashboard.
            pub fn doing(self) -> &'static str {
                match self {
                    $(Action::$variant => $doing,)+
                }
            }

            /// Looks an action up by name.
            pub fn parse(name: &str) -> Option<Action> {
                match name {
                    $(stringify!($name) => Some(Action::$variant),)+
                    _ => None,
                }
            }

            /// The action's name in flow files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => stringify!($name),)+
                }
            }

            /// The names of the results the action can have, from its result enum.
            pub fn results(self) -> &'static [&'static str] {
                match self {
                    $(Action::$variant => <$results as ActionResult>::NAMES,)+
                }
            }
        }

        $(
            $(#[$results_doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum $results {
                $( $(#[$result_doc])* $result, )+
            }

            const _: () = assert!(
                distinct(<$results as ActionResult>::NAMES),
                concat!(stringify!($results), " names one result twice"),
            );

            impl ActionResult for $results {
                const ACTION: Action = Action::$variant;
                const ALL: &'static [Self] = &[$($results::$result),+];
                const NAMES: &'static [&'static str] = &[$($text),+];

                fn as_str(self) -> &'static str {
                    match self {
                        $($results::$result => $text,)+
                    }
                }
            }
        )+
    };
}

actions! {
    /// Match caller ID to one account's phone.
    identify_by_caller_id: IdentifyByCallerId, "looking up the caller by their number",
    /// Whether caller ID named an account.
    IdentifyByCallerIdResult {
        /// An account has this phone; it is the session's account, not yet authenticated.
        Found = "found",
        /// No caller ID, or no account with it.
        NotFound = "not_found",
    }

    /// Drop an account offered by caller ID that the caller said is not theirs.
    forget_account: ForgetAccount, "setting aside the account matched by their number",
    /// Forgetting always succeeds.
    ForgetAccountResult {
        /// The session names no account and proves nothing.
        Done = "done",
    }

    /// Find the account number the caller entered.
    lookup_account: LookupAccount, "looking up the account number they entered",
    /// Whether the entered number names an account the caller may use.
    LookupAccountResult {
        /// It does; it is the session's account, not yet authenticated.
        Found = "found",
        /// No account has that number.
        NotFound = "not_found",
        /// The account exists but is locked after too many failed attempts.
        Locked = "locked",
    }

    /// Check the PIN the caller entered.
    verify_pin: VerifyPin, "checking their PIN",
    /// What checking the PIN found.
    VerifyPinResult {
        /// It matches: the caller is authenticated.
        Verified = "verified",
        /// It does not match (or there was no account or PIN to check); counted.
        Failed = "failed",
        /// The account is locked, now or by this failure.
        Locked = "locked",
    }

    /// Check date of birth and ZIP.
    verify_date_of_birth: VerifyDateOfBirth, "checking their date of birth and ZIP",
    /// What checking date of birth and ZIP found.
    VerifyDateOfBirthResult {
        /// Both match: the caller is authenticated.
        Verified = "verified",
        /// They do not match (or there was nothing to check); counted.
        Failed = "failed",
        /// The account is locked, now or by this failure.
        Locked = "locked",
    }

    /// Pay the whole balance.
    pay_full_balance: PayFullBalance, "setting up a payment of the full balance",
    /// Choosing an amount always succeeds.
    PayFullBalanceResult {
        /// The amount is the balance (nothing, without an account).
        Done = "done",
    }

    /// Pay the minimum due (or the balance, if smaller).
    pay_minimum_due: PayMinimumDue, "setting up a payment of the minimum due",
    /// Choosing an amount always succeeds.
    PayMinimumDueResult {
        /// The amount is the minimum due (nothing, without an account).
        Done = "done",
    }

    /// Check the amount the caller typed.
    check_amount: CheckAmount, "checking the amount they entered",
    /// Whether the typed amount can be paid.
    CheckAmountResult {
        /// It can; it is the amount to pay.
        Ok = "ok",
        /// It is more than the balance (or there is no account).
        AboveBalance = "above_balance",
        /// It is less than the smallest payment taken (or not an amount).
        BelowMinimum = "below_minimum",
    }

    /// Forget the card entered so far.
    forget_card: ForgetCard, "forgetting the card entered so far",
    /// Forgetting always succeeds.
    ForgetCardResult {
        /// No card field is held any more.
        Done = "done",
    }

    /// Charge the card.
    charge_card: ChargeCard, "charging their card",
    /// What the gateway answered.
    ChargeCardResult {
        /// Paid; the confirmation code is in the session.
        Approved = "approved",
        /// Refused, for no reason the caller can act on.
        Declined = "declined",
        /// Refused: not enough money on the card.
        InsufficientFunds = "insufficient_funds",
        /// Refused: the card has expired.
        ExpiredCard = "expired_card",
        /// Refused: the security code is wrong.
        IncorrectSecurityCode = "incorrect_security_code",
        /// The gateway failed, or there was nothing complete to charge.
        ProcessingError = "processing_error",
        /// No definite answer: left to the reconciler, never retried.
        Unknown = "unknown",
    }

    /// See whether today's payment can be made from a bank account: the gateway debits banks,
    /// the account's policy allows it, and the authorisation's evidence can be kept (the call
    /// recorded, or a written notice sent).
    offer_bank_debit: OfferBankDebit, "seeing whether they can pay from a bank account",
    /// Whether a bank debit is offered.
    OfferBankDebitResult {
        /// It cannot: card only. (First, so the engine's fake context goes to the card unless a
        /// test scripts the bank.)
        NotAvailable = "not_available",
        /// It can: the caller chooses card or bank.
        Offered = "offered",
    }

    /// Compare the two entries of the bank account number.
    check_bank_account: CheckBankAccount, "checking the bank account they entered",
    /// Whether the two entries match.
    CheckBankAccountResult {
        /// They match: the account's last four are in the session, the second entry is wiped.
        Matched = "matched",
        /// They differ: both are wiped, to be keyed again.
        Mismatch = "mismatch",
    }

    /// Forget the bank account entered so far (and a debit offered for it: its recording
    /// stopped, the offer recorded as not authorised).
    forget_bank_account: ForgetBankAccount, "forgetting the bank account entered so far",
    /// Forgetting always succeeds.
    ForgetBankAccountResult {
        /// No bank field is held any more.
        Done = "done",
    }

    /// Set the debit's terms and its authorisation's words, and start recording the
    /// authorisation where the provider can.
    prepare_debit: PrepareDebit, "reading them the bank debit authorization",
    /// Whether the authorisation can be read.
    PrepareDebitResult {
        /// Its words are in the session.
        Ready = "ready",
        /// Something it needs is missing (an account, an amount, the bank account): nothing to
        /// authorise.
        Incomplete = "incomplete",
    }

    /// Submit the authorised bank debit, exactly once, and keep the authorisation's evidence.
    debit_bank: DebitBank, "submitting their bank debit",
    /// What the gateway answered.
    DebitBankResult {
        /// Accepted; it clears in a few days. The confirmation code is in the session.
        Accepted = "accepted",
        /// Refused before it was submitted.
        Declined = "declined",
        /// The gateway failed, or there was nothing complete to debit.
        ProcessingError = "processing_error",
        /// No definite answer: left to the reconciler, never submitted again under a new key.
        Unknown = "unknown",
    }

    /// See whether the card just entered can be kept on file with the payment: the gateway
    /// keeps cards, the policy allows it, and it pays today's payment.
    offer_keep_card: OfferKeepCard, "seeing whether their card can be kept on file",
    /// Whether to offer keeping the card.
    OfferKeepCardResult {
        /// It cannot. (First, so the engine's fake context reads back without the offer unless
        /// a test scripts it.)
        NotAvailable = "not_available",
        /// It can: the read-back offers paying and keeping it.
        Offered = "offered",
    }

    /// Record that the caller asked to keep the card on file: it is kept if the payment is
    /// approved.
    keep_card: KeepCard, "noting that they want their card or account kept on file",
    /// Noting always succeeds.
    KeepCardResult {
        /// The charge keeps the card.
        Done = "done",
    }

    /// See whether the bank account just keyed in can be kept on file with today's debit.
    offer_keep_bank: OfferKeepBank, "seeing whether their bank account can be kept on file",
    /// Whether keeping it is offered.
    OfferKeepBankResult {
        /// The gateway keeps no bank accounts, or the policy keeps nothing on file.
        NotAvailable = "not_available",
        /// The read-back offers to keep it.
        Offered = "offered",
    }

    /// See whether the account has a card on file to pay with.
    offer_saved_method: OfferSavedMethod, "looking for a card they keep on file",
    /// Whether one is offered.
    OfferSavedMethodResult {
        /// None on file (or none usable). (First, so the engine's fake context goes on to the
        /// other ways to pay unless a test scripts it.)
        None = "none",
        /// The newest is in the session, to be offered by name.
        Offered = "offered",
    }

    /// Record what the provider's card capture reported as today's payment, exactly once.
    record_provider_payment: RecordProviderPayment, "recording their card payment",
    /// What the provider's connector answered.
    RecordProviderPaymentResult {
        /// Paid; the confirmation code is in the session.
        Approved = "approved",
        /// Refused by the bank or the connector.
        Declined = "declined",
        /// The caller pressed star to leave card entry: nothing was charged.
        Cancelled = "cancelled",
        /// The caller could not key in the card within the tries allowed.
        TooManyAttempts = "too_many_attempts",
        /// The provider or its connector failed: nothing was charged that the line knows of.
        ProcessingError = "processing_error",
    }

    /// Charge today's payment to the card on file, exactly once.
    charge_saved_method: ChargeSavedMethod, "charging the card they keep on file",
    /// What the gateway answered.
    ChargeSavedMethodResult {
        /// Paid; the confirmation code is in the session.
        Approved = "approved",
        /// Refused, for no reason the caller can act on.
        Declined = "declined",
        /// Refused: not enough money on the card.
        InsufficientFunds = "insufficient_funds",
        /// Refused: the card has expired.
        ExpiredCard = "expired_card",
        /// The gateway failed, or the card is no longer on file.
        ProcessingError = "processing_error",
        /// No definite answer: a person checks it; never charged again.
        Unknown = "unknown",
    }

    /// Take the card on file off the account's file, at the caller's word.
    remove_saved_method: RemoveSavedMethod, "removing the card they keep on file",
    /// Removing always succeeds (a card already gone is gone).
    RemoveSavedMethodResult {
        /// It is no longer on file.
        Removed = "removed",
        /// It is no longer on file, and AutoPay, which charged it, is off.
        RemovedAutopayStopped = "removed_autopay_stopped",
    }

    /// See whether AutoPay can be turned on, and with which card or bank account, and work out
    /// its first due date.
    offer_autopay: OfferAutopay, "looking at turning on AutoPay",
    /// How AutoPay can be set up.
    OfferAutopayResult {
        /// Not here: the policy has no AutoPay, the gateway keeps no cards, the account has no
        /// due date ahead, or AutoPay or a plan is on already. (First, so the engine's fake
        /// context goes on past the offer unless a test scripts it.)
        NotAvailable = "not_available",
        /// A card or bank account on file can pay it (or another can be keyed in).
        OnFile = "on_file",
        /// A card (or, where `autopay_bank_possible`, a bank account) is to be keyed in.
        NewMethod = "new_method",
    }

    /// Compose AutoPay's authorisation for the method chosen (the card or account on file, or
    /// the one just keyed in); from a bank account, start recording it.
    prepare_autopay: PrepareAutopay, "reading them the AutoPay authorization",
    /// Whether the authorisation can be read.
    PrepareAutopayResult {
        /// It is in the session, to be read whole.
        Ready = "ready",
        /// No method to name (nothing keyed in and none on file), or, for a bank account, no
        /// recording can be made of it.
        NoMethod = "no_method",
    }

    /// Turn AutoPay on with the caller's consent: keep the card at the gateway and record the
    /// enrolment with the words agreed to, once per call attempt.
    enroll_autopay: EnrollAutopay, "turning on AutoPay",
    /// Whether it is on.
    EnrollAutopayResult {
        /// On; a written copy is queued where the account has a channel.
        Enrolled = "enrolled",
        /// The card was refused or incomplete.
        Declined = "declined",
        /// The gateway failed, or the card on file is gone.
        ProcessingError = "processing_error",
    }

    /// Turn AutoPay off at the caller's word: nothing more is charged automatically.
    stop_autopay: StopAutopay, "turning off AutoPay",
    /// Stopping always succeeds (AutoPay already off stays off).
    StopAutopayResult {
        /// Off.
        Stopped = "stopped",
    }

    /// Pick the account's collections policy by the rules in policies.toml.
    choose_policy: ChoosePolicy, "choosing what their account is offered",
    /// Choosing always succeeds: the last rule matches every account.
    ChoosePolicyResult {
        /// The policy is in the session (none without an account).
        Chosen = "chosen",
    }

    /// Decide how the verified caller is treated: offers, no payment asked, a specialist, their
    /// arrangement first, or nothing due.
    route_account: RouteAccount, "deciding what to offer them",
    /// Where the caller goes.
    RouteAccountResult {
        /// The balance and the options the policy allows.
        Offers = "offers",
        /// Never asked for money (a dispute, a bankruptcy, or the policy says so).
        NoPayment = "no_payment",
        /// The specialist path, without pressure.
        Specialist = "specialist",
        /// A plan is running: its state first.
        Arrangement = "arrangement",
        /// Nothing is owed.
        NothingDue = "nothing_due",
    }

    /// Work out the policy's convenience fee on the payment.
    apply_fee: ApplyFee, "working out the card fee",
    /// Whether the caller pays a fee on top.
    ApplyFeeResult {
        /// No fee (none in the policy, or waived for the account's segment).
        None = "none",
        /// A fee applies; it is in the session, to be said before the card is asked for.
        Applies = "applies",
    }

    /// Work out the settlement the policy allows.
    offer_settlement: OfferSettlement, "working out a settlement",
    /// Whether a settlement can be offered.
    OfferSettlementResult {
        /// In one payment today only.
        Offered = "offered",
        /// In one payment today, or in a few.
        OfferedInPayments = "offered_in_payments",
        /// The policy has no settlement, or it would not be less than the balance.
        NotAvailable = "not_available",
    }

    /// Take the settlement as today's payment.
    settle_in_one_payment: SettleInOnePayment, "setting up the settlement as one payment",
    /// Choosing the settlement as the amount.
    SettleInOnePaymentResult {
        /// The amount to pay is the settlement; once approved the account is settled.
        Done = "done",
        /// No settlement was on offer.
        NotAvailable = "not_available",
    }

    /// Spread the settlement over a few payments.
    settle_in_installments: SettleInInstallments, "setting up the settlement in payments",
    /// Whether the settlement can be paid in several payments.
    SettleInInstallmentsResult {
        /// The numbers of payments allowed are in the session.
        Offered = "offered",
        /// It cannot.
        NotAvailable = "not_available",
    }

    /// Work out which numbers of installments the policy allows for the balance.
    offer_plan: OfferPlan, "working out the payment plans they can have",
    /// Whether a plan can be offered.
    OfferPlanResult {
        /// The numbers of installments allowed are in the session.
        Offered = "offered",
        /// No plan in the policy, or no number of installments keeps each above the smallest.
        NotAvailable = "not_available",
    }

    /// See whether the plan's (or settlement's) installments can be debited from a bank account.
    offer_plan_bank: OfferPlanBank, "seeing whether their plan can be paid from a bank account",
    /// Whether a bank account can pay the plan.
    OfferPlanBankResult {
        /// Not here: the policy allows no debits, the gateway keeps no accounts, or the
        /// authorisation could not be both recorded and sent in writing. (First, so the engine's
        /// fake context goes on to the card unless a test scripts it.)
        NotAvailable = "not_available",
        /// A checking or savings account can pay it.
        Offered = "offered",
    }

    /// Compose the recurring TEL authorisation of the plan's debits from the account just keyed
    /// in, and start recording it.
    prepare_plan_debit: PreparePlanDebit, "reading them the authorization of their plan's debits",
    /// Whether the authorisation can be read.
    PreparePlanDebitResult {
        /// It is in the session, being recorded, to be read whole.
        Ready = "ready",
        /// No account, schedule or recording: it is not read.
        Incomplete = "incomplete",
    }

    /// Keep the card or bank account at the gateway, record the plan and the caller's consent,
    /// and charge the first installment if the policy says so.
    set_up_plan: SetUpPlan, "setting up their payment plan",
    /// What became of the plan.
    SetUpPlanResult {
        /// Set up, and its first installment paid now; the confirmation is in the session.
        Approved = "approved",
        /// Set up, and its first installment debited from the bank account: accepted, clearing
        /// in a few days; the confirmation is in the session.
        Accepted = "accepted",
        /// Set up; its first installment falls due later.
        Scheduled = "scheduled",
        /// The card or account was refused (when keeping it, or for the first installment): no
        /// plan.
        Declined = "declined",
        /// The gateway could not keep the card, or the card or plan was incomplete: no plan.
        ProcessingError = "processing_error",
        /// The first installment got no definite answer: the plan waits on it.
        Unknown = "unknown",
    }

    /// Work out the promise-to-pay window and smallest amount.
    offer_promise: OfferPromise, "working out a promise to pay",
    /// Whether a promise can be taken.
    OfferPromiseResult {
        /// The window and smallest amount are in the session.
        Offered = "offered",
        /// The policy takes no promises, or nothing is owed.
        NotAvailable = "not_available",
    }

    /// Check the amount the caller promises.
    check_promise: CheckPromise, "checking the amount they promise",
    /// Whether the promised amount can be taken.
    CheckPromiseResult {
        /// It can; it is the amount promised.
        Ok = "ok",
        /// Less than the least allowed (or not an amount).
        TooLow = "too_low",
        /// More than the balance.
        TooHigh = "too_high",
    }

    /// Record the promise to pay.
    record_promise: RecordPromise, "recording their promise to pay",
    /// Recording the promise.
    RecordPromiseResult {
        /// Recorded as an open promise.
        Recorded = "recorded",
        /// The date or amount was missing: nothing recorded.
        Incomplete = "incomplete",
    }

    /// Record why the caller is having trouble paying.
    record_hardship: RecordHardship, "recording why paying is hard",
    /// Recording the reason.
    RecordHardshipResult {
        /// Recorded (as `other` if the caller gave none).
        Recorded = "recorded",
    }

    /// Charge the plan's next (or missed) installment to its card now.
    pay_installment_now: PayInstallmentNow, "charging their plan's payment now",
    /// What the gateway answered.
    PayInstallmentNowResult {
        /// Paid; the confirmation is in the session.
        Approved = "approved",
        /// Refused; it is tried again as the policy says.
        Declined = "declined",
        /// No definite answer: asked again later under the same key.
        Unknown = "unknown",
        /// Nothing to pay (paid meanwhile, or a charge of it is under way).
        NothingDue = "nothing_due",
    }

    /// Keep the card just entered as the plan's card.
    change_plan_card: ChangePlanCard, "changing their plan's card",
    /// Whether the new card was kept.
    ChangePlanCardResult {
        /// It is the plan's card now.
        Saved = "saved",
        /// The card was refused, or was incomplete: the plan keeps its card.
        Declined = "declined",
    }

    /// See whether the caller can be sent a receipt by text or email.
    offer_receipt: OfferReceipt, "seeing how to send them a receipt",
    /// Whether to ask.
    OfferReceiptResult {
        /// At least one channel can reach the caller; which are in the session.
        Ask = "ask",
        /// Neither can: nothing to offer.
        Unavailable = "unavailable",
    }

    /// Queue this call's receipts by text, and make texts the account's channel.
    receipt_by_text: ReceiptByText, "sending their receipt by text",
    /// Whether the receipts were queued.
    ReceiptByTextResult {
        /// Queued, with the choice recorded.
        Queued = "queued",
        /// Texts cannot reach this caller.
        Unavailable = "unavailable",
    }

    /// Queue this call's receipts by email, and make email the account's channel.
    receipt_by_email: ReceiptByEmail, "sending their receipt by email",
    /// Whether the receipts were queued.
    ReceiptByEmailResult {
        /// Queued, with the choice recorded.
        Queued = "queued",
        /// Email cannot reach this caller.
        Unavailable = "unavailable",
    }

    /// See how a pay link can reach the caller: by text (the number did not reply STOP) or by
    /// email.
    offer_pay_link: OfferPayLink, "asking how to send them a pay link",
    /// Whether to ask.
    OfferPayLinkResult {
        /// Neither can reach the caller. (First, so the engine's fake context goes on to the
        /// menu unless a test scripts it.)
        Unavailable = "unavailable",
        /// At least one channel can; which are in the session.
        Ask = "ask",
    }

    /// Make a pay link for the caller's account and send it by text.
    pay_link_by_text: PayLinkByText, "sending them a pay link by text",
    /// Whether it was sent.
    PayLinkByTextResult {
        /// Made and queued.
        Sent = "sent",
        /// Texts cannot reach this caller.
        Unavailable = "unavailable",
    }

    /// Make a pay link for the caller's account and send it by email.
    pay_link_by_email: PayLinkByEmail, "sending them a pay link by email",
    /// Whether it was sent.
    PayLinkByEmailResult {
        /// Made and queued.
        Sent = "sent",
        /// Email cannot reach this caller.
        Unavailable = "unavailable",
    }

    /// Record that the caller wants no messages.
    no_receipt: NoReceipt, "sending no receipt",
    /// Recording the choice.
    NoReceiptResult {
        /// Recorded.
        Recorded = "recorded",
    }

    /// See whether a callback can be offered, keep the caller ID to confirm and the windows to
    /// choose from.
    offer_callback: OfferCallback, "seeing when we can call them back",
    /// Whether a callback can be offered, and how its number is settled.
    OfferCallbackResult {
        /// Caller ID is a number a callback can go to: the caller confirms it.
        ConfirmCallerId = "confirm_caller_id",
        /// Caller ID is withheld or cannot be called back: the caller gives a number.
        AskNumber = "ask_number",
        /// The line has no business hours (or none in the next weeks): nothing to offer.
        Unavailable = "unavailable",
    }

    /// Record the callback the caller asked for, once per call attempt.
    record_callback: RecordCallback, "booking their callback",
    /// Recording the callback.
    RecordCallbackResult {
        /// Recorded as open, for a person to call.
        Recorded = "recorded",
        /// No number or no window was chosen: nothing recorded.
        Incomplete = "incomplete",
    }

    /// Decide whether this call is asked the end-of-call survey, and record that it was.
    offer_survey: OfferSurvey, "deciding whether to ask the survey",
    /// Whether to ask.
    OfferSurveyResult {
        /// Not this call: the survey is off, the call is not among those sampled, or it was
        /// asked already. (First, so the engine's fake context skips unless a test scripts it.)
        Skip = "skip",
        /// Ask: the call's survey row is recorded, the questions come next.
        Ask = "ask",
    }

    /// Keep the survey answers given so far.
    record_survey: RecordSurvey, "recording their survey answers",
    /// Recording the answers.
    RecordSurveyResult {
        /// Kept (or nothing to keep: no answer yet, or the survey was not offered).
        Recorded = "recorded",
    }
}

#[cfg(test)]
mod tests;
