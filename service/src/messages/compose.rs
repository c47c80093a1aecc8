//! What each event sends: the message of its kind, filled in, to the account's number or address
//! on the channel the caller chose, under a key that makes it one message however often the
//! event is retried.

use time::Date;

use super::MessagingSettings;
use super::templates::{Kind, Templates, Values, date_text, money_text};
use crate::collections::parse_date;
use crate::language::Language;
use crate::pay_links::PendingLink;
use crate::payments::{AccountType, CardBrand, MethodKind, MethodSummary};
use crate::store::{Account, ArrangementRecord, InstallmentRecord, LinkToMake, NewMessage};

/// A channel a message goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A text to the number on file.
    Sms,
    /// An email to the address on file.
    Email,
}

impl Channel {
    /// Its name in the outbox and on the account (`sms`, `email`).
    pub fn name(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// The channel an account chose on an earlier call, for what is sent without asking again
    /// (none when it asked not to be contacted).
    pub fn standing(account: &Account) -> Option<Channel> {
        Channel::of(account)
            .filter(|_| !crate::collections::policy::has_flag(account, "cease_contact"))
    }

    /// The channel an account chose, if it chose one.
    pub fn of(account: &Account) -> Option<Channel> {
        match account.contact_channel.as_deref() {
            Some("sms") => Some(Channel::Sms),
            Some("email") => Some(Channel::Email),
            _ => None,
        }
    }
}

/// Builds messages from the templates and the settings.
#[derive(Clone, Copy)]
pub struct Composer<'a> {
    /// The texts.
    pub templates: &'a Templates,
    /// What is configured and turned on.
    pub settings: &'a MessagingSettings,
}

/// A payment to give a receipt for.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    /// Cents paid against the balance.
    pub amount_cents: i64,
    /// The fee on top, in cents.
    pub fee_cents: i64,
    /// How it was paid (kind, label and last four).
    pub method: &'a MethodSummary,
    /// The confirmation number.
    pub confirmation: &'a str,
    /// The day it was paid.
    pub date: Date,
}

