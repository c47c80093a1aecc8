//! Charging cards through Stripe's API.
//!
//! Two calls per charge: create a PaymentMethod from the card fields, then create
//! and confirm a PaymentIntent for it. Both carry an `Idempotency-Key` derived
//! from the request's key (`{key}-pm` and `{key}`), so a retry after a timeout
//! gets Stripe's recorded answers back instead of a second charge.
//!
//! Saved cards (for a payment plan's installments) take three calls: create a
//! Customer, create the PaymentMethod as above, and attach it to the Customer
//! (keys `{key}-customer`, `{key}-pm`, `{key}-attach`); the token is
//! `cus_...:pm_...`. A saved card is charged with a PaymentIntent naming both,
//! marked `off_session` when the cardholder is not on the line.
//!
//! Answers are sorted into three kinds, because the caller hears different things:
//! - a card error (HTTP 402 / `card_error`) is a decline with a [`DeclineReason`];
//! - a 5xx, 429, 409 or idempotency conflict, a timeout or a broken connection
//!   leaves the outcome unknown ([`GatewayError::Timeout`] /
//!   [`GatewayError::Unavailable`]), for [`charge_with_retry`] to retry once;
//! - any other 4xx means Stripe refused the request and charged nothing
//!   ([`GatewayError::Rejected`]).
//!
//! Card data goes into the request body and nowhere else: no error or log line
//! here is built from a request body, and Stripe's free-text `message` is not
//! even read (only its error type, code, parameter name and request id, each
//! reduced to a short token), so nothing echoed back can leak either.
//!
//! Sending raw card numbers to Stripe requires the account to have raw card data
//! APIs enabled; pay-by-phone is a MOTO use case, to agree with Stripe.
//!
//! [`charge_with_retry`]: crate::payments::gateway::charge_with_retry

pub mod events;

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::payments::card::CardDetails;
use crate::payments::gateway::{
    BrowserCardForm, CardSetup, CardSetupRequest, ChargeFuture, ChargeOutcome, ChargeRequest,
    DeclineReason, EnteredCard, EnteredFuture, Gateway, GatewayError, SaveCardRequest, SaveFuture,
    SaveOutcome, SavedChargeRequest, SetupFuture,
};
use crate::payments::method::{MethodKind, PaymentMethod};
use crate::payments::money::{Currency, Money};

/// Stripe's production API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// A [`Gateway`] backed by Stripe (or anything speaking its API, such as
/// localstripe in tests).
#[derive(Debug)]
pub struct StripeGateway {
    /// `sk_live_...` / `sk_test_...`; sent as a bearer token and nowhere else.
    secret_key: SecretString,
    /// E.g. [`STRIPE_API_BASE`], without a trailing slash.
    base_url: String,
    /// Shared client; its own timeouts are optional, as `charge_with_retry`
    /// bounds each attempt.
    http: reqwest::Client,
    /// Stripe.js and Elements, when a publishable key is set: a pay link's page takes cards
    /// through it.
    browser_form: Option<BrowserCardForm>,
}

/// Stripe's error object. `message` is deliberately absent: it is free text
/// that we never want in a log or an error.
#[derive(Debug, Default, Deserialize)]
struct ApiError {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    param: Option<String>,
    /// The PaymentIntent (an object on declines during confirmation).
    payment_intent: Option<IdOrObject>,
    /// The failed charge's id (real Stripe and localstripe both send it).
    charge: Option<IdOrObject>,
}

/// A field Stripe sends as an id or, expanded, as an object with an id. Taking
/// either keeps one unexpected shape from discarding the whole error (and with
/// it the decline reason).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdOrObject {
    Id(String),
    Object(IdOnly),
    Other(serde::de::IgnoredAny),
}

impl IdOrObject {
    fn id(self) -> Option<String> {
        match self {
            IdOrObject::Id(id) | IdOrObject::Object(IdOnly { id }) => Some(id),
            IdOrObject::Other(_) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Debug, Deserialize)]
struct PaymentIntent {
    id: String,
    status: String,
    last_payment_error: Option<ApiError>,
}

/// A response that is not a success, reduced to what decides the outcome.
struct Failure {
    status: StatusCode,
    error: ApiError,
    request_id: Option<String>,
}

/// A card refused by Stripe: what both a charge and a save report.
#[derive(Debug)]
struct Decline {
    reason: DeclineReason,
    /// The PaymentIntent or charge Stripe names, if any.
    reference: Option<String>,
}

impl From<Decline> for ChargeOutcome {
    fn from(Decline { reason, reference }: Decline) -> ChargeOutcome {
        ChargeOutcome::Declined { reason, reference }
    }
}

impl From<Decline> for SaveOutcome {
    /// Nothing was charged, so there is nothing to refer to.
    fn from(Decline { reason, .. }: Decline) -> SaveOutcome {
        SaveOutcome::Declined { reason }
    }
}

/// A card kept at Stripe: a Customer and the PaymentMethod attached to it, or (entered in a
/// browser for one payment) a PaymentMethod alone. Only built from plain Stripe ids, since both
/// go into request paths and bodies.
#[derive(Debug, PartialEq, Eq)]
struct SavedCard {
    /// `cus_...`; `None` for a card entered for one payment.
    customer: Option<String>,
    /// `pm_...`, attached to `customer`.
    payment_method: String,
}

impl SavedCard {
    fn new(customer: Option<String>, payment_method: String) -> Option<SavedCard> {
        (customer.as_deref().is_none_or(|c| is_stripe_id(c, "cus_"))
            && is_stripe_id(&payment_method, "pm_"))
        .then_some(SavedCard {
            customer,
            payment_method,
        })
    }

    /// Reads a token made by [`SavedCard::token`].
    fn parse(token: &str) -> Option<SavedCard> {
        match token.split_once(':') {
            Some((customer, payment_method)) => {
                SavedCard::new(Some(customer.to_owned()), payment_method.to_owned())
            }
            None => SavedCard::new(None, token.to_owned()),
        }
    }

