//! Auto-lock: after the idle time in the settings, and when logind says the desktop session
//! locked or the machine is going to sleep. The logind side is played on the test run's
//! private session bus by a connection that owns logind's name and sends logind's signals; the
//! listener is the app's own (`os_lock::follow_logind`), only the bus differs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_session::os_lock::{follow_logind, LOGIND};
use latchkey_session::{NoEvents, Session, Settings};
use latchkey_vault::{KeyStore, OsKeychain};
use zbus::blocking::Connection;

const SERVICE: &str = "dev.latchkey.test";

struct Fixture {
    _dir: tempfile::TempDir,
    session: Arc<Session>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(t) = std::fs::read_to_string(self.session.data_dir().join("vault.json")) {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            let _ = OsKeychain::with_service(SERVICE).delete(v["vault_id"].as_str().unwrap());
        }
    }
}

fn unlocked() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::new(
        &dir.path().join("vault"),
        Box::new(OsKeychain::with_service(SERVICE)),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    session
        .unlock()
        .expect("unlock (polkit says yes to root in the test run)");
    Fixture { _dir: dir, session }
}

#[test]
fn locks_after_the_idle_time_and_not_before() {
    let f = unlocked();
    f.session
        .set_settings(Settings {
            auto_lock_minutes: 5,
            ..Settings::default()
        })
        .unwrap();
    let now = Instant::now();
    assert!(!f.session.lock_if_idle_at(now + Duration::from_secs(4 * 60)));
    assert!(!f.session.status().locked);
    assert!(f
        .session
        .lock_if_idle_at(now + Duration::from_secs(5 * 60 + 1)));
    assert!(f.session.status().locked);
    // 0 means never.
    f.session.unlock().unwrap();
    f.session
        .set_settings(Settings {
            auto_lock_minutes: 0,
            ..Settings::default()
        })
        .unwrap();
    assert!(!f
        .session
        .lock_if_idle_at(now + Duration::from_secs(24 * 3600)));
}

/// logind's `PrepareForSleep(going_to_sleep)`, sent from `conn`.
fn prepare_for_sleep(conn: &Connection, going_to_sleep: bool) {
    conn.emit_signal(
        None::<&str>,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        &(going_to_sleep,),
    )
    .unwrap();
}

fn wait_locked(session: &Session, want: bool) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if session.status().locked == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn locks_on_logind_lock_and_sleep_signals_only_from_logind() {
    let f = unlocked();
    let listener_bus = Connection::session().expect("the test run's session bus");
    let s = f.session.clone();
    std::thread::spawn(move || follow_logind(&s, &listener_bus));
    std::thread::sleep(Duration::from_millis(300)); // the match rule is in place

    // A process that merely claims to be logind in the signal is not logind.
    let impostor = Connection::session().unwrap();
    prepare_for_sleep(&impostor, true);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !f.session.status().locked,
        "a signal not from logind's owner is ignored"
    );

    let logind = Connection::session().unwrap();
    logind.request_name(LOGIND).unwrap();
    // Waking up (false) does not lock.
    prepare_for_sleep(&logind, false);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!f.session.status().locked);
    // Going to sleep locks.
    prepare_for_sleep(&logind, true);
    assert!(wait_locked(&f.session, true), "locked before sleep");
    // The desktop session locking locks.
    f.session.unlock().unwrap();
    logind
        .emit_signal(
            None::<&str>,
            "/org/freedesktop/login1/session/auto",
            "org.freedesktop.login1.Session",
            "Lock",
            &(),
        )
        .unwrap();
    assert!(
        wait_locked(&f.session, true),
        "locked with the desktop session"
    );
}
