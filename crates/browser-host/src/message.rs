//! The messages between the extension and the host (see the crate docs for their shape), and
//! how the app's errors are named for the page.

use latchkey_bridge::protocol::Op;
use latchkey_bridge::ErrorKind;
use serde_json::{json, Value};

/// The error name that tells the extension Latchkey cannot answer (the app is not running and
/// cannot be started, or cannot take the request): it then lets the browser's own WebAuthn
/// handle the call.
pub const UNAVAILABLE: &str = "LatchkeyUnavailable";

/// A request that cannot be relayed: the page gets this as a DOMException.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub name: &'static str,
    pub message: String,
}

impl HostError {
    pub fn new(name: &'static str, message: impl Into<String>) -> Self {
        HostError {
            name,
            message: message.into(),
        }
    }
}

/// The extension's request, checked: its id (echoed back) and the bridge operation.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRequest {
    pub id: Value,
    pub op: Op,
}

/// The request's id when it is one the reply can carry (a number or a string), else `null`.
pub fn id_of(message: &Value) -> Value {
    match message.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    }
}

/// Checks one message from the extension. Errors are `TypeError`s naming what is wrong.
pub fn parse(message: &Value) -> Result<HostRequest, HostError> {
    let type_error = |m: String| HostError::new("TypeError", m);
    let id = id_of(message);
    if id.is_null() {
        return Err(type_error(
            "the message needs an \"id\" (a number or a string) to answer to".into(),
        ));
    }
    let kind = message.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "status" {
        return Ok(HostRequest { id, op: Op::Status });
    }
    if kind != "create" && kind != "get" {
        return Err(type_error(format!(
            "unknown message type {:?}; expected \"create\", \"get\" or \"status\"",
            message.get("type").unwrap_or(&Value::Null)
        )));
    }
    let origin = message
        .get("origin")
        .and_then(Value::as_str)
        .ok_or_else(|| type_error(format!("a {kind} message needs the page's \"origin\"")))?
        .to_owned();
    let options = match message.get("options") {
        Some(o @ Value::Object(_)) => o.clone(),
        _ => {
            return Err(type_error(format!(
            "a {kind} message needs \"options\": the W3C JSON form of the call's publicKey options"
        )))
        }
    };
    let op = if kind == "create" {
        Op::WebauthnCreate {
            origin,
            options,
            account: None,
            tag: None,
            client: None,
        }
    } else {
        Op::WebauthnGet {
            origin,
            options,
            account: None,
            tag: None,
            client: None,
        }
    };
    Ok(HostRequest { id, op })
}

/// The name the page sees for an error the app answered. WebAuthn's own kinds are already
/// DOMException names (the bridge spells them so); Latchkey's own kinds become the nearest one:
/// a locked vault is `NotAllowedError` (the person can unlock and try again: falling back to the
/// browser would register the passkey somewhere else), a busy app is [`UNAVAILABLE`], and
/// storage or protocol trouble is `UnknownError`. The message always keeps the app's words.
pub fn dom_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotAllowedError | ErrorKind::Locked => "NotAllowedError",
        ErrorKind::InvalidStateError => "InvalidStateError",
        ErrorKind::SecurityError => "SecurityError",
        ErrorKind::NotSupportedError => "NotSupportedError",
        ErrorKind::TypeError => "TypeError",
        ErrorKind::Busy | ErrorKind::NoPasskey | ErrorKind::UseAnotherDevice => UNAVAILABLE,
        ErrorKind::Aborted => "AbortError",
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
    json!({ "id": id, "error": { "name": error.name, "message": error.message } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_become_bridge_operations() {
        let r = parse(
            &json!({"id": 7, "type": "create", "origin": "https://a.example",
            "options": {"challenge": "AA"}}),
        )
        .unwrap();
        assert_eq!(r.id, json!(7));
        assert_eq!(
            r.op,
            Op::WebauthnCreate {
                origin: "https://a.example".into(),
                options: json!({"challenge": "AA"}),
                account: None,
                tag: None,
                client: None,
            }
        );
        let r = parse(
            &json!({"id": "x", "type": "get", "origin": "https://a.example",
            "options": {}}),
        )
        .unwrap();
        assert!(matches!(r.op, Op::WebauthnGet { .. }));
        assert_eq!(r.id, json!("x"));
        let r = parse(&json!({"id": 1, "type": "status"})).unwrap();
        assert_eq!(r.op, Op::Status);
    }

    #[test]
    fn malformed_requests_are_type_errors_with_the_id_when_there_is_one() {
        for (m, id) in [
            (json!({"type": "status"}), Value::Null),
            (json!({"id": [1], "type": "status"}), Value::Null),
            (json!({"id": 1, "type": "delete"}), json!(1)),
            (json!({"id": 1, "type": "get", "options": {}}), json!(1)),
            (
                json!({"id": 1, "type": "get", "origin": "https://a.example", "options": "x"}),
                json!(1),
            ),
            (json!([]), Value::Null),
        ] {
            let e = parse(&m).unwrap_err();
            assert_eq!(e.name, "TypeError", "{m}");
            assert_eq!(id_of(&m), id);
        }
    }

    #[test]
    fn app_errors_get_domexception_names() {
        assert_eq!(dom_name(ErrorKind::NotAllowedError), "NotAllowedError");
        assert_eq!(dom_name(ErrorKind::InvalidStateError), "InvalidStateError");
        assert_eq!(dom_name(ErrorKind::SecurityError), "SecurityError");
        assert_eq!(dom_name(ErrorKind::Locked), "NotAllowedError");
        assert_eq!(dom_name(ErrorKind::Busy), UNAVAILABLE);
        assert_eq!(dom_name(ErrorKind::VaultError), "UnknownError");
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
    }
}
