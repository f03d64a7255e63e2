//! The session's security policy, each rule against the real vault (real Secret Service) and
//! the real prompt queue: how often the OS check runs and what the authenticator data then says
//! (the UV flag, read from authData), that settings.json cannot be widened by editing it, that
//! only what the person confirms in the window is deleted through the socket, that the prompt
//! queue is bounded, that socket activity does not postpone the auto-lock, and that `--account`
//! limits the prompt. The OS check is a counting stand-in (as in session.rs): what is tested is
//! when the session asks it, and what it makes of the answer.

mod common;
use common::webauthn::{rp, ORIGIN};
use common::{wait_prompt, Fixture};

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_authenticator::Door;
use latchkey_session::{ActivityKind, PromptOperation, SessionError, Settings, VerificationPolicy};
use serde_json::{json, Value};
use webauthn_rs::prelude::*;

impl Fixture {
    fn settings_path(&self) -> std::path::PathBuf {
        self.session.data_dir().join("settings.json")
    }
}

/// The UV bit (bit 2 of the flags byte after the 32-byte RP ID hash) of a response's
/// authenticator data.
fn uv_flag(response: &Value) -> bool {
    let data = URL_SAFE_NO_PAD
        .decode(response["response"]["authenticatorData"].as_str().unwrap())
        .unwrap();
    data[32] & 0x04 != 0
}

/// Creation options for `name` asking for user verification `uv`.
fn create_options(name: &str, uv: &str) -> String {
    let (ccr, _) = rp()
        .start_passkey_registration(Uuid::new_v4(), name, name, None)
        .unwrap();
    let mut v = serde_json::to_value(&ccr).unwrap();
    v["publicKey"]["authenticatorSelection"]["userVerification"] = json!(uv);
    // webauthn-rs asks for credProtect; such passkeys need UV to be found without an allow
    // list, which is the authenticator's rule, not the session's: leave it out here.
    v["publicKey"].as_object_mut().unwrap().remove("extensions");
    v.to_string()
}

/// Runs a creation asking `uv`, approves it at the prompt, returns the response.
fn create(f: &Fixture, name: &str, uv: &str) -> Value {
    let options = create_options(name, uv);
    let s = f.session.clone();
    let t = std::thread::spawn(move || s.webauthn_create(Door::Cli, ORIGIN, &options));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    t.join().unwrap().unwrap()
}

/// Runs a discoverable sign-in asking `uv`, approves it (first account), returns the response.
fn sign_in(f: &Fixture, uv: &str) -> Value {
    let options = json!({"challenge": "AAAAAAAAAAAAAAAAAAAAAA", "rpId": "example.com",
        "userVerification": uv})
    .to_string();
    let s = f.session.clone();
    let t = std::thread::spawn(move || s.webauthn_get(Door::Browser, ORIGIN, &options));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, Some(0)).unwrap();
    t.join().unwrap().unwrap()
}

fn reuse(minutes: u32) -> Settings {
    Settings {
        verification: VerificationPolicy::Reuse { minutes },
        ..Settings::default()
    }
}

#[test]
fn unlock_does_not_start_the_reuse_window_and_a_reused_check_reports_no_uv() {
    let mut f = Fixture::new();
    f.session.unlock().unwrap();
    f.session.set_settings(reuse(5)).unwrap();
    f.restart();
    f.session.unlock().unwrap();
    assert_eq!(f.session.settings().verification, reuse(5).verification);
    let after_unlock = f.calls();

    let first = create(&f, "alice", "preferred");
    assert_eq!(
        f.calls(),
        after_unlock + 1,
        "the unlock's check is not reused"
    );
    assert!(uv_flag(&first), "a check ran for this ceremony: UV=1");

    let second = create(&f, "bob", "preferred");
    assert_eq!(f.calls(), after_unlock + 1, "a recent check is reused");
    assert!(!uv_flag(&second), "no check ran for this ceremony: UV=0");

    let signed = sign_in(&f, "preferred");
    assert_eq!(f.calls(), after_unlock + 1);
    assert!(!uv_flag(&signed), "a reused check signs with UV=0");

    // Locking ends the window.
    f.session.lock();
    f.session.unlock().unwrap();
    let after = f.calls();
    assert!(uv_flag(&sign_in(&f, "preferred")));
    assert_eq!(f.calls(), after + 1);
}

