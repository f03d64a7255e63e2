//! The Linux `/dev/uhid` device: a HID device made from user space. Writing UHID_CREATE2 makes
//! the kernel add a hidraw node with the FIDO usage page that every FIDO client looks for;
//! UHID_INPUT2 events carry our reports to the host, UHID_OUTPUT events bring the host's.
//!
//! The event layout is `struct uhid_event` of `<linux/uhid.h>`, encoded and decoded by the
//! pure functions below (so they are tested on machines without /dev/uhid); only
//! [`UhidDevice`] touches the device.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::REPORT_LEN;

/// `sizeof(struct uhid_event)`: a packed u32 type followed by a union whose largest member
/// (`uhid_create2_req`, 4372 bytes) is padded to the 8-byte alignment of `uhid_start_req`.
pub const EVENT_SIZE: usize = 4380;
/// `UHID_DATA_MAX`: the data field of INPUT2/OUTPUT events.
pub const DATA_MAX: usize = 4096;
/// Largest report descriptor the kernel accepts.
pub const MAX_DESCRIPTOR: usize = 4096;

/// `enum uhid_event_type` values used here.
pub const UHID_DESTROY: u32 = 1;
pub const UHID_START: u32 = 2;
pub const UHID_STOP: u32 = 3;
pub const UHID_OPEN: u32 = 4;
pub const UHID_CLOSE: u32 = 5;
pub const UHID_OUTPUT: u32 = 6;
pub const UHID_GET_REPORT: u32 = 9;
pub const UHID_GET_REPORT_REPLY: u32 = 10;
pub const UHID_CREATE2: u32 = 11;
pub const UHID_INPUT2: u32 = 12;
pub const UHID_SET_REPORT: u32 = 13;
pub const UHID_SET_REPORT_REPLY: u32 = 14;

/// `BUS_USB` from `<linux/input.h>`: clients (libfido2, browsers) list USB HID devices.
pub const BUS_USB: u16 = 0x03;
/// pid.codes' vendor id for open-source hardware; FIDO clients find keys by usage page, not id.
pub const VENDOR_ID: u32 = 0x1209;
/// The product id the device reports.
pub const PRODUCT_ID: u32 = 0xf1d0;
/// EIO, the answer to GET_REPORT/SET_REPORT: FIDO keys have no feature reports.
const EIO: u16 = 5;

/// The HID report descriptor: FIDO Alliance usage page 0xF1D0, usage CTAPHID (0x01), one
/// 64-byte input report and one 64-byte output report, no report ids.
pub const REPORT_DESCRIPTOR: [u8; 34] = [
    0x06, 0xd0, 0xf1, // Usage Page (FIDO Alliance)
    0x09, 0x01, // Usage (CTAPHID)
    0xa1, 0x01, // Collection (Application)
    0x09, 0x20, //   Usage (Data In)
    0x15, 0x00, //   Logical Minimum (0)
    0x26, 0xff, 0x00, //   Logical Maximum (255)
    0x75, 0x08, //   Report Size (8)
    0x95, 0x40, //   Report Count (64)
    0x81, 0x02, //   Input (Data, Variable, Absolute)
    0x09, 0x21, //   Usage (Data Out)
    0x15, 0x00, //   Logical Minimum (0)
    0x26, 0xff, 0x00, //   Logical Maximum (255)
    0x75, 0x08, //   Report Size (8)
    0x95, 0x40, //   Report Count (64)
    0x91, 0x02, //   Output (Data, Variable, Absolute)
    0xc0, // End Collection
];

/// Whether a virtual key could be created here, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UhidStatus {
    /// /dev/uhid can be opened for reading and writing.
    Ready,
    /// No /dev/uhid: the uhid module is not loaded.
    Missing,
    /// /dev/uhid exists but this user may not open it.
    NoPermission { path: String },
    /// Anything else (the message says what).
    Other(String),
}

impl UhidStatus {
    /// Whether [`UhidDevice::create`] can be expected to work.
    pub fn is_ready(&self) -> bool {
        matches!(self, UhidStatus::Ready)
    }
}

