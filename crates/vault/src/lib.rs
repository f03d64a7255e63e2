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
//! vault.id() -> &str                                                // names the keychain entry
//! ```

mod error;
mod keychain;
mod record;
mod recovery;
mod seal;
mod store;

pub use error::VaultError;
pub use keychain::{DataKey, KeyStore, OsKeychain};
pub use record::{alg, PasskeyMeta, PasskeyRecord};
pub use recovery::{repair, RepairReport};
pub use store::{default_data_dir, Vault};
