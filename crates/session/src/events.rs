//! What the session tells the windows. The Tauri shell turns these into events and window
//! show/hide; tests count them.

pub trait SessionEvents: Send + Sync + 'static {
    /// Passkeys were added, renamed, deleted or used.
    fn vault_changed(&self) {}
    fn locked(&self) {}
    fn unlocked(&self) {}
    /// The head of the prompt queue changed; `pending` says whether any prompt waits, so the
    /// shell can show (raise, focus) or hide the prompt window.
    fn prompt_changed(&self, _pending: bool) {}
    fn settings_changed(&self) {}
}

/// For tests and headless use.
pub struct NoEvents;

impl SessionEvents for NoEvents {}
