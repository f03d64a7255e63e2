//! The vault itself: sled trees of sealed records, opened under the data key from the keychain.
//!
//! On disk:
//! - `<data dir>/vault.json`: format, the vault id (random; names the keychain entry) and a
//!   sealed constant that proves the keychain's key is this vault's key. It is read before the
//!   database is opened, so a missing or wrong key is refused without touching any other file.
//! - `<data dir>/db`, a sled database with the trees:
//! - `meta`: slot → sealed [`PasskeyMeta`] (everything a list needs, no secrets);
//! - `secret`: slot → sealed private key and hmac-secret CredRandoms;
//! - `by_rp`: unlinkable site index keys → sealed slot, for lookups by site (`site_index.rs`);
//! - `log`: sequence number → sealed activity log entry;
//! - `manifest`: the sealed version and hash of all of the above (`manifest.rs`), checked on
//!   every open so that records rolled back to older copies are refused.
//!
//! A slot is HMAC(credential id). Every write is one [`Batch`]: one sled transaction with the
//! manifest, flushed before the call returns, so an acknowledged write survives a crash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::batch::{storage, Batch, TreeId, Trees};
use crate::keychain::{DataKey, KeyStore};
use crate::kit_file::RecoveryInfo;
use crate::manifest::{self, Manifest};
use crate::record::{PasskeyMeta, PasskeyRecord};
use crate::recovery_key::RecoveryKey;
use crate::seal::Keys;
use crate::site_index;
use crate::usage::{Usage, UsageMap};
use crate::VaultError;

/// Format 2: versioned records, the manifest, the unlinkable site index.
const FORMAT: u32 = 2;
/// Format 1 vaults are upgraded when opened (see `migrate.rs`).
const LEGACY_FORMAT: u32 = 1;
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

impl Header {
    fn new(vault_id: String, keys: &Keys) -> Result<Header, VaultError> {
        Ok(Header {
            format: FORMAT,
            vault_id,
            key_check: crate::hex::encode(&keys.seal("header", b"check", 0, CHECK_PLAINTEXT)?),
        })
    }

    /// Whether `keys` open this header's key check (sealed in this header's format).
    fn key_opens(&self, keys: &Keys, check: &[u8]) -> bool {
        let plain = if self.format == LEGACY_FORMAT {
            keys.open_v1("header", b"check", check)
        } else {
            keys.open("header", b"check", check).map(|(_, p)| p)
        };
        matches!(plain, Ok(p) if p.as_slice() == CHECK_PLAINTEXT)
    }
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
    trees: Trees,
    /// The manifest as last committed. Its mutex is the vault's write lock: every change runs
    /// as one [`Batch`] while holding it.
    state: Mutex<Manifest>,
    keys: Keys,
    /// Kept (zeroized on drop) only to wrap it under a new recovery key; the records are
    /// sealed under `keys`, derived from it.
    data_key: DataKey,
    id: String,
    dir: PathBuf,
    /// Counters and statistics of the passkeys used since the vault opened (`usage.rs`).
    /// Lock order: this before `state`.
    usage: Mutex<UsageMap>,
}

/// How long opening waits for sled's lock before calling the vault in use. sled lets go of its
/// lock only when its background flusher drops the database, a moment after the vault is
/// dropped, so a lock followed at once by an unlock (the app, the tests) would otherwise see the
/// vault "in use" by itself.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn is_lock_contention(e: &sled::Error) -> bool {
    let text = e.to_string();
    text.contains("could not acquire lock") || text.contains("WouldBlock")
}

