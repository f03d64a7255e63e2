//! The other end, for the CLI and the browser bridge: connect to the app serving a vault (if
//! any), send a request, wait for its reply.

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::protocol::{Door, Op, Outcome, Reply, ReplyError, Request, PROTOCOL_VERSION};
use crate::server::read_line;
use crate::socket;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The app answered with an error.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    #[error("lost the connection to the Latchkey app ({0}); is it still running?")]
    Io(#[from] std::io::Error),
    #[error("the Latchkey app sent something this version cannot read ({0}); update Latchkey")]
    Protocol(String),
}

pub struct BridgeClient {
    door: Door,
    next_id: u64,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl BridgeClient {
    /// Connects to the app serving the vault in `data_dir`; `None` when no app serves it (no
    /// socket, or nobody listening), so the caller opens the vault itself.
    pub fn connect(data_dir: &Path, door: Door) -> Option<BridgeClient> {
        let stream = UnixStream::connect(socket::socket_path(data_dir)).ok()?;
        Self::from_stream(stream, door).ok()
    }

    pub fn from_stream(stream: UnixStream, door: Door) -> std::io::Result<BridgeClient> {
        Ok(BridgeClient {
            door,
            next_id: 1,
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and waits for its reply (which may take as long as the person takes
    /// at the prompt).
    pub fn call(&mut self, op: Op) -> Result<serde_json::Value, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Request {
            v: PROTOCOL_VERSION,
            id,
            door: self.door,
            op,
        };
        let mut line =
            serde_json::to_vec(&request).map_err(|e| ClientError::Protocol(e.to_string()))?;
        line.push(b'\n');
        self.writer.write_all(&line)?;
        self.writer.flush()?;
        let answer = read_line(&mut self.reader)
            .map_err(|e| ClientError::Protocol(e.message))?
            .ok_or_else(|| {
                ClientError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the app closed the connection",
                ))
            })?;
        let reply: Reply =
            serde_json::from_str(&answer).map_err(|e| ClientError::Protocol(e.to_string()))?;
        if reply.id != id {
            return Err(ClientError::Protocol(format!(
                "reply {} to request {id}",
                reply.id
            )));
        }
        match reply.outcome {
            Outcome::Ok(v) => Ok(v),
            Outcome::Error(e) => Err(ClientError::Reply(e)),
        }
    }
}
