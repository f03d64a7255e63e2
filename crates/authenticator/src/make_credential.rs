//! authenticatorMakeCredential (CTAP 2.1 §6.1).

use ciborium::Value;
use latchkey_vault::PasskeyRecord;
use rand_core::{OsRng, RngCore};

use crate::attestation;
use crate::auth_data::{flags, rp_id_hash, AttestedCredentialData, AuthenticatorData};
use crate::authenticator::{Authenticator, Caller};
use crate::cbor::{self, ParamMap};
use crate::client_pin::Permission;
use crate::error::{AuthenticatorError, CtapError};
use crate::extensions::{
    cred_protect, hmac_secret, HmacSecretInput, HmacSecretOutput, MakeCredentialExtensionInputs,
    MakeCredentialExtensionOutputs,
};
use crate::keys::CredentialKey;
use crate::store::CredentialStore;
use crate::user::{Account, ApprovalRequest, Operation, UserInteraction, UserVerification};

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

/// Parses a descriptor list (excludeList / allowList): entries of other types are skipped.
pub(crate) fn parse_descriptors(v: &Value) -> Result<Vec<CredentialDescriptor>, CtapError> {
    let mut out = Vec::new();
    for d in cbor::as_array(v)? {
        let m = cbor::as_map(d)?;
        let ty = cbor::as_text(cbor::text_entry(m, "type").ok_or(CtapError::MissingParameter)?)?;
        let id = cbor::as_bytes(cbor::text_entry(m, "id").ok_or(CtapError::MissingParameter)?)?;
        if ty == "public-key" {
            out.push(CredentialDescriptor { id: id.to_vec() });
        }
    }
    Ok(out)
}

pub(crate) fn descriptors_to_cbor(list: &[CredentialDescriptor]) -> Value {
    Value::Array(
        list.iter()
            .map(|d| {
                cbor::canonical_map(vec![
                    (cbor::text("id"), Value::Bytes(d.id.clone())),
                    (cbor::text("type"), cbor::text("public-key")),
                ])
            })
            .collect(),
    )
}

pub(crate) fn parse_options(v: &Value) -> Result<Options, CtapError> {
    let m = cbor::as_map(v)?;
    let get = |k: &str| cbor::text_entry(m, k).map(cbor::as_bool).transpose();
    Ok(Options {
        rk: get("rk")?,
        up: get("up")?,
        uv: get("uv")?,
    })
}

pub(crate) fn options_to_cbor(o: &Options) -> Option<Value> {
    let mut e = Vec::new();
    for (k, v) in [("rk", o.rk), ("up", o.up), ("uv", o.uv)] {
        if let Some(v) = v {
            e.push((cbor::text(k), Value::Bool(v)));
        }
    }
    (!e.is_empty()).then(|| cbor::canonical_map(e))
}

pub(crate) fn client_data_hash(v: &Value) -> Result<Vec<u8>, CtapError> {
    let h = cbor::as_bytes(v)?;
    if h.len() != 32 {
        return Err(CtapError::InvalidLength);
    }
    Ok(h.to_vec())
}

