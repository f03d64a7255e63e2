//! The main window's Import & export view and recovery kit, as commands. Thin: the session
//! reads, stages, commits and exports (latchkey-session's transfer.rs and recovery.rs); this
//! file moves arguments across the IPC, keeps blocking work off the main thread, and writes the
//! kit page where the person asked.
//!
//! Every command here is granted to the main window only (capabilities/main.json).
//! Private keys never cross the IPC: the preview holds metadata, and an export's bytes go
//! straight from the session to the file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use latchkey_session::{
    FormatChoice, ImportPreview, ImportProgress, ImportSummary, RecoveryKitView, RecoveryState,
    Session, SessionError,
};
use serde::{Deserialize, Serialize};
use tauri::ipc::{Channel, InvokeBody, JavaScriptChannelId, Request};
use tauri::{AppHandle, Manager, Runtime, State, Webview};

use crate::commands::blocking;

type S<'a> = State<'a, Arc<Session>>;

// ---------------------------------------------------------------- recovery kit

/// Whether a kit exists (and its date) and whether the lock screen should offer Recover.
/// May ask the keychain, so it runs off the main thread.
#[tauri::command]
pub async fn recovery_state(session: S<'_>) -> Result<RecoveryState, String> {
    blocking(&session, |s| Ok(s.recovery_state())).await
}

/// The kit the first unlock made with the vault, once (the session forgets it when taken).
#[tauri::command]
pub fn take_new_recovery_kit(session: S<'_>) -> Option<RecoveryKitView> {
    session.take_new_recovery_kit()
}

/// "Create a new recovery kit": the OS check, then a new key; the old kit stops working.
#[tauri::command]
pub async fn new_recovery_kit(session: S<'_>) -> Result<RecoveryKitView, String> {
    session.touch();
    blocking(&session, |s| s.new_recovery_kit()).await
}

/// The lock screen's Recover with the key as typed (spaces, dashes, case ignored).
#[tauri::command]
pub async fn recover(session: S<'_>, key: String) -> Result<(), String> {
    blocking(&session, move |s| s.recover(&key)).await
}

/// Only a kit page is saved through this command: a compromised page must not be able to write
/// scripts or config files wherever the person can.
const SAVE_EXTENSIONS: &[&str] = &["html", "htm"];

/// Opens a file in the OS's default viewer (the real app: the default browser).
pub trait PageOpener: Send + Sync {
    fn open(&self, path: &Path) -> Result<(), String>;
}

/// The kit page this run of the app last wrote, and how to open it: Print opens only that file,
/// so the window cannot have the app open any path it names.
pub struct KitPage {
    last: Mutex<Option<PathBuf>>,
    opener: Box<dyn PageOpener>,
}

impl KitPage {
    pub fn new(opener: Box<dyn PageOpener>) -> Self {
        KitPage {
            last: Mutex::new(None),
            opener,
        }
    }
}

/// Writes the recovery kit page to `path` (mode 0600, as it holds the recovery key). Refuses to
/// replace an existing file unless `overwrite` (then it replaces it atomically, never writing
/// through a symlink). Only while unlocked, and only `.html`. Returns the full path written.
#[tauri::command]
pub async fn save_text_file(
    session: S<'_>,
    page: State<'_, KitPage>,
    path: String,
    text: String,
    overwrite: Option<bool>,
) -> Result<String, String> {
    if session.status().locked {
        return Err("Latchkey is locked; unlock it, then save the kit again".into());
    }
    let path = resolve_path(&path)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !ext.is_some_and(|e| SAVE_EXTENSIONS.contains(&e.as_str())) {
        return Err(format!(
            "{} does not end in .html; the kit page is saved as an HTML file",
            path.display()
        ));
    }
    let overwrite = overwrite.unwrap_or(false);
    let shown = path.display().to_string();
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || write_private(&path, text.as_bytes(), overwrite))
        .await
        .map_err(|e| format!("internal error: {e}"))??;
    *page.last.lock().unwrap() = Some(written);
    Ok(shown)
}

