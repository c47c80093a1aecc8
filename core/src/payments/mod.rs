//! Taking payments over the phone: money, card and bank account rules, the way to pay,
//! encrypted storage of card fields between webhooks, and the gateways that charge.
//!
//! | file | what it is for |
//! | --- | --- |
//! | [`money`] | [`Money`]: integer cents plus a currency; parsing CSV and keypad amounts |
//! | [`card`] | [`CardNumber`], [`Expiry`], [`SecurityCode`], [`BillingZip`], [`CardDetails`]: parsed, masked in `Debug`, wiped on drop |
//! | [`method`] | [`PaymentMethod`] (a card or a [`BankAccount`], masked, wiped on drop) and [`MethodSummary`], the neutral kind, label and last four everything records and shows |
//! | [`secret`] | [`SecretField`]: the one list of the secret input fields and their flow names |
//! | [`redact`] | masking card numbers typed where they were not asked for, before anything is stored |
//! | [`vault`] | [`DataKey`]: AES-256-GCM sealing of card fields bound to the call id, for the database |
//! | [`debit`] | [`DebitStatus`] and [`ReturnCode`]: a bank debit clearing, settled, failed or returned, and NACHA's return ceilings |
//! | [`tel`] | [`TelAuthorization`]: the spoken authorisation of a bank debit, every element NACHA requires |
//! | [`gateway`] | the [`Gateway`] trait and [`charge_with_retry`], where a timeout is never a decline |
//! | [`sandbox`] | [`SandboxGateway`]: answers by public test card numbers, moves no money |
//! | [`stripe`] | [`StripeGateway`]: PaymentMethod + confirmed PaymentIntent over Stripe's API; saved cards as a Customer with the PaymentMethod attached |
//!
//! Data flows one way: the flow parses each keyed field ([`card`]), seals it
//! into the store until all fields are in ([`vault`]), then opens them into a
//! [`CardDetails`] and charges once through [`charge_with_retry`].
//!
//! PCI DSS, everywhere here: card numbers and security codes never reach a log,
//! a database row (other than sealed), an error message or an API answer. Types
//! holding them have no `Display`/`Serialize` and a masking `Debug`; the raw
//! digits come out only through `expose_*` methods for the gateway.

pub mod card;
pub mod debit;
pub mod gateway;
pub mod method;
pub mod money;
pub mod redact;
pub mod sandbox;
pub mod secret;
pub mod stripe;
pub mod tel;
pub mod vault;

pub use card::{BillingZip, CardBrand, CardDetails, CardError, CardNumber, Expiry, SecurityCode};
pub use debit::{DebitStatus, ReturnCategory, ReturnCode};
pub use gateway::{
    BrowserCardForm, CardSetup, CardSetupRequest, ChargeOutcome, ChargeRequest, ChargeResult,
    DeclineReason, EnteredCard, EnteredFuture, Gateway, GatewayError, SaveBankRequest,
    SaveCardRequest, SaveOutcome, SavedChargeRequest, StatusFuture, charge_saved_with_retry,
    charge_with_retry, save_bank_with_retry, save_card_with_retry,
};
pub use method::{
    AccountType, BankAccount, BankAccountNumber, BankError, HolderName, MethodKind, MethodSummary,
    PaymentMethod, RoutingNumber,
};
pub use money::{Currency, Money, MoneyError};
pub use sandbox::SandboxGateway;
pub use secret::SecretField;
pub use stripe::StripeGateway;
pub use tel::{PlanTelAuthorization, TelAuthorization};
pub use vault::{DataKey, VaultError};
