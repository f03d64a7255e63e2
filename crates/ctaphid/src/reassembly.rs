//! One message being put together from its packets (CTAP 2.1 §11.2.4): the sequence numbers
//! must count up from 0, the announced length may not exceed [`MAX_MESSAGE`], and the whole
//! message must arrive within a timeout so a client that stops halfway cannot hold the
//! device (which runs one transaction at a time) forever.

use std::time::{Duration, Instant};

use crate::channels::Channels;
use crate::packet::{
    Packet, CTAPHID_CANCEL, CTAPHID_INIT, ERR_CHANNEL_BUSY, ERR_INVALID_LEN, ERR_INVALID_SEQ,
    ERR_MSG_TIMEOUT, INIT_DATA_LEN,
};
use crate::{MAX_MESSAGE, REPORT_LEN};

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

/// What a report meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Nothing to do yet (a message is incomplete, or the packet is to be ignored).
    Nothing,
    /// A complete request.
    Message(Message),
    /// The host must get CTAPHID_ERROR `code` on `cid`.
    Error { cid: u32, code: u8 },
}

/// Turns reports into requests: the reassembly and channel rules of CTAP 2.1 §11.2 that do not
/// need the handler. It assembles one message at a time: CTAPHID transactions are atomic, so
/// while a message comes in, other channels get CHANNEL_BUSY (INIT excepted: it is one packet
/// and must always get through so a client can (re)start). Its memory is one message at most.
#[derive(Debug)]
pub struct Inbox {
    pending: Option<Reassembly>,
    timeout: Duration,
}

impl Inbox {
    /// An inbox whose messages must complete within `timeout` of their first packet.
    pub fn new(timeout: Duration) -> Self {
        Inbox {
            pending: None,
            timeout,
        }
    }

    /// Takes one report. `exclusive` is the channel that has the device to itself (a
    /// transaction runs for it, or it holds the LOCK): other channels' requests, INIT and
    /// CANCEL excepted, get CHANNEL_BUSY at once instead of being assembled.
    pub fn feed(
        &mut self,
        report: &[u8; REPORT_LEN],
        channels: &Channels,
        exclusive: Option<u32>,
        now: Instant,
    ) -> Incoming {
        if self.pending.as_ref().is_some_and(|p| p.is_expired(now)) {
            // The engine reports timeouts through `expire` before feeding; a caller that did
            // not still must not have a stale message block the device.
            self.pending = None;
        }
        match Packet::parse(report) {
            Packet::Init {
                cid,
                cmd,
                bcnt,
                data,
            } => {
                if let Err(code) = channels.check(cid, cmd) {
                    return Incoming::Error { cid, code };
                }
                if cmd == CTAPHID_INIT && usize::from(bcnt) > INIT_DATA_LEN {
                    // INIT must fit one packet: assembling it could displace another message.
                    return Incoming::Error {
                        cid,
                        code: ERR_INVALID_LEN,
                    };
                }
                if let Some(pending) = &self.pending {
                    if pending.cid() == cid {
                        // An init packet on the channel whose message is incomplete: INIT
                        // resynchronises (the message is dropped and INIT answered), anything
                        // else means the host lost track: drop both, report the sequence.
                        self.pending = None;
                        if cmd != CTAPHID_INIT {
                            return Incoming::Error {
                                cid,
                                code: ERR_INVALID_SEQ,
                            };
                        }
                    } else if cmd != CTAPHID_INIT {
                        return Incoming::Error {
                            cid,
                            code: ERR_CHANNEL_BUSY,
                        };
                    }
                }
                if let Some(owner) = exclusive {
                    if owner != cid && cmd != CTAPHID_INIT && cmd != CTAPHID_CANCEL {
                        return Incoming::Error {
                            cid,
                            code: ERR_CHANNEL_BUSY,
                        };
                    }
                }
                match Reassembly::start(cid, cmd, bcnt, data, now, self.timeout) {
                    Ok(Started::Complete(message)) => Incoming::Message(message),
                    Ok(Started::Pending(pending)) => {
                        self.pending = Some(pending);
                        Incoming::Nothing
                    }
                    Err(err) => Incoming::Error {
                        cid,
                        code: err.code(),
                    },
                }
            }
            Packet::Cont { cid, seq, data } => {
                // A continuation without a message in progress on its channel (late, stray,
                // or after an error dropped the message) is ignored, as the spec asks.
                let Some(pending) = self.pending.as_mut().filter(|p| p.cid() == cid) else {
                    return Incoming::Nothing;
                };
                match pending.push(seq, data, now) {
                    Ok(Some(message)) => {
                        self.pending = None;
                        Incoming::Message(message)
                    }
                    Ok(None) => Incoming::Nothing,
                    Err(err) => {
                        self.pending = None;
                        Incoming::Error {
                            cid,
                            code: err.code(),
                        }
                    }
                }
            }
        }
    }

