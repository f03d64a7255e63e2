//! A private D-Bus daemon and a fake polkit on it: what an attacker who starts Latchkey can set
//! up without any privilege. Shared by the verify crate's tests and the CLI's (included by path).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use zbus::zvariant::OwnedValue;

/// A dbus-daemon of its own, listening in a temp dir, that lets every local user connect and
/// own any name. Killed when dropped.
pub struct PrivateBus {
    child: Child,
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl PrivateBus {
    /// Starts the daemon as `user` (`None`: as this process's user).
    pub fn start(user: Option<&str>) -> PrivateBus {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // Other local users must reach the socket: the attacker and the victim differ.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .unwrap();
        let mut cmd = match user {
            Some(u) => {
                let chown = Command::new("chown")
                    .arg(u)
                    .arg(dir.path())
                    .arg(&config)
                    .status()
                    .unwrap();
                assert!(
                    chown.success(),
                    "cannot hand a directory to {u}: run the tests as root through scripts/test-env.sh"
                );
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--", "dbus-daemon"]);
                c
            }
            None => Command::new("dbus-daemon"),
        };
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("dbus-daemon (package dbus)");
        // The address is printed once the daemon listens.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("unix:path="), "dbus-daemon said {line:?}");
        PrivateBus {
            child,
            socket,
            _dir: dir,
        }
    }

    pub fn address(&self) -> String {
        format!("unix:path={}", self.socket.display())
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: runuser forwards it to the daemon it started.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// polkit's Authority, faked: approves every check, as the 15-line attack in issue 6 did.
pub struct FakeAuthority {
    pub asked: Arc<AtomicUsize>,
}

#[zbus::interface(name = "org.freedesktop.PolicyKit1.Authority")]
impl FakeAuthority {
    fn check_authorization(
        &self,
        _subject: (String, HashMap<String, OwnedValue>),
        _action_id: String,
        _details: HashMap<String, String>,
        _flags: u32,
        _cancellation_id: String,
    ) -> (bool, bool, HashMap<String, String>) {
        self.asked.fetch_add(1, Ordering::SeqCst);
        (true, false, HashMap::new())
    }
}

/// Claims `org.freedesktop.PolicyKit1` on the bus at `address` and answers yes to everyone
/// while the returned connection lives. The counter counts the checks it was asked.
pub fn serve_fake_polkit(address: &str) -> (zbus::blocking::Connection, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let conn = zbus::blocking::connection::Builder::address(address)
        .unwrap()
        .name("org.freedesktop.PolicyKit1")
        .unwrap()
        .serve_at(
            "/org/freedesktop/PolicyKit1/Authority",
            FakeAuthority {
                asked: asked.clone(),
            },
        )
        .unwrap()
        .build()
        .expect("the fake polkit could not claim its name");
    (conn, asked)
}
