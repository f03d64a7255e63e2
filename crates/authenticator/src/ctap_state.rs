//! The CTAP state that belongs to a client's conversation with the authenticator rather than to
//! one request: the PIN/UV auth protocol state (key-agreement key, the current pinUvAuthToken),
//! a getAssertion's remaining accounts for getNextAssertion, and a credential-management
//! enumeration in progress.
//!
//! Why it can be taken out: the session builds a new [`Authenticator`] for every request (it
//! borrows the vault and the prompt for that request only), while a CTAP client spreads one
//! ceremony over several requests (getKeyAgreement, getPinUvAuthTokenUsingUvWithPermissions,
//! then makeCredential with the token). The virtual HID key keeps one `CtapState` per CTAPHID
//! channel and lends it to each request's authenticator.

use crate::authenticator::Authenticator;
use crate::client_pin::PinUvState;
use crate::get_assertion::PendingAssertions;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

/// One client's CTAP state between requests. Holds secrets (the key-agreement private key and
/// the pinUvAuthToken, zeroized on drop); its `Debug` shows none of them.
pub struct CtapState {
    pub(crate) pin_uv: PinUvState,
    pub(crate) pending: Option<PendingAssertions>,
}

impl CtapState {
    /// A fresh state, as after power-up: a new key-agreement key, no token, nothing pending.
    pub fn new() -> Self {
        CtapState {
            pin_uv: PinUvState::new(),
            pending: None,
        }
    }
}

impl Default for CtapState {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for CtapState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CtapState")
            .field("token_issued", &self.pin_uv.has_token())
            .field("pending_assertions", &self.pending.is_some())
            .field("enumeration_left", &self.pin_uv.enumeration.len())
            .finish()
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// This authenticator, continuing `state` (from an earlier request's [`Self::take_state`]).
    pub fn with_state(mut self, state: CtapState) -> Self {
        self.state = state;
        self
    }

    /// The state to hand to the next request's authenticator; this one is left with a fresh
    /// state.
    pub fn take_state(&mut self) -> CtapState {
        std::mem::take(&mut self.state)
    }
}
