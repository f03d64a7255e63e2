//! Crash leftovers and damage: an unfinished sled snapshot (what a kill during sled's snapshot
//! leaves), a damaged finished snapshot and a truncated log. Each time: what the person is told,
//! the copy kept before anything changes, and the repaired vault with every passkey.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use latchkey_vault::{repair, Vault, VaultError};

/// A vault holding `n` passkeys, closed again; returns the guard and the credential ids.
fn vault_with(n: u32) -> (TestVault, Vec<Vec<u8>>) {
    let (tv, vault) = TestVault::new();
    let mut ids = Vec::new();
    for i in 0..n {
        let r = record(i, "repair.example", "alice");
        vault.create(&r).unwrap();
        ids.push(r.credential_id.clone());
    }
    vault.rename(&ids[0], Some("Laptop")).unwrap();
    drop(vault);
    // One more open and close: sled writes its snapshot of the state above while opening.
    drop(tv.open());
    (tv, ids)
}

fn snapshots(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("db"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snap."))
        .collect();
    out.sort();
    out
}

/// An unfinished snapshot named after a later log position than the finished one, as a kill
/// between sled's create and write of `snap.<LSN>.generating` leaves it (empty, or partial).
fn plant_unfinished_snapshot(dir: &Path, content: &[u8]) -> PathBuf {
    let path = dir.join("db").join("snap.7FFFFFFFFFFFFFFF.generating");
    std::fs::write(&path, content).unwrap();
    path
}

fn assert_all_there(vault: &Vault, ids: &[Vec<u8>]) {
    assert_eq!(vault.count(), ids.len());
    for id in ids {
        let r = vault
            .get(id)
            .unwrap()
            .expect("every passkey is still there");
        assert!(r.private_key.starts_with(b"PRIVATE-KEY-BYTES-"));
    }
    assert_eq!(
        vault.meta(&ids[0]).unwrap().unwrap().nickname.as_deref(),
        Some("Laptop")
    );
}

#[test]
fn an_unfinished_snapshot_is_set_aside_and_kept_and_the_vault_opens() {
    for content in [&b""[..], &b"partial snapshot bytes, no checksum"[..]] {
        let (tv, ids) = vault_with(3);
        let dir = tv.dir.path();
        plant_unfinished_snapshot(dir, content);
        // sled 0.34.7 alone refuses this database for good ("Read corrupted data").
        let vault = Vault::open(dir, &keychain()).expect("the vault opens after the crash");
        assert_all_there(&vault, &ids);
        drop(vault);
        assert!(snapshots(dir).iter().all(|n| !n.ends_with(".generating")));
        // Kept, byte for byte, outside sled's directory.
        let kept: Vec<_> = std::fs::read_dir(dir.join("unfinished-snapshots"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(kept.len(), 1);
        assert!(kept[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("snap.7FFFFFFFFFFFFFFF.generating."));
        assert_eq!(std::fs::read(&kept[0]).unwrap(), content);
    }
}

#[test]
fn an_unfinished_snapshot_is_left_alone_while_another_process_holds_the_vault() {
    let (tv, _ids) = vault_with(1);
    let dir = tv.dir.path();
    let held = tv.open();
    let planted = plant_unfinished_snapshot(dir, b"");
    // sled's lock is held (here by this process's open vault): nothing is moved.
    assert!(matches!(
        Vault::open(dir, &keychain()),
        Err(VaultError::InUse { .. })
    ));
    assert!(planted.exists());
    drop(held);
}

#[test]
fn repair_of_an_unfinished_snapshot_keeps_a_copy_and_reports_it() {
    let (tv, ids) = vault_with(3);
    let dir = tv.dir.path();
    plant_unfinished_snapshot(dir, b"half");
    let before = snapshot(&dir.join("db"));
    let report = repair(dir, &keychain()).expect("repair");
    assert_eq!(
        report.unfinished_snapshots,
        vec!["snap.7FFFFFFFFFFFFFFF.generating".to_owned()]
    );
    assert!(!report.rebuilt_from_log);
    assert_eq!(report.passkeys, 3);
    // The copy is every vault file exactly as found.
    assert!(report
        .copy
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("damaged-"));
    assert_eq!(
        strip(&snapshot(&report.copy.join("db")), &report.copy),
        strip(&before, dir)
    );
    assert_eq!(
        std::fs::read(report.copy.join("vault.json")).unwrap(),
        std::fs::read(dir.join("vault.json")).unwrap()
    );
    let text = report.to_string();
    assert!(text.contains("unfinished snapshot"), "{text}");
    assert!(text.contains(&report.copy.display().to_string()), "{text}");
    assert_all_there(&tv.open(), &ids);
}

/// Paths relative to `base`, for comparing a copy with its original.
fn strip(files: &[(PathBuf, Vec<u8>)], base: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .iter()
        .map(|(p, b)| (p.strip_prefix(base).unwrap().to_path_buf(), b.clone()))
        .collect()
}

/// Where the log's written bytes end (the rest of sled's segment is zeros).
fn log_end(dir: &Path) -> usize {
    let log = std::fs::read(dir.join("db").join("db")).unwrap();
    log.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1)
}

#[test]
fn a_truncated_log_is_damaged_and_repair_rebuilds_it_from_the_log_after_keeping_a_copy() {
    let (tv, ids) = vault_with(3);
    let dir = tv.dir.path();
    // Everything acknowledged so far ends here; later writes come after it in the log.
    let end = log_end(dir);
    let vault = tv.open();
    for i in 0..20u32 {
        vault
            .append_log(format!("activity entry {i}").as_bytes())
            .unwrap();
    }
    drop(vault);
    drop(tv.open()); // sled's snapshot now names a log position past `end`
    assert!(log_end(dir) > end + 64);
    // The log loses its tail (a damaged disk, a bad copy): the passkeys' bytes are all kept.
    let log = dir.join("db").join("db");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len((end + 8) as u64)
        .unwrap();
    let truncated = std::fs::read(&log).unwrap();

    let err = Vault::open(dir, &keychain())
        .err()
        .expect("sled refuses the truncated log");
    assert!(matches!(err, VaultError::Damaged { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("damaged"), "{text}");
    assert!(text.contains("passkeys are most likely intact"), "{text}");
    assert!(text.contains("latchkey repair"), "{text}");
    assert!(text.contains("keeps a copy"), "{text}");
    // sled's failed recovery already zeroed the torn tail past the last whole entry (its own
    // doing, before any caller can act); every acknowledged byte before it is as it was.
    let damaged = std::fs::read(&log).unwrap();
    assert!(damaged[..end] == truncated[..end]);

    let report = repair(dir, &keychain()).expect("repair");
    assert!(report.rebuilt_from_log);
    assert_eq!(report.passkeys, 3);
    // The copy holds the damaged log exactly as it was found, and the snapshot set aside.
    assert!(std::fs::read(report.copy.join("db").join("db")).unwrap() == damaged);
    assert!(std::fs::read_dir(report.copy.join("set-aside-snapshots"))
        .unwrap()
        .next()
        .is_some());
    assert!(report.to_string().contains("rebuilt"), "{report}");
    let vault = tv.open();
    assert_all_there(&vault, &ids);
    // And it keeps working.
    vault.create(&record(9, "repair.example", "bob")).unwrap();
}

#[test]
fn a_damaged_snapshot_is_damaged_and_repair_keeps_every_passkey() {
    let (tv, ids) = vault_with(4);
    let dir = tv.dir.path();
    let snap = dir.join("db").join(
        snapshots(dir)
            .into_iter()
            .find(|n| !n.ends_with(".generating"))
            .unwrap(),
    );
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF; // its checksum no longer matches
    std::fs::write(&snap, &bytes).unwrap();
    let err = Vault::open(dir, &keychain()).err().expect("damaged");
    assert!(matches!(err, VaultError::Damaged { .. }), "{err:?}");
    let report = repair(dir, &keychain()).expect("repair");
    assert!(report.rebuilt_from_log);
    assert_eq!(report.passkeys, 4);
    assert_all_there(&tv.open(), &ids);
}

#[test]
fn repair_refuses_a_vault_in_use_and_changes_nothing() {
    let (tv, _ids) = vault_with(1);
    let dir = tv.dir.path();
    let held = tv.open();
    let before = snapshot(dir);
    assert!(matches!(
        repair(dir, &keychain()),
        Err(VaultError::InUse { .. })
    ));
    assert_eq!(snapshot(dir), before);
    drop(held);
}

#[test]
fn repair_of_no_vault_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        repair(&dir.path().join("none"), &keychain()),
        Err(VaultError::NotInitialized { .. })
    ));
}
