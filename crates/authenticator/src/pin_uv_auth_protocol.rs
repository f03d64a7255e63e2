//! PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6, §6.5.7).
//!
//! Latchkey has no PIN; the protocols still matter because a CTAP client uses them to obtain a
//! pinUvAuthToken after built-in user verification, and to exchange hmac-secret salts and
//! outputs encrypted. Both protocols: ECDH on P-256 with the platform's key; protocol one derives
//! SHA-256(Z) and uses AES-256-CBC with a zero IV and 16-byte HMACs; protocol two derives separate
//! HMAC and AES keys with HKDF-SHA-256 and uses a random IV and full 32-byte HMACs.

use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use coset::iana::{self, EnumI64};
use coset::{CoseKey, CoseKeyBuilder, KeyType, Label};
use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::{EncodedPoint, PublicKey, SecretKey};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::CtapError;

/// The protocol numbers Latchkey speaks, most preferred first.
pub const SUPPORTED_PROTOCOLS: [u32; 2] = [2, 1];

fn check_protocol(protocol: u32) -> Result<(), CtapError> {
    if SUPPORTED_PROTOCOLS.contains(&protocol) {
        Ok(())
    } else {
        Err(CtapError::InvalidParameter)
    }
}

/// The authenticator's key-agreement key pair (one per power cycle, i.e. per `Authenticator`).
pub struct KeyAgreement {
    secret: SecretKey,
}

impl KeyAgreement {
    pub fn generate() -> Self {
        KeyAgreement {
            secret: SecretKey::random(&mut rand_core::OsRng),
        }
    }

    /// getPublicKey(): the COSE_Key a client encapsulates to (EC2, P-256, alg -25).
    pub fn cose_public_key(&self) -> CoseKey {
        let point = self.secret.public_key().to_encoded_point(false);
        let (x, y) = (point.x().map(|x| x.to_vec()), point.y().map(|y| y.to_vec()));
        CoseKeyBuilder::new_ec2_pub_key(
            iana::EllipticCurve::P_256,
            x.unwrap_or_default(),
            y.unwrap_or_default(),
        )
        .algorithm(iana::Algorithm::ECDH_ES_HKDF_256)
        .build()
    }

    /// decapsulate(peerCoseKey): ECDH with the client's key, then the protocol's KDF.
    pub fn shared_secret(&self, protocol: u32, peer: &CoseKey) -> Result<SharedSecret, CtapError> {
        check_protocol(protocol)?;
        let peer = peer_public_key(peer)?;
        let z = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        let z = z.raw_secret_bytes();
        let (hmac_key, aes_key) = match protocol {
            1 => {
                let k: [u8; 32] = Sha256::digest(z.as_slice()).into();
                (Zeroizing::new(k), Zeroizing::new(k))
            }
            _ => (
                hkdf32(z.as_slice(), b"CTAP2 HMAC key"),
                hkdf32(z.as_slice(), b"CTAP2 AES key"),
            ),
        };
        Ok(SharedSecret {
            protocol,
            hmac_key,
            aes_key,
        })
    }
}

fn hkdf32(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[0u8; 32]).extract(ikm);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is within HKDF-SHA-256's limit, so expand/fill cannot fail.
    prk.expand(&[info], hkdf::HKDF_SHA256)
        .and_then(|okm| okm.fill(out.as_mut()))
        .expect("HKDF-SHA-256 with a 32-byte output");
    out
}

/// Reads a client's EC2 P-256 COSE key; anything else (wrong type, curve, lengths, a point off
/// the curve) is InvalidParameter.
fn peer_public_key(key: &CoseKey) -> Result<PublicKey, CtapError> {
    if key.kty != KeyType::Assigned(iana::KeyType::EC2) {
        return Err(CtapError::InvalidParameter);
    }
    let param = |label: i64| {
        key.params
            .iter()
            .find(|(l, _)| *l == Label::Int(label))
            .map(|(_, v)| v)
    };
    let crv = param(iana::Ec2KeyParameter::Crv.to_i64()).and_then(|v| v.as_integer());
    if crv != Some(iana::EllipticCurve::P_256.to_i64().into()) {
        return Err(CtapError::InvalidParameter);
    }
    let coord = |label: iana::Ec2KeyParameter| -> Result<[u8; 32], CtapError> {
        param(label.to_i64())
            .and_then(|v| v.as_bytes())
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or(CtapError::InvalidParameter)
    };
    let (x, y) = (
        coord(iana::Ec2KeyParameter::X)?,
        coord(iana::Ec2KeyParameter::Y)?,
    );
    let point = EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
    Option::from(PublicKey::from_encoded_point(&point)).ok_or(CtapError::InvalidParameter)
}

/// The secret both sides derived; what encrypts salts, tokens and outputs.
pub struct SharedSecret {
    protocol: u32,
    hmac_key: Zeroizing<[u8; 32]>,
    aes_key: Zeroizing<[u8; 32]>,
}

