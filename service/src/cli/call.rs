//! `ivrpay call`: a simulated caller in the terminal.

use std::io::{BufRead, Write};

use clap::Args;

use super::*;
use crate::telephony::registry::{self, Registration};
use ivrpay_simulators::caller::Call;

/// Which provider simulated calls come from, and the secret they are signed with.
#[derive(Debug, Args)]
pub(super) struct ProviderArgs {
    /// The provider the calls come from (its paths, its signatures, how it reads the answers).
    #[arg(
        long,
        default_value = default_provider(),
        value_parser = provider_names(),
    )]
    pub(super) provider: String,
    /// The provider's webhook secret to sign with (the server's).
    #[arg(long, long_help = secret_help())]
    pub(super) auth_token: Option<String>,
}

/// `--provider`'s default: the first registered, the one the demo serves.
pub(super) fn default_provider() -> &'static str {
    registry::demo_provider().path_prefix
}

/// `--provider`'s values: the registered providers' names.
pub(super) fn provider_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(registry::names())
}

/// `--auth-token`'s long help: where each provider's secret is read from when it is not given.
fn secret_help() -> String {
    let variables: Vec<String> = registry::REGISTERED
        .iter()
        .filter_map(|entry| {
            let env = entry.signing_secret_env()?;
            Some(format!("{env} for {}", entry.path_prefix))
        })
        .collect();
    format!(
        "The secret to sign with: the server's webhook secret, or for a provider that signs with \
         a key pair, the simulator's key (the server must trust its public key: `ivrpay \
         simulator-settings` prints it); default: the variable the provider's registration names \
         ({}), and for `call`, else the token `serve --demo` keeps, which the demo serves every \
         provider with",
        variables.join(", ")
    )
}

impl ProviderArgs {
    /// The registered provider chosen.
    ///
    /// # Errors
    /// No provider has that name (clap has already refused it; this keeps it honest).
    pub(super) fn registration(&self) -> Result<&'static Registration, String> {
        registry::registration(&self.provider).ok_or_else(|| {
            format!(
                "no provider named \"{}\"; the providers are {}",
                self.provider,
                registry::names().join(", ")
            )
        })
    }

    /// The secret given, else the one in the variable the provider's registration names.
    pub(super) fn secret(&self) -> Result<Option<String>, String> {
        let entry = self.registration()?;
        Ok(self
            .auth_token
            .clone()
            .or_else(|| {
                entry
                    .signing_secret_env()
                    .and_then(|env| std::env::var(env).ok())
            })
            .filter(|secret| !secret.is_empty()))
    }
}

#[derive(Debug, Args)]
pub(super) struct CallArgs {
    /// The server's base URL, as it signs webhooks (its public URL).
    #[arg(
        long,
        env = "IVRPAY_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub(super) url: String,
    /// Caller ID to present.
    #[arg(long, default_value = "+15550000000")]
    pub(super) from: String,
    /// Number called.
    #[arg(long, default_value = "+18005550100")]
    pub(super) to: String,
    /// Answers for each question, comma separated (an empty answer is silence; an answer
    /// starting with `"` is said rather than pressed); without it, answers are read from the
    /// terminal.
    #[arg(long)]
    pub(super) keys: Option<String>,
    #[command(flatten)]
    pub(super) provider: ProviderArgs,
    /// The demo server's database, to find the token `serve --demo` keeps beside it (the one
    /// signed with when no secret is given and the call comes from the demo's provider).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:ivrpay.db")]
    pub(super) database_url: String,
    /// Let transfers ring out unanswered.
    #[arg(long)]
    pub(super) agent_no_answer: bool,
    /// Play recorded prompts through a player on PATH (aplay, paplay, afplay or ffplay); without
    /// one, only their words are shown.
    #[arg(long)]
    pub(super) play: bool,
}

pub(super) async fn call(args: CallArgs) -> Result<(), String> {
    let entry = args.provider.registration()?;
    let auth_token = match args.provider.secret()? {
        Some(token) => token,
        // The demo serves every provider, each accepting what its simulator signs with the
        // kept token.
        None => match DemoTokens::load(&args.database_url) {
            Some(tokens) => tokens.provider_token,
            None => {
                let set = entry
                    .signing_secret_env()
                    .map(|env| format!("set {env} or "))
                    .unwrap_or_default();
                return Err(format!(
                    "no secret to sign the call with: {set}pass --auth-token (the server's); a \
                     demo server's token is read from {}, which `ivrpay serve --demo` writes",
                    DemoTokens::path(&args.database_url).display()
                ));
            }
        },
    };
    let call_sid = format!("CA{}", random_token());
    println!("Calling {} from {} (call {call_sid})", args.url, args.from);
    let mut call = Call::new(
        crate::http_client(),
        Some(&auth_token),
        &call_sid,
        &args.from,
        &args.to,
    );
    call.provider = (entry.simulator)();
    call.agent_answers = !args.agent_no_answer;
    call.start(&args.url).await.map_err(|e| e.to_string())?;
    let player = if args.play { player() } else { None };
    // Ctrl-C is the caller putting the phone down: the call still ends as a provider ends it,
    // with the status callback, so the server does not keep it in progress.
    let talked = tokio::select! {
        talked = converse(&mut call, args.keys, player) => talked,
        _ = tokio::signal::ctrl_c() => {
            println!("\n  (you hang up)");
            Ok(())
        }
    };
    let hung_up = call.hang_up(&args.url).await.map_err(|e| e.to_string());
    talked.and(hung_up)
}

