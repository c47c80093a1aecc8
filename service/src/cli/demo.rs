//! The demo: tokens kept beside the database so they stay the same from run to run (and the
//! simulated caller finds them), and what `serve --demo` prints.

use std::path::PathBuf;

use super::*;
use crate::telephony::registry;

/// The number the demo transfers callers to when no agent line is configured: a made-up number in
/// the range kept for fiction (555-0100 to 555-0199), so no phone rings; the transfer still pops up
/// on the agent console, which is what the demo is there to show.
pub(super) const DEMO_AGENT_LINE: &str = "+15550100199";

/// The agent the demo signs in as: an admin, so the dashboard is one click away.
pub(super) const DEMO_AGENT: &str = "demo";

/// The line kept in the tokens file for the demo agent's generated password.
const AGENT_PASSWORD_KEY: &str = "IVRPAY_DEMO_AGENT_PASSWORD";

/// The demo's hours: open at any time, so a demo call that asks for a person is put through
/// whatever the day (production's `call-flows/hours.toml` is left as it is).
pub(super) fn demo_hours() -> Result<crate::hours::Hours, String> {
    crate::hours::parse(
        std::path::Path::new("demo/hours.toml"),
        include_str!("../../../demo/hours.toml"),
    )
    .map_err(|problems| one_per_line(&problems))
}

/// The demo's auth and admin tokens and its agent's password, kept in a file beside the database
/// so they stay the same from run to run and `ivrpay call` can find them.
pub(super) struct DemoTokens {
    pub(super) path: PathBuf,
    pub(super) provider_token: String,
    pub(super) admin_token: String,
    /// The demo agent's password (absent from files kept by older versions until the next start).
    pub(super) agent_password: Option<String>,
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

