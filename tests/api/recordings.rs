//! Recorded prompts, black-box: the real server in recorded mode, with a small set of tones
//! named as `ivrpay audio script` lists (no espeak-ng needed), answering calls with `<Play>` and
//! serving the WAVs it names; and the espeak-ng demo set, checked for full coverage.

use crate::common;

use std::path::Path;

use common::{Backend, Options, TestServer};
use ivrpay::flow::definition::PromptSource;
use ivrpay::language::Language;
use ivrpay::voice::{Prompt, Verb};

/// The shipped payment flow.
fn payment_flow() -> ivrpay::flow::Flow {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("call-flows");
    let loaded = ivrpay::call_flows::load(&dir).expect("the shipped flows load");
    loaded.flows["payment"].clone()
}

/// A recording: `ms` of a tone (pieces and words sound different, so a test could tell them
/// apart), 16-bit mono 8 kHz.
fn write_tone(path: &Path, ms: u32, hz: f64) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create");
    for n in 0..8 * ms {
        let x = (f64::from(n) / 8000.0 * hz * std::f64::consts::TAU).sin() * 0.3;
        writer.write_sample((x * 32767.0) as i16).expect("sample");
    }
    writer.finalize().expect("finalize");
}

/// Every file of the shipped flow's script as a tone, except those in `leave_out`.
fn tone_set(dir: &Path, leave_out: &[&str]) {
    let flow = payment_flow();
    for language in Language::ALL {
        for line in ivrpay::audio::script::lines(&flow, language) {
            if leave_out.contains(&line.path.as_str()) {
                continue;
            }
            let (ms, hz) = if line.path.contains("/words/") {
                (150, 660.0)
            } else {
                (400, 440.0)
            };
            write_tone(&dir.join(&line.path), ms, hz);
        }
    }
}

/// The URLs of the recordings the caller's last answer plays.
fn played(call: &ivrpay_simulators::caller::Call) -> Vec<String> {
    let response = call
        .provider
        .read(&call.last_twiml)
        .expect("the provider's markup");
    let mut urls = Vec::new();
    for verb in response.verbs {
        let prompts = match verb {
            Verb::Prompt(prompt) => vec![prompt],
            Verb::Gather(gather) => gather.prompts,
            _ => vec![],
        };
        for prompt in prompts {
            if let Prompt::Play { url } = prompt {
                urls.push(url);
            }
        }
    }
    urls
}

/// Fetches a recording, checks it is served as a WAV with caching headers, and returns its
/// length in seconds.
async fn fetch_wav(url: &str) -> f64 {
    let response = ivrpay::http_client()
        .get(url)
        .send()
        .await
        .expect("server answers");
    assert_eq!(response.status(), 200, "{url}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "audio/wav", "{url}");
    assert!(headers.contains_key("etag"), "{url}");
    assert!(
        headers["cache-control"]
            .to_str()
            .is_ok_and(|v| v.contains("max-age")),
        "{url}"
    );
    let bytes = response.bytes().await.expect("body");
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).expect("a WAV");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 8000, 16)
    );
    f64::from(reader.duration()) / 8000.0
}

async fn recorded_server(backend: Backend, audio: &Path) -> Option<TestServer> {
    TestServer::start_with(
        backend,
        Options {
            audio_dir: audio.to_owned(),
            prompts: Some(PromptSource::Recorded),
            ..Options::default()
        },
    )
    .await
}

/// Linda Brown enters an amount over her balance and hears the balance; returns the URL of the
/// recording that says it.
async fn balance_clip(server: &TestServer) -> String {
    let mut call = server.linda_at_pin_question().await;
    let first = call.press("6446").await.expect("pin");
    // The options are numbered by what the balance allows; another amount may be among the more
    // choices.
    let key_of = |lines: &[String], line: &str| {
        lines
            .iter()
            .find_map(|heard| heard.strip_prefix(line))
            .and_then(|rest| rest.strip_suffix('.'))
            .map(str::to_owned)
    };
    let key = match key_of(&first, "To pay a different amount, say or press ") {
        Some(key) => key,
        None => {
            let more = key_of(&first, "For more choices, say or press ")
                .unwrap_or_else(|| panic!("more choices are offered: {first:?}"));
            let menu = call.press(&more).await.expect("more choices");
            key_of(&menu, "To pay a different amount, say or press ")
                .unwrap_or_else(|| panic!("another amount is offered: {menu:?}"))
        }
    };
    call.press(&key).await.expect("another amount");
    let said = call.press("99999").await.expect("amount");
    assert!(
        said.iter()
            .any(|line| line.starts_with("That is more than your balance of")),
        "{said:?}"
    );
    played(&call)
        .into_iter()
        .find(|url| url.contains("amount_too_high.1"))
        .expect("the balance is stitched")
}

