//! The browser door's side of the app (issue 8), through the same handler the app's socket
//! uses: cancel, accounts, unlock, the browser's name on the prompt, "use another device", the
//! unlock prompt while locked, and "no passkey here" answered at once. Real vault (real Secret
//! Service), real prompt queue, webauthn-rs as the judge; the OS check is a counting stand-in
//! (its polkit path is tested through the CLI).

mod common;
use common::wait_prompt;
use common::webauthn::{rp, ORIGIN};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_bridge::protocol::{self, ErrorKind, Op, ReplyError, Request, PROTOCOL_VERSION};
use latchkey_bridge::{Handler, Peer};
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::{ActivityKind, PromptOperation, Session, SessionEvents};
use latchkey_vault::{KeyStore, OsKeychain};
use latchkey_verify::{VerificationRequest, Verifier, VerifyError};
use serde_json::{json, Value};
use webauthn_rs::prelude::*;

const SERVICE: &str = "dev.latchkey.test";

/// Counts OS checks; always passes.
struct Gate(Arc<AtomicUsize>);

impl Verifier for Gate {
    fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Counts requests to show the main window.
#[derive(Default)]
struct Shown(AtomicUsize);

impl SessionEvents for Shown {
    fn show_main(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    checks: Arc<AtomicUsize>,
    shown: Arc<Shown>,
    session: Arc<Session>,
    handler: Arc<SessionHandler>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string(self.dir.path().join("vault/vault.json")) {
            let v: Value = serde_json::from_str(&text).unwrap();
            let _ = OsKeychain::with_service(SERVICE).delete(v["vault_id"].as_str().unwrap());
        }
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let checks = Arc::new(AtomicUsize::new(0));
    let shown = Arc::new(Shown::default());
    let session = Session::new(
        &dir.path().join("vault"),
        Box::new(OsKeychain::with_service(SERVICE)),
        Box::new(Gate(checks.clone())),
        shown.clone(),
    );
    session.set_timeouts(Duration::from_secs(10), Duration::from_millis(400));
    let handler = Arc::new(SessionHandler(session.clone()));
    Fixture {
        dir,
        checks,
        shown,
        session,
        handler,
    }
}

fn peer(door: protocol::Door) -> Peer {
    Peer {
        uid: 1000,
        pid: 1,
        exe: None,
        door,
    }
}

const BROWSER: protocol::Door = protocol::Door::Browser;
const CLI: protocol::Door = protocol::Door::Cli;
const PROGRAM: protocol::Door = protocol::Door::Program;

/// One request through the socket's handler, as `door`.
fn call(f: &Fixture, door: protocol::Door, op: Op) -> Result<Value, ReplyError> {
    f.handler.handle(
        &peer(door),
        Request {
            v: PROTOCOL_VERSION,
            id: 1,
            door,
            op,
        },
    )
}

/// The same on another thread (a ceremony waits for the person).
fn call_in_background(
    f: &Fixture,
    door: protocol::Door,
    op: Op,
) -> std::thread::JoinHandle<Result<Value, ReplyError>> {
    let handler = f.handler.clone();
    std::thread::spawn(move || {
        handler.handle(
            &peer(door),
            Request {
                v: PROTOCOL_VERSION,
                id: 1,
                door,
                op,
            },
        )
    })
}

fn create_op(options: Value, tag: Option<&str>, client: Option<&str>) -> Op {
    Op::WebauthnCreate {
        origin: ORIGIN.into(),
        options,
        account: None,
        tag: tag.map(str::to_owned),
        client: client.map(str::to_owned),
    }
}

fn get_op(options: Value, tag: Option<&str>) -> Op {
    Op::WebauthnGet {
        origin: ORIGIN.into(),
        options,
        account: None,
        tag: tag.map(str::to_owned),
        client: Some("Firefox".into()),
    }
}

fn registration(name: &str) -> (Value, PasskeyRegistration) {
    let (ccr, state) = rp()
        .start_passkey_registration(Uuid::new_v4(), name, name, None)
        .unwrap();
    (
        serde_json::to_value(&ccr).unwrap()["publicKey"].clone(),
        state,
    )
}

/// Waits until no prompt is shown (a withdrawn prompt leaves at once).
fn wait_no_prompt(s: &Session) {
    let until = Instant::now() + Duration::from_secs(5);
    while s.current_prompt().is_some() {
        assert!(Instant::now() < until, "the prompt stayed");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Registers `name` through the browser door, approving at the prompt.
fn register(f: &Fixture, name: &str) -> Passkey {
    let (options, state) = registration(name);
    let t = call_in_background(
        f,
        BROWSER,
        create_op(options, Some("reg"), Some("Chromium")),
    );
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::Create);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response = t.join().unwrap().unwrap();
    rp().finish_passkey_registration(&serde_json::from_value(response).unwrap(), &state)
        .expect("webauthn-rs accepts the registration")
}

fn kinds(f: &Fixture) -> Vec<ActivityKind> {
    f.session
        .activity(20)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .filter(|k| ![ActivityKind::Locked, ActivityKind::Unlocked].contains(k))
        .collect()
}

#[test]
fn the_prompt_names_the_browser_and_offers_another_device_but_never_shows_the_tag() {
    let f = fixture();
    f.session.unlock().unwrap();
    let (options, _) = registration("alice");
    let t = call_in_background(
        &f,
        BROWSER,
        create_op(options, Some("t-secret"), Some("Chromium\u{202e}")),
    );
    let p = wait_prompt(&f.session);
    assert_eq!(p.door, "browser");
    assert_eq!(p.client.as_deref(), Some("Chromium"), "cleaned of controls");
    assert!(p.another_device);
    let sent = serde_json::to_value(&p).unwrap();
    assert_eq!(sent["client"], "Chromium");
    assert_eq!(sent["anotherDevice"], true);
    assert_eq!(sent["origin"], ORIGIN);
    assert!(
        !sent.to_string().contains("t-secret"),
        "the tag is not sent to the window: {sent}"
    );
    f.session.answer_prompt(&p.id, false, None).unwrap();
    let err = t.join().unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotAllowedError, "Deny stays Deny");

    // A browser that could not be named is "a browser", never nothing.
    let (options, _) = registration("alice");
    let t = call_in_background(&f, BROWSER, create_op(options, None, None));
    let p = wait_prompt(&f.session);
    assert_eq!(p.client.as_deref(), Some("a browser"));
    f.session.answer_prompt(&p.id, false, None).unwrap();
    t.join().unwrap().unwrap_err();
}

#[test]
fn another_program_cannot_name_itself_a_browser_or_send_the_request_elsewhere() {
    let f = fixture();
    f.session.unlock().unwrap();
    for door in [PROGRAM, CLI] {
        let (options, _) = registration("alice");
        let t = call_in_background(&f, door, create_op(options, Some("x"), Some("Chromium")));
        let p = wait_prompt(&f.session);
        assert_eq!(p.client, None, "{door:?}");
        assert!(!p.another_device, "{door:?}");
        assert!(f.session.answer_another_device(&p.id).is_err());
        f.session.answer_prompt(&p.id, false, None).unwrap();
        assert_eq!(
            t.join().unwrap().unwrap_err().kind,
            ErrorKind::NotAllowedError
        );
    }
}

#[test]
fn a_cancel_withdraws_the_shown_prompt_and_the_ceremony_is_aborted() {
    let f = fixture();
    f.session.unlock().unwrap();
    let (options, _) = registration("alice");
    let t = call_in_background(
        &f,
        BROWSER,
        create_op(options, Some("t1"), Some("Chromium")),
    );
    let p = wait_prompt(&f.session);

    // Another door's cancel with the same tag, or this door's with another tag: nothing.
    for (door, tag) in [(PROGRAM, "t1"), (CLI, "t1"), (BROWSER, "t2")] {
        assert_eq!(
            call(&f, door, Op::Cancel { tag: tag.into() }).unwrap(),
            Value::Null
        );
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            f.session.current_prompt().map(|c| c.id),
            Some(p.id.clone()),
            "a cancel from {door:?} with tag {tag} changed nothing"
        );
        assert!(!t.is_finished());
    }

