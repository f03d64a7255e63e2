//! The messages between the extension and the host (see the crate docs for their shape), and
//! how the app's errors are named for the page.

use latchkey_bridge::protocol::Op;
use latchkey_bridge::ErrorKind;
use serde_json::{json, Value};

/// The error name that tells the extension Latchkey cannot or should not answer this call; the
/// reply's `fallback` says why, and the extension then hands the call to the browser's own
/// WebAuthn as if Latchkey were absent.
pub const UNAVAILABLE: &str = "LatchkeyUnavailable";

/// The longest `tag` accepted: the extension makes short random ones; this only keeps a
/// runaway value from being relayed and logged by the app.
pub const MAX_TAG_CHARS: usize = 128;

/// Why Latchkey steps aside (the `fallback` field of a [`UNAVAILABLE`] error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The app is not running and could not be started (or cannot be reached).
    NotRunning,
    /// The vault is locked and the person did not unlock it.
    Locked,
    /// Latchkey holds no passkey this get can use.
    NoPasskey,
    /// The person chose "Use another device or security key" in the prompt.
    AnotherDevice,
    /// The app, or this host, has too many requests open.
    Busy,
}

impl Fallback {
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::NotRunning => "not-running",
            Fallback::Locked => "locked",
            Fallback::NoPasskey => "no-passkey",
            Fallback::AnotherDevice => "another-device",
            Fallback::Busy => "busy",
        }
    }
}

/// A request that cannot be answered with a result: the page gets this as a DOMException, or
/// (with `fallback`) the browser's own WebAuthn answers instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub name: &'static str,
    pub message: String,
    pub fallback: Option<Fallback>,
}

impl HostError {
    pub fn new(name: &'static str, message: impl Into<String>) -> Self {
        HostError {
            name,
            message: message.into(),
            fallback: None,
        }
    }

    /// A [`UNAVAILABLE`] error: Latchkey steps aside for `reason`.
    pub fn fallback(reason: Fallback, message: impl Into<String>) -> Self {
        HostError {
            name: UNAVAILABLE,
            message: message.into(),
            fallback: Some(reason),
        }
    }

    /// The app's error as the page should see it (see [`dom_name`] and [`fallback_of`]). The
    /// message always keeps the app's words.
    pub fn from_app(kind: ErrorKind, message: impl Into<String>) -> Self {
        match fallback_of(kind) {
            Some(reason) => HostError::fallback(reason, message),
            None => HostError::new(dom_name(kind), message),
        }
    }
}

/// What the extension asks for, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Answered from the app's status when it runs, `{"running":false}` when it does not; it
    /// never starts the app (the popup asks it every time it opens).
    Status,
    /// Withdraws a pending ceremony; needs no app start either (nothing can be pending in an
    /// app that is not running).
    Cancel(Op),
    /// Relayed to the app, which is started when it is not running: create, get, accounts,
    /// unlock. For create/get the bridge op's `client` is still empty: the host fills it in
    /// from its parent process, never from the frame.
    Relay(Op),
}

/// The extension's request, checked: its id (echoed back) and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRequest {
    pub id: Value,
    pub action: Action,
}

impl HostRequest {
    /// The tag of a create/get, which an EOF-time cancel can name.
    pub fn tag(&self) -> Option<&str> {
        match &self.action {
            Action::Relay(Op::WebauthnCreate { tag, .. } | Op::WebauthnGet { tag, .. }) => {
                tag.as_deref()
            }
            _ => None,
        }
    }
}

/// The request's id when it is one the reply can carry (a number or a string), else `null`.
pub fn id_of(message: &Value) -> Value {
    match message.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    }
}

const TYPES: &str = "\"create\", \"get\", \"cancel\", \"accounts\", \"status\" or \"unlock\"";

fn type_error(m: String) -> HostError {
    HostError::new("TypeError", m)
}

/// A required string field.
fn string_field(message: &Value, field: &str, kind: &str, what: &str) -> Result<String, HostError> {
    message
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            type_error(format!(
                "a {kind} message needs {what} (\"{field}\", a string)"
            ))
        })
}

/// The optional `tag` of a create/get, or the required one of a cancel.
fn tag_field(message: &Value, kind: &str) -> Result<Option<String>, HostError> {
    match message.get("tag") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) if !t.is_empty() && t.chars().count() <= MAX_TAG_CHARS => {
            Ok(Some(t.clone()))
        }
        Some(_) => Err(type_error(format!(
            "a {kind} message's \"tag\" must be a string of 1 to {MAX_TAG_CHARS} characters"
        ))),
    }
}

