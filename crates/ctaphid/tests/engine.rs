//! The engine driven from the host side of the in-memory pipe, exactly as a client on
//! /dev/hidrawN would drive it: raw 64-byte reports in, raw reports out. The handler is a
//! small real authenticator stand-in (echo, slow, blocking until cancelled, panicking) — the
//! engine is what is under test.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use latchkey_ctaphid::memory::{HostEnd, HostMessage};
use latchkey_ctaphid::packet::*;
use latchkey_ctaphid::{
    memory_pair, CtapHandler, Engine, Transaction, TransportError, MAX_MESSAGE, REPORT_LEN,
};

const WAIT: Duration = Duration::from_secs(5);

/// CTAP2 status the blocking request answers after CANCEL.
const CTAP2_ERR_KEEPALIVE_CANCEL: u8 = 0x2d;
/// Test commands (in the vendor range of authenticator commands).
const ECHO: u8 = 0x40;
const SLOW: u8 = 0x41;
const BLOCK: u8 = 0x42;
const PANIC: u8 = 0x43;
const HUGE: u8 = 0x44;

#[derive(Default)]
struct TestHandler {
    cancelled: Mutex<Vec<u64>>,
    winks: AtomicUsize,
    cbor_calls: AtomicUsize,
}

impl CtapHandler for TestHandler {
    fn cbor(&self, request: &[u8], tx: &Transaction) -> Vec<u8> {
        self.cbor_calls.fetch_add(1, Ordering::SeqCst);
        match request[0] {
            ECHO => request[1..].to_vec(),
            SLOW => {
                // 150 ms processing, then 250 ms waiting for "the person".
                std::thread::sleep(Duration::from_millis(150));
                tx.set_user_presence_needed(true);
                std::thread::sleep(Duration::from_millis(250));
                vec![0x00, 0xa0]
            }
            BLOCK => {
                tx.set_user_presence_needed(true);
                let start = Instant::now();
                while !tx.is_cancelled() && start.elapsed() < WAIT {
                    std::thread::sleep(Duration::from_millis(5));
                }
                vec![if tx.is_cancelled() {
                    CTAP2_ERR_KEEPALIVE_CANCEL
                } else {
                    0x00
                }]
            }
            PANIC => panic!("test handler panics on purpose"),
            HUGE => vec![0; MAX_MESSAGE + 1],
            _ => vec![0x01],
        }
    }

    fn cancel(&self, tx: &Transaction) {
        self.cancelled.lock().unwrap().push(tx.id());
    }

    fn wink(&self) {
        self.winks.fetch_add(1, Ordering::SeqCst);
    }
}

struct Harness {
    host: HostEnd,
    handler: Arc<TestHandler>,
    stop: Arc<AtomicBool>,
    engine: Option<JoinHandle<Result<(), TransportError>>>,
}

impl Harness {
    fn new() -> Self {
        Self::with(|engine| engine)
    }

    fn with(configure: impl FnOnce(Engine<TestHandler>) -> Engine<TestHandler>) -> Self {
        Self::with_caps(
            CAPABILITY_CBOR | CAPABILITY_WINK | CAPABILITY_NMSG,
            configure,
        )
    }

    fn with_caps(
        caps: u8,
        configure: impl FnOnce(Engine<TestHandler>) -> Engine<TestHandler>,
    ) -> Self {
        let (host, mut device) = memory_pair();
        let handler = Arc::new(TestHandler::default());
        let mut engine = configure(Engine::new(Arc::clone(&handler), caps).with_version(1, 2, 3));
        let stop = Arc::new(AtomicBool::new(false));
        let engine_stop = Arc::clone(&stop);
        let engine = std::thread::spawn(move || engine.run(&mut device, &engine_stop));
        Harness {
            host,
            handler,
            stop,
            engine: Some(engine),
        }
    }

    fn channel(&self) -> u32 {
        self.host.allocate_channel(WAIT).expect("INIT answered")
    }

    fn request(&self, cid: u32, cmd: u8, payload: &[u8]) -> HostMessage {
        self.host.send_message(cid, cmd, payload).unwrap();
        self.answer()
    }

