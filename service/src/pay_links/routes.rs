//! `/pay/{token}`: the proof form and its answer; `/pay/{token}/account`, the account's page
//! once the person proved it is them; and the forms that act on it (`/pay/{token}/pay/{choice}`,
//! `/promise`, `/plan`, see [`super::choices`]). Every answer carries headers that keep the page
//! out of caches, frames and other sites' referrers ([`guard`]); a form that changes anything
//! carries a token tied to the session (`csrf_for`); a link that does not open gets a kind
//! page, never an error.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::choices::{self, CardEntry, CardGiven, CardTaken, Paid, PayChoice, PlanSetUp};
use super::forms::{self, CardForm, FormKeys, PaidView, Problem, ReceiptChoices};
use super::pages::{self, AccountView, Frame};
use super::{Proof, Proved, prove, token_hash, well_formed};
use crate::agents::console::Peer;
use crate::collections::offers::{Situation, available};
use crate::collections::parse_date;
use crate::collections::policy::{NO_DEMAND_FLAGS, Offer, Policy, Treatment, has_flag};
use crate::error::AppError;
use crate::flow::definition::OfferSet;
use crate::http::AppState;
use crate::language::Language;
use crate::messages::compose::Channel;
use crate::messages::templates::{date_text, money_text};
use crate::store::{Account, PayLink};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(pages::STYLE_PATH, get(style))
        .route("/pay/{token}", get(open).post(answer))
        .route("/pay/{token}/account", get(account))
        .route(forms::CARD_SCRIPT_PATH, get(card_script))
        .route("/pay/{token}/pay/{choice}", get(pay_form).post(pay_answer))
        .route(
            "/pay/{token}/promise",
            get(promise_form).post(promise_answer),
        )
        .route("/pay/{token}/plan", get(plan_form).post(plan_answer))
        .route(
            "/pay/{token}/callback",
            get(callback_form).post(callback_answer),
        )
}

/// The headers every `/pay` answer carries: no caching, no framing, no referrer (so the token
/// never leaves in one), and a policy that allows this origin's style sheet and forms only.
pub async fn guard(request: Request, next: Next) -> Response {
    let ours = request.uri().path().starts_with("/pay/");
    let mut response = next.run(request).await;
    if ours {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // A page with the gateway's card form sets its own, allowing that form alone.
        if !headers.contains_key("content-security-policy") {
            headers.insert(
                "content-security-policy",
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'",
                ),
            );
        }
        headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
        headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    }
    response
}

/// The policy of a page with the gateway's card form: this origin's script and the gateway's
/// (its script, its frames and its requests), and nothing else.
fn card_form_policy(origins: &[String]) -> String {
    let gateway = origins.join(" ");
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self' {gateway}; \
         frame-src {gateway}; connect-src {gateway}; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

async fn card_script() -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        forms::CARD_SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        pages::STYLE,
    )
        .into_response()
}

/// `?lang=en|es`: the language asked for, over the account's.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Lang {
    lang: Option<String>,
}

/// The proof form's fields: the PIN, or the date of birth and ZIP.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ProofForm {
    pin: Option<String>,
    dob: Option<String>,
    zip: Option<String>,
}

/// A link that opens, with its account and the page's language.
struct Opened {
    link: PayLink,
    account: Account,
    language: Language,
}

/// The link `token` names and its account, when it still opens; else the kind page to show.
async fn opened(app: &AppState, token: &str, asked: &Lang) -> Result<Opened, Response> {
    opened_as(app, token, asked, false).await
}

/// [`opened`], and with `used_too` a link used up by paying in full (to show what its form came
/// to when the form is sent again).
async fn opened_as(
    app: &AppState,
    token: &str,
    asked: &Lang,
    used_too: bool,
) -> Result<Opened, Response> {
    let language = language_of(asked, None);
    let gone = |app: &AppState| {
        app.line.metrics.pay_link("refused");
        (
            StatusCode::NOT_FOUND,
            Html(pages::gone(&frame(app, language, None))),
        )
            .into_response()
    };
    if !well_formed(token) {
        return Err(gone(app));
    }
    let now = app.line.clock.now_ms();
    let link = match app.line.store.pay_link(&token_hash(token)).await {
        Ok(Some(link)) if link.opens(now) => link,
        Ok(Some(link))
            if used_too
                && link.used_at.is_some()
                && link.revoked_at.is_none()
                && now < link.expires_at =>
        {
            link
        }
        Ok(_) => return Err(gone(app)),
        Err(err) => return Err(trouble(app, err.into(), language)),
    };
    match app.line.store.account(&link.account_number).await {
        Ok(Some(account)) => Ok(Opened {
            language: language_of(asked, Some(&account)),
            link,
            account,
        }),
        Ok(None) => Err(gone(app)),
        Err(err) => Err(trouble(app, err.into(), language)),
    }
}

/// A failure on our side: said kindly, with the number to call (never a bare error page).
fn trouble(app: &AppState, err: AppError, language: Language) -> Response {
    tracing::error!(error = %err, "pay link page failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(pages::gone(&frame(app, language, None))),
    )
        .into_response()
}

fn frame<'a>(app: &'a AppState, language: Language, path: Option<&'a str>) -> Frame<'a> {
    Frame {
        language,
        company: app.line.templates.company(),
        company_phone: app.line.templates.company_phone(),
        path,
        scripts: Vec::new(),
    }
}

/// The page's language: `?lang=`, else the account's, else English.
fn language_of(asked: &Lang, account: Option<&Account>) -> Language {
    asked
        .lang
        .as_deref()
        .and_then(Language::parse)
        .or_else(|| account.and_then(|a| Language::parse(&a.language)))
        .unwrap_or(Language::En)
}

/// The session cookie's name: one per link (its path is the link's own).
const COOKIE: &str = "ivrpay_pay";

