//! The app's answers on its socket: the CLI and the browser bridge reach the same session as
//! the windows, and their ceremonies wait on the same prompt window.

use std::sync::Arc;

use latchkey_authenticator::Door;
use latchkey_bridge::protocol::{self, ErrorKind, Op, ReplyError, Request};
use latchkey_bridge::{Handler, Peer};

use crate::approver::RequestInfo;
use crate::session::{Session, SessionError};

pub struct SessionHandler(pub Arc<Session>);

/// The door the bridge determined from the connected process's executable (the server puts
/// it in `request.door` in place of whatever the client claimed).
fn door_of(d: protocol::Door) -> Door {
    match d {
        protocol::Door::Cli => Door::Cli,
        protocol::Door::Browser => Door::Browser,
        protocol::Door::Usb => Door::Hid,
        protocol::Door::Program => Door::Program,
    }
}

/// A session error as the protocol carries it.
pub fn reply_error(e: SessionError) -> ReplyError {
    match e {
        SessionError::Locked => ReplyError::new(
            ErrorKind::Locked,
            "Latchkey is locked; unlock it in the Latchkey window and try again",
        ),
        SessionError::Vault(v) => ReplyError::new(ErrorKind::VaultError, v.to_string()),
        SessionError::WebAuthn(c) => {
            ReplyError::new(ErrorKind::from_dom_name(c.dom_name()), c.to_string())
        }
        SessionError::Verification(m) => ReplyError::new(ErrorKind::NotAllowedError, m),
        SessionError::NotFound => ReplyError::new(ErrorKind::NotFound, e.to_string()),
        SessionError::Invalid(m) => ReplyError::new(ErrorKind::TypeError, m),
        SessionError::Aborted => ReplyError::new(ErrorKind::Aborted, e.to_string()),
        SessionError::UseAnotherDevice => {
            ReplyError::new(ErrorKind::UseAnotherDevice, e.to_string())
        }
        SessionError::NoPasskey(_) => ReplyError::new(ErrorKind::NoPasskey, e.to_string()),
        SessionError::Busy => ReplyError::new(ErrorKind::Busy, e.to_string()),
        SessionError::PassphraseNeeded
        | SessionError::Transfer(_)
        | SessionError::ImportHasProblems(_) => {
            ReplyError::new(ErrorKind::TypeError, e.to_string())
        }
    }
}

impl Handler for SessionHandler {
    fn handle(&self, peer: &Peer, request: Request) -> Result<serde_json::Value, ReplyError> {
        let s = &self.0;
        let door = peer.door();
        let result = match request.op {
            Op::Status => Ok(json(&s.status())),
            Op::List => s.list().map(|l| json(&l)),
            Op::Rename { passkey, nickname } => s
                .rename(&passkey, nickname.as_deref(), door_of(door))
                .map(|_| serde_json::Value::Null),
            // Confirmed in the prompt window: a socket caller cannot delete on its own.
            Op::Delete { passkey } => s
                .delete_confirmed(&passkey, door_of(door))
                .map(|_| serde_json::Value::Null),
            Op::Lock => {
                s.lock();
                Ok(serde_json::Value::Null)
            }
            // Only this door's own request with that tag can be withdrawn.
            Op::Cancel { tag } => {
                s.cancel(door_of(door), &tag);
                Ok(serde_json::Value::Null)
            }
            Op::Accounts { origin, rp_id } => {
                s.accounts(door_of(door), &origin, &rp_id).map(|a| json(&a))
            }
            Op::Unlock => s.unlock_for_client().map(|st| json(&st)),
            // Only the latchkey command: another program must not probe which sites the
            // person uses, nor open links in their browser through Latchkey.
            Op::LinkCheck { .. } | Op::LinkOpen { .. } if door != protocol::Door::Cli => Err(
                SessionError::WebAuthn(latchkey_authenticator::client::ClientError::NotAllowed(
                    "only the latchkey command may check or open sign-in links through the app"
                        .into(),
                )),
            ),
            Op::LinkCheck { url } => s.check_link(&url).map(|r| json(&r)),
            Op::LinkOpen {
                url,
                confirm,
                override_lookalike,
            } => s
                .open_link(&url, door_of(door), confirm, override_lookalike)
                .map(|o| json(&o)),
            Op::WebauthnCreate {
                origin,
                options,
                tag,
                client,
                ..
            } => s.webauthn_create_for(
                door_of(door),
                &origin,
                &options.to_string(),
                RequestInfo { tag, client },
            ),
            Op::WebauthnGet {
                origin,
                options,
                account,
                tag,
                client,
            } => s.webauthn_get_for(
                door_of(door),
                &origin,
                &options.to_string(),
                account.as_deref(),
                RequestInfo { tag, client },
            ),
        };
        result.map_err(reply_error)
    }
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
