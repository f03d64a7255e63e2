//! The Linux `/dev/uhid` device: a HID device made from user space. Writing UHID_CREATE2 makes
//! the kernel add a hidraw node with the FIDO usage page that every FIDO client looks for;
//! INPUT2 events carry our reports to the host, OUTPUT events bring the host's.

use std::time::Duration;

use crate::{Transport, TransportError, REPORT_LEN};

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

/// Why the device could not be created or used.
#[derive(Debug, thiserror::Error)]
pub enum UhidError {
    /// No /dev/uhid.
    #[error("/dev/uhid does not exist: load the module with `sudo modprobe uhid`")]
    Missing,
    /// Opening /dev/uhid was refused.
    #[error("no permission to open /dev/uhid: re-run scripts/setup.sh (it installs the udev rule), then log out and back in")]
    NoPermission,
    /// Virtual HID devices need Linux.
    #[error("a virtual security key needs Linux's /dev/uhid")]
    Unsupported,
    /// Any other I/O failure.
    #[error("the virtual HID device failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Whether a device could be created here, and why not (for `latchkey hid status`).
pub fn uhid_status() -> UhidStatus {
    todo!()
}

/// The virtual FIDO HID device. Dropping it destroys the device (UHID_DESTROY).
#[cfg(target_os = "linux")]
#[derive(Debug)]
pub struct UhidDevice {
    fd: std::os::fd::OwnedFd,
}

#[cfg(target_os = "linux")]
impl UhidDevice {
    /// Creates the HID device (FIDO usage page 0xF1D0, usage 0x01, 64-byte in/out reports,
    /// BUS_USB, vendor/product ids, the given name, e.g. "Latchkey virtual security key").
    pub fn create(name: &str) -> Result<Self, UhidError> {
        let _ = name;
        todo!()
    }
}

#[cfg(target_os = "linux")]
impl Transport for UhidDevice {
    fn recv(&mut self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, TransportError> {
        let _ = (&self.fd, timeout);
        todo!()
    }

    fn send(&mut self, report: &[u8; REPORT_LEN]) -> Result<(), TransportError> {
        let _ = report;
        todo!()
    }
}
