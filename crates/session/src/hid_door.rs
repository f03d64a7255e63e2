//! The virtual security key: Latchkey as a FIDO2 USB key for every program on this PC (browsers
//! without the extension, OpenSSH's `-sk` keys, pam_u2f, libfido2 tools).
//!
//! [`HidDoor`] answers the CTAPHID engine's requests through [`Session::ctap`], so a program
//! talking to the key meets the same prompt window, OS check and activity log as every other
//! door. [`HidService`] creates the `/dev/uhid` device and runs the engine on its own thread
//! until it is stopped (or dropped), which destroys the device.
//!
//! The prompt names the program that holds the device's `/dev/hidrawN` open, found by the door
//! in `/proc` (see `holders`), never a name a client sends. A program of another user is not
//! visible there: then the prompt names none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use latchkey_authenticator::{CtapState, Door};
use latchkey_ctaphid::{CtapHandler, Transaction};

use crate::approver::RequestInfo;
use crate::session::Session;

/// The device name programs list (`fido2-token -L`, a browser's security-key dialog).
pub const DEVICE_NAME: &str = "Latchkey virtual security key";

/// The most CTAPHID channels whose CTAP state is kept. Clients allocate a channel per session
/// with the key (a browser per request, a libfido2 tool per run); the least recently used
/// state goes first, which only makes that client start over (new key agreement, new token).
const MAX_CHANNEL_STATES: usize = 32;

/// The request's tag, by which CANCEL withdraws its prompt (unique per engine run).
fn tag(tx: &Transaction) -> String {
    format!("hid-{}", tx.id())
}

/// The CTAPHID engine's handler: raw CTAP into the session, one CTAP state per channel.
pub struct HidDoor {
    session: Arc<Session>,
    states: Mutex<HashMap<u32, (CtapState, Instant)>>,
    /// The hidraw node of our device, once it is known (the kernel adds it just after the
    /// device is created).
    node: Mutex<Option<PathBuf>>,
    /// How to find the node: the device's name (and `uniq`, when the device has one).
    device: Option<(String, String)>,
}

impl HidDoor {
    /// A door whose prompts name no program (tests over the in-memory transport, or a device
    /// whose node cannot be found).
    pub fn new(session: Arc<Session>) -> Self {
        HidDoor {
            session,
            states: Mutex::new(HashMap::new()),
            node: Mutex::new(None),
            device: None,
        }
    }

    /// A door for the uhid device named `name` (with `uniq`, empty if none): its prompts name
    /// the program holding the device's hidraw node.
    pub fn for_device(session: Arc<Session>, name: &str, uniq: &str) -> Self {
        HidDoor {
            device: Some((name.to_owned(), uniq.to_owned())),
            ..Self::new(session)
        }
    }

    /// The device's hidraw node, looked up until found.
    pub fn node(&self) -> Option<PathBuf> {
        let mut node = self.node.lock().unwrap();
        if node.is_none() {
            if let Some((name, uniq)) = &self.device {
                *node = hidraw_node(Path::new("/sys/class/hidraw"), name, uniq);
            }
        }
        node.clone()
    }

    /// The channel's state, or a fresh one (as after power-up) for a new channel.
    fn take_state(&self, channel: u32) -> CtapState {
        self.states
            .lock()
            .unwrap()
            .remove(&channel)
            .map(|(state, _)| state)
            .unwrap_or_default()
    }

    fn put_state(&self, channel: u32, state: CtapState) {
        let mut states = self.states.lock().unwrap();
        if states.len() >= MAX_CHANNEL_STATES {
            let oldest = states
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(cid, _)| *cid);
            if let Some(cid) = oldest {
                states.remove(&cid);
            }
        }
        states.insert(channel, (state, Instant::now()));
    }
}

