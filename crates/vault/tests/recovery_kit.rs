//! The recovery kit against the real Secret Service: a vault whose keychain entry is lost, or
//! replaced by a wrong key, is opened again with its recovery key, and every refusal (wrong,
//! mistyped, retired or foreign key; no kit) leaves the data dir and the keychain as they were.

mod common;

use common::*;
use latchkey_authenticator::keys::CredentialKey;
use latchkey_vault::{alg, DataKey, KeyStore, PasskeyRecord, RecoveryKey, Vault, VaultError};

/// A passkey with a real private key, and the public key a site would have saved.
fn real_passkey(i: u32, rp: &str, algorithm: i64) -> (PasskeyRecord, Vec<u8>) {
    let key = CredentialKey::generate(algorithm).unwrap();
    let mut r = record(i, rp, "alice");
    r.algorithm = algorithm;
    r.private_key = key.to_pkcs8().to_vec();
    (r, key.spki_der())
}

/// Checks that `record`'s private key signs and that the site's saved key verifies it.
fn assert_signs(record: &PasskeyRecord, spki: &[u8]) {
    let key = CredentialKey::from_pkcs8(record.algorithm, &record.private_key).unwrap();
    assert_eq!(key.spki_der(), spki, "the recovered key is another key");
    let msg = b"authenticator data || client data hash";
    let sig = key.sign(msg);
    let (verify_alg, raw): (&dyn ring::signature::VerificationAlgorithm, &[u8]) =
        match record.algorithm {
            alg::ES256 => (
                &ring::signature::ECDSA_P256_SHA256_ASN1,
                &spki[spki.len() - 65..],
            ),
            alg::EDDSA => (&ring::signature::ED25519, &spki[spki.len() - 32..]),
            other => panic!("unexpected algorithm {other}"),
        };
    ring::signature::UnparsedPublicKey::new(verify_alg, raw)
        .verify(msg, &sig)
        .expect("the site's saved public key verifies the recovered passkey's signature");
}

struct Filled {
    tv: TestVault,
    passkeys: Vec<(PasskeyRecord, Vec<u8>)>,
    key: RecoveryKey,
}

/// A vault with passkeys of both algorithms and a kit, closed.
fn filled() -> Filled {
    let (tv, vault) = TestVault::new();
    let passkeys = vec![
        real_passkey(1, "example.com", alg::ES256),
        real_passkey(2, "example.com", alg::EDDSA),
        real_passkey(3, "other.org", alg::ES256),
    ];
    for (r, _) in &passkeys {
        vault.create(r).unwrap();
    }
    vault
        .record_use(&passkeys[0].0.credential_id, 1_800_000_000)
        .unwrap();
    let (key, info) = vault.new_recovery_key().unwrap();
    assert_eq!(info.vault_id, tv.id);
    vault.lock();
    Filled { tv, passkeys, key }
}

fn assert_everything_opens(vault: &Vault, passkeys: &[(PasskeyRecord, Vec<u8>)]) {
    assert_eq!(vault.list().unwrap().len(), passkeys.len());
    for (r, spki) in passkeys {
        let got = vault
            .get(&r.credential_id)
            .unwrap()
            .expect("passkey is back");
        assert_eq!(got.private_key, r.private_key);
        assert_eq!(got.rp_id, r.rp_id);
        assert_signs(&got, spki);
    }
    // Counters carried on.
    let first = vault.get(&passkeys[0].0.credential_id).unwrap().unwrap();
    assert_eq!(first.sign_count, 1);
    assert_eq!(
        vault
            .record_use(&passkeys[0].0.credential_id, 1_800_000_100)
            .unwrap(),
        2
    );
}

/// The keychain entry's raw bytes (None when missing), read straight from the Secret Service.
fn keychain_bytes(id: &str) -> Option<Vec<u8>> {
    keyring::Entry::new(SERVICE, id).unwrap().get_secret().ok()
}

