//! W3C WebDriver over HTTP, against `tauri-driver` (which fronts WebKitWebDriver). Only the
//! endpoints the tests need; every call fails loudly with the driver's own message.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One app session: a `tauri-driver` process and a WebDriver session on it. Dropping it ends
/// the session (which quits the app) and stops the driver.
pub struct Driver {
    base: String,
    session: String,
    child: Child,
}

#[derive(Clone, Debug)]
pub struct Element(String);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    /// Starts `tauri-driver` with `env` and opens the app at `application`.
    pub fn start(application: &Path, env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // WebKit's default (accelerated compositing), unless `env` says otherwise (the bench
        // measures the app as built): WebKitWebDriver answers clicks and screenshots after the
        // page's next composited frame, which a static page drawn without compositing (the
        // app's memory-saving default, src-tauri/webkit_memory.rs) never sends, so they hang.
        // What the tests check does not depend on how WebKit composites.
        cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver; scripts/setup.sh --test does)");
        let base = format!("http://127.0.0.1:{port}");
        let until = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < until, "tauri-driver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application.to_string_lossy()}
        }}});
        let mut d = Driver {
            base,
            session: String::new(),
            child,
        };
        let v = d.post_raw("/session", caps);
        d.session = v["sessionId"].as_str().expect("session id").to_owned();
        d
    }

    fn post_raw(&self, path: &str, body: Value) -> Value {
        let resp = ureq::post(&format!("{}{path}", self.base)).send_json(body);
        Self::value(resp, path)
    }

    fn value(resp: Result<ureq::Response, ureq::Error>, path: &str) -> Value {
        match resp {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].take(),
            Err(ureq::Error::Status(code, r)) => {
                let body: Value = r.into_json().unwrap_or(Value::Null);
                panic!("WebDriver {path} failed ({code}): {}", body["value"]);
            }
            Err(e) => panic!("WebDriver {path}: {e}"),
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.post_raw(&format!("/session/{}{path}", self.session), body)
    }

    fn get(&self, path: &str) -> Value {
        let p = format!("/session/{}{path}", self.session);
        Self::value(ureq::get(&format!("{}{p}", self.base)).call(), &p)
    }

    fn try_post(&self, path: &str, body: Value) -> Option<Value> {
        ureq::post(&format!("{}/session/{}{path}", self.base, self.session))
            .send_json(body)
            .ok()
            .and_then(|r| r.into_json::<Value>().ok())
            .map(|mut v| v["value"].take())
    }

    /// Elements matching a CSS selector, now.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.post("/elements", json!({"using": "css selector", "value": css}))
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned())))
            .collect()
    }

    /// Waits (up to 15 s) until `css` matches something, and returns the first match.
    pub fn wait(&self, css: &str) -> Element {
        self.wait_until(&format!("{css} to appear"), || {
            self.find_all(css).into_iter().next()
        })
    }

    /// Polls `f` until it returns `Some`, up to 15 s.
    pub fn wait_until<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until exactly `n` elements match `css`.
    pub fn wait_count(&self, css: &str, n: usize) {
        self.wait_until(&format!("{n} × {css}"), || {
            (self.find_all(css).len() == n).then_some(())
        })
    }

    pub fn by_testid(&self, id: &str) -> Element {
        self.wait(&format!("[data-testid=\"{id}\"]"))
    }

    pub fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({}));
    }

    pub fn clear(&self, e: &Element) {
        self.post(&format!("/element/{}/clear", e.0), json!({}));
    }

    /// Presses and releases one key (a WebDriver key code such as "\u{E007}" for Enter) as real
    /// keyboard input to whatever has the focus, as a stray keystroke would arrive.
    pub fn press_key(&self, key: &str) {
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key},
                {"type": "keyUp", "value": key}
            ]}]}),
        );
    }

    pub fn type_text(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}));
    }

    /// The element's rendered text (`innerText`; WebKitWebDriver's own "element text"
    /// answers empty for some elements).
    pub fn text(&self, e: &Element) -> String {
        self.post(
            "/execute/sync",
            json!({"script": "return arguments[0].innerText;", "args": [{ELEMENT_KEY: e.0}]}),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.get(&format!("/element/{}/attribute/{name}", e.0))
            .as_str()
            .map(str::to_owned)
    }

    pub fn page_source(&self) -> String {
        self.get("/source").as_str().unwrap_or_default().to_owned()
    }

    /// Runs a script in the page (for settings the tests set directly, like the theme).
    pub fn execute_async(&self, script: &str) -> Value {
        self.post("/execute/async", json!({"script": script, "args": []}))
    }

    pub fn window_handles(&self) -> Vec<String> {
        self.get("/window/handles")
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    pub fn switch_to(&self, handle: &str) {
        self.post("/window", json!({"handle": handle}));
    }

    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_owned()
    }

    /// Switches to the window whose document title `matches`, waiting for it.
    pub fn switch_to_window(&self, what: &str, matches: impl Fn(&str) -> bool) {
        self.wait_until(&format!("the {what} window"), || {
            for h in self.window_handles() {
                if self.try_post("/window", json!({"handle": h})).is_some()
                    && matches(&self.title())
                {
                    return Some(());
                }
            }
            None
        })
    }

    /// Saves a PNG of the current window, after letting transitions settle.
    pub fn screenshot(&self, path: &Path) {
        std::thread::sleep(Duration::from_millis(700));
        let b64 = self.get("/screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("a PNG screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
