//! One message being put together from its packets (CTAP 2.1 §11.2.4): the sequence numbers
//! must count up from 0, the announced length may not exceed [`MAX_MESSAGE`], and the whole
//! message must arrive within a timeout so a client that stops halfway cannot hold the
//! device (which runs one transaction at a time) forever.

use std::time::{Duration, Instant};

use crate::packet::{ERR_INVALID_LEN, ERR_INVALID_SEQ, ERR_MSG_TIMEOUT, INIT_DATA_LEN};
use crate::MAX_MESSAGE;

/// How long the rest of a message may take after its first packet. The CTAPHID spec leaves
/// the value to the device; 500 ms is what U2F HID devices commonly use and far more than a
/// host needs for 129 reports.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// A complete request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub cid: u32,
    pub cmd: u8,
    pub data: Vec<u8>,
}

/// Why a message was dropped; [`ReassemblyError::code`] is the CTAPHID_ERROR byte the host gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    /// BCNT announced more than any CTAPHID message can hold.
    #[error("the message announces {announced} bytes, more than the {MAX_MESSAGE} CTAPHID allows")]
    TooLong { announced: usize },
    /// A continuation packet came out of order (lost, repeated or reordered reports).
    #[error("continuation packet {got} arrived where {expected} was expected")]
    InvalidSeq { expected: u8, got: u8 },
    /// The rest of the message did not arrive in time.
    #[error("the message's continuation packets did not arrive in time")]
    Timeout,
}

impl ReassemblyError {
    /// The CTAPHID error code for this failure.
    pub fn code(&self) -> u8 {
        match self {
            ReassemblyError::TooLong { .. } => ERR_INVALID_LEN,
            ReassemblyError::InvalidSeq { .. } => ERR_INVALID_SEQ,
            ReassemblyError::Timeout => ERR_MSG_TIMEOUT,
        }
    }
}

/// What an init packet started.
#[derive(Debug)]
pub enum Started {
    /// The message fit in the init packet.
    Complete(Message),
    /// Continuation packets must follow.
    Pending(Reassembly),
}

/// A message waiting for its continuation packets.
#[derive(Debug)]
pub struct Reassembly {
    cid: u32,
    cmd: u8,
    expected: usize,
    data: Vec<u8>,
    next_seq: u8,
    deadline: Instant,
}

impl Reassembly {
    /// Starts a message from its init packet (`first` = the packet's 57 payload bytes).
    pub fn start(
        cid: u32,
        cmd: u8,
        bcnt: u16,
        first: &[u8],
        now: Instant,
        timeout: Duration,
    ) -> Result<Started, ReassemblyError> {
        let expected = usize::from(bcnt);
        if expected > MAX_MESSAGE {
            return Err(ReassemblyError::TooLong {
                announced: expected,
            });
        }
        let head = expected.min(INIT_DATA_LEN).min(first.len());
        // Bounded by MAX_MESSAGE above: a hostile BCNT cannot make us reserve more.
        let mut data = Vec::with_capacity(expected);
        data.extend_from_slice(&first[..head]);
        if data.len() >= expected {
            return Ok(Started::Complete(Message { cid, cmd, data }));
        }
        Ok(Started::Pending(Reassembly {
            cid,
            cmd,
            expected,
            data,
            next_seq: 0,
            deadline: now + timeout,
        }))
    }

    /// Adds a continuation packet. On an error the message is to be dropped.
    pub fn push(
        &mut self,
        seq: u8,
        payload: &[u8],
        now: Instant,
    ) -> Result<Option<Message>, ReassemblyError> {
        if now >= self.deadline {
            return Err(ReassemblyError::Timeout);
        }
        if seq != self.next_seq {
            return Err(ReassemblyError::InvalidSeq {
                expected: self.next_seq,
                got: seq,
            });
        }
        let take = (self.expected - self.data.len()).min(payload.len());
        self.data.extend_from_slice(&payload[..take]);
        // A message of at most MAX_MESSAGE bytes completes by seq 127, so this never wraps
        // into the init-packet range while the message is still pending.
        self.next_seq = self.next_seq.wrapping_add(1);
        if self.data.len() >= self.expected {
            return Ok(Some(Message {
                cid: self.cid,
                cmd: self.cmd,
                data: std::mem::take(&mut self.data),
            }));
        }
        Ok(None)
    }

    /// The channel the message comes in on.
    pub fn cid(&self) -> u32 {
        self.cid
    }

    /// The command of the message.
    pub fn cmd(&self) -> u8 {
        self.cmd
    }

    /// When the message times out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the message timed out at `now`.
    pub fn is_expired(&self, now: Instant) -> bool {
        now >= self.deadline
    }
}