/// The kit dialog's Print: opens the kit page saved last (by this run, still on disk) in the
/// default browser, which prints it as designed. Returns its path.
#[tauri::command]
pub fn open_kit_page(session: S<'_>, page: State<'_, KitPage>) -> Result<String, String> {
    if session.status().locked {
        return Err("Latchkey is locked; unlock it first".into());
    }
    let last = page.last.lock().unwrap().clone();
    let path = last
        .filter(|p| p.is_file())
        .ok_or("save the kit page first; Print opens the saved page in your browser")?;
    page.opener.open(&path)?;
    Ok(path.display().to_string())
}

/// `~` and `~/…` are the home folder; anything else must be an absolute path (the window has
/// no meaningful working directory).
pub(crate) fn resolve_path(typed: &str) -> Result<PathBuf, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("choose where to save the file".into());
    }
    let path = if typed == "~" || typed.starts_with("~/") {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or("your home folder is not known (HOME is not set); type the full path")?;
        PathBuf::from(home).join(typed.trim_start_matches('~').trim_start_matches('/'))
    } else {
        PathBuf::from(typed)
    };
    if !path.is_absolute() {
        return Err(format!(
            "{typed} is not a full path; start it with / (or ~/ for your home folder)"
        ));
    }
    Ok(path)
}

/// Writes `bytes` to `path` readable by its owner only. New files are created exclusively (an
/// existing file or symlink there is an error unless `overwrite`); a replacement is written
/// beside it, synced, then renamed over it, so a crash leaves the old file or the new one.
pub(crate) fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), String> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| format!("{} has no folder", path.display()))?;
    if !parent.is_dir() {
        return Err(format!(
            "the folder {} does not exist; choose another folder or create it first",
            parent.display()
        ));
    }
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists && !overwrite {
        return Err(format!(
            "{} already exists; choose another name or replace it",
            path.display()
        ));
    }
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let target = if exists {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        parent.join(format!(".{name}.{}.tmp", std::process::id()))
    } else {
        path.to_path_buf()
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&target)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if exists {
            std::fs::rename(&target, path)?;
        }
        Ok(())
    })();
    if result.is_err() && exists {
        let _ = std::fs::remove_file(&target);
    }
    result.map_err(cannot)
}

/// Which folder a default path starts in.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FolderKind {
    Downloads,
    Documents,
}

/// The person's Downloads or Documents folder when it exists, else their home folder: where the
/// views suggest saving an export or a kit page (the person can edit the path).
#[tauri::command]
pub fn default_folder<R: Runtime>(app: AppHandle<R>, kind: FolderKind) -> Result<String, String> {
    let paths = app.path();
    let wanted = match kind {
        FolderKind::Downloads => paths.download_dir(),
        FolderKind::Documents => paths.document_dir(),
    };
    wanted
        .ok()
        .filter(|d| d.is_dir())
        .or_else(|| paths.home_dir().ok())
        .map(|d| d.display().to_string())
        .ok_or_else(|| "your home folder is not known; type the full path".into())
}

// ---------------------------------------------------------------- import

/// `import_open`'s answer: the preview, or "ask for the passphrase" (not an error: the view
/// shows a passphrase field and reads the file again).
#[derive(Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ImportOpened {
    Preview(ImportPreview),
    PassphraseNeeded {
        #[serde(rename = "fileName")]
        file_name: String,
    },
}

/// The JSON form of `import_open`: a dropped file's path.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenPath {
    path: String,
    #[serde(default = "auto")]
    format: FormatChoice,
    passphrase: Option<String>,
    /// A `Channel<ImportProgress>` (its id string) for the reading progress.
    on_progress: Option<String>,
}

fn auto() -> FormatChoice {
    FormatChoice::Auto
}

/// What was sent: a path (JSON `{path, format, passphrase, onProgress}`, from a drop) or the
/// file's bytes (a raw body from "Choose file…", with `x-file-name`, `x-format` and
/// `x-passphrase` headers, URI-encoded: no JSON array of numbers for a file of megabytes).
enum Source {
    Path(PathBuf),
    Bytes { name: String, bytes: Vec<u8> },
}

fn header(request: &Request<'_>, name: &str) -> Result<Option<String>, String> {
    let Some(v) = request.headers().get(name) else {
        return Ok(None);
    };
    let raw = v
        .to_str()
        .map_err(|_| format!("the {name} header is not text"))?;
    percent_decode(raw)
        .map(Some)
        .ok_or_else(|| format!("the {name} header is not valid URI-encoded UTF-8"))
}

