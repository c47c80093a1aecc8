//! The recordings of one flow, loaded and checked once at start, and what is built from them:
//! the URL a prompt plays from, the clips stitched for prompts with variables, transcripts, and
//! how much of the flow is recorded.
//!
//! Words are small and held in memory; whole prompts and prompt pieces stay on disk (a full set
//! of long prompts can be tens of megabytes) and are read when served or stitched. Stitched clips
//! and the prompts served whole are kept in a bounded cache, most recently used first, so clients
//! asking for the same one at once share one copy. Nothing is stored per call: a clip's
//! URL names its parts, so any instance with the same recordings builds the same bytes.
//!
//! Providers fetch clip URLs unsigned, so anyone can ask for one; left open, a short URL naming
//! a long prompt 64 times made megabytes (issue 21). So a clip URL is signed: the last pair,
//! `s=`, is an HMAC over the language and the parts, keyed from the service's data key (every
//! instance of one service shares it, so a URL made on one plays from another). A URL no flow
//! built is refused before anything is read or stitched. And even a signed clip may not be longer
//! than the flow's longest prompt could be ([`Library::clip_bound_bytes`]), worked out at load.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::check::{self, Limits};
use super::script::{self, Fallback, Part};
use super::stitch::{self, Segment};
use super::words::{self, Pause, Token};
use crate::diagnostics::{Problem, nearest_within};
use crate::flow::Flow;
use crate::flow::definition::Var;
use crate::language::Language;
use crate::payments::vault::DataKey;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Most parts (pieces and runs of words) one clip URL may name.
const MAX_PARTS: usize = 64;
/// Most words one clip may say.
const MAX_WORDS: usize = 256;
/// Longest clip query accepted, in bytes.
const MAX_QUERY: usize = 4096;
/// Bytes of stitched clips kept in memory.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Most words one variable of a prompt is said with, for the longest clip a prompt can make: a
/// money amount in the millions is under twenty, a date under ten, an account's digits a dozen.
const VAR_WORDS: usize = 24;
/// The name of a clip URL's signature.
const SIGNATURE: &str = "s";
/// Bytes of the HMAC kept in a clip URL: 128 bits, as hex.
const SIGNATURE_BYTES: usize = 16;
/// What the clip key is derived for, so the data key signs nothing else by accident.
const CLIP_KEY_LABEL: &[u8] = b"ivrpay audio clip URLs v1";

/// A flow's recordings.
#[derive(Debug)]
pub struct Library {
    /// The audio directory, as given (problems name files under it).
    dir: PathBuf,
    /// The recordings of each language of the flow.
    sets: BTreeMap<Language, Set>,
    /// Stitched clips recently served.
    cache: ClipCache,
    /// Signs and checks clip URLs.
    signer: ClipSigner,
    /// Files no prompt or word is named for, and other things worth a look that do not stop the
    /// flow from loading.
    pub warnings: Vec<Problem>,
}

/// The recordings of one language.
#[derive(Debug)]
struct Set {
    /// The one sample rate of the language's recordings (0 when there are none).
    rate: u32,
    /// Recorded prompts and prompt pieces, by file stem.
    pieces: HashMap<String, PieceFile>,
    /// Recorded words, by file stem, with their samples.
    words: HashMap<String, Vec<i16>>,
    /// Every word the speech module can say, by file stem, as spoken.
    vocabulary: &'static BTreeMap<String, String>,
    /// How each prompt of the flow is recorded, or why it cannot be, by prompt name.
    plans: HashMap<String, Result<Vec<Part>, Fallback>>,
    /// The most samples a clip the flow builds can have: its longest prompt, each variable said
    /// with [`VAR_WORDS`] of the longest word, every gap the longest pause.
    bound: usize,
}

/// A recorded prompt or piece of one.
#[derive(Debug)]
struct PieceFile {
    /// Where it is.
    path: PathBuf,
    /// What it says, as written in the flow.
    text: String,
    /// How many samples it holds (checked at load).
    samples: usize,
}

/// A stitched clip, ready to serve.
#[derive(Debug, Clone)]
pub struct Clip {
    /// The WAV file.
    pub bytes: Bytes,
    /// A tag of its content, the same on every instance with the same recordings.
    pub etag: String,
}