    assert_eq!(
        call(&f, BROWSER, Op::Cancel { tag: "t1".into() }).unwrap(),
        Value::Null
    );
    let err = t.join().unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Aborted, "{err}");
    wait_no_prompt(&f.session);
    assert!(
        f.session.answer_prompt(&p.id, true, None).is_err(),
        "a withdrawn prompt cannot be approved"
    );
    assert!(f.session.list().unwrap().is_empty(), "nothing stored");
    assert_eq!(kinds(&f)[0], ActivityKind::Cancelled);
    assert_eq!(
        f.checks.load(Ordering::SeqCst),
        1,
        "only the unlock's check"
    );
}

#[test]
fn a_cancel_that_arrives_before_its_prompt_still_withdraws_it() {
    let f = fixture();
    f.session.unlock().unwrap();
    call(
        &f,
        BROWSER,
        Op::Cancel {
            tag: "early".into(),
        },
    )
    .unwrap();
    let (options, _) = registration("alice");
    let started = Instant::now();
    let err = call(&f, BROWSER, create_op(options, Some("early"), None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Aborted);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "not shown at all"
    );
    // Used once: the same tag later is asked as usual.
    let (options, _) = registration("alice");
    let t = call_in_background(&f, BROWSER, create_op(options, Some("early"), None));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, false, None).unwrap();
    assert_eq!(
        t.join().unwrap().unwrap_err().kind,
        ErrorKind::NotAllowedError
    );
}

