//! The vault as the authenticator sees it while the app runs: shared with the windows, locked
//! or unlocked at any time, with passkeys that wait in the undo window hidden from every use.

use latchkey_authenticator::CredentialStore;
use latchkey_vault::{PasskeyMeta, PasskeyRecord, VaultError};

use crate::session::Session;

pub(crate) struct SessionStore<'a>(pub(crate) &'a Session);

impl CredentialStore for SessionStore<'_> {
    fn save(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        self.0.with_vault(|v| v.create(record))
    }
    fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        if self.0.is_pending_delete(credential_id) {
            return Ok(None);
        }
        self.0.with_vault(|v| v.get(credential_id))
    }
    fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        let mut found = self.0.with_vault(|v| v.find_by_rp(rp_id))?;
        found.retain(|r| !self.0.is_pending_delete(&r.credential_id));
        Ok(found)
    }
    fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        let mut all = self.0.with_vault(|v| v.list())?;
        all.retain(|m| !self.0.is_pending_delete(&m.credential_id));
        Ok(all)
    }
    fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        self.0.with_vault(|v| v.delete(credential_id))
    }
    fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        self.0
            .with_vault(|v| v.update_user(credential_id, name, display_name))
    }
    fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError> {
        self.0.with_vault(|v| v.record_use(credential_id, now_unix))
    }
}
