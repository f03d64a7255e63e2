//! Authenticator data (WebAuthn §6.1): the bytes every signature covers. Built by the
//! authenticator, parsed by the WebAuthn client and by tests to check what was signed.

use ciborium::Value;
use sha2::{Digest, Sha256};

use crate::cbor;
use crate::error::CtapError;

/// Flag bits of authenticator data.
pub mod flags {
    /// User present.
    pub const UP: u8 = 0x01;
    /// User verified.
    pub const UV: u8 = 0x04;
    /// Backup eligible.
    pub const BE: u8 = 0x08;
    /// Backed up.
    pub const BS: u8 = 0x10;
    /// Attested credential data included.
    pub const AT: u8 = 0x40;
    /// Extension data included.
    pub const ED: u8 = 0x80;
}

/// SHA-256 of the RP ID: the first 32 bytes of authenticator data.
pub fn rp_id_hash(rp_id: &str) -> [u8; 32] {
    Sha256::digest(rp_id.as_bytes()).into()
}

/// The new credential's AAGUID, id and public key (present at creation only).
#[derive(Debug, Clone, PartialEq)]
pub struct AttestedCredentialData {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    /// COSE_Key, canonical CBOR bytes.
    pub credential_public_key: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    pub attested_credential_data: Option<AttestedCredentialData>,
    /// Extension outputs: a CBOR map with text keys.
    pub extensions: Option<Value>,
}

impl AuthenticatorData {
    /// Serialises; the AT and ED flags follow from what is present.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut flags = self.flags & !(flags::AT | flags::ED);
        if self.attested_credential_data.is_some() {
            flags |= flags::AT;
        }
        if self.extensions.is_some() {
            flags |= flags::ED;
        }
        let mut out = Vec::with_capacity(37 + 200);
        out.extend_from_slice(&self.rp_id_hash);
        out.push(flags);
        out.extend_from_slice(&self.sign_count.to_be_bytes());
        if let Some(acd) = &self.attested_credential_data {
            out.extend_from_slice(&acd.aaguid);
            // Credential ids are at most 64 bytes here (getInfo maxCredentialIdLength).
            out.extend_from_slice(&(acd.credential_id.len() as u16).to_be_bytes());
            out.extend_from_slice(&acd.credential_id);
            out.extend_from_slice(&acd.credential_public_key);
        }
        if let Some(ext) = &self.extensions {
            out.extend_from_slice(&cbor::encode(ext));
        }
        out
    }

    /// Parses authenticator data; truncated input is InvalidLength, undecodable CBOR or
    /// leftover bytes InvalidCbor.
    pub fn parse(bytes: &[u8]) -> Result<Self, CtapError> {
        if bytes.len() < 37 {
            return Err(CtapError::InvalidLength);
        }
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(&bytes[..32]);
        let flags = bytes[32];
        let sign_count = u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]);
        let mut rest = &bytes[37..];
        let attested_credential_data = if flags & flags::AT != 0 {
            if rest.len() < 18 {
                return Err(CtapError::InvalidLength);
            }
            let mut aaguid = [0u8; 16];
            aaguid.copy_from_slice(&rest[..16]);
            let id_len = u16::from_be_bytes([rest[16], rest[17]]) as usize;
            rest = &rest[18..];
            if rest.len() < id_len {
                return Err(CtapError::InvalidLength);
            }
            let credential_id = rest[..id_len].to_vec();
            rest = &rest[id_len..];
            let before = rest;
            let _key: Value = read_one(&mut rest)?;
            let used = before.len() - rest.len();
            Some(AttestedCredentialData {
                aaguid,
                credential_id,
                credential_public_key: before[..used].to_vec(),
            })
        } else {
            None
        };
        let extensions = if flags & flags::ED != 0 {
            let v = read_one(&mut rest)?;
            if v.as_map().is_none() {
                return Err(CtapError::InvalidCbor);
            }
            Some(v)
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(CtapError::InvalidCbor);
        }
        Ok(AuthenticatorData {
            rp_id_hash,
            flags,
            sign_count,
            attested_credential_data,
            extensions,
        })
    }

    pub fn user_present(&self) -> bool {
        self.flags & flags::UP != 0
    }

    pub fn user_verified(&self) -> bool {
        self.flags & flags::UV != 0
    }

    /// Looks up one extension output by its identifier.
    pub fn extension(&self, id: &str) -> Option<&Value> {
        self.extensions
            .as_ref()?
            .as_map()
            .and_then(|m| cbor::text_entry(m, id))
    }
}

fn read_one(rest: &mut &[u8]) -> Result<Value, CtapError> {
    if rest.is_empty() {
        return Err(CtapError::InvalidLength);
    }
    ciborium::de::from_reader_with_recursion_limit(rest, 16).map_err(|_| CtapError::InvalidCbor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AuthenticatorData {
        AuthenticatorData {
            rp_id_hash: rp_id_hash("example.com"),
            flags: flags::UP | flags::UV,
            sign_count: 7,
            attested_credential_data: Some(AttestedCredentialData {
                aaguid: [9; 16],
                credential_id: vec![1, 2, 3],
                credential_public_key: cbor::encode(&cbor::canonical_map(vec![(
                    cbor::int(1),
                    cbor::int(2),
                )])),
            }),
            extensions: Some(cbor::canonical_map(vec![(
                cbor::text("credProtect"),
                cbor::int(2),
            )])),
        }
    }

    #[test]
    fn round_trips_and_sets_flags() {
        let d = sample();
        let bytes = d.to_bytes();
        let back = AuthenticatorData::parse(&bytes).unwrap();
        assert_eq!(back.flags, flags::UP | flags::UV | flags::AT | flags::ED);
        assert_eq!(back.sign_count, 7);
        assert_eq!(back.attested_credential_data, d.attested_credential_data);
        assert_eq!(back.extension("credProtect"), Some(&cbor::int(2)));
    }

    #[test]
    fn rejects_truncated_and_garbage() {
        let bytes = sample().to_bytes();
        for n in 0..bytes.len() {
            assert!(
                AuthenticatorData::parse(&bytes[..n]).is_err(),
                "prefix {n} accepted"
            );
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(AuthenticatorData::parse(&extra).is_err());
        let mut garbage = vec![0u8; 37];
        garbage[32] = flags::ED;
        garbage.push(0xff);
        assert!(AuthenticatorData::parse(&garbage).is_err());
    }
}
