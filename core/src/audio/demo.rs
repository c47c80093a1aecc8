//! The demo set: every file a flow's recordings can use, spoken by espeak-ng
//! (`ivrpay audio make-demo`), so anyone can hear recorded prompts without a voice artist.
//!
//! espeak-ng (Debian package `espeak-ng`) writes 22050 Hz; each file is trimmed of the silence
//! around it, resampled to the phone line's rate with [`super::resample`], brought to one level,
//! and written as 16-bit mono PCM.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::convert::{normalize, read_mono, trim, write_mono16};
use super::resample::resample;
use super::script;
use crate::flow::Flow;
use crate::language::Language;

/// What the demo set came to.
#[derive(Debug, Clone, Default)]
pub struct Made {
    /// Files written.
    pub files: usize,
    /// Their size on disk, in bytes.
    pub bytes: u64,
    /// Their length, in seconds of audio.
    pub seconds: f64,
}

/// The espeak-ng voice for a language.
pub fn voice(language: Language) -> &'static str {
    match language {
        Language::En => "en-us",
        // Latin American Spanish, as the flow's Spanish is.
        Language::Es => "es-419",
    }
}

/// Whether espeak-ng can be run.
pub fn espeak_available() -> bool {
    Command::new("espeak-ng")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Writes the demo set for `flow` into `dir` (`dir/<language>/prompts/...`, `.../words/...`) at
/// `rate` Hz. Refuses to overwrite recordings already there unless `force`, so a department's own
/// recordings are never lost to a demo.
///
/// # Errors
/// espeak-ng is missing or fails, recordings are in the way, or a file cannot be written.
pub fn make(flow: &Flow, dir: &Path, rate: u32, force: bool) -> Result<Made, String> {
    if !super::check::RATES.contains(&rate) {
        return Err(format!("--rate {rate}: recordings are 8000 or 16000 Hz"));
    }
    if !espeak_available() {
        return Err(
            "espeak-ng is not installed; on Debian or Ubuntu: sudo apt-get install espeak-ng"
                .to_owned(),
        );
    }
    for language in &flow.languages {
        let base = dir.join(language.code());
        let taken = ["prompts", "words"].iter().any(|folder| {
            std::fs::read_dir(base.join(folder))
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .any(|entry| entry.path().extension().is_some_and(|e| e == "wav"))
        });
        if taken && !force {
            return Err(format!(
                "{} already holds recordings; pass --force to replace them with the demo set",
                base.display()
            ));
        }
    }
    let scratch = dir.join(".make-demo.wav");
    let mut made = Made::default();
    for language in &flow.languages {
        for folder in ["prompts", "words"] {
            let path = dir.join(language.code()).join(folder);
            std::fs::create_dir_all(&path)
                .map_err(|err| format!("{}: cannot be created ({err})", path.display()))?;
        }
        for line in script::lines(flow, *language) {
            let path: PathBuf = dir.join(&line.path);
            let (spoken, from) = speak(voice(*language), &line.text, &scratch)?;
            let mut samples = resample(trim(&spoken, from, 15), from, rate);
            if samples.is_empty() {
                return Err(format!("espeak-ng said nothing for {}", line.path));
            }
            normalize(&mut samples, 0.6);
            write_mono16(&path, rate, &samples)?;
            made.files += 1;
            made.seconds += samples.len() as f64 / f64::from(rate);
            made.bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
        }
    }
    let _ = std::fs::remove_file(&scratch);
    Ok(made)
}

/// Has espeak-ng say `text`, a little slower than its default (older callers), into `scratch`.
fn speak(voice: &str, text: &str, scratch: &Path) -> Result<(Vec<f32>, u32), String> {
    use std::io::Write;
    let mut child = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(scratch)
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("espeak-ng cannot be run: {err}"))?;
    // Text on stdin, so nothing in it is read as an option.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|err| format!("espeak-ng: {err}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|err| format!("espeak-ng: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "espeak-ng failed on \"{text}\": {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    read_mono(scratch)
}
