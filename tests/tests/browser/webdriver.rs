//! A minimal W3C WebDriver client over plain HTTP on loopback, for headless Chromium through
//! `chromedriver`: the dozen commands the browser tests use, sent with yoti-http's client.
//!
//! Why not `fantoccini`: without TLS it still pulls ~40 crates (the `webdriver` crate under
//! MPL-2.0, which deny.toml does not allow, a second `http` and two ICU stacks), and these
//! tests need only a few JSON requests to a local process.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Value, json};
use yoti_http::{HttpClient, HyperClient};

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `chromium` and `chromedriver` from the machine, or why not.
pub(crate) fn find_tools() -> Result<(PathBuf, PathBuf), String> {
    let which = |names: &[&str]| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    };
    let browser = which(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("no chromium on PATH (Debian: apt-get install -y chromium chromium-driver)")?;
    let driver = which(&["chromedriver"])
        .ok_or("no chromedriver on PATH (Debian: apt-get install -y chromium-driver)")?;
    Ok((browser, driver))
}

/// A running chromedriver and one headless browser session.
pub(crate) struct Browser {
    http: HyperClient,
    driver: Child,
    session: String,
    base: String,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless session.
    pub(crate) async fn start(browser: &Path, driver: &Path) -> Browser {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            probe.local_addr().unwrap().port()
        };
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let http = HyperClient::builder()
            .request_timeout(Duration::from_secs(60))
            .build();
        let base = format!("http://127.0.0.1:{port}");
        let mut me = Browser {
            http,
            driver: child,
            session: String::new(),
            base,
        };
        let started = Instant::now();
        loop {
            if let Ok(status) = me.raw("GET", "/status", None).await
                && status["value"]["ready"] == json!(true)
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not get ready within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": browser.to_string_lossy(),
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1280,1100",
                             "--no-first-run", "--no-default-browser-check"],
                },
            }}
        });
        let answer = me
            .raw("POST", "/session", Some(capabilities))
            .await
            .expect("a browser session");
        me.session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {answer}"))
            .to_owned();
        me
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .map_err(|e| e.to_string())?;
        let response = self.http.send(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(format!("{method} {path}: {status} {value}"))
        }
    }

    /// A command of this session; panics with WebDriver's answer on failure.
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        match self.raw(method, &path, body).await {
            Ok(v) => v["value"].clone(),
            Err(e) => panic!("WebDriver: {e}"),
        }
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` (a function body; `arguments` are `args`) and answers its value.
    pub(crate) async fn eval(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Waits (up to `secs`) until `script` answers something truthy; answers it.
    pub(crate) async fn wait_until(&self, what: &str, script: &str, secs: u64) -> Value {
        let started = Instant::now();
        loop {
            let v = self.eval(script, json!([])).await;
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
            if truthy {
                return v;
            }
            if started.elapsed() > Duration::from_secs(secs) {
                let text = self
                    .eval(
                        "return document.body ? document.body.innerText : ''",
                        json!([]),
                    )
                    .await;
                panic!("timed out after {secs} s waiting for {what}; the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `css` selects, with a real (WebDriver) click.
    pub(crate) async fn click(&self, css: &str) {
        let found = self
            .cmd(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        let id = found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned();
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})))
            .await;
    }

    /// Enters the iframe `css` selects (`None`: back to the top page).
    pub(crate) async fn frame(&self, css: Option<&str>) {
        let id = match css {
            Some(css) => {
                let found = self
                    .cmd(
                        "POST",
                        "/element",
                        Some(json!({ "using": "css selector", "value": css })),
                    )
                    .await;
                let mut reference = serde_json::Map::new();
                reference.insert(ELEMENT.to_owned(), found[ELEMENT].clone());
                Value::Object(reference)
            }
            None => Value::Null,
        };
        self.cmd("POST", "/frame", Some(json!({ "id": id }))).await;
    }

    /// Saves a PNG of the viewport under `target/browser-screenshots/NAME.png`; answers the path.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target")
            .join("browser-screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    pub(crate) async fn close(mut self) {
        let _ = self
            .raw("DELETE", &format!("/session/{}", self.session), None)
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
