//! The commands as the windows call them, through Tauri's IPC on the mock runtime: argument
//! names, JSON shapes, errors as text, and the rule that only the prompt window answers.
//! The session behind them is real (real vault, real Secret Service, real OS check — as root
//! in the test run, polkit says yes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_session::{NoEvents, Session};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

/// Stands in for the OS's URL handler (the e2e test drives the real one).
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl crate::transfer::PageOpener for Arc<Recorder> {
    fn open(&self, path: &std::path::Path) -> Result<(), String> {
        self.0.lock().unwrap().push(path.display().to_string());
        Ok(())
    }
}

impl latchkey_session::LinkOpener for Recorder {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(url.to_owned());
        Ok(())
    }
}

struct Fixture {
    opened: Arc<Recorder>,
    /// Kit pages Print opened.
    pages: Arc<Recorder>,
    _dir: tempfile::TempDir,
    session: Arc<Session>,
    main: WebviewWindow<MockRuntime>,
    prompt: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        use latchkey_vault::KeyStore;
        let header = self.session.data_dir().join("vault.json");
        if let Ok(t) = std::fs::read_to_string(header) {
            let v: Value = serde_json::from_str(&t).unwrap();
            let _ = latchkey_vault::OsKeychain::with_service("dev.latchkey.test")
                .delete(v["vault_id"].as_str().unwrap());
        }
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(
        &dir.path().join("vault"),
        Box::new(latchkey_vault::OsKeychain::with_service(
            "dev.latchkey.test",
        )),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    let app = mock_builder()
        .invoke_handler(crate::handlers())
        .build(mock_context(noop_assets()))
        .unwrap();
    app.manage(session.clone());
    app.manage(crate::deep_link::PendingLink::default());
    let pages = Arc::new(Recorder::default());
    app.manage(crate::transfer::KitPage::new(Box::new(pages.clone())));
    let opened = Arc::new(Recorder::default());
    session.set_link_opener(opened.clone());
    let main = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let prompt = WebviewWindowBuilder::new(&app, "prompt", Default::default())
        .build()
        .unwrap();
    Fixture {
        opened,
        pages,
        _dir: dir,
        session,
        main,
        prompt,
        _app: app,
    }
}

fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn locked_until_unlock_then_list_rename_delete_undo() {
    let f = fixture();
    assert_eq!(
        call(&f.main, "vault_status", json!({})).unwrap(),
        json!({"locked": true, "count": 0})
    );
    let err = call(&f.main, "list_passkeys", json!({})).unwrap_err();
    assert!(err.as_str().unwrap().contains("locked"), "{err}");
    call(&f.main, "unlock", json!({})).unwrap();
    assert_eq!(
        call(&f.main, "list_passkeys", json!({})).unwrap(),
        json!([])
    );

    // A passkey made through the prompt, answered from the prompt window.
    let s = f.session.clone();
    let ceremony = std::thread::spawn(move || {
        s.webauthn_create(
            latchkey_authenticator::Door::Cli,
            "https://example.com",
            r#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"name":"Example"},
                "user":{"id":"YWxpY2U","name":"alice","displayName":"Alice"},
                "pubKeyCredParams":[{"type":"public-key","alg":-7}]}"#,
        )
    });
    let prompt = wait_prompt(&f);
    assert_eq!(prompt["operation"], "create");
    assert_eq!(prompt["rpId"], "example.com");
    assert_eq!(prompt["door"], "cli");
    assert_eq!(prompt["accounts"][0]["userName"], "alice");
    // The main window cannot answer; the prompt window can.
    let id = prompt["id"].clone();
    let refused = call(
        &f.main,
        "answer_prompt",
        json!({"id": id, "approve": true, "account": null}),
    );
    assert!(refused.unwrap_err().as_str().unwrap().contains("prompt"));
    call(
        &f.prompt,
        "answer_prompt",
        json!({"id": id, "approve": true, "account": null}),
    )
    .unwrap();
    ceremony.join().unwrap().unwrap();

