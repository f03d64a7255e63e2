//! `latchkey-browser-host`: the native messaging host the Latchkey browser extension talks to
//! (host name `dev.latchkey.browser`, installed by `latchkey browser install`). The browser
//! starts it and speaks length-prefixed JSON frames on its stdin/stdout ([`framing`]); the host
//! relays each request to the running Latchkey app over the app's socket ([`latchkey_bridge`]),
//! starting the app when it is not running ([`launch`]). The app trusts this door as "the
//! browser" only because of the host's executable, and the host names the browser from its own
//! parent process ([`browser_name`]), so neither a page nor another program chooses what the
//! prompt says.
//!
//! # Messages
//!
//! Each frame holds one JSON object. `id` is a number or a string, echoed in the reply.
//! Requests are answered concurrently ([`host`]): a create/get waiting at the prompt never
//! holds up the requests after it, and replies come in the order they are ready.
//!
//! ```text
//! {"id":1,"type":"create","origin":"http://localhost:8787","options":{…PublicKeyCredentialCreationOptionsJSON…},"tag":"t1"}
//! {"id":2,"type":"get","origin":"http://localhost:8787","options":{…PublicKeyCredentialRequestOptionsJSON…},"tag":"t2"}
//! {"id":3,"type":"cancel","tag":"t2"}                        → {"id":3,"ok":null}
//! {"id":4,"type":"accounts","origin":"http://localhost:8787","rpId":"localhost"}
//!     → {"id":4,"ok":[{"credentialId":"b64url","userName":"alice","userDisplayName":"Alice","nickname":null}]}
//! {"id":5,"type":"status"} → {"id":5,"ok":{"running":true,"locked":false,"count":2}} or {"id":5,"ok":{"running":false}}
//! {"id":6,"type":"unlock"} → starts the app if needed, which shows its window and unlocks (the OS check); ok = the status as above
//! ```
//!
//! - `tag` (optional, 1–128 characters) is the extension's name for a create/get, so a later
//!   `cancel` can withdraw it: the prompt goes away and the ceremony answers `AbortError`. A
//!   cancel naming nothing pending (or with no app running) answers `null`. A ceremony
//!   cancelled while it is still starting the app answers `AbortError` without reaching it.
//! - `status` and `cancel` never start the app; create, get, accounts and unlock do, and wait
//!   up to [`launch::START_WAIT`] for its socket.
//! - The prompt names the browser (`client` of the bridge request): the host's parent
//!   process's executable, never a frame's field.
//!
//! A successful create/get answers `{"id":…,"ok":…}` with the RegistrationResponseJSON /
//! AuthenticationResponseJSON exactly as the app made it. Failures:
//!
//! ```text
//! {"id":1,"error":{"name":"NotAllowedError","message":"the request was denied"}}
//! {"id":1,"error":{"name":"LatchkeyUnavailable","message":"…","fallback":"locked"}}
//! ```
//!
//! `error.name` is a DOMException name (`NotAllowedError`, `InvalidStateError`,
//! `SecurityError`, `NotSupportedError`, `TypeError`, `UnknownError`, `AbortError`; see
//! [`message::dom_name`]) or `LatchkeyUnavailable` with a `fallback` reason: the extension then
//! hands the call to the browser's own WebAuthn as if Latchkey were absent. The reasons:
//! `not-running` (the app is not running and could not be started, or the connection to it
//! failed), `locked` (locked, and the person did not unlock), `no-passkey` (Latchkey holds no
//! passkey this get can use), `another-device` (the person chose "Use another device or
//! security key"), `busy` (the app, or this host with [`host::MAX_IN_FLIGHT`] requests open,
//! is at its limit).
//!
//! A frame that cannot be read (not UTF-8, not JSON, no usable id) is answered with
//! `"id": null` and a `TypeError`; a malformed request with its id and a `TypeError`. Frames
//! are capped at 1 MiB each way. A frame that is short (the pipe ended inside it) or oversized
//! leaves the stream unreadable: the host answers one error frame and exits with status 1. When
//! the browser closes stdin, the host withdraws the tagged ceremonies still pending, waits up to
//! [`host::DRAIN_WAIT`] for pending replies, and exits with status 0. Diagnostics go to stderr
//! only; stdout carries frames and nothing else.

pub mod browser_name;
pub mod framing;
pub mod host;
pub mod install;
pub mod launch;
pub mod message;
pub mod trace;
