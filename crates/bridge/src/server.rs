//! The app's end: accepts connections on the vault's socket, checks the peer, reads one request
//! per line and answers each through a [`Handler`]. One thread per connection: requests may wait
//! for a person at the approval prompt for tens of seconds, and must not block each other; at
//! most [`MAX_CONNECTIONS`] at once, so a runaway or hostile client cannot exhaust threads.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::peer::{Doors, Peer};
use crate::protocol::{
    parse_request, request_id, ErrorKind, Outcome, Reply, ReplyError, Request, MAX_LINE_BYTES,
    PROTOCOL_VERSION,
};
use crate::socket;

/// Connections served at once; one more is answered `Busy` and closed. Far above what the CLI,
/// a browser host and a USB bridge need together.
pub const MAX_CONNECTIONS: usize = 32;

/// What the app does with a request. Runs on the connection's thread; may block.
///
/// `peer` is who connected, from the kernel; `request.door` has already been replaced by
/// `peer.door()`, so what the client claimed never reaches the handler.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, peer: &Peer, request: Request) -> Result<serde_json::Value, ReplyError>;
}

/// A listening socket; removed from disk when dropped.
pub struct BridgeServer {
    path: PathBuf,
    listener: UnixListener,
}

impl BridgeServer {
    /// Binds the socket for the vault in `data_dir`. A stale socket (no one answering) is
    /// replaced; a live one means another app already serves this vault.
    /// Without a private runtime dir there is no socket (see [`socket::runtime_dir`]).
    pub fn bind(data_dir: &Path) -> std::io::Result<BridgeServer> {
        let path = socket::socket_path(data_dir).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no private runtime directory: XDG_RUNTIME_DIR is unset and /run/user/<uid> is missing or not yours alone; log in through a session manager (pam_systemd) or set XDG_RUNTIME_DIR to a directory only you can enter",
            )
        })?;
        Self::bind_at(&path)
    }

    /// Binds at `path`, whose directory must be private to this user (created 0700 if missing).
    pub fn bind_at(path: &Path) -> std::io::Result<BridgeServer> {
        use std::os::unix::fs::PermissionsExt;
        let dir = path.parent().unwrap_or(Path::new("."));
        socket::prepare_dir(dir)?;
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    "another Latchkey app already serves this vault",
                ));
            }
            std::fs::remove_file(path)?;
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        Ok(BridgeServer {
            path: path.to_path_buf(),
            listener,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Serves until the process ends, one thread per connection, at most [`MAX_CONNECTIONS`].
    /// `doors` decides which peers are the browser door (see [`Doors`]).
    pub fn serve(self, handler: Arc<dyn Handler>, doors: Doors) {
        let open = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Some((uid, pid)) = socket::peer_credentials(&stream) else {
                continue;
            };
            if uid != socket::uid() {
                continue; // another user's process: drop it without a word
            }
            if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                refuse_busy(stream);
                continue;
            }
            let slot = Slot::take(&open);
            let peer = Peer::from_credentials(uid, pid, &doors);
            let handler = handler.clone();
            std::thread::spawn(move || {
                let _slot = slot;
                serve_connection(stream, &peer, handler.as_ref())
            });
        }
    }

    /// Serves on a background thread.
    pub fn spawn(self, handler: Arc<dyn Handler>, doors: Doors) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || self.serve(handler, doors))
    }
}

impl Drop for BridgeServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One counted connection; freed when its thread ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Slot {
        open.fetch_add(1, Ordering::SeqCst);
        Slot(open.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Tells a connection over the limit why, in one line, and closes it. The write cannot stall
/// the accept loop: one short line fits the socket buffer, and a timeout bounds it anyway.
fn refuse_busy(mut stream: UnixStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = write_reply(
        &mut stream,
        &error_reply(
            0,
            ReplyError::new(
                ErrorKind::Busy,
                format!("too many connections to the Latchkey app ({MAX_CONNECTIONS} open); close other Latchkey clients and try again"),
            ),
        ),
    );
}

fn serve_connection(stream: UnixStream, peer: &Peer, handler: &dyn Handler) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let line = match read_line(&mut reader) {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(e) => {
                let _ = write_reply(&mut writer, &error_reply(0, e));
                return;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match parse_request(&line) {
            Ok(mut request) => {
                let id = request.id;
                // The door is what the kernel says connected, not what the client wrote.
                request.door = peer.door();
                let outcome = match handler.handle(peer, request) {
                    Ok(v) => Outcome::Ok(v),
                    Err(e) => Outcome::Error(e),
                };
                Reply {
                    v: PROTOCOL_VERSION,
                    id,
                    outcome,
                }
            }
            Err(e) => error_reply(request_id(&line), e),
        };
        if write_reply(&mut writer, &reply).is_err() {
            return;
        }
    }
}

fn error_reply(id: u64, e: ReplyError) -> Reply {
    Reply {
        v: PROTOCOL_VERSION,
        id,
        outcome: Outcome::Error(e),
    }
}

/// One line, at most [`MAX_LINE_BYTES`]; `None` at end of stream.
pub(crate) fn read_line<R: BufRead>(reader: &mut R) -> Result<Option<String>, ReplyError> {
    let mut buf = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| ReplyError::new(ErrorKind::ProtocolError, e.to_string()))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE_BYTES {
        return Err(ReplyError::new(
            ErrorKind::ProtocolError,
            "message longer than 1 MiB",
        ));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReplyError::new(ErrorKind::ProtocolError, "message is not UTF-8"))
}

fn write_reply(w: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    w.flush()
}