/// Decodes encodeURIComponent's output.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn format_choice(text: &str) -> Result<FormatChoice, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("unknown format {text:?}; use auto, cxf, bitwarden or keepassxc"))
}

/// Reads and stages an import file: a dropped path, or the bytes of a chosen file. Returns the
/// preview, or `passphrase-needed` when the file is encrypted and no passphrase came.
#[tauri::command]
pub async fn import_open<R: Runtime>(
    webview: Webview<R>,
    session: S<'_>,
    request: Request<'_>,
) -> Result<ImportOpened, String> {
    session.touch();
    let (source, choice, passphrase, channel) = match request.body() {
        InvokeBody::Raw(bytes) => {
            let name = header(&request, "x-file-name")?.unwrap_or_else(|| "file".into());
            let choice = match header(&request, "x-format")? {
                Some(f) => format_choice(&f)?,
                None => FormatChoice::Auto,
            };
            let passphrase = header(&request, "x-passphrase")?;
            let source = Source::Bytes {
                name,
                bytes: bytes.clone(),
            };
            (source, choice, passphrase, None)
        }
        InvokeBody::Json(v) => {
            let args: OpenPath = serde_json::from_value(v.clone())
                .map_err(|e| format!("import_open needs a path or a file's bytes: {e}"))?;
            let channel: Option<Channel<ImportProgress>> = match args.on_progress {
                Some(id) => Some(
                    JavaScriptChannelId::from_str(&id)
                        .map_err(|_| "onProgress is not a channel".to_string())?
                        .channel_on(webview),
                ),
                None => None,
            };
            let path = resolve_path(&args.path)?;
            (Source::Path(path), args.format, args.passphrase, channel)
        }
    };
    let file_name = match &source {
        Source::Path(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string()),
        Source::Bytes { name, .. } => name.clone(),
    };
    let s = session.inner().clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let progress = |p: ImportProgress| {
            if let Some(c) = &channel {
                let _ = c.send(p);
            }
        };
        let pass = passphrase.as_deref().filter(|p| !p.is_empty());
        match source {
            Source::Path(path) => s.import_open_path(&path, choice, pass, &progress),
            Source::Bytes { name, bytes } => s.import_open(bytes, &name, choice, pass, &progress),
        }
    })
    .await
    .map_err(|e| format!("internal error: {e}"))?;
    match result {
        Ok(preview) => Ok(ImportOpened::Preview(preview)),
        Err(SessionError::PassphraseNeeded) => Ok(ImportOpened::PassphraseNeeded { file_name }),
        Err(e) => Err(e.to_string()),
    }
}

/// Adds a staged import's passkeys (all or nothing unless `skip_bad`), reporting progress.
#[tauri::command]
pub async fn import_commit(
    session: S<'_>,
    token: String,
    skip_bad: bool,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportSummary, String> {
    session.touch();
    blocking(&session, move |s| {
        s.import_commit(&token, skip_bad, &|p| {
            let _ = on_progress.send(p);
        })
    })
    .await
}

#[tauri::command]
pub fn import_discard(session: S<'_>, token: String) {
    session.import_discard(&token);
}

// ---------------------------------------------------------------- export

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub count: usize,
    pub path: String,
}

/// Exports the passkeys of `sites` (empty: all) to `path` after the OS check: age-encrypted CXF
/// under `passphrase`, or clear CXF JSON when it is null (the view asks first). An existing
/// file is replaced only with `overwrite` (the view asks): a typo in the path must not destroy
/// an earlier export or another file.
#[tauri::command]
pub async fn export_passkeys(
    session: S<'_>,
    path: String,
    sites: Vec<String>,
    passphrase: Option<String>,
    overwrite: Option<bool>,
) -> Result<ExportResult, String> {
    session.touch();
    let out = resolve_path(&path)?;
    if out.is_dir() {
        return Err(format!("{} is a folder; add a file name", out.display()));
    }
    if !overwrite.unwrap_or(false) && std::fs::symlink_metadata(&out).is_ok() {
        return Err(format!(
            "{} already exists; choose another name or replace it",
            out.display()
        ));
    }
    let shown = out.display().to_string();
    let count = blocking(&session, move |s| {
        s.export_to(&out, &sites, passphrase.as_deref())
    })
    .await?;
    Ok(ExportResult { count, path: shown })
}
