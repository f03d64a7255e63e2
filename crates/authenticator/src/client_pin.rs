//! authenticatorClientPIN (CTAP 2.1 §6.5): Latchkey has no PIN; it offers built-in user
//! verification, so the subcommands are getKeyAgreement and
//! getPinUvAuthTokenUsingUvWithPermissions (plus getRetries/getUVRetries for clients that ask).
//!
//! SKELETON: the names below are the contract other modules use; bodies are to be written.

use crate::authenticator::{Authenticator, Caller};
use crate::error::AuthenticatorError;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

/// pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Permission {
    MakeCredential = 0x01,
    GetAssertion = 0x02,
    CredentialManagement = 0x04,
    BioEnrollment = 0x08,
    LargeBlobWrite = 0x10,
    AuthenticatorConfig = 0x20,
}

/// Key-agreement keys and the current pinUvAuthToken with its permissions and RP binding.
pub(crate) struct PinUvState {}

impl PinUvState {
    pub(crate) fn new() -> Self {
        PinUvState {}
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// Handles the CBOR parameters of an authenticatorClientPIN request.
    pub(crate) fn client_pin_cbor(
        &mut self,
        _params: &[u8],
        _caller: &Caller,
    ) -> Result<Vec<u8>, AuthenticatorError> {
        todo!("client_pin")
    }

    /// Checks `pinUvAuthParam` of a makeCredential/getAssertion request against the current
    /// token (protocol, permission, RP binding). Ok = the request is user-verified by token.
    pub(crate) fn verify_pin_uv_auth_param(
        &mut self,
        _protocol: u32,
        _param: &[u8],
        _client_data_hash: &[u8],
        _permission: Permission,
        _rp_id: &str,
    ) -> Result<(), AuthenticatorError> {
        todo!("verify_pin_uv_auth_param")
    }
}
