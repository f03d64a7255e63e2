//! App figures, printed (not asserted): launch to the lock screen, unlock to the first painted
//! list, search latency per keystroke, idle memory (PSS of the app and of each WebKit process),
//! and request → approval prompt painted (the first prompt after unlock, then a second),
//! each with 10 000 passkeys beside the same with 10 in the same run (the machines are shared
//! and noisy; the ratio is the figure to compare).
//! Run: scripts/bench-app.sh [--release]   (LATCHKEY_BENCH_PROFILE=release|debug)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use latchkey_e2e::Driver;
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};

/// How long a prompt waits in the app (the session's default): the prompt carries its expiry,
/// so its arrival at the session is `expiresAt - PROMPT_TIMEOUT_MS`.
const PROMPT_TIMEOUT_MS: f64 = 60_000.0;
/// windows.rs PROMPT_LINGER, plus a margin: a prompt window made while locked would be closed
/// by then (the one made at unlock stays while unlocked).
const AFTER_LINGER: Duration = Duration::from_secs(34);

fn profile() -> String {
    std::env::var("LATCHKEY_BENCH_PROFILE").unwrap_or_else(|_| "debug".into())
}

fn bin(profile: &str, name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join(profile)
        .join(name)
}

fn seed(dir: &Path, n: u32) -> String {
    let vault = Vault::init(dir, &OsKeychain::new()).expect("a Secret Service");
    let records: Vec<PasskeyRecord> = (0..n)
        .map(|i| PasskeyRecord {
            credential_id: format!("bench-credential-{i:08}").into_bytes(),
            rp_id: format!("site{}.example.com", i % 700),
            rp_name: Some(format!("Site {}", i % 700)),
            user_handle: format!("user-{i}").into_bytes(),
            user_name: Some(format!("person{i}@mail.example")),
            user_display_name: Some(format!("Person {i}")),
            nickname: (i % 9 == 0).then(|| format!("key {i}")),
            algorithm: alg::ES256,
            private_key: vec![7; 138],
            sign_count: 0,
            created_at: 1_700_000_000 + u64::from(i),
            last_used_at: (i % 3 == 0).then_some(1_760_000_000 + u64::from(i)),
            use_count: u64::from(i % 5),
            cred_protect: 1,
            cred_random_with_uv: None,
            cred_random_without_uv: None,
            backup_eligible: true,
            backup_state: false,
        })
        .collect();
    for chunk in records.chunks(2000) {
        vault.create_many(chunk).unwrap();
    }
    vault.id().to_owned()
}

/// Proportional set size (shared pages split between their users), KiB.
fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn parent(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("PPid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The newest process running `exe`.
fn app_pid(exe: &Path) -> Option<u32> {
    let exe = exe.canonicalize().ok()?;
    pids()
        .into_iter()
        .filter(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == exe))
        .max()
}

/// PSS of the newest app running `exe` and of each of its WebKit processes.
fn memory(exe: &Path) -> Memory {
    app_pid(exe).map(memory_of).unwrap_or_default()
}

/// PSS of the app `app` and of each of its WebKit processes: (name, MiB), app first.
fn memory_of(app: u32) -> Memory {
    let mib = |p| pss_kib(p) as f64 / 1024.0;
    let mut out = vec![("app".to_owned(), mib(app))];
    // Its children, or theirs where a sandbox (bwrap) sits between.
    let below_app = |mut p: u32| {
        for _ in 0..8 {
            match parent(p) {
                Some(q) if q == app => return true,
                Some(q) if q > 1 => p = q,
                _ => return false,
            }
        }
        false
    };
    let mut children: Vec<u32> = pids()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.starts_with("WebKit"))
                && below_app(*p)
        })
        .collect();
    children.sort();
    let mut webs = 0;
    for c in children {
        let comm = std::fs::read_to_string(format!("/proc/{c}/comm")).unwrap_or_default();
        let name = if comm.starts_with("WebKitWebProces") {
            webs += 1;
            format!("web content #{webs}")
        } else if comm.starts_with("WebKitNetworkPr") {
            "network".to_owned()
        } else {
            comm.trim().to_owned()
        };
        out.push((name, mib(c)));
    }
    out
}