impl fmt::Display for UhidStatus {
    /// What it means and what to do next, for `latchkey hid status` and the app's setting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UhidStatus::Ready => write!(f, "ready: Latchkey can act as a security key"),
            UhidStatus::Missing => write!(
                f,
                "/dev/uhid does not exist: load the kernel module with `sudo modprobe uhid` \
                 (scripts/setup.sh makes it load at boot)"
            ),
            UhidStatus::NoPermission { path } => write!(
                f,
                "no permission to open {path}: run scripts/setup.sh (it installs the udev rule that \
                 gives the logged-in user access), then log out and back in"
            ),
            UhidStatus::Other(reason) => write!(f, "the virtual security key cannot run here: {reason}"),
        }
    }
}

/// Why the device could not be created or used.
#[derive(Debug, thiserror::Error)]
pub enum UhidError {
    /// No /dev/uhid.
    #[error("/dev/uhid does not exist: load the module with `sudo modprobe uhid`")]
    Missing,
    /// Opening /dev/uhid was refused.
    #[error(
        "no permission to open /dev/uhid: re-run scripts/setup.sh (it installs the udev rule), then log out and back in"
    )]
    NoPermission,
    /// Virtual HID devices need Linux.
    #[error("a virtual security key needs Linux's /dev/uhid")]
    Unsupported,
    /// The device name does not fit `uhid_create2_req.name` or holds a NUL byte.
    #[error("the device name must be at most 127 bytes without NUL bytes")]
    BadName,
    /// Any other I/O failure.
    #[error("the virtual HID device failed: {0}")]
    Io(#[from] std::io::Error),
}

/// An event the kernel sent us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UhidEvent {
    /// A driver bound the device (hid-generic: the hidraw node appears).
    Start { dev_flags: u64 },
    /// The driver let go.
    Stop,
    /// A program opened the hidraw node.
    Open,
    /// The last program closed it.
    Close,
    /// A report from the host; None when its size is not one a FIDO output report can have.
    Output(Option<[u8; REPORT_LEN]>),
    /// The host asked for a feature/input report; must be answered (with an error).
    GetReport { id: u32 },
    /// The host set a feature/output report through SET_REPORT; must be answered.
    SetReport { id: u32 },
    /// An event type this device does not use.
    Other { kind: u32 },
}

/// An event too short to hold its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a uhid event of {len} bytes is too short")]
pub struct ShortEvent {
    pub len: usize,
}

fn event(kind: u32) -> Vec<u8> {
    let mut buf = vec![0u8; EVENT_SIZE];
    buf[..4].copy_from_slice(&kind.to_ne_bytes());
    buf
}

/// UHID_CREATE2 for a FIDO device named `name` (at most 127 bytes, no NUL) whose `uniq`
/// string lets [`find_hidraw`] find its hidraw node.
pub fn encode_create2(name: &str, uniq: &str) -> Result<Vec<u8>, UhidError> {
    if name.len() > 127 || name.contains('\0') {
        return Err(UhidError::BadName);
    }
    let mut buf = event(UHID_CREATE2);
    let u = &mut buf[4..];
    u[..name.len()].copy_from_slice(name.as_bytes());
    let phys = b"latchkey/uhid";
    u[128..128 + phys.len()].copy_from_slice(phys);
    let uniq = &uniq.as_bytes()[..uniq.len().min(63)];
    u[192..192 + uniq.len()].copy_from_slice(uniq);
    u[256..258].copy_from_slice(&(REPORT_DESCRIPTOR.len() as u16).to_ne_bytes());
    u[258..260].copy_from_slice(&BUS_USB.to_ne_bytes());
    u[260..264].copy_from_slice(&VENDOR_ID.to_ne_bytes());
    u[264..268].copy_from_slice(&PRODUCT_ID.to_ne_bytes());
    u[268..272].copy_from_slice(&0x0100u32.to_ne_bytes());
    // country stays 0; rd_data follows at 276.
    u[276..276 + REPORT_DESCRIPTOR.len()].copy_from_slice(&REPORT_DESCRIPTOR);
    Ok(buf)
}

/// UHID_INPUT2 carrying one report to the host.
pub fn encode_input2(report: &[u8; REPORT_LEN]) -> Vec<u8> {
    let mut buf = event(UHID_INPUT2);
    buf[4..6].copy_from_slice(&(REPORT_LEN as u16).to_ne_bytes());
    buf[6..6 + REPORT_LEN].copy_from_slice(report);
    buf
}