#[test]
fn required_user_verification_always_runs_the_check() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    f.session.set_settings(reuse(60)).unwrap();
    create(&f, "alice", "preferred");
    let before = f.calls();
    for _ in 0..2 {
        let signed = sign_in(&f, "required");
        assert!(uv_flag(&signed));
    }
    let made = create(&f, "bob", "required");
    assert!(uv_flag(&made));
    assert_eq!(f.calls(), before + 3, "every required ceremony was checked");
    // A passkey made with webauthn-rs's passkey options (UV required) is judged valid.
    let (ccr, state) = rp()
        .start_passkey_registration(Uuid::new_v4(), "carol", "Carol", None)
        .unwrap();
    let options = serde_json::to_string(&ccr).unwrap();
    let s = f.session.clone();
    let t = std::thread::spawn(move || s.webauthn_create(Door::Cli, ORIGIN, &options));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response = t.join().unwrap().unwrap();
    assert_eq!(f.calls(), before + 4);
    rp().finish_passkey_registration(&serde_json::from_value(response).unwrap(), &state)
        .expect("webauthn-rs accepts a UV-required registration inside the reuse window");
}

#[test]
fn a_tampered_settings_file_does_not_widen_reuse() {
    let mut f = Fixture::new();
    f.session.unlock().unwrap();
    f.session.set_settings(reuse(5)).unwrap();
    f.session.lock();

    // Hand-edited: reuse for 100000 minutes (the MAC no longer matches).
    let path = f.settings_path();
    let mut on_disk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        on_disk["mac"].is_string(),
        "the security part carries a MAC"
    );
    on_disk["verification"] = json!({"kind": "reuse", "minutes": 100000});
    on_disk["theme"] = json!("dark");
    std::fs::write(&path, on_disk.to_string()).unwrap();
    f.restart();
    assert_eq!(
        f.session.settings().verification,
        VerificationPolicy::EveryUse,
        "while locked only the theme is read"
    );
    assert_eq!(f.session.settings().theme, latchkey_session::Theme::Dark);
    f.session.unlock().unwrap();
    assert_eq!(
        f.session.settings().verification,
        VerificationPolicy::EveryUse
    );
    assert_eq!(f.session.settings().theme, latchkey_session::Theme::Dark);
    assert!(f
        .session
        .activity(5)
        .unwrap()
        .iter()
        .any(|e| e.kind == ActivityKind::SettingsReset));
    let before = f.calls();
    create(&f, "alice", "preferred");
    create(&f, "bob", "preferred");
    assert_eq!(f.calls(), before + 2, "the verifier is asked every time");

    // A broken MAC with in-range values, and a missing MAC, are refused the same way.
    for edit in ["flip", "drop"] {
        f.session.set_settings(reuse(30)).unwrap();
        f.session.lock();
        let mut on_disk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if edit == "flip" {
            let mac = on_disk["mac"].as_str().unwrap().to_owned();
            let flipped = if mac.starts_with('0') { "1" } else { "0" };
            on_disk["mac"] = json!(format!("{flipped}{}", &mac[1..]));
        } else {
            on_disk.as_object_mut().unwrap().remove("mac");
        }
        std::fs::write(&path, on_disk.to_string()).unwrap();
        f.restart();
        f.session.unlock().unwrap();
        assert_eq!(
            f.session.settings().verification,
            VerificationPolicy::EveryUse,
            "{edit}"
        );
    }

    // Genuine settings survive a restart.
    f.session.set_settings(reuse(30)).unwrap();
    f.restart();
    f.session.unlock().unwrap();
    assert_eq!(f.session.settings().verification, reuse(30).verification);
}

#[test]
fn out_of_range_values_are_bounded_when_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.json"),
        r#"{"autoLockMinutes":99999999,"verification":{"kind":"reuse","minutes":100000},"theme":"light"}"#,
    )
    .unwrap();
    let s = Settings::load(dir.path());
    assert_eq!(s.verification, VerificationPolicy::EveryUse);
    assert_eq!(s.auto_lock_minutes, Settings::default().auto_lock_minutes);
    assert_eq!(s.theme, latchkey_session::Theme::Light);
    for minutes in [0, 61] {
        let bounded = reuse(minutes).bounded();
        assert_eq!(bounded.verification, VerificationPolicy::EveryUse);
    }
    assert_eq!(reuse(60).bounded().verification, reuse(60).verification);
}

