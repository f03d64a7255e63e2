//! The vault itself: sled trees of sealed records, opened under the data key from the keychain.
//!
//! On disk:
//! - `<data dir>/vault.json`: format, the vault id (random; names the keychain entry) and a
//!   sealed constant that proves the keychain's key is this vault's key. It is read before the
//!   database is opened, so a missing or wrong key is refused without touching any other file.
//! - `<data dir>/db`, a sled database with the trees:
//! - `meta`: slot → sealed [`PasskeyMeta`] (everything a list needs, no secrets);
//! - `secret`: slot → sealed private key and hmac-secret CredRandoms;
//! - `by_rp`: HMAC(RP ID) ‖ slot → empty, for lookups by site.
//!
//! A slot is HMAC(credential id). Multi-tree writes run in one sled transaction and are flushed
//! before the call returns, so an acknowledged write survives a crash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keychain::{DataKey, KeyStore};
use crate::record::{PasskeyMeta, PasskeyRecord};
use crate::seal::Keys;
use crate::VaultError;

const FORMAT: u32 = 1;
const CHECK_PLAINTEXT: &[u8] = b"latchkey vault key check v1";
const DB_DIR: &str = "db";
const HEADER_FILE: &str = "vault.json";

/// The clear-text header: nothing in it names a site, an account or a key.
#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    vault_id: String,
    /// Hex of the sealed key-check constant.
    key_check: String,
}

/// The platform's data directory for Latchkey, unless `LATCHKEY_DATA_DIR` says otherwise.
/// (The CLI's `--data-dir` wins over both by passing its own path to [`Vault::open`].)
pub fn default_data_dir() -> Result<PathBuf, VaultError> {
    if let Some(dir) = std::env::var_os("LATCHKEY_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("dev", "latchkey", "Latchkey")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            VaultError::Storage(
                "no home directory to keep the vault in; set LATCHKEY_DATA_DIR or pass --data-dir"
                    .into(),
            )
        })
}

/// The secret half of a passkey, sealed apart from its metadata so listing never opens it.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct SecretPart {
    private_key: Vec<u8>,
    cred_random_with_uv: Option<Vec<u8>>,
    cred_random_without_uv: Option<Vec<u8>>,
}

/// An open, unlocked vault. Dropping it (or [`Vault::lock`]) forgets the keys.
pub struct Vault {
    db: sled::Db,
    meta: sled::Tree,
    secret: sled::Tree,
    by_rp: sled::Tree,
    /// The activity log: sealed entries keyed by a growing sequence number.
    log: sled::Tree,
    keys: Keys,
    id: String,
    dir: PathBuf,
}

fn storage(e: sled::Error) -> VaultError {
    VaultError::Storage(e.to_string())
}

fn tx_error(e: TransactionError<VaultError>) -> VaultError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => storage(e),
    }
}

