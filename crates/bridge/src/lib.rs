//! The app's local socket. While the Latchkey app runs it owns the vault (sled lets one process
//! open it), so every other door — the `latchkey` CLI, the browser's native-messaging bridge —
//! reaches the authenticator through this socket, and approval prompts appear in the app.
//!
//! - [`protocol`]: the messages, defined once, versioned, newline-delimited JSON.
//! - [`socket`]: where the socket lives (one per vault) and who may connect (same uid, 0600).
//! - [`server`] / [`client`]: the two ends.

//!
//! Unix only for now: Windows needs a named-pipe transport for the same protocol.

#[cfg(unix)]
pub mod client;
pub mod protocol;
#[cfg(unix)]
pub mod server;
pub mod socket;

#[cfg(unix)]
pub use client::{BridgeClient, ClientError};
pub use protocol::{
    Door, ErrorKind, Op, Outcome, PasskeyView, Reply, ReplyError, Request, PROTOCOL_VERSION,
};
#[cfg(unix)]
pub use server::{BridgeServer, Handler};
pub use socket::socket_path;