/// Why a recording cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    /// The request is not a well-formed audio URL.
    #[error("{0}")]
    BadRequest(String),
    /// It names something that is not recorded.
    #[error("{0}")]
    NotFound(String),
    /// A clip URL no flow built: its signature is missing or wrong.
    #[error("{0}")]
    Forbidden(String),
}

/// How much of a flow is recorded in one language.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The language.
    pub language: Language,
    /// Prompts in the flow.
    pub prompts: usize,
    /// Prompts fully recorded (their words aside).
    pub recorded: usize,
    /// The prompts spoken by text-to-speech, by name, and why.
    pub fallbacks: Vec<(String, Fallback)>,
    /// Words the speech module can say.
    pub words: usize,
    /// Those not recorded, by file stem; a prompt that needs one on a call is spoken by
    /// text-to-speech on that call.
    pub missing_words: Vec<String>,
    /// The sample rate of the recordings (0 when there are none).
    pub rate: u32,
}

impl Library {
    /// Loads and checks the recordings under `dir` for `flow`'s prompts and words. A language
    /// with no folder, or a prompt with no file, is simply spoken by text-to-speech. Clip URLs
    /// are signed with a key of this process's own until [`Library::signing_with`] names the
    /// service's.
    ///
    /// # Errors
    /// Every recording that cannot be played (format, length, level, a second sample rate), each
    /// as `file: what is wrong; how to fix it`.
    pub fn load(dir: &Path, flow: &Flow) -> Result<Library, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let mut sets = BTreeMap::new();
        if !dir.is_dir() {
            warnings.push(Problem::whole(
                dir,
                "there is no audio directory here; every prompt is spoken by text-to-speech \
                 (make one with `ivrpay audio make-demo`, or name it with --audio)",
            ));
        }
        for language in &flow.languages {
            let (set, found) = load_set(dir, flow, *language, &mut warnings);
            problems.extend(found);
            sets.insert(*language, set);
        }
        let signer = match DataKey::generate() {
            Ok(key) => ClipSigner::new(&key),
            Err(err) => {
                problems.push(Problem::whole(
                    dir,
                    format!("cannot make a key to sign clips: {err}"),
                ));
                return Err(problems);
            }
        };
        if problems.is_empty() {
            Ok(Library {
                dir: dir.to_owned(),
                sets,
                cache: ClipCache::new(CACHE_BYTES),
                signer,
                warnings,
            })
        } else {
            Err(problems)
        }
    }

    /// Signs clip URLs with a key derived from the service's data key, which every instance
    /// shares: a clip URL one instance emits then plays from any other.
    #[must_use]
    pub fn signing_with(mut self, key: &DataKey) -> Library {
        self.signer = ClipSigner::new(key);
        self
    }

    /// The most bytes a clip in `language` can have: as long as the flow's longest prompt can
    /// be said (see `Set::bound`). `None` when nothing is recorded in it.
    pub fn clip_bound_bytes(&self, language: Language) -> Option<usize> {
        self.sets
            .get(&language)
            .map(|set| WAV_HEADER + 2 * set.bound)
    }

    /// The path of the clip `query` names (`p=<piece>&w=<words>...`, unsigned), signed.
    pub fn clip_path(&self, language: Language, query: &str) -> String {
        let signature = self
            .signer
            .sign(language, form_urlencoded::parse(query.as_bytes()));
        format!(
            "/audio/{}/clip.wav?{query}&{SIGNATURE}={signature}",
            language.code()
        )
    }

    /// Checks a `clip.wav` query's signature, cheaply, before anything is parsed against the
    /// recordings or read.
    ///
    /// # Errors
    /// [`AudioError::Forbidden`] when it is missing or wrong.
    pub fn verify_clip(&self, language: Language, query: &str) -> Result<(), AudioError> {
        let forbidden = || {
            AudioError::Forbidden(
                "this clip URL was not made by this service; clips play only from the URLs the \
                 call flow gives"
                    .to_owned(),
            )
        };
        if query.len() > MAX_QUERY {
            return Err(AudioError::BadRequest(format!(
                "a clip URL is at most {MAX_QUERY} bytes"
            )));
        }
        let (parts, signature) = query
            .rsplit_once(&format!("&{SIGNATURE}="))
            .ok_or_else(forbidden)?;
        let signature = hex::decode(signature).map_err(|_| forbidden())?;
        self.signer
            .verify(
                language,
                form_urlencoded::parse(parts.as_bytes()),
                &signature,
            )
            .then_some(())
            .ok_or_else(forbidden)
    }

    /// The audio directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path and query (under the service's base URL) that plays the prompt named `prompt` in
    /// `language`, when it is recorded through and through: every piece, and every word its
    /// variables say on this call (`spoken` gives a variable's words; `key` is the key an
    /// option's line names).
    /// `None` means it is spoken by text-to-speech.
    pub fn play_path(
        &self,
        prompt: &str,
        language: Language,
        key: Option<char>,
        mut spoken: impl FnMut(Var) -> String,
    ) -> Option<String> {
        let set = self.sets.get(&language)?;
        let parts = set.plans.get(prompt)?.as_ref().ok()?;
        if let [Part::Piece { stem, .. }] = parts.as_slice() {
            set.pieces.get(stem)?;
            return Some(format!(
                "/audio/{}/prompts/{}.wav",
                language.code(),
                path_segment(stem)
            ));
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for part in parts {
            match part {
                Part::Piece { stem, .. } => {
                    set.pieces.get(stem)?;
                    query.append_pair("p", stem);
                }
                Part::Punctuation(text) => {
                    query.append_pair("w", text.trim());
                }
                Part::Var(var) => {
                    let said = spoken(*var);
                    if said.trim().is_empty() {
                        continue;
                    }
                    set.knows_all(&said, language)?;
                    query.append_pair("w", said.trim());
                }
                Part::Message { var, stem } => {
                    if spoken(*var).trim().is_empty() {
                        continue;
                    }
                    set.pieces.get(*stem)?;
                    query.append_pair("p", stem);
                }
                Part::Key => {
                    let key = key?.to_string();
                    set.knows_all(&key, language)?;
                    query.append_pair("w", &key);
                }
            }
        }
        Some(self.clip_path(language, &query.finish()))
    }

    /// The absolute URL (under `base_url`) that plays a prompt the engine spoke, when it is
    /// recorded through and through; see [`crate::voice::choose_recordings`].
    pub fn recording_url(
        &self,
        spoken: &crate::voice::Recordable,
        language: Language,
        base_url: &str,
    ) -> Option<String> {
        let path = self.play_path(&spoken.prompt, language, spoken.key, |var| {
            spoken
                .words
                .iter()
                .find(|(name, _)| *name == var.name())
                .map(|(_, words)| words.clone())
                .unwrap_or_default()
        })?;
        Some(format!("{base_url}{path}"))
    }

    /// A recorded prompt or piece, as its file holds it (from the cache with the clips, so
    /// clients fetching the same prompt at once share one copy).
    ///
    /// # Errors
    /// No such recording.
    pub fn prompt_wav(&self, language: Language, stem: &str) -> Result<Clip, AudioError> {
        let piece = self.piece(language, stem)?;
        // A path is never a clip's key: those hold a `?`.
        let key = script::piece_path(language, stem);
        if let Some(clip) = self.cache.get(&key) {
            return Ok(clip);
        }
        let bytes = std::fs::read(&piece.path)
            .map(Bytes::from)
            .map_err(|err| {
                tracing::warn!(file = %piece.path.display(), error = %err, "a recording checked at start cannot be read");
                AudioError::NotFound(format!("{}/prompts/{stem}.wav cannot be read", language.code()))
            })?;
        let clip = Clip {
            etag: etag(&bytes),
            bytes,
        };
        self.cache.put(key, clip.clone());
        Ok(clip)
    }

    /// What a recorded prompt or piece says.
    ///
    /// # Errors
    /// No such recording.
    pub fn prompt_text(&self, language: Language, stem: &str) -> Result<String, AudioError> {
        Ok(self.piece(language, stem)?.text.trim().to_owned())
    }

    /// A recorded word as a WAV file.
    ///
    /// # Errors
    /// No such word recorded.
    pub fn word_wav(&self, language: Language, stem: &str) -> Result<Bytes, AudioError> {
        let set = self.set(language)?;
        let samples = set
            .words
            .get(stem)
            .ok_or_else(|| AudioError::NotFound(format!("no recording of the word \"{stem}\"")))?;
        Ok(Bytes::from(stitch::wav_bytes(set.rate, samples)))
    }

    /// What a recorded word says.
    ///
    /// # Errors
    /// No such word recorded.
    pub fn word_text(&self, language: Language, stem: &str) -> Result<String, AudioError> {
        let set = self.set(language)?;
        match (set.words.contains_key(stem), set.vocabulary.get(stem)) {
            (true, Some(said)) => Ok(said.clone()),
            (true, None) => Ok(stem.to_owned()),
            _ => Err(AudioError::NotFound(format!(
                "no recording of the word \"{stem}\""
            ))),
        }
    }

    /// The clip a signed `clip.wav` query names, stitched (or from the cache).
    ///
    /// # Errors
    /// A missing or wrong signature, a malformed query, a part that is not recorded, or a clip
    /// longer than any prompt of the flow can be.
    pub fn clip(&self, language: Language, query: &str) -> Result<Clip, AudioError> {
        self.verify_clip(language, query)?;
        let set = self.set(language)?;
        let parts = parse_clip(set, language, query)?;
        let key = format!("{}?{}", language.code(), canonical(&parts));
        if let Some(clip) = self.cache.get(&key) {
            return Ok(clip);
        }
        if set.most_samples(&parts, language) > set.bound {
            // Signed, so made with the service's key: a flow outgrew the bound, or the key is out.
            tracing::warn!(
                language = language.code(),
                "a signed clip is longer than the flow's longest prompt can be; refused"
            );
            return Err(AudioError::BadRequest(format!(
                "a clip is at most {} seconds here, as long as the flow's longest prompt",
                set.bound / set.rate.max(1) as usize
            )));
        }
        // Two requests for the same new clip may both stitch it; the second insert is harmless,
        // and holding the lock while reading files would stall every other clip.
        let mut pieces: Vec<Vec<i16>> = Vec::new();
        for part in &parts {
            if let ClipPart::Piece(stem) = part {
                pieces.push(read_piece(set, language, stem)?);
            }
        }
        let mut segments = Vec::new();
        let mut next_piece = pieces.iter();
        for part in &parts {
            match part {
                ClipPart::Piece(stem) => {
                    let text = set.pieces.get(*stem).map_or("", |p| p.text.as_str());
                    let (lead, trail) = edges(text);
                    segments.extend(Pause::of(lead).map(Segment::Pause));
                    if let Some(samples) = next_piece.next() {
                        segments.push(Segment::Audio(samples));
                    }
                    segments.extend(Pause::of(trail).map(Segment::Pause));
                }
                ClipPart::Words(said) => {
                    for token in words::tokens(said) {
                        match token {
                            Token::Pause(pause) => segments.push(Segment::Pause(pause)),
                            Token::Word(word) => {
                                let samples = words::stem(word, language)
                                    .and_then(|stem| set.words.get(&stem));
                                if let Some(samples) = samples {
                                    segments.push(Segment::Audio(samples));
                                }
                            }
                        }
                    }
                }
            }
        }
        let samples = stitch::stitch(set.rate, &segments);
        let bytes = Bytes::from(stitch::wav_bytes(set.rate, &samples));
        let clip = Clip {
            etag: etag(&bytes),
            bytes,
        };
        self.cache.put(key, clip.clone());
        Ok(clip)
    }

    /// What a signed clip says: its pieces' text and its words, as text-to-speech would have
    /// said them.
    ///
    /// # Errors
    /// A missing or wrong signature, a malformed query, or a part that is not recorded.
    pub fn clip_text(&self, language: Language, query: &str) -> Result<String, AudioError> {
        self.verify_clip(language, query)?;
        let set = self.set(language)?;
        let parts = parse_clip(set, language, query)?;
        let mut text = String::new();
        for part in &parts {
            let shown = match part {
                ClipPart::Piece(stem) => set.pieces.get(*stem).map_or("", |p| p.text.trim()),
                ClipPart::Words(said) => said.trim(),
            };
            let joins = shown
                .chars()
                .next()
                .is_some_and(|c| !c.is_alphanumeric() && !matches!(c, '¿' | '¡' | '"'));
            if !text.is_empty() && !joins {
                text.push(' ');
            }
            text.push_str(shown);
        }
        Ok(text)
    }

    /// How much of the flow is recorded, per language.
    pub fn coverage(&self) -> Vec<Coverage> {
        self.sets
            .iter()
            .map(|(language, set)| {
                let mut names: Vec<&String> = set.plans.keys().collect();
                names.sort();
                let mut fallbacks = Vec::new();
                for name in names {
                    match &set.plans[name] {
                        Err(why) => fallbacks.push((name.clone(), why.clone())),
                        Ok(parts) => {
                            let missing: Vec<String> = parts
                                .iter()
                                .filter_map(|part| match part {
                                    Part::Piece { stem, .. } if !set.pieces.contains_key(stem) => {
                                        Some(script::piece_path(*language, stem))
                                    }
                                    Part::Message { stem, .. }
                                        if !set.pieces.contains_key(*stem) =>
                                    {
                                        Some(script::piece_path(*language, stem))
                                    }
                                    _ => None,
                                })
                                .collect();
                            if !missing.is_empty() {
                                fallbacks.push((name.clone(), Fallback::Missing(missing)));
                            }
                        }
                    }
                }
                Coverage {
                    language: *language,
                    prompts: set.plans.len(),
                    recorded: set.plans.len() - fallbacks.len(),
                    fallbacks,
                    words: set.vocabulary.len(),
                    missing_words: set
                        .vocabulary
                        .keys()
                        .filter(|stem| !set.words.contains_key(*stem))
                        .cloned()
                        .collect(),
                    rate: set.rate,
                }
            })
            .collect()
    }

    fn set(&self, language: Language) -> Result<&Set, AudioError> {
        self.sets.get(&language).ok_or_else(|| {
            AudioError::NotFound(format!("nothing is recorded in {}", language.code()))
        })
    }

    fn piece(&self, language: Language, stem: &str) -> Result<&PieceFile, AudioError> {
        self.set(language)?.pieces.get(stem).ok_or_else(|| {
            AudioError::NotFound(format!(
                "no recording {}",
                script::piece_path(language, stem)
            ))
        })
    }
}