impl Composer<'_> {
    /// Whether `channel` can reach `account` at all (configured, and a number or address on
    /// file).
    pub fn reaches(&self, account: &Account, channel: Channel) -> bool {
        recipient(self.settings, account, channel).is_some()
    }

    /// The receipt for a payment.
    pub fn receipt(
        &self,
        account: &Account,
        channel: Channel,
        receipt: &Receipt<'_>,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("amount", money_text(receipt.amount_cents))
            .set("fee", money_text(receipt.fee_cents))
            .set(
                "total",
                money_text(receipt.amount_cents + receipt.fee_cents),
            )
            .set("card", method_words(Some(receipt.method), language))
            .set("confirmation", receipt.confirmation)
            .set("date", date_text(receipt.date, language));
        self.build(
            Kind::Receipt,
            account,
            channel,
            &values,
            format!("receipt:{dedupe}"),
        )
    }

    /// A plan's schedule, just set up; `dedupe` names the plan's setting up (the call and its
    /// attempt), the same whenever it is queued.
    pub fn plan_schedule(
        &self,
        account: &Account,
        channel: Channel,
        plan: &ArrangementRecord,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let schedule: Vec<String> = plan
            .installments
            .iter()
            .map(|i| {
                let day = parse_date(&i.due_date)
                    .map(|d| date_text(d, language))
                    .unwrap_or_else(|| i.due_date.clone());
                format!("{day}: {}", money_text(i.amount_cents))
            })
            .collect();
        let separator = match channel {
            Channel::Sms => "; ",
            Channel::Email => "\n",
        };
        let mut values = common(account);
        values
            .set("schedule", schedule.join(separator))
            .set("plan_total", money_text(plan.total_cents))
            .set("card", plan_card(plan, language))
            .set(
                "authorized_on",
                time::OffsetDateTime::from_unix_timestamp(
                    plan.consent_at.unwrap_or(plan.created_at) / 1000,
                )
                .map(|t| date_text(t.date(), language))
                .unwrap_or_default(),
            );
        self.build(
            Kind::PlanSchedule,
            account,
            channel,
            &values,
            format!("plan:{dedupe}"),
        )
    }

    /// A reminder before an installment's date, or the notice that it was declined (`kind`
    /// [`Kind::InstallmentReminder`] or [`Kind::InstallmentFailed`]); `what` tells them apart in
    /// the key (`3d`, `try2` ...).
    pub fn installment(
        &self,
        kind: Kind,
        account: &Account,
        plan: &ArrangementRecord,
        installment: &InstallmentRecord,
        what: &str,
        link: Option<&PendingLink>,
    ) -> Option<NewMessage> {
        let channel = Channel::of(account)?;
        // An AutoPay payment is named as AutoPay's, not as a plan's.
        let kind = match (kind, plan.kind.as_str()) {
            (Kind::InstallmentReminder, "autopay") => Kind::AutopayReminder,
            (Kind::InstallmentFailed, "autopay") => Kind::AutopayFailed,
            (kind, _) => kind,
        };
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("installment_amount", money_text(installment.amount_cents))
            .set(
                "due_date",
                parse_date(&installment.due_date)
                    .map(|d| date_text(d, language))
                    .unwrap_or_default(),
            )
            .set("card", plan_card(plan, language));
        let link = self.link_for(kind, link, &mut values);
        let message = self.build(
            kind,
            account,
            channel,
            &values,
            format!("{}:{}:{}:{what}", kind.name(), plan.id, installment.seq),
        )?;
        Some(NewMessage { link, ..message })
    }

    /// The pay link a message of `kind` carries, when its templates name `{pay_link}` and one
    /// is offered: put in `values`, and returned to be recorded with the message.
    fn link_for(
        &self,
        kind: Kind,
        link: Option<&PendingLink>,
        values: &mut Values,
    ) -> Option<LinkToMake> {
        let link = link.filter(|_| self.templates.mentions(kind, "pay_link"))?;
        values.set("pay_link", link.url.as_str());
        Some(LinkToMake {
            token_hash: link.token_hash.clone(),
            created_by: "reminder".to_owned(),
            expires_at: link.expires_at,
        })
    }

    /// A promise's confirmation, reminder or broken notice; `key` makes it one message
    /// (`ID:3d` for a reminder, the call for a confirmation).
    pub fn promise(
        &self,
        kind: Kind,
        account: &Account,
        channel: Channel,
        promise: &ArrangementRecord,
        key: &str,
        link: Option<&PendingLink>,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("promise_amount", money_text(promise.total_cents))
            .set(
                "promise_date",
                promise
                    .promised_by
                    .as_deref()
                    .and_then(parse_date)
                    .map(|d| date_text(d, language))
                    .unwrap_or_default(),
            );
        let link = self.link_for(kind, link, &mut values);
        let message = self.build(
            kind,
            account,
            channel,
            &values,
            format!("{}:{key}", kind.name()),
        )?;
        Some(NewMessage { link, ..message })
    }

    /// Where a written notice of `kind` (an authorisation's copy) can go for `account`: the
    /// channel it chose, else email, else a text, whichever reaches it; `None` when none does
    /// (or it asked not to be contacted, or the notice is turned off).
    pub fn notice_channel(&self, account: &Account, kind: Kind) -> Option<Channel> {
        if !self.settings.enabled(kind)
            || crate::collections::policy::has_flag(account, "cease_contact")
        {
            return None;
        }
        Channel::of(account)
            .into_iter()
            .chain([Channel::Email, Channel::Sms])
            .find(|channel| self.reaches(account, *channel))
    }

    /// A bank debit's written notice of its authorisation (NACHA TEL); `dedupe` names the
    /// payment, so a retried acceptance queues it once.
    pub fn debit_authorized(
        &self,
        account: &Account,
        channel: Channel,
        debit: &DebitNotice<'_>,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("name", account.name.as_str())
            .set("amount", money_text(debit.amount_cents))
            .set("account", method_words(Some(debit.method), language))
            .set("debit_date", date_text(debit.debit_date, language))
            .set("authorized_on", date_text(debit.authorized_on, language))
            .set("confirmation", debit.confirmation);
        self.build(
            Kind::DebitAuthorized,
            account,
            channel,
            &values,
            format!("debit:{dedupe}"),
        )
    }

    /// The written copy of an AutoPay enrolment; `dedupe` names the enrolment.
    pub fn autopay_enrolled(
        &self,
        account: &Account,
        channel: Channel,
        enrolment: &AutopayNotice<'_>,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("name", account.name.as_str())
            .set("autopay_amount", enrolment.amount.words(language))
            .set("card", method_words(Some(enrolment.method), language))
            .set("first_due_date", date_text(enrolment.first_due, language))
            .set(
                "authorized_on",
                date_text(enrolment.authorized_on, language),
            );
        self.build(
            Kind::AutopayEnrolled,
            account,
            channel,
            &values,
            format!("autopay:{dedupe}"),
        )
    }

    /// A pay link (`url`, working until `expires_on`) by `channel`; `dedupe` names the link.
    pub fn pay_link(
        &self,
        account: &Account,
        channel: Channel,
        url: &str,
        expires_on: time::Date,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("pay_link", url)
            .set("link_expires", date_text(expires_on, language));
        self.build(
            Kind::PayLink,
            account,
            channel,
            &values,
            format!("pay_link:{dedupe}"),
        )
    }

    /// The notice that AutoPay was turned off; `dedupe` names the enrolment.
    pub fn autopay_stopped(
        &self,
        account: &Account,
        channel: Channel,
        method: &MethodSummary,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values.set("card", method_words(Some(method), language));
        self.build(
            Kind::AutopayStopped,
            account,
            channel,
            &values,
            format!("autopay_stopped:{dedupe}"),
        )
    }

    /// The notice that a bank debit failed or came back, on the account's channel (or the one
    /// its authorisation's notice went to); `balance_cents` is what is owed again.
    pub fn debit_failed(
        &self,
        account: &Account,
        channel: Channel,
        debit: &DebitNotice<'_>,
        reason: crate::payments::ReturnCode,
        balance_cents: i64,
        dedupe: &str,
    ) -> Option<NewMessage> {
        let language = language_of(account);
        let mut values = common(account);
        values
            .set("amount", money_text(debit.amount_cents))
            .set("account", method_words(Some(debit.method), language))
            .set("debit_date", date_text(debit.debit_date, language))
            .set("reason", return_reason(reason, language))
            .set("balance", money_text(balance_cents));
        self.build(
            Kind::DebitFailed,
            account,
            channel,
            &values,
            format!("debit_failed:{dedupe}"),
        )
    }

    fn build(
        &self,
        kind: Kind,
        account: &Account,
        channel: Channel,
        values: &Values,
        dedupe: String,
    ) -> Option<NewMessage> {
        if !self.settings.enabled(kind) {
            return None;
        }
        let recipient = recipient(self.settings, account, channel)?;
        let language = language_of(account);
        let (subject, body_text, body_html) = match channel {
            Channel::Sms => (None, self.templates.sms(kind, language, values), None),
            Channel::Email => {
                let email = self.templates.email(kind, language, values);
                (Some(email.subject), email.text, Some(email.html))
            }
        };
        Some(NewMessage {
            channel: channel.name().to_owned(),
            kind: kind.name().to_owned(),
            account_number: account.account_number.clone(),
            recipient,
            language: language.code().to_owned(),
            dedupe_key: format!("{dedupe}:{}", channel.name()),
            subject,
            body_text,
            body_html,
            link: None,
        })
    }
}

