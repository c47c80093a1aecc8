//! `ivrpay flows check`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::telephony::registry;

#[derive(Debug, Subcommand)]
pub(super) enum FlowsCommand {
    /// Print every problem in the flow files as file:line: message.
    Check {
        /// Directory of flow files.
        #[arg(default_value = "call-flows")]
        dir: PathBuf,
        /// Directory of recorded prompts, checked and reported when it holds recordings for a
        /// flow's languages or a flow plays recordings.
        #[arg(long, default_value = "audio")]
        audio: PathBuf,
        /// Also list what the flows use that this provider does differently, and what the line
        /// does instead (with the provider's settings from the environment, where set).
        #[arg(long, value_parser = super::call::provider_names())]
        provider: Option<String>,
    },
}

pub(super) fn check_flows(
    dir: &std::path::Path,
    audio: &std::path::Path,
    provider: Option<&str>,
) -> Result<(), String> {
    // Voices are checked against every provider a flow may be served by.
    let dialects = registry::unverified();
    let provider = provider.map(provider_as_configured).transpose()?;
    match crate::call_flows::load(dir) {
        Ok(crate::call_flows::Loaded {
            flows,
            policies,
            templates: _,
            hours,
        }) => {
            for (name, flow) in &flows {
                for language in &flow.languages {
                    let voice = flow.voices.get(language).map(String::as_str);
                    let warning = dialects
                        .iter()
                        .find_map(|d| d.voice_warning(voice, *language));
                    if let Some(warning) = warning {
                        println!(
                            "{}: warning: {warning}",
                            dir.join(format!("{name}.toml")).display()
                        );
                    }
                }
                println!(
                    "{name}: ok ({} states, languages {})",
                    flow.states.len(),
                    flow.languages
                        .iter()
                        .map(|l| l.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some((dialect, configured)) = &provider {
                    print!("{}", differences_text(flow, dialect.as_ref(), *configured));
                }
            }
            println!(
                "{}: ok ({} policies, {} rules)",
                crate::collections::policy::FILE_NAME,
                policies.policies.len(),
                policies.rules.len()
            );
            println!("{}: ok", crate::messages::templates::FILE_NAME);
            match hours {
                Some(hours) => println!(
                    "{}: ok (time zone {})",
                    crate::hours::FILE_NAME,
                    hours.time_zone()
                ),
                None => println!(
                    "{}: none (the line counts as always open; no callbacks are offered)",
                    crate::hours::FILE_NAME
                ),
            }
            let mut problems = 0;
            for flow in flows.values() {
                let recorded = flow.prompts == crate::flow::definition::PromptSource::Recorded;
                let has_recordings = flow.languages.iter().any(|language| {
                    let base = audio.join(language.code());
                    base.join("prompts").is_dir() || base.join("words").is_dir()
                });
                if recorded || has_recordings {
                    problems += super::audio::report_recordings(audio, flow);
                }
            }
            if problems > 0 {
                return Err(format!("{problems} problem(s) in the recordings"));
            }
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            Err(format!("{} problem(s) in the call flows", problems.len()))
        }
    }
}

/// The provider named `name`, with its settings from the environment where they turn it on,
/// else with none; and whether they did.
fn provider_as_configured(
    name: &str,
) -> Result<(std::sync::Arc<dyn crate::telephony::Dialect>, bool), String> {
    let from_env = super::settings::providers_from_env()
        .into_iter()
        .find(|config| config.name == name);
    let configured = from_env.is_some();
    let config = match from_env {
        Some(config) => config,
        None => registry::registration(name)
            .ok_or_else(|| format!("no provider named \"{name}\""))?
            .with(registry::ProviderSettings::default()),
    };
    let dialect = registry::build(&[config])
        .map_err(|problems| problems.join("\n"))?
        .pop()
        .ok_or_else(|| format!("no provider named \"{name}\""))?;
    Ok((dialect, configured))
}

/// What `flow` uses that `dialect` does differently, a line each, under a heading.
fn differences_text(
    flow: &crate::flow::definition::Flow,
    dialect: &dyn crate::telephony::Dialect,
    configured: bool,
) -> String {
    let provider = dialect.name();
    // Its other settings (its API's, its card capture's): the ones beyond what checks its
    // webhooks.
    let other_settings: Vec<&str> = registry::registration(provider)
        .map(|entry| {
            entry
                .settings
                .iter()
                .map(|setting| setting.env)
                .filter(|env| !entry.webhook_also.contains(env))
                .collect()
        })
        .unwrap_or_default();
    let settings = match (configured, other_settings.is_empty()) {
        (true, _) => " (with its settings from the environment)".to_owned(),
        (false, true) => String::new(),
        (false, false) => format!(
            " (with none of its other settings: set {} to check what they add)",
            other_settings.join(", ")
        ),
    };
    let met = crate::telephony::differences::met_by(flow, dialect);
    if met.is_empty() {
        return format!("  on {provider}{settings}: nothing differs\n");
    }
    let mut text = format!("  on {provider}{settings}, {} differ:\n", met.len());
    for difference in met {
        text.push_str(&format!(
            "    - {}: {}\n",
            difference.feature.name(),
            difference.instead
        ));
    }
    text
}