#[test]
fn weakening_the_policy_needs_the_os_check() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    f.gate.refuse.store(true, Ordering::SeqCst);
    let weaker = [
        reuse(5),
        Settings {
            auto_lock_minutes: 0,
            ..Settings::default()
        },
        Settings {
            auto_lock_minutes: 60,
            ..Settings::default()
        },
    ];
    for s in weaker {
        let err = f.session.set_settings(s.clone()).unwrap_err();
        assert!(matches!(err, SessionError::Verification(_)), "{err}");
        assert!(err.to_string().contains("not changed"), "{err}");
        assert_eq!(f.session.settings(), Settings::default(), "{s:?}");
        assert_eq!(Settings::load(f.session.data_dir()), Settings::default());
    }
    // Protecting more, or only the theme, needs no check.
    let before = f.calls();
    f.session
        .set_settings(Settings {
            auto_lock_minutes: 5,
            ..Settings::default()
        })
        .unwrap();
    f.session
        .set_settings(Settings {
            auto_lock_minutes: 5,
            theme: latchkey_session::Theme::Dark,
            ..Settings::default()
        })
        .unwrap();
    assert_eq!(f.calls(), before);
    // With the check passing, the weaker policy is saved; a longer reuse is weaker again.
    f.gate.refuse.store(false, Ordering::SeqCst);
    f.session.set_settings(reuse(5)).unwrap();
    assert_eq!(f.calls(), before + 1);
    f.gate.refuse.store(true, Ordering::SeqCst);
    assert!(f.session.set_settings(reuse(10)).is_err());
    f.session.set_settings(reuse(2)).unwrap();
    assert_eq!(f.session.settings().verification, reuse(2).verification);
    // While locked, only the theme may change.
    f.session.lock();
    assert!(f.session.set_settings(Settings::default()).is_err());
}

#[test]
fn a_socket_delete_waits_for_a_click_in_the_window() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    create(&f, "alice", "preferred");
    let id = f.session.list().unwrap()[0].id.clone();
    let before = f.calls();

    let run = |f: &Fixture| {
        let s = f.session.clone();
        let id = id.clone();
        std::thread::spawn(move || s.delete_confirmed(&id, Door::Cli))
    };
    // Denied: nothing deleted.
    let t = run(&f);
    let p = wait_prompt(&f.session);
    assert_eq!(p.operation, PromptOperation::Delete);
    assert_eq!(
        serde_json::to_value(&p).unwrap()["operation"],
        json!("delete")
    );
    assert_eq!(p.rp_id, "example.com");
    assert_eq!(p.door, "cli");
    assert_eq!(p.accounts[0].user_name.as_deref(), Some("alice"));
    assert_eq!(f.session.list().unwrap().len(), 1, "not before the answer");
    f.session.answer_prompt(&p.id, false, None).unwrap();
    let err = t.join().unwrap().unwrap_err();
    assert!(err.to_string().starts_with("NotAllowedError"), "{err}");
    assert_eq!(f.session.list().unwrap().len(), 1);
    // Nobody answers: nothing deleted.
    f.session
        .set_timeouts(Duration::from_millis(300), Duration::from_millis(400));
    let err = run(&f).join().unwrap().unwrap_err();
    assert!(err.to_string().starts_with("NotAllowedError"), "{err}");
    assert_eq!(f.session.list().unwrap().len(), 1);
    // Confirmed: deleted for good, with a click and no OS check.
    f.session
        .set_timeouts(Duration::from_secs(10), Duration::from_millis(400));
    let t = run(&f);
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    t.join().unwrap().unwrap();
    assert!(f.session.list().unwrap().is_empty());
    assert_eq!(f.calls(), before, "a delete needs no OS check");
    f.session.lock();
    f.session.unlock().unwrap();
    assert!(f.session.list().unwrap().is_empty(), "final");
    let kinds: Vec<_> = f
        .session
        .activity(10)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .filter(|k| ![ActivityKind::Locked, ActivityKind::Unlocked].contains(k))
        .collect();
    assert_eq!(
        kinds[..3],
        [
            ActivityKind::Deleted,
            ActivityKind::DeleteRefused,
            ActivityKind::DeleteRefused
        ],
        "{kinds:?}"
    );
}