    fn answer(&self) -> HostMessage {
        self.host.recv_answer(WAIT).expect("an answer").0
    }

    fn expect_error(&self, cid: u32, code: u8) {
        let answer = self.answer();
        assert_eq!(
            answer,
            HostMessage {
                cid,
                cmd: CTAPHID_ERROR,
                data: vec![code]
            }
        );
    }

    fn expect_silence(&self, for_: Duration) {
        if let Some(report) = self.host.recv_report(for_).unwrap() {
            panic!("unexpected report {:02x?}", &report[..8]);
        }
    }

    fn stop(mut self) -> Result<(), TransportError> {
        self.stop.store(true, Ordering::SeqCst);
        self.engine.take().unwrap().join().unwrap()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(engine) = self.engine.take() {
            let _ = engine.join();
        }
    }
}

fn report(cid: u32, byte4: u8, rest: &[u8]) -> [u8; REPORT_LEN] {
    let mut report = [0u8; REPORT_LEN];
    report[..4].copy_from_slice(&cid.to_be_bytes());
    report[4] = byte4;
    report[5..5 + rest.len()].copy_from_slice(rest);
    report
}

#[test]
fn init_on_broadcast_allocates_a_channel_and_describes_the_device() {
    let h = Harness::new();
    let answer = h.request(
        BROADCAST_CID,
        CTAPHID_INIT,
        b"\x01\x02\x03\x04\x05\x06\x07\x08",
    );
    assert_eq!(answer.cid, BROADCAST_CID);
    assert_eq!(answer.cmd, CTAPHID_INIT);
    assert_eq!(answer.data.len(), INIT_RESPONSE_LEN);
    assert_eq!(&answer.data[..8], b"\x01\x02\x03\x04\x05\x06\x07\x08");
    let cid = u32::from_be_bytes(answer.data[8..12].try_into().unwrap());
    assert_ne!(cid, RESERVED_CID);
    assert_ne!(cid, BROADCAST_CID);
    assert_eq!(
        &answer.data[12..],
        &[
            PROTOCOL_VERSION,
            1,
            2,
            3,
            CAPABILITY_CBOR | CAPABILITY_WINK | CAPABILITY_NMSG
        ]
    );
    let other = h.channel();
    assert_ne!(other, cid, "each INIT gets its own channel");
    assert_eq!(h.request(cid, CTAPHID_PING, b"hi").data, b"hi");
}

#[test]
fn init_with_a_nonce_that_is_not_8_bytes_is_invalid_len() {
    let h = Harness::new();
    h.host
        .send_message(BROADCAST_CID, CTAPHID_INIT, b"1234567")
        .unwrap();
    h.expect_error(BROADCAST_CID, ERR_INVALID_LEN);
}

#[test]
fn ping_and_cbor_round_trip_a_maximum_size_message() {
    let h = Harness::new();
    let cid = h.channel();
    let payload: Vec<u8> = (0..MAX_MESSAGE).map(|i| (i % 251) as u8).collect();
    let answer = h.request(cid, CTAPHID_PING, &payload);
    assert_eq!(answer.cmd, CTAPHID_PING);
    assert_eq!(answer.data, payload);
    let mut request = vec![ECHO];
    request.extend_from_slice(&payload[1..]);
    let answer = h.request(cid, CTAPHID_CBOR, &request);
    assert_eq!(answer.cmd, CTAPHID_CBOR);
    assert_eq!(answer.data, payload[1..]);
}

#[test]
fn wink_reaches_the_handler() {
    let h = Harness::new();
    let cid = h.channel();
    let answer = h.request(cid, CTAPHID_WINK, &[]);
    assert_eq!((answer.cmd, answer.data.len()), (CTAPHID_WINK, 0));
    assert_eq!(h.handler.winks.load(Ordering::SeqCst), 1);
}

#[test]
fn msg_gets_an_apdu_with_ins_not_supported() {
    let h = Harness::new();
    let cid = h.channel();
    // U2F_VERSION: CLA 0, INS 3, P1 0, P2 0, Le 0.
    let answer = h.request(cid, CTAPHID_MSG, &[0x00, 0x03, 0x00, 0x00, 0x00]);
    assert_eq!(answer.cmd, CTAPHID_MSG);
    assert_eq!(answer.data, vec![0x6d, 0x00]);
}

