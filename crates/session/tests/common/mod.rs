//! Helpers shared by the session's integration tests: the prompt wait, and the fixture most of
//! them start from (a session over a new vault in a temp dir, on the test keychain service,
//! with a counting stand-in for the OS check). Not every test file uses every helper.
#![allow(dead_code)]

pub mod ctap;
pub mod webauthn;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_session::{NoEvents, Prompt, Session};
use latchkey_vault::{KeyStore, OsKeychain};
use latchkey_verify::{VerificationRequest, Verifier, VerifyError};

/// The keychain service the tests' vault keys are stored under, apart from a real vault's.
pub const SERVICE: &str = "dev.latchkey.test";

/// Waits (up to 10 s) for the prompt the window would show: ceremonies run on other threads
/// and queue their prompt a moment after they start.
pub fn wait_prompt(s: &Session) -> Prompt {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(p) = s.current_prompt() {
            return p;
        }
        assert!(Instant::now() < until, "no prompt appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The OS check as the tests see it: how often it was asked, for what, and whether it says no.
#[derive(Default)]
pub struct Gate {
    pub refuse: AtomicBool,
    pub calls: AtomicUsize,
    pub operations: Mutex<Vec<String>>,
}

/// The session's view of the OS check: shares the counters with the test.
pub struct GateRef(pub Arc<Gate>);

impl Verifier for GateRef {
    fn verify(&self, r: &VerificationRequest<'_>) -> Result<(), VerifyError> {
        self.0.calls.fetch_add(1, Ordering::SeqCst);
        self.0
            .operations
            .lock()
            .unwrap()
            .push(r.operation.to_owned());
        if self.0.refuse.load(Ordering::SeqCst) {
            Err(VerifyError::Denied("refused for the test".into()))
        } else {
            Ok(())
        }
    }
}

/// A (locked) session over a new data directory; dropping it removes the vault's keychain
/// entry, so the test keyring does not fill up with keys of deleted temp dirs.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub gate: Arc<Gate>,
    pub session: Arc<Session>,
    auto_lock: Duration,
}

impl Fixture {
    /// Auto-lock after 400 ms idle, so the auto-lock tests are quick.
    pub fn new() -> Fixture {
        Self::with_auto_lock(Duration::from_millis(400))
    }

    /// For tests whose work may take longer than 400 ms between touches (a large import).
    pub fn with_auto_lock(auto_lock: Duration) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let gate = Arc::new(Gate::default());
        let session = Self::session_on(dir.path(), &gate, auto_lock);
        Fixture {
            dir,
            gate,
            session,
            auto_lock,
        }
    }

    /// A session over `dir`'s vault, as a (re)started app would make it; prompts time out
    /// after 10 s.
    fn session_on(dir: &Path, gate: &Arc<Gate>, auto_lock: Duration) -> Arc<Session> {
        let session = Session::new(
            &dir.join("vault"),
            Box::new(OsKeychain::with_service(SERVICE)),
            Box::new(GateRef(gate.clone())),
            Arc::new(NoEvents),
        );
        session.set_timeouts(Duration::from_secs(10), auto_lock);
        session
    }

    /// Quits the app and starts it again on the same data directory (locked).
    pub fn restart(&mut self) {
        self.session.lock();
        self.session = Self::session_on(self.dir.path(), &self.gate, self.auto_lock);
    }

    /// Quits without locking first: the session is dropped as the app's process drops it,
    /// and a new one starts on the same data directory (locked).
    pub fn quit_and_restart(&mut self) {
        let fresh = Self::session_on(self.dir.path(), &self.gate, self.auto_lock);
        drop(std::mem::replace(&mut self.session, fresh));
    }

    pub fn vault_dir(&self) -> PathBuf {
        self.dir.path().join("vault")
    }

    /// The vault's id, as vault.json records it (the keychain entry's name).
    pub fn vault_id(&self) -> String {
        let text = std::fs::read_to_string(self.vault_dir().join("vault.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["vault_id"].as_str().unwrap().to_owned()
    }

    /// How many times the OS check has been asked.
    pub fn calls(&self) -> usize {
        self.gate.calls.load(Ordering::SeqCst)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string(self.vault_dir().join("vault.json")) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let _ = OsKeychain::with_service(SERVICE).delete(v["vault_id"].as_str().unwrap());
        }
    }
}
