//! Refusing to run as root. polkit authorizes uid 0 for every action without asking anyone, so
//! a Latchkey running as root would sign and store with no check at all while still reporting
//! user verification. The CLI and the app both call [`root_guard`] before doing anything else.
//! Containers and CI often have only root; they opt in with `LATCHKEY_ALLOW_ROOT=1` and are
//! warned on every start.

use thiserror::Error;

/// The variable that lets Latchkey run as root anyway.
pub const ALLOW_ROOT_VAR: &str = "LATCHKEY_ALLOW_ROOT";

/// The one-line warning printed on every start as root with [`ALLOW_ROOT_VAR`] set.
pub const ROOT_WARNING: &str = "warning: running as root (LATCHKEY_ALLOW_ROOT=1): polkit approves root without asking, so no password or fingerprint protects your passkeys";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RootError {
    #[error("refusing to run as root: polkit approves root without asking, so nothing would protect your passkeys. Run Latchkey as your own user (not with sudo); set LATCHKEY_ALLOW_ROOT=1 only in a container or CI where root is the only user")]
    Refused,
}

/// Whether the process may go on: `Ok(None)` when not root, `Ok(Some(warning))` when root was
/// explicitly allowed (print the warning), `Err` otherwise. Checks both the real and the
/// effective uid: polkit looks at the effective one, a setuid start at the real one.
pub fn root_guard() -> Result<Option<&'static str>, RootError> {
    let allowed = std::env::var_os(ALLOW_ROOT_VAR);
    decide(is_root(), allowed.as_deref().and_then(|v| v.to_str()))
}

/// The start-up gate of every Latchkey program (the CLI, the app): prints the warning when root
/// was explicitly allowed, and otherwise exits with code 2 and the reason, before anything is
/// opened. `program` names the program in the message.
pub fn refuse_root_or_warn(program: &str) {
    match root_guard() {
        Ok(None) => {}
        Ok(Some(warning)) => eprintln!("{program}: {warning}"),
        Err(e) => {
            eprintln!("{program}: {e}");
            std::process::exit(2);
        }
    }
}

/// The rule on its own: only the exact value `1` allows root.
pub(crate) fn decide(root: bool, allow: Option<&str>) -> Result<Option<&'static str>, RootError> {
    match (root, allow) {
        (false, _) => Ok(None),
        (true, Some("1")) => Ok(Some(ROOT_WARNING)),
        (true, _) => Err(RootError::Refused),
    }
}

#[cfg(unix)]
fn is_root() -> bool {
    nix::unistd::getuid().is_root() || nix::unistd::geteuid().is_root()
}

/// Windows Hello and its consent prompt do not wave administrators through.
#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_refused_unless_explicitly_allowed() {
        assert_eq!(decide(false, None), Ok(None));
        assert_eq!(decide(false, Some("1")), Ok(None));
        assert_eq!(decide(true, None), Err(RootError::Refused));
        assert_eq!(decide(true, Some("0")), Err(RootError::Refused));
        assert_eq!(decide(true, Some("yes")), Err(RootError::Refused));
        assert_eq!(decide(true, Some("")), Err(RootError::Refused));
        assert_eq!(decide(true, Some("1")), Ok(Some(ROOT_WARNING)));
        let msg = RootError::Refused.to_string();
        assert!(msg.contains("polkit approves root without asking"), "{msg}");
        assert!(msg.contains("your own user"), "{msg}");
        assert!(!ROOT_WARNING.contains('\n'));
    }
}