    /// `cus_...:pm_...` (or `pm_...` alone), the token [`SaveOutcome::Saved`] hands out.
    fn token(&self) -> String {
        match &self.customer {
            Some(customer) => format!("{customer}:{}", self.payment_method),
            None => self.payment_method.clone(),
        }
    }
}

/// A PaymentMethod, as far as what may be shown of its card.
#[derive(Debug, Deserialize)]
struct PaymentMethodCard {
    card: Option<CardShown>,
}

/// A card's brand and last four, as Stripe shows them.
#[derive(Debug, Deserialize)]
struct CardShown {
    brand: String,
    last4: String,
}

/// A SetupIntent, as far as a browser form's card is read from it.
#[derive(Debug, Deserialize)]
struct SetupIntent {
    id: String,
    client_secret: Option<String>,
    status: String,
    payment_method: Option<IdOrObject>,
    customer: Option<IdOrObject>,
}

/// Whether `text` is `prefix` and then up to 255 letters, digits and underscores, as
/// Stripe's ids are.
fn is_stripe_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        (1..=255).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Stripe refuses zero amounts anyway; refusing here sends nothing (card data
/// least of all) for a charge that cannot happen.
fn refuse_zero(amount: Money) -> Result<(), GatewayError> {
    if amount.is_zero() {
        Err(GatewayError::Rejected("amount must be positive".into()))
    } else {
        Ok(())
    }
}

impl StripeGateway {
    /// A gateway calling `base_url` (e.g. [`STRIPE_API_BASE`]) with `secret_key`.
    pub fn new(secret_key: SecretString, base_url: String, http: reqwest::Client) -> StripeGateway {
        let base_url = base_url.trim_end_matches('/').to_owned();
        StripeGateway {
            secret_key,
            base_url,
            http,
            browser_form: None,
        }
    }

    /// Takes cards in browsers through Stripe.js and Elements under `publishable_key`
    /// (`pk_...`). Stripe.js comes from js.stripe.com for Stripe's own API, and from the
    /// stand-in itself otherwise (localstripe serves its Stripe.js at `/js.stripe.com/v3/`).
    pub fn with_publishable_key(mut self, publishable_key: String) -> StripeGateway {
        let (script_url, origins) = if self.base_url == STRIPE_API_BASE {
            (
                "https://js.stripe.com/v3/".to_owned(),
                vec![
                    "https://js.stripe.com".to_owned(),
                    "https://hooks.stripe.com".to_owned(),
                    STRIPE_API_BASE.to_owned(),
                ],
            )
        } else {
            (
                format!("{}/js.stripe.com/v3/", self.base_url),
                vec![self.base_url.clone()],
            )
        };
        self.browser_form = Some(BrowserCardForm {
            publishable_key,
            script_url,
            origins,
        });
        self
    }

    /// A SetupIntent for a card to be entered in a browser (a Customer first when the card is
    /// kept for later): see [`Gateway::start_card_setup`].
    async fn start_setup_once(&self, req: &CardSetupRequest) -> Result<CardSetup, GatewayError> {
        let key = &req.idempotency_key;
        let mut form = vec![("payment_method_types[]", "card")];
        let customer;
        if req.for_later {
            let mut about = Vec::new();
            if !req.description.is_empty() {
                about.push(("description", req.description.as_str()));
            }
            customer = match self
                .post_step::<IdOnly>("/v1/customers", &format!("{key}-customer"), &about)
                .await?
            {
                Ok(customer) => customer.id,
                Err(_) => return Err(GatewayError::Rejected("customer refused".into())),
            };
            form.extend([("customer", customer.as_str()), ("usage", "off_session")]);
        } else {
            form.push(("usage", "on_session"));
        }
        if !req.description.is_empty() {
            form.push(("metadata[purpose]", req.description.as_str()));
        }
        match self
            .post::<SetupIntent>("/v1/setup_intents", &format!("{key}-setup"), &form)
            .await?
        {
            Ok(SetupIntent {
                id,
                client_secret: Some(client_secret),
                ..
            }) if is_stripe_id(&id, "seti_") => Ok(CardSetup {
                reference: id,
                client_secret,
            }),
            Ok(_) => Err(GatewayError::Unavailable(
                "stripe answered a setup without its id or secret".into(),
            )),
            Err(failure) => Err(classify_failure(failure)
                .map_or_else(|e| e, |_| GatewayError::Rejected("setup refused".into()))),
        }
    }

    /// The card a browser form entered into SetupIntent `reference`: the SetupIntent says
    /// whether it was completed and with which PaymentMethod, which says the card's brand and
    /// last four.
    async fn finish_setup_once(&self, reference: &str) -> Result<EnteredCard, GatewayError> {
        if !is_stripe_id(reference, "seti_") {
            return Err(GatewayError::Rejected("not a stripe setup".into()));
        }
        let setup: SetupIntent = self.get(&format!("/v1/setup_intents/{reference}")).await?;
        if setup.status != "succeeded" {
            return Ok(EnteredCard::NotEntered);
        }
        let saved = SavedCard::new(
            setup.customer.and_then(IdOrObject::id),
            setup
                .payment_method
                .and_then(IdOrObject::id)
                .unwrap_or_default(),
        )
        .ok_or_else(|| GatewayError::Unavailable("stripe answered with an odd id".into()))?;
        let method: PaymentMethodCard = self
            .get(&format!("/v1/payment_methods/{}", saved.payment_method))
            .await?;
        Ok(EnteredCard::Entered {
            token: saved.token(),
            brand: method
                .card
                .as_ref()
                .map(|card| safe_token(&card.brand).to_lowercase())
                .unwrap_or_default(),
            last4: method
                .card
                .map(|card| {
                    card.last4
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(4)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// GETs `path`, read as `T`; any answer but a readable success is no answer.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, GatewayError> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(self.secret_key.expose_secret())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport_error)?;
        if !status.is_success() {
            return Err(GatewayError::Unavailable(format!(
                "stripe HTTP {} reading {}",
                status.as_u16(),
                path.split('/').nth(2).unwrap_or("-")
            )));
        }
        serde_json::from_slice(&body)
            .map_err(|_| GatewayError::Unavailable("unreadable stripe response".into()))
    }

    async fn charge_once(&self, req: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        let card = match req.method {
            PaymentMethod::Card(card) => card,
            // ACH debits (a `us_bank_account` PaymentMethod and mandate) come with the next
            // issue; refused before anything is sent.
            PaymentMethod::Bank(_) => return Err(GatewayError::unsupported("bank debits")),
        };
        refuse_zero(req.amount)?;
        let payment_method = match self
            .create_payment_method(card, &req.idempotency_key)
            .await?
        {
            Ok(id) => id,
            Err(declined) => return Ok(declined.into()),
        };
        self.confirm_payment_intent(
            req.amount,
            &[("payment_method", payment_method.as_str())],
            &req.description,
            &req.idempotency_key,
            MethodKind::Card,
        )
        .await
    }

    /// Customer, PaymentMethod, attach: see the module docs.
    async fn save_once(&self, req: &SaveCardRequest<'_>) -> Result<SaveOutcome, GatewayError> {
        let key = &req.idempotency_key;
        let mut form = Vec::new();
        if !req.description.is_empty() {
            form.push(("description", req.description.as_str()));
        }
        let customer = match self
            .post_step::<IdOnly>("/v1/customers", &format!("{key}-customer"), &form)
            .await?
        {
            Ok(customer) => customer.id,
            Err(declined) => return Ok(declined.into()),
        };
        let payment_method = match self.create_payment_method(req.card, key).await? {
            Ok(id) => id,
            Err(declined) => return Ok(declined.into()),
        };
        // Checked before use: the PaymentMethod id goes into the attach URL's path.
        let saved = SavedCard::new(Some(customer), payment_method)
            .ok_or_else(|| GatewayError::Unavailable("stripe answered with an odd id".into()))?;
        let attach = format!("/v1/payment_methods/{}/attach", saved.payment_method);
        if let Err(declined) = self
            .post_step::<IdOnly>(
                &attach,
                &format!("{key}-attach"),
                &[("customer", saved.customer.as_deref().unwrap_or_default())],
            )
            .await?
        {
            return Ok(declined.into());
        }
        Ok(SaveOutcome::Saved {
            token: saved.token(),
        })
    }

    async fn charge_saved_once(
        &self,
        req: &SavedChargeRequest<'_>,
    ) -> Result<ChargeOutcome, GatewayError> {
        refuse_zero(req.amount)?;
        // Not echoed: the token names a kept card, and errors end up in logs.
        let saved = SavedCard::parse(req.token)
            .ok_or_else(|| GatewayError::Rejected("not a stripe card token".into()))?;
        let mut payer = vec![("payment_method", saved.payment_method.as_str())];
        if let Some(customer) = &saved.customer {
            payer.push(("customer", customer.as_str()));
        }
        if !req.caller_present {
            // A scheduled installment, under the authorisation given on the call. Stripe then
            // declines (authentication_required) where it would otherwise ask the absent
            // cardholder to authenticate.
            payer.push(("off_session", "true"));
        }
        self.confirm_payment_intent(
            req.amount,
            &payer,
            &req.description,
            &req.idempotency_key,
            MethodKind::Card,
        )
        .await
    }

    /// Returns the PaymentMethod id, or the decline if Stripe already refused
    /// the card here (e.g. `incorrect_number`). Sent under `{idempotency_key}-pm`.
    async fn create_payment_method(
        &self,
        card: &CardDetails,
        idempotency_key: &str,
    ) -> Result<Result<String, Decline>, GatewayError> {
        let exp_month = card.expiry.month().to_string();
        let exp_year = card.expiry.year().to_string();
        // Borrowed, not copied: the only copy of the digits made here is the one
        // reqwest encodes into the request body.
        let form = [
            ("type", "card"),
            ("card[number]", card.number.expose_number()),
            ("card[exp_month]", exp_month.as_str()),
            ("card[exp_year]", exp_year.as_str()),
            ("card[cvc]", card.security_code.expose()),
            ("billing_details[address][postal_code]", card.zip.as_str()),
        ];
        let key = format!("{idempotency_key}-pm");
        Ok(self
            .post_step::<IdOnly>("/v1/payment_methods", &key, &form)
            .await?
            .map(|pm| pm.id))
    }

    /// Creates and confirms a PaymentIntent for `amount`, paid by `payer` (the PaymentMethod,
    /// and for a saved card its Customer and whether the cardholder is absent), a `method` of
    /// that kind.
    async fn confirm_payment_intent(
        &self,
        amount: Money,
        payer: &[(&str, &str)],
        description: &str,
        idempotency_key: &str,
        method: MethodKind,
    ) -> Result<ChargeOutcome, GatewayError> {
        let cents = amount.cents().to_string();
        let currency = match amount.currency() {
            Currency::Usd => "usd",
        };
        let mut form = vec![("amount", cents.as_str()), ("currency", currency)];
        form.extend_from_slice(payer);
        form.extend([("confirm", "true"), ("payment_method_types[]", "card")]);
        if !description.is_empty() {
            form.push(("description", description));
        }
        match self
            .post("/v1/payment_intents", idempotency_key, &form)
            .await?
        {
            Ok(intent) => outcome_of_intent(intent, method),
            Err(failure) => classify_failure(failure).map(ChargeOutcome::from),
        }
    }

    /// POSTs one step of a longer operation: Stripe's answer, or the decline it gave instead.
    async fn post_step<T: DeserializeOwned>(
        &self,
        path: &str,
        idempotency_key: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<T, Decline>, GatewayError> {
        match self.post(path, idempotency_key, form).await? {
            Ok(answer) => Ok(Ok(answer)),
            Err(failure) => classify_failure(failure).map(Err),
        }
    }

    /// POSTs a form. `Ok(Ok(parsed))` for 2xx, `Ok(Err(failure))` for an HTTP
    /// error answer, `Err` when no (readable) answer arrived.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        idempotency_key: &str,
        form: &[(&str, &str)],
    ) -> Result<Result<T, Failure>, GatewayError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(safe_token);
        let body = response.bytes().await.map_err(transport_error)?;
        tracing::info!(
            gateway = "stripe",
            path,
            idempotency_key,
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or("-"),
            "stripe answered"
        );
        if status.is_success() {
            // A success we cannot read may still have charged the card, so it is
            // an unknown outcome, not a rejection. serde's message is dropped: it
            // can quote the body.
            return serde_json::from_slice(&body)
                .map(Ok)
                .map_err(|_| GatewayError::Unavailable("unreadable stripe response".into()));
        }
        let error = serde_json::from_slice::<ErrorEnvelope>(&body)
            .map(|e| e.error)
            .unwrap_or_default();
        Ok(Err(Failure {
            status,
            error,
            request_id,
        }))
    }
}

/// Maps reqwest's failure to send or to read the answer. Its own message is not
/// used (it carries the URL and inner error text we have no need to show).
fn transport_error(e: reqwest::Error) -> GatewayError {
    if e.is_timeout() {
        GatewayError::Timeout
    } else if e.is_connect() {
        GatewayError::Unavailable("could not connect to stripe".into())
    } else if e.is_body() || e.is_decode() {
        GatewayError::Unavailable("stripe's answer was cut off".into())
    } else {
        GatewayError::Unavailable("request to stripe failed".into())
    }
}

/// Decides what an HTTP error answer means (see the module docs): a decline, or
/// no definite answer.
fn classify_failure(failure: Failure) -> Result<Decline, GatewayError> {
    let Failure {
        status,
        error,
        request_id,
    } = failure;
    let kind = error.kind.as_deref().unwrap_or("-");
    // localstripe answers card declines with 402 but type invalid_request_error;
    // real Stripe sends 402 with type card_error. Either means a decline.
    if kind == "card_error" || status == StatusCode::PAYMENT_REQUIRED {
        let reason = decline_reason(error.code.as_deref(), error.decline_code.as_deref());
        let reference = error
            .payment_intent
            .and_then(IdOrObject::id)
            .or_else(|| error.charge.and_then(IdOrObject::id))
            .map(|id| safe_token(&id));
        return Ok(Decline { reason, reference });
    }
    let detail = format!(
        "stripe HTTP {} type={} code={} param={} request_id={}",
        status.as_u16(),
        safe_token(kind),
        error.code.as_deref().map_or_else(|| "-".into(), safe_token),
        error
            .param
            .as_deref()
            .map_or_else(|| "-".into(), safe_token),
        request_id.as_deref().unwrap_or("-"),
    );
    // 409 and idempotency_error: another request with this key is in flight or
    // was different; what happened to the card is not known from this answer.
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::CONFLICT
        || kind == "idempotency_error"
    {
        Err(GatewayError::Unavailable(detail))
    } else {
        Err(GatewayError::Rejected(detail))
    }
}

/// The reason for a decline, from Stripe's `decline_code` (more specific) and
/// then its `code`.
fn decline_reason(code: Option<&str>, decline_code: Option<&str>) -> DeclineReason {
    let specific = |c: &str| match c {
        "insufficient_funds" => Some(DeclineReason::InsufficientFunds),
        "expired_card" | "invalid_expiry_month" | "invalid_expiry_year" => {
            Some(DeclineReason::ExpiredCard)
        }
        "incorrect_cvc" | "invalid_cvc" => Some(DeclineReason::IncorrectSecurityCode),
        "processing_error" => Some(DeclineReason::ProcessingError),
        "incorrect_number" | "invalid_number" => Some(DeclineReason::IncorrectNumber),
        _ => None,
    };
    decline_code
        .and_then(specific)
        .or_else(|| code.and_then(specific))
        .unwrap_or(DeclineReason::Declined)
}

/// What a PaymentIntent's status means after `confirm=true`, for a `method` of that kind.
fn outcome_of_intent(
    intent: PaymentIntent,
    method: MethodKind,
) -> Result<ChargeOutcome, GatewayError> {
    let reference = safe_token(&intent.id);
    match intent.status.as_str() {
        "succeeded" => Ok(ChargeOutcome::Approved { reference }),
        // A bank debit is `processing` until it clears, days later: accepted, and settled by
        // the reconciler. A card is settled at once, so for a card it stays unknown (below).
        "processing" if method == MethodKind::Bank => Ok(ChargeOutcome::Pending { reference }),
        "requires_payment_method" => {
            let error = intent.last_payment_error.unwrap_or_default();
            Ok(ChargeOutcome::Declined {
                reason: decline_reason(error.code.as_deref(), error.decline_code.as_deref()),
                reference: Some(reference),
            })
        }
        // 3-D Secure cannot be done over the phone; no money moves unless the
        // cardholder authenticates, so this is a decline for the caller.
        "requires_action" => Ok(ChargeOutcome::Declined {
            reason: DeclineReason::Declined,
            reference: Some(reference),
        }),
        // "processing" for a card, "requires_capture" and anything new: money may have
        // moved or may yet, so the outcome is unknown and an operator decides.
        other => Err(GatewayError::Unavailable(format!(
            "payment intent {reference} is {}",
            safe_token(other)
        ))),
    }
}

/// Reduces text from Stripe to a short identifier-like token before it goes into
/// an error or a log.
fn safe_token(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '[' | ']' | '.'))
        .take(64)
        .collect()
}

impl Gateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn charge<'a>(&'a self, req: &'a ChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(self.charge_once(req))
    }

    fn keeps_cards(&self) -> bool {
        true
    }

    fn save_card<'a>(&'a self, req: &'a SaveCardRequest<'_>) -> SaveFuture<'a> {
        Box::pin(self.save_once(req))
    }

    fn charge_saved<'a>(&'a self, req: &'a SavedChargeRequest<'_>) -> ChargeFuture<'a> {
        Box::pin(self.charge_saved_once(req))
    }

    fn browser_card_form(&self) -> Option<&BrowserCardForm> {
        self.browser_form.as_ref()
    }

    fn start_card_setup<'a>(&'a self, req: &'a CardSetupRequest) -> SetupFuture<'a> {
        Box::pin(self.start_setup_once(req))
    }

    fn finish_card_setup<'a>(&'a self, reference: &'a str) -> EnteredFuture<'a> {
        Box::pin(self.finish_setup_once(reference))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use time::macros::date;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::payments::card::{BillingZip, CardBrand, CardNumber, Expiry, SecurityCode};
    use crate::payments::money::Money;

    const NUMBER: &str = "4242424242424242";

    fn card() -> CardDetails {
        CardDetails {
            number: CardNumber::parse(NUMBER).unwrap(),
            expiry: Expiry::parse("0930", date!(2026 - 05 - 17)).unwrap(),
            security_code: SecurityCode::parse("321", CardBrand::Visa).unwrap(),
            zip: BillingZip::parse("83462").unwrap(),
        }
    }

    fn request(method: &PaymentMethod) -> ChargeRequest<'_> {
        ChargeRequest {
            amount: Money::parse_decimal("12.34").unwrap(),
            method,
            idempotency_key: "CA1-pay-1".into(),
            description: "ivrpay test".into(),
        }
    }

    fn failure(status: u16, body: &str) -> Result<ChargeOutcome, GatewayError> {
        classify_failure(Failure {
            status: StatusCode::from_u16(status).unwrap(),
            error: serde_json::from_str::<ErrorEnvelope>(body)
                .map(|e| e.error)
                .unwrap_or_default(),
            request_id: Some("req_123".into()),
        })
        .map(ChargeOutcome::from)
    }

    fn declined(
        reason: DeclineReason,
        reference: Option<&str>,
    ) -> Result<ChargeOutcome, GatewayError> {
        Ok(ChargeOutcome::Declined {
            reason,
            reference: reference.map(str::to_owned),
        })
    }

    #[test]
    fn stripe_card_errors_map_to_decline_reasons() {
        // Bodies shaped as Stripe documents them for its test cards.
        let cases = [
            (
                r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","payment_intent":{"id":"pi_1"}}}"#,
                DeclineReason::Declined,
            ),
            (
                r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds"}}"#,
                DeclineReason::InsufficientFunds,
            ),
            (
                r#"{"error":{"type":"card_error","code":"expired_card","decline_code":"expired_card"}}"#,
                DeclineReason::ExpiredCard,
            ),
            (
                r#"{"error":{"type":"card_error","code":"incorrect_cvc","decline_code":"incorrect_cvc"}}"#,
                DeclineReason::IncorrectSecurityCode,
            ),
            (
                r#"{"error":{"type":"card_error","code":"processing_error","decline_code":"processing_error"}}"#,
                DeclineReason::ProcessingError,
            ),
            (
                r#"{"error":{"type":"card_error","code":"incorrect_number","param":"card[number]"}}"#,
                DeclineReason::IncorrectNumber,
            ),
            (
                r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"do_not_honor"}}"#,
                DeclineReason::Declined,
            ),
            (
                r#"{"error":{"type":"card_error","code":"invalid_expiry_year","param":"card[exp_year]"}}"#,
                DeclineReason::ExpiredCard,
            ),
        ];
        for (body, want) in cases {
            match failure(402, body) {
                Ok(ChargeOutcome::Declined { reason, .. }) => assert_eq!(reason, want, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn decline_reference_prefers_the_payment_intent() {
        assert_eq!(
            failure(
                402,
                r#"{"error":{"type":"card_error","code":"card_declined","payment_intent":{"id":"pi_1"},"charge":"ch_1"}}"#
            ),
            declined(DeclineReason::Declined, Some("pi_1"))
        );
        // An expanded charge object, or an odd shape, still leaves the reason.
        assert_eq!(
            failure(
                402,
                r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","charge":{"id":"ch_2"},"payment_intent":7}}"#
            ),
            declined(DeclineReason::InsufficientFunds, Some("ch_2"))
        );
        // localstripe's shape: 402, invalid_request_error, the charge id only.
        assert_eq!(
            failure(
                402,
                r#"{"error":{"type":"invalid_request_error","code":"card_declined","charge":"ch_9","message":"Your card was declined."}}"#
            ),
            declined(DeclineReason::Declined, Some("ch_9"))
        );
    }

    #[test]
    fn unknown_outcomes_are_unavailable_not_declines() {
        for (status, body) in [
            (500, r#"{"error":{"type":"api_error"}}"#),
            (502, "<html>bad gateway</html>"),
            (503, ""),
            (
                429,
                r#"{"error":{"type":"invalid_request_error","code":"rate_limit"}}"#,
            ),
            (409, r#"{"error":{"type":"idempotency_error"}}"#),
            (
                400,
                r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters"}}"#,
            ),
        ] {
            assert!(
                matches!(failure(status, body), Err(GatewayError::Unavailable(_))),
                "{status} {body}"
            );
        }
    }

    #[test]
    fn refused_requests_are_rejected_without_the_message() {
        let err = failure(
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","param":"amount","message":"Invalid integer: 4242424242424242"}}"#,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, GatewayError::Rejected(_)));
        assert!(
            text.contains("400") && text.contains("param=amount"),
            "{text}"
        );
        assert!(text.contains("request_id=req_123"), "{text}");
        assert!(!text.contains("4242"), "{text}");
        assert!(matches!(failure(401, "{}"), Err(GatewayError::Rejected(_))));
    }

    #[test]
    fn intent_statuses() {
        let intent = |status: &str| PaymentIntent {
            id: "pi_1".into(),
            status: status.into(),
            last_payment_error: None,
        };
        assert_eq!(
            outcome_of_intent(intent("succeeded"), MethodKind::Card),
            Ok(ChargeOutcome::Approved {
                reference: "pi_1".into()
            })
        );
        assert_eq!(
            outcome_of_intent(intent("requires_action"), MethodKind::Card),
            declined(DeclineReason::Declined, Some("pi_1"))
        );
        for unknown in ["processing", "requires_capture", "something_new"] {
            assert!(matches!(
                outcome_of_intent(intent(unknown), MethodKind::Card),
                Err(GatewayError::Unavailable(_))
            ));
        }
        let failed = PaymentIntent {
            last_payment_error: Some(ApiError {
                code: Some("card_declined".into()),
                decline_code: Some("insufficient_funds".into()),
                ..ApiError::default()
            }),
            ..intent("requires_payment_method")
        };
        assert_eq!(
            outcome_of_intent(failed, MethodKind::Card),
            declined(DeclineReason::InsufficientFunds, Some("pi_1"))
        );
    }

    #[test]
    fn a_processing_bank_debit_is_pending_and_a_processing_card_stays_unknown() {
        let processing = || PaymentIntent {
            id: "pi_2".into(),
            status: "processing".into(),
            last_payment_error: None,
        };
        assert_eq!(
            outcome_of_intent(processing(), MethodKind::Bank),
            Ok(ChargeOutcome::Pending {
                reference: "pi_2".into()
            })
        );
        assert!(matches!(
            outcome_of_intent(processing(), MethodKind::Card),
            Err(GatewayError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn bank_debits_are_refused_before_anything_is_sent() {
        use crate::payments::method::{AccountType, BankAccount, BankAccountNumber, RoutingNumber};
        let (base, seen) = canned_server(vec![]).await;
        let bank = PaymentMethod::Bank(BankAccount {
            routing: RoutingNumber::parse("110000000").unwrap(),
            number: BankAccountNumber::parse("000123456789").unwrap(),
            account_type: AccountType::Checking,
            holder: None,
        });
        let err = gateway(base).charge(&request(&bank)).await.unwrap_err();
        assert_eq!(
            err,
            GatewayError::Rejected("bank debits are not supported by this gateway".into())
        );
        assert!(seen.lock().unwrap().is_empty());
    }

    /// One HTTP request as the canned server saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        head: String,
        body: String,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<String> {
            self.head.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        }
    }

    /// A one-request-per-connection HTTP server answering with `replies` in
    /// order; `None` accepts the request and never answers.
    async fn canned_server(
        replies: Vec<Option<(u16, &'static str)>>,
    ) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            for reply in replies {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut raw = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    raw.extend_from_slice(&buf[..n]);
                    if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
                let seen = Seen {
                    head,
                    body: String::new(),
                };
                let len: usize = seen
                    .header("content-length")
                    .map_or(0, |v| v.parse().unwrap());
                while raw.len() < head_end + len {
                    let n = socket.read(&mut buf).await.unwrap();
                    raw.extend_from_slice(&buf[..n]);
                }
                let body = String::from_utf8_lossy(&raw[head_end..]).into_owned();
                log.lock().unwrap().push(Seen { body, ..seen });
                match reply {
                    Some((status, json)) => {
                        let answer = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nrequest-id: req_abc\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                            json.len()
                        );
                        socket.write_all(answer.as_bytes()).await.unwrap();
                    }
                    None => {
                        // Keep the connection open and silent.
                        tokio::spawn(async move {
                            let _socket = socket;
                            std::future::pending::<()>().await;
                        });
                    }
                }
            }
        });
        (base, seen)
    }

    fn gateway(base: String) -> StripeGateway {
        StripeGateway::new(
            SecretString::from("sk_test_123"),
            format!("{base}/"),
            crate::http_client(),
        )
    }

    #[tokio::test]
    async fn sends_the_card_once_then_confirms_with_derived_keys() {
        let (base, seen) = canned_server(vec![
            Some((200, r#"{"id":"pm_1","object":"payment_method"}"#)),
            Some((200, r#"{"id":"pi_1","status":"succeeded"}"#)),
        ])
        .await;
        let card = PaymentMethod::Card(card());
        let outcome = gateway(base).charge(&request(&card)).await;
        assert_eq!(
            outcome,
            Ok(ChargeOutcome::Approved {
                reference: "pi_1".into()
            })
        );
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        let (pm, pi) = (&seen[0], &seen[1]);
        assert!(
            pm.head.starts_with("POST /v1/payment_methods "),
            "{}",
            pm.head
        );
        assert_eq!(
            pm.header("idempotency-key").as_deref(),
            Some("CA1-pay-1-pm")
        );
        assert_eq!(
            pm.header("authorization").as_deref(),
            Some("Bearer sk_test_123")
        );
        for field in [
            "type=card",
            "card%5Bnumber%5D=4242424242424242",
            "card%5Bexp_month%5D=9",
            "card%5Bexp_year%5D=2030",
            "card%5Bcvc%5D=321",
            "billing_details%5Baddress%5D%5Bpostal_code%5D=83462",
        ] {
            assert!(pm.body.split('&').any(|f| f == field), "{field}");
        }
        assert!(
            pi.head.starts_with("POST /v1/payment_intents "),
            "{}",
            pi.head
        );
        assert_eq!(pi.header("idempotency-key").as_deref(), Some("CA1-pay-1"));
        for field in [
            "amount=1234",
            "currency=usd",
            "payment_method=pm_1",
            "confirm=true",
            "payment_method_types%5B%5D=card",
            "description=ivrpay+test",
        ] {
            assert!(pi.body.split('&').any(|f| f == field), "{field}");
        }
        assert!(
            !pi.body.contains(NUMBER),
            "the card goes only to payment_methods"
        );
        assert!(!pi.body.contains("321"));
    }

    #[tokio::test]
    async fn card_refused_at_payment_method_is_a_decline_without_an_intent() {
        let (base, seen) = canned_server(vec![Some((
            402,
            r#"{"error":{"type":"card_error","code":"incorrect_number","param":"card[number]"}}"#,
        ))])
        .await;
        let card = PaymentMethod::Card(card());
        let outcome = gateway(base).charge(&request(&card)).await;
        assert_eq!(outcome, declined(DeclineReason::IncorrectNumber, None));
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn server_error_is_unavailable_and_names_no_card_data() {
        let (base, _seen) = canned_server(vec![
            Some((200, r#"{"id":"pm_1"}"#)),
            Some((
                500,
                r#"{"error":{"type":"api_error","message":"card 4242424242424242"}}"#,
            )),
        ])
        .await;
        let card = PaymentMethod::Card(card());
        let err = gateway(base).charge(&request(&card)).await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, GatewayError::Unavailable(_)), "{text}");
        assert!(text.contains("request_id=req_abc"), "{text}");
        assert!(!text.contains("4242"), "{text}");
    }

    #[tokio::test]
    async fn unreadable_success_is_unknown() {
        let (base, _seen) = canned_server(vec![
            Some((200, r#"{"id":"pm_1"}"#)),
            Some((200, "not json")),
        ])
        .await;
        let card = PaymentMethod::Card(card());
        let err = gateway(base).charge(&request(&card)).await.unwrap_err();
        assert!(matches!(err, GatewayError::Unavailable(_)), "{err}");
    }

    #[tokio::test]
    async fn silent_server_is_a_timeout() {
        let (base, _seen) = canned_server(vec![None]).await;
        let http = crate::http_client_builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let gw = StripeGateway::new(SecretString::from("sk_test_123"), base, http);
        let card = PaymentMethod::Card(card());
        assert_eq!(gw.charge(&request(&card)).await, Err(GatewayError::Timeout));
    }

    #[tokio::test]
    async fn refused_connection_is_unavailable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let card = PaymentMethod::Card(card());
        let err = gateway(base).charge(&request(&card)).await.unwrap_err();
        assert!(matches!(err, GatewayError::Unavailable(_)), "{err}");
    }

    #[tokio::test]
    async fn zero_amount_sends_nothing() {
        let (base, seen) = canned_server(vec![]).await;
        let card = PaymentMethod::Card(card());
        let req = ChargeRequest {
            amount: Money::ZERO_USD,
            ..request(&card)
        };
        let err = gateway(base).charge(&req).await.unwrap_err();
        assert!(matches!(err, GatewayError::Rejected(_)));
        assert!(seen.lock().unwrap().is_empty());
    }

    fn save_request(card: &CardDetails) -> SaveCardRequest<'_> {
        SaveCardRequest {
            card,
            idempotency_key: "CA1-plan-1".into(),
            description: "ivrpay plan".into(),
        }
    }

    fn saved_charge(token: &str, caller_present: bool) -> SavedChargeRequest<'_> {
        SavedChargeRequest {
            amount: Money::parse_decimal("25.00").unwrap(),
            token,
            caller_present,
            idempotency_key: "plan-1-inst-2".into(),
            description: "ivrpay installment".into(),
        }
    }

    fn has_field(seen: &Seen, field: &str) -> bool {
        seen.body.split('&').any(|f| f == field)
    }

    #[tokio::test]
    async fn save_card_creates_customer_then_payment_method_then_attaches() {
        let (base, seen) = canned_server(vec![
            Some((200, r#"{"id":"cus_1","object":"customer"}"#)),
            Some((200, r#"{"id":"pm_1","object":"payment_method"}"#)),
            Some((200, r#"{"id":"pm_1","customer":"cus_1"}"#)),
        ])
        .await;
        let card = card();
        let outcome = gateway(base).save_card(&save_request(&card)).await;
        assert_eq!(
            outcome,
            Ok(SaveOutcome::Saved {
                token: "cus_1:pm_1".into()
            })
        );
        let seen = seen.lock().unwrap().clone();
        let [customer, pm, attach] = &seen[..] else {
            panic!("{} requests", seen.len());
        };
        assert!(customer.head.starts_with("POST /v1/customers "));
        assert_eq!(
            customer.header("idempotency-key").as_deref(),
            Some("CA1-plan-1-customer")
        );
        assert_eq!(customer.body, "description=ivrpay+plan");
        assert!(pm.head.starts_with("POST /v1/payment_methods "));
        assert_eq!(
            pm.header("idempotency-key").as_deref(),
            Some("CA1-plan-1-pm")
        );
        assert!(has_field(pm, "card%5Bnumber%5D=4242424242424242"));
        assert!(
            attach
                .head
                .starts_with("POST /v1/payment_methods/pm_1/attach "),
            "{}",
            attach.head
        );
        assert_eq!(
            attach.header("idempotency-key").as_deref(),
            Some("CA1-plan-1-attach")
        );
        assert_eq!(attach.body, "customer=cus_1");
        for other in [customer, attach] {
            assert!(!other.body.contains(NUMBER) && !other.body.contains("321"));
        }
    }

    #[tokio::test]
    async fn card_refused_at_attach_is_a_declined_save() {
        let (base, _seen) = canned_server(vec![
            Some((200, r#"{"id":"cus_1"}"#)),
            Some((200, r#"{"id":"pm_1"}"#)),
            Some((
                402,
                r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"card 4242424242424242"}}"#,
            )),
        ])
        .await;
        let card = card();
        let outcome = gateway(base).save_card(&save_request(&card)).await;
        assert_eq!(
            outcome,
            Ok(SaveOutcome::Declined {
                reason: DeclineReason::InsufficientFunds
            })
        );
    }

    #[tokio::test]
    async fn save_card_stops_at_a_failed_step_with_the_usual_classification() {
        let (base, seen) = canned_server(vec![Some((
            500,
            r#"{"error":{"type":"api_error","message":"customer 4242424242424242"}}"#,
        ))])
        .await;
        let card = card();
        let err = gateway(base)
            .save_card(&save_request(&card))
            .await
            .unwrap_err();
        assert!(matches!(err, GatewayError::Unavailable(_)), "{err}");
        assert!(!err.to_string().contains("4242"), "{err}");
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "no card sent after a failure"
        );
    }

    #[tokio::test]
    async fn odd_payment_method_id_is_not_put_into_a_path() {
        let (base, seen) = canned_server(vec![
            Some((200, r#"{"id":"cus_1"}"#)),
            Some((200, r#"{"id":"pm_1/../../v1/charges"}"#)),
        ])
        .await;
        let card = card();
        let err = gateway(base)
            .save_card(&save_request(&card))
            .await
            .unwrap_err();
        assert!(matches!(err, GatewayError::Unavailable(_)), "{err}");
        assert_eq!(seen.lock().unwrap().len(), 2, "nothing attached");
    }

    #[tokio::test]
    async fn saved_card_is_charged_off_session_only_without_the_caller() {
        let intent = Some((200, r#"{"id":"pi_1","status":"succeeded"}"#));
        let (base, seen) = canned_server(vec![intent, intent]).await;
        let gw = gateway(base);
        for caller_present in [false, true] {
            assert_eq!(
                gw.charge_saved(&saved_charge("cus_1:pm_1", caller_present))
                    .await,
                Ok(ChargeOutcome::Approved {
                    reference: "pi_1".into()
                })
            );
        }
        let seen = seen.lock().unwrap().clone();
        let [absent, present] = &seen[..] else {
            panic!("{} requests", seen.len());
        };
        for pi in [absent, present] {
            assert!(pi.head.starts_with("POST /v1/payment_intents "));
            assert_eq!(
                pi.header("idempotency-key").as_deref(),
                Some("plan-1-inst-2")
            );
            for field in [
                "amount=2500",
                "currency=usd",
                "customer=cus_1",
                "payment_method=pm_1",
                "confirm=true",
                "payment_method_types%5B%5D=card",
                "description=ivrpay+installment",
            ] {
                assert!(has_field(pi, field), "{field} in {}", pi.body);
            }
        }
        assert!(has_field(absent, "off_session=true"), "{}", absent.body);
        assert!(!present.body.contains("off_session"), "{}", present.body);
    }

    #[tokio::test]
    async fn saved_card_decline_names_the_intent() {
        let (base, _seen) = canned_server(vec![Some((
            402,
            r#"{"error":{"type":"card_error","code":"authentication_required","payment_intent":{"id":"pi_9"}}}"#,
        ))])
        .await;
        assert_eq!(
            gateway(base)
                .charge_saved(&saved_charge("cus_1:pm_1", false))
                .await,
            declined(DeclineReason::Declined, Some("pi_9"))
        );
    }

    #[tokio::test]
    async fn malformed_token_is_rejected_without_echoing_it() {
        let (base, seen) = canned_server(vec![]).await;
        let gw = gateway(base);
        for token in [
            "",
            "cus_1",
            "pm_1:cus_1",
            "cus_1:pm_",
            "cus_1:pm_1:pm_2",
            "cus_1:pm_1&amount=1",
            "sbx_card_ok_4242_0011223344556677",
            "cus_secret:card_4242424242424242",
        ] {
            let err = gw.charge_saved(&saved_charge(token, false)).await;
            assert_eq!(
                err,
                Err(GatewayError::Rejected("not a stripe card token".into())),
                "{token:?}"
            );
        }
        assert!(seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn zero_amount_saved_charge_sends_nothing() {
        let (base, seen) = canned_server(vec![]).await;
        let req = SavedChargeRequest {
            amount: Money::ZERO_USD,
            ..saved_charge("cus_1:pm_1", false)
        };
        let err = gateway(base).charge_saved(&req).await.unwrap_err();
        assert!(matches!(err, GatewayError::Rejected(_)));
        assert!(seen.lock().unwrap().is_empty());
    }

    #[test]
    fn saved_card_tokens_round_trip() {
        let saved =
            SavedCard::new(Some("cus_NbZ8Ki3f322LNn".into()), "pm_1MqM05Lkd_x".into()).unwrap();
        assert_eq!(saved.token(), "cus_NbZ8Ki3f322LNn:pm_1MqM05Lkd_x");
        assert_eq!(SavedCard::parse(&saved.token()), Some(saved));
        assert!(SavedCard::new(Some("cus_1".into()), format!("pm_{}", "x".repeat(256))).is_none());
        // A card entered in a browser for one payment has no Customer.
        let once = SavedCard::parse("pm_1MqM05Lkd_x").unwrap();
        assert_eq!(once.customer, None);
        assert_eq!(once.token(), "pm_1MqM05Lkd_x");
        assert!(SavedCard::parse("cus_1:tok_2").is_none());
        assert!(SavedCard::parse("seti_1").is_none());
    }

    #[test]
    fn safe_token_keeps_identifiers_only() {
        assert_eq!(safe_token("card[number]"), "card[number]");
        assert_eq!(safe_token("req_AbC-1.2"), "req_AbC-1.2");
        assert_eq!(safe_token("a b\"c\n"), "abc");
        assert_eq!(safe_token(&"x".repeat(100)).len(), 64);
    }
}
