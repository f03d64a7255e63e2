//! authenticatorClientPIN (CTAP 2.1 §6.5). Latchkey has no PIN: it offers built-in user
//! verification (the approval prompt plus the OS check), so the subcommands that matter are
//! getKeyAgreement and getPinUvAuthTokenUsingUvWithPermissions; the PIN ones answer as an
//! authenticator without a PIN must.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ciborium::Value;
use coset::{AsCborValue, CoseKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::authenticator::{Authenticator, Caller};
use crate::cbor::{self, ParamMap};
use crate::error::{AuthenticatorError, CtapError};
use crate::pin_uv_auth_protocol::{self, KeyAgreement, SharedSecret};
use crate::store::CredentialStore;
use crate::user::{ApprovalRequest, Operation, UserInteraction, UserVerification};

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

/// The permissions Latchkey can grant; bio enrollment, large blobs and config it does not have.
const GRANTABLE: u8 = Permission::MakeCredential as u8
    | Permission::GetAssertion as u8
    | Permission::CredentialManagement as u8;

/// How long a pinUvAuthToken stays valid after it is issued (CTAP 2.1 §6.5.2.1's maximum usage
/// time period). A client's state now outlives one request (`ctap_state.rs`), so a token would
/// otherwise live as long as the client's connection.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// Retries answered to getUVRetries / getPINRetries: the OS check has its own lockout policy.
const REPORTED_RETRIES: i64 = 8;

mod sub {
    pub const GET_PIN_RETRIES: u32 = 0x01;
    pub const GET_KEY_AGREEMENT: u32 = 0x02;
    pub const SET_PIN: u32 = 0x03;
    pub const CHANGE_PIN: u32 = 0x04;
    pub const GET_PIN_TOKEN: u32 = 0x05;
    pub const GET_TOKEN_USING_UV: u32 = 0x06;
    pub const GET_UV_RETRIES: u32 = 0x07;
    pub const GET_TOKEN_USING_PIN: u32 = 0x09;
}

/// Key-agreement key, the current pinUvAuthToken with its permissions and RP binding, and the
/// credential-management enumeration in progress.
pub(crate) struct PinUvState {
    key_agreement: KeyAgreement,
    token: Zeroizing<[u8; 32]>,
    /// When the current token was issued; `None` = no token in use.
    issued: Option<Instant>,
    permissions: u8,
    rp_id: Option<String>,
    /// Prepared answers for enumerateRPsGetNextRP / enumerateCredentialsGetNextCredential.
    pub(crate) enumeration: VecDeque<Value>,
}

impl PinUvState {
    pub(crate) fn new() -> Self {
        PinUvState {
            key_agreement: KeyAgreement::generate(),
            token: Zeroizing::new([0; 32]),
            issued: None,
            permissions: 0,
            rp_id: None,
            enumeration: VecDeque::new(),
        }
    }

    /// decapsulate() with the authenticator's key-agreement key (used by hmac-secret too).
    pub(crate) fn shared_secret(
        &self,
        protocol: u32,
        peer: &CoseKey,
    ) -> Result<SharedSecret, CtapError> {
        self.key_agreement.shared_secret(protocol, peer)
    }

    /// resetPinUvAuthToken + beginUsingPinUvAuthToken: a fresh random token.
    fn issue_token(&mut self, permissions: u8, rp_id: Option<String>) -> Result<(), CtapError> {
        SystemRandom::new()
            .fill(self.token.as_mut())
            .map_err(|_| CtapError::Other)?;
        self.issued = Some(Instant::now());
        self.permissions = permissions;
        self.rp_id = rp_id;
        Ok(())
    }

    /// Checks `param == authenticate(token, message)` and that the token carries `permission`.
    pub(crate) fn check(
        &self,
        protocol: u32,
        message: &[u8],
        param: &[u8],
        permission: Permission,
    ) -> Result<(), CtapError> {
        if !pin_uv_auth_protocol::SUPPORTED_PROTOCOLS.contains(&protocol) {
            return Err(CtapError::InvalidParameter);
        }
        if !self.has_token()
            || !pin_uv_auth_protocol::verify(protocol, self.token.as_ref(), message, param)
        {
            return Err(CtapError::PinAuthInvalid);
        }
        if self.permissions & permission as u8 == 0 {
            return Err(CtapError::PinAuthInvalid);
        }
        Ok(())
    }

    /// Whether a token was issued and has not yet expired.
    pub(crate) fn has_token(&self) -> bool {
        self.issued.is_some_and(|at| at.elapsed() < TOKEN_LIFETIME)
    }

    pub(crate) fn bound_rp_id(&self) -> Option<&str> {
        self.rp_id.as_deref()
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// Handles the CBOR parameters of an authenticatorClientPIN request.
    pub(crate) fn client_pin_cbor(
        &mut self,
        params: &[u8],
        caller: &Caller,
    ) -> Result<Vec<u8>, AuthenticatorError> {
        let p = ParamMap::from_bytes(params)?;
        let sub_command = cbor::as_u32(p.required(0x02)?)?;
        let protocol = p.get(0x01).map(cbor::as_u32).transpose()?;
        let response = match sub_command {
            sub::GET_KEY_AGREEMENT => {
                check_protocol(protocol)?;
                let key = self.state.pin_uv.key_agreement.cose_public_key();
                let value = key.to_cbor_value().map_err(|_| CtapError::Other)?;
                cbor::canonical_map(vec![(cbor::int(0x01), value)])
            }
            sub::GET_TOKEN_USING_UV => self.get_token_using_uv(&p, protocol, caller)?,
            sub::GET_UV_RETRIES => {
                cbor::canonical_map(vec![(cbor::int(0x05), cbor::int(REPORTED_RETRIES))])
            }
            sub::GET_PIN_RETRIES => {
                cbor::canonical_map(vec![(cbor::int(0x03), cbor::int(REPORTED_RETRIES))])
            }
            // No PIN exists, so none can be used to get a token.
            sub::GET_PIN_TOKEN | sub::GET_TOKEN_USING_PIN => {
                return Err(CtapError::PinNotSet.into())
            }
            // Latchkey verifies with the OS, never with a PIN of its own.
            sub::SET_PIN | sub::CHANGE_PIN => return Err(CtapError::InvalidSubcommand.into()),
            _ => return Err(CtapError::InvalidSubcommand.into()),
        };
        Ok(cbor::encode(&response))
    }

    /// getPinUvAuthTokenUsingUvWithPermissions (§6.5.5.7.3).
    fn get_token_using_uv(
        &mut self,
        p: &ParamMap,
        protocol: Option<u32>,
        caller: &Caller,
    ) -> Result<Value, AuthenticatorError> {
        // 1. Mandatory parameters: protocol, keyAgreement, permissions.
        let protocol = check_protocol(protocol)?;
        let key_agreement = CoseKey::from_cbor_value(p.required(0x03)?.clone())
            .map_err(|_| CtapError::InvalidParameter)?;
        let permissions = cbor::as_u32(p.required(0x09)?)?;
        let permissions = u8::try_from(permissions).map_err(|_| CtapError::InvalidParameter)?;
        // 2. permissions must not be 0.
        if permissions == 0 {
            return Err(CtapError::InvalidParameter.into());
        }
        let rp_id = p
            .get(0x0A)
            .map(cbor::as_text)
            .transpose()?
            .map(str::to_owned);
        // 3. mc and ga need an RP ID.
        let needs_rp = Permission::MakeCredential as u8 | Permission::GetAssertion as u8;
        if permissions & needs_rp != 0 && rp_id.is_none() {
            return Err(CtapError::MissingParameter.into());
        }
        // 4. Permissions this authenticator cannot grant.
        if permissions & !GRANTABLE != 0 {
            return Err(CtapError::UnauthorizedPermission.into());
        }
        // 5. decapsulate.
        let shared = self.state.pin_uv.shared_secret(protocol, &key_agreement)?;
        // 6. Built-in user verification. A token for credential management is used without any
        // further prompt, so the person approves it now, with the OS check. A token for
        // makeCredential / getAssertion only is issued at once: every use of it still asks the
        // person, showing the site and the account, and runs the OS check there, never reusing
        // an earlier one (see `check_pin_uv_auth_param`). So a ceremony from a CTAP client is
        // one prompt, not a blind one for the token (site only) followed by one for the account.
        if permissions & Permission::CredentialManagement as u8 != 0 {
            let approval = self.user.approve(&ApprovalRequest {
                operation: Operation::CredentialManagement,
                rp_id: rp_id.as_deref().unwrap_or(""),
                rp_name: None,
                origin: caller.origin.as_deref(),
                accounts: &[],
                user_verification: UserVerification::Required,
            })?;
            if !approval.user_verified {
                return Err(CtapError::UvInvalid.into());
            }
        }
        // 7. A fresh token with these permissions, encrypted to the platform.
        self.state.pin_uv.issue_token(permissions, rp_id)?;
        let encrypted = shared.encrypt(self.state.pin_uv.token.as_ref());
        Ok(cbor::canonical_map(vec![(
            cbor::int(0x02),
            Value::Bytes(encrypted),
        )]))
    }

    /// Checks `pinUvAuthParam` of a makeCredential/getAssertion request against the current
    /// token (protocol, permission, RP binding). Ok = the request is user-verified by token.
    pub(crate) fn verify_pin_uv_auth_param(
        &mut self,
        protocol: u32,
        param: &[u8],
        client_data_hash: &[u8],
        permission: Permission,
        rp_id: &str,
    ) -> Result<(), AuthenticatorError> {
        self.state
            .pin_uv
            .check(protocol, client_data_hash, param, permission)?;
        match self.state.pin_uv.rp_id.as_deref() {
            Some(bound) if bound != rp_id => return Err(CtapError::PinAuthInvalid.into()),
            Some(_) => {}
            None => self.state.pin_uv.rp_id = Some(rp_id.to_owned()),
        }
        Ok(())
    }
}

fn check_protocol(protocol: Option<u32>) -> Result<u32, CtapError> {
    let protocol = protocol.ok_or(CtapError::MissingParameter)?;
    if pin_uv_auth_protocol::SUPPORTED_PROTOCOLS.contains(&protocol) {
        Ok(protocol)
    } else {
        Err(CtapError::InvalidParameter)
    }
}
