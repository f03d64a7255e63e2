//! Credential key pairs for the three COSE algorithms Latchkey supports. Private keys travel
//! only as PKCS#8 DER (what the vault seals) and are zeroized when dropped.

use coset::{iana, CborSerializable, CoseKey, CoseKeyBuilder};
use latchkey_vault::alg;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_core::OsRng;
use ring::signature::{Ed25519KeyPair, KeyPair};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::error::CtapError;

/// Ed25519 algorithm identifier (RFC 8410), used to build its SubjectPublicKeyInfo.
const ED25519_OID: p256::pkcs8::ObjectIdentifier =
    p256::pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

/// A credential's private key. The variants hold the parsed key; `Ed25519` also keeps its
/// PKCS#8 document because ring cannot export it again.
pub enum CredentialKey {
    Es256(p256::ecdsa::SigningKey),
    EdDsa {
        pair: Ed25519KeyPair,
        pkcs8: Zeroizing<Vec<u8>>,
    },
    Rs256(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
}

impl std::fmt::Debug for CredentialKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialKey")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

impl CredentialKey {
    /// Whether Latchkey can create keys for this COSE algorithm.
    pub fn is_supported(alg: i64) -> bool {
        matches!(alg, alg::ES256 | alg::EDDSA | alg::RS256)
    }

    /// A fresh key pair from the OS random source.
    pub fn generate(alg: i64) -> Result<Self, CtapError> {
        match alg {
            alg::ES256 => Ok(CredentialKey::Es256(p256::ecdsa::SigningKey::random(
                &mut OsRng,
            ))),
            alg::EDDSA => {
                let rng = ring::rand::SystemRandom::new();
                let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| CtapError::Other)?;
                Self::from_pkcs8(alg, doc.as_ref())
            }
            alg::RS256 => {
                let key =
                    rsa::RsaPrivateKey::new(&mut OsRng, 2048).map_err(|_| CtapError::Other)?;
                Ok(CredentialKey::Rs256(Box::new(
                    rsa::pkcs1v15::SigningKey::new(key),
                )))
            }
            _ => Err(CtapError::UnsupportedAlgorithm),
        }
    }

