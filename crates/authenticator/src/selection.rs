//! authenticatorSelection (CTAP 2.1 §6.9).
//!
//! SKELETON: to be written.

use crate::authenticator::{Authenticator, Caller};
use crate::error::AuthenticatorError;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    pub fn selection(&mut self, _caller: &Caller) -> Result<(), AuthenticatorError> {
        todo!("selection")
    }
}
