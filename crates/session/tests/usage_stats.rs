//! The use statistics a sign-in keeps in memory ("last used", use count, the exact counter) are
//! on disk after lock and after quit: read back by opening the vault again. A sign-in writes
//! them only when it reserves a new block of counters (latchkey-vault's usage.rs), so after
//! three sign-ins the disk holds the first one's statistics until lock or quit writes the rest.

mod common;
use common::webauthn::{register, rp, ORIGIN};
use common::{wait_prompt, Fixture, SERVICE};

use latchkey_authenticator::Door;
use latchkey_vault::{OsKeychain, PasskeyMeta, Vault};
use webauthn_rs::prelude::*;

/// Signs in through the session; webauthn-rs judges it. Returns the counter the site saw.
fn sign_in(f: &Fixture, passkey: &mut Passkey) -> u32 {
    let (rcr, state) = rp()
        .start_passkey_authentication(std::slice::from_ref(passkey))
        .unwrap();
    let s = f.session.clone();
    let options = serde_json::to_string(&rcr).unwrap();
    let t = std::thread::spawn(move || s.webauthn_get(Door::Cli, ORIGIN, &options));
    let p = wait_prompt(&f.session);
    f.session.answer_prompt(&p.id, true, None).unwrap();
    let response: PublicKeyCredential = serde_json::from_value(t.join().unwrap().unwrap()).unwrap();
    let result = rp()
        .finish_passkey_authentication(&response, &state)
        .expect("webauthn-rs accepts the sign-in");
    passkey.update_credential(&result);
    result.counter()
}

/// The only passkey's details as stored on disk (the session must be locked or gone).
fn stored(f: &Fixture) -> PasskeyMeta {
    let vault = Vault::open(&f.vault_dir(), &OsKeychain::with_service(SERVICE)).unwrap();
    let all = vault.list().unwrap();
    assert_eq!(all.len(), 1);
    all[0].clone()
}

fn three_sign_ins(f: &Fixture) -> Passkey {
    f.session.unlock().unwrap();
    let mut passkey = register(f, "alice");
    for expected in 1..=3 {
        assert_eq!(sign_in(f, &mut passkey), expected);
    }
    // While unlocked the list shows the live figures.
    let view = &f.session.list().unwrap()[0];
    assert_eq!(view.sign_count, 3);
    passkey
}

#[test]
fn statistics_are_written_at_lock() {
    let mut f = Fixture::new();
    let mut passkey = three_sign_ins(&f);
    f.session.lock();
    let m = stored(&f);
    assert_eq!((m.sign_count, m.use_count), (3, 3));
    assert!(m.last_used_at.is_some());
    // The next sign-in after unlocking again continues from the exact counter.
    f.restart();
    f.session.unlock().unwrap();
    assert_eq!(sign_in(&f, &mut passkey), 4);
}

#[test]
fn statistics_are_written_at_quit() {
    let mut f = Fixture::new();
    let mut passkey = three_sign_ins(&f);
    f.quit_and_restart();
    let m = stored(&f);
    assert_eq!((m.sign_count, m.use_count), (3, 3));
    assert!(m.last_used_at.is_some());
    f.session.unlock().unwrap();
    assert_eq!(sign_in(&f, &mut passkey), 4);
}
