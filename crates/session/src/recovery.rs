//! The recovery kit in the app: the first kit is made when unlocking creates the vault and is
//! kept (wiped when taken or at lock) until the app shows it once; "Create a new recovery kit"
//! makes another behind the OS check, retiring the old; the lock screen's Recover opens the
//! vault with the recovery key when the keychain lost its key, then carries on as an unlock.

use std::sync::Mutex;

use latchkey_authenticator::Door;
use latchkey_vault::{recovery_kit_html, RecoveryInfo, RecoveryKey, Vault, VaultError};
use latchkey_verify::VerificationRequest;
use serde::Serialize;
use zeroize::Zeroize;

use crate::activity::ActivityKind;
use crate::session::{Session, SessionError};

/// A kit to show: the recovery key as typed (`XXXXX-…`), and the printable page. Both are
/// wiped from memory when the view is dropped.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryKitView {
    pub key: String,
    pub vault_id: String,
    pub kit_id: String,
    pub created_at: u64,
    pub html: String,
}

impl Drop for RecoveryKitView {
    fn drop(&mut self) {
        self.key.zeroize();
        self.html.zeroize();
    }
}

impl std::fmt::Debug for RecoveryKitView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryKitView")
            .field("vault_id", &self.vault_id)
            .field("kit_id", &self.kit_id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// What the lock screen and Settings show about the kit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryState {
    pub has_kit: bool,
    pub created_at: Option<u64>,
    /// The keychain has no key for this vault, or a wrong one, and a kit exists: offer Recover.
    pub can_recover: bool,
}

/// The first kit, waiting for the app to show it.
#[derive(Default)]
pub(crate) struct NewKit(Mutex<Option<RecoveryKitView>>);

impl NewKit {
    /// Wipes the waiting kit (at lock): it is shown at most while the vault it opens is open.
    pub(crate) fn forget(&self) {
        self.0.lock().unwrap().take();
    }
}

fn view(session: &Session, key: &RecoveryKey, info: RecoveryInfo) -> RecoveryKitView {
    let html = recovery_kit_html(key, &info, session.data_dir());
    RecoveryKitView {
        key: key.display().to_string(),
        vault_id: info.vault_id,
        kit_id: info.kit_id,
        created_at: info.created_at,
        html: html.to_string(),
    }
}

impl Session {
    /// Makes the first kit of a vault `unlock` just created and keeps it for
    /// [`Session::take_new_recovery_kit`]. Best effort: a vault is not refused for want of a
    /// kit; Settings then says there is none and offers to make one.
    pub(crate) fn make_first_kit(&self, vault: &Vault) -> bool {
        match vault.new_recovery_key() {
            Ok((key, info)) => {
                *self.new_kit.0.lock().unwrap() = Some(view(self, &key, info));
                true
            }
            Err(_) => false,
        }
    }

    /// The kit made when the vault was created, once: the app shows it, then it is gone
    /// (it is also wiped at lock).
    pub fn take_new_recovery_kit(&self) -> Option<RecoveryKitView> {
        self.new_kit.0.lock().unwrap().take()
    }

    /// "Create a new recovery kit": unlocked only, behind the OS check; the old kit's key no
    /// longer opens the vault afterwards.
    pub fn new_recovery_kit(&self) -> Result<RecoveryKitView, SessionError> {
        if self.status().locked {
            return Err(SessionError::Locked);
        }
        self.verifier
            .verify(&VerificationRequest {
                operation: "create a new Latchkey recovery kit",
                rp_id: "Latchkey",
                account: None,
            })
            .map_err(|e| SessionError::Verification(e.to_string()))?;
        let (key, info) = self.vault_op(|v| v.new_recovery_key())?;
        // A first kit still waiting to be shown is retired by this one.
        self.new_kit.forget();
        self.log(ActivityKind::RecoveryKitCreated, None, None, Door::App);
        Ok(view(self, &key, info))
    }

    /// Whether a kit exists, since when, and whether the lock screen should offer Recover.
    /// Locked or unlocked; opens nothing.
    pub fn recovery_state(&self) -> RecoveryState {
        let info = Vault::recovery_info(self.data_dir()).ok().flatten();
        let locked = self.status().locked;
        let keychain_lost = locked
            && matches!(
                Vault::check_keychain(self.data_dir(), self.keystore.as_ref()),
                Err(VaultError::KeychainEntryMissing { .. } | VaultError::WrongKey)
            );
        RecoveryState {
            has_kit: info.is_some(),
            created_at: info.as_ref().map(|i| i.created_at),
            can_recover: info.is_some() && keychain_lost,
        }
    }

    /// The lock screen's Recover: checks how `key` is typed (a typo is refused before the OS
    /// check), runs the OS check, opens the vault with the kit (putting the data key back in
    /// the keychain), then carries on as an unlock and logs "recovered". A wrong key changes
    /// nothing.
    pub fn recover(&self, key: &str) -> Result<(), SessionError> {
        if !self.status().locked {
            return Err(SessionError::Invalid(
                "Latchkey is unlocked: its key is in the keychain and there is nothing to recover"
                    .into(),
            ));
        }
        let key = RecoveryKey::parse(key)?;
        self.verifier
            .verify(&VerificationRequest {
                operation: "recover the Latchkey vault with its recovery key",
                rp_id: "Latchkey",
                account: None,
            })
            .map_err(|e| SessionError::Verification(e.to_string()))?;
        let vault = Vault::recover(self.data_dir(), self.keystore.as_ref(), &key)?;
        self.take_open_vault(vault, false, ActivityKind::Recovered);
        Ok(())
    }
}
