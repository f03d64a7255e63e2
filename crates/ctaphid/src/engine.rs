//! The CTAPHID engine: reads reports from a [`Transport`], reassembles requests, answers
//! INIT/PING/WINK/LOCK itself and hands CBOR/MSG to the [`CtapHandler`] on a worker thread,
//! sending KEEPALIVE while the handler runs and honouring CANCEL.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::channels::Channels;
use crate::reassembly::DEFAULT_TIMEOUT;
use crate::{CtapHandler, Transport, TransportError};

/// How often KEEPALIVE goes out while a transaction runs (CTAP 2.1: at least every 100 ms).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(100);

/// The protocol loop around one handler.
pub struct Engine<H: CtapHandler> {
    handler: Arc<H>,
    capabilities: u8,
    version: [u8; 3],
    reassembly_timeout: Duration,
    channels: Channels,
    next_tx: u64,
}

impl<H: CtapHandler> Engine<H> {
    /// `capabilities`: CAPABILITY_CBOR | CAPABILITY_WINK | (CAPABILITY_NMSG unless msg is supported).
    pub fn new(handler: Arc<H>, capabilities: u8) -> Self {
        Engine {
            handler,
            capabilities,
            version: [0, 1, 0],
            reassembly_timeout: DEFAULT_TIMEOUT,
            channels: Channels::new(),
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
        self.reassembly_timeout = timeout;
        self
    }

    /// Runs until `stop` is set or the transport fails. One transaction at a time (CHANNEL_BUSY
    /// to others), per-channel reassembly timeout (ERR_MSG_TIMEOUT), LOCK honoured.
    pub fn run(
        &mut self,
        transport: &mut dyn Transport,
        stop: &AtomicBool,
    ) -> Result<(), TransportError> {
        let _ = (
            &self.handler,
            self.capabilities,
            &self.channels,
            self.next_tx,
            transport,
            stop,
        );
        todo!("engine loop")
    }
}
