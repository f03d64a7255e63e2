//! The vault against the real OS keychain: operations, persistence, and every refusal path
//! leaving the disk untouched.

mod common;

use common::*;
use latchkey_vault::{DataKey, KeyStore, Vault, VaultError};

#[test]
fn round_trip_and_persistence() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    let b = record(2, "example.com", "bob");
    let c = record(3, "other.org", "alice");
    vault.create(&a).unwrap();
    vault.create_many(&[b.clone(), c.clone()]).unwrap();
    assert_eq!(vault.get(&a.credential_id).unwrap().unwrap(), a);
    assert!(matches!(vault.create(&a), Err(VaultError::Duplicate)));
    vault.rename(&a.credential_id, Some("work")).unwrap();
    vault
        .update_user(&b.credential_id, Some("bobby"), None)
        .unwrap();
    for expected in 1..=7 {
        assert_eq!(
            vault.record_use(&c.credential_id, 1_800_000_000).unwrap(),
            expected
        );
    }
    vault.lock();

    let vault = tv.open();
    let site = vault.find_by_rp("example.com").unwrap();
    assert_eq!(site.len(), 2);
    assert_eq!(site[0].nickname.as_deref(), Some("work"));
    assert_eq!(site[1].user_name.as_deref(), Some("bobby"));
    assert_eq!(site[1].user_display_name, None);
    let other = vault.find_by_rp("other.org").unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!((other[0].sign_count, other[0].use_count), (7, 7));
    assert_eq!(other[0].last_used_at, Some(1_800_000_000));
    assert_eq!(other[0].private_key, c.private_key);
    assert!(vault.find_by_rp("example.co").unwrap().is_empty());
    assert_eq!(vault.list().unwrap().len(), 3);

    assert!(vault.delete(&b.credential_id).unwrap());
    assert!(!vault.delete(&b.credential_id).unwrap());
    assert!(matches!(
        vault.rename(&b.credential_id, None),
        Err(VaultError::NotFound)
    ));
    vault.lock();
    let vault = tv.open();
    assert_eq!(vault.find_by_rp("example.com").unwrap().len(), 1);
    assert_eq!(vault.get(&b.credential_id).unwrap(), None);
}

#[test]
fn duplicate_in_a_batch_writes_nothing() {
    let (_tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    let err = vault.create_many(&[record(2, "example.com", "bob"), a.clone()]);
    assert!(matches!(err, Err(VaultError::Duplicate)));
    assert_eq!(vault.list().unwrap().len(), 1);
}

#[test]
fn two_data_dirs_have_two_keychain_entries() {
    let (t1, v1) = TestVault::new();
    let (t2, v2) = TestVault::new();
    assert_ne!(v1.id(), v2.id());
    let k1 = keychain().load(&t1.id).unwrap();
    let k2 = keychain().load(&t2.id).unwrap();
    assert_ne!(format!("{:?}", k1.clone()), "");
    // Keys differ: vault 2's key does not open vault 1.
    v1.lock();
    keychain().store(&t1.id, &k2).unwrap();
    assert!(matches!(
        Vault::open(t1.dir.path(), &keychain()),
        Err(VaultError::WrongKey)
    ));
    keychain().store(&t1.id, &k1).unwrap();
    Vault::open(t1.dir.path(), &keychain()).unwrap();
    drop(v2);
}

#[test]
fn open_on_empty_dir_is_not_initialized_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing-here");
    assert!(matches!(
        Vault::open(&path, &keychain()),
        Err(VaultError::NotInitialized { .. })
    ));
    assert!(!path.exists());
}

#[test]
fn init_twice_is_refused() {
    let (tv, vault) = TestVault::new();
    vault.lock();
    assert!(matches!(
        Vault::init(tv.dir.path(), &keychain()),
        Err(VaultError::AlreadyInitialized { .. })
    ));
    tv.open();
}