/// What an AutoPay enrolment's written copy states.
#[derive(Debug, Clone, Copy)]
pub struct AutopayNotice<'a> {
    /// Which amount is charged.
    pub amount: crate::collections::autopay::AutopayAmount,
    /// The card charged.
    pub method: &'a MethodSummary,
    /// The first due date it pays.
    pub first_due: Date,
    /// The day the caller agreed.
    pub authorized_on: Date,
}

/// A bank debit, as its notices name it.
#[derive(Debug, Clone)]
pub struct DebitNotice<'a> {
    /// How much, in cents.
    pub amount_cents: i64,
    /// The bank account (its type and last four).
    pub method: &'a MethodSummary,
    /// The day it is debited.
    pub debit_date: Date,
    /// The day it was authorised.
    pub authorized_on: Date,
    /// The confirmation number the caller was given.
    pub confirmation: &'a str,
}

/// Why the bank sent a debit back, in the account holder's language.
fn return_reason(code: crate::payments::ReturnCode, language: Language) -> &'static str {
    use crate::payments::ReturnCode;
    match language {
        Language::En => code.describe(),
        Language::Es => match code {
            ReturnCode::InsufficientFunds => "fondos insuficientes",
            ReturnCode::AccountClosed => "la cuenta está cerrada",
            ReturnCode::NoAccount => "no se encontró la cuenta",
            ReturnCode::InvalidAccountNumber => "el número de cuenta no es válido",
            ReturnCode::NotAuthorized | ReturnCode::CorporateNotAuthorized => {
                "el titular no lo autorizó"
            }
            ReturnCode::Other => "el banco lo devolvió",
        },
    }
}

