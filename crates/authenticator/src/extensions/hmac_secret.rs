//! hmac-secret (CTAP 2.1 §12.5), the basis of WebAuthn PRF.

/// The hmac-secret input. Over CTAP the salts arrive encrypted under the PIN/UV auth protocol's
/// shared secret; the in-process WebAuthn client (same address space, no transport) passes them
/// in the clear and gets the outputs in the clear.
#[derive(Debug, Clone)]
pub enum HmacSecretInput {
    /// From a CTAP client: keyAgreement (COSE key), saltEnc, saltAuth, pinUvAuthProtocol.
    Encrypted {
        key_agreement: coset::CoseKey,
        salt_enc: Vec<u8>,
        salt_auth: Vec<u8>,
        pin_uv_auth_protocol: u32,
    },
    /// From the in-process WebAuthn client (PRF): one or two 32-byte salts.
    Plain {
        salt1: [u8; 32],
        salt2: Option<[u8; 32]>,
    },
}

/// The hmac-secret output, matching the input's form.
#[derive(Debug, Clone)]
pub enum HmacSecretOutput {
    /// Encrypted output1 (|| output2) for a CTAP client.
    Encrypted(Vec<u8>),
    /// Plain outputs for the in-process client.
    Plain {
        output1: [u8; 32],
        output2: Option<[u8; 32]>,
    },
}

use ring::hmac;

use crate::cbor;
use crate::error::CtapError;

impl HmacSecretInput {
    /// Parses the CTAP input map {1: keyAgreement, 2: saltEnc, 3: saltAuth, 4: pinUvAuthProtocol}.
    pub(crate) fn from_cbor_value(v: &ciborium::Value) -> Result<Self, CtapError> {
        use coset::CborSerializable;
        let map = cbor::as_map(v)?;
        let get = |k: i64| {
            map.iter()
                .find(|(key, _)| cbor::as_i64(key).ok() == Some(k))
                .map(|(_, v)| v)
                .ok_or(CtapError::MissingParameter)
        };
        let ka = get(1)?;
        let key_agreement = coset::CoseKey::from_slice(&cbor::encode(ka))
            .map_err(|_| CtapError::InvalidParameter)?;
        let pin_uv_auth_protocol = match get(4) {
            Ok(p) => cbor::as_u32(p)?,
            Err(_) => 1,
        };
        Ok(HmacSecretInput::Encrypted {
            key_agreement,
            salt_enc: cbor::as_bytes(get(2)?)?.to_vec(),
            salt_auth: cbor::as_bytes(get(3)?)?.to_vec(),
            pin_uv_auth_protocol,
        })
    }

    /// The CTAP input map, for CTAP clients; `None` for the in-process `Plain` form.
    pub(crate) fn to_cbor_value(&self) -> Option<ciborium::Value> {
        use coset::AsCborValue;
        match self {
            HmacSecretInput::Encrypted {
                key_agreement,
                salt_enc,
                salt_auth,
                pin_uv_auth_protocol,
            } => {
                let ka = key_agreement.clone().to_cbor_value().ok()?;
                Some(cbor::canonical_map(vec![
                    (cbor::int(1), ka),
                    (cbor::int(2), ciborium::Value::Bytes(salt_enc.clone())),
                    (cbor::int(3), ciborium::Value::Bytes(salt_auth.clone())),
                    (cbor::int(4), cbor::int(i64::from(*pin_uv_auth_protocol))),
                ]))
            }
            HmacSecretInput::Plain { .. } => None,
        }
    }
}

/// HMAC-SHA-256(CredRandom, salt): the PRF output for one salt.
pub(crate) fn hmac_output(cred_random: &[u8], salt: &[u8; 32]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, cred_random);
    let tag = hmac::sign(&key, salt);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Evaluates the in-process (plain) form: output1 = HMAC(CredRandom, salt1), output2 likewise.
pub(crate) fn evaluate_plain(
    cred_random: &[u8],
    salt1: &[u8; 32],
    salt2: Option<&[u8; 32]>,
) -> HmacSecretOutput {
    HmacSecretOutput::Plain {
        output1: hmac_output(cred_random, salt1),
        output2: salt2.map(|s| hmac_output(cred_random, s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_ring_hmac_and_depends_on_inputs() {
        let r1 = [1u8; 32];
        let r2 = [2u8; 32];
        let s = [7u8; 32];
        let HmacSecretOutput::Plain { output1, output2 } = evaluate_plain(&r1, &s, Some(&[8; 32]))
        else {
            panic!("plain in, plain out")
        };
        let k = hmac::Key::new(hmac::HMAC_SHA256, &r1);
        assert!(hmac::verify(&k, &s, &output1).is_ok());
        assert_ne!(Some(output1), output2);
        assert_ne!(hmac_output(&r1, &s), hmac_output(&r2, &s));
    }
}
