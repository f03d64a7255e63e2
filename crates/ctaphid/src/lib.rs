//! CTAPHID, the FIDO HID transport (CTAP 2.1 §11.2), for Latchkey's virtual security key.
//!
//! Programs that speak FIDO2 to USB keys (browsers, OpenSSH, libfido2, pam_u2f) exchange
//! 64-byte HID reports with the key. This crate turns those reports into CTAP requests for a
//! [`CtapHandler`] and its answers back into reports: [`packet`] frames single reports,
//! [`reassembly`] joins a message's packets, [`channels`] hands out channel ids, [`engine`]
//! runs the protocol, [`uhid`] is the Linux `/dev/uhid` device the reports travel through and
//! [`memory`] an in-process pipe the tests (ours and the door's) drive the engine with.
//!
//! It knows nothing about Latchkey's vault or prompts: the handler does.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub mod channels;
pub mod engine;
pub mod memory;
pub mod packet;
pub mod reassembly;
pub mod uhid;

pub use engine::Engine;
pub use memory::{memory_pair, HostEnd, MemoryTransport};
#[cfg(target_os = "linux")]
pub use uhid::UhidDevice;
pub use uhid::{uhid_status, UhidError, UhidStatus};

/// Length of every HID report the FIDO usage page defines (input and output alike).
pub const REPORT_LEN: usize = 64;
/// Advertised in getInfo maxMsgSize and enforced on reassembly: 57 bytes in the init packet
/// plus 128 continuation packets of 59 bytes, the most a CTAPHID message can carry.
pub const MAX_MESSAGE: usize = 7609;

/// Why reports could not be exchanged with the host. Any of these ends [`Engine::run`].
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The other end went away (the uhid device was destroyed, the memory pipe dropped).
    #[error("the HID device was closed; start the security key again")]
    Closed,
    /// Reading or writing the device failed.
    #[error("reading or writing the HID device failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Cuts a blocked [`Transport::recv`] short from another thread (it then returns `Ok(None)`).
/// The engine's worker calls it when the handler's answer is ready, so the answer goes out at
/// once rather than at the engine's next look.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where 64-byte reports come from and go to (uhid device, or memory pipe in tests).
pub trait Transport: Send {
    /// Blocks up to `timeout` for the next OUTPUT report from the host (exactly 64 bytes,
    /// the leading report-number byte already removed). Ok(None) on timeout.
    fn recv(&mut self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, TransportError>;
    /// Sends one INPUT report to the host.
    fn send(&mut self, report: &[u8; REPORT_LEN]) -> Result<(), TransportError>;
    /// A way to wake `recv` early, if the transport has one. Without it the engine polls for
    /// the handler's answer (every 250 µs at first, backing off to 20 ms).
    fn waker(&self) -> Option<Waker> {
        None
    }
}

/// What the engine asks of the authenticator behind it. Called from a worker thread.
pub trait CtapHandler: Send + Sync + 'static {
    /// CTAPHID_CBOR: command byte + CBOR in, status byte + CBOR out.
    fn cbor(&self, request: &[u8], tx: &Transaction) -> Vec<u8>;
    /// CTAPHID_MSG (CTAP1/U2F APDU): response APDU. Default: SW 0x6D00 (INS not supported),
    /// which tells U2F-only clients cleanly that this key speaks CTAP2 only.
    fn msg(&self, _apdu: &[u8], _tx: &Transaction) -> Vec<u8> {
        vec![0x6D, 0x00]
    }
    /// CTAPHID_CANCEL arrived for `tx` (from the engine's reader thread while cbor() runs):
    /// withdraw its prompt; cbor() should then return CTAP2_ERR_KEEPALIVE_CANCEL (0x2D).
    fn cancel(&self, _tx: &Transaction) {}
    /// CTAPHID_WINK: the host asks the key to make itself noticed.
    fn wink(&self) {}
}

/// One CBOR/MSG transaction in flight. Cheap to clone: the clones share the cancel flag and
/// the keepalive status, so the handler's prompt and the engine's reader see the same state.
#[derive(Debug, Clone)]
pub struct Transaction {
    cid: u32,
    id: u64,
    cancelled: Arc<AtomicBool>,
    status: Arc<AtomicU8>,
}

impl Transaction {
    /// A transaction on channel `cid` with the engine-unique `id`. Public so a handler's own
    /// tests can call it without an engine.
    pub fn new(cid: u32, id: u64) -> Self {
        Transaction {
            cid,
            id,
            cancelled: Arc::new(AtomicBool::new(false)),
            status: Arc::new(AtomicU8::new(packet::STATUS_PROCESSING)),
        }
    }

    /// The CTAPHID channel the request came in on (one per client program, usually).
    pub fn channel(&self) -> u32 {
        self.cid
    }

    /// Unique per engine run: the door uses it as the request's tag ("hid-<id>") to cancel.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the host cancelled (CTAPHID_CANCEL) or resynchronised (INIT) the channel.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// KEEPALIVE status the engine sends every 100 ms while cbor() runs:
    /// false = STATUS_PROCESSING (1), true = STATUS_UPNEEDED (2).
    pub fn set_user_presence_needed(&self, needed: bool) {
        let status = if needed {
            packet::STATUS_UPNEEDED
        } else {
            packet::STATUS_PROCESSING
        };
        self.status.store(status, Ordering::SeqCst);
    }

    /// The KEEPALIVE status byte to send now.
    pub fn keepalive_status(&self) -> u8 {
        self.status.load(Ordering::SeqCst)
    }

    /// Marks the transaction cancelled; the engine does this on CANCEL or INIT resync.
    pub(crate) fn mark_cancelled(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}
