//! authenticatorMakeCredential (CTAP 2.1 §6.1).
//!
//! SKELETON: types are the contract other modules use; bodies are to be written.

use crate::authenticator::{Authenticator, Caller};
use crate::error::{AuthenticatorError, CtapError};
use crate::extensions::{MakeCredentialExtensionInputs, MakeCredentialExtensionOutputs};
use crate::store::CredentialStore;
use crate::user::UserInteraction;

/// `PublicKeyCredentialRpEntity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpEntity {
    pub id: String,
    pub name: Option<String>,
}

/// `PublicKeyCredentialUserEntity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntity {
    pub id: Vec<u8>,
    pub name: Option<String>,
    pub display_name: Option<String>,
}

/// `PublicKeyCredentialParameters`: only `type == "public-key"` entries are kept when parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialParameter {
    pub alg: i64,
}

/// `PublicKeyCredentialDescriptor` (type "public-key"); transports are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialDescriptor {
    pub id: Vec<u8>,
}

/// The `options` map (rk / up / uv). `None` = absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    pub rk: Option<bool>,
    pub up: Option<bool>,
    pub uv: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct MakeCredentialRequest {
    pub client_data_hash: Vec<u8>,
    pub rp: RpEntity,
    pub user: UserEntity,
    pub pub_key_cred_params: Vec<CredentialParameter>,
    pub exclude_list: Vec<CredentialDescriptor>,
    pub extensions: MakeCredentialExtensionInputs,
    pub options: Options,
    pub pin_uv_auth_param: Option<Vec<u8>>,
    pub pin_uv_auth_protocol: Option<u32>,
    pub enterprise_attestation: Option<u32>,
    /// Not part of CTAP 2.1's map but carried for the WebAuthn client: the RP's
    /// `attestation` conveyance ("none" / "indirect" / "direct" / "enterprise"). Over CTAP the
    /// authenticator answers "packed" self attestation (the spec's default for CTAP2 clients is
    /// that the client strips it when it wants none); see `attestation.rs`.
    pub attestation_preference: AttestationPreference,
}

/// Which attestation to produce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AttestationPreference {
    /// `fmt: "none"`, empty attStmt, zeroed AAGUID is NOT used (Latchkey keeps its AAGUID).
    #[default]
    None,
    /// `fmt: "packed"` self attestation signed by the new credential key.
    SelfAttestation,
}

/// The authenticator's answer; `to_cbor` gives the CTAP map (1: fmt, 2: authData, 3: attStmt),
/// `attestation_object` the WebAuthn attestationObject (text keys fmt/attStmt/authData).
#[derive(Debug, Clone)]
pub struct MakeCredentialResponse {
    pub fmt: String,
    pub auth_data: Vec<u8>,
    pub att_stmt: ciborium::Value,
    /// The new credential's id (also inside auth_data; kept for callers' convenience).
    pub credential_id: Vec<u8>,
    /// Extension outputs that are not in authenticator data (e.g. PRF results at creation).
    pub unsigned_extension_outputs: MakeCredentialExtensionOutputs,
}

impl MakeCredentialRequest {
    /// Parses the CTAP2 CBOR parameter map.
    pub fn from_cbor(_bytes: &[u8]) -> Result<Self, CtapError> {
        todo!("make_credential: parse request")
    }
    /// Encodes the CTAP2 CBOR parameter map (what a CTAP client sends).
    pub fn to_cbor(&self) -> Vec<u8> {
        todo!("make_credential: encode request")
    }
}

impl MakeCredentialResponse {
    pub fn to_cbor(&self) -> Vec<u8> {
        todo!("make_credential: encode response")
    }
    pub fn attestation_object(&self) -> Vec<u8> {
        todo!("make_credential: attestation object")
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    pub fn make_credential(
        &mut self,
        _req: &MakeCredentialRequest,
        _caller: &Caller,
    ) -> Result<MakeCredentialResponse, AuthenticatorError> {
        todo!("make_credential")
    }
}
