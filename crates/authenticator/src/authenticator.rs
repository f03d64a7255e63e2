//! The authenticator object and the CTAP2 command dispatcher. Each command's logic lives in its
//! own module (`make_credential.rs`, `get_assertion.rs`, ...), as `impl Authenticator` blocks.

use std::sync::Arc;

use crate::ctap_state::CtapState;
use crate::error::{AuthenticatorError, CtapError};
use crate::key_cache::KeyCache;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

/// Latchkey's AAGUID: identifies the authenticator model (not the person) to relying parties.
pub const LATCHKEY_AAGUID: [u8; 16] = [
    0x7a, 0x27, 0x5a, 0x92, 0x96, 0x54, 0x48, 0x7d, 0x84, 0x8a, 0x2b, 0xde, 0x0a, 0xa6, 0x18, 0x21,
];

/// Which door a request came through; shown to the person and written to the activity log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Door {
    #[default]
    Cli,
    App,
    Browser,
    Hid,
    /// Another program of the same user, reaching the app's socket without being one of
    /// Latchkey's own clients (named from its executable by the bridge).
    Program,
}

/// Who is calling, beyond what CTAP itself carries.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The web origin, when a WebAuthn client stands in front (CLI, browser); `None` over raw CTAP.
    pub origin: Option<String>,
    pub door: Door,
}

impl Caller {
    pub fn new(door: Door, origin: Option<String>) -> Self {
        Caller { origin, door }
    }
}

/// How clients reach the authenticator; decides what authenticatorGetInfo says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attachment {
    /// Part of this PC (the app, CLI and browser doors): `plat: true`, transport "internal".
    #[default]
    Platform,
    /// A roaming USB security key (the virtual HID key): `plat: false`, transport "usb", and
    /// the transport's largest message as maxMsgSize, so clients never send more than it carries.
    Usb { max_msg_size: u32 },
}

/// Fixed properties of this authenticator.
#[derive(Debug, Clone)]
pub struct AuthenticatorConfig {
    pub aaguid: [u8; 16],
    /// Whether new passkeys are marked backup-eligible (BE). Latchkey passkeys can be exported,
    /// so they are; the backup state (BS) stays false until they are actually exported/synced.
    pub backup_eligible: bool,
    pub attachment: Attachment,
}

impl Default for AuthenticatorConfig {
    fn default() -> Self {
        AuthenticatorConfig {
            aaguid: LATCHKEY_AAGUID,
            backup_eligible: true,
            attachment: Attachment::Platform,
        }
    }
}

impl AuthenticatorConfig {
    /// The virtual USB security key: as the default, reached over CTAPHID whose messages carry
    /// at most `max_msg_size` bytes.
    pub fn usb(max_msg_size: u32) -> Self {
        AuthenticatorConfig {
            attachment: Attachment::Usb { max_msg_size },
            ..Self::default()
        }
    }
}

/// A CTAP 2.1 authenticator over a credential store, with a person approving each use.
pub struct Authenticator<S, U> {
    pub(crate) store: S,
    pub(crate) user: U,
    pub(crate) config: AuthenticatorConfig,
    /// What one client's requests share (PIN/UV auth state, a pending getNextAssertion, a
    /// credential-management enumeration); see `ctap_state.rs`.
    pub(crate) state: CtapState,
    /// Parsed signing keys of recent sign-ins (`key_cache.rs`); shared with the owner of the
    /// unlocked vault when the authenticator lives only for one ceremony.
    pub(crate) keys: Arc<KeyCache>,
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    pub fn new(store: S, user: U) -> Self {
        Self::with_config(store, user, AuthenticatorConfig::default())
    }

    pub fn with_config(store: S, user: U, config: AuthenticatorConfig) -> Self {
        Authenticator {
            store,
            user,
            config,
            state: CtapState::new(),
            keys: Arc::new(KeyCache::new()),
        }
    }

    /// Uses `cache` for parsed signing keys: the session keeps one for as long as the vault is
    /// unlocked and clears it at lock, while each ceremony gets a new authenticator.
    pub fn with_key_cache(mut self, cache: Arc<KeyCache>) -> Self {
        self.keys = cache;
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn user(&self) -> &U {
        &self.user
    }

    pub fn config(&self) -> &AuthenticatorConfig {
        &self.config
    }

    /// One CTAP2 request in (command byte + CBOR parameters), one response out (status byte +
    /// CBOR). This is what every byte transport (CTAPHID, the bridge socket) calls. Never panics
    /// on malformed input: it answers with a CTAP error status.
    pub fn handle_request(&mut self, request: &[u8], caller: &Caller) -> Vec<u8> {
        match self.dispatch(request, caller) {
            Ok(body) => {
                let mut out = Vec::with_capacity(1 + body.len());
                out.push(0x00);
                out.extend_from_slice(&body);
                out
            }
            Err(e) => vec![e.status()],
        }
    }

    fn dispatch(&mut self, request: &[u8], caller: &Caller) -> Result<Vec<u8>, AuthenticatorError> {
        use crate::command::*;
        let (&cmd, params) = request.split_first().ok_or(CtapError::InvalidLength)?;
        // Any command but getNextAssertion ends a pending assertion sequence (CTAP 2.1 §6.3).
        if cmd != GET_NEXT_ASSERTION {
            self.state.pending = None;
        }
        match cmd {
            MAKE_CREDENTIAL => {
                let req = crate::make_credential::MakeCredentialRequest::from_cbor(params)?;
                Ok(self.make_credential(&req, caller)?.to_cbor())
            }
            GET_ASSERTION => {
                let req = crate::get_assertion::GetAssertionRequest::from_cbor(params)?;
                Ok(self.get_assertion(&req, caller)?.to_cbor())
            }
            GET_NEXT_ASSERTION => Ok(self.get_next_assertion()?.to_cbor()),
            GET_INFO => Ok(self.get_info().to_cbor()),
            CLIENT_PIN => self.client_pin_cbor(params, caller),
            CREDENTIAL_MANAGEMENT | CREDENTIAL_MANAGEMENT_PRE => {
                self.credential_management_cbor(params, caller)
            }
            SELECTION => {
                self.selection(caller)?;
                Ok(Vec::new())
            }
            _ => Err(CtapError::InvalidCommand.into()),
        }
    }
}
