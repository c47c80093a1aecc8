//! The hold audio a caller hears while the line rings a person: `audio/hold.wav`, checked at
//! start like any recording (PCM, 16-bit, mono, 8 or 16 kHz, not silent, not clipped, at most a
//! minute: the caller hears a kind word between rounds).
//!
//! A line without its own file uses a soft tune made here (`ivrpay audio make-hold` writes the
//! same tune to the file, which is what the repository ships), so a caller never waits in silence.
//! Replace the file with music the department holds a licence for.

use std::io::Cursor;
use std::path::Path;

use super::check;

/// The file's name in the audio directory.
pub const FILE: &str = "hold.wav";

/// The tune's sample rate: a telephone line's.
const RATE: u32 = 8000;

/// The hold audio: `dir/hold.wav` when present, else the built-in tune.
///
/// # Errors
/// The file exists but is unfit to play, with each problem and its fix, naming the file.
pub fn load(dir: &Path) -> Result<Vec<u8>, String> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(tune());
    }
    check::check(&path, check::PROMPT).map_err(|problems| {
        format!(
            "{}: {} (or delete it to use the built-in hold tune)",
            path.display(),
            problems.join("; ")
        )
    })?;
    std::fs::read(&path).map_err(|err| format!("{}: cannot read it: {err}", path.display()))
}

/// A calm, looping tune (about 19 s): a slow arpeggio over four chords, each note a soft sine
/// with a gentle attack and decay, well below full scale so it never sounds harsh on a handset.
pub fn tune() -> Vec<u8> {
    // C, A minor, F, G: the common progression that resolves back into itself, so the loop's
    // seam is not heard.
    const CHORDS: [[f64; 4]; 4] = [
        [261.63, 329.63, 392.00, 523.25],
        [220.00, 261.63, 329.63, 440.00],
        [174.61, 220.00, 261.63, 349.23],
        [196.00, 246.94, 293.66, 392.00],
    ];
    const NOTE_SECONDS: f64 = 0.6;
    const ROUNDS: usize = 2;
    let note_samples = (NOTE_SECONDS * f64::from(RATE)) as usize;
    let notes: Vec<f64> = (0..ROUNDS)
        .flat_map(|_| CHORDS.iter())
        .flat_map(|chord| chord.iter().chain(chord.iter().rev().skip(1).take(2)))
        .copied()
        .collect();
    let mut samples = vec![0f64; notes.len() * note_samples + RATE as usize];
    for (index, frequency) in notes.iter().enumerate() {
        let start = index * note_samples;
        // Each note rings on under the next one, like a softly played piano.
        let length = note_samples * 2;
        for n in 0..length {
            let t = n as f64 / f64::from(RATE);
            let attack = (t / 0.04).min(1.0);
            let decay = (-t * 2.2).exp();
            let wave = (2.0 * std::f64::consts::PI * frequency * t).sin()
                + 0.25 * (4.0 * std::f64::consts::PI * frequency * t).sin();
            if let Some(sample) = samples.get_mut(start + n) {
                *sample += wave * attack * decay;
            }
        }
    }
    let peak = samples
        .iter()
        .fold(0f64, |peak, s| peak.max(s.abs()))
        .max(1e-9);
    // A third of full scale.
    let gain = f64::from(i16::MAX) * 0.33 / peak;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    // Writing to memory cannot fail: the writer's errors are I/O errors and format errors, and
    // the format is fixed above.
    if let Ok(mut writer) = hound::WavWriter::new(&mut bytes, spec) {
        for sample in &samples {
            let _ = writer.write_sample((sample * gain).round() as i16);
        }
        let _ = writer.finalize();
    }
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_tune_passes_the_recording_checks() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE);
        std::fs::write(&path, tune()).expect("write");
        let checked = check::check(&path, check::PROMPT).expect("a fit recording");
        assert_eq!(checked.rate, RATE);
        assert_eq!(load(dir.path()).expect("loads"), tune());
    }

    #[test]
    fn an_unfit_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(FILE), b"not audio").expect("write");
        let err = load(dir.path()).expect_err("refused");
        assert!(err.contains("hold.wav"), "{err}");
        assert!(err.contains("ivrpay audio convert"), "{err}");
    }

    #[test]
    fn a_missing_file_means_the_built_in_tune() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(load(dir.path()).expect("loads"), tune());
    }
}