/// UHID_DESTROY: the device goes away.
pub fn encode_destroy() -> Vec<u8> {
    event(UHID_DESTROY)
}

/// The error answer to GET_REPORT (`get`) or SET_REPORT: the kernel waits for one.
pub fn encode_report_reply(get: bool, id: u32) -> Vec<u8> {
    let mut buf = event(if get {
        UHID_GET_REPORT_REPLY
    } else {
        UHID_SET_REPORT_REPLY
    });
    buf[4..8].copy_from_slice(&id.to_ne_bytes());
    buf[8..10].copy_from_slice(&EIO.to_ne_bytes());
    buf
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    if let Some(src) = buf.get(at..at + 4) {
        bytes.copy_from_slice(src);
    }
    u32::from_ne_bytes(bytes)
}

/// Reads an event the kernel wrote. Missing bytes (a short read) count as zero.
pub fn decode_event(buf: &[u8]) -> Result<UhidEvent, ShortEvent> {
    if buf.len() < 4 {
        return Err(ShortEvent { len: buf.len() });
    }
    Ok(match u32_at(buf, 0) {
        UHID_START => {
            let low = u64::from(u32_at(buf, 4));
            let high = u64::from(u32_at(buf, 8));
            let dev_flags = if cfg!(target_endian = "little") {
                low | high << 32
            } else {
                low << 32 | high
            };
            UhidEvent::Start { dev_flags }
        }
        UHID_STOP => UhidEvent::Stop,
        UHID_OPEN => UhidEvent::Open,
        UHID_CLOSE => UhidEvent::Close,
        UHID_OUTPUT => {
            let size_at = 4 + DATA_MAX;
            let size = buf
                .get(size_at..size_at + 2)
                .map_or(0, |s| usize::from(u16::from_ne_bytes([s[0], s[1]])))
                .min(DATA_MAX);
            let data = buf.get(4..4 + size).unwrap_or(&[]);
            UhidEvent::Output(output_report(data))
        }
        UHID_GET_REPORT => UhidEvent::GetReport { id: u32_at(buf, 4) },
        UHID_SET_REPORT => UhidEvent::SetReport { id: u32_at(buf, 4) },
        kind => UhidEvent::Other { kind },
    })
}

/// The 64-byte report in an OUTPUT event's data. Written through hidraw, a report of a device
/// without report ids arrives with a leading report-number byte 0 (65 bytes); other writers
/// send the 64 bytes alone. Shorter data is zero-padded (as the HID spec pads reports).
pub fn output_report(data: &[u8]) -> Option<[u8; REPORT_LEN]> {
    let body = match data.len() {
        n if n == REPORT_LEN + 1 && data[0] == 0 => &data[1..],
        n if n <= REPORT_LEN => data,
        _ => return None,
    };
    let mut report = [0u8; REPORT_LEN];
    report[..body.len()].copy_from_slice(body);
    Some(report)
}

/// The hidraw node (`/dev/hidrawN`) of the device whose uniq string is `uniq`, found through
/// `class_dir` (normally `/sys/class/hidraw`): each `hidrawN/device/uevent` names its HID_UNIQ.
pub fn find_hidraw(class_dir: &Path, uniq: &str) -> Option<PathBuf> {
    let wanted = format!("HID_UNIQ={uniq}");
    let entries = std::fs::read_dir(class_dir).ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(uevent) = std::fs::read_to_string(entry.path().join("device/uevent")) else {
            continue;
        };
        if uevent.lines().any(|line| line == wanted) {
            return Some(Path::new("/dev").join(name));
        }
    }
    None
}

/// Whether a device could be created here, and why not (for `latchkey hid status`):
/// no /dev/uhid (module not loaded: `sudo modprobe uhid`), permission denied (the udev rule
/// is missing / the user is not in the session: re-run scripts/setup.sh, log out and in), ok.
pub fn uhid_status() -> UhidStatus {
    if cfg!(target_os = "linux") {
        status_of(Path::new(DEVICE_PATH))
    } else {
        UhidStatus::Other("a virtual security key needs Linux's /dev/uhid".into())
    }
}

/// Where the uhid device lives.
pub const DEVICE_PATH: &str = "/dev/uhid";

