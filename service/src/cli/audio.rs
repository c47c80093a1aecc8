//! `ivrpay audio make-demo | make-hold | script | convert`: recorded prompts and hold audio.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::one_per_line;
use crate::flow::Flow;
use crate::language::Language;

#[derive(Debug, Subcommand)]
pub(super) enum AudioCommand {
    /// Write a complete recorded set for a flow, spoken by espeak-ng (apt-get install espeak-ng).
    MakeDemo {
        /// Where to write it.
        #[arg(long, default_value = "audio")]
        dir: PathBuf,
        /// Directory of flow files.
        #[arg(long, default_value = "call-flows")]
        flows: PathBuf,
        /// The flow (file stem).
        #[arg(long, default_value = "payment")]
        flow: String,
        /// Sample rate: 8000 (a phone line's) or 16000.
        #[arg(long, default_value_t = 8000)]
        rate: u32,
        /// Replace recordings already in the directory.
        #[arg(long)]
        force: bool,
    },
    /// Write the built-in hold tune (what a caller waiting for a person hears) to DIR/hold.wav.
    MakeHold {
        /// Where to write it.
        #[arg(long, default_value = "audio")]
        dir: PathBuf,
    },
    /// List every file to record for a flow and what it says, for a voice artist.
    Script {
        /// Directory of flow files.
        #[arg(long, default_value = "call-flows")]
        flows: PathBuf,
        /// The flow (file stem).
        #[arg(long, default_value = "payment")]
        flow: String,
        /// Only this language (en, es); default: every language of the flow.
        #[arg(long)]
        language: Option<String>,
    },
    /// Convert any WAV file to one recordings may be: mono, 16-bit PCM, 8000 or 16000 Hz.
    Convert {
        /// The file to convert.
        input: PathBuf,
        /// Where to write the result.
        output: PathBuf,
        /// Sample rate: 8000 or 16000.
        #[arg(long, default_value_t = 8000)]
        rate: u32,
    },
}

pub(super) fn audio(command: AudioCommand) -> Result<(), String> {
    match command {
        AudioCommand::MakeHold { dir } => {
            let path = dir.join(crate::audio::hold::FILE);
            std::fs::write(&path, crate::audio::hold::tune())
                .map_err(|err| format!("{}: cannot write it: {err}", path.display()))?;
            println!("{}: the built-in hold tune", path.display());
            Ok(())
        }
        AudioCommand::MakeDemo {
            dir,
            flows,
            flow,
            rate,
            force,
        } => {
            let flow = load_flow(&flows, &flow)?;
            let started = std::time::Instant::now();
            let made = crate::audio::demo::make(&flow, &dir, rate, force)?;
            println!(
                "Wrote {} recordings ({:.1} MB, {:.0} seconds of audio at {rate} Hz) to {} in {:.1} s.",
                made.files,
                made.bytes as f64 / 1_000_000.0,
                made.seconds,
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            println!(
                "Play them: ivrpay serve --demo --prompts recorded --audio {}",
                dir.display()
            );
            Ok(())
        }
        AudioCommand::Script {
            flows,
            flow,
            language,
        } => {
            let flow = load_flow(&flows, &flow)?;
            let languages: Vec<Language> = match language {
                None => flow.languages.clone(),
                Some(code) => vec![
                    Language::parse(&code)
                        .filter(|l| flow.languages.contains(l))
                        .ok_or_else(|| format!("{code} is not a language of {}", flow.name))?,
                ],
            };
            for language in languages {
                for line in crate::audio::script::lines(&flow, language) {
                    println!("{}\t{}", line.path, line.text);
                }
            }
            Ok(())
        }
        AudioCommand::Convert {
            input,
            output,
            rate,
        } => {
            crate::audio::convert::convert(&input, &output, rate)?;
            match crate::audio::check::check(&output, crate::audio::check::PROMPT) {
                Ok(_) => println!("{}: ok (mono, 16-bit, {rate} Hz)", output.display()),
                Err(problems) => {
                    for problem in problems {
                        println!("{}: {problem}", output.display());
                    }
                }
            }
            Ok(())
        }
    }
}

fn load_flow(dir: &Path, name: &str) -> Result<Flow, String> {
    let loaded = crate::call_flows::load(dir).map_err(|problems| one_per_line(&problems))?;
    loaded
        .flows
        .get(name)
        .cloned()
        .ok_or_else(|| format!("no flow named {name} in {}", dir.display()))
}

/// `flows check`'s report on a flow's recordings: problems (which fail the check), then per
/// language how many prompts are recorded and which fall back to text-to-speech, and why.
/// Returns the problems found.
pub(super) fn report_recordings(audio_dir: &Path, flow: &Flow) -> usize {
    let recorded = flow.prompts == crate::flow::definition::PromptSource::Recorded;
    let library = match crate::audio::Library::load(audio_dir, flow) {
        Ok(library) => library,
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            return problems.len();
        }
    };
    for warning in &library.warnings {
        println!("{warning}: warning");
    }
    let mode = if recorded {
        "the flow plays them"
    } else {
        "the flow speaks with text-to-speech (prompts = \"tts\"); `serve --prompts recorded` plays them"
    };
    println!(
        "{}: recordings in {}; {mode}",
        flow.name,
        audio_dir.display()
    );
    for coverage in library.coverage() {
        if coverage.recorded == 0 && coverage.missing_words.len() == coverage.words {
            println!(
                "  {}: nothing recorded; every prompt is spoken by text-to-speech \
                 (`ivrpay audio script` lists the files)",
                coverage.language
            );
            continue;
        }
        println!(
            "  {}: {} of {} prompts recorded{}; {} of {} words",
            coverage.language,
            coverage.recorded,
            coverage.prompts,
            if coverage.rate > 0 {
                format!(" at {} Hz", coverage.rate)
            } else {
                String::new()
            },
            coverage.words - coverage.missing_words.len(),
            coverage.words,
        );
        if !coverage.missing_words.is_empty() {
            let shown: Vec<&str> = coverage
                .missing_words
                .iter()
                .take(12)
                .map(String::as_str)
                .collect();
            println!(
                "    words missing (a prompt that needs one is spoken by text-to-speech): {}{}",
                shown.join(", "),
                if coverage.missing_words.len() > shown.len() {
                    format!(" and {} more", coverage.missing_words.len() - shown.len())
                } else {
                    String::new()
                }
            );
        }
        for (name, why) in &coverage.fallbacks {
            println!("    text-to-speech: {name} ({why})");
        }
    }
    0
}
