//! The CTAPHID engine: reads reports from a [`Transport`], reassembles requests (through the
//! [`Inbox`]), answers INIT, PING, WINK and LOCK itself and hands CBOR and MSG to the
//! [`CtapHandler`] on a worker thread, so the loop keeps reading while a prompt waits: it
//! sends KEEPALIVE every 100 ms, passes CANCEL on, and tells other channels CHANNEL_BUSY.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::channels::Channels;
use crate::packet::{
    self, BROADCAST_CID, CAPABILITY_CBOR, CAPABILITY_WINK, CTAPHID_CANCEL, CTAPHID_CBOR,
    CTAPHID_INIT, CTAPHID_LOCK, CTAPHID_MSG, CTAPHID_PING, CTAPHID_WINK, ERR_CHANNEL_BUSY,
    ERR_INVALID_CMD, ERR_INVALID_LEN, ERR_INVALID_PAR, ERR_MSG_TIMEOUT, ERR_OTHER, INIT_NONCE_LEN,
    PROTOCOL_VERSION,
};
use crate::reassembly::{Inbox, Incoming, Message, DEFAULT_TIMEOUT};
use crate::{CtapHandler, Transaction, Transport, TransportError, Waker, REPORT_LEN};

/// How often KEEPALIVE goes out while a CBOR request runs (CTAP 2.1 asks for at most 100 ms:
/// clients give up on a silent device).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(100);
/// The longest LOCK CTAP allows, in seconds.
pub const MAX_LOCK_SECONDS: u8 = 10;
/// How long the loop waits for a report when nothing is due, so `stop` is seen quickly.
const IDLE_WAIT: Duration = Duration::from_millis(100);
/// While a handler runs, the loop checks for its answer this often at first, then less often
/// (up to [`BUSY_WAIT_MAX`]): quick requests (getInfo) are answered within 250 µs of the
/// handler returning, a prompt that waits for a person does not keep a core busy.
const BUSY_WAIT_MIN: Duration = Duration::from_micros(250);
const BUSY_WAIT_MAX: Duration = Duration::from_millis(20);
/// CTAP2 status the engine answers a CBOR request with when the handler could not
/// (it panicked, or its answer exceeds what CTAPHID can carry): CTAP1_ERR_OTHER.
const CTAP1_ERR_OTHER: u8 = 0x7f;
/// ISO 7816 status "no precise diagnosis", the MSG counterpart of the above.
const SW_UNKNOWN: [u8; 2] = [0x6f, 0x00];

/// The transaction the worker thread runs.
struct Running {
    cid: u32,
    cmd: u8,
    tx: Transaction,
    answer: Receiver<Vec<u8>>,
    started: Instant,
    next_keepalive: Instant,
    /// INIT resynchronised the channel or the engine stops: the answer is to be dropped.
    aborted: bool,
    /// The worker wakes the loop when done; without, the loop polls.
    wakes: bool,
}

/// The LOCK a channel holds.
#[derive(Debug, Clone, Copy)]
struct Lock {
    cid: u32,
    until: Instant,
}

/// The protocol loop around one handler.
pub struct Engine<H: CtapHandler> {
    handler: Arc<H>,
    capabilities: u8,
    version: [u8; 3],
    channels: Channels,
    inbox: Inbox,
    running: Option<Running>,
    lock: Option<Lock>,
    next_tx: u64,
}

impl<H: CtapHandler> Engine<H> {
    /// `capabilities`: CAPABILITY_CBOR | CAPABILITY_WINK | (CAPABILITY_NMSG unless msg is supported).
    /// Commands whose capability is not announced (CBOR, WINK) get ERR_INVALID_CMD.
    pub fn new(handler: Arc<H>, capabilities: u8) -> Self {
        Engine {
            handler,
            capabilities,
            version: [0, 1, 0],
            channels: Channels::new(),
            inbox: Inbox::new(DEFAULT_TIMEOUT),
            running: None,
            lock: None,
            next_tx: 1,
        }
    }

    /// The device version (major, minor, build) the INIT answer reports.
    pub fn with_version(mut self, major: u8, minor: u8, build: u8) -> Self {
        self.version = [major, minor, build];
        self
    }

    /// How long a message's continuation packets may take (default 500 ms).
    pub fn with_reassembly_timeout(mut self, timeout: Duration) -> Self {
        self.inbox = Inbox::new(timeout);
        self
    }

    /// Runs until `stop` is set or the transport fails. One transaction at a time (CHANNEL_BUSY
    /// to others), per-channel reassembly timeout (ERR_MSG_TIMEOUT), LOCK honoured.
    /// A transaction still running when it returns is cancelled (its handler's `cancel` is
    /// called) and its answer dropped.
    pub fn run(
        &mut self,
        transport: &mut dyn Transport,
        stop: &AtomicBool,
    ) -> Result<(), TransportError> {
        let result = self.serve(transport, stop);
        if let Some(running) = self.running.take() {
            if !running.aborted {
                running.tx.mark_cancelled();
                self.handler.cancel(&running.tx);
            }
        }
        result
    }