/// Where `channel` reaches `account`: the number or address on file, if the channel is set up and
/// the number or address is one a message can be sent to (an address stored before imports
/// checked them may hold a line break and a second header).
fn recipient(settings: &MessagingSettings, account: &Account, channel: Channel) -> Option<String> {
    match channel {
        Channel::Sms
            if settings.sms.is_some() && crate::accounts::import::is_e164(&account.phone) =>
        {
            Some(account.phone.clone())
        }
        Channel::Email
            if settings.email.is_some()
                && crate::accounts::import::is_plausible_email(&account.email) =>
        {
            Some(account.email.clone())
        }
        _ => None,
    }
}

fn language_of(account: &Account) -> Language {
    Language::parse(&account.language).unwrap_or(Language::En)
}

fn common(account: &Account) -> Values {
    let mut values = Values::default();
    values
        .set(
            "first_name",
            account.name.split_whitespace().next().unwrap_or_default(),
        )
        .set("account_last4", account.last4());
    values
}

/// "Visa ending in 4242" / "Visa que termina en 4242".
/// "Visa ending in 4242" / "Visa que termina en 4242"; a bank account: "checking account ending in 6789" / "cuenta de cheques que termina en 6789".
fn method_words(method: Option<&MethodSummary>, language: Language) -> String {
    let (name, last4) = match method {
        Some(bank) if bank.kind == MethodKind::Bank => {
            let name = match (AccountType::parse(&bank.label), language) {
                (Some(AccountType::Checking), Language::En) => "checking account",
                (Some(AccountType::Checking), Language::Es) => "cuenta de cheques",
                (Some(AccountType::Savings), Language::En) => "savings account",
                (Some(AccountType::Savings), Language::Es) => "cuenta de ahorros",
                (None, Language::En) => "bank account",
                (None, Language::Es) => "cuenta bancaria",
            };
            (name, bank.last4.as_str())
        }
        Some(card) => (
            card.card_brand().map_or("card", CardBrand::spoken_name),
            card.last4.as_str(),
        ),
        None => ("card", ""),
    };
    match language {
        Language::En => format!("{name} ending in {last4}"),
        Language::Es => format!("{name} que termina en {last4}"),
    }
}

fn plan_card(plan: &ArrangementRecord, language: Language) -> String {
    method_words(plan.summary().as_ref(), language)
}

#[cfg(test)]
mod tests {

    use time::macros::date;

    use super::*;
    use crate::flow::testing::FakeContext;
    use crate::messages::{EmailSettings, SmsSettings};

    fn templates() -> Templates {
        crate::messages::templates::parse(
            std::path::Path::new("call-flows/messages.toml"),
            include_str!("../../../call-flows/messages.toml"),
            &Language::ALL,
        )
        .expect("the shipped templates load")
    }

