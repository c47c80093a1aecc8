//! The demo: tokens kept beside the database so they stay the same from run to run (and the
//! simulated caller finds them), and what `serve --demo` prints.

use std::path::PathBuf;

use secrecy::ExposeSecret;

use super::*;
use crate::telephony::registry;

/// The demo's auth and admin tokens, kept in a file beside the database so they stay the same
/// from run to run and `ivrpay call` can find them.
pub(super) struct DemoTokens {
    pub(super) path: PathBuf,
    pub(super) provider_token: String,
    pub(super) admin_token: String,
}

impl DemoTokens {
    /// Where the demo's tokens live for a database: beside a SQLite file, else the working folder.
    pub(super) fn path(database_url: &str) -> PathBuf {
        let sqlite = database_url
            .strip_prefix("sqlite:")
            .map(|rest| rest.trim_start_matches("//"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|path| !path.is_empty() && !path.contains(":memory:"));
        match sqlite {
            Some(path) => PathBuf::from(format!("{path}.demo-tokens")),
            None => PathBuf::from("ivrpay.demo-tokens"),
        }
    }

    /// Reads the tokens kept for this database, if any.
    pub(super) fn load(database_url: &str) -> Option<DemoTokens> {
        let path = Self::path(database_url);
        let text = std::fs::read_to_string(&path).ok()?;
        let value = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Some(DemoTokens {
            provider_token: value(registry::demo_provider().secret_env)?,
            admin_token: value("IVRPAY_ADMIN_TOKEN")?,
            path,
        })
    }

    pub(super) fn load_or_create(database_url: &str) -> Result<DemoTokens, String> {
        if let Some(tokens) = Self::load(database_url) {
            return Ok(tokens);
        }
        let tokens = DemoTokens {
            path: Self::path(database_url),
            provider_token: random_token(),
            admin_token: random_token(),
        };
        let text = format!(
            "# ivrpay demo tokens (demo data only); delete this file for new ones.\n\
             {}={}\nIVRPAY_ADMIN_TOKEN={}\n",
            registry::demo_provider().secret_env,
            tokens.provider_token,
            tokens.admin_token
        );
        std::fs::write(&tokens.path, text).map_err(|e| {
            format!(
                "cannot keep the demo tokens in {}: {e}",
                tokens.path.display()
            )
        })?;
        Ok(tokens)
    }
}

pub(super) fn print_demo_help(state: &crate::app::AppState, notes: &[String]) {
    let url = &state.public_url;
    // The simulated caller signs as the first registered provider.
    let token = std::env::var(registry::demo_provider().secret_env).unwrap_or_default();
    let admin = state
        .config
        .admin_token
        .as_ref()
        .map(|t| t.expose_secret().to_owned())
        .unwrap_or_default();
    // `ivrpay call` finds the demo's token beside the database by itself.
    let database_url = &state.config.database_url;
    let kept = token.is_empty() && DemoTokens::load(database_url).is_some();
    let sign = match (kept, database_url.as_str()) {
        (true, "sqlite:ivrpay.db") => String::new(),
        (true, _) => format!(" --database-url {database_url}"),
        (false, _) => format!(" --auth-token {token}"),
    };
    let mut text = String::from("\nivrpay demo\n");
    for note in notes {
        text.push_str(&format!("  {note}\n"));
    }
    text.push_str(&format!(
        "\n  Try a call in another terminal (Maria Garcia, Spanish, PIN 8091):\n    \
         cargo run -- call --url {url}{sign} --from +15553118592 --keys 2,1,8091,9\n  \
         or interactively (type keys, or a line starting with \" to answer by voice; an empty\n  line is silence):\n    \
         cargo run -- call --url {url}{sign}\n\n  \
         A real number: set IVRPAY_PUBLIC_URL to your public https URL (e.g. a tunnel) and your\n  \
         provider's webhook secret, then point the number's webhooks at ivrpay:\n"
    ));
    for provider in crate::telephony::registry::REGISTERED {
        let name = provider.secret_env;
        let path = provider.path_prefix;
        text.push_str(&format!(
            "    {name}: voice POST {url}/{path}/voice, status changes POST {url}/{path}/status\n"
        ));
    }
    text.push_str(&format!(
        "\n  Call records: curl -H 'Authorization: Bearer {admin}' {url}/api/calls/CALL_SID\n"
    ));
    println!("{text}");
}
