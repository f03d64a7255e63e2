//! Windows and what they hear: session events become Tauri events, and the approval-prompt
//! window is made hidden at unlock, raised and focused while a prompt waits, hidden when none
//! does, and closed at lock.
//!
//! Why the prompt window is made at unlock and not when a prompt comes: making it (a webview,
//! its page loaded and drawn) took about 290 ms in a release build, so the first prompt showed
//! that much later; a hidden window with its page loaded shows at once (about 110 ms from the
//! request, most of it the request's own path). It costs little: its page runs in the main
//! window's web process (see [`create_prompt_window`]), so no WebKit process of its own (that
//! used to be about 128 MiB PSS of a 375 MiB idle app), only its page's DOM and script. While
//! locked nothing can be signed, so it is closed at lock; a prompt that comes while locked
//! (the browser asking to unlock) makes it on demand, and it is closed again
//! [`PROMPT_LINGER`] after the last prompt unless the vault was unlocked since.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use latchkey_session::SessionEvents;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN_LABEL: &str = "main";
pub const PROMPT_LABEL: &str = "prompt";

/// How long a prompt window made while locked outlives the last prompt, hidden: prompts come in
/// bursts (an unlock, then the sign-in that asked for it), and those after the first then show
/// at once; after this, unless the vault is unlocked (then it stays, ready), it is closed.
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
        crate::hid_key::nudge(&self.app);
        crate::heap_trim::soon();
        let app = self.app.clone();
        let _ = self.app.run_on_main_thread(move || {
            if prompt_waiting(&app) {
                return;
            }
            if let Some(w) = app.get_webview_window(PROMPT_LABEL) {
                let _ = w.destroy();
            }
        });
    }
    fn unlocked(&self) {
        self.emit("unlocked");
        crate::hid_key::nudge(&self.app);
        let app = self.app.clone();
        // Ready for the first prompt; window calls belong on the main thread.
        let _ = self.app.run_on_main_thread(move || {
            if app.get_webview_window(PROMPT_LABEL).is_none() {
                create_prompt_window(&app, false);
            }
        });
    }
    fn settings_changed(&self) {
        self.emit("settings-changed");
        crate::hid_key::nudge(&self.app);
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
                    None => create_prompt_window(&app, true),
                }
            } else if let Some(w) = app.get_webview_window(PROMPT_LABEL) {
                let _ = w.hide();
                close_prompt_later(app.clone(), generation, mine);
            }
        });
    }
}

/// Closes the hidden prompt window after [`PROMPT_LINGER`], unless a prompt came (or went)
/// since `mine`, one waits, or the vault is unlocked (then it stays ready for the next prompt).
fn close_prompt_later(app: AppHandle, generation: Arc<AtomicU64>, mine: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(PROMPT_LINGER);
        if generation.load(Ordering::SeqCst) != mine {
            return;
        }
        let handle = app.clone();
        let _ = app.run_on_main_thread(move || {
            if generation.load(Ordering::SeqCst) != mine
                || prompt_waiting(&handle)
                || is_unlocked(&handle)
            {
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

fn is_unlocked(app: &AppHandle) -> bool {
    app.try_state::<std::sync::Arc<latchkey_session::Session>>()
        .is_some_and(|s| !s.status().locked)
}

/// Makes the prompt window: `shown` (and focused) while a prompt waits, else hidden, ready for
/// the next one (its page asks for the prompt when it loads and again at each change). Where the main window's webview is at hand (Linux) the
/// prompt's page runs in the main window's web process: no process to start (the first prompt
/// shows sooner) and none to keep. Both pages are the app's own, and which window may call
/// what is still decided per window (capabilities/, `answer_prompt`), not per process.
pub fn create_prompt_window(app: &AppHandle, shown: bool) {
    #[cfg(target_os = "linux")]
    if let Some(main) = app.get_webview_window(MAIN_LABEL) {
        let handle = app.clone();
        // The webview is handed over on the main thread, where windows are made.
        let asked = main.with_webview(move |view| {
            // Shown only while a prompt waits: a prompt window with nothing to ask trains
            // people to click it away.
            let shown = shown && prompt_waiting(&handle);
            // Made meanwhile (the one made hidden at unlock, when a prompt came at once).
            if let Some(w) = handle.get_webview_window(PROMPT_LABEL) {
                if shown {
                    let _ = w.show();
                    let _ = w.set_focus();
                }
                return;
            }
            let built = prompt_builder(&handle, shown)
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
    if let Err(e) = prompt_builder(app, shown && prompt_waiting(app)).build() {
        eprintln!("latchkey: the approval window could not open ({e})");
    }
}

fn prompt_builder(app: &AppHandle, shown: bool) -> WebviewWindowBuilder<'_, tauri::Wry, AppHandle> {
    WebviewWindowBuilder::new(app, PROMPT_LABEL, WebviewUrl::App("prompt.html".into()))
        .title("Latchkey — approve")
        .inner_size(420.0, 540.0)
        .resizable(false)
        .maximizable(false)
        .minimizable(false)
        .always_on_top(true)
        .visible(shown)
        .focused(shown)
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