#[test]
fn unknown_commands_are_invalid_cmd() {
    let h = Harness::new();
    let cid = h.channel();
    for cmd in [0xc0, CTAPHID_KEEPALIVE, CTAPHID_ERROR, TYPE_INIT] {
        h.host.send_message(cid, cmd, b"x").unwrap();
        h.expect_error(cid, ERR_INVALID_CMD);
    }
}

#[test]
fn commands_without_their_capability_are_invalid_cmd() {
    let h = Harness::with_caps(CAPABILITY_NMSG, |e| e);
    let cid = h.channel();
    h.host.send_message(cid, CTAPHID_CBOR, &[ECHO]).unwrap();
    h.expect_error(cid, ERR_INVALID_CMD);
    h.host.send_message(cid, CTAPHID_WINK, &[]).unwrap();
    h.expect_error(cid, ERR_INVALID_CMD);
    assert_eq!(h.handler.cbor_calls.load(Ordering::SeqCst), 0);
}

#[test]
fn cid_zero_unknown_channels_and_non_init_broadcast_are_invalid_channel() {
    let h = Harness::new();
    let cid = h.channel();
    h.host.send_message(0, CTAPHID_PING, b"x").unwrap();
    h.expect_error(0, ERR_INVALID_CHANNEL);
    h.host.send_message(0, CTAPHID_INIT, b"12345678").unwrap();
    h.expect_error(0, ERR_INVALID_CHANNEL);
    let stranger = cid.wrapping_add(0x1000);
    h.host
        .send_message(stranger, CTAPHID_CBOR, &[ECHO])
        .unwrap();
    h.expect_error(stranger, ERR_INVALID_CHANNEL);
    h.host
        .send_message(BROADCAST_CID, CTAPHID_PING, b"x")
        .unwrap();
    h.expect_error(BROADCAST_CID, ERR_INVALID_CHANNEL);
    assert_eq!(h.handler.cbor_calls.load(Ordering::SeqCst), 0);
}

#[test]
fn out_of_sequence_packet_is_invalid_seq_and_the_channel_recovers() {
    let h = Harness::new();
    let cid = h.channel();
    let reports = fragment(cid, CTAPHID_PING, &[9; 300]).unwrap();
    h.host.send_report(&reports[0]).unwrap();
    h.host.send_report(&reports[2]).unwrap();
    h.expect_error(cid, ERR_INVALID_SEQ);
    // The rest of the dropped message is ignored, not taken as a new one.
    for report in &reports[3..] {
        h.host.send_report(report).unwrap();
    }
    h.expect_silence(Duration::from_millis(50));
    assert_eq!(h.request(cid, CTAPHID_PING, b"again").data, b"again");
}

#[test]
fn oversize_length_is_invalid_len() {
    let h = Harness::new();
    let cid = h.channel();
    let too_long = ((MAX_MESSAGE + 1) as u16).to_be_bytes();
    h.host
        .send_report(&report(
            cid,
            CTAPHID_CBOR,
            &[too_long[0], too_long[1], ECHO],
        ))
        .unwrap();
    h.expect_error(cid, ERR_INVALID_LEN);
    h.host
        .send_report(&report(cid, CTAPHID_PING, &[0xff, 0xff]))
        .unwrap();
    h.expect_error(cid, ERR_INVALID_LEN);
    assert_eq!(h.handler.cbor_calls.load(Ordering::SeqCst), 0);
}

