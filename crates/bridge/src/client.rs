//! The other end, for the CLI and the browser bridge: connect to the app serving a vault (if
//! any), send a request, wait for its reply. Nothing is sent before the socket's directory, the
//! socket and the listening process have all been found to be this user's own (see
//! [`crate::socket`]): a request carries WebAuthn options and its answer is believed.

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

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
    /// The socket, its directory or the process behind it is not this user's: someone may be
    /// posing as the app. Nothing was sent.
    #[error("refusing to talk to {}: {reason}. Nothing was sent; if you did not create it, another user may be posing as the Latchkey app: remove it or ask your administrator", path.display())]
    Untrusted { path: PathBuf, reason: String },
}

pub struct BridgeClient {
    door: Door,
    next_id: u64,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl BridgeClient {
    /// Connects to the app serving the vault in `data_dir`. `Ok(None)` when no app serves it (no
    /// private runtime dir, no socket, or nobody listening), so the caller opens the vault
    /// itself; `Err(ClientError::Untrusted)` when something is there but is not this user's,
    /// which the caller must report rather than quietly work around.
    pub fn connect(data_dir: &Path, door: Door) -> Result<Option<BridgeClient>, ClientError> {
        match socket::socket_path(data_dir) {
            Some(path) => Self::connect_at(&path, door),
            None => Ok(None),
        }
    }

    /// [`BridgeClient::connect`] for the socket at `path`, with every check.
    pub fn connect_at(path: &Path, door: Door) -> Result<Option<BridgeClient>, ClientError> {
        use std::io::ErrorKind::{ConnectionRefused, NotFound};
        let untrusted = |at: &Path, reason: String| ClientError::Untrusted {
            path: at.to_path_buf(),
            reason,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        match std::fs::symlink_metadata(dir) {
            Err(e) if e.kind() == NotFound => return Ok(None),
            // Typically XDG_RUNTIME_DIR inherited from another user (`su` without `-l`).
            Err(e) => {
                return Err(untrusted(
                    dir,
                    format!("cannot inspect it ({e}); if XDG_RUNTIME_DIR is another user's, unset it or log in as yourself"),
                ))
            }
            Ok(_) => socket::check_private_dir(dir).map_err(|why| untrusted(dir, why))?,
        }
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == NotFound => return Ok(None),
            Err(e) => return Err(untrusted(path, format!("cannot inspect it ({e})"))),
            Ok(_) => socket::check_socket_file(path).map_err(|why| untrusted(path, why))?,
        }
        let stream = match UnixStream::connect(path) {
            Ok(s) => s,
            // A socket left by an app that has gone: open the vault directly.
            Err(e) if matches!(e.kind(), ConnectionRefused | NotFound) => return Ok(None),
            Err(e) => return Err(ClientError::Io(e)),
        };
        // The process that listens is what answers; the file checks above could be raced.
        match socket::peer_credentials(&stream) {
            Some((uid, _)) if uid == socket::uid() => {}
            Some((uid, _)) => {
                return Err(untrusted(
                    path,
                    format!("the process listening there runs as uid {uid}, not as you"),
                ))
            }
            None => {
                return Err(untrusted(
                    path,
                    "the listening process's credentials cannot be read".into(),
                ))
            }
        }
        Ok(Some(Self::from_stream(stream, door)?))
    }

    /// A client on an already connected stream; the caller vouches for who is at the other end
    /// (no checks are made here).
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
        if let Err(e) = self
            .writer
            .write_all(&line)
            .and_then(|_| self.writer.flush())
        {
            // The app may have said why it closed before we wrote (too many connections).
            if let Ok(Some(answer)) = read_line(&mut self.reader) {
                if let Ok(Reply {
                    outcome: Outcome::Error(why),
                    ..
                }) = serde_json::from_str(&answer)
                {
                    return Err(ClientError::Reply(why));
                }
            }
            return Err(ClientError::Io(e));
        }
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
        // Id 0 is an error the app could not tie to a request (a connection it refused).
        if let (0, Outcome::Error(why)) = (reply.id, &reply.outcome) {
            return Err(ClientError::Reply(why.clone()));
        }
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