fn session_in(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

async fn session_holds(app: &AppState, link: &PayLink, headers: &HeaderMap) -> bool {
    let Some(session) = session_in(headers) else {
        return false;
    };
    app.line
        .store
        .pay_link_session_holds(link.id, &token_hash(&session), app.line.clock.now_ms())
        .await
        .unwrap_or(false)
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

/// `GET /pay/{token}`: the proof form (or, with a live session, on to the account).
async fn open(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let Opened {
        link,
        account,
        language,
    } = match opened(&app, &token, &asked).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let path = format!("/pay/{token}");
    if session_holds(&app, &link, &headers).await {
        return see_other(&format!("{path}/account?lang={}", language.code()));
    }
    if link.opened_at.is_none() {
        app.line.metrics.pay_link("opened");
    }
    if let Err(err) = app
        .line
        .store
        .pay_link_step(link.id, "opened", app.line.clock.now_ms())
        .await
    {
        return trouble(&app, err.into(), language);
    }
    let action = format!("{path}?lang={}", language.code());
    let last4 = account.last4();
    Html(pages::proof(
        &frame(&app, language, Some(&path)),
        last4,
        &action,
        None,
    ))
    .into_response()
}

/// `POST /pay/{token}`: the proof, counted against the account's lockout, and a wrong one
/// against the address it came from ([`super::PROOFS_PER_ADDRESS`]).
async fn answer(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    Peer(peer): Peer,
    axum::Form(form): axum::Form<ProofForm>,
) -> Response {
    let Opened {
        link,
        account,
        language,
    } = match opened(&app, &token, &asked).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let path = format!("/pay/{token}");
    let now = app.line.clock.now_ms();
    let window = i64::try_from(super::PROOF_WINDOW.as_millis()).unwrap_or(i64::MAX);
    let address_key = format!(
        "paylink-addr:{}",
        peer.map_or("unknown".to_owned(), |ip| ip.to_string())
    );
    match app
        .line
        .store
        .sign_in_failures_since(&address_key, now - window)
        .await
    {
        Ok(failures) if failures >= super::PROOFS_PER_ADDRESS => {
            app.line.metrics.pay_link("locked");
            return (
                StatusCode::TOO_MANY_REQUESTS,
                Html(pages::locked(&frame(&app, language, None))),
            )
                .into_response();
        }
        Ok(_) => {}
        Err(err) => return trouble(&app, err.into(), language),
    }
    let (proof, which) = match (&form.pin, &form.dob, &form.zip) {
        (Some(pin), _, _) => (Proof::Pin(pin), "pin"),
        (None, Some(dob), Some(zip)) => (Proof::DateOfBirthAndZip(dob, zip), "dob"),
        _ => (Proof::Pin(""), "pin"),
    };
    let proved = match prove(&app.line, &account, &proof).await {
        Ok(proved) => proved,
        Err(err) => return trouble(&app, err, language),
    };
    if proved != Proved::Yes
        && let Err(err) = app
            .line
            .store
            .record_sign_in_failure(&[&address_key], now, now - window)
            .await
    {
        return trouble(&app, err.into(), language);
    }
    match proved {
        Proved::Yes => {
            let session = crate::agents::session::new_token();
            let now = app.line.clock.now_ms();
            let lifetime = super::SESSION_LIFETIME;
            let until = now.saturating_add(lifetime.as_millis() as i64);
            if let Err(err) = app
                .line
                .store
                .start_pay_link_session(link.id, &token_hash(&session), until, now)
                .await
            {
                return trouble(&app, err.into(), language);
            }
            let sid = choices::visit_sid(link.id);
            let visit = crate::store::CallKey {
                provider: choices::WEB,
                sid: &sid,
            };
            if let Err(err) = app
                .line
                .store
                .record_web_visit(visit, &account, language.code(), now)
                .await
            {
                return trouble(&app, err.into(), language);
            }
            app.line.metrics.pay_link("proved");
            let secure = if app.line.public_url.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={session}; Path={path}; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
                lifetime.as_secs()
            );
            let mut response = see_other(&format!("{path}/account?lang={}", language.code()));
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(SET_COOKIE, value);
            }
            response
        }
        Proved::No => {
            let action = format!("{path}?lang={}", language.code());
            let last4 = account.last4();
            (
                StatusCode::OK,
                Html(pages::proof(
                    &frame(&app, language, Some(&path)),
                    last4,
                    &action,
                    Some(which),
                )),
            )
                .into_response()
        }
        Proved::Locked => {
            app.line.metrics.pay_link("locked");
            Html(pages::locked(&frame(&app, language, None))).into_response()
        }
    }
}

/// `GET /pay/{token}/account`: the account, for a live session; else back to the proof.
async fn account(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let Opened {
        link,
        account,
        language,
    } = match opened(&app, &token, &asked).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    if !session_holds(&app, &link, &headers).await {
        return see_other(&format!("/pay/{token}?lang={}", language.code()));
    }
    let Standing {
        policy,
        may_ask,
        offers,
    } = standing(&app, &account).await;
    let entry = choices::card_entry(&app.line);
    let offers = offers
        .into_iter()
        .map(|offer| (offer, offer_path(&token, offer, entry, language)))
        .collect();
    let disclosure = policy
        .disclosure
        .as_ref()
        .and_then(|texts| texts.get(&language))
        .map(String::as_str);
    let path = format!("/pay/{token}/account");
    let last4 = account.last4();
    let view = AccountView {
        last4,
        balance: money_text(account.balance_cents.max(0)),
        minimum_due: (may_ask && account.minimum_due_cents > 0)
            .then(|| money_text(account.minimum_due_cents)),
        due_date: parse_date(&account.due_date)
            .filter(|_| may_ask)
            .map(|date| date_text(date, language)),
        disclosure,
        may_ask,
        offers,
        callback: (!choices::callback_windows(&app.line).is_empty())
            .then(|| format!("/pay/{token}/callback?lang={}", language.code())),
    };
    if let Err(err) = app
        .line
        .store
        .pay_link_step(link.id, "options", app.line.clock.now_ms())
        .await
    {
        return trouble(&app, err.into(), language);
    }
    Html(pages::account(&frame(&app, language, Some(&path)), &view)).into_response()
}