/// Checks one message from the extension. Errors are `TypeError`s naming what is wrong.
pub fn parse(message: &Value) -> Result<HostRequest, HostError> {
    let id = id_of(message);
    if id.is_null() {
        return Err(type_error(
            "the message needs an \"id\" (a number or a string) to answer to".into(),
        ));
    }
    let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
    let action = match kind {
        "status" => Action::Status,
        "unlock" => Action::Relay(Op::Unlock),
        "cancel" => match tag_field(message, kind)? {
            Some(tag) => Action::Cancel(Op::Cancel { tag }),
            None => {
                return Err(type_error(
                    "a cancel message needs the \"tag\" of the request it withdraws".into(),
                ))
            }
        },
        "accounts" => Action::Relay(Op::Accounts {
            origin: string_field(message, "origin", kind, "the page's origin")?,
            rp_id: string_field(message, "rpId", kind, "the relying party ID")?,
        }),
        "create" | "get" => {
            let origin = string_field(message, "origin", kind, "the page's origin")?;
            let options = match message.get("options") {
                Some(o @ Value::Object(_)) => o.clone(),
                _ => {
                    return Err(type_error(format!(
                        "a {kind} message needs \"options\": the W3C JSON form of the call's publicKey options"
                    )))
                }
            };
            let tag = tag_field(message, kind)?;
            Action::Relay(if kind == "create" {
                Op::WebauthnCreate {
                    origin,
                    options,
                    account: None,
                    tag,
                    client: None,
                }
            } else {
                Op::WebauthnGet {
                    origin,
                    options,
                    account: None,
                    tag,
                    client: None,
                }
            })
        }
        _ => {
            return Err(type_error(format!(
                "unknown message type {}; expected {TYPES}",
                message.get("type").unwrap_or(&Value::Null)
            )))
        }
    };
    Ok(HostRequest { id, action })
}

/// Sets a create/get's `client` (the browser's name, determined by the host).
pub fn with_client(op: Op, name: &str) -> Op {
    match op {
        Op::WebauthnCreate {
            origin,
            options,
            account,
            tag,
            ..
        } => Op::WebauthnCreate {
            origin,
            options,
            account,
            tag,
            client: Some(name.to_owned()),
        },
        Op::WebauthnGet {
            origin,
            options,
            account,
            tag,
            ..
        } => Op::WebauthnGet {
            origin,
            options,
            account,
            tag,
            client: Some(name.to_owned()),
        },
        other => other,
    }
}

/// When the app's answer means Latchkey should step aside rather than fail the call: the
/// browser's own WebAuthn (security keys, phones) may still serve the page.
pub fn fallback_of(kind: ErrorKind) -> Option<Fallback> {
    match kind {
        ErrorKind::Locked => Some(Fallback::Locked),
        ErrorKind::NoPasskey => Some(Fallback::NoPasskey),
        ErrorKind::UseAnotherDevice => Some(Fallback::AnotherDevice),
        ErrorKind::Busy => Some(Fallback::Busy),
        _ => None,
    }
}

/// The DOMException name the page sees for an error the app answered. WebAuthn's own kinds are
/// already DOMException names (the bridge spells them so); a withdrawn request is an
/// `AbortError`; storage or protocol trouble is `UnknownError`. The kinds [`fallback_of`] maps
/// are [`UNAVAILABLE`].
pub fn dom_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotAllowedError => "NotAllowedError",
        ErrorKind::InvalidStateError => "InvalidStateError",
        ErrorKind::SecurityError => "SecurityError",
        ErrorKind::NotSupportedError => "NotSupportedError",
        ErrorKind::TypeError => "TypeError",
        ErrorKind::Aborted => "AbortError",
        ErrorKind::Locked
        | ErrorKind::Busy
        | ErrorKind::NoPasskey
        | ErrorKind::UseAnotherDevice => UNAVAILABLE,
        ErrorKind::UnknownError
        | ErrorKind::VaultError
        | ErrorKind::NotFound
        | ErrorKind::ProtocolError => "UnknownError",
    }
}

pub fn ok_reply(id: &Value, result: Value) -> Value {
    json!({ "id": id, "ok": result })
}