    let list = call(&f.main, "list_passkeys", json!({})).unwrap();
    let pk = &list[0];
    assert_eq!(pk["rpId"], "example.com");
    assert_eq!(pk["userName"], "alice");
    assert_eq!(pk["algorithm"], "ES256");
    assert!(
        pk.get("privateKey").is_none(),
        "the UI never gets key material"
    );
    let id = pk["id"].as_str().unwrap();
    call(
        &f.main,
        "rename_passkey",
        json!({"id": id, "nickname": "Work"}),
    )
    .unwrap();
    assert_eq!(
        call(&f.main, "list_passkeys", json!({})).unwrap()[0]["nickname"],
        "Work"
    );
    let ticket = call(&f.main, "delete_passkey", json!({"id": id})).unwrap();
    assert!(ticket["undoSeconds"].as_u64().unwrap() > 0);
    assert_eq!(
        call(&f.main, "list_passkeys", json!({})).unwrap(),
        json!([])
    );
    call(&f.main, "undo_delete", json!({"undoId": ticket["undoId"]})).unwrap();
    assert_eq!(
        call(&f.main, "list_passkeys", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let log = call(&f.main, "activity_log", json!({"limit": 10})).unwrap();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..4], ["restored", "deleted", "renamed", "created"]);

    call(&f.main, "lock", json!({})).unwrap();
    assert_eq!(
        call(&f.main, "vault_status", json!({})).unwrap()["locked"],
        true
    );
}

#[test]
fn settings_round_trip_and_bad_values_are_refused() {
    let f = fixture();
    // The security settings are MACed with the vault's key: they change while unlocked.
    call(&f.main, "unlock", json!({})).unwrap();
    let mut s = call(&f.main, "get_settings", json!({})).unwrap();
    assert_eq!(s["theme"], "system");
    s["theme"] = json!("dark");
    s["verification"] = json!({"kind": "reuse", "minutes": 5});
    call(&f.main, "set_settings", json!({"settings": s})).unwrap();
    assert_eq!(call(&f.main, "get_settings", json!({})).unwrap(), s);
    s["verification"] = json!({"kind": "reuse", "minutes": 0});
    assert!(call(&f.main, "set_settings", json!({"settings": s})).is_err());
    s["theme"] = json!("purple");
    assert!(call(&f.main, "set_settings", json!({"settings": s})).is_err());
}

