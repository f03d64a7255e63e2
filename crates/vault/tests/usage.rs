//! Counter reservation and batched use statistics (`usage.rs`), against the real keychain.
//! "What a crash leaves" is a copy of the data directory taken while the vault is open: sled
//! has flushed every acknowledged write, and nothing else is promised to be on disk.

mod common;

use std::path::Path;

use common::*;
use latchkey_vault::{Vault, COUNTER_BLOCK};

/// Copies the data directory as it is on disk now, as a crash would leave it.
fn crash_image(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            crash_image(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn open_image(tv: &TestVault) -> (tempfile::TempDir, Vault) {
    let copy = tempfile::tempdir().unwrap();
    crash_image(tv.dir.path(), copy.path());
    let vault = Vault::open(copy.path(), &keychain()).unwrap();
    (copy, vault)
}

#[test]
fn sign_ins_below_the_reserved_ceiling_write_nothing_and_a_crash_continues_above_it() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    for expected in 1..=3 {
        assert_eq!(vault.record_use(&a.credential_id, 100).unwrap(), expected);
    }
    // Only the first sign-in wrote: the ceiling of its block, with its statistics.
    let (_copy, after_crash) = open_image(&tv);
    let stored = after_crash.meta(&a.credential_id).unwrap().unwrap();
    assert_eq!(stored.sign_count, COUNTER_BLOCK, "the reserved ceiling");
    assert_eq!((stored.use_count, stored.last_used_at), (1, Some(100)));
    // After the crash the next counter is above every counter handed out (3).
    assert_eq!(
        after_crash.record_use(&a.credential_id, 200).unwrap(),
        COUNTER_BLOCK + 1
    );
}

#[test]
fn overlapping_sign_ins_across_several_blocks_never_share_a_counter() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    let per_thread = COUNTER_BLOCK as usize; // 4 threads: crosses four blocks
    let mut all: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..per_thread)
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
    let n = 4 * COUNTER_BLOCK;
    assert_eq!(all, (1..=n).collect::<Vec<_>>());
    let (_copy, after_crash) = open_image(&tv);
    let stored = after_crash
        .meta(&a.credential_id)
        .unwrap()
        .unwrap()
        .sign_count;
    assert!(
        (n..=n + COUNTER_BLOCK).contains(&stored),
        "the disk allows {stored}, handed out up to {n}"
    );
}

#[test]
fn statistics_and_the_exact_counter_are_written_at_lock() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    let b = record(2, "example.com", "bob");
    vault.create_many(&[a.clone(), b.clone()]).unwrap();
    for t in 1..=5 {
        vault.record_use(&a.credential_id, 1_000 + t).unwrap();
    }
    vault.record_use(&b.credential_id, 2_000).unwrap();
    vault.lock();

    let vault = tv.open();
    let m = vault.meta(&a.credential_id).unwrap().unwrap();
    assert_eq!(
        (m.sign_count, m.use_count, m.last_used_at),
        (5, 5, Some(1_005))
    );
    let m = vault.meta(&b.credential_id).unwrap().unwrap();
    assert_eq!(
        (m.sign_count, m.use_count, m.last_used_at),
        (1, 1, Some(2_000))
    );
    // A clean restart continues without a jump.
    assert_eq!(vault.record_use(&a.credential_id, 3_000).unwrap(), 6);
}

#[test]
fn a_timed_flush_writes_statistics_and_keeps_the_reservation() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    for t in [10, 20, 30] {
        vault.record_use(&a.credential_id, t).unwrap();
    }
    vault.flush_usage().unwrap();
    let (_copy, after_crash) = open_image(&tv);
    let m = after_crash.meta(&a.credential_id).unwrap().unwrap();
    assert_eq!((m.use_count, m.last_used_at), (3, Some(30)));
    assert_eq!(
        m.sign_count, COUNTER_BLOCK,
        "still the ceiling: no crash may go back"
    );
    // The next sign-in still needs no write: it stays below the ceiling.
    assert_eq!(vault.record_use(&a.credential_id, 40).unwrap(), 4);
}

#[test]
fn list_get_and_find_report_the_last_counter_handed_out() {
    let (_tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    for _ in 0..3 {
        vault.record_use(&a.credential_id, 77).unwrap();
    }
    let listed = &vault.list().unwrap()[0];
    assert_eq!(
        (listed.sign_count, listed.use_count, listed.last_used_at),
        (3, 3, Some(77))
    );
    let got = vault.get(&a.credential_id).unwrap().unwrap();
    assert_eq!((got.sign_count, got.use_count), (3, 3));
    let found = &vault.find_by_rp("example.com").unwrap()[0];
    assert_eq!((found.sign_count, found.use_count), (3, 3));
}

#[test]
fn a_passkey_deleted_after_use_is_not_written_back_at_lock() {
    let (tv, vault) = TestVault::new();
    let a = record(1, "example.com", "alice");
    vault.create(&a).unwrap();
    vault.record_use(&a.credential_id, 1).unwrap();
    vault.record_use(&a.credential_id, 2).unwrap();
    assert!(vault.delete(&a.credential_id).unwrap());
    assert!(vault.record_use(&a.credential_id, 3).is_err());
    // Created again under the same id, it starts from its own stored counter, not the old one.
    let mut again = a.clone();
    again.sign_count = 500;
    vault.create(&again).unwrap();
    assert_eq!(vault.record_use(&a.credential_id, 4).unwrap(), 501);
    assert!(vault.delete(&a.credential_id).unwrap());
    vault.lock();
    let vault = tv.open();
    assert!(vault.list().unwrap().is_empty());
}