#[test]
fn recover_after_the_keychain_entry_is_deleted() {
    let f = filled();
    keychain().delete(&f.tv.id).unwrap();
    assert!(matches!(
        Vault::open(f.tv.dir.path(), &keychain()),
        Err(VaultError::KeychainEntryMissing { .. })
    ));
    let typed = f.key.display().to_lowercase().replace('-', " ");
    let key = RecoveryKey::parse(&typed).unwrap();
    let vault = Vault::recover(f.tv.dir.path(), &keychain(), &key).unwrap();
    assert_eq!(vault.id(), f.tv.id);
    assert_everything_opens(&vault, &f.passkeys);
    vault.lock();
    // The key is back in the keychain: a plain open works again.
    let vault = f.tv.open();
    assert_eq!(vault.count(), f.passkeys.len());
}

#[test]
fn recover_replaces_a_wrong_key_in_the_keychain() {
    let f = filled();
    keychain()
        .store(&f.tv.id, &DataKey::generate().unwrap())
        .unwrap();
    assert!(matches!(
        Vault::open(f.tv.dir.path(), &keychain()),
        Err(VaultError::WrongKey)
    ));
    let vault = Vault::recover(f.tv.dir.path(), &keychain(), &f.key).unwrap();
    assert_everything_opens(&vault, &f.passkeys);
    vault.lock();
    f.tv.open().lock();
}

/// Every refusal: the data dir's bytes and the keychain entry are exactly as before.
fn assert_refused_and_unchanged(
    f: &Filled,
    key: &RecoveryKey,
    expect: impl Fn(&VaultError) -> bool,
) {
    let before = snapshot(f.tv.dir.path());
    let entry_before = keychain_bytes(&f.tv.id);
    let err = match Vault::recover(f.tv.dir.path(), &keychain(), key) {
        Ok(_) => panic!("recovered with a key that must be refused"),
        Err(e) => e,
    };
    assert!(expect(&err), "unexpected error: {err}");
    assert_eq!(snapshot(f.tv.dir.path()), before, "a file changed");
    assert_eq!(
        keychain_bytes(&f.tv.id),
        entry_before,
        "the keychain changed"
    );
}

#[test]
fn a_wrong_key_changes_nothing() {
    let f = filled();
    let other = RecoveryKey::generate().unwrap();
    // With the keychain entry present, and with it missing.
    assert_refused_and_unchanged(&f, &other, |e| matches!(e, VaultError::WrongRecoveryKey));
    keychain().delete(&f.tv.id).unwrap();
    assert_refused_and_unchanged(&f, &other, |e| matches!(e, VaultError::WrongRecoveryKey));
    assert_eq!(keychain_bytes(&f.tv.id), None, "nothing was stored");
    // The right key still works afterwards.
    Vault::recover(f.tv.dir.path(), &keychain(), &f.key)
        .unwrap()
        .lock();
}

#[test]
fn a_mistyped_key_is_refused_before_anything_is_read() {
    let f = filled();
    keychain().delete(&f.tv.id).unwrap();
    let before = snapshot(f.tv.dir.path());
    let good: Vec<char> = f.key.display().chars().filter(|c| *c != '-').collect();
    // One symbol changed.
    let mut changed = good.clone();
    changed[7] = if changed[7] == 'A' { 'B' } else { 'A' };
    // Two neighbours swapped (pick a pair that differs).
    let mut swapped = good.clone();
    let i = (0..good.len() - 1)
        .find(|&i| good[i] != good[i + 1])
        .unwrap();
    swapped.swap(i, i + 1);
    for typo in [changed, swapped] {
        let text: String = typo.into_iter().collect();
        assert!(matches!(
            RecoveryKey::parse(&text),
            Err(VaultError::RecoveryKeyMistyped)
        ));
    }
    assert!(matches!(
        RecoveryKey::parse(&good[..25].iter().collect::<String>()),
        Err(VaultError::RecoveryKeyMalformed(_))
    ));
    assert_eq!(snapshot(f.tv.dir.path()), before);
    assert!(keychain().load(&f.tv.id).is_err());
}

