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
    /// A client asked to unlock (the browser's "Unlock"): bring the main window up, so the
    /// person sees what is being unlocked while the OS check asks.
    fn show_main(&self) {}
}

/// For tests and headless use.
pub struct NoEvents;

impl SessionEvents for NoEvents {}
