//! The opened-link store: keyed fingerprints of sign-in links opened before, sealed, durable,
//! covered by the manifest, and nothing readable on disk.

mod common;

use common::*;
use latchkey_vault::{Vault, VaultError};

/// What the session stores: a keyed fingerprint (here HMAC-SHA256 like latchkey-magiclink's,
/// computed with ring so the test stays on the vault's own dependencies).
fn fingerprint(key: &[u8; 32], url: &str) -> [u8; 32] {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::hmac::sign(&k, url.as_bytes()).as_ref());
    out
}

const LINK: &str = "https://bank.example/link/SECRET-TOKEN-abcdef0123456789";

#[test]
fn an_opened_link_is_remembered_across_reopen_and_others_are_not() {
    let (tv, vault) = TestVault::new();
    let key = vault.link_key();
    let fp = fingerprint(&key, LINK);
    let other = fingerprint(&key, "https://bank.example/link/another");
    assert!(!vault.link_opened(&fp).unwrap());
    vault.record_opened_link(&fp, 1_800_000_000).unwrap();
    assert!(vault.link_opened(&fp).unwrap());
    assert!(!vault.link_opened(&other).unwrap());
    vault.lock();
    let vault = tv.open();
    assert_eq!(
        *vault.link_key(),
        *key,
        "the link key is stable across unlocks"
    );
    assert!(vault.link_opened(&fp).unwrap(), "survives reopen");
    assert!(!vault.link_opened(&other).unwrap());
}

#[test]
fn the_link_key_is_its_own_and_differs_between_vaults() {
    let (_a, va) = TestVault::new();
    let (_b, vb) = TestVault::new();
    assert_ne!(*va.link_key(), *vb.link_key());
    // Not the settings MAC key under another name.
    assert_ne!(
        va.settings_mac(b"x").to_vec(),
        fingerprint(&va.link_key(), "x").to_vec()
    );
}

#[test]
fn nothing_about_the_link_is_readable_on_disk() {
    let (tv, vault) = TestVault::new();
    let key = vault.link_key();
    let fp = fingerprint(&key, LINK);
    vault.record_opened_link(&fp, 1_800_000_000).unwrap();
    vault.lock();
    let files = snapshot(tv.dir.path());
    for (path, bytes) in &files {
        for (what, needle) in [
            ("link", LINK.as_bytes().to_vec()),
            ("host", b"bank.example".to_vec()),
            ("token", b"SECRET-TOKEN".to_vec()),
            ("fingerprint", fp.to_vec()),
            ("link key", key.to_vec()),
        ] {
            assert!(
                !contains(bytes, &needle),
                "{what} found in {}",
                path.display()
            );
        }
    }
}

#[test]
fn removing_an_opened_link_record_behind_the_vaults_back_is_a_rollback() {
    let (tv, vault) = TestVault::new();
    vault.create(&record(1, "bank.example", "alice")).unwrap();
    let fp = fingerprint(&vault.link_key(), LINK);
    vault.record_opened_link(&fp, 1).unwrap();
    vault.lock();
    {
        // Forget the link as an attacker with write access to the data dir would.
        let db = raw_db(tv.dir.path());
        let links = db.open_tree("links").unwrap();
        assert_eq!(links.len(), 1, "one sealed record in the links tree");
        links.clear().unwrap();
        db.flush().unwrap();
    }
    match Vault::open(tv.dir.path(), &keychain()) {
        Err(VaultError::RolledBack { .. }) => {}
        Err(e) => panic!("expected RolledBack, got {e}"),
        Ok(_) => panic!("a forgotten opened link must not go unnoticed"),
    }
}
