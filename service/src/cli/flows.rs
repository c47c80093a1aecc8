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
    },
}

pub(super) fn check_flows(dir: &std::path::Path, audio: &std::path::Path) -> Result<(), String> {
    // Voices are checked against every provider a flow may be served by.
    let dialects = registry::unverified();
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