    /// Where the demo writes its email, beside the database (`ivrpay.db.demo-mail/`): the
    /// demo has no mail server, and the receipts and the written notices of bank debits are
    /// worth reading.
    pub(super) fn mail_folder(database_url: &str) -> PathBuf {
        let tokens = Self::path(database_url);
        tokens.with_extension("demo-mail")
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
            provider_token: value(registry::demo_provider().webhook_key.env)?,
            admin_token: value("IVRPAY_ADMIN_TOKEN")?,
            agent_password: value(AGENT_PASSWORD_KEY),
            path,
        })
    }

    pub(super) fn load_or_create(database_url: &str) -> Result<DemoTokens, String> {
        let tokens = match Self::load(database_url) {
            Some(tokens) if tokens.agent_password.is_some() => return Ok(tokens),
            Some(older) => DemoTokens {
                agent_password: Some(random_token()),
                ..older
            },
            None => DemoTokens {
                path: Self::path(database_url),
                provider_token: random_token(),
                admin_token: random_token(),
                agent_password: Some(random_token()),
            },
        };
        let text = format!(
            "# ivrpay demo tokens (demo data only); delete this file for new ones.\n\
             {}={}\nIVRPAY_ADMIN_TOKEN={}\n{AGENT_PASSWORD_KEY}={}\n",
            registry::demo_provider().webhook_key.env,
            tokens.provider_token,
            tokens.admin_token,
            tokens.agent_password.as_deref().unwrap_or_default(),
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

/// Makes sure the demo agent can sign in with the kept password: added on the first run, and
/// given the kept password again if the tokens file was replaced since.
pub(super) async fn ensure_demo_agent(
    store: &crate::store::Store,
    password: &str,
    now_ms: i64,
) -> Result<(), String> {
    use crate::agents::password::Password;
    let stored = store
        .agent_by_username(DEMO_AGENT)
        .await
        .map_err(|e| e.to_string())?;
    let typed = Password::typed(password.to_owned());
    let hash_of = |typed: Password| async move {
        // Argon2 is slow on purpose: off the async threads.
        tokio::task::spawn_blocking(move || typed.hash())
            .await
            .map_err(|e| e.to_string())?
    };
    match stored {
        None => {
            let hash = hash_of(typed).await?;
            store
                .add_agent(DEMO_AGENT, "Demo Agent", &hash, "admin", now_ms)
                .await
                .map_err(|e| e.to_string())?;
        }
        Some(agent) => {
            let hash = agent.password_hash.clone();
            let check = Password::typed(password.to_owned());
            let matches = tokio::task::spawn_blocking(move || check.matches(Some(&hash)))
                .await
                .map_err(|e| e.to_string())?;
            if !matches || agent.disabled {
                let hash = hash_of(typed).await?;
                store
                    .set_agent_password(DEMO_AGENT, &hash)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// What `serve --demo` prints: only secrets the demo generated itself. A secret taken from the
/// environment is named, never printed, so the banner can be pasted anywhere.
pub(super) struct Banner<'a> {
    /// The server's public URL.
    pub(super) url: &'a str,
    /// The database, for commands that must find the same one.
    pub(super) database_url: &'a str,
    /// What the demo generated or reused.
    pub(super) notes: &'a [String],
    /// The demo's kept tokens and agent password.
    pub(super) tokens: &'a DemoTokens,
    /// Whether the provider's secret came from the environment (then the demo's is not in force).
    pub(super) provider_from_env: bool,
    /// Whether `IVRPAY_ADMIN_TOKEN` came from the environment.
    pub(super) admin_from_env: bool,
    /// The line transfers ring, and whether the demo chose it.
    pub(super) agent_line: Option<(&'a str, bool)>,
}

impl Banner<'_> {
    pub(super) fn text(&self) -> String {
        let url = self.url;
        let database_url = self.database_url;
        let provider_env = registry::demo_provider().webhook_key.env;
        // `ivrpay call` finds the demo's token beside the database by itself.
        let on_database = match database_url {
            "sqlite:ivrpay.db" => String::new(),
            other => format!(" --database-url {other}"),
        };
        let sign = if self.provider_from_env {
            format!(" --auth-token \"${provider_env}\"")
        } else {
            on_database.clone()
        };
        let mut text = String::from("\nivrpay demo\n");
        for note in self.notes {
            text.push_str(&format!("  {note}\n"));
        }
        if self.provider_from_env {
            text.push_str(&format!(
                "  Webhooks are signed with {provider_env} from your environment (not printed).\n"
            ));
        }
        text.push_str(&format!(
            "\n  Try a call in another terminal (Maria Garcia, Spanish, PIN 8091):\n    \
             cargo run -- call --url {url}{sign} --from +15553118592 --keys 2,1,8091,9\n  \
             or interactively (type keys, or a line starting with \" to answer by voice; an empty\n  \
             line is silence):\n    \
             cargo run -- call --url {url}{sign}\n\n"
        ));
        text.push_str(&format!(
            "  The agent console: {url}/agent    The dashboard: {url}/dashboard\n"
        ));
        match &self.tokens.agent_password {
            Some(password) => text.push_str(&format!(
                "    Sign in as {DEMO_AGENT} with the password {password} (generated by the demo, \
                 kept in {}).\n",
                self.tokens.path.display()
            )),
            None => text.push_str(&format!(
                "    Sign in as {DEMO_AGENT}: its password is kept in {}.\n",
                self.tokens.path.display()
            )),
        }
        text.push_str(&format!(
            "    Add an agent (--admin for one who sees the dashboard):\n    \
             cargo run -- agents add ana --name \"Ana López\"{on_database}\n"
        ));
        match self.agent_line {
            Some((line, true)) => text.push_str(&format!(
                "    Ask for a person and watch the console: answer 1, 1, 6446, then 0, and stay on \
                 the line\n    (the demo's agent line {line} is made up: no phone rings, the call \
                 rings out, and\n    the transfer waits on the console until you hang up):\n    \
                 cargo run -- call --url {url}{sign} --from +15552126618 --agent-no-answer\n"
            )),
            Some((line, false)) => text.push_str(&format!(
                "    Ask for a person (answer 1, 1, 6446, then 0): the call rings your agent line \
                 {line}\n    and pops up on the console:\n    \
                 cargo run -- call --url {url}{sign} --from +15552126618\n"
            )),
            None => {}
        }
        if !self.provider_from_env {
            text.push_str(&format!(
                "    The demo serves every provider: add --provider NAME to any call to speak its \
                 dialect\n    ({}).\n",
                registry::names().join(", ")
            ));
        }
        text.push_str(
            "\n  A real number: set IVRPAY_PUBLIC_URL to your public https URL (e.g. a tunnel) and \
             your\n  provider's webhook key, then paste the line's URLs into its console \
             (docs/providers.md):\n",
        );
        for provider in registry::REGISTERED {
            let urls: Vec<String> = provider
                .console
                .iter()
                .map(|field| {
                    let event = field.event.path_segment();
                    format!(
                        "{event} {} {url}/{}/{event}",
                        field.method, provider.path_prefix
                    )
                })
                .collect();
            let settings: Vec<&str> = std::iter::once(provider.webhook_key.env)
                .chain(provider.webhook_also.iter().copied())
                .collect();
            text.push_str(&format!(
                "    {} (set {}):\n      {}\n",
                provider.path_prefix,
                settings.join(" and "),
                urls.join(", ")
            ));
        }
        if self.admin_from_env {
            text.push_str(&format!(
                "\n  Call records (with IVRPAY_ADMIN_TOKEN from your environment):\n    \
                 curl -H \"Authorization: Bearer $IVRPAY_ADMIN_TOKEN\" {url}/api/calls/CALL_SID\n"
            ));
        } else {
            text.push_str(&format!(
                "\n  Call records (the demo's admin token):\n    \
                 curl -H 'Authorization: Bearer {}' {url}/api/calls/CALL_SID\n",
                self.tokens.admin_token
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> DemoTokens {
        DemoTokens {
            path: PathBuf::from("ivrpay.db.demo-tokens"),
            provider_token: "demo-provider-token".into(),
            admin_token: "demo-admin-token".into(),
            agent_password: Some("demo-agent-password".into()),
        }
    }

    fn banner(tokens: &DemoTokens, from_env: bool, agent_line: Option<(&str, bool)>) -> String {
        Banner {
            url: "http://127.0.0.1:8080",
            database_url: "sqlite:ivrpay.db",
            notes: &[],
            tokens,
            provider_from_env: from_env,
            admin_from_env: from_env,
            agent_line,
        }
        .text()
    }

    #[test]
    fn the_banner_shows_the_console_the_dashboard_the_agent_and_how_to_add_one() {
        let tokens = tokens();
        let text = banner(&tokens, false, Some((DEMO_AGENT_LINE, true)));
        for needle in [
            "http://127.0.0.1:8080/agent ",
            "http://127.0.0.1:8080/dashboard",
            "Sign in as demo with the password demo-agent-password (generated by the demo",
            "cargo run -- agents add ana --name \"Ana López\"\n",
            "--from +15552126618 --agent-no-answer",
            DEMO_AGENT_LINE,
            "Bearer demo-admin-token",
        ] {
            assert!(text.contains(needle), "{needle:?} in {text}");
        }
        // The call finds the kept token itself: no secret on the command line.
        assert!(!text.contains("demo-provider-token"), "{text}");
    }

    #[test]
    fn secrets_from_the_environment_are_named_never_printed() {
        let tokens = tokens();
        let text = banner(&tokens, true, Some(("+15551234567", false)));
        let provider_env = registry::demo_provider().webhook_key.env;
        assert!(
            text.contains(&format!("--auth-token \"${provider_env}\"")),
            "{text}"
        );
        assert!(text.contains("Bearer $IVRPAY_ADMIN_TOKEN"), "{text}");
        assert!(text.contains("from your environment"), "{text}");
        // The demo's own admin token is not the one in force, so it is not offered either.
        assert!(!text.contains("demo-admin-token"), "{text}");
        assert!(
            text.contains("rings your agent line +15551234567"),
            "{text}"
        );
    }
}
