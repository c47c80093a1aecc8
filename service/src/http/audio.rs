//! `GET /audio/...`: the flow's recordings, for the provider to play (`<Play>`), and their
//! transcripts, for the simulated caller to show.
//!
//! - `/audio/{lang}/prompts/{name}.wav`: a recorded prompt or piece, as its file holds it;
//! - `/audio/{lang}/words/{word}.wav`: a recorded word;
//! - `/audio/{lang}/clip.wav?p=<piece>&w=<words>...&s=<signature>`: pieces and words stitched
//!   into one WAV, in the order named; the URL names every part, so any instance builds the same
//!   bytes; clips are cached in memory within a byte budget, never stored;
//! - the same paths ending `.txt`: what they say.
//!
//! Providers fetch these URLs themselves, unsigned, so nothing sensitive is ever in one: card data
//! is never stitched (see [`crate::audio::script`]). Anyone can fetch them, so a clip URL carries
//! the service's signature and one without it is a 403 before anything is read or stitched, and
//! no clip is longer than the flow's longest prompt (see [`crate::audio::library`]). A client
//! must read a WAV within [`crate::config::HttpLimits::unread_response_timeout`] or lose its
//! connection, so a flood of requests that are never read cannot hold the bytes. A malformed URL
//! is a 400 and an unknown part a 404, never a server error.

use axum::Extension;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

use crate::audio::{AudioError, Library};
use crate::http::AppState;
use crate::language::Language;

/// How long providers and proxies may keep a recording before asking again. An hour: a new
/// recording is heard within the hour of a restart, and the ETag saves the download after that.
const CACHE_CONTROL: &str = "public, max-age=3600";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/audio/{file}", get(hold))
        .route("/audio/{lang}/{file}", get(clip))
        .route("/audio/{lang}/{folder}/{file}", get(recording))
}

/// What a request asks for: the audio, or what it says.
enum Wanted<'a> {
    Wav(&'a str),
    Text(&'a str),
}

fn wanted(file: &str) -> Result<Wanted<'_>, AudioError> {
    if let Some(stem) = file.strip_suffix(".wav") {
        Ok(Wanted::Wav(stem))
    } else if let Some(stem) = file.strip_suffix(".txt") {
        Ok(Wanted::Text(stem))
    } else {
        Err(AudioError::BadRequest(
            "audio URLs end in .wav (the audio) or .txt (what it says)".to_owned(),
        ))
    }
}

fn library_and_language<'a>(
    app: &'a AppState,
    lang: &str,
) -> Result<(&'a Library, Language), AudioError> {
    let library = app.line.recordings.as_deref().ok_or_else(|| {
        AudioError::NotFound("this flow's prompts are spoken by text-to-speech".to_owned())
    })?;
    // Exactly a code the flow speaks, not a locale: URLs are built, never typed.
    let language = Language::ALL
        .into_iter()
        .find(|l| l.code() == lang)
        .ok_or_else(|| AudioError::BadRequest(format!("\"{lang}\" is not a language code")))?;
    Ok((library, language))
}

async fn recording(
    State(app): State<AppState>,
    Path((lang, folder, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = (|| {
        let (library, language) = library_and_language(&app, &lang)?;
        match (folder.as_str(), wanted(&file)?) {
            ("prompts", Wanted::Wav(stem)) => {
                let prompt = library.prompt_wav(language, stem)?;
                Ok(wav(prompt.bytes, prompt.etag, &headers))
            }
            ("prompts", Wanted::Text(stem)) => Ok(text(library.prompt_text(language, stem)?)),
            ("words", Wanted::Wav(stem)) => {
                let bytes = library.word_wav(language, stem)?;
                let etag = crate::audio::library::etag(&bytes);
                Ok(wav(bytes, etag, &headers))
            }
            ("words", Wanted::Text(stem)) => Ok(text(library.word_text(language, stem)?)),
            _ => Err(AudioError::NotFound(
                "recordings are under prompts/ and words/".to_owned(),
            )),
        }
    })();
    answer.unwrap_or_else(refused)
}

async fn clip(
    State(app): State<AppState>,
    Path((lang, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let prepared = (|| {
        let (library, language) = library_and_language(&app, &lang)?;
        match wanted(&file)? {
            Wanted::Wav("clip") | Wanted::Text("clip") => Ok((library, language)),
            _ => Err(AudioError::NotFound(format!(
                "no {file}; recordings are under prompts/ and words/, stitched ones at clip.wav"
            ))),
        }
    })();
    let (library, language) = match prepared {
        Ok(found) => found,
        Err(err) => return refused(err),
    };
    // Checked here, on the async worker, so a forged URL costs one HMAC and no blocking thread.
    if let Err(err) = library.verify_clip(language, &query) {
        return refused(err);
    }
    if file.ends_with(".txt") {
        return library
            .clip_text(language, &query)
            .map(text)
            .unwrap_or_else(refused);
    }
    // Stitching reads recordings from disk: off the async workers.
    let library = app.line.recordings.clone();
    let stitched = tokio::task::spawn_blocking(move || match library {
        Some(library) => library.clip(language, &query),
        None => Err(AudioError::NotFound("no recordings".to_owned())),
    })
    .await;
    match stitched {
        Ok(Ok(clip)) => wav(clip.bytes, clip.etag, &headers),
        Ok(Err(err)) => refused(err),
        Err(err) => {
            tracing::warn!(error = %err, "stitching a clip failed");
            refused(AudioError::NotFound("this clip cannot be made".to_owned()))
        }
    }
}

/// The hold audio (`audio/hold.wav`), and what it is for the simulated caller's transcript.
async fn hold(
    State(app): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    match wanted(&file) {
        Ok(Wanted::Wav("hold")) => {
            // Loaded once at start: the bytes' length and a cheap checksum name this version.
            let sum = app
                .hold_audio
                .iter()
                .fold(0u32, |sum, byte| sum.rotate_left(5) ^ u32::from(*byte));
            let etag = format!("\"hold-{}-{sum:08x}\"", app.hold_audio.len());
            wav(app.hold_audio.clone(), etag, &headers)
        }
        Ok(Wanted::Text("hold")) => text("(hold music)".to_owned()),
        _ => refused(AudioError::NotFound("no such audio".to_owned())),
    }
}

/// A WAV answer, or 304 when the client already has these bytes.
fn wav(bytes: Bytes, etag: String, headers: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == etag.as_bytes());
    let common = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
        (header::ETAG, etag),
    ];
    if cached {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"))],
        // Anyone may ask for these: a client that never reads is cut off (see server.rs).
        Extension(crate::http::server::MustBeRead),
        bytes,
    )
        .into_response()
}

fn text(words: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        words,
    )
        .into_response()
}

fn refused(err: AudioError) -> Response {
    let status = match err {
        AudioError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AudioError::NotFound(_) => StatusCode::NOT_FOUND,
        AudioError::Forbidden(_) => StatusCode::FORBIDDEN,
    };
    (status, err.to_string()).into_response()
}
