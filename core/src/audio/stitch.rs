//! One WAV from recorded parts: pieces of a prompt and words, with short silences between them.
//!
//! Recordings of one language share a sample rate (checked at load), so stitching only copies
//! samples. The silence between two parts is as long as the punctuation between them asks: a
//! short gap between words, longer at a comma, longer still at the end of a sentence.

use super::words::Pause;

/// Silence between two words, in milliseconds.
pub const WORD_GAP_MS: u32 = 60;
/// Silence at a comma.
pub const SHORT_PAUSE_MS: u32 = 220;
/// Silence at the end of a sentence.
pub const LONG_PAUSE_MS: u32 = 450;

/// A part of a clip.
#[derive(Debug, Clone, Copy)]
pub enum Segment<'a> {
    /// Recorded samples.
    Audio(&'a [i16]),
    /// A pause the punctuation asks for.
    Pause(Pause),
}

/// The samples of a clip at `rate`: the audio parts in order, with the gap between each two of
/// them that the longest pause between them asks for (or the word gap). Pauses before the first
/// or after the last audio add nothing.
pub fn stitch(rate: u32, segments: &[Segment<'_>]) -> Vec<i16> {
    let gap = |ms: u32| (u64::from(rate) * u64::from(ms) / 1000) as usize;
    let mut samples = Vec::new();
    let mut pending: Option<Pause> = None;
    let mut started = false;
    for segment in segments {
        match segment {
            Segment::Pause(pause) => pending = pending.max(Some(*pause)),
            Segment::Audio(audio) => {
                if started {
                    let ms = match pending {
                        None => WORD_GAP_MS,
                        Some(Pause::Short) => SHORT_PAUSE_MS,
                        Some(Pause::Long) => LONG_PAUSE_MS,
                    };
                    samples.resize(samples.len() + gap(ms), 0);
                }
                samples.extend_from_slice(audio);
                started = true;
                pending = None;
            }
        }
    }
    samples
}

/// A mono 16-bit WAV file of `samples` at `rate`, in memory.
pub fn wav_bytes(rate: u32, samples: &[i16]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    // Writing to memory fails only if the file would pass 4 GiB, which a clip never nears.
    if let Ok(mut writer) = hound::WavWriter::new(&mut bytes, spec) {
        let written = samples
            .iter()
            .try_for_each(|sample| writer.write_sample(*sample))
            .and_then(|()| writer.finalize());
        debug_assert!(written.is_ok(), "a WAV in memory is always written");
    }
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_its_parts_plus_the_gaps_punctuation_asks_for() {
        let word = vec![1000i16; 800];
        let piece = vec![-1000i16; 4000];
        let segments = [
            Segment::Audio(&piece),
            Segment::Audio(&word),
            Segment::Audio(&word),
            Segment::Pause(Pause::Short),
            Segment::Audio(&word),
            Segment::Pause(Pause::Long),
            Segment::Audio(&piece),
            Segment::Pause(Pause::Long),
        ];
        let samples = stitch(8000, &segments);
        let gaps = 2 * 8 * WORD_GAP_MS + 8 * SHORT_PAUSE_MS + 8 * LONG_PAUSE_MS;
        assert_eq!(samples.len(), 2 * 4000 + 3 * 800 + gaps as usize);

        let bytes = wav_bytes(8000, &samples);
        let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).expect("a valid WAV");
        assert_eq!(reader.spec().sample_rate, 8000);
        assert_eq!(reader.spec().channels, 1);
        assert_eq!(reader.spec().bits_per_sample, 16);
        assert_eq!(reader.duration() as usize, samples.len());
        let read: Vec<i16> = reader
            .into_samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("samples");
        assert_eq!(read, samples);
    }
}
