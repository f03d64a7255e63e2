//! The bridge protocol, version 1. One JSON object per line, each way:
//!
//! ```text
//! → {"v":1,"id":7,"door":"cli","op":"webauthn-get","origin":"https://example.com","options":{…}}
//! ← {"v":1,"id":7,"ok":{…AuthenticationResponseJSON…}}
//! ← {"v":1,"id":7,"error":{"kind":"NotAllowedError","message":"the request was denied"}}
//! ```
//!
//! WebAuthn data crosses as the W3C JSON forms. A peer speaking another major version gets a
//! `ProtocolError` naming both versions, never a guess.
//!
//! The request's `door` is still sent and parsed (older apps require it) but the app ignores
//! it: the server determines the door from the connected process's executable
//! ([`crate::peer`]) and overwrites the field before any handler sees the request.
//!
//! A server at its connection limit answers one line with kind `Busy` (id 0) and closes.
//!
//! Additions within version 1 (an older app answers them `ProtocolError`, "bad request"): the
//! ceremonies' optional `tag` and `client`, and the ops `cancel`, `accounts` and `unlock`, used
//! by the browser door; `link-check` and `link-open` (sign-in links), used by the CLI. Optional fields keep old requests valid; nothing changed meaning.

use serde::{Deserialize, Serialize};

/// Bumped on any change an old peer would misread.
pub const PROTOCOL_VERSION: u32 = 1;
/// A line longer than this is refused unread: options and responses are a few KiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Which door the request came through; shown on the prompt and in the activity log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Door {
    Cli,
    Browser,
    Usb,
    /// A program of the same user that is none of Latchkey's own clients.
    Program,
}

/// What a client asks. Every request carries the protocol version, an id echoed in the reply,
/// and the door (ignored by the app, which determines the door itself; see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub v: u32,
    pub id: u64,
    pub door: Door,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Is the app there, and is its vault unlocked?
    Status,
    /// Every passkey's metadata: a list of [`PasskeyView`].
    List,
    /// `passkey` is the credential id, base64url (not `id`: that names the request).
    Rename {
        passkey: String,
        nickname: Option<String>,
    },
    Delete {
        passkey: String,
    },
    Lock,
    /// navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out.
    WebauthnCreate {
        origin: String,
        options: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// The client's name for this request, so a later [`Op::Cancel`] can withdraw it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        /// Which program the person is using ("Chromium", "Firefox"), shown on the prompt. The
        /// browser host determines it from its parent process, never from the page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
    },
    /// navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out.
    WebauthnGet {
        origin: String,
        options: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
    },
    /// Withdraws the waiting ceremony this door sent with `tag` (the page aborted it): its
    /// prompt goes away and it answers `Aborted`. Answers `null` even when nothing waited.
    Cancel {
        tag: String,
    },
    /// The passkeys for `rp_id` as a list of [`AccountView`], for a browser's passkey autofill
    /// menu; `rp_id` must be valid for `origin`. Needs an unlocked vault (`Locked` otherwise).
    Accounts {
        origin: String,
        rp_id: String,
    },
    /// Shows the app's window and unlocks the vault (the OS check runs); answers the status.
    Unlock,
    /// Judges a sign-in (magic) link against the person's sites; opens nothing. Answers the
    /// report: `{"verdict","site","reasons","imitates","url"}`. Needs an unlocked vault.
    LinkCheck {
        url: String,
    },
    /// Judges the link and opens it in the browser only when it passed: a trusted site; an
    /// unknown site with `confirm`; a lookalike with `override`; never a refused, used or
    /// expired one. Answers the report plus `"opened": bool`.
    LinkOpen {
        url: String,
        #[serde(default)]
        confirm: bool,
        #[serde(default, rename = "override")]
        override_lookalike: bool,
    },
}

/// One passkey as an autofill menu shows it: who it signs in as, never key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// The credential id, base64url.
    pub credential_id: String,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub nickname: Option<String>,
}

