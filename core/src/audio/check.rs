//! Reading one recording with `hound` and checking it is fit to play and to stitch.
//!
//! A telephone line carries 8 kHz audio, so recordings are PCM, 16-bit, mono, at 8000 or 16000 Hz
//! (one rate per language, so stitching never resamples); a word lasts 0.05 to 3 seconds and a
//! prompt at most a minute; a recording must not be silent (a muted microphone) nor clipped
//! (recorded too loud). Each problem says what to do about it.

use std::path::Path;

/// The sample rates recordings may have.
pub const RATES: [u32; 2] = [8000, 16000];

/// What the fix for a format problem says.
const CONVERT: &str = "convert with `ivrpay audio convert IN OUT`";

/// How long a recording may be, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Shortest.
    pub min_ms: u64,
    /// Longest.
    pub max_ms: u64,
}

/// A recorded word.
pub const WORD: Limits = Limits {
    min_ms: 50,
    max_ms: 3_000,
};

/// A recorded prompt, or a piece of one.
pub const PROMPT: Limits = Limits {
    min_ms: 50,
    max_ms: 60_000,
};

/// Loudest sample below which a recording counts as silent: 1% of full scale (-40 dBFS).
const SILENT_PEAK: i32 = 328;

/// A recording that passed the checks.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Samples per second.
    pub rate: u32,
    /// The samples, when asked for.
    pub samples: Vec<i16>,
}

