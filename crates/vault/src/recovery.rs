//! Crash safety around sled 0.34.7, and the repair of a vault that a crash left unreadable.
//!
//! What sled 0.34.7 does (src/pagecache/snapshot.rs): a snapshot (`db/snap.<LSN>`) is only an
//! index of where each page lives in the log; the log (`db/db`) holds the data, and every flush
//! writes and fsyncs it, so an acknowledged write is in the log. Sled writes a new snapshot only
//! while *opening* the database, whenever the log has grown since the last one: it creates
//! `snap.<LSN>.generating`, writes it, fsyncs it, renames it to `snap.<LSN>` and then removes the
//! older snapshots. A process killed between the create and the end of the write leaves an empty
//! or partial `.generating` file. When sled next opens, it takes the highest-named `snap.*`
//! file as the snapshot — its filter (`Config::get_snapshot_files`) skips names ending in
//! `.in___motion` but not `.generating` — finds it empty or with a bad checksum, and refuses
//! with "Read corrupted data at file offset None", forever (upstream spacejam/sled#1527,
//! #1533). `snapshot_after_ops` cannot help: in 0.34.7 it is deprecated and does nothing. The previous, finished snapshot and the
//! log are intact, so the database as of the last acknowledged write is all there.
//!
//! So before sled opens, while holding sled's own lock on `db/db`, every `.generating` file is
//! moved out of `db/` into `<data dir>/unfinished-snapshots/` (kept, never deleted): a file
//! under that name is by sled's own design never a finished snapshot, and without it sled
//! recovers from the last finished snapshot plus the log, exactly as if the kill had come a
//! moment before the snapshot started.
//!
//! When the database is damaged in a way a crash cannot cause (a truncated log, a bad finished
//! snapshot), opening fails with [`VaultError::Damaged`] and [`repair`] first copies every vault
//! file to `<data dir>/damaged-<UTC time>/`, then lets sled rebuild its page index from the log
//! alone (sled's own recovery, without a snapshot), then checks that every record opens.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::keychain::KeyStore;
use crate::store::Vault;
use crate::VaultError;

const DB_DIR: &str = "db";
const LOG_FILE: &str = "db";
const HEADER_FILE: &str = "vault.json";
const UNFINISHED_DIR: &str = "unfinished-snapshots";

/// What [`repair`] did, for the person to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// Where the copy of the vault as it was found is kept.
    pub copy: PathBuf,
    /// Unfinished snapshot files moved out of the database (a crash during a snapshot).
    pub unfinished_snapshots: Vec<String>,
    /// Finished snapshots set aside so sled rebuilt its index from the log (a damaged log or
    /// snapshot).
    pub rebuilt_from_log: bool,
    /// How many passkeys the repaired vault holds; every one of them opened.
    pub passkeys: usize,
}

impl std::fmt::Display for RepairReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "A copy of the vault as it was is kept in {}.",
            self.copy.display()
        )?;
        if !self.unfinished_snapshots.is_empty() {
            writeln!(
                f,
                "Set aside {} unfinished snapshot file(s) left by a crash: {}.",
                self.unfinished_snapshots.len(),
                self.unfinished_snapshots.join(", ")
            )?;
        }
        if self.rebuilt_from_log {
            writeln!(
                f,
                "The database's index was damaged; it was rebuilt from the database's log. Check that every passkey you expect is listed: one whose data was damaged cannot come back, but the copy keeps everything as it was."
            )?;
        }
        if self.unfinished_snapshots.is_empty() && !self.rebuilt_from_log {
            writeln!(f, "Nothing needed repairing.")?;
        }
        write!(
            f,
            "The vault opens and all {} passkey(s) in it open.",
            self.passkeys
        )
    }
}

/// Sled's exclusive lock on its log file, taken for the moment files are moved. Sled takes the
/// same lock (`flock`) while it is open, so holding it means no process is writing a snapshot.
struct DbLock(File);

fn lock_db(dir: &Path) -> Result<Option<DbLock>, VaultError> {
    let path = dir.join(DB_DIR).join(LOG_FILE);
    let file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&path, e)),
    };
    fs2::FileExt::try_lock_exclusive(&file).map_err(|_| VaultError::InUse {
        path: dir.display().to_string(),
    })?;
    Ok(Some(DbLock(file)))
}

impl Drop for DbLock {
    fn drop(&mut self) {
        let _ = fs2::FileExt::unlock(&self.0);
    }
}

fn io_error(path: &Path, e: std::io::Error) -> VaultError {
    VaultError::Storage(format!("{}: {e}", path.display()))
}

/// Files directly in `db/` whose name passes `keep`.
fn db_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, VaultError> {
    let db = dir.join(DB_DIR);
    let entries = match std::fs::read_dir(&db) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(&db, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(&db, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && keep(&name) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn is_unfinished_snapshot(name: &str) -> bool {
    name.starts_with("snap.") && name.ends_with(".generating")
}

fn is_snapshot(name: &str) -> bool {
    name.starts_with("snap.")
}

fn sync_dir(path: &Path) -> Result<(), VaultError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(path, e))
}

/// Moves `names` from `db/` into `to` (created if needed), keeping every byte; returns them.
fn move_out(dir: &Path, names: &[String], to: &Path) -> Result<(), VaultError> {
    if names.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(to).map_err(|e| io_error(to, e))?;
    let stamp = unique_stamp();
    for name in names {
        let from = dir.join(DB_DIR).join(name);
        let dest = to.join(format!("{name}.{stamp}"));
        std::fs::rename(&from, &dest).map_err(|e| io_error(&from, e))?;
    }
    sync_dir(to)?;
    sync_dir(&dir.join(DB_DIR))
}

fn unique_stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}-{:09}", now.as_secs(), now.subsec_nanos())
}

