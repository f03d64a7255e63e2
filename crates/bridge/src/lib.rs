//! The app's local socket. While the Latchkey app runs it owns the vault (sled lets one process
//! open it), so every other door — the `latchkey` CLI, the browser's native-messaging bridge —
//! reaches the authenticator through this socket, and approval prompts appear in the app.
//!
//! - [`protocol`]: the messages, defined once, versioned, newline-delimited JSON.
//! - [`socket`]: where the socket lives (one per vault, only in the user's private runtime dir)
//!   and the checks both ends make (directory and socket owned by us, 0700/0600, peer uid).
//! - [`peer`]: who connected, from the kernel; the door shown on the prompt comes from here,
//!   and the browser door only for the trusted host binary ([`Doors`]).
//! - [`server`] / [`client`]: the two ends.

//!
//! Unix only for now: Windows needs a named-pipe transport for the same protocol.

#[cfg(unix)]
pub mod client;
pub mod peer;
pub mod protocol;
#[cfg(unix)]
pub mod server;
pub mod socket;

#[cfg(unix)]
pub use client::{BridgeClient, ClientError};
pub use peer::{Doors, Peer, BROWSER_HOST_NAME};
pub use protocol::{
    Door, ErrorKind, Op, Outcome, PasskeyView, Reply, ReplyError, Request, PROTOCOL_VERSION,
};
#[cfg(unix)]
pub use server::{BridgeServer, Handler, MAX_CONNECTIONS};
pub use socket::socket_path;