/// Reads and checks one recording.
///
/// # Errors
/// Every problem found, each a sentence with its fix (the caller adds the file name).
pub fn check(path: &Path, limits: Limits) -> Result<Checked, Vec<String>> {
    let reader = hound::WavReader::open(path).map_err(|err| {
        vec![format!(
            "not a WAV file that can be read ({err}); save it as WAV (PCM, 16-bit, mono) or \
             {CONVERT}"
        )]
    })?;
    let spec = reader.spec();
    let mut problems = Vec::new();
    if spec.sample_format == hound::SampleFormat::Float {
        problems.push(format!(
            "{}-bit floating-point samples; record 16-bit PCM or {CONVERT}",
            spec.bits_per_sample
        ));
    } else if spec.bits_per_sample != 16 {
        problems.push(format!(
            "{}-bit samples; record 16-bit PCM or {CONVERT}",
            spec.bits_per_sample
        ));
    }
    if spec.channels != 1 {
        problems.push(format!(
            "{}; record in mono or {CONVERT}",
            if spec.channels == 2 {
                "stereo".to_owned()
            } else {
                format!("{} channels", spec.channels)
            }
        ));
    }
    if !RATES.contains(&spec.sample_rate) {
        problems.push(format!(
            "{} Hz; record at 8000 or 16000 Hz or {CONVERT} (8000 Hz unless --rate 16000)",
            spec.sample_rate
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let samples: Vec<i16> = reader
        .into_samples::<i16>()
        .collect::<Result<_, _>>()
        .map_err(|err| vec![format!("its samples cannot be read ({err}); {CONVERT}")])?;
    let ms = samples.len() as u64 * 1000 / u64::from(spec.sample_rate);
    if ms < limits.min_ms {
        problems.push(format!(
            "{ms} ms long, shorter than {} ms; record it again with the whole word",
            limits.min_ms
        ));
    } else if ms > limits.max_ms {
        problems.push(format!(
            "{:.1} s long, longer than the {} s a recording here may last; shorten it or split \
             the prompt",
            ms as f64 / 1000.0,
            limits.max_ms / 1000
        ));
    }
    let peak = samples
        .iter()
        .map(|s| i32::from(*s).abs())
        .max()
        .unwrap_or(0);
    if peak < SILENT_PEAK {
        problems.push(format!(
            "silent (loudest sample {}); check the microphone and record it again",
            level(peak)
        ));
    }
    let clipped = samples
        .iter()
        .filter(|s| **s == i16::MAX || **s == i16::MIN)
        .count();
    // A stray full-scale sample happens; a run of them is distortion a caller hears.
    if clipped > (samples.len() / 1000).max(2) {
        problems.push(format!(
            "clipped ({clipped} samples at full scale); record it again at a lower level"
        ));
    }
    if problems.is_empty() {
        Ok(Checked {
            rate: spec.sample_rate,
            samples,
        })
    } else {
        Err(problems)
    }
}

/// A sample's level in dBFS, for messages.
fn level(peak: i32) -> String {
    if peak == 0 {
        "is zero".to_owned()
    } else {
        format!("{:.0} dBFS", 20.0 * (f64::from(peak) / 32768.0).log10())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a WAV of a 440 Hz tone in `spec`, `ms` long, at `amplitude` of full scale.
    pub(crate) fn tone(path: &Path, spec: hound::WavSpec, ms: u32, amplitude: f64) {
        let mut writer = hound::WavWriter::create(path, spec).expect("create");
        let frames = spec.sample_rate * ms / 1000;
        for n in 0..frames {
            let t = f64::from(n) / f64::from(spec.sample_rate);
            let x = (t * 440.0 * std::f64::consts::TAU).sin() * amplitude;
            for _ in 0..spec.channels {
                match (spec.sample_format, spec.bits_per_sample) {
                    (hound::SampleFormat::Float, _) => writer.write_sample(x as f32),
                    (_, 8) => writer.write_sample((x * 127.0) as i8),
                    _ => writer.write_sample((x * 32767.0).round() as i16),
                }
                .expect("sample");
            }
        }
        writer.finalize().expect("finalize");
    }

    pub(crate) fn spec(rate: u32) -> hound::WavSpec {
        hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        }
    }

    fn problems(spec: hound::WavSpec, ms: u32, amplitude: f64, limits: Limits) -> Vec<String> {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.wav");
        tone(&path, spec, ms, amplitude);
        check(&path, limits).err().unwrap_or_default()
    }

    #[test]
    fn a_good_recording_passes() {
        assert!(problems(spec(8000), 500, 0.5, WORD).is_empty());
        assert!(problems(spec(16000), 2000, 0.5, PROMPT).is_empty());
    }

    #[test]
    fn stereo_is_refused_with_the_fix() {
        let found = problems(
            hound::WavSpec {
                channels: 2,
                ..spec(8000)
            },
            500,
            0.5,
            WORD,
        );
        assert_eq!(
            found,
            ["stereo; record in mono or convert with `ivrpay audio convert IN OUT`"]
        );
    }

    #[test]
    fn a_rate_a_phone_line_does_not_use_is_refused() {
        let found = problems(spec(44100), 500, 0.5, WORD);
        assert!(
            found[0].starts_with("44100 Hz; record at 8000 or 16000 Hz"),
            "{found:?}"
        );
    }

    #[test]
    fn eight_bit_and_float_samples_are_refused() {
        let eight = problems(
            hound::WavSpec {
                bits_per_sample: 8,
                ..spec(8000)
            },
            500,
            0.5,
            WORD,
        );
        assert!(eight[0].starts_with("8-bit samples"), "{eight:?}");
        let float = problems(
            hound::WavSpec {
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
                ..spec(8000)
            },
            500,
            0.5,
            WORD,
        );
        assert!(float[0].starts_with("32-bit floating-point"), "{float:?}");
    }

    #[test]
    fn silence_and_clipping_are_refused() {
        let silent = problems(spec(8000), 500, 0.001, WORD);
        assert!(silent[0].starts_with("silent"), "{silent:?}");
        let clipped = problems(spec(8000), 500, 1.5, WORD);
        assert!(clipped[0].starts_with("clipped"), "{clipped:?}");
    }

    #[test]
    fn lengths_are_bounded() {
        let long_word = problems(spec(8000), 3500, 0.5, WORD);
        assert!(
            long_word[0].contains("longer than the 3 s"),
            "{long_word:?}"
        );
        let short = problems(spec(8000), 20, 0.5, WORD);
        assert!(short[0].contains("shorter than 50 ms"), "{short:?}");
        let long_prompt = problems(spec(8000), 61_000, 0.5, PROMPT);
        assert!(
            long_prompt[0].contains("longer than the 60 s"),
            "{long_prompt:?}"
        );
    }

    #[test]
    fn what_is_not_a_wav_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.wav");
        std::fs::write(&path, b"ID3 not audio").expect("write");
        let found = check(&path, WORD).err().unwrap_or_default();
        assert!(found[0].starts_with("not a WAV file"), "{found:?}");
    }
}