#[test]
fn another_device_at_the_prompt_stores_nothing_and_says_so() {
    let f = fixture();
    f.session.unlock().unwrap();
    let (options, _) = registration("alice");
    let t = call_in_background(&f, BROWSER, create_op(options, Some("t"), Some("Chromium")));
    let p = wait_prompt(&f.session);
    f.session.answer_another_device(&p.id).unwrap();
    let err = t.join().unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::UseAnotherDevice, "{err}");
    assert!(f.session.list().unwrap().is_empty(), "nothing stored");
    assert_eq!(kinds(&f)[0], ActivityKind::AnotherDevice);

    // The same on a sign-in: nothing signed, the counter unchanged.
    register(&f, "alice");
    let before = f.session.list().unwrap()[0].sign_count;
    let (rcr, _) = rp().start_discoverable_authentication().unwrap();
    let options = serde_json::to_value(&rcr).unwrap()["publicKey"].clone();
    let t = call_in_background(&f, BROWSER, get_op(options, Some("g")));
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::SignIn);
    assert_eq!(p.client.as_deref(), Some("Firefox"));
    assert!(p.another_device);
    f.session.answer_another_device(&p.id).unwrap();
    assert_eq!(
        t.join().unwrap().unwrap_err().kind,
        ErrorKind::UseAnotherDevice
    );
    assert_eq!(f.session.list().unwrap()[0].sign_count, before);
}

#[test]
fn a_browser_sign_in_with_no_usable_passkey_is_answered_at_once_without_a_prompt() {
    let f = fixture();
    f.session.unlock().unwrap();
    register(&f, "alice");
    let unknown = json!({
        "challenge": "AAECAwQFBgcICQoLDA0ODw",
        "rpId": "example.com",
        "allowCredentials": [{"type": "public-key", "id": "bm90LWhlbGQtaGVyZQ"}],
    });
    let discoverable_elsewhere = json!({
        "challenge": "AAECAwQFBgcICQoLDA0ODw",
        "rpId": "sub.example.com",
    });
    for (origin, options) in [
        (ORIGIN, unknown.clone()),
        ("https://sub.example.com", discoverable_elsewhere),
    ] {
        let started = Instant::now();
        let err = call(
            &f,
            BROWSER,
            Op::WebauthnGet {
                origin: origin.into(),
                options,
                account: None,
                tag: None,
                client: Some("Chromium".into()),
            },
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NoPasskey, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "answered at once, not after a prompt timed out"
        );
        assert!(f.session.current_prompt().is_none());
    }

    // The CLI keeps its "no passkey" prompt (a caller cannot probe silently there).
    let t = call_in_background(
        &f,
        CLI,
        Op::WebauthnGet {
            origin: ORIGIN.into(),
            options: unknown,
            account: None,
            tag: None,
            client: None,
        },
    );
    let p = wait_prompt(&f.session);
    assert!(p.accounts.is_empty());
    assert!(!p.another_device);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    assert_eq!(
        t.join().unwrap().unwrap_err().kind,
        ErrorKind::NotAllowedError
    );
}

