//! The kill storm against the running app: the app process is killed with SIGKILL while the CLI
//! drives it through its socket (create, sign in, rename, delete, list), and sometimes the
//! instant it starts a sled snapshot while unlocking; then it is started again and must unlock.
//! After every kill: the vault opens, every acknowledged passkey is there and signs in. See
//! common/storm.rs.
//!
//! The "app" here is this test binary re-run as a child that does exactly what the Tauri app
//! does at start (src-tauri/lib.rs): `Session::new` on the data dir with the OS keychain and the
//! platform verifier, the bridge server on the vault's socket with `SessionHandler`, unlock;
//! and a thread that plays the person approving each prompt. The Tauri window itself is not
//! killed here (it needs a display and a click to unlock; tests/e2e drives it), so this is the
//! app's whole vault path without its webview.
//!
//! CI: `LATCHKEY_APP_STORM_KILLS` (default 100), at most `LATCHKEY_APP_STORM_SECONDS` (80).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::storm::{generating, storm, Kill, Limits, Outcome, Rng, Target};
use common::*;

const ROLE: &str = "LATCHKEY_APP_STORM_ROLE";
const DIR: &str = "LATCHKEY_APP_STORM_DIR";
const TEST: &str = "the_vault_opens_after_every_kill_of_the_running_app";

/// The app child: the session and socket as the app runs them, unlocked, approving prompts.
fn run_app(dir: &Path) -> ! {
    use latchkey_session::bridge_handler::SessionHandler;
    use latchkey_session::{NoEvents, Session};
    let session = Session::new(
        dir,
        Box::new(latchkey_vault::OsKeychain::new()),
        latchkey_verify::platform_verifier(),
        Arc::new(NoEvents),
    );
    // A short undo window: a delete through the app is final after it.
    session.set_timeouts(Duration::from_secs(20), Duration::from_millis(300));
    let server = latchkey_bridge::BridgeServer::bind(dir).expect("the app's socket");
    let _serving = server.spawn(
        Arc::new(SessionHandler(session.clone())),
        doors_of_this_build(),
    );
    if let Err(e) = session.unlock() {
        println!("UNLOCK-FAILED {e}");
        std::process::exit(3);
    }
    println!("READY");
    loop {
        if let Some(p) = session.current_prompt() {
            let pick = (p.accounts.len() > 1).then_some(0);
            let _ = session.answer_prompt(&p.id, true, pick);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

struct App {
    child: Option<Child>,
    kills: u64,
}

impl App {
    /// Starts the app; with `at_snapshot`, kills it the instant it starts a sled snapshot
    /// while unlocking (if it gets there first, it is simply running). `Ok(true)`: running.
    fn start(&mut self, dir: &Path, at_snapshot: bool) -> Result<bool, String> {
        let before = generating(dir);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(ROLE, "app")
            .env(DIR, dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        if at_snapshot {
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until
                && child.try_wait().unwrap().is_none()
                && generating(dir) == before
            {
                std::hint::spin_loop();
            }
            if generating(dir) != before {
                let _ = child.kill();
                let _ = child.wait();
                self.kills += 1;
                return Ok(false);
            }
        }
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            match lines.next() {
                // libtest's "test NAME ... " comes first on the same line.
                Some(Ok(line)) if line.ends_with("READY") => break,
                Some(Ok(line)) if line.contains("UNLOCK-FAILED") => {
                    let _ = child.wait();
                    return Err(format!("the app cannot unlock the vault: {line}"));
                }
                Some(Ok(_)) => continue,
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("the app ended before it was ready".into());
                }
            }
        }
        self.child = Some(child);
        Ok(true)
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
            self.kills += 1;
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Target for App {
    /// Runs the CLI (never killed itself) and kills the app after the round's delay; a kill
    /// while the CLI waits for its answer leaves the outcome unknown.
    fn run(&mut self, dir: &Path, args: &[&str], stdin: &str, kill: Kill) -> Outcome {
        let delay = match kill {
            Kill::After(d) => Some(d),
            // Snapshots are written while the app unlocks: `recover` aims at those.
            Kill::AtSnapshot => None,
        };
        let (dir2, args2, stdin2) = (
            dir.to_path_buf(),
            args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            stdin.to_owned(),
        );
        let cli = std::thread::spawn(move || {
            let args: Vec<&str> = args2.iter().map(String::as_str).collect();
            run(&dir2, &args, &stdin2)
        });
        let mut killed = false;
        if let Some(d) = delay {
            std::thread::sleep(d);
            if !cli.is_finished() {
                self.kill();
                killed = true;
            }
        }
        let out = cli.join().unwrap();
        if out.code != 0 && killed {
            Outcome::Killed
        } else {
            Outcome::Finished(out)
        }
    }

    fn recover(&mut self, dir: &Path, rng: &mut Rng) -> Result<(), String> {
        if self.child.is_some() {
            return Ok(());
        }
        // Half the restarts are killed at the snapshot, once or several times in a row.
        while rng.below(2) == 0 {
            if self.start(dir, true)? {
                return Ok(());
            }
        }
        self.start(dir, false).map(|_| ())
    }

    fn kills(&self) -> u64 {
        self.kills
    }

    fn delete_is_final(&self) -> bool {
        false
    }

    fn name(&self) -> &'static str {
        "the app killed under the CLI"
    }
}

#[test]
fn the_vault_opens_after_every_kill_of_the_running_app() {
    if std::env::var(ROLE).as_deref() == Ok("app") {
        run_app(Path::new(&std::env::var(DIR).unwrap()));
    }
    let d = DataDir::new();
    let dir = d.path();
    run(&dir, &["init"], "").ok();
    let mut app = App {
        child: None,
        kills: 0,
    };
    app.start(&dir, false).expect("the app starts");
    storm(
        &mut app,
        &dir,
        Limits::from_env("LATCHKEY_APP_STORM", 100, 80),
    );
}

/// The browser host of this build (`target/<profile>/latchkey-browser-host`): the test binary
/// is in `target/<profile>/deps/`, and the app trusts the host beside itself.
fn doors_of_this_build() -> latchkey_bridge::Doors {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    latchkey_bridge::Doors::with_browser_host(&profile_dir.join(latchkey_bridge::BROWSER_HOST_NAME))
}
