//! Latchkey's authenticator core.
//!
//! Two layers, one per spec: the CTAP 2.1 authenticator (one module per command, named as the
//! spec names them, requests and responses as real CTAP2 CBOR), and the WebAuthn client rules in
//! [`client`] (origin and RP ID checks, clientDataJSON, the W3C JSON forms). Every door (app,
//! CLI, browser bridge, virtual HID key) goes through these; none has its own WebAuthn logic.
//!
//! The authenticator is generic over a [`CredentialStore`] (the encrypted vault in production,
//! [`MemoryStore`] in unit tests) and a [`UserInteraction`] (the approval prompt + OS check).

pub mod attestation;
pub mod auth_data;
mod authenticator;
pub(crate) mod cbor;
pub mod client;
pub mod client_pin;
pub mod credential_management;
mod ctap_state;
mod error;
pub mod extensions;
pub mod get_assertion;
pub mod get_info;
pub mod key_cache;
pub mod keys;
pub mod make_credential;
pub mod pin_uv_auth_protocol;
pub mod selection;
mod store;
mod user;
mod wiped;

pub use authenticator::{
    Attachment, Authenticator, AuthenticatorConfig, Caller, Door, LATCHKEY_AAGUID,
};
pub use ctap_state::CtapState;
pub use error::{AuthenticatorError, CtapError};
pub use key_cache::KeyCache;
pub use store::{CredentialStore, MemoryStore};
pub use user::{
    matching_accounts, Account, Approval, ApprovalRequest, Operation, Refusal, UserInteraction,
    UserVerification,
};

/// CTAP2 command bytes (CTAP 2.1 §6).
pub mod command {
    pub const MAKE_CREDENTIAL: u8 = 0x01;
    pub const GET_ASSERTION: u8 = 0x02;
    pub const GET_INFO: u8 = 0x04;
    pub const CLIENT_PIN: u8 = 0x06;
    pub const RESET: u8 = 0x07;
    pub const GET_NEXT_ASSERTION: u8 = 0x08;
    pub const CREDENTIAL_MANAGEMENT: u8 = 0x0A;
    pub const SELECTION: u8 = 0x0B;
    /// Pre-release credential management (CTAP 2.1-PRE), still sent by some clients.
    pub const CREDENTIAL_MANAGEMENT_PRE: u8 = 0x41;
}