#[test]
fn malformed_reports_do_not_stop_the_engine() {
    let h = Harness::new();
    let cid = h.channel();
    // Continuation packets nobody started, empty commands, garbage.
    h.host.send_report(&report(cid, 0x00, &[1, 2, 3])).unwrap();
    h.host.send_report(&report(cid, 0x7f, &[])).unwrap();
    // All zero: a continuation packet on CID 0, ignored.
    h.host.send_report(&[0u8; REPORT_LEN]).unwrap();
    h.expect_silence(Duration::from_millis(50));
    // All 0xff: command 0xff on the broadcast channel, which only takes INIT.
    h.host.send_report(&[0xff; REPORT_LEN]).unwrap();
    h.expect_error(BROADCAST_CID, ERR_INVALID_CHANNEL);
    h.host
        .send_report(&report(0, CTAPHID_PING, &[0, 1, 0]))
        .unwrap();
    h.expect_error(0, ERR_INVALID_CHANNEL);
    h.host.send_message(cid, CTAPHID_CBOR, &[]).unwrap();
    h.expect_error(cid, ERR_INVALID_LEN);
    assert_eq!(h.request(cid, CTAPHID_PING, b"alive").data, b"alive");
}

#[test]
fn interleaved_channels_get_busy_while_a_message_is_assembled() {
    let h = Harness::new();
    let a = h.channel();
    let b = h.channel();
    let long = fragment(a, CTAPHID_PING, &[1; 150]).unwrap();
    h.host.send_report(&long[0]).unwrap();
    h.host.send_message(b, CTAPHID_PING, b"b").unwrap();
    h.expect_error(b, ERR_CHANNEL_BUSY);
    // A continuation packet on b (b has no message) is ignored.
    h.host.send_report(&report(b, 0, &[2; 10])).unwrap();
    for report in &long[1..] {
        h.host.send_report(report).unwrap();
    }
    let answer = h.answer();
    assert_eq!((answer.cid, answer.data), (a, vec![1; 150]));
    assert_eq!(h.request(b, CTAPHID_PING, b"b").data, b"b");
}

#[test]
fn stalled_message_times_out_with_msg_timeout() {
    let h = Harness::with(|e| e.with_reassembly_timeout(Duration::from_millis(80)));
    let cid = h.channel();
    let long = fragment(cid, CTAPHID_PING, &[1; 100]).unwrap();
    let sent = Instant::now();
    h.host.send_report(&long[0]).unwrap();
    h.expect_error(cid, ERR_MSG_TIMEOUT);
    let took = sent.elapsed();
    assert!(
        took >= Duration::from_millis(80),
        "timed out early: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1000),
        "timed out late: {took:?}"
    );
    // The late continuation is ignored; the channel (and others) work again.
    h.host.send_report(&long[1]).unwrap();
    h.expect_silence(Duration::from_millis(50));
    assert_eq!(h.request(cid, CTAPHID_PING, b"x").data, b"x");
}

#[test]
fn default_reassembly_timeout_frees_the_device_for_other_channels() {
    let h = Harness::new();
    let a = h.channel();
    let b = h.channel();
    h.host
        .send_report(&fragment(a, CTAPHID_PING, &[1; 100]).unwrap()[0])
        .unwrap();
    h.expect_error(a, ERR_MSG_TIMEOUT);
    assert_eq!(h.request(b, CTAPHID_PING, b"b").data, b"b");
}

