//! Windows and what they hear: session events become Tauri events, and the approval-prompt
//! window is made when a prompt arrives, raised and focused while one waits, hidden when none
//! does, and closed a while after the last one.
//!
//! Why the prompt window is not kept: a window costs its page's memory for as long as it lives
//! (a whole web process when it had one of its own: about 128 MiB PSS of a 375 MiB idle app).
//! It shares the main window's web process instead (see [`create_prompt_window`]), so making
//! it when needed is quick: no process to start, only a small page to load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use latchkey_session::SessionEvents;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN_LABEL: &str = "main";
pub const PROMPT_LABEL: &str = "prompt";

/// How long the prompt window outlives the last prompt, hidden: prompts come in bursts (a
/// sign-in right after a sign-up, a page asking twice), and those after the first then show at
/// once; after this the window and its page's memory are given back.
pub const PROMPT_LINGER: Duration = Duration::from_secs(30);

pub struct WindowEvents {
    app: AppHandle,
    /// Counts prompt changes: a close scheduled when the window was hidden goes ahead only if
    /// nothing changed since.
    prompt_generation: Arc<AtomicU64>,
}

impl WindowEvents {
    pub fn new(app: AppHandle) -> Self {
        WindowEvents {
            app,
            prompt_generation: Arc::new(AtomicU64::new(0)),
        }
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
        let generation = self.prompt_generation.clone();
        let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
        // Window calls belong on the main thread; prompts come from socket threads.
        let _ = self.app.run_on_main_thread(move || {
            // Decided on the session's state now, not the event's: a prompt answered or
            // timed out between the event and this call must not leave the window up.
            if pending && prompt_waiting(&app) {
                crate::bench_trace::mark("prompt-raise");
                match app.get_webview_window(PROMPT_LABEL) {
                    Some(w) => {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                    None => create_prompt_window(&app),
                }
            } else if let Some(w) = app.get_webview_window(PROMPT_LABEL) {
                let _ = w.hide();
                close_prompt_later(app.clone(), generation, mine);
            }
        });
    }
}

/// Closes the hidden prompt window after [`PROMPT_LINGER`], unless a prompt came (or went)
/// since `mine`, or one waits.
fn close_prompt_later(app: AppHandle, generation: Arc<AtomicU64>, mine: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(PROMPT_LINGER);
        if generation.load(Ordering::SeqCst) != mine {
            return;
        }
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || {
            if generation.load(Ordering::SeqCst) != mine || prompt_waiting(&handle) {
                return;
            }
            if let Some(w) = handle.get_webview_window(PROMPT_LABEL) {
                if !w.is_visible().unwrap_or(true) {
                    let _ = w.destroy();
                }
            }
        });
    });
}

/// Whether a prompt waits for an answer. A prompt window with nothing to ask trains people
/// to click it away, so it is never shown without one.
fn prompt_waiting(app: &AppHandle) -> bool {
    app.try_state::<std::sync::Arc<latchkey_session::Session>>()
        .is_some_and(|s| s.current_prompt().is_some())
}

/// Makes the prompt window, shown and focused (only called while a prompt waits; its page
/// asks for the prompt when it loads). Where the main window's webview is at hand (Linux) the
/// prompt's page runs in the main window's web process: no process to start (the first prompt
/// shows sooner) and none to keep. Both pages are the app's own, and which window may call
/// what is still decided per window (capabilities/, `answer_prompt`), not per process.
pub fn create_prompt_window(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    if let Some(main) = app.get_webview_window(MAIN_LABEL) {
        let handle = app.clone();
        // The webview is handed over on the main thread, where windows are made.
        let asked = main.with_webview(move |view| {
            if handle.get_webview_window(PROMPT_LABEL).is_some() || !prompt_waiting(&handle) {
                return;
            }
            let built = prompt_builder(&handle)
                .with_related_view(view.inner())
                .build();
            if let Err(e) = built {
                eprintln!("latchkey: the approval window could not open ({e})");
            }
        });
        if asked.is_ok() {
            return;
        }
    }
    if let Err(e) = prompt_builder(app).build() {
        eprintln!("latchkey: the approval window could not open ({e})");
    }
}

fn prompt_builder(app: &AppHandle) -> WebviewWindowBuilder<'_, tauri::Wry, AppHandle> {
    WebviewWindowBuilder::new(app, PROMPT_LABEL, WebviewUrl::App("prompt.html".into()))
        .title("Latchkey — approve")
        .inner_size(420.0, 540.0)
        .resizable(false)
        .maximizable(false)
        .minimizable(false)
        .always_on_top(true)
        .focused(true)
        .center()
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
