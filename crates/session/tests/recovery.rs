//! The recovery kit through the session, with the real vault and Secret Service: the first kit
//! comes with a new vault and is shown once; a new kit needs the OS check and retires the old;
//! the lock screen's Recover brings back a vault whose keychain entry is gone (webauthn-rs
//! verifies a sign-in afterwards) and refuses wrong or mistyped keys with nothing changed.

mod common;
use common::webauthn::{register, rp, ORIGIN};
use common::{wait_prompt, Fixture, SERVICE};

use std::sync::atomic::Ordering;
use std::time::Duration;

use latchkey_authenticator::Door;
use latchkey_session::{ActivityKind, SessionError, Settings, VerificationPolicy};
use latchkey_vault::{DataKey, KeyStore, OsKeychain, RecoveryKey, VaultError};
use webauthn_rs::prelude::*;

impl Fixture {
    fn keychain_bytes(&self) -> Option<Vec<u8>> {
        keyring::Entry::new(SERVICE, &self.vault_id())
            .unwrap()
            .get_secret()
            .ok()
    }
}

/// Signs in with `passkey` through the session; webauthn-rs judges the assertion.
fn sign_in(f: &Fixture, passkey: &Passkey) -> u32 {
    let (rcr, state) = rp()
        .start_passkey_authentication(std::slice::from_ref(passkey))
        .unwrap();
    let s = f.session.clone();
    let options = serde_json::to_string(&rcr).unwrap();
    let t = std::thread::spawn(move || s.webauthn_get(Door::Cli, ORIGIN, &options));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response: PublicKeyCredential = serde_json::from_value(t.join().unwrap().unwrap()).unwrap();
    rp().finish_passkey_authentication(&response, &state)
        .expect("webauthn-rs accepts the sign-in")
        .counter()
}

/// Every file under the data dir, bytes included.
fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A vault made by the first unlock, one passkey, and its first kit's key; locked.
fn with_kit() -> (Fixture, Passkey, String) {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    let kit = f
        .session
        .take_new_recovery_kit()
        .expect("a new vault comes with a kit");
    let passkey = register(&f, "alice");
    let key = kit.key.clone();
    f.session.lock();
    // sled lets go of its files a moment after the vault closes.
    std::thread::sleep(Duration::from_millis(100));
    (f, passkey, key)
}

#[test]
fn a_new_vault_comes_with_a_kit_shown_once() {
    let f = Fixture::new();
    assert_eq!(
        f.session.recovery_state(),
        latchkey_session::RecoveryState {
            has_kit: false,
            created_at: None,
            can_recover: false
        }
    );
    assert!(f.session.take_new_recovery_kit().is_none());
    f.session.unlock().unwrap();
    let kit = f.session.take_new_recovery_kit().unwrap();
    assert!(f.session.take_new_recovery_kit().is_none(), "shown once");
    RecoveryKey::parse(&kit.key).expect("the kit's key parses");
    assert_eq!(kit.vault_id, f.vault_id());
    assert!(kit.html.contains(&kit.key));
    assert!(kit.html.contains(&kit.vault_id));
    let json = serde_json::to_value(&kit).unwrap();
    for field in ["key", "vaultId", "kitId", "createdAt", "html"] {
        assert!(json.get(field).is_some(), "{field}");
    }
    assert!(
        !format!("{kit:?}").contains(&kit.key),
        "Debug hides the key"
    );
    let state = f.session.recovery_state();
    assert!(state.has_kit);
    assert_eq!(state.created_at, Some(kit.created_at));
    assert!(!state.can_recover, "the keychain has the key");
    let log = f.session.activity(10).unwrap();
    assert_eq!(log[0].kind, ActivityKind::RecoveryKitCreated);
    assert_eq!(log[1].kind, ActivityKind::Unlocked);
    // A second unlock of the same vault makes no kit.
    f.session.lock();
    f.session.unlock().unwrap();
    assert!(f.session.take_new_recovery_kit().is_none());
}

#[test]
fn an_untaken_kit_is_wiped_at_lock() {
    let f = Fixture::new();
    f.session.unlock().unwrap();
    f.session.lock();
    assert!(f.session.take_new_recovery_kit().is_none());
    f.session.unlock().unwrap();
    assert!(f.session.take_new_recovery_kit().is_none());
    // The kit itself is on disk: Settings shows it.
    assert!(f.session.recovery_state().has_kit);
}