impl CtapHandler for HidDoor {
    fn cbor(&self, request: &[u8], tx: &Transaction) -> Vec<u8> {
        if tx.is_cancelled() {
            return vec![latchkey_authenticator::CtapError::KeepaliveCancel.status()];
        }
        let client = self
            .node()
            .map(|node| holders(Path::new("/proc"), &node))
            .filter(|names| !names.is_empty())
            .map(|names| names.join(", "));
        let info = RequestInfo {
            tag: Some(tag(tx)),
            client,
        };
        let mut state = self.take_state(tx.channel());
        let answer = self.session.ctap(request, &mut state, info, &|needed| {
            tx.set_user_presence_needed(needed)
        });
        self.put_state(tx.channel(), state);
        answer
    }

    fn cancel(&self, tx: &Transaction) {
        // Also remembered when the prompt is not queued yet (see PromptQueue::cancel).
        self.session.cancel(Door::Hid, &tag(tx));
    }
}

/// The hidraw node (`/dev/hidrawN`) of the uhid device named `name` (and `uniq`, if not empty),
/// from `class` (`/sys/class/hidraw`). With several such devices, the newest (highest HID
/// instance number) is taken: the one this process just created, unless another was created
/// after it.
pub fn hidraw_node(class: &Path, name: &str, uniq: &str) -> Option<PathBuf> {
    let mut found: Option<(u32, String)> = None;
    for entry in std::fs::read_dir(class).ok()?.flatten() {
        let node = entry.file_name().to_string_lossy().into_owned();
        let device = entry.path().join("device");
        let Ok(uevent) = std::fs::read_to_string(device.join("uevent")) else {
            continue;
        };
        let field = |key: &str| {
            uevent
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or("")
                .to_owned()
        };
        if field("HID_NAME") != name || (!uniq.is_empty() && field("HID_UNIQ") != uniq) {
            continue;
        }
        // The device directory is "BUS:VID:PID.NNNN": NNNN grows with each device made.
        let instance = std::fs::canonicalize(&device)
            .ok()
            .and_then(|p| {
                let dir = p.file_name()?.to_string_lossy().into_owned();
                u32::from_str_radix(dir.rsplit('.').next()?, 16).ok()
            })
            .unwrap_or(0);
        if found.as_ref().is_none_or(|(best, _)| instance >= *best) {
            found = Some((instance, node));
        }
    }
    found.map(|(_, node)| Path::new("/dev").join(node))
}

/// The names of the processes (other than this one) that hold `node` open, from `proc`
/// (`/proc`): each process's `comm`, once per name, sorted. Only processes whose file
/// descriptors this user may read are seen.
pub fn holders(proc: &Path, node: &Path) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(proc) else {
        return names;
    };
    for entry in entries.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if pid == me || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == node));
        if holds {
            if let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) {
                let comm = comm.trim().to_owned();
                if !comm.is_empty() && !names.contains(&comm) {
                    names.push(comm);
                }
            }
        }
    }
    names.sort();
    names
}

/// Why the virtual security key could not start.
#[derive(Debug, thiserror::Error)]
pub enum HidError {
    /// Creating the uhid device failed; the message says what to do.
    #[error(transparent)]
    Device(#[from] latchkey_ctaphid::UhidError),
    /// The engine's thread could not be started.
    #[error("could not start the security key's thread: {0}")]
    Thread(std::io::Error),
}

/// The virtual security key while it runs: the uhid device plus the engine's thread. Stopping
/// (or dropping) it ends the thread and destroys the device, so programs see the key unplugged.
pub struct HidService {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Result<(), latchkey_ctaphid::TransportError>>>,
    door: Arc<HidDoor>,
}

impl HidService {
    /// Creates the device and starts answering it through `session`.
    #[cfg(target_os = "linux")]
    pub fn start(session: Arc<Session>) -> Result<HidService, HidError> {
        let device = latchkey_ctaphid::UhidDevice::create(DEVICE_NAME)?;
        let door = Arc::new(HidDoor::for_device(session, DEVICE_NAME, ""));
        Self::run(Box::new(device), door)
    }

