//! Sign-in links through the session: every verdict, what opens and what never does, the
//! confirmation and override rules, "already used" on the second open, the activity entry, the
//! "replaces a sign-in link" mark on the next creation from that site (and only that site, and
//! only for a while), and the no-passkey prompt's "Use a sign-in link instead".
//!
//! Real vault with the real Secret Service (scripts/test-env.sh), real prompt queue, webauthn-rs
//! as the relying party. The opener is a recording stand-in for the OS's URL handler (the e2e
//! test drives the real one); the OS check is a passing stand-in (its polkit path is tested
//! through the CLI).

mod common;
use common::wait_prompt;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchkey_authenticator::Door;
use latchkey_session::{
    ActivityKind, LinkOpener, PromptOperation, Session, SessionError, SessionEvents, Verdict,
};
use latchkey_vault::{KeyStore, OsKeychain};
use latchkey_verify::{VerificationRequest, Verifier, VerifyError};
use serde_json::{json, Value};
use webauthn_rs::prelude::*;
use webauthn_rs::WebauthnBuilder;

const SERVICE: &str = "dev.latchkey.test";

struct Pass;

impl Verifier for Pass {
    fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        Ok(())
    }
}

/// Records what would have been handed to the browser.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl LinkOpener for Recorder {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(url.to_owned());
        Ok(())
    }
}

/// Counts requests to show the Sign-in link view.
#[derive(Default)]
struct LinkView(AtomicUsize);

impl SessionEvents for LinkView {
    fn show_sign_in_link(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    session: Arc<Session>,
    opened: Arc<Recorder>,
    link_view: Arc<LinkView>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string(self.dir.path().join("vault/vault.json")) {
            let v: Value = serde_json::from_str(&text).unwrap();
            let _ = OsKeychain::with_service(SERVICE).delete(v["vault_id"].as_str().unwrap());
        }
    }
}