    /// Drops a message whose time ran out; its channel must get ERR_MSG_TIMEOUT.
    pub fn expire(&mut self, now: Instant) -> Option<u32> {
        if self.pending.as_ref().is_some_and(|p| p.is_expired(now)) {
            return self.pending.take().map(|p| p.cid());
        }
        None
    }

    /// When the message in progress times out.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.as_ref().map(Reassembly::deadline)
    }

    /// The channel whose message is being assembled.
    pub fn assembling(&self) -> Option<u32> {
        self.pending.as_ref().map(Reassembly::cid)
    }

    /// Bytes held for the message in progress (the fuzz target checks the bound).
    pub fn buffered(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| p.data.capacity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{
        fragment, Packet, BROADCAST_CID, CONT_DATA_LEN, CTAPHID_CBOR, CTAPHID_PING,
    };
    use crate::REPORT_LEN;

    fn start(reports: &[[u8; REPORT_LEN]], now: Instant) -> Result<Started, ReassemblyError> {
        match Packet::parse(&reports[0]) {
            Packet::Init {
                cid,
                cmd,
                bcnt,
                data,
            } => Reassembly::start(cid, cmd, bcnt, data, now, DEFAULT_TIMEOUT),
            other => panic!("not an init packet: {other:?}"),
        }
    }

    fn cont(report: &[u8; REPORT_LEN]) -> (u8, &[u8]) {
        match Packet::parse(report) {
            Packet::Cont { seq, data, .. } => (seq, data),
            other => panic!("not a continuation packet: {other:?}"),
        }
    }

    #[test]
    fn short_message_completes_in_the_init_packet_without_padding() {
        let reports = fragment(9, CTAPHID_PING, b"hello").unwrap();
        match start(&reports, Instant::now()).unwrap() {
            Started::Complete(message) => assert_eq!(
                message,
                Message {
                    cid: 9,
                    cmd: CTAPHID_PING,
                    data: b"hello".to_vec()
                }
            ),
            Started::Pending(_) => panic!("a 5-byte message fits one packet"),
        }
    }

    #[test]
    fn largest_message_round_trips_through_129_packets() {
        let payload: Vec<u8> = (0..MAX_MESSAGE).map(|i| (i * 7) as u8).collect();
        let reports = fragment(3, CTAPHID_CBOR, &payload).unwrap();
        let now = Instant::now();
        let Started::Pending(mut pending) = start(&reports, now).unwrap() else {
            panic!("needs continuation packets")
        };
        for report in &reports[1..reports.len() - 1] {
            let (seq, data) = cont(report);
            assert_eq!(pending.push(seq, data, now).unwrap(), None);
        }
        let (seq, data) = cont(&reports[reports.len() - 1]);
        let message = pending.push(seq, data, now).unwrap().expect("complete");
        assert_eq!(message.data, payload);
        assert_eq!(message.cmd, CTAPHID_CBOR);
    }

    #[test]
    fn announced_length_over_the_maximum_is_invalid_len() {
        let first = [0u8; INIT_DATA_LEN];
        let err = Reassembly::start(
            1,
            CTAPHID_CBOR,
            (MAX_MESSAGE + 1) as u16,
            &first,
            Instant::now(),
            DEFAULT_TIMEOUT,
        )
        .unwrap_err();
        assert_eq!(
            err,
            ReassemblyError::TooLong {
                announced: MAX_MESSAGE + 1
            }
        );
        assert_eq!(err.code(), ERR_INVALID_LEN);
        let err = Reassembly::start(
            1,
            CTAPHID_CBOR,
            u16::MAX,
            &first,
            Instant::now(),
            DEFAULT_TIMEOUT,
        )
        .unwrap_err();
        assert_eq!(err.code(), ERR_INVALID_LEN);
    }

    #[test]
    fn maximum_announced_length_is_accepted() {
        let first = [0u8; INIT_DATA_LEN];
        let started = Reassembly::start(
            1,
            CTAPHID_CBOR,
            MAX_MESSAGE as u16,
            &first,
            Instant::now(),
            DEFAULT_TIMEOUT,
        );
        assert!(matches!(started, Ok(Started::Pending(_))));
    }

    #[test]
    fn skipped_sequence_number_is_invalid_seq() {
        let reports = fragment(3, CTAPHID_PING, &[1; 200]).unwrap();
        let now = Instant::now();
        let Started::Pending(mut pending) = start(&reports, now).unwrap() else {
            panic!("needs continuation packets")
        };
        let (_, data) = cont(&reports[2]);
        let err = pending.push(1, data, now).unwrap_err();
        assert_eq!(
            err,
            ReassemblyError::InvalidSeq {
                expected: 0,
                got: 1
            }
        );
        assert_eq!(err.code(), ERR_INVALID_SEQ);
    }

    #[test]
    fn repeated_sequence_number_is_invalid_seq() {
        let reports = fragment(3, CTAPHID_PING, &[1; 200]).unwrap();
        let now = Instant::now();
        let Started::Pending(mut pending) = start(&reports, now).unwrap() else {
            panic!("needs continuation packets")
        };
        let (seq, data) = cont(&reports[1]);
        assert_eq!(pending.push(seq, data, now).unwrap(), None);
        let err = pending.push(seq, data, now).unwrap_err();
        assert_eq!(
            err,
            ReassemblyError::InvalidSeq {
                expected: 1,
                got: 0
            }
        );
    }

    #[test]
    fn continuation_after_the_deadline_is_msg_timeout() {
        let reports = fragment(3, CTAPHID_PING, &[1; 100]).unwrap();
        let now = Instant::now();
        let Started::Pending(mut pending) = start(&reports, now).unwrap() else {
            panic!("needs continuation packets")
        };
        assert!(!pending.is_expired(now + DEFAULT_TIMEOUT - Duration::from_millis(1)));
        assert!(pending.is_expired(now + DEFAULT_TIMEOUT));
        let (seq, data) = cont(&reports[1]);
        let err = pending.push(seq, data, now + DEFAULT_TIMEOUT).unwrap_err();
        assert_eq!(err, ReassemblyError::Timeout);
        assert_eq!(err.code(), ERR_MSG_TIMEOUT);
    }

    #[test]
    fn padding_beyond_the_announced_length_is_not_kept() {
        // 58 bytes: 57 in the init packet, 1 in the continuation; the other 58 bytes of the
        // continuation packet are padding (here non-zero) and must not leak into the message.
        let mut reports = fragment(3, CTAPHID_PING, &[7; 58]).unwrap();
        reports[1][6..].fill(0xee);
        let now = Instant::now();
        let Started::Pending(mut pending) = start(&reports, now).unwrap() else {
            panic!("needs continuation packets")
        };
        let (seq, data) = cont(&reports[1]);
        assert_eq!(data.len(), CONT_DATA_LEN);
        let message = pending.push(seq, data, now).unwrap().expect("complete");
        assert_eq!(message.data, vec![7; 58]);
    }

    fn inbox_with_channels() -> (Inbox, Channels, u32, u32) {
        let mut channels = Channels::new();
        let a = channels.allocate();
        let b = channels.allocate();
        (Inbox::new(DEFAULT_TIMEOUT), channels, a, b)
    }

    #[test]
    fn continuation_without_an_init_packet_is_ignored() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let reports = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        assert_eq!(
            inbox.feed(&reports[1], &channels, None, Instant::now()),
            Incoming::Nothing
        );
        assert_eq!(inbox.assembling(), None);
    }

    #[test]
    fn continuation_for_another_channel_is_ignored() {
        let (mut inbox, channels, a, b) = inbox_with_channels();
        let now = Instant::now();
        let reports = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        let stray = fragment(b, CTAPHID_PING, &[2; 100]).unwrap();
        assert_eq!(
            inbox.feed(&reports[0], &channels, None, now),
            Incoming::Nothing
        );
        assert_eq!(
            inbox.feed(&stray[1], &channels, None, now),
            Incoming::Nothing
        );
        let Incoming::Message(message) = inbox.feed(&reports[1], &channels, None, now) else {
            panic!("a's message completes")
        };
        assert_eq!(message.data, vec![1; 100]);
    }

    #[test]
    fn out_of_sequence_drops_the_message_and_later_packets_are_ignored() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let now = Instant::now();
        let reports = fragment(a, CTAPHID_PING, &[1; 200]).unwrap();
        inbox.feed(&reports[0], &channels, None, now);
        assert_eq!(
            inbox.feed(&reports[2], &channels, None, now),
            Incoming::Error {
                cid: a,
                code: ERR_INVALID_SEQ
            }
        );
        assert_eq!(inbox.assembling(), None);
        assert_eq!(
            inbox.feed(&reports[1], &channels, None, now),
            Incoming::Nothing
        );
        assert_eq!(
            inbox.feed(&reports[3], &channels, None, now),
            Incoming::Nothing
        );
    }

    #[test]
    fn new_request_on_the_same_channel_mid_message_is_invalid_seq() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let now = Instant::now();
        let first = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        let second = fragment(a, CTAPHID_CBOR, &[4]).unwrap();
        inbox.feed(&first[0], &channels, None, now);
        assert_eq!(
            inbox.feed(&second[0], &channels, None, now),
            Incoming::Error {
                cid: a,
                code: ERR_INVALID_SEQ
            }
        );
        assert_eq!(
            inbox.assembling(),
            None,
            "the interrupted message is dropped"
        );
        assert_eq!(
            inbox.feed(&first[1], &channels, None, now),
            Incoming::Nothing
        );
    }

    #[test]
    fn init_on_the_same_channel_mid_message_restarts_it() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let now = Instant::now();
        let first = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        let init = fragment(a, CTAPHID_INIT, b"12345678").unwrap();
        inbox.feed(&first[0], &channels, None, now);
        assert_eq!(
            inbox.feed(&init[0], &channels, None, now),
            Incoming::Message(Message {
                cid: a,
                cmd: CTAPHID_INIT,
                data: b"12345678".to_vec()
            })
        );
        assert_eq!(inbox.assembling(), None);
    }

    #[test]
    fn other_channel_gets_busy_while_a_message_is_assembled_then_the_first_completes() {
        let (mut inbox, channels, a, b) = inbox_with_channels();
        let now = Instant::now();
        let first = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        let other = fragment(b, CTAPHID_PING, &[2; 10]).unwrap();
        inbox.feed(&first[0], &channels, None, now);
        assert_eq!(
            inbox.feed(&other[0], &channels, None, now),
            Incoming::Error {
                cid: b,
                code: ERR_CHANNEL_BUSY
            }
        );
        assert!(
            matches!(inbox.feed(&first[1], &channels, None, now), Incoming::Message(m) if m.cid == a)
        );
    }

    #[test]
    fn init_from_another_channel_gets_through_without_disturbing_the_message() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let now = Instant::now();
        let first = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        let init = fragment(BROADCAST_CID, CTAPHID_INIT, b"abcdefgh").unwrap();
        inbox.feed(&first[0], &channels, None, now);
        assert!(
            matches!(inbox.feed(&init[0], &channels, None, now), Incoming::Message(m) if m.cid == BROADCAST_CID)
        );
        assert!(
            matches!(inbox.feed(&first[1], &channels, None, now), Incoming::Message(m) if m.cid == a)
        );
    }

    #[test]
    fn cid_zero_and_unknown_channels_are_invalid_channel() {
        let (mut inbox, channels, a, b) = inbox_with_channels();
        let now = Instant::now();
        let unknown = (1..)
            .find(|cid| !channels.is_allocated(*cid) && *cid != a && *cid != b)
            .unwrap();
        for cid in [0, unknown] {
            let report = fragment(cid, CTAPHID_PING, b"x").unwrap();
            assert_eq!(
                inbox.feed(&report[0], &channels, None, now),
                Incoming::Error {
                    cid,
                    code: crate::packet::ERR_INVALID_CHANNEL
                }
            );
        }
    }

    #[test]
    fn broadcast_channel_only_takes_init() {
        let (mut inbox, channels, _, _) = inbox_with_channels();
        let report = fragment(BROADCAST_CID, CTAPHID_CBOR, &[4]).unwrap();
        assert_eq!(
            inbox.feed(&report[0], &channels, None, Instant::now()),
            Incoming::Error {
                cid: BROADCAST_CID,
                code: crate::packet::ERR_INVALID_CHANNEL
            }
        );
    }

    #[test]
    fn init_longer_than_one_packet_is_invalid_len() {
        let (mut inbox, channels, _, _) = inbox_with_channels();
        let reports = fragment(BROADCAST_CID, CTAPHID_INIT, &[0; 60]).unwrap();
        assert_eq!(
            inbox.feed(&reports[0], &channels, None, Instant::now()),
            Incoming::Error {
                cid: BROADCAST_CID,
                code: ERR_INVALID_LEN
            }
        );
        assert_eq!(inbox.assembling(), None);
    }

    #[test]
    fn oversize_announcement_is_invalid_len_and_nothing_is_buffered() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let mut report = fragment(a, CTAPHID_CBOR, &[0; 10]).unwrap()[0];
        report[5..7].copy_from_slice(&((MAX_MESSAGE + 1) as u16).to_be_bytes());
        assert_eq!(
            inbox.feed(&report, &channels, None, Instant::now()),
            Incoming::Error {
                cid: a,
                code: ERR_INVALID_LEN
            }
        );
        assert_eq!(inbox.buffered(), 0);
    }

    #[test]
    fn exclusive_channel_makes_others_busy_but_lets_init_and_cancel_through() {
        let (mut inbox, channels, a, b) = inbox_with_channels();
        let now = Instant::now();
        let ping = fragment(b, CTAPHID_PING, b"x").unwrap();
        assert_eq!(
            inbox.feed(&ping[0], &channels, Some(a), now),
            Incoming::Error {
                cid: b,
                code: ERR_CHANNEL_BUSY
            }
        );
        let cancel = fragment(b, CTAPHID_CANCEL, &[]).unwrap();
        assert!(matches!(
            inbox.feed(&cancel[0], &channels, Some(a), now),
            Incoming::Message(_)
        ));
        let init = fragment(b, CTAPHID_INIT, b"abcdefgh").unwrap();
        assert!(matches!(
            inbox.feed(&init[0], &channels, Some(a), now),
            Incoming::Message(_)
        ));
        let own = fragment(a, CTAPHID_PING, b"x").unwrap();
        assert!(matches!(
            inbox.feed(&own[0], &channels, Some(a), now),
            Incoming::Message(_)
        ));
    }

    #[test]
    fn expired_message_is_reported_once_for_its_channel() {
        let (mut inbox, channels, a, _) = inbox_with_channels();
        let now = Instant::now();
        let reports = fragment(a, CTAPHID_PING, &[1; 100]).unwrap();
        inbox.feed(&reports[0], &channels, None, now);
        assert_eq!(inbox.deadline(), Some(now + DEFAULT_TIMEOUT));
        assert_eq!(inbox.expire(now), None);
        assert_eq!(inbox.expire(now + DEFAULT_TIMEOUT), Some(a));
        assert_eq!(inbox.expire(now + DEFAULT_TIMEOUT), None);
        assert_eq!(
            inbox.feed(&reports[1], &channels, None, now + DEFAULT_TIMEOUT),
            Incoming::Nothing
        );
    }
}
