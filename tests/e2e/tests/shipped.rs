//! The app as a person starts it: no tauri-driver, no WebKitWebDriver, WebKit with the settings
//! the app sets for itself (src-tauri/webkit_memory.rs turns accelerated compositing off). The
//! other e2e files must run the app with compositing on, because WebKitWebDriver answers clicks
//! and screenshots only after a composited frame; this file is what checks that the app as
//! shipped paints its lock screen, its list and its approval prompt. It looks at the whole X
//! screen, as a person would: a capture with ImageMagick's `import`, and X's own list of mapped
//! windows.
//!
//! Needs the built app and CLI, Xvfb, a Secret Service and polkit: scripts/test.sh provides all
//! of it and runs these with `--ignored`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use latchkey_bridge::protocol::{Door, Op};
use latchkey_bridge::BridgeClient;

const SITE: &str = "example.com";
const ORIGIN: &str = "https://example.com";
/// How the main window's and the prompt window's titles ("Latchkey", "Latchkey — approve")
/// appear in `xwininfo -tree` (it may escape the dash's UTF-8 bytes).
const MAIN_TITLE: &str = "\"Latchkey\"";
const PROMPT_TITLE_END: &str = "approve\"";

/// The app, killed when the test ends however it ends.
struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the app plainly on `data_dir` with a fresh config dir, and waits for its socket.
fn start_plain(data_dir: &Path) -> (App, BridgeClient) {
    let config = data_dir.with_file_name("config-plain");
    std::fs::create_dir_all(&config).unwrap();
    let app = App(Command::new(target_bin("latchkey-app"))
        .env("LATCHKEY_DATA_DIR", data_dir)
        .env("XDG_CONFIG_HOME", &config)
        // What a person's session has: nothing telling WebKit how to composite.
        .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app (cargo build -p latchkey-app)"));
    let until = Instant::now() + Duration::from_secs(60);
    let client = loop {
        if let Ok(Some(mut c)) = BridgeClient::connect(data_dir, Door::Program) {
            if c.call(Op::Status).is_ok() {
                break c;
            }
        }
        assert!(Instant::now() < until, "the app's socket did not answer");
        std::thread::sleep(Duration::from_millis(100));
    };
    (app, client)
}

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                // "pid (comm) state ppid ...": comm may hold spaces, so read after the ')'.
                .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.to_owned()))
                .and_then(|rest| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(pid)
        })
        .collect()
}

/// The name of process `pid`.
fn comm_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The value of `name` in the environment process `pid` was started with.
fn env_of(pid: u32, name: &str) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    raw.split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

/// The mapped, viewable X window whose line in `xwininfo -tree` contains `needle` (its title
/// in quotes, as xwininfo prints it): its geometry.
fn viewable_window(needle: &str) -> Option<(u32, u32, i32, i32)> {
    let tree = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .expect("xwininfo (x11-utils)");
    let tree = String::from_utf8_lossy(&tree.stdout).into_owned();
    tree.lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .find_map(|id| {
            let info = Command::new("xwininfo").args(["-id", &id]).output().ok()?;
            let info = String::from_utf8_lossy(&info.stdout).into_owned();
            if !info.contains("IsViewable") {
                return None;
            }
            let field = |name: &str| -> Option<i64> {
                info.lines()
                    .find_map(|l| l.trim().strip_prefix(name))
                    .and_then(|v| v.trim().parse().ok())
            };
            Some((
                field("Width:")? as u32,
                field("Height:")? as u32,
                field("Absolute upper-left X:")? as i32,
                field("Absolute upper-left Y:")? as i32,
            ))
        })
}

/// Waits for [`viewable_window`].
fn wait_for_window(needle: &str) -> (u32, u32, i32, i32) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(g) = viewable_window(needle) {
            return g;
        }
        assert!(
            Instant::now() < until,
            "no window matching {needle:?} was mapped"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Captures the whole screen into `path`.
fn capture(path: &Path) {
    let ok = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .status()
        .expect("import (imagemagick; scripts/setup.sh --test installs it)")
        .success();
    assert!(ok, "the whole-screen capture failed");
}

/// How many distinct colours the part of `image` at `geometry` holds. A window WebKit never
/// painted is one flat colour (or two, with a border); text, icons and buttons give hundreds.
fn colours_in(image: &Path, (w, h, x, y): (u32, u32, i32, i32)) -> u64 {
    let out = Command::new("convert")
        .arg(image)
        .args([
            "-crop",
            &format!("{w}x{h}+{x}+{y}"),
            "+repage",
            "-format",
            "%k",
            "info:",
        ])
        .output()
        .expect("convert (imagemagick)");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("convert printed {:?}", String::from_utf8_lossy(&out.stderr)))
}

