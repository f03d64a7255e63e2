//! authenticatorGetAssertion (CTAP 2.1 §6.2) and authenticatorGetNextAssertion (§6.3).

use std::time::{Duration, Instant};

use ciborium::Value;
use latchkey_vault::PasskeyRecord;

use crate::auth_data::{flags, rp_id_hash, AuthenticatorData};
use crate::authenticator::{Authenticator, Caller};
use crate::cbor::{self, ParamMap};
use crate::client_pin::Permission;
use crate::error::{AuthenticatorError, CtapError};
use crate::extensions::{
    cred_protect, GetAssertionExtensionInputs, GetAssertionExtensionOutputs, HmacSecretInput,
    HmacSecretOutput,
};
use crate::make_credential::{
    account_of, client_data_hash, descriptors_to_cbor, options_to_cbor, parse_descriptors,
    parse_options, CredentialDescriptor, Options, UserEntity,
};
use crate::store::CredentialStore;
use crate::user::UserInteraction;
use crate::user::{ApprovalRequest, Operation, UserVerification};

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
    /// Credentials still to answer with, in order.
    remaining: Vec<PasskeyRecord>,
    client_data_hash: Vec<u8>,
    user_verified: bool,
    /// The spec's 30-second getNextAssertion timer.
    deadline: Instant,
}

impl GetAssertionRequest {
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CtapError> {
        let p = ParamMap::from_bytes(bytes)?;
        let rp_id = cbor::as_text(p.required(0x01)?)?.to_owned();
        let client_data_hash = client_data_hash(p.required(0x02)?)?;
        let allow_list = p
            .get(0x03)
            .map(parse_descriptors)
            .transpose()?
            .unwrap_or_default();
        let mut extensions = GetAssertionExtensionInputs::default();
        if let Some(ext) = p.get(0x04) {
            if let Some(v) = cbor::text_entry(cbor::as_map(ext)?, "hmac-secret") {
                extensions.hmac_secret = Some(HmacSecretInput::from_cbor_value(v)?);
            }
        }
        let options = p
            .get(0x05)
            .map(parse_options)
            .transpose()?
            .unwrap_or_default();
        // rk is not a valid getAssertion option (CTAP 2.1 §6.2.2 step 5).
        if options.rk.is_some() {
            return Err(CtapError::UnsupportedOption);
        }
        let pin_uv_auth_param = p
            .get(0x06)
            .map(|v| cbor::as_bytes(v).map(<[u8]>::to_vec))
            .transpose()?;
        let pin_uv_auth_protocol = p.get(0x07).map(cbor::as_u32).transpose()?;
        Ok(GetAssertionRequest {
            rp_id,
            client_data_hash,
            allow_list,
            extensions,
            options,
            pin_uv_auth_param,
            pin_uv_auth_protocol,
        })
    }

    pub fn to_cbor(&self) -> Vec<u8> {
        let mut m = vec![
            (cbor::int(1), cbor::text(&self.rp_id)),
            (cbor::int(2), Value::Bytes(self.client_data_hash.clone())),
        ];
        if !self.allow_list.is_empty() {
            m.push((cbor::int(3), descriptors_to_cbor(&self.allow_list)));
        }
        if let Some(v) = self
            .extensions
            .hmac_secret
            .as_ref()
            .and_then(HmacSecretInput::to_cbor_value)
        {
            m.push((
                cbor::int(4),
                cbor::canonical_map(vec![(cbor::text("hmac-secret"), v)]),
            ));
        }
        if let Some(o) = options_to_cbor(&self.options) {
            m.push((cbor::int(5), o));
        }
        if let Some(p) = &self.pin_uv_auth_param {
            m.push((cbor::int(6), Value::Bytes(p.clone())));
        }
        if let Some(p) = self.pin_uv_auth_protocol {
            m.push((cbor::int(7), cbor::int(i64::from(p))));
        }
        cbor::encode(&cbor::canonical_map(m))
    }
}

