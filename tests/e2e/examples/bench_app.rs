//! App figures, printed (not asserted): cold start to the first painted list, search latency
//! per keystroke, and idle memory, each with 10 000 passkeys beside the same with 10 in the same
//! run (the machines are shared and noisy; the ratio is the figure to compare).
//! Run: scripts/bench-app.sh

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use latchkey_e2e::Driver;
use latchkey_vault::{alg, KeyStore, OsKeychain, PasskeyRecord, Vault};

fn bin(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug")
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

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The newest process whose command line contains `needle`.
fn newest_pid(needle: &str) -> Option<u32> {
    let mut best = None;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains(needle) && best.is_none_or(|b| pid > b) {
            best = Some(pid);
        }
    }
    best
}

struct Figures {
    start_to_lock_screen: Duration,
    unlock_to_list: Duration,
    keystroke_ms: f64,
    app_rss_mib: f64,
    web_rss_mib: f64,
}

/// Types `text` into the search box one key at a time and returns the median time from the
/// input event to the second animation frame after it (the filtered list painted).
const KEYSTROKES: &str = r#"
const done = arguments[arguments.length - 1];
const box = document.querySelector('[data-testid="search"]');
const text = 'site12';
const times = [];
let i = 0;
function next() {
  if (i === text.length) {
    times.sort((a, b) => a - b);
    box.value = ''; box.dispatchEvent(new Event('input', { bubbles: true }));
    done(times[Math.floor(times.length / 2)]);
    return;
  }
  box.value = text.slice(0, ++i);
  const t0 = performance.now();
  box.dispatchEvent(new Event('input', { bubbles: true }));
  requestAnimationFrame(() => requestAnimationFrame(() => { times.push(performance.now() - t0); setTimeout(next, 50); }));
}
next();
"#;

fn measure(n: u32) -> Figures {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    std::fs::create_dir_all(&dir).unwrap();
    let vault_id = seed(&dir, n);
    let t0 = Instant::now();
    let d = Driver::start(
        &bin("latchkey-app"),
        &[("LATCHKEY_DATA_DIR", dir.to_str().unwrap())],
    );
    d.switch_to_window("main", |t| t == "Latchkey");
    let unlock = d.by_testid("unlock-button");
    let start_to_lock_screen = t0.elapsed();
    let t1 = Instant::now();
    d.click(&unlock);
    d.wait("[data-testid=\"passkey-row\"]");
    let unlock_to_list = t1.elapsed();
    let keystroke_ms = d.execute_async(KEYSTROKES).as_f64().unwrap_or(f64::NAN);
    std::thread::sleep(Duration::from_secs(5));
    let app_rss = newest_pid("target/debug/latchkey-app")
        .map(rss_kib)
        .unwrap_or(0);
    let web_rss = newest_pid("WebKitWebProcess").map(rss_kib).unwrap_or(0);
    drop(d);
    let _ = OsKeychain::new().delete(&vault_id);
    Figures {
        start_to_lock_screen,
        unlock_to_list,
        keystroke_ms,
        app_rss_mib: app_rss as f64 / 1024.0,
        web_rss_mib: web_rss as f64 / 1024.0,
    }
}

fn main() {
    let small = measure(10);
    let big = measure(10_000);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "Latchkey app (debug build, WebKitGTK under Xvfb); ratio = 10 000 passkeys / 10, same run"
    );
    println!("{:<36} {:>10} {:>10} {:>8}", "", "10", "10 000", "ratio");
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        println!(
            "{name:<36} {:>8.1}{unit} {:>8.1}{unit} {:>7.1}x",
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
        ms(small.unlock_to_list),
        ms(big.unlock_to_list),
        "ms",
    );
    row(
        "search, per keystroke (median)",
        small.keystroke_ms,
        big.keystroke_ms,
        "ms",
    );
    row(
        "idle RSS, app process",
        small.app_rss_mib,
        big.app_rss_mib,
        "Mi",
    );
    row(
        "idle RSS, web content process",
        small.web_rss_mib,
        big.web_rss_mib,
        "Mi",
    );
}
