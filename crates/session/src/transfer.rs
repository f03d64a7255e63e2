//! Moving passkeys in and out of the vault: imports are read and staged first (a preview with
//! duplicates flagged), then committed in chunks of whole passkeys; exports are the CXF document
//! (age-encrypted unless the caller chose clear JSON), behind the OS check, written atomically.
//!
//! Why staged: the person sees what will come in before anything is written, and a file with
//! problems is refused whole unless they choose to skip the bad items. Staged passkeys (private
//! keys included) live only in memory, are zeroized when dropped, and are dropped on lock.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use latchkey_authenticator::Door;
use latchkey_transfer::{FormatChoice, Incoming, ItemProblem, Limits, Parsed, TransferError};
use latchkey_vault::{alg, PasskeyRecord, VaultError};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::activity::ActivityKind;
use crate::session::{now_unix, Session, SessionError};

/// The preview lists at most this many passkeys (in file order); `total` says how many there are.
pub const PREVIEW_ITEMS: usize = 500;
/// Whole passkeys per vault transaction: a crash leaves every chunk written or not written, and
/// a chunk is small enough that a ceremony waiting for the vault is not held up for long.
pub const IMPORT_CHUNK: usize = 1000;
/// Imports staged at once (each is a file's passkeys in memory); opening another drops the oldest.
pub const MAX_STAGED: usize = 2;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// Names this staged import for [`Session::import_commit`] and [`Session::import_discard`].
    pub token: String,
    pub file_name: String,
    /// The format's label, e.g. "CXF (encrypted)".
    pub format: String,
    /// Every passkey item in the file: `new + duplicates + problems.len()`.
    pub total: usize,
    pub new: usize,
    pub duplicates: usize,
    /// Non-passkey items (passwords, notes) that an import leaves out.
    pub ignored: usize,
    pub problems: Vec<ItemProblem>,
    /// At most [`PREVIEW_ITEMS`], in file order; `total` says how many.
    pub items: Vec<ImportItemView>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportItemView {
    pub index: usize,
    pub rp_id: String,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub algorithm: String,
    pub created_at: u64,
    /// Already in this vault (same credential id), or twice in the file.
    pub duplicate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ImportStage {
    Reading,
    Adding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub file_name: String,
    pub added: usize,
    /// Passkeys left out because this vault already has them (or the file repeats them).
    pub duplicates: usize,
    /// Items with problems that were skipped (only with `skip_bad`).
    pub skipped: Vec<ItemProblem>,
}

/// One file, read and checked, waiting for the person's go. Dropping it zeroizes every record
/// (`PasskeyRecord` is zeroize-on-drop).
struct StagedImport {
    token: String,
    file_name: String,
    items: Vec<Incoming>,
    /// Per item: the vault had it when the file was opened, or the file repeats it.
    duplicate: Vec<bool>,
    problems: Vec<ItemProblem>,
}

/// The staged imports of a session (at most [`MAX_STAGED`]).
#[derive(Default)]
pub(crate) struct Staging(Mutex<Vec<StagedImport>>);

impl Staging {
    /// Drops (and so zeroizes) every staged import: on lock, and when the session ends.
    pub(crate) fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    fn push(&self, staged: StagedImport) {
        let mut all = self.0.lock().unwrap();
        while all.len() >= MAX_STAGED {
            all.remove(0);
        }
        all.push(staged);
    }

    fn take(&self, token: &str) -> Option<StagedImport> {
        let mut all = self.0.lock().unwrap();
        let pos = all.iter().position(|s| s.token == token)?;
        Some(all.remove(pos))
    }

    fn problems(&self, token: &str) -> Option<usize> {
        let all = self.0.lock().unwrap();
        all.iter()
            .find(|s| s.token == token)
            .map(|s| s.problems.len())
    }

    /// How many imports are staged (tests check that lock drops them).
    pub(crate) fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn random_token() -> Result<String, SessionError> {
    let mut raw = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut raw)
        .map_err(|_| SessionError::Invalid("the OS random generator failed".into()))?;
    Ok(latchkey_vault::hex::encode(&raw))
}

fn transfer_error(e: TransferError) -> SessionError {
    match e {
        TransferError::PassphraseNeeded => SessionError::PassphraseNeeded,
        e => SessionError::Transfer(e),
    }
}

/// "1 passkey", "12 passkeys": what the activity log shows for an import or export.
fn passkeys(n: usize) -> String {
    if n == 1 {
        "1 passkey".into()
    } else {
        format!("{n} passkeys")
    }
}

fn item_view(item: &Incoming, duplicate: bool) -> ImportItemView {
    let r = &item.record;
    ImportItemView {
        index: item.index,
        rp_id: r.rp_id.clone(),
        user_name: r.user_name.clone(),
        user_display_name: r.user_display_name.clone(),
        algorithm: alg::name(r.algorithm).to_owned(),
        created_at: r.created_at,
        duplicate,
    }
}

/// The name an import is shown under: the file's name without its folder.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads and converts an import file; needs no vault (see [`Session::import_stage`]). A file
/// that needs a passphrase and got none: [`SessionError::PassphraseNeeded`]. The file's bytes
/// are wiped once read (a clear export holds private keys).
pub fn import_read(
    bytes: Vec<u8>,
    file_name: &str,
    choice: FormatChoice,
    passphrase: Option<&str>,
    progress: &dyn Fn(ImportProgress),
) -> Result<Parsed, SessionError> {
    let bytes = Zeroizing::new(bytes);
    latchkey_transfer::read(
        &bytes,
        Some(file_name),
        choice,
        passphrase,
        &Limits::default(),
        &mut |done, total| {
            progress(ImportProgress {
                stage: ImportStage::Reading,
                done,
                total,
            })
        },
    )
    .map_err(transfer_error)
}

/// [`import_read`] for a file on disk. Files over the reader's size limit are refused before
/// they are read.
pub fn import_read_path(
    path: &Path,
    choice: FormatChoice,
    passphrase: Option<&str>,
    progress: &dyn Fn(ImportProgress),
) -> Result<Parsed, SessionError> {
    let limit = Limits::default().max_file_bytes;
    let cannot = |e: std::io::Error| {
        SessionError::Transfer(TransferError::Io(format!(
            "cannot read {}: {e}",
            path.display()
        )))
    };
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > limit {
        return Err(SessionError::Transfer(TransferError::TooBig { limit }));
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    import_read(bytes, &display_name(path), choice, passphrase, progress)
}

impl Session {
    /// Reads and stages a file (unlocked only). A file that needs a passphrase and got none:
    /// [`SessionError::PassphraseNeeded`], so the UI asks. Staged imports are dropped on lock.
    pub fn import_open(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        choice: FormatChoice,
        passphrase: Option<&str>,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<ImportPreview, SessionError> {
        self.vault_op(|_| Ok(()))?;
        let parsed = import_read(bytes, file_name, choice, passphrase, progress)?;
        self.import_stage(parsed, file_name)
    }

    /// [`Session::import_open`] for a file on disk (the app's file picker). Files over the
    /// reader's size limit are refused before they are read.
    pub fn import_open_path(
        &self,
        path: &Path,
        choice: FormatChoice,
        passphrase: Option<&str>,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<ImportPreview, SessionError> {
        self.vault_op(|_| Ok(()))?;
        let parsed = import_read_path(path, choice, passphrase, progress)?;
        self.import_stage(parsed, &display_name(path))
    }

    /// Stages a file [`import_read`] read (unlocked only): flags duplicates and keeps the
    /// passkeys for [`Session::import_commit`]. The CLI reads first so that a file it refuses
    /// (wrong passphrase, bad items) never opens the vault.
    pub fn import_stage(
        &self,
        parsed: Parsed,
        file_name: &str,
    ) -> Result<ImportPreview, SessionError> {
        self.touch();
        // Duplicates: already stored here (checked without opening a record), or repeated in
        // the file (the first one counts as the new one).
        let mut seen: HashSet<&[u8]> = HashSet::with_capacity(parsed.items.len());
        let duplicate = self.vault_op(|v| {
            parsed
                .items
                .iter()
                .map(|i| {
                    let id = i.record.credential_id.as_slice();
                    Ok(!seen.insert(id) || v.contains(id)?)
                })
                .collect::<Result<Vec<bool>, VaultError>>()
        })?;
        let duplicates = duplicate.iter().filter(|d| **d).count();
        let preview = ImportPreview {
            token: random_token()?,
            file_name: file_name.to_owned(),
            format: parsed.format.label().to_owned(),
            total: parsed.items.len() + parsed.problems.len(),
            new: parsed.items.len() - duplicates,
            duplicates,
            ignored: parsed.ignored,
            problems: parsed.problems.clone(),
            items: parsed
                .items
                .iter()
                .zip(&duplicate)
                .take(PREVIEW_ITEMS)
                .map(|(i, d)| item_view(i, *d))
                .collect(),
        };
        self.staged_imports.push(StagedImport {
            token: preview.token.clone(),
            file_name: preview.file_name.clone(),
            items: parsed.items,
            duplicate,
            problems: parsed.problems,
        });
        Ok(preview)
    }

    /// All-or-nothing per file: problems and `!skip_bad` → [`SessionError::ImportHasProblems`],
    /// nothing written (the import stays staged, so the person can choose to skip them). Writes
    /// in chunks of whole passkeys (≤ [`IMPORT_CHUNK`] per transaction): a crash leaves whole
    /// passkeys only, and importing the file again adds the rest. Duplicates are skipped and
    /// counted. Logs [`ActivityKind::Imported`].
    pub fn import_commit(
        &self,
        token: &str,
        skip_bad: bool,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<ImportSummary, SessionError> {
        self.import_commit_as(token, skip_bad, Door::App, progress)
    }

    /// [`Session::import_commit`] from a given door (the CLI logs as "cli").
    pub fn import_commit_as(
        &self,
        token: &str,
        skip_bad: bool,
        door: Door,
        progress: &dyn Fn(ImportProgress),
    ) -> Result<ImportSummary, SessionError> {
        self.vault_op(|_| Ok(()))?;
        self.touch();
        let gone = || {
            SessionError::Invalid(
                "that import is no longer waiting (Latchkey was locked, or it was discarded or replaced); open the file again".into(),
            )
        };
        match self.staged_imports.problems(token) {
            None => return Err(gone()),
            Some(n) if n > 0 && !skip_bad => return Err(SessionError::ImportHasProblems(n)),
            Some(_) => {}
        }
        let staged = self.staged_imports.take(token).ok_or_else(gone)?;
        let StagedImport {
            file_name,
            items,
            duplicate,
            problems,
            ..
        } = staged;
        let total = duplicate.iter().filter(|d| !**d).count();
        let mut duplicates = items.len() - total;
        // Moved, not copied, out of the staged import: each record is zeroized once, when
        // its chunk is dropped.
        let mut wanted = items
            .into_iter()
            .zip(duplicate)
            .filter(|(_, d)| !*d)
            .map(|(i, _)| i.record);
        let (mut added, mut done) = (0, 0);
        progress(ImportProgress {
            stage: ImportStage::Adding,
            done: 0,
            total,
        });
        loop {
            let mut chunk: Vec<PasskeyRecord> = wanted.by_ref().take(IMPORT_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let offered = chunk.len();
            // Checked again per chunk: a ceremony or another import may have stored one of
            // these since the preview, and one duplicate would refuse the whole transaction.
            let written = self.vault_op(|v| {
                let mut present = Vec::with_capacity(chunk.len());
                for r in &chunk {
                    present.push(v.contains(&r.credential_id)?);
                }
                let mut flags = present.into_iter();
                chunk.retain(|_| !flags.next().unwrap_or(false));
                v.create_many(&chunk)?;
                Ok(chunk.len())
            });
            let written = match written {
                Ok(n) => n,
                Err(e) => {
                    if added > 0 {
                        self.log(ActivityKind::Imported, None, Some(&passkeys(added)), door);
                        self.events.vault_changed();
                    }
                    return Err(e);
                }
            };
            added += written;
            duplicates += offered - written;
            done += offered;
            progress(ImportProgress {
                stage: ImportStage::Adding,
                done,
                total,
            });
        }
        self.log(ActivityKind::Imported, None, Some(&passkeys(added)), door);
        if added > 0 {
            self.events.vault_changed();
        }
        Ok(ImportSummary {
            file_name,
            added,
            duplicates,
            skipped: problems,
        })
    }

    /// Forgets a staged import (its records are zeroized). Unknown tokens are ignored.
    pub fn import_discard(&self, token: &str) {
        drop(self.staged_imports.take(token));
    }

    /// How many imports are staged now (for tests and the UI's state).
    pub fn staged_import_count(&self) -> usize {
        self.staged_imports.len()
    }

    /// `sites` empty = every passkey; else the passkeys whose RP ID is one of them. `passphrase`
    /// None = clear CXF JSON (the CLI's `--plain`, after its warning). Behind the OS check
    /// (every time: an export carries every private key). Writes `out` atomically, mode 0600;
    /// returns how many passkeys went out. Passkeys waiting in the undo window are left out.
    /// Logs [`ActivityKind::Exported`].
    pub fn export_to(
        &self,
        out: &Path,
        sites: &[String],
        passphrase: Option<&str>,
    ) -> Result<usize, SessionError> {
        self.export_to_as(out, sites, passphrase, Door::App)
    }

    /// [`Session::export_to`] from a given door (the CLI logs as "cli").
    pub fn export_to_as(
        &self,
        out: &Path,
        sites: &[String],
        passphrase: Option<&str>,
        door: Door,
    ) -> Result<usize, SessionError> {
        self.vault_op(|_| Ok(()))?;
        self.touch();
        if passphrase.is_some_and(|p| p.is_empty()) {
            return Err(SessionError::Invalid(
                "the passphrase is empty; choose one (or export clear JSON deliberately)".into(),
            ));
        }
        let records = self.records_for_export(sites)?;
        if records.is_empty() {
            return Err(SessionError::Invalid(if sites.is_empty() {
                "there are no passkeys to export".into()
            } else {
                format!(
                    "no passkey here is for {}; `latchkey list` shows your sites",
                    sites.join(", ")
                )
            }));
        }
        self.os_check("export passkeys")?;
        let count = records.len();
        let plain = latchkey_transfer::write_cxf(&records, now_unix())?;
        drop(records);
        let bytes: Zeroizing<Vec<u8>> = match passphrase {
            Some(p) => Zeroizing::new(latchkey_transfer::encrypt(&plain, p)?),
            None => plain,
        };
        write_atomically(out, &bytes)?;
        self.log(ActivityKind::Exported, None, Some(&passkeys(count)), door);
        Ok(count)
    }

    /// The whole records to export (private keys included), without those in the undo window.
    fn records_for_export(&self, sites: &[String]) -> Result<Vec<PasskeyRecord>, SessionError> {
        let mut records = self.vault_op(|v| {
            if sites.is_empty() {
                let mut all = Vec::new();
                for m in v.list()? {
                    if let Some(r) = v.get(&m.credential_id)? {
                        all.push(r);
                    }
                }
                Ok(all)
            } else {
                let mut all = Vec::new();
                let unique: std::collections::BTreeSet<&str> =
                    sites.iter().map(|s| s.trim()).collect();
                for site in unique {
                    all.extend(v.find_by_rp(site)?);
                }
                Ok(all)
            }
        })?;
        records.retain(|r| !self.is_pending_delete(&r.credential_id));
        Ok(records)
    }
}

/// Writes `bytes` to `out` so that `out` is either the old file or the whole new one: a new
/// file beside it (mode 0600 from the start), fsynced, renamed over `out`, then the directory
/// fsynced. A failure removes the new file.
fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), SessionError> {
    let fail = |what: &str, e: std::io::Error| {
        SessionError::Invalid(format!("cannot {what} {}: {e}", out.display()))
    };
    let name = out
        .file_name()
        .ok_or_else(|| SessionError::Invalid(format!("{} is not a file name", out.display())))?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        random_token()?
    ));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, out)?;
        #[cfg(unix)]
        std::fs::File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("write", e)
    })
}
