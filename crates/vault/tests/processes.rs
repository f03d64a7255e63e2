//! Tests that need a second process: the vault held by another process, an unreachable
//! keychain, and crashes (SIGKILL) in the middle of writes. The child is this same test binary,
//! re-executed with an environment variable that selects its role.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use latchkey_vault::{Vault, VaultError};

const ROLE: &str = "LATCHKEY_VAULT_TEST_ROLE";
const DIR: &str = "LATCHKEY_VAULT_TEST_DIR";

fn child(role: &str, dir: &std::path::Path, test: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir);
    cmd
}

/// Child role: opens the vault, says so, then holds it until killed; or writes passkeys forever,
/// printing each credential id only after `create` has returned.
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var(DIR).unwrap());
    match role.as_str() {
        "hold" => {
            let _vault = Vault::open(&dir, &keychain()).unwrap();
            println!("OPEN");
            std::thread::sleep(Duration::from_secs(60));
        }
        "writer" => {
            let vault = Vault::open(&dir, &keychain()).unwrap();
            let base = std::process::id();
            for i in 0.. {
                let mut r = record(i, "crash.example", &format!("p{base}"));
                r.private_key = format!("KEY-{base}-{i}").into_bytes();
                vault.create(&r).unwrap();
                println!(
                    "ACK {}",
                    String::from_utf8(r.credential_id.clone()).unwrap()
                );
            }
        }
        "open-no-keychain" => match Vault::open(&dir, &keychain()) {
            Err(VaultError::KeychainUnavailable(_)) => println!("UNAVAILABLE"),
            other => println!("UNEXPECTED {:?}", other.err()),
        },
        _ => {}
    }
}

#[test]
fn vault_in_use_by_another_process() {
    let (tv, vault) = TestVault::new();
    vault.lock();
    let mut holder = child("hold", tv.dir.path(), "child_entry")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let said_open = BufReader::new(holder.stdout.as_mut().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("OPEN"));
    assert!(said_open, "the holder never opened the vault");
    let err = Vault::open(tv.dir.path(), &keychain())
        .err()
        .expect("must be refused");
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(matches!(err, VaultError::InUse { .. }), "{err}");
    tv.open();
}

#[test]
fn unreachable_keychain_is_a_clear_error() {
    let (tv, vault) = TestVault::new();
    vault.lock();
    let out = child("open-no-keychain", tv.dir.path(), "child_entry")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/latchkey-test-bus",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("UNAVAILABLE"), "child said {stdout}");
}

#[test]
fn acknowledged_passkeys_survive_sigkill() {
    let (tv, vault) = TestVault::new();
    vault.lock();
    let mut acked = Vec::new();
    // Pseudo-random kill points without a rand dependency: vary by round and pid.
    for round in 0..6u64 {
        let mut writer = child("writer", tv.dir.path(), "child_entry")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let delay = 150 + (u64::from(writer.id()) * 7919 + round * 104_729) % 600;
        let stdout = writer.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("ACK ").map(str::to_owned))
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(delay));
        writer.kill().unwrap(); // SIGKILL on unix
        writer.wait().unwrap();
        let got = reader.join().unwrap();
        eprintln!(
            "round {round}: killed after {delay} ms, {} acknowledged",
            got.len()
        );
        acked.extend(got);
    }
    assert!(!acked.is_empty(), "the writer never acknowledged a passkey");
    let vault = tv.open();
    for id in &acked {
        let r = vault
            .get(id.as_bytes())
            .unwrap()
            .unwrap_or_else(|| panic!("lost acknowledged {id}"));
        assert!(r.private_key.starts_with(b"KEY-"));
    }
    // Everything listed also opens whole (no torn record).
    for m in vault.list().unwrap() {
        assert!(vault.get(&m.credential_id).unwrap().is_some());
    }
}