/// What the account's policy allows today: whether money may be asked at all, and the options
/// the line would offer at its balance menu.
struct Standing<'p> {
    policy: &'p Policy,
    may_ask: bool,
    offers: Vec<Offer>,
}

async fn standing<'a>(app: &'a AppState, account: &Account) -> Standing<'a> {
    let today = app.line.today();
    let policy = app.line.policies.select(account, today);
    let may_ask = !NO_DEMAND_FLAGS.iter().any(|flag| has_flag(account, flag))
        && policy.treatment == Treatment::Offers;
    let open_arrangement = matches!(
        app.line.store.open_plan(&account.account_number).await,
        Ok(Some(_))
    );
    let autopay_on = matches!(
        app.line.store.active_autopay(&account.account_number).await,
        Ok(Some(_))
    );
    let situation = Situation {
        smallest_payment_cents: app
            .line
            .config
            .payments
            .smallest_payment_for(account.balance_cents),
        agent_available: false,
        hardship: false,
        open_arrangement,
        autopay_on,
        // A link is what the person is on.
        link_reaches: false,
        today,
    };
    let offers = if may_ask {
        available(policy, OfferSet::Balance, account, situation)
    } else {
        Vec::new()
    };
    Standing {
        policy,
        may_ask,
        offers,
    }
}

/// Where an offer is taken on the page (`None`: on the phone, a person's conversation, or a
/// card this gateway cannot take here).
fn offer_path(token: &str, offer: Offer, entry: CardEntry, language: Language) -> Option<String> {
    let lang = language.code();
    let by_card = entry != CardEntry::ByPhone;
    let pay = |choice: PayChoice| format!("/pay/{token}/pay/{}?lang={lang}", choice.name());
    match offer {
        Offer::Full if by_card => Some(pay(PayChoice::Full)),
        Offer::Minimum if by_card => Some(pay(PayChoice::Minimum)),
        Offer::OtherAmount if by_card => Some(pay(PayChoice::Other)),
        Offer::Settlement if by_card => Some(pay(PayChoice::Settlement)),
        Offer::Plan if by_card => Some(format!("/pay/{token}/plan?lang={lang}")),
        Offer::Promise => Some(format!("/pay/{token}/promise?lang={lang}")),
        _ => None,
    }
}

/// The token a session's forms carry, so a form posted from anywhere else changes nothing
/// (the cookie is also `SameSite=Strict`).
fn csrf_for(session: &str) -> String {
    token_hash(&format!("pay-form:{session}"))[..32].to_owned()
}

/// A link whose session holds: the link, its account, the page's language and the session.
struct Visit {
    link: PayLink,
    account: Account,
    language: Language,
    session: String,
}

/// The visit a form belongs to; else the page to show (the link's gone page, or back to the
/// proof when the session has ended). `used_too`: a link used up by paying in full still
/// answers (a form sent again shows what it came to).
async fn visit(
    app: &AppState,
    token: &str,
    asked: &Lang,
    headers: &HeaderMap,
    used_too: bool,
) -> Result<Visit, Response> {
    let Opened {
        link,
        account,
        language,
    } = opened_as(app, token, asked, used_too).await?;
    match session_in(headers) {
        Some(session) if session_holds(app, &link, headers).await => Ok(Visit {
            link,
            account,
            language,
            session,
        }),
        _ => Err(see_other(&format!("/pay/{token}?lang={}", language.code()))),
    }
}