fn total(m: &[(String, f64)]) -> f64 {
    m.iter().map(|(_, v)| v).sum()
}

/// Clicks Unlock in the page and returns the time from the click to the second frame after
/// the first passkey row is in the document (the list painted), in ms.
const UNLOCK_TO_LIST: &str = r#"
const done = arguments[arguments.length - 1];
const t0 = performance.now();
const painted = () => requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
const seen = () => document.querySelector('[data-testid="passkey-row"]');
const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); painted(); } });
obs.observe(document.body, { childList: true, subtree: true });
document.querySelector('[data-testid="unlock-button"]').click();
"#;

/// Types `text` into the search box one key at a time and returns the medians of the time
/// from the input event to the frame after it (the filtered list painted) and of the time from
/// the input event to the end of the page's work for it (the list updated in the document, the
/// next task; no frame waited for: a frame comes every 16.7 ms, so the first figure includes
/// up to one frame of waiting).
const KEYSTROKES: &str = r#"
const done = arguments[arguments.length - 1];
const box = document.querySelector('[data-testid="search"]');
const text = 'site12';
const times = [];
const work = [];
const median = (v) => { v.sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
let i = 0;
function next() {
  if (i === text.length) {
    box.value = ''; box.dispatchEvent(new Event('input', { bubbles: true }));
    done([median(times), median(work)]);
    return;
  }
  box.value = text.slice(0, ++i);
  const t0 = performance.now();
  box.dispatchEvent(new Event('input', { bubbles: true }));
  setTimeout(() => work.push(performance.now() - t0), 0);
  requestAnimationFrame(() => setTimeout(() => { times.push(performance.now() - t0); setTimeout(next, 50); }, 0));
}
next();
"#;

/// The `list_passkeys` call alone, from the page (the session's list, its JSON and the IPC),
/// median of 3, ms: the part of unlock → first painted list the page does not do.
const LIST_CALL: &str = r#"
const done = arguments[arguments.length - 1];
const i = window.__TAURI_INTERNALS__;
const times = [];
const once = () => {
  const t0 = performance.now();
  i.invoke('list_passkeys').then(() => {
    times.push(performance.now() - t0);
    if (times.length < 3) once();
    else { times.sort((a, b) => a - b); done(times[1]); }
  }, (e) => done(String(e)));
};
once();
"#;

/// In the prompt window: waits for the paint mark of the prompt shown and returns the ms from
/// the request's arrival at the session to that paint; then denies the prompt.
const PROMPT_PAINTED: &str = r#"
const done = arguments[arguments.length - 1];
const i = window.__TAURI_INTERNALS__;
const waitPrompt = () => i.invoke('current_prompt').then((p) => {
  if (!p) { setTimeout(waitPrompt, 5); return; }
  const name = 'prompt-painted:' + p.id;
  const poll = () => {
    const m = performance.getEntriesByName(name);
    if (!m.length) { setTimeout(poll, 5); return; }
    const ms = performance.timeOrigin + m[0].startTime - (p.expiresAt - TIMEOUT);
    i.invoke('answer_prompt', { id: p.id, approve: false, account: null }).then(() => done(ms), (e) => done(String(e)));
  };
  poll();
}, (e) => done(String(e)));
waitPrompt();
"#;

/// A CLI sign-in at site1.example.com (answered in the app's prompt), in the background.
fn sign_in(profile: &str, dir: &Path) -> std::thread::JoinHandle<()> {
    // The CLI is only the messenger here; the debug one is fine and always built.
    let cli = if bin(profile, "latchkey").exists() {
        bin(profile, "latchkey")
    } else {
        bin("debug", "latchkey")
    };
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        use std::io::Write;
        let mut child = Command::new(cli)
            .arg("--data-dir")
            .arg(&dir)
            .args(["webauthn", "get", "--origin", "https://site1.example.com"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the latchkey CLI (cargo build -p latchkey-cli)");
        let _ = child.stdin.take().unwrap().write_all(
            br#"{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rpId":"site1.example.com","userVerification":"preferred"}"#,
        );
        let _ = child.wait();
    })
}

fn prompt_ms(d: &Driver, profile: &str, dir: &Path) -> f64 {
    d.switch_to_window("main", |t| t == "Latchkey");
    let cli = sign_in(profile, dir);
    d.switch_to_window("prompt", |t| t.contains("Approve"));
    let ms = d
        .execute_async(&PROMPT_PAINTED.replace("TIMEOUT", &PROMPT_TIMEOUT_MS.to_string()))
        .as_f64()
        .unwrap_or(f64::NAN);
    let _ = cli.join();
    d.switch_to_window("main", |t| t == "Latchkey");
    ms
}

/// PSS per process: (name, MiB), the app first.
type Memory = Vec<(String, f64)>;

/// (first prompt ms, second prompt ms, memory with the prompt window open, memory 34 s after)
type PromptFigures = (f64, f64, Memory, Memory);

struct Figures {
    start_to_lock_screen: Duration,
    unlock_to_list_ms: f64,
    list_call_ms: f64,
    keystroke_ms: f64,
    keystroke_work_ms: f64,
    idle: Memory,
    prompt: Option<PromptFigures>,
}

fn measure(profile: &str, n: u32, with_prompt: bool) -> Figures {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    std::fs::create_dir_all(&dir).unwrap();
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let vault_id = seed(&dir, n);
    let exe = bin(profile, "latchkey-app");
    let t0 = Instant::now();
    let d = Driver::start(
        &exe,
        &[
            ("LATCHKEY_DATA_DIR", dir.to_str().unwrap()),
            ("XDG_CONFIG_HOME", config.to_str().unwrap()),
            // As the app sets it (Driver::start turns it off for the tests).
            ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ],
    );
    d.switch_to_window("main", |t| t == "Latchkey");
    d.by_testid("unlock-button");
    let start_to_lock_screen = t0.elapsed();
    let unlock_to_list_ms = d.execute_async(UNLOCK_TO_LIST).as_f64().unwrap_or(f64::NAN);
    let keys = d.execute_async(KEYSTROKES);
    let keystroke_ms = keys[0].as_f64().unwrap_or(f64::NAN);
    let keystroke_work_ms = keys[1].as_f64().unwrap_or(f64::NAN);
    let list_call_ms = d.execute_async(LIST_CALL).as_f64().unwrap_or(f64::NAN);
    std::thread::sleep(Duration::from_secs(5));
    let idle = memory(&exe);
    let prompt = with_prompt.then(|| {
        let cold = prompt_ms(&d, profile, &dir);
        let warm = prompt_ms(&d, profile, &dir);
        let open = memory(&exe);
        std::thread::sleep(AFTER_LINGER);
        let closed = memory(&exe);
        (cold, warm, open, closed)
    });
    drop(d);
    let _ = OsKeychain::new().delete(&vault_id);
    Figures {
        start_to_lock_screen,
        unlock_to_list_ms,
        list_call_ms,
        keystroke_ms,
        keystroke_work_ms,
        idle,
        prompt,
    }
}

/// How long the app is left alone before its memory is read: the list is painted and the
/// WebKit processes have settled long before.
const SETTLE: Duration = Duration::from_secs(8);

/// Memory of the app started plainly, as a person starts it: no tauri-driver and no
/// WebKitWebDriver automation session in its web process (the figures above run under one,
/// which keeps its own state there). It is unlocked through its socket with the browser
/// extension's `unlock` op (the OS check runs as for any unlock), then left alone.
/// `env` is added to the app's environment (to compare WebKit settings in one run).
/// Returns (at the lock screen, unlocked).
fn measure_plain(profile: &str, n: u32, env: &[(&str, &str)]) -> (Memory, Memory) {
    use latchkey_bridge::protocol::{Door, Op};
    use latchkey_bridge::BridgeClient;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    std::fs::create_dir_all(&dir).unwrap();
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let vault_id = seed(&dir, n);
    let mut app = Command::new(bin(profile, "latchkey-app"))
        .env("LATCHKEY_DATA_DIR", &dir)
        .env("XDG_CONFIG_HOME", &config)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app (cargo build -p latchkey-app)");
    let until = Instant::now() + Duration::from_secs(60);
    let mut client = loop {
        if let Ok(Some(mut c)) = BridgeClient::connect(&dir, Door::Program) {
            if c.call(Op::Status).is_ok() {
                break c;
            }
        }
        assert!(Instant::now() < until, "the app's socket did not answer");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(SETTLE);
    let locked = memory_of(app.id());
    client
        .call(Op::Unlock)
        .expect("unlock through the app's socket");
    std::thread::sleep(SETTLE);
    let unlocked = memory_of(app.id());
    let _ = client.call(Op::Lock);
    let _ = app.kill();
    let _ = app.wait();
    let _ = OsKeychain::new().delete(&vault_id);
    (locked, unlocked)
}

fn print_memory(label: &str, m: &[(String, f64)]) {
    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v:.0}")).collect();
    println!(
        "  {label:<34} {:>6.0} MiB PSS  ({})",
        total(m),
        parts.join(", ")
    );
}

/// WebKit's own defaults for what the app sets to save memory (see src-tauri/webkit_memory.rs):
/// the app reads this switch only to let this bench print before beside after.
const WEBKIT_DEFAULTS: (&str, &str) = ("LATCHKEY_BENCH_WEBKIT_DEFAULTS", "1");

fn plain_figures(profile: &str) {
    println!(
        "The app started plainly (no WebDriver), unlocked through its socket, {}s later:",
        SETTLE.as_secs()
    );
    for (label, n, env) in [
        ("10, as built", 10, &[][..]),
        ("10, WebKit defaults", 10, &[WEBKIT_DEFAULTS][..]),
        ("10 000, as built", 10_000, &[][..]),
    ] {
        let (locked, unlocked) = measure_plain(profile, n, env);
        print_memory(&format!("lock screen, {label}"), &locked);
        print_memory(&format!("unlocked, {label}"), &unlocked);
    }
}

fn main() {
    let profile = profile();
    if std::env::var_os("LATCHKEY_BENCH_PLAIN_ONLY").is_some() {
        plain_figures(&profile);
        return;
    }
    let small = measure(&profile, 10, true);
    let big = measure(&profile, 10_000, false);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "Latchkey app ({profile} build, WebKitGTK under Xvfb); ratio = 10 000 passkeys / 10, same run"
    );
    println!("{:<36} {:>10} {:>10} {:>8}", "", "10", "10 000", "ratio");
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        println!(
            "{name:<36} {:>8.1}{unit} {:>8.1}{unit} {:>7.2}x",
            a,
            b,
            b / a
        );
    };
    row(
        "launch → lock screen",
        ms(small.start_to_lock_screen),
        ms(big.start_to_lock_screen),
        "ms",
    );
    row(
        "unlock → first painted list",
        small.unlock_to_list_ms,
        big.unlock_to_list_ms,
        "ms",
    );
    row(
        "list_passkeys call alone (median 3)",
        small.list_call_ms,
        big.list_call_ms,
        "ms",
    );
    row(
        "search, keystroke → next frame",
        small.keystroke_ms,
        big.keystroke_ms,
        "ms",
    );
    row(
        "search, keystroke → list updated",
        small.keystroke_work_ms,
        big.keystroke_work_ms,
        "ms",
    );
    row(
        "idle PSS, all processes",
        total(&small.idle),
        total(&big.idle),
        "Mi",
    );
    row(
        "idle PSS, app process",
        small.idle.first().map_or(0.0, |m| m.1),
        big.idle.first().map_or(0.0, |m| m.1),
        "Mi",
    );
    println!("Memory (PSS per process):");
    println!(
        "  (under tauri-driver: its WebKitWebDriver automation session lives in the web process)"
    );
    print_memory("idle, 10 passkeys", &small.idle);
    print_memory("idle, 10 000 passkeys", &big.idle);
    if let Some((cold, warm, open, closed)) = &small.prompt {
        print_memory("prompt window open (10)", open);
        print_memory("34 s after the last prompt (10)", closed);
        println!("Request at the session → prompt painted (10 passkeys):");
        println!("  first prompt after unlock          {cold:>8.1}ms");
        println!("  second prompt                      {warm:>8.1}ms");
    }
    plain_figures(&profile);
}
