//! "Act as a security key for other programs" (Linux): the virtual security key runs while the
//! vault is unlocked and the setting is on, and stops at lock, when the setting goes off, and at
//! quit (`latchkey_session::hid_door::HidKeeper` decides; this only drives it). A check every
//! half second follows lock, unlock and settings changes from every source (window, tray,
//! auto-lock, logind) without hooking each one.

use std::sync::Arc;
use std::time::Duration;

use latchkey_session::hid_door::{HidKeeper, HidKeyStatus};
use latchkey_session::Session;
use tauri::{AppHandle, Manager, State};

/// How soon the key follows a lock, an unlock or the setting. A request in that window after a
/// lock is refused by the locked session anyway.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

pub fn start(app: &AppHandle, session: Arc<Session>) {
    let keeper = Arc::new(HidKeeper::new());
    app.manage(keeper.clone());
    let spawned = std::thread::Builder::new()
        .name("latchkey-hid-keeper".into())
        .spawn(move || loop {
            keeper.sync(&session);
            std::thread::sleep(FOLLOW_EVERY);
        });
    if let Err(e) = spawned {
        eprintln!("latchkey: the security key setting will have no effect ({e})");
    }
}

/// At quit: programs see the key unplugged before the vault closes.
pub fn stop(app: &AppHandle) {
    if let Some(keeper) = app.try_state::<Arc<HidKeeper>>() {
        keeper.shutdown();
    }
}

/// For the Settings toggle: whether the key can run here and runs, and if not, why.
#[tauri::command]
pub fn hid_key_status(keeper: State<'_, Arc<HidKeeper>>) -> HidKeyStatus {
    keeper.status()
}
