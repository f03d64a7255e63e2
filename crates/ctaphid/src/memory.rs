//! An in-process report pipe: the engine gets a [`MemoryTransport`], the test plays the host
//! through the [`HostEnd`], sending and reading raw 64-byte reports exactly as a program on
//! `/dev/hidrawN` would. Public because the door's tests drive their handler through it too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::packet::{self, Packet, BROADCAST_CID, CTAPHID_INIT, CTAPHID_KEEPALIVE, INIT_NONCE_LEN};
use crate::{Transport, TransportError, Waker, REPORT_LEN};

/// The device side of the pipe.
#[derive(Debug)]
pub struct MemoryTransport {
    /// Reports from the host; `None` is a wake-up (see [`Transport::waker`]).
    from_host: Receiver<Option<[u8; REPORT_LEN]>>,
    to_host: Sender<[u8; REPORT_LEN]>,
    /// For the waker: a sender into our own queue, which keeps the queue open, so the host's
    /// going away is told by `host_alive` instead.
    wake: Sender<Option<[u8; REPORT_LEN]>>,
    host_alive: Arc<AtomicBool>,
}

/// The host side of the pipe.
#[derive(Debug)]
pub struct HostEnd {
    to_device: Sender<Option<[u8; REPORT_LEN]>>,
    from_device: Receiver<[u8; REPORT_LEN]>,
    alive: Arc<AtomicBool>,
}

impl Drop for HostEnd {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::SeqCst);
        // Wake a device blocked in recv so it sees the pipe closed now.
        let _ = self.to_device.send(None);
    }
}

/// A connected pair: what the host sends, the device receives, and back.
pub fn memory_pair() -> (HostEnd, MemoryTransport) {
    let (to_device, from_host) = mpsc::channel();
    let (to_host, from_device) = mpsc::channel();
    let alive = Arc::new(AtomicBool::new(true));
    (
        HostEnd {
            to_device: to_device.clone(),
            from_device,
            alive: Arc::clone(&alive),
        },
        MemoryTransport {
            from_host,
            to_host,
            wake: to_device,
            host_alive: alive,
        },
    )
}

impl Transport for MemoryTransport {
    fn recv(&mut self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, TransportError> {
        match self.from_host.recv_timeout(timeout) {
            Ok(Some(report)) => Ok(Some(report)),
            Ok(None) | Err(RecvTimeoutError::Timeout) => {
                if self.host_alive.load(Ordering::SeqCst) {
                    Ok(None)
                } else {
                    Err(TransportError::Closed)
                }
            }
            Err(RecvTimeoutError::Disconnected) => Err(TransportError::Closed),
        }
    }

    fn send(&mut self, report: &[u8; REPORT_LEN]) -> Result<(), TransportError> {
        self.to_host
            .send(*report)
            .map_err(|_| TransportError::Closed)
    }

    fn waker(&self) -> Option<Waker> {
        let wake = self.wake.clone();
        Some(Arc::new(move || {
            let _ = wake.send(None);
        }))
    }
}

/// A message the device sent, reassembled by the host side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMessage {
    pub cid: u32,
    pub cmd: u8,
    pub data: Vec<u8>,
}

/// What can go wrong on the host side of a test.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The engine dropped its end.
    #[error("the device side of the memory pipe is gone (the engine stopped)")]
    Closed,
    /// Nothing (or not the whole message) arrived in time.
    #[error("the device did not answer in time")]
    Timeout,
    /// The device sent something that is not CTAPHID.
    #[error("the device sent a malformed answer: {0}")]
    Malformed(String),
}

impl HostEnd {
    /// Sends one raw report (as a host would write it, without the report-number byte).
    pub fn send_report(&self, report: &[u8; REPORT_LEN]) -> Result<(), HostError> {
        self.to_device
            .send(Some(*report))
            .map_err(|_| HostError::Closed)
    }

    /// Sends a whole message, cut into reports.
    pub fn send_message(&self, cid: u32, cmd: u8, payload: &[u8]) -> Result<(), HostError> {
        let reports =
            packet::fragment(cid, cmd, payload).map_err(|e| HostError::Malformed(e.to_string()))?;
        for report in &reports {
            self.send_report(report)?;
        }
        Ok(())
    }

    /// The next raw report from the device, if one comes within `timeout`.
    pub fn recv_report(&self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, HostError> {
        match self.from_device.recv_timeout(timeout) {
            Ok(report) => Ok(Some(report)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(HostError::Closed),
        }
    }

    /// The next whole message from the device, KEEPALIVEs included.
    pub fn recv_message(&self, timeout: Duration) -> Result<HostMessage, HostError> {
        let deadline = Instant::now() + timeout;
        let first = self
            .recv_report(deadline.saturating_duration_since(Instant::now()))?
            .ok_or(HostError::Timeout)?;
        let (cid, cmd, total, mut data) = match Packet::parse(&first) {
            Packet::Init {
                cid,
                cmd,
                bcnt,
                data,
            } => {
                let total = usize::from(bcnt);
                (cid, cmd, total, data[..total.min(data.len())].to_vec())
            }
            Packet::Cont { seq, .. } => {
                return Err(HostError::Malformed(format!(
                    "continuation packet {seq} without an init packet"
                )))
            }
        };
        let mut expected_seq = 0u8;
        while data.len() < total {
            let report = self
                .recv_report(deadline.saturating_duration_since(Instant::now()))?
                .ok_or(HostError::Timeout)?;
            match Packet::parse(&report) {
                Packet::Cont {
                    cid: c,
                    seq,
                    data: part,
                } if c == cid && seq == expected_seq => {
                    let take = (total - data.len()).min(part.len());
                    data.extend_from_slice(&part[..take]);
                    expected_seq += 1;
                }
                other => return Err(HostError::Malformed(format!("unexpected packet {other:?}"))),
            }
        }
        Ok(HostMessage { cid, cmd, data })
    }

    /// The next message that is not a KEEPALIVE; returns the KEEPALIVE statuses seen on the way.
    pub fn recv_answer(&self, timeout: Duration) -> Result<(HostMessage, Vec<u8>), HostError> {
        let deadline = Instant::now() + timeout;
        let mut statuses = Vec::new();
        loop {
            let message = self.recv_message(deadline.saturating_duration_since(Instant::now()))?;
            if message.cmd == CTAPHID_KEEPALIVE {
                statuses.push(message.data.first().copied().unwrap_or(0));
                continue;
            }
            return Ok((message, statuses));
        }
    }

    /// Allocates a channel the way a client does: INIT with a nonce on the broadcast CID.
    pub fn allocate_channel(&self, timeout: Duration) -> Result<u32, HostError> {
        let nonce = *b"latchkey";
        self.send_message(BROADCAST_CID, CTAPHID_INIT, &nonce)?;
        let (answer, _) = self.recv_answer(timeout)?;
        if answer.cid != BROADCAST_CID || answer.cmd != CTAPHID_INIT || answer.data.len() < 12 {
            return Err(HostError::Malformed(format!(
                "not an INIT answer: {answer:?}"
            )));
        }
        if answer.data[..INIT_NONCE_LEN] != nonce {
            return Err(HostError::Malformed(
                "INIT answer with another nonce".into(),
            ));
        }
        Ok(u32::from_be_bytes([
            answer.data[8],
            answer.data[9],
            answer.data[10],
            answer.data[11],
        ]))
    }
}
