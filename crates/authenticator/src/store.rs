//! Where credentials live. The authenticator only talks to this trait, so the encrypted vault
//! plugs in for real use and an in-memory map for unit tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use latchkey_vault::{PasskeyMeta, PasskeyRecord, Vault, VaultError};

pub trait CredentialStore {
    /// Stores a new credential; durable before it returns.
    fn save(&self, record: &PasskeyRecord) -> Result<(), VaultError>;
    fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError>;
    fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError>;
    fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError>;
    fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError>;
    fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError>;
    /// Records a sign-in and returns the signature counter to sign it with. Implementations
    /// read the stored counter, store it plus one (with `last_used_at` and one more use) and
    /// make that durable in one atomic step, so overlapping sign-ins never sign with the same
    /// counter and the stored counter never goes back. Nothing may be signed if this fails.
    fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError>;
}

impl CredentialStore for Vault {
    fn save(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        self.create(record)
    }
    fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        Vault::get(self, credential_id)
    }
    fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        Vault::find_by_rp(self, rp_id)
    }
    fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        Vault::list(self)
    }
    fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        Vault::delete(self, credential_id)
    }
    fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        Vault::update_user(self, credential_id, name, display_name)
    }
    fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError> {
        Vault::record_use(self, credential_id, now_unix)
    }
}

impl<T: CredentialStore + ?Sized> CredentialStore for &T {
    fn save(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        (**self).save(record)
    }
    fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        (**self).get(credential_id)
    }
    fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        (**self).find_by_rp(rp_id)
    }
    fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        (**self).list()
    }
    fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        (**self).delete(credential_id)
    }
    fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        (**self).update_user(credential_id, name, display_name)
    }
    fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError> {
        (**self).record_use(credential_id, now_unix)
    }
}

/// An in-memory store for unit tests and benchmarks' peers. Not encrypted: never use it for
/// real passkeys.
#[derive(Default)]
pub struct MemoryStore {
    records: Mutex<BTreeMap<Vec<u8>, PasskeyRecord>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<Vec<u8>, PasskeyRecord>) -> R) -> R {
        let mut guard = self.records.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl CredentialStore for MemoryStore {
    fn save(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        self.with(|m| {
            if m.contains_key(&record.credential_id) {
                return Err(VaultError::Duplicate);
            }
            m.insert(record.credential_id.clone(), record.clone());
            Ok(())
        })
    }
    fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        Ok(self.with(|m| m.get(credential_id).cloned()))
    }
    fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        Ok(self.with(|m| m.values().filter(|r| r.rp_id == rp_id).cloned().collect()))
    }
    fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        Ok(self.with(|m| m.values().map(PasskeyMeta::from).collect()))
    }
    fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        Ok(self.with(|m| m.remove(credential_id).is_some()))
    }
    fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        self.with(|m| {
            let r = m.get_mut(credential_id).ok_or(VaultError::NotFound)?;
            r.user_name = name.map(str::to_owned);
            r.user_display_name = display_name.map(str::to_owned);
            Ok(())
        })
    }
    fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError> {
        // One lock for the read and the write: atomic like the vault's.
        self.with(|m| {
            let r = m.get_mut(credential_id).ok_or(VaultError::NotFound)?;
            r.sign_count = r.sign_count.saturating_add(1);
            r.last_used_at = Some(now_unix);
            r.use_count += 1;
            Ok(r.sign_count)
        })
    }
}
