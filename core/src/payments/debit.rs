//! A bank debit after it is submitted: not final for days. It clears or comes back, and even a
//! debit that cleared can be returned later (a consumer has 60 days to say a debit was not
//! authorised). This module names those ends and the NACHA return codes they carry, and the
//! ceilings NACHA holds an originator's return rates to.

/// Where a submitted debit stands, as its gateway reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebitStatus {
    /// Submitted and not yet settled.
    Clearing,
    /// The money arrived. It may still be returned within the return window.
    Succeeded,
    /// It came back before it settled: nothing was taken.
    Failed(ReturnCode),
    /// It settled, then came back: the money was taken back.
    Returned(ReturnCode),
}

/// Why a debit came back: the NACHA return codes a consumer debit meets most, and one for any
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnCode {
    /// R01: not enough money in the account.
    InsufficientFunds,
    /// R02: the account is closed.
    AccountClosed,
    /// R03: no such account, or it does not match the name.
    NoAccount,
    /// R04: the account number is not one.
    InvalidAccountNumber,
    /// R10: the account holder says they did not authorise it.
    NotAuthorized,
    /// R29: a business account holder says they did not authorise it.
    CorporateNotAuthorized,
    /// Any other return, by its code (`R..`).
    Other,
}

/// What NACHA counts a return towards, each with its own ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnCategory {
    /// Unauthorised (R05, R07, R10, R11, R29, R51): at most 0.5% of debits.
    Unauthorized,
    /// Administrative (R02, R03, R04): at most 3%.
    Administrative,
    /// Every other return (counted, with the two above, in the overall 15%).
    Other,
}

impl ReturnCategory {
    /// Every category, in the order the dashboard shows them.
    pub const ALL: [ReturnCategory; 3] = [
        ReturnCategory::Unauthorized,
        ReturnCategory::Administrative,
        ReturnCategory::Other,
    ];

    /// NACHA's ceiling for this category's returns over the last 60 days, in basis points of
    /// the debits originated; `None` for the "other" returns, which only count overall.
    pub fn ceiling_basis_points(self) -> Option<u32> {
        match self {
            ReturnCategory::Unauthorized => Some(50),
            ReturnCategory::Administrative => Some(300),
            ReturnCategory::Other => None,
        }
    }

    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnCategory::Unauthorized => "unauthorized",
            ReturnCategory::Administrative => "administrative",
            ReturnCategory::Other => "other",
        }
    }
}

/// NACHA's ceiling on all returns together over the last 60 days: 15%, in basis points.
pub const OVERALL_RETURN_CEILING_BASIS_POINTS: u32 = 1_500;

/// How many days of debits the return rates are taken over.
pub const RETURN_RATE_DAYS: i64 = 60;

impl ReturnCode {
    /// Every code with its NACHA name (`R01` ...), as stored.
    const CODES: [(ReturnCode, &'static str); 7] = [
        (ReturnCode::InsufficientFunds, "R01"),
        (ReturnCode::AccountClosed, "R02"),
        (ReturnCode::NoAccount, "R03"),
        (ReturnCode::InvalidAccountNumber, "R04"),
        (ReturnCode::NotAuthorized, "R10"),
        (ReturnCode::CorporateNotAuthorized, "R29"),
        (ReturnCode::Other, "R99"),
    ];

    /// Its NACHA code, as stored (`R99` stands for any code not named here).
    pub fn as_str(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(code, _)| *code == self)
            .map_or("R99", |(_, name)| name)
    }

    /// The code a stored or reported `R..` names; any other return code is [`ReturnCode::Other`].
    pub fn parse(name: &str) -> ReturnCode {
        let name = name.trim().to_ascii_uppercase();
        Self::CODES
            .iter()
            .find(|(_, code)| *code == name)
            .map_or(ReturnCode::Other, |(code, _)| *code)
    }

    /// What NACHA counts it towards.
    pub fn category(self) -> ReturnCategory {
        match self {
            ReturnCode::NotAuthorized | ReturnCode::CorporateNotAuthorized => {
                ReturnCategory::Unauthorized
            }
            ReturnCode::AccountClosed
            | ReturnCode::NoAccount
            | ReturnCode::InvalidAccountNumber => ReturnCategory::Administrative,
            ReturnCode::InsufficientFunds | ReturnCode::Other => ReturnCategory::Other,
        }
    }

    /// A short description for people (the console, the dashboard).
    pub fn describe(self) -> &'static str {
        match self {
            ReturnCode::InsufficientFunds => "insufficient funds",
            ReturnCode::AccountClosed => "account closed",
            ReturnCode::NoAccount => "no account found",
            ReturnCode::InvalidAccountNumber => "invalid account number",
            ReturnCode::NotAuthorized => "not authorized by the account holder",
            ReturnCode::CorporateNotAuthorized => "not authorized by the business",
            ReturnCode::Other => "returned by the bank",
        }
    }
}

/// A NACHA category code a reason text from a gateway names (Stripe's `failure_code`s for
/// bank debits), or `None` for a reason it does not know.
pub fn return_code_of_reason(reason: &str) -> Option<ReturnCode> {
    Some(match reason {
        "insufficient_funds" => ReturnCode::InsufficientFunds,
        "account_closed" | "bank_account_closed" => ReturnCode::AccountClosed,
        "no_account" | "bank_account_unusable" => ReturnCode::NoAccount,
        "invalid_account_number" | "bank_account_invalid_details" => {
            ReturnCode::InvalidAccountNumber
        }
        "debit_not_authorized" | "unauthorized_debit" => ReturnCode::NotAuthorized,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_other() {
        for (code, name) in ReturnCode::CODES {
            assert_eq!(code.as_str(), name);
            assert_eq!(ReturnCode::parse(name), code);
        }
        assert_eq!(ReturnCode::parse("r10"), ReturnCode::NotAuthorized);
        assert_eq!(ReturnCode::parse("R16"), ReturnCode::Other);
    }

    #[test]
    fn categories_follow_nacha() {
        assert_eq!(
            ReturnCode::NotAuthorized.category(),
            ReturnCategory::Unauthorized
        );
        assert_eq!(
            ReturnCode::AccountClosed.category(),
            ReturnCategory::Administrative
        );
        assert_eq!(
            ReturnCode::NoAccount.category(),
            ReturnCategory::Administrative
        );
        assert_eq!(
            ReturnCode::InsufficientFunds.category(),
            ReturnCategory::Other
        );
        assert_eq!(
            ReturnCategory::Unauthorized.ceiling_basis_points(),
            Some(50)
        );
        assert_eq!(
            ReturnCategory::Administrative.ceiling_basis_points(),
            Some(300)
        );
        assert_eq!(ReturnCategory::Other.ceiling_basis_points(), None);
    }

    #[test]
    fn stripe_failure_codes_name_return_codes() {
        assert_eq!(
            return_code_of_reason("debit_not_authorized"),
            Some(ReturnCode::NotAuthorized)
        );
        assert_eq!(
            return_code_of_reason("account_closed"),
            Some(ReturnCode::AccountClosed)
        );
        assert_eq!(return_code_of_reason("something_new"), None);
    }
}
