//! The outside programs some tests need (PostgreSQL, the stand-ins, a browser), each probed once
//! per process, and the one decision about a test that needs one that is missing: without its
//! `IVRPAY_REQUIRE_*` switch the test is not run (and listed as skipped at the end); with it, as
//! in CI, the test fails and says how to install what is missing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use sqlx::Connection;

/// Something a test needs that is not part of this repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Postgres,
    LocalStripe,
    /// Twilio's Python helper library, which writes the TwiML ours is compared with.
    TwimlReference,
    /// Prism with Twilio's OpenAPI description: the Twilio REST API stand-in.
    Prism,
    /// aiosmtpd: the SMTP stand-in.
    Smtp,
    Espeak,
    /// chromium and chromedriver.
    Browser,
    Schemathesis,
}

/// What a test's needs allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not run; the reason is listed at the end of the run.
    Skip(String),
    /// Missing although its switch requires it: the test fails with this message.
    Fail(String),
}

impl Service {
    const ALL: [Service; 8] = [
        Service::Postgres,
        Service::LocalStripe,
        Service::TwimlReference,
        Service::Prism,
        Service::Smtp,
        Service::Espeak,
        Service::Browser,
        Service::Schemathesis,
    ];

    /// The environment variable that makes this service's absence a failure.
    pub fn switch(self) -> &'static str {
        match self {
            Service::Postgres => "IVRPAY_REQUIRE_POSTGRES",
            Service::LocalStripe => "IVRPAY_REQUIRE_LOCALSTRIPE",
            Service::TwimlReference => "IVRPAY_REQUIRE_TWIML_REFERENCE",
            Service::Prism => "IVRPAY_REQUIRE_PRISM",
            Service::Smtp => "IVRPAY_REQUIRE_SMTP",
            Service::Espeak => "IVRPAY_REQUIRE_ESPEAK",
            Service::Browser => "IVRPAY_REQUIRE_BROWSER",
            Service::Schemathesis => "IVRPAY_REQUIRE_SCHEMATHESIS",
        }
    }

    fn install(self) -> &'static str {
        match self {
            Service::Postgres => "start PostgreSQL on 127.0.0.1:5432 with user postgres, trust",
            Service::LocalStripe => "pip install localstripe",
            Service::TwimlReference => "pip install twilio",
            Service::Prism => "npm install -g @stoplight/prism-cli @twilio-alpha/mcp",
            Service::Smtp => "pip install aiosmtpd",
            Service::Espeak => "apt-get install espeak-ng",
            Service::Browser => "apt-get install chromium chromium-driver; npm install -g axe-core",
            Service::Schemathesis => "pip install schemathesis",
        }
    }

    /// What the tests that need it could not do (the end of a skip's reason).
    fn not_done(self) -> &'static str {
        match self {
            Service::Postgres => "so the PostgreSQL backend was not tested",
            Service::LocalStripe => "so the Stripe gateway was not tested",
            Service::TwimlReference => "so TwiML was not compared with it",
            Service::Prism => "so Twilio's REST API stand-in did not run",
            Service::Smtp => "so the SMTP stand-in did not run",
            Service::Espeak => "so the demo set of recordings was not made",
            Service::Browser => "so the pages were not tried in a browser",
            Service::Schemathesis => "so the admin API was not fuzzed",
        }
    }

    /// Why the service cannot be used, or `None` when it can; probed once per process.
    pub fn missing(self) -> Option<&'static str> {
        static PROBED: [OnceLock<Option<String>>; 8] = [const { OnceLock::new() }; 8];
        let index = Service::ALL
            .iter()
            .position(|service| *service == self)
            .unwrap_or_default();
        PROBED[index].get_or_init(|| self.probe()).as_deref()
    }

    fn probe(self) -> Option<String> {
        let found = |yes: bool, why: &str| (!yes).then(|| why.to_owned());
        match self {
            Service::Postgres => postgres_unreachable(),
            Service::LocalStripe => found(
                runs("python3", &["-c", "import localstripe"]),
                "localstripe is not installed",
            ),
            Service::TwimlReference => found(
                runs("python3", &["-c", "import twilio.twiml.voice_response"]),
                "Twilio's helper library is not installed",
            ),
            Service::Prism if !runs("prism", &["--version"]) => {
                Some("Prism is not installed".to_owned())
            }
            Service::Prism => found(
                super::twilio_api::twilio_description().is_some(),
                "Twilio's OpenAPI description is not installed",
            ),
            Service::Smtp => found(
                runs("python3", &["-c", "import aiosmtpd"]),
                "aiosmtpd is not installed",
            ),
            Service::Espeak => found(
                ivrpay::audio::demo::espeak_available(),
                "espeak-ng is not installed",
            ),
            Service::Browser => found(
                on_path("chromedriver").is_some() && on_path("chromium").is_some() && axe_core(),
                "chromium, chromedriver or axe-core is not installed",
            ),
            Service::Schemathesis => found(
                runs("schemathesis", &["--version"]),
                "schemathesis is not installed",
            ),
        }
    }

    fn required(self) -> bool {
        std::env::var(self.switch()).is_ok_and(|v| v == "1")
    }

    /// For a helper that starts the service: panics when it is missing, which only happens when
    /// the test's registration does not declare that it needs it (so the runner did not check).
    pub fn in_use(self) {
        if let Some(why) = self.missing() {
            panic!(
                "{why} ({}): a test using {self:?} must say `needs: [{self:?}]` where it is registered",
                self.install()
            );
        }
    }
}

