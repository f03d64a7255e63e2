//! Records put back to older sealed copies of themselves are noticed when the vault opens.
//! Each attack is done with raw sled on the closed vault, as someone with access to the data
//! directory (but not the keychain) could; the vault must refuse with `RolledBack` and leave
//! the files as they were.

mod common;

use common::*;
use latchkey_vault::{Vault, VaultError};

/// Opens `tv`'s vault, expecting `RolledBack` and no change on disk. sled rewrites its own
/// snapshot files whenever a database is opened, so "no change" is checked on what sled
/// stores (every tree, key and value) and on the header file.
fn assert_rolled_back(tv: &TestVault) {
    let header = std::fs::read(tv.dir.path().join("vault.json")).unwrap();
    let before = raw_trees(tv.dir.path());
    let err = Vault::open(tv.dir.path(), &keychain())
        .err()
        .expect("refused");
    assert!(matches!(err, VaultError::RolledBack { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("outside Latchkey"), "{text}");
    assert!(text.contains("Nothing was changed"), "{text}");
    assert!(
        raw_trees(tv.dir.path()) == before,
        "the refusal changed records"
    );
    assert!(
        std::fs::read(tv.dir.path().join("vault.json")).unwrap() == header,
        "the refusal changed the header"
    );
}

fn rows(dir: &std::path::Path, tree: &str) -> Vec<(sled::IVec, sled::IVec)> {
    let db = raw_db(dir);
    let t = db.open_tree(tree).unwrap();
    t.iter().map(|r| r.unwrap()).collect()
}

#[test]
fn meta_rolled_back_to_an_older_sealed_value_is_refused() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    vault.lock();
    let old = rows(tv.dir.path(), "meta");
    assert_eq!(old.len(), 1);

    let vault = tv.open();
    for _ in 0..3 {
        vault.record_use(&a.credential_id, 1_800_000_000).unwrap();
    }
    vault.lock();
    {
        let db = raw_db(tv.dir.path());
        let meta = db.open_tree("meta").unwrap();
        // Counter 3 → counter 0: the same slot, a value this vault itself once wrote.
        meta.insert(&old[0].0, old[0].1.clone()).unwrap();
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn a_deleted_passkeys_records_put_back_are_refused() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    let b = record(2, "example.com", "bob");
    vault.create_many(&[a.clone(), b.clone()]).unwrap();
    vault.lock();
    let before = raw_trees(tv.dir.path());

    let vault = tv.open();
    assert!(vault.delete(&b.credential_id).unwrap());
    vault.lock();
    {
        // Put back every row the delete removed, in every tree.
        let db = raw_db(tv.dir.path());
        for (name, old_rows) in &before {
            let tree = db.open_tree(name).unwrap();
            for (k, v) in old_rows {
                if !tree.contains_key(k).unwrap() {
                    tree.insert(k.as_slice(), v.as_slice()).unwrap();
                }
            }
        }
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn only_the_meta_and_secret_of_a_deleted_passkey_put_back_are_refused() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    vault.lock();
    let meta = rows(tv.dir.path(), "meta");
    let secret = rows(tv.dir.path(), "secret");
    let vault = tv.open();
    assert!(vault.delete(&a.credential_id).unwrap());
    vault.lock();
    {
        let db = raw_db(tv.dir.path());
        db.open_tree("meta")
            .unwrap()
            .insert(&meta[0].0, meta[0].1.clone())
            .unwrap();
        db.open_tree("secret")
            .unwrap()
            .insert(&secret[0].0, secret[0].1.clone())
            .unwrap();
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn a_removed_log_entry_is_refused() {
    let (tv, vault) = TestVault::new();
    for i in 0..3 {
        vault.append_log(format!("entry {i}").as_bytes()).unwrap();
    }
    vault.lock();
    {
        let db = raw_db(tv.dir.path());
        let log = db.open_tree("log").unwrap();
        let (first, _) = log.iter().next().unwrap().unwrap();
        log.remove(first).unwrap();
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn the_manifest_rolled_back_alone_is_refused() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    vault.lock();
    let old_manifest = rows(tv.dir.path(), "manifest");
    let vault = tv.open();
    vault.rename(&a.credential_id, Some("new name")).unwrap();
    vault.lock();
    {
        let db = raw_db(tv.dir.path());
        let m = db.open_tree("manifest").unwrap();
        m.insert(&old_manifest[0].0, old_manifest[0].1.clone())
            .unwrap();
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn a_removed_manifest_is_refused() {
    let (tv, vault) = TestVault::new();
    vault.create(&record(1, "example.com", "alice")).unwrap();
    vault.lock();
    {
        let db = raw_db(tv.dir.path());
        db.open_tree("manifest").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    assert_rolled_back(&tv);
}

#[test]
fn an_untampered_vault_opens_and_a_whole_older_copy_is_not_detected() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    vault.lock();
    let whole_copy = raw_trees(tv.dir.path());
    let vault = tv.open();
    vault.record_use(&a.credential_id, 1).unwrap();
    vault.lock();
    assert_eq!(
        tv.open().get(&a.credential_id).unwrap().unwrap().sign_count,
        1
    );
    // The documented limit: the whole database (manifest included) put back as it was is
    // self-consistent. Only an anchor outside the data directory could tell.
    {
        let db = raw_db(tv.dir.path());
        for (name, old_rows) in &whole_copy {
            let tree = db.open_tree(name).unwrap();
            tree.clear().unwrap();
            for (k, v) in old_rows {
                tree.insert(k.as_slice(), v.as_slice()).unwrap();
            }
        }
        db.flush().unwrap();
    }
    assert_eq!(
        tv.open().get(&a.credential_id).unwrap().unwrap().sign_count,
        0
    );
}

/// A tiny deterministic generator: the same "random" operations on every run.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

#[test]
fn a_vault_after_many_random_operations_opens_and_matches_a_model() {
    use std::collections::BTreeMap;
    let (tv, mut vault) = TestVault::new();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    // credential id → (rp, sign count, nickname)
    let mut model: BTreeMap<Vec<u8>, (String, u32, Option<String>)> = BTreeMap::new();
    let mut log_len = 0usize;
    let sites = ["a.example", "b.example", "c.example"];
    for step in 0..300u32 {
        match rng.next(6) {
            0 | 1 => {
                let rp = sites[rng.next(3) as usize];
                let r = record(step, rp, "u");
                vault.create(&r).unwrap();
                model.insert(r.credential_id.clone(), (rp.to_owned(), 0, None));
            }
            2 if !model.is_empty() => {
                let id = model
                    .keys()
                    .nth(rng.next(model.len() as u64) as usize)
                    .cloned();
                let id = id.unwrap();
                assert!(vault.delete(&id).unwrap());
                model.remove(&id);
            }
            3 if !model.is_empty() => {
                let id = model
                    .keys()
                    .nth(rng.next(model.len() as u64) as usize)
                    .cloned();
                let id = id.unwrap();
                let counter = vault.record_use(&id, u64::from(step)).unwrap();
                let entry = model.get_mut(&id).unwrap();
                entry.1 += 1;
                assert_eq!(counter, entry.1);
            }
            4 if !model.is_empty() => {
                let id = model
                    .keys()
                    .nth(rng.next(model.len() as u64) as usize)
                    .cloned();
                let id = id.unwrap();
                let name = format!("nick {step}");
                vault.rename(&id, Some(&name)).unwrap();
                model.get_mut(&id).unwrap().2 = Some(name);
            }
            _ => {
                vault.append_log(format!("step {step}").as_bytes()).unwrap();
                log_len += 1;
            }
        }
        if step % 50 == 49 {
            vault.lock();
            vault = tv.open();
        }
    }
    vault.lock();
    let vault = tv.open();
    let listed = vault.list().unwrap();
    assert_eq!(listed.len(), model.len());
    for m in &listed {
        let (rp, count, nick) = &model[&m.credential_id];
        assert_eq!((&m.rp_id, m.sign_count, &m.nickname), (rp, *count, nick));
    }
    for rp in sites {
        let mut found: Vec<_> = vault
            .find_by_rp(rp)
            .unwrap()
            .iter()
            .map(|r| r.credential_id.clone())
            .collect();
        found.sort();
        let expected: Vec<_> = model
            .iter()
            .filter(|(_, (site, _, _))| site == rp)
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(found, expected, "{rp}");
    }
    assert_eq!(vault.read_log(usize::MAX).unwrap().len(), log_len);
}