impl Set {
    /// The most samples the parts can stitch to: every piece and word, with the longest pause
    /// between each two.
    fn most_samples(&self, parts: &[ClipPart<'_>], language: Language) -> usize {
        let mut audio = 0;
        let mut segments = 0;
        for part in parts {
            match part {
                ClipPart::Piece(stem) => {
                    audio += self.pieces.get(*stem).map_or(0, |p| p.samples);
                    segments += 1;
                }
                ClipPart::Words(said) => {
                    for token in words::tokens(said) {
                        if let Token::Word(word) = token {
                            audio += words::stem(word, language)
                                .and_then(|stem| self.words.get(&stem))
                                .map_or(0, Vec::len);
                            segments += 1;
                        }
                    }
                }
            }
        }
        audio + segments * self.longest_gap()
    }

    /// The longest gap stitching puts between two parts, in samples.
    fn longest_gap(&self) -> usize {
        (u64::from(self.rate) * u64::from(stitch::LONG_PAUSE_MS) / 1000) as usize
    }

    /// The most samples a clip of any recorded prompt can have (see [`Set::bound`]).
    fn longest_clip(&self) -> usize {
        let longest_word = self.words.values().map(Vec::len).max().unwrap_or(0);
        let gap = self.longest_gap();
        let piece = |stem: &str| self.pieces.get(stem).map_or(0, |p| p.samples) + gap;
        self.plans
            .values()
            .filter_map(|plan| plan.as_ref().ok())
            .map(|parts| {
                parts
                    .iter()
                    .map(|part| match part {
                        Part::Piece { stem, .. } => piece(stem),
                        Part::Message { stem, .. } => piece(stem),
                        Part::Var(_) => VAR_WORDS * (longest_word + gap),
                        Part::Key => longest_word + gap,
                        Part::Punctuation(_) => 0,
                    })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0)
    }

    /// `Some(())` when every word of `said` is recorded.
    fn knows_all(&self, said: &str, language: Language) -> Option<()> {
        words::tokens(said)
            .iter()
            .try_for_each(|token| match token {
                Token::Pause(_) => Some(()),
                Token::Word(word) => {
                    let stem = words::stem(word, language)?;
                    self.words.contains_key(&stem).then_some(())
                }
            })
    }
}

/// One part a clip URL names.
#[derive(Debug)]
enum ClipPart<'q> {
    /// `p=`: a recorded piece, by stem.
    Piece(&'q str),
    /// `w=`: words as spoken.
    Words(String),
}

/// Parses and checks a clip's query: `p=<piece>` and `w=<words>` pairs, in the order heard.
fn parse_clip<'s>(
    set: &'s Set,
    language: Language,
    query: &str,
) -> Result<Vec<ClipPart<'s>>, AudioError> {
    let bad = |message: String| Err(AudioError::BadRequest(message));
    if query.len() > MAX_QUERY {
        return bad(format!("a clip URL is at most {MAX_QUERY} bytes"));
    }
    let mut parts = Vec::new();
    let mut word_count = 0;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key == SIGNATURE {
            continue;
        }
        if parts.len() == MAX_PARTS {
            return bad(format!("a clip has at most {MAX_PARTS} parts"));
        }
        match key.as_ref() {
            "p" => {
                let (stem, _) = set.pieces.get_key_value(value.as_ref()).ok_or_else(|| {
                    AudioError::NotFound(format!(
                        "no recording {}",
                        script::piece_path(language, &value)
                    ))
                })?;
                parts.push(ClipPart::Piece(stem.as_str()));
            }
            "w" => {
                let tokens = words::tokens(&value);
                if tokens.is_empty() {
                    return bad("w= names no words".to_owned());
                }
                for token in tokens {
                    if let Token::Word(word) = token {
                        word_count += 1;
                        let Some(stem) = words::stem(word, language) else {
                            return bad(format!("\"{word}\" is not a word that can be recorded"));
                        };
                        if !set.words.contains_key(&stem) {
                            return Err(AudioError::NotFound(format!(
                                "no recording {}",
                                script::word_path(language, &stem)
                            )));
                        }
                    }
                }
                parts.push(ClipPart::Words(value.into_owned()));
            }
            other => return bad(format!("unknown part \"{other}\"; a clip names p= and w=")),
        }
    }
    if word_count > MAX_WORDS {
        return bad(format!("a clip says at most {MAX_WORDS} words"));
    }
    if parts.is_empty() {
        return bad("a clip names its parts: ?p=<piece>&w=<words>...".to_owned());
    }
    Ok(parts)
}

