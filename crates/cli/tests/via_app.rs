//! While the app runs it owns the vault: the CLI must go through the app's socket, and its
//! ceremonies must wait for the answer in the app's prompt. Here the app is its session core
//! (latchkey-session, exactly what the Tauri shell wraps) serving the real socket, and the test
//! plays the person at the prompt window. webauthn-rs judges the CLI's output.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use latchkey_bridge::BridgeServer;
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::{NoEvents, Session};
use latchkey_vault::OsKeychain;
use webauthn_rs::prelude::*;
use webauthn_rs::WebauthnBuilder;

struct App {
    session: Arc<Session>,
    _server: std::thread::JoinHandle<()>,
}

/// Starts the app core on `dir`'s vault (created through the CLI first) and unlocks it.
fn app(dir: &std::path::Path) -> App {
    let session = Session::new(
        dir,
        Box::new(OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    let server = BridgeServer::bind(dir).expect("the app's socket");
    let handle = server.spawn(
        Arc::new(SessionHandler(session.clone())),
        doors_of_this_build(),
    );
    App {
        session,
        _server: handle,
    }
}

/// Plays the person: waits for the prompt, checks it, answers.
fn answer(session: &Session, approve: bool, pick: Option<&str>) -> latchkey_session::Prompt {
    let until = Instant::now() + Duration::from_secs(20);
    let prompt = loop {
        if let Some(p) = session.current_prompt() {
            break p;
        }
        assert!(Instant::now() < until, "no prompt in the app");
        std::thread::sleep(Duration::from_millis(20));
    };
    let account = pick.map(|name| {
        prompt
            .accounts
            .iter()
            .position(|a| a.user_name.as_deref() == Some(name))
            .unwrap()
    });
    session.answer_prompt(&prompt.id, approve, account).unwrap();
    prompt
}

#[test]
fn the_cli_goes_through_the_running_app_and_its_prompt() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let rp = WebauthnBuilder::new("example.com", &Url::parse("https://example.com").unwrap())
        .unwrap()
        .build()
        .unwrap();
    let app = app(&dir);

    // Locked app: a clear error, exit 5.
    let locked = run(&dir, &["list"], "");
    assert_eq!(locked.code, 5, "{}", locked.stderr);
    assert!(
        locked.stderr.contains("unlock it in the Latchkey window"),
        "{}",
        locked.stderr
    );
    app.session.unlock().unwrap();

    // Register through the app: the prompt shows what the CLI asked.
    let (ccr, state) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let options = serde_json::to_string(&ccr).unwrap();
    let d2 = dir.clone();
    let cli = std::thread::spawn(move || {
        run(
            &d2,
            &["webauthn", "create", "--origin", "https://example.com"],
            &options,
        )
    });
    let prompt = answer(&app.session, true, None);
    assert_eq!(prompt.rp_id, "example.com");
    assert_eq!(prompt.door, "cli");
    assert_eq!(prompt.origin.as_deref(), Some("https://example.com"));
    let out = cli.join().unwrap().ok();
    assert!(out.stderr.contains("Latchkey window"), "{}", out.stderr);
    let passkey = rp
        .finish_passkey_registration(&serde_json::from_str(&out.stdout).unwrap(), &state)
        .expect("webauthn-rs accepts a registration approved in the app");

    // Listing and renaming go through the app too (sled is the app's while it runs).
    let list = run(&dir, &["list", "--json"], "").ok().json();
    assert_eq!(list[0]["userName"], "alice");
    let id = list[0]["id"].as_str().unwrap().to_owned();
    run(&dir, &["rename", &id[..6], "Laptop"], "").ok();
    assert_eq!(
        app.session.list().unwrap()[0].nickname.as_deref(),
        Some("Laptop")
    );

    // Sign in: approve, judged by webauthn-rs; then deny: NotAllowed, exit 3.
    for approve in [true, false] {
        let (rcr, state) = rp
            .start_passkey_authentication(std::slice::from_ref(&passkey))
            .unwrap();
        let options = serde_json::to_string(&rcr).unwrap();
        let d2 = dir.clone();
        let cli = std::thread::spawn(move || {
            run(
                &d2,
                &["webauthn", "get", "--origin", "https://example.com"],
                &options,
            )
        });
        answer(&app.session, approve, Some("alice"));
        let out = cli.join().unwrap();
        if approve {
            let out = out.ok();
            let result = rp
                .finish_passkey_authentication(&serde_json::from_str(&out.stdout).unwrap(), &state)
                .expect("webauthn-rs accepts the assertion");
            assert_eq!(result.counter(), 1);
        } else {
            assert_eq!(out.code, 3, "{}", out.stderr);
            assert!(out.stderr.contains("NotAllowedError"), "{}", out.stderr);
            assert!(out.stdout.is_empty());
        }
    }

    // Rejections keep their exit codes through the app.
    let bad = run(
        &dir,
        &["webauthn", "get", "--origin", "https://evil-example.com"],
        &request_options("example.com"),
    );
    assert_eq!(bad.code, 4, "{}", bad.stderr);
    assert!(bad.stderr.contains("SecurityError"), "{}", bad.stderr);
    let init = run(&dir, &["init"], "");
    assert_ne!(init.code, 0);

    // Lock from the CLI locks the app.
    run(&dir, &["lock"], "").ok();
    assert!(app.session.status().locked);
}

/// Runs the CLI on another thread (its request waits on the app's prompt).
fn spawn_cli(dir: &std::path::Path, args: &[&str], stdin: String) -> std::thread::JoinHandle<Run> {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&dir, &args, &stdin)
    })
}

