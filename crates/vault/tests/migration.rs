//! A vault written by the format-1 code (fixture dumped tree by tree from commit ea4af60) is
//! upgraded when it is opened: every record resealed with a version, the site index rebuilt,
//! the manifest written, the header moved to format 2.

mod common;

use common::*;
use latchkey_vault::{DataKey, KeyStore, Vault, VaultError};

/// The fixture has one vault id, so one keychain entry: its tests take turns.
static FIXTURE_ENTRY: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Format1 {
    _turn: std::sync::MutexGuard<'static, ()>,
    dir: tempfile::TempDir,
    vault_id: String,
    header: Vec<u8>,
}

impl Drop for Format1 {
    fn drop(&mut self) {
        let _ = keychain().delete(&self.vault_id);
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Lays the fixture out as a data directory and puts its key in the test keychain.
fn format1_vault() -> Format1 {
    let turn = FIXTURE_ENTRY.lock().unwrap_or_else(|e| e.into_inner());
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/format1_vault.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let header = serde_json::to_vec_pretty(&fixture["header"]).unwrap();
    std::fs::write(dir.path().join("vault.json"), &header).unwrap();
    let db = raw_db(dir.path());
    for (name, rows) in fixture["trees"].as_object().unwrap() {
        let tree = db.open_tree(name).unwrap();
        for row in rows.as_array().unwrap() {
            tree.insert(
                unhex(row[0].as_str().unwrap()),
                unhex(row[1].as_str().unwrap()),
            )
            .unwrap();
        }
    }
    db.flush().unwrap();
    drop(db);
    let vault_id = fixture["header"]["vault_id"].as_str().unwrap().to_owned();
    let key = DataKey::from_bytes(&unhex(fixture["data_key"].as_str().unwrap())).unwrap();
    keychain().store(&vault_id, &key).unwrap();
    Format1 {
        _turn: turn,
        dir,
        vault_id,
        header,
    }
}

fn header_format(dir: &std::path::Path) -> u64 {
    let h: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("vault.json")).unwrap()).unwrap();
    h["format"].as_u64().unwrap()
}

fn assert_contents(vault: &Vault) {
    let list = vault.list().unwrap();
    assert_eq!(list.len(), 3);
    let site = vault.find_by_rp("example.com").unwrap();
    assert_eq!(site.len(), 2);
    assert_eq!(site[0].nickname.as_deref(), Some("work"));
    assert_eq!(site[1].user_name.as_deref(), Some("bob@example.com"));
    let other = vault.find_by_rp("other.org").unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!((other[0].sign_count, other[0].use_count), (5, 1));
    assert_eq!(other[0].private_key, b"PRIVATE-KEY-BYTES-other.org-carol-3");
    assert!(vault.get(b"cred-id-example.com-dave-4").unwrap().is_none());
    let log = vault.read_log(10).unwrap();
    assert_eq!(
        log,
        vec![b"{\"entry\":2}".to_vec(), b"{\"entry\":1}".to_vec()]
    );
}

#[test]
fn a_format_1_vault_is_upgraded_on_open() {
    let v1 = format1_vault();
    let vault = Vault::open(v1.dir.path(), &keychain()).expect("format 1 opens");
    assert_contents(&vault);
    assert_eq!(
        vault.record_use(b"cred-id-other.org-carol-3", 1).unwrap(),
        6
    );
    vault.lock();
    assert_eq!(header_format(v1.dir.path()), 2);
    let raw = raw_trees(v1.dir.path());
    let index = &raw[b"by_rp".as_slice()];
    assert_eq!(index.len(), 3);
    assert!(index.iter().all(|(k, _)| k.len() == 32), "new index layout");
    assert_eq!(raw[b"manifest".as_slice()].len(), 1);

    // And it is protected from now on: the old sealed form of a record is refused.
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/format1_vault.json")).unwrap();
    let old_meta = &fixture["trees"]["meta"][0];
    {
        let db = raw_db(v1.dir.path());
        db.open_tree("meta")
            .unwrap()
            .insert(
                unhex(old_meta[0].as_str().unwrap()),
                unhex(old_meta[1].as_str().unwrap()),
            )
            .unwrap();
        db.flush().unwrap();
    }
    assert!(matches!(
        Vault::open(v1.dir.path(), &keychain()),
        Err(VaultError::RolledBack { .. })
    ));
}

#[test]
fn a_crash_after_the_database_upgrade_but_before_the_header_is_finished_on_open() {
    let v1 = format1_vault();
    Vault::open(v1.dir.path(), &keychain()).unwrap().lock();
    // The header write is the last step; put the format-1 header back as if it never happened.
    std::fs::write(v1.dir.path().join("vault.json"), &v1.header).unwrap();
    let vault = Vault::open(v1.dir.path(), &keychain()).expect("finishes the upgrade");
    assert_contents(&vault);
    assert_eq!(
        vault.record_use(b"cred-id-other.org-carol-3", 1).unwrap(),
        6
    );
    vault.lock();
    assert_eq!(header_format(v1.dir.path()), 2);
}

#[test]
fn a_format_1_vault_with_a_broken_record_is_left_untouched() {
    let v1 = format1_vault();
    {
        let db = raw_db(v1.dir.path());
        let meta = db.open_tree("meta").unwrap();
        let (k, v) = meta.iter().next().unwrap().unwrap();
        let mut broken = v.to_vec();
        let last = broken.len() - 1;
        broken[last] ^= 1;
        meta.insert(k, broken).unwrap();
        db.flush().unwrap();
    }
    let before = raw_trees(v1.dir.path());
    let err = Vault::open(v1.dir.path(), &keychain()).err().unwrap();
    assert!(matches!(err, VaultError::CorruptRecord(_)), "{err}");
    assert!(err.to_string().contains("left unchanged"), "{err}");
    assert!(raw_trees(v1.dir.path()) == before, "records changed");
    assert_eq!(header_format(v1.dir.path()), 1);
}