/// The parts in one canonical spelling, the cache's key.
fn canonical(parts: &[ClipPart<'_>]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for part in parts {
        match part {
            ClipPart::Piece(stem) => query.append_pair("p", stem),
            ClipPart::Words(said) => query.append_pair("w", said),
        };
    }
    query.finish()
}

/// The punctuation before a piece's first word and after its last.
fn edges(text: &str) -> (&str, &str) {
    let start = text.find(char::is_alphanumeric).unwrap_or(text.len());
    let end = text.rfind(char::is_alphanumeric).map_or(start, |i| {
        i + text[i..].chars().next().map_or(1, char::len_utf8)
    });
    (&text[..start], &text[end.max(start)..])
}

/// Reads a piece's samples for stitching.
fn read_piece(set: &Set, language: Language, stem: &str) -> Result<Vec<i16>, AudioError> {
    let gone = || {
        AudioError::NotFound(format!(
            "{} changed since start; restart to check it again",
            script::piece_path(language, stem)
        ))
    };
    let piece = set.pieces.get(stem).ok_or_else(gone)?;
    let reader = hound::WavReader::open(&piece.path).map_err(|_| gone())?;
    let spec = reader.spec();
    if spec.sample_rate != set.rate || spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(gone());
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<_, _>>()
        .map_err(|_| gone())
}

