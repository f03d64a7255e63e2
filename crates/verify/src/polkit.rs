//! polkit backend: asks polkitd, over the system bus, whether this process may perform
//! `dev.latchkey.verify`. The action's default is `auth_self`, so polkit has the desktop's agent
//! ask the person for their own password (or fingerprint) and answers only after they did.
//!
//! No details are passed: polkit only lets uid 0 or the action's owner attach details (others
//! get `NotAuthorized`), so the prompt shows the policy's own message. And polkit authorizes
//! uid 0 for everything without asking: running Latchkey as root bypasses this gate.

use std::collections::HashMap;

use zbus::blocking::{Connection, Proxy};
use zbus::zvariant::Value;

use crate::{VerificationRequest, Verifier, VerifyError};

/// The polkit action Latchkey checks (packaging/linux/dev.latchkey.verify.policy).
pub const ACTION_ID: &str = "dev.latchkey.verify";
/// CheckAuthorization flag: let polkit ask the person through their agent.
const ALLOW_USER_INTERACTION: u32 = 1;

#[derive(Debug, Default)]
pub struct PolkitVerifier;

impl PolkitVerifier {
    pub fn new() -> Self {
        PolkitVerifier
    }
}

fn unavailable(e: impl std::fmt::Display) -> VerifyError {
    VerifyError::Unavailable(e.to_string())
}

impl Verifier for PolkitVerifier {
    fn verify(&self, _request: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        let conn = Connection::system().map_err(unavailable)?;
        let authority = Proxy::new(
            &conn,
            "org.freedesktop.PolicyKit1",
            "/org/freedesktop/PolicyKit1/Authority",
            "org.freedesktop.PolicyKit1.Authority",
        )
        .map_err(unavailable)?;
        // The subject is this very connection: polkitd resolves its pid and uid from the bus,
        // which the caller cannot forge.
        let name = conn
            .unique_name()
            .ok_or_else(|| unavailable("no unique name on the system bus"))?
            .to_string();
        let mut subject_details: HashMap<&str, Value<'_>> = HashMap::new();
        subject_details.insert("name", Value::from(name.as_str()));
        let subject = ("system-bus-name", subject_details);
        let details: HashMap<&str, &str> = HashMap::new();
        let reply: Result<(bool, bool, HashMap<String, String>), zbus::Error> = authority.call(
            "CheckAuthorization",
            &(subject, ACTION_ID, details, ALLOW_USER_INTERACTION, ""),
        );
        match reply {
            Ok((true, _, _)) => Ok(()),
            // A challenge left unanswered: polkit wanted to ask but no agent is there.
            Ok((false, true, _)) => Err(VerifyError::NoAgent),
            Ok((false, false, details)) => Err(VerifyError::Denied(
                details
                    .get("polkit.dismissed")
                    .map(|_| "the prompt was dismissed".to_owned())
                    .unwrap_or_else(|| "by the system's polkit policy".to_owned()),
            )),
            Err(zbus::Error::MethodError(name, text, _)) => {
                let text = text.unwrap_or_default();
                if name.as_str().ends_with(".Cancelled") {
                    Err(VerifyError::Cancelled)
                } else if text.contains("is not registered") {
                    Err(VerifyError::NotInstalled)
                } else {
                    Err(VerifyError::Unavailable(format!("{name}: {text}")))
                }
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}
