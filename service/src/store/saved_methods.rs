//! Cards kept on file with the caller's consent: the gateway's token with the brand and last
//! four, never the number. The token stays in the store; what is shown (the API, the call) is
//! [`SavedMethod`], without it.

use sqlx::Row;

use super::{CallKey, Store, StoreError};
use crate::payments::{MethodKind, MethodSummary};

/// A method to keep on file.
#[derive(Debug, Clone)]
pub struct NewSavedMethod<'a> {
    /// Whose.
    pub account_number: &'a str,
    /// Its kind, label and last four.
    pub method: &'a MethodSummary,
    /// The gateway that keeps it.
    pub gateway: &'a str,
    /// The gateway's token for it.
    pub token: &'a str,
    /// The consent's version and words, as the caller heard them.
    pub consent_version: &'a str,
    pub consent_text: &'a str,
    /// The call it was kept on.
    pub call: Option<CallKey<'a>>,
    pub now: i64,
}

/// A method on file, as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SavedMethod {
    /// Its id (to remove it).
    pub id: i64,
    /// `card` or `bank`.
    pub kind: MethodKind,
    /// The card's brand (`visa` ...) or the account's type.
    pub label: String,
    /// The last four digits.
    pub last4: String,
    /// When it was kept (UTC ms).
    pub created_at: i64,
}

impl SavedMethod {
    /// Its kind, label and last four.
    pub fn summary(&self) -> MethodSummary {
        MethodSummary {
            kind: self.kind,
            label: self.label.clone(),
            last4: self.last4.clone(),
        }
    }
}

impl Store {
    /// Keeps a method on file; its id. The same card kept again replaces the older entry, so a
    /// caller hears it once.
    ///
    /// # Errors
    /// A database failure.
    pub async fn save_method(&self, saved: &NewSavedMethod<'_>) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE saved_methods SET removed_at = $5, removed_by = 'replaced' \
             WHERE account_number = $1 AND kind = $2 AND label = $3 AND last4 = $4 \
             AND removed_at IS NULL",
        )
        .bind(saved.account_number)
        .bind(saved.method.kind.as_str())
        .bind(&saved.method.label)
        .bind(&saved.method.last4)
        .bind(saved.now)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "INSERT INTO saved_methods (account_number, kind, label, last4, gateway, token, \
             consent_version, consent_text, provider, call_sid, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(saved.account_number)
        .bind(saved.method.kind.as_str())
        .bind(&saved.method.label)
        .bind(&saved.method.last4)
        .bind(saved.gateway)
        .bind(saved.token)
        .bind(saved.consent_version)
        .bind(saved.consent_text)
        .bind(saved.call.map(|c| c.provider))
        .bind(saved.call.map(|c| c.sid))
        .bind(saved.now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.try_get("id")?)
    }

    /// The methods `account_number` has on file, newest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn saved_methods(
        &self,
        account_number: &str,
    ) -> Result<Vec<SavedMethod>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, label, last4, created_at FROM saved_methods \
             WHERE account_number = $1 AND removed_at IS NULL ORDER BY id DESC",
        )
        .bind(account_number)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SavedMethod {
                    id: row.try_get("id")?,
                    kind: super::payments::method_kind(row.try_get("kind")?)?,
                    label: row.try_get("label")?,
                    last4: row.try_get("last4")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The gateway and token of method `id` of `account_number`, while it is on file.
    ///
    /// # Errors
    /// A database failure.
    pub async fn saved_method_token(
        &self,
        account_number: &str,
        id: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT gateway, token FROM saved_methods \
             WHERE account_number = $1 AND id = $2 AND removed_at IS NULL",
        )
        .bind(account_number)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("gateway")?, row.try_get("token")?)),
            None => None,
        })
    }

    /// Takes method `id` off `account_number`'s file (`by`: `caller`, or an admin's name);
    /// whether it was on file.
    ///
    /// # Errors
    /// A database failure.
    pub async fn remove_saved_method(
        &self,
        account_number: &str,
        id: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let removed = sqlx::query(
            "UPDATE saved_methods SET removed_at = $3, removed_by = $4 \
             WHERE account_number = $1 AND id = $2 AND removed_at IS NULL",
        )
        .bind(account_number)
        .bind(id)
        .bind(now_ms)
        .bind(by)
        .execute(self.writer())
        .await?;
        Ok(removed.rows_affected() == 1)
    }
}
