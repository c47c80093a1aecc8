//! Changing a recording's sample rate with a windowed-sinc low-pass filter.
//!
//! espeak-ng (the demo set) writes 22050 Hz and studio recordings are often 44.1 or 48 kHz; a
//! phone line wants 8000 Hz. Dropping samples would fold everything above the new Nyquist
//! frequency back into the voice as hiss and whistles, so each output sample is a sum of input
//! samples weighted by a sinc whose cutoff sits just under the lower of the two Nyquist
//! frequencies, shaped by a Blackman window.

/// Zero crossings of the sinc on each side of the centre: the filter's length, and its sharpness.
const ZERO_CROSSINGS: f64 = 12.0;

/// Where the pass band ends, as a fraction of the lower Nyquist frequency; the rest of the way is
/// the transition band.
const PASS: f64 = 0.9;

/// Resamples mono `input` from `from` Hz to `to` Hz.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    // The cutoff in cycles per input sample; below 0.5 when going down.
    let cutoff = PASS * 0.5 * (f64::from(to) / f64::from(from)).min(1.0);
    let half_width = (ZERO_CROSSINGS / (2.0 * cutoff)).ceil() as i64;
    let g = gcd(from, to);
    let (step_num, step_den) = (u64::from(from / g), u64::from(to / g));
    // Output sample n sits at input position n * from / to; its fractional part takes only
    // `step_den` values, so the weights are computed once per phase (when that is few enough).
    let phases = usize::try_from(step_den).unwrap_or(usize::MAX);
    let taps = (2 * half_width) as usize;
    let table: Option<Vec<f32>> = (phases <= 4096).then(|| {
        let mut table = Vec::with_capacity(phases * taps);
        for phase in 0..phases {
            let frac = phase as f64 / step_den as f64;
            for k in 0..taps {
                let offset = (k as i64 - half_width + 1) as f64 - frac;
                table.push(weight(offset, cutoff, half_width as f64) as f32);
            }
        }
        table
    });
    let out_len = (input.len() as u64 * step_den / step_num) as usize;
    let mut output = Vec::with_capacity(out_len);
    for n in 0..out_len as u64 {
        let position = n * step_num;
        let base = (position / step_den) as i64;
        let phase = (position % step_den) as usize;
        let mut sum = 0.0f32;
        for k in 0..taps {
            let index = base + k as i64 - half_width + 1;
            if index < 0 || index >= input.len() as i64 {
                continue;
            }
            let w = match &table {
                Some(table) => table[phase * taps + k],
                None => {
                    let frac = phase as f64 / step_den as f64;
                    let offset = (k as i64 - half_width + 1) as f64 - frac;
                    weight(offset, cutoff, half_width as f64) as f32
                }
            };
            sum += input[index as usize] * w;
        }
        output.push(sum);
    }
    output
}

/// The filter's weight at `offset` input samples from the output sample's position.
fn weight(offset: f64, cutoff: f64, half_width: f64) -> f64 {
    if offset.abs() >= half_width {
        return 0.0;
    }
    let x = 2.0 * cutoff * offset;
    let sinc = if x.abs() < 1e-12 {
        1.0
    } else {
        (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
    };
    // Blackman window over [-half_width, half_width].
    let t = (offset + half_width) / (2.0 * half_width);
    let window = 0.42 - 0.5 * (std::f64::consts::TAU * t).cos()
        + 0.08 * (2.0 * std::f64::consts::TAU * t).cos();
    2.0 * cutoff * sinc * window
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(f64::from(rate) * seconds) as usize)
            .map(|n| (std::f64::consts::TAU * hz * n as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    /// Root mean square of the middle of a signal (away from the filter's edges).
    fn rms(signal: &[f32]) -> f64 {
        let middle = &signal[signal.len() / 4..signal.len() * 3 / 4];
        (middle.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / middle.len() as f64).sqrt()
    }

    #[test]
    fn a_voice_band_tone_survives_going_down_to_a_phone_line() {
        let input = tone(1000.0, 22050, 0.5);
        let output = resample(&input, 22050, 8000);
        assert_eq!(output.len(), 4000);
        let ratio = rms(&output) / rms(&input);
        assert!((ratio - 1.0).abs() < 0.02, "1 kHz kept at {ratio}");
    }

    #[test]
    fn a_tone_above_the_new_nyquist_frequency_is_removed() {
        let input = tone(10_000.0, 22050, 0.5);
        for to in [8000, 16000] {
            let output = resample(&input, 22050, to);
            let ratio = rms(&output) / rms(&input);
            // At least 40 dB down; naive decimation would fold it back at full strength.
            assert!(ratio < 0.01, "10 kHz left at {ratio} going to {to} Hz");
        }
    }

    #[test]
    fn going_up_keeps_the_tone() {
        let input = tone(1000.0, 8000, 0.5);
        let output = resample(&input, 8000, 16000);
        assert_eq!(output.len(), 8000);
        let ratio = rms(&output) / rms(&input);
        assert!((ratio - 1.0).abs() < 0.02, "{ratio}");
    }
}