    /// Runs the engine over `transport` (the uhid device, or an in-memory pipe in tests) on a
    /// thread of its own.
    pub fn run(
        mut transport: Box<dyn latchkey_ctaphid::Transport>,
        door: Arc<HidDoor>,
    ) -> Result<HidService, HidError> {
        let stop = Arc::new(AtomicBool::new(false));
        let handler = door.clone();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("latchkey-hid".into())
            .spawn(move || {
                let capabilities = latchkey_ctaphid::packet::CAPABILITY_CBOR
                    | latchkey_ctaphid::packet::CAPABILITY_WINK
                    | latchkey_ctaphid::packet::CAPABILITY_NMSG;
                latchkey_ctaphid::Engine::new(handler, capabilities).run(transport.as_mut(), &flag)
            })
            .map_err(HidError::Thread)?;
        Ok(HidService {
            stop,
            thread: Some(thread),
            door,
        })
    }

    /// The device's `/dev/hidrawN`, once the kernel has made it.
    pub fn node(&self) -> Option<PathBuf> {
        self.door.node()
    }

    /// Whether the engine still runs (it ends when the device fails).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the engine and destroys the device; returns the engine's error, if it failed.
    pub fn stop(mut self) -> Result<(), latchkey_ctaphid::TransportError> {
        self.halt()
    }

    fn halt(&mut self) -> Result<(), latchkey_ctaphid::TransportError> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            // A panic in the engine: the device is gone with its thread either way.
            Some(Err(_)) => Ok(()),
            None => Ok(()),
        }
    }
}

impl Drop for HidService {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn holders_names_the_processes_that_have_the_node_open() {
        // /proc as the door reads it, built in a temp dir: pid 10 and 11 hold the node, 12
        // holds something else, 13 cannot be read.
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("hidraw7");
        std::fs::write(&node, b"").unwrap();
        let other = dir.path().join("other");
        std::fs::write(&other, b"").unwrap();
        let proc = dir.path().join("proc");
        for (pid, comm, target) in [
            ("10", "chromium\n", &node),
            ("11", "ssh-keygen\n", &node),
            ("12", "bash\n", &other),
        ] {
            let fd = proc.join(pid).join("fd");
            std::fs::create_dir_all(&fd).unwrap();
            std::os::unix::fs::symlink(target, fd.join("3")).unwrap();
            std::fs::write(proc.join(pid).join("comm"), comm).unwrap();
        }
        std::fs::create_dir_all(proc.join("13")).unwrap();
        std::fs::create_dir_all(proc.join("self")).unwrap();
        assert_eq!(holders(&proc, &node), ["chromium", "ssh-keygen"]);
        assert!(holders(&proc, &dir.path().join("hidraw8")).is_empty());
    }

    #[test]
    fn hidraw_node_finds_the_newest_device_with_our_name() {
        let dir = tempfile::tempdir().unwrap();
        let devices = dir.path().join("devices");
        let class = dir.path().join("class");
        std::fs::create_dir_all(&class).unwrap();
        for (node, device, name, uniq) in [
            ("hidraw0", "0003:1050:0407.0001", "Yubico YubiKey", ""),
            ("hidraw3", "0003:1209:4C4B.0004", DEVICE_NAME, ""),
            ("hidraw5", "0003:1209:4C4B.000A", DEVICE_NAME, ""),
            ("hidraw6", "0003:1209:4C4B.000B", DEVICE_NAME, "other-user"),
        ] {
            let d = devices.join(device);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("uevent"),
                format!("DRIVER=hid-generic\nHID_NAME={name}\nHID_UNIQ={uniq}\n"),
            )
            .unwrap();
            std::fs::create_dir_all(class.join(node)).unwrap();
            std::os::unix::fs::symlink(&d, class.join(node).join("device")).unwrap();
        }
        assert_eq!(
            hidraw_node(&class, DEVICE_NAME, "other-user"),
            Some(PathBuf::from("/dev/hidraw6"))
        );
        // Without a uniq to tell them apart, the newest (instance 0x0B) wins.
        assert_eq!(
            hidraw_node(&class, DEVICE_NAME, ""),
            Some(PathBuf::from("/dev/hidraw6"))
        );
        assert_eq!(hidraw_node(&class, "Nothing", ""), None);
    }
}