/// A content tag: the first 16 bytes of the SHA-256 of the bytes, quoted as HTTP wants.
pub fn etag(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(bytes)[..16]))
}

/// A path segment with everything but `A-Z a-z 0-9 . _ -` percent-encoded.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Loads one language's recordings; returns the set and its problems.
fn load_set(
    dir: &Path,
    flow: &Flow,
    language: Language,
    warnings: &mut Vec<Problem>,
) -> (Set, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut plans = HashMap::new();
    let mut expected: HashMap<String, String> = HashMap::new();
    for prompt in flow.prompts() {
        let Some(template) = prompt.0.get(&language) else {
            continue;
        };
        let plan = script::plan(prompt.name(), template);
        if let Ok(parts) = &plan {
            for part in parts {
                if let Part::Piece { stem, text } = part {
                    expected.insert(stem.clone(), text.clone());
                }
            }
        }
        plans.insert(prompt.name().to_owned(), plan);
    }
    let vocabulary = words::vocabulary(language);
    let mut set = Set {
        rate: 0,
        pieces: HashMap::new(),
        words: HashMap::new(),
        vocabulary,
        plans,
        bound: 0,
    };
    // Every file's rate, to find the language's one rate once all are read.
    let mut rates: Vec<(PathBuf, u32)> = Vec::new();
    let base = dir.join(language.code());
    for (folder, limits) in [("prompts", check::PROMPT), ("words", check::WORD)] {
        for path in wav_files(&base.join(folder)) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let known = match folder {
                "prompts" => expected.contains_key(&stem),
                _ => set.vocabulary.contains_key(&stem),
            };
            if !known {
                warnings.push(Problem::whole(
                    &path,
                    unknown_file(folder, &stem, &expected, &set),
                ));
                continue;
            }
            match check_file(&path, limits) {
                Ok(checked) => {
                    rates.push((path.clone(), checked.rate));
                    if folder == "prompts" {
                        let text = expected.get(&stem).cloned().unwrap_or_default();
                        let samples = checked.samples.len();
                        set.pieces.insert(
                            stem,
                            PieceFile {
                                path,
                                text,
                                samples,
                            },
                        );
                    } else {
                        set.words.insert(stem, checked.samples);
                    }
                }
                Err(found) => problems.extend(found),
            }
        }
    }
    // The rate most recordings have is the language's; the others are the ones to convert.
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for (_, rate) in &rates {
        *counts.entry(*rate).or_default() += 1;
    }
    set.rate = counts
        .iter()
        .max_by_key(|(rate, count)| (**count, **rate))
        .map_or(0, |(rate, _)| *rate);
    for (path, rate) in rates.iter().filter(|(_, rate)| *rate != set.rate) {
        problems.push(Problem::whole(
            path,
            format!(
                "{rate} Hz, while the other recordings in {} are {} Hz; a language's recordings \
                 share one rate so they can be stitched: convert with \
                 `ivrpay audio convert IN OUT --rate {}`",
                base.display(),
                set.rate,
                set.rate
            ),
        ));
    }
    set.bound = set.longest_clip();
    (set, problems)
}