async fn recorded_prompts_play_and_fall_back_where_missing(backend: Backend) {
    let audio = tempfile::tempdir().expect("dir");
    tone_set(audio.path(), &["en/prompts/ask_pin.wav"]);
    let Some(server) = recorded_server(backend, audio.path()).await else {
        return;
    };

    // A prompt without variables plays its own recording; the caller sees what it says.
    let mut call = server.call_from("+15552126618").await;
    let urls = played(&call);
    assert_eq!(
        urls,
        [
            format!("{}/audio/en/prompts/choose_language.wav", server.url),
            format!("{}/audio/es/prompts/choose_language.wav", server.url),
        ]
    );
    assert!(fetch_wav(&urls[0]).await > 0.3);
    assert_eq!(
        call.heard[0],
        "Thank you for calling. For English, press 1."
    );

    // Digits are stitched from words between the prompt's pieces, into one WAV.
    let said = call.press("1").await.expect("language");
    assert_eq!(
        said,
        ["Is this your account ending in 3 3 6 5? Say yes or press 1. If not, press 2."]
    );
    let clip = &played(&call)[0];
    assert!(
        clip.starts_with(&format!(
            "{}/audio/en/clip.wav?p=confirm_caller.1",
            server.url
        )),
        "{clip}"
    );
    // Two pieces, four words, four word gaps and a sentence's pause.
    let seconds = fetch_wav(clip).await;
    assert!(
        (seconds - (0.8 + 0.6 + 0.24 + 0.45)).abs() < 0.01,
        "{seconds}"
    );

    // The PIN question has no recording: it alone is spoken by text-to-speech.
    call.press("1").await.expect("confirm account");
    assert!(played(&call).is_empty(), "{}", call.last_twiml);
    assert!(
        call.last_twiml.contains(
            "<Say language=\"en-US\" voice=\"Polly.Joanna\">Please key in your 4-digit PIN."
        ),
        "{}",
        call.last_twiml
    );

    // The balance said as money: a longer clip for 445.33 than for 5.00.
    let long = fetch_wav(&balance_clip(&server).await).await;
    let csv = include_str!("../../demo/accounts.csv").replace(
        "Linda Brown,6446,1984-01-18,77141,445.33,44.53",
        "Linda Brown,6446,1984-01-18,77141,5.00,5.00",
    );
    common::import_accounts(&server.state, &server.clock, &csv).await;
    let short_clip = balance_clip(&server).await;
    assert!(short_clip.contains("w=five+dollars"), "{short_clip}");
    let short = fetch_wav(&short_clip).await;
    assert!(long > short + 0.5, "445.33 lasts {long} s, 5.00 {short} s");

    // What the simulator shows is the clip's transcript.
    let text_url = short_clip.replace("clip.wav", "clip.txt");
    let text = ivrpay::http_client()
        .get(&text_url)
        .send()
        .await
        .expect("text")
        .text()
        .await;
    assert_eq!(
        text.expect("body"),
        "That is more than your balance of five dollars."
    );

    // Unknown and malformed parts are refused plainly, never with a server error: unsigned, as
    // no flow made them; signed (as a flow could only by mistake), by what is wrong with them.
    let library = server.state.line.recordings.clone().expect("recorded");
    let signed = |query: &str| library.clip_path(Language::En, query);
    for (path, status) in [
        ("/audio/en/clip.wav?p=no_such_piece".to_owned(), 403),
        ("/audio/en/clip.wav?w=five".to_owned(), 403),
        ("/audio/en/clip.wav".to_owned(), 403),
        (signed("p=no_such_piece"), 404),
        (signed("w=gazillion"), 404),
        (signed("w=%3Cscript%3E"), 404),
        (signed("w=a%2Fb"), 400),
        (signed("x=1"), 400),
        (signed(""), 400),
        ("/audio/xx/clip.wav?w=five".to_owned(), 400),
        ("/audio/en/prompts/ask_pin.wav".to_owned(), 404),
        ("/audio/en/prompts/goodbye.mp3".to_owned(), 400),
        ("/audio/en/words/five.wav".to_owned(), 200),
        (signed("w=five"), 200),
    ] {
        let response = ivrpay::http_client()
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), status, "{path}");
    }
    server.stop().await;
}
on_both_backends_with_own_server!(recorded_prompts_play_and_fall_back_where_missing);

/// The longest prompt of the shipped flow with no variables, recorded long, as a real one can be:
/// what the issue 21 probe named 64 times in one clip URL.
const LONG_PROMPT: &str = "en/prompts/ask_hardship_reason.wav";
const LONG_PROMPT_MS: u32 = 20_000;

