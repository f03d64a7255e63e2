//! Windows and what they hear: session events become Tauri events, and the approval-prompt
//! window is raised and focused while a prompt waits, hidden when none does.

use latchkey_session::SessionEvents;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN_LABEL: &str = "main";
pub const PROMPT_LABEL: &str = "prompt";

pub struct WindowEvents {
    app: AppHandle,
}

impl WindowEvents {
    pub fn new(app: AppHandle) -> Self {
        WindowEvents { app }
    }

    fn emit(&self, event: &str) {
        let _ = self.app.emit(event, ());
    }
}

impl SessionEvents for WindowEvents {
    fn vault_changed(&self) {
        self.emit("vault-changed");
    }
    fn locked(&self) {
        self.emit("locked");
    }
    fn unlocked(&self) {
        self.emit("unlocked");
    }
    fn settings_changed(&self) {
        self.emit("settings-changed");
    }
    fn show_main(&self) {
        let app = self.app.clone();
        // Asked from a socket thread; window calls belong on the main thread.
        let _ = self.app.run_on_main_thread(move || show_main(&app));
    }
    fn show_sign_in_link(&self) {
        let _ = self
            .app
            .emit(crate::deep_link::SHOW_LINK_EVENT, None::<String>);
        let app = self.app.clone();
        let _ = self.app.run_on_main_thread(move || show_main(&app));
    }
    fn prompt_changed(&self, pending: bool) {
        self.emit("prompt-changed");
        let app = self.app.clone();
        // Window calls belong on the main thread; prompts come from socket threads.
        let _ = self.app.run_on_main_thread(move || {
            if let Some(w) = app.get_webview_window(PROMPT_LABEL) {
                // Decided on the session's state now, not the event's: a prompt answered or
                // timed out between the event and this call must not leave the window up.
                if pending && prompt_waiting(&app) {
                    let _ = w.unminimize();
                    let _ = w.show();
                    let _ = w.set_focus();
                } else {
                    let _ = w.hide();
                }
            }
        });
    }
}

/// Whether a prompt waits for an answer. A prompt window with nothing to ask trains people
/// to click it away, so it is never shown without one.
fn prompt_waiting(app: &AppHandle) -> bool {
    app.try_state::<std::sync::Arc<latchkey_session::Session>>()
        .is_some_and(|s| s.current_prompt().is_some())
}

/// The prompt window exists from the start, hidden, so it appears at once when needed.
pub fn create_prompt_window(app: &AppHandle) -> tauri::Result<()> {
    WebviewWindowBuilder::new(app, PROMPT_LABEL, WebviewUrl::App("prompt.html".into()))
        .title("Latchkey — approve")
        .inner_size(420.0, 540.0)
        .resizable(false)
        .maximizable(false)
        .minimizable(false)
        .always_on_top(true)
        .visible(false)
        .center()
        .build()?;
    Ok(())
}

pub fn show_main<R: tauri::Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_LABEL) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Tray: open, lock, quit. Where the desktop has no tray this quietly does nothing.
pub fn create_tray(app: &AppHandle) {
    use tauri::menu::{Menu, MenuItem};
    use tauri::tray::TrayIconBuilder;
    let build = || -> tauri::Result<()> {
        let open = MenuItem::with_id(app, "open", "Open Latchkey", true, None::<&str>)?;
        let lock = MenuItem::with_id(app, "lock", "Lock", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&open, &lock, &quit])?;
        let mut tray = TrayIconBuilder::new().menu(&menu).tooltip("Latchkey");
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_main(app),
            "lock" => {
                if let Some(s) = app.try_state::<std::sync::Arc<latchkey_session::Session>>() {
                    s.lock();
                }
            }
            "quit" => {
                if let Some(s) = app.try_state::<std::sync::Arc<latchkey_session::Session>>() {
                    s.lock();
                }
                app.exit(0);
            }
            _ => {}
        })
        .build(app)?;
        Ok(())
    };
    if let Err(e) = build() {
        eprintln!("latchkey: no tray icon ({e})");
    }
}
