//! `latchkey-browser-host`: the native messaging host the Latchkey browser extension talks to.
//! The browser starts it and speaks length-prefixed JSON frames on its stdin/stdout
//! ([`framing`]); the host relays each request to the running Latchkey app over the app's
//! socket ([`latchkey_bridge`]), starting the app when it is not running ([`launch`]). The app
//! tells this door from others by the host's executable name, so its prompt says the browser
//! is asking, and for which origin.
//!
//! # Messages
//!
//! Each frame holds one JSON object. Requests, handled one at a time in order:
//!
//! ```text
//! {"id": 1, "type": "create", "origin": "https://example.com", "options": {…PublicKeyCredentialCreationOptionsJSON…}}
//! {"id": 2, "type": "get",    "origin": "https://example.com", "options": {…PublicKeyCredentialRequestOptionsJSON…}}
//! {"id": "s", "type": "status"}
//! ```
//!
//! `id` is a number or a string and is echoed in the reply:
//!
//! ```text
//! {"id": 1, "ok": {…RegistrationResponseJSON / AuthenticationResponseJSON / status…}}
//! {"id": 1, "error": {"name": "NotAllowedError", "message": "the request was denied"}}
//! ```
//!
//! `error.name` is a DOMException name (`NotAllowedError`, `InvalidStateError`,
//! `SecurityError`, `NotSupportedError`, `TypeError`, `UnknownError`; see
//! [`message::dom_name`]) or `LatchkeyUnavailable`: the app is not running and could not be
//! started, so the extension should let the browser's own WebAuthn answer. A frame that cannot
//! be read (not UTF-8, not JSON, no usable id) is answered with `"id": null` and a `TypeError`.
//!
//! Frames are capped at 1 MiB each way. A frame that is short (the pipe ended inside it) or
//! oversized leaves the stream unreadable: the host answers one error frame and exits with
//! status 1. When the browser closes stdin between frames the host exits with status 0.
//! Diagnostics go to stderr only; stdout carries frames and nothing else.

pub mod framing;
pub mod host;
pub mod launch;
pub mod message;
