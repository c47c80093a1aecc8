//! `ivrpay agents add|list|disable`: who may sign in to the console at `/agent`.
//!
//! A password is never a flag or an environment variable (both show in process lists and shell
//! history): it is asked for at the terminal without echo, twice, or read as one line from
//! standard input when that is not a terminal (`... < file`, a secrets manager's pipe).

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use crate::agents::{Password, Role, Username};
use crate::clock::{Clock, SystemClock};
use crate::store::{PoolSettings, Store};

#[derive(Debug, Subcommand)]
pub(super) enum AgentsCommand {
    /// Add an agent; the password (at least 12 characters) is asked for, or read from stdin.
    Add {
        /// What they sign in with: letters, digits, '.', '_', '-'.
        username: String,
        /// The name the console greets them by (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// An admin rather than an agent.
        #[arg(long)]
        admin: bool,
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
        database_url: String,
    },
    /// List agents: username, role, name, whether disabled.
    List {
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
        database_url: String,
    },
    /// Disable an agent: they cannot sign in, and every session they have ends now.
    Disable {
        /// Their username.
        username: String,
        /// Database URL.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
        database_url: String,
    },
}

async fn connect(database_url: &str) -> Result<Store, String> {
    Store::connect(database_url, &PoolSettings::default())
        .await
        .map_err(|e| e.to_string())
}

/// The new password: prompted twice without echo at a terminal, else one line of stdin.
fn read_new_password() -> Result<Password, String> {
    if std::io::stdin().is_terminal() {
        return prompted_twice(|prompt| {
            rpassword::prompt_password(prompt).map_err(|e| format!("cannot read the password: {e}"))
        });
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Password::new_for_agent(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Asks for the password, refuses one that cannot do at once (rather than after it was typed
/// twice), then asks again to catch a typo.
fn prompted_twice(
    mut prompt: impl FnMut(&str) -> Result<String, String>,
) -> Result<Password, String> {
    let first = prompt("Password (at least 12 characters): ")?;
    let password = Password::new_for_agent(first)?;
    let again = Password::typed(prompt("Again: ")?);
    if !password.same_as(&again) {
        return Err("the two passwords differ; nothing was added".to_owned());
    }
    Ok(password)
}

pub(super) async fn agents(command: AgentsCommand) -> Result<(), String> {
    match command {
        AgentsCommand::Add {
            username,
            name,
            admin,
            database_url,
        } => {
            let username = Username::parse(&username)?;
            let display_name = name
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| username.as_str().to_owned());
            let password = read_new_password()?;
            let hash = password.hash()?;
            let role = if admin { Role::Admin } else { Role::Agent };
            let store = connect(&database_url).await?;
            let added = store
                .add_agent(
                    username.as_str(),
                    &display_name,
                    &hash,
                    role.as_str(),
                    SystemClock.now_ms(),
                )
                .await
                .map_err(|e| e.to_string())?;
            match added {
                Some(_) => {
                    println!(
                        "Added {} {} ({display_name}). They sign in at /agent/sign-in.",
                        role.as_str(),
                        username.as_str()
                    );
                    Ok(())
                }
                None => Err(format!(
                    "there is already an agent named {}; nothing was changed",
                    username.as_str()
                )),
            }
        }
        AgentsCommand::List { database_url } => {
            let store = connect(&database_url).await?;
            let agents = store.agents().await.map_err(|e| e.to_string())?;
            if agents.is_empty() {
                println!("No agents yet: add one with `ivrpay agents add USERNAME`.");
            }
            for agent in agents {
                println!(
                    "{}\t{}\t{}{}",
                    agent.username,
                    agent.role,
                    agent.display_name,
                    if agent.disabled { "\tdisabled" } else { "" }
                );
            }
            Ok(())
        }
        AgentsCommand::Disable {
            username,
            database_url,
        } => {
            let username = Username::parse(&username)?;
            let store = connect(&database_url).await?;
            if store
                .disable_agent(username.as_str())
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "Disabled {}: they cannot sign in, and their sessions have ended.",
                    username.as_str()
                );
                Ok(())
            } else {
                Err(format!("no agent named {}", username.as_str()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prompted_twice;

    #[test]
    fn a_short_password_is_refused_before_it_is_asked_again() {
        let mut asked = Vec::new();
        let refused = prompted_twice(|prompt| {
            asked.push(prompt.to_owned());
            Ok("short".to_owned())
        });
        assert!(
            refused
                .expect_err("too short")
                .contains("at least 12 characters")
        );
        assert_eq!(asked.len(), 1, "{asked:?}");
    }

    #[test]
    fn the_password_is_asked_twice_and_must_match() {
        let mut answers = vec!["a long enough password", "a long enough passwort"].into_iter();
        let differ = prompted_twice(|_| Ok(answers.next().unwrap_or_default().to_owned()));
        assert!(differ.expect_err("differ").contains("differ"));
        let mut answers = vec!["a long enough password"; 2].into_iter();
        assert!(prompted_twice(|_| Ok(answers.next().unwrap_or_default().to_owned())).is_ok());
    }
}