pub fn error_reply(id: &Value, error: &HostError) -> Value {
    let mut e = json!({ "name": error.name, "message": error.message });
    if let Some(reason) = error.fallback {
        e["fallback"] = json!(reason.as_str());
    }
    json!({ "id": id, "error": e })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relayed(m: Value) -> Op {
        match parse(&m).unwrap().action {
            Action::Relay(op) => op,
            other => panic!("{m} gave {other:?}"),
        }
    }

    #[test]
    fn requests_become_bridge_operations() {
        let r = parse(
            &json!({"id": 7, "type": "create", "origin": "https://a.example",
            "options": {"challenge": "AA"}, "tag": "t1"}),
        )
        .unwrap();
        assert_eq!(r.id, json!(7));
        assert_eq!(r.tag(), Some("t1"));
        assert_eq!(
            r.action,
            Action::Relay(Op::WebauthnCreate {
                origin: "https://a.example".into(),
                options: json!({"challenge": "AA"}),
                account: None,
                tag: Some("t1".into()),
                client: None,
            })
        );
        let r = parse(
            &json!({"id": "x", "type": "get", "origin": "https://a.example",
            "options": {}}),
        )
        .unwrap();
        assert!(matches!(
            r.action,
            Action::Relay(Op::WebauthnGet { tag: None, .. })
        ));
        assert_eq!(r.id, json!("x"));
        assert_eq!(
            parse(&json!({"id": 1, "type": "status"})).unwrap().action,
            Action::Status
        );
        assert_eq!(relayed(json!({"id": 1, "type": "unlock"})), Op::Unlock);
        assert_eq!(
            parse(&json!({"id": 3, "type": "cancel", "tag": "t2"}))
                .unwrap()
                .action,
            Action::Cancel(Op::Cancel { tag: "t2".into() })
        );
        assert_eq!(
            relayed(json!({"id": 4, "type": "accounts",
                "origin": "http://localhost:8787", "rpId": "localhost"})),
            Op::Accounts {
                origin: "http://localhost:8787".into(),
                rp_id: "localhost".into()
            }
        );
    }

    #[test]
    fn a_frame_cannot_name_the_client() {
        let op = relayed(
            json!({"id": 1, "type": "get", "origin": "https://a.example",
            "options": {}, "client": "Totally Chrome"}),
        );
        assert!(matches!(op, Op::WebauthnGet { client: None, .. }), "{op:?}");
        let op = with_client(op, "Firefox");
        assert!(
            matches!(&op, Op::WebauthnGet { client: Some(c), .. } if c == "Firefox"),
            "{op:?}"
        );
        // Other ops carry no client.
        assert_eq!(with_client(Op::Unlock, "Firefox"), Op::Unlock);
    }

    #[test]
    fn malformed_requests_are_type_errors_with_the_id_when_there_is_one() {
        let long_tag = "t".repeat(MAX_TAG_CHARS + 1);
        for (m, id) in [
            (json!({"type": "status"}), Value::Null),
            (json!({"id": [1], "type": "status"}), Value::Null),
            (json!({"id": 1, "type": "delete"}), json!(1)),
            (json!({"id": 1, "type": "get", "options": {}}), json!(1)),
            (
                json!({"id": 1, "type": "get", "origin": "https://a.example", "options": "x"}),
                json!(1),
            ),
            (
                json!({"id": 1, "type": "get", "origin": "https://a.example", "options": {}, "tag": 5}),
                json!(1),
            ),
            (
                json!({"id": 1, "type": "get", "origin": "https://a.example", "options": {}, "tag": long_tag}),
                json!(1),
            ),
            (json!({"id": 2, "type": "cancel"}), json!(2)),
            (json!({"id": 2, "type": "cancel", "tag": ""}), json!(2)),
            (
                json!({"id": 3, "type": "accounts", "origin": "https://a.example"}),
                json!(3),
            ),
            (
                json!({"id": 3, "type": "accounts", "rpId": "a.example"}),
                json!(3),
            ),
            (json!([]), Value::Null),
        ] {
            let e = parse(&m).unwrap_err();
            assert_eq!(e.name, "TypeError", "{m}");
            assert_eq!(e.fallback, None, "{m}");
            assert_eq!(id_of(&m), id);
        }
    }

    #[test]
    fn app_errors_get_domexception_names_or_a_fallback() {
        let name = |k| HostError::from_app(k, "m").name;
        let fallback = |k| HostError::from_app(k, "m").fallback;
        assert_eq!(name(ErrorKind::NotAllowedError), "NotAllowedError");
        assert_eq!(name(ErrorKind::InvalidStateError), "InvalidStateError");
        assert_eq!(name(ErrorKind::SecurityError), "SecurityError");
        assert_eq!(name(ErrorKind::Aborted), "AbortError");
        assert_eq!(name(ErrorKind::VaultError), "UnknownError");
        assert_eq!(name(ErrorKind::ProtocolError), "UnknownError");
        assert_eq!(fallback(ErrorKind::NotAllowedError), None);
        assert_eq!(fallback(ErrorKind::Aborted), None);
        for (kind, reason, wire) in [
            (ErrorKind::Locked, Fallback::Locked, "locked"),
            (ErrorKind::NoPasskey, Fallback::NoPasskey, "no-passkey"),
            (
                ErrorKind::UseAnotherDevice,
                Fallback::AnotherDevice,
                "another-device",
            ),
            (ErrorKind::Busy, Fallback::Busy, "busy"),
        ] {
            let e = HostError::from_app(kind, "why");
            assert_eq!((e.name, e.fallback), (UNAVAILABLE, Some(reason)));
            assert_eq!(
                error_reply(&json!(1), &e),
                json!({"id": 1, "error": {"name": UNAVAILABLE, "message": "why", "fallback": wire}})
            );
        }
        // The WebAuthn kinds keep the bridge's own spelling.
        for k in [
            ErrorKind::NotAllowedError,
            ErrorKind::InvalidStateError,
            ErrorKind::SecurityError,
            ErrorKind::NotSupportedError,
            ErrorKind::TypeError,
            ErrorKind::UnknownError,
        ] {
            assert_eq!(dom_name(k), k.to_string());
        }
        // A plain error has no fallback field at all.
        assert_eq!(
            error_reply(&json!("a"), &HostError::new("TypeError", "m")),
            json!({"id": "a", "error": {"name": "TypeError", "message": "m"}})
        );
        assert_eq!(Fallback::NotRunning.as_str(), "not-running");
    }
}
