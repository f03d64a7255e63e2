//! Credential key pairs for the three COSE algorithms Latchkey supports. Private keys travel
//! only as PKCS#8 DER (what the vault seals) and are zeroized when dropped.
//!
//! ES256 and Ed25519 sign with ring (its P-256 is several times faster than the p256 crate's,
//! which is what a sign-in costs); ring's key pairs live in a [`Wiped`] box so their secrets are
//! cleared like the rest. New P-256 keys still come from p256, whose PKCS#8 is zeroizing.

use coset::{iana, CborSerializable, CoseKey, CoseKeyBuilder};
use latchkey_vault::alg;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_core::OsRng;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::error::CtapError;
use crate::wiped::Wiped;

/// Ed25519 algorithm identifier (RFC 8410), used to build its SubjectPublicKeyInfo.
const ED25519_OID: p256::pkcs8::ObjectIdentifier =
    p256::pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

/// A credential's private key. The variants hold the parsed key; the ring ones also keep their
/// PKCS#8 document, because ring cannot export it again and the vault's copy must stay
/// byte-for-byte the same (the key cache compares it).
pub enum CredentialKey {
    Es256 {
        pair: Wiped<EcdsaKeyPair>,
        pkcs8: Zeroizing<Vec<u8>>,
    },
    EdDsa {
        pair: Wiped<Ed25519KeyPair>,
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
            alg::ES256 => {
                let der = p256::ecdsa::SigningKey::random(&mut OsRng)
                    .to_pkcs8_der()
                    .map_err(|_| CtapError::Other)?;
                Self::from_pkcs8(alg, der.as_bytes())
            }
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
            alg::ES256 => Ok(CredentialKey::Es256 {
                pair: Wiped::new(es256_pair(der)?),
                pkcs8: Zeroizing::new(der.to_vec()),
            }),
            alg::EDDSA => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| CtapError::IntegrityFailure)?;
                Ok(CredentialKey::EdDsa {
                    pair: Wiped::new(pair),
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
            CredentialKey::Es256 { pkcs8, .. } | CredentialKey::EdDsa { pkcs8, .. } => {
                pkcs8.clone()
            }
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
            CredentialKey::Es256 { .. } => alg::ES256,
            CredentialKey::EdDsa { .. } => alg::EDDSA,
            CredentialKey::Rs256(_) => alg::RS256,
        }
    }

    /// Signs `msg` in the form WebAuthn expects for the algorithm: ES256 ASN.1 DER, Ed25519 64
    /// raw bytes, RS256 PKCS#1 v1.5 over SHA-256.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            CredentialKey::Es256 { pair, .. } => pair
                .sign(&ring::rand::SystemRandom::new(), msg)
                .map(|sig| sig.as_ref().to_vec())
                // ring fails only if the OS random source does; an empty signature is refused
                // by every relying party rather than signed with a weak nonce.
                .unwrap_or_default(),
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
            CredentialKey::Es256 { pair, .. } => {
                // ring's public key is the SEC1 uncompressed point: 0x04 ‖ x ‖ y.
                let point = pair.public_key().as_ref();
                let (x, y) = point[1..].split_at(32);
                CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, x.to_vec(), y.to_vec())
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
            CredentialKey::Es256 { pair, .. } => {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(pair.public_key().as_ref())
                    .ok()
                    .and_then(|k| k.to_public_key_der().ok())
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default()
            }
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

/// ring's P-256 key pair for a stored PKCS#8 key. ring reads only documents that carry the
/// public key; keys imported from other managers may leave it out, so those are opened with
/// p256 (which derives it) and handed to ring as scalar and point.
fn es256_pair(der: &[u8]) -> Result<EcdsaKeyPair, CtapError> {
    let rng = ring::rand::SystemRandom::new();
    if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng) {
        return Ok(pair);
    }
    let key =
        p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| CtapError::IntegrityFailure)?;
    let scalar = Zeroizing::new(key.to_bytes());
    let point = key.verifying_key().to_encoded_point(false);
    EcdsaKeyPair::from_private_key_and_public_key(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        scalar.as_slice(),
        point.as_bytes(),
        &rng,
    )
    .map_err(|_| CtapError::IntegrityFailure)
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
        use p256::pkcs8::DecodePublicKey;
        round_trip(alg::ES256);
        let key = CredentialKey::generate(alg::ES256).unwrap();
        let public = p256::ecdsa::VerifyingKey::from_public_key_der(&key.spki_der()).unwrap();
        let sig = p256::ecdsa::Signature::from_der(&key.sign(b"msg")).unwrap();
        assert!(public.verify(b"msg", &sig).is_ok());
        assert!(public.verify(b"other", &sig).is_err());
        // The same secret, parsed by p256, has the same public key.
        let p256_key = p256::ecdsa::SigningKey::from_pkcs8_der(&key.to_pkcs8()).unwrap();
        assert_eq!(p256_key.verifying_key(), &public);
    }

    #[test]
    fn es256_opens_pkcs8_without_its_public_key() {
        use p256::ecdsa::signature::Verifier;
        // The PKCS#8 of another manager that leaves RFC 5915's optional publicKey out:
        // PrivateKeyInfo { v0, id-ecPublicKey + prime256v1, ECPrivateKey { v1, d } }.
        let key = p256::ecdsa::SigningKey::random(&mut OsRng);
        let mut bare =
            hex::decode("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420")
                .unwrap();
        bare.extend_from_slice(&key.to_bytes());
        assert!(EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &bare,
            &ring::rand::SystemRandom::new()
        )
        .is_err());
        let opened = CredentialKey::from_pkcs8(alg::ES256, &bare).unwrap();
        assert_eq!(opened.to_pkcs8().as_slice(), bare.as_slice());
        let sig = p256::ecdsa::Signature::from_der(&opened.sign(b"msg")).unwrap();
        assert!(key.verifying_key().verify(b"msg", &sig).is_ok());
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
