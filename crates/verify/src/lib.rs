//! OS user verification: before Latchkey uses a private key, the person proves they are the
//! account's owner to the operating system (their own password or fingerprint), through the
//! desktop's own prompt. One trait, one backend per OS:
//! - Linux: polkit `CheckAuthorization` for the action `dev.latchkey.verify` (`auth_self`), so the
//!   desktop's polkit agent asks (password, or fingerprint with fprintd's PAM module);
//! - Windows: Windows Hello (`UserConsentVerifier`);
//! - macOS: LocalAuthentication (Touch ID or the account password).
//!
//! The Windows and macOS backends are built only on their OS and cannot be built or tested on
//! the Linux machines this project is developed on.
//!
//! Every backend fails closed: only the OS's explicit "verified" answer is a yes; an error, an
//! unknown answer, a missing service or an untrustworthy one is a refusal. An OS without a
//! backend refuses everything.

use thiserror::Error;

#[cfg(target_os = "macos")]
mod local_authentication;
#[cfg(target_os = "linux")]
mod polkit;
mod root;
#[cfg(target_os = "windows")]
mod windows_hello;

#[cfg(target_os = "linux")]
pub use polkit::{PolkitVerifier, ACTION_ID, SYSTEM_BUS_SOCKET};
pub use root::{refuse_root_or_warn, root_guard, RootError, ALLOW_ROOT_VAR, ROOT_WARNING};

/// What the person is asked to confirm; shown by the OS prompt where it can be.
#[derive(Debug, Clone)]
pub struct VerificationRequest<'a> {
    /// "create a passkey", "sign in", ...
    pub operation: &'a str,
    pub rp_id: &'a str,
    pub account: Option<&'a str>,
}

impl VerificationRequest<'_> {
    /// One line for the OS prompt.
    pub fn message(&self) -> String {
        match self.account {
            Some(a) => format!("Latchkey: {} on {} as {}", self.operation, self.rp_id, a),
            None => format!("Latchkey: {} on {}", self.operation, self.rp_id),
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the OS verification was refused ({0})")]
    Denied(String),
    #[error("the OS verification was cancelled")]
    Cancelled,
    #[error("no authentication agent is running to ask for your password or fingerprint; start your desktop session's polkit agent and try again")]
    NoAgent,
    #[error("the Latchkey verification action is not installed; install packaging/linux/dev.latchkey.verify.policy into /usr/share/polkit-1/actions (scripts/setup.sh does this)")]
    NotInstalled,
    #[error("the OS verification service cannot be reached ({0})")]
    Unavailable(String),
    /// The service answered, but not from where a real one would: a bus not run by root, or a
    /// polkit not run by a system account. Nothing is signed; this points at tampering.
    #[error("the OS verification service is not trustworthy ({0}); Latchkey signs nothing. Check that polkitd runs from your distribution's package and that nothing overrides the system bus")]
    Untrusted(String),
}

/// Runs the OS check. Implementations block until the person answered.
pub trait Verifier: Send + Sync {
    fn verify(&self, request: &VerificationRequest<'_>) -> Result<(), VerifyError>;
}

/// The verifier for this OS.
pub fn platform_verifier() -> Box<dyn Verifier> {
    #[cfg(target_os = "linux")]
    {
        Box::new(PolkitVerifier::new())
    }
    #[cfg(target_os = "windows")]
    {
        Box::new(windows_hello::WindowsHello)
    }
    #[cfg(target_os = "macos")]
    {
        Box::new(local_authentication::LocalAuthentication)
    }
    #[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
    {
        Box::new(Unsupported)
    }
}

/// Platforms without a backend yet refuse every use rather than sign unverified.
#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
struct Unsupported;

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
impl Verifier for Unsupported {
    fn verify(&self, _: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        Err(VerifyError::Unavailable(
            "this OS has no Latchkey verification backend yet".into(),
        ))
    }
}