impl SharedSecret {
    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// encrypt(key, demPlaintext). The plaintext must be a multiple of 16 bytes (tokens, salts
    /// and outputs always are).
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut iv = [0u8; 16];
        if self.protocol == 2 {
            // A failing OS RNG leaves no safe way to encrypt; an all-zero IV would leak equality
            // of plaintexts, so refuse loudly instead.
            SystemRandom::new()
                .fill(&mut iv)
                .expect("the OS random generator failed");
        }
        let ct = cbc::Encryptor::<Aes256>::new(self.aes_key.as_ref().into(), &iv.into())
            .encrypt_padded_vec_mut::<NoPadding>(plaintext);
        if self.protocol == 2 {
            let mut out = iv.to_vec();
            out.extend_from_slice(&ct);
            out
        } else {
            ct
        }
    }

    /// decrypt(key, demCiphertext); wrong lengths are InvalidParameter.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CtapError> {
        let (iv, body) = if self.protocol == 2 {
            if ciphertext.len() < 16 {
                return Err(CtapError::InvalidParameter);
            }
            let (iv, body) = ciphertext.split_at(16);
            (
                <[u8; 16]>::try_from(iv).map_err(|_| CtapError::InvalidParameter)?,
                body,
            )
        } else {
            ([0u8; 16], ciphertext)
        };
        if body.is_empty() || body.len() % 16 != 0 {
            return Err(CtapError::InvalidParameter);
        }
        cbc::Decryptor::<Aes256>::new(self.aes_key.as_ref().into(), &iv.into())
            .decrypt_padded_vec_mut::<NoPadding>(body)
            .map(Zeroizing::new)
            .map_err(|_| CtapError::InvalidParameter)
    }

    /// verify(key, message, signature) with the shared secret's HMAC key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        verify(self.protocol, self.hmac_key.as_ref(), message, signature)
    }

    /// authenticate(key, message) with the shared secret's HMAC key.
    pub fn authenticate(&self, message: &[u8]) -> Vec<u8> {
        authenticate(self.protocol, self.hmac_key.as_ref(), message)
    }
}

/// authenticate(key, message): HMAC-SHA-256, truncated to 16 bytes for protocol one.
pub fn authenticate(protocol: u32, key: &[u8], message: &[u8]) -> Vec<u8> {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message);
    let len = if protocol == 1 { 16 } else { 32 };
    tag.as_ref()[..len].to_vec()
}

/// verify(key, message, signature), in constant time.
pub fn verify(protocol: u32, key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let expected = authenticate(protocol, key, message);
    if expected.len() != signature.len() {
        return false;
    }
    expected
        .iter()
        .zip(signature)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's side of the exchange, written from the spec with p256 directly.
    fn client(protocol: u32, authenticator: &KeyAgreement) -> (CoseKey, SharedSecret) {
        let platform = KeyAgreement::generate();
        let secret = platform
            .shared_secret(protocol, &authenticator.cose_public_key())
            .unwrap();
        (platform.cose_public_key(), secret)
    }

    #[test]
    fn both_protocols_agree_and_round_trip() {
        for protocol in SUPPORTED_PROTOCOLS {
            let auth = KeyAgreement::generate();
            let (platform_key, client_secret) = client(protocol, &auth);
            let auth_secret = auth.shared_secret(protocol, &platform_key).unwrap();
            let msg = [7u8; 64];
            let ct = client_secret.encrypt(&msg);
            assert_eq!(ct.len(), if protocol == 2 { 80 } else { 64 });
            assert_eq!(auth_secret.decrypt(&ct).unwrap().as_slice(), &msg);
            let tag = client_secret.authenticate(b"hello");
            assert_eq!(tag.len(), if protocol == 2 { 32 } else { 16 });
            assert!(auth_secret.verify(b"hello", &tag));
            assert!(!auth_secret.verify(b"hellp", &tag));
            assert!(!auth_secret.verify(b"hello", &tag[..tag.len() - 1]));
        }
    }

    #[test]
    fn protocol_two_keys_follow_the_spec_kdf() {
        // HMAC key and AES key differ in protocol two and are the same in protocol one.
        let auth = KeyAgreement::generate();
        let (k, _) = client(2, &auth);
        let s2 = auth.shared_secret(2, &k).unwrap();
        assert_ne!(*s2.hmac_key, *s2.aes_key);
        let s1 = auth.shared_secret(1, &k).unwrap();
        assert_eq!(*s1.hmac_key, *s1.aes_key);
    }

    #[test]
    fn malformed_peer_keys_are_invalid_parameter() {
        let auth = KeyAgreement::generate();
        let good = KeyAgreement::generate().cose_public_key();
        let mut off_curve = good.clone();
        for (label, value) in off_curve.params.iter_mut() {
            if *label == Label::Int(iana::Ec2KeyParameter::Y.to_i64()) {
                *value = ciborium::Value::Bytes(vec![1; 32]);
            }
        }
        let mut short = good.clone();
        for (label, value) in short.params.iter_mut() {
            if *label == Label::Int(iana::Ec2KeyParameter::X.to_i64()) {
                *value = ciborium::Value::Bytes(vec![1; 31]);
            }
        }
        let okp = CoseKeyBuilder::new_okp_key().build();
        for bad in [off_curve, short, okp] {
            assert_eq!(
                auth.shared_secret(2, &bad).err(),
                Some(CtapError::InvalidParameter)
            );
        }
        assert_eq!(
            auth.shared_secret(3, &good).err(),
            Some(CtapError::InvalidParameter)
        );
        let s = auth.shared_secret(2, &good).unwrap();
        assert_eq!(s.decrypt(&[0; 15]).err(), Some(CtapError::InvalidParameter));
        assert_eq!(s.decrypt(&[0; 33]).err(), Some(CtapError::InvalidParameter));
    }
}