#[test]
fn account_and_delete_are_decided_in_the_app() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let rp = WebauthnBuilder::new("example.com", &Url::parse("https://example.com").unwrap())
        .unwrap()
        .build()
        .unwrap();
    let app = app(&dir);
    app.session.unlock().unwrap();
    let create = ["webauthn", "create", "--origin", "https://example.com"];
    let mut keys = Vec::new();
    for name in ["alice", "bob"] {
        let (ccr, state) = rp
            .start_passkey_registration(Uuid::new_v4(), name, name, None)
            .unwrap();
        let cli = spawn_cli(&dir, &create, serde_json::to_string(&ccr).unwrap());
        answer(&app.session, true, None);
        let out = cli.join().unwrap().ok();
        keys.push(
            rp.finish_passkey_registration(&serde_json::from_str(&out.stdout).unwrap(), &state)
                .unwrap(),
        );
    }

    // --account bob: the prompt offers bob alone, and the signature is bob's.
    let (rcr, state) = rp.start_discoverable_authentication().unwrap();
    let get = [
        "webauthn",
        "get",
        "--origin",
        "https://example.com",
        "--account",
        "bob",
    ];
    let cli = spawn_cli(&dir, &get, serde_json::to_string(&rcr).unwrap());
    let prompt = answer(&app.session, true, None);
    let offered: Vec<_> = prompt
        .accounts
        .iter()
        .map(|a| a.user_name.clone())
        .collect();
    assert_eq!(offered, [Some("bob".to_owned())]);
    let out = cli.join().unwrap().ok();
    let response: PublicKeyCredential = serde_json::from_str(&out.stdout).unwrap();
    rp.finish_discoverable_authentication_v2(&response, state, &keys[1])
        .expect("webauthn-rs accepts bob's signature");
    let (rcr, state) = rp.start_discoverable_authentication().unwrap();
    let cli = spawn_cli(&dir, &get, serde_json::to_string(&rcr).unwrap());
    answer(&app.session, true, None);
    let response: PublicKeyCredential =
        serde_json::from_str(&cli.join().unwrap().ok().stdout).unwrap();
    assert!(
        rp.finish_discoverable_authentication_v2(&response, state, &keys[0])
            .is_err(),
        "not alice's"
    );

    // Delete through the app: refused in the window, nothing is deleted; confirmed, it is.
    let id = app.session.list().unwrap()[0].id.clone();
    let delete = ["delete", id.as_str(), "--yes"];
    let cli = spawn_cli(&dir, &delete, String::new());
    let prompt = answer(&app.session, false, None);
    assert_eq!(prompt.operation, latchkey_session::PromptOperation::Delete);
    let out = cli.join().unwrap();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("NotAllowedError"), "{}", out.stderr);
    assert_eq!(app.session.list().unwrap().len(), 2);
    let cli = spawn_cli(&dir, &delete, String::new());
    answer(&app.session, true, None);
    let out = cli.join().unwrap().ok();
    assert!(
        out.stdout.contains("confirmed in the Latchkey window") && !out.stdout.contains("undo "),
        "{}",
        out.stdout
    );
    assert_eq!(app.session.list().unwrap().len(), 1);
}

#[test]
fn repair_is_refused_while_the_app_has_the_vault_and_touches_nothing() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let _app = app(&dir);
    let before = fingerprint(&dir);
    let out = run(&dir, &["repair"], "");
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("press Repair on its lock screen"),
        "{}",
        out.stderr
    );
    assert_eq!(fingerprint(&dir), before);
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