/// [`uhid_status`] for the device at `path`: opening it read-write without creating a device
/// is harmless, and is the only test that gives the same answer `create` will.
pub fn status_of(path: &Path) -> UhidStatus {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(_) => UhidStatus::Ready,
        Err(err) => match err.kind() {
            std::io::ErrorKind::NotFound => UhidStatus::Missing,
            std::io::ErrorKind::PermissionDenied => UhidStatus::NoPermission {
                path: path.display().to_string(),
            },
            _ => UhidStatus::Other(format!("opening {} failed: {err}", path.display())),
        },
    }
}

#[cfg(target_os = "linux")]
pub use device::UhidDevice;

/// Paces INPUT reports like a USB full-speed key (one per millisecond) after a burst. A program
/// reading /dev/hidrawN has a queue of 64 reports in the kernel; a 129-report answer written at
/// once overflows it whenever the program reads slower than we write, and the kernel silently
/// drops the excess. Short answers (up to [`Pacer::BURST`] reports) go out without delay.
#[derive(Debug, Clone)]
pub struct Pacer {
    tokens: f64,
    last: std::time::Instant,
}

impl Pacer {
    /// Reports that may go out back to back: well under hidraw's 64-report queue.
    pub const BURST: f64 = 48.0;
    /// Reports per millisecond after the burst.
    pub const PER_MS: f64 = 1.0;

    /// A full bucket at `now`.
    pub fn new(now: std::time::Instant) -> Self {
        Pacer {
            tokens: Self::BURST,
            last: now,
        }
    }

    /// How long to wait before sending one report at `now`; the report is then counted.
    pub fn delay(&mut self, now: std::time::Instant) -> std::time::Duration {
        let elapsed_ms = now.saturating_duration_since(self.last).as_secs_f64() * 1000.0;
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed_ms * Self::PER_MS).min(Self::BURST);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return std::time::Duration::ZERO;
        }
        // The deficit is repaid by waiting; the tokens earned meanwhile are already spent.
        let wait_ms = -self.tokens / Self::PER_MS;
        self.tokens = 0.0;
        let wait = std::time::Duration::from_secs_f64(wait_ms / 1000.0);
        self.last += wait;
        wait
    }
}

