//! Latchkey's vault: passkeys on disk in sled, each record sealed on its own with AES-256-GCM
//! under a data key that lives in the OS keychain.
//!
//! CONTRACT (other crates compile against these signatures; keep them):
//! ```ignore
//! Vault::init(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError>
//! Vault::open(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError>
//! vault.create(&PasskeyRecord) -> Result<(), VaultError>            // flushed before Ok
//! vault.create_many(&[PasskeyRecord]) -> Result<(), VaultError>     // one flush (import, bench set-up)
//! vault.get(cred_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError>
//! vault.find_by_rp(rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError>
//! vault.list() -> Result<Vec<PasskeyMeta>, VaultError>              // no private key opened
//! vault.rename(cred_id: &[u8], nickname: Option<&str>) -> Result<(), VaultError>
//! vault.update_user(cred_id: &[u8], name: Option<&str>, display_name: Option<&str>) -> Result<(), VaultError>
//! vault.delete(cred_id: &[u8]) -> Result<bool, VaultError>
//! vault.record_use(cred_id: &[u8], sign_count: u32, now_unix: u64) -> Result<(), VaultError>
//! vault.lock(self)                                                   // drops the key, closes the db
//! ```

mod error;
mod record;

pub use error::VaultError;
pub use record::{alg, PasskeyMeta, PasskeyRecord};

use std::path::Path;

/// Where the 256-bit data key is kept. Production uses the OS keychain; see `keychain.rs`.
pub trait KeyStore {
    /// SKELETON
    fn name(&self) -> &str;
}

/// An open, unlocked vault. SKELETON: bodies are to be written (see the CONTRACT above).
pub struct Vault {}

#[allow(unused_variables)]
impl Vault {
    pub fn init(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError> {
        todo!()
    }
    pub fn open(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError> {
        todo!()
    }
    pub fn create(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        todo!()
    }
    pub fn create_many(&self, records: &[PasskeyRecord]) -> Result<(), VaultError> {
        todo!()
    }
    pub fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        todo!()
    }
    pub fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        todo!()
    }
    pub fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        todo!()
    }
    pub fn rename(&self, credential_id: &[u8], nickname: Option<&str>) -> Result<(), VaultError> {
        todo!()
    }
    pub fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        todo!()
    }
    pub fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        todo!()
    }
    pub fn record_use(
        &self,
        credential_id: &[u8],
        sign_count: u32,
        now_unix: u64,
    ) -> Result<(), VaultError> {
        todo!()
    }
    pub fn lock(self) {}
}
