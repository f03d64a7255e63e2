//! The site index on disk shows no grouping by site, and lookups by site stay exact through
//! deletes (which move the last entry of a site into the freed position).

mod common;

use common::*;

/// Length of the longest common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn index_keys(tv: &TestVault) -> Vec<Vec<u8>> {
    let db = raw_db(tv.dir.path());
    let tree = db.open_tree("by_rp").unwrap();
    tree.iter().map(|r| r.unwrap().0.to_vec()).collect()
}

fn ids(records: &[latchkey_vault::PasskeyRecord]) -> Vec<Vec<u8>> {
    let mut out: Vec<_> = records.iter().map(|r| r.credential_id.clone()).collect();
    out.sort();
    out
}

#[test]
fn index_keys_do_not_group_passkeys_by_site() {
    let (tv, vault) = TestVault::new();
    vault.create(&record(1, "one.example", "a")).unwrap();
    vault.create(&record(2, "two.example", "a")).unwrap();
    vault.create(&record(3, "two.example", "b")).unwrap();
    let five: Vec<_> = (10..15).map(|i| record(i, "five.example", "u")).collect();
    vault.create_many(&five).unwrap();
    vault.lock();

    let keys = index_keys(&tv);
    assert_eq!(keys.len(), 8, "one entry per passkey");
    for k in &keys {
        assert_eq!(k.len(), 32, "a key is one HMAC, no slot appended");
    }
    // 28 pairs of random 32-byte keys: a shared prefix of 4 bytes or more happens by chance
    // with probability about 28 / 2^32. The old layout shared 32 bytes within a site.
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert!(common_prefix(a, b) < 4, "two index keys share a prefix");
        }
    }
    // Values all have the same length, so they do not group either.
    let db = raw_db(tv.dir.path());
    let lens: std::collections::BTreeSet<usize> = db
        .open_tree("by_rp")
        .unwrap()
        .iter()
        .map(|r| r.unwrap().1.len())
        .collect();
    assert_eq!(lens.len(), 1);
}

#[test]
fn lookups_stay_exact_through_deletes() {
    let (tv, vault) = TestVault::new();
    let one = record(1, "one.example", "a");
    let two = [record(2, "two.example", "a"), record(3, "two.example", "b")];
    let five: Vec<_> = (10..15).map(|i| record(i, "five.example", "u")).collect();
    vault.create(&one).unwrap();
    vault.create_many(&two).unwrap();
    vault.create_many(&five).unwrap();

    // First of two (the last moves to position 0), a middle one and the last of five, the
    // only one of one.
    assert!(vault.delete(&two[0].credential_id).unwrap());
    assert!(vault.delete(&five[1].credential_id).unwrap());
    assert!(vault.delete(&five[4].credential_id).unwrap());
    assert!(vault.delete(&one.credential_id).unwrap());

    let check = |v: &latchkey_vault::Vault| {
        assert!(v.find_by_rp("one.example").unwrap().is_empty());
        assert_eq!(ids(&v.find_by_rp("two.example").unwrap()), ids(&two[1..]));
        let left = [five[0].clone(), five[2].clone(), five[3].clone()];
        assert_eq!(ids(&v.find_by_rp("five.example").unwrap()), ids(&left));
    };
    check(&vault);
    vault.lock();
    assert_eq!(index_keys(&tv).len(), 4, "no stale index entries");
    let vault = tv.open();
    check(&vault);

    // Positions were kept dense: adding again finds every passkey.
    let again = record(20, "five.example", "new");
    vault.create(&again).unwrap();
    assert_eq!(vault.find_by_rp("five.example").unwrap().len(), 4);
}

/// Chunks of every size around powers of two for one site, with deletes in between: the count
/// that `push` finds by searching (not by reading every entry) must be exactly the site's
/// number of passkeys, or entries would be lost past a hole or written over.
#[test]
fn chunked_imports_for_one_site_index_every_passkey_through_deletes() {
    let (tv, vault) = TestVault::new();
    let mut next = 0u32;
    let mut live = Vec::new();
    for size in [1usize, 1, 2, 3, 5, 7, 9, 15, 16, 17, 31, 33] {
        let chunk: Vec<_> = (0..size)
            .map(|_| {
                next += 1;
                record(next, "one.example", "u")
            })
            .collect();
        vault.create_many(&chunk).unwrap();
        live.extend(chunk);
        // Every third chunk, delete one from the middle (the last entry moves into its place).
        if size % 3 == 0 {
            let gone = live.remove(live.len() / 2);
            assert!(vault.delete(&gone.credential_id).unwrap());
        }
        assert_eq!(
            ids(&vault.find_by_rp("one.example").unwrap()),
            ids(&live),
            "after a chunk of {size}"
        );
    }
    vault.lock();
    assert_eq!(index_keys(&tv).len(), live.len(), "no stray entry");
}
