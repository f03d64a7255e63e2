//! CTAP status codes, and the richer error the typed API returns so callers (CLI, app) can tell
//! a person *why* something failed, not just a status byte.

use latchkey_vault::VaultError;
use thiserror::Error;

use crate::user::Refusal;

/// CTAP 2.1 §8.2 status codes that Latchkey can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[repr(u8)]
pub enum CtapError {
    #[error("invalid command")]
    InvalidCommand = 0x01,
    #[error("invalid parameter")]
    InvalidParameter = 0x02,
    #[error("invalid length")]
    InvalidLength = 0x03,
    #[error("invalid CBOR")]
    InvalidCbor = 0x12,
    #[error("missing parameter")]
    MissingParameter = 0x14,
    #[error("limit exceeded")]
    LimitExceeded = 0x15,
    #[error("a credential in the exclude list is already on this authenticator")]
    CredentialExcluded = 0x19,
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm = 0x26,
    #[error("operation denied")]
    OperationDenied = 0x27,
    #[error("key store full")]
    KeyStoreFull = 0x28,
    #[error("unsupported option")]
    UnsupportedOption = 0x2B,
    #[error("invalid option")]
    InvalidOption = 0x2C,
    #[error("keep-alive cancel")]
    KeepaliveCancel = 0x2D,
    #[error("no credentials")]
    NoCredentials = 0x2E,
    #[error("user action timeout")]
    UserActionTimeout = 0x2F,
    #[error("not allowed")]
    NotAllowed = 0x30,
    #[error("PIN invalid")]
    PinInvalid = 0x31,
    #[error("PIN blocked")]
    PinBlocked = 0x32,
    #[error("PIN/UV auth parameter invalid")]
    PinAuthInvalid = 0x33,
    #[error("PIN/UV auth blocked")]
    PinAuthBlocked = 0x34,
    #[error("PIN not set")]
    PinNotSet = 0x35,
    #[error("PIN/UV auth token required")]
    PuatRequired = 0x36,
    #[error("PIN policy violation")]
    PinPolicyViolation = 0x37,
    #[error("request too large")]
    RequestTooLarge = 0x39,
    #[error("action timeout")]
    ActionTimeout = 0x3A,
    #[error("user presence required")]
    UpRequired = 0x3B,
    #[error("user verification blocked")]
    UvBlocked = 0x3C,
    #[error("integrity failure")]
    IntegrityFailure = 0x3D,
    #[error("invalid subcommand")]
    InvalidSubcommand = 0x3E,
    #[error("user verification invalid")]
    UvInvalid = 0x3F,
    #[error("unauthorized permission")]
    UnauthorizedPermission = 0x40,
    #[error("other error")]
    Other = 0x7F,
}

impl CtapError {
    /// The status byte on the wire.
    pub fn status(self) -> u8 {
        self as u8
    }
}

/// What the typed authenticator API returns: the CTAP status plus, where there is one, the
/// underlying reason a person should see.
#[derive(Debug, Error)]
pub enum AuthenticatorError {
    #[error("{0}")]
    Ctap(#[from] CtapError),
    #[error("the passkey store failed: {0}")]
    Store(#[from] VaultError),
    #[error("{0}")]
    Refused(#[from] Refusal),
}

impl AuthenticatorError {
    /// The CTAP status byte this error is reported as on a CTAP transport.
    pub fn status(&self) -> u8 {
        match self {
            AuthenticatorError::Ctap(e) => e.status(),
            AuthenticatorError::Store(VaultError::Locked) => CtapError::OperationDenied.status(),
            AuthenticatorError::Store(_) => CtapError::Other.status(),
            AuthenticatorError::Refused(Refusal::TimedOut) => CtapError::UserActionTimeout.status(),
            AuthenticatorError::Refused(_) => CtapError::OperationDenied.status(),
        }
    }
}
