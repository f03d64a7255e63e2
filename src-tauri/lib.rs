//! Latchkey's desktop shell. Thin by design: it wires the core crates to the windows and holds
//! no WebAuthn or storage logic of its own (that is `latchkey-session` and below). The UI only
//! ever receives passkey metadata, never a private key or the data key.
//!
//! - `commands.rs`: what the windows may call (each granted in capabilities/);
//! - `transfer.rs`: the main window's Import & export view and recovery kit commands;
//! - `windows.rs`: session events → window events, and the approval-prompt window;
//! - `bench_trace.rs`: timing marks for scripts/bench-browser.sh, only when asked for;
//! - `webkit_memory.rs`: WebKit settings that keep the app light;
//! - `heap_trim.rs`: gives the heap a large list leaves behind back to the OS;
//! - `hid_key.rs`: the virtual security key, run while unlocked when its setting is on;
//! - `background.rs`: the app's socket for the CLI and browser, auto-lock, and locking when the
//!   session locks or the machine sleeps.

mod background;
mod bench_trace;
mod commands;
mod deep_link;
mod heap_trim;
mod hid_key;
mod opener;
#[cfg(test)]
mod tests;
mod transfer;
#[cfg(target_os = "linux")]
mod webkit_memory;
mod windows;

use std::sync::Arc;

use latchkey_session::Session;
use tauri::Manager;

/// Where the vault lives: `LATCHKEY_DATA_DIR`, else the platform's data directory.
fn data_dir() -> std::path::PathBuf {
    latchkey_vault::default_data_dir().unwrap_or_else(|_| std::path::PathBuf::from("latchkey-data"))
}

/// Every command the windows may call (capabilities/ decides which window gets which).
fn handlers<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::vault_status,
        commands::list_passkeys,
        commands::rename_passkey,
        commands::delete_passkey,
        commands::undo_delete,
        commands::lock,
        commands::unlock,
        commands::activity_log,
        commands::get_settings,
        commands::set_settings,
        commands::current_prompt,
        commands::answer_prompt,
        commands::user_active,
        commands::repair_vault,
        commands::check_link,
        commands::open_link,
        commands::take_pending_link,
        transfer::recovery_state,
        transfer::take_new_recovery_kit,
        transfer::new_recovery_kit,
        transfer::recover,
        transfer::save_text_file,
        transfer::open_kit_page,
        transfer::default_folder,
        transfer::import_open,
        transfer::import_commit,
        transfer::import_discard,
        transfer::export_passkeys,
        hid_key::hid_key_status,
    ]
}

/// Starts the app.
pub fn run() {
    // Before WebKit (or any thread) starts: it reads these once.
    #[cfg(target_os = "linux")]
    webkit_memory::apply();
    tauri::Builder::default()
        // First: a second launch (e.g. `xdg-open latchkey://open?url=…`) is folded into this
        // one; with its "deep-link" feature the link goes to the deep-link plugin's handler
        // below before this closure runs.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            windows::show_main(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        // Rust API only (session's LinkOpener); no window is granted the plugin's JS API.
        .plugin(tauri_plugin_opener::init())
        // The prompt window is kept out of window-state: the plugin shows every window it has
        // no saved state for, which put an empty, always-on-top prompt over the screen at first
        // start. The prompt window is made and shown only by windows.rs, while a prompt waits.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_denylist(&[windows::PROMPT_LABEL])
                .build(),
        )
        .setup(|app| {
            let events = Arc::new(windows::WindowEvents::new(app.handle().clone()));
            let session: Arc<Session> = Session::new(
                &data_dir(),
                Box::new(latchkey_vault::OsKeychain::new()),
                bench_trace::verifier(),
                events,
            );
            app.manage(session.clone());
            app.manage(deep_link::PendingLink::default());
            session.set_link_opener(Arc::new(opener::AppOpener(app.handle().clone())));
            app.manage(transfer::KitPage::new(Box::new(opener::AppPageOpener(
                app.handle().clone(),
            ))));
            deep_link::start(app.handle());
            windows::create_tray(app.handle());
            hid_key::start(app.handle(), session.clone());
            background::start(app.handle().clone(), session);
            Ok(())
        })
        .invoke_handler(handlers())
        .build(tauri::generate_context!())
        .expect("Latchkey could not start its window")
        .run(|app, event| {
            // Quitting makes pending deletions durable and forgets the key.
            if let tauri::RunEvent::Exit = event {
                hid_key::stop(app);
                if let Some(s) = app.try_state::<Arc<Session>>() {
                    s.lock();
                }
            }
        });
}