/// A recording's checks, as problems naming the file.
fn check_file(path: &Path, limits: Limits) -> Result<check::Checked, Vec<Problem>> {
    check::check(path, limits).map_err(|messages| {
        messages
            .into_iter()
            .map(|m| Problem::whole(path, m))
            .collect()
    })
}

/// The `.wav` files of a folder, sorted (none when it does not exist).
fn wav_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("wav"))
        })
        .collect();
    files.sort();
    files
}

/// Why a file is not used, with the name it most likely meant.
fn unknown_file(folder: &str, stem: &str, expected: &HashMap<String, String>, set: &Set) -> String {
    let names: Vec<&String> = match folder {
        "prompts" => expected.keys().collect(),
        _ => set.vocabulary.keys().collect(),
    };
    let nearest = nearest_within(stem, names.into_iter().map(String::as_str), 3);
    let what = match folder {
        "prompts" => "no prompt piece of the flow is named this",
        _ => "the speech module never says this word",
    };
    match nearest {
        Some(name) => format!("not used: {what}; did you mean {name}.wav?"),
        None => format!("not used: {what} (`ivrpay audio script` lists the files)"),
    }
}

/// Bytes before the samples in a WAV file [`stitch::wav_bytes`] writes.
const WAV_HEADER: usize = 44;