#[cfg(target_os = "linux")]
mod device {
    use std::fs::File;
    use std::io::{ErrorKind, Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
    use std::sync::Arc;
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::{Transport, TransportError, Waker};

    /// What the reader thread passes on: the reports it read in one go (none: a wake-up), or
    /// the device's failure. Batches wake the engine once per burst instead of per report,
    /// leaving the CPU to the reader while a client writes a long message.
    type Item = std::io::Result<Vec<[u8; REPORT_LEN]>>;
    /// Most reports in one batch.
    const BATCH: usize = 256;

    /// Makes each device's uniq string unique on the machine (pid) and in the process.
    static NEXT_DEVICE: AtomicU64 = AtomicU64::new(0);
    /// Batches the reader may hold for the engine (at most 64 × 256 reports, 1 MiB).
    const QUEUE: usize = 64;
    /// How often the reader looks at its stop flag while the device is quiet.
    const READER_POLL: Duration = Duration::from_millis(50);

    /// The virtual FIDO HID device. Dropping it destroys the device (UHID_DESTROY).
    ///
    /// A reader thread does nothing but drain /dev/uhid into a queue: the kernel keeps only 32
    /// events for us and drops OUTPUT reports beyond that ("Output queue is full"), and clients
    /// write a message's reports back to back with no flow control, so the reads must keep up
    /// even while the engine is busy sending an answer.
    #[derive(Debug)]
    pub struct UhidDevice {
        file: File,
        uniq: String,
        reports: Receiver<Item>,
        pending: std::collections::VecDeque<[u8; REPORT_LEN]>,
        wake: SyncSender<Item>,
        stop: Arc<AtomicBool>,
        opened: Arc<AtomicBool>,
        reader: Option<JoinHandle<()>>,
        pacer: Pacer,
    }

    impl UhidDevice {
        /// Creates the HID device (FIDO usage page 0xF1D0, usage 0x01, 64-byte in/out reports,
        /// BUS_USB, vendor/product ids, the given name, e.g. "Latchkey virtual security key").
        pub fn create(name: &str) -> Result<Self, UhidError> {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(DEVICE_PATH)
                .map_err(|err| match err.kind() {
                    ErrorKind::NotFound => UhidError::Missing,
                    ErrorKind::PermissionDenied => UhidError::NoPermission,
                    _ => UhidError::Io(err),
                })?;
            let uniq = format!(
                "latchkey-{}-{}",
                std::process::id(),
                NEXT_DEVICE.fetch_add(1, Ordering::Relaxed)
            );
            write_event(&mut file, &encode_create2(name, &uniq)?)?;
            let stop = Arc::new(AtomicBool::new(false));
            let opened = Arc::new(AtomicBool::new(false));
            let (sender, reports) = sync_channel::<Item>(QUEUE);
            let wake = sender.clone();
            let reader_file = file.try_clone()?;
            let (reader_stop, reader_opened) = (Arc::clone(&stop), Arc::clone(&opened));
            let reader = std::thread::Builder::new()
                .name("uhid-reader".into())
                .spawn(move || read_loop(reader_file, sender, &reader_stop, &reader_opened))?;
            Ok(UhidDevice {
                file,
                uniq,
                reports,
                pending: std::collections::VecDeque::new(),
                wake,
                stop,
                opened,
                reader: Some(reader),
                pacer: Pacer::new(Instant::now()),
            })
        }

        /// The device's hidraw node (`/dev/hidrawN`), waiting up to `timeout` for the kernel
        /// to bind it. For `latchkey hid serve`'s "ready" line and for finding the program
        /// that has the node open.
        pub fn hidraw_node(&self, timeout: Duration) -> Option<PathBuf> {
            let deadline = Instant::now() + timeout;
            loop {
                if let Some(node) = find_hidraw(Path::new("/sys/class/hidraw"), &self.uniq) {
                    return Some(node);
                }
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }

        /// The uniq string the device was created with (HID_UNIQ in sysfs).
        pub fn uniq(&self) -> &str {
            &self.uniq
        }

        /// Whether a program has the hidraw node open (the last OPEN/CLOSE event seen).
        pub fn is_open(&self) -> bool {
            self.opened.load(Ordering::SeqCst)
        }
    }

    /// One whole event per write(2): uhid takes events whole or not at all.
    fn write_event(file: &mut File, event: &[u8]) -> std::io::Result<()> {
        loop {
            match file.write(event) {
                Ok(n) if n == event.len() => return Ok(()),
                Ok(n) => {
                    return Err(std::io::Error::new(
                        ErrorKind::WriteZero,
                        format!("uhid took {n} of {} bytes of an event", event.len()),
                    ))
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
    }

    /// Waits up to `timeout` for `file` to be readable.
    fn poll_readable(file: &File, timeout: Duration) -> std::io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            return if err.kind() == ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(err)
            };
        }
        if n > 0 && pfd.revents & libc::POLLIN == 0 {
            return Err(std::io::Error::new(
                ErrorKind::BrokenPipe,
                "the uhid device hung up",
            ));
        }
        Ok(n > 0)
    }

    /// The reader thread: drains events until told to stop or the device fails; failures are
    /// passed on for the engine to see.
    fn read_loop(
        mut file: File,
        reports: SyncSender<Item>,
        stop: &AtomicBool,
        opened: &AtomicBool,
    ) {
        let mut buf = vec![0u8; EVENT_SIZE];
        let mut batch = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let failure = match file.read(&mut buf) {
                Ok(0) => Some(ErrorKind::UnexpectedEof.into()),
                Ok(n) => match handle_event(&mut file, &buf[..n], &mut batch, opened) {
                    Ok(()) if batch.len() < BATCH => None,
                    Ok(()) => {
                        if reports.send(Ok(std::mem::take(&mut batch))).is_err() {
                            return; // the device was dropped
                        }
                        None
                    }
                    Err(err) => Some(err),
                },
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    if !batch.is_empty() {
                        // Everything queued so far is read: hand it over, then read on.
                        if reports.send(Ok(std::mem::take(&mut batch))).is_err() {
                            return;
                        }
                        continue;
                    }
                    poll_readable(&file, READER_POLL).err()
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => None,
                Err(err) => Some(err),
            };
            if let Some(err) = failure {
                if !batch.is_empty() {
                    let _ = reports.send(Ok(std::mem::take(&mut batch)));
                }
                let _ = reports.send(Err(err));
                return;
            }
        }
    }

    /// Acts on one event: a report joins the batch; GET/SET_REPORT are answered (the kernel
    /// waits for that); OPEN/CLOSE are noted.
    fn handle_event(
        file: &mut File,
        event: &[u8],
        batch: &mut Vec<[u8; REPORT_LEN]>,
        opened: &AtomicBool,
    ) -> std::io::Result<()> {
        match decode_event(event) {
            Ok(UhidEvent::Output(Some(report))) => batch.push(report),
            Ok(UhidEvent::GetReport { id }) => write_event(file, &encode_report_reply(true, id))?,
            Ok(UhidEvent::SetReport { id }) => write_event(file, &encode_report_reply(false, id))?,
            Ok(UhidEvent::Open) => opened.store(true, Ordering::SeqCst),
            Ok(UhidEvent::Close) => opened.store(false, Ordering::SeqCst),
            // START/STOP, reports of a size FIDO never uses, short reads: nothing to do.
            Ok(_) | Err(_) => {}
        }
        Ok(())
    }

    impl Transport for UhidDevice {
        fn recv(&mut self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, TransportError> {
            if let Some(report) = self.pending.pop_front() {
                return Ok(Some(report));
            }
            match self.reports.recv_timeout(timeout) {
                Ok(Ok(batch)) => {
                    self.pending.extend(batch);
                    // An empty batch is a wake-up.
                    Ok(self.pending.pop_front())
                }
                Ok(Err(err)) => Err(err.into()),
                Err(RecvTimeoutError::Timeout) => Ok(None),
                Err(RecvTimeoutError::Disconnected) => Err(TransportError::Closed),
            }
        }

        fn send(&mut self, report: &[u8; REPORT_LEN]) -> Result<(), TransportError> {
            let wait = self.pacer.delay(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            write_event(&mut self.file, &encode_input2(report)).map_err(TransportError::from)
        }

        fn waker(&self) -> Option<Waker> {
            let wake = self.wake.clone();
            Some(Arc::new(move || {
                // A full queue wakes recv anyway.
                let _ = wake.try_send(Ok(Vec::new()));
            }))
        }
    }

    impl Drop for UhidDevice {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Closing the file would destroy the device too; saying so is the documented way.
            let _ = write_event(&mut self.file, &encode_destroy());
            if let Some(reader) = self.reader.take() {
                let _ = reader.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(buf: &[u8], at: usize) -> u16 {
        u16::from_ne_bytes([buf[at], buf[at + 1]])
    }

    #[test]
    fn create2_lays_out_uhid_create2_req() {
        let buf = encode_create2("Latchkey virtual security key", "latchkey-1-0").unwrap();
        assert_eq!(buf.len(), EVENT_SIZE);
        assert_eq!(u32_at(&buf, 0), UHID_CREATE2);
        assert_eq!(&buf[4..33], b"Latchkey virtual security key");
        assert_eq!(buf[33], 0, "name is NUL-terminated");
        assert_eq!(&buf[4 + 128..4 + 128 + 13], b"latchkey/uhid");
        assert_eq!(&buf[4 + 192..4 + 192 + 12], b"latchkey-1-0");
        // Offsets from <linux/uhid.h> (checked with offsetof: rd_size 260, rd_data 280).
        assert_eq!(u16_at(&buf, 260) as usize, REPORT_DESCRIPTOR.len());
        assert_eq!(u16_at(&buf, 262), BUS_USB);
        assert_eq!(u32_at(&buf, 264), VENDOR_ID);
        assert_eq!(u32_at(&buf, 268), PRODUCT_ID);
        assert_eq!(&buf[280..280 + REPORT_DESCRIPTOR.len()], &REPORT_DESCRIPTOR);
        assert!(buf[280 + REPORT_DESCRIPTOR.len()..].iter().all(|b| *b == 0));
    }

    #[test]
    fn report_descriptor_declares_the_fido_usage_page_and_64_byte_reports() {
        assert_eq!(&REPORT_DESCRIPTOR[..5], &[0x06, 0xd0, 0xf1, 0x09, 0x01]);
        // Report Count 64 before Input (0x81) and before Output (0x91).
        let windows: Vec<&[u8]> = REPORT_DESCRIPTOR.windows(4).collect();
        assert!(windows.contains(&&[0x95, 0x40, 0x81, 0x02][..]));
        assert!(windows.contains(&&[0x95, 0x40, 0x91, 0x02][..]));
    }

    #[test]
    fn create2_refuses_names_the_kernel_would_cut() {
        assert!(matches!(
            encode_create2(&"x".repeat(128), "u"),
            Err(UhidError::BadName)
        ));
        assert!(matches!(
            encode_create2("a\0b", "u"),
            Err(UhidError::BadName)
        ));
        assert!(encode_create2(&"x".repeat(127), "u").is_ok());
    }

    #[test]
    fn input2_carries_size_then_the_report() {
        let mut report = [0u8; REPORT_LEN];
        report[0] = 0xaa;
        report[63] = 0xbb;
        let buf = encode_input2(&report);
        assert_eq!(buf.len(), EVENT_SIZE);
        assert_eq!(u32_at(&buf, 0), UHID_INPUT2);
        assert_eq!(u16_at(&buf, 4), 64);
        assert_eq!(&buf[6..70], &report);
    }

    #[test]
    fn destroy_and_report_replies() {
        assert_eq!(u32_at(&encode_destroy(), 0), UHID_DESTROY);
        let get = encode_report_reply(true, 77);
        assert_eq!(
            (u32_at(&get, 0), u32_at(&get, 4), u16_at(&get, 8)),
            (UHID_GET_REPORT_REPLY, 77, EIO)
        );
        let set = encode_report_reply(false, 78);
        assert_eq!(
            (u32_at(&set, 0), u32_at(&set, 4), u16_at(&set, 8)),
            (UHID_SET_REPORT_REPLY, 78, EIO)
        );
    }

    fn output_event(data: &[u8]) -> Vec<u8> {
        let mut buf = event(UHID_OUTPUT);
        buf[4..4 + data.len()].copy_from_slice(data);
        buf[4 + DATA_MAX..4 + DATA_MAX + 2].copy_from_slice(&(data.len() as u16).to_ne_bytes());
        buf[4 + DATA_MAX + 2] = 1; // UHID_OUTPUT_REPORT
        buf
    }

    #[test]
    fn output_of_65_bytes_drops_the_report_number() {
        let mut data = vec![0u8; 65];
        data[1] = 0xff;
        data[64] = 0x42;
        let UhidEvent::Output(Some(report)) = decode_event(&output_event(&data)).unwrap() else {
            panic!("an output report")
        };
        assert_eq!(report[0], 0xff);
        assert_eq!(report[63], 0x42);
    }

    #[test]
    fn output_of_64_bytes_is_taken_as_is() {
        let data: Vec<u8> = (0..64).collect();
        assert_eq!(
            decode_event(&output_event(&data)).unwrap(),
            UhidEvent::Output(Some(data.try_into().unwrap()))
        );
    }

    #[test]
    fn output_of_other_sizes() {
        // Short: zero-padded. 65 with a non-zero report number, or longer: not a FIDO report.
        let UhidEvent::Output(Some(report)) = decode_event(&output_event(&[1, 2, 3])).unwrap()
        else {
            panic!("padded")
        };
        assert_eq!(&report[..4], &[1, 2, 3, 0]);
        assert_eq!(
            decode_event(&output_event(&[5; 65])).unwrap(),
            UhidEvent::Output(None)
        );
        assert_eq!(
            decode_event(&output_event(&[0; 66])).unwrap(),
            UhidEvent::Output(None)
        );
        // A size field beyond UHID_DATA_MAX is clamped, not trusted.
        let mut buf = output_event(&[0; 64]);
        buf[4 + DATA_MAX..4 + DATA_MAX + 2].copy_from_slice(&u16::MAX.to_ne_bytes());
        assert_eq!(decode_event(&buf).unwrap(), UhidEvent::Output(None));
    }

    #[test]
    fn other_events_and_short_buffers() {
        assert_eq!(decode_event(&event(UHID_OPEN)).unwrap(), UhidEvent::Open);
        assert_eq!(decode_event(&event(UHID_CLOSE)).unwrap(), UhidEvent::Close);
        assert_eq!(decode_event(&event(UHID_STOP)).unwrap(), UhidEvent::Stop);
        let mut start = event(UHID_START);
        start[4..12].copy_from_slice(&5u64.to_ne_bytes());
        assert_eq!(
            decode_event(&start).unwrap(),
            UhidEvent::Start { dev_flags: 5 }
        );
        let mut get = event(UHID_GET_REPORT);
        get[4..8].copy_from_slice(&9u32.to_ne_bytes());
        assert_eq!(decode_event(&get).unwrap(), UhidEvent::GetReport { id: 9 });
        assert_eq!(
            decode_event(&event(99)).unwrap(),
            UhidEvent::Other { kind: 99 }
        );
        assert_eq!(decode_event(&[1, 0]), Err(ShortEvent { len: 2 }));
        // A truncated OUTPUT event yields no report rather than a panic.
        assert_eq!(
            decode_event(&event(UHID_OUTPUT)[..10]).unwrap(),
            UhidEvent::Output(Some([0; 64]))
        );
    }

    #[test]
    fn status_says_missing_without_the_device() {
        let dir = std::env::temp_dir().join(format!("ctaphid-status-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        assert_eq!(status_of(&dir.join("uhid")), UhidStatus::Missing);
        assert!(UhidStatus::Missing.to_string().contains("modprobe uhid"));
        // A node that opens read-write is ready; a directory is something else.
        let node = dir.join("node");
        std::fs::write(&node, b"").unwrap();
        assert_eq!(status_of(&node), UhidStatus::Ready);
        assert!(matches!(status_of(&dir), UhidStatus::Other(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn status_of_this_machine_matches_whether_dev_uhid_exists() {
        let status = uhid_status();
        if !Path::new(DEVICE_PATH).exists() {
            assert_eq!(status, UhidStatus::Missing);
        } else {
            assert!(
                matches!(status, UhidStatus::Ready | UhidStatus::NoPermission { .. }),
                "{status:?}"
            );
        }
    }

    #[test]
    fn no_permission_advises_the_setup_script() {
        let status = UhidStatus::NoPermission {
            path: DEVICE_PATH.into(),
        };
        assert!(status.to_string().contains("scripts/setup.sh"));
        assert!(!status.is_ready());
        assert!(UhidStatus::Ready.is_ready());
    }

    #[test]
    fn hidraw_node_is_found_by_uniq() {
        let dir = std::env::temp_dir().join(format!("ctaphid-hidraw-{}", std::process::id()));
        for (node, uniq) in [("hidraw0", "someone-else"), ("hidraw3", "latchkey-42-0")] {
            std::fs::create_dir_all(dir.join(node).join("device")).unwrap();
            std::fs::write(
                dir.join(node).join("device/uevent"),
                format!("DRIVER=hid-generic\nHID_ID=0003:00001209:0000F1D0\nHID_UNIQ={uniq}\n"),
            )
            .unwrap();
        }
        assert_eq!(
            find_hidraw(&dir, "latchkey-42-0"),
            Some(PathBuf::from("/dev/hidraw3"))
        );
        assert_eq!(find_hidraw(&dir, "latchkey-42"), None, "whole line only");
        assert_eq!(find_hidraw(&dir.join("absent"), "x"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pacer_lets_a_burst_through_then_one_report_per_millisecond() {
        let start = std::time::Instant::now();
        let mut pacer = Pacer::new(start);
        for _ in 0..Pacer::BURST as usize {
            assert_eq!(pacer.delay(start), std::time::Duration::ZERO);
        }
        // The 49th report at the same instant waits 1 ms, the 50th another.
        let wait = pacer.delay(start);
        assert!((wait.as_secs_f64() - 0.001).abs() < 1e-6, "{wait:?}");
        let wait = pacer.delay(start + wait);
        assert!((wait.as_secs_f64() - 0.001).abs() < 1e-6, "{wait:?}");
    }

    #[test]
    fn pacer_paces_a_maximum_message_at_usb_speed_and_refills_when_idle() {
        let start = std::time::Instant::now();
        let mut pacer = Pacer::new(start);
        let mut now = start;
        for _ in 0..129 {
            now += pacer.delay(now);
        }
        let total = now - start;
        // 48 at once, 81 at 1 ms: 81 ms, like a full-speed USB key.
        assert!((total.as_secs_f64() - 0.081).abs() < 1e-3, "{total:?}");
        // After a quiet second the burst is available again.
        let later = now + std::time::Duration::from_secs(1);
        for _ in 0..Pacer::BURST as usize {
            assert_eq!(pacer.delay(later), std::time::Duration::ZERO);
        }
    }
}
