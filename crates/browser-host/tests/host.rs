//! The built host binary, driven the way a browser drives it: frames on its stdin, frames back
//! on its stdout. The app is its session core (latchkey-session, what the Tauri shell wraps)
//! serving the real socket with a real vault; the test plays the person at the prompt and
//! webauthn-rs judges what comes back.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_bridge::BridgeServer;
use latchkey_browser_host::framing::{read_frame, write_frame};
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::{NoEvents, Session};
use latchkey_vault::OsKeychain;
use serde_json::{json, Value};
use webauthn_rs::prelude::*;
use webauthn_rs::WebauthnBuilder;

const HOST: &str = env!("CARGO_BIN_EXE_latchkey-browser-host");

/// The host for the vault in `dir`, with the app binary it would start set to `app`.
fn host(dir: &Path, app: &Path) -> Child {
    Command::new(HOST)
        .env("LATCHKEY_DATA_DIR", dir)
        .env("LATCHKEY_APP", app)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the host")
}

/// Feeds `input` to a host, closes its stdin and returns every frame it wrote (stdout must be
/// frames and nothing else), its exit code and its stderr.
fn exchange(dir: &Path, app: &Path, input: &[u8]) -> (Vec<Value>, i32, String) {
    let mut child = host(dir, app);
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let mut r = std::io::Cursor::new(out.stdout);
    let mut frames = Vec::new();
    while let Some(f) = read_frame(&mut r).expect("stdout holds frames only") {
        frames.push(f);
    }
    (
        frames,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn frame(message: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, message).unwrap();
    out
}

/// `frames` (exactly `n` of them, each with an id) keyed by their id as text: replies come in
/// the order they are ready, not the order asked.
fn by_id(frames: Vec<Value>, n: usize) -> std::collections::HashMap<String, Value> {
    assert_eq!(frames.len(), n, "{frames:?}");
    let map: std::collections::HashMap<String, Value> = frames
        .into_iter()
        .map(|f| {
            let id = match &f["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (id, f)
        })
        .collect();
    assert_eq!(map.len(), n, "one reply per id: {map:?}");
    map
}

fn raw_frame(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_ne_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

#[test]
fn a_create_from_the_browser_is_approved_in_the_app_and_accepted_by_webauthn_rs() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let (session, _serving) = running_app(&dir);

    let rp = example_rp();
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let options = serde_json::to_value(&ccr).unwrap()["publicKey"].clone();

    // The app is running, so nothing may be started: an app path that does not exist.
    let mut child = host(&dir, &d.path().join("no-such-app"));
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    stdin
        .write_all(&frame(&json!({"id": 1, "type": "status"})))
        .unwrap();
    let status = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(status["id"], 1, "{status}");
    assert_eq!(status["ok"]["running"], true, "{status}");
    assert_eq!(status["ok"]["locked"], false, "{status}");
    assert_eq!(status["ok"]["count"], 0, "{status}");

    stdin
        .write_all(&frame(&json!({"id": "reg-1", "type": "create",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    assert_eq!(prompt.door, "browser", "the host is shown as the browser");
    assert_eq!(prompt.rp_id, "example.com");
    assert_eq!(prompt.origin.as_deref(), Some("https://example.com"));
    session.answer_prompt(&prompt.id, true, None).unwrap();

    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["id"], "reg-1", "{reply}");
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(reply["ok"].clone()).expect("a RegistrationResponseJSON");
    rp.finish_passkey_registration(&credential, &state)
        .expect("webauthn-rs accepts the registration made through the browser host");
    assert_eq!(session.list().unwrap().len(), 1);

    // A denied request comes back as the DOMException the page expects.
    let (rcr, _) = rp.start_discoverable_authentication().unwrap();
    let options = serde_json::to_value(&rcr).unwrap()["publicKey"].clone();
    stdin
        .write_all(&frame(&json!({"id": 2, "type": "get",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    session.answer_prompt(&prompt.id, false, None).unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["id"], 2, "{reply}");
    assert_eq!(reply["error"]["name"], "NotAllowedError", "{reply}");

    // The browser closes the pipe: the host ends cleanly.
    drop(stdin);
    assert!(read_frame(&mut stdout).unwrap().is_none());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn without_an_app_status_says_not_running_and_a_get_falls_back() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let started = Instant::now();
    let input = [
        frame(&json!({"id": 5, "type": "status"})),
        frame(&json!({"id": "g", "type": "get", "origin": "https://example.com", "options": {"challenge": "AAAA"}})),
        frame(&json!({"id": "c", "type": "cancel", "tag": "t1"})),
    ]
    .concat();
    let (frames, code, stderr) = exchange(&dir, &d.path().join("no-such-app"), &input);
    assert_eq!(code, 0, "exits cleanly at EOF: {stderr}");
    let by_id = by_id(frames, 3);
    assert_eq!(by_id["5"], json!({"id": 5, "ok": {"running": false}}));
    assert_eq!(
        by_id["c"],
        json!({"id": "c", "ok": null}),
        "nothing to cancel"
    );
    let g = &by_id["g"];
    assert_eq!(g["error"]["name"], "LatchkeyUnavailable", "{g}");
    assert_eq!(g["error"]["fallback"], "not-running", "{g}");
    assert!(
        g["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be started"),
        "{g}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "no waiting on an app that is not there"
    );
}

#[test]
fn the_host_starts_the_app_and_reports_when_it_dies_at_once() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let marker = d.path().join("started");
    let app = d.path().join("latchkey-app");
    std::fs::write(
        &app,
        format!("#!/bin/sh\ntouch '{}'\nexit 3\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Status never starts the app (the popup asks it on every open).
    let (frames, code, stderr) = exchange(&dir, &app, &frame(&json!({"id": 1, "type": "status"})));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(frames, vec![json!({"id": 1, "ok": {"running": false}})]);
    assert!(!marker.exists(), "status started the app");

    let (frames, code, stderr) = exchange(&dir, &app, &frame(&json!({"id": 1, "type": "unlock"})));
    assert_eq!(code, 0, "{stderr}");
    assert!(marker.exists(), "the host ran the app");
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["error"]["name"], "LatchkeyUnavailable");
    assert_eq!(frames[0]["error"]["fallback"], "not-running");
    let message = frames[0]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("stopped right after starting"),
        "{message}"
    );
}

#[test]
fn garbage_gets_error_frames_and_never_a_crash() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let app = d.path().join("no-such-app");
    let mut input = [
        raw_frame(b"{not json"),
        raw_frame(b"\"\xff\xfe\""),
        raw_frame(b""),
        raw_frame(br#"{"type":"status"}"#),
        raw_frame(br#"{"id":9,"type":"explode"}"#),
        raw_frame(br#"{"id":10,"type":"create","origin":"https://example.com"}"#),
    ]
    .concat();
    // Then a frame announcing 64 MiB: refused unread, one error frame, exit 1.
    input.extend_from_slice(&(64u32 << 20).to_ne_bytes());
    input.extend_from_slice(&[b'x'; 1024]);
    let (frames, code, stderr) = exchange(&dir, &app, &input);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("1 MiB"), "{stderr}");
    assert_eq!(frames.len(), 7, "{frames:?}");
    for f in &frames[..4] {
        assert_eq!(f["id"], Value::Null, "{f}");
        assert_eq!(f["error"]["name"], "TypeError", "{f}");
    }
    assert_eq!(frames[4]["id"], 9);
    assert_eq!(frames[4]["error"]["name"], "TypeError");
    assert_eq!(frames[5]["id"], 10);
    assert!(frames[5]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("options"));
    assert!(frames[6]["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("{}", 64u32 << 20)));

    // A pipe that ends inside a frame: an error frame, exit 1.
    let mut cut = raw_frame(br#"{"id":1,"type":"status"}"#);
    cut.truncate(10);
    let (frames, code, _) = exchange(&dir, &app, &cut);
    assert_eq!(code, 1);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["error"]["name"], "TypeError");
    let (frames, code, _) = exchange(&dir, &app, &[1, 0]);
    assert_eq!((frames.len(), code), (1, 1));
}

/// Not a test: the stand-in for the Latchkey app that the next test has the host start (the
/// real app core serving the real socket, without the Tauri window). It runs only when started
/// that way, and serves until the test creates the stop file, which it removes as it ends.
#[test]
#[ignore = "run by the host in the_host_starts_the_app_when_it_is_not_running"]
fn app_stand_in() {
    let (Some(dir), Some(stop)) = (
        std::env::var_os("LATCHKEY_DATA_DIR"),
        std::env::var_os("LATCHKEY_TEST_STOP"),
    ) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let session = Session::new(
        &dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    // Starting slowly, as a real app may: the host must wait for the socket.
    std::thread::sleep(Duration::from_millis(500));
    let server = BridgeServer::bind(&dir).expect("the app's socket");
    let _serving = server.spawn(Arc::new(SessionHandler(session)), doors_of_this_build());
    let until = Instant::now() + Duration::from_secs(60);
    while !Path::new(&stop).exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Tells the test this process is done.
    let _ = std::fs::remove_file(&stop);
}

#[test]
fn the_host_starts_the_app_when_it_is_not_running() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    std::fs::create_dir(&dir).unwrap();
    let stop = d.path().join("stop");
    let app = d.path().join("latchkey-app");
    let me = std::env::current_exe().unwrap();
    std::fs::write(
        &app,
        format!(
            "#!/bin/sh\nexec '{}' --exact app_stand_in --ignored\n",
            me.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new(HOST)
        .env("LATCHKEY_DATA_DIR", &dir)
        .env("LATCHKEY_APP", &app)
        .env("LATCHKEY_TEST_STOP", &stop)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // A get starts the app and is withdrawn while the app is still starting (the stand-in
    // takes 500 ms to open its socket): it answers AbortError and never reaches the app,
    // where the locked vault would have shown an unlock prompt.
    stdin
        .write_all(
            &[
                frame(&json!({"id": "early", "type": "get", "tag": "early",
                    "origin": "https://example.com", "options": {"challenge": "AAAA"}})),
                frame(&json!({"id": "cancel", "type": "cancel", "tag": "early"})),
            ]
            .concat(),
        )
        .unwrap();
    let replies = by_id(
        vec![
            read_frame(&mut stdout).unwrap().unwrap(),
            read_frame(&mut stdout).unwrap().unwrap(),
        ],
        2,
    );
    assert_eq!(replies["cancel"]["ok"], Value::Null, "{replies:?}");
    assert_eq!(
        replies["early"]["error"]["name"], "AbortError",
        "{replies:?}"
    );
    // An accounts request to the started app (a locked one answers it with a fallback); then
    // the status comes from the started app.
    stdin
        .write_all(&frame(&json!({"id": 1, "type": "accounts",
            "origin": "https://example.com", "rpId": "example.com"})))
        .unwrap();
    let first = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(first["id"], 1, "{first}");
    assert_eq!(first["error"]["fallback"], "locked", "{first}");
    stdin
        .write_all(&frame(&json!({"id": 2, "type": "status"})))
        .unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    std::fs::write(&stop, b"").unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while stop.exists() {
        assert!(Instant::now() < until, "the stand-in app did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(reply["id"], 2, "{reply}");
    assert_eq!(
        reply["ok"],
        json!({"running": true, "locked": true, "count": 0}),
        "the started app answered: {reply}"
    );
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// The relying party the tests register with and sign in to.
fn example_rp() -> Webauthn {
    WebauthnBuilder::new("example.com", &Url::parse("https://example.com").unwrap())
        .unwrap()
        .build()
        .unwrap()
}

/// The app core for the vault in `dir`, unlocked and serving the real socket.
fn running_app(dir: &Path) -> (Arc<Session>, std::thread::JoinHandle<()>) {
    let session = Session::new(
        dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    session.unlock().unwrap();
    let server = BridgeServer::bind(dir).expect("the app's socket");
    let serving = server.spawn(
        Arc::new(SessionHandler(session.clone())),
        doors_of_this_build(),
    );
    (session, serving)
}

fn wait_for_prompt(session: &Session) -> latchkey_session::prompts::Prompt {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(p) = session.current_prompt() {
            return p;
        }
        assert!(Instant::now() < until, "no prompt in the app");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_until_no_prompt(session: &Session, within: Duration) -> bool {
    let until = Instant::now() + within;
    while session.current_prompt().is_some() {
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn a_pending_get_holds_up_nothing_and_a_cancel_withdraws_it() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let (session, _serving) = running_app(&dir);
    let rp = example_rp();
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let options = serde_json::to_value(&ccr).unwrap()["publicKey"].clone();

    let mut child = host(&dir, &d.path().join("no-such-app"));
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    stdin
        .write_all(&frame(&json!({"id": 1, "type": "create", "tag": "c1",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    session.answer_prompt(&prompt.id, true, None).unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(reply["ok"].clone()).expect("a RegistrationResponseJSON");
    rp.finish_passkey_registration(&credential, &state).unwrap();

    // A sign-in waits at the prompt ...
    let (rcr, _) = rp.start_discoverable_authentication().unwrap();
    let options = serde_json::to_value(&rcr).unwrap()["publicKey"].clone();
    stdin
        .write_all(&frame(&json!({"id": "g", "type": "get", "tag": "g1",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let waiting = wait_for_prompt(&session);
    // ... while a status, an accounts request and a cancel for another tag are answered.
    let asked = Instant::now();
    stdin
        .write_all(
            &[
                frame(&json!({"id": 2, "type": "status"})),
                frame(&json!({"id": 3, "type": "accounts",
                    "origin": "https://example.com", "rpId": "example.com"})),
                frame(&json!({"id": 4, "type": "cancel", "tag": "not-this-one"})),
            ]
            .concat(),
        )
        .unwrap();
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(read_frame(&mut stdout).unwrap().unwrap());
    }
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered without waiting for the prompt"
    );
    let replies = by_id(replies, 3);
    assert_eq!(
        replies["2"],
        json!({"id": 2, "ok": {"running": true, "locked": false, "count": 1}})
    );
    assert_eq!(
        replies["3"]["ok"],
        json!([{"credentialId": credential.id, "userName": "alice",
            "userDisplayName": "Alice", "nickname": null}]),
        "{}",
        replies["3"]
    );
    assert_eq!(replies["4"], json!({"id": 4, "ok": null}));
    assert_eq!(
        session.current_prompt().map(|p| p.id),
        Some(waiting.id.clone()),
        "a cancel for another tag leaves the prompt"
    );

    // The page aborts: the prompt goes away and the get answers AbortError.
    stdin
        .write_all(&frame(&json!({"id": 5, "type": "cancel", "tag": "g1"})))
        .unwrap();
    let replies = by_id(
        vec![
            read_frame(&mut stdout).unwrap().unwrap(),
            read_frame(&mut stdout).unwrap().unwrap(),
        ],
        2,
    );
    assert_eq!(replies["5"], json!({"id": 5, "ok": null}));
    assert_eq!(
        replies["g"]["error"]["name"], "AbortError",
        "{}",
        replies["g"]
    );
    assert!(
        wait_until_no_prompt(&session, Duration::from_secs(5)),
        "the prompt went away"
    );

    // The prompt names the browser from the host's parent (here the test: no browser), and
    // offers another device; choosing it hands the call back to the browser.
    stdin
        .write_all(&frame(&json!({"id": 7, "type": "get", "tag": "g3",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    assert_eq!(prompt.client.as_deref(), Some("a browser"));
    assert!(prompt.another_device);
    session.answer_another_device(&prompt.id).unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["id"], 7, "{reply}");
    assert_eq!(reply["error"]["name"], "LatchkeyUnavailable", "{reply}");
    assert_eq!(reply["error"]["fallback"], "another-device", "{reply}");

    // An allow list naming no passkey held here: the browser's own WebAuthn, at once.
    let mut foreign = options.clone();
    foreign["allowCredentials"] = json!([{"type": "public-key", "id": "AAAAAAAAAAAAAAAAAAAAAA"}]);
    stdin
        .write_all(&frame(&json!({"id": 8, "type": "get",
            "origin": "https://example.com", "options": foreign})))
        .unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["error"]["fallback"], "no-passkey", "{reply}");
    assert!(session.current_prompt().is_none());

    // Locked: the unlock prompt; "another device" there hands the call back as "locked".
    session.lock();
    stdin
        .write_all(&frame(&json!({"id": 9, "type": "get", "tag": "g4",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    session.answer_another_device(&prompt.id).unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["id"], 9, "{reply}");
    assert_eq!(reply["error"]["fallback"], "locked", "{reply}");
    // The popup's Unlock: the app unlocks (the OS check) and answers its status.
    stdin
        .write_all(&frame(&json!({"id": 10, "type": "unlock"})))
        .unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(
        reply,
        json!({"id": 10, "ok": {"running": true, "locked": false, "count": 1}})
    );
    assert!(!session.status().locked);

    // The browser closes the port while a tagged get waits: the host withdraws it and exits.
    stdin
        .write_all(&frame(&json!({"id": 6, "type": "get", "tag": "g2",
            "origin": "https://example.com", "options": options})))
        .unwrap();
    wait_for_prompt(&session);
    let closed = Instant::now();
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(
        wait_until_no_prompt(&session, Duration::from_secs(5)),
        "the host withdrew the pending prompt when the browser went away"
    );
    assert!(
        closed.elapsed() < Duration::from_secs(5),
        "the host did not wait out the drain time: {:?}",
        closed.elapsed()
    );
}

/// An app that takes every request and answers none until told to: it keeps the host's
/// requests in flight for as long as the test needs.
struct StalledApp {
    released: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
    seen: std::sync::atomic::AtomicUsize,
}

impl latchkey_bridge::Handler for StalledApp {
    fn handle(
        &self,
        _peer: &latchkey_bridge::Peer,
        _request: latchkey_bridge::protocol::Request,
    ) -> Result<Value, latchkey_bridge::ReplyError> {
        self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut released = self.released.lock().unwrap();
        while !*released {
            released = self.changed.wait(released).unwrap();
        }
        Ok(json!("late"))
    }
}

#[test]
fn the_seventeenth_request_in_flight_is_refused_at_once() {
    use latchkey_browser_host::host::MAX_IN_FLIGHT;
    use std::sync::atomic::Ordering;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    std::fs::create_dir_all(&dir).unwrap();
    let app = Arc::new(StalledApp {
        released: std::sync::Mutex::new(false),
        changed: std::sync::Condvar::new(),
        seen: Default::default(),
    });
    let server = BridgeServer::bind(&dir).expect("the app's socket");
    let _serving = server.spawn(app.clone(), doors_of_this_build());

    let mut child = host(&dir, &d.path().join("no-such-app"));
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let get = |id: usize| {
        frame(
            &json!({"id": id, "type": "get", "origin": "https://example.com",
            "options": {"challenge": "AAAA"}, "tag": format!("t{id}")}),
        )
    };
    for id in 0..MAX_IN_FLIGHT {
        stdin.write_all(&get(id)).unwrap();
    }
    let until = Instant::now() + Duration::from_secs(20);
    while app.seen.load(Ordering::SeqCst) < MAX_IN_FLIGHT {
        assert!(
            Instant::now() < until,
            "the requests did not all reach the app"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stdin.write_all(&get(MAX_IN_FLIGHT)).unwrap();
    let refused = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(refused["id"], MAX_IN_FLIGHT, "{refused}");
    assert_eq!(refused["error"]["fallback"], "busy", "{refused}");

    *app.released.lock().unwrap() = true;
    app.changed.notify_all();
    let mut late = Vec::new();
    for _ in 0..MAX_IN_FLIGHT {
        late.push(read_frame(&mut stdout).unwrap().unwrap());
    }
    let late = by_id(late, MAX_IN_FLIGHT);
    assert!(late.values().all(|f| f["ok"] == "late"), "{late:?}");
    // With the slots free again, a request is relayed.
    stdin.write_all(&get(100)).unwrap();
    assert_eq!(read_frame(&mut stdout).unwrap().unwrap()["ok"], "late");
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// The browser host of this build (`target/<profile>/latchkey-browser-host`): the test binary
/// is in `target/<profile>/deps/`, and the app trusts the host beside itself.
fn doors_of_this_build() -> latchkey_bridge::Doors {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    latchkey_bridge::Doors::with_browser_host(&profile_dir.join(latchkey_bridge::BROWSER_HOST_NAME))
}

#[test]
fn the_prompt_names_the_browser_that_started_the_host() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("vault");
    let (session, _serving) = running_app(&dir);
    // A parent whose executable is called firefox-esr (a copy of the shell): it starts the host
    // as a child, as Firefox does. The frame's own "client" is ignored.
    let firefox = d.path().join("firefox-esr");
    std::fs::copy("/bin/sh", &firefox).unwrap();
    std::fs::set_permissions(&firefox, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new(&firefox)
        .arg("-c")
        .arg(format!("'{HOST}'; exit $?"))
        .env("LATCHKEY_DATA_DIR", &dir)
        .env("LATCHKEY_APP", d.path().join("no-such-app"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let rp = example_rp();
    let (ccr, _) = rp
        .start_passkey_registration(Uuid::new_v4(), "bob", "Bob", None)
        .unwrap();
    let options = serde_json::to_value(&ccr).unwrap()["publicKey"].clone();
    stdin
        .write_all(&frame(
            &json!({"id": 1, "type": "create", "client": "Google Chrome",
            "origin": "https://example.com", "options": options}),
        ))
        .unwrap();
    let prompt = wait_for_prompt(&session);
    assert_eq!(prompt.door, "browser");
    assert_eq!(prompt.client.as_deref(), Some("Firefox"));
    session.answer_prompt(&prompt.id, false, None).unwrap();
    let reply = read_frame(&mut stdout).unwrap().unwrap();
    assert_eq!(reply["error"]["name"], "NotAllowedError", "{reply}");
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