    fn serve(
        &mut self,
        transport: &mut dyn Transport,
        stop: &AtomicBool,
    ) -> Result<(), TransportError> {
        while !stop.load(Ordering::SeqCst) {
            self.tick(transport, Instant::now())?;
            let wait = self.wait_time(Instant::now());
            if let Some(report) = transport.recv(wait)? {
                self.on_report(transport, &report, Instant::now())?;
            }
        }
        Ok(())
    }

    /// Everything that is due without a report: the worker's answer, KEEPALIVE, timeouts.
    fn tick(&mut self, transport: &mut dyn Transport, now: Instant) -> Result<(), TransportError> {
        if self.lock.is_some_and(|lock| now >= lock.until) {
            self.lock = None;
        }
        if let Some(cid) = self.inbox.expire(now) {
            transport.send(&packet::error_report(cid, ERR_MSG_TIMEOUT))?;
        }
        let Some(running) = self.running.as_mut() else {
            return Ok(());
        };
        let answer = match running.answer.try_recv() {
            Ok(answer) => Some(answer),
            // The worker ended without an answer: it could not be started.
            Err(TryRecvError::Disconnected) => Some(match running.cmd {
                CTAPHID_MSG => SW_UNKNOWN.to_vec(),
                _ => vec![CTAP1_ERR_OTHER],
            }),
            Err(TryRecvError::Empty) => None,
        };
        if let Some(answer) = answer {
            let running = self.running.take().expect("checked above");
            if !running.aborted {
                send_answer(transport, running.cid, running.cmd, &answer)?;
            }
            return Ok(());
        }
        if running.cmd == CTAPHID_CBOR && !running.aborted && now >= running.next_keepalive {
            transport.send(&packet::keepalive_report(
                running.cid,
                running.tx.keepalive_status(),
            ))?;
            running.next_keepalive = now + KEEPALIVE_INTERVAL;
        }
        Ok(())
    }

    /// How long to wait for the next report before something falls due.
    fn wait_time(&self, now: Instant) -> Duration {
        let mut wait = IDLE_WAIT;
        if let Some(deadline) = self.inbox.deadline() {
            wait = wait.min(deadline.saturating_duration_since(now));
        }
        if let Some(lock) = self.lock {
            wait = wait.min(lock.until.saturating_duration_since(now));
        }
        if let Some(running) = &self.running {
            if !running.wakes {
                let busy = (now.saturating_duration_since(running.started) / 10)
                    .clamp(BUSY_WAIT_MIN, BUSY_WAIT_MAX);
                wait = wait.min(busy);
            }
            if running.cmd == CTAPHID_CBOR && !running.aborted {
                wait = wait.min(running.next_keepalive.saturating_duration_since(now));
            }
        }
        wait
    }

    /// The channel that has the device to itself: the running transaction's, else the lock's.
    fn exclusive(&self) -> Option<u32> {
        self.running
            .as_ref()
            .map(|running| running.cid)
            .or(self.lock.map(|lock| lock.cid))
    }

    fn on_report(
        &mut self,
        transport: &mut dyn Transport,
        report: &[u8; REPORT_LEN],
        now: Instant,
    ) -> Result<(), TransportError> {
        match self
            .inbox
            .feed(report, &self.channels, self.exclusive(), now)
        {
            Incoming::Nothing => Ok(()),
            Incoming::Error { cid, code } => transport.send(&packet::error_report(cid, code)),
            Incoming::Message(message) => self.on_message(transport, message, now),
        }
    }

    fn on_message(
        &mut self,
        transport: &mut dyn Transport,
        message: Message,
        now: Instant,
    ) -> Result<(), TransportError> {
        let Message { cid, cmd, data } = message;
        self.channels.touch(cid);
        match cmd {
            CTAPHID_INIT => return self.init(transport, cid, &data),
            CTAPHID_CANCEL => {
                // Only the channel whose request runs can cancel it; CANCEL gets no answer.
                if let Some(running) = self.running.as_ref().filter(|r| r.cid == cid && !r.aborted)
                {
                    running.tx.mark_cancelled();
                    self.handler.cancel(&running.tx);
                }
                return Ok(());
            }
            _ => {}
        }
        if self.running.is_some() || self.exclusive().is_some_and(|owner| owner != cid) {
            // The channel's own request still runs (or was aborted and has not ended yet),
            // or another channel holds the lock.
            return transport.send(&packet::error_report(cid, ERR_CHANNEL_BUSY));
        }
        match cmd {
            CTAPHID_PING => send_answer(transport, cid, CTAPHID_PING, &data),
            CTAPHID_WINK if self.capabilities & CAPABILITY_WINK != 0 => {
                if !data.is_empty() {
                    return transport.send(&packet::error_report(cid, ERR_INVALID_LEN));
                }
                self.handler.wink();
                send_answer(transport, cid, CTAPHID_WINK, &[])
            }
            CTAPHID_LOCK => {
                let [seconds] = data[..] else {
                    return transport.send(&packet::error_report(cid, ERR_INVALID_LEN));
                };
                if seconds > MAX_LOCK_SECONDS {
                    return transport.send(&packet::error_report(cid, ERR_INVALID_PAR));
                }
                self.lock = (seconds > 0).then(|| Lock {
                    cid,
                    until: now + Duration::from_secs(u64::from(seconds)),
                });
                send_answer(transport, cid, CTAPHID_LOCK, &[])
            }
            CTAPHID_CBOR if self.capabilities & CAPABILITY_CBOR != 0 => {
                if data.is_empty() {
                    return transport.send(&packet::error_report(cid, ERR_INVALID_LEN));
                }
                self.start(cid, cmd, data, now, transport.waker());
                Ok(())
            }
            CTAPHID_MSG => {
                self.start(cid, cmd, data, now, transport.waker());
                Ok(())
            }
            _ => transport.send(&packet::error_report(cid, ERR_INVALID_CMD)),
        }
    }