/// Whether a posted form is one this session's page handed out: its token, and a form number
/// the link gave.
async fn form_is_ours(app: &AppState, visit: &Visit, csrf: &str, form: i64) -> bool {
    let forms = app
        .line
        .store
        .pay_link_forms(visit.link.id)
        .await
        .unwrap_or(0);
    constant_time_eq(csrf.as_bytes(), csrf_for(&visit.session).as_bytes())
        && (1..=forms).contains(&form)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The visit a posted form belongs to and the form's number, when the form is one this
/// session's page handed out (`keys`: its token and number); else the page to show.
async fn posted(
    app: &AppState,
    token: &str,
    asked: &Lang,
    headers: &HeaderMap,
    used_too: bool,
    keys: (Option<&str>, Option<i64>),
) -> Result<(Visit, i64), Response> {
    let visit = visit(app, token, asked, headers, used_too).await?;
    let number = keys.1.unwrap_or(0);
    if form_is_ours(app, &visit, keys.0.unwrap_or_default(), number).await {
        Ok((visit, number))
    } else {
        Err(refused_form(app, visit.language))
    }
}

/// A form that did not come from this session's page: nothing is changed.
fn refused_form(app: &AppState, language: Language) -> Response {
    tracing::warn!("a pay link form without this session's token was refused");
    (
        StatusCode::FORBIDDEN,
        Html(pages::gone(&frame(app, language, None))),
    )
        .into_response()
}

/// Where a receipt can go for this account.
async fn receipt_choices(app: &AppState, account: &Account) -> ReceiptChoices {
    ReceiptChoices {
        text: super::reaches(&app.line, account, Channel::Sms)
            .await
            .unwrap_or(false),
        email: super::reaches(&app.line, account, Channel::Email)
            .await
            .unwrap_or(false),
    }
}

fn receipt_of(choice: Option<&str>) -> Option<Channel> {
    match choice {
        Some("sms") => Some(Channel::Sms),
        Some("email") => Some(Channel::Email),
        _ => None,
    }
}

/// A new form on the visit's link (`step`: what the person opened) with its keys, and the card
/// form it takes (`for_later`: a plan's card); `None` when the card cannot be taken here.
async fn new_form(
    app: &AppState,
    visit: &Visit,
    step: &str,
    action: String,
    for_later: bool,
) -> Result<(FormKeys, Option<CardForm>, Vec<String>), AppError> {
    let form = app
        .line
        .store
        .next_pay_link_form(visit.link.id, step, app.line.clock.now_ms())
        .await?;
    let token_path = action.split('/').take(3).collect::<Vec<_>>().join("/");
    let keys = FormKeys {
        csrf: csrf_for(&visit.session),
        form,
        action,
        back: format!("{token_path}/account?lang={}", visit.language.code()),
    };
    let (card, scripts) = match choices::card_entry(&app.line) {
        CardEntry::Gateway => {
            let secret =
                choices::start_card_setup(&app.line, &visit.link, &visit.account, form, for_later)
                    .await;
            match (secret, app.line.gateway.browser_card_form()) {
                (Ok(setup), Some(browser)) => (
                    Some(CardForm::Gateway {
                        publishable_key: browser.publishable_key.clone(),
                        client_secret: setup.client_secret,
                    }),
                    vec![
                        browser.script_url.clone(),
                        forms::CARD_SCRIPT_PATH.to_owned(),
                    ],
                ),
                (Err(error), _) => {
                    tracing::warn!(%error, "the gateway did not prepare its card form");
                    (None, Vec::new())
                }
                (Ok(_), None) => (None, Vec::new()),
            }
        }
        CardEntry::Demo => (Some(CardForm::Demo), Vec::new()),
        CardEntry::ByPhone => (None, Vec::new()),
    };
    Ok((keys, card, scripts))
}

/// A page, with the card form's policy when it has the gateway's form.
fn with_card_policy(app: &AppState, scripts: &[String], body: String) -> Response {
    let mut response = Html(body).into_response();
    if !scripts.is_empty()
        && let Some(browser) = app.line.gateway.browser_card_form()
        && let Ok(value) = HeaderValue::from_str(&card_form_policy(&browser.origins))
    {
        response
            .headers_mut()
            .insert("content-security-policy", value);
    }
    response
}

/// The payment form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PayForm {
    csrf: Option<String>,
    form: Option<i64>,
    amount: Option<String>,
    card_number: Option<String>,
    card_expiry: Option<String>,
    security_code: Option<String>,
    billing_zip: Option<String>,
    receipt: Option<String>,
}

/// What the payment form shows for `choice`, with `problem`.
#[allow(clippy::too_many_arguments)]
fn pay_view(
    app: &AppState,
    visit: &Visit,
    policy: &Policy,
    choice: PayChoice,
    payable: &choices::Payable,
    card: CardForm,
    receipts: ReceiptChoices,
    typed: String,
    problem: Option<Problem>,
) -> forms::PayView {
    let language = visit.language;
    let en = language == Language::En;
    let heading = match (choice, en) {
        (PayChoice::Full, true) => "Pay the full balance",
        (PayChoice::Full, false) => "Pagar el saldo total",
        (PayChoice::Minimum, true) => "Pay the minimum due",
        (PayChoice::Minimum, false) => "Pagar el mínimo",
        (PayChoice::Other, true) => "Pay another amount",
        (PayChoice::Other, false) => "Pagar otra cantidad",
        (PayChoice::Settlement, true) => "Settle your account",
        (PayChoice::Settlement, false) => "Liquidar su cuenta",
    };
    let free = policy
        .card_fee
        .as_ref()
        .and_then(|terms| terms.free_alternative.get(&language).cloned());
    let fee = payable.fixed_cents.and_then(|cents| {
        let fee = choices::card_fee(policy, &visit.account, cents);
        (fee > 0).then(|| {
            (
                money_text(fee),
                money_text(cents + fee),
                free.clone().unwrap_or_default(),
            )
        })
    });
    let fee_note = (payable.fixed_cents.is_none()
        && policy.card_fee.is_some()
        && choices::card_fee(policy, &visit.account, payable.largest_cents) > 0)
        .then(|| free.clone())
        .flatten();
    let _ = app;
    forms::PayView {
        heading,
        fixed_amount: payable.fixed_cents.map(money_text),
        range: payable.fixed_cents.is_none().then(|| {
            (
                money_text(payable.smallest_cents),
                money_text(payable.largest_cents),
            )
        }),
        typed,
        fee,
        fee_note,
        card,
        receipts,
        problem,
        declined: None,
    }
}

/// The choice a URL names, when the account's policy offers it today.
async fn offered_choice<'a>(
    app: &'a AppState,
    account: &Account,
    choice: &str,
) -> Option<(PayChoice, choices::Payable, &'a Policy)> {
    let choice = PayChoice::parse(choice)?;
    let Standing {
        policy,
        may_ask,
        offers,
    } = standing(app, account).await;
    let offer = match choice {
        PayChoice::Full => Offer::Full,
        PayChoice::Minimum => Offer::Minimum,
        PayChoice::Other => Offer::OtherAmount,
        PayChoice::Settlement => Offer::Settlement,
    };
    if !may_ask || !offers.contains(&offer) {
        return None;
    }
    let payable = choices::payable(&app.line, account, policy, choice)?;
    Some((choice, payable, policy))
}

