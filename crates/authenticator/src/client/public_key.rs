//! The registration response's `publicKey` (SPKI DER) and `publicKeyAlgorithm`, read from the
//! COSE key in authenticator data so RPs without a COSE parser can use it.

use coset::{CborSerializable, CoseKey, KeyType, Label};
use p256::pkcs8::der::Encode;
use p256::pkcs8::EncodePublicKey;

const ED25519_OID: p256::pkcs8::ObjectIdentifier =
    p256::pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

/// Returns (COSE alg, SPKI DER when the key type is one we can express).
pub(crate) fn alg_and_spki(cose: &[u8]) -> (i64, Option<Vec<u8>>) {
    let Ok(key) = CoseKey::from_slice(cose) else {
        return (0, None);
    };
    let alg = match &key.alg {
        Some(coset::Algorithm::Assigned(a)) => *a as i64,
        _ => 0,
    };
    let param = |l: i64| {
        key.params
            .iter()
            .find(|(k, _)| *k == Label::Int(l))
            .and_then(|(_, v)| v.as_bytes().cloned())
    };
    let spki = match key.kty {
        KeyType::Assigned(coset::iana::KeyType::EC2) => (|| {
            let (x, y) = (param(-2)?, param(-3)?);
            let mut sec1 = vec![4u8];
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            let pk = p256::PublicKey::from_sec1_bytes(&sec1).ok()?;
            Some(pk.to_public_key_der().ok()?.as_bytes().to_vec())
        })(),
        KeyType::Assigned(coset::iana::KeyType::OKP) => (|| {
            let x = param(-2)?;
            let spki = p256::pkcs8::spki::SubjectPublicKeyInfoRef {
                algorithm: p256::pkcs8::spki::AlgorithmIdentifierRef {
                    oid: ED25519_OID,
                    parameters: None,
                },
                subject_public_key: p256::pkcs8::der::asn1::BitStringRef::from_bytes(&x).ok()?,
            };
            spki.to_der().ok()
        })(),
        KeyType::Assigned(coset::iana::KeyType::RSA) => (|| {
            use rsa::pkcs8::EncodePublicKey as _;
            let n = rsa::BigUint::from_bytes_be(&param(-1)?);
            let e = rsa::BigUint::from_bytes_be(&param(-2)?);
            let pk = rsa::RsaPublicKey::new(n, e).ok()?;
            Some(pk.to_public_key_der().ok()?.as_bytes().to_vec())
        })(),
        _ => None,
    };
    (alg, spki)
}