#[test]
fn slow_cbor_sends_keepalives_with_its_status_and_other_channels_are_busy() {
    let h = Harness::new();
    let a = h.channel();
    let b = h.channel();
    h.host.send_message(a, CTAPHID_CBOR, &[SLOW]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    // b is refused while a's transaction runs; b's CANCEL is ignored without an answer.
    h.host.send_message(b, CTAPHID_PING, b"b").unwrap();
    h.host.send_message(b, CTAPHID_CANCEL, &[]).unwrap();
    // a's own second request is refused too.
    h.host.send_message(a, CTAPHID_PING, b"a").unwrap();
    let mut statuses = Vec::new();
    let mut busy = Vec::new();
    let answer = loop {
        let message = h.host.recv_message(WAIT).unwrap();
        match message.cmd {
            CTAPHID_KEEPALIVE => {
                assert_eq!(message.cid, a);
                statuses.push(message.data[0]);
            }
            CTAPHID_ERROR => busy.push((message.cid, message.data)),
            _ => break message,
        }
    };
    assert_eq!(
        answer,
        HostMessage {
            cid: a,
            cmd: CTAPHID_CBOR,
            data: vec![0x00, 0xa0]
        }
    );
    assert_eq!(
        busy,
        vec![(b, vec![ERR_CHANNEL_BUSY]), (a, vec![ERR_CHANNEL_BUSY])]
    );
    // 400 ms of work at one KEEPALIVE per 100 ms: processing first, then "user presence needed".
    assert!(
        (3..=8).contains(&statuses.len()),
        "keepalives: {statuses:?}"
    );
    assert_eq!(statuses[0], STATUS_PROCESSING, "keepalives: {statuses:?}");
    assert_eq!(
        *statuses.last().unwrap(),
        STATUS_UPNEEDED,
        "keepalives: {statuses:?}"
    );
    assert!(
        h.handler.cancelled.lock().unwrap().is_empty(),
        "b's CANCEL must not cancel a"
    );
    assert_eq!(h.request(b, CTAPHID_PING, b"b").data, b"b");
}

#[test]
fn cancel_on_the_busy_channel_reaches_the_handler_and_the_client_gets_keepalive_cancel() {
    let h = Harness::new();
    let a = h.channel();
    h.host.send_message(a, CTAPHID_CBOR, &[BLOCK]).unwrap();
    let (keepalive, _) = (h.host.recv_message(WAIT).unwrap(), ());
    assert_eq!(
        (keepalive.cmd, keepalive.data[0]),
        (CTAPHID_KEEPALIVE, STATUS_UPNEEDED)
    );
    h.host.send_message(a, CTAPHID_CANCEL, &[]).unwrap();
    let answer = h.answer();
    assert_eq!(
        answer,
        HostMessage {
            cid: a,
            cmd: CTAPHID_CBOR,
            data: vec![CTAP2_ERR_KEEPALIVE_CANCEL]
        }
    );
    assert_eq!(h.handler.cancelled.lock().unwrap().len(), 1);
    // Transaction ids are unique per run: the next request gets a new one.
    h.host.send_message(a, CTAPHID_CBOR, &[BLOCK]).unwrap();
    h.host.recv_message(WAIT).unwrap();
    h.host.send_message(a, CTAPHID_CANCEL, &[]).unwrap();
    h.answer();
    let ids = h.handler.cancelled.lock().unwrap().clone();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn cancel_with_nothing_running_gets_no_answer() {
    let h = Harness::new();
    let a = h.channel();
    h.host.send_message(a, CTAPHID_CANCEL, &[]).unwrap();
    h.expect_silence(Duration::from_millis(150));
    assert!(h.handler.cancelled.lock().unwrap().is_empty());
}

#[test]
fn init_on_the_busy_channel_resynchronises_and_drops_the_old_answer() {
    let h = Harness::new();
    let a = h.channel();
    h.host.send_message(a, CTAPHID_CBOR, &[BLOCK]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let answer = h.request(a, CTAPHID_INIT, b"resync!!");
    assert_eq!(answer.cid, a);
    assert_eq!(&answer.data[..8], b"resync!!");
    assert_eq!(
        u32::from_be_bytes(answer.data[8..12].try_into().unwrap()),
        a,
        "same channel"
    );
    assert_eq!(
        h.handler.cancelled.lock().unwrap().len(),
        1,
        "the transaction was abandoned"
    );
    // The abandoned request's answer (KEEPALIVE_CANCEL) never reaches the client.
    h.expect_silence(Duration::from_millis(200));
    assert_eq!(h.request(a, CTAPHID_PING, b"fresh").data, b"fresh");
}

#[test]
fn lock_keeps_other_channels_out_until_released_or_expired() {
    let h = Harness::new();
    let a = h.channel();
    let b = h.channel();
    assert_eq!(h.request(a, CTAPHID_LOCK, &[2]).cmd, CTAPHID_LOCK);
    h.host.send_message(b, CTAPHID_PING, b"b").unwrap();
    h.expect_error(b, ERR_CHANNEL_BUSY);
    h.host.send_message(b, CTAPHID_LOCK, &[1]).unwrap();
    h.expect_error(b, ERR_CHANNEL_BUSY);
    assert_eq!(h.request(a, CTAPHID_PING, b"a").data, b"a");
    // 0 releases.
    assert_eq!(h.request(a, CTAPHID_LOCK, &[0]).cmd, CTAPHID_LOCK);
    assert_eq!(h.request(b, CTAPHID_PING, b"b").data, b"b");
    // More than 10 s is refused; a wrong length too.
    h.host.send_message(a, CTAPHID_LOCK, &[11]).unwrap();
    h.expect_error(a, ERR_INVALID_PAR);
    h.host.send_message(a, CTAPHID_LOCK, &[1, 1]).unwrap();
    h.expect_error(a, ERR_INVALID_LEN);
    // A lock expires by itself.
    assert_eq!(h.request(a, CTAPHID_LOCK, &[1]).cmd, CTAPHID_LOCK);
    h.host.send_message(b, CTAPHID_PING, b"b").unwrap();
    h.expect_error(b, ERR_CHANNEL_BUSY);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(h.request(b, CTAPHID_PING, b"b").data, b"b");
}

#[test]
fn panicking_handler_answers_other_error_and_the_engine_goes_on() {
    let h = Harness::new();
    let a = h.channel();
    assert_eq!(h.request(a, CTAPHID_CBOR, &[PANIC]).data, vec![0x7f]);
    assert_eq!(h.request(a, CTAPHID_CBOR, &[HUGE]).data, vec![0x7f]);
    assert_eq!(h.request(a, CTAPHID_PING, b"x").data, b"x");
}

#[test]
fn stop_ends_the_run_and_cancels_a_running_transaction() {
    let h = Harness::new();
    let a = h.channel();
    h.host.send_message(a, CTAPHID_CBOR, &[BLOCK]).unwrap();
    h.host.recv_message(WAIT).unwrap();
    let handler = Arc::clone(&h.handler);
    let started = Instant::now();
    h.stop().expect("a clean stop");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(handler.cancelled.lock().unwrap().len(), 1);
}

#[test]
fn closed_transport_ends_the_run_with_an_error() {
    let (host, mut device) = memory_pair();
    let mut engine = Engine::new(Arc::new(TestHandler::default()), CAPABILITY_CBOR);
    drop(host);
    let stop = AtomicBool::new(false);
    assert!(matches!(
        engine.run(&mut device, &stop),
        Err(TransportError::Closed)
    ));
}

/// A transport that cannot wake the engine (the trait's default): the engine must poll.
struct NoWaker(latchkey_ctaphid::MemoryTransport);

impl latchkey_ctaphid::Transport for NoWaker {
    fn recv(&mut self, timeout: Duration) -> Result<Option<[u8; REPORT_LEN]>, TransportError> {
        self.0.recv(timeout)
    }

    fn send(&mut self, report: &[u8; REPORT_LEN]) -> Result<(), TransportError> {
        self.0.send(report)
    }
}

#[test]
fn transport_without_a_waker_still_gets_answers_promptly() {
    let (host, device) = memory_pair();
    let handler = Arc::new(TestHandler::default());
    let mut engine = Engine::new(Arc::clone(&handler), CAPABILITY_CBOR);
    let stop = Arc::new(AtomicBool::new(false));
    let engine_stop = Arc::clone(&stop);
    let worker = std::thread::spawn(move || {
        let mut device = NoWaker(device);
        engine.run(&mut device, &engine_stop)
    });
    let cid = host.allocate_channel(WAIT).unwrap();
    let started = Instant::now();
    host.send_message(cid, CTAPHID_CBOR, &[ECHO, 1, 2, 3])
        .unwrap();
    let (answer, _) = host.recv_answer(WAIT).unwrap();
    assert_eq!(answer.data, vec![1, 2, 3]);
    assert!(
        started.elapsed() < Duration::from_millis(90),
        "{:?}",
        started.elapsed()
    );
    host.send_message(cid, CTAPHID_CBOR, &[PANIC]).unwrap();
    assert_eq!(host.recv_answer(WAIT).unwrap().0.data, vec![0x7f]);
    stop.store(true, Ordering::SeqCst);
    worker.join().unwrap().unwrap();
}