/// Called before sled opens the database: moves every unfinished snapshot (`snap.*.generating`)
/// out of `db/` into `<data dir>/unfinished-snapshots/`, under sled's lock. Returns the names.
pub(crate) fn set_aside_unfinished_snapshots(dir: &Path) -> Result<Vec<String>, VaultError> {
    // Cheap check first: most opens find nothing to do and need not take the lock.
    if db_files(dir, is_unfinished_snapshot)?.is_empty() {
        return Ok(Vec::new());
    }
    let Some(_lock) = lock_db(dir)? else {
        return Ok(Vec::new());
    };
    // Listed again under the lock: another process may have finished its snapshot meanwhile.
    let names = db_files(dir, is_unfinished_snapshot)?;
    move_out(dir, &names, &dir.join(UNFINISHED_DIR))?;
    Ok(names)
}

/// Copies every file of the vault (`vault.json` and `db/`) into a new
/// `<data dir>/damaged-<UTC time>/`, each file fsynced; returns that directory.
fn keep_copy(dir: &Path) -> Result<PathBuf, VaultError> {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| unique_stamp());
    let mut copy = dir.join(format!("damaged-{stamp}"));
    let mut n = 1;
    while copy.exists() {
        n += 1;
        copy = dir.join(format!("damaged-{stamp}-{n}"));
    }
    copy_tree(&dir.join(DB_DIR), &copy.join(DB_DIR))?;
    let header = dir.join(HEADER_FILE);
    if header.is_file() {
        copy_file(&header, &copy.join(HEADER_FILE))?;
    }
    sync_dir(&copy)?;
    sync_dir(dir)?;
    Ok(copy)
}

fn copy_file(from: &Path, to: &Path) -> Result<(), VaultError> {
    std::fs::copy(from, to).map_err(|e| io_error(from, e))?;
    File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(to, e))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), VaultError> {
    std::fs::create_dir_all(to).map_err(|e| io_error(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| io_error(from, e))? {
        let entry = entry.map_err(|e| io_error(from, e))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            copy_file(&path, &dest)?;
        }
    }
    sync_dir(to)
}

/// Opens the vault and opens every record in it (metadata and private key): a repaired vault
/// is one whose every record opens. Returns how many there are.
fn open_and_check(dir: &Path, keychain: &dyn KeyStore) -> Result<usize, VaultError> {
    let vault = Vault::open(dir, keychain)?;
    let metas = vault.list()?;
    for m in &metas {
        vault.get(&m.credential_id)?.ok_or_else(|| {
            VaultError::CorruptRecord("a listed passkey's private key is missing".into())
        })?;
    }
    Ok(metas.len())
}

/// Repairs a vault that a crash (or a damaged disk) left unreadable. Never deletes or rewrites
/// a vault file without a copy: it first copies every vault file to `<data dir>/damaged-<UTC
/// time>/`, then moves unfinished snapshots aside, and if sled still cannot open the database,
/// moves its finished snapshots aside too so that sled rebuilds its page index from the log.
/// The copy is taken before sled touches anything: sled's recovery itself writes to the log
/// (it zeroes a torn tail). Refuses a vault in use; a missing or wrong key is reported as such.
pub fn repair(dir: &Path, keychain: &dyn KeyStore) -> Result<RepairReport, VaultError> {
    if !dir.join(HEADER_FILE).is_file() {
        return Err(VaultError::NotInitialized {
            path: dir.display().to_string(),
        });
    }
    let copy;
    let unfinished;
    {
        let _lock = lock_db(dir)?;
        copy = keep_copy(dir)?;
        unfinished = db_files(dir, is_unfinished_snapshot)?;
        move_out(dir, &unfinished, &dir.join(UNFINISHED_DIR))?;
    }
    let first = open_and_check(dir, keychain);
    let (passkeys, rebuilt_from_log) = match first {
        Ok(n) => (n, false),
        // Not damage: a missing or wrong key, or the vault in use. Nothing was changed but the
        // copy and the unfinished snapshots moved aside (both kept).
        Err(
            e @ (VaultError::WrongKey
            | VaultError::KeychainEntryMissing { .. }
            | VaultError::KeychainUnavailable(_)
            | VaultError::InUse { .. }),
        ) => return Err(e),
        Err(VaultError::Damaged { .. }) => {
            {
                let _lock = lock_db(dir)?;
                let snapshots = db_files(dir, is_snapshot)?;
                move_out(dir, &snapshots, &copy.join("set-aside-snapshots"))?;
            }
            match open_and_check(dir, keychain) {
                Ok(n) => (n, true),
                Err(e) => {
                    return Err(VaultError::Unrepairable {
                        copy: copy.display().to_string(),
                        detail: e.to_string(),
                    })
                }
            }
        }
        Err(e) => {
            return Err(VaultError::Unrepairable {
                copy: copy.display().to_string(),
                detail: e.to_string(),
            })
        }
    };
    Ok(RepairReport {
        copy,
        unfinished_snapshots: unfinished,
        rebuilt_from_log,
        passkeys,
    })
}
