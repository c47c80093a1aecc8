//! `choose_policy`: pick the account's collections policy by the rules in `policies.toml`.

use super::CallContext;
use crate::error::AppError;
use crate::flow::actions::ChoosePolicyResult;
use crate::flow::engine::Session;

/// Picks the policy for the session's account as of today.
///
/// # Errors
/// None today; kept fallible like every action.
pub(super) async fn run(
    ctx: &mut CallContext<'_>,
    session: &mut Session,
) -> Result<ChoosePolicyResult, AppError> {
    if let Some(account) = &ctx.account {
        let policy = ctx.app.policies.select(account, ctx.app.today());
        tracing::info!(policy = %policy.name, "collections policy chosen");
        session.facts.policy = Some(policy.name.clone());
        ctx.policy_name = Some(policy.name.clone());
    }
    Ok(ChoosePolicyResult::Chosen)
}