/// Signs clip URLs: an HMAC-SHA256 over the language and the decoded parts (so a URL whose
/// encoding a proxy respelled still plays), under a key derived from the data key.
struct ClipSigner {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for ClipSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClipSigner(..)")
    }
}

impl ClipSigner {
    fn new(data_key: &DataKey) -> ClipSigner {
        let mut key = Zeroizing::new([0u8; 32]);
        // HMAC takes a key of any length, so new_from_slice cannot fail.
        if let Ok(mut mac) = HmacSha256::new_from_slice(data_key.expose_hex().as_bytes()) {
            mac.update(CLIP_KEY_LABEL);
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        ClipSigner { key }
    }

    fn mac<'q>(
        &self,
        language: Language,
        pairs: impl Iterator<Item = (std::borrow::Cow<'q, str>, std::borrow::Cow<'q, str>)>,
    ) -> Option<HmacSha256> {
        // HMAC takes a key of any length: this never gives up.
        let mut mac = HmacSha256::new_from_slice(self.key.as_ref()).ok()?;
        mac.update(language.code().as_bytes());
        // Each name and value length-prefixed, so no two lists of parts sign alike.
        for (key, value) in pairs.filter(|(key, _)| key != SIGNATURE) {
            for field in [key.as_bytes(), value.as_bytes()] {
                mac.update(&(field.len() as u64).to_be_bytes());
                mac.update(field);
            }
        }
        Some(mac)
    }

