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
    /// The person chose "Use a sign-in link instead" at a prompt: bring the main window up on
    /// its Sign-in link view, where the link will be checked before anything opens.
    fn show_sign_in_link(&self) {}
}

/// For tests and headless use.
pub struct NoEvents;

impl SessionEvents for NoEvents {}
