//! Every way the vault can refuse, each with a message that tells the person what to do next.
//! None of these paths overwrite or delete anything.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum VaultError {
    #[error("the OS keychain cannot be reached ({0}); on Linux start a Secret Service (e.g. gnome-keyring) and unlock it, then try again")]
    KeychainUnavailable(String),
    #[error("the vault's data key is missing from the OS keychain (entry {entry}); run `latchkey recover` with the vault's recovery key (or press Recover on the app's lock screen), or restore the keychain entry — the vault was left untouched")]
    KeychainEntryMissing { entry: String },
    #[error("the data key in the OS keychain does not open this vault (wrong key); run `latchkey recover` with the vault's recovery key (or press Recover on the app's lock screen), or restore the right keychain entry — nothing was changed")]
    WrongKey,
    #[error("the vault is locked; unlock it first")]
    Locked,
    #[error("the vault at {path} is in use by another process (is the Latchkey app running?); close it or use the app")]
    InUse { path: String },
    #[error("no vault at {path}; run `latchkey init` to create one")]
    NotInitialized { path: String },
    #[error("a vault already exists at {path}; refusing to overwrite it")]
    AlreadyInitialized { path: String },
    #[error("a stored record is corrupt or was tampered with ({0}); it was left as is")]
    CorruptRecord(String),
    #[error("the vault at {path} does not match its own manifest: passkey or activity records were replaced by older copies, removed or put back since Latchkey last wrote them. The data directory was changed outside Latchkey (for example partly restored from an older backup or copy). Nothing was changed; put the data directory back as Latchkey left it, or restore a complete copy of the whole directory, then try again")]
    RolledBack { path: String },
    #[error("no passkey with that credential id")]
    NotFound,
    #[error("a passkey with that credential id already exists")]
    Duplicate,
    #[error("storage error: {0}")]
    Storage(String),
    /// Sled refused to open the database as corrupt. A crash during sled's own snapshot is
    /// handled on every open, so this is damage a crash alone does not explain (a truncated or
    /// overwritten file); the records themselves are most likely intact in the log.
    #[error("the vault's database in {path} is damaged and cannot be read ({detail}); most likely Latchkey was stopped in the middle of a write or a disk problem hit the file. Your passkeys are most likely intact. Run `latchkey repair` (or press Repair on the app's lock screen): it first keeps a copy of every vault file, then has the database rebuild its index from its log")]
    Damaged { path: String, detail: String },
    /// [`crate::repair`] could not make the vault open; the copy it kept is untouched.
    #[error("Latchkey could not repair the vault ({detail}). A copy of the vault exactly as it was is kept in {copy}: keep that folder (it still holds your passkeys' encrypted data) and do not run `latchkey init` over this vault")]
    Unrepairable { copy: String, detail: String },
    /// The recovery key passed its checksum but does not open this vault's kit.
    #[error("that recovery key does not open this vault: it belongs to another vault, or to an older kit that a newer one replaced. Find this vault's most recent recovery kit and try again — nothing was changed")]
    WrongRecoveryKey,
    /// The recovery key's check characters do not match: a typo, caught before any use.
    #[error("the recovery key has a typo (its check characters do not match). Compare it with the kit character by character and type it again — nothing was changed")]
    RecoveryKeyMistyped,
    #[error("that is not a recovery key: {0}. Type the 30 characters from the kit (spaces, dashes and case do not matter) — nothing was changed")]
    RecoveryKeyMalformed(String),
    #[error("there is no recovery kit for this vault ({path} is missing), so it cannot be recovered with a key. Restore the keychain entry, or a backup of the whole data directory that includes recovery.json — nothing was changed")]
    NoRecoveryKit { path: String },
    /// recovery.json names another vault (copied from another data directory).
    #[error("the recovery kit file {path} belongs to another vault, not to the vault in this directory. Put back this vault's own recovery.json (from a backup of this data directory) — nothing was changed")]
    RecoveryKitForeign { path: String },
}
