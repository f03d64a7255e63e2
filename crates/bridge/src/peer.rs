//! Who is on the other end of a connection, as the kernel tells it, not as the client claims.
//! The door shown on the prompt and written to the activity log comes from the peer's
//! executable: a client can put anything in a request's `door` field, and the person should see
//! that an unfamiliar program is asking.
//!
//! The browser door is trusted more than the others (its prompts offer "use another device",
//! it may list a site's accounts for autofill), so it is given only to the one browser host
//! binary the app trusts ([`Doors`]): the peer's `/proc/<pid>/exe`, canonicalized, must be that
//! exact file. A program merely *named* `latchkey-browser-host` elsewhere is the "program" door.
//! The CLI and USB doors are still told apart by name: they are shown, not trusted.
//!
//! This identifies the executable, not what the process does with it: any process of the same
//! user could run the trusted host itself (feeding it frames on stdin) or attach a debugger to
//! it (where ptrace is allowed). The socket already refuses other users. A pid can in
//! principle be reused between connecting and the lookup.

use std::path::{Path, PathBuf};

use crate::protocol::Door;

/// The file name of the browser's native-messaging host, installed beside the app.
pub const BROWSER_HOST_NAME: &str = "latchkey-browser-host";

/// Which executables the server trusts as which door. Given to
/// [`crate::BridgeServer::serve`]; the app uses [`Doors::beside_current_exe`], in-process tests
/// name the host binary of their own build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Doors {
    /// The one browser host binary, canonicalized; `None`: no peer is the browser.
    browser_host: Option<PathBuf>,
}

impl Doors {
    /// No browser door at all: every peer is the CLI, USB or "program" door by name.
    pub fn without_browser() -> Doors {
        Doors::default()
    }

    /// Trusts `host` (canonicalized now; when it does not exist yet, its directory is
    /// canonicalized and the file name kept, so a host installed later is still recognised).
    pub fn with_browser_host(host: &Path) -> Doors {
        Doors {
            browser_host: Some(canonical(host)),
        }
    }

    /// The app's default: `latchkey-browser-host` in the directory of the running executable,
    /// which is where the packages and the dev tree put it.
    pub fn beside_current_exe() -> Doors {
        match std::env::current_exe() {
            Ok(exe) => {
                let exe = canonical(&exe);
                match exe.parent() {
                    Some(dir) => Doors::with_browser_host(&dir.join(BROWSER_HOST_NAME)),
                    None => Doors::without_browser(),
                }
            }
            Err(_) => Doors::without_browser(),
        }
    }

    /// The trusted browser host, if any.
    pub fn browser_host(&self) -> Option<&Path> {
        self.browser_host.as_deref()
    }

    /// The door of a peer running `exe` (`None`: unknown, the "program" door).
    pub fn door_of(&self, exe: Option<&Path>) -> Door {
        let Some(exe) = exe else {
            return Door::Program;
        };
        let door = door_of_exe(exe);
        if door != Door::Browser {
            return door;
        }
        // A binary replaced on disk since it started (an upgrade) reads "path (deleted)"; the
        // kernel still names the path it was started from, which only its owner can write.
        let text = exe.to_string_lossy();
        let started_from = Path::new(text.strip_suffix(" (deleted)").unwrap_or(&text));
        match &self.browser_host {
            Some(trusted) if started_from == trusted || canonical(started_from) == *trusted => {
                Door::Browser
            }
            _ => Door::Program,
        }
    }
}

/// `path` with symlinks resolved; when it does not exist, its directory resolved and the name
/// kept.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// A connected client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub pid: i32,
    /// `/proc/<pid>/exe`, when it can be read (Linux; the same user's processes).
    pub exe: Option<PathBuf>,
    /// The door, decided when it connected (see [`Doors::door_of`]).
    pub door: Door,
}

impl Peer {
    /// The peer with these credentials, its executable looked up now and its door decided by
    /// `doors`.
    pub fn from_credentials(uid: u32, pid: i32, doors: &Doors) -> Peer {
        let exe = executable_of(pid);
        let door = doors.door_of(exe.as_deref());
        Peer {
            uid,
            pid,
            exe,
            door,
        }
    }

    /// The door this peer came through.
    pub fn door(&self) -> Door {
        self.door
    }
}

/// The door an executable's file name suggests: `latchkey` is the CLI, `latchkey-browser-host`
/// *claims* to be the browser (only [`Doors::door_of`] grants it), `latchkey-hid` the virtual
/// USB key; anything else is another program.
pub fn door_of_exe(exe: &Path) -> Door {
    let name = exe.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    // A binary replaced on disk since it started (an upgrade) reads "name (deleted)".
    match name.strip_suffix(" (deleted)").unwrap_or(name) {
        "latchkey" => Door::Cli,
        BROWSER_HOST_NAME => Door::Browser,
        "latchkey-hid" => Door::Usb,
        _ => Door::Program,
    }
}

#[cfg(target_os = "linux")]
fn executable_of(pid: i32) -> Option<PathBuf> {
    if pid <= 0 {
        return None;
    }
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

#[cfg(not(target_os = "linux"))]
fn executable_of(_pid: i32) -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_come_from_the_executables_name() {
        assert_eq!(door_of_exe(Path::new("/usr/bin/latchkey")), Door::Cli);
        assert_eq!(
            door_of_exe(Path::new("/opt/l/latchkey (deleted)")),
            Door::Cli
        );
        assert_eq!(
            door_of_exe(Path::new("/usr/lib/latchkey/latchkey-browser-host")),
            Door::Browser
        );
        assert_eq!(door_of_exe(Path::new("/usr/bin/latchkey-hid")), Door::Usb);
        for other in ["/usr/bin/python3", "/tmp/latchkey-cli", "/x/Latchkey", "/"] {
            assert_eq!(door_of_exe(Path::new(other)), Door::Program, "{other}");
        }
        assert_eq!(Doors::without_browser().door_of(None), Door::Program);
    }

    #[test]
    fn only_the_trusted_host_path_is_the_browser() {
        let dir = tempfile::tempdir().unwrap();
        let host = dir.path().join(BROWSER_HOST_NAME);
        std::fs::write(&host, b"").unwrap();
        let doors = Doors::with_browser_host(&host);
        let real = std::fs::canonicalize(&host).unwrap();
        assert_eq!(doors.door_of(Some(&real)), Door::Browser);
        let deleted = PathBuf::from(format!("{} (deleted)", real.display()));
        assert_eq!(doors.door_of(Some(&deleted)), Door::Browser);
        let elsewhere = Path::new("/tmp/elsewhere").join(BROWSER_HOST_NAME);
        assert_eq!(doors.door_of(Some(&elsewhere)), Door::Program);
        assert_eq!(
            Doors::without_browser().door_of(Some(&real)),
            Door::Program,
            "no trusted host: nobody is the browser"
        );
        // The CLI is still the CLI by name, whatever the browser host.
        assert_eq!(
            doors.door_of(Some(Path::new("/usr/bin/latchkey"))),
            Door::Cli
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_trusted_path_is_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        std::fs::write(real_dir.join(BROWSER_HOST_NAME), b"").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real_dir, &link).unwrap();
        let doors = Doors::with_browser_host(&link.join(BROWSER_HOST_NAME));
        let exe = std::fs::canonicalize(real_dir.join(BROWSER_HOST_NAME)).unwrap();
        assert_eq!(doors.browser_host(), Some(exe.as_path()));
        assert_eq!(doors.door_of(Some(&exe)), Door::Browser);
    }
}
