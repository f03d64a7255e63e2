//! The host's loop: one request frame in, relayed to the app, one reply frame out, in order.
//! Nothing but frames is written to `output`.

use std::io::{Read, Write};
use std::path::Path;

use latchkey_bridge::{BridgeClient, ClientError};
use serde_json::Value;

use crate::framing::{read_frame, write_frame, FrameError};
use crate::message::{self, HostError, UNAVAILABLE};

/// Where requests go: the app, reached on first use and again after the connection is lost.
pub struct Relay<'a> {
    data_dir: &'a Path,
    wait: std::time::Duration,
    client: Option<BridgeClient>,
}

impl<'a> Relay<'a> {
    pub fn new(data_dir: &'a Path, wait: std::time::Duration) -> Self {
        Relay {
            data_dir,
            wait,
            client: None,
        }
    }

    fn call(&mut self, op: latchkey_bridge::protocol::Op) -> Result<Value, HostError> {
        let client = match self.client.as_mut() {
            Some(c) => c,
            None => self.client.insert(
                crate::launch::connect_or_start(self.data_dir, self.wait)
                    .map_err(|m| HostError::new(UNAVAILABLE, m))?,
            ),
        };
        match client.call(op) {
            Ok(v) => Ok(v),
            Err(ClientError::Reply(e)) => Err(HostError::new(message::dom_name(e.kind), e.message)),
            // The app went away or spoke garbage: reconnect on the next request.
            Err(e) => {
                self.client = None;
                Err(HostError::new(UNAVAILABLE, e.to_string()))
            }
        }
    }
}

/// Serves until the browser closes `input` (`Ok`) or the stream cannot go on (`Err`, after an
/// error frame saying why, when the pipe still takes one).
pub fn serve<R: Read, W: Write>(
    input: &mut R,
    output: &mut W,
    relay: &mut Relay<'_>,
) -> Result<(), FrameError> {
    loop {
        let message = match read_frame(input) {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            Err(e) => {
                let reply =
                    message::error_reply(&Value::Null, &HostError::new("TypeError", e.to_string()));
                if e.is_fatal() {
                    let _ = write_frame(output, &reply);
                    return Err(e);
                }
                write_frame(output, &reply)?;
                continue;
            }
        };
        let id = message::id_of(&message);
        let reply = match message::parse(&message).and_then(|r| relay.call(r.op)) {
            Ok(result) => message::ok_reply(&id, result),
            Err(e) => message::error_reply(&id, &e),
        };
        match write_frame(output, &reply) {
            Err(FrameError::Oversized { len }) => {
                let e = HostError::new(
                    "UnknownError",
                    format!(
                        "Latchkey's answer ({len} bytes) is over the browser's 1 MiB message limit"
                    ),
                );
                write_frame(output, &message::error_reply(&id, &e))?;
            }
            other => other?,
        }
    }
}
