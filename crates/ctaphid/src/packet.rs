//! One 64-byte CTAPHID report: parsing it into an initialization or continuation packet,
//! cutting a message into reports, and the protocol's constants (CTAP 2.1 §11.2.4, §11.2.9).
//!
//! Every 64-byte report is a valid packet shape (bit 7 of byte 4 tells which kind), so
//! parsing cannot fail; whether the packet makes sense is for [`crate::reassembly`] and
//! [`crate::engine`] to judge.

use crate::{MAX_MESSAGE, REPORT_LEN};

/// The channel a client uses before it has one of its own: only INIT may be sent on it.
pub const BROADCAST_CID: u32 = 0xffff_ffff;
/// Never a valid channel: CTAP reserves it.
pub const RESERVED_CID: u32 = 0;
/// Payload bytes in an initialization packet (after CID, CMD and the two length bytes).
pub const INIT_DATA_LEN: usize = REPORT_LEN - 7;
/// Payload bytes in a continuation packet (after CID and SEQ).
pub const CONT_DATA_LEN: usize = REPORT_LEN - 5;
/// The highest sequence number: bit 7 set would make it an initialization packet.
pub const MAX_SEQ: u8 = 0x7f;

/// Bit 7 of the command byte marks an initialization packet.
pub const TYPE_INIT: u8 = 0x80;
/// Echo the data back.
pub const CTAPHID_PING: u8 = TYPE_INIT | 0x01;
/// A CTAP1/U2F APDU.
pub const CTAPHID_MSG: u8 = TYPE_INIT | 0x03;
/// Reserve the device for one channel for some seconds.
pub const CTAPHID_LOCK: u8 = TYPE_INIT | 0x04;
/// Allocate a channel (on the broadcast CID) or resynchronise one.
pub const CTAPHID_INIT: u8 = TYPE_INIT | 0x06;
/// Make the device noticeable.
pub const CTAPHID_WINK: u8 = TYPE_INIT | 0x08;
/// A CTAP2 request: command byte + CBOR.
pub const CTAPHID_CBOR: u8 = TYPE_INIT | 0x10;
/// Cancel the channel's outstanding request.
pub const CTAPHID_CANCEL: u8 = TYPE_INIT | 0x11;
/// Sent by the device while a request is being processed.
pub const CTAPHID_KEEPALIVE: u8 = TYPE_INIT | 0x3b;
/// Sent by the device when a request cannot be processed; one byte of ERR_* follows.
pub const CTAPHID_ERROR: u8 = TYPE_INIT | 0x3f;

/// The command in a request is unknown.
pub const ERR_INVALID_CMD: u8 = 0x01;
/// A parameter in a request is invalid.
pub const ERR_INVALID_PAR: u8 = 0x02;
/// The length field (BCNT) is invalid for the request.
pub const ERR_INVALID_LEN: u8 = 0x03;
/// A continuation packet's sequence number is not the expected one.
pub const ERR_INVALID_SEQ: u8 = 0x04;
/// A message's continuation packets did not arrive in time.
pub const ERR_MSG_TIMEOUT: u8 = 0x05;
/// Another channel has a transaction in progress (or holds the lock).
pub const ERR_CHANNEL_BUSY: u8 = 0x06;
/// A command needs the channel to hold the lock.
pub const ERR_LOCK_REQUIRED: u8 = 0x0a;
/// The CID is not a channel this device allocated (or is the reserved 0).
pub const ERR_INVALID_CHANNEL: u8 = 0x0b;
/// Anything else.
pub const ERR_OTHER: u8 = 0x7f;

/// INIT answer capability flag: the device implements WINK.
pub const CAPABILITY_WINK: u8 = 0x01;
/// INIT answer capability flag: the device implements CBOR (CTAP2).
pub const CAPABILITY_CBOR: u8 = 0x04;
/// INIT answer capability flag: the device does NOT implement MSG (CTAP1/U2F).
pub const CAPABILITY_NMSG: u8 = 0x08;

/// KEEPALIVE status: the request is being processed.
pub const STATUS_PROCESSING: u8 = 1;
/// KEEPALIVE status: the device waits for the person (Latchkey's approval prompt).
pub const STATUS_UPNEEDED: u8 = 2;

