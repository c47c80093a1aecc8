//! `/pay/{token}`: the proof form and its answer, and `/pay/{token}/account`, the account's page
//! once the person proved it is them. Every answer carries headers that keep the page out of
//! caches, frames and other sites' referrers ([`guard`]), and a link that does not open gets a
//! kind page, never an error.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::pages::{self, AccountView, Frame};
use super::{Proof, Proved, prove, token_hash, well_formed};
use crate::agents::console::Peer;
use crate::collections::offers::{Situation, available};
use crate::collections::parse_date;
use crate::collections::policy::{NO_DEMAND_FLAGS, Treatment, has_flag};
use crate::error::AppError;
use crate::flow::definition::OfferSet;
use crate::http::AppState;
use crate::language::Language;
use crate::messages::templates::{date_text, money_text};
use crate::store::{Account, PayLink};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(pages::STYLE_PATH, get(style))
        .route("/pay/{token}", get(open).post(answer))
        .route("/pay/{token}/account", get(account))
}

/// The headers every `/pay` answer carries: no caching, no framing, no referrer (so the token
/// never leaves in one), and a policy that allows this origin's style sheet and forms only.
pub async fn guard(request: Request, next: Next) -> Response {
    let ours = request.uri().path().starts_with("/pay/");
    let mut response = next.run(request).await;
    if ours {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        );
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
    let today = app.line.today();
    let policy = app.line.policies.select(&account, today);
    let may_ask = !NO_DEMAND_FLAGS.iter().any(|flag| has_flag(&account, flag))
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
        available(policy, OfferSet::Balance, &account, situation)
    } else {
        Vec::new()
    };
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
