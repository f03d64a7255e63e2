//! Any sequence of 64-byte HID reports a program on /dev/hidrawN can write, with time passing
//! and another channel holding the device in between, through the CTAPHID inbox (reassembly
//! and channel rules): never a panic, never more than one message of at most MAX_MESSAGE
//! bytes held, every message complete and on a channel allowed to send it, every error one of
//! the CTAPHID codes, and every message re-sent as clean packets reads back the same.
//! Input: chunks of 1 control byte + 64 report bytes. Control: bits 0-5 advance the clock by
//! that many 20 ms steps; bit 6 gives the device to the first allocated channel (a
//! transaction or LOCK of its own).
#![no_main]

use std::time::{Duration, Instant};

use latchkey_ctaphid::channels::Channels;
use latchkey_ctaphid::packet::{self, *};
use latchkey_ctaphid::reassembly::{Inbox, Incoming, DEFAULT_TIMEOUT};
use latchkey_ctaphid::{MAX_MESSAGE, REPORT_LEN};
use libfuzzer_sys::fuzz_target;

const CODES: [u8; 9] = [
    ERR_INVALID_CMD,
    ERR_INVALID_PAR,
    ERR_INVALID_LEN,
    ERR_INVALID_SEQ,
    ERR_MSG_TIMEOUT,
    ERR_CHANNEL_BUSY,
    ERR_LOCK_REQUIRED,
    ERR_INVALID_CHANNEL,
    ERR_OTHER,
];

fuzz_target!(|data: &[u8]| {
    // Known CIDs so the fuzzer can find them: 1, 2, 3, ...
    let mut channels = Channels::starting_at(1);
    let mut inbox = Inbox::new(DEFAULT_TIMEOUT);
    let start = Instant::now();
    let mut now = start;
    for chunk in data.chunks_exact(1 + REPORT_LEN) {
        let control = chunk[0];
        let report: &[u8; REPORT_LEN] = chunk[1..].try_into().expect("65-byte chunk");
        now += Duration::from_millis(20) * u32::from(control & 0x3f);
        let _ = inbox.expire(now);
        let exclusive = (control & 0x40 != 0)
            .then_some(1)
            .filter(|cid| channels.is_allocated(*cid));
        match inbox.feed(report, &channels, exclusive, now) {
            Incoming::Nothing => {}
            Incoming::Error { code, .. } => {
                assert!(CODES.contains(&code), "unknown error {code:#x}")
            }
            Incoming::Message(message) => {
                assert!(message.data.len() <= MAX_MESSAGE);
                assert_eq!(channels.check(message.cid, message.cmd), Ok(()));
                if let Some(owner) = exclusive {
                    assert!(
                        message.cid == owner
                            || message.cmd == CTAPHID_INIT
                            || message.cmd == CTAPHID_CANCEL,
                        "a request got past the channel that holds the device"
                    );
                }
                // The same message, sent cleanly, reads back identical through a fresh inbox.
                let mut fresh = Inbox::new(DEFAULT_TIMEOUT);
                let reports =
                    packet::fragment(message.cid, message.cmd, &message.data).expect("fits");
                let mut again = None;
                for r in &reports {
                    if let Incoming::Message(m) = fresh.feed(r, &channels, None, now) {
                        again = Some(m);
                    }
                }
                assert_eq!(again.as_ref(), Some(&message));
                if message.cid == BROADCAST_CID
                    && message.cmd == CTAPHID_INIT
                    && message.data.len() == INIT_NONCE_LEN
                {
                    channels.allocate();
                }
            }
        }
        assert!(
            inbox.buffered() <= MAX_MESSAGE,
            "more than one message's worth held"
        );
    }
});
