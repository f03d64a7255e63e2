//! What runs beside the windows: the app's socket (so the CLI and the browser reach this
//! session while the app holds the vault), auto-lock after idle time, and locking when the
//! desktop session locks or the machine goes to sleep (logind, on Linux).

use std::sync::Arc;
use std::time::Duration;

use latchkey_bridge::{BridgeServer, Doors};
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::Session;
use tauri::AppHandle;

pub fn start(_app: AppHandle, session: Arc<Session>) {
    match BridgeServer::bind(session.data_dir()) {
        Ok(server) => {
            // The browser door only for the host installed beside this app.
            server.spawn(
                Arc::new(SessionHandler(session.clone())),
                Doors::beside_current_exe(),
            );
        }
        Err(e) => eprintln!(
            "latchkey: the CLI and browser cannot reach this window ({e}); they will open the vault themselves when it is free"
        ),
    }
    let idle = session.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(5));
        idle.lock_if_idle();
    });
    #[cfg(target_os = "linux")]
    std::thread::spawn(move || {
        let followed = zbus::blocking::Connection::system()
            .and_then(|bus| latchkey_session::os_lock::follow_logind(&session, &bus));
        if let Err(e) = followed {
            eprintln!("latchkey: will not lock on screen lock or sleep ({e})");
        }
    });
}