    /// Re-opens a stored private key; a key that does not parse for `alg` is an integrity failure.
    pub fn from_pkcs8(alg: i64, der: &[u8]) -> Result<Self, CtapError> {
        match alg {
            alg::ES256 => p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(CredentialKey::Es256)
                .map_err(|_| CtapError::IntegrityFailure),
            alg::EDDSA => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| CtapError::IntegrityFailure)?;
                Ok(CredentialKey::EdDsa {
                    pair,
                    pkcs8: Zeroizing::new(der.to_vec()),
                })
            }
            alg::RS256 => rsa::RsaPrivateKey::from_pkcs8_der(der)
                .map(|k| CredentialKey::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(k))))
                .map_err(|_| CtapError::IntegrityFailure),
            _ => Err(CtapError::UnsupportedAlgorithm),
        }
    }

    /// PKCS#8 DER of the private key, for the vault to seal.
    pub fn to_pkcs8(&self) -> Zeroizing<Vec<u8>> {
        match self {
            CredentialKey::Es256(k) => Zeroizing::new(
                k.to_pkcs8_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default(),
            ),
            CredentialKey::EdDsa { pkcs8, .. } => pkcs8.clone(),
            CredentialKey::Rs256(k) => Zeroizing::new(
                k.as_ref()
                    .as_ref()
                    .to_pkcs8_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default(),
            ),
        }
    }

    /// COSE algorithm identifier.
    pub fn alg(&self) -> i64 {
        match self {
            CredentialKey::Es256(_) => alg::ES256,
            CredentialKey::EdDsa { .. } => alg::EDDSA,
            CredentialKey::Rs256(_) => alg::RS256,
        }
    }

    /// Signs `msg` in the form WebAuthn expects for the algorithm: ES256 ASN.1 DER, Ed25519 64
    /// raw bytes, RS256 PKCS#1 v1.5 over SHA-256.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            CredentialKey::Es256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
            CredentialKey::EdDsa { pair, .. } => pair.sign(msg).as_ref().to_vec(),
            CredentialKey::Rs256(k) => {
                use rsa::signature::SignatureEncoding;
                let sig: rsa::pkcs1v15::Signature = k.sign(msg);
                sig.to_vec()
            }
        }
    }

    /// The public key as a COSE_Key, the form stored in attested credential data.
    pub fn cose_public_key(&self) -> CoseKey {
        match self {
            CredentialKey::Es256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                let x = point.x().map(|x| x.to_vec()).unwrap_or_default();
                let y = point.y().map(|y| y.to_vec()).unwrap_or_default();
                CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, x, y)
                    .algorithm(iana::Algorithm::ES256)
                    .build()
            }
            CredentialKey::EdDsa { pair, .. } => CoseKeyBuilder::new_okp_key()
                .algorithm(iana::Algorithm::EdDSA)
                .param(
                    iana::OkpKeyParameter::Crv as i64,
                    (iana::EllipticCurve::Ed25519 as i64).into(),
                )
                .param(
                    iana::OkpKeyParameter::X as i64,
                    ciborium::Value::Bytes(pair.public_key().as_ref().to_vec()),
                )
                .build(),
            CredentialKey::Rs256(k) => {
                let public = k.as_ref().as_ref().to_public_key();
                CoseKeyBuilder::new()
                    .key_type(iana::KeyType::RSA)
                    .algorithm(iana::Algorithm::RS256)
                    .param(
                        iana::RsaKeyParameter::N as i64,
                        ciborium::Value::Bytes(public.n().to_bytes_be()),
                    )
                    .param(
                        iana::RsaKeyParameter::E as i64,
                        ciborium::Value::Bytes(public.e().to_bytes_be()),
                    )
                    .build()
            }
        }
    }

    /// The COSE_Key in CTAP2 canonical CBOR (length-first key order).
    pub fn cose_public_key_bytes(&self) -> Vec<u8> {
        let mut key = self.cose_public_key();
        key.canonicalize(coset::CborOrdering::LengthFirstLexicographic);
        key.to_vec().unwrap_or_default()
    }

    /// SubjectPublicKeyInfo DER: what WebAuthn's `getPublicKey()` returns.
    pub fn spki_der(&self) -> Vec<u8> {
        match self {
            CredentialKey::Es256(k) => k
                .verifying_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
            CredentialKey::EdDsa { pair, .. } => {
                use p256::pkcs8::der::Encode;
                let spki = p256::pkcs8::spki::SubjectPublicKeyInfoRef {
                    algorithm: p256::pkcs8::spki::AlgorithmIdentifierRef {
                        oid: ED25519_OID,
                        parameters: None,
                    },
                    subject_public_key: match p256::pkcs8::der::asn1::BitStringRef::from_bytes(
                        pair.public_key().as_ref(),
                    ) {
                        Ok(b) => b,
                        Err(_) => return Vec::new(),
                    },
                };
                spki.to_der().unwrap_or_default()
            }
            CredentialKey::Rs256(k) => k
                .as_ref()
                .as_ref()
                .to_public_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coset::iana::EnumI64;

    fn round_trip(alg: i64) {
        let key = CredentialKey::generate(alg).unwrap();
        let der = key.to_pkcs8();
        let again = CredentialKey::from_pkcs8(alg, &der).unwrap();
        assert_eq!(key.cose_public_key_bytes(), again.cose_public_key_bytes());
        assert_eq!(key.spki_der(), again.spki_der());
        assert_eq!(again.alg(), alg);
        let cose = CoseKey::from_slice(&key.cose_public_key_bytes()).unwrap();
        assert_eq!(
            cose.alg,
            Some(coset::RegisteredLabelWithPrivate::Assigned(
                iana::Algorithm::from_i64(alg).unwrap()
            ))
        );
    }

    #[test]
    fn es256_signs_verifiably() {
        use p256::ecdsa::signature::Verifier;
        round_trip(alg::ES256);
        let CredentialKey::Es256(k) = CredentialKey::generate(alg::ES256).unwrap() else {
            panic!("wrong variant")
        };
        let key = CredentialKey::Es256(k.clone());
        let sig = p256::ecdsa::Signature::from_der(&key.sign(b"msg")).unwrap();
        assert!(k.verifying_key().verify(b"msg", &sig).is_ok());
        assert!(k.verifying_key().verify(b"other", &sig).is_err());
    }

    #[test]
    fn eddsa_signs_verifiably() {
        round_trip(alg::EDDSA);
        let key = CredentialKey::generate(alg::EDDSA).unwrap();
        let spki = key.spki_der();
        // Ed25519 SPKI: 12-byte prefix then the 32-byte key.
        assert_eq!(spki.len(), 44);
        let public =
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &spki[12..]);
        assert!(public.verify(b"msg", &key.sign(b"msg")).is_ok());
        assert!(public.verify(b"msg2", &key.sign(b"msg")).is_err());
    }

    #[test]
    fn rs256_round_trips_and_rejects_others() {
        round_trip(alg::RS256);
        assert_eq!(
            CredentialKey::generate(-35).unwrap_err(),
            CtapError::UnsupportedAlgorithm
        );
        assert_eq!(
            CredentialKey::from_pkcs8(alg::ES256, b"junk").unwrap_err(),
            CtapError::IntegrityFailure
        );
    }
}