    fn sign<'q>(
        &self,
        language: Language,
        pairs: impl Iterator<Item = (std::borrow::Cow<'q, str>, std::borrow::Cow<'q, str>)>,
    ) -> String {
        self.mac(language, pairs).map_or_else(String::new, |mac| {
            hex::encode(&mac.finalize().into_bytes()[..SIGNATURE_BYTES])
        })
    }

    fn verify<'q>(
        &self,
        language: Language,
        pairs: impl Iterator<Item = (std::borrow::Cow<'q, str>, std::borrow::Cow<'q, str>)>,
        signature: &[u8],
    ) -> bool {
        signature.len() == SIGNATURE_BYTES
            && self
                .mac(language, pairs)
                .is_some_and(|mac| mac.verify_truncated_left(signature).is_ok())
    }
}

/// Stitched clips by canonical query, evicting the least recently used past a byte budget.
#[derive(Debug)]
struct ClipCache {
    budget: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    entries: HashMap<String, (Clip, u64)>,
    bytes: usize,
    tick: u64,
}

impl ClipCache {
    fn new(budget: usize) -> ClipCache {
        ClipCache {
            budget,
            inner: Mutex::default(),
        }
    }

    fn get(&self, key: &str) -> Option<Clip> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        inner.entries.get_mut(key).map(|(clip, used)| {
            *used = tick;
            clip.clone()
        })
    }

    fn put(&self, key: String, clip: Clip) {
        let size = clip.bytes.len() + key.len();
        if size > self.budget / 4 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((old, _)) = inner.entries.insert(key.clone(), (clip, tick)) {
            inner.bytes -= old.bytes.len() + key.len();
        }
        inner.bytes += size;
        while inner.bytes > self.budget {
            // A scan is fine: the cache holds hundreds of clips, not millions.
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((gone, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes.len() + oldest.len();
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner.lock().map(|i| i.entries.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(size: usize) -> Clip {
        Clip {
            bytes: Bytes::from(vec![0u8; size]),
            etag: String::new(),
        }
    }

    #[test]
    fn the_clip_cache_keeps_within_its_budget_dropping_the_least_recently_used() {
        let cache = ClipCache::new(1000);
        cache.put("a".into(), clip(200));
        cache.put("b".into(), clip(200));
        cache.put("c".into(), clip(200));
        assert!(cache.get("a").is_some());
        cache.put("d".into(), clip(200));
        cache.put("e".into(), clip(200));
        // b was the least recently used when room had to be made.
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("e").is_some());
        assert_eq!(cache.len(), 4);
        // Too big to be worth keeping.
        cache.put("huge".into(), clip(900));
        assert!(cache.get("huge").is_none());
    }

    #[test]
    fn edges_are_the_punctuation_around_the_words() {
        assert_eq!(edges(", due on "), (", ", " "));
        assert_eq!(edges("? Press 1."), ("? ", "."));
        assert_eq!(edges("."), (".", ""));
    }
}
