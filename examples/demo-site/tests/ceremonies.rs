//! The demo site driven by the real `latchkey` CLI (run under scripts/test-env.sh: the CLI
//! needs the keychain and the OS check). Every response is verified by the server's webauthn-rs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// The `latchkey` binary from this target dir (`cargo build -p latchkey-cli` first).
fn latchkey_bin() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let p = dir.join("debug").join("latchkey");
    assert!(
        p.exists(),
        "{} is not built; run cargo build -p latchkey-cli",
        p.display()
    );
    p
}

/// The site on a free port, served from a background runtime for the test's lifetime.
fn start_site() -> u16 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || rt.block_on(latchkey_demo_site::serve(listener)).unwrap());
    port
}

/// One browser: keeps the session cookie like a browser would.
struct Browser {
    base: String,
    cookie: Option<String>,
}

impl Browser {
    fn new(port: u16) -> Self {
        Browser {
            base: format!("http://127.0.0.1:{port}"),
            cookie: None,
        }
    }

    fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = ureq::request(method, &format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        if let Some(set) = res.header("set-cookie") {
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Lax"),
                "{set}"
            );
            self.cookie = Some(set.split(';').next().unwrap().to_string());
        }
        let status = res.status();
        let v: Value = res.into_json().unwrap_or(Value::Null);
        (status, v)
    }

    fn post(&mut self, path: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(&body))
    }

    fn ok(&mut self, path: &str, body: Value) -> Value {
        let (s, v) = self.post(path, body);
        assert_eq!(s, 200, "{path}: {v}");
        v
    }
}

struct Cli {
    dir: tempfile::TempDir,
    origin: String,
}

impl Cli {
    fn new(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(latchkey_bin())
            .arg("--data-dir")
            .arg(dir.path())
            .arg("init")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Cli {
            dir,
            origin: latchkey_demo_site::origin(port),
        }
    }

