//! authenticatorSelection (CTAP 2.1 §6.9).

use crate::authenticator::{Authenticator, Caller};
use crate::error::AuthenticatorError;
use crate::error::CtapError;
use crate::store::CredentialStore;
use crate::user::{ApprovalRequest, Operation, Refusal, UserInteraction, UserVerification};

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// The person confirms presence to pick this authenticator; no account is involved.
    pub fn selection(&mut self, caller: &Caller) -> Result<(), AuthenticatorError> {
        match self.user.approve(&ApprovalRequest {
            operation: Operation::Selection,
            rp_id: "",
            rp_name: None,
            origin: caller.origin.as_deref(),
            accounts: &[],
            user_verification: UserVerification::Discouraged,
        }) {
            Ok(_) => Ok(()),
            Err(Refusal::TimedOut) => Err(CtapError::UserActionTimeout.into()),
            Err(_) => Err(CtapError::OperationDenied.into()),
        }
    }
}