#[test]
fn recover_after_the_keychain_entry_is_deleted_then_sign_in() {
    let (f, passkey, key) = with_kit();
    // The settings as the person left them must survive the recovery (their MAC still holds).
    f.session.unlock().unwrap();
    let chosen = Settings {
        auto_lock_minutes: 5,
        verification: VerificationPolicy::EveryUse,
        ..f.session.settings()
    };
    f.session.set_settings(chosen.clone()).unwrap();
    f.session.lock();
    std::thread::sleep(Duration::from_millis(100));
    OsKeychain::with_service(SERVICE)
        .delete(&f.vault_id())
        .unwrap();
    assert!(matches!(
        f.session.unlock(),
        Err(SessionError::Vault(VaultError::KeychainEntryMissing { .. }))
    ));
    let state = f.session.recovery_state();
    assert!(state.has_kit && state.can_recover);

    let calls = f.calls();
    f.session
        .recover(&key.to_lowercase().replace('-', " "))
        .unwrap();
    assert_eq!(f.calls(), calls + 1, "recover ran the OS check");
    assert!(!f.session.status().locked);
    assert_eq!(f.session.status().count, 1);
    assert_eq!(f.session.settings(), chosen);
    let log = f.session.activity(5).unwrap();
    assert_eq!(log[0].kind, ActivityKind::Recovered);
    assert!(log.iter().all(|e| e.kind != ActivityKind::SettingsReset));
    assert!(!f.session.recovery_state().can_recover);
    // The recovered passkey signs, and its counter carries on from the registration.
    assert_eq!(sign_in(&f, &passkey), 1);
    // The key is back in the keychain: a plain unlock works again.
    f.session.lock();
    std::thread::sleep(Duration::from_millis(100));
    f.session.unlock().unwrap();
    assert_eq!(sign_in(&f, &passkey), 2);
}

#[test]
fn wrong_mistyped_and_unchecked_keys_change_nothing() {
    let (f, _passkey, key) = with_kit();
    // A wrong key in the keychain: the lock screen offers Recover.
    OsKeychain::with_service(SERVICE)
        .store(&f.vault_id(), &DataKey::generate().unwrap())
        .unwrap();
    assert!(f.session.recovery_state().can_recover);
    let before = snapshot(&f.vault_dir());
    let entry = f.keychain_bytes();

    let mut chars: Vec<char> = key.chars().collect();
    chars[3] = if chars[3] == 'Z' { 'Y' } else { 'Z' };
    let mistyped: String = chars.into_iter().collect();
    let calls = f.calls();
    assert!(matches!(
        f.session.recover(&mistyped),
        Err(SessionError::Vault(VaultError::RecoveryKeyMistyped))
    ));
    assert!(matches!(
        f.session.recover("not a key"),
        Err(SessionError::Vault(VaultError::RecoveryKeyMalformed(_)))
    ));
    assert_eq!(f.calls(), calls, "a typo is refused before the OS check");

    let other = RecoveryKey::generate().unwrap();
    assert!(matches!(
        f.session.recover(&other.display()),
        Err(SessionError::Vault(VaultError::WrongRecoveryKey))
    ));
    f.gate.refuse.store(true, Ordering::SeqCst);
    assert!(matches!(
        f.session.recover(&key),
        Err(SessionError::Verification(_))
    ));
    f.gate.refuse.store(false, Ordering::SeqCst);
    assert!(f.session.status().locked);
    assert_eq!(snapshot(&f.vault_dir()), before, "a file changed");
    assert_eq!(f.keychain_bytes(), entry, "the keychain changed");

    // The right key fixes the wrong keychain entry.
    f.session.recover(&key).unwrap();
    assert_ne!(f.keychain_bytes(), entry);
    assert!(matches!(
        f.session.recover(&key),
        Err(SessionError::Invalid(_))
    ));
}

#[test]
fn a_new_kit_needs_the_os_check_and_retires_the_old() {
    let (f, passkey, old_key) = with_kit();
    assert!(matches!(
        f.session.new_recovery_kit(),
        Err(SessionError::Locked)
    ));
    f.session.unlock().unwrap();
    let old_state = f.session.recovery_state();
    f.gate.refuse.store(true, Ordering::SeqCst);
    let before = snapshot(&f.vault_dir())
        .into_iter()
        .find(|(p, _)| p.ends_with("recovery.json"));
    assert!(matches!(
        f.session.new_recovery_kit(),
        Err(SessionError::Verification(_))
    ));
    let after = snapshot(&f.vault_dir())
        .into_iter()
        .find(|(p, _)| p.ends_with("recovery.json"));
    assert_eq!(before, after, "a refused check makes no kit");
    f.gate.refuse.store(false, Ordering::SeqCst);
    let calls = f.calls();
    let kit = f.session.new_recovery_kit().unwrap();
    assert_eq!(f.calls(), calls + 1);
    assert_ne!(kit.key, old_key);
    assert!(f.session.recovery_state().created_at >= old_state.created_at);
    assert_eq!(
        f.session.activity(1).unwrap()[0].kind,
        ActivityKind::RecoveryKitCreated
    );
    f.session.lock();
    std::thread::sleep(Duration::from_millis(100));
    OsKeychain::with_service(SERVICE)
        .delete(&f.vault_id())
        .unwrap();
    assert!(matches!(
        f.session.recover(&old_key),
        Err(SessionError::Vault(VaultError::WrongRecoveryKey))
    ));
    f.session.recover(&kit.key).unwrap();
    assert_eq!(sign_in(&f, &passkey), 1);
}
