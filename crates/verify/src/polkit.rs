//! polkit backend: asks polkitd, over the system bus, whether this process may perform
//! `dev.latchkey.verify`. The action's default is `auth_self`, so polkit has the desktop's agent
//! ask the person for their own password (or fingerprint) and answers only after they did.
//!
//! Whoever starts Latchkey controls its environment, so nothing about *which* polkit is asked
//! comes from there: zbus's `Connection::system()` honours `DBUS_SYSTEM_BUS_ADDRESS`, and a
//! private bus with a fake `org.freedesktop.PolicyKit1` on it would answer "yes" to anything.
//! Instead the gate
//! 1. connects to the system bus's well-known socket itself ([`SYSTEM_BUS_SOCKET`]) and requires
//!    from the socket's peer credentials that the bus daemon is root's (only root can listen
//!    there; the credentials are the ones the daemon had when it bound the socket);
//! 2. asks the bus which connection owns `org.freedesktop.PolicyKit1` and which uid that
//!    connection runs as, and accepts only a system account: root, or the polkit package's own
//!    user (`polkitd` on Debian 12, Fedora, Arch), never the caller's own uid;
//! 3. sends `CheckAuthorization` to that very connection (its unique name), so a polkit that
//!    restarted in between is not asked in its place.
//!
//! Any doubt is a refusal ([`VerifyError::Untrusted`] / [`VerifyError::Unavailable`]).
//!
//! No details are passed: polkit only lets uid 0 or the action's owner attach details (others
//! get `NotAuthorized`), so the prompt shows the policy's own message. And polkit authorizes
//! uid 0 for everything without asking: that is why Latchkey refuses to run as root
//! ([`crate::root_guard`]).

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use zbus::blocking::{connection, Connection, Proxy};
use zbus::names::BusName;
use zbus::zvariant::Value;

use crate::{VerificationRequest, Verifier, VerifyError};

/// The polkit action Latchkey checks (packaging/linux/dev.latchkey.verify.policy).
pub const ACTION_ID: &str = "dev.latchkey.verify";
/// The system bus's socket as the D-Bus specification fixes it (`/var/run/dbus` is the same
/// directory on current distributions). Never taken from the environment.
pub const SYSTEM_BUS_SOCKET: &str = "/run/dbus/system_bus_socket";
/// polkit's well-known bus name.
const POLKIT_NAME: &str = "org.freedesktop.PolicyKit1";
/// The account names distributions give polkitd when it drops root.
const POLKIT_USERS: [&str; 2] = ["polkitd", "polkit"];
/// CheckAuthorization flag: let polkit ask the person through their agent.
const ALLOW_USER_INTERACTION: u32 = 1;

#[derive(Debug)]
pub struct PolkitVerifier {
    bus: PathBuf,
}

impl Default for PolkitVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl PolkitVerifier {
    /// The verifier that asks the real polkit on the real system bus.
    pub fn new() -> Self {
        PolkitVerifier {
            bus: PathBuf::from(SYSTEM_BUS_SOCKET),
        }
    }