#[test]
fn missing_keychain_entry_changes_nothing() {
    let (tv, vault) = TestVault::new();
    vault.create(&record(1, "example.com", "alice")).unwrap();
    vault.lock();
    let key = keychain().load(&tv.id).unwrap();
    keychain().delete(&tv.id).unwrap();
    let before = snapshot(tv.dir.path());
    let err = Vault::open(tv.dir.path(), &keychain()).err().unwrap();
    assert!(
        matches!(err, VaultError::KeychainEntryMissing { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("missing from the OS keychain"));
    assert_eq!(snapshot(tv.dir.path()), before);
    keychain().store(&tv.id, &key).unwrap();
    assert_eq!(tv.open().list().unwrap().len(), 1);
}

#[test]
fn wrong_key_changes_nothing() {
    let (tv, vault) = TestVault::new();
    vault.create(&record(1, "example.com", "alice")).unwrap();
    vault.lock();
    let key = keychain().load(&tv.id).unwrap();
    keychain()
        .store(&tv.id, &DataKey::generate().unwrap())
        .unwrap();
    let before = snapshot(tv.dir.path());
    assert!(matches!(
        Vault::open(tv.dir.path(), &keychain()),
        Err(VaultError::WrongKey)
    ));
    assert_eq!(snapshot(tv.dir.path()), before);
    keychain().store(&tv.id, &key).unwrap();
    assert_eq!(tv.open().list().unwrap().len(), 1);
}

#[test]
fn record_moved_to_another_slot_is_corrupt_and_kept() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    let b = record(2, "example.com", "bob");
    vault.create_many(&[a.clone(), b.clone()]).unwrap();
    vault.lock();
    {
        // Swap the two sealed secrets with raw sled, as an attacker with disk access could.
        let db = raw_db(tv.dir.path());
        let secret = db.open_tree("secret").unwrap();
        let rows: Vec<_> = secret.iter().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        secret.insert(&rows[0].0, rows[1].1.clone()).unwrap();
        secret.insert(&rows[1].0, rows[0].1.clone()).unwrap();
        db.flush().unwrap();
    }
    let vault = tv.open();
    assert!(matches!(
        vault.get(&a.credential_id),
        Err(VaultError::CorruptRecord(_))
    ));
    assert!(matches!(
        vault.find_by_rp("example.com"),
        Err(VaultError::CorruptRecord(_))
    ));
    // Metadata is intact, so the list still shows both; nothing was deleted.
    assert_eq!(vault.list().unwrap().len(), 2);
}

#[test]
fn ten_thousand_records_list_without_opening_secrets() {
    let (_tv, vault) = TestVault::new();
    let records: Vec<_> = (0..10_000)
        .map(|i| record(i, &format!("site{}.example", i % 500), "u"))
        .collect();
    vault.create_many(&records).unwrap();
    let started = std::time::Instant::now();
    let list = vault.list().unwrap();
    eprintln!("listed {} passkeys in {:?}", list.len(), started.elapsed());
    assert_eq!(list.len(), 10_000);
    assert_eq!(vault.find_by_rp("site7.example").unwrap().len(), 20);
}

#[test]
fn concurrent_record_use_hands_out_each_counter_once() {
    let (_tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    let mut all: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..25)
                        .map(|_| vault.record_use(&a.credential_id, 1).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    all.sort();
    assert_eq!(all, (1..=100).collect::<Vec<_>>());
    let m = vault.meta(&a.credential_id).unwrap().unwrap();
    assert_eq!((m.sign_count, m.use_count), (100, 100));
}

#[test]
fn contains_answers_without_opening_records() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    assert!(vault.contains(&a.credential_id).unwrap());
    assert!(!vault.contains(b"some other id").unwrap());
    assert!(!vault
        .contains(&a.credential_id[..a.credential_id.len() - 1])
        .unwrap());
    vault.delete(&a.credential_id).unwrap();
    assert!(!vault.contains(&a.credential_id).unwrap());
    vault.create(&a).unwrap();
    vault.lock();
    // The answer survives a reopen (it comes from the stored slot, not a cache).
    let vault = tv.open();
    assert!(vault.contains(&a.credential_id).unwrap());
}
