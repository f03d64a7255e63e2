//! The polkit gate believes only the real polkit: a bus not run by root, or a polkit run by an
//! ordinary account, is refused before anything is asked. Needs root and the test users
//! (scripts/test-env.sh starts the system bus, polkitd and creates latchkey-deny).

#![cfg(target_os = "linux")]

#[path = "support/fake_bus.rs"]
mod fake_bus;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use fake_bus::{serve_fake_polkit, PrivateBus};
use latchkey_verify::{PolkitVerifier, VerificationRequest, Verifier, VerifyError};

const ROLE: &str = "LATCHKEY_VERIFY_TEST_ROLE";
const BUS: &str = "LATCHKEY_VERIFY_TEST_BUS";

fn request() -> VerificationRequest<'static> {
    VerificationRequest {
        operation: "sign in",
        rp_id: "example.com",
        account: Some("alice"),
    }
}

fn assert_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "these tests start processes as other users: run them as root through scripts/test-env.sh"
    );
}

/// Child role: the fake polkit, run as another user; prints READY, then ASKED on each check;
/// ends when its stdin closes (the test is done with it, or died).
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    assert_eq!(role, "fake-polkit");
    let (_conn, asked) = serve_fake_polkit(&std::env::var(BUS).unwrap());
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    println!("READY");
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let n = asked.load(Ordering::SeqCst);
        if n != seen {
            println!("ASKED {n}");
            seen = n;
        }
    }
}

/// This test binary, re-run as `user` in the fake-polkit role on `bus`.
struct FakePolkitAs {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    _bin_dir: tempfile::TempDir,
}

impl FakePolkitAs {
    fn start(user: &str, bus: &PrivateBus) -> FakePolkitAs {
        use std::os::unix::fs::PermissionsExt;
        let bin_dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = bin_dir.path().join("polkit_gate");
        // Copied by a child process, so no sibling test inherits a descriptor open for writing.
        let cp = Command::new("cp")
            .arg(std::env::current_exe().unwrap())
            .arg(&bin)
            .status()
            .unwrap();
        assert!(cp.success());
        let mut child = Command::new("runuser")
            .args(["-u", user, "--", "env"])
            .arg(format!("{ROLE}=fake-polkit"))
            .arg(format!("{BUS}={}", bus.address()))
            .arg(&bin)
            .args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(20))
                .expect("the fake polkit did not come up");
            if line.ends_with("READY") {
                break;
            }
        }
        FakePolkitAs {
            child,
            lines,
            _bin_dir: bin_dir,
        }
    }

    fn was_asked(&self) -> bool {
        std::thread::sleep(Duration::from_millis(100));
        self.lines.try_iter().any(|l| l.contains("ASKED"))
    }
}

impl Drop for FakePolkitAs {
    fn drop(&mut self) {
        // Closing its stdin ends the child (runuser passes the pipe through), then runuser.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn uid_of(user: &str) -> u32 {
    nix::unistd::User::from_name(user)
        .unwrap()
        .expect("test user missing: run through scripts/test-env.sh")
        .uid
        .as_raw()
}

#[test]
fn the_real_polkit_on_the_real_bus_passes_the_checks() {
    assert_root();
    // polkit approves root without asking: the checks on bus and owner let the real one through.
    assert_eq!(PolkitVerifier::new().verify(&request()), Ok(()));
}

#[test]
fn a_polkit_run_by_an_ordinary_account_is_not_believed() {
    assert_root();
    let bus = PrivateBus::start(None);
    let fake = FakePolkitAs::start("latchkey-deny", &bus);
    let result = PolkitVerifier::with_bus_socket(&bus.socket).verify(&request());
    match result {
        Err(VerifyError::Untrusted(why)) => {
            assert!(
                why.contains(&format!("uid {}", uid_of("latchkey-deny"))),
                "{why}"
            );
        }
        other => panic!("a fake polkit was believed: {other:?}"),
    }
    assert!(!fake.was_asked(), "the fake polkit was asked at all");
}

#[test]
fn a_bus_not_run_by_root_is_not_believed() {
    assert_root();
    let bus = PrivateBus::start(Some("latchkey-deny"));
    // Even a polkit name owned by root on that bus does not count.
    let (_conn, asked) = serve_fake_polkit(&bus.address());
    let result = PolkitVerifier::with_bus_socket(&bus.socket).verify(&request());
    match result {
        Err(VerifyError::Untrusted(why)) => assert!(why.contains("not by root"), "{why}"),
        other => panic!("a user's bus was believed: {other:?}"),
    }
    assert_eq!(asked.load(Ordering::SeqCst), 0);
}

#[test]
fn the_environment_does_not_choose_the_bus() {
    assert_root();
    // A fake polkit run by the refused user, on a bus it points DBUS_SYSTEM_BUS_ADDRESS at:
    // the verifier still asks the real polkit (which approves root) and never the fake.
    let bus = PrivateBus::start(None);
    let fake = FakePolkitAs::start("latchkey-deny", &bus);
    // Safety of set_var: this test binary's other tests do not read this variable.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
    let result = PolkitVerifier::new().verify(&request());
    std::env::remove_var("DBUS_SYSTEM_BUS_ADDRESS");
    assert_eq!(result, Ok(()));
    assert!(!fake.was_asked(), "the verifier followed the environment");
}
