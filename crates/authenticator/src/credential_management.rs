//! authenticatorCredentialManagement (CTAP 2.1 §6.8): lets a CTAP client (e.g. a browser's
//! settings page or a vendor tool) list, rename and delete the passkeys, under a
//! pinUvAuthToken with the `cm` permission obtained through built-in user verification.

use std::collections::BTreeMap;

use ciborium::Value;
use coset::AsCborValue;

use crate::auth_data::rp_id_hash;
use crate::authenticator::{Authenticator, Caller};
use crate::cbor::{self, ParamMap};
use crate::client_pin::Permission;
use crate::error::{AuthenticatorError, CtapError};
use crate::keys::CredentialKey;
use crate::store::CredentialStore;
use crate::user::UserInteraction;

mod sub {
    pub const GET_CREDS_METADATA: u32 = 0x01;
    pub const ENUMERATE_RPS_BEGIN: u32 = 0x02;
    pub const ENUMERATE_RPS_NEXT: u32 = 0x03;
    pub const ENUMERATE_CREDENTIALS_BEGIN: u32 = 0x04;
    pub const ENUMERATE_CREDENTIALS_NEXT: u32 = 0x05;
    pub const DELETE_CREDENTIAL: u32 = 0x06;
    pub const UPDATE_USER_INFORMATION: u32 = 0x07;
}

/// What getCredsMetadata reports as room left; the vault has no fixed limit.
const MAX_REMAINING: i64 = 100_000;

impl<S: CredentialStore, U: UserInteraction> Authenticator<S, U> {
    /// Handles the CBOR parameters of an authenticatorCredentialManagement request.
    pub(crate) fn credential_management_cbor(
        &mut self,
        params: &[u8],
        _caller: &Caller,
    ) -> Result<Vec<u8>, AuthenticatorError> {
        let p = ParamMap::from_bytes(params)?;
        let sub_command = cbor::as_u32(p.required(0x01)?)?;
        let sub_params = p.get(0x02);
        // The "next" subcommands continue an enumeration and carry no pinUvAuthParam.
        if sub_command == sub::ENUMERATE_RPS_NEXT || sub_command == sub::ENUMERATE_CREDENTIALS_NEXT
        {
            let next = self
                .state
                .pin_uv
                .enumeration
                .pop_front()
                .ok_or(CtapError::NotAllowed)?;
            return Ok(cbor::encode(&next));
        }
        self.state.pin_uv.enumeration.clear();
        // Every other subcommand: pinUvAuthParam = authenticate(token, subCommand || params).
        let protocol = cbor::as_u32(p.get(0x03).ok_or(CtapError::PuatRequired)?)?;
        let param = cbor::as_bytes(p.get(0x04).ok_or(CtapError::PuatRequired)?)?;
        let mut message =
            vec![u8::try_from(sub_command).map_err(|_| CtapError::InvalidSubcommand)?];
        if let Some(sp) = sub_params {
            message.extend_from_slice(&cbor::encode(sp));
        }
        self.state
            .pin_uv
            .check(protocol, &message, param, Permission::CredentialManagement)?;
        let bound = self.state.pin_uv.bound_rp_id().map(str::to_owned);

        let response = match sub_command {
            sub::GET_CREDS_METADATA => {
                // A token bound to one RP may not see the whole store.
                if bound.is_some() {
                    return Err(CtapError::PinAuthInvalid.into());
                }
                let count = self.store.list()?.len() as i64;
                cbor::canonical_map(vec![
                    (cbor::int(0x01), cbor::int(count)),
                    (cbor::int(0x02), cbor::int(MAX_REMAINING)),
                ])
            }
            sub::ENUMERATE_RPS_BEGIN => {
                if bound.is_some() {
                    return Err(CtapError::PinAuthInvalid.into());
                }
                let mut rps: BTreeMap<String, Option<String>> = BTreeMap::new();
                for m in self.store.list()? {
                    rps.entry(m.rp_id.clone())
                        .or_insert_with(|| m.rp_name.clone());
                }
                let total = rps.len() as i64;
                let mut answers: Vec<Value> = rps
                    .into_iter()
                    .map(|(id, name)| {
                        let mut rp = vec![(cbor::text("id"), cbor::text(&id))];
                        if let Some(name) = name {
                            rp.push((cbor::text("name"), cbor::text(&name)));
                        }
                        vec![
                            (cbor::int(0x03), cbor::canonical_map(rp)),
                            (cbor::int(0x04), Value::Bytes(rp_id_hash(&id).to_vec())),
                        ]
                    })
                    .map(cbor::canonical_map)
                    .collect();
                if answers.is_empty() {
                    return Err(CtapError::NoCredentials.into());
                }
                let first = with_total(answers.remove(0), 0x05, total);
                self.state.pin_uv.enumeration.extend(answers);
                first
            }
            sub::ENUMERATE_CREDENTIALS_BEGIN => {
                let sp = params_map(sub_params)?;
                let hash =
                    cbor::as_bytes(cbor::int_entry(sp, 0x01).ok_or(CtapError::MissingParameter)?)?;
                let metas: Vec<_> = self
                    .store
                    .list()?
                    .into_iter()
                    .filter(|m| rp_id_hash(&m.rp_id).as_slice() == hash)
                    .collect();
                if let (Some(b), Some(m)) = (&bound, metas.first()) {
                    if *b != m.rp_id {
                        return Err(CtapError::PinAuthInvalid.into());
                    }
                }
                let mut answers = Vec::with_capacity(metas.len());
                for m in &metas {
                    let record = self
                        .store
                        .get(&m.credential_id)?
                        .ok_or(CtapError::NoCredentials)?;
                    let public_key =
                        CredentialKey::from_pkcs8(record.algorithm, &record.private_key)?
                            .cose_public_key()
                            .to_cbor_value()
                            .map_err(|_| CtapError::Other)?;
                    let mut user =
                        vec![(cbor::text("id"), Value::Bytes(record.user_handle.clone()))];
                    if let Some(n) = &record.user_name {
                        user.push((cbor::text("name"), cbor::text(n)));
                    }
                    if let Some(n) = &record.user_display_name {
                        user.push((cbor::text("displayName"), cbor::text(n)));
                    }
                    answers.push(cbor::canonical_map(vec![
                        (cbor::int(0x06), cbor::canonical_map(user)),
                        (cbor::int(0x07), descriptor(&record.credential_id)),
                        (cbor::int(0x08), public_key),
                        (cbor::int(0x0A), cbor::int(i64::from(record.cred_protect))),
                    ]));
                }
                if answers.is_empty() {
                    return Err(CtapError::NoCredentials.into());
                }
                let first = with_total(answers.remove(0), 0x09, metas.len() as i64);
                self.state.pin_uv.enumeration.extend(answers);
                first
            }
            sub::DELETE_CREDENTIAL => {
                let id = descriptor_id(params_map(sub_params)?)?;
                self.check_binding(bound.as_deref(), &id)?;
                if !self.store.delete(&id)? {
                    return Err(CtapError::NoCredentials.into());
                }
                return Ok(Vec::new());
            }
            sub::UPDATE_USER_INFORMATION => {
                let sp = params_map(sub_params)?;
                let id = descriptor_id(sp)?;
                let user =
                    cbor::as_map(cbor::int_entry(sp, 0x03).ok_or(CtapError::MissingParameter)?)?;
                let user_id = cbor::as_bytes(
                    cbor::text_entry(user, "id").ok_or(CtapError::MissingParameter)?,
                )?;
                let name = cbor::text_entry(user, "name")
                    .map(cbor::as_text)
                    .transpose()?;
                let display = cbor::text_entry(user, "displayName")
                    .map(cbor::as_text)
                    .transpose()?;
                self.check_binding(bound.as_deref(), &id)?;
                let record = self.store.get(&id)?.ok_or(CtapError::NoCredentials)?;
                // The user handle identifies the account; it may not be changed, only named.
                if record.user_handle != user_id {
                    return Err(CtapError::InvalidParameter.into());
                }
                self.store.update_user(&id, name, display)?;
                return Ok(Vec::new());
            }
            _ => return Err(CtapError::InvalidSubcommand.into()),
        };
        Ok(cbor::encode(&response))
    }