fn wait_prompt(f: &Fixture) -> Value {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let p = call(&f.prompt, "current_prompt", json!({})).unwrap();
        if !p.is_null() {
            return p;
        }
        assert!(Instant::now() < until, "no prompt");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Only real input counts for auto-lock: the refreshes a socket rename causes (status, list,
/// activity) do not push it back; `user_active` (sent on key, pointer and wheel input) does.
#[test]
fn refreshes_are_not_activity_but_user_input_is() {
    let f = fixture();
    call(&f.main, "unlock", json!({})).unwrap();
    let mut s = call(&f.main, "get_settings", json!({})).unwrap();
    s["autoLockMinutes"] = json!(5);
    call(&f.main, "set_settings", json!({"settings": s})).unwrap();
    f.session.touch();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    call(&f.main, "vault_status", json!({})).unwrap();
    call(&f.main, "list_passkeys", json!({})).unwrap();
    call(&f.main, "activity_log", json!({"limit": 10})).unwrap();
    call(&f.main, "get_settings", json!({})).unwrap();
    let five_minutes_on = t0 + Duration::from_secs(5 * 60) + Duration::from_millis(100);
    assert!(
        f.session.lock_if_idle_at(five_minutes_on),
        "refreshes did not postpone the auto-lock"
    );

    call(&f.main, "unlock", json!({})).unwrap();
    let t1 = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    call(&f.main, "user_active", json!({})).unwrap();
    assert!(
        !f.session
            .lock_if_idle_at(t1 + Duration::from_secs(5 * 60) + Duration::from_millis(100)),
        "input in the window postpones it"
    );
}

#[test]
fn a_damaged_vault_fails_unlock_with_the_repair_hint_and_repair_vault_fixes_it() {
    let f = fixture();
    call(&f.main, "unlock", json!({})).unwrap();
    call(&f.main, "lock", json!({})).unwrap();
    // One more open writes sled's snapshot; then its checksum is broken.
    call(&f.main, "unlock", json!({})).unwrap();
    call(&f.main, "lock", json!({})).unwrap();
    let db = f.session.data_dir().join("db");
    let snap = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&snap, bytes).unwrap();

    let err = call(&f.main, "unlock", json!({})).unwrap_err();
    let text = err.as_str().unwrap();
    assert!(text.contains("latchkey repair"), "{text}");
    assert!(text.contains("passkeys are most likely intact"), "{text}");

    let report = call(&f.main, "repair_vault", json!({})).unwrap();
    assert!(
        report
            .as_str()
            .unwrap()
            .contains("A copy of the vault as it was is kept in"),
        "{report}"
    );
    call(&f.main, "unlock", json!({})).unwrap();
    assert_eq!(
        call(&f.main, "vault_status", json!({})).unwrap()["locked"],
        false
    );
    // While open there is nothing to repair.
    assert!(call(&f.main, "repair_vault", json!({})).is_err());
}

/// Issue 8: a browser's prompt reaches the window with the browser's name and the "another
/// device" choice (never the request's tag), and the window's "Use another device or security
/// key" answers through `answer_prompt`: the ceremony ends with UseAnotherDevice, nothing
/// stored.
#[test]
fn a_browser_prompt_names_the_browser_and_can_be_sent_to_another_device() {
    let f = fixture();
    call(&f.main, "unlock", json!({})).unwrap();
    let s = f.session.clone();
    let ceremony = std::thread::spawn(move || {
        s.webauthn_create_for(
            latchkey_authenticator::Door::Browser,
            "http://localhost:8787",
            r#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"name":"Demo"},
                "user":{"id":"YWxpY2U","name":"alice","displayName":"Alice"},
                "pubKeyCredParams":[{"type":"public-key","alg":-7}]}"#,
            latchkey_session::RequestInfo {
                tag: Some("tag-not-for-the-window".into()),
                client: Some("Chromium".into()),
            },
        )
    });
    let prompt = wait_prompt(&f);
    assert_eq!(prompt["door"], "browser");
    assert_eq!(prompt["client"], "Chromium");
    assert_eq!(prompt["anotherDevice"], true);
    assert_eq!(prompt["origin"], "http://localhost:8787");
    assert!(prompt.get("tag").is_none(), "{prompt}");
    let id = prompt["id"].clone();
    let answer = json!({"id": id, "approve": false, "account": null, "anotherDevice": true});
    assert!(call(&f.main, "answer_prompt", answer.clone()).is_err());
    call(&f.prompt, "answer_prompt", answer).unwrap();
    let err = ceremony.join().unwrap().unwrap_err();
    assert!(
        matches!(err, latchkey_session::SessionError::UseAnotherDevice),
        "{err}"
    );
    assert_eq!(
        call(&f.main, "list_passkeys", json!({})).unwrap(),
        json!([])
    );
}

/// Creates a passkey for localhost through the prompt window, so "localhost" is a known site.
fn passkey_for_localhost(f: &Fixture) {
    let s = f.session.clone();
    let ceremony = std::thread::spawn(move || {
        s.webauthn_create(
            latchkey_authenticator::Door::Cli,
            "http://localhost:8787",
            r#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"name":"Demo"},
                "user":{"id":"YWxpY2U","name":"alice","displayName":"Alice"},
                "pubKeyCredParams":[{"type":"public-key","alg":-7}]}"#,
        )
    });
    let prompt = wait_prompt(f);
    assert_eq!(prompt["replacesLink"], false);
    call(
        &f.prompt,
        "answer_prompt",
        json!({"id": prompt["id"], "approve": true, "account": null}),
    )
    .unwrap();
    ceremony.join().unwrap().unwrap();
}