    /// CTAPHID_INIT: on the broadcast channel a new channel for a new client; on an allocated
    /// channel a resynchronisation that abandons the channel's transaction.
    fn init(
        &mut self,
        transport: &mut dyn Transport,
        cid: u32,
        nonce: &[u8],
    ) -> Result<(), TransportError> {
        if nonce.len() != INIT_NONCE_LEN {
            return transport.send(&packet::error_report(cid, ERR_INVALID_LEN));
        }
        let assigned = if cid == BROADCAST_CID {
            self.channels.allocate()
        } else {
            if let Some(running) = self.running.as_mut().filter(|r| r.cid == cid && !r.aborted) {
                running.aborted = true;
                running.tx.mark_cancelled();
                self.handler.cancel(&running.tx);
            }
            cid
        };
        let mut answer = Vec::with_capacity(packet::INIT_RESPONSE_LEN);
        answer.extend_from_slice(nonce);
        answer.extend_from_slice(&assigned.to_be_bytes());
        answer.push(PROTOCOL_VERSION);
        answer.extend_from_slice(&self.version);
        answer.push(self.capabilities);
        send_answer(transport, cid, CTAPHID_INIT, &answer)
    }

    /// Runs a CBOR or MSG request on a worker thread.
    fn start(&mut self, cid: u32, cmd: u8, data: Vec<u8>, now: Instant, waker: Option<Waker>) {
        let tx = Transaction::new(cid, self.next_tx);
        self.next_tx += 1;
        let (sender, answer) = mpsc::channel();
        let handler = Arc::clone(&self.handler);
        let worker_tx = tx.clone();
        let wakes = waker.is_some();
        let spawned = std::thread::Builder::new()
            .name(format!("ctaphid-tx-{}", tx.id()))
            .spawn(move || {
                let mut outcome = Outcome {
                    cmd,
                    sender,
                    waker,
                    answer: None,
                };
                outcome.answer = Some(if cmd == CTAPHID_CBOR {
                    handler.cbor(&data, &worker_tx)
                } else {
                    handler.msg(&data, &worker_tx)
                });
            });
        // A thread that cannot be spawned drops the sender: `tick` then answers "other error".
        drop(spawned);
        self.running = Some(Running {
            cid,
            cmd,
            tx,
            answer,
            started: now,
            next_keepalive: now + KEEPALIVE_INTERVAL,
            aborted: false,
            wakes,
        });
    }
}

/// Delivers the worker's answer when it goes out of scope, also when the handler panicked
/// (then "other error"), and wakes the engine's loop to send it.
struct Outcome {
    cmd: u8,
    sender: mpsc::Sender<Vec<u8>>,
    waker: Option<Waker>,
    answer: Option<Vec<u8>>,
}

impl Drop for Outcome {
    fn drop(&mut self) {
        let answer = self.answer.take().unwrap_or_else(|| match self.cmd {
            CTAPHID_MSG => SW_UNKNOWN.to_vec(),
            _ => vec![CTAP1_ERR_OTHER],
        });
        // The engine may have stopped and dropped the receiver: nothing to tell then.
        let _ = self.sender.send(answer);
        if let Some(wake) = &self.waker {
            wake();
        }
    }
}

/// Sends a whole answer. One the handler made too long for CTAPHID becomes an error the
/// client understands rather than a truncated message.
fn send_answer(
    transport: &mut dyn Transport,
    cid: u32,
    cmd: u8,
    data: &[u8],
) -> Result<(), TransportError> {
    let reports = match packet::fragment(cid, cmd, data) {
        Ok(reports) => reports,
        Err(_) => match cmd {
            CTAPHID_CBOR => packet::fragment(cid, cmd, &[CTAP1_ERR_OTHER]).expect("one byte fits"),
            CTAPHID_MSG => packet::fragment(cid, cmd, &SW_UNKNOWN).expect("two bytes fit"),
            _ => vec![packet::error_report(cid, ERR_OTHER)],
        },
    };
    for report in &reports {
        transport.send(report)?;
    }
    Ok(())
}