/// `GET /pay/{token}/pay/{choice}`: the payment form.
async fn pay_form(
    State(app): State<AppState>,
    Path((token, choice)): Path<(String, String)>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let visit = match visit(&app, &token, &asked, &headers, false).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    let account_page = account_path(&token, visit.language);
    let Some((choice, payable, policy)) = offered_choice(&app, &visit.account, &choice).await
    else {
        return see_other(&account_page);
    };
    let action = format!(
        "/pay/{token}/pay/{}?lang={}",
        choice.name(),
        visit.language.code()
    );
    render_pay_form(
        &app,
        &visit,
        policy,
        choice,
        &payable,
        action,
        String::new(),
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_pay_form(
    app: &AppState,
    visit: &Visit,
    policy: &Policy,
    choice: PayChoice,
    payable: &choices::Payable,
    action: String,
    typed: String,
    problem: Option<Problem>,
) -> Response {
    let token = action.split('/').nth(2).unwrap_or_default().to_owned();
    if let Some(page) = no_more_cards(app, visit, &token).await {
        return page;
    }
    let (keys, card, scripts) = match new_form(app, visit, "pay", action, false).await {
        Ok(made) => made,
        Err(err) => return trouble(app, err, visit.language),
    };
    let Some(card) = card else {
        return see_other(&keys.back);
    };
    let receipts = receipt_choices(app, &visit.account).await;
    let view = pay_view(
        app, visit, policy, choice, payable, card, receipts, typed, problem,
    );
    let path = keys.action.split('?').next().unwrap_or_default().to_owned();
    let mut frame = frame(app, visit.language, Some(&path));
    frame.scripts = scripts.clone();
    with_card_policy(app, &scripts, forms::pay(&frame, &keys, &view))
}

/// The page for what a payment came to.
fn paid_page(
    app: &AppState,
    visit: &Visit,
    token: &str,
    choice: PayChoice,
    paid: &Paid,
    receipt_sent: bool,
) -> Response {
    let language = visit.language;
    let back = account_path(token, language);
    let page_frame = frame(app, language, None);
    match paid {
        Paid::Approved {
            confirmation,
            amount_cents,
            fee_cents,
            method,
            paid_in_full,
        } => {
            let method_words = format!(
                "{} {} {}",
                capitalised(&method.label),
                if language == Language::En {
                    "ending in"
                } else {
                    "que termina en"
                },
                method.last4
            );
            let view = PaidView::Approved {
                amount: money_text(*amount_cents),
                fee: (*fee_cents > 0)
                    .then(|| (money_text(*fee_cents), money_text(amount_cents + fee_cents))),
                method: method_words,
                confirmation: confirmation.clone(),
                receipt_sent,
                paid_in_full: *paid_in_full,
            };
            Html(forms::paid(&page_frame, &back, &view)).into_response()
        }
        Paid::Declined(reason) => {
            let again = format!(
                "/pay/{token}/pay/{}?lang={}",
                choice.name(),
                language.code()
            );
            Html(forms::declined(
                &page_frame,
                forms::declined_words(*reason, language),
                &again,
                &back,
            ))
            .into_response()
        }
        Paid::Unknown => Html(forms::paid(&page_frame, &back, &PaidView::Unknown)).into_response(),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `POST /pay/{token}/pay/{choice}`: pays once per form (see [`super::choices`]).
async fn pay_answer(
    State(app): State<AppState>,
    Path((token, choice)): Path<(String, String)>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PayForm>,
) -> Response {
    let (visit, number) = match posted(
        &app,
        &token,
        &asked,
        &headers,
        true,
        (form.csrf.as_deref(), form.form),
    )
    .await
    {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let Some(choice_named) = PayChoice::parse(&choice) else {
        return see_other(&format!("/pay/{token}/account"));
    };
    // The same form sent again: what it came to the first time (waiting for it while it is
    // still with the gateway).
    match choices::earlier_payment(&app.line, &visit.link, number).await {
        Ok(Some(earlier)) => {
            let paid = match choices::answered(&app.line, &visit.link, number, earlier).await {
                Ok(paid) => paid.unwrap_or(Paid::Unknown),
                Err(err) => return trouble(&app, err, visit.language),
            };
            return paid_page(&app, &visit, &token, choice_named, &paid, false);
        }
        Ok(None) => {}
        Err(err) => return trouble(&app, err, visit.language),
    }
    if visit.link.used_at.is_some() {
        return (
            StatusCode::NOT_FOUND,
            Html(pages::gone(&frame(&app, visit.language, None))),
        )
            .into_response();
    }
    if let Some(page) = no_more_cards(&app, &visit, &token).await {
        return page;
    }
    let account_page = account_path(&token, visit.language);
    let Some((choice, payable, policy)) = offered_choice(&app, &visit.account, &choice).await
    else {
        return see_other(&account_page);
    };
    let action = format!(
        "/pay/{token}/pay/{}?lang={}",
        choice.name(),
        visit.language.code()
    );
    let typed = form.amount.clone().unwrap_or_default();
    let amount = match choices::amount_to_pay(&payable, form.amount.as_deref()) {
        Ok(amount) => amount,
        Err(problem) => {
            let problem = match problem {
                choices::AmountProblem::Unreadable => Problem::AmountUnreadable,
                choices::AmountProblem::TooLow => Problem::AmountTooLow,
                choices::AmountProblem::TooHigh => Problem::AmountTooHigh,
            };
            return render_pay_form(
                &app,
                &visit,
                policy,
                choice,
                &payable,
                action,
                typed,
                Some(problem),
            )
            .await;
        }
    };
    let given = match choices::card_entry(&app.line) {
        CardEntry::Gateway => CardGiven::Gateway,
        CardEntry::Demo => CardGiven::demo(
            form.card_number.as_deref().unwrap_or_default(),
            form.card_expiry.as_deref().unwrap_or_default(),
            form.security_code.as_deref().unwrap_or_default(),
            form.billing_zip.as_deref().unwrap_or_default(),
        ),
        CardEntry::ByPhone => return see_other(&account_page),
    };
    let card = match choices::take_card(
        &app.line,
        &visit.link,
        &visit.account,
        number,
        given,
        false,
    )
    .await
    {
        CardTaken::Ready(card) => card,
        CardTaken::Problem => {
            return render_pay_form(
                &app,
                &visit,
                policy,
                choice,
                &payable,
                action,
                typed,
                Some(Problem::Card),
            )
            .await;
        }
    };
    let receipt = receipt_of(form.receipt.as_deref());
    let paid = choices::pay(
        &app.line,
        choices::WebPayment {
            link: &visit.link,
            account: &visit.account,
            policy,
            form: number,
            amount_cents: amount,
            settles: payable.settles,
            card,
            receipt,
        },
    )
    .await;
    match paid {
        Ok(paid) => paid_page(&app, &visit, &token, choice, &paid, receipt.is_some()),
        Err(err) => trouble(&app, err, visit.language),
    }
}

/// The promise form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PromiseForm {
    csrf: Option<String>,
    form: Option<i64>,
    amount: Option<String>,
    date: Option<String>,
    agree: Option<String>,
    receipt: Option<String>,
}

/// The promise the visit's account may make, when its policy offers one today.
async fn promise_offered<'a>(
    app: &'a AppState,
    account: &Account,
) -> Option<(choices::PromiseBounds, &'a Policy)> {
    let Standing {
        policy,
        may_ask,
        offers,
    } = standing(app, account).await;
    if !may_ask || !offers.contains(&Offer::Promise) {
        return None;
    }
    Some((choices::promise_bounds(&app.line, account, policy)?, policy))
}

async fn render_promise_form(
    app: &AppState,
    visit: &Visit,
    token: &str,
    bounds: &choices::PromiseBounds,
    typed: (String, String),
    problem: Option<Problem>,
) -> Response {
    let action = format!("/pay/{token}/promise?lang={}", visit.language.code());
    let (keys, _, _) = match new_form(app, visit, "promise", action, false).await {
        Ok(made) => made,
        Err(err) => return trouble(app, err, visit.language),
    };
    let view = forms::PromiseView {
        smallest: money_text(bounds.smallest_cents),
        latest: (
            bounds.latest.to_string(),
            date_text(bounds.latest, visit.language),
        ),
        today: app.line.today().to_string(),
        typed_amount: typed.0,
        typed_date: typed.1,
        receipts: receipt_choices(app, &visit.account).await,
        problem,
    };
    let path = format!("/pay/{token}/promise");
    Html(forms::promise(
        &frame(app, visit.language, Some(&path)),
        &keys,
        &view,
    ))
    .into_response()
}

/// `GET /pay/{token}/promise`: the promise form.
async fn promise_form(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let visit = match visit(&app, &token, &asked, &headers, false).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    let Some((bounds, _)) = promise_offered(&app, &visit.account).await else {
        return see_other(&account_path(&token, visit.language));
    };
    render_promise_form(&app, &visit, &token, &bounds, Default::default(), None).await
}

/// `POST /pay/{token}/promise`: records the promise once per form.
async fn promise_answer(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PromiseForm>,
) -> Response {
    let (visit, number) = match posted(
        &app,
        &token,
        &asked,
        &headers,
        false,
        (form.csrf.as_deref(), form.form),
    )
    .await
    {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let back = account_path(&token, visit.language);
    let Some((bounds, policy)) = promise_offered(&app, &visit.account).await else {
        return see_other(&back);
    };
    let typed = (
        form.amount.clone().unwrap_or_default(),
        form.date.clone().unwrap_or_default(),
    );
    let range = choices::Payable {
        fixed_cents: None,
        smallest_cents: bounds.smallest_cents,
        largest_cents: bounds.largest_cents,
        settles: false,
    };
    let problem =
        |problem| render_promise_form(&app, &visit, &token, &bounds, typed.clone(), Some(problem));
    let cents = match choices::amount_to_pay(&range, form.amount.as_deref()) {
        Ok(cents) => cents,
        Err(choices::AmountProblem::Unreadable) => return problem(Problem::AmountUnreadable).await,
        Err(choices::AmountProblem::TooLow) => return problem(Problem::AmountTooLow).await,
        Err(choices::AmountProblem::TooHigh) => return problem(Problem::AmountTooHigh).await,
    };
    let today = app.line.today();
    let Some(date) = form
        .date
        .as_deref()
        .and_then(parse_date)
        .filter(|date| (today..=bounds.latest).contains(date))
    else {
        return problem(Problem::Date).await;
    };
    if form.agree.as_deref() != Some("yes") {
        return problem(Problem::Agree).await;
    }
    let receipt = receipt_of(form.receipt.as_deref());
    match choices::promise(
        &app.line,
        &visit.link,
        &visit.account,
        policy,
        number,
        cents,
        date,
        visit.language,
        receipt,
    )
    .await
    {
        Ok(_) => Html(forms::promised(
            &frame(&app, visit.language, None),
            &choices::promise_words(cents, date, visit.language),
            receipt.is_some(),
            &back,
        ))
        .into_response(),
        Err(err) => trouble(&app, err, visit.language),
    }
}

/// The plan form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PlanForm {
    csrf: Option<String>,
    form: Option<i64>,
    count: Option<u32>,
    agree: Option<String>,
    card_number: Option<String>,
    card_expiry: Option<String>,
    security_code: Option<String>,
    billing_zip: Option<String>,
    receipt: Option<String>,
}

/// The plan the visit's account may set up here, when its policy offers one today.
async fn plan_offered<'a>(
    app: &'a AppState,
    account: &Account,
) -> Option<(
    &'a crate::collections::policy::PlanTerms,
    Vec<u32>,
    &'a Policy,
)> {
    let Standing {
        policy,
        may_ask,
        offers,
    } = standing(app, account).await;
    if !may_ask || !offers.contains(&Offer::Plan) {
        return None;
    }
    let (terms, counts) = choices::plan_offer(policy, account)?;
    Some((terms, counts, policy))
}

/// Each length on offer with its schedule in words ("3 payments: $148.45 today, ...").
fn plan_options(
    app: &AppState,
    visit: &Visit,
    terms: &crate::collections::policy::PlanTerms,
    counts: &[u32],
) -> Vec<(u32, String)> {
    let language = visit.language;
    let today = app.line.today();
    counts
        .iter()
        .map(|&count| {
            let schedule =
                choices::plan_schedule(&app.line, terms, visit.account.balance_cents, count);
            let dates: Vec<String> = schedule
                .iter()
                .map(|i| {
                    let day = if i.due == today {
                        if language == Language::En {
                            "today".to_owned()
                        } else {
                            "hoy".to_owned()
                        }
                    } else {
                        date_text(i.due, language)
                    };
                    format!("{} {}", money_text(i.amount_cents), day)
                })
                .collect();
            let label = match language {
                Language::En => format!("{count} payments: {}", dates.join(", ")),
                Language::Es => format!("{count} pagos: {}", dates.join(", ")),
            };
            (count, label)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_plan_form(
    app: &AppState,
    visit: &Visit,
    token: &str,
    terms: &crate::collections::policy::PlanTerms,
    counts: &[u32],
    chosen: Option<u32>,
    problem: Option<Problem>,
    declined: Option<&'static str>,
) -> Response {
    if let Some(page) = no_more_cards(app, visit, token).await {
        return page;
    }
    let action = format!("/pay/{token}/plan?lang={}", visit.language.code());
    let (keys, card, scripts) = match new_form(app, visit, "plan", action, true).await {
        Ok(made) => made,
        Err(err) => return trouble(app, err, visit.language),
    };
    let Some(card) = card else {
        return see_other(&keys.back);
    };
    let view = forms::PlanView {
        options: plan_options(app, visit, terms, counts),
        authorization: choices::plan_authorization(&app.line, terms, visit.language).1,
        card,
        receipts: receipt_choices(app, &visit.account).await,
        problem,
        declined,
        chosen,
    };
    let path = format!("/pay/{token}/plan");
    let mut frame = frame(app, visit.language, Some(&path));
    frame.scripts = scripts.clone();
    with_card_policy(app, &scripts, forms::plan(&frame, &keys, &view))
}

/// `GET /pay/{token}/plan`: the plan form.
async fn plan_form(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let visit = match visit(&app, &token, &asked, &headers, false).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    let Some((terms, counts, _)) = plan_offered(&app, &visit.account).await else {
        return see_other(&account_path(&token, visit.language));
    };
    render_plan_form(&app, &visit, &token, terms, &counts, None, None, None).await
}

/// `POST /pay/{token}/plan`: sets the plan up once per form.
async fn plan_answer(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PlanForm>,
) -> Response {
    let (visit, number) = match posted(
        &app,
        &token,
        &asked,
        &headers,
        false,
        (form.csrf.as_deref(), form.form),
    )
    .await
    {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let back = account_path(&token, visit.language);
    // The same form sent again (a reload): the plan it set up.
    if let Some(page) = plan_made_before(&app, &visit, number, &back).await {
        return page;
    }
    if let Some(page) = no_more_cards(&app, &visit, &token).await {
        return page;
    }
    let Some((terms, counts, policy)) = plan_offered(&app, &visit.account).await else {
        return see_other(&back);
    };
    let Some(count) = form.count.filter(|count| counts.contains(count)) else {
        return render_plan_form(
            &app,
            &visit,
            &token,
            terms,
            &counts,
            None,
            Some(Problem::Count),
            None,
        )
        .await;
    };
    if form.agree.as_deref() != Some("yes") {
        return render_plan_form(
            &app,
            &visit,
            &token,
            terms,
            &counts,
            Some(count),
            Some(Problem::Agree),
            None,
        )
        .await;
    }
    let given = match choices::card_entry(&app.line) {
        CardEntry::Gateway => CardGiven::Gateway,
        CardEntry::Demo => CardGiven::demo(
            form.card_number.as_deref().unwrap_or_default(),
            form.card_expiry.as_deref().unwrap_or_default(),
            form.security_code.as_deref().unwrap_or_default(),
            form.billing_zip.as_deref().unwrap_or_default(),
        ),
        CardEntry::ByPhone => return see_other(&back),
    };
    let card = match choices::take_card(&app.line, &visit.link, &visit.account, number, given, true)
        .await
    {
        CardTaken::Ready(card) => card,
        CardTaken::Problem => {
            return render_plan_form(
                &app,
                &visit,
                &token,
                terms,
                &counts,
                Some(count),
                Some(Problem::Card),
                None,
            )
            .await;
        }
    };
    let Some(kept) = choices::keep_for_plan(&app.line, &visit.link, number, card).await else {
        return render_plan_form(
            &app,
            &visit,
            &token,
            terms,
            &counts,
            Some(count),
            Some(Problem::Card),
            None,
        )
        .await;
    };
    let receipt = receipt_of(form.receipt.as_deref());
    let schedule = choices::plan_schedule(&app.line, terms, visit.account.balance_cents, count);
    let set_up = choices::set_up_plan(
        &app.line,
        &visit.link,
        &visit.account,
        policy,
        number,
        count,
        kept,
        visit.language,
        receipt,
    )
    .await;
    match set_up {
        Ok(PlanSetUp::Made { first_paid, .. }) => {
            let lines: Vec<String> = schedule
                .iter()
                .map(|i| {
                    format!(
                        "{} — {}",
                        date_text(i.due, visit.language),
                        money_text(i.amount_cents)
                    )
                })
                .collect();
            Html(forms::plan_made(
                &frame(&app, visit.language, None),
                &lines,
                first_paid.as_deref(),
                receipt.is_some(),
                &back,
            ))
            .into_response()
        }
        Ok(PlanSetUp::Declined) => {
            let reason =
                forms::declined_words(crate::payments::DeclineReason::Declined, visit.language);
            render_plan_form(
                &app,
                &visit,
                &token,
                terms,
                &counts,
                Some(count),
                None,
                Some(reason),
            )
            .await
        }
        Ok(PlanSetUp::Unknown) => Html(forms::paid(
            &frame(&app, visit.language, None),
            &back,
            &PaidView::Unknown,
        ))
        .into_response(),
        Err(err) => trouble(&app, err, visit.language),
    }
}

/// The call-back form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackForm {
    csrf: Option<String>,
    form: Option<i64>,
    window: Option<i64>,
    phone_choice: Option<String>,
    phone: Option<String>,
}

async fn render_callback_form(
    app: &AppState,
    visit: &Visit,
    token: &str,
    windows: &[crate::hours::Window],
    typed_phone: String,
    problem: Option<Problem>,
) -> Response {
    let action = format!("/pay/{token}/callback?lang={}", visit.language.code());
    let (keys, _, _) = match new_form(app, visit, "callback", action, false).await {
        Ok(made) => made,
        Err(err) => return trouble(app, err, visit.language),
    };
    let view = forms::CallbackView {
        windows: windows
            .iter()
            .map(|window| {
                (
                    window.start_ms,
                    choices::window_words(&app.line, *window, visit.language),
                )
            })
            .collect(),
        on_file: crate::hours::CallbackPhone::from_caller_id(&visit.account.phone)
            .map(|phone| phone.as_str().chars().rev().take(4).collect::<Vec<_>>())
            .map(|last4| last4.into_iter().rev().collect()),
        typed_phone,
        problem,
    };
    let path = format!("/pay/{token}/callback");
    Html(forms::callback(
        &frame(app, visit.language, Some(&path)),
        &keys,
        &view,
    ))
    .into_response()
}

/// `GET /pay/{token}/callback`: the call-back form, where the line has hours to call back in.
async fn callback_form(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let visit = match visit(&app, &token, &asked, &headers, false).await {
        Ok(visit) => visit,
        Err(page) => return page,
    };
    let windows = choices::callback_windows(&app.line);
    if windows.is_empty() {
        return see_other(&account_path(&token, visit.language));
    }
    render_callback_form(&app, &visit, &token, &windows, String::new(), None).await
}

/// `POST /pay/{token}/callback`: records the call back once per form.
async fn callback_answer(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(asked): Query<Lang>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CallbackForm>,
) -> Response {
    let (visit, number) = match posted(
        &app,
        &token,
        &asked,
        &headers,
        false,
        (form.csrf.as_deref(), form.form),
    )
    .await
    {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let back = account_path(&token, visit.language);
    // A window is named by its start: one that has begun since the form was shown is no longer
    // on offer, and the person chooses again.
    let windows = choices::callback_windows(&app.line);
    if windows.is_empty() {
        return see_other(&back);
    }
    let typed = form.phone.clone().unwrap_or_default();
    let Some(window) = form
        .window
        .and_then(|start| windows.iter().find(|w| w.start_ms == start).copied())
    else {
        return render_callback_form(&app, &visit, &token, &windows, typed, Some(Problem::Window))
            .await;
    };
    let on_file = crate::hours::CallbackPhone::from_caller_id(&visit.account.phone);
    let phone = match (form.phone_choice.as_deref(), on_file) {
        (Some("on_file") | None, Some(on_file)) if typed.trim().is_empty() => Some(on_file),
        (Some("on_file"), Some(on_file)) => Some(on_file),
        _ => {
            let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
            let national = digits.strip_prefix('1').filter(|_| digits.len() == 11);
            crate::hours::CallbackPhone::parse_national(national.unwrap_or(&digits))
        }
    };
    let Some(phone) = phone else {
        return render_callback_form(&app, &visit, &token, &windows, typed, Some(Problem::Phone))
            .await;
    };
    match choices::ask_callback(
        &app.line,
        &visit.link,
        &visit.account,
        number,
        &phone,
        window,
        visit.language,
    )
    .await
    {
        Ok(_) => {
            let last4: String = phone
                .as_str()
                .chars()
                .skip(phone.as_str().len().saturating_sub(4))
                .collect();
            Html(forms::callback_asked(
                &frame(&app, visit.language, None),
                &choices::window_words(&app.line, window, visit.language),
                &last4,
                &back,
            ))
            .into_response()
        }
        Err(err) => trouble(&app, err, visit.language),
    }
}

/// The page of the plan form `number` set up, when it set one up before.
async fn plan_made_before(
    app: &AppState,
    visit: &Visit,
    number: i64,
    back: &str,
) -> Option<Response> {
    let sid = choices::visit_sid(visit.link.id);
    let key = crate::store::CallKey {
        provider: choices::WEB,
        sid: &sid,
    };
    let id = app
        .line
        .store
        .arrangement_made_on(key, "plan", number)
        .await
        .ok()??;
    let plan = app.line.store.arrangement(id).await.ok()??;
    let lines: Vec<String> = plan
        .installments
        .iter()
        .map(|i| {
            let due = parse_date(&i.due_date).map_or_else(
                || i.due_date.clone(),
                |date| date_text(date, visit.language),
            );
            format!("{due} — {}", money_text(i.amount_cents))
        })
        .collect();
    let first_paid = plan
        .installments
        .first()
        .filter(|first| first.status == "paid")
        .and_then(|first| first.confirmation_code.clone());
    Some(
        Html(forms::plan_made(
            &frame(app, visit.language, None),
            &lines,
            first_paid.as_deref(),
            false,
            back,
        ))
        .into_response(),
    )
}

/// The page saying this link takes no more cards, when it does not ([`choices::cards_refused`]).
async fn no_more_cards(app: &AppState, visit: &Visit, token: &str) -> Option<Response> {
    match choices::cards_refused(&app.line, &visit.link).await {
        Ok(false) => None,
        Ok(true) => {
            let back = account_path(token, visit.language);
            Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Html(forms::no_more_cards(
                        &frame(app, visit.language, None),
                        &back,
                    )),
                )
                    .into_response(),
            )
        }
        Err(err) => Some(trouble(app, err, visit.language)),
    }
}

/// The account page of link `token`, in `language`: where every form goes back to.
fn account_path(token: &str, language: Language) -> String {
    format!("/pay/{token}/account?lang={}", language.code())
}