/// How many pixels differ between the same part of two captures.
fn pixels_changed(a: &Path, b: &Path, (w, h, x, y): (u32, u32, i32, i32)) -> u64 {
    let crop = format!("{w}x{h}+{x}+{y}");
    let out = Command::new("compare")
        .args(["-metric", "AE"])
        .arg(a)
        .args(["-crop", &crop])
        .arg(b)
        .args(["-crop", &crop, "null:"])
        .output()
        .expect("compare (imagemagick)");
    // compare prints the metric on stderr and exits 1 when the images differ.
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("compare printed {text:?}")) as u64
}

fn shot(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    capture(&p);
    p
}

#[test]
#[ignore = "needs the built app and a display; scripts/test.sh runs it"]
fn the_app_as_shipped_paints_its_lock_screen_list_and_prompt() {
    let (tmp, _keychain, cli) = fresh_vault();
    let rp = rp(SITE);
    let passkey = seed(&cli, SITE, "alice");
    seed(&cli, SITE, "bob");

    let (app, mut client) = start_plain(&cli.data_dir);
    let main = wait_for_window(MAIN_TITLE);
    // The app sets it in its own environment before WebKit starts; its web process inherits it.
    let web: Vec<u32> = children_of(app.0.id())
        .into_iter()
        .filter(|p| comm_of(*p).starts_with("WebKitWebProces"))
        .collect();
    assert!(!web.is_empty(), "the app has a web process");
    for p in &web {
        assert_eq!(
            env_of(*p, "WEBKIT_DISABLE_COMPOSITING_MODE").as_deref(),
            Some("1"),
            "the app turns compositing off for its web process (webkit_memory.rs)"
        );
    }
    // Let the page load and paint (the socket answers before the page is up).
    std::thread::sleep(Duration::from_secs(3));
    let locked = shot(tmp.path(), "locked.png");
    let lock_colours = colours_in(&locked, main);
    assert!(
        lock_colours > 50,
        "the lock screen is painted (the main window holds {lock_colours} colours)"
    );

    client.call(Op::Unlock).expect("unlock through the socket");
    std::thread::sleep(Duration::from_secs(3));
    let unlocked = shot(tmp.path(), "unlocked.png");
    let changed = pixels_changed(&locked, &unlocked, main);
    assert!(
        changed > 5_000,
        "the list replaced the lock screen on screen ({changed} pixels changed)"
    );
    assert!(colours_in(&unlocked, main) > 50, "the list is painted");

    // A sign-in from the CLI raises the approval prompt, made hidden at unlock.
    let (_state, pending) = {
        let (rcr, state) = rp
            .start_passkey_authentication(std::slice::from_ref(&passkey))
            .unwrap();
        let options = serde_json::to_string(&rcr).unwrap();
        let data_dir = cli.data_dir.clone();
        let pending = std::thread::spawn(move || {
            Cli { data_dir }.run(&["webauthn", "get", "--origin", ORIGIN], &options)
        });
        (state, pending)
    };
    let prompt = wait_for_window(PROMPT_TITLE_END);
    std::thread::sleep(Duration::from_secs(1));
    let asking = shot(tmp.path(), "prompt.png");
    let prompt_colours = colours_in(&asking, prompt);
    assert!(
        prompt_colours > 50,
        "the approval prompt is painted ({prompt_colours} colours in its window)"
    );

    println!(
        "as shipped: lock screen {lock_colours} colours, list changed {changed} pixels, prompt {prompt_colours} colours"
    );
    if let Ok(dir) = std::env::var("LATCHKEY_KEEP_CAPTURES") {
        for f in [&locked, &unlocked, &asking] {
            let _ = std::fs::copy(f, Path::new(&dir).join(f.file_name().unwrap()));
        }
    }

    // Ending the app ends the request: the CLI reports it and exits.
    drop(app);
    let (code, _, err) = pending.join().unwrap();
    assert_ne!(code, 0, "no sign-in without an approval: {err}");
}