/// Whether a test needing `needs` can run, is skipped, or fails for want of a required service.
pub fn require(needs: &[Service]) -> Readiness {
    decide(
        needs
            .iter()
            .map(|&service| (service, service.missing(), service.required())),
    )
}

/// [`require`]'s decision from each needed service, why it is missing (if it is), and whether
/// its switch requires it. The first required and missing service fails the test.
pub fn decide<'a>(needs: impl IntoIterator<Item = (Service, Option<&'a str>, bool)>) -> Readiness {
    let mut skip = None;
    for (service, missing, required) in needs {
        let Some(why) = missing else {
            continue;
        };
        if required {
            return Readiness::Fail(format!(
                "{}=1 but {why} ({})",
                service.switch(),
                service.install()
            ));
        }
        skip.get_or_insert_with(|| {
            format!("{why} ({}), {}", service.install(), service.not_done())
        });
    }
    skip.map_or(Readiness::Ready, Readiness::Skip)
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Where npm installed axe-core (`npm install -g axe-core`), if it did: the accessibility rules
/// the browser tests run in their pages.
pub fn axe_core_script() -> Option<PathBuf> {
    let root = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let path =
        PathBuf::from(String::from_utf8_lossy(&root.stdout).trim()).join("axe-core/axe.min.js");
    path.is_file().then_some(path)
}

fn axe_core() -> bool {
    axe_core_script().is_some()
}

/// The full path of `name` on the PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// Why the harness cannot create databases on PostgreSQL, or `None` when it can. Runs on a
/// runtime of its own: the probe may come before any test's runtime exists (when listing).
fn postgres_unreachable() -> Option<String> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return Some(format!("no runtime to reach PostgreSQL with: {err}")),
    };
    let connect = sqlx::PgConnection::connect(super::POSTGRES_ADMIN_URL);
    match runtime.block_on(async { tokio::time::timeout(Duration::from_secs(10), connect).await }) {
        Ok(Ok(conn)) => {
            drop(runtime.block_on(conn.close()));
            None
        }
        Ok(Err(err)) => Some(format!(
            "PostgreSQL is not reachable at 127.0.0.1:5432 ({})",
            err.to_string().lines().next().unwrap_or_default()
        )),
        Err(_) => Some("PostgreSQL did not answer at 127.0.0.1:5432 within 10 s".to_owned()),
    }
}
