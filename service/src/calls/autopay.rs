//! AutoPay on the account, shared by the call's actions, the console and the admin API: what a
//! call knows of it, and turning it off with its notice.

use crate::error::AppError;
use crate::flow::facts::{AutopayFacts, SavedLabel};
use crate::line::Line;
use crate::messages::compose::Composer;
use crate::messages::templates::Kind;
use crate::store::Account;

/// The account's AutoPay as the call knows it, when it is on.
///
/// # Errors
/// A database failure.
pub async fn facts(app: &Line, account_number: &str) -> Result<Option<AutopayFacts>, AppError> {
    let Some(autopay) = app.store.active_autopay(account_number).await? else {
        return Ok(None);
    };
    Ok(Some(AutopayFacts {
        id: Some(autopay.id),
        amount: autopay
            .autopay_amount
            .clone()
            .unwrap_or_else(|| "minimum_due".to_owned()),
        card: autopay.summary().map(|method| SavedLabel {
            id: 0,
            kind: method.kind.as_str().to_owned(),
            label: method.label,
            last4: method.last4,
        }),
        ..AutopayFacts::default()
    }))
}

/// Turns the account's AutoPay off (`by`: `caller`, `agent:NAME`, `admin`), with the notice in
/// writing where one reaches the account (its chosen channel first). Returns whether it was on.
///
/// # Errors
/// A database failure; nothing is changed then.
pub async fn stop(app: &Line, account: &Account, by: &str) -> Result<bool, AppError> {
    let Some(autopay) = app.store.active_autopay(&account.account_number).await? else {
        return Ok(false);
    };
    let composer = Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    };
    let notice = match (
        composer.notice_channel(account, Kind::AutopayStopped),
        autopay.summary(),
    ) {
        (Some(channel), Some(method)) => {
            composer.autopay_stopped(account, channel, &method, &autopay.id.to_string())
        }
        _ => None,
    };
    let now = app.clock.now_ms();
    let stopped = app
        .store
        .stop_autopay(&account.account_number, by, &Vec::from_iter(notice), now)
        .await?;
    if stopped {
        tracing::info!(arrangement = autopay.id, by, "AutoPay stopped");
    }
    Ok(stopped)
}

/// Takes method `id` off the account's file (`by` as for [`stop`]); AutoPay charging that same
/// method is turned off with it, since the holder asked for it to be kept no longer. Returns
/// whether it was on file, and whether AutoPay was stopped.
///
/// # Errors
/// A database failure.
pub async fn remove_method(
    app: &Line,
    account: &Account,
    id: i64,
    by: &str,
) -> Result<(bool, bool), AppError> {
    // Asked before it goes: once removed, its token is no longer on file to compare.
    let charged = pays_autopay(app, account, id).await?;
    let now = app.clock.now_ms();
    if !app
        .store
        .remove_saved_method(&account.account_number, id, by, now)
        .await?
    {
        return Ok((false, false));
    }
    tracing::info!(saved_method = id, by, "removed from file");
    let stopped = charged && stop(app, account, by).await?;
    Ok((true, stopped))
}

/// Whether the account's AutoPay is paid from its method on file `id` (so taking that method
/// off file stops AutoPay too).
///
/// # Errors
/// A database failure.
pub async fn pays_autopay(app: &Line, account: &Account, id: i64) -> Result<bool, AppError> {
    let token = app
        .store
        .saved_method_token(&account.account_number, id)
        .await?;
    Ok(match token {
        Some((_, token)) => {
            app.store
                .autopay_charges(&account.account_number, &token)
                .await?
        }
        None => false,
    })
}