    /// A verifier that talks to the bus at `path`, with every check of [`PolkitVerifier::new`]
    /// still in force (root-owned bus, system-account polkit). For tests of those checks only.
    #[doc(hidden)]
    pub fn with_bus_socket(path: &Path) -> Self {
        PolkitVerifier {
            bus: path.to_path_buf(),
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> VerifyError {
    VerifyError::Unavailable(e.to_string())
}

/// Connects to the bus at `path` and requires its daemon to run as root.
fn connect_root_bus(path: &Path) -> Result<Connection, VerifyError> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let stream = UnixStream::connect(path).map_err(|e| {
        VerifyError::Unavailable(format!(
            "the system bus at {} cannot be reached: {e}; is dbus running?",
            path.display()
        ))
    })?;
    let daemon = getsockopt(&stream, PeerCredentials)
        .map_err(|e| unavailable(format!("cannot read the system bus's credentials: {e}")))?;
    if daemon.uid() != 0 {
        return Err(VerifyError::Untrusted(format!(
            "the bus at {} is run by uid {}, not by root",
            path.display(),
            daemon.uid()
        )));
    }
    connection::Builder::async_io_unix_stream(stream)
        .build()
        .map_err(unavailable)
}

/// Whether a polkit running as `owner` may be believed by a caller running as `caller`:
/// root or the polkit package's account, and never the caller itself (a process of the
/// caller's own could have claimed the name). Root callers are refused by [`crate::root_guard`]
/// unless explicitly allowed, and then root's polkit is the only one there is.
pub(crate) fn polkit_owner_trusted(
    owner: u32,
    caller: u32,
    polkit_accounts: &[u32],
) -> Result<(), String> {
    if owner == caller && caller != 0 {
        return Err(format!(
            "{POLKIT_NAME} is owned by a process of your own user (uid {owner})"
        ));
    }
    if owner == 0 || polkit_accounts.contains(&owner) {
        return Ok(());
    }
    Err(format!(
        "{POLKIT_NAME} is owned by uid {owner}, which is neither root nor the polkit service's account"
    ))
}

/// The uids of the polkit service accounts that exist on this system.
fn polkit_accounts() -> Vec<u32> {
    POLKIT_USERS
        .iter()
        .filter_map(|name| nix::unistd::User::from_name(name).ok().flatten())
        .map(|u| u.uid.as_raw())
        .collect()
}

/// The unique bus name of polkit, after checking who runs it.
fn trusted_polkit(conn: &Connection) -> Result<String, VerifyError> {
    let dbus = zbus::blocking::fdo::DBusProxy::new(conn).map_err(unavailable)?;
    let name = BusName::try_from(POLKIT_NAME).map_err(unavailable)?;
    let owner = dbus.get_name_owner(name).map_err(|e| {
        VerifyError::Unavailable(format!(
            "polkit is not running on the system bus ({e}); start polkitd"
        ))
    })?;
    let uid = dbus
        .get_connection_unix_user(BusName::from(owner.inner().clone()))
        .map_err(unavailable)?;
    let caller = nix::unistd::geteuid().as_raw();
    polkit_owner_trusted(uid, caller, &polkit_accounts()).map_err(VerifyError::Untrusted)?;
    Ok(owner.to_string())
}

impl Verifier for PolkitVerifier {
    fn verify(&self, _request: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        let conn = connect_root_bus(&self.bus)?;
        let polkit = trusted_polkit(&conn)?;
        let authority = Proxy::new(
            &conn,
            polkit.as_str(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_the_polkit_account_are_trusted() {
        assert!(polkit_owner_trusted(0, 1000, &[996]).is_ok());
        assert!(polkit_owner_trusted(996, 1000, &[996]).is_ok());
        // An allowed root caller with root's own polkit.
        assert!(polkit_owner_trusted(0, 0, &[996]).is_ok());
    }

    #[test]
    fn the_callers_own_uid_or_another_account_is_not() {
        let own = polkit_owner_trusted(1000, 1000, &[996]).unwrap_err();
        assert!(own.contains("your own user"), "{own}");
        // Even if that account were named like polkit's.
        assert!(polkit_owner_trusted(996, 996, &[996]).is_err());
        let other = polkit_owner_trusted(1001, 1000, &[996]).unwrap_err();
        assert!(other.contains("uid 1001"), "{other}");
        // A system account that is not polkit's (say, another daemon's) is not enough.
        assert!(polkit_owner_trusted(100, 1000, &[996]).is_err());
        assert!(polkit_owner_trusted(100, 1000, &[]).is_err());
    }

    #[test]
    fn a_bus_that_is_not_there_is_unavailable_not_a_yes() {
        let dir = tempfile::tempdir().unwrap();
        let v = PolkitVerifier::with_bus_socket(&dir.path().join("no-bus"));
        let req = VerificationRequest {
            operation: "sign in",
            rp_id: "example.com",
            account: None,
        };
        assert!(matches!(v.verify(&req), Err(VerifyError::Unavailable(_))));
    }
}
