//! authenticatorGetAssertion (CTAP 2.1 §6.2) and authenticatorGetNextAssertion (§6.3).
//!
//! SKELETON: types are the contract other modules use; bodies are to be written.

use crate::authenticator::{Authenticator, Caller};
use crate::error::{AuthenticatorError, CtapError};
use crate::extensions::{GetAssertionExtensionInputs, GetAssertionExtensionOutputs};
use crate::make_credential::{CredentialDescriptor, Options, UserEntity};
use crate::store::CredentialStore;
use crate::user::UserInteraction;

#[derive(Debug, Clone)]
pub struct GetAssertionRequest {
    pub rp_id: String,
    pub client_data_hash: Vec<u8>,
    pub allow_list: Vec<CredentialDescriptor>,
    pub extensions: GetAssertionExtensionInputs,
    pub options: Options,
    pub pin_uv_auth_param: Option<Vec<u8>>,
    pub pin_uv_auth_protocol: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct GetAssertionResponse {
    /// 0x01 credential (always present, even with a single allow-list entry).
    pub credential_id: Vec<u8>,
    /// 0x02 authData
    pub auth_data: Vec<u8>,
    /// 0x03 signature over authData || clientDataHash
    pub signature: Vec<u8>,
    /// 0x04 user (id always; name/displayName only when UV was done, per CTAP 2.1)
    pub user: Option<UserEntity>,
    /// 0x05 numberOfCredentials (first response of a multi-account sequence only)
    pub number_of_credentials: Option<u32>,
    /// 0x06 userSelected
    pub user_selected: Option<bool>,
    /// Outputs not carried in authData (e.g. plain PRF results for the in-process client).
    pub unsigned_extension_outputs: GetAssertionExtensionOutputs,
}

/// What getNextAssertion needs to continue a multi-account answer.
pub(crate) struct PendingAssertions {
    pub(crate) _private: (),
}

impl GetAssertionRequest {
    pub fn from_cbor(_bytes: &[u8]) -> Result<Self, CtapError> {
        todo!("get_assertion: parse request")
    }
    pub fn to_cbor(&self) -> Vec<u8> {
        todo!("get_assertion: encode request")
    }
}

impl GetAssertionResponse {
    pub fn to_cbor(&self) -> Vec<u8> {
        todo!("get_assertion: encode response")
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    pub fn get_assertion(
        &mut self,
        _req: &GetAssertionRequest,
        _caller: &Caller,
    ) -> Result<GetAssertionResponse, AuthenticatorError> {
        todo!("get_assertion")
    }

    pub fn get_next_assertion(&mut self) -> Result<GetAssertionResponse, AuthenticatorError> {
        todo!("get_next_assertion")
    }
}
