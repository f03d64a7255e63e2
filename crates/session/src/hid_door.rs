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

use latchkey_authenticator::{command, CtapState, Door};
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
    /// How to find the node: the device's uniq string (HID_UNIQ in sysfs).
    uniq: Option<String>,
    /// Told about each request once it is answered (`latchkey hid serve` prints a line).
    observer: Option<Observer>,
}

/// What is told about each answered request.
type Observer = Box<dyn Fn(&Answered) + Send + Sync>;

/// One request the door answered, for a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub channel: u32,
    /// The CTAP command byte (0x01 makeCredential, ...).
    pub command: u8,
    /// The answer's CTAP status byte (0 = success).
    pub status: u8,
    /// The program(s) holding the device, when found.
    pub client: Option<String>,
    pub elapsed: std::time::Duration,
}

/// The CTAP command's name as the spec writes it, for log lines.
pub fn command_name(command: u8) -> &'static str {
    match command {
        0x01 => "makeCredential",
        0x02 => "getAssertion",
        0x04 => "getInfo",
        0x06 => "clientPIN",
        0x07 => "reset",
        0x08 => "getNextAssertion",
        0x0A | 0x41 => "credentialManagement",
        0x0B => "selection",
        _ => "unknown command",
    }
}

impl HidDoor {
    /// A door whose prompts name no program (tests over the in-memory transport, or a device
    /// whose node cannot be found).
    pub fn new(session: Arc<Session>) -> Self {
        HidDoor {
            session,
            states: Mutex::new(HashMap::new()),
            node: Mutex::new(None),
            uniq: None,
            observer: None,
        }
    }

    /// A door for the uhid device created with `uniq`: its prompts name the program holding
    /// the device's hidraw node.
    pub fn for_device(session: Arc<Session>, uniq: &str) -> Self {
        HidDoor {
            uniq: Some(uniq.to_owned()),
            ..Self::new(session)
        }
    }