/// The Sign-in link view's commands: check shows the verdict and opens nothing; open opens
/// only what passed (unknown with confirm), with the app's opener; a second open is used.
#[test]
fn the_sign_in_link_commands_check_then_open_only_what_passed() {
    let f = fixture();
    let locked = call(
        &f.main,
        "check_link",
        json!({"url": "http://localhost:8787/link/a"}),
    );
    assert!(locked.unwrap_err().as_str().unwrap().contains("locked"));
    call(&f.main, "unlock", json!({})).unwrap();
    passkey_for_localhost(&f);
    let link = "http://localhost:8787/link/a";
    let report = call(&f.main, "check_link", json!({"url": link})).unwrap();
    assert_eq!(report["verdict"], "trusted");
    assert_eq!(report["site"], "localhost");
    assert!(report["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(f.opened.0.lock().unwrap().is_empty());

    let unknown = "https://unrelated-shop.org/link/u";
    let out = call(&f.main, "open_link", json!({"url": unknown})).unwrap();
    assert_eq!(
        (out["verdict"].clone(), out["opened"].clone()),
        (json!("unknown-site"), json!(false))
    );
    let out = call(
        &f.main,
        "open_link",
        json!({"url": "javascript:alert(1)", "confirm": true, "overrideLookalike": true}),
    )
    .unwrap();
    assert_eq!(
        (out["verdict"].clone(), out["opened"].clone()),
        (json!("refused"), json!(false)),
        "a refused link never opens, whatever the flags"
    );
    let out = call(
        &f.main,
        "open_link",
        json!({"url": unknown, "confirm": true}),
    )
    .unwrap();
    assert_eq!(out["opened"], true);
    let out = call(&f.main, "open_link", json!({"url": link})).unwrap();
    assert_eq!(out["opened"], true);
    let again = call(
        &f.main,
        "open_link",
        json!({"url": link, "confirm": true, "overrideLookalike": true}),
    )
    .unwrap();
    assert_eq!(
        (again["verdict"].clone(), again["opened"].clone()),
        (json!("already-used"), json!(false))
    );
    assert_eq!(
        *f.opened.0.lock().unwrap(),
        vec![unknown.to_owned(), link.to_owned()]
    );
    let log = call(&f.main, "activity_log", json!({"limit": 10})).unwrap();
    assert_eq!(log[0]["kind"], "link-opened");
    assert_eq!(log[0]["rpId"], "localhost");

    // The next creation for localhost says it replaces the sign-in link.
    let s = f.session.clone();
    let ceremony = std::thread::spawn(move || {
        s.webauthn_create(
            latchkey_authenticator::Door::Cli,
            "http://localhost:8787",
            r#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"name":"Demo"},
                "user":{"id":"Ym9i","name":"bob","displayName":"Bob"},
                "pubKeyCredParams":[{"type":"public-key","alg":-7}]}"#,
        )
    });
    let prompt = wait_prompt(&f);
    assert_eq!(prompt["replacesLink"], true);
    call(
        &f.prompt,
        "answer_prompt",
        json!({"id": prompt["id"], "approve": false, "account": null}),
    )
    .unwrap();
    assert!(ceremony.join().unwrap().is_err());
}

/// A `latchkey://open?url=…` the app receives is kept for the view (taken once); a malformed
/// one keeps nothing.
#[test]
fn a_deep_link_leaves_its_link_for_the_view_once_and_a_bad_one_nothing() {
    let f = fixture();
    let handle = f._app.handle().clone();
    crate::deep_link::received(
        &handle,
        "latchkey://open?url=https%3A%2F%2Fexample.com%2Flink%2Fz",
    );
    assert_eq!(
        call(&f.main, "take_pending_link", json!({})).unwrap(),
        json!("https://example.com/link/z")
    );
    assert_eq!(
        call(&f.main, "take_pending_link", json!({})).unwrap(),
        Value::Null
    );
    crate::deep_link::received(&handle, "latchkey://open?url=javascript%3Aalert(1)");
    crate::deep_link::received(&handle, "latchkey://evil?url=https%3A%2F%2Fexample.com");
    assert_eq!(
        call(&f.main, "take_pending_link", json!({})).unwrap(),
        Value::Null
    );
    assert!(
        f.opened.0.lock().unwrap().is_empty(),
        "a deep link never opens anything itself"
    );
}

/// "Use a sign-in link instead" at a no-passkey prompt: only the prompt window can answer it,
/// and the request ends NotAllowedError.
#[test]
fn the_no_passkey_prompt_answers_use_a_sign_in_link() {
    let f = fixture();
    call(&f.main, "unlock", json!({})).unwrap();
    let s = f.session.clone();
    let ceremony = std::thread::spawn(move || {
        s.webauthn_get(
            latchkey_authenticator::Door::Cli,
            "https://example.com",
            r#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rpId":"example.com"}"#,
        )
    });
    let prompt = wait_prompt(&f);
    assert_eq!(prompt["useLink"], true);
    let answer = json!({"id": prompt["id"], "approve": false, "account": null, "useLink": true});
    assert!(call(&f.main, "answer_prompt", answer.clone()).is_err());
    call(&f.prompt, "answer_prompt", answer).unwrap();
    match ceremony.join().unwrap() {
        Err(latchkey_session::SessionError::WebAuthn(e)) => {
            assert_eq!(e.dom_name(), "NotAllowedError")
        }
        other => panic!("expected NotAllowedError, got {other:?}"),
    }
}

/// Like `call`, with the raw body and headers "Choose file…" sends to `import_open`.
fn call_raw(
    w: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Vec<u8>,
    headers: &[(&'static str, &str)],
) -> Result<Value, Value> {
    let mut map = tauri::http::HeaderMap::new();
    for (k, v) in headers {
        map.insert(*k, v.parse().unwrap());
    }
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Raw(body),
            headers: map,
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The first unlock makes the vault and its first kit: shown once, then gone; Settings' new
/// kit replaces it (a different key, the state keeps a kit); nothing is offered to recover
/// while the keychain is fine; a wrong key on the lock screen is refused in words.
#[test]
fn the_first_kit_is_shown_once_and_a_new_one_replaces_it() {
    let f = fixture();
    let state = call(&f.main, "recovery_state", json!({})).unwrap();
    assert_eq!(state["hasKit"], false, "{state}");
    assert_eq!(
        call(&f.main, "take_new_recovery_kit", json!({})).unwrap(),
        Value::Null,
        "no vault, no kit"
    );
    call(&f.main, "unlock", json!({})).unwrap();
    let kit = call(&f.main, "take_new_recovery_kit", json!({})).unwrap();
    let key = kit["key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 35, "{key}");
    assert_eq!(key.split('-').count(), 6);
    assert!(kit["html"].as_str().unwrap().contains(&key));
    assert!(kit["vaultId"].as_str().unwrap().len() >= 8);
    assert_eq!(
        call(&f.main, "take_new_recovery_kit", json!({})).unwrap(),
        Value::Null,
        "shown once"
    );
    let state = call(&f.main, "recovery_state", json!({})).unwrap();
    assert_eq!(state["hasKit"], true);
    assert_eq!(state["canRecover"], false, "the keychain has the key");
    assert!(state["createdAt"].as_u64().unwrap() > 0);

    let again = call(&f.main, "new_recovery_kit", json!({})).unwrap();
    assert_ne!(again["key"], kit["key"]);
    assert_eq!(again["vaultId"], kit["vaultId"]);

    // On the lock screen a mistyped key is refused with words, nothing opened.
    call(&f.main, "lock", json!({})).unwrap();
    let err = call(&f.main, "recover", json!({"key": "AAAAA-AAAAA"})).unwrap_err();
    assert!(!err.as_str().unwrap().is_empty(), "{err}");
    assert_eq!(
        call(&f.main, "vault_status", json!({})).unwrap()["locked"],
        true
    );
}

/// The kit page is written owner-only, never over an existing file unless asked (and then
/// atomically), only as .html, only to a full path, and only while unlocked.
#[cfg(unix)]
#[test]
fn save_text_file_writes_the_kit_page_0600_and_replaces_only_when_asked() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("kit.html");
    let args = |text: &str, overwrite: bool| json!({"path": page.to_str().unwrap(), "text": text, "overwrite": overwrite});
    let err = call(&f.main, "save_text_file", args("<p>one</p>", false)).unwrap_err();
    assert!(err.as_str().unwrap().contains("locked"), "{err}");
    assert!(!page.exists());

    call(&f.main, "unlock", json!({})).unwrap();
    // Print opens only a page this run saved.
    let err = call(&f.main, "open_kit_page", json!({})).unwrap_err();
    assert!(
        err.as_str().unwrap().contains("save the kit page first"),
        "{err}"
    );
    let written = call(&f.main, "save_text_file", args("<p>one</p>", false)).unwrap();
    assert_eq!(written, json!(page.to_str().unwrap()));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "<p>one</p>");
    assert_eq!(mode(&page), 0o600);
    assert_eq!(
        call(&f.main, "open_kit_page", json!({})).unwrap(),
        json!(page.to_str().unwrap())
    );
    assert_eq!(
        *f.pages.0.lock().unwrap(),
        vec![page.to_str().unwrap().to_owned()]
    );

    let err = call(&f.main, "save_text_file", args("<p>two</p>", false)).unwrap_err();
    assert!(err.as_str().unwrap().contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "<p>one</p>");

    call(&f.main, "save_text_file", args("<p>two</p>", true)).unwrap();
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "<p>two</p>");
    assert_eq!(mode(&page), 0o600);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );

    // A symlink where the page would go is not written through.
    let elsewhere = dir.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, "keep").unwrap();
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let err = call(
        &f.main,
        "save_text_file",
        json!({"path": link.to_str().unwrap(), "text": "x", "overwrite": false}),
    )
    .unwrap_err();
    assert!(err.as_str().unwrap().contains("already exists"), "{err}");
    call(
        &f.main,
        "save_text_file",
        json!({"path": link.to_str().unwrap(), "text": "x", "overwrite": true}),
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep");

    for (path, why) in [
        (dir.path().join("run.sh"), ".html"),
        (std::path::PathBuf::from("kit.html"), "full path"),
        (dir.path().join("missing/kit.html"), "does not exist"),
    ] {
        let err = call(
            &f.main,
            "save_text_file",
            json!({"path": path.to_str().unwrap(), "text": "x"}),
        )
        .unwrap_err();
        assert!(err.as_str().unwrap().contains(why), "{path:?}: {err}");
    }
}

/// Export with a passphrase from one vault (0600, age, decrypts to CXF naming the site); the
/// file's bytes into another vault as "Choose file…" sends them: first "passphrase-needed",
/// then a wrong passphrase in words, then the preview; commit adds the passkey; the same file
/// again is all duplicates.
#[cfg(unix)]
#[test]
fn export_then_import_the_bytes_with_a_passphrase() {
    let from = fixture();
    call(&from.main, "unlock", json!({})).unwrap();
    passkey_for_localhost(&from);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.cxf.age");
    let done = call(
        &from.main,
        "export_passkeys",
        json!({"path": out.to_str().unwrap(), "sites": [], "passphrase": "tiger lily pond"}),
    )
    .unwrap();
    assert_eq!(done, json!({"count": 1, "path": out.to_str().unwrap()}));
    assert_eq!(mode(&out), 0o600);
    let bytes = std::fs::read(&out).unwrap();
    let clear = latchkey_transfer::decrypt(&bytes, "tiger lily pond").unwrap();
    assert!(latchkey_transfer::decrypt(&bytes, "tiger lily").is_err());
    let cxf = String::from_utf8(clear.to_vec()).unwrap();
    assert!(cxf.contains("localhost"), "the CXF names the site");
    // An existing file is replaced only when asked.
    let err = call(
        &from.main,
        "export_passkeys",
        json!({"path": out.to_str().unwrap(), "sites": [], "passphrase": "other"}),
    )
    .unwrap_err();
    assert!(err.as_str().unwrap().contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), bytes, "left as it was");
    let err = call(
        &from.main,
        "export_passkeys",
        json!({"path": out.to_str().unwrap(), "sites": ["nowhere.example"], "passphrase": "x", "overwrite": true}),
    )
    .unwrap_err();
    assert!(err.as_str().unwrap().contains("nowhere.example"), "{err}");

    let to = fixture();
    call(&to.main, "unlock", json!({})).unwrap();
    let name = [("x-file-name", "out.cxf.age"), ("x-format", "auto")];
    let asked = call_raw(&to.main, "import_open", bytes.clone(), &name).unwrap();
    assert_eq!(
        asked,
        json!({"status": "passphrase-needed", "fileName": "out.cxf.age"})
    );
    let wrong = [
        ("x-file-name", "out.cxf.age"),
        ("x-format", "auto"),
        ("x-passphrase", "tiger%20lily"),
    ];
    let err = call_raw(&to.main, "import_open", bytes.clone(), &wrong).unwrap_err();
    assert!(err.as_str().unwrap().contains("passphrase"), "{err}");
    let right = [
        ("x-file-name", "out.cxf.age"),
        ("x-format", "cxf"),
        ("x-passphrase", "tiger%20lily%20pond"),
    ];
    let preview = call_raw(&to.main, "import_open", bytes.clone(), &right).unwrap();
    assert_eq!(preview["status"], "preview", "{preview}");
    assert_eq!(preview["total"], 1);
    assert_eq!(preview["new"], 1);
    assert_eq!(preview["items"][0]["rpId"], "localhost");
    assert_eq!(preview["items"][0]["duplicate"], false);
    assert!(
        !preview.to_string().contains("privateKey") && !preview.to_string().contains("pkcs8"),
        "no key material crosses the IPC"
    );

    let summary = call(
        &to.main,
        "import_commit",
        json!({"token": preview["token"], "skipBad": false, "onProgress": "__CHANNEL__:7"}),
    )
    .unwrap();
    assert_eq!(summary["added"], 1, "{summary}");
    let list = call(&to.main, "list_passkeys", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["rpId"], "localhost");

    // The same file again: everything is already here; discarding forgets it.
    let again = call_raw(&to.main, "import_open", bytes, &right).unwrap();
    assert_eq!(again["duplicates"], 1);
    assert_eq!(again["new"], 0);
    call(&to.main, "import_discard", json!({"token": again["token"]})).unwrap();
    let err = call(
        &to.main,
        "import_commit",
        json!({"token": again["token"], "skipBad": false, "onProgress": "__CHANNEL__:8"}),
    )
    .unwrap_err();
    assert!(
        err.as_str().unwrap().contains("open the file again"),
        "{err}"
    );
}

/// A dropped file arrives as a path (JSON, with a progress channel); a path that is not there
/// and an unknown format are errors in words.
#[test]
fn import_open_by_path() {
    let f = fixture();
    call(&f.main, "unlock", json!({})).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.json");
    let err = call(
        &f.main,
        "import_open",
        json!({"path": missing.to_str().unwrap(), "format": "auto", "passphrase": null}),
    )
    .unwrap_err();
    assert!(err.as_str().unwrap().contains("nothing.json"), "{err}");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    let preview = call(
        &f.main,
        "import_open",
        json!({"path": junk.to_str().unwrap(), "format": "bitwarden", "passphrase": null, "onProgress": "__CHANNEL__:3"}),
    )
    .unwrap();
    assert_eq!(preview["status"], "preview", "{preview}");
    assert_eq!(preview["fileName"], "junk.json");
    assert_eq!(preview["total"], 0);
    let err = call(
        &f.main,
        "import_open",
        json!({"path": junk.to_str().unwrap(), "format": "lastpass"}),
    )
    .unwrap_err();
    assert!(err.as_str().unwrap().contains("lastpass"), "{err}");
}