#[test]
fn a_new_kit_retires_the_old_one() {
    let f = filled();
    let vault = f.tv.open();
    let info_before = Vault::recovery_info(f.tv.dir.path()).unwrap().unwrap();
    let db_before = raw_trees_after_lock(vault);
    let vault = f.tv.open();
    let (new_key, info) = vault.new_recovery_key().unwrap();
    assert_ne!(info.kit_id, info_before.kit_id);
    assert_eq!(Vault::recovery_info(f.tv.dir.path()).unwrap(), Some(info));
    vault.lock();
    // Only recovery.json changed: the vault's records and header are as they were.
    assert_eq!(raw_trees(f.tv.dir.path()), db_before);
    assert_refused_and_unchanged(&f, &f.key, |e| matches!(e, VaultError::WrongRecoveryKey));
    keychain().delete(&f.tv.id).unwrap();
    let vault = Vault::recover(f.tv.dir.path(), &keychain(), &new_key).unwrap();
    assert_everything_opens(&vault, &f.passkeys);
}

fn raw_trees_after_lock(vault: Vault) -> RawTrees {
    let dir = vault.dir().to_path_buf();
    vault.lock();
    raw_trees(&dir)
}

#[test]
fn kit_file_is_private_and_names_no_site() {
    let f = filled();
    let path = f.tv.dir.path().join("recovery.json");
    let bytes = std::fs::read(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    for (r, _) in &f.passkeys {
        assert!(!contains(&bytes, r.rp_id.as_bytes()));
        assert!(!contains(&bytes, &r.credential_id));
        assert!(!contains(&bytes, b"alice"));
    }
    let text = f.key.display();
    assert!(!contains(&bytes, text.as_bytes()));
    assert!(!contains(&bytes, text.replace('-', "").as_bytes()));
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut fields: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["created_at", "format", "kit_id", "vault_id", "wrapped_key"]
    );
    assert_eq!(json["vault_id"], f.tv.id.as_str());
    // No temp file left behind.
    let names: Vec<String> = std::fs::read_dir(f.tv.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_vault_without_a_kit_says_so() {
    let (tv, vault) = TestVault::new();
    assert_eq!(Vault::recovery_info(tv.dir.path()).unwrap(), None);
    vault.lock();
    keychain().delete(&tv.id).unwrap();
    let before = snapshot(tv.dir.path());
    let key = RecoveryKey::generate().unwrap();
    assert!(matches!(
        Vault::recover(tv.dir.path(), &keychain(), &key),
        Err(VaultError::NoRecoveryKit { .. })
    ));
    assert_eq!(snapshot(tv.dir.path()), before);
    assert!(keychain().load(&tv.id).is_err());
    // No vault at all: said as such.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Vault::recover(empty.path(), &keychain(), &key),
        Err(VaultError::NotInitialized { .. })
    ));
}

#[test]
fn a_kit_from_another_vault_is_refused() {
    let a = filled();
    let b = filled();
    // B's kit copied into A's data dir, typed with B's key.
    std::fs::copy(
        b.tv.dir.path().join("recovery.json"),
        a.tv.dir.path().join("recovery.json"),
    )
    .unwrap();
    keychain().delete(&a.tv.id).unwrap();
    assert_refused_and_unchanged(&a, &b.key, |e| {
        matches!(e, VaultError::RecoveryKitForeign { .. })
    });
    // The same file with its vault id edited to A's: the wrapped key is bound to B's id.
    let path = a.tv.dir.path().join("recovery.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["vault_id"] = a.tv.id.clone().into();
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    assert_refused_and_unchanged(&a, &b.key, |e| matches!(e, VaultError::WrongRecoveryKey));
    // And A's own key does not open B's kit either.
    assert_refused_and_unchanged(&a, &a.key, |e| matches!(e, VaultError::WrongRecoveryKey));
    assert!(keychain().load(&a.tv.id).is_err());
}
