//! Issue 6: another local user must not be able to pose as the Latchkey app. The victim runs
//! the CLI as latchkey-test; the "attacker" plants a listening socket where the old code looked
//! (`$TMPDIR/latchkey-<uid>/` when XDG_RUNTIME_DIR is unset) or in a runtime dir that is not
//! the victim's. The victim's CLI must never send it anything nor print what it answers.
//! Run as root through scripts/test-env.sh (the files are handed to the test users).

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

const VICTIM: &str = "latchkey-test";
const ATTACKER: &str = "latchkey-deny";

/// Runs latchkey as the victim without XDG_RUNTIME_DIR (as under su or cron), plus `env`
/// (`NAME=value`).
fn as_victim(dir: &Path, env: &[&str], args: &[&str]) -> Run {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("no session bus: run the tests through scripts/test-env.sh");
    let bus_env = format!("DBUS_SESSION_BUS_ADDRESS={bus}");
    let bin = dir.parent().unwrap().join("latchkey");
    let mut prefix = vec![
        "runuser",
        "-u",
        VICTIM,
        "--",
        "env",
        "-u",
        "XDG_RUNTIME_DIR",
        &bus_env,
        "TMPDIR=/tmp",
    ];
    prefix.extend_from_slice(env);
    run_as(&prefix, &bin, dir, args, "")
}

/// A data dir the victim owns, with its own copy of the CLI.
fn victim_dir() -> DataDir {
    let d = DataDir::new();
    let copied = Command::new("cp")
        .arg(BIN)
        .arg(d.dir.path().join("latchkey"))
        .status()
        .unwrap();
    assert!(copied.success());
    chown(d.dir.path(), VICTIM);
    d
}

fn chown(path: &Path, user: &str) {
    let ok = Command::new("chown").arg(user).arg(path).status().unwrap();
    assert!(
        ok.success(),
        "cannot hand {} to {user}: run as root through scripts/test-env.sh",
        path.display()
    );
}

fn uid_of(user: &str) -> u32 {
    let out = Command::new("id").args(["-u", user]).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The impostor: answers every connection with a forged `list` (a passkey named with terminal
/// escapes) and counts connections and the bytes it received.
struct Impostor {
    connections: Arc<AtomicUsize>,
    received: Arc<AtomicUsize>,
}

impl Impostor {
    fn listen(path: &Path) -> Impostor {
        let listener = UnixListener::bind(path).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(AtomicUsize::new(0));
        let (c, r) = (connections.clone(), received.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
                    let mut buf = [0u8; 4096];
                    if let Ok(n) = stream.read(&mut buf) {
                        r.fetch_add(n, Ordering::SeqCst);
                    }
                    let forged = serde_json::json!({"v": 1, "id": 1, "ok": [{
                        "id": "Zm9yZ2Vk", "rpId": "bank.example", "rpName": "FORGED\u{1b}]0;pwned\u{7}",
                        "userName": "FORGED", "userDisplayName": null, "userHandle": "AA",
                        "nickname": null, "createdAt": 0, "lastUsedAt": null, "useCount": 0,
                        "signCount": 0, "algorithm": "ES256", "credProtect": 1,
                        "backupEligible": false, "backupState": false
                    }]});
                    let _ = stream.write_all(format!("{forged}\n").as_bytes());
                });
            }
        });
        Impostor {
            connections,
            received,
        }
    }

    fn connections(&self) -> usize {
        std::thread::sleep(Duration::from_millis(200));
        self.connections.load(Ordering::SeqCst)
    }

    fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }
}

/// A directory made by the attacker: theirs, open to the victim.
fn attacker_dir(path: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(path);
    std::fs::create_dir_all(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

fn socket_name(dir: &Path) -> String {
    latchkey_bridge::socket::socket_file_name(dir)
}

#[test]
fn the_old_shared_fallback_is_never_used() {
    let d = victim_dir();
    let dir = d.path();
    as_victim(&dir, &[], &["init"]).ok();
    let planted = attacker_dir(&PathBuf::from(format!("/tmp/latchkey-{}", uid_of(VICTIM))));
    let sock = planted.join(socket_name(&dir));
    let impostor = Impostor::listen(&sock);
    chown(&sock, ATTACKER);
    chown(&planted, ATTACKER);

    let list = as_victim(&dir, &[], &["list", "--json"]);
    let _ = std::fs::remove_dir_all(&planted);
    assert_eq!(
        impostor.connections(),
        0,
        "the CLI connected to the planted socket"
    );
    assert!(!list.stdout.contains("FORGED"), "{}", list.stdout);
    // It opened its own vault instead: the real, empty list.
    assert_eq!(list.ok().json(), serde_json::json!([]));
}

#[test]
fn a_runtime_dir_of_another_user_is_refused_with_a_reason() {
    let d = victim_dir();
    let dir = d.path();
    as_victim(&dir, &[], &["init"]).ok();
    // XDG_RUNTIME_DIR names a directory whose `latchkey` subdirectory the attacker made.
    let runtime = tempfile::tempdir().unwrap();
    std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let planted = attacker_dir(&runtime.path().join("latchkey"));
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o700)).unwrap();
    let sock = planted.join(socket_name(&dir));
    let impostor = Impostor::listen(&sock);
    chown(&sock, ATTACKER);
    // Reachable for the victim only for the sake of the test (the old client did not look).
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o755)).unwrap();
    chown(&planted, ATTACKER);
    let xdg = format!("XDG_RUNTIME_DIR={}", runtime.path().display());

    let list = as_victim(&dir, &[&xdg], &["list", "--json"]);
    assert_eq!(impostor.connections(), 0, "the CLI connected");
    assert_ne!(list.code, 0, "{}", list.stdout);
    assert!(!list.stdout.contains("FORGED"), "{}", list.stdout);
    assert!(
        list.stderr.contains(&format!(
            "refusing to talk to {}: owned by uid {}",
            planted.display(),
            uid_of(ATTACKER)
        )),
        "{}",
        list.stderr
    );
}

#[test]
fn a_listener_of_another_user_behind_the_victims_own_files_gets_nothing() {
    let d = victim_dir();
    let dir = d.path();
    as_victim(&dir, &[], &["init"]).ok();
    // Directory and socket file look right (the victim's, 0700), but the process that listens
    // is not the victim's (root here): only the peer credentials tell.
    let runtime = tempfile::tempdir().unwrap();
    std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let run_dir = runtime.path().join("latchkey");
    std::fs::create_dir(&run_dir).unwrap();
    std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let sock = run_dir.join(socket_name(&dir));
    let impostor = Impostor::listen(&sock);
    chown(&sock, VICTIM);
    chown(&run_dir, VICTIM);
    let xdg = format!("XDG_RUNTIME_DIR={}", runtime.path().display());

    let list = as_victim(&dir, &[&xdg], &["list", "--json"]);
    assert_ne!(list.code, 0, "{}", list.stdout);
    assert!(!list.stdout.contains("FORGED"), "{}", list.stdout);
    assert!(
        list.stderr
            .contains("the process listening there runs as uid 0"),
        "{}",
        list.stderr
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(impostor.received(), 0, "the CLI sent a request");
}
