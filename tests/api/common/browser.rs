//! Headless Chromium driven over WebDriver (fantoccini talking to a chromedriver this module
//! starts on a free port). The browser tests need `chromium` and `chromedriver` on the PATH
//! (`needs: [Browser]`, see `services`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use super::services::{Service, on_path};

/// A browser session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium.
    pub async fn start() -> Browser {
        Service::Browser.in_use();
        let driver = on_path("chromedriver").expect("chromedriver, found by in_use");
        let chromium = on_path("chromium").expect("chromium, found by in_use");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // Ready when chromedriver says so on its output (the event itself, not a timer); its
        // output is drained to the end after that so it can never block on a full pipe.
        let output = driver.stdout.take().expect("chromedriver's output");
        let (ready, started) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut ready = Some(ready);
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                if line.contains("started successfully")
                    && let Some(ready) = ready.take()
                {
                    let _ = ready.send(());
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), started)
            .await
            .expect("chromedriver starts within ten seconds")
            .expect("chromedriver says it started");
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                // Root in a container has no sandbox to use; /dev/shm is small there.
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1024,768"],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal");
        };
        let mut driver = Some(driver);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(err) => {
                if let Some(mut driver) = driver.take() {
                    let _ = driver.kill();
                    let _ = driver.wait();
                }
                panic!("headless Chromium did not start: {err}");
            }
        };
        Browser {
            client,
            driver: driver.take().expect("started"),
        }
    }

    /// The path of the page the browser shows.
    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_owned()
    }

    /// Types into the field with this id.
    pub async fn fill(&self, id: &str, text: &str) {
        let field = self.client.find(Locator::Id(id)).await.expect("the field");
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("typing");
    }

    /// Clicks the button with this text.
    pub async fn press(&self, label: &str) {
        self.client
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{label}']"
            )))
            .await
            .expect("the button")
            .click()
            .await
            .expect("click");
    }

    /// The text of the element with this id, once the page shows it.
    pub async fn text_of(&self, id: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id(id))
            .await
            .expect("the element")
            .text()
            .await
            .expect("text")
    }

    /// Waits (ten seconds at most) until the element with this id shows text containing
    /// `expected`, whether a page load or the page's script puts it there; returns the text.
    pub async fn text_becomes(&self, id: &str, expected: &str) -> String {
        // The page answers when its own DOM changes (a MutationObserver), so nothing here polls.
        // A page that is left (a form posted, a redirect followed) answers null as it goes, and
        // the wait goes on in the page that replaces it.
        const WAIT_FOR_TEXT: &str = r#"
            const [id, expected, done] = arguments;
            // A hidden element shows nothing, whatever text it holds (its innerText would be
            // its whole text content, as if shown).
            const text = () => {
                const element = document.getElementById(id);
                return element && !element.closest("[hidden]") ? element.innerText : "";
            };
            if (text().includes(expected)) { done(text()); return; }
            const observer = new MutationObserver(() => {
                if (text().includes(expected)) { observer.disconnect(); done(text()); }
            });
            observer.observe(document.documentElement,
                { childList: true, subtree: true, characterData: true,
                  attributes: true, attributeFilter: ["hidden"] });
            window.addEventListener("pagehide", () => { observer.disconnect(); done(null); });
        "#;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let waited = tokio::time::timeout_at(
                deadline,
                self.client.execute_async(
                    WAIT_FOR_TEXT,
                    vec![serde_json::json!(id), serde_json::json!(expected)],
                ),
            )
            .await;
            match waited {
                Ok(Ok(serde_json::Value::String(text))) => return text,
                // The page was left, or unloaded under the script: wait in the next one.
                Ok(Ok(_) | Err(_)) => {}
                Err(_) => panic!(
                    "#{id} never showed {expected:?} (it shows {:?})",
                    self.text_of(id).await
                ),
            }
        }
    }

    /// What axe-core (Deque's accessibility rules, npm `axe-core`, installed by `.ci/run`) finds
    /// wrong with the page shown, against WCAG 2.2 A and AA: one line per rule broken, naming
    /// the rule, what it asks and how many elements break it.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = super::services::axe_core_script()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .expect("axe-core, found by Browser's probe");
        self.client
            .execute(&format!("{axe}\nreturn null;"), vec![])
            .await
            .expect("axe-core loads into the page");
        const RUN: &str = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] })
              .then(result => done(result.violations.map(v =>
                  `${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.map(n => n.target.join(" ")).join(", ")})`)))
              .catch(error => done([`axe-core failed: ${error}`]));
        "#;
        let found = self
            .client
            .execute_async(RUN, vec![])
            .await
            .expect("axe-core runs");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// Ends the browser session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    // A test that failed midway still stops the chromedriver it started.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