fn opt_text(m: &[(Value, Value)], k: &str) -> Result<Option<String>, CtapError> {
    cbor::text_entry(m, k)
        .map(|v| cbor::as_text(v).map(str::to_owned))
        .transpose()
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn random_32() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

impl MakeCredentialRequest {
    /// Parses the CTAP2 CBOR parameter map.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CtapError> {
        let p = ParamMap::from_bytes(bytes)?;
        let client_data_hash = client_data_hash(p.required(0x01)?)?;
        let rp_map = cbor::as_map(p.required(0x02)?)?;
        let rp = RpEntity {
            id: cbor::as_text(cbor::text_entry(rp_map, "id").ok_or(CtapError::MissingParameter)?)?
                .to_owned(),
            name: opt_text(rp_map, "name")?,
        };
        let user_map = cbor::as_map(p.required(0x03)?)?;
        let user_id =
            cbor::as_bytes(cbor::text_entry(user_map, "id").ok_or(CtapError::MissingParameter)?)?;
        if user_id.len() > 64 {
            return Err(CtapError::InvalidLength);
        }
        let user = UserEntity {
            id: user_id.to_vec(),
            name: opt_text(user_map, "name")?,
            display_name: opt_text(user_map, "displayName")?,
        };
        let mut pub_key_cred_params = Vec::new();
        for entry in cbor::as_array(p.required(0x04)?)? {
            let m = cbor::as_map(entry)?;
            let ty =
                cbor::as_text(cbor::text_entry(m, "type").ok_or(CtapError::MissingParameter)?)?;
            let alg = cbor::as_i64(cbor::text_entry(m, "alg").ok_or(CtapError::MissingParameter)?)?;
            if ty == "public-key" {
                pub_key_cred_params.push(CredentialParameter { alg });
            }
        }
        let exclude_list = p
            .get(0x05)
            .map(parse_descriptors)
            .transpose()?
            .unwrap_or_default();
        let mut extensions = MakeCredentialExtensionInputs::default();
        if let Some(ext) = p.get(0x06) {
            let m = cbor::as_map(ext)?;
            if let Some(v) = cbor::text_entry(m, "credProtect") {
                extensions.cred_protect = Some(cred_protect::parse_level(cbor::as_u32(v)?)?);
            }
            if let Some(v) = cbor::text_entry(m, "hmac-secret") {
                extensions.hmac_secret = Some(cbor::as_bool(v)?);
            }
            if let Some(v) = cbor::text_entry(m, "hmac-secret-mc") {
                extensions.hmac_secret_mc = Some(HmacSecretInput::from_cbor_value(v)?);
            }
        }
        let options = p
            .get(0x07)
            .map(parse_options)
            .transpose()?
            .unwrap_or_default();
        let pin_uv_auth_param = p
            .get(0x08)
            .map(|v| cbor::as_bytes(v).map(<[u8]>::to_vec))
            .transpose()?;
        let pin_uv_auth_protocol = p.get(0x09).map(cbor::as_u32).transpose()?;
        let enterprise_attestation = p.get(0x0A).map(cbor::as_u32).transpose()?;
        let attestation_preference = match p.get(0x0B) {
            Some(v) => match cbor::as_array(v)?.first() {
                Some(first) if cbor::as_text(first)? == "none" => AttestationPreference::None,
                _ => AttestationPreference::SelfAttestation,
            },
            None => AttestationPreference::SelfAttestation,
        };
        Ok(MakeCredentialRequest {
            client_data_hash,
            rp,
            user,
            pub_key_cred_params,
            exclude_list,
            extensions,
            options,
            pin_uv_auth_param,
            pin_uv_auth_protocol,
            enterprise_attestation,
            attestation_preference,
        })
    }

    /// Encodes the CTAP2 CBOR parameter map (what a CTAP client sends).
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut rp = vec![(cbor::text("id"), cbor::text(&self.rp.id))];
        if let Some(n) = &self.rp.name {
            rp.push((cbor::text("name"), cbor::text(n)));
        }
        let mut user = vec![(cbor::text("id"), Value::Bytes(self.user.id.clone()))];
        if let Some(n) = &self.user.name {
            user.push((cbor::text("name"), cbor::text(n)));
        }
        if let Some(n) = &self.user.display_name {
            user.push((cbor::text("displayName"), cbor::text(n)));
        }
        let params = self
            .pub_key_cred_params
            .iter()
            .map(|p| {
                cbor::canonical_map(vec![
                    (cbor::text("alg"), cbor::int(p.alg)),
                    (cbor::text("type"), cbor::text("public-key")),
                ])
            })
            .collect();
        let mut m = vec![
            (cbor::int(1), Value::Bytes(self.client_data_hash.clone())),
            (cbor::int(2), cbor::canonical_map(rp)),
            (cbor::int(3), cbor::canonical_map(user)),
            (cbor::int(4), Value::Array(params)),
        ];
        if !self.exclude_list.is_empty() {
            m.push((cbor::int(5), descriptors_to_cbor(&self.exclude_list)));
        }
        let mut ext = Vec::new();
        if let Some(l) = self.extensions.cred_protect {
            ext.push((cbor::text("credProtect"), cbor::int(i64::from(l))));
        }
        if let Some(h) = self.extensions.hmac_secret {
            ext.push((cbor::text("hmac-secret"), Value::Bool(h)));
        }
        if let Some(v) = self
            .extensions
            .hmac_secret_mc
            .as_ref()
            .and_then(HmacSecretInput::to_cbor_value)
        {
            ext.push((cbor::text("hmac-secret-mc"), v));
        }
        if !ext.is_empty() {
            m.push((cbor::int(6), cbor::canonical_map(ext)));
        }
        if let Some(o) = options_to_cbor(&self.options) {
            m.push((cbor::int(7), o));
        }
        if let Some(p) = &self.pin_uv_auth_param {
            m.push((cbor::int(8), Value::Bytes(p.clone())));
        }
        if let Some(p) = self.pin_uv_auth_protocol {
            m.push((cbor::int(9), cbor::int(i64::from(p))));
        }
        if let Some(e) = self.enterprise_attestation {
            m.push((cbor::int(10), cbor::int(i64::from(e))));
        }
        if self.attestation_preference == AttestationPreference::None {
            m.push((cbor::int(11), Value::Array(vec![cbor::text("none")])));
        }
        cbor::encode(&cbor::canonical_map(m))
    }
}