impl GetAssertionResponse {
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut m = vec![
            (
                cbor::int(1),
                cbor::canonical_map(vec![
                    (cbor::text("id"), Value::Bytes(self.credential_id.clone())),
                    (cbor::text("type"), cbor::text("public-key")),
                ]),
            ),
            (cbor::int(2), Value::Bytes(self.auth_data.clone())),
            (cbor::int(3), Value::Bytes(self.signature.clone())),
        ];
        if let Some(u) = &self.user {
            let mut um = vec![(cbor::text("id"), Value::Bytes(u.id.clone()))];
            if let Some(n) = &u.name {
                um.push((cbor::text("name"), cbor::text(n)));
            }
            if let Some(n) = &u.display_name {
                um.push((cbor::text("displayName"), cbor::text(n)));
            }
            m.push((cbor::int(4), cbor::canonical_map(um)));
        }
        if let Some(n) = self.number_of_credentials {
            m.push((cbor::int(5), cbor::int(i64::from(n))));
        }
        if let Some(s) = self.user_selected {
            m.push((cbor::int(6), Value::Bool(s)));
        }
        cbor::encode(&cbor::canonical_map(m))
    }
}

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// authenticatorGetAssertion, CTAP 2.1 §6.2.2.
    pub fn get_assertion(
        &mut self,
        req: &GetAssertionRequest,
        caller: &Caller,
    ) -> Result<GetAssertionResponse, AuthenticatorError> {
        if req.client_data_hash.len() != 32 {
            return Err(CtapError::InvalidLength.into());
        }
        let rp_id = req.rp_id.as_str();
        // Step 5: options. up=false (a silent assertion) would skip the person, which Latchkey
        // never does: it answers "no credentials" at once, whether or not it holds one, so the
        // answer tells the caller nothing and nothing is signed. Clients probe this way before
        // creating (OpenSSH's `ssh-keygen -O resident` looks for an existing key and stops at
        // any other error, where CTAP2_ERR_INVALID_OPTION used to stop it).
        if req.options.up == Some(false) {
            return Err(CtapError::NoCredentials.into());
        }
        // Steps 1, 6: pinUvAuthParam.
        let uv_by_token = self.check_pin_uv_auth_param(
            req.pin_uv_auth_param.as_deref(),
            req.pin_uv_auth_protocol,
            &req.client_data_hash,
            Permission::GetAssertion,
            rp_id,
            caller,
        )?;
        let uv_wanted = req.options.uv == Some(true);
        // Step 7: locate credentials (allowList, else discoverable ones for the RP).
        let from_allow_list = !req.allow_list.is_empty();
        let mut candidates = Vec::new();
        if from_allow_list {
            for d in &req.allow_list {
                if let Some(r) = self.store.get(&d.id)? {
                    if r.rp_id == rp_id
                        && !candidates
                            .iter()
                            .any(|c: &PasskeyRecord| c.credential_id == r.credential_id)
                    {
                        candidates.push(r);
                    }
                }
            }
        } else {
            candidates = self.store.find_by_rp(rp_id)?;
        }
        // credProtect (step 7): Latchkey has built-in UV (the door runs the OS check inside the
        // approval), so no candidate is hidden before the person is asked. A level-3 credential
        // (or level 2 found without an allow list) needs UV, so the door is asked for UV
        // "required": the door then runs the OS check for this very ceremony (no reuse of an
        // earlier one) and reports `user_verified` truthfully; the real result filters below.
        let needs_uv = candidates
            .iter()
            .any(|r| !cred_protect::is_usable(r.cred_protect, false, from_allow_list));
        let uv_expected = uv_by_token || uv_wanted || needs_uv;
        if candidates.is_empty() {
            // No passkey here. Answering at once would let any caller probe which sites have
            // passkeys on this PC (WebAuthn §14.5.2), so the person sees a "no passkey" prompt
            // first and the answer is NoCredentials whatever they do.
            let _ = self.user.approve(&ApprovalRequest {
                operation: Operation::GetAssertion,
                rp_id,
                rp_name: None,
                origin: caller.origin.as_deref(),
                accounts: &[],
                user_verification: UserVerification::Preferred,
            });
            return Err(CtapError::NoCredentials.into());
        }
        // Step 9-10: the person approves (presence + built-in UV) and may pick the account.
        let accounts: Vec<_> = candidates.iter().map(account_of).collect();
        let approval = self.user.approve(&ApprovalRequest {
            operation: Operation::GetAssertion,
            rp_id,
            rp_name: candidates[0].rp_name.as_deref(),
            origin: caller.origin.as_deref(),
            accounts: &accounts,
            user_verification: if uv_expected {
                UserVerification::Required
            } else {
                UserVerification::Preferred
            },
        })?;
        let user_verified = approval.user_verified;
        if (uv_wanted || uv_by_token) && !user_verified {
            return Err(CtapError::OperationDenied.into());
        }
        // Re-check credProtect against the UV actually obtained.
        candidates
            .retain(|r| cred_protect::is_usable(r.cred_protect, user_verified, from_allow_list));
        let n = candidates.len();
        let chosen = match approval.account {
            Some(i) => {
                let picked = accounts.get(i).ok_or(CtapError::OperationDenied)?;
                let r = candidates
                    .iter()
                    .position(|c| c.credential_id == picked.credential_id)
                    .ok_or(CtapError::NoCredentials)?;
                let rec = candidates.swap_remove(r);
                let mut resp = self.sign_assertion(
                    &rec,
                    &req.client_data_hash,
                    user_verified,
                    req.extensions.hmac_secret_for(&rec.credential_id),
                    !from_allow_list,
                )?;
                if accounts.len() > 1 {
                    resp.user_selected = Some(true);
                }
                return Ok(resp);
            }
            None => {
                if candidates.is_empty() {
                    return Err(CtapError::NoCredentials.into());
                }
                candidates.remove(0)
            }
        };
        let mut resp = self.sign_assertion(
            &chosen,
            &req.client_data_hash,
            user_verified,
            req.extensions.hmac_secret_for(&chosen.credential_id),
            !from_allow_list,
        )?;
        if n > 1 {
            resp.number_of_credentials = Some(n as u32);
            self.state.pending = Some(PendingAssertions {
                remaining: candidates,
                client_data_hash: req.client_data_hash.clone(),
                user_verified,
                deadline: Instant::now() + Duration::from_secs(30),
            });
        }
        Ok(resp)
    }

    /// authenticatorGetNextAssertion, CTAP 2.1 §6.3.
    pub fn get_next_assertion(&mut self) -> Result<GetAssertionResponse, AuthenticatorError> {
        let mut pending = self.state.pending.take().ok_or(CtapError::NotAllowed)?;
        if Instant::now() > pending.deadline || pending.remaining.is_empty() {
            return Err(CtapError::NotAllowed.into());
        }
        let rec = pending.remaining.remove(0);
        let cdh = pending.client_data_hash.clone();
        let resp = self.sign_assertion(&rec, &cdh, pending.user_verified, None, true)?;
        if !pending.remaining.is_empty() {
            self.state.pending = Some(pending);
        }
        Ok(resp)
    }

    /// Steps 11-13: authenticator data, counter, signature. The counter comes from the store's
    /// atomic increment, taken right before signing (not from `rec`, which was read before the
    /// prompt and may be stale): overlapping sign-ins get distinct, increasing counters, and
    /// nothing is signed unless the new counter is durable.
    fn sign_assertion(
        &mut self,
        rec: &PasskeyRecord,
        client_data_hash: &[u8],
        user_verified: bool,
        hmac_input: Option<&HmacSecretInput>,
        _discoverable: bool,
    ) -> Result<GetAssertionResponse, AuthenticatorError> {
        let key = self.keys.key_for(rec)?;
        let mut unsigned = GetAssertionExtensionOutputs::default();
        let mut ext_map = Vec::new();
        if let Some(input) = hmac_input {
            let out = self.evaluate_hmac_secret(rec, user_verified, input)?;
            if let HmacSecretOutput::Encrypted(b) = &out {
                ext_map.push((cbor::text("hmac-secret"), Value::Bytes(b.clone())));
            } else {
                unsigned.hmac_secret = Some(out);
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let counter = self.store.record_use(&rec.credential_id, now)?;
        let mut fl = flags::UP;
        if user_verified {
            fl |= flags::UV;
        }
        if rec.backup_eligible {
            fl |= flags::BE;
        }
        if rec.backup_state {
            fl |= flags::BS;
        }
        let auth_data = AuthenticatorData {
            rp_id_hash: rp_id_hash(&rec.rp_id),
            flags: fl,
            sign_count: counter,
            attested_credential_data: None,
            extensions: (!ext_map.is_empty()).then(|| cbor::canonical_map(ext_map)),
        }
        .to_bytes();
        let mut msg = auth_data.clone();
        msg.extend_from_slice(client_data_hash);
        let signature = key.sign(&msg);
        Ok(GetAssertionResponse {
            credential_id: rec.credential_id.clone(),
            auth_data,
            signature,
            user: Some(UserEntity {
                id: rec.user_handle.clone(),
                name: if user_verified {
                    rec.user_name.clone()
                } else {
                    None
                },
                display_name: if user_verified {
                    rec.user_display_name.clone()
                } else {
                    None
                },
            }),
            number_of_credentials: None,
            user_selected: None,
            unsigned_extension_outputs: unsigned,
        })
    }
}
