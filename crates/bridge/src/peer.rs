//! Who is on the other end of a connection, as the kernel tells it, not as the client claims.
//! The door shown on the prompt and written to the activity log comes from the peer's
//! executable: a client can put anything in a request's `door` field, and the person should see
//! that an unfamiliar program is asking.
//!
//! This names the program; it is not an authentication of it. Any process of the same user can
//! run a binary called `latchkey` (the socket already refuses other users), and a pid can in
//! principle be reused between connecting and the lookup. It tells the honest cases apart and
//! keeps a lie in the request from being shown as fact.

use std::path::{Path, PathBuf};

use crate::protocol::Door;

/// A connected client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub pid: i32,
    /// `/proc/<pid>/exe`, when it can be read (Linux; the same user's processes).
    pub exe: Option<PathBuf>,
}

impl Peer {
    /// The peer with these credentials, its executable looked up now.
    pub fn from_credentials(uid: u32, pid: i32) -> Peer {
        Peer {
            uid,
            pid,
            exe: executable_of(pid),
        }
    }

    /// The door this peer came through, from its executable's file name.
    pub fn door(&self) -> Door {
        self.exe.as_deref().map_or(Door::Program, door_of_exe)
    }
}

/// `latchkey` is the CLI, `latchkey-browser-host` the browser's native-messaging host,
/// `latchkey-hid` the virtual USB key; anything else is another program.
pub fn door_of_exe(exe: &Path) -> Door {
    let name = exe.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    // A binary replaced on disk since it started (an upgrade) reads "name (deleted)".
    match name.strip_suffix(" (deleted)").unwrap_or(name) {
        "latchkey" => Door::Cli,
        "latchkey-browser-host" => Door::Browser,
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
        let unknown = Peer {
            uid: 1,
            pid: 1,
            exe: None,
        };
        assert_eq!(unknown.door(), Door::Program);
    }
}