/// Prints the recording's changes from `from` on that came before the line heard at `index`;
/// how many it printed.
fn show_recording_changes(call: &Call, from: usize, index: usize) -> usize {
    let due = call.recording_changes[from..]
        .iter()
        .take_while(|(at, _)| *at <= index);
    let mut printed = 0;
    for (_, change) in due {
        match change {
            crate::voice::RecordingChange::Pause => {
                println!("  \u{23F8} (the call's recording is paused)");
            }
            crate::voice::RecordingChange::Resume => {
                println!("  \u{23FA} (the call's recording resumes)");
            }
        }
        printed += 1;
    }
    printed
}

/// Plays the call out: shows what is heard and answers each question from the script or the
/// terminal, until the server ends the call or the caller runs out of answers.
async fn converse(
    call: &mut Call,
    keys: Option<String>,
    player: Option<(&'static str, &'static [&'static str])>,
) -> Result<(), String> {
    let mut scripted = keys.map(|keys| {
        keys.split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
    });
    let mut shown = 0;
    let mut changes_shown = 0;
    loop {
        for (index, line) in call.heard.iter().enumerate().skip(shown) {
            // Where the line's markup paused or resumed the recording, at the line it came
            // before.
            changes_shown += show_recording_changes(call, changes_shown, index);
            let url = call
                .played
                .iter()
                .find(|(at, _)| *at == index)
                .map(|(_, url)| url);
            match url {
                Some(url) => {
                    println!("  \u{1F3B5} {line}");
                    if let Some(player) = player {
                        play(call, player, url).await;
                    }
                }
                None => println!("  \u{1F50A} {line}"),
            }
        }
        shown = call.heard.len();
        changes_shown += show_recording_changes(call, changes_shown, shown);
        for line in call.agent_heard.drain(..) {
            println!("  (agent hears) {line}");
        }
        if let Some(number) = call.transferred_to.take() {
            println!("  \u{260E} transferred to {number}");
        }
        if call.ended || !call.is_asking() {
            println!("Call ended.");
            return Ok(());
        }
        let keys = match &mut scripted {
            Some(keys) => keys.next(),
            None => {
                print!(
                    "{}> ",
                    if call.listens() {
                        "keys or \"words"
                    } else {
                        "keys"
                    }
                );
                let _ = std::io::stdout().flush();
                // Read off the runtime's threads, so Ctrl-C is heard while waiting for a line.
                tokio::task::spawn_blocking(|| {
                    let mut line = String::new();
                    match std::io::stdin().lock().read_line(&mut line) {
                        Ok(0) | Err(_) => None,
                        Ok(_) => Some(line.trim().to_owned()),
                    }
                })
                .await
                .ok()
                .flatten()
            }
        };
        let Some(keys) = keys else {
            println!("  (you hang up)");
            return Ok(());
        };
        if scripted.is_some() {
            println!(
                "keys> {}",
                if keys.is_empty() { "(silence)" } else { &keys }
            );
        }
        match spoken(&keys) {
            Some((words, confidence)) => call.say(words, confidence).await,
            None => call.press(&keys).await,
        }
        .map_err(|e| e.to_string())?;
    }
}

/// A typed answer that is said rather than pressed: `"make a payment"`, optionally followed by
/// the recognizer's confidence (`"twenty dollars" 0.3`, to hear how an unsure answer is read
/// back). `None` for keys.
fn spoken(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.trim().strip_prefix('"')?;
    let (words, after) = rest.split_once('"').unwrap_or((rest, ""));
    let confidence = Some(after.trim()).filter(|c| !c.is_empty());
    Some((words.trim(), confidence))
}

/// The first audio player on PATH, with the arguments that make it play a file and exit.
fn player() -> Option<(&'static str, &'static [&'static str])> {
    const PLAYERS: [(&str, &[&str]); 4] = [
        ("aplay", &["-q"]),
        ("paplay", &[]),
        ("afplay", &[]),
        ("ffplay", &["-nodisp", "-autoexit", "-loglevel", "quiet"]),
    ];
    let path = std::env::var_os("PATH")?;
    PLAYERS
        .into_iter()
        .find(|(name, _)| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

/// Plays one recording; a failure is shown and the call goes on.
async fn play(call: &Call, (player, args): (&str, &[&str]), url: &str) {
    let bytes = match call.fetch_audio(url).await {
        Ok(bytes) => bytes,
        Err(err) => {
            println!("  (cannot play: {err})");
            return;
        }
    };
    let file = std::env::temp_dir().join(format!("ivrpay-call-{}.wav", std::process::id()));
    if std::fs::write(&file, bytes).is_err() {
        return;
    }
    let status = tokio::process::Command::new(player)
        .args(args)
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await;
    if !status.is_ok_and(|s| s.success()) {
        println!("  (cannot play with {player})");
    }
    let _ = std::fs::remove_file(&file);
}

#[cfg(test)]
mod tests {
    use super::spoken;

    #[test]
    fn a_quote_makes_an_answer_spoken() {
        assert_eq!(spoken("1234#"), None);
        assert_eq!(spoken(""), None);
        assert_eq!(spoken("\"make a payment\""), Some(("make a payment", None)));
        assert_eq!(spoken("\"agent"), Some(("agent", None)));
        assert_eq!(
            spoken(" \"twenty dollars\" 0.3"),
            Some(("twenty dollars", Some("0.3")))
        );
    }
}
