//! Micro-benchmarks of the CPU work in one Twilio webhook, through the public API only.
//!
//! Groups:
//! - `twiml`: rendering a typical `<Gather>` response ([`twilio::render`]) and parsing it back
//!   ([`ivrpay_core::telephony::twiml_reader::parse`]);
//! - `signature`: checking `X-Twilio-Signature` over the form fields Twilio posts
//!   ([`twilio::validate_signature`], which tries the URL with and without `:443`), next to one
//!   plain [`twilio::compute_signature`];
//! - `speech`: money (English, Spanish) and a due date as words;
//! - `flow_step`: one webhook of the real `call-flows/payment.toml` through the engine's
//!   [`Stepper`](ivrpay_core::flow::engine::Stepper) ([`advance`] steps it and answers its needs), a
//!   correct PIN at `ask_pin` (verify, branch on the balance, read the balance menu), with the
//!   in-memory [`FakeContext`] the engine's unit tests use (set up, cloned and dropped outside the
//!   timing); then the same plus rendering the response to TwiML, i.e. one webhook's CPU cost
//!   minus the database. The stepper is synchronous, so no runtime is in the timing.
//!
//! Run:
//!
//! ```text
//! cargo bench --bench hot_paths -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Append a filter (e.g. `flow_step`) after `--` to run one group.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ivrpay_core::flow::engine::{Input, Session};
use ivrpay_core::flow::testing::{FakeContext, advance};
use ivrpay_core::language::Language;
use ivrpay_core::speech;
use ivrpay_core::telephony::twilio;
use ivrpay_core::voice::{Gather, Prompt, Response, Verb};

const GATHER_URL: &str = "https://pay.example.com/twilio/gather?turn=7";

/// A balance-menu question as the engine builds it: one gather, two ~150-character prompts.
fn typical_response() -> Response {
    let say = |text: &str| Prompt::Say {
        text: text.to_owned(),
        language: Language::En,
        voice: None,
        slow: false,
        recorded: None,
    };
    Response {
        verbs: vec![Verb::Gather(Gather {
            action: GATHER_URL.to_owned(),
            num_digits: Some(1),
            finish_on_key: None,
            timeout_seconds: 8,
            prompts: vec![
                say(
                    "Thank you, Linda. Your balance is four hundred forty-five dollars and \
                     thirty-three cents, due on December second. Now let's review your payment options.",
                ),
                say(
                    "To make a payment, press 1. To hear this again, press 2. To speak with a \
                     person, press 0. To end the call, press 9. Thank you for calling us today.",
                ),
            ],
            speech: None,
        })],
    }
}

fn twiml(c: &mut Criterion) {
    let response = typical_response();
    let xml = twilio::render(&response);
    assert_eq!(
        ivrpay_core::telephony::twiml_reader::parse(&xml).expect("rendered TwiML parses"),
        response,
        "render/parse round trip"
    );

    let mut group = c.benchmark_group("twiml");
    group.bench_function("render_gather", |b| {
        b.iter(|| twilio::render(black_box(&response)))
    });
    group.bench_function("parse_gather", |b| {
        b.iter(|| {
            ivrpay_core::telephony::twiml_reader::parse(black_box(&xml))
                .expect("rendered TwiML parses")
        })
    });
    group.finish();
}

fn signature(c: &mut Criterion) {
    let token = "9f3c1b7e2a4d6f8091b3c5d7e9f1a2b4";
    let params: Vec<(String, String)> = [
        ("AccountSid", "AC3f9a1c2b7d4e6f8a0b1c2d3e4f5a6b7c"),
        ("CallSid", "CA8e2d4f6a1b3c5d7e9f0a2b4c6d8e1f3a"),
        ("From", "+15035550142"),
        ("To", "+18005550199"),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("Digits", "6446"),
        ("ApiVersion", "2010-04-01"),
        ("Caller", "+15035550142"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let signed = twilio::compute_signature(token, GATHER_URL, &params);
    assert!(
        twilio::validate_signature(token, GATHER_URL, &params, &signed),
        "signature made by compute_signature validates"
    );

    let mut group = c.benchmark_group("signature");
    group.bench_function("validate_9_params", |b| {
        b.iter(|| {
            twilio::validate_signature(
                black_box(token),
                black_box(GATHER_URL),
                black_box(&params),
                black_box(&signed),
            )
        })
    });
    group.bench_function("compute_9_params", |b| {
        b.iter(|| {
            twilio::compute_signature(black_box(token), black_box(GATHER_URL), black_box(&params))
        })
    });
    group.finish();
}

fn speech_words(c: &mut Criterion) {
    let due = time::macros::date!(2026 - 12 - 02);
    let mut group = c.benchmark_group("speech");
    group.bench_function("money_en_44533", |b| {
        b.iter(|| speech::money_words(black_box(44533), black_box(Language::En)))
    });
    group.bench_function("money_es_44533", |b| {
        b.iter(|| speech::money_words(black_box(44533), black_box(Language::Es)))
    });
    group.bench_function("date_en", |b| {
        b.iter(|| speech::date_words(black_box(due), black_box(Language::En)))
    });
    group.bench_function("date_es", |b| {
        b.iter(|| speech::date_words(black_box(due), black_box(Language::Es)))
    });
    group.finish();
}

fn flow_step(c: &mut Criterion) {
    let flow = ivrpay_core::flow::load_file(Path::new(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        "/call-flows/payment.toml"
    )))
    .expect("call-flows/payment.toml loads");
    let ctx = FakeContext::new(Some(FakeContext::linda_brown()));
    let session = Session {
        state: "ask_pin".to_owned(),
        language: Some(Language::En),
        account: Some("66253365".to_owned()),
        ..Session::default()
    };
    let turn = 7;
    let pin = || Input::Digits("6446".into());

    // Check once, untimed, that this is the intended path and not an error or a re-ask.
    let mut checked = session.clone();
    let mut checked_ctx = ctx.clone();
    let step =
        advance(&flow, &mut checked, pin(), turn, &mut checked_ctx).expect("advance from ask_pin");
    assert_eq!(
        checked.state, "say_balance",
        "a right PIN reads the balance"
    );
    assert!(checked.authenticated, "verify_pin ran");
    let xml = twilio::render(&step.response);
    assert!(
        xml.contains("four hundred forty-five dollars and thirty-three cents")
            && xml.contains("turn=8"),
        "balance menu rendered: {xml}"
    );

    let mut group = c.benchmark_group("flow_step");
    group.bench_function("advance_ask_pin", |b| {
        b.iter_batched(
            || (session.clone(), pin(), ctx.clone()),
            |(mut session, input, mut ctx)| {
                let step = advance(&flow, &mut session, input, turn, &mut ctx)
                    .expect("advance from ask_pin");
                // Handed back so the context is dropped outside the timing.
                (step, ctx)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("advance_and_render", |b| {
        b.iter_batched(
            || (session.clone(), pin(), ctx.clone()),
            |(mut session, input, mut ctx)| {
                let step = advance(&flow, &mut session, input, turn, &mut ctx)
                    .expect("advance from ask_pin");
                (twilio::render(&step.response), ctx)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, twiml, signature, speech_words, flow_step);
criterion_main!(benches);
