//! authenticatorCredentialManagement (CTAP 2.1 §6.8).
//!
//! SKELETON: to be written.

use crate::authenticator::{Authenticator, Caller};
use crate::error::AuthenticatorError;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// Handles the CBOR parameters of an authenticatorCredentialManagement request.
    pub(crate) fn credential_management_cbor(
        &mut self,
        _params: &[u8],
        _caller: &Caller,
    ) -> Result<Vec<u8>, AuthenticatorError> {
        todo!("credential_management")
    }
}