#[test]
fn at_most_eight_prompts_wait() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    let mut waiting = Vec::new();
    for i in 0..8 {
        let options = create_options(&format!("user{i}"), "preferred");
        let s = f.session.clone();
        waiting.push(std::thread::spawn(move || {
            s.webauthn_create(Door::Cli, ORIGIN, &options)
        }));
    }
    let until = Instant::now() + Duration::from_secs(10);
    while f.session.current_prompt().map(|p| p.queued) != Some(7) {
        assert!(Instant::now() < until, "eight prompts queue");
        std::thread::sleep(Duration::from_millis(10));
    }
    let err = f
        .session
        .webauthn_create(Door::Cli, ORIGIN, &create_options("ninth", "preferred"))
        .unwrap_err();
    assert!(err.to_string().starts_with("NotAllowedError"), "{err}");
    assert!(
        err.to_string()
            .contains("too many requests are waiting for your approval"),
        "{err}"
    );
    let id = f.session.list().unwrap().first().map(|p| p.id.clone());
    assert!(id.is_none());
    for _ in 0..8 {
        let p = wait_prompt(&f.session);
        f.session.answer_prompt(&p.id, false, None).unwrap();
    }
    for t in waiting {
        assert!(t.join().unwrap().is_err());
    }
    // Room again once answered.
    create(&f, "tenth", "preferred");
}

#[test]
fn socket_activity_does_not_postpone_the_auto_lock() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    create(&f, "alice", "preferred");
    f.session
        .set_settings(Settings {
            auto_lock_minutes: 5,
            ..Settings::default()
        })
        .unwrap();
    // The person's last real input.
    f.session.touch();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(200));
    // A socket caller renames; the window refreshes (list, status, activity).
    let id = f.session.list().unwrap()[0].id.clone();
    f.session.rename(&id, Some("Renamed"), Door::Cli).unwrap();
    f.session.list().unwrap();
    f.session.status();
    f.session.activity(10).unwrap();
    assert!(
        f.session
            .lock_if_idle_at(t0 + Duration::from_secs(5 * 60) + Duration::from_millis(10)),
        "five idle minutes after the last input lock, whatever the socket did"
    );
}

#[test]
fn an_account_name_limits_the_prompt_to_that_account() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    let mut keys = Vec::new();
    for name in ["alice", "bob"] {
        let (ccr, state) = rp()
            .start_passkey_registration(Uuid::new_v4(), name, name, None)
            .unwrap();
        let options = serde_json::to_string(&ccr).unwrap();
        let s = f.session.clone();
        let t = std::thread::spawn(move || s.webauthn_create(Door::Cli, ORIGIN, &options));
        let p = wait_prompt(&f.session);
        f.session.answer_prompt(&p.id, true, None).unwrap();
        let r = t.join().unwrap().unwrap();
        keys.push(
            rp().finish_passkey_registration(&serde_json::from_value(r).unwrap(), &state)
                .unwrap(),
        );
    }
    let (rcr, state) = rp().start_discoverable_authentication().unwrap();
    let options = serde_json::to_string(&rcr).unwrap();
    let s = f.session.clone();
    let t = std::thread::spawn(move || s.webauthn_get_as(Door::Cli, ORIGIN, &options, Some("BOB")));
    let p = wait_prompt(&f.session);
    let names: Vec<_> = p.accounts.iter().map(|a| a.user_name.clone()).collect();
    assert_eq!(names, [Some("bob".to_owned())], "only bob is offered");
    // Enter without picking: still bob.
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response: PublicKeyCredential = serde_json::from_value(t.join().unwrap().unwrap()).unwrap();
    rp().finish_discoverable_authentication_v2(&response, state, &keys[1])
        .expect("webauthn-rs accepts bob's signature");

    let (rcr, _) = rp().start_discoverable_authentication().unwrap();
    let err = f
        .session
        .webauthn_get_as(
            Door::Cli,
            ORIGIN,
            &serde_json::to_string(&rcr).unwrap(),
            Some("carol"),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("NotAllowedError"), "{text}");
    assert!(
        text.contains("alice") && text.contains("bob"),
        "names the accounts: {text}"
    );
    assert!(f.session.current_prompt().is_none());
}
