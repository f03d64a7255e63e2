//! Commands the windows may invoke. Each is granted to one window in capabilities/: the main
//! window manages passkeys; only the prompt window can answer a prompt, and only while shown.
//! Anything that may wait on the OS check runs off the main thread.
//!
//! Auto-lock counts only the person's own doing: explicit actions (rename, delete, undo,
//! settings) and [`user_active`], which the main window sends on real input. Reads and
//! refreshes do not count: a socket caller's rename makes the window refresh, and that must
//! not keep the vault unlocked.

use std::sync::Arc;

use latchkey_session::{
    ActivityEntry, Door, LinkOutcome, LinkReport, PasskeyView, Prompt, Session, SessionError,
    Settings, UndoTicket, VaultStatus,
};
use tauri::{Runtime, State, WebviewWindow};

type S<'a> = State<'a, Arc<Session>>;

fn text(e: SessionError) -> String {
    e.to_string()
}

/// Runs blocking session work (OS checks, disk, decryption) on a worker thread, so the main
/// thread keeps drawing while the OS check waits on the person. Shared with transfer.rs.
pub(crate) async fn blocking<T: Send + 'static>(
    session: &Arc<Session>,
    f: impl FnOnce(&Session) -> Result<T, SessionError> + Send + 'static,
) -> Result<T, String> {
    let s = session.clone();
    tauri::async_runtime::spawn_blocking(move || f(&s))
        .await
        .map_err(|e| format!("internal error: {e}"))?
        .map_err(text)
}

#[tauri::command]
pub fn vault_status(session: S<'_>) -> VaultStatus {
    session.status()
}

/// Off the main thread: with a large vault, reading and sorting the list takes a while, and
/// the main thread draws both windows meanwhile.
#[tauri::command]
pub async fn list_passkeys(session: S<'_>) -> Result<Vec<PasskeyView>, String> {
    let list = blocking(&session, |s| s.list()).await;
    crate::heap_trim::soon();
    list
}

#[tauri::command]
pub fn rename_passkey(session: S<'_>, id: String, nickname: Option<String>) -> Result<(), String> {
    session.touch();
    session
        .rename(&id, nickname.as_deref(), Door::App)
        .map_err(text)
}

#[tauri::command]
pub fn delete_passkey(session: S<'_>, id: String) -> Result<UndoTicket, String> {
    session.touch();
    session.delete(&id, Door::App).map_err(text)
}

#[tauri::command]
pub fn undo_delete(session: S<'_>, undo_id: String) -> Result<(), String> {
    session.touch();
    session.undo_delete(&undo_id).map_err(text)
}

#[tauri::command]
pub fn lock(session: S<'_>) {
    session.lock();
}

#[tauri::command]
pub async fn unlock(session: S<'_>) -> Result<(), String> {
    blocking(&session, |s| s.unlock()).await
}

#[tauri::command]
pub fn activity_log(session: S<'_>, limit: Option<usize>) -> Result<Vec<ActivityEntry>, String> {
    session
        .activity(limit.unwrap_or(200).min(5000))
        .map_err(text)
}

#[tauri::command]
pub fn get_settings(session: S<'_>) -> Settings {
    session.settings()
}

/// Weakening the policy runs the OS check, so this waits off the main thread.
#[tauri::command]
pub async fn set_settings(session: S<'_>, settings: Settings) -> Result<(), String> {
    session.touch();
    blocking(&session, move |s| s.set_settings(settings)).await
}

/// The person pressed a key, clicked or scrolled in the main window (the window sends this at
/// most every few seconds): pushes the auto-lock back.
#[tauri::command]
pub fn user_active(session: S<'_>) {
    session.touch();
}

#[tauri::command]
pub fn current_prompt(session: S<'_>) -> Option<Prompt> {
    session.current_prompt()
}

/// Only the visible prompt window may answer: a hidden or minimized window cannot approve.
/// `another_device` is the browser prompts' "Use another device or security key" (then
/// `approve` is ignored): the browser asks its own authenticators.
#[tauri::command]
pub async fn answer_prompt<R: Runtime>(
    window: WebviewWindow<R>,
    session: S<'_>,
    id: String,
    approve: bool,
    account: Option<usize>,
    another_device: Option<bool>,
    use_link: Option<bool>,
) -> Result<(), String> {
    if window.label() != crate::windows::PROMPT_LABEL
        || !window.is_visible().unwrap_or(false)
        || window.is_minimized().unwrap_or(true)
    {
        return Err("requests can only be answered in the visible Latchkey prompt".into());
    }
    // "Use a sign-in link instead" (no passkey here): the request ends NotAllowed and the
    // main window opens its Sign-in link view.
    if use_link == Some(true) {
        return blocking(&session, move |s| s.answer_use_link(&id)).await;
    }
    if another_device == Some(true) {
        return blocking(&session, move |s| s.answer_another_device(&id)).await;
    }
    blocking(&session, move |s| s.answer_prompt(&id, approve, account)).await
}

/// The lock screen's Repair, offered when unlock failed because the vault's database is damaged
/// (a copy of every vault file is kept first; see `latchkey_vault::repair`). Returns what was
/// done, in words. Only while locked, behind the same OS check as unlocking.
#[tauri::command]
pub async fn repair_vault(session: S<'_>) -> Result<String, String> {
    blocking(&session, |s| s.repair()).await
}

/// The Sign-in link view's check: the verdict with its reasons; opens nothing.
#[tauri::command]
pub async fn check_link(session: S<'_>, url: String) -> Result<LinkReport, String> {
    session.touch();
    blocking(&session, move |s| s.check_link(&url)).await
}

/// The Sign-in link view's Open: the session checks again and opens only what passed (an
/// unknown site with `confirm`, a lookalike with `override`), with the app's opener.
#[tauri::command]
pub async fn open_link(
    session: S<'_>,
    url: String,
    confirm: Option<bool>,
    override_lookalike: Option<bool>,
) -> Result<LinkOutcome, String> {
    session.touch();
    let (confirm, override_lookalike) = (
        confirm.unwrap_or(false),
        override_lookalike.unwrap_or(false),
    );
    blocking(&session, move |s| {
        s.open_link(&url, Door::App, confirm, override_lookalike)
    })
    .await
}

/// The link a `latchkey://open?url=…` brought while the view was not listening (taken once).
#[tauri::command]
pub fn take_pending_link(pending: State<'_, crate::deep_link::PendingLink>) -> Option<String> {
    pending.0.lock().unwrap().take()
}
