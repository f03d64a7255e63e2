//! Record sealing: AES-256-GCM with a fresh random nonce per write and the record's storage slot
//! as associated data, so a sealed value copied into another slot no longer opens. Storage keys
//! are HMACs of the credential id / RP ID, so the disk never names a site, account or key.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::keychain::DataKey;
use crate::VaultError;

/// Format byte in front of every sealed value; lets the format change later without guessing.
const SEAL_VERSION: u8 = 1;
const HKDF_SALT: &[u8] = b"latchkey-vault-v1";

/// The keys derived from the data key: one for AEAD, one for the HMAC index.
pub(crate) struct Keys {
    aead: LessSafeKey,
    index: hmac::Key,
    rng: SystemRandom,
}

impl Keys {
    pub(crate) fn derive(data_key: &DataKey) -> Keys {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(data_key.as_bytes());
        // `expand` only fails when the requested length is too long; both lengths are fixed
        // and far below the HKDF limit.
        let aead_key: UnboundKey = prk
            .expand(&[b"record-encryption"], &aead::AES_256_GCM)
            .expect("HKDF length is fixed and valid")
            .into();
        let index_key: hmac::Key = prk
            .expand(&[b"index-hmac"], hmac::HMAC_SHA256)
            .expect("HKDF length is fixed and valid")
            .into();
        Keys {
            aead: LessSafeKey::new(aead_key),
            index: index_key,
            rng: SystemRandom::new(),
        }
    }

    /// Storage key of a passkey: HMAC(index key, "cred\0" || credential id).
    pub(crate) fn credential_slot(&self, credential_id: &[u8]) -> [u8; 32] {
        self.tagged_hmac(b"cred\0", credential_id)
    }

    /// Index prefix of a site: HMAC(index key, "rp\0" || RP ID).
    pub(crate) fn rp_slot(&self, rp_id: &str) -> [u8; 32] {
        self.tagged_hmac(b"rp\0", rp_id.as_bytes())
    }

    fn tagged_hmac(&self, tag: &[u8], data: &[u8]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.index);
        ctx.update(tag);
        ctx.update(data);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }

    /// Seals `plaintext` for the slot `(tree, key)`.
    pub(crate) fn seal(
        &self,
        tree: &str,
        key: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        let aad = slot_aad(tree, key);
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad),
                &mut body,
            )
            .map_err(|_| VaultError::Storage("encryption failed".into()))?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Opens a value sealed for `(tree, key)`; any tampering, a wrong key or a value moved from
    /// another slot gives an error (the caller decides whether that means WrongKey or Corrupt).
    pub(crate) fn open(
        &self,
        tree: &str,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ()> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != SEAL_VERSION {
            return Err(());
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().map_err(|_| ())?;
        let mut body = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
        let aad = slot_aad(tree, key);
        let len = self
            .aead
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad),
                &mut body,
            )
            .map_err(|_| ())?
            .len();
        body.truncate(len);
        Ok(body)
    }
}

fn slot_aad(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(tree.len() + 1 + key.len());
    aad.extend_from_slice(tree.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key);
    aad
}

/// Keys for uses other than records (today: the settings file's MAC). Kept in its own block so
/// the record keys above stay as they are.
impl Keys {
    /// A key for `purpose`, separate from the record and index keys: HKDF-SHA256 over a PRK
    /// taken from the index key under a tag no storage slot uses ("purpose\0"; the slot tags
    /// are "cred\0" and "rp\0"), expanded with the purpose as info. Knowing one purpose key
    /// tells nothing about the record keys or another purpose's key.
    pub(crate) fn purpose_key(&self, purpose: &[u8]) -> hmac::Key {
        let prk_bytes = self.tagged_hmac(b"purpose\0", purpose);
        hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, &prk_bytes)
            .expand(&[purpose], hmac::HMAC_SHA256)
            .expect("HKDF length is fixed and valid")
            .into()
    }
}
