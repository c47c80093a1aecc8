//! A bank debit's life on the line, shared by the call's actions and upkeep: when it is made,
//! how long its evidence is kept, the written notice of its authorisation, and following it
//! after the call until it settles and through the window a return can still come in.

use std::time::Duration;

use time::Date;

use crate::error::AppError;
use crate::flow::engine::Secrets;
use crate::line::Line;
use crate::messages::compose::{Channel, Composer, DebitNotice};
use crate::payments::{
    AccountType, BankAccount, BankAccountNumber, DebitStatus, MethodKind, RoutingNumber,
    SecretField,
};
use crate::store::{CallKey, DebitSettlement, NewMessage, PaymentRecord};

/// How long an authorisation's evidence is kept: NACHA asks for two years; a day more covers
/// the time zones.
pub(crate) const EVIDENCE_KEPT_FOR: Duration = Duration::from_secs((2 * 365 + 1) * 24 * 60 * 60);

/// Most debits one upkeep pass asks about.
const BATCH: i64 = 200;

/// The day a debit authorised today is made: the next weekday (banks do not settle at
/// weekends; bank holidays are not known here, which is why the authorisation says "on or
/// after").
pub(crate) fn debit_date(today: Date) -> Date {
    let mut day = today.next_day().unwrap_or(today);
    while matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    ) {
        day = day.next_day().unwrap_or(day);
    }
    day
}

/// The bank account keyed in, parsed; `None` when a field is missing or no longer valid.
pub(crate) fn parse_bank(fields: &Secrets, account_type: AccountType) -> Option<BankAccount> {
    let field = |name: SecretField| fields.0.get(name.input_name()).map(|v| v.as_str());
    Some(BankAccount {
        routing: RoutingNumber::parse(field(SecretField::RoutingNumber)?).ok()?,
        number: BankAccountNumber::parse(field(SecretField::BankAccountNumber)?).ok()?,
        account_type,
        holder: None,
    })
}

/// The message composer for `app`'s templates and settings.
fn composer(app: &Line) -> Composer<'_> {
    Composer {
        templates: &app.templates,
        settings: &app.config.messaging,
    }
}

/// Where the written notice of an authorisation can go for `account`, if anywhere.
pub(crate) fn notice_channel(app: &Line, account: &crate::store::Account) -> Option<Channel> {
    composer(app).notice_channel(account, crate::messages::templates::Kind::DebitAuthorized)
}

/// The written notice of the authorisation of `payment`, a debit just accepted, with the code
/// its caller was given: on the channel its authorisation recorded, so it is queued once
/// however often the acceptance is recorded.
///
/// # Errors
/// A database failure.
pub(crate) async fn written_notice(
    app: &Line,
    call: CallKey<'_>,
    payment: &PaymentRecord,
    confirmation: &str,
) -> Result<Vec<NewMessage>, AppError> {
    let Some(authorization) = app.store.debit_authorization(call, payment.attempt).await? else {
        return Ok(Vec::new());
    };
    let channel = match authorization.notice_channel.as_deref() {
        Some("sms") => Channel::Sms,
        Some("email") => Channel::Email,
        _ => return Ok(Vec::new()),
    };
    let Some(account) = app.store.account(&payment.account_number).await? else {
        return Ok(Vec::new());
    };
    let authorized_on = authorization
        .authorized_at
        .and_then(|ms| date_of(app, ms))
        .unwrap_or_else(|| app.today());
    let method = payment.summary();
    let notice = DebitNotice {
        amount_cents: payment.amount_cents,
        method: &method,
        debit_date: crate::collections::parse_date(&authorization.debit_date)
            .unwrap_or(authorized_on),
        authorized_on,
        confirmation,
    };
    let dedupe = format!("{}:{}:{}", call.provider, call.sid, payment.attempt);
    Ok(Vec::from_iter(
        composer(app).debit_authorized(&account, channel, &notice, &dedupe),
    ))
}

/// The line's date at `ms`.
fn date_of(app: &Line, ms: i64) -> Option<Date> {
    match app.hours.as_deref() {
        Some(hours) => hours.date_at(ms),
        None => time::OffsetDateTime::from_unix_timestamp(ms / 1000)
            .ok()
            .map(|t| t.date()),
    }
}

/// What one pass of [`check_due`] learned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checked {
    /// Debits that settled.
    pub succeeded: u64,
    /// Debits that failed or came back (the balance raised again, the holder told).
    pub came_back: u64,
}

