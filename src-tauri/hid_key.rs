//! "Act as a security key for other programs" (Linux): the virtual security key runs while the
//! vault is unlocked and the setting is on, and stops at lock, when the setting goes off, and at
//! quit (`latchkey_session::hid_door::HidKeeper` decides; this only drives it).
//!
//! The session tells the windows of every lock, unlock and settings change, whatever caused it
//! (window, tray, auto-lock, logind, another program through the socket); those events nudge
//! the keeper here, so the key goes away at the lock itself rather than at the next poll. A slow
//! tick remains as a safety net, e.g. to retry a device that could not be created.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use latchkey_session::hid_door::{HidKeeper, HidKeyStatus};
use latchkey_session::Session;
use tauri::{AppHandle, Manager, State};

/// How often the keeper looks again when nothing nudged it.
const SAFETY_TICK: Duration = Duration::from_secs(5);

/// The way to wake the keeper thread (managed state).
struct Nudge(Sender<()>);

pub fn start(app: &AppHandle, session: Arc<Session>) {
    let keeper = Arc::new(HidKeeper::new());
    app.manage(keeper.clone());
    let (tx, rx) = mpsc::channel();
    app.manage(Nudge(tx));
    let spawned = std::thread::Builder::new()
        .name("latchkey-hid-keeper".into())
        .spawn(move || follow(&rx, SAFETY_TICK, || keeper.sync(&session)));
    if let Err(e) = spawned {
        eprintln!("latchkey: the security key setting will have no effect ({e})");
    }
}

/// Runs `sync` now, after every nudge (several waiting nudges count once) and at least every
/// `tick`, until every sender is gone.
fn follow(rx: &Receiver<()>, tick: Duration, mut sync: impl FnMut()) {
    loop {
        sync();
        match rx.recv_timeout(tick) {
            Ok(()) => while rx.try_recv().is_ok() {},
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// The vault locked or unlocked, or the settings changed: the keeper looks now.
pub fn nudge(app: &AppHandle) {
    if let Some(nudge) = app.try_state::<Nudge>() {
        let _ = nudge.0.send(());
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[test]
    fn a_nudge_syncs_at_once_and_the_tick_still_runs() {
        let (tx, rx) = mpsc::channel();
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let thread = std::thread::spawn(move || {
            // A tick far longer than the test: only nudges can cause the second call.
            follow(&rx, Duration::from_secs(600), || {
                seen.fetch_add(1, Ordering::SeqCst);
            })
        });
        let wait_for = |n: usize| {
            let until = Instant::now() + Duration::from_secs(10);
            while calls.load(Ordering::SeqCst) < n {
                assert!(Instant::now() < until, "no sync number {n}");
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait_for(1);
        tx.send(()).unwrap();
        wait_for(2);
        drop(tx);
        thread.join().unwrap();
        // Ends when the app's sender is gone, with no further sync.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn without_nudges_the_tick_syncs() {
        let (tx, rx) = mpsc::channel::<()>();
        let mut calls = 0;
        let started = Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(tx);
        });
        follow(&rx, Duration::from_millis(20), || calls += 1);
        assert!(calls >= 3, "{calls} syncs in {:?}", started.elapsed());
    }
}