fn open_db(dir: &Path) -> Result<sled::Db, VaultError> {
    // A crash during sled's snapshot leaves a file sled would read as corrupt (recovery.rs).
    crate::recovery::set_aside_unfinished_snapshots(dir)?;
    sled::Config::new()
        .path(dir.join(DB_DIR))
        .open()
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("could not acquire lock") || text.contains("WouldBlock") {
                VaultError::InUse {
                    path: dir.display().to_string(),
                }
            } else if matches!(e, sled::Error::Corruption { .. }) {
                VaultError::Damaged {
                    path: dir.display().to_string(),
                    detail: text,
                }
            } else {
                storage(e)
            }
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Vault {
    /// Creates a new vault in `dir` with a fresh data key stored in `keychain`.
    pub fn init(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError> {
        if dir.join(DB_DIR).exists() || dir.join(HEADER_FILE).exists() {
            return Err(VaultError::AlreadyInitialized {
                path: dir.display().to_string(),
            });
        }
        create_private_dir(dir)?;
        let mut raw_id = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut raw_id)
            .map_err(|_| VaultError::Storage("the OS random generator failed".into()))?;
        let id = hex(&raw_id);
        let key = DataKey::generate()?;
        // The key goes to the keychain first: a vault on disk without its key would be lost.
        keychain.store(&id, &key)?;
        let keys = Keys::derive(&key);
        drop(key);
        let header = Header {
            format: FORMAT,
            vault_id: id.clone(),
            key_check: hex(&keys.seal("header", b"check", CHECK_PLAINTEXT)?),
        };
        write_header(dir, &header)?;
        let db = open_db(dir)?;
        Self::assemble(db, keys, id, dir)
    }

    /// Opens the vault in `dir`, fetching its data key from `keychain`. Creates nothing: a
    /// missing vault is [`VaultError::NotInitialized`]; a missing or wrong key is refused before
    /// the database is opened, so nothing on disk changes.
    pub fn open(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError> {
        let header_path = dir.join(HEADER_FILE);
        if !header_path.is_file() {
            return Err(VaultError::NotInitialized {
                path: dir.display().to_string(),
            });
        }
        let text = std::fs::read(&header_path).map_err(|e| {
            VaultError::Storage(format!("cannot read {}: {e}", header_path.display()))
        })?;
        let header: Header = serde_json::from_slice(&text).map_err(|_| {
            VaultError::CorruptRecord(format!("{} is not a vault header", header_path.display()))
        })?;
        if header.format != FORMAT {
            return Err(VaultError::CorruptRecord(format!(
                "vault format {} is not supported by this Latchkey; update Latchkey",
                header.format
            )));
        }
        let check = unhex(&header.key_check).ok_or_else(|| {
            VaultError::CorruptRecord("the vault header's key check is malformed".into())
        })?;
        let key = keychain.load(&header.vault_id)?;
        let keys = Keys::derive(&key);
        drop(key);
        match keys.open("header", b"check", &check) {
            Ok(p) if p.as_slice() == CHECK_PLAINTEXT => {}
            _ => return Err(VaultError::WrongKey),
        }
        let db = open_db(dir)?;
        Self::assemble(db, keys, header.vault_id, dir)
    }

    fn assemble(db: sled::Db, keys: Keys, id: String, dir: &Path) -> Result<Vault, VaultError> {
        Ok(Vault {
            meta: db.open_tree("meta").map_err(storage)?,
            secret: db.open_tree("secret").map_err(storage)?,
            by_rp: db.open_tree("by_rp").map_err(storage)?,
            log: db.open_tree("log").map_err(storage)?,
            db,
            keys,
            id,
            dir: dir.to_path_buf(),
        })
    }

    /// The vault's random id; it names the vault's keychain entry.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The data directory this vault lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores a new passkey; durable before it returns.
    pub fn create(&self, record: &PasskeyRecord) -> Result<(), VaultError> {
        self.create_many(std::slice::from_ref(record))
    }

    /// Stores several new passkeys in one transaction and one flush (import, benchmark set-up).
    /// All or nothing: one duplicate id rejects the whole batch.
    pub fn create_many(&self, records: &[PasskeyRecord]) -> Result<(), VaultError> {
        let mut rows = Vec::with_capacity(records.len());
        for record in records {
            let slot = self.keys.credential_slot(&record.credential_id);
            let meta = self.seal_meta(&slot, &PasskeyMeta::from(record))?;
            let secret = SecretPart {
                private_key: record.private_key.clone(),
                cred_random_with_uv: record.cred_random_with_uv.clone(),
                cred_random_without_uv: record.cred_random_without_uv.clone(),
            };
            let plain = Zeroizing::new(serde_json::to_vec(&secret).map_err(ser)?);
            let sealed_secret = self.keys.seal("secret", &slot, &plain)?;
            let mut index = self.keys.rp_slot(&record.rp_id).to_vec();
            index.extend_from_slice(&slot);
            rows.push((slot, meta, sealed_secret, index));
        }
        (&self.meta, &self.secret, &self.by_rp)
            .transaction(|(meta, secret, by_rp)| {
                for (slot, m, s, index) in &rows {
                    if meta.get(slot)?.is_some() {
                        return Err(ConflictableTransactionError::Abort(VaultError::Duplicate));
                    }
                    meta.insert(&slot[..], m.as_slice())?;
                    secret.insert(&slot[..], s.as_slice())?;
                    by_rp.insert(index.as_slice(), &[][..])?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.flush()
    }

    /// The whole passkey, private key included.
    pub fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        self.get_slot(&slot)
    }

    /// Every passkey for a site; opens only that site's records.
    pub fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        let prefix = self.keys.rp_slot(rp_id);
        let mut out = Vec::new();
        for entry in self.by_rp.scan_prefix(prefix) {
            let (key, _) = entry.map_err(storage)?;
            let slot: [u8; 32] = key[32..]
                .try_into()
                .map_err(|_| VaultError::CorruptRecord("a site index entry is malformed".into()))?;
            match self.get_slot(&slot)? {
                Some(r) if r.rp_id == rp_id => out.push(r),
                Some(_) => {
                    return Err(VaultError::CorruptRecord(
                        "a site index entry points at another site's passkey".into(),
                    ))
                }
                None => {
                    return Err(VaultError::CorruptRecord(
                        "a site index entry points at a missing passkey".into(),
                    ))
                }
            }
        }
        out.sort_by_key(|r| r.created_at);
        Ok(out)
    }

    /// Metadata of every passkey (no private key is opened), oldest first. A record that does
    /// not open fails the whole listing with [`VaultError::CorruptRecord`] rather than hiding it.
    pub fn list(&self) -> Result<Vec<PasskeyMeta>, VaultError> {
        let mut out = Vec::with_capacity(self.meta.len());
        for entry in self.meta.iter() {
            let (slot, sealed) = entry.map_err(storage)?;
            out.push(self.open_meta(&slot, &sealed)?);
        }
        out.sort_by_key(|m| m.created_at);
        Ok(out)
    }

    /// How many passkeys there are, without opening any.
    pub fn count(&self) -> usize {
        self.meta.len()
    }

    /// One passkey's metadata (its private key stays sealed).
    pub fn meta(&self, credential_id: &[u8]) -> Result<Option<PasskeyMeta>, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        match self.meta.get(slot).map_err(storage)? {
            Some(sealed) => self.open_meta(&slot, &sealed).map(Some),
            None => Ok(None),
        }
    }

    /// Sets (or with `None` clears) the person's nickname for a passkey.
    pub fn rename(&self, credential_id: &[u8], nickname: Option<&str>) -> Result<(), VaultError> {
        self.update_meta(credential_id, |m| m.nickname = nickname.map(str::to_owned))
    }

    /// Updates the account name shown for a passkey (CTAP updateUserInformation).
    pub fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        self.update_meta(credential_id, |m| {
            m.user_name = name.map(str::to_owned);
            m.user_display_name = display_name.map(str::to_owned);
        })
    }

    /// Records a sign-in: the new signature counter, when, and one more use.
    pub fn record_use(
        &self,
        credential_id: &[u8],
        sign_count: u32,
        now_unix: u64,
    ) -> Result<(), VaultError> {
        self.update_meta(credential_id, |m| {
            m.sign_count = sign_count;
            m.last_used_at = Some(now_unix);
            m.use_count = m.use_count.saturating_add(1);
        })
    }

    /// Removes a passkey from every tree; `false` when there was none.
    pub fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        let Some(sealed) = self.meta.get(slot).map_err(storage)? else {
            return Ok(false);
        };
        let meta = self.open_meta(&slot, &sealed)?;
        let mut index = self.keys.rp_slot(&meta.rp_id).to_vec();
        index.extend_from_slice(&slot);
        (&self.meta, &self.secret, &self.by_rp)
            .transaction(|(m, s, r)| {
                m.remove(&slot[..])?;
                s.remove(&slot[..])?;
                r.remove(index.as_slice())?;
                Ok::<_, ConflictableTransactionError<VaultError>>(())
            })
            .map_err(tx_error)?;
        self.flush()?;
        Ok(true)
    }

    /// Appends one entry to the activity log, sealed like a passkey (entries name sites);
    /// durable before it returns.
    pub fn append_log(&self, entry: &[u8]) -> Result<(), VaultError> {
        let seq = self.db.generate_id().map_err(storage)?.to_be_bytes();
        let sealed = self.keys.seal("log", &seq, entry)?;
        self.log.insert(seq, sealed).map_err(storage)?;
        self.flush()
    }

    /// The newest `limit` log entries, newest first. An entry that does not open is skipped:
    /// the log must never keep anyone from their passkeys.
    pub fn read_log(&self, limit: usize) -> Result<Vec<Vec<u8>>, VaultError> {
        let mut out = Vec::new();
        for entry in self.log.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (seq, sealed) = entry.map_err(storage)?;
            if let Ok(plain) = self.keys.open("log", &seq, &sealed) {
                out.push(plain.to_vec());
            }
        }
        Ok(out)
    }

    /// Flushes, forgets the keys and closes the database.
    pub fn lock(self) {
        drop(self);
    }

    fn flush(&self) -> Result<(), VaultError> {
        self.db.flush().map(|_| ()).map_err(storage)
    }

    fn seal_meta(&self, slot: &[u8], meta: &PasskeyMeta) -> Result<Vec<u8>, VaultError> {
        let plain = Zeroizing::new(serde_json::to_vec(meta).map_err(ser)?);
        self.keys.seal("meta", slot, &plain)
    }

    fn open_meta(&self, slot: &[u8], sealed: &[u8]) -> Result<PasskeyMeta, VaultError> {
        let plain = self
            .keys
            .open("meta", slot, sealed)
            .map_err(|_| VaultError::CorruptRecord("a passkey's details do not open".into()))?;
        serde_json::from_slice(&plain)
            .map_err(|_| VaultError::CorruptRecord("a passkey's details do not parse".into()))
    }

    fn get_slot(&self, slot: &[u8; 32]) -> Result<Option<PasskeyRecord>, VaultError> {
        let Some(sealed_meta) = self.meta.get(slot).map_err(storage)? else {
            return Ok(None);
        };
        let meta = self.open_meta(slot, &sealed_meta)?;
        let sealed_secret = self.secret.get(slot).map_err(storage)?.ok_or_else(|| {
            VaultError::CorruptRecord("a passkey's private key is missing".into())
        })?;
        let plain = self
            .keys
            .open("secret", slot, &sealed_secret)
            .map_err(|_| {
                VaultError::CorruptRecord("a passkey's private key does not open".into())
            })?;
        let secret: SecretPart = serde_json::from_slice(&plain).map_err(|_| {
            VaultError::CorruptRecord("a passkey's private key does not parse".into())
        })?;
        Ok(Some(PasskeyRecord {
            credential_id: meta.credential_id.clone(),
            rp_id: meta.rp_id.clone(),
            rp_name: meta.rp_name.clone(),
            user_handle: meta.user_handle.clone(),
            user_name: meta.user_name.clone(),
            user_display_name: meta.user_display_name.clone(),
            nickname: meta.nickname.clone(),
            algorithm: meta.algorithm,
            private_key: secret.private_key.clone(),
            sign_count: meta.sign_count,
            created_at: meta.created_at,
            last_used_at: meta.last_used_at,
            use_count: meta.use_count,
            cred_protect: meta.cred_protect,
            cred_random_with_uv: secret.cred_random_with_uv.clone(),
            cred_random_without_uv: secret.cred_random_without_uv.clone(),
            backup_eligible: meta.backup_eligible,
            backup_state: meta.backup_state,
        }))
    }

    fn update_meta(
        &self,
        credential_id: &[u8],
        change: impl Fn(&mut PasskeyMeta),
    ) -> Result<(), VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        let sealed = self
            .meta
            .get(slot)
            .map_err(storage)?
            .ok_or(VaultError::NotFound)?;
        let mut meta = self.open_meta(&slot, &sealed)?;
        change(&mut meta);
        let resealed = self.seal_meta(&slot, &meta)?;
        // Compare-and-swap: a concurrent delete or update makes this one fail, not resurrect.
        self.meta
            .compare_and_swap(slot, Some(sealed), Some(resealed))
            .map_err(storage)?
            .map_err(|_| VaultError::Storage("the passkey changed meanwhile; try again".into()))?;
        self.flush()
    }
}

impl Drop for Vault {
    fn drop(&mut self) {
        let _ = self.db.flush();
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Writes the header atomically: temp file, fsync, rename, fsync of the directory.
fn write_header(dir: &Path, header: &Header) -> Result<(), VaultError> {
    use std::io::Write;
    let io = |e: std::io::Error| {
        VaultError::Storage(format!(
            "cannot write the vault header in {}: {e}",
            dir.display()
        ))
    };
    let tmp = dir.join(format!("{HEADER_FILE}.tmp"));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(&serde_json::to_vec_pretty(header).map_err(ser)?)
        .map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, dir.join(HEADER_FILE)).map_err(io)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}

fn ser(e: serde_json::Error) -> VaultError {
    VaultError::Storage(format!("could not encode a record: {e}"))
}

fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| VaultError::Storage(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| VaultError::Storage(format!("cannot protect {}: {e}", dir.display())))?;
    }
    Ok(())
}
