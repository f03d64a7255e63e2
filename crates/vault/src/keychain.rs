//! The vault's 256-bit data key and where it lives: the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) through the `keyring` crate. The key never
//! touches the vault's own directory, so a copied data dir is useless without the keychain.

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::VaultError;

/// The data key. Zeroized on drop; its `Debug` never prints it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh random key from the OS generator.
    pub fn generate() -> Result<Self, VaultError> {
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
        Ok(DataKey(key))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| VaultError::WrongKey)?;
        Ok(DataKey(key))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// Where a vault's data key is kept, by vault id. Production uses [`OsKeychain`]; the trait
/// exists so the vault does not depend on one platform's keychain API.
pub trait KeyStore {
    fn load(&self, vault_id: &str) -> Result<DataKey, VaultError>;
    fn store(&self, vault_id: &str, key: &DataKey) -> Result<(), VaultError>;
    fn delete(&self, vault_id: &str) -> Result<(), VaultError>;
}

/// The OS keychain. One entry per vault, named by the vault's random id, so two data dirs never
/// share a key.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// The service name every Latchkey vault uses in the keychain.
    pub const SERVICE: &'static str = "dev.latchkey.vault";

    pub fn new() -> Self {
        Self::with_service(Self::SERVICE)
    }

    /// A keychain under another service name (tests and benchmarks keep their entries apart).
    pub fn with_service(service: &str) -> Self {
        OsKeychain {
            service: service.to_owned(),
        }
    }

    /// How the entry is shown in keychain tools (`secret-tool search service ...`).
    pub fn entry_name(&self, vault_id: &str) -> String {
        format!("{}/{}", self.service, vault_id)
    }

    fn entry(&self, vault_id: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, vault_id).map_err(|e| self.map_err(vault_id, e))
    }

    fn map_err(&self, vault_id: &str, e: keyring::Error) -> VaultError {
        match e {
            keyring::Error::NoEntry => VaultError::KeychainEntryMissing {
                entry: self.entry_name(vault_id),
            },
            keyring::Error::BadEncoding(_) => VaultError::WrongKey,
            other => VaultError::KeychainUnavailable(other.to_string()),
        }
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyStore for OsKeychain {
    fn load(&self, vault_id: &str) -> Result<DataKey, VaultError> {
        let entry = self.entry(vault_id)?;
        let secret =
            zeroize::Zeroizing::new(entry.get_secret().map_err(|e| self.map_err(vault_id, e))?);
        DataKey::from_bytes(&secret)
    }

    fn store(&self, vault_id: &str, key: &DataKey) -> Result<(), VaultError> {
        self.entry(vault_id)?
            .set_secret(key.as_bytes())
            .map_err(|e| self.map_err(vault_id, e))
    }

    fn delete(&self, vault_id: &str) -> Result<(), VaultError> {
        self.entry(vault_id)?
            .delete_credential()
            .map_err(|e| self.map_err(vault_id, e))
    }
}
