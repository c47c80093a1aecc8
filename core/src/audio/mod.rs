//! Recorded prompts: a flow with `[flow] prompts = "recorded"` plays recordings from the audio
//! directory (default `audio/`) wherever a prompt is fully recorded, and text-to-speech speaks
//! the rest, prompt by prompt.
//!
//! - [`script`]: what is recorded for a flow, and the file names (`<language>/prompts/<name>.wav`,
//!   pieces `<name>.1.wav` ... between variables, `<language>/words/<word>.wav`);
//! - [`words`]: spoken money, dates and digits as recorded words, and every word the speech module
//!   can say;
//! - [`check`]: reading a recording with `hound` and checking it (format, length, level);
//! - [`library`]: a flow's recordings loaded at start: the URL a prompt plays from, stitched
//!   clips and their cache, transcripts, coverage;
//! - [`stitch`]: one WAV from pieces and words with natural gaps;
//! - [`resample`], [`convert`]: rate conversion and `ivrpay audio convert`;
//! - [`demo`]: the demo set spoken by espeak-ng (`ivrpay audio make-demo`).

pub mod check;
pub mod convert;
pub mod demo;
pub mod hold;
pub mod library;
pub mod resample;
pub mod script;
pub mod stitch;
pub mod words;

pub use library::{AudioError, Clip, Coverage, Library};