/// Asks the gateway about every debit due a look: still clearing, or settled and still inside
/// the window a return can come in. Safe with any number of instances: each debit is leased to
/// one, and each change is recorded once.
///
/// # Errors
/// A database failure (the next pass tries again).
pub async fn check_due(app: &Line) -> Result<Checked, AppError> {
    let mut checked = Checked::default();
    let now = app.clock.now_ms();
    let every = i64::try_from(app.config.payments.debits.check_every.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    for debit in app
        .store
        .lease_debits_to_check(now, now + every, BATCH)
        .await?
    {
        let call = CallKey {
            provider: &debit.provider,
            sid: &debit.call_sid,
        };
        let asked = tokio::time::timeout(
            app.config.payments.gateway_timeout,
            app.gateway.debit_status(&debit.reference),
        )
        .await;
        let status = match asked {
            Ok(Ok(status)) => status,
            Ok(Err(err)) => {
                tracing::warn!(call_sid = %debit.call_sid, attempt = debit.attempt, error = %err, "could not learn how a bank debit stands; asking again later");
                continue;
            }
            Err(_elapsed) => {
                tracing::warn!(call_sid = %debit.call_sid, attempt = debit.attempt, "the gateway did not say how a bank debit stands in time; asking again later");
                continue;
            }
        };
        // Still watched for a return while inside the window; the lease already set the next
        // look, so a debit that has not changed needs nothing more.
        let watch = (now + every < debit.checks_until).then_some(now + every);
        let applied =
            apply_debit_status(app, call, debit.attempt, &debit.status, status, watch).await?;
        match applied {
            Some(DebitSettlement::Succeeded) => checked.succeeded += 1,
            Some(DebitSettlement::Failed(_) | DebitSettlement::Returned(_)) => {
                checked.came_back += 1;
            }
            None => {}
        }
    }
    Ok(checked)
}

/// Records what a debit's gateway says of it (asked by upkeep, or told by an event), once: a
/// debit still `current` (`clearing` or `approved`) moves on, and one that came back raises the
/// balance again and tells the holder. The next look is at `watch` (`None`: no more looks).
/// What changed, if anything.
///
/// # Errors
/// A database failure.
pub(crate) async fn apply_debit_status(
    app: &Line,
    call: CallKey<'_>,
    attempt: i64,
    current: &str,
    status: DebitStatus,
    watch: Option<i64>,
) -> Result<Option<DebitSettlement>, AppError> {
    let settlement = match (status, current) {
        (DebitStatus::Clearing, _) | (DebitStatus::Succeeded, "approved") => {
            if watch.is_none() {
                app.store.next_debit_check(call, attempt, None).await?;
            }
            return Ok(None);
        }
        (DebitStatus::Succeeded, _) => DebitSettlement::Succeeded,
        // A return of a debit recorded as still clearing: it never arrived for us.
        (DebitStatus::Failed(code) | DebitStatus::Returned(code), "clearing") => {
            DebitSettlement::Failed(code)
        }
        (DebitStatus::Failed(code) | DebitStatus::Returned(code), _) => {
            DebitSettlement::Returned(code)
        }
    };
    let (notices, next) = match settlement {
        DebitSettlement::Succeeded => (Vec::new(), watch),
        DebitSettlement::Failed(code) | DebitSettlement::Returned(code) => {
            (failure_notice(app, call, attempt, code).await?, None)
        }
    };
    let now = app.clock.now_ms();
    let Some(settled) = app
        .store
        .settle_debit(call, attempt, settlement, &notices, next, now)
        .await?
    else {
        return Ok(None);
    };
    app.metrics.debit_settled(settlement);
    tracing::info!(
        call_sid = %call.sid,
        attempt,
        amount_cents = settled.amount_cents,
        result = match settlement {
            DebitSettlement::Succeeded => "succeeded",
            DebitSettlement::Failed(_) => "failed",
            DebitSettlement::Returned(_) => "returned",
        },
        return_code = match settlement {
            DebitSettlement::Failed(code) | DebitSettlement::Returned(code) => code.as_str(),
            DebitSettlement::Succeeded => "",
        },
        "bank debit"
    );
    Ok(Some(settlement))
}

/// The notice that a debit came back, to the channel the account chose, else the one its
/// authorisation's notice went to. The balance it names is what will be owed once the debit's
/// amount is added back.
async fn failure_notice(
    app: &Line,
    call: CallKey<'_>,
    attempt: i64,
    code: crate::payments::ReturnCode,
) -> Result<Vec<NewMessage>, AppError> {
    let Some(payment) = app
        .store
        .payments_of_call(call)
        .await?
        .into_iter()
        .find(|p| p.attempt == attempt && p.method == MethodKind::Bank)
    else {
        return Ok(Vec::new());
    };
    let Some(account) = app.store.account(&payment.account_number).await? else {
        return Ok(Vec::new());
    };
    let authorization = app.store.debit_authorization(call, attempt).await?;
    let noticed = authorization
        .as_ref()
        .and_then(|a| match a.notice_channel.as_deref() {
            Some("sms") => Some(Channel::Sms),
            Some("email") => Some(Channel::Email),
            _ => None,
        });
    let Some(channel) = Channel::standing(&account).or(noticed) else {
        return Ok(Vec::new());
    };
    let today = app.today();
    let debit_date = authorization
        .as_ref()
        .and_then(|a| crate::collections::parse_date(&a.debit_date))
        .unwrap_or(today);
    let method = payment.summary();
    let notice = DebitNotice {
        amount_cents: payment.amount_cents,
        method: &method,
        debit_date,
        authorized_on: debit_date,
        confirmation: payment.confirmation_code.as_deref().unwrap_or_default(),
    };
    let dedupe = format!("{}:{}:{attempt}", call.provider, call.sid);
    Ok(Vec::from_iter(composer(app).debit_failed(
        &account,
        channel,
        &notice,
        code,
        account.balance_cents + payment.amount_cents,
        &dedupe,
    )))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_debit_is_made_the_next_weekday() {
        // Friday to Monday, Saturday to Monday, Monday to Tuesday.
        assert_eq!(debit_date(date!(2026 - 12 - 04)), date!(2026 - 12 - 07));
        assert_eq!(debit_date(date!(2026 - 12 - 05)), date!(2026 - 12 - 07));
        assert_eq!(debit_date(date!(2026 - 12 - 07)), date!(2026 - 12 - 08));
    }
}