/// Fetches `path` and returns its status and the bytes of its body.
async fn fetch_bytes(server: &TestServer, path: &str) -> (u16, usize) {
    let response = ivrpay::http_client()
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").len())
}

async fn clip_urls_no_flow_made_are_refused_and_no_clip_outgrows_the_longest_prompt(
    backend: Backend,
) {
    let audio = tempfile::tempdir().expect("dir");
    tone_set(audio.path(), &[]);
    write_tone(&audio.path().join(LONG_PROMPT), LONG_PROMPT_MS, 440.0);
    let Some(server) = recorded_server(backend, audio.path()).await else {
        return;
    };
    let library = server.state.line.recordings.clone().expect("recorded");
    let bound = library.clip_bound_bytes(Language::En).expect("English");
    let long_prompt = std::fs::metadata(audio.path().join(LONG_PROMPT))
        .expect("recorded")
        .len() as usize;

    // A clip URL the flow really emits plays.
    let mut call = server.call_from("+15552126618").await;
    call.press("1").await.expect("language");
    let emitted = played(&call)[0].clone();
    let path = emitted
        .strip_prefix(&server.url)
        .expect("our URL")
        .to_owned();
    let (status, real) = fetch_bytes(&server, &path).await;
    assert_eq!(status, 200, "{path}");
    assert!(real <= bound, "{real} > {bound}");

    // The probe's URL, the long prompt 64 times, unsigned: refused, and nothing stitched (a
    // stitched answer would be 64 x 20 s of audio).
    let amplified = format!(
        "/audio/en/clip.wav?{}",
        vec!["p=ask_hardship_reason"; 64].join("&")
    );
    let (status, bytes) = fetch_bytes(&server, &amplified).await;
    assert_eq!((status, bytes < 1024), (403, true), "{bytes} bytes");

    // The emitted URL altered in any way: refused.
    let (unsigned, signature) = path.rsplit_once("&s=").expect("signed");
    let mut flipped: Vec<char> = signature.chars().collect();
    flipped[0] = if flipped[0] == '0' { '1' } else { '0' };
    let flipped: String = flipped.into_iter().collect();
    for forged in [
        unsigned.to_owned(),
        format!("{unsigned}&s={flipped}"),
        format!("{unsigned}&s={}", &signature[..16]),
        format!("{unsigned}&p=ask_hardship_reason&s={signature}"),
        format!("{unsigned}&s={signature}").replace("/audio/en/", "/audio/es/"),
        format!("{unsigned}&s={signature}").replace("clip.wav?p=", "clip.wav?p=goodbye&p="),
    ] {
        let (status, bytes) = fetch_bytes(&server, &forged).await;
        assert_eq!((status, bytes < 1024), (403, true), "{forged}");
    }

    // The worst a holder of the key could sign is bounded by the flow's longest prompt: the probe's
    // clip, signed, is refused as longer than any prompt can be...
    let worst = library.clip_path(Language::En, &vec!["p=ask_hardship_reason"; 64].join("&"));
    let (status, bytes) = fetch_bytes(&server, &worst).await;
    assert_eq!((status, bytes < 1024), (400, true), "{bytes} bytes");
    // ...while the longest prompt itself, as a clip, plays.
    let (status, bytes) = fetch_bytes(
        &server,
        &library.clip_path(Language::En, "p=ask_hardship_reason"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(bytes >= long_prompt - 44 && bytes <= bound, "{bytes}");
    // The bound is the longest prompt, give or take its variables' words: not 64 of them.
    assert!(
        bound < 4 * long_prompt,
        "a clip may be {bound} bytes, the longest prompt is {long_prompt}"
    );

    // Memory per request: every clip the server accepts fits the cache, so one copy serves every
    // client that asks for it; the cache itself is bounded (see the unit tests in library.rs).
    assert!(bound <= ivrpay::audio::library::CACHE_BYTES / 4, "{bound}");
    let query = unsigned.split_once('?').expect("query").1;
    let query = format!("{query}&s={signature}");
    let first = library.clip(Language::En, &query).expect("clip");
    let again = library.clip(Language::En, &query).expect("clip");
    assert_eq!(first.bytes.as_ptr(), again.bytes.as_ptr(), "a second copy");
    assert_eq!(first.bytes.len(), real);
    // Whole prompts too: the longest, fetched by many at once, is one copy.
    let (status, bytes) = fetch_bytes(&server, "/audio/en/prompts/ask_hardship_reason.wav").await;
    assert_eq!((status, bytes), (200, long_prompt));
    let first = library
        .prompt_wav(Language::En, "ask_hardship_reason")
        .expect("recorded");
    let again = library
        .prompt_wav(Language::En, "ask_hardship_reason")
        .expect("recorded");
    assert_eq!(first.bytes.as_ptr(), again.bytes.as_ptr(), "a second copy");
    server.stop().await;
}
on_both_backends_with_own_server!(
    clip_urls_no_flow_made_are_refused_and_no_clip_outgrows_the_longest_prompt
);

/// A clip URL one instance emits plays from another: both sign with the service's data key.
async fn a_clip_url_made_on_one_instance_plays_on_another(backend: Backend) {
    let audio = tempfile::tempdir().expect("dir");
    tone_set(audio.path(), &[]);
    let Some(one) = recorded_server(backend, audio.path()).await else {
        return;
    };
    let Some(other) = recorded_server(backend, audio.path()).await else {
        return;
    };
    let mut call = one.call_from("+15552126618").await;
    call.press("1").await.expect("language");
    let emitted = played(&call)[0].clone();
    let elsewhere = emitted.replace(&one.url, &other.url);
    assert_ne!(emitted, elsewhere);
    assert!(fetch_wav(&elsewhere).await > 1.0, "{elsewhere}");
    one.stop().await;
    other.stop().await;
}
on_both_backends_with_own_server!(a_clip_url_made_on_one_instance_plays_on_another);

/// Where the provider's questions take keys only, a prompt with words for keys alone is spoken
/// in them (its recording says the words with voice); a prompt without plays its recording.
async fn words_for_keys_alone_are_spoken_where_the_recording_offers_voice(backend: Backend) {
    let audio = tempfile::tempdir().expect("dir");
    tone_set(audio.path(), &[]);
    let options = Options {
        audio_dir: audio.path().to_owned(),
        prompts: Some(PromptSource::Recorded),
        provider: "bandwidth",
        ..Options::default()
    };
    let Some(server) = TestServer::start_with(backend, options).await else {
        return;
    };
    let mut call = server.call_from("+15552126618").await;
    assert_eq!(played(&call).len(), 2, "{}", call.last_twiml);
    let said = call.press("1").await.expect("language");
    assert_eq!(
        said,
        ["Is this your account ending in 3 3 6 5? Press 1. If not, press 2."]
    );
    assert!(played(&call).is_empty(), "{}", call.last_twiml);
    server.stop().await;
}
on_both_backends_with_own_server!(words_for_keys_alone_are_spoken_where_the_recording_offers_voice);

async fn a_bad_recording_stops_the_server_naming_the_file(backend: Backend) {
    let audio = tempfile::tempdir().expect("dir");
    tone_set(audio.path(), &[]);
    let goodbye = audio.path().join("en/prompts/goodbye.wav");
    let mut writer = hound::WavWriter::create(
        &goodbye,
        hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        },
    )
    .expect("create");
    for n in 0..8000 {
        writer
            .write_sample(((n % 40) * 400 - 8000) as i16)
            .expect("sample");
    }
    writer.finalize().expect("finalize");
    let dir = tempfile::tempdir().expect("dir");
    let Some(database_url) = common::fresh_database(backend, dir.path()).await else {
        return;
    };
    let options = Options {
        audio_dir: audio.path().to_owned(),
        prompts: Some(PromptSource::Recorded),
        ..Options::default()
    };
    let built = ivrpay::app::Application::build(
        common::config(&database_url, options),
        std::sync::Arc::new(ivrpay::clock::SystemClock),
    )
    .await;
    let Err(err) = built else {
        panic!("a stereo recording must stop the server");
    };
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "{}: stereo; record in mono or convert with `ivrpay audio convert IN OUT`",
            goodbye.display()
        )),
        "{message}"
    );
    common::drop_database(&database_url).await;
}
on_both_backends_with_own_server!(a_bad_recording_stops_the_server_naming_the_file);

sync_test!(the_demo_set_records_everything_that_can_be_recorded, needs: [Espeak]);
/// The demo set `ivrpay audio make-demo` writes covers every prompt that can be recorded, and
/// every word, in both languages.
fn the_demo_set_records_everything_that_can_be_recorded() {
    let dir = tempfile::tempdir().expect("dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ivrpay"))
        .args(["audio", "make-demo", "--dir"])
        .arg(dir.path())
        .args([
            "--flows",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../call-flows"),
        ])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let flow = payment_flow();
    let library = ivrpay::audio::Library::load(dir.path(), &flow).expect("the demo set loads");
    assert!(library.warnings.is_empty(), "{:?}", library.warnings);
    for coverage in library.coverage() {
        assert!(coverage.missing_words.is_empty(), "{coverage:?}");
        let missing: Vec<_> = coverage
            .fallbacks
            .iter()
            .filter(|(_, why)| matches!(why, ivrpay::audio::script::Fallback::Missing(_)))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
        assert!(coverage.recorded > 80, "{coverage:?}");
    }
}