    /// Calls `observer` after each request with what was asked and answered.
    pub fn on_answered(mut self, observer: impl Fn(&Answered) + Send + Sync + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// The device's hidraw node, looked up until found.
    pub fn node(&self) -> Option<PathBuf> {
        let mut node = self.node.lock().unwrap();
        if node.is_none() {
            if let Some(uniq) = &self.uniq {
                *node = latchkey_ctaphid::uhid::find_hidraw(Path::new("/sys/class/hidraw"), uniq);
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
        // The /proc scan only for requests that can show a prompt: the others (getInfo,
        // clientPIN, credential management's listing) come many per ceremony.
        let may_prompt = matches!(
            request.first(),
            Some(&(command::MAKE_CREDENTIAL | command::GET_ASSERTION | command::SELECTION))
        );
        let client = may_prompt
            .then(|| self.node())
            .flatten()
            .map(|node| holders(Path::new("/proc"), &node))
            .filter(|names| !names.is_empty())
            .map(|names| names.join(", "));
        let started = Instant::now();
        let info = RequestInfo {
            tag: Some(tag(tx)),
            client: client.clone(),
        };
        let mut state = self.take_state(tx.channel());
        let answer = self.session.ctap(request, &mut state, info, &|needed| {
            tx.set_user_presence_needed(needed)
        });
        self.put_state(tx.channel(), state);
        if let Some(observer) = &self.observer {
            observer(&Answered {
                channel: tx.channel(),
                command: request.first().copied().unwrap_or(0),
                status: answer.first().copied().unwrap_or(0x7F),
                client,
                elapsed: started.elapsed(),
            });
        }
        answer
    }

    fn cancel(&self, tx: &Transaction) {
        // Also remembered when the prompt is not queued yet (see PromptQueue::cancel).
        self.session.cancel(Door::Hid, &tag(tx));
    }
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
        Self::start_with(session, |door| door)
    }

    /// [`HidService::start`], with the door adjusted by `configure` first (an observer).
    #[cfg(target_os = "linux")]
    pub fn start_with(
        session: Arc<Session>,
        configure: impl FnOnce(HidDoor) -> HidDoor,
    ) -> Result<HidService, HidError> {
        let device = latchkey_ctaphid::UhidDevice::create(DEVICE_NAME)?;
        let door = Arc::new(configure(HidDoor::for_device(session, device.uniq())));
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

/// What the app's Settings shows about the virtual security key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HidKeyStatus {
    /// Whether the device can be created here at all (`/dev/uhid` usable).
    pub available: bool,
    /// Whether the key runs now (setting on, vault unlocked, device created).
    pub running: bool,
    /// Why it cannot run, or why it stopped, and what to do; `None` when nothing is wrong.
    pub problem: Option<String>,
}

/// Keeps the virtual security key running exactly while the vault is unlocked and the setting
/// is on: [`HidKeeper::sync`] starts or stops it to match (the app calls it when the session
/// locks, unlocks or its settings change, and on a timer), [`HidKeeper::shutdown`] at quit.
#[derive(Default)]
pub struct HidKeeper {
    service: Mutex<Option<HidService>>,
    /// Why the last start failed (or the engine stopped); cleared when it runs again or the
    /// setting goes off. A failed start is not retried until the setting, the lock state or
    /// the device's availability changes, so a missing /dev/uhid is not tried every tick.
    problem: Mutex<Option<(String, Wanted)>>,
}

/// What the keeper last tried to honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wanted {
    on: bool,
    available: bool,
}

impl HidKeeper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts or stops the key to match the session: on while unlocked with `hid_key` set.
    #[cfg(target_os = "linux")]
    pub fn sync(&self, session: &Arc<Session>) {
        self.sync_with(session, latchkey_ctaphid::uhid_status().is_ready(), || {
            HidService::start(session.clone())
        })
    }

    /// Not Linux: there is no /dev/uhid; the setting stays without effect.
    #[cfg(not(target_os = "linux"))]
    pub fn sync(&self, session: &Arc<Session>) {
        self.sync_with(session, false, || {
            Err(HidError::Device(latchkey_ctaphid::UhidError::Unsupported))
        })
    }

    /// [`HidKeeper::sync`] with the availability and the start given (tests run it with an
    /// in-memory device).
    pub fn sync_with(
        &self,
        session: &Arc<Session>,
        available: bool,
        start: impl FnOnce() -> Result<HidService, HidError>,
    ) {
        let on = !session.status().locked && session.settings().hid_key;
        let wanted = Wanted { on, available };
        let mut service = self.service.lock().unwrap();
        let mut problem = self.problem.lock().unwrap();
        if let Some(s) = service.as_ref() {
            if on && s.is_running() {
                return;
            }
            let stopped = service.take().map(|s| s.stop());
            if let (true, Some(Err(e))) = (on, stopped) {
                *problem = Some((format!("the security key stopped: {e}"), wanted));
                return;
            }
        }
        if !on {
            *problem = None;
            return;
        }
        if problem.as_ref().is_some_and(|(_, at)| *at == wanted) {
            return;
        }
        match start() {
            Ok(s) => {
                *service = Some(s);
                *problem = None;
            }
            Err(e) => *problem = Some((e.to_string(), wanted)),
        }
    }

    /// Whether it runs, and what is wrong if it does not.
    pub fn status(&self) -> HidKeyStatus {
        let uhid = latchkey_ctaphid::uhid_status();
        let running = self
            .service
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(HidService::is_running);
        let problem = self
            .problem
            .lock()
            .unwrap()
            .as_ref()
            .map(|(p, _)| p.clone())
            .or_else(|| (!uhid.is_ready() && !running).then(|| uhid.to_string()));
        HidKeyStatus {
            available: uhid.is_ready(),
            running,
            problem,
        }
    }

    /// Stops the key (at quit): programs see it unplugged.
    pub fn shutdown(&self) {
        if let Some(s) = self.service.lock().unwrap().take() {
            let _ = s.stop();
        }
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
        // The real /proc, for what a scan costs on this machine (a prompt's request pays it).
        let started = std::time::Instant::now();
        assert!(holders(Path::new("/proc"), &node).is_empty());
        eprintln!("holders() over /proc: {:?}", started.elapsed());
        assert!(holders(&proc, &dir.path().join("hidraw8")).is_empty());
    }
}