#[test]
fn while_locked_the_browser_gets_an_unlock_prompt_then_the_approval_prompt() {
    let f = fixture();
    f.session.unlock().unwrap();
    register(&f, "alice");
    f.session.lock();
    let checks = f.checks.load(Ordering::SeqCst);

    // Unlock at the prompt: the OS check runs, then the ceremony's own prompt comes.
    let (options, state) = registration("bob");
    let t = call_in_background(&f, BROWSER, create_op(options, Some("u"), Some("Chromium")));
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::Unlock);
    assert_eq!(serde_json::to_value(&p).unwrap()["operation"], "unlock");
    assert_eq!(p.rp_id, "example.com");
    assert_eq!(p.origin.as_deref(), Some(ORIGIN));
    assert_eq!(p.client.as_deref(), Some("Chromium"));
    assert!(p.another_device);
    assert!(p.accounts.is_empty(), "nothing from the vault while locked");
    f.session.answer_prompt(&p.id, true, None).unwrap();
    assert!(!f.session.status().locked);
    assert_eq!(
        f.checks.load(Ordering::SeqCst),
        checks + 1,
        "the unlock's check"
    );
    let approval = wait_prompt(&f.session);
    assert_eq!(approval.operation, PromptOperation::Create);
    assert_ne!(approval.id, p.id);
    f.session.answer_prompt(&approval.id, true, None).unwrap();
    let response = t.join().unwrap().unwrap();
    rp().finish_passkey_registration(&serde_json::from_value(response).unwrap(), &state)
        .expect("webauthn-rs accepts the registration made after unlocking");
    assert_eq!(f.session.list().unwrap().len(), 2);

    // Another device, Deny, or the timeout at the unlock prompt: still locked, "Locked".
    f.session.lock();
    for how in ["another-device", "deny", "timeout"] {
        if how == "timeout" {
            f.session
                .set_timeouts(Duration::from_millis(300), Duration::from_millis(400));
        }
        let (options, _) = registration("carol");
        let t = call_in_background(&f, BROWSER, create_op(options, None, None));
        if how != "timeout" {
            let p = wait_prompt(&f.session);
            assert_eq!(p.operation, PromptOperation::Unlock);
            match how {
                "another-device" => f.session.answer_another_device(&p.id).unwrap(),
                _ => f.session.answer_prompt(&p.id, false, None).unwrap(),
            }
        }
        let err = t.join().unwrap().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Locked, "{how}: {err}");
        assert!(f.session.status().locked, "{how}");
    }
    f.session
        .set_timeouts(Duration::from_secs(10), Duration::from_millis(400));

    // Withdrawn by the page while it asks to unlock: Aborted.
    let (options, _) = registration("carol");
    let t = call_in_background(&f, BROWSER, create_op(options, Some("l"), None));
    wait_prompt(&f.session);
    call(&f, BROWSER, Op::Cancel { tag: "l".into() }).unwrap();
    assert_eq!(t.join().unwrap().unwrap_err().kind, ErrorKind::Aborted);
    wait_no_prompt(&f.session);

    // Unlocked in the main window instead: the unlock prompt gives way to the approval.
    let (options, _) = registration("carol");
    let t = call_in_background(&f, BROWSER, create_op(options, None, None));
    assert_eq!(wait_prompt(&f.session).operation, PromptOperation::Unlock);
    f.session.unlock().unwrap();
    let until = Instant::now() + Duration::from_secs(5);
    let approval = loop {
        let p = wait_prompt(&f.session);
        if p.operation == PromptOperation::Create {
            break p;
        }
        assert!(Instant::now() < until, "the unlock prompt stayed");
        std::thread::sleep(Duration::from_millis(10));
    };
    f.session.answer_prompt(&approval.id, false, None).unwrap();
    assert_eq!(
        t.join().unwrap().unwrap_err().kind,
        ErrorKind::NotAllowedError
    );

    // The CLI still gets "Locked" at once, no prompt.
    f.session.lock();
    let (options, _) = registration("dave");
    let err = call(&f, CLI, create_op(options, None, None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked);
    assert!(f.session.current_prompt().is_none());
}

