//! Finding the app, and starting it when it is not running: a browser may call the host long
//! before the person opened Latchkey. The app is found the way the CLI finds it (its socket for
//! the vault in the data dir); it is started detached, so it outlives the host and the browser's
//! pipe, and never writes to the host's stdout (which carries frames only).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use latchkey_bridge::{BridgeClient, Door};

/// How long to wait for a freshly started app's socket.
pub const START_WAIT: Duration = Duration::from_secs(10);

/// The app binary: `LATCHKEY_APP` when set, else `latchkey-app` next to this executable (how
/// the packages install them).
pub fn app_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LATCHKEY_APP").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("latchkey-app"))
}

/// A connection to the app serving `data_dir`'s vault, `None` when none serves it; the app is
/// not started. The error says why a socket that is there cannot be trusted.
pub fn connect_only(data_dir: &Path) -> Result<Option<BridgeClient>, String> {
    BridgeClient::connect(data_dir, Door::Browser).map_err(|e| e.to_string())
}

/// A connection to the app serving `data_dir`'s vault, starting the app if none serves it.
/// The error is a sentence for the page's console saying why Latchkey cannot answer.
pub fn connect_or_start(data_dir: &Path, wait: Duration) -> Result<BridgeClient, String> {
    let untrusted = |e: latchkey_bridge::ClientError| e.to_string();
    if let Some(client) = BridgeClient::connect(data_dir, Door::Browser).map_err(untrusted)? {
        return Ok(client);
    }
    let app =
        app_path().ok_or("cannot tell where the Latchkey app is installed; set LATCHKEY_APP")?;
    let mut child = start(&app).map_err(|e| {
        format!(
            "the Latchkey app is not running and {} cannot be started ({e}); start Latchkey yourself",
            app.display()
        )
    })?;
    let until = Instant::now() + wait;
    loop {
        if let Some(client) = BridgeClient::connect(data_dir, Door::Browser).map_err(untrusted)? {
            return Ok(client);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the Latchkey app ({}) stopped right after starting ({status}); start Latchkey yourself to see why",
                app.display()
            ));
        }
        if Instant::now() >= until {
            return Err(format!(
                "started the Latchkey app ({}) but it did not open its socket within {} s; is it waiting on something?",
                app.display(),
                wait.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `app` in its own process group (a signal to the browser's group does not reach it),
/// with no stdin and its output discarded.
fn start(app: &Path) -> std::io::Result<std::process::Child> {
    let mut cmd = Command::new(app);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()
}