    /// A token bound to an RP may only touch that RP's credentials.
    fn check_binding(
        &self,
        bound: Option<&str>,
        credential_id: &[u8],
    ) -> Result<(), AuthenticatorError> {
        if let Some(bound) = bound {
            match self.store.get(credential_id)? {
                Some(r) if r.rp_id != bound => return Err(CtapError::PinAuthInvalid.into()),
                _ => {}
            }
        }
        Ok(())
    }
}

fn params_map(v: Option<&Value>) -> Result<&[(Value, Value)], CtapError> {
    cbor::as_map(v.ok_or(CtapError::MissingParameter)?)
}

fn descriptor(id: &[u8]) -> Value {
    cbor::canonical_map(vec![
        (cbor::text("id"), Value::Bytes(id.to_vec())),
        (cbor::text("type"), cbor::text("public-key")),
    ])
}

fn descriptor_id(sp: &[(Value, Value)]) -> Result<Vec<u8>, CtapError> {
    let d = cbor::as_map(cbor::int_entry(sp, 0x02).ok_or(CtapError::MissingParameter)?)?;
    Ok(cbor::as_bytes(cbor::text_entry(d, "id").ok_or(CtapError::MissingParameter)?)?.to_vec())
}

/// Adds the "total" member to the first answer of an enumeration.
fn with_total(answer: Value, key: i64, total: i64) -> Value {
    let Value::Map(mut entries) = answer else {
        return answer;
    };
    entries.push((cbor::int(key), cbor::int(total)));
    cbor::canonical_map(entries)
}
