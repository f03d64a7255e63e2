//! What runs beside the windows: the app's socket (so the CLI and the browser reach this
//! session while the app holds the vault), auto-lock after idle time, and locking when the
//! desktop session locks or the machine goes to sleep (logind, on Linux).

use std::sync::Arc;
use std::time::Duration;

use latchkey_bridge::BridgeServer;
use latchkey_session::bridge_handler::SessionHandler;
use latchkey_session::Session;
use tauri::AppHandle;

pub fn start(_app: AppHandle, session: Arc<Session>) {
    match BridgeServer::bind(session.data_dir()) {
        Ok(server) => {
            server.spawn(Arc::new(SessionHandler(session.clone())));
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
        if let Err(e) = logind::lock_on_session_lock_or_sleep(&session) {
            eprintln!("latchkey: will not lock on screen lock or sleep ({e})");
        }
    });
}

#[cfg(target_os = "linux")]
mod logind {
    use latchkey_session::Session;
    use zbus::blocking::{Connection, MessageIterator};
    use zbus::MatchRule;

    /// Blocks, locking the session on logind's `Lock` (this login session) and
    /// `PrepareForSleep(true)` signals.
    pub fn lock_on_session_lock_or_sleep(session: &Session) -> zbus::Result<()> {
        let conn = Connection::system()?;
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .sender("org.freedesktop.login1")?
            .build();
        for msg in MessageIterator::for_match_rule(rule, &conn, None)? {
            let Ok(msg) = msg else { continue };
            let header = msg.header();
            let member = header.member().map(|m| m.as_str().to_owned());
            let going_to_sleep = || msg.body().deserialize::<bool>().unwrap_or(false);
            match member.as_deref() {
                Some("Lock") => session.lock(),
                Some("PrepareForSleep") if going_to_sleep() => session.lock(),
                _ => {}
            }
        }
        Ok(())
    }
}