    /// `latchkey webauthn create|get --origin ... --yes [--account NAME]` on the options.
    fn ceremony(&self, verb: &str, options: &Value, account: Option<&str>) -> Value {
        let mut cmd = Command::new(latchkey_bin());
        cmd.arg("--data-dir").arg(self.dir.path()).args([
            "webauthn",
            verb,
            "--origin",
            &self.origin,
            "--yes",
        ]);
        if let Some(a) = account {
            cmd.args(["--account", a]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(options.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "latchkey webauthn {verb}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn sign_up(b: &mut Browser, cli: &Cli, name: &str) -> Value {
    let options = b.ok("/api/register/start", json!({ "username": name }));
    let response = cli.ceremony("create", &options, None);
    b.ok("/api/register/finish", response)
}

fn counter(me: &Value, i: usize) -> u64 {
    me["passkeys"][i]["counter"].as_u64().unwrap()
}

#[test]
fn sign_up_and_sign_in_with_two_accounts_through_the_cli() {
    let port = start_site();
    let cli = Cli::new(port);

    let mut alice = Browser::new(port);
    let me = sign_up(&mut alice, &cli, "alice");
    assert_eq!(me["username"], "alice");
    assert_eq!(me["passkeys"].as_array().unwrap().len(), 1);
    let alice_id = me["passkeys"][0]["id"].as_str().unwrap().to_string();
    let (s, me) = alice.call("GET", "/api/me", None);
    assert_eq!((s, &me["username"]), (200, &json!("alice")));

    // A taken name is refused for someone else.
    let mut other = Browser::new(port);
    let (s, v) = other.post("/api/register/start", json!({ "username": "alice" }));
    assert_eq!(s, 409, "{v}");
    assert!(v["error"].as_str().unwrap().contains("taken"));

    let mut bob = Browser::new(port);
    let me = sign_up(&mut bob, &cli, "bob");
    assert_eq!(me["username"], "bob");
    let bob_id = me["passkeys"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(alice_id, bob_id);

    // Discoverable sign-in in a fresh browser: the passkey picked decides the account.
    for (name, id) in [("alice", &alice_id), ("bob", &bob_id)] {
        let mut b = Browser::new(port);
        assert_eq!(b.call("GET", "/api/me", None).0, 401);
        let options = b.ok("/api/login/start", json!({}));
        assert!(options["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(|a| a.is_empty()));
        let assertion = cli.ceremony("get", &options, Some(name));
        let me = b.ok("/api/login/finish", assertion);
        assert_eq!(me["username"], name);
        assert_eq!(&me["passkeys"][0]["id"], id);
        assert!(counter(&me, 0) >= 1, "{me}");
        let (s, me) = b.call("GET", "/api/me", None);
        assert_eq!((s, &me["username"]), (200, &json!(name)));
    }

    // Allow-listed sign-in for alice: only her passkey is offered, and the counter moves.
    let mut b = Browser::new(port);
    let options = b.ok("/api/login/start", json!({ "username": "alice" }));
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    assert_eq!(allowed[0]["id"], json!(alice_id));
    let before = counter(&b_me(&mut alice), 0);
    let assertion = cli.ceremony("get", &options, None);
    let me = b.ok("/api/login/finish", assertion.clone());
    assert_eq!(me["username"], "alice");
    assert!(counter(&me, 0) > before, "counter {before} -> {me}");

    // Replaying the same assertion is refused: the challenge was used up.
    let (s, v) = b.post("/api/login/finish", assertion.clone());
    assert_eq!(s, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("start again"), "{v}");

    // ... and so is an old assertion against a new challenge.
    b.ok("/api/login/start", json!({ "username": "alice" }));
    let (s, v) = b.post("/api/login/finish", assertion.clone());
    assert_eq!(s, 401, "{v}");

    // A tampered signature for the right challenge is refused.
    let options = b.ok("/api/login/start", json!({ "username": "alice" }));
    let mut tampered = cli.ceremony("get", &options, None);
    let sig = tampered["response"]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    tampered["response"]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
    let (s, v) = b.post("/api/login/finish", tampered);
    assert_eq!(s, 401, "{v}");

    // Bob's passkey cannot finish a sign-in allow-listed for alice.
    let mut c = Browser::new(port);
    let options = c.ok("/api/login/start", json!({ "username": "alice" }));
    let mut for_bob = options.clone();
    for_bob["publicKey"]["allowCredentials"] = json!([]);
    let assertion = cli.ceremony("get", &for_bob, Some("bob"));
    let (s, v) = c.post("/api/login/finish", assertion);
    assert_eq!(s, 401, "{v}");
    assert_eq!(c.call("GET", "/api/me", None).0, 401);

    // A second passkey for the signed-in alice (a second vault stands for another device).
    let laptop = Cli::new(port);
    let options = alice.ok("/api/register/start", json!({}));
    let excluded = options["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(excluded[0]["id"], json!(alice_id));
    let me = alice.ok(
        "/api/register/finish",
        laptop.ceremony("create", &options, None),
    );
    assert_eq!(me["username"], "alice");
    assert_eq!(me["passkeys"].as_array().unwrap().len(), 2);
    let options = alice.ok("/api/login/start", json!({ "username": "alice" }));
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let me = alice.ok("/api/login/finish", laptop.ceremony("get", &options, None));
    assert_eq!(me["passkeys"].as_array().unwrap().len(), 2);
    // Discoverable with the second passkey: the server verifies against that passkey, not
    // the account's first one.
    let mut fresh = Browser::new(port);
    let options = fresh.ok("/api/login/start", json!({}));
    let me = fresh.ok("/api/login/finish", laptop.ceremony("get", &options, None));
    assert_eq!(me["username"], "alice");
    assert!(counter(&me, 1) >= 2, "{me}");

    // Sign out.
    alice.ok("/api/logout", json!({}));
    assert_eq!(alice.call("GET", "/api/me", None).0, 401);
}

fn b_me(b: &mut Browser) -> Value {
    let (s, v) = b.call("GET", "/api/me", None);
    assert_eq!(s, 200, "{v}");
    v
}

#[test]
fn finishing_without_a_started_ceremony_is_refused_with_a_json_error() {
    let port = start_site();
    let mut b = Browser::new(port);
    let (s, v) = b.post(
        "/api/register/finish",
        json!({"id": "AA", "rawId": "AA", "type": "public-key",
               "response": {"attestationObject": "AA", "clientDataJSON": "AA"}}),
    );
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("no registration"),
        "{v}"
    );
    let (s, v) = b.post("/api/login/start", json!({ "username": "nobody" }));
    assert_eq!(s, 404, "{v}");
    let (s, v) = b.post("/api/register/start", json!({ "username": "  " }));
    assert_eq!(s, 400, "{v}");
}

#[test]
fn the_pages_and_the_simplewebauthn_bundle_are_served() {
    let port = start_site();
    let base = format!("http://127.0.0.1:{port}");
    let page = ureq::get(&format!("{base}/")).call().unwrap();
    assert!(page.content_type().starts_with("text/html"));
    let csp = page.header("content-security-policy").unwrap().to_string();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = page.into_string().unwrap();
    assert!(html.contains("/vendor/simplewebauthn.js"), "{html}");
    assert!(html.contains(r#"autocomplete="username webauthn""#));
    assert!(
        !html.contains("<script>"),
        "no inline scripts under the CSP"
    );

    let account = ureq::get(&format!("{base}/account")).call().unwrap();
    assert!(account.content_type().starts_with("text/html"));

    let js = ureq::get(&format!("{base}/vendor/simplewebauthn.js"))
        .call()
        .unwrap();
    assert_eq!(js.content_type(), "text/javascript");
    assert!(js.into_string().unwrap().contains("SimpleWebAuthnBrowser"));
    let app = ureq::get(&format!("{base}/app.js")).call().unwrap();
    assert_eq!(app.content_type(), "text/javascript");
}

#[test]
fn sign_up_asks_for_a_discoverable_credential() {
    // Without it a security key or the browser's own authenticator makes a credential that
    // "Sign in with a passkey" (no user name) and the autofill can never find.
    let port = start_site();
    let mut b = Browser::new(port);
    let (s, v) = b.post("/api/register/start", json!({ "username": "erin" }));
    assert_eq!(s, 200, "{v}");
    let sel = &v["publicKey"]["authenticatorSelection"];
    assert_eq!(sel["residentKey"], "required", "{v}");
    assert_eq!(sel["requireResidentKey"], true, "{v}");
}
