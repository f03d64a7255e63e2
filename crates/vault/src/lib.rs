//! Latchkey's vault: passkeys on disk in sled, each record sealed on its own with AES-256-GCM
//! under a data key that lives in the OS keychain. Each record's version is bound into its
//! seal and summed into a sealed manifest, so records put back to older copies of themselves
//! are refused when the vault opens (`manifest.rs`); the site index does not group by site
//! (`site_index.rs`); every write is one transaction with the manifest (`batch.rs`).
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
//! vault.record_use(cred_id: &[u8], now_unix: u64) -> Result<u32, VaultError> // the counter to sign with
//! vault.flush_usage() -> Result<(), VaultError>                    // batched statistics to disk
//! vault.contains(cred_id: &[u8]) -> Result<bool, VaultError>       // no record opened
//! vault.lock(self)                                                   // drops the key, closes the db
//! vault.id() -> &str                                                // names the keychain entry
//! vault.settings_mac(bytes: &[u8]) -> [u8; 32]                      // HMAC under a settings-only key
//! vault.settings_mac_matches(bytes: &[u8], mac: &[u8]) -> bool      // constant-time check
//! vault.link_key() -> Zeroizing<[u8; 32]>                          // sign-in link fingerprint key
//! vault.record_opened_link(fingerprint: &[u8; 32], now_unix: u64) -> Result<(), VaultError>
//! vault.link_opened(fingerprint: &[u8; 32]) -> Result<bool, VaultError>
//! Vault::new_recovery_key(&self) -> Result<(RecoveryKey, RecoveryInfo), VaultError> // retires the old kit
//! Vault::recovery_info(dir: &Path) -> Result<Option<RecoveryInfo>, VaultError>
//! Vault::recover(dir: &Path, keychain: &dyn KeyStore, key: &RecoveryKey) -> Result<Vault, VaultError>
//! recovery_kit_html(key: &RecoveryKey, info: &RecoveryInfo, data_dir: &Path) -> Zeroizing<String>
//! ```

mod batch;
mod error;
pub mod hex;
mod keychain;
mod kit_file;
mod links;
mod manifest;
mod migrate;
mod names;
mod record;
mod recovery;
mod recovery_key;
mod recovery_kit;
mod seal;
mod settings_mac;
mod site_index;
mod store;
mod usage;

pub use error::VaultError;
pub use keychain::{DataKey, KeyStore, OsKeychain};
pub use kit_file::RecoveryInfo;
pub use names::{
    sanitize_name, sanitize_opt, DISPLAY_NAME_MAX_CHARS, NICKNAME_MAX_CHARS, RP_ID_MAX_CHARS,
    RP_NAME_MAX_CHARS, USER_NAME_MAX_CHARS,
};
pub use record::{alg, PasskeyMeta, PasskeyRecord};
pub use recovery::{repair, RepairReport};
pub use recovery_key::RecoveryKey;
pub use recovery_kit::recovery_kit_html;
pub use store::{default_data_dir, Vault};
pub use usage::COUNTER_BLOCK;
