//! Record sealing: AES-256-GCM with a fresh random nonce per write. The associated data binds a
//! sealed value to its storage slot (tree and key) and to its version, the vault-wide write
//! counter at the time it was written: a value copied into another slot no longer opens, and the
//! version, readable in clear in front of the ciphertext, cannot be changed without the value
//! failing to open. The versions are what the manifest (see `manifest.rs`) checks to notice a
//! record replaced by an older copy of itself. Storage keys are HMACs of the credential id /
//! RP ID, so the disk never names a site, account or key.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use ring::hkdf;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::keychain::DataKey;
use crate::VaultError;

/// Format byte of format-1 vaults (no version); only read, to migrate them.
const SEAL_V1: u8 = 1;
/// Format byte of every value written now: `[2][version: u64 BE][nonce][ciphertext ‖ tag]`.
const SEAL_V2: u8 = 2;
const V2_HEADER: usize = 1 + 8 + NONCE_LEN;
const HKDF_SALT: &[u8] = b"latchkey-vault-v1";

/// The keys derived from the data key: one for AEAD, one for the HMAC index, one for the
/// manifest's record tags.
pub(crate) struct Keys {
    aead: LessSafeKey,
    index: hmac::Key,
    tags: hmac::Key,
    rng: SystemRandom,
}

impl Keys {
    pub(crate) fn derive(data_key: &DataKey) -> Keys {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(data_key.as_bytes());
        // `expand` only fails when the requested length is too long; all lengths are fixed
        // and far below the HKDF limit.
        let aead_key: UnboundKey = prk
            .expand(&[b"record-encryption"], &aead::AES_256_GCM)
            .expect("HKDF length is fixed and valid")
            .into();
        let index_key: hmac::Key = prk
            .expand(&[b"index-hmac"], hmac::HMAC_SHA256)
            .expect("HKDF length is fixed and valid")
            .into();
        let tag_key: hmac::Key = prk
            .expand(&[b"manifest-record-tags"], hmac::HMAC_SHA256)
            .expect("HKDF length is fixed and valid")
            .into();
        Keys {
            aead: LessSafeKey::new(aead_key),
            index: index_key,
            tags: tag_key,
            rng: SystemRandom::new(),
        }
    }

    /// Storage key of a passkey: HMAC(index key, "cred\0" || credential id).
    pub(crate) fn credential_slot(&self, credential_id: &[u8]) -> [u8; 32] {
        hmac_of(&self.index, &[b"cred\0", credential_id])
    }

    /// Key of the `position`-th site-index entry of a site:
    /// HMAC(index key, "rp\0" || RP ID || 0 || position). Each entry's key is unrelated to the
    /// others', so the disk does not show which passkeys belong to the same site.
    pub(crate) fn site_index_key(&self, rp_id: &str, position: u32) -> [u8; 32] {
        hmac_of(
            &self.index,
            &[b"rp\0", rp_id.as_bytes(), b"\0", &position.to_be_bytes()],
        )
    }

    /// The manifest's tag of one stored value: HMAC(tag key, tree || 0 || key || version).
    /// Computable from what is in clear on disk, but only with the data key.
    pub(crate) fn record_tag(&self, tree: &str, key: &[u8], version: u64) -> [u8; 32] {
        hmac_of(
            &self.tags,
            &[tree.as_bytes(), b"\0", key, &version.to_be_bytes()],
        )
    }

    /// Seals `plaintext` for the slot `(tree, key)` at `version`.
    pub(crate) fn seal(
        &self,
        tree: &str,
        key: &[u8],
        version: u64,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
        let mut out = Vec::with_capacity(V2_HEADER + plaintext.len() + 16);
        out.push(SEAL_V2);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        let aad = slot_aad_v2(tree, key, version);
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

    /// Opens a value sealed for `(tree, key)` and returns it with its version; any tampering, a
    /// wrong key, a changed version or a value moved from another slot gives an error (the
    /// caller decides whether that means WrongKey or Corrupt).
    pub(crate) fn open(
        &self,
        tree: &str,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<(u64, Zeroizing<Vec<u8>>), ()> {
        let version = sealed_version(sealed).ok_or(())?;
        if sealed.len() < V2_HEADER + 16 {
            return Err(());
        }
        let nonce: [u8; NONCE_LEN] = sealed[9..V2_HEADER].try_into().map_err(|_| ())?;
        let aad = slot_aad_v2(tree, key, version);
        let body = self.open_body(nonce, &aad, &sealed[V2_HEADER..])?;
        Ok((version, body))
    }

    /// Opens a value written by a format-1 vault (no version), for the migration only.
    pub(crate) fn open_v1(
        &self,
        tree: &str,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ()> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != SEAL_V1 {
            return Err(());
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().map_err(|_| ())?;
        let mut aad = Vec::with_capacity(tree.len() + 1 + key.len());
        aad.extend_from_slice(tree.as_bytes());
        aad.push(0);
        aad.extend_from_slice(key);
        self.open_body(nonce, &aad, &sealed[1 + NONCE_LEN..])
    }

    fn open_body(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ()> {
        let mut body = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .aead
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut body,
            )
            .map_err(|_| ())?
            .len();
        body.truncate(len);
        Ok(body)
    }
}

/// The version written in clear in front of a sealed value, without opening it; `None` for a
/// value that is not in the current format.
pub(crate) fn sealed_version(sealed: &[u8]) -> Option<u64> {
    if sealed.len() < V2_HEADER || sealed[0] != SEAL_V2 {
        return None;
    }
    Some(u64::from_be_bytes(sealed[1..9].try_into().ok()?))
}

fn hmac_of(key: &hmac::Key, parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = hmac::Context::with_key(key);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// "v2" || 0 || tree || 0 || key length || key || version. The length prefix keeps the
/// encoding unambiguous whatever bytes the key holds.
fn slot_aad_v2(tree: &str, key: &[u8], version: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(4 + tree.len() + 4 + key.len() + 8);
    aad.extend_from_slice(b"v2\0");
    aad.extend_from_slice(tree.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&(key.len() as u32).to_be_bytes());
    aad.extend_from_slice(key);
    aad.extend_from_slice(&version.to_be_bytes());
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
        let prk_bytes = hmac_of(&self.index, &[b"purpose\0", purpose]);
        hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, &prk_bytes)
            .expand(&[purpose], hmac::HMAC_SHA256)
            .expect("HKDF length is fixed and valid")
            .into()
    }
}

impl Keys {
    /// The raw bytes of a purpose key (same derivation as [`Keys::purpose_key`]), for a
    /// purpose whose MAC is computed outside this crate (the sign-in link fingerprints).
    pub(crate) fn purpose_key_bytes(&self, purpose: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
        struct Len32;
        impl hkdf::KeyType for Len32 {
            fn len(&self) -> usize {
                32
            }
        }
        let prk_bytes = zeroize::Zeroizing::new(hmac_of(&self.index, &[b"purpose\0", purpose]));
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, prk_bytes.as_ref())
            .expand(&[purpose], Len32)
            .and_then(|okm| okm.fill(out.as_mut()))
            .expect("HKDF length is fixed and valid");
        out
    }

    /// Where an opened link's record lives: HMAC(index key, "link\0" ‖ fingerprint). The
    /// "link\0" tag keeps these slots apart from the credential and site-index slots.
    pub(crate) fn link_slot(&self, fingerprint: &[u8; 32]) -> [u8; 32] {
        hmac_of(&self.index, &[b"link\0", fingerprint])
    }
}