/// One passkey as `list` answers it (and as the app's windows see it): metadata only, never
/// key material; binary fields in base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    /// The credential id.
    pub id: String,
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub user_handle: String,
    pub nickname: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub use_count: u64,
    pub sign_count: u32,
    /// "ES256", "EdDSA" or "RS256".
    pub algorithm: String,
    pub cred_protect: u8,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub v: u32,
    pub id: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Ok(serde_json::Value),
    Error(ReplyError),
}

/// A failure, with a kind code can branch on and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ReplyError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ReplyError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ReplyError {
            kind,
            message: message.into(),
        }
    }
}

/// WebAuthn's DOMException names where they apply, plus the vault's and the protocol's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    NotAllowedError,
    InvalidStateError,
    SecurityError,
    NotSupportedError,
    TypeError,
    UnknownError,
    /// The vault is locked in the app; unlock it there.
    Locked,
    /// A vault or keychain problem.
    VaultError,
    /// No passkey with that id.
    NotFound,
    /// Malformed or unsupported message.
    ProtocolError,
    /// The app has too many open connections; close some and try again.
    Busy,
    /// (Browser door) Latchkey holds no passkey this request can use; the browser should ask
    /// its own authenticators instead.
    NoPasskey,
    /// The person chose "use another device or security key" in the prompt.
    UseAnotherDevice,
    /// The request was withdrawn with [`Op::Cancel`] before it was answered.
    Aborted,
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

impl ErrorKind {
    /// The kind for a WebAuthn DOMException name; unknown names become `UnknownError`.
    pub fn from_dom_name(name: &str) -> ErrorKind {
        serde_json::from_value(serde_json::Value::String(name.to_owned()))
            .unwrap_or(ErrorKind::UnknownError)
    }
}

/// Parses one request line. Never panics; the error says what was wrong.
pub fn parse_request(line: &str) -> Result<Request, ReplyError> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        ReplyError::new(ErrorKind::ProtocolError, format!("not a JSON message: {e}"))
    })?;
    match value.get("v").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(v) => {
            return Err(ReplyError::new(
                ErrorKind::ProtocolError,
                format!(
                    "protocol version {v} is not spoken here (the app speaks {PROTOCOL_VERSION}); update Latchkey so both sides match"
                ),
            ))
        }
        None => {
            return Err(ReplyError::new(
                ErrorKind::ProtocolError,
                "the message has no protocol version (\"v\")",
            ))
        }
    }
    serde_json::from_value(value)
        .map_err(|e| ReplyError::new(ErrorKind::ProtocolError, format!("bad request: {e}")))
}

/// The id of a request line, when it can be read, so even a rejected request gets a reply the
/// client can match.
pub fn request_id(line: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_u64()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ops_read_as_the_cli_sends_them_and_flags_default_to_off() {
        let open = parse_request(
            r#"{"v":1,"id":3,"door":"cli","op":"link-open","url":"https://example.com/l/x","confirm":true,"override":false}"#,
        )
        .unwrap();
        assert_eq!(
            open.op,
            Op::LinkOpen {
                url: "https://example.com/l/x".into(),
                confirm: true,
                override_lookalike: false,
            }
        );
        let bare = parse_request(
            r#"{"v":1,"id":4,"door":"cli","op":"link-open","url":"https://examp1e.com/"}"#,
        )
        .unwrap();
        assert!(matches!(
            bare.op,
            Op::LinkOpen {
                confirm: false,
                override_lookalike: false,
                ..
            }
        ));
        let check = Request {
            v: PROTOCOL_VERSION,
            id: 5,
            door: Door::Cli,
            op: Op::LinkCheck {
                url: "https://example.com/".into(),
            },
        };
        let line = serde_json::to_value(&check).unwrap();
        assert_eq!(line["op"], "link-check");
        assert_eq!(line["url"], "https://example.com/");
        let over = serde_json::to_value(Op::LinkOpen {
            url: "u".into(),
            confirm: false,
            override_lookalike: true,
        })
        .unwrap();
        assert_eq!(over["override"], true);
    }
}