#[test]
fn accounts_list_the_sites_passkeys_for_the_browser_and_the_cli_only() {
    let f = fixture();
    let accounts = |door, origin: &str, rp_id: &str| {
        call(
            &f,
            door,
            Op::Accounts {
                origin: origin.into(),
                rp_id: rp_id.into(),
            },
        )
    };
    assert_eq!(
        accounts(BROWSER, ORIGIN, "example.com").unwrap_err().kind,
        ErrorKind::Locked
    );
    f.session.unlock().unwrap();
    let alice = register(&f, "alice");
    register(&f, "bob");
    let list = accounts(BROWSER, ORIGIN, "example.com").unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["credentialId"].as_str().unwrap())
        .collect();
    let alice_id = {
        use base64::Engine;
        let raw: &[u8] = alice.cred_id().as_ref();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    };
    assert!(ids.contains(&alice_id.as_str()), "{ids:?}");
    for a in list.as_array().unwrap() {
        let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 4, "names and the id only, no key material: {a}");
    }
    // The CLI too; another origin's page for this RP ID: SecurityError; a program: refused.
    assert_eq!(
        accounts(CLI, ORIGIN, "example.com").unwrap(),
        list,
        "the CLI sees the same"
    );
    assert_eq!(
        accounts(BROWSER, "https://evil.test", "example.com")
            .unwrap_err()
            .kind,
        ErrorKind::SecurityError
    );
    assert_eq!(
        accounts(BROWSER, "https://sub.example.com", "example.com")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2,
        "a subdomain may use its parent's RP ID"
    );
    assert_eq!(
        accounts(BROWSER, ORIGIN, "sub.example.com")
            .unwrap_err()
            .kind,
        ErrorKind::SecurityError,
        "... but not the other way round"
    );
    assert_eq!(
        accounts(PROGRAM, ORIGIN, "example.com").unwrap_err().kind,
        ErrorKind::NotAllowedError
    );
    assert_eq!(
        f.checks.load(Ordering::SeqCst),
        3,
        "listing runs no OS check (unlock + two creations)"
    );
}

#[test]
fn unlock_from_a_client_shows_the_window_and_answers_the_status() {
    let f = fixture();
    let status = call(&f, BROWSER, Op::Unlock).unwrap();
    assert_eq!(status, json!({"locked": false, "count": 0}));
    assert_eq!(f.shown.0.load(Ordering::SeqCst), 1);
    assert_eq!(f.checks.load(Ordering::SeqCst), 1, "behind the OS check");
    assert!(!f.session.status().locked);
}

/// With the prompt queue full, a browser's request is answered "busy" at once (the browser asks
/// its own authenticators and the page keeps working); the CLI keeps its NotAllowed.
#[test]
fn a_full_prompt_queue_sends_the_browser_elsewhere() {
    let f = fixture();
    f.session.unlock().unwrap();
    let mut waiting = Vec::new();
    for i in 0..8 {
        let (options, _) = registration(&format!("user{i}"));
        waiting.push(call_in_background(&f, CLI, create_op(options, None, None)));
    }
    let until = Instant::now() + Duration::from_secs(10);
    while f.session.current_prompt().map(|p| p.queued) != Some(7) {
        assert!(Instant::now() < until, "eight prompts queue");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (options, _) = registration("ninth");
    let err = call(&f, BROWSER, create_op(options.clone(), None, None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Busy, "{err}");
    assert!(err.message.contains("too many requests"), "{err}");
    let err = call(&f, CLI, create_op(options, None, None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotAllowedError, "{err}");
    for _ in 0..8 {
        let p = wait_prompt(&f.session);
        f.session.answer_prompt(&p.id, false, None).unwrap();
    }
    for t in waiting {
        assert!(t.join().unwrap().is_err());
    }
}