    fn settings() -> MessagingSettings {
        MessagingSettings {
            sms: Some(SmsSettings {
                from: "+18005550100".into(),
            }),
            email: Some(EmailSettings {
                smtp_url: "smtp://127.0.0.1:9".to_owned().into(),
                from: "billing@example.com".into(),
            }),
            ..MessagingSettings::default()
        }
    }

    static VISA: std::sync::LazyLock<MethodSummary> =
        std::sync::LazyLock::new(|| MethodSummary::card(CardBrand::Visa, "4242".into()));

    fn receipt() -> Receipt<'static> {
        Receipt {
            amount_cents: 2550,
            fee_cents: 250,
            method: &VISA,
            confirmation: "1234567890",
            date: date!(2026 - 11 - 23),
        }
    }

    #[test]
    fn a_receipt_names_the_card_by_last_four_and_is_keyed_per_channel() {
        let (templates, settings) = (templates(), settings());
        let composer = Composer {
            templates: &templates,
            settings: &settings,
        };
        let linda = FakeContext::linda_brown();
        let sms = composer
            .receipt(
                &linda,
                Channel::Sms,
                &receipt(),
                "provider-a:CA1:1234567890",
            )
            .expect("an sms");
        assert_eq!(sms.recipient, "+15035550142");
        assert_eq!(sms.dedupe_key, "receipt:provider-a:CA1:1234567890:sms");
        assert!(sms.body_text.contains("$28.00"), "{}", sms.body_text);
        let email = composer
            .receipt(
                &linda,
                Channel::Email,
                &receipt(),
                "provider-a:CA1:1234567890",
            )
            .expect("an email");
        assert_eq!(email.recipient, "linda.brown@example.com");
        assert!(
            email.body_text.contains("Card: Visa ending in 4242"),
            "{}",
            email.body_text
        );
        assert!(
            email.body_text.contains("Convenience fee: $2.50"),
            "{}",
            email.body_text
        );
        assert!(email.body_html.is_some_and(|h| h.starts_with("<html>")));
    }

    #[test]
    fn a_bank_payment_is_named_by_account_type_and_last_four() {
        let checking = MethodSummary {
            kind: MethodKind::Bank,
            label: "checking".into(),
            last4: "6789".into(),
        };
        assert_eq!(
            method_words(Some(&checking), Language::En),
            "checking account ending in 6789"
        );
        assert_eq!(
            method_words(Some(&checking), Language::Es),
            "cuenta de cheques que termina en 6789"
        );
        assert_eq!(
            method_words(Some(&VISA), Language::En),
            "Visa ending in 4242"
        );
    }

    #[test]
    fn nothing_goes_where_no_channel_reaches_or_a_kind_is_off() {
        let templates = templates();
        let mut settings = settings();
        let mut linda = FakeContext::linda_brown();
        linda.email = String::new();
        let composer = Composer {
            templates: &templates,
            settings: &settings,
        };
        assert!(!composer.reaches(&linda, Channel::Email));
        assert!(
            composer
                .receipt(&linda, Channel::Email, &receipt(), "k")
                .is_none()
        );
        settings.disabled = vec!["receipt".into()];
        settings.sms = None;
        let composer = Composer {
            templates: &templates,
            settings: &settings,
        };
        assert!(!composer.reaches(&linda, Channel::Sms));
        assert!(
            composer
                .receipt(&linda, Channel::Sms, &receipt(), "k")
                .is_none()
        );
    }

    #[test]
    fn spanish_accounts_get_spanish_messages() {
        let (templates, settings) = (templates(), settings());
        let composer = Composer {
            templates: &templates,
            settings: &settings,
        };
        let mut maria = FakeContext::linda_brown();
        maria.language = "es".into();
        let sms = composer
            .receipt(&maria, Channel::Sms, &receipt(), "k")
            .expect("an sms");
        assert_eq!(sms.language, "es");
        assert!(
            sms.body_text.contains("23 de noviembre de 2026"),
            "{}",
            sms.body_text
        );
        assert!(sms.body_text.contains("Responda STOP"), "{}", sms.body_text);
    }
}
