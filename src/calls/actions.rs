//! The flow's actions, run against the store inside the webhook's transaction: identifying the
//! caller, checking PIN or date of birth, counting failures toward the lockout.

use crate::accounts::credentials::{AccountNumber, DateOfBirth, Pin, Zip};
use crate::accounts::import::is_e164;
use crate::app::AppState;
use crate::error::AppError;
use crate::flow::Action;
use crate::flow::engine::{Context, Session};
use crate::language::Language;
use crate::store::{Account, Store, Tx};

/// What the engine may ask of the service during one webhook.
pub struct CallContext<'a> {
    app: &'a AppState,
    tx: &'a mut Tx,
    call_sid: &'a str,
    from: Option<String>,
    account: Option<Account>,
}

impl<'a> CallContext<'a> {
    /// Prepares the context, loading the session's account if it has one.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(
        app: &'a AppState,
        tx: &'a mut Tx,
        call_sid: &'a str,
        from: Option<&str>,
        session: &Session,
    ) -> Result<CallContext<'a>, AppError> {
        let account = match &session.account {
            Some(number) => Store::find_account(tx, number).await?,
            None => None,
        };
        Ok(CallContext {
            app,
            tx,
            call_sid,
            from: from.map(str::to_owned),
            account,
        })
    }

    fn locked(&self, account: &Account) -> bool {
        account
            .locked_until
            .is_some_and(|until| until > self.app.clock.now_ms())
    }

    async fn adopt(&mut self, session: &mut Session, account: Account) -> Result<(), AppError> {
        Store::clear_expired_lock(self.tx, &account.account_number, self.app.clock.now_ms())
            .await?;
        session.account = Some(account.account_number.clone());
        self.account = Some(account);
        Ok(())
    }

    /// Counts a failed check; `locked` once the failures reach the limit.
    async fn failed(&mut self, number: &str) -> Result<&'static str, AppError> {
        let until = self.app.clock.now_ms() + self.app.config.lockout.as_millis() as i64;
        let failure =
            Store::record_auth_failure(self.tx, number, self.app.config.max_auth_attempts, until)
                .await?;
        tracing::info!(
            attempts = failure.attempts,
            locked = failure.locked,
            "authentication failed"
        );
        Ok(if failure.locked { "locked" } else { "failed" })
    }

    async fn verified(
        &mut self,
        session: &mut Session,
        number: &str,
    ) -> Result<&'static str, AppError> {
        Store::reset_auth_failures(self.tx, number).await?;
        session.authenticated = true;
        if let Some(account) = &mut self.account {
            account.failed_auth_attempts = 0;
            account.locked_until = None;
        }
        Ok("verified")
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
                let Some(from) = self.from.clone().filter(|f| is_e164(f)) else {
                    return Ok("not_found");
                };
                let Some(account) = Store::find_account_by_phone(self.tx, &from).await? else {
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
                let entered = session
                    .values
                    .get("account_number")
                    .cloned()
                    .unwrap_or_default();
                let Some(number) = AccountNumber::parse(&entered) else {
                    return Ok("not_found");
                };
                let Some(account) = Store::find_account(self.tx, number.as_str()).await? else {
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
                if self.locked(&account) {
                    return Ok("locked");
                }
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
                if matches {
                    self.verified(session, &account.account_number).await
                } else {
                    self.failed(&account.account_number).await
                }
            }
            Action::VerifyDateOfBirth => {
                let dob = session.secrets.take("date_of_birth");
                let zip = session.secrets.take("zip");
                let Some(account) = self.account.clone() else {
                    return Ok("failed");
                };
                if self.locked(&account) {
                    return Ok("locked");
                }
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
                if matches {
                    self.verified(session, &account.account_number).await
                } else {
                    self.failed(&account.account_number).await
                }
            }
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

    fn today(&self) -> time::Date {
        self.app.clock.now().date()
    }

    fn now_ms(&self) -> i64 {
        self.app.clock.now_ms()
    }

    fn gather_url(&self, turn: i64) -> String {
        format!("{}/twilio/gather?turn={turn}", self.app.public_url)
    }

    fn dial_url(&self, turn: i64) -> String {
        format!("{}/twilio/dial?turn={turn}", self.app.public_url)
    }

    fn whisper_url(&self) -> String {
        format!(
            "{}/twilio/whisper?call={}",
            self.app.public_url, self.call_sid
        )
    }
}
