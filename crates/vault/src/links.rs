//! Sign-in links opened before, so that a link is judged "already used" the second time.
//!
//! Nothing readable is kept: the session computes a keyed fingerprint of the normalized link
//! (HMAC-SHA256 under [`Vault::link_key`], a purpose key derived from the data key), and the
//! vault stores it under a second keyed slot, HMAC(index key, "link\0" ‖ fingerprint), with the
//! time it was opened sealed as the value. Without the data key the disk shows neither the link,
//! its site, nor whether two vaults opened the same link. The tree is covered by the manifest
//! and written in one flushed transaction like every other record, so an acknowledged "opened"
//! survives a crash and cannot be rolled back on its own.

use zeroize::Zeroizing;

use crate::batch::TreeId;
use crate::{Vault, VaultError};

/// HKDF info of the link fingerprint key; changing it forgets every opened link.
const LINK_PURPOSE: &[u8] = b"magic-link";

impl Vault {
    /// The 32-byte key sign-in link fingerprints are computed under (purpose "magic-link").
    /// Separate from the record keys: a fingerprint tells nothing about them.
    pub fn link_key(&self) -> Zeroizing<[u8; 32]> {
        self.keys().purpose_key_bytes(LINK_PURPOSE)
    }

    /// Remembers that the link with this fingerprint was opened at `now_unix`; durable before
    /// it returns. Recording the same link again keeps it recorded (the newer time wins).
    pub fn record_opened_link(
        &self,
        fingerprint: &[u8; 32],
        now_unix: u64,
    ) -> Result<(), VaultError> {
        let slot = self.keys().link_slot(fingerprint);
        self.write_batch(|batch| {
            batch.put(
                TreeId::OpenedLinks,
                &slot,
                Zeroizing::new(now_unix.to_be_bytes().to_vec()),
            );
            Ok(())
        })
    }

    /// Whether the link with this fingerprint was opened before. A record that does not open
    /// is an error (the tree is covered by the manifest: it cannot be damaged silently).
    pub fn link_opened(&self, fingerprint: &[u8; 32]) -> Result<bool, VaultError> {
        let slot = self.keys().link_slot(fingerprint);
        Ok(self
            .trees()
            .open_record(self.keys(), TreeId::OpenedLinks, &slot)?
            .is_some())
    }
}