impl MakeCredentialResponse {
    /// The CTAP map {1: fmt, 2: authData, 3: attStmt}.
    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::encode(&cbor::canonical_map(vec![
            (cbor::int(1), cbor::text(&self.fmt)),
            (cbor::int(2), Value::Bytes(self.auth_data.clone())),
            (cbor::int(3), self.att_stmt.clone()),
        ]))
    }

    /// The WebAuthn attestationObject {"fmt", "attStmt", "authData"}.
    pub fn attestation_object(&self) -> Vec<u8> {
        cbor::encode(&cbor::canonical_map(vec![
            (cbor::text("fmt"), cbor::text(&self.fmt)),
            (cbor::text("attStmt"), self.att_stmt.clone()),
            (cbor::text("authData"), Value::Bytes(self.auth_data.clone())),
        ]))
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// Checks a pinUvAuthParam (steps 5 and 11 of §6.1.2). Ok(true): the client holds a valid
    /// token for this RP and permission, so it asked for user verification; the caller then
    /// asks the person with verification required, and reports UV only if the OS check ran for
    /// this very prompt (a token for mc/ga is issued without a prompt: see `client_pin.rs`).
    pub(crate) fn check_pin_uv_auth_param(
        &mut self,
        param: Option<&[u8]>,
        protocol: Option<u32>,
        client_data_hash: &[u8],
        permission: Permission,
        rp_id: &str,
        caller: &Caller,
    ) -> Result<bool, AuthenticatorError> {
        match param {
            None => Ok(false),
            // Zero-length pinUvAuthParam: the client probes for a PIN. Ask for presence, then
            // answer PinInvalid (Latchkey is protected by built-in UV, not a PIN).
            Some([]) => {
                let operation = if permission == Permission::MakeCredential {
                    Operation::MakeCredential
                } else {
                    Operation::GetAssertion
                };
                self.user.approve(&ApprovalRequest {
                    operation,
                    rp_id,
                    rp_name: None,
                    origin: caller.origin.as_deref(),
                    accounts: &[],
                    user_verification: UserVerification::Discouraged,
                })?;
                Err(CtapError::PinInvalid.into())
            }
            Some(p) => {
                let protocol = protocol.ok_or(CtapError::MissingParameter)?;
                self.verify_pin_uv_auth_param(protocol, p, client_data_hash, permission, rp_id)?;
                Ok(true)
            }
        }
    }

    /// authenticatorMakeCredential, CTAP 2.1 §6.1.2.
    pub fn make_credential(
        &mut self,
        req: &MakeCredentialRequest,
        caller: &Caller,
    ) -> Result<MakeCredentialResponse, AuthenticatorError> {
        // clientDataHash is exactly 32 bytes (an empty one is an error, not a default).
        if req.client_data_hash.len() != 32 {
            return Err(CtapError::InvalidLength.into());
        }
        let rp_id = req.rp.id.as_str();
        // Step 3: the first supported public-key algorithm wins.
        let alg = req
            .pub_key_cred_params
            .iter()
            .map(|p| p.alg)
            .find(|&a| CredentialKey::is_supported(a))
            .ok_or(CtapError::UnsupportedAlgorithm)?;
        // Step 5: options. up=false is invalid for makeCredential; rk is ignored (all
        // Latchkey passkeys are discoverable).
        if req.options.up == Some(false) {
            return Err(CtapError::InvalidOption.into());
        }
        // Steps 1, 11: pinUvAuthParam.
        let uv_by_token = self.check_pin_uv_auth_param(
            req.pin_uv_auth_param.as_deref(),
            req.pin_uv_auth_protocol,
            &req.client_data_hash,
            Permission::MakeCredential,
            rp_id,
            caller,
        )?;
        let uv_wanted = req.options.uv == Some(true);
        // Step 10: excludeList. A listed credential stored for this RP: ask for presence,
        // then answer CredentialExcluded; the store stays unchanged.
        for d in &req.exclude_list {
            if let Some(rec) = self.store.get(&d.id)? {
                if rec.rp_id == rp_id {
                    let existing = [account_of(&rec)];
                    self.user.approve(&ApprovalRequest {
                        operation: Operation::MakeCredential,
                        rp_id,
                        rp_name: req.rp.name.as_deref(),
                        origin: caller.origin.as_deref(),
                        accounts: &existing,
                        user_verification: UserVerification::Discouraged,
                    })?;
                    return Err(CtapError::CredentialExcluded.into());
                }
            }
        }
        // Step 14: user consent (presence + built-in UV) for the account being created.
        let credential_id = random_32().to_vec();
        let new_account = Account {
            credential_id: credential_id.clone(),
            user_handle: req.user.id.clone(),
            user_name: req.user.name.clone(),
            user_display_name: req.user.display_name.clone(),
            nickname: None,
        };
        let approval = self.user.approve(&ApprovalRequest {
            operation: Operation::MakeCredential,
            rp_id,
            rp_name: req.rp.name.as_deref(),
            origin: caller.origin.as_deref(),
            accounts: std::slice::from_ref(&new_account),
            user_verification: if uv_wanted || uv_by_token {
                UserVerification::Required
            } else {
                UserVerification::Preferred
            },
        })?;
        let user_verified = approval.user_verified;
        if (uv_wanted || uv_by_token) && !user_verified {
            return Err(CtapError::OperationDenied.into());
        }
        // Step 15: new key pair and extensions.
        let key = CredentialKey::generate(alg)?;
        let mut outputs = MakeCredentialExtensionOutputs::default();
        let mut ext_map = Vec::new();
        let level = req
            .extensions
            .cred_protect
            .unwrap_or(cred_protect::OPTIONAL);
        if let Some(l) = req.extensions.cred_protect {
            outputs.cred_protect = Some(l);
            ext_map.push((cbor::text("credProtect"), cbor::int(i64::from(l))));
        }
        let wants_hmac =
            req.extensions.hmac_secret == Some(true) || req.extensions.hmac_secret_mc.is_some();
        let (cred_random_with_uv, cred_random_without_uv) = if wants_hmac {
            (Some(random_32().to_vec()), Some(random_32().to_vec()))
        } else {
            (None, None)
        };
        if wants_hmac {
            outputs.hmac_secret = Some(true);
            ext_map.push((cbor::text("hmac-secret"), Value::Bool(true)));
        }
        let mut record = PasskeyRecord {
            credential_id: credential_id.clone(),
            rp_id: rp_id.to_owned(),
            rp_name: req.rp.name.clone(),
            user_handle: req.user.id.clone(),
            user_name: req.user.name.clone(),
            user_display_name: req.user.display_name.clone(),
            nickname: None,
            algorithm: alg,
            private_key: Vec::new(),
            sign_count: 0,
            created_at: now_unix(),
            last_used_at: None,
            use_count: 0,
            cred_protect: level,
            cred_random_with_uv,
            cred_random_without_uv,
            backup_eligible: self.config.backup_eligible,
            backup_state: false,
        };
        record.private_key = key.to_pkcs8().to_vec();
        if let Some(input) = &req.extensions.hmac_secret_mc {
            let out = self.evaluate_hmac_secret(&record, user_verified, input)?;
            if let HmacSecretOutput::Encrypted(bytes) = &out {
                ext_map.push((cbor::text("hmac-secret-mc"), Value::Bytes(bytes.clone())));
            }
            outputs.hmac_secret_mc = Some(out);
        }
        // Step 16-17: authenticator data with attested credential data.
        let mut fl = flags::UP;
        if user_verified {
            fl |= flags::UV;
        }
        if record.backup_eligible {
            fl |= flags::BE;
        }
        let auth_data = AuthenticatorData {
            rp_id_hash: rp_id_hash(rp_id),
            flags: fl,
            sign_count: 0,
            attested_credential_data: Some(AttestedCredentialData {
                aaguid: self.config.aaguid,
                credential_id: credential_id.clone(),
                credential_public_key: key.cose_public_key_bytes(),
            }),
            extensions: (!ext_map.is_empty()).then(|| cbor::canonical_map(ext_map)),
        }
        .to_bytes();
        // Store durably before answering: a credential the RP registers must exist.
        self.store.save(&record)?;
        // Step 19: attestation statement.
        let (fmt, att_stmt) = match req.attestation_preference {
            AttestationPreference::None => attestation::none_statement(),
            AttestationPreference::SelfAttestation => {
                attestation::packed_self(&key, &auth_data, &req.client_data_hash)
            }
        };
        // Plain PRF outputs never go into signed data: they are returned unsigned.
        let unsigned_extension_outputs = MakeCredentialExtensionOutputs {
            hmac_secret_mc: match &outputs.hmac_secret_mc {
                Some(o @ HmacSecretOutput::Plain { .. }) => Some(o.clone()),
                _ => None,
            },
            ..Default::default()
        };
        Ok(MakeCredentialResponse {
            fmt,
            auth_data,
            att_stmt,
            credential_id,
            unsigned_extension_outputs,
        })
    }

    /// hmac-secret evaluation for one credential (CTAP 2.1 §12.5).
    pub(crate) fn evaluate_hmac_secret(
        &mut self,
        record: &PasskeyRecord,
        user_verified: bool,
        input: &HmacSecretInput,
    ) -> Result<HmacSecretOutput, AuthenticatorError> {
        // CredRandom is chosen by whether UV was done, so PRF outputs differ between the two.
        let cred_random = if user_verified {
            record.cred_random_with_uv.as_deref()
        } else {
            record.cred_random_without_uv.as_deref()
        }
        .ok_or(CtapError::UnsupportedOption)?;
        match input {
            HmacSecretInput::Plain { salt1, salt2 } => Ok(hmac_secret::evaluate_plain(
                cred_random,
                salt1,
                salt2.as_ref(),
            )),
            // From a CTAP client (§12.5 steps 1-6): decapsulate, check saltAuth, decrypt one
            // or two salts, HMAC them, and return the outputs encrypted the same way.
            HmacSecretInput::Encrypted {
                key_agreement,
                salt_enc,
                salt_auth,
                pin_uv_auth_protocol,
            } => {
                let shared = self
                    .state
                    .pin_uv
                    .shared_secret(*pin_uv_auth_protocol, key_agreement)?;
                if !shared.verify(salt_enc, salt_auth) {
                    return Err(CtapError::PinAuthInvalid.into());
                }
                let salts = shared.decrypt(salt_enc)?;
                let salt = |range: std::ops::Range<usize>| -> Result<[u8; 32], CtapError> {
                    salts
                        .get(range)
                        .and_then(|s| s.try_into().ok())
                        .ok_or(CtapError::InvalidLength)
                };
                let (salt1, salt2) = match salts.len() {
                    32 => (salt(0..32)?, None),
                    64 => (salt(0..32)?, Some(salt(32..64)?)),
                    _ => return Err(CtapError::InvalidLength.into()),
                };
                let mut outputs = zeroize::Zeroizing::new(Vec::with_capacity(64));
                outputs.extend_from_slice(&hmac_secret::hmac_output(cred_random, &salt1));
                if let Some(salt2) = salt2 {
                    outputs.extend_from_slice(&hmac_secret::hmac_output(cred_random, &salt2));
                }
                Ok(HmacSecretOutput::Encrypted(shared.encrypt(&outputs)))
            }
        }
    }
}

pub(crate) fn account_of(r: &PasskeyRecord) -> Account {
    Account {
        credential_id: r.credential_id.clone(),
        user_handle: r.user_handle.clone(),
        user_name: r.user_name.clone(),
        user_display_name: r.user_display_name.clone(),
        nickname: r.nickname.clone(),
    }
}