impl Fixture {
    fn opened(&self) -> Vec<String> {
        self.opened.0.lock().unwrap().clone()
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let link_view = Arc::new(LinkView::default());
    let session = Session::new(
        &dir.path().join("vault"),
        Box::new(OsKeychain::with_service(SERVICE)),
        Box::new(Pass),
        link_view.clone(),
    );
    session.set_timeouts(Duration::from_secs(10), Duration::from_millis(400));
    let opened = Arc::new(Recorder::default());
    session.set_link_opener(opened.clone());
    Fixture {
        dir,
        session,
        opened,
        link_view,
    }
}

/// Starts a passkey creation for `rp_id` from the CLI door; returns the waiting thread.
fn start_create(
    f: &Fixture,
    rp_id: &str,
) -> std::thread::JoinHandle<Result<serde_json::Value, SessionError>> {
    let origin = format!("https://{rp_id}");
    let rp = WebauthnBuilder::new(rp_id, &Url::parse(&origin).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let (ccr, _) = rp
        .start_passkey_registration(Uuid::new_v4(), "alice", "Alice", None)
        .unwrap();
    let s = f.session.clone();
    let options = serde_json::to_string(&ccr).unwrap();
    std::thread::spawn(move || s.webauthn_create(Door::Cli, &origin, &options))
}

/// Creates a passkey for `rp_id` through the prompt; returns whether the prompt carried the
/// "replaces a sign-in link" mark (checked in the JSON the prompt window gets).
fn create(f: &Fixture, rp_id: &str) -> bool {
    let t = start_create(f, rp_id);
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::Create);
    assert_eq!(p.rp_id, rp_id);
    let shown = serde_json::to_value(&p).unwrap();
    let mark = shown["replacesLink"]
        .as_bool()
        .expect("replacesLink in the prompt JSON");
    assert_eq!(mark, p.replaces_link);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    t.join().unwrap().expect("the passkey is created");
    mark
}

#[test]
fn links_are_checked_only_while_unlocked_and_nothing_opens_while_locked() {
    let f = fixture();
    assert!(matches!(
        f.session.check_link("https://example.com/link/abc"),
        Err(SessionError::Locked)
    ));
    assert!(matches!(
        f.session
            .open_link("https://example.com/link/abc", Door::App, true, true),
        Err(SessionError::Locked)
    ));
    assert!(f.opened().is_empty());
}

#[test]
fn each_verdict_through_the_session_and_only_what_passed_opens() {
    let f = fixture();
    f.session.unlock().unwrap();
    create(&f, "example.com");
    let cases = [
        ("https://example.com/link/t1", Verdict::Trusted),
        ("https://login.example.com/link/t2", Verdict::Trusted),
        ("https://unrelated-shop.org/link/u1", Verdict::UnknownSite),
        ("https://examp1e.com/link/l1", Verdict::Lookalike),
        (
            "https://example.com.login-check.net/link/l2",
            Verdict::Lookalike,
        ),
        ("javascript:alert(1)", Verdict::Refused),
        ("https://example.com@evil.example/link", Verdict::Refused),
        ("http://example.com/link/plain", Verdict::Refused),
        ("https://93.184.216.34/link", Verdict::Refused),
        (
            "https://example.com/link/x?exp=1000000000",
            Verdict::Expired,
        ),
    ];
    for (link, verdict) in cases {
        let report = f.session.check_link(link).unwrap();
        assert_eq!(report.verdict, verdict, "{link}: {report:?}");
        assert!(!report.reasons.is_empty(), "{link} has reasons");
    }
    assert!(f.opened().is_empty(), "checking opens nothing");

    // Refused and expired links never open, whatever the person says.
    for link in [
        "javascript:alert(1)",
        "https://example.com@evil.example/link",
        "https://example.com/link/x?exp=1000000000",
    ] {
        let out = f.session.open_link(link, Door::App, true, true).unwrap();
        assert!(!out.opened, "{link} must not open");
    }
    assert!(f.opened().is_empty());

    // Unknown: only with a confirmation.
    let unknown = "https://unrelated-shop.org/link/u1";
    let out = f
        .session
        .open_link(unknown, Door::App, false, false)
        .unwrap();
    assert_eq!(
        (out.report.verdict, out.opened),
        (Verdict::UnknownSite, false)
    );
    assert!(f.opened().is_empty());
    let out = f
        .session
        .open_link(unknown, Door::App, true, false)
        .unwrap();
    assert!(out.opened);
    assert_eq!(f.opened(), vec![unknown.to_owned()]);

    // Lookalike: a confirmation is not enough, only the explicit override.
    let lookalike = "https://examp1e.com/link/l1";
    let out = f
        .session
        .open_link(lookalike, Door::App, true, false)
        .unwrap();
    assert_eq!(
        (out.report.verdict, out.opened),
        (Verdict::Lookalike, false)
    );
    assert_eq!(out.report.imitates.as_deref(), Some("example.com"));
    assert_eq!(f.opened().len(), 1);
    let out = f
        .session
        .open_link(lookalike, Door::App, false, true)
        .unwrap();
    assert!(out.opened);
    assert_eq!(f.opened().len(), 2);

    // Trusted opens without a question; the second time it is already used and stays shut.
    let trusted = "https://example.com/link/t1";
    let out = f
        .session
        .open_link(trusted, Door::App, false, false)
        .unwrap();
    assert!(out.opened);
    assert_eq!(f.opened().last().unwrap(), trusted);
    let again = f.session.open_link(trusted, Door::App, true, true).unwrap();
    assert_eq!(
        (again.report.verdict, again.opened),
        (Verdict::AlreadyUsed, false)
    );
    assert_eq!(
        f.session.check_link(trusted).unwrap().verdict,
        Verdict::AlreadyUsed
    );
    assert_eq!(f.opened().len(), 3);

    // Each open is in the activity log, naming the link's site, never its token.
    let opened: Vec<_> = f
        .session
        .activity(50)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == ActivityKind::LinkOpened)
        .collect();
    assert_eq!(opened.len(), 3);
    assert_eq!(opened[0].rp_id.as_deref(), Some("example.com"));
    assert_eq!(opened[0].door, "app");
    assert_eq!(
        serde_json::to_value(ActivityKind::LinkOpened).unwrap(),
        json!("link-opened")
    );
}

#[test]
fn what_opens_is_the_normalized_link_and_used_survives_a_relock() {
    let f = fixture();
    f.session.unlock().unwrap();
    create(&f, "example.com");
    let out = f
        .session
        .open_link("HTTPS://EXAMPLE.COM/link/Tok", Door::Cli, false, false)
        .unwrap();
    assert!(out.opened);
    assert_eq!(f.opened(), vec!["https://example.com/link/Tok".to_owned()]);
    f.session.lock();
    f.session.unlock().unwrap();
    let report = f
        .session
        .check_link("https://example.com/link/Tok")
        .unwrap();
    assert_eq!(report.verdict, Verdict::AlreadyUsed);
}

#[test]
fn the_next_creation_from_the_links_site_only_is_marked_and_the_mark_expires() {
    let f = fixture();
    f.session.unlock().unwrap();
    // No link opened: no mark.
    assert!(!create(&f, "example.com"));
    let out = f
        .session
        .open_link("https://example.com/link/m1", Door::App, false, false)
        .unwrap();
    assert!(out.opened);
    // Another site's creation is not marked.
    assert!(!create(&f, "other.test"));
    // The link's site (a subdomain RP ID belongs to the same site) is.
    assert!(create(&f, "login.example.com"));
    // Created: the link is replaced; the next creation is not marked again.
    assert!(!create(&f, "example.com"));

    // The mark lasts only its window.
    f.session.set_link_mark_window(Duration::from_millis(300));
    let out = f
        .session
        .open_link("https://example.com/link/m2", Door::App, false, false)
        .unwrap();
    assert!(out.opened);
    std::thread::sleep(Duration::from_millis(400));
    assert!(!create(&f, "example.com"));
}

