//! Lookups by site without naming the site, and without showing how many passkeys a site has.
//!
//! A site with n passkeys has n index entries at keys HMAC(index key, "rp\0" ‖ RP ID ‖ 0 ‖ i)
//! for i = 0..n-1, each holding the passkey's slot, sealed. The keys are unrelated to one
//! another, so the raw database shows no grouping by site. A lookup probes i = 0, 1, 2, ...
//! until a key is missing; a delete moves the last entry into the freed position (in the same
//! batch), so the positions stay dense.

use zeroize::Zeroizing;

use crate::batch::{Batch, TreeId, Trees};
use crate::seal::Keys;
use crate::VaultError;

type Slot = [u8; 32];

fn slot_of(plain: &[u8]) -> Result<Slot, VaultError> {
    plain
        .try_into()
        .map_err(|_| VaultError::CorruptRecord("a site index entry is malformed".into()))
}

/// The slots of every passkey of a site, as stored.
pub(crate) fn slots(trees: &Trees, keys: &Keys, rp_id: &str) -> Result<Vec<Slot>, VaultError> {
    let mut out = Vec::new();
    for position in 0u32.. {
        let key = keys.site_index_key(rp_id, position);
        match trees.open_record(keys, TreeId::SiteIndex, &key)? {
            Some(plain) => out.push(slot_of(&plain)?),
            None => break,
        }
    }
    Ok(out)
}

/// The slots of a site as the batch would leave them.
fn batch_slots(batch: &Batch<'_>, rp_id: &str) -> Result<Vec<Slot>, VaultError> {
    let mut out = Vec::new();
    for position in 0u32.. {
        let key = batch.keys().site_index_key(rp_id, position);
        match batch.get(TreeId::SiteIndex, &key)? {
            Some(plain) => out.push(slot_of(&plain)?),
            None => break,
        }
    }
    Ok(out)
}

/// How many entries a site has as the batch would leave them. Positions are dense (a delete
/// moves the last entry into the hole), so the count is the first missing position: found by
/// doubling then halving, O(log n) existence checks that open nothing. Counting by reading
/// every entry made importing many passkeys for one site quadratic (each chunk re-read all).
fn batch_count(batch: &Batch<'_>, rp_id: &str) -> Result<usize, VaultError> {
    let present = |position: u64| -> Result<bool, VaultError> {
        let position = u32::try_from(position)
            .map_err(|_| VaultError::Storage("too many passkeys for one site".into()))?;
        batch.contains(
            TreeId::SiteIndex,
            &batch.keys().site_index_key(rp_id, position),
        )
    };
    if !present(0)? {
        return Ok(0);
    }
    // Invariant: `low` is present, `high` is missing.
    let mut low = 0u64;
    let mut high = 1u64;
    while present(high)? {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if present(mid)? {
            low = mid;
        } else {
            high = mid;
        }
    }
    usize::try_from(high).map_err(|_| VaultError::Storage("too many passkeys for one site".into()))
}

/// Adds passkeys' slots to their site's entries.
pub(crate) fn push(batch: &mut Batch<'_>, rp_id: &str, slots: &[Slot]) -> Result<(), VaultError> {
    let first = batch_count(batch, rp_id)?;
    for (i, slot) in slots.iter().enumerate() {
        let key = batch.keys().site_index_key(rp_id, position_of(first + i)?);
        batch.put(TreeId::SiteIndex, &key, Zeroizing::new(slot.to_vec()));
    }
    Ok(())
}

/// Removes a passkey's slot from its site's entries: the last entry moves into its position.
/// A slot that is not indexed changes nothing.
pub(crate) fn remove(batch: &mut Batch<'_>, rp_id: &str, slot: &Slot) -> Result<(), VaultError> {
    let slots = batch_slots(batch, rp_id)?;
    let Some(found) = slots.iter().position(|s| s == slot) else {
        return Ok(());
    };
    let last = slots.len() - 1;
    if found != last {
        let key = batch.keys().site_index_key(rp_id, position_of(found)?);
        batch.put(
            TreeId::SiteIndex,
            &key,
            Zeroizing::new(slots[last].to_vec()),
        );
    }
    let key = batch.keys().site_index_key(rp_id, position_of(last)?);
    batch.remove(TreeId::SiteIndex, &key);
    Ok(())
}

fn position_of(n: usize) -> Result<u32, VaultError> {
    u32::try_from(n).map_err(|_| VaultError::Storage("too many passkeys for one site".into()))
}
