//! `latchkey repair` as a person meets it: the vault no longer opens, the message says what to
//! do, `latchkey repair` keeps a copy and brings every passkey back, and sign-in works again.

mod common;

use std::path::Path;

use common::*;

fn create(dir: &Path, user: &str, handle: &str) -> String {
    create_with(
        &|a, i| run(dir, a, i),
        "https://example.com",
        "example.com",
        user,
        handle,
    )
    .ok()
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = run(dir, &["list", "--json"], "")
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Flips the checksum of sled's finished snapshot: damage a crash alone cannot cause.
fn damage_snapshot(dir: &Path) {
    let snap = std::fs::read_dir(dir.join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("snap.") && !n.ends_with(".generating")
        })
        .unwrap();
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&snap, bytes).unwrap();
}

#[test]
fn a_damaged_vault_says_to_run_repair_and_repair_brings_every_passkey_back() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let mut want = vec![
        create(&dir, "alice", "dXNlci1hbGljZQ"),
        create(&dir, "bob", "dXNlci1ib2I"),
    ];
    want.sort();
    assert_eq!(ids(&dir), want);
    damage_snapshot(&dir);

    let broken = run(&dir, &["list"], "");
    assert_eq!(broken.code, 5, "{}", broken.stderr);
    assert!(broken.stderr.contains("is damaged"), "{}", broken.stderr);
    assert!(
        broken.stderr.contains("passkeys are most likely intact"),
        "{}",
        broken.stderr
    );
    assert!(
        broken.stderr.contains("`latchkey repair`"),
        "{}",
        broken.stderr
    );

    let repaired = run(&dir, &["repair"], "").ok();
    assert!(
        repaired
            .stdout
            .contains("A copy of the vault as it was is kept in"),
        "{}",
        repaired.stdout
    );
    assert!(repaired.stdout.contains("rebuilt"), "{}", repaired.stdout);
    assert!(
        repaired.stdout.contains("all 2 passkey(s) in it open"),
        "{}",
        repaired.stdout
    );
    let copies: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("damaged-"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(dir.join(&copies[0]).join("db").join("db").is_file());
    assert!(dir.join(&copies[0]).join("vault.json").is_file());

    assert_eq!(ids(&dir), want);
    sign_in_with(
        &|a, i| run(&dir, a, i),
        "https://example.com",
        "example.com",
        &["--account", "alice"],
    )
    .ok();
}

#[test]
fn repair_of_a_healthy_vault_changes_nothing_but_keeps_a_copy() {
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let id = create(&dir, "alice", "dXNlci1hbGljZQ");
    let out = run(&dir, &["repair"], "").ok();
    assert!(
        out.stdout.contains("Nothing needed repairing"),
        "{}",
        out.stdout
    );
    assert_eq!(ids(&dir), vec![id]);
}