#[test]
fn the_no_passkey_prompt_offers_a_sign_in_link_and_ends_not_allowed() {
    let f = fixture();
    f.session.unlock().unwrap();
    let options = json!({"challenge": "AAECAwQFBgcICQoLDA0ODw", "rpId": "example.com"}).to_string();
    let s = f.session.clone();
    let t = std::thread::spawn(move || s.webauthn_get(Door::Cli, "https://example.com", &options));
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::SignIn);
    assert!(p.accounts.is_empty());
    assert!(p.use_link);
    assert_eq!(serde_json::to_value(&p).unwrap()["useLink"], json!(true));
    f.session.answer_use_link(&p.id).unwrap();
    match t.join().unwrap() {
        Err(SessionError::WebAuthn(e)) => assert_eq!(e.dom_name(), "NotAllowedError"),
        other => panic!("expected NotAllowedError, got {other:?}"),
    }
    assert_eq!(
        f.link_view.0.load(Ordering::SeqCst),
        1,
        "the Sign-in link view opens"
    );
    assert!(f.session.current_prompt().is_none());

    // A prompt with passkeys (here a creation) does not offer it.
    let t = start_create(&f, "example.com");
    let p = wait_prompt(&f.session);
    assert!(!p.use_link);
    assert!(matches!(
        f.session.answer_use_link(&p.id),
        Err(SessionError::Invalid(_))
    ));
    f.session.answer_prompt(&p.id, false, None).unwrap();
    assert!(t.join().unwrap().is_err());
    assert_eq!(f.link_view.0.load(Ordering::SeqCst), 1);
}

/// The handler's peer for `door` (what the server determines from the executable).
fn peer(door: latchkey_bridge::protocol::Door) -> latchkey_bridge::Peer {
    latchkey_bridge::Peer {
        uid: 1000,
        pid: 1,
        exe: None,
        door,
    }
}

fn call(
    f: &Fixture,
    door: latchkey_bridge::protocol::Door,
    op: latchkey_bridge::protocol::Op,
) -> Result<Value, latchkey_bridge::protocol::ReplyError> {
    use latchkey_bridge::Handler;
    latchkey_session::bridge_handler::SessionHandler(f.session.clone()).handle(
        &peer(door),
        latchkey_bridge::protocol::Request {
            v: latchkey_bridge::protocol::PROTOCOL_VERSION,
            id: 1,
            door,
            op,
        },
    )
}

#[test]
fn the_link_ops_answer_the_cli_door_only() {
    use latchkey_bridge::protocol::{Door as Wire, ErrorKind, Op};
    let f = fixture();
    f.session.unlock().unwrap();
    create(&f, "example.com");
    let url = "https://example.com/link/op1";
    let checked = call(&f, Wire::Cli, Op::LinkCheck { url: url.into() }).unwrap();
    assert_eq!(checked["verdict"], "trusted");
    assert_eq!(checked["site"], "example.com");
    assert!(checked["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    let unknown = "https://unrelated-shop.org/l";
    let not_confirmed = call(
        &f,
        Wire::Cli,
        Op::LinkOpen {
            url: unknown.into(),
            confirm: false,
            override_lookalike: false,
        },
    )
    .unwrap();
    assert_eq!(
        (
            not_confirmed["verdict"].clone(),
            not_confirmed["opened"].clone()
        ),
        (json!("unknown-site"), json!(false))
    );
    let opened = call(
        &f,
        Wire::Cli,
        Op::LinkOpen {
            url: url.into(),
            confirm: false,
            override_lookalike: false,
        },
    )
    .unwrap();
    assert_eq!(opened["opened"], true);
    assert_eq!(f.opened(), vec![url.to_owned()]);
    for door in [Wire::Program, Wire::Browser, Wire::Usb] {
        for op in [
            Op::LinkCheck { url: url.into() },
            Op::LinkOpen {
                url: "https://example.com/link/op2".into(),
                confirm: true,
                override_lookalike: true,
            },
        ] {
            let err = call(&f, door, op).unwrap_err();
            assert_eq!(err.kind, ErrorKind::NotAllowedError, "{door:?}");
        }
    }
    assert_eq!(f.opened().len(), 1, "another door opened nothing");
}