/// CTAPHID protocol version the INIT answer reports.
pub const PROTOCOL_VERSION: u8 = 2;
/// Length of the nonce a CTAPHID_INIT request carries.
pub const INIT_NONCE_LEN: usize = 8;
/// Length of the INIT answer: nonce, CID, protocol version, 3 version bytes, capabilities.
pub const INIT_RESPONSE_LEN: usize = 17;

/// A report as the protocol sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// The first packet of a message: command and total length, then up to 57 bytes.
    Init {
        cid: u32,
        cmd: u8,
        /// The message's total length as announced (BCNT); not yet checked.
        bcnt: u16,
        data: &'a [u8],
    },
    /// A following packet: sequence number 0..=127, then up to 59 bytes.
    Cont { cid: u32, seq: u8, data: &'a [u8] },
}

impl<'a> Packet<'a> {
    /// Splits a report into its fields. Every report has one of the two shapes.
    pub fn parse(report: &'a [u8; REPORT_LEN]) -> Packet<'a> {
        let cid = u32::from_be_bytes([report[0], report[1], report[2], report[3]]);
        let kind = report[4];
        if kind & TYPE_INIT != 0 {
            Packet::Init {
                cid,
                cmd: kind,
                bcnt: u16::from_be_bytes([report[5], report[6]]),
                data: &report[7..],
            }
        } else {
            Packet::Cont {
                cid,
                seq: kind,
                data: &report[5..],
            }
        }
    }

    /// The channel the packet belongs to.
    pub fn cid(&self) -> u32 {
        match self {
            Packet::Init { cid, .. } | Packet::Cont { cid, .. } => *cid,
        }
    }
}

/// A message too long for CTAPHID was to be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a CTAPHID message holds at most {MAX_MESSAGE} bytes, this one has {len}")]
pub struct MessageTooLong {
    /// The refused message's length.
    pub len: usize,
}

/// Cuts a message into the reports that carry it: one init packet, then continuation packets
/// numbered from 0. Unused bytes are zero (hosts ignore them; zero leaks nothing).
pub fn fragment(
    cid: u32,
    cmd: u8,
    payload: &[u8],
) -> Result<Vec<[u8; REPORT_LEN]>, MessageTooLong> {
    if payload.len() > MAX_MESSAGE {
        return Err(MessageTooLong { len: payload.len() });
    }
    let mut reports = Vec::with_capacity(
        1 + payload
            .len()
            .saturating_sub(INIT_DATA_LEN)
            .div_ceil(CONT_DATA_LEN),
    );
    let mut first = [0u8; REPORT_LEN];
    first[..4].copy_from_slice(&cid.to_be_bytes());
    first[4] = cmd | TYPE_INIT;
    // Fits: MAX_MESSAGE < 65536.
    first[5..7].copy_from_slice(&(payload.len() as u16).to_be_bytes());
    let head = payload.len().min(INIT_DATA_LEN);
    first[7..7 + head].copy_from_slice(&payload[..head]);
    reports.push(first);
    for (seq, chunk) in payload[head..].chunks(CONT_DATA_LEN).enumerate() {
        let mut report = [0u8; REPORT_LEN];
        report[..4].copy_from_slice(&cid.to_be_bytes());
        // At most 128 chunks (MAX_MESSAGE), so seq stays within 0..=127.
        report[4] = seq as u8;
        report[5..5 + chunk.len()].copy_from_slice(chunk);
        reports.push(report);
    }
    Ok(reports)
}

/// The single report of a CTAPHID_ERROR answer.
pub fn error_report(cid: u32, code: u8) -> [u8; REPORT_LEN] {
    single_report(cid, CTAPHID_ERROR, &[code])
}

/// The single report of a CTAPHID_KEEPALIVE with `status`.
pub fn keepalive_report(cid: u32, status: u8) -> [u8; REPORT_LEN] {
    single_report(cid, CTAPHID_KEEPALIVE, &[status])
}

/// A message short enough for one init packet (`data.len() <= 57`, checked by callers).
fn single_report(cid: u32, cmd: u8, data: &[u8]) -> [u8; REPORT_LEN] {
    let mut report = [0u8; REPORT_LEN];
    report[..4].copy_from_slice(&cid.to_be_bytes());
    report[4] = cmd;
    let len = data.len().min(INIT_DATA_LEN);
    report[5..7].copy_from_slice(&(len as u16).to_be_bytes());
    report[7..7 + len].copy_from_slice(&data[..len]);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_packet_fields_are_read_big_endian() {
        let mut report = [0u8; REPORT_LEN];
        report[..4].copy_from_slice(&[0x01, 0x02, 0x03, 0x04]);
        report[4] = CTAPHID_CBOR;
        report[5] = 0x01;
        report[6] = 0x2c;
        report[7] = 0xaa;
        match Packet::parse(&report) {
            Packet::Init {
                cid,
                cmd,
                bcnt,
                data,
            } => {
                assert_eq!(cid, 0x0102_0304);
                assert_eq!(cmd, CTAPHID_CBOR);
                assert_eq!(bcnt, 300);
                assert_eq!(data.len(), INIT_DATA_LEN);
                assert_eq!(data[0], 0xaa);
            }
            other => panic!("not an init packet: {other:?}"),
        }
    }

    #[test]
    fn continuation_packet_has_seq_and_59_bytes() {
        let mut report = [0u8; REPORT_LEN];
        report[..4].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        report[4] = 0x7f;
        report[5] = 0x11;
        let packet = Packet::parse(&report);
        assert_eq!(packet.cid(), 0xdead_beef);
        match packet {
            Packet::Cont { seq, data, .. } => {
                assert_eq!(seq, MAX_SEQ);
                assert_eq!(data.len(), CONT_DATA_LEN);
                assert_eq!(data[0], 0x11);
            }
            other => panic!("not a continuation packet: {other:?}"),
        }
    }

    #[test]
    fn fragment_of_an_empty_message_is_one_report() {
        let reports = fragment(7, CTAPHID_WINK, &[]).unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(&reports[0][..7], &[0, 0, 0, 7, CTAPHID_WINK, 0, 0]);
        assert!(reports[0][7..].iter().all(|b| *b == 0));
    }

    #[test]
    fn fragment_splits_57_then_59_and_numbers_from_zero() {
        let payload: Vec<u8> = (0..200u16).map(|i| i as u8).collect();
        let reports = fragment(0x0a0b0c0d, CTAPHID_PING, &payload).unwrap();
        // 57 + 59 + 59 = 175 < 200 <= 234
        assert_eq!(reports.len(), 4);
        assert_eq!(&reports[0][5..7], &200u16.to_be_bytes());
        assert_eq!(&reports[0][7..], &payload[..57]);
        for (i, report) in reports[1..].iter().enumerate() {
            assert_eq!(&report[..4], &0x0a0b0c0du32.to_be_bytes());
            assert_eq!(report[4], i as u8);
        }
        assert_eq!(&reports[3][5..5 + 25], &payload[175..]);
        assert!(reports[3][30..].iter().all(|b| *b == 0));
    }

    #[test]
    fn fragment_of_the_largest_message_ends_at_seq_127() {
        let payload = vec![0x5a; MAX_MESSAGE];
        let reports = fragment(1, CTAPHID_CBOR, &payload).unwrap();
        assert_eq!(reports.len(), 129);
        assert_eq!(reports[128][4], MAX_SEQ);
        assert_eq!(reports[128][REPORT_LEN - 1], 0x5a);
    }

    #[test]
    fn fragment_refuses_a_message_over_the_maximum() {
        let payload = vec![0; MAX_MESSAGE + 1];
        assert_eq!(
            fragment(1, CTAPHID_CBOR, &payload),
            Err(MessageTooLong {
                len: MAX_MESSAGE + 1
            })
        );
    }

    #[test]
    fn error_and_keepalive_reports_carry_one_byte() {
        let error = error_report(5, ERR_CHANNEL_BUSY);
        assert_eq!(
            &error[..8],
            &[0, 0, 0, 5, CTAPHID_ERROR, 0, 1, ERR_CHANNEL_BUSY]
        );
        let keepalive = keepalive_report(5, STATUS_UPNEEDED);
        assert_eq!(
            &keepalive[..8],
            &[0, 0, 0, 5, CTAPHID_KEEPALIVE, 0, 1, STATUS_UPNEEDED]
        );
    }
}
