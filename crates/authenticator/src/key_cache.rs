//! Parsed signing keys of recently used passkeys, kept while the vault is unlocked.
//!
//! Opening a stored P-256 key derives its public key (to check it against the stored one),
//! which costs about as much as the signature itself; a sign-in that re-parsed the key every time would cost two
//! signatures. The cache keeps the last [`CAPACITY`] parsed keys. An entry is used only when the
//! record's sealed PKCS#8 bytes are exactly the ones it was parsed from, so a passkey replaced
//! under the same credential id never signs with the old key. The owner drops the cache (or
//! calls [`KeyCache::clear`]) at lock; every key zeroizes its secret when dropped (ring's key
//! pairs sit in a `Wiped` box, rsa's keys clear themselves, the PKCS#8 copies are `Zeroizing`).

use std::sync::{Arc, Mutex};

use latchkey_vault::PasskeyRecord;
use zeroize::Zeroizing;

use crate::error::CtapError;
use crate::keys::CredentialKey;

/// How many parsed keys are kept: a person signs in to a few sites at a time; a bound keeps
/// keys of passkeys used long ago out of memory.
pub const CAPACITY: usize = 32;

struct Entry {
    credential_id: Vec<u8>,
    algorithm: i64,
    pkcs8: Zeroizing<Vec<u8>>,
    key: Arc<CredentialKey>,
}

/// Most recently used first.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<Vec<Entry>>,
}

impl KeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed key of `record`, parsed now only if it is not cached.
    pub fn key_for(&self, record: &PasskeyRecord) -> Result<Arc<CredentialKey>, CtapError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let found = entries.iter().position(|e| {
            e.credential_id == record.credential_id
                && e.algorithm == record.algorithm
                && e.pkcs8.as_slice() == record.private_key.as_slice()
        });
        if let Some(i) = found {
            let entry = entries.remove(i);
            let key = entry.key.clone();
            entries.insert(0, entry);
            return Ok(key);
        }
        let key = Arc::new(CredentialKey::from_pkcs8(
            record.algorithm,
            &record.private_key,
        )?);
        entries.insert(
            0,
            Entry {
                credential_id: record.credential_id.clone(),
                algorithm: record.algorithm,
                pkcs8: Zeroizing::new(record.private_key.clone()),
                key: key.clone(),
            },
        );
        entries.truncate(CAPACITY);
        Ok(key)
    }

    /// Forgets every key (the vault was locked).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_vault::alg;

    fn record(id: &[u8], key: &CredentialKey) -> PasskeyRecord {
        PasskeyRecord {
            credential_id: id.to_vec(),
            rp_id: "example.com".into(),
            rp_name: None,
            user_handle: b"u".to_vec(),
            user_name: None,
            user_display_name: None,
            nickname: None,
            algorithm: key.alg(),
            private_key: key.to_pkcs8().to_vec(),
            sign_count: 0,
            created_at: 0,
            last_used_at: None,
            use_count: 0,
            cred_protect: 1,
            cred_random_with_uv: None,
            cred_random_without_uv: None,
            backup_eligible: true,
            backup_state: false,
        }
    }

    #[test]
    fn a_cached_key_is_reused_and_a_replaced_key_is_not() {
        let cache = KeyCache::new();
        let k1 = CredentialKey::generate(alg::ES256).unwrap();
        let r1 = record(b"id", &k1);
        let first = cache.key_for(&r1).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.key_for(&r1).unwrap()));
        // Same credential id, another private key: parsed anew, and it is the new key.
        let k2 = CredentialKey::generate(alg::ES256).unwrap();
        let r2 = record(b"id", &k2);
        let second = cache.key_for(&r2).unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(second.spki_der(), k2.spki_der());
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn holds_at_most_capacity_keys_and_keeps_the_recent_ones() {
        let cache = KeyCache::new();
        let key = CredentialKey::generate(alg::ES256).unwrap();
        let first = record(b"first", &key);
        cache.key_for(&first).unwrap();
        for i in 0..CAPACITY + 5 {
            cache.key_for(&record(&i.to_be_bytes(), &key)).unwrap();
            // Kept recent by use.
            if i % 2 == 0 {
                cache.key_for(&first).unwrap();
            }
        }
        assert_eq!(cache.len(), CAPACITY);
        let held = cache.key_for(&first).unwrap();
        assert!(Arc::ptr_eq(&held, &cache.key_for(&first).unwrap()));
        assert_eq!(cache.len(), CAPACITY);
    }
}
