//! Turning any WAV file into one fit to play: mono, 16-bit PCM, at 8000 or 16000 Hz
//! (`ivrpay audio convert IN OUT`), and the pieces of that the demo set uses.

use std::path::Path;

use super::resample::resample;

/// Reads any WAV `hound` understands (8 to 32-bit integer or float samples, any number of
/// channels, any rate) as mono samples between -1 and 1, with its rate.
///
/// # Errors
/// The file cannot be read as WAV.
pub fn read_mono(path: &Path) -> Result<(Vec<f32>, u32), String> {
    let reader = hound::WavReader::open(path).map_err(|err| {
        format!(
            "{}: not a WAV file that can be read ({err})",
            path.display()
        )
    })?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|s| s as f32 / scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|err| format!("{}: its samples cannot be read ({err})", path.display()))?;
    let mono = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Writes mono samples between -1 and 1 as a 16-bit PCM WAV file at `rate`.
///
/// # Errors
/// The file cannot be written.
pub fn write_mono16(path: &Path, rate: u32, samples: &[f32]) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let fail = |err: hound::Error| format!("{}: cannot be written ({err})", path.display());
    let mut writer = hound::WavWriter::create(path, spec).map_err(fail)?;
    for sample in samples {
        writer
            .write_sample((sample.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .map_err(fail)?;
    }
    writer.finalize().map_err(fail)
}

/// Converts `input` to a mono 16-bit WAV at `rate` in `output`.
///
/// # Errors
/// Either file cannot be read or written, or the rate is not one recordings may have.
pub fn convert(input: &Path, output: &Path, rate: u32) -> Result<(), String> {
    if !super::check::RATES.contains(&rate) {
        return Err(format!("--rate {rate}: recordings are 8000 or 16000 Hz"));
    }
    let (samples, from) = read_mono(input)?;
    write_mono16(output, rate, &resample(&samples, from, rate))
}

/// Cuts the silence before and after the sound, keeping `margin_ms` of it on each side.
pub fn trim(samples: &[f32], rate: u32, margin_ms: u32) -> &[f32] {
    let peak = samples.iter().fold(0f32, |peak, s| peak.max(s.abs()));
    let threshold = peak * 0.02;
    let margin = (u64::from(rate) * u64::from(margin_ms) / 1000) as usize;
    let Some(first) = samples.iter().position(|s| s.abs() > threshold) else {
        return &[];
    };
    let last = samples
        .iter()
        .rposition(|s| s.abs() > threshold)
        .unwrap_or(first);
    &samples[first.saturating_sub(margin)..(last + 1 + margin).min(samples.len())]
}

/// Scales samples so the loudest is at `peak` (of full scale).
pub fn normalize(samples: &mut [f32], peak: f32) {
    let loudest = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if loudest > 0.0 {
        let gain = peak / loudest;
        samples.iter_mut().for_each(|s| *s *= gain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::check::{self, tests::tone};

    #[test]
    fn a_stereo_cd_recording_becomes_one_fit_for_a_phone_line() {
        let dir = tempfile::tempdir().expect("dir");
        let input = dir.path().join("in.wav");
        let output = dir.path().join("out.wav");
        tone(
            &input,
            hound::WavSpec {
                channels: 2,
                sample_rate: 44100,
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
            },
            700,
            0.5,
        );
        assert!(check::check(&input, check::WORD).is_err());
        convert(&input, &output, 8000).expect("converts");
        let checked = check::check(&output, check::WORD).expect("passes the checks");
        assert_eq!(checked.rate, 8000);
        assert_eq!(checked.samples.len(), 5600);
    }

    #[test]
    fn trimming_keeps_the_sound_and_a_margin() {
        let mut samples = vec![0.0f32; 1000];
        samples[400..600].fill(0.5);
        let trimmed = trim(&samples, 1000, 10);
        assert_eq!(trimmed.len(), 220);
    }
}
