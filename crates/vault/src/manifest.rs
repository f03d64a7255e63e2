//! The manifest: one sealed record that says which version of every other record is the live
//! one, so that a record swapped for an older sealed copy of itself (a passkey's counter rolled
//! back, a deleted passkey put back, a log entry removed) is noticed when the vault opens.
//!
//! Every stored value carries, in clear and inside its AEAD associated data, the version at
//! which it was written (a vault-wide write counter, see `seal.rs`). The manifest holds, sealed,
//! the latest version and an additive multiset hash of every live record:
//! `H = Σ HMAC(tag key, tree ‖ key ‖ version) mod 2^256`. A write replaces a record's term
//! (`H' = H − tag(old) + tag(new)`) in the same sled transaction as the record itself, so the
//! manifest and the records never disagree on disk. Opening needs no decryption of records:
//! the keys and the clear version prefixes are enough to recompute H.
//!
//! Limit: a copy of the WHOLE data directory taken earlier (manifest included) is consistent
//! with itself, so restoring it is not detectable without an anchor outside the directory.

use std::path::Path;

use crate::batch::{storage, Trees};
use crate::migrate;
use crate::seal::{sealed_version, Keys};
use crate::VaultError;

/// The tree holding the manifest; it is not covered by the hash itself.
pub(crate) const TREE: &str = "manifest";
/// The manifest's only key.
pub(crate) const KEY: &[u8] = b"manifest";

/// The sum of record tags, a 256-bit big-endian number that wraps around.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Digest([u8; 32]);

impl Digest {
    pub(crate) fn add(&mut self, tag: &[u8; 32]) {
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let sum = u16::from(self.0[i]) + u16::from(tag[i]) + carry;
            self.0[i] = sum as u8;
            carry = sum >> 8;
        }
    }

    pub(crate) fn sub(&mut self, tag: &[u8; 32]) {
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let diff = i16::from(self.0[i]) - i16::from(tag[i]) - borrow;
            self.0[i] = diff.rem_euclid(256) as u8;
            borrow = i16::from(diff < 0);
        }
    }

    /// Compares without an early exit, so the time taken says nothing about where they differ.
    fn matches(&self, other: &Digest) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// The latest version written and the hash of every live record.
#[derive(Clone, Copy, Default)]
pub(crate) struct Manifest {
    pub(crate) version: u64,
    pub(crate) digest: Digest,
}

impl Manifest {
    /// Sealed at its own version, so an older manifest opens only as the older manifest.
    pub(crate) fn seal(&self, keys: &Keys) -> Result<Vec<u8>, VaultError> {
        keys.seal(TREE, KEY, self.version, &self.plain())
    }

    fn plain(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..8].copy_from_slice(&self.version.to_be_bytes());
        out[8..].copy_from_slice(&self.digest.0);
        out
    }

    /// The stored manifest, `None` when there is none.
    pub(crate) fn load(tree: &sled::Tree, keys: &Keys) -> Result<Option<Manifest>, VaultError> {
        let Some(sealed) = tree.get(KEY).map_err(storage)? else {
            return Ok(None);
        };
        let corrupt = || VaultError::CorruptRecord("the vault's manifest does not open".into());
        let (version, plain) = keys.open(TREE, KEY, &sealed).map_err(|_| corrupt())?;
        if plain.len() != 40 || plain[..8] != version.to_be_bytes() {
            return Err(corrupt());
        }
        let mut digest = [0u8; 32];
        digest.copy_from_slice(&plain[8..]);
        Ok(Some(Manifest {
            version,
            digest: Digest(digest),
        }))
    }

    /// Recomputes the hash from what is on disk (keys and clear versions) and compares it
    /// with this manifest. Any difference is [`VaultError::RolledBack`].
    pub(crate) fn verify(
        &self,
        covered: &[(&str, &sled::Tree)],
        keys: &Keys,
        path: &Path,
    ) -> Result<(), VaultError> {
        let rolled_back = || VaultError::RolledBack {
            path: path.display().to_string(),
        };
        let mut digest = Digest::default();
        for (name, tree) in covered {
            for entry in tree.iter() {
                let (key, value) = entry.map_err(storage)?;
                // A value in the old format or from "the future" cannot be a live record.
                let version = sealed_version(&value).ok_or_else(rolled_back)?;
                if version > self.version {
                    return Err(rolled_back());
                }
                digest.add(&keys.record_tag(name, &key, version));
            }
        }
        if digest.matches(&self.digest) {
            Ok(())
        } else {
            Err(rolled_back())
        }
    }
}

/// The manifest to continue from when a vault opens: the stored one once the records are
/// checked against it, or the one a format-1 upgrade writes. [`VaultError::RolledBack`] when
/// the records do not match it, or when it is missing from a vault that has records.
pub(crate) fn check_on_open(
    db: &sled::Db,
    trees: &Trees,
    keys: &Keys,
    dir: &Path,
    format_1: bool,
) -> Result<Manifest, VaultError> {
    let state = match Manifest::load(&trees.manifest, keys)? {
        Some(manifest) => {
            manifest.verify(&trees.covered(), keys, dir)?;
            manifest
        }
        None if format_1 => {
            let mut state = Manifest::default();
            migrate::from_format_1(db, trees, keys, &mut state)?;
            state
        }
        // A vault that never had a write (a crash right after init): nothing to roll back.
        None if trees.all_empty() => Manifest::default(),
        None => {
            return Err(VaultError::RolledBack {
                path: dir.display().to_string(),
            })
        }
    };
    if trees.manifest.is_empty() {
        start(db, trees, keys)?;
    }
    Ok(state)
}

/// Writes the first (empty) manifest of a vault that has none yet.
pub(crate) fn start(db: &sled::Db, trees: &Trees, keys: &Keys) -> Result<Manifest, VaultError> {
    let manifest = Manifest::default();
    trees
        .manifest
        .insert(KEY, manifest.seal(keys)?)
        .map_err(storage)?;
    db.flush().map_err(storage)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::Digest;

    #[test]
    fn add_then_sub_is_identity_with_carries_and_borrows() {
        let mut d = Digest([0xff; 32]);
        let start = d;
        let mut tag = [0u8; 32];
        tag[31] = 1;
        d.add(&tag);
        assert_eq!(d.0, [0u8; 32], "wraps around mod 2^256");
        d.sub(&tag);
        assert!(d.matches(&start));
        let tag2 = [0x80u8; 32];
        d.sub(&tag2);
        d.add(&tag2);
        assert!(d.matches(&start));
        // Order does not matter: it is a sum.
        let (mut a, mut b) = (Digest::default(), Digest::default());
        a.add(&tag);
        a.add(&tag2);
        b.add(&tag2);
        b.add(&tag);
        assert!(a.matches(&b));
        assert!(!a.matches(&Digest::default()));
    }
}