fn open_db(dir: &Path) -> Result<sled::Db, VaultError> {
    // A crash during sled's snapshot leaves a file sled would read as corrupt (recovery.rs).
    crate::recovery::set_aside_unfinished_snapshots(dir)?;
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    let opened = loop {
        match sled::Config::new().path(dir.join(DB_DIR)).open() {
            Err(e) if is_lock_contention(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other,
        }
    };
    opened.map_err(|e| {
        let text = e.to_string();
        if is_lock_contention(&e) {
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
        let id = crate::hex::encode(&raw_id);
        let key = DataKey::generate()?;
        // The key goes to the keychain first: a vault on disk without its key would be lost.
        keychain.store(&id, &key)?;
        let keys = Keys::derive(&key);
        write_header(dir, &Header::new(id.clone(), &keys)?)?;
        let db = open_db(dir)?;
        let trees = Trees::open(&db)?;
        let state = manifest::start(&db, &trees, &keys)?;
        Ok(Self::assemble(db, trees, state, keys, key, id, dir))
    }

    /// Opens the vault in `dir`, fetching its data key from `keychain`. Creates nothing: a
    /// missing vault is [`VaultError::NotInitialized`]; a missing or wrong key is refused before
    /// the database is opened, so nothing on disk changes. Records that do not match the
    /// manifest are [`VaultError::RolledBack`], also with nothing changed. A format-1 vault is
    /// upgraded to the current format here, in one transaction.
    pub fn open(dir: &Path, keychain: &dyn KeyStore) -> Result<Vault, VaultError> {
        let (header, check) = read_header(dir)?;
        let key = keychain.load(&header.vault_id)?;
        let keys = Keys::derive(&key);
        if !header.key_opens(&keys, &check) {
            return Err(VaultError::WrongKey);
        }
        Self::open_checked(dir, header, keys, key)
    }

    /// Whether `keychain` holds the key that opens the vault in `dir`, found without opening
    /// the database (the lock screen asks this to offer Recover): `Ok(())`, or the refusal
    /// [`Vault::open`] would give ([`VaultError::KeychainEntryMissing`],
    /// [`VaultError::WrongKey`], [`VaultError::NotInitialized`], ...).
    pub fn check_keychain(dir: &Path, keychain: &dyn KeyStore) -> Result<(), VaultError> {
        let (header, check) = read_header(dir)?;
        let key = keychain.load(&header.vault_id)?;
        if header.key_opens(&Keys::derive(&key), &check) {
            Ok(())
        } else {
            Err(VaultError::WrongKey)
        }
    }

    /// Opens the database under keys already checked against the header.
    fn open_checked(
        dir: &Path,
        header: Header,
        keys: Keys,
        key: DataKey,
    ) -> Result<Vault, VaultError> {
        let db = open_db(dir)?;
        let trees = Trees::open(&db)?;
        let state =
            manifest::check_on_open(&db, &trees, &keys, dir, header.format == LEGACY_FORMAT)?;
        if header.format == LEGACY_FORMAT {
            // Written last: a crash before this leaves a format-1 header over a migrated
            // database, which the manifest branch above accepts and finishes.
            write_header(dir, &Header::new(header.vault_id.clone(), &keys)?)?;
        }
        Ok(Self::assemble(
            db,
            trees,
            state,
            keys,
            key,
            header.vault_id,
            dir,
        ))
    }

    /// Makes a new recovery key and writes `<dir>/recovery.json` with the data key wrapped
    /// under it (see `kit_file.rs`), replacing and so retiring any older kit: only the new
    /// key opens from now on. Nothing else on disk changes. The caller shows the key once.
    pub fn new_recovery_key(&self) -> Result<(RecoveryKey, RecoveryInfo), VaultError> {
        // Under the write lock: two kits made at once must not interleave their files.
        let _guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        crate::kit_file::write_new(&self.dir, &self.id, &self.data_key)
    }

    /// The kit on disk in `dir`, if any. Needs no key: recovery.json names no site.
    pub fn recovery_info(dir: &Path) -> Result<Option<RecoveryInfo>, VaultError> {
        crate::kit_file::info(dir)
    }

    /// Opens the vault in `dir` with its recovery key when the keychain lost the data key (or
    /// holds a wrong one): unwraps the data key from the kit, checks that it opens this vault's
    /// header, stores it in `keychain` (replacing a missing or wrong entry), then opens the
    /// vault as [`Vault::open`] does. A wrong key is [`VaultError::WrongRecoveryKey`] with
    /// nothing changed, the keychain included; no kit is [`VaultError::NoRecoveryKit`].
    pub fn recover(
        dir: &Path,
        keychain: &dyn KeyStore,
        key: &RecoveryKey,
    ) -> Result<Vault, VaultError> {
        let (header, check) = read_header(dir)?;
        let data_key = crate::kit_file::unwrap(dir, &header.vault_id, key)?;
        let keys = Keys::derive(&data_key);
        if !header.key_opens(&keys, &check) {
            // The kit opened but holds another key (a kit written over by hand): refuse
            // before anything is stored.
            return Err(VaultError::WrongRecoveryKey);
        }
        keychain.store(&header.vault_id, &data_key)?;
        Self::open_checked(dir, header, keys, data_key)
    }
}

/// Reads and checks `<dir>/vault.json`: the header and its sealed key check.
fn read_header(dir: &Path) -> Result<(Header, Vec<u8>), VaultError> {
    let header_path = dir.join(HEADER_FILE);
    if !header_path.is_file() {
        return Err(VaultError::NotInitialized {
            path: dir.display().to_string(),
        });
    }
    let text = std::fs::read(&header_path)
        .map_err(|e| VaultError::Storage(format!("cannot read {}: {e}", header_path.display())))?;
    let header: Header = serde_json::from_slice(&text).map_err(|_| {
        VaultError::CorruptRecord(format!("{} is not a vault header", header_path.display()))
    })?;
    if header.format != FORMAT && header.format != LEGACY_FORMAT {
        return Err(VaultError::CorruptRecord(format!(
            "vault format {} is not supported by this Latchkey; update Latchkey",
            header.format
        )));
    }
    let check = crate::hex::decode(&header.key_check).ok_or_else(|| {
        VaultError::CorruptRecord("the vault header's key check is malformed".into())
    })?;
    Ok((header, check))
}

impl Vault {
    fn assemble(
        db: sled::Db,
        trees: Trees,
        state: Manifest,
        keys: Keys,
        data_key: DataKey,
        id: String,
        dir: &Path,
    ) -> Vault {
        Vault {
            db,
            trees,
            state: Mutex::new(state),
            keys,
            data_key,
            id,
            dir: dir.to_path_buf(),
            usage: Mutex::new(UsageMap::new()),
        }
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
        self.write(|batch| {
            let mut by_site: BTreeMap<&str, Vec<[u8; 32]>> = BTreeMap::new();
            for record in records {
                let slot = self.keys.credential_slot(&record.credential_id);
                if batch.contains(TreeId::Meta, &slot)? {
                    return Err(VaultError::Duplicate);
                }
                // Site-supplied names are cleaned and capped before they reach the disk.
                let mut plain_meta = PasskeyMeta::from(record);
                crate::names::sanitize_meta(&mut plain_meta);
                let meta = Zeroizing::new(serde_json::to_vec(&plain_meta).map_err(ser)?);
                let secret = SecretPart {
                    private_key: record.private_key.clone(),
                    cred_random_with_uv: record.cred_random_with_uv.clone(),
                    cred_random_without_uv: record.cred_random_without_uv.clone(),
                };
                let secret = Zeroizing::new(serde_json::to_vec(&secret).map_err(ser)?);
                batch.put(TreeId::Meta, &slot, meta);
                batch.put(TreeId::Secret, &slot, secret);
                by_site.entry(&record.rp_id).or_default().push(slot);
            }
            for (rp_id, slots) in by_site {
                site_index::push(batch, rp_id, &slots)?;
            }
            Ok(())
        })
    }

    /// The whole passkey, private key included.
    pub fn get(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        self.get_slot(&slot)
    }

    /// Every passkey for a site; opens only that site's records.
    pub fn find_by_rp(&self, rp_id: &str) -> Result<Vec<PasskeyRecord>, VaultError> {
        let mut out = Vec::new();
        for slot in site_index::slots(&self.trees, &self.keys, rp_id)? {
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
        let mut out = Vec::with_capacity(self.trees.meta.len());
        let usage = self.usage();
        for entry in self.trees.meta.iter() {
            let (slot, sealed) = entry.map_err(storage)?;
            let mut meta = self.open_meta(&slot, &sealed)?;
            if let Some(u) = <[u8; 32]>::try_from(slot.as_ref())
                .ok()
                .and_then(|s| usage.get(&s))
            {
                u.apply_to_meta(&mut meta);
            }
            out.push(meta);
        }
        drop(usage);
        out.sort_by_key(|m| m.created_at);
        Ok(out)
    }

    /// How many passkeys there are, without opening any.
    pub fn count(&self) -> usize {
        self.trees.meta.len()
    }

    /// Whether a passkey with this credential id is stored. Cheap: looks up its slot without
    /// opening any record (an import checks every incoming id against the vault with it).
    pub fn contains(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        self.trees.meta.contains_key(slot).map_err(storage)
    }

    /// One passkey's metadata (its private key stays sealed).
    pub fn meta(&self, credential_id: &[u8]) -> Result<Option<PasskeyMeta>, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        self.live_meta(&slot)
    }

    /// A slot's metadata with its live counter and statistics.
    fn live_meta(&self, slot: &[u8; 32]) -> Result<Option<PasskeyMeta>, VaultError> {
        let Some(sealed) = self.trees.meta.get(slot).map_err(storage)? else {
            return Ok(None);
        };
        let mut meta = self.open_meta(slot, &sealed)?;
        if let Some(u) = self.usage().get(slot) {
            u.apply_to_meta(&mut meta);
        }
        Ok(Some(meta))
    }

    /// Sets (or with `None` clears) the person's nickname for a passkey.
    pub fn rename(&self, credential_id: &[u8], nickname: Option<&str>) -> Result<(), VaultError> {
        self.update_meta(credential_id, |m| m.nickname = nickname.map(str::to_owned))
            .map(|_| ())
    }

    /// Updates the account name shown for a passkey (CTAP updateUserInformation).
    pub fn update_user(
        &self,
        credential_id: &[u8],
        name: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<(), VaultError> {
        self.update_meta(credential_id, |m| {
            m.user_name = crate::names::sanitize_opt(name, crate::USER_NAME_MAX_CHARS);
            m.user_display_name =
                crate::names::sanitize_opt(display_name, crate::DISPLAY_NAME_MAX_CHARS);
        })
        .map(|_| ())
    }

    /// Records a sign-in and returns the signature counter to sign it with: the last one plus
    /// one, taken from memory below the passkey's reserved ceiling. When the reserved block is
    /// used up, the next ceiling (with the statistics) is written and flushed before the counter
    /// is returned, so no counter above what the disk allows ever leaves (`usage.rs`). The whole
    /// step runs under the usage lock, so two overlapping sign-ins get two different counters.
    /// At `u32::MAX` the counter stays there rather than wrap to a value a site has seen.
    pub fn record_use(&self, credential_id: &[u8], now_unix: u64) -> Result<u32, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        let mut usage = self.usage();
        let current = match usage.get(&slot) {
            Some(u) => *u,
            None => {
                let sealed = self
                    .trees
                    .meta
                    .get(slot)
                    .map_err(storage)?
                    .ok_or(VaultError::NotFound)?;
                Usage::from_stored(&self.open_meta(&slot, &sealed)?)
            }
        };
        let (mut next, reserve) = current.next(now_unix);
        if let Some(ceiling) = reserve {
            let written = self.update_meta(credential_id, |m| {
                m.sign_count = m.sign_count.max(ceiling);
                m.last_used_at = next.last_used_at;
                m.use_count = next.use_count;
            })?;
            next.ceiling = written.sign_count;
            next.dirty = false;
        }
        usage.insert(slot, next);
        Ok(next.counter)
    }

    /// Writes the statistics of passkeys used since the last write, in one transaction and one
    /// flush (the session calls this every few seconds). Reserved counters stay reserved.
    pub fn flush_usage(&self) -> Result<(), VaultError> {
        self.write_usage(false)
    }

    /// Writes pending statistics; with `release`, also writes back each passkey's exact last
    /// counter in place of its reserved ceiling (the vault is closing, or may as well be: the
    /// next sign-in reserves again), so a clean restart continues without a jump.
    fn write_usage(&self, release: bool) -> Result<(), VaultError> {
        let mut usage = self.usage();
        let pending: Vec<([u8; 32], Usage)> = usage
            .iter()
            .filter(|(_, u)| u.dirty || (release && u.counter < u.ceiling))
            .map(|(s, u)| (*s, *u))
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        self.write(|batch| {
            for (slot, u) in &pending {
                // A passkey deleted since its last use has nothing left to update.
                let Some(plain) = batch.get(TreeId::Meta, slot)? else {
                    continue;
                };
                let mut meta = parse_meta(&plain)?;
                meta.last_used_at = u.last_used_at;
                meta.use_count = u.use_count;
                if release {
                    meta.sign_count = u.counter;
                }
                batch.put(
                    TreeId::Meta,
                    slot,
                    Zeroizing::new(serde_json::to_vec(&meta).map_err(ser)?),
                );
            }
            Ok(())
        })?;
        for (slot, written) in pending {
            if let Some(u) = usage.get_mut(&slot) {
                u.dirty = false;
                if release {
                    u.ceiling = written.counter;
                }
            }
        }
        Ok(())
    }

    fn usage(&self) -> std::sync::MutexGuard<'_, UsageMap> {
        // The map is only changed after the disk agrees with it, so a panic elsewhere cannot
        // leave it ahead of what is safe.
        self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes a passkey from every tree; `false` when there was none.
    pub fn delete(&self, credential_id: &[u8]) -> Result<bool, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        let mut found = false;
        self.write(|batch| {
            let Some(plain) = batch.get(TreeId::Meta, &slot)? else {
                return Ok(());
            };
            let meta = parse_meta(&plain)?;
            batch.remove(TreeId::Meta, &slot);
            batch.remove(TreeId::Secret, &slot);
            site_index::remove(batch, &meta.rp_id, &slot)?;
            found = true;
            Ok(())
        })?;
        self.usage().remove(&slot);
        Ok(found)
    }

    /// Appends one entry to the activity log, sealed like a passkey (entries name sites);
    /// durable before it returns.
    pub fn append_log(&self, entry: &[u8]) -> Result<(), VaultError> {
        let seq = self.db.generate_id().map_err(storage)?.to_be_bytes();
        self.write(|batch| {
            batch.put(TreeId::Log, &seq, Zeroizing::new(entry.to_vec()));
            Ok(())
        })
    }

    /// The newest `limit` log entries, newest first. An entry that does not open is skipped:
    /// the log must never keep anyone from their passkeys.
    pub fn read_log(&self, limit: usize) -> Result<Vec<Vec<u8>>, VaultError> {
        let mut out = Vec::new();
        for entry in self.trees.log.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (seq, sealed) = entry.map_err(storage)?;
            if let Ok((_, plain)) = self.keys.open(TreeId::Log.name(), &seq, &sealed) {
                out.push(plain.to_vec());
            }
        }
        Ok(out)
    }

    /// Writes the batched statistics and exact counters (see `usage.rs`), flushes, forgets the
    /// keys and closes the database. Dropping the vault does the same.
    pub fn lock(self) {
        drop(self);
    }

    /// Runs `change` on a fresh batch under the write lock and commits what it collected.
    fn write(
        &self,
        change: impl FnOnce(&mut Batch<'_>) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        // A panic while holding the lock cannot leave `state` ahead of the disk: it is only
        // advanced after a committed transaction.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut batch = Batch::new(&self.trees, &self.keys);
        change(&mut batch)?;
        batch.commit(&self.db, &mut state)
    }

    fn open_meta(&self, slot: &[u8], sealed: &[u8]) -> Result<PasskeyMeta, VaultError> {
        let (_, plain) = self
            .keys
            .open(TreeId::Meta.name(), slot, sealed)
            .map_err(|_| VaultError::CorruptRecord("a passkey's details do not open".into()))?;
        parse_meta(&plain)
    }

    fn get_slot(&self, slot: &[u8; 32]) -> Result<Option<PasskeyRecord>, VaultError> {
        let Some(sealed_meta) = self.trees.meta.get(slot).map_err(storage)? else {
            return Ok(None);
        };
        let mut meta = self.open_meta(slot, &sealed_meta)?;
        if let Some(u) = self.usage().get(slot) {
            u.apply_to_meta(&mut meta);
        }
        let plain = self
            .trees
            .open_record(&self.keys, TreeId::Secret, slot)?
            .ok_or_else(|| {
                VaultError::CorruptRecord("a passkey's private key is missing".into())
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

    /// Reads, changes and rewrites one passkey's metadata under the write lock; returns the
    /// metadata as written.
    fn update_meta(
        &self,
        credential_id: &[u8],
        change: impl FnOnce(&mut PasskeyMeta),
    ) -> Result<PasskeyMeta, VaultError> {
        let slot = self.keys.credential_slot(credential_id);
        let mut written = None;
        self.write(|batch| {
            let plain = batch
                .get(TreeId::Meta, &slot)?
                .ok_or(VaultError::NotFound)?;
            let mut meta = parse_meta(&plain)?;
            change(&mut meta);
            batch.put(
                TreeId::Meta,
                &slot,
                Zeroizing::new(serde_json::to_vec(&meta).map_err(ser)?),
            );
            written = Some(meta);
            Ok(())
        })?;
        written.ok_or(VaultError::NotFound)
    }
}

fn parse_meta(plain: &[u8]) -> Result<PasskeyMeta, VaultError> {
    serde_json::from_slice(plain)
        .map_err(|_| VaultError::CorruptRecord("a passkey's details do not parse".into()))
}

impl Drop for Vault {
    fn drop(&mut self) {
        // Statistics and exact counters go to disk at lock and at quit; if this write fails,
        // the reserved ceilings on disk still keep every counter ahead of what a site saw.
        let _ = self.write_usage(true);
        let _ = self.db.flush();
    }
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

/// Crate-internal access to the derived keys, for helpers that live in their own modules
/// (settings_mac.rs).
impl Vault {
    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }

    pub(crate) fn trees(&self) -> &Trees {
        &self.trees
    }

    /// [`Vault::write`] for helpers in their own modules (links.rs).
    pub(crate) fn write_batch(
        &self,
        change: impl FnOnce(&mut Batch<'_>) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        self.write(change)
    }
}
