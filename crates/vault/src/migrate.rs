//! Format 1 → format 2, once, when a format-1 vault is opened: every record is resealed with a
//! version, the site index is rebuilt in the unlinkable form (see `site_index.rs`) and the
//! manifest is written, all in one transaction, so a crash leaves either the old vault or the
//! new one. A passkey record that does not open stops the migration with nothing changed; an
//! activity log entry that does not open (format 1 already skipped those when reading) is
//! dropped.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::batch::{storage, Batch, TreeId, Trees};
use crate::manifest::Manifest;
use crate::record::PasskeyMeta;
use crate::seal::Keys;
use crate::site_index;
use crate::VaultError;

pub(crate) fn from_format_1(
    db: &sled::Db,
    trees: &Trees,
    keys: &Keys,
    state: &mut Manifest,
) -> Result<(), VaultError> {
    let corrupt = |what: &str| {
        VaultError::CorruptRecord(format!(
            "{what} does not open, so the vault could not be upgraded to the current format; it was left unchanged"
        ))
    };
    let mut batch = Batch::replacing_legacy(trees, keys);
    // Format 1's index keys were HMAC(RP ID) ‖ slot: they grouped a site's passkeys visibly.
    for entry in trees.site_index.iter() {
        let (key, _) = entry.map_err(storage)?;
        batch.remove(TreeId::SiteIndex, &key);
    }
    let mut by_site: BTreeMap<String, Vec<[u8; 32]>> = BTreeMap::new();
    for entry in trees.meta.iter() {
        let (slot, sealed) = entry.map_err(storage)?;
        let plain = keys
            .open_v1("meta", &slot, &sealed)
            .map_err(|_| corrupt("a passkey's details"))?;
        let meta: PasskeyMeta =
            serde_json::from_slice(&plain).map_err(|_| corrupt("a passkey's details"))?;
        let slot_array: [u8; 32] = slot[..]
            .try_into()
            .map_err(|_| corrupt("a passkey's storage key"))?;
        by_site
            .entry(meta.rp_id.clone())
            .or_default()
            .push(slot_array);
        batch.put(TreeId::Meta, &slot, plain);
    }
    for (rp_id, slots) in by_site {
        site_index::push(&mut batch, &rp_id, &slots)?;
    }
    for entry in trees.secret.iter() {
        let (slot, sealed) = entry.map_err(storage)?;
        let plain = keys
            .open_v1("secret", &slot, &sealed)
            .map_err(|_| corrupt("a passkey's private key"))?;
        batch.put(TreeId::Secret, &slot, plain);
    }
    for entry in trees.log.iter() {
        let (seq, sealed) = entry.map_err(storage)?;
        match keys.open_v1("log", &seq, &sealed) {
            Ok(plain) => batch.put(TreeId::Log, &seq, Zeroizing::new(plain.to_vec())),
            Err(()) => batch.remove(TreeId::Log, &seq),
        }
    }
    batch.commit(db, state)
}
